#!/bin/bash
# A filesystem shut down at once (FS_IOC_SHUTDOWN, NOLOGFLUSH), in both
# atomic modes (hw: REQ_ATOMIC; sw: out of place, mount -o atomic=sw),
# keeps every unit written with RWF_ATOMIC|RWF_DSYNC before it whole, and
# every unit whose atomic overwrite was still being written back when it
# came holds its old or its new version, never a mix; the next mount
# recovers the journal and fsck finds the filesystem clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
N=16
scsi_dev_atomic 128
for mode in hw sw; do
	mkfs_mount -a 16k
	remount "atomic=$mode"
	assert_eq "atomic_mode" "$mode" "$(ctr atomic_mode)"
	F=$MNT/f
	for ((u = 0; u < N; u++)); do
		run_ok atomic_write "$F" $((u * A)) $A $((100 + u)) dsync >/dev/null
	done
	run_ok sync
	# Over written units: in place (hw), remapped out of place (sw).
	for ((u = 0; u < N; u++)); do
		run_ok atomic_write "$F" $((u * A)) $A $((200 + u)) dsync >/dev/null
	done
	# The second half once more, left to writeback, started, not waited on.
	for ((u = N / 2; u < N; u++)); do
		run_ok atomic_write "$F" $((u * A)) $A $((300 + u)) >/dev/null
	done
	run_ok xfs_io -c "sync_range -w 0 0" "$F"
	run_ok shutdown_eio "$MNT" "$F" nologflush $A >/dev/null
	run_ok umount "$MNT"
	run_ok mount -t atomfs -o "atomic=$mode" "$DEV" "$MNT"
	for ((u = 0; u < N / 2; u++)); do
		run_ok pattern_verify "$F" $((u * A)) $A $((200 + u)) >/dev/null
	done
	new=0
	for ((u = N / 2; u < N; u++)); do
		if pattern_verify "$F" $((u * A)) $A $((300 + u)) >/dev/null; then
			new=$((new + 1))
		elif ! pattern_verify "$F" $((u * A)) $A $((200 + u)) >/dev/null; then
			fail "$mode: unit $u is neither its old nor its new version"
		fi
	done
	info "$mode: units with the version in flight: $new of $((N / 2))"
	umount_fsck
done
scsi_dev_remove
info ok
