#!/bin/bash
# Collapse and insert range are whole across a crash: a file of a thousand
# extents (a tree of two levels) is fsync'd, then collapsed and, after a
# sync, inserted into, its block writes recorded with dm-log-writes; at
# every crash point (after each flush and FUA write, FUA writes torn,
# sampled writes torn, each flush group as a random subset) the device
# rebuilt by log_replay is clean for fsck, mounts, and the file reads as
# before or after each call, never in between.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash-lib.sh"

SEED=$((0x5eed0 + 87))
TMPF=/tmp/$TEST
LOG=/dev/mapper/crashlog

scsi_dev 64
crash_log_setup
run_ok "$MKFS" -q -f -a 4k "$DEV"
atomfs_load
sectors=$(blockdev --getsz "$DEV")
CL_SECTORS=$sectors
CL_SEED=$SEED
run_ok dd if="$DEV" of="$TMPF.base" bs=1M status=none
run_ok dmsetup create --noudevsync crashlog \
	--table "0 $sectors log-writes $DEV $CL_LOGDEV"
run_ok dmsetup mknodes crashlog
mkdir -p "$MNT"
run_ok mount -t atomfs "$LOG" "$MNT"

# Every other 4 KiB unit written: 1000 extents, about ten leaves.
f=$MNT/f
for ((i = 0; i < 1000; i++)); do
	echo "pwrite -S $((i % 250 + 1)) $((i * 8192)) 4096"
done >"$TMPF.cmds"
mapfile -t cmds <"$TMPF.cmds"
args=()
for c in "${cmds[@]}"; do
	args+=(-c "$c")
done
run_ok xfs_io -f "${args[@]}" -c fsync "$f" >/dev/null
sum_old=$(md5sum <"$f" | cut -d' ' -f1)
run_ok dmsetup message crashlog 0 mark old
run_ok xfs_io -c "fcollapse 4096 $((300 * 8192))" "$f"
run_ok sync
sum_mid=$(md5sum <"$f" | cut -d' ' -f1)
run_ok dmsetup message crashlog 0 mark collapsed
run_ok xfs_io -c "finsert $((100 * 8192)) $((200 * 8192))" "$f"
run_ok sync
sum_new=$(md5sum <"$f" | cut -d' ' -f1)
run_ok umount "$MNT"
run_ok dmsetup remove --noudevsync crashlog
assert_ne "collapse changed the file" "$sum_old" "$sum_mid"
assert_ne "insert changed the file" "$sum_mid" "$sum_new"

run_ok log_replay points "$CL_LOGDEV" "$SEED" 20 >"$TMPF.points" \
	2>"$TMPF.logstats"
mapfile -t points <"$TMPF.points"
run_ok dd if="$TMPF.base" of="$DEV" bs=1M conv=fsync status=none

checked=0 olds=0 mids=0 news=0
for p in "${points[@]}"; do
	read -r k tear mark <<<"$p"
	[[ $mark == old || $mark == collapsed ]] || continue
	crash_replay "$k" "$tear"
	label="point $k tear $tear (mark $mark)"
	out=$("$FSCK" -n -f "$CL_SNAPDEV" 2>&1) || fail "$label: fsck: $out"
	run_ok mount -t atomfs "$CL_SNAPDEV" "$MNT"
	sum=$(md5sum <"$f" | cut -d' ' -f1)
	case $mark:$sum in
	old:"$sum_old") olds=$((olds + 1)) ;;
	old:"$sum_mid" | collapsed:"$sum_mid") mids=$((mids + 1)) ;;
	collapsed:"$sum_new") news=$((news + 1)) ;;
	*) fail "$label: the file is neither before nor after: $(stat -c %s "$f") bytes" ;;
	esac
	run_ok umount "$MNT"
	out=$("$FSCK" -n -f "$CL_SNAPDEV" 2>&1) || fail "$label: fsck after mount: $out"
	crash_replay_drop
	checked=$((checked + 1))
done
((olds && mids && news)) ||
	fail "points did not see each state: $olds before, $mids collapsed, $news inserted"
info "crash: $checked points: $olds before the collapse, $mids after it, $news after the insert"
info ok
