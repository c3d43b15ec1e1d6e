#!/bin/bash
# xfs_io's "shutdown" command, as fstests' _scratch_shutdown calls it
# (xfs_io -x -c "shutdown [-f]" MNT: FS_IOC_SHUTDOWN with NOLOGFLUSH, or
# LOGFLUSH with -f), shuts atomfs down: later writes and creates fail with
# EIO, the mount stays until unmount, the next mount recovers the journal
# with what was fsync'd before, and fsck finds the filesystem clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

command -v xfs_io >/dev/null || fail "xfs_io (xfsprogs) not found"
scsi_dev_atomic 64
for opts in "-f" ""; do
	mkfs_mount
	run_ok fsync_persist write "$MNT/kept" 70000 1 fsync
	run_ok fsync_persist write "$MNT/unsynced" 30000 2 none
	dmesg_mark
	run_ok xfs_io -x -c "shutdown $opts" "$MNT"
	assert_eq "shutdown $opts: shutdown" 1 "$(ctr shutdown)"
	expect_log "atomfs \(${DEV##*/}\): shut down"
	out=$(xfs_io -c "pwrite 0 4k" "$MNT/kept" 2>&1) || true
	grep -q "Input/output error" <<<"$out" ||
		fail "shutdown $opts: pwrite after it: $out"
	run_fail touch "$MNT/new"
	run_ok umount "$MNT"
	run_ok mount -t atomfs "$DEV" "$MNT"
	run_ok fsync_persist verify "$MNT/kept" 70000 1
	umount_fsck
	info "shutdown $opts: ok"
done
scsi_dev_remove
info ok
