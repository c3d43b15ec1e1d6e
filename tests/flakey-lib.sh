# SPDX-License-Identifier: GPL-2.0
# A power cut at a chosen instant, for the journal tests: the filesystem
# sits on a device-mapper linear target over $DEV; power_cut swaps in
# dm-flakey with drop_writes, so that every write from then on (including
# the unmount's) completes without reaching $DEV, as if the power had gone.
# power_restore puts the linear target back and drops every cached block,
# so that the next mount reads what $DEV holds.  Sourced after lib.sh.

FLAKEY=atomfs-cut
FLAKEY_DEV=/dev/mapper/$FLAKEY

# dm_table TABLE: load TABLE and make it live.  No --nolockfs would freeze
# the filesystem first, writing everything out: no power cut then.
dm_table() {
	echo "$1" | run_ok dmsetup load --noudevsync "$FLAKEY"
	run_ok dmsetup suspend --nolockfs --noudevsync "$FLAKEY"
	run_ok dmsetup resume --noudevsync "$FLAKEY"
}

# flakey_setup: $FLAKEY_DEV (kernel name $FLAKEY_NAME), a linear map of all
# of $DEV
flakey_setup() {
	run_ok modprobe dm-flakey
	FLAKEY_SECTORS=$(blockdev --getsz "$DEV")
	echo "0 $FLAKEY_SECTORS linear $DEV 0" |
		run_ok dmsetup create --noudevsync "$FLAKEY"
	# The kernel's name for it, as in the log and /sys/fs/atomfs/
	FLAKEY_NAME=dm-$(dmsetup info -c --noheadings -o minor "$FLAKEY" | tr -d ' ')
	if [[ ! -b $FLAKEY_DEV ]]; then
		mkdir -p /dev/mapper
		run_ok mknod "$FLAKEY_DEV" b $(dmsetup info -c --noheadings \
			-o major,minor "$FLAKEY" | tr : ' ')
	fi
}

# power_cut: from now on no write reaches $DEV
power_cut() {
	dm_table "0 $FLAKEY_SECTORS flakey $DEV 0 0 3600 1 drop_writes"
}

# power_restore: writes reach $DEV again; nothing cached survives
power_restore() {
	run_ok blockdev --flushbufs "$FLAKEY_DEV"
	echo 3 >/proc/sys/vm/drop_caches
	dm_table "0 $FLAKEY_SECTORS linear $DEV 0"
	run_ok blockdev --flushbufs "$FLAKEY_DEV"
}

# crash_umount: cut the power and unmount (the kernel forgets the mount;
# what it writes on the way is lost), then restore the power
crash_umount() {
	power_cut
	run_ok umount "$MNT"
	power_restore
}

# crash_umount_busy PID: cut the power under a mount that process PID
# keeps busy (a file open): a lazy unmount, then PID is killed and the mount
# goes with it, what it writes on the way lost; then restore the power
crash_umount_busy() {
	local sys=/sys/fs/atomfs/$FLAKEY_NAME i

	power_cut
	run_ok umount -l "$MNT"
	kill "$1"
	wait "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		[[ -e $sys ]] || break
		sleep 0.1
	done
	[[ ! -e $sys ]] || fail "the mount did not go away"
	power_restore
}

flakey_remove() {
	run_ok dmsetup remove --noudevsync "$FLAKEY"
}
