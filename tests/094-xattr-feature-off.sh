#!/bin/bash
# A filesystem made without the xattr feature (mkfs -O ^xattr, as every
# image made before it) mounts and works as before: extended attributes
# and ACLs are not supported (EOPNOTSUPP; the list is empty), new files
# get the mode the umask leaves, and fsck is clean.  An xattr block number in an inode of
# such a filesystem is corruption: EUCLEAN at the kernel, dropped by fsck.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

is() { assert_eq "xattr_ops ${*:2}" "$1" "$(xattr_ops "${@:2}")"; }

corrupt_img 64M -O ^xattr
assert_eq "ro_compat features" 0x00000000 \
	"$(dbg sb | awk '$1 == "feature_ro_compat" { print $2 }')"
img_attach
mount_ok
(umask 027 && echo data >"$MNT/f" && mkdir "$MNT/d")
assert_eq "file mode" 640 "$(stat -c %a "$MNT/f")"
assert_eq "directory mode" 750 "$(stat -c %a "$MNT/d")"
is EOPNOTSUPP set "$MNT/f" user.a 5 1
is EOPNOTSUPP set "$MNT/d" trusted.a 5 1
is "" list "$MNT/f"
run_fail setfacl -m u:1000:rw "$MNT/f"
run_ok umount "$MNT"
fsck_is 0 "" -n
img_detach

ino=$(dbg lookup /f)
dbg inode-set "$ino" xattr_lo 2000
img_attach
mount_ok
meets_corruption stat "$MNT/f" "inode $ino: bad xattr block 2000"
run_ok umount "$MNT"
fsck_is 4 "^inode $ino: xattr block 2000 without the xattr feature" -n
repair_and_mount
mount_ok
assert_eq "data" data "$(cat "$MNT/f")"
umount_fsck
corrupt_done
