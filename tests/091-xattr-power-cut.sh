#!/bin/bash
# Extended attributes and ACLs through a power cut: what a sync committed
# (new blocks, replaced values, removals, a freed block, an ACL and the
# mode it sets) is there after the journal replay, what was never
# committed is not, and fsck finds the replayed filesystem clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

is() { assert_eq "xattr_ops ${*:2}" "$1" "$(xattr_ops "${@:2}")"; }

umask 022
scsi_dev 64
run_ok "$MKFS" -q -f "$DEV"
flakey_setup
atomfs_load
mkdir -p "$MNT"
# No timed commit: what is committed is what the test committed.
run_ok mount -t atomfs -o commit=300 "$FLAKEY_DEV" "$MNT"

for i in 1 2 3 4; do echo "$i" >"$MNT/f$i"; done
run_ok sync
blocks=$(stat -c %b "$MNT/f3")
is ok set "$MNT/f1" user.a 100 1
is ok set "$MNT/f2" user.a 200 2
is ok set "$MNT/f2" trusted.b 300 3
is ok set "$MNT/f3" user.gone 10 4
run_ok setfacl -m u:1000:rwx "$MNT/f4"
run_ok sync

# Committed by the fsync of f3, which commits all that came before.
is ok set "$MNT/f1" user.a 1000 5
is ok remove "$MNT/f2" user.a
is ok remove "$MNT/f3" user.gone
run_ok sync "$MNT/f3"

# Never committed.
is ok set "$MNT/f1" user.late 10 6
is ok set "$MNT/f2" trusted.b 50 7
run_ok setfacl -b "$MNT/f4"

crash_umount
dmesg_mark
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
expect_log "atomfs \(dm-[0-9]+\): journal recovered"
is ok get "$MNT/f1" user.a 1000 5
is ENODATA get "$MNT/f1" user.late 10 6
is ENODATA get "$MNT/f2" user.a 200 2
is ok get "$MNT/f2" trusted.b 300 3
is ENODATA get "$MNT/f3" user.gone 10 4
assert_eq "f3's blocks (its xattr block freed)" "$blocks" \
	"$(stat -c %b "$MNT/f3")"
assert_eq "f4's ACL" "user::rw- user:1000:rwx group::r-- mask::rwx other::r--" \
	"$(getfacl -cpEn "$MNT/f4" | grep -v '^$' | paste -sd' ')"
assert_eq "f4's mode" 674 "$(stat -c %a "$MNT/f4")"
run_ok umount "$MNT"
out=$("$FSCK" -n -f "$FLAKEY_DEV" 2>&1) || fail "fsck after replay: $out"
flakey_remove
scsi_dev_remove
info ok
