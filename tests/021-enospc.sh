#!/bin/bash
# Out of space: buffered writes and fsync end in ENOSPC without losing
# what was accepted, with blocks still kept for metadata; deleting gives
# every block back; out of inodes: creates fail with ENOSPC; no kernel
# warning or error, fsck clean after each.
. "$(dirname "$0")/lib.sh"

sysfs_errors() {
	cat "/sys/fs/atomfs/$(basename "$DEV")/metadata_errors"
}

scsi_dev 64
for a in 16k 64k; do
	mkfs_mount -a $a
	free0=$(stat -f -c %f "$MNT")
	mkdir "$MNT/fill"
	dmesg_mark
	run_ok fill_enospc fill "$MNT/fill"
	# Full for data, yet blocks stay free for the tree nodes that
	# writeback's unwritten conversion may still need.
	avail=$(stat -f -c %a "$MNT")
	free=$(stat -f -c %f "$MNT")
	unit_blocks=$(($(cat "/sys/fs/atomfs/$(basename "$DEV")/atomic_unit") / 4096))
	((avail < unit_blocks)) ||
		fail "ENOSPC with $avail blocks available to data ($a)"
	((free >= 64)) || fail "only $free blocks kept free for metadata ($a)"
	remount
	run_ok fill_enospc verify "$MNT/fill"
	drop_caches
	run_ok fill_enospc verify "$MNT/fill"
	rm -rf "$MNT/fill"
	assert_eq "free blocks after deleting everything ($a)" "$free0" \
		"$(stat -f -c %f "$MNT")"
	assert_eq "metadata errors ($a)" 0 "$(sysfs_errors)"
	if dmesg_since | grep -i atomfs; then
		fail "the kernel logged about atomfs while running out of space"
	fi
	umount_fsck
	run_ok mount -t atomfs "$DEV" "$MNT"
	assert_eq "free blocks after remount ($a)" "$free0" \
		"$(stat -f -c %f "$MNT")"
	run_ok umount "$MNT"
	info "unit $a ok"
done

# Out of inodes long before out of blocks.
mkfs_mount -N 64
mkdir "$MNT/many"
dmesg_mark
run_ok fill_enospc inodes "$MNT/many"
remount
assert_eq "free inodes after remount" 0 "$(stat -f -c %d "$MNT")"
rm -rf "$MNT/many"
assert_eq "free inodes after deleting" 62 "$(stat -f -c %d "$MNT")"
assert_eq "metadata errors (inodes)" 0 "$(sysfs_errors)"
if dmesg_since | grep -i atomfs; then
	fail "the kernel logged about atomfs while running out of inodes"
fi
umount_fsck
scsi_dev_remove
info ok
