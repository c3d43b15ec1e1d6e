#!/bin/bash
# Software atomic writes that fail on the device: the data area turns into
# dm-error (writes and reads fail; the journal, before it, still works).
# An atomic overwrite written out of place, one written in place into
# fallocated blocks, and one with RWF_DSYNC all fail: fsync and the dsync
# write return EIO, each failed bio is counted and logged, no unit is
# remapped, and every unit set aside is given back (the space available
# is what it was).  With the device healthy again, every unit reads its
# old contents whole (zeros for the fallocated one), the mount still
# works, and fsck finds nothing wrong: nothing leaked, nothing torn.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

A=16384
scsi_dev 64 atomic_wr=0
run_ok "$MKFS" -q -f -a 16k "$DEV"
data_start=$("$TOP/tools/atomfs-debug" "$DEV" sb | awk '$1 == "data_start" { print $2 }')
[[ $data_start =~ ^[0-9]+$ ]] || fail "no data_start in the superblock"
flakey_setup
atomfs_load
mkdir -p "$MNT"
run_ok mount -t atomfs -o commit=300 "$FLAKEY_DEV" "$MNT"
dctr() { cat "/sys/fs/atomfs/$FLAKEY_NAME/$1"; }
assert_eq "atomic_mode" sw "$(dctr atomic_mode)"
F=$MNT/f
G=$MNT/g

for u in 0 1 2 3; do
	run_ok atomic_write "$F" $((u * A)) $A $((u + 1)) >/dev/null
done
run_ok fallocate -l $A "$G"
# Everything written home, so that no metadata block in the data area is
# left dirty to fail while the data area is gone.
run_ok sync
run_ok blockdev --flushbufs "$FLAKEY_DEV"
avail=$(stat -f -c %a "$MNT")
errors=$(dctr write_errors)

# The data area fails; dm-error takes no flushes, so journal commits
# (flushing the linear part) still succeed.
ds=$((data_start * 8))
dm_table "0 $ds linear $DEV 0
$ds $((FLAKEY_SECTORS - ds)) error"
dmesg_mark
run_ok atomic_write "$F" 0 $A 11 >/dev/null
run_ok atomic_write "$G" 0 $A 12 >/dev/null
run_fail sync "$F"
run_fail sync "$G"
assert_eq "RWF_ATOMIC|RWF_DSYNC onto a failing device" "errno 5" \
	"$(atomic_write "$F" $A $A 13 dsync || true)"
assert_eq "write_errors" $((errors + 3)) "$(dctr write_errors)"
assert_eq "log lines of the failed writes" 3 \
	"$(log_count "atomfs \($FLAKEY_NAME\): inode [0-9]+: write error -5 at offset")"
assert_eq "sw_atomic_remaps" 0 "$(dctr sw_atomic_remaps)"
assert_eq "space available (units set aside given back)" "$avail" \
	"$(stat -f -c %a "$MNT")"
assert_eq "metadata_errors" 0 "$(dctr metadata_errors)"

dm_table "0 $FLAKEY_SECTORS linear $DEV 0"
drop_caches
run_ok pattern_verify "$F" 0 $A 1
run_ok pattern_verify "$F" $A $A 2
run_ok pattern_verify "$G" 0 $A zero

# Healthy again: the same writes succeed and are remapped.
run_ok atomic_write "$F" 0 $A 21 >/dev/null
run_ok atomic_write "$F" $A $A 22 dsync >/dev/null
run_ok atomic_write "$G" 0 $A 23 >/dev/null
run_ok sync
assert_eq "sw_atomic_remaps" 2 "$(dctr sw_atomic_remaps)"
assert_eq "space available after the remaps" "$avail" \
	"$(stat -f -c %a "$MNT")"
drop_caches
run_ok pattern_verify "$F" 0 $A 21
run_ok pattern_verify "$F" $A $A 22
run_ok pattern_verify "$F" $((2 * A)) $A 3
run_ok pattern_verify "$G" 0 $A 23
DEV=$FLAKEY_DEV umount_fsck
flakey_remove
scsi_dev_remove
info ok
