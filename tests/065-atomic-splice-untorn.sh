#!/bin/bash
# splice, sendfile and copy_file_range see an atomic unit whole, as read(2)
# does, while RWF_ATOMIC writes replace it: they read under the inode lock
# into pages of their own, never lending the page cache folio that the
# next atomic write copies into.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
mkfs_mount -a 16k
out=$(splice_untorn "$MNT/f" 16384 20) || fail "torn reads: $out"
info "$(echo "$out" | tr '\n' ';')"
umount_fsck
scsi_dev_remove
info ok
