#!/bin/bash
# An image cut short (the device is smaller than the filesystem): the mount
# fails with EINVAL and one log line; fsck names it and cannot repair it
# (exit 4 with -n and -y); restored to full length it mounts again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
dbg populate 1 8 100000 >/dev/null
truncate -s 32M "$IMG"
img_attach

mount_fails EINVAL "filesystem has 16384 blocks but the device only 8192 \(truncated image\?\)"
fsck_is 4 "the filesystem has 16384 blocks but the device only 8192 \(truncated image\?\)" -n
fsck_is 4 "truncated image" -y
img_detach
# What was cut off held no metadata: the full length brings it all back.
truncate -s 64M "$IMG"
img_attach
fsck_is 0 "" -n
mount_ok
assert_eq "files" 8 "$(ls "$MNT" | wc -l)"
umount_fsck
corrupt_done
