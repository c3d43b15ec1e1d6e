#!/bin/bash
# A directory of 100,000 entries: exclusive create, lookup of each, readdir
# lists each once with the right d_type and resumes at telldir cookies,
# all again from disk after remount; then emptied and removed; fsck clean.
. "$(dirname "$0")/lib.sh"

N=100000
scsi_dev 256
mkfs_mount -N 131072
D=$MNT/big
mkdir "$D"

start=$SECONDS
run_ok dir_many create "$D" $N
info "created $N entries in $((SECONDS - start)) s"
start=$SECONDS
run_ok dir_many check "$D" $N
info "checked in $((SECONDS - start)) s"
assert_eq "entries find(1) lists" $N "$(find "$D" -mindepth 1 -maxdepth 1 | wc -l)"
umount_fsck

# From disk: nothing of the directory is cached any more.
run_ok mount -t atomfs "$DEV" "$MNT"
start=$SECONDS
run_ok dir_many check "$D" $N
info "checked from disk in $((SECONDS - start)) s"
start=$SECONDS
run_ok dir_many remove "$D" $N
info "removed in $((SECONDS - start)) s"
remount
run_ok dir_many remove "$D" 0
assert_eq "emptied directory size after remount" 0 "$(stat -c %s "$D")"
run_ok rmdir "$D"
[[ -e $D ]] && fail "$D still exists after rmdir"
assert_eq "root nlink" 2 "$(stat -c %h "$MNT")"
umount_fsck
assert_eq "inodes in use after removal" \
	"$($DBG "$DEV" sb | awk '/^inodes_count/ {n = $2} /^free_inodes/ {f = $2} END {print n - f}')" \
	2
scsi_dev_remove
info ok
