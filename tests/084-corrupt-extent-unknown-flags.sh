#!/bin/bash
# An extent with a flag bit the format does not define (checksum
# recomputed): an O_DIRECT read fails with EUCLEAN and one log line, the
# filesystem turns read-only; fsck names the extent, -y drops it (a hole).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
victim=$(dbg mkfile 1 victim 20000)
read -r _ pblk len <<<"$(dbg extents "$victim")"
dbg extent-set "$victim" 0 flags 2
img_attach

mount_ok
op_is stat "$MNT/victim" ok
meets_corruption dread "$MNT/victim" \
	"inode $victim: extent at block 0: unknown flags 0x2"
run_ok umount "$MNT"

fsck_is 4 "^inode $victim: extent at lblk 0 -> $pblk\+$len has unknown flags" -n
repair_and_mount
mount_ok
assert_eq "size kept" 20000 "$(stat -c %s "$MNT/victim")"
assert_eq "reads as a hole" 0 "$(tr -d '\0' <"$MNT/victim" | wc -c)"
umount_fsck
corrupt_done
