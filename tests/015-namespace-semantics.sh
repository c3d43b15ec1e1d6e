#!/bin/bash
# rename (plain, NOREPLACE, EXCHANGE, WHITEOUT), link, symlink, unlink,
# rmdir, mknod, name length, directory link counts and an open unlinked
# file behave as on ext4, with ext4's errnos; all of it holds after remount.
. "$(dirname "$0")/lib.sh"

# The longest symlink target atomfs stores: a block less its 32-byte
# header (ATOMFS_SYMLINK_MAX in atomfs_format.h).
SYMLINK_MAX=4064

scsi_dev 128
mkfs_mount
mkdir "$MNT/ns"
run_ok namespace_ops setup "$MNT/ns" $SYMLINK_MAX
free_before=$(stat -f -c %f "$MNT")
umount_fsck

run_ok mount -t atomfs "$DEV" "$MNT"
run_ok namespace_ops verify "$MNT/ns" $SYMLINK_MAX
assert_eq "free blocks after remount" "$free_before" "$(stat -f -c %f "$MNT")"
remount
drop_caches
run_ok namespace_ops verify "$MNT/ns" $SYMLINK_MAX

# The directory moved by RENAME_EXCHANGE records its new parent on disk.
p1=$(stat -c %i "$MNT/ns/p1")
f=$(stat -c %i "$MNT/ns/p1/f")
run_ok umount "$MNT"
assert_eq "parent of the exchanged directory" "parent $p1" \
	"$($DBG "$DEV" inode "$f" | grep '^parent ')"
run_ok mount -t atomfs "$DEV" "$MNT"

# Everything removed: the space and inodes of the tree come back.
rm -rf "$MNT/ns"
assert_eq "root nlink after rm -rf" 2 "$(stat -c %h "$MNT")"
umount_fsck
assert_eq "inodes in use after rm -rf" 2 \
	"$($DBG "$DEV" sb | awk '/^inodes_count/ {n = $2} /^free_inodes/ {f = $2} END {print n - f}')"
assert_eq "blocks free after rm -rf" \
	"$($DBG "$DEV" sb | awk '/^blocks_count/ {b = $2} /^data_start/ {d = $2} END {print b - d}')" \
	"$($DBG "$DEV" sb | awk '/^free_blocks/ {print $2}')"
scsi_dev_remove
info ok
