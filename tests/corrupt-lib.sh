# SPDX-License-Identifier: GPL-2.0
# Helpers of the corrupt-image tests (tests/03N-corrupt-*.sh), sourced after
# lib.sh.  An image file is built and damaged with the tools while nothing
# has it open, then exposed as a loop device with 4 KiB sectors; the loop
# device's page cache never sees the raw edits, so the order is always:
# corrupt_img, damage with dbg, img_attach, mount and check, fsck on $DEV.

# corrupt_img SIZE [MKFS OPTIONS...]: a fresh filesystem image in $IMG
corrupt_img() {
	local size=$1
	shift
	IMG=/tmp/$TEST.img
	rm -f "$IMG"
	truncate -s "$size" "$IMG"
	run_ok "$MKFS" -q -f "$@" "$IMG"
	mkdir -p "$MNT"
	atomfs_load
}

# dbg COMMAND [ARGS...]: atomfs-debug on the (unattached) image; prints
# what the command prints (an inode number for the builders)
dbg() {
	"$DBG" "$IMG" "$@" || fail "atomfs-debug $*: failed"
}

# atomfs_lines: the kernel log lines of atomfs since dmesg_mark, but the
# "remounting read-only" that follows an error under errors=remount-ro and
# the line a mount on a device without atomic writes (loop) always logs
atomfs_lines() {
	dmesg_since | grep 'atomfs (' | grep -v 'remounting read-only' |
		grep -v -E 'RWF_ATOMIC writes are refused|atomic writes of [0-9]+ bytes' ||
		true
}

# one_log_line PATTERN: since dmesg_mark atomfs logged exactly one line,
# and it names the problem (matches PATTERN)
one_log_line() {
	local lines n
	lines=$(atomfs_lines)
	n=$(printf '%s' "$lines" | grep -c . || true)
	[[ $n == 1 ]] ||
		fail "expected one atomfs log line matching '$1', got $n: $lines"
	grep -E -q -- "$1" <<<"$lines" ||
		fail "the atomfs log line does not match '$1': $lines"
	info "kernel: ${lines#*] }"
}

# mount_fails ERRNO PATTERN: mounting $DEV fails with ERRNO (a name) and
# one log line matching PATTERN
mount_fails() {
	local r
	dmesg_mark
	r=$(try_mount "$DEV" "$MNT")
	assert_eq "mount result" "$1" "$r"
	grep -q " $MNT " /proc/mounts && fail "$MNT is mounted after a failed mount"
	one_log_line "$2"
}

# mount_ok [OPTIONS]: mounting $DEV succeeds, without a log line
mount_ok() {
	local r
	dmesg_mark
	r=$(try_mount "$DEV" "$MNT" ${1:+"$1"})
	assert_eq "mount result" ok "$r"
	assert_eq "atomfs log lines at mount" "" "$(atomfs_lines)"
}

# op_is OP PATH ERRNO: try_op OP PATH gives ERRNO ("ok" for success)
op_is() {
	assert_eq "$1 $2" "$3" "$(try_op "$1" "$2")"
}

# meets_corruption OP PATH PATTERN: the access fails with EUCLEAN, atomfs
# logs one line matching PATTERN, and the filesystem is now read-only
# (errors=remount-ro, the default): /proc/mounts says ro, a write gets
# EROFS, and the metadata_errors counter is 1
meets_corruption() {
	local sysfs
	dmesg_mark
	op_is "$1" "$2" EUCLEAN
	one_log_line "$3"
	expect_log 'remounting read-only'
	grep -E -q " $MNT atomfs ro[, ]" /proc/mounts ||
		fail "not read-only after the error: $(grep " $MNT " /proc/mounts)"
	op_is create "$MNT/written-after-the-error" EROFS
	sysfs=/sys/fs/atomfs/$(basename "$DEV")
	assert_eq "metadata_errors" 1 "$(cat "$sysfs/metadata_errors")"
}

# fsck_is STATUS PATTERN [-n|-y]: fsck.atomfs (-n by default) on $DEV
# exits STATUS and, unless PATTERN is empty, prints a line matching it
fsck_is() {
	local out st=0
	out=$("$FSCK" "${3:--n}" "$DEV" 2>&1) || st=$?
	if [[ $st != "$1" ]]; then
		echo "$out" >&2
		fail "fsck.atomfs ${3:--n}: exit status $st, expected $1"
	fi
	if [[ -n $2 ]] && ! grep -E -q -- "$2" <<<"$out"; then
		echo "$out" >&2
		fail "fsck.atomfs ${3:--n} does not report '$2'"
	fi
	info "fsck ${3:--n}: exit $st: $(grep -E -m 1 -- "${2:-.}" <<<"$out")"
}

# repair_and_mount: fsck -y repairs (exit 1), a second look finds the
# filesystem clean (exit 0), and it mounts and unmounts cleanly again
repair_and_mount() {
	fsck_is 1 "^fixed: " -y
	fsck_is 0 "" -n
	mount_ok
	ls -la "$MNT" >/dev/null || fail "cannot list the repaired root"
	umount_fsck
}

# corrupt_done: no mount left, the loop device and the image gone
corrupt_done() {
	grep -q " $MNT " /proc/mounts && run_ok umount "$MNT"
	img_detach
	rm -f "$IMG"
	info ok
}
