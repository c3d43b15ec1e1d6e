#!/bin/bash
# A directory entry that leads back to its own directory (a loop): the
# lookup fails with EUCLEAN and one log line, read-only; fsck names the
# loop, -y removes the entry and reconnects the orphaned subtree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
d1=$(dbg mkdir 1 d1)
d2=$(dbg mkdir "$d1" d2)
dbg mkfile "$d2" f 5000 >/dev/null
dbg dirent-set-ino "$d1" d2 "$d1"
img_attach

mount_ok
op_is readdir "$MNT/d1" ok
meets_corruption stat "$MNT/d1/d2" \
	"directory $d1: entry 'd2' leads to directory $d1 whose parent is 1"
run_ok umount "$MNT"

fsck_is 4 "^directory $d1: loop \(entry 'd2' in directory $d1 points back to it\)" -n
repair_and_mount
mount_ok
op_is stat "$MNT/d1/d2" ENOENT
assert_eq "f reconnected" 5000 "$(stat -c %s "$MNT/lost+found/#$d2/f")"
umount_fsck
corrupt_done
