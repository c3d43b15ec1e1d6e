#!/bin/bash
# RWF_ATOMIC writes from a tmpfs mapping whose PTEs another thread keeps
# zapping: copies fault midway, the retry path is taken (counted, traced),
# each write is whole or EFAULT, and every unit holds exactly one version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

UNITS=16

scsi_dev 128
mkfs_mount
A=$(ctr atomic_unit)
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
T=$TRACING/events/atomfs/atomfs_copy_retry

# wait_bounded SECS PID: wait for PID, which must succeed; fail with the
# stacks of the tasks in D state if it still runs after SECS (a deadlock)
wait_bounded() {
	local i p
	for ((i = 0; i < $1 * 2; i++)); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$2" 2>/dev/null; then
		for p in /proc/[0-9]*; do
			[[ $(awk '{ print $3 }' "$p/stat" 2>/dev/null) == D ]] ||
				continue
			echo "task ${p#/proc/} ($(cat "$p/comm")):"
			cat "$p/stack" 2>/dev/null
		done >&2
		fail "still running after $1s"
	fi
	wait "$2" || fail "$(tail -n 3 /tmp/$TEST.out)"
}

# zap_run FILE SECONDS PAUSE_US MIN_WRITES MAX_EFAULT_PERCENT: one run,
# checked
zap_run() {
	local f=$1 secs=$2 pause=$3 minw=$4 maxpct=$5 out writes efaults zaps
	local r0 e0 w0 retries traced state=/tmp/$TEST.${1##*/}.state

	echo 0 >$TRACING/tracing_on
	echo 16384 >$TRACING/buffer_size_kb
	: >$TRACING/trace
	echo 1 >$T/enable
	echo 1 >$TRACING/tracing_on
	r0=$(ctr copy_retries)
	e0=$(ctr copy_efaults)
	w0=$(ctr atomic_writes)
	atomic_zap_race "$f" "$UNITS" "$A" "$secs" "$pause" "$state" \
		>/tmp/$TEST.out 2>&1 &
	wait_bounded $((secs + 120)) $!
	out=$(cat /tmp/$TEST.out)
	echo 0 >$TRACING/tracing_on
	echo 0 >$T/enable
	read -r _ writes _ efaults _ zaps <<<"$out"
	retries=$(($(ctr copy_retries) - r0))
	traced=$(grep -c 'atomfs_copy_retry:' $TRACING/trace || true)
	info "zap pause ${pause}us: $out; copy_retries $retries, copy_retry events $traced"

	((writes + efaults >= 500)) ||
		fail "only $((writes + efaults)) atomic writes tried in ${secs}s"
	((writes >= minw)) || fail "only $writes atomic writes succeeded"
	((zaps > 0)) || fail "the zapper did not run"
	((retries > 0)) || fail "no copy retry in $writes writes"
	# One event per failed round: each retry, and the last round of each
	# EFAULT.
	assert_eq "copy_retry events" $((retries + efaults)) "$traced"
	((efaults * 100 <= (writes + efaults) * maxpct)) ||
		fail "$efaults EFAULT in $((writes + efaults)) writes (more than $maxpct%)"
	assert_eq "copy_efaults" "$efaults" $(($(ctr copy_efaults) - e0))
	assert_eq "atomic_writes" "$writes" $(($(ctr atomic_writes) - w0))
	# Each EFAULT took 3 rounds: 2 retries and the last one.
	((retries >= 2 * efaults)) || fail "$retries retries for $efaults EFAULT"
	# Rounds that faulted partway through the copy, not in the fault-in.
	grep -q 'atomfs_copy_retry: .* copied [1-9]' $TRACING/trace ||
		fail "no retry after a partial copy"
	run_ok atomic_zap_race -c "$f" "$UNITS" "$A" "$state"
}

# A zapper as fast as it can: depending on how the two CPUs run, it wins
# all three rounds of most writes or of few; every write is still whole or
# nothing, and a failed one leaves the unit as it was.
zap_run "$MNT/fast" 15 0 0 100
# A zapper every 500 us, like reclaim at its worst: the copies that fault
# midway are retried and succeed, EFAULT is rare.
zap_run "$MNT/slow" 20 500 500 2

check_all() {
	local f
	for f in fast slow; do
		run_ok atomic_zap_race -c "$MNT/$f" "$UNITS" "$A" \
			"/tmp/$TEST.$f.state"
		assert_eq "size of $f" $((UNITS * A)) "$(stat -c %s "$MNT/$f")"
	done
}
drop_caches
check_all
remount
check_all
umount_fsck
scsi_dev_remove
info ok
