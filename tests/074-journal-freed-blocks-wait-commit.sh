#!/bin/bash
# Blocks a truncate freed are not handed to another file until the freeing
# transaction has committed: on a full filesystem, a write that needs them
# commits the journal first (alloc_commit_waits), so a power cut right
# after the new file's data reached the disk cannot leave the old file
# pointing at it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

scsi_dev 64
run_ok "$MKFS" -q -f "$DEV"
flakey_setup
atomfs_load
mkdir -p "$MNT"
run_ok mount -t atomfs -o commit=300 "$FLAKEY_DEV" "$MNT"
SYS=/sys/fs/atomfs/$FLAKEY_NAME

run_ok dd if=/dev/urandom of=/tmp/$TEST.a bs=1M count=1 status=none
run_ok dd if=/dev/urandom of=/tmp/$TEST.b bs=1M count=1 status=none
run_ok cp /tmp/$TEST.a "$MNT/a"
# Fill what data may take: after this only a's blocks can be freed.
i=0
for size in 1M 16k; do
	while fallocate -l $size "$MNT/filler$i" 2>/dev/null; do
		i=$((i + 1))
	done
done
run_ok sync
run_fail dd if=/dev/zero of="$MNT/more" bs=16k count=1 status=none
run_ok rm -f "$MNT/more"
run_ok sync

waits=$(cat "$SYS/alloc_commit_waits")
run_ok truncate -s 0 "$MNT/a"
# b can only have a's blocks, which its allocation must first commit.
run_ok dd if=/tmp/$TEST.b of="$MNT/b" bs=1M count=1 status=none
assert_eq "allocations that waited for a commit" $((waits + 1)) \
	"$(cat "$SYS/alloc_commit_waits")"
# b's data on the disk, its conversion not committed; then the power cut.
run_ok xfs_io -c "sync_range -w 0 1m" "$MNT/b"
crash_umount

run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
# The truncate committed before b got the blocks.
assert_eq "size of a" 0 "$(stat -c %s "$MNT/a")"
# b: absent, empty, or whole units of its own data or of zeros (data
# written but not yet converted reads as zeros): never a's old data.
if [[ -e $MNT/b ]]; then
	size=$(stat -c %s "$MNT/b")
	for ((off = 0; off < size; off += 16384)); do
		n=$((size - off < 16384 ? size - off : 16384))
		cmp -s -n $n -i $off:$off /tmp/$TEST.b "$MNT/b" ||
			cmp -s -n $n -i 0:$off /dev/zero "$MNT/b" ||
			fail "b at $off: neither its data nor zeros$(cmp -s -n $n \
				-i $off:$off /tmp/$TEST.a "$MNT/b" && echo ": a's old data")"
	done
	info "b after the power cut: $size bytes"
fi
run_ok umount "$MNT"
run_ok "$FSCK" -n "$FLAKEY_DEV"
flakey_remove
atomfs_unload
scsi_dev_remove
info ok
