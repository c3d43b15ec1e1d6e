#!/bin/bash
# FS_IOC_SHUTDOWN with each of its three flags: afterwards every change
# (write, RWF_ATOMIC, fsync, create, rename, setattr, a store through a
# mapping) fails with EIO, reads too, one kernel log line says how the
# filesystem was shut down, /sys/fs/atomfs/<dev>/shutdown says 1; the
# mount stays until unmount, the next mount recovers the journal, data
# fsync'd before the shutdown is there and fsck finds the filesystem clean.
# The default flag syncs first: data written but not fsync'd is there too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

scsi_dev_atomic 128
for flag in default logflush nologflush; do
	mkfs_mount -a 16k
	run_ok fsync_persist write "$MNT/kept" 100000 1 fsync
	run_ok fsync_persist write "$MNT/unsynced" 50000 2 none
	# Metadata in the running transaction, the victim of the checks.
	run_ok fsync_persist write "$MNT/victim" 65536 3 none
	assert_eq "$flag: shutdown before" 0 "$(ctr shutdown)"
	dmesg_mark
	run_ok shutdown_eio "$MNT" "$MNT/victim" "$flag" 16384
	assert_eq "$flag: shutdown after" 1 "$(ctr shutdown)"
	assert_eq "$flag: log lines saying so" 1 \
		"$(log_count "atomfs \(${DEV##*/}\): shut down")"
	expect_log "atomfs \(${DEV##*/}\): shut down $(case $flag in
		default) echo "after a sync" ;;
		logflush) echo "after a journal commit" ;;
		nologflush) echo "at once" ;; esac)"
	assert_eq "$flag: errors reported after it" 0 \
		"$(log_count "atomfs.*(error|write error|not emptied)")"
	# Still mounted, still refusing, until unmounted.
	grep -q " $MNT atomfs " /proc/mounts || fail "$flag: no longer mounted"
	run_fail touch "$MNT/late"
	sync
	run_ok umount "$MNT"
	run_ok mount -t atomfs "$DEV" "$MNT"
	assert_eq "$flag: shutdown after mount" 0 "$(ctr shutdown)"
	run_ok fsync_persist verify "$MNT/kept" 100000 1
	if [[ $flag == default ]]; then
		run_ok fsync_persist verify "$MNT/unsynced" 50000 2
	fi
	run_ok plain_write "$MNT/after" 0 4096 7
	umount_fsck
	info "$flag: ok"
done
scsi_dev_remove
info ok
