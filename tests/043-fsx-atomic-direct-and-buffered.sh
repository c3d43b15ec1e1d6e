#!/bin/bash
# fstests' fsx on atomfs with RWF_ATOMIC writes among its random
# operations, both ways: with O_DIRECT (-Z, as fstests' generic/776 runs
# it) and buffered (--atomic-buffered, the tree's patch to fsx: upstream
# fsx turns atomic writes off without -Z).  fsx checks every read against
# its model of the file; each atomic write it logged must be one atomfs
# counted, and there must be some; then fsck finds the filesystem clean.
# needs: fstests
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

FSX=$TOP/.build/fstests/src/ltp/fsx
[[ -x $FSX ]] || fail "no $FSX: scripts/fstests-build builds it"
WORK=/tmp/fsx
mkdir -p "$WORK"

scsi_dev_atomic 256
mkfs_mount
A=$(ctr atomic_unit)
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"

# fsx_run NAME ARGS...: 2000 operations on a file of its own
fsx_run() {
	local name=$1 w0 ops n
	shift
	w0=$(ctr atomic_writes)
	ops=$WORK/$name.fsxops
	info "fsx $name: $*"
	"$FSX" -q -N 2000 -S 7 -o "$A" -l 500000 -r 4096 -w 4096 -t 4096 \
		-P "$WORK" --record-ops="$ops" "$@" "$MNT/$name" \
		>"$WORK/$name.out" 2>&1 || {
		tail -n 40 "$WORK/$name.out" >&2
		fail "fsx $name failed"
	}
	n=$(grep -c '^write_atomic ' "$ops" || true)
	info "fsx $name: $n atomic writes"
	((n > 0)) || fail "fsx $name issued no atomic write: $(grep -i atomic "$WORK/$name.out" | head -n 3)"
	assert_eq "fsx $name: atomic writes counted" $((w0 + n)) "$(ctr atomic_writes)"
}

fsx_run direct -Z -R -W
fsx_run buffered --atomic-buffered
umount_fsck
scsi_dev_remove
info ok
