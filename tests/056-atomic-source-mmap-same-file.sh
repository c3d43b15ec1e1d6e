#!/bin/bash
# An RWF_ATOMIC write whose source is a MAP_SHARED mapping of the same file
# (another unit, the target unit itself, a shifted overlap; dirty, clean or
# uncached; buffered and O_DIRECT) returns in full, without deadlock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

scsi_dev 128
mkfs_mount
A=$(ctr atomic_unit)
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
F=$MNT/f
EXP=/tmp/$TEST.expect	# what F must hold, kept on tmpfs
rm -f "$EXP"

# bounded SECS CMD...: run CMD; fail if it has not returned after SECS (a
# task stuck on a folio lock cannot be killed: report where it waits)
bounded() {
	local secs=$1 pid i
	shift
	"$@" >/tmp/$TEST.out 2>&1 &
	pid=$!
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		cat /proc/$pid/task/*/stack >&2 2>/dev/null || true
		fail "no return after ${secs}s (deadlock?): $*"
	fi
	wait $pid || fail "$(cat /tmp/$TEST.out): $*"
}

# aw UNIT SEED: an atomic write of a whole unit, in F and in EXP
aw() {
	atomic_write "$F" $(($1 * A)) "$A" "$2" >/dev/null ||
		fail "atomic write of unit $1"
	run_ok plain_write "$EXP" $(($1 * A)) "$A" "$2"
}

# self SRC DST [direct]: F's bytes at SRC (through its own mapping) written
# atomically at DST; EXP gets the same copy
self() {
	local e0 r0 w0
	e0=$(ctr copy_efaults)
	r0=$(ctr copy_retries)
	w0=$(ctr atomic_writes)
	bounded 60 atomic_self_source "$F" "$1" "$2" "$A" ${3:-}
	assert_eq "result" "$A" "$(cat /tmp/$TEST.out)"
	assert_eq "copy_efaults" "$e0" "$(ctr copy_efaults)"
	assert_eq "copy_retries" "$r0" "$(ctr copy_retries)"
	assert_eq "atomic_writes" $((w0 + 1)) "$(ctr atomic_writes)"
	dd if="$EXP" of=/tmp/$TEST.piece bs=4096 iflag=skip_bytes,count_bytes \
		skip="$1" count="$A" status=none
	dd if=/tmp/$TEST.piece of="$EXP" bs=4096 oflag=seek_bytes \
		seek="$2" conv=notrunc status=none
}

check_data() {
	cmp "$F" "$EXP" || fail "$1: the file differs from what was written"
}

for u in 0 1 2 3; do
	aw "$u" $((u + 1))
done
check_data "after the first writes"

info "(a) from another unit of the file: dirty, clean, uncached"
aw 0 11
aw 2 12
self $((2 * A)) 0
check_data "dirty"
sync
self "$A" $((3 * A))
check_data "clean"
drop_caches
self $((3 * A)) "$A"
check_data "uncached"

info "(b) a unit onto itself: dirty, clean"
aw 2 13
self $((2 * A)) $((2 * A))
check_data "dirty"
sync
self "$A" "$A"
check_data "clean"

# The source is faulted in before the target's folio is locked, and the
# copy runs with page faults disabled: reading the unit into the cache for
# the source is done by then, so the write succeeds at the first round (no
# retry, no EFAULT: self() checks both counters every time).
info "(c) a unit onto itself, not in the cache (the fault needs the folio)"
drop_caches
self 0 0
check_data "uncached"
drop_caches
self $((3 * A)) $((3 * A)) direct
check_data "uncached, O_DIRECT"

info "(d) overlapping the target: half of it and half of the next unit"
aw 1 14
self $((A + A / 2)) "$A"
check_data "dirty"
drop_caches
self $((2 * A + A / 2)) $((2 * A))
check_data "uncached"

info "(e) O_DIRECT from another unit, uncached and dirty"
drop_caches
self 0 $((2 * A)) direct
check_data "uncached"
aw 3 15
self $((3 * A)) "$A" direct
check_data "dirty"

drop_caches
check_data "after drop_caches"
remount
check_data "after remount"
umount_fsck
scsi_dev_remove
info ok
