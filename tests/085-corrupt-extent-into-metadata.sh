#!/bin/bash
# Extents that map file blocks onto the fixed metadata (the inode table,
# the journal): an O_DIRECT read fails with EUCLEAN and one log line
# before any I/O reaches those blocks, the filesystem turns read-only;
# fsck names the extent, -y drops it (a hole).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
a=$(dbg mkfile 1 a 20000)
b=$(dbg mkfile 1 b 20000)
sb=$(dbg sb)
field() { awk -v k="$1" '$1 == k { print $2 }' <<<"$sb"; }
# unit-aligned (16 KiB units), as the extents they replace
it=$((($(field itable_start) + 3) / 4 * 4))
jn=$((($(field journal_start) + 7) / 4 * 4))
dbg extent-set "$a" 0 pblk "$it"
dbg extent-set "$b" 0 pblk "$jn"
img_attach

mount_ok errors=continue
dmesg_mark
op_is dread "$MNT/a" EUCLEAN
one_log_line "inode $a: bad extent at block 0: $it\+8"
dmesg_mark
op_is dread "$MNT/b" EUCLEAN
one_log_line "inode $b: bad extent at block 0: $jn\+8"
run_ok umount "$MNT"
mount_ok
meets_corruption dread "$MNT/b" "inode $b: bad extent at block 0: $jn\+8"
run_ok umount "$MNT"

fsck_is 4 "^inode $a: extent at lblk 0 -> $it\+8 lies before the data area" -n
fsck_is 4 "^inode $b: extent at lblk 0 -> $jn\+8 lies before the data area" -n
repair_and_mount
mount_ok
for f in a b; do
	assert_eq "$f reads as a hole" 0 "$(tr -d '\0' <"$MNT/$f" | wc -c)"
done
umount_fsck
corrupt_done
