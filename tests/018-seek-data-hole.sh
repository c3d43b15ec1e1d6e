#!/bin/bash
# SEEK_DATA/SEEK_HOLE find exactly the data runs of sparse files (holes at
# start/middle/end, hole-only, punched, far, unwritten = hole unless dirty),
# ENXIO at EOF; dirty, after fsync, drop_caches, remount; units 16k/4k/64k.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
for opts in "" "-a 4k" "-a 64k"; do
	# shellcheck disable=SC2086
	mkfs_mount $opts
	run_ok seek_check run "$MNT"
	remount
	run_ok seek_check verify "$MNT"
	umount_fsck
	info "mkfs ${opts:-(default)} ok"
done
scsi_dev_remove
info ok
