#!/bin/bash
# statx(STATX_WRITE_ATOMIC) reports the unit A as a regular file's only atomic
# write size whenever RWF_ATOMIC is accepted: with REQ_ATOMIC (atomic=hw, or
# auto, the default, on a device that writes A atomically) or in software
# (atomic=sw, or auto on any other device).  With atomic=off, or atomic=hw
# on a device that cannot, none is reported and RWF_ATOMIC fails EOPNOTSUPP.
# A mount that refuses them or writes them in software logs one line saying
# so, and why; one that uses REQ_ATOMIC logs nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

EOPNOTSUPP=95
REFUSED='RWF_ATOMIC writes are refused'
SW='atomic writes of [0-9]+ bytes in software, out of place'

# statx_is PATH EXPECTED: the statx_atomic line of PATH
statx_is() {
	assert_eq "statx of $1" "$2" "$(statx_atomic "$1")"
}

NONE="mask=0 attr=0 attr_mask=0 unit_min=0 unit_max=0 segments_max=0"

# A supported, in MODE (hw or sw): a file reports A, a directory nothing,
# RWF_ATOMIC of A works
expect_atomic() {
	local a=$1

	assert_eq "atomic_enabled" 1 "$(ctr atomic_enabled)"
	assert_eq "atomic_mode" "$2" "$(ctr atomic_mode)"
	assert_eq "atomic_unit" "$a" "$(ctr atomic_unit)"
	touch "$MNT/f"
	statx_is "$MNT/f" "mask=1 attr=1 attr_mask=1 unit_min=$a unit_max=$a segments_max=1"
	assert_eq "st_blksize" "$a" "$(stat -c %o "$MNT/f")"
	mkdir -p "$MNT/d"
	statx_is "$MNT/d" "$NONE"
	statx_is "$MNT" "$NONE"
	run_ok atomic_write "$MNT/f" "$a" "$a" 7 >/dev/null
	run_ok pattern_verify "$MNT/f" "$a" "$a" 7
	assert_eq "size after an atomic write" $((2 * a)) "$(stat -c %s "$MNT/f")"
}

# unsupported: statx reports nothing and RWF_ATOMIC fails EOPNOTSUPP with the
# file untouched
expect_no_atomic() {
	local a=$1 before writes

	writes=$(ctr atomic_writes)
	assert_eq "atomic_enabled" 0 "$(ctr atomic_enabled)"
	assert_eq "atomic_mode" off "$(ctr atomic_mode)"
	printf 'old data' >"$MNT/g"
	before=$(sha256sum <"$MNT/g")
	statx_is "$MNT/g" "$NONE"
	assert_eq "atomic_write without support" "errno $EOPNOTSUPP" \
		"$(atomic_write "$MNT/g" 0 "$a" 3 || true)"
	assert_eq "atomic_write direct without support" "errno $EOPNOTSUPP" \
		"$(atomic_write "$MNT/g" 0 "$a" 3 direct || true)"
	assert_eq "content after refused writes" "$before" "$(sha256sum <"$MNT/g")"
	assert_eq "atomic_writes" "$writes" "$(ctr atomic_writes)"
}

