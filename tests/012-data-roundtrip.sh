#!/bin/bash
# Files of 0 B to 8 MiB written by buffered I/O, O_DIRECT (4 KiB- and unit-
# aligned) and mmap, overwritten at random (warm and cold cache), read back
# byte-exact every way after drop_caches and remount; units 4k, 16k, 64k.
. "$(dirname "$0")/lib.sh"

scsi_dev 256
for unit in 4096 16384 65536; do
	if ((unit == 16384)); then
		mkfs_mount			# the default unit
	else
		mkfs_mount -a $((unit / 1024))k
	fi
	assert_eq "sysfs atomic_unit" $unit \
		"$(cat /sys/fs/atomfs/"$(basename "$DEV")"/atomic_unit)"
	run_ok data_roundtrip write "$MNT" $unit 0
	run_ok data_roundtrip write "$MNT" $unit 1
	drop_caches
	run_ok data_roundtrip verify "$MNT" $unit 1
	remount
	run_ok data_roundtrip write "$MNT" $unit 2	# nothing cached
	drop_caches
	run_ok data_roundtrip verify "$MNT" $unit 2
	remount
	run_ok data_roundtrip verify "$MNT" $unit 2
	umount_fsck
	info "unit $unit ok"
done
scsi_dev_remove
info ok
