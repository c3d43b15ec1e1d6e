#!/bin/bash
# Remounts that switch atomic= (off, hw, sw, auto) while writers keep
# making RWF_ATOMIC writes, on a device with atomic writes and on one
# without: units marked atomic before a remount are written after it by a
# route the device takes (REQ_ATOMIC only where it writes units
# atomically), so no write fails, none is lost, and every unit reads back
# the last version its writer was told was written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
UNITS=16
SECONDS_RUN=20

# run_switching DEVICE_KIND: writers and remounts on the mounted $DEV
run_switching() {
	local kind=$1 pids=() w opt n=0 end

	for w in 0 1; do
		atomic_last_version write "$MNT/w$w" $UNITS $A $SECONDS_RUN \
			>"/tmp/$TEST.w$w" &
		pids+=($!)
	done
	end=$((SECONDS + SECONDS_RUN))
	while ((SECONDS < end)); do
		for opt in off hw sw auto; do
			run_ok mount -o remount,atomic=$opt "$MNT"
			# Write back what was dirtied across the switch now,
			# under the new mode.
			run_ok sync -f "$MNT/w0"
			n=$((n + 1))
		done
	done
	for w in "${pids[@]}"; do
		wait "$w" || fail "$kind: a writer failed: $(cat /tmp/$TEST.w*)"
	done
	info "$kind: $n remounts; $(cat /tmp/$TEST.w0) $(cat /tmp/$TEST.w1)"
	run_ok mount -o remount,atomic=auto "$MNT"
	run_ok sync
	assert_eq "$kind: write error lines" 0 "$(log_count 'write error')"
	assert_eq "$kind: atomic_bio_errors" 0 "$(ctr atomic_bio_errors)"
	assert_eq "$kind: write_errors" 0 "$(ctr write_errors)"
	for w in 0 1; do
		run_ok atomic_last_version check "$MNT/w$w" $UNITS $A
	done
	drop_caches
	for w in 0 1; do
		run_ok atomic_last_version check "$MNT/w$w" $UNITS $A
	done
	remount
	for w in 0 1; do
		run_ok atomic_last_version check "$MNT/w$w" $UNITS $A
	done
	umount_fsck
}

dmesg_mark
scsi_dev_atomic 128
mkfs_mount -a 16k
assert_eq "atomic device: atomic_mode" hw "$(ctr atomic_mode)"
run_switching "atomic device"
scsi_dev_remove

dmesg_mark
scsi_dev 128 atomic_wr=0
mkfs_mount -a 16k
assert_eq "plain device: atomic_mode" sw "$(ctr atomic_mode)"
run_switching "plain device"
scsi_dev_remove
info ok
