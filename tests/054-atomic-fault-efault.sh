#!/bin/bash
# An RWF_ATOMIC write whose source has a PROT_NONE or unmapped page fails
# with EFAULT (counted, traced) once the copy failed and pinning its pages
# did too, never a short count, and the file (data in the cache and on
# disk, size) is exactly as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

scsi_dev 128
mkfs_mount
A=$(ctr atomic_unit)
NB=$((A / 4096))
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
F=$MNT/f
SIZE=$((6 * A))

# The file: unit 0 dirty atomic, unit 1 clean in the cache, unit 2 only on
# disk (its clean cache is dropped before each try), unit 3 a hole, units
# 4-5 plain data; then past EOF.
run_ok truncate -s "$SIZE" "$F"
run_ok plain_write "$F" "$A" "$A" 2
run_ok plain_write "$F" $((2 * A)) "$A" 3
run_ok plain_write "$F" $((4 * A)) $((2 * A)) 5
P1=$(file_pblk "$F" "$A")
P2=$(file_pblk "$F" $((2 * A)))
P4=$(file_pblk "$F" $((4 * A)))
# Traced from the atomic write on: the flusher may write unit 0 back at
# any time after it.
scsi_trace_on
run_ok atomic_write "$F" 0 "$A" 1 >/dev/null

check_data() {
	pattern_verify "$F" - <<-EOF || fail "$1: the file changed"
	0 $A 1
	$A $A 2
	$((2 * A)) $A 3
	$((3 * A)) $A zero
	$((4 * A)) $((2 * A)) 5
	EOF
	assert_eq "$1: size" "$SIZE" "$(stat -c %s "$F")"
}
check_data "before"

T=$TRACING/events/atomfs/atomfs_copy_retry
echo 1 >$T/enable
w0=$(ctr atomic_writes)
for mode in protnone unmapped; do
	for unit in 0 1 2 3 6 8; do
		info "$mode source page, unit $unit"
		# Clean page cache only: the dirty atomic unit 0 stays.
		((unit != 2)) || echo 1 >/proc/sys/vm/drop_caches
		e0=$(ctr copy_efaults)
		r0=$(ctr copy_retries)
		assert_eq "result" EFAULT \
			"$(atomic_efault "$F" $((unit * A)) "$A" "$mode")"
		assert_eq "copy_efaults" $((e0 + 1)) "$(ctr copy_efaults)"
		assert_eq "copy_retries" $((r0 + 1)) "$(ctr copy_retries)"
		check_data "after EFAULT at unit $unit ($mode)"
	done
done
assert_eq "atomic writes counted" "$w0" "$(ctr atomic_writes)"
sync
echo 0 >$T/enable
scsi_trace_off

# Each failed write: the copy (round 1) and the pinning (round 2), nothing
# copied.
assert_eq "copy_retry events" 24 "$(grep -c 'atomfs_copy_retry:' "$SCSI_TRACE")"
assert_eq "copy_retry rounds" "12 12" "$(for r in 1 2; do
	grep -c "atomfs_copy_retry: .* copied 0 round $r\$" "$SCSI_TRACE"
done | xargs)"
# Only the dirty atomic unit 0 reaches the device, as one atomic write.
assert_eq "WRITE_ATOMIC_16 commands" 1 "$(count_cmds WRITE_ATOMIC_16)"
P0=$(file_pblk "$F" 0)
assert_eq "the atomic write is unit 0" "WRITE_ATOMIC_16 $P0 $NB" \
	"$(scsi_cmds WRITE_ATOMIC_16)"
assert_eq "writes to unit 0" 1 "$(count_overlap 'WRITE.*' "$P0" "$NB")"
for p in "$P1" "$P2" "$P4"; do
	assert_eq "writes to the unit at $p" 0 \
		"$(count_overlap 'WRITE.*' "$p" "$NB")"
done

drop_caches
check_data "after drop_caches"
remount
check_data "after remount"
umount_fsck
scsi_dev_remove
info ok
