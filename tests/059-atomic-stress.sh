#!/bin/bash
# Workers racing atomic, plain, O_DIRECT and mmap writes, reads, truncates,
# punches, fsyncs and drop_caches on a few files: every unit always holds one
# whole version or zeros (cache, disk, remount); fsck clean; one bio a unit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

WORKERS=4
FILES=3
UNITS=64
RUN_SECONDS=60

scsi_dev 256
mkfs_mount
A=$(ctr atomic_unit)
NB=$((A / 4096))
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
D=$MNT/stress
mkdir "$D"
dmesg_mark

# stuck_report: where the tasks in D state wait (a deadlock cannot be
# killed; fail with this instead of waiting for the guest's timeout)
stuck_report() {
	local p
	for p in /proc/[0-9]*; do
		[[ $(awk '{ print $3 }' "$p/stat" 2>/dev/null) == D ]] || continue
		echo "task ${p#/proc/} ($(cat "$p/comm")):"
		cat "$p/stack" 2>/dev/null
	done >&2
}

scsi_trace_on
pids=()
for ((w = 0; w < WORKERS; w++)); do
	atomic_stress "$D" "$FILES" "$UNITS" "$A" "$RUN_SECONDS" "$w" \
		>/tmp/$TEST.worker$w 2>&1 &
	pids+=($!)
done
for ((i = 0; i < (RUN_SECONDS + 120) * 2; i++)); do
	jobs -r | grep -q . || break
	sleep 0.5
done
if jobs -r | grep -q .; then
	stuck_report
	fail "workers still running $((RUN_SECONDS + 120))s after start"
fi
for ((w = 0; w < WORKERS; w++)); do
	wait "${pids[w]}" ||
		fail "worker $w: $(tail -n 3 /tmp/$TEST.worker$w)"
	info "$(cat /tmp/$TEST.worker$w)"
done

out=$(atomic_stress -c "$D" "$FILES" "$A") || fail "check in the cache: $out"
info "units in the cache: $out"
sync
scsi_trace_off

# Device witness: each atomic command is one whole unit at an aligned block.
natomic=$(count_cmds WRITE_ATOMIC_16)
info "WRITE_ATOMIC_16 $natomic, plain writes $(count_cmds "$PLAIN_WRITES")"
assert_eq "atomic commands of another size or alignment" "" \
	"$(scsi_cmds WRITE_ATOMIC_16 | awk -v n="$NB" '$3 != n || $2 % n' | head -n 3)"
assert_eq "atomic bios counted vs commands" "$(ctr atomic_bios)" "$natomic"

# Counters: atomic writes happened and reached the device, without errors.
for c in atomic_writes atomic_bios sync_atomic_writes; do
	(($(ctr $c) > 0)) || fail "$c is 0"
done
assert_eq "atomic bytes" $(($(ctr atomic_writes) * A)) "$(ctr atomic_write_bytes)"
assert_eq "atomic bio bytes" $(($(ctr atomic_bios) * A)) "$(ctr atomic_bio_bytes)"
for c in atomic_writes_rejected atomic_bio_errors copy_efaults write_errors; do
	assert_eq "$c" 0 "$(ctr $c)"
done
info "counters: $(for c in atomic_writes atomic_bios sync_atomic_writes \
	demotions copy_retries order_evictions data_bios; do
	printf '%s %s ' $c "$(ctr $c)"; done)"

drop_caches
out=$(atomic_stress -c "$D" "$FILES" "$A") || fail "check after drop_caches: $out"
info "units after drop_caches: $out"
remount
out=$(atomic_stress -c "$D" "$FILES" "$A") || fail "check after remount: $out"
info "units after remount: $out"
assert_eq "atomfs errors in the kernel log" "" \
	"$(dmesg_since | grep -E 'atomfs.*(error|corrupt)' | head -n 3)"
umount_fsck
scsi_dev_remove
info ok
