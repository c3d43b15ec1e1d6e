#!/bin/bash
# A superblock without the atomfs magic is not atomfs: the mount fails with
# EINVAL and one log line saying so; fsck refuses it (exit 8, as e2fsck on a
# foreign device) with -n and -y alike, and writes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
dbg mkfile 1 data 100000 >/dev/null
dbg sb-set-raw magic 0x12345678
img_attach

mount_fails EINVAL "not an atomfs filesystem \(bad magic 0x12345678\)"
fsck_is 8 "superblock: bad magic 0x12345678: not an atomfs filesystem" -n
before=$(md5sum <"$DEV")
fsck_is 8 "superblock: bad magic 0x12345678: not an atomfs filesystem" -y
assert_eq "device after fsck -y" "$before" "$(md5sum <"$DEV")"
mount_fails EINVAL "bad magic"
corrupt_done
