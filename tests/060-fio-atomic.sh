#!/bin/bash
# fio's buffered RWF_ATOMIC jobs (sequential, random, io_uring; through
# scripts/fio-atomic) run without error, every write issued is one atomic
# write reaching the device as WRITE_ATOMIC_16, and the verify pass succeeds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

JOBS="seq rand uring"

scsi_dev 256
mkfs_mount
A=$(ctr atomic_unit)
NB=$((A / 4096))
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
D=$MNT/fio
mkdir "$D"
export ATOMFS_FIO_DIR=$D ATOMFS_FIO_SIZE=4M

declare -A WRITTEN
scsi_trace_on
total=0
for j in $JOBS; do
	w0=$(ctr atomic_writes)
	fio_run "$j" "$TOP/tests/fio/atomic-$j.fio"
	reads=$READS writes=$WRITES
	info "atomic-$j: fio issued $writes writes"
	assert_eq "reads in the write job" 0 "$reads"
	((writes > 0)) || fail "atomic-$j: no write issued"
	assert_eq "atomic-$j: atomic writes counted" "$writes" \
		$(($(ctr atomic_writes) - w0))
	total=$((total + writes))
	WRITTEN[$j]=$writes
done
sync
scsi_trace_off

assert_eq "rejected atomic writes" 0 "$(ctr atomic_writes_rejected)"
assert_eq "atomic bio errors" 0 "$(ctr atomic_bio_errors)"
natomic=$(count_cmds WRITE_ATOMIC_16)
info "$total atomic writes, $(ctr atomic_bios) atomic bios, $natomic WRITE_ATOMIC_16"
((natomic > 0)) || fail "no WRITE_ATOMIC_16 reached the device"
assert_eq "atomic bios vs WRITE_ATOMIC_16" "$(ctr atomic_bios)" "$natomic"
assert_eq "WRITE_ATOMIC_16 of another size or alignment" "" \
	"$(scsi_cmds WRITE_ATOMIC_16 | awk -v n="$NB" '$3 != n || $2 % n' | head -n 3)"
# Every unit of the files was written once by fio, atomically: the data
# reaches the device as one atomic command per unit, never as plain writes.
assert_eq "WRITE_ATOMIC_16 (one per unit written)" "$total" "$natomic"
assert_eq "demotions" 0 "$(ctr demotions)"

drop_caches
fio_verify_all "from the device"
remount
fio_verify_all "after remount"
umount_fsck
scsi_dev_remove
info ok