scsi_dev_atomic 128
name=${DEV##*/}

info "A = 4k, 16k, 64k on a device with atomic writes"
for a in 4096 16384 65536; do
	dmesg_mark
	mkfs_mount -a $((a / 1024))k
	expect_atomic $a hw
	assert_eq "log lines refusing RWF_ATOMIC" 0 "$(log_count "$REFUSED")"
	assert_eq "log lines about atomic writes" 0 "$(log_count "atomfs \($name\): .*atomic")"
	umount_fsck
done

info "atomic=sw on the same device"
run_ok "$MKFS" -q -f "$DEV"
dmesg_mark
run_ok mount -t atomfs -o atomic=sw "$DEV" "$MNT"
expect_atomic 16384 sw
assert_eq "log lines for atomic=sw" 1 "$(log_count "atomfs \($name\): $SW\$")"
grep -q " $MNT atomfs .*atomic=sw" /proc/mounts ||
	fail "/proc/mounts does not show atomic=sw"
run_ok mount -o remount,atomic=hw "$MNT"
expect_atomic 16384 hw
umount_fsck

info "atomic=off, then remount atomic=on"
run_ok "$MKFS" -q -f "$DEV"
dmesg_mark
run_ok mount -t atomfs -o atomic=off "$DEV" "$MNT"
expect_no_atomic 16384
assert_eq "log lines for atomic=off" 1 \
	"$(log_count "atomfs \($name\): atomic=off: $REFUSED")"
grep -q " $MNT atomfs .*atomic=off" /proc/mounts ||
	fail "/proc/mounts does not show atomic=off"
# A remount that does not name the option keeps it.
run_ok mount -o remount "$MNT"
assert_eq "atomic_enabled after a plain remount" 0 "$(ctr atomic_enabled)"
run_ok mount -o remount,atomic=on "$MNT"
expect_atomic 16384 hw
grep -q " $MNT atomfs .*atomic=off" /proc/mounts &&
	fail "/proc/mounts still shows atomic=off"
assert_eq "log lines refusing RWF_ATOMIC" 1 "$(log_count "$REFUSED")"
# A file opened before the remount to atomic=off is refused as well.
assert_eq "atomic_write on a file opened before remount atomic=off" \
	"errno $EOPNOTSUPP" \
	"$(atomic_write_after_cmd "$MNT/f" 0 16384 8 \
		mount -o remount,atomic=off "$MNT" || true)"
assert_eq "atomic_enabled after remount atomic=off" 0 "$(ctr atomic_enabled)"
statx_is "$MNT/f" "$NONE"
assert_eq "atomic_write after remount atomic=off" "errno $EOPNOTSUPP" \
	"$(atomic_write "$MNT/f" 0 16384 || true)"
assert_eq "size" 32768 "$(stat -c %s "$MNT/f")"
run_ok pattern_verify "$MNT/f" 0 16384 zero
run_ok pattern_verify "$MNT/f" 16384 16384 7
assert_eq "atomic_writes" 1 "$(ctr atomic_writes)"
# And a file opened while atomic=off is accepted once the mount allows it.
assert_eq "atomic_write on a file opened before remount atomic=on" 16384 \
	"$(atomic_write_after_cmd "$MNT/f" 0 16384 9 \
		mount -o remount,atomic=on "$MNT")"
run_ok pattern_verify "$MNT/f" 0 16384 9
assert_eq "atomic_writes" 2 "$(ctr atomic_writes)"
umount_fsck
scsi_dev_remove

info "a device without atomic writes (scsi_debug atomic_wr=0)"
scsi_dev 128 atomic_wr=0
dmesg_mark
mkfs_mount
expect_atomic 16384 sw
assert_eq "log lines refusing RWF_ATOMIC" 0 "$(log_count "$REFUSED")"
expect_log "atomfs \($name\): $SW: the device has no atomic write support\$"
run_ok mount -o remount,atomic=hw "$MNT"
expect_no_atomic 16384
expect_log "atomfs \($name\): atomic=hw: the device has no atomic write support: $REFUSED"
umount_fsck
scsi_dev_remove

info "a device whose atomic writes are smaller than A (8k device, A = 16k)"
scsi_dev_atomic 128 atomic_wr_max_length=2
assert_eq "device atomic_write_unit_max_bytes" 8192 \
	"$(cat "/sys/block/${DEV##*/}/queue/atomic_write_unit_max_bytes")"
dmesg_mark
mkfs_mount -a 16k
expect_atomic 16384 sw
expect_log "atomfs \($name\): $SW: atomic unit 16384 is outside the device's atomic write sizes 4096\.\.8192"
run_ok mount -o remount,atomic=hw "$MNT"
expect_no_atomic 16384
expect_log "atomfs \($name\): atomic=hw: atomic unit 16384 is outside the device's atomic write sizes 4096\.\.8192: $REFUSED"
umount_fsck
# The same device takes A = 4k with REQ_ATOMIC.
dmesg_mark
mkfs_mount -a 4k
expect_atomic 4096 hw
assert_eq "log lines refusing RWF_ATOMIC" 0 "$(log_count "$REFUSED")"
umount_fsck
scsi_dev_remove

info "a loop device (no atomic writes)"
img_new 64M
img_attach
dmesg_mark
mkdir -p "$MNT"
run_ok mount -t atomfs "$DEV" "$MNT"
expect_atomic 16384 sw
expect_log "atomfs \(${DEV##*/}\): $SW: the device has no atomic write support"
umount_fsck
img_detach
info ok
