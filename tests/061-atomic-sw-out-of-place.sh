#!/bin/bash
# Software atomic writes (a device without atomic writes, atomic=auto): a
# unit never written goes to its unwritten blocks (sw_atomic_in_place); a
# written unit goes to a unit set aside and is remapped there in one
# transaction (sw_atomic_remaps), the old unit freed, so free space does
# not change; no REQ_ATOMIC reaches the device.  With no unit left to set
# aside, RWF_ATOMIC over a written unit fails ENOSPC and changes nothing,
# while plain overwrites and atomic writes into unwritten units still work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
scsi_dev 64 atomic_wr=0
mkfs_mount -a 16k
assert_eq "atomic_mode" sw "$(ctr atomic_mode)"
F=$MNT/f

# unit_at U: the device byte address of file unit U
unit_at() {
	fiemap_extents "$F" | awk -v off=$(($1 * A)) '
		off >= $1 && off < $1 + $3 { print $2 + off - $1; f = 1; exit }
		END { if (!f) exit 1 }' || fail "unit $1 is not mapped"
}

for u in 0 1 2 3 4 5 6 7; do
	run_ok atomic_write "$F" $((u * A)) $A $((u + 1)) >/dev/null
done
run_ok sync
assert_eq "sw_atomic_in_place" 8 "$(ctr sw_atomic_in_place)"
assert_eq "sw_atomic_remaps" 0 "$(ctr sw_atomic_remaps)"
assert_eq "atomic_bios (REQ_ATOMIC)" 0 "$(ctr atomic_bios)"
declare -a before
for u in 0 1 2 3 4 5 6 7; do before[u]=$(unit_at $u); done
free=$(ctr free_blocks)

for u in 0 1 2 3; do
	run_ok atomic_write "$F" $((u * A)) $A $((u + 11)) >/dev/null
done
run_ok sync
assert_eq "sw_atomic_remaps" 4 "$(ctr sw_atomic_remaps)"
# RWF_DSYNC: remapped and committed before the call returns.
run_ok atomic_write "$F" $((2 * A)) $A 21 dsync >/dev/null
assert_eq "sw_atomic_remaps after a dsync write" 5 "$(ctr sw_atomic_remaps)"
assert_eq "sw_atomic_in_place" 8 "$(ctr sw_atomic_in_place)"
assert_eq "sw_atomic_fallbacks" 0 "$(ctr sw_atomic_fallbacks)"
assert_eq "atomic_bios (REQ_ATOMIC)" 0 "$(ctr atomic_bios)"
assert_eq "free blocks after remaps" "$free" "$(ctr free_blocks)"
for u in 0 1 2 3; do
	[[ $(unit_at $u) != "${before[u]}" ]] || fail "unit $u did not move"
done
for u in 4 5 6 7; do
	assert_eq "place of unit $u" "${before[u]}" "$(unit_at $u)"
done

check_data() {
	run_ok pattern_verify "$F" 0 $A 11
	run_ok pattern_verify "$F" $A $A 12
	run_ok pattern_verify "$F" $((2 * A)) $A 21
	run_ok pattern_verify "$F" $((3 * A)) $A 14
	for u in 4 5 6 7; do
		run_ok pattern_verify "$F" $((u * A)) $A $((u + 1))
	done
}
check_data
drop_caches
check_data
remount
check_data

# Out of space for a unit to set aside.
run_ok fallocate -l $((4 * A)) "$MNT/prealloc"
i=0
for size in 1M 16k; do
	while fallocate -l $size "$MNT/filler$i" 2>/dev/null; do
		i=$((i + 1))
	done
done
run_ok sync
sum=$(sha256sum <"$F")
assert_eq "RWF_ATOMIC over a written unit, no space" "errno 28" \
	"$(atomic_write "$F" 0 $A 31 || true)"
assert_eq "file after the refused write" "$sum" "$(sha256sum <"$F")"
run_ok plain_write "$F" $((5 * A)) $A 32 >/dev/null
run_ok atomic_write "$MNT/prealloc" $A $A 33 >/dev/null
run_ok sync
run_ok pattern_verify "$MNT/prealloc" $A $A 33
run_ok pattern_verify "$F" $((5 * A)) $A 32
assert_eq "sw_atomic_fallbacks" 0 "$(ctr sw_atomic_fallbacks)"
umount_fsck
scsi_dev_remove
info ok
