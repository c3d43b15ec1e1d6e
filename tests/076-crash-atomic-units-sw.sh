#!/bin/bash
# Software atomic writes come through every crash point whole.  A unit
# workload (crash_workload -u atomic: most operations RWF_ATOMIC writes of
# whole 16 KiB units, mostly over units already written out, half with
# RWF_DSYNC) runs through dm-log-writes, which offers no atomic writes, so
# atomfs (atomic=auto) writes the units in software; then the device is
# rebuilt at the crash points of 070's harness: after every flush and FUA
# write, sampled writes torn at 4 KiB, every flush group cut to a random
# subset of its 4 KiB pieces.  At every point no atomic write shows part of
# its version (crash_verify's "atomic write torn"), a unit written with
# RWF_DSYNC holds its acknowledged version or a newer one, and all that
# 070 checks holds.  Negative control: the same workload, same seed, writing
# the same units without RWF_ATOMIC, must show torn units under the same
# harness.  ATOMFS_CRASH_LARGE=1 (make check-crash): 600 steps and 200
# sampled torn writes instead of 120 and 20.
# vm: -t 3600
# slow: yes
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash-lib.sh"

[[ $CRASH_FS == atomfs ]] || fail "atomfs only: ATOMFS_CRASH_FS=$CRASH_FS"
SEED=${ATOMFS_CRASH_SEED:-$((0x5eed0 + 76))}
if ((CRASH_LARGE)); then
	STEPS=600 SAMPLES=200
else
	STEPS=120 SAMPLES=20
fi
TMPF=/tmp/$TEST

scsi_dev 64
crash_log_setup

start=$SECONDS
crash_log_run "$SEED" "$STEPS" "$SAMPLES" -u atomic
assert_eq "atomic mode through dm" sw "$CL_MODE"
grep -q 'atomic unit 16384:.* atomic-write=[1-9]' <<<"$CL_WORKLOAD" ||
	fail "no RWF_ATOMIC write: $CL_WORKLOAD"
info "RWF_ATOMIC units: $(grep -o 'atomic-write=[0-9]*' <<<"$CL_WORKLOAD"), in software: $CL_SW; $(cat "$TMPF.logstats"); ${#CL_POINTS[@]} crash points"
crash_replay_all
crash_summary
((CR_FSCK + CR_LOST + CR_STALE + CR_OTHER == 0)) ||
	fail "software atomic writes: problems at crash points (see above)"
# Each point sees the units whose version survived it: far more than one
# per point, or the check did not look.
((CR_ATOMIC >= 2 * CR_POINTS)) ||
	fail "only $CR_ATOMIC atomic writes checked over $CR_POINTS points"
info "atomic: $CR_POINTS points in $((SECONDS - start))s: $CR_ATOMIC atomic writes whole, 0 torn"

# The negative control: the same units written plain tear.
CR_POINTS=0 CR_FILES=0 CR_BLOCKS=0 CR_FSCK=0 CR_LOST=0 CR_STALE=0 CR_OTHER=0
CR_RECOVERED=0 CR_ATOMIC=0 CR_PLAIN_UNITS=0 CR_PLAIN_TORN=0
start=$SECONDS
crash_log_run "$SEED" "$STEPS" "$SAMPLES" -u plain
info "control: the same units plain; $(cat "$TMPF.logstats"); ${#CL_POINTS[@]} crash points"
crash_replay_all
crash_summary
((CR_PLAIN_TORN > 0)) ||
	fail "negative control: no plain unit torn in $CR_PLAIN_UNITS at $CR_POINTS points"
((CR_FSCK + CR_LOST + CR_STALE + CR_OTHER == 0)) ||
	fail "negative control: problems other than torn units (see above)"
info "control: $CR_PLAIN_TORN of $CR_PLAIN_UNITS plain unit writes torn over $CR_POINTS points in $((SECONDS - start))s"

dmsetup remove_all --noudevsync 2>/dev/null || true
info ok
