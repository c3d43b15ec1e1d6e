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
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash-lib.sh"

SEED=${ATOMFS_CRASH_SEED:-$((0x5eed0 + 70))}
if ((CRASH_LARGE)); then
	STEPS=600 SAMPLES=200
else
	STEPS=100 SAMPLES=20
fi
LOGDEV=/dev/ram0
COWDEV=/dev/ram1
TMPF=/tmp/$TEST
BASE=$TMPF.base
REC=$TMPF.rec
DM=crashlog
SNAP=crashsnap

scsi_dev 64
run_ok modprobe brd rd_nr=2 rd_size=$((512 * 1024))
[[ -b $LOGDEV && -b $COWDEV ]] || fail "no $LOGDEV, $COWDEV"
run_ok modprobe dm-log-writes
run_ok modprobe dm-snapshot
export DM_DISABLE_UDEV=1

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

# The image the log starts from: poison first, so that a block the
# filesystem never wrote can never pass for a hole.
run_ok crash_workload poison "$DEV"
crash_mkfs "$DEV"
run_ok dd if="$DEV" of="$BASE" bs=1M status=none
sectors=$(blockdev --getsz "$DEV")
run_ok dmsetup create --noudevsync "$DM" \
	--table "0 $sectors log-writes $DEV $LOGDEV"
run_ok dmsetup mknodes "$DM"
run_ok dmsetup message "$DM" 0 mark mkfs
run_ok crash_mount "/dev/mapper/$DM"
start=$SECONDS
rm -f "$REC"
run_ok crash_workload run -d "$MNT/w" -r "$REC" -s "$SEED" -n "$STEPS" -m "$DM"
run_ok umount "$MNT"
run_ok dmsetup remove --noudevsync "$DM"
info "workload of $STEPS steps on $CRASH_FS logged in $((SECONDS - start))s, seed $SEED"

run_ok log_replay points "$LOGDEV" "$SEED" "$SAMPLES" \
	>"$TMPF.points" 2>"$TMPF.logstats"
mapfile -t POINTS <"$TMPF.points"
info "$(cat "$TMPF.logstats"); ${#POINTS[@]} crash points"
((${#POINTS[@]} > 2)) || fail "too few crash points: ${POINTS[*]}"

# mark "d<SEQ>": durability lines up to SEQ apply; "-" or "mkfs": none
upto() {
	case $1 in
	d*) echo "${1#d}" ;;
	*) echo 0 ;;
	esac
}

# Each point is replayed into a fresh non-persistent snapshot of the
# untouched image: writing only the log, not the whole device, per point.
run_ok dd if="$BASE" of="$DEV" bs=1M conv=fsync status=none
SNAPDEV=/dev/mapper/$SNAP
snap_new() {
	run_ok dmsetup create --noudevsync "$SNAP" \
		--table "0 $sectors snapshot $DEV $COWDEV N 8"
	run_ok dmsetup mknodes "$SNAP"
}
snap_drop() {
	run_ok dmsetup remove --noudevsync "$SNAP"
}
# replay K TEAR: the device at crash point K in $SNAPDEV
replay() {
	snap_new
	run_ok log_replay replay "$LOGDEV" - "$SNAPDEV" "$1" "$2" "$SEED" >/dev/null
}

start=$SECONDS
for p in "${POINTS[@]}"; do
	read -r k tear mark <<<"$p"
	replay "$k" "$tear"
	label="point $k"
	((tear == 1)) && label+=" torn"
	((tear == 2)) && label+=" (its flush group as a random subset)"
	crash_check "$SNAPDEV" "$MNT/w" "$REC" "$(upto "$mark")" \
		"$label (mark $mark)" || true
	snap_drop
done
info "$CR_POINTS points checked in $((SECONDS - start))s"
crash_summary

# Negative control 1: the first point against the last expectations.
read -r k tear mark <<<"${POINTS[0]}"
lastmark=$(log_replay list "$LOGDEV" | awk '$5 ~ /^d[0-9]+$/ { m = $5 } END { print m }')
[[ -n $lastmark ]] || fail "no durability mark in the log"
replay "$k" "$tear"
run_ok crash_mount "$SNAPDEV"
out=$(crash_verify -q -r "$REC" -d "$MNT/w" -u "$(upto "$lastmark")") &&
	fail "negative control: point $k passes the expectations of $lastmark: $out"
grep -q 'lost=[1-9]' <<<"$out" ||
	fail "negative control: point $k shows no lost data against $lastmark: $out"
info "control: point $k against mark $lastmark: $out"
run_ok umount "$MNT"
snap_drop

# Negative control 2: the end state, one durable block replaced by another
# file's, one zeroed: one stale and one lost.
replay "${POINTS[-1]%% *}" 0
run_ok crash_mount "$SNAPDEV"
crash_verify -l -r "$REC" -d "$MNT/w" >"$TMPF.durable"
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
out=$(crash_verify -q -r "$REC" -d "$MNT/w") &&
	fail "negative control: a foreign and a zeroed block pass: $out"
grep -q 'lost=1 stale=1 ' <<<"$out" ||
	fail "negative control: expected 1 stale and 1 lost: $out"
info "control: $f1 block $b1 from $f2 block $b2, $f3 block $b3 zeroed: $out"
run_ok umount "$MNT"
snap_drop

dmsetup remove_all --noudevsync 2>/dev/null || true
((CR_FSCK + CR_LOST + CR_STALE + CR_OTHER == 0)) ||
	fail "$CRASH_FS: problems at crash points (see above)"
info ok
