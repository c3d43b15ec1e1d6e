#!/bin/bash
# POSIX ACLs: setfacl/getfacl on a file; the mode follows the ACL's mask
# and chmod rewrites the ACL; a directory's default ACL is inherited by new
# files and directories, with the umask ignored; noacl turns them off;
# cp -a copies the ACLs and the user. attributes; all of it after a
# remount; fsck is clean.
. "$(dirname "$0")/lib.sh"

# acl PATH: its access ACL on one line
acl() { getfacl -cpEn "$1" | grep -v '^$' | paste -sd' '; }

umask 022
scsi_dev 64
mkfs_mount
f=$MNT/f d=$MNT/d
echo data >"$f"
run_ok chmod 0640 "$f"
run_ok setfacl -m u:1000:rw,g:2000:r "$f"
assert_eq "access ACL" \
	"user::rw- user:1000:rw- group::r-- group:2000:r-- mask::rw- other::---" \
	"$(acl "$f")"
# The group bits of the mode are the mask.
assert_eq "mode with an ACL" 660 "$(stat -c %a "$f")"
run_ok chmod 0604 "$f"
assert_eq "ACL after chmod" \
	"user::rw- user:1000:rw- group::r-- group:2000:r-- mask::--- other::r--" \
	"$(acl "$f")"
getfattr -m - -d "$f" | grep -q '^system.posix_acl_access' ||
	fail "system.posix_acl_access is not listed"

run_ok mkdir "$d"
run_ok setfacl -d -m u:1000:rwx,g::r-x,o::--- "$d"
# A default ACL passes its entries on, and the umask does not apply.
(umask 077 && echo new >"$d/file" && mkdir "$d/sub")
assert_eq "inherited file ACL" \
	"user::rw- user:1000:rwx group::r-x mask::rw- other::---" \
	"$(acl "$d/file")"
assert_eq "inherited file mode" 660 "$(stat -c %a "$d/file")"
assert_eq "inherited directory default ACL" \
	"$(getfacl -cpnd "$d" | paste -sd' ')" \
	"$(getfacl -cpnd "$d/sub" | paste -sd' ')"
assert_eq "inherited directory mode" 770 "$(stat -c %a "$d/sub")"
# Without a default ACL, the umask applies as usual (a directory and a
# fifo: nothing but their creation stores them).
(umask 027 && echo plain >"$MNT/plain" && mkdir "$MNT/pd" &&
	mkfifo "$MNT/pf")
assert_eq "mode under umask 027" 640 "$(stat -c %a "$MNT/plain")"
assert_eq "directory mode under umask 027" 750 "$(stat -c %a "$MNT/pd")"
assert_eq "fifo mode under umask 027" 640 "$(stat -c %a "$MNT/pf")"

# cp -a keeps the ACLs and the user attributes.
run_ok setfattr -n user.note -v hello "$f"
run_ok cp -a "$f" "$MNT/copy"
run_ok cp -a "$d" "$MNT/dcopy"
assert_eq "copied ACL" "$(acl "$f")" "$(acl "$MNT/copy")"
assert_eq "copied attribute" hello \
	"$(getfattr --only-values -n user.note "$MNT/copy")"
assert_eq "copied default ACL" "$(getfacl -cpnd "$d" | paste -sd' ')" \
	"$(getfacl -cpnd "$MNT/dcopy" | paste -sd' ')"

remount
assert_eq "ACL after remount" \
	"user::rw- user:1000:rw- group::r-- group:2000:r-- mask::--- other::r--" \
	"$(acl "$f")"
assert_eq "copied ACL after remount" "$(acl "$f")" "$(acl "$MNT/copy")"
# The modes the ACLs or the umask gave at creation are on disk.
assert_eq "inherited file mode after remount" 660 "$(stat -c %a "$d/file")"
assert_eq "inherited directory mode after remount" 770 \
	"$(stat -c %a "$d/sub")"
assert_eq "mode under umask 027 after remount" 640 \
	"$(stat -c %a "$MNT/plain")"
assert_eq "directory mode under umask 027 after remount" 750 \
	"$(stat -c %a "$MNT/pd")"
assert_eq "fifo mode under umask 027 after remount" 640 \
	"$(stat -c %a "$MNT/pf")"

# Removing the ACL leaves the mode it had (the mask as group bits).
run_ok setfacl -b "$f"
assert_eq "ACL removed" "user::rw- group::--- other::r--" "$(acl "$f")"
assert_eq "mode without an ACL" 604 "$(stat -c %a "$f")"
getfattr -m - -d "$f" | grep -q '^system.posix_acl_access' &&
	fail "system.posix_acl_access still listed"

# noacl: no ACL is applied or settable, the umask applies everywhere.
remount noacl
grep -E -q " $MNT atomfs .*noacl" /proc/mounts || fail "noacl not shown"
run_fail setfacl -m u:1000:rw "$f"
(umask 077 && echo x >"$d/under-noacl")
assert_eq "mode under noacl" 600 "$(stat -c %a "$d/under-noacl")"
remount
umount_fsck
scsi_dev_remove
info ok
