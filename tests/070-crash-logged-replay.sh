#!/bin/bash
# Logged replay: the block writes of a crash workload are recorded with
# dm-log-writes, and the device is rebuilt at crash points (log_replay.c):
# just after every flush and FUA write, every FUA write torn, a random
# sample of writes torn at 4 KiB, just before every flush completes with
# the writes it was to make durable as a random subset, and the end.  At
# each point: fsck -n before the mount finds no error and sees a journal to
# recover exactly when the kernel then recovers one (atomfs), the mount
# succeeds, all the workload had made durable before the point is there,
# no block shows data its file never wrote there, umount, fsck clean.
# Negative controls: an early point checked against the last expectations
# must show lost data; a durable block overwritten with another's and one
# zeroed must be caught.  ATOMFS_CRASH_LARGE=1 (make check-crash): a
# workload of 600 steps instead of 100, 200 sampled torn writes instead of
# 20.  dm does not pass atomic write limits on 6.12 (docs/journal-design.md
# §6), so through dm atomfs writes atomic units in software (atomic=auto)
# and every logged write may tear; the hardware path runs, without a
# crash, on the bare disk first.
# vm: -t 3600
# slow: yes
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash-lib.sh"

SEED=${ATOMFS_CRASH_SEED:-$((0x5eed0 + 70))}
if ((CRASH_LARGE)); then
	STEPS=600 SAMPLES=200
else
	STEPS=100 SAMPLES=20
fi
TMPF=/tmp/$TEST

scsi_dev 64
crash_log_setup

# The workload's RWF_ATOMIC writes want a device that offers atomic writes,
# which dm does not pass on: on the bare scsi_debug disk, without a crash,
# the workload must make some and the verifier accept what they left.
if [[ $CRASH_FS == atomfs ]]; then
	crash_mkfs "$DEV"
	run_ok crash_mount "$DEV"
	out=$(crash_workload run -d "$MNT/a" -r "$TMPF.arec" -s "$SEED" -n 300) ||
		fail "workload: $out"
	grep -q 'atomic unit 16384:.* atomic-write=[1-9]' <<<"$out" ||
		fail "no RWF_ATOMIC write on a disk with atomic writes: $out"
	run_ok crash_verify -q -r "$TMPF.arec" -d "$MNT/a" >/dev/null
	umount_fsck >/dev/null
	info "RWF_ATOMIC on the bare disk: $(grep -o 'atomic-write=[0-9]*' <<<"$out"), verified; through dm: in software"
fi

start=$SECONDS
crash_log_run "$SEED" "$STEPS" "$SAMPLES"
info "workload of $STEPS steps on $CRASH_FS logged in $((SECONDS - start))s, seed $SEED"
info "$(cat "$TMPF.logstats"); ${#CL_POINTS[@]} crash points"

start=$SECONDS
crash_replay_all
info "$CR_POINTS points checked in $((SECONDS - start))s"
crash_summary

# Negative control 1: the first point against the last expectations.
read -r k tear mark <<<"${CL_POINTS[0]}"
lastmark=$(log_replay list "$CL_LOGDEV" | awk '$5 ~ /^d[0-9]+$/ { m = $5 } END { print m }')
[[ -n $lastmark ]] || fail "no durability mark in the log"
crash_replay "$k" "$tear"
run_ok crash_mount "$CL_SNAPDEV"
out=$(crash_verify -q -r "$TMPF.rec" -d "$MNT/w" -u "$(crash_upto "$lastmark")") &&
	fail "negative control: point $k passes the expectations of $lastmark: $out"
grep -q 'lost=[1-9]' <<<"$out" ||
	fail "negative control: point $k shows no lost data against $lastmark: $out"
info "control: point $k against mark $lastmark: $out"
run_ok umount "$MNT"
crash_replay_drop

# Negative control 2: the end state, one durable block replaced by another
# file's, one zeroed: one stale and one lost.
crash_replay "${CL_POINTS[-1]%% *}" 0
run_ok crash_mount "$CL_SNAPDEV"
crash_verify -l -r "$TMPF.rec" -d "$MNT/w" >"$TMPF.durable"
grep '^durable ' "$TMPF.durable" >"$TMPF.durable2" || true
mapfile -t DUR <"$TMPF.durable2"
((${#DUR[@]} >= 2)) || fail "negative control: fewer than 2 durable blocks"
# another file's block if there is one, else another block of the same file
read -r _ f1 b1 <<<"${DUR[0]}"
read -r _ f2 b2 <<<"${DUR[1]}"
for d in "${DUR[@]}"; do
	read -r _ f b <<<"$d"
	if [[ $f != "$f1" ]]; then
		f2=$f b2=$b
		break
	fi
done
run_ok dd if="$f2" of="$f1" bs=4096 skip="$b2" seek="$b1" count=1 conv=notrunc status=none
read -r _ f3 b3 <<<"${DUR[-1]}"
run_ok dd if=/dev/zero of="$f3" bs=4096 seek="$b3" count=1 conv=notrunc status=none
out=$(crash_verify -q -r "$TMPF.rec" -d "$MNT/w") &&
	fail "negative control: a foreign and a zeroed block pass: $out"
grep -q 'lost=1 stale=1 ' <<<"$out" ||
	fail "negative control: expected 1 stale and 1 lost: $out"
info "control: $f1 block $b1 from $f2 block $b2, $f3 block $b3 zeroed: $out"
run_ok umount "$MNT"
crash_replay_drop

dmsetup remove_all --noudevsync 2>/dev/null || true
((CR_FSCK + CR_LOST + CR_STALE + CR_OTHER == 0)) ||
	fail "$CRASH_FS: problems at crash points (see above)"
info ok
