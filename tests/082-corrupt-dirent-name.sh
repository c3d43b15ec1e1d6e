#!/bin/bash
# Directory entries whose names the format forbids, with valid checksums:
# a name holding '/', one holding a NUL byte, "..", and a name length past
# the entry.  The leaf holding each is refused: a lookup of a good name
# beside it fails with EUCLEAN and one log line, and readdir fails too
# (errors=continue); with the default errors= the filesystem turns
# read-only.  fsck names each entry, -y removes them and reconnects their
# inodes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
declare -A dir
for c in slash nul dotdot long; do
	dir[$c]=$(dbg mkdir 1 "$c")
	dbg mkfile "${dir[$c]}" good 100 >/dev/null
	dbg mkfile "${dir[$c]}" ab 100 >/dev/null
done
dbg dirent-set "${dir[slash]}" ab name:1 0x2f
dbg dirent-set "${dir[nul]}" ab name:1 0
dbg dirent-set "${dir[dotdot]}" ab name:0 0x2e
dbg dirent-set "${dir[dotdot]}" .b name:1 0x2e
dbg dirent-set "${dir[long]}" ab namelen 200
img_attach

# refused CASE WHY: looking up the good name in the same leaf fails with
# one log line giving WHY
refused() {
	dmesg_mark
	op_is stat "$MNT/$1/good" EUCLEAN
	one_log_line "inode ${dir[$1]}: directory tree block [0-9]+: item [0-9]: $2"
}

# (The error lines are rate-limited, ten in five seconds: this test logs
# seven.)
mount_ok errors=continue
refused slash "name holds '/'"
# Listing fails too, and logs twice: getdents first returns "." and "..",
# then meets the leaf again.
dmesg_mark
op_is readdir "$MNT/slash" EUCLEAN
expect_log "inode ${dir[slash]}: directory tree block [0-9]+: item [0-9]: name holds '/'"
refused nul "name holds a NUL byte"
refused dotdot "name is '.' or '..'"
refused long "name length does not match the entry's"
run_ok umount "$MNT"
mount_ok
meets_corruption stat "$MNT/slash/good" "inode ${dir[slash]}: .*name holds '/'"
run_ok umount "$MNT"

fsck_is 4 "^directory ${dir[slash]}: entry 'a/' has an invalid name" -n
fsck_is 4 "^directory ${dir[nul]}: entry 'a\\\\x00' has an invalid name" -n
fsck_is 4 "^directory ${dir[dotdot]}: entry '\.\.' has an invalid name" -n
fsck_is 4 "^directory ${dir[long]}: malformed entry at key" -n
repair_and_mount
mount_ok
for c in slash nul dotdot long; do
	assert_eq "entries of $c" good "$(ls "$MNT/$c" | xargs)"
done
umount_fsck
corrupt_done
