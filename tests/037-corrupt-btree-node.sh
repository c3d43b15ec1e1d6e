#!/bin/bash
# A directory tree node with a valid checksum but keys out of order (a bug's
# write, not a bit flip): lookup and listing fail with EUCLEAN, one log line,
# read-only; fsck names the node and -y rebuilds the tree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
d=$(dbg mkdir 1 d)
dbg populate "$d" 10 100 >/dev/null
read -r leaf level nr <<<"$(dbg tree "$d")"
assert_eq "tree of d: one leaf of 10 items" "0 10" "$level $nr"
# Items follow the 32-byte node header, 16 bytes each, key first: give
# item 1 the key of item 0, then make the checksum match again.
key0=$(od -A n -t u8 -j $((leaf * 4096 + 32)) -N 8 "$IMG" | tr -d ' ')
dd if="$IMG" of="$IMG" bs=1 skip=$((leaf * 4096 + 32)) \
	seek=$((leaf * 4096 + 48)) count=8 conv=notrunc status=none
run_ok recsum_block "$IMG" "$leaf"
img_attach

mount_ok
op_is stat "$MNT/d" ok
meets_corruption stat "$MNT/d/f3" \
	"inode $d: directory tree block $leaf: key $key0 of entry 1 out of order"
# Listing meets it too (and logs again: the node is checked at each read
# until it is good; getdents first returns "." and "..", then the error).
dmesg_mark
op_is readdir "$MNT/d" EUCLEAN
expect_log "inode $d: directory tree block $leaf: key $key0 of entry 1 out of order"
run_ok umount "$MNT"

fsck_is 4 "^inode $d: directory tree block $leaf: key $key0 of entry 1 is not above key $key0 of entry 0" -n
repair_and_mount
mount_ok
assert_eq "entries of d" "f0 f1 f2 f3 f4 f5 f6 f7 f8 f9" \
	"$(ls "$MNT/d" | sort | xargs)"
umount_fsck
corrupt_done
