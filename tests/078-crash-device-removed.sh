#!/bin/bash
# The device of a mounted atomfs goes away (scsi_debug's disk deleted with
# dirty data and metadata in memory): the kernel calls ->shutdown, atomfs
# shuts down at once (one log line, /sys/fs/atomfs/<dev>/shutdown says 1),
# later changes fail with EIO, the guest's log shows no WARNING (the failed
# write of the superblock before it included), unmount works; the disk
# found again mounts, recovers its journal, holds what was fsync'd, and
# fsck finds it clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

scsi_dev_atomic 64
mkfs_mount -a 16k
run_ok fsync_persist write "$MNT/kept" 70000 1 fsync
run_ok fsync_persist write "$MNT/unsynced" 30000 2 none
name=${DEV##*/}
dmesg_mark
echo 1 >"/sys/block/$name/device/delete"
for ((i = 0; i < 50; i++)); do
	[[ -e /sys/block/$name ]] || break
	sleep 0.1
done
expect_log "atomfs \($name\): shut down at once"
assert_eq "shutdown" 1 "$(ctr shutdown)"
run_fail touch "$MNT/new"
run_ok umount "$MNT"
for h in /sys/class/scsi_host/host*; do
	echo "- - -" >"$h/scan"
done
name=$(wait_for_disk \
	'/sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*') ||
	fail "the disk did not come back"
DEV=/dev/$name
run_ok mount -t atomfs "$DEV" "$MNT"
run_ok fsync_persist verify "$MNT/kept" 70000 1
umount_fsck
scsi_dev_remove
info ok
