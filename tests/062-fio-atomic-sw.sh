#!/bin/bash
# The fio RWF_ATOMIC jobs of 060 in software mode (a device without atomic
# writes): they run without error, no REQ_ATOMIC reaches the device, the
# first pass writes every unit in place into unwritten blocks and a second
# pass over the same files writes every unit out of place and remaps it,
# and the verify pass succeeds from the device and after a remount.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

JOBS="seq rand uring"

scsi_dev 256 atomic_wr=0
mkfs_mount
assert_eq "atomic mode" sw "$(ctr atomic_mode)"
D=$MNT/fio
mkdir "$D"
export ATOMFS_FIO_DIR=$D ATOMFS_FIO_SIZE=4M

# pass N: every job once; TOTAL is the writes fio issued
declare -A WRITTEN
pass() {
	local j total=0 w0
	for j in $JOBS; do
		w0=$(ctr atomic_writes)
		fio_run "$j-$1" "$TOP/tests/fio/atomic-$j.fio"
		((WRITES > 0)) || fail "atomic-$j pass $1: no write issued"
		assert_eq "atomic-$j pass $1: atomic writes counted" "$WRITES" \
			$(($(ctr atomic_writes) - w0))
		total=$((total + WRITES))
		WRITTEN[$j]=$WRITES
	done
	run_ok sync
	TOTAL=$total
}

pass 1
total=$TOTAL
info "pass 1: $total atomic writes, all to new units"
assert_eq "units written in place (new)" "$total" "$(ctr sw_atomic_in_place)"
assert_eq "units remapped" 0 "$(ctr sw_atomic_remaps)"
pass 2
total2=$TOTAL
info "pass 2: $total2 atomic writes over written units"
assert_eq "units remapped" "$total2" "$(ctr sw_atomic_remaps)"
assert_eq "units written in place (new)" "$total" "$(ctr sw_atomic_in_place)"
assert_eq "REQ_ATOMIC bios" 0 "$(ctr atomic_bios)"
assert_eq "fallbacks to in-place writes" 0 "$(ctr sw_atomic_fallbacks)"
assert_eq "rejected atomic writes" 0 "$(ctr atomic_writes_rejected)"
assert_eq "demotions" 0 "$(ctr demotions)"

drop_caches
fio_verify_all "from the device"
remount
fio_verify_all "after remount"
umount_fsck
scsi_dev_remove
info ok
