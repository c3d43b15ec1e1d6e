#!/bin/bash
# FS_IOC_SHUTDOWN in the middle of crash_workload's unit workload (creates,
# renames, truncates, fallocate, fsync, RWF_ATOMIC and RWF_ATOMIC|RWF_DSYNC
# writes of 16 KiB units), once with each flag and in both atomic modes:
# the workload stops on EIO, the guest's log shows no WARNING, unmount
# works, and after the next mount crash_verify finds nothing fsync'd lost,
# no stale block and no torn unit; fsck finds the filesystem clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

REC=/tmp/$TEST.rec
scsi_dev_atomic 256
seed=$((0x5eed0 + 77))
for mode in hw sw; do
	for flag in default logflush nologflush; do
		seed=$((seed + 1))
		mkfs_mount -a 16k
		remount "atomic=$mode"
		rm -f "$REC"
		crash_workload run -d "$MNT/w" -r "$REC" -s "$seed" -t 60 \
			-u atomic >/tmp/$TEST.out 2>&1 &
		pid=$!
		sleep 4
		kill -0 $pid 2>/dev/null || fail "workload ended early: $(cat /tmp/$TEST.out)"
		run_ok godown "$MNT" "$flag"
		wait $pid && fail "$mode $flag: workload did not see the shutdown"
		assert_eq "$mode $flag: shutdown" 1 "$(ctr shutdown)"
		run_ok umount "$MNT"
		run_ok mount -t atomfs -o "atomic=$mode" "$DEV" "$MNT"
		out=$(crash_verify -q -r "$REC" -d "$MNT/w" 2>&1) ||
			fail "$mode $flag: $out"
		info "$mode $flag: $out"
		umount_fsck
	done
done
scsi_dev_remove
info ok
