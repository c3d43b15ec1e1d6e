#!/bin/bash
# Extended attributes in user., trusted. and security. on files,
# directories, symlinks and device nodes: set, get, list, replace, remove;
# ENODATA, EEXIST, ERANGE for a short buffer, E2BIG for a value larger than
# a block can hold, ENOSPC once the inode's block is full; all of it after
# a remount too; an unlinked inode gives its block back; fsck is clean.
. "$(dirname "$0")/lib.sh"

x() { xattr_ops "$@"; }
is() { assert_eq "xattr_ops ${*:2}" "$1" "$(xattr_ops "${@:2}")"; }

scsi_dev 64
mkfs_mount
f=$MNT/f d=$MNT/d l=$MNT/l p=$MNT/p
echo data >"$f"
run_ok mkdir "$d"
run_ok ln -s f "$l"
run_ok mkfifo "$p"

is ENODATA get "$f" user.none 0 0
is "" list "$f"
is 0 listlen "$f"
for ns in user trusted security; do
	is ok set "$f" $ns.a 10 1
	is ok get "$f" $ns.a 10 1
	is ok set "$d" $ns.dir 300 2
done
is ok set "$l" trusted.link 50 3
is ok set "$p" security.fifo 7 4
# The VFS keeps user. to files and directories.
is EPERM set "$l" user.link 1 1

# Replace, create-only, replace-only.
is ok set "$f" user.a 2000 5
is ok get "$f" user.a 2000 5
is EEXIST set "$f" user.a 1 1 create
is ENODATA set "$f" user.b 1 1 replace
is ok set "$f" user.b 0 0 create
assert_eq "empty value length" 0 "$(x len "$f" user.b)"
is ok set "$f" user.b 33 6 replace
assert_eq "replaced length" 33 "$(x len "$f" user.b)"

# A buffer too small for the value or for the names: ERANGE.
is ERANGE get "$f" user.a 2000 5 1999
is ok get "$f" user.a 2000 5 2000
names=$(printf '%s\n' security.a trusted.a user.a user.b)
assert_eq "names" "$names" "$(x list "$f")"
len=$(x listlen "$f")
assert_eq "list length" 35 "$len"
is ERANGE list "$f" $((len - 1))

# Remove.
is ok remove "$f" user.b
is ENODATA remove "$f" user.b
is ENODATA get "$f" user.b 33 6

# Limits: one value of up to 4052 bytes (with a 1-byte name) fits a
# block; a larger one never can (E2BIG); the block fills up (ENOSPC).
g=$MNT/g
: >"$g"
is ok set "$g" user.m 4052 7
is ok get "$g" user.m 4052 7
is E2BIG set "$g" user.n 4053 7
is ok remove "$g" user.m
out=$(x fill "$g" user.f 100)
n=${out% *}
assert_eq "fill stopped by" ENOSPC "${out#* }"
((n >= 30 && n <= 40)) || fail "$n 100-byte attributes fit a block"
info "$n attributes of 100 bytes fill the block"
is ok remove "$g" user.f0
is ok set "$g" user.f0 100 0
is ENOSPC set "$g" user.more 100 0

# After a remount, from the device.
remount
is ok get "$f" user.a 2000 5
is ok get "$f" trusted.a 10 1
is ok get "$f" security.a 10 1
assert_eq "names after remount" "$(printf '%s\n' security.a trusted.a user.a)" \
	"$(x list "$f")"
for ns in user trusted security; do is ok get "$d" $ns.dir 300 2; done
is ok get "$l" trusted.link 50 3
is ok get "$p" security.fifo 7 4
for i in $(seq 0 $((n - 1))); do
	assert_eq "user.f$i" ok "$(x get "$g" user.f$i 100 $i)"
done
# A directory's size is its name tree, whatever its attributes take.
: >"$d/entry"
assert_eq "directory size" 4096 "$(stat -c %s "$d")"
assert_eq "directory blocks" 16 "$(stat -c %b "$d")"
assert_eq "file blocks with an xattr block" 8 "$(stat -c %b "$p")"

# Removing the last attribute frees the block; so does unlinking.
is ok remove "$p" security.fifo
assert_eq "blocks without attributes" 0 "$(stat -c %b "$p")"
run_ok sync
free=$(stat -f -c %f "$MNT")
: >"$MNT/h"
is ok set "$MNT/h" user.x 1000 8
run_ok rm "$MNT/h" "$g"
run_ok sync
(($(stat -f -c %f "$MNT") > free)) || fail "no block freed by the unlinks"
umount_fsck
scsi_dev_remove
info ok
