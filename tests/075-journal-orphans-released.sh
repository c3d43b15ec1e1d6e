#!/bin/bash
# A file unlinked while open, when the power goes before it is closed, and
# a truncate cut short are orphans on disk: fsck -n names them and finds
# nothing wrong, and the next mount frees the file's blocks (or those past
# the truncated size), says so in one log line, and counts them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

scsi_dev 128
run_ok "$MKFS" -q -f -a 16k "$DEV"
flakey_setup
atomfs_load
mkdir -p "$MNT"
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
SYS=/sys/fs/atomfs/$FLAKEY_NAME

free0=$(cat "$SYS/free_blocks")
run_ok dd if=/dev/urandom of="$MNT/o" bs=1M count=2 status=none
run_ok sync
# Open, unlinked, and the unlink committed: the inode lives on, an orphan.
sleep 600 <"$MNT/o" &
holder=$!
run_ok rm "$MNT/o"
run_ok sync
ino_free=$(cat "$SYS/free_inodes")

# Power cut with the file still open: a lazy unmount, then the holder goes
# and the superblock with it, its writes lost.
crash_umount_busy $holder

out=$("$FSCK" -n "$FLAKEY_DEV") || fail "fsck -n with an orphan: $?: $out"
echo "$out" | grep -q "orphan inode" || fail "fsck -n did not name the orphan: $out"

dmesg_mark
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
expect_log "atomfs \($FLAKEY_NAME\): released 1 orphan inode"
assert_eq "orphans_released" 1 "$(cat "$SYS/orphans_released")"
assert_eq "free blocks after the release" "$free0" "$(cat "$SYS/free_blocks")"
assert_eq "free inodes after the release" $((ino_free + 1)) \
	"$(cat "$SYS/free_inodes")"

# A truncate cut short: size already small, blocks past it still there.
run_ok dd if=/dev/urandom of="$MNT/t" bs=1M count=1 status=none
run_ok umount "$MNT"
ino=$("$DBG" "$FLAKEY_DEV" lookup /t)
run_ok "$DBG" "$FLAKEY_DEV" inode-set "$ino" size 20000
run_ok "$DBG" "$FLAKEY_DEV" inode-set "$ino" flags 2
run_ok "$DBG" "$FLAKEY_DEV" sb-set state 0	# as after a crash
out=$("$FSCK" -n "$FLAKEY_DEV") || fail "fsck -n with a truncate orphan: $?: $out"
dmesg_mark
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
expect_log "atomfs \($FLAKEY_NAME\): released 1 orphan inode"
assert_eq "size of t" 20000 "$(stat -c %s "$MNT/t")"
# What is left: the two 16 KiB units under the 20000 bytes.
assert_eq "bytes mapped in t" 32768 \
	"$(fiemap_extents "$MNT/t" | awk '{ n += $3 } END { print n + 0 }')"
run_ok umount "$MNT"
run_ok "$FSCK" -n "$FLAKEY_DEV"
assert_eq "orphan flag of t" 0 \
	"$("$DBG" "$FLAKEY_DEV" inode "$ino" | awk '$1 == "flags" { print $2 }')"
flakey_remove
atomfs_unload
scsi_dev_remove
info ok
