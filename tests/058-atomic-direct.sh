#!/bin/bash
# O_DIRECT with RWF_ATOMIC: the unit reaches the device as exactly one
# WRITE_ATOMIC_16 before the call returns and is not left in the page cache;
# the data reads back; writes of the wrong shape fail EINVAL, changing nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
EINVAL=22

state() {
	echo "$(stat -c %s "$1") $(sha256sum <"$1")"
}

scsi_dev_atomic 128
mkfs_mount -a 16k
F=$MNT/f
for u in 0 1 2 3; do
	run_ok atomic_write "$F" $((u * A)) $A 1 >/dev/null
done
drop_caches
# Unit 2 is in the cache (read) when the direct write comes.
cat "$F" >/dev/null
assert_eq "unit 2 cached before" $((A / 4096)) "$(mincore_count "$F" $((2 * A)) $A)"
bios0=$(ctr atomic_bios)
writes0=$(ctr atomic_writes)

declare -A unit_of=([overwrite]=1 [cached]=2 [new]=6)
scsi_trace_on
for tag in overwrite cached new; do
	u=${unit_of[$tag]}
	run_ok write_marked "$F" $((u * A)) $A $((20 + u)) direct \
		"$tag" >/dev/null
	assert_eq "$tag: pages of the unit left in the page cache" 0 \
		"$(mincore_count "$F" $((u * A)) $A)"
done
scsi_trace_off

assert_eq "atomic_writes" $((writes0 + 3)) "$(ctr atomic_writes)"
assert_eq "atomic_bios" $((bios0 + 3)) "$(ctr atomic_bios)"
assert_eq "atomic_bio_errors" 0 "$(ctr atomic_bio_errors)"
assert_eq "demotions" 0 "$(ctr demotions)"
assert_eq "sync_atomic_writes" 0 "$(ctr sync_atomic_writes)"
assert_eq "size" $((7 * A)) "$(stat -c %s "$F")"

for tag in overwrite cached new; do
	u=${unit_of[$tag]}
	trace_has_marks "$tag"
	pblk=$(file_pblk "$F" $((u * A)))
	assert_eq "$tag: WRITE_ATOMIC_16 commands before the call returned" 1 \
		"$(trace_marked_cmds "$tag" WRITE_ATOMIC_16 | wc -l)"
	assert_eq "$tag: the WRITE_ATOMIC_16 of the unit" \
		"WRITE_ATOMIC_16 $pblk $((A / 4096))" \
		"$(trace_marked_cmds "$tag" WRITE_ATOMIC_16)"
	assert_eq "$tag: plain writes of the unit" 0 \
		"$(count_overlap "$PLAIN_WRITES" "$pblk" $((A / 4096)))"
done

verify() {
	run_ok pattern_verify "$F" 0 $A 1
	run_ok pattern_verify "$F" $A $A 21
	run_ok pattern_verify "$F" $((2 * A)) $A 22
	run_ok pattern_verify "$F" $((3 * A)) $A 1
	run_ok pattern_verify "$F" $((4 * A)) $((2 * A)) zero
	run_ok pattern_verify "$F" $((6 * A)) $A 26
}
verify
drop_caches
verify

info "wrong shapes with O_DIRECT: EINVAL, nothing changed"
rejected=$(ctr atomic_writes_rejected)
before=$(state "$F")
refused() {
	local what=$1
	shift

	assert_eq "$what" "errno $EINVAL" "$("$@" || true)"
	assert_eq "$what: file changed" "$before" "$(state "$F")"
	rejected=$((rejected + 1))
	assert_eq "$what: atomic_writes_rejected" $rejected \
		"$(ctr atomic_writes_rejected)"
}
refused "position 4096" atomic_write "$F" 4096 $A 9 direct
refused "position A / 2" atomic_write "$F" $((A / 2)) $A 9 direct
refused "length A / 2" atomic_write "$F" 0 $((A / 2)) 9 direct
refused "length 2 A" atomic_write "$F" 0 $((2 * A)) 9 direct
refused "length 12 KiB" atomic_write "$F" 0 12288 9 direct
refused "two iovecs" atomic_writev "$F" 0 $A 2 9 direct
refused "unaligned past EOF" atomic_write "$F" $((8 * A + 4096)) $A 9 direct
assert_eq "atomic_writes" $((writes0 + 3)) "$(ctr atomic_writes)"

remount
verify
umount_fsck
scsi_dev_remove
info ok
