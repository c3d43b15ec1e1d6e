#!/bin/bash
# A directory tree node whose block the block bitmap marks free (checksum
# recomputed): the allocator would hand the block out again and the next
# file written would overwrite the directory.  The node is refused when it
# is read: EUCLEAN, one log line, read-only; fsck names the block, -y marks
# it in use again and the directory is whole.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
d=$(dbg mkdir 1 d)
dbg populate "$d" 10 100 >/dev/null
read -r leaf level nr <<<"$(dbg tree "$d")"
assert_eq "tree of d: one leaf of 10 items" "0 10" "$level $nr"
dbg bitmap-set "$leaf" 0
img_attach

mount_ok
op_is stat "$MNT/d" ok
meets_corruption stat "$MNT/d/f3" \
	"inode $d: directory tree block $leaf: marked free in the block bitmap"
run_ok umount "$MNT"

fsck_is 4 "^block $leaf: marked free but used by inode $d$" -n
repair_and_mount
mount_ok
assert_eq "entries of d" "f0 f1 f2 f3 f4 f5 f6 f7 f8 f9" \
	"$(ls "$MNT/d" | sort | xargs)"
umount_fsck
corrupt_done
