#!/bin/bash
# FALLOC_FL_COLLAPSE_RANGE and FALLOC_FL_INSERT_RANGE in whole units:
# data, holes, unwritten extents and dirty RWF_ATOMIC units moved, what
# must fail refused with the file untouched, a random mix against a copy
# in memory; units 16k, 4k and 64k and atomic=sw; after drop_caches,
# remount, and fsck clean.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
for opts in "" "-a 4k" "-a 64k" "sw"; do
	if [[ $opts == sw ]]; then
		mkfs_mount
		remount atomic=sw
	else
		# shellcheck disable=SC2086
		mkfs_mount $opts
	fi
	dmesg_mark
	run_ok shift_range run "$MNT"
	remount
	run_ok shift_range verify "$MNT"
	umount_fsck
	info "${opts:-default} ok"
done
scsi_dev_remove
info ok
