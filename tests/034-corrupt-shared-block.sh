#!/bin/bash
# Two files mapping the same blocks: fsck names the overlap.  The kernel
# cannot see it (no reverse map) until the blocks are freed twice: the
# second free fails with EUCLEAN, one log line, read-only; fsck -y repairs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
a=$(dbg mkfile 1 a 20000)
b=$(dbg mkfile 1 b 20000)
pblk=$(dbg extents "$a" | awk '$1 == 0 { print $2 }')
[[ -n $pblk ]] || fail "no extent at block 0 of inode $a"
dbg extent-set "$b" 0 pblk "$pblk"
img_attach

fsck_is 4 "^inode $b: extent at lblk 0 -> $pblk\+8 overlaps inode $a" -n
mount_ok
cmp -s "$MNT/a" "$MNT/b" || fail "a and b do not read the same blocks"
# Unlinking b frees a's blocks: nothing on disk says they are a's too.
op_is unlink "$MNT/b" ok
sync
meets_corruption truncate "$MNT/a" "freeing blocks $pblk\+8 that are already free"
run_ok umount "$MNT"

fsck_is 4 "marked free but in use" -n
repair_and_mount
mount_ok
assert_eq "a's size" 20000 "$(stat -c %s "$MNT/a")"
op_is stat "$MNT/b" ENOENT
umount_fsck
corrupt_done
