#!/bin/bash
# Appending writes allocate ahead of themselves: while the file is open
# more is allocated than written, and the last close gives back what the
# file did not grow into; writes that leave holes allocate nothing ahead;
# a write short of space takes back what its file holds ahead, and then
# what other open files hold ahead.  A power cut
# with the file open leaves the blocks ahead allocated past EOF: fsck finds
# nothing wrong, they read as zeros once the file grows over them (over a
# device full of old data), and deleting the file frees them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

U=16384
scsi_dev 64
# Old data everywhere: blocks that were never written must not show it.
head -c 64M /dev/zero | tr '\0' '\252' >"$DEV" || fail "filling $DEV"
run_ok "$MKFS" -q -f -a 16k "$DEV"
flakey_setup
atomfs_load
mkdir -p "$MNT"
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
free0=$(stat -f -c %f "$MNT")

mkdir "$MNT/d"
run_ok append_ahead close "$MNT/d/a" $U 256
run_ok append_ahead sparse "$MNT/d/s" $U 64
run_ok append_ahead reclaim "$MNT/d/r" $U 64
run_ok rm "$MNT/d/r"
run_ok append_ahead others "$MNT/d/o" $U 64
run_ok rm -rf "$MNT/d"
run_ok sync
assert_eq "free blocks after deleting" "$free0" "$(stat -f -c %f "$MNT")"

# The power goes with the file open and its blocks ahead committed.
append_ahead hold "$MNT/h" $U 64 >/tmp/$TEST.hold &
holder=$!
for ((i = 0; i < 600; i++)); do
	grep -q held /tmp/$TEST.hold && break
	kill -0 $holder 2>/dev/null || fail "append_ahead hold failed"
	sleep 0.1
done
grep -q held /tmp/$TEST.hold || fail "append_ahead hold did not get there"
crash_umount_busy $holder

out=$("$FSCK" -n "$FLAKEY_DEV") || fail "fsck -n after the power cut: $?: $out"
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
run_ok append_ahead verify "$MNT/h" $U 64
run_ok rm "$MNT/h"
run_ok sync
assert_eq "free blocks after deleting the file" "$free0" \
	"$(stat -f -c %f "$MNT")"
run_ok umount "$MNT"
out=$("$FSCK" -n -f "$FLAKEY_DEV") || fail "fsck -n at the end: $?: $out"
flakey_remove
atomfs_unload
scsi_dev_remove
info ok
