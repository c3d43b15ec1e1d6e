#!/bin/bash
# Bytes past the end of a file read as zeros, whatever its last unit held:
# a store through a mapping past EOF is not shown by fallocate, truncate or
# a write growing the file; and truncating down inside a unit writes the
# zeroed unit before the new size is journaled, so that after a power cut
# the device holds zeros past the end, a mapping of the last page shows
# zeros there, and growing the file shows zeros.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

A=16384

scsi_dev 128
atomfs_load
mkdir -p "$MNT"
run_ok "$MKFS" -q -f -a 16k "$DEV"
flakey_setup
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"

# Without a crash: stores past EOF never show.
for how in fallocate truncate write; do
	n=$(eof_tail mmap-grow "$MNT/grow-$how" 5000 "$how") ||
		fail "grown by $how: $n bytes past the old end are not zero"
done

# Truncate down inside a unit, then the power goes.
for size in 5000 100 12288; do
	run_ok write_marked "$MNT/cut$size" 0 $A 9 plain+fsync - >/dev/null
	run_ok truncate -s "$size" "$MNT/cut$size"
	run_ok write_marked "$MNT/cut$size" 0 0 0 plain+fsync - >/dev/null
done
crash_umount
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
for size in 5000 100 12288; do
	f=$MNT/cut$size
	assert_eq "cut$size: size after the power cut" "$size" "$(stat -c %s "$f")"
	run_ok pattern_verify "$f" 0 "$size" 9
	n=$(eof_tail mapped "$f") ||
		fail "cut$size: $n bytes past EOF in the mapped last page are not zero"
done
# On the device: the rest of each unit is zeros.
run_ok umount "$MNT"
for size in 5000 100 12288; do
	ino=$("$DBG" "$FLAKEY_DEV" lookup "/cut$size")
	pblk=$(DEV=$FLAKEY_DEV dbg_pblk "$ino" 0)
	n=$(dd if="$FLAKEY_DEV" bs=4096 skip="$pblk" count=4 iflag=direct \
		status=none | tail -c $((A - size)) | tr -d '\0' | wc -c)
	assert_eq "cut$size: bytes past EOF on the device that are not zero" 0 "$n"
done
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
# Growing each shows zeros.
run_ok fallocate -l $A "$MNT/cut5000"
run_ok truncate -s $A "$MNT/cut100"
run_ok write_marked "$MNT/cut12288" $((A + 4096)) 4096 3 plain - >/dev/null
run_ok eof_tail zeros "$MNT/cut5000" 5000 $A >/dev/null
run_ok eof_tail zeros "$MNT/cut100" 100 $A >/dev/null
run_ok eof_tail zeros "$MNT/cut12288" 12288 $((A + 4096)) >/dev/null
run_ok umount "$MNT"
run_ok "$FSCK" -n -f "$FLAKEY_DEV" >/dev/null
flakey_remove
scsi_dev_remove
info ok
