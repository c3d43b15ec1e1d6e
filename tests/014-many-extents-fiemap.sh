#!/bin/bash
# A file of 10,240 one-unit extents separated by holes: FIEMAP lists them
# exactly as the extent tree holds them, SEEK_DATA/HOLE and reads find data
# and zeros, before and after a remount, each lookup phase in bounded time.
. "$(dirname "$0")/lib.sh"

UNIT=16384
COUNT=10240
LIMIT=60	# seconds per lookup phase; a few seconds are expected

scsi_dev 256
mkfs_mount
F=$MNT/sparse
run_ok many_extents write "$F" $UNIT $COUNT /tmp/fiemap.1 $LIMIT
remount
run_ok many_extents verify "$F" $UNIT $COUNT /tmp/fiemap.2 $LIMIT
run_ok cmp /tmp/fiemap.1 /tmp/fiemap.2
ino=$(stat -c %i "$F")
bytes=$(($(stat -c %b "$F") * 512))
umount_fsck

# FIEMAP agrees with the extent tree on disk, extent for extent.
"$DBG" "$DEV" extents "$ino" >/tmp/extents.dbg || fail "atomfs-debug extents"
run_ok cmp /tmp/fiemap.1 /tmp/extents.dbg
# st_blocks counts the data units and the extent tree's nodes.
nodes=$("$DBG" "$DEV" tree "$ino" | wc -l)
((nodes > 1)) || fail "a tree of $COUNT extents in $nodes node(s)"
assert_eq "st_blocks in bytes" $((COUNT * UNIT + nodes * 4096)) "$bytes"
info "$COUNT extents, $nodes tree nodes"
scsi_dev_remove
info ok
