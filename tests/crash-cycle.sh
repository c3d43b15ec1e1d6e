#!/bin/bash
# One guest boot of the power-cut test (tests/071-crash-power-cut.sh runs it
# from the host, once per cut): check what the previous boot's workload left
# on the disk after its power cut, then start a new workload and wait for
# the next cut.
#
# usage (in the guest): crash-cycle.sh WORKDIR BOOT EARLY LAST SEED
#   WORKDIR  on the host's 9p share: the state, the workload records and
#            the results, all of which survive the cuts
#   BOOT     the boot's number: its result is WORKDIR/result.BOOT, and
#            WORKDIR/phase.BOOT says whether it was checking or running the
#            workload when the power was cut
#   EARLY    1: arm the cut before the check, so that it may fall into the
#            journal recovery, the verification or fsck
#   LAST     1: check only, no new workload
#
# WORKDIR/state says which workload ran last (cur) and whether it has been
# checked (verified).  A boot cut short before it recorded its check
# leaves verified=0 and the next boot checks the same workload again.  A
# check that finds problems records them and makes a fresh filesystem, so
# that every later cut is judged on its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash-lib.sh"

WORK=$1 BOOT=$2 EARLY=$3 LAST=$4 SEED=$5
STATE=$WORK/state

state_write() {
	printf 'cur=%d\nverified=%d\n' "$1" "$2" >"$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
}

virtio_dev
crash_load
if [[ ! -e $STATE ]]; then
	crash_mkfs "$DEV"
	state_write 0 1
fi
cur=0 verified=0
# shellcheck disable=SC1090
. "$STATE"

((EARLY)) && : >"$ATOMFS_VM_RUN/armed"
if ((!verified)); then
	echo check >"$WORK/phase.$BOOT"
	if crash_check "$DEV" "$MNT/c$cur" "$WORK/rec.$cur" "" "workload $cur"; then
		info "workload $cur: after the cut: clean"
	else
		info "workload $cur: after the cut: problems (fresh filesystem follows)"
		crash_mkfs "$DEV"
	fi
	echo "$CR_POINTS $CR_FILES $CR_BLOCKS $CR_FSCK $CR_LOST $CR_STALE $CR_OTHER $CR_RECOVERED" \
		>"$WORK/result.$BOOT"
	state_write "$cur" 1
fi
((LAST)) && exit 0

next=$((cur + 1))
echo workload >"$WORK/phase.$BOOT"
state_write "$next" 0
crash_mount "$DEV" || fail "mount for workload $next failed"
# What earlier workloads left (one may have been cut while removed).
rm -rf "$MNT"/c[0-9]*
: >"$ATOMFS_VM_RUN/armed"
rm -f "$WORK/rec.$next"
run_ok crash_workload run -d "$MNT/c$next" -r "$WORK/rec.$next" \
	-s $((SEED * 1000 + next)) -t 60
# The cut is due long before this.
sleep 600
