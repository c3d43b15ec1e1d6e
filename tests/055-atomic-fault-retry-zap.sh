#!/bin/bash
# RWF_ATOMIC writes from a tmpfs mapping whose PTEs another thread keeps
# zapping as fast as it can, for a minute: copies fault midway, are retried
# from the pinned source pages (counted, traced), and not one write fails;
# the same with half of the writes taking their unit's own mapping of the
# file as the source, that mapping zapped.  Every unit holds exactly one
# version.
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

# zap_run FILE SECONDS [-s]: one run, zapping as fast as it can, checked
zap_run() {
	local f=$1 secs=$2 out writes efaults zaps
	local r0 e0 w0 retries traced state=/tmp/$TEST.${1##*/}.state

	echo 0 >$TRACING/tracing_on
	echo 16384 >$TRACING/buffer_size_kb
	: >$TRACING/trace
	echo 1 >$T/enable
	echo 1 >$TRACING/tracing_on
	r0=$(ctr copy_retries)
	e0=$(ctr copy_efaults)
	w0=$(ctr atomic_writes)
	atomic_zap_race ${3:-} "$f" "$UNITS" "$A" "$secs" 0 "$state" \
		>/tmp/$TEST.out 2>&1 &
	wait_bounded $((secs + 120)) $!
	out=$(cat /tmp/$TEST.out)
	echo 0 >$TRACING/tracing_on
	echo 0 >$T/enable
	read -r _ writes _ efaults _ zaps <<<"$out"
	retries=$(($(ctr copy_retries) - r0))
	traced=$(grep -c 'atomfs_copy_retry:' $TRACING/trace || true)
	info "${3:--} $out; copy_retries $retries, copy_retry events $traced"

	((writes + efaults >= 500)) ||
		fail "only $((writes + efaults)) atomic writes tried in ${secs}s"
	((zaps > 0)) || fail "the zapper did not run"
	((retries > 0)) || fail "no copy retry in $writes writes"
	assert_eq "EFAULT (of $((writes + efaults)) writes)" 0 "$efaults"
	assert_eq "copy_efaults" 0 $(($(ctr copy_efaults) - e0))
	assert_eq "atomic_writes" "$writes" $(($(ctr atomic_writes) - w0))
	# One event per failed round, and only the first round can fail.
	assert_eq "copy_retry events" "$retries" "$traced"
	assert_eq "copy_retry events of a later round" 0 \
		"$(grep -c 'atomfs_copy_retry: .* round [^1]$' $TRACING/trace || true)"
	# Rounds that faulted partway through the copy, not in the fault-in.
	grep -q 'atomfs_copy_retry: .* copied [1-9]' $TRACING/trace ||
		fail "no retry after a partial copy"
	run_ok atomic_zap_race -c "$f" "$UNITS" "$A" "$state"
}

zap_run "$MNT/fast" 60
# Every fault is one of a write whose source is the target unit's own
# folio: its pages are pinned before it is locked.
zap_run "$MNT/self" 20 -s

check_all() {
	local f
	for f in fast self; do
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
