#!/bin/bash
# fsync, fdatasync, O_DSYNC, RWF_DSYNC and RWF_ATOMIC|RWF_DSYNC of an
# in-place overwrite reach the device's media before they return: the data
# write, then a cache flush, within the call.  Checked on inodes read back
# from the device after another mount of the same boot ran 180
# transactions, and after unmount, mkfs and mount with the module kept
# loaded: an inode's fsync bookkeeping must not come from whatever inode
# last used its memory.
# slow: yes
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
FLUSH='SYNCHRONIZE_CACHE(_16)?'
PER_MODE=8
HW_MODES="plain+fsync plain+fdatasync plain+odsync plain+dsync dsync"

# many_transactions DEV: mount DEV, change 60 inodes in 180 transactions,
# unmount: the inode cache's free objects then remember transactions far
# ahead of a filesystem just made (its journal starts at 1)
many_transactions() {
	local round i

	run_ok mount -t atomfs "$1" "$MNT"
	for round in 1 2 3; do
		for ((i = 0; i < 60; i++)); do
			run_ok write_marked "$MNT/old$i" $(((round - 1) * 4096)) \
				4096 $round plain+fsync - >/dev/null
		done
	done
	info "$(head -n 1 /proc/fs/jbd2/"${1##*/}"*/info)"
	run_ok umount "$MNT"
}

# offline_files: files f0 .. f<nfiles-1> of 64 KiB, made on the unmounted
# $DEV with atomfs-debug: the mount reads them, it does not create them
offline_files() {
	local i ino

	for ((i = 0; i < nfiles; i++)); do
		ino=$(run_ok "$DBG" "$DEV" mkfile 1 "f$i" $((4 * A)))
		[[ -n $ino ]] || fail "mkfile f$i"
	done
}

scsi_dev_atomic 128
assert_eq "device write cache" "write back" \
	"$(cat "/sys/block/${DEV##*/}/queue/write_cache")"
nfiles=$((PER_MODE * 6))
mkdir -p "$MNT"
atomfs_load

# write_all FIRST MODES...: file FIRST on, PER_MODE files per mode, unit 1
# overwritten in place under the mode, tagged with the file's number
declare -A mode_of=()
write_all() {
	local i=$1 mode n
	shift
	for mode in "$@"; do
		for ((n = 0; n < PER_MODE; n++, i++)); do
			mode_of[$i]=$mode
			run_ok write_marked "$MNT/f$i" $A $A $((1000 + i)) \
				"$mode" "w$i" >/dev/null
		done
	done
}

# check I: within its call, file I's unit 1 was written, then flushed
check() {
	local i=$1 pblk cmds data last_flush

	trace_has_marks "w$i"
	pblk=$(file_pblk "$MNT/f$i" $A)
	cmds=$(trace_marked_cmds "w$i" "WRITE_ATOMIC_16|$FLUSH|$PLAIN_WRITES" | cat -n)
	data=$(echo "$cmds" | awk -v p="$pblk" '$3 == p { print $1; exit }')
	[[ -n $data ]] ||
		fail "f$i (${mode_of[$i]}): unit 1 (lba $pblk) not written within the call: $cmds"
	last_flush=$(echo "$cmds" | awk '$2 ~ /^SYNCHRONIZE_CACHE/ { n = $1 } END { print n + 0 }')
	((last_flush > data)) || {
		echo "FLUSH MISSING f$i ${mode_of[$i]}"
		return 1
	}
}

# run_modes FIRST: files FIRST .. FIRST + 6 * PER_MODE - 1 overwritten under
# every mode, the hardware ones and then RWF_ATOMIC|RWF_DSYNC in software
# (atomic=sw): none may return before its data was written and flushed
run_modes() {
	local first=$1 i missing=0

	scsi_trace_on
	# shellcheck disable=SC2086
	write_all "$first" $HW_MODES
	scsi_trace_off
	for ((i = first; i < first + PER_MODE * 5; i++)); do
		check "$i" || missing=$((missing + 1))
	done
	run_ok mount -o remount,atomic=sw "$MNT"
	assert_eq "atomic_mode" sw "$(ctr atomic_mode)"
	scsi_trace_on
	write_all $((first + PER_MODE * 5)) dsync
	scsi_trace_off
	for ((; i < first + nfiles; i++)); do
		check "$i" || missing=$((missing + 1))
	done
	assert_eq "calls that returned before their data was flushed" 0 \
		"$missing"
	run_ok sync
	echo 3 >/proc/sys/vm/drop_caches
	for ((i = first; i < first + nfiles; i++)); do
		run_ok pattern_verify "$MNT/f$i" $A $A $((1000 + i))
	done
}

# After another mount of $DEV, mkfs and mount, the module kept loaded.
run_ok "$MKFS" -q -f -a 16k "$DEV"
many_transactions "$DEV"
run_ok "$MKFS" -q -f -a 16k "$DEV"
offline_files
run_ok mount -t atomfs "$DEV" "$MNT"
run_modes 0
run_ok umount "$MNT"

# After a mount of another filesystem in the same boot.
modprobe loop 2>/dev/null || true
truncate -s 64M "/tmp/$TEST.other.img"
run_ok "$MKFS" -q -f "/tmp/$TEST.other.img"
other=$(losetup --find --show --sector-size 4096 "/tmp/$TEST.other.img") ||
	fail "losetup"
run_ok "$MKFS" -q -f -a 16k "$DEV"
offline_files
many_transactions "$other"
run_ok losetup -d "$other"
run_ok mount -t atomfs "$DEV" "$MNT"
mode_of=()
run_modes 0
umount_fsck
scsi_dev_remove
info ok
