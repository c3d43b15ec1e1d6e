#!/bin/bash
# Truncate up, down mid-unit and up, to 0, mmap'ed, to the maximum size:
# zeros past the old end (inside the last unit too), old bytes never back,
# data before the cut intact, units freed; units 16k/4k/64k, after remount.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
for opts in "" "-a 4k" "-a 64k"; do
	# shellcheck disable=SC2086
	mkfs_mount $opts
	run_ok truncate_check run "$MNT"
	remount
	run_ok truncate_check verify "$MNT"
	umount_fsck
	info "mkfs ${opts:-(default)} ok"
done
scsi_dev_remove
info ok
