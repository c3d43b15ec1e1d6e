#!/bin/bash
# Mount options: valid ones show in /proc/mounts and survive remount; an
# unknown option or bad value fails with EINVAL and one kernel log line
# naming it; ro refuses writes with EROFS; a non-atomfs device is refused.
. "$(dirname "$0")/lib.sh"

# The atomfs options of the mount on $MNT as /proc/mounts shows them.
mount_opts() {
	awk -v m="$MNT" '$2 == m && $3 == "atomfs" { print $4 }' /proc/mounts |
		tr ',' '\n' | grep -E '^((errors|atomic|commit)=|nobarrier$)' |
		paste -sd, || true
}

mount_flag() {
	awk -v m="$MNT" '$2 == m { split($4, o, ","); print o[1] }' /proc/mounts
}

# bad_option OPTIONS KEY: mount(8) and mount(2) both fail with EINVAL and
# each logs exactly one line, naming KEY; fsconfig() fails too.
bad_option() {
	local opts=$1 key=$2 lines
	dmesg_mark
	run_fail mount -t atomfs -o "$opts" "$DEV" "$MNT"
	lines=$(dmesg_since | grep -c -- "'$key'" || true)
	assert_eq "log lines naming '$key' from mount -o $opts" 1 "$lines"
	assert_eq "log lines in all from mount -o $opts" 1 \
		"$(dmesg_since | wc -l)"
	dmesg_mark
	run_ok mount_errno mount "$DEV" "$MNT" "$opts" EINVAL
	assert_eq "log lines naming '$key' from mount(2) -o $opts" 1 \
		"$(dmesg_since | grep -c -- "'$key'" || true)"
	grep -q " $MNT " /proc/mounts && fail "mounted despite -o $opts"
	return 0
}

scsi_dev 64
run_ok "$MKFS" -q -f "$DEV"
mkdir -p "$MNT"
atomfs_load

# Defaults: nothing atomfs-specific is shown.
run_ok mount -t atomfs "$DEV" "$MNT"
assert_eq "default options" "" "$(mount_opts)"
assert_eq "default rw" rw "$(mount_flag)"
run_ok umount "$MNT"

