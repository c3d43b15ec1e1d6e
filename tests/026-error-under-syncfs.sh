#!/bin/bash
# Corruption met by the allocator while syncfs runs: both go on.  Files
# whose blocks the block bitmap calls free are truncated (each truncate
# meets "freeing blocks that are already free" under the allocator's lock)
# while another process loops on syncfs (which stores the free counts,
# taking the allocator's lock under the superblock buffer's) in three
# other processes, on a device
# slow enough that the superblock buffer stays locked for its writes.
# With errors=continue: every truncate fails with EUCLEAN, nothing hangs,
# the error state reaches the superblock.  With the default errors=:
# EUCLEAN, read-only.
# slow: yes
. "$(dirname "$0")/lib.sh"

FILES=150
RUN=20

scsi_dev 128
atomfs_load
mkdir -p "$MNT"
run_ok "$MKFS" -q -f -a 16k "$DEV"
"$DBG" "$DEV" populate 1 $FILES 16384 >/dev/null || fail "populate"
for ((i = 0; i < FILES; i++)); do
	ino=$("$DBG" "$DEV" lookup "/f$i") || fail "lookup f$i"
	pblk=$("$DBG" "$DEV" extents "$ino" | awk 'NR == 1 { print $2 }')
	"$DBG" "$DEV" bitmap-set "$pblk" 0 || fail "bitmap-set $pblk"
done
run_ok mount -t atomfs -o errors=continue "$DEV" "$MNT"
dmesg_mark
# Every command now takes 4 jiffies or more: the superblock buffer stays
# locked for each of its writes.
echo 4 >/sys/bus/pseudo/drivers/scsi_debug/delay

(
	for ((i = 0; i < FILES - 1; i++)); do
		r=$(try_op truncate "$MNT/f$i")
		[[ $r == EUCLEAN ]] || { echo "f$i: $r"; exit 1; }
	done
) >"/tmp/$TEST.trunc" 2>&1 &
trunc=$!
# Three syncfs loops: while one writes the superblock, the others wait
# for its buffer in the code that then takes the allocator's lock.
syncers=()
for s in 1 2 3; do
	(
		end=$((SECONDS + RUN))
		n=0
		while ((SECONDS < end)) && kill -0 $trunc 2>/dev/null; do
			sync -f "$MNT" || true
			n=$((n + 1))
		done
		echo "$n"
	) >"/tmp/$TEST.sync$s" 2>&1 &
	syncers+=($!)
done

# Both must end: a deadlock leaves them in D state for good.
running() {
	local p

	for p in $trunc "${syncers[@]}"; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}
for ((t = 0; t < RUN + 60; t++)); do
	running || break
	sleep 1
done
if running; then
	for p in $(pgrep -f "try_op|sync -f"); do
		echo "pid $p: $(tr '\n' ' ' </proc/$p/stack)"
	done
	# An unmount would block too: leave the mount to the power-off.
	trap - EXIT
	fail "truncate and syncfs still blocked after $((RUN + 60)) s"
fi
wait $trunc || fail "truncates: $(cat /tmp/$TEST.trunc)"
wait "${syncers[@]}"
info "$(cat /tmp/$TEST.sync* | awk '{ n += $1 } END { print n }') syncfs calls; $((FILES - 1)) truncates met EUCLEAN"
echo 1 >/sys/bus/pseudo/drivers/scsi_debug/delay
errors=$(cat /sys/fs/atomfs/"${DEV##*/}"/metadata_errors)
((errors >= FILES - 1)) ||
	fail "metadata_errors $errors, expected >= $((FILES - 1))"
run_ok umount "$MNT"
"$FSCK" -n "$DEV" >"/tmp/$TEST.fsck" 2>&1 || true
grep -q 'superblock: error state set' "/tmp/$TEST.fsck" ||
	fail "fsck does not see the error state: $(cat "/tmp/$TEST.fsck")"

# The default errors=remount-ro: one error, read-only.
run_ok mount -t atomfs "$DEV" "$MNT"
dmesg_mark
assert_eq "truncate" EUCLEAN "$(try_op truncate "$MNT/f$((FILES - 1))")"
expect_log 'remounting read-only'
grep -E -q " $MNT atomfs ro[, ]" /proc/mounts || fail "not read-only"
run_ok umount "$MNT"
scsi_dev_remove
info ok
