#!/bin/bash
# Damaged extended attribute blocks: one with a bad checksum, one whose
# entries are out of order (checksum made good again), and an inode whose
# xattr block number lies past the end of the filesystem.  Reading the
# attributes fails with EUCLEAN and one log line naming the inode and the
# block; with the default errors= the filesystem turns read-only.  fsck
# names each; -y drops the bad blocks and their attributes, keeps the
# files and their data, and the blocks are free again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

is() { assert_eq "xattr_ops ${*:2}" "$1" "$(xattr_ops "${@:2}")"; }

corrupt_img 64M
img_attach
mount_ok
for c in csum order range; do
	echo "$c" >"$MNT/$c"
	is ok set "$MNT/$c" user.a 5 1
	is ok set "$MNT/$c" user.b 5 2
done
run_ok umount "$MNT"
run_ok blockdev --flushbufs "$DEV"
img_detach

declare -A ino blk
for c in csum order range; do
	ino[$c]=$(dbg lookup "/$c")
	blk[$c]=$(dbg inode "${ino[$c]}" | awk '$1 == "xattr_lo" { print $2 }')
	[[ ${blk[$c]} -gt 0 ]] || fail "$c: no xattr block"
done
dbg csum-break "${blk[csum]}"
# Entry 0's name (byte 40) and entry 1's (byte 52) swapped: b before a.
dbg block-write "${blk[order]}" 40 62
dbg block-write "${blk[order]}" 52 61
run_ok recsum_block "$IMG" "${blk[order]}"
dbg inode-set "${ino[range]}" xattr_hi 1
img_attach

mount_ok errors=continue
dmesg_mark
is EUCLEAN get "$MNT/csum" user.a 5 1
one_log_line "inode ${ino[csum]}: xattr block ${blk[csum]}: bad checksum"
dmesg_mark
is EUCLEAN list "$MNT/order"
one_log_line "inode ${ino[order]}: xattr block ${blk[order]}: entries out of order"
dmesg_mark
op_is stat "$MNT/range" EUCLEAN
one_log_line "inode ${ino[range]}: bad xattr block [0-9]+"
# The data is readable all the same.
assert_eq "data of csum" csum "$(cat "$MNT/csum")"
run_ok umount "$MNT"
mount_ok
meets_corruption read "$MNT/range" "inode ${ino[range]}: bad xattr block"
run_ok umount "$MNT"

fsck_is 4 "^inode ${ino[csum]}: xattr block ${blk[csum]}: checksum mismatch" -n
fsck_is 4 "^inode ${ino[order]}: xattr block ${blk[order]}: entries out of order" -n
fsck_is 4 "^inode ${ino[range]}: xattr block [0-9]+ lies outside the data area" -n
fsck_is 4 "^block ${blk[range]}: marked in use but not used" -n
repair_and_mount
mount_ok
for c in csum order range; do
	assert_eq "data of $c" "$c" "$(cat "$MNT/$c")"
	is ENODATA get "$MNT/$c" user.a 5 1
	is "" list "$MNT/$c"
	is ok set "$MNT/$c" user.new 5 3
done
umount_fsck
corrupt_done