# Each valid value as show_options prints it (defaults are not printed).
for o in errors=remount-ro:: errors=continue::errors=continue \
	errors=panic::errors=panic atomic=on:: atomic=off::atomic=off \
	errors=continue,atomic=off::errors=continue,atomic=off \
	atomic=off,atomic=on:: errors=panic,errors=remount-ro:: \
	commit=1::commit=1 commit=300::commit=300 commit=5:: commit=0:: \
	nobarrier::nobarrier barrier:: nobarrier,barrier:: \
	atomic=off,nobarrier,commit=30::atomic=off,nobarrier,commit=30; do
	opt=${o%%::*}
	want=${o#*::}
	run_ok mount -t atomfs -o "$opt" "$DEV" "$MNT"
	assert_eq "shown for -o $opt" "$want" "$(mount_opts)"
	run_ok umount "$MNT"
	run_ok mount_errno mount "$DEV" "$MNT" "$opt" 0
	assert_eq "shown for mount(2) $opt" "$want" "$(mount_opts)"
	run_ok umount "$MNT"
done

# Unknown options, bad values, a value-less option that needs one.
bad_option foo foo
bad_option errors=remount-ro,nosuchopt=1 nosuchopt
bad_option errors=foo errors
bad_option errors= errors
bad_option atomic=maybe atomic
bad_option atomic=1 atomic
bad_option atomic atomic
bad_option errors errors
bad_option commit=301 commit
bad_option commit=-1 commit
bad_option commit=soon commit
bad_option barrier=1 barrier
# The new mount API rejects them too, with the message in its own log.
run_ok mount_errno fsconfig errors foo EINVAL
run_ok mount_errno fsconfig atomic maybe EINVAL
run_ok mount_errno fsconfig atomic - EINVAL
run_ok mount_errno fsconfig nosuchopt 1 EINVAL
run_ok mount_errno fsconfig errors continue 0

# Remount changes options; unchanged ones are kept; a bad one changes
# nothing.
run_ok mount -t atomfs "$DEV" "$MNT"
echo hello >"$MNT/f"
mkdir "$MNT/d"
run_ok mount -o remount,errors=continue "$MNT"
assert_eq "after remount errors=continue" errors=continue "$(mount_opts)"
run_ok mount -o remount,atomic=off "$MNT"
assert_eq "after remount atomic=off" errors=continue,atomic=off "$(mount_opts)"
dmesg_mark
run_ok mount_errno remount "$MNT" errors=bogus EINVAL
assert_eq "log lines naming 'errors' from a bad remount" 1 \
	"$(dmesg_since | grep -c -- "'errors'" || true)"
assert_eq "options kept by a failed remount" errors=continue,atomic=off \
	"$(mount_opts)"
run_ok mount -o remount,errors=panic,atomic=on "$MNT"
assert_eq "after remount errors=panic,atomic=on" errors=panic "$(mount_opts)"
run_ok mount -o remount,nobarrier,commit=2 "$MNT"
assert_eq "after remount nobarrier,commit=2" errors=panic,nobarrier,commit=2 \
	"$(mount_opts)"
run_ok mount -o remount,errors=remount-ro,barrier,commit=5 "$MNT"
assert_eq "after remount back to defaults" "" "$(mount_opts)"
assert_eq "content across remounts" hello "$(cat "$MNT/f")"

# Remount read-only and back: writes fail with EROFS, then work again.
run_ok mount -o remount,ro "$MNT"
assert_eq "remount ro" ro "$(mount_flag)"
run_ok expect_erofs "$MNT"
run_ok mount -o remount,rw "$MNT"
assert_eq "remount rw" rw "$(mount_flag)"
echo again >"$MNT/g"
assert_eq "write after remount rw" again "$(cat "$MNT/g")"
rm "$MNT/g"
umount_fsck

# A read-only mount from the start, with options.
run_ok mount -t atomfs -o ro,errors=continue "$DEV" "$MNT"
assert_eq "ro mount" ro "$(mount_flag)"
assert_eq "ro mount options" errors=continue "$(mount_opts)"
run_ok expect_erofs "$MNT"
assert_eq "content on ro mount" hello "$(cat "$MNT/f")"
run_ok umount "$MNT"
run_ok mount_errno mount "$DEV" "$MNT" "" 0 ro
run_ok expect_erofs "$MNT"
umount_fsck

# Not atomfs: a zeroed device, then an ext4 one.  Each mount fails with
# EINVAL and one log line, and the kernel stays quiet otherwise.
run_ok dd if=/dev/zero of="$DEV" bs=1M count=4 oflag=direct status=none
dmesg_mark
run_fail mount -t atomfs "$DEV" "$MNT"
expect_log "atomfs \($(basename "$DEV")\): not an atomfs filesystem"
assert_eq "log lines for a zeroed device" 1 "$(dmesg_since | wc -l)"
run_ok mount_errno mount "$DEV" "$MNT" "" EINVAL
run_ok mkfs.ext4 -q -F "$DEV"
dmesg_mark
run_ok mount_errno mount "$DEV" "$MNT" "" EINVAL
expect_log "atomfs \($(basename "$DEV")\): not an atomfs filesystem"
assert_eq "log lines for an ext4 device" 1 "$(dmesg_since | wc -l)"
run_ok mount_errno mount "$DEV" "$MNT" "" EINVAL ro
grep -q " $MNT " /proc/mounts && fail "a non-atomfs device got mounted"
# The device is still usable as what it is.
run_ok mount -t ext4 "$DEV" "$MNT"
run_ok umount "$MNT"

atomfs_unload
scsi_dev_remove
info ok
