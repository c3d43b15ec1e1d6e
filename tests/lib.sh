# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the guest tests.  Sourced by tests/NNN-*.sh, which run
# as root inside the guest (scripts/vm), one guest boot per test.  A test
# passes by exiting 0; every check that fails calls fail(), which exits 1.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$TOP/tests/prog/bin
MKFS=$TOP/tools/mkfs.atomfs
FSCK=$TOP/tools/fsck.atomfs
DBG=$TOP/tools/atomfs-debug
MNT=/mnt/atomfs
TEST=$(basename "$0" .sh)
export PATH=$BIN:$PATH

if [[ -z ${ATOMFS_GUEST:-} ]]; then
	echo "$TEST: runs only inside the test guest (scripts/vm)" >&2
	exit 1
fi

fail() {
	echo "FAIL: $TEST: $*" >&2
	exit 1
}

info() {
	echo "$TEST: $*"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[[ "$2" == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

assert_ne() {
	[[ "$2" != "$3" ]] || fail "$1: did not expect '$3'"
}

# run_ok CMD...: the command must succeed
run_ok() {
	"$@" || fail "command failed ($?): $*"
}

# run_fail CMD...: the command must fail
run_fail() {
	if "$@"; then
		fail "command succeeded but should fail: $*"
	fi
}

# dmesg_mark; ...; dmesg_since: the kernel log lines after the mark
dmesg_mark() {
	DMESG_MARK=$(dmesg | wc -l)
}

dmesg_since() {
	dmesg | tail -n +$((DMESG_MARK + 1))
}

# expect_log PATTERN: a kernel log line since dmesg_mark matches
expect_log() {
	dmesg_since | grep -E -q -- "$1" ||
		fail "no kernel log line matching '$1'; log since mark: $(dmesg_since | tail -n 5)"
}

atomfs_load() {
	grep -q '^atomfs ' /proc/modules && return 0
	modprobe libcrc32c 2>/dev/null || true
	# insmod does not resolve dependencies: the journal layer first.
	run_ok modprobe jbd2
	run_ok insmod "${ATOMFS_KO:-$TOP/atomfs/atomfs.ko}"
	grep -q -w atomfs /proc/filesystems || fail "atomfs not registered"
}

atomfs_unload() {
	if grep -q '^atomfs ' /proc/modules; then
		run_ok rmmod atomfs
	fi
}

# wait_for_disk SYSFS_GLOB: wait for a block device to appear; prints its name
wait_for_disk() {
	local glob=$1 i d
	for ((i = 0; i < 100; i++)); do
		for d in $glob; do
			if [[ -e $d ]]; then
				d=$(basename "$d")
				[[ -b /dev/$d ]] || mknod "/dev/$d" b \
					$(tr : ' ' <"/sys/block/$d/dev")
				echo "$d"
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# scsi_dev [MB] [MODULE PARAMS...]: a scsi_debug RAM disk with atomic writes
# (4 KiB sectors); sets DEV.  No udev here: sd_mod is loaded by hand.
scsi_dev() {
	local mb=${1:-256} name
	shift || true
	# atomic_wr_align=1: scsi_debug's default (2 blocks) would fail
	# atomic writes of one 4 KiB block at odd LBAs, which sd still
	# advertises (it skips the alignment check for one-block units).
	run_ok modprobe scsi_debug dev_size_mb="$mb" sector_size=4096 \
		atomic_wr=1 atomic_wr_gran=1 atomic_wr_align=1 "$@"
	run_ok modprobe sd_mod
	name=$(wait_for_disk \
		'/sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*') ||
		fail "scsi_debug disk did not appear"
	DEV=/dev/$name
}

scsi_dev_remove() {
	if grep -q '^scsi_debug ' /proc/modules; then
		run_ok rmmod scsi_debug
	fi
}

# virtio_dev: the first file-backed virtio disk given to scripts/vm -d
virtio_dev() {
	modprobe virtio_blk
	local name
	name=$(wait_for_disk '/sys/block/vda') || fail "no virtio disk"
	DEV=/dev/$name
}

# mkfs_mount [MKFS OPTIONS...]: mkfs $DEV and mount it on $MNT
mkfs_mount() {
	run_ok "$MKFS" -q -f "$@" "$DEV"
	mkdir -p "$MNT"
	atomfs_load
	run_ok mount -t atomfs "$DEV" "$MNT"
}

# remount: unmount and mount again, so that reads come from the device
remount() {
	run_ok umount "$MNT"
	run_ok mount -t atomfs ${1:+-o "$1"} "$DEV" "$MNT"
}

# umount_fsck: unmount and require fsck to find the filesystem clean
umount_fsck() {
	local out
	run_ok umount "$MNT"
	if ! out=$("$FSCK" -n -f "$DEV" 2>&1); then
		echo "$out" >&2
		fail "fsck finds problems after the workload"
	fi
	echo "$out" | tail -n 1
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# corrupt_image NAME: a fresh filesystem image file under /tmp to break
img_new() {
	IMG=/tmp/$TEST.img
	rm -f "$IMG"
	truncate -s "${1:-64M}" "$IMG"
	run_ok "$MKFS" -q "$IMG"
}

# img_attach: expose $IMG as a block device (loop) as $DEV
img_attach() {
	modprobe loop 2>/dev/null || true
	DEV=$(losetup --find --show --sector-size 4096 "$IMG") ||
		fail "losetup failed"
}

img_detach() {
	[[ -n ${DEV:-} ]] && losetup -d "$DEV" 2>/dev/null || true
}

# cleanup: best effort at exit, so a failed test leaves the guest quiet
cleanup() {
	umount "$MNT" 2>/dev/null || true
}
trap cleanup EXIT
