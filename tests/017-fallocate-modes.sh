#!/bin/bash
# fallocate mode 0, KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE give ext4/xfs's
# sizes, zeros, unwritten extents and st_blocks; other modes EOPNOTSUPP;
# units 16k, 4k and 64k, after drop_caches and remount.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
for opts in "" "-a 4k" "-a 64k"; do
	# shellcheck disable=SC2086
	mkfs_mount $opts
	run_ok falloc_check run "$MNT"
	remount
	run_ok falloc_check verify "$MNT"
	umount_fsck
	info "mkfs ${opts:-(default)} ok"
done
scsi_dev_remove
info ok
