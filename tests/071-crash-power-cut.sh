#!/bin/bash
# Power cuts: a guest runs the crash workload on a file-backed virtio disk
# and QEMU is killed (SIGKILL) at a random moment; the next guest, booted
# on the same disk, runs fsck before mount (atomfs: it must find no error in
# its view of the journal replay), mounts (the kernel's journal recovery),
# verifies that all the workload had made durable is there and that no
# block shows data its file never wrote there, unmounts, runs fsck, then
# starts the next workload and is cut in turn.  One cut in five comes
# early, while the next guest is still recovering and checking.  20 cuts
# (200 with ATOMFS_CRASH_LARGE=1, or ATOMFS_CRASH_CUTS=N), then a last boot
# that only checks.
#
# What QEMU's death loses: the guest's writes still in flight in QEMU, not
# the host's page cache, so writes the guest sent but did not flush survive
# (the logged replay test, 070, drops them).  QEMU 7.2's virtio-blk offers
# no atomic writes, so atomfs writes RWF_ATOMIC units in software; every
# other workload is a unit workload (mostly RWF_ATOMIC overwrites), and no
# atomic write may show part of its version after a cut.
# Runs on the host (it boots the guests itself); the disk, the workload
# records and each boot's log are in .build/crash-power-cut/.
# host: yes
# slow: yes
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
TEST=$(basename "$0" .sh)
LARGE=${ATOMFS_CRASH_LARGE:-0}
if ((LARGE)); then
	CUTS=${ATOMFS_CRASH_CUTS:-200}
else
	CUTS=${ATOMFS_CRASH_CUTS:-20}
fi
SEED=${ATOMFS_CRASH_SEED:-$((0x5eed0 + 71))}
WORK=$TOP/.build/crash-power-cut
IMG=$WORK/disk.img

fail() {
	echo "FAIL: $TEST: $*" >&2
	exit 1
}

[[ -z ${ATOMFS_GUEST:-} ]] || fail "runs on the host, not in the guest"
[[ -x tests/prog/bin/crash_workload ]] || fail "test programs not built"
rm -rf "$WORK"
mkdir -p "$WORK/logs" || fail "mkdir $WORK"
truncate -s 256M "$IMG" || fail "truncate"
tests/prog/bin/crash_workload poison "$IMG" || fail "poison $IMG"

# The plan, from the seed: per cut, early (1) or not, and the delay after
# arming.  A workload runs ~0.3..6.3 s; an early cut falls in the first 3 s
# of the boot's check.
awk -v seed="$SEED" -v n="$CUTS" 'BEGIN {
	srand(seed)
	for (i = 0; i < n; i++) {
		early = rand() < 0.2
		printf "%d %.2f\n", early, early ? rand() * 3 : 0.3 + rand() * 6
	}
}' >"$WORK/plan"
mapfile -t PLAN <"$WORK/plan"

echo "$TEST: ${ATOMFS_CRASH_FS:-atomfs}, $CUTS cuts, seed $SEED"
start=$SECONDS
cuts=0 retries=0 cut_in_check=0
for ((i = 0; i <= CUTS; i++)); do
	log=$WORK/logs/boot-$i.log
	args=(-q -t 600 -d "$IMG")
	if ((i < CUTS)); then
		read -r early delay <<<"${PLAN[i]}"
		args+=(-K "$delay")
		last=0
	else
		early=0 last=1
	fi
	rm -f "$WORK/phase.$i" "$WORK/result.$i"
	scripts/vm "${args[@]}" -- bash tests/crash-cycle.sh "$WORK" "$i" \
		"$early" "$last" "$SEED" >"$log" 2>&1
	st=$?
	# The guest died before the command started: an emulator fault, not
	# the test; boot again (the disk is as it was).
	if ((st == 127 && retries < 3)); then
		retries=$((retries + 1))
		mv "$log" "$log.boot-failure"
		i=$((i - 1))
		continue
	fi
	case $st in
	137)
		cuts=$((cuts + 1))
		[[ $(cat "$WORK/phase.$i" 2>/dev/null) == workload ]] ||
			cut_in_check=$((cut_in_check + 1))
		;;
	0) ((last)) || fail "boot $i ended before its cut (log: $log)" ;;
	*)
		tail -n 30 "$log" | sed 's/^/    /'
		fail "boot $i: status $st (log: $log)"
		;;
	esac
	((last)) && ((st != 0)) && fail "the last boot was cut"
done

sum() {
	awk -v col="$1" '{ s += $col } END { print s + 0 }' "$WORK"/result.*
}
ls "$WORK"/result.* >/dev/null 2>&1 || fail "no check ran"
points=$(sum 1) files=$(sum 2) blocks=$(sum 3) fsck=$(sum 4)
lost=$(sum 5) stale=$(sum 6) other=$(sum 7) recovered=$(sum 8) atomic=$(sum 9)
grep -h -E "^(FAIL|$TEST|crash-cycle|workload [0-9]+|[^ ]+: (LOST|STALE|OTHER))" \
	"$WORK"/logs/boot-*.log | grep -v -E '^crash-cycle: workload [0-9]+: after the cut: clean' |
	head -n 40
echo "$TEST: $cuts cuts ($cut_in_check during the check of the previous one), $retries boots retried, $((SECONDS - start))s"
echo "crash: $points points, $files files, $blocks blocks verified, $fsck fsck errors, $lost lost, $stale stale, $other other; $recovered mounts recovered a journal; $atomic atomic writes checked"
# Every cut is followed by a check, which the next cut may interrupt: then
# the boot after checks what both left.  The last boot is not cut.
[[ -e $WORK/result.$CUTS ]] || fail "the last boot did not check"
((cuts == CUTS)) || fail "$cuts cuts of $CUTS"
((fsck + lost + stale + other == 0)) || fail "problems after power cuts (logs: $WORK/logs)"
[[ ${ATOMFS_CRASH_FS:-atomfs} != atomfs ]] || ((atomic > 0)) ||
	fail "no atomic write was checked after a cut"
rm -f "$IMG"
echo "$TEST: ok"
