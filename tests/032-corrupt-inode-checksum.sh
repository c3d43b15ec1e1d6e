#!/bin/bash
# An inode with a bad checksum: the mount succeeds, the lookup that reads it
# fails with EUCLEAN and one log line, the filesystem turns read-only with
# the error recorded for fsck; fsck -y clears the inode and its name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
victim=$(dbg mkfile 1 victim 100000)
dbg mkfile 1 keeper 50000 >/dev/null
dbg csum-break-inode "$victim"
img_attach

mount_ok
meets_corruption stat "$MNT/victim" "inode $victim: bad checksum"
op_is read "$MNT/keeper" ok
run_ok umount "$MNT"

fsck_is 4 "^inode $victim: checksum mismatch" -n
fsck_is 4 "superblock: error state set" -n
repair_and_mount
mount_ok
op_is stat "$MNT/victim" ENOENT
assert_eq "keeper size" 50000 "$(stat -c %s "$MNT/keeper")"
umount_fsck
corrupt_done
