#!/bin/bash
# RWF_ATOMIC writes of the wrong shape fail EINVAL and ones RLIMIT_FSIZE would
# cut short fail EFBIG, changing nothing, each counted in atomic_writes_rejected;
# an atomic write past EOF extends the file with zeros before it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
EINVAL=22
EFBIG=27
rejected=0

state() {
	echo "$(stat -c %s "$1") $(sha256sum <"$1")"
}

# refused ERRNO WHAT CMD...: CMD prints "errno ERRNO", the file $F is
# unchanged, and the rejection is counted once
refused() {
	local want=$1 what=$2 before out
	shift 2

	before=$(state "$F")
	out=$("$@" || true)
	assert_eq "$what" "errno $want" "$out"
	assert_eq "$what: file changed" "$before" "$(state "$F")"
	rejected=$((rejected + 1))
	assert_eq "$what: atomic_writes_rejected" $rejected \
		"$(ctr atomic_writes_rejected)"
	assert_eq "$what: atomic_writes" $accepted "$(ctr atomic_writes)"
}

scsi_dev_atomic 128
mkfs_mount -a 16k
F=$MNT/f
accepted=0

info "four units of content"
for u in 0 1 2 3; do
	run_ok atomic_write "$F" $((u * A)) $A 1 >/dev/null
	accepted=$((accepted + 1))
done
sync
assert_eq "atomic_writes" $accepted "$(ctr atomic_writes)"
good=$(state "$F")

info "wrong shapes: EINVAL"
refused $EINVAL "length not a power of two" atomic_write "$F" 0 12288 2
refused $EINVAL "length 3" atomic_write "$F" 0 3 2
refused $EINVAL "length A + 1" atomic_write "$F" 0 $((A + 1)) 2
refused $EINVAL "length A / 2" atomic_write "$F" 0 $((A / 2)) 2
refused $EINVAL "length 4096" atomic_write "$F" 0 4096 2
refused $EINVAL "length 2 A" atomic_write "$F" 0 $((2 * A)) 2
refused $EINVAL "length 4 A" atomic_write "$F" 0 $((4 * A)) 2
refused $EINVAL "position A / 2" atomic_write "$F" $((A / 2)) $A 2
refused $EINVAL "position 4096" atomic_write "$F" 4096 $A 2
refused $EINVAL "position 1" atomic_write "$F" $((A + 1)) $A 2
refused $EINVAL "two iovecs" atomic_writev "$F" 0 $A 2 2
refused $EINVAL "four iovecs" atomic_writev "$F" $A $A 4 2
refused $EINVAL "unaligned past EOF" atomic_write "$F" $((5 * A + 4096)) $A 2
refused $EINVAL "short length past EOF" atomic_write "$F" $((8 * A)) 4096 2

info "zero length: the VFS returns 0 before the filesystem sees it"
assert_eq "zero-length atomic write" 0 "$(atomic_write "$F" 0 0 2)"
assert_eq "zero-length atomic write past EOF" 0 \
	"$(atomic_write "$F" $((8 * A)) 0 2)"
assert_eq "after zero-length writes" "$good" "$(state "$F")"
assert_eq "atomic_writes_rejected" $rejected "$(ctr atomic_writes_rejected)"

info "one iovec of the right shape still works (control)"
run_ok atomic_writev "$F" $A $A 1 3 >/dev/null
accepted=$((accepted + 1))
run_ok pattern_verify "$F" $A $A 3
run_ok atomic_write "$F" $A $A 1 >/dev/null
accepted=$((accepted + 1))
assert_eq "atomic_writes" $accepted "$(ctr atomic_writes)"

info "the device holds the old content"
drop_caches
assert_eq "after drop_caches" "$good" "$(state "$F")"
remount
assert_eq "after remount" "$good" "$(state "$F")"
rejected=0
accepted=0

info "RLIMIT_FSIZE would cut the write short: EFBIG, no signal"
F=$MNT/g
run_ok atomic_write "$F" 0 $A 4 >/dev/null
accepted=$((accepted + 1))
# 24 KiB: the second unit would be cut to 8 KiB.
refused $EFBIG "write across RLIMIT_FSIZE" \
	bash -c "ulimit -f 24; exec atomic_write '$F' $A $A 5"
# The first unit fits below the limit.
run_ok bash -c "ulimit -f 24; exec atomic_write '$F' 0 $A 6" >/dev/null
accepted=$((accepted + 1))
run_ok pattern_verify "$F" 0 $A 6

info "RLIMIT_FSIZE at or below the position: SIGXFSZ, EFBIG when ignored"
refused $EFBIG "write at RLIMIT_FSIZE, SIGXFSZ ignored" \
	bash -c "ulimit -f 32; trap '' XFSZ; exec atomic_write '$F' $((2 * A)) $A 7"
before=$(state "$F")
rc=0
bash -c "ulimit -f 32; exec atomic_write '$F' $((2 * A)) $A 7" >/dev/null || rc=$?
assert_eq "exit status killed by SIGXFSZ" $((128 + 25)) $rc
assert_eq "file after SIGXFSZ" "$before" "$(state "$F")"
rejected=$((rejected + 1))
assert_eq "atomic_writes_rejected" $rejected "$(ctr atomic_writes_rejected)"
assert_eq "size of g" $A "$(stat -c %s "$F")"

info "an atomic write past EOF extends the file"
F=$MNT/h
printf 'abc' >"$F"
sync
run_ok atomic_write "$F" $((3 * A)) $A 8 >/dev/null
accepted=$((accepted + 1))
check_h() {
	assert_eq "size of h ($1)" $((4 * A)) "$(stat -c %s "$F")"
	assert_eq "head of h ($1)" abc "$(head -c 3 "$F")"
	run_ok pattern_verify "$F" 3 $((3 * A - 3)) zero
	run_ok pattern_verify "$F" $((3 * A)) $A 8
}
check_h "cached"
# From an empty file too.
run_ok atomic_write "$MNT/e" $((2 * A)) $A 9 >/dev/null
accepted=$((accepted + 1))
assert_eq "size of e" $((3 * A)) "$(stat -c %s "$MNT/e")"
drop_caches
check_h "after drop_caches"
remount
check_h "after remount"
run_ok pattern_verify "$MNT/e" 0 $((2 * A)) zero
run_ok pattern_verify "$MNT/e" $((2 * A)) $A 9
assert_eq "atomic_writes" 0 "$(ctr atomic_writes)"
umount_fsck
scsi_dev_remove
info ok
