#!/bin/bash
# A dirty atomic folio that memory failure removes from the page cache
# gives back the unit set aside for its out-of-place write at once
# (->invalidate_folio runs for every folio of a file), not at eviction.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

scsi_dev 128
mkfs_mount -a 4k
run_ok mount -o remount,atomic=sw "$MNT"
assert_eq "atomic_mode" sw "$(ctr atomic_mode)"
dmesg_mark
out=$(atomic_hwpoison "$MNT/f" 4096) || fail "unit not given back: $out"
info "$out"
expect_log 'Memory failure: .*recovery action'
# The file lost that write; the filesystem is whole.
umount_fsck
scsi_dev_remove
info ok
