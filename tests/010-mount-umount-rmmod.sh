#!/bin/bash
# mkfs, load, mount, a file written and read, umount, fsck clean, rmmod
# clean; statfs agrees with the superblock; /proc/mounts lists the mount.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
mkfs_mount -L demo
grep -q " $MNT atomfs " /proc/mounts || fail "mount not in /proc/mounts"
echo hello >"$MNT/hello"
assert_eq "content" hello "$(cat "$MNT/hello")"
assert_eq "statfs f_type" 41544f4d "$(stat -f -c %t "$MNT")"
assert_eq "block size" 4096 "$(stat -f -c %S "$MNT")"
remount
assert_eq "content after remount" hello "$(cat "$MNT/hello")"
umount_fsck
assert_eq "label" "label demo" "$($DBG "$DEV" sb | grep '^label ')"
atomfs_unload
grep -q -w atomfs /proc/filesystems && fail "atomfs still registered after rmmod"
scsi_dev_remove
info ok
