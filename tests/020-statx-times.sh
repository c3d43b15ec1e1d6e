#!/bin/bash
# statx for atomic units of 4k, 16k and 64k: stx_blksize is the unit and
# stx_blocks counts whole units; nanosecond times, btime, the POSIX ctime and
# mtime rules, relatime, owner and mode; all read back exactly after remount.
. "$(dirname "$0")/lib.sh"

STATE=/tmp/$TEST.state
scsi_dev 128
for a in 4k 16k 64k; do
	mkfs_mount -a $a
	unit=$(cat "/sys/fs/atomfs/$(basename "$DEV")/atomic_unit")
	assert_eq "atomic unit of mkfs -a $a" $((${a%k} * 1024)) "$unit"
	mkdir "$MNT/t"
	run_ok statx_times setup "$MNT/t" "$unit" "$STATE"
	run_ok statx_times verify "$MNT/t" "$unit" "$STATE"
	remount
	run_ok statx_times verify "$MNT/t" "$unit" "$STATE"
	umount_fsck
	run_ok mount -t atomfs "$DEV" "$MNT"
	drop_caches
	run_ok statx_times verify "$MNT/t" "$unit" "$STATE"
	assert_eq "stat(1) block size of a file ($a)" "$unit" \
		"$(stat -c %o "$MNT/t/sub/one")"
	umount_fsck
	info "unit $a ok"
done
scsi_dev_remove
info ok
