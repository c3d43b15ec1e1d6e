#!/bin/bash
# A block bitmap block with a bad checksum: the mount, which counts free
# space from the bitmaps, fails with EUCLEAN and one log line; fsck names
# it, -y rewrites the bitmaps from what is in use, and the data is intact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
dbg mkfile 1 data 100000 >/dev/null
bb=$(dbg sb | awk '$1 == "bbitmap_start" { print $2 }')
dbg csum-break "$bb"
img_attach

mount_fails EUCLEAN "bitmap block $bb: bad checksum"
fsck_is 4 "^block bitmap block $bb: checksum mismatch" -n
fsck_is 4 "superblock: error state set" -n
repair_and_mount
mount_ok
assert_eq "data size" 100000 "$(stat -c %s "$MNT/data")"
# Allocation works from the rewritten bitmap.
op_is create "$MNT/new" ok
umount_fsck
corrupt_done
