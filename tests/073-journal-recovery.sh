#!/bin/bash
# After a power cut, the mount replays the journal: every change that an
# fsync (or sync) committed is there, including those the log had wrapped
# over, and nothing that was never committed; fsck -n sees the replay
# coming (and nothing wrong) before the mount, and a clean filesystem after.
# slow: yes
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flakey-lib.sh"

scsi_dev 256
run_ok "$MKFS" -q -f "$DEV"
flakey_setup
atomfs_load
mkdir -p "$MNT"
# No timed commit: what is committed is what the test committed.
run_ok mount -t atomfs -o commit=300 "$FLAKEY_DEV" "$MNT"

# Durable by sync: a directory of files and a large file.
run_ok mkdir "$MNT/d"
for i in $(seq 1 300); do echo "hello $i" >"$MNT/d/f$i"; done
run_ok dd if=/dev/urandom of=/tmp/$TEST.big bs=1M count=8 status=none
run_ok cp /tmp/$TEST.big "$MNT/big"
run_ok sync

# Durable by a later fsync, which commits every earlier transaction too.
run_ok rm "$MNT"/d/f1*			# f1, f10..f19, f100..f199: 111
run_ok mv "$MNT/d/f2" "$MNT/d/g2"
run_ok truncate -s 5000 "$MNT/big"
run_ok truncate -s 5000 /tmp/$TEST.big
run_ok dd if=/dev/urandom of=/tmp/$TEST.new bs=64k count=10 status=none
run_ok cp /tmp/$TEST.new "$MNT/new"
run_ok sync "$MNT/new"

# 400 files each fsync'd on its own: about 2000 log blocks, so the
# 1024-block log wraps and checkpoints on the way.
run_ok mkdir "$MNT/w"
run_ok sync "$MNT"
for i in $(seq 1 400); do
	echo "wrap $i" | run_ok dd of="$MNT/w/$i" conv=fsync status=none
done
run_ok sync "$MNT/w"

# Never committed.
echo "not committed" >"$MNT/lost"
run_ok mkdir "$MNT/lostdir"
run_ok rm "$MNT/d/f3"

crash_umount

out=$("$FSCK" -n "$FLAKEY_DEV") || fail "fsck -n before recovery: $?: $out"
echo "$out" | grep -q "journal needs recovery" ||
	fail "fsck -n did not see a journal to recover: $out"
dmesg_mark
run_ok mount -t atomfs "$FLAKEY_DEV" "$MNT"
expect_log "atomfs \(dm-[0-9]+\): journal recovered"

assert_eq "names in d" 189 "$(ls "$MNT/d" | wc -l)"
[[ -e $MNT/d/g2 && ! -e $MNT/d/f2 ]] || fail "rename lost"
assert_eq "d/f3 (its unlink was never committed)" "hello 3" "$(cat "$MNT/d/f3")"
assert_eq "d/f299" "hello 299" "$(cat "$MNT/d/f299")"
run_ok cmp /tmp/$TEST.big "$MNT/big"
run_ok cmp /tmp/$TEST.new "$MNT/new"
for i in $(seq 1 400); do
	[[ $(cat "$MNT/w/$i") == "wrap $i" ]] || fail "w/$i lost or wrong"
done
[[ ! -e $MNT/lost && ! -e $MNT/lostdir ]] ||
	fail "changes never committed survived the power cut"
run_ok umount "$MNT"

out=$("$FSCK" -n "$FLAKEY_DEV") || fail "fsck -n after recovery: $?: $out"
echo "$out" | grep -q "journal needs recovery" &&
	fail "journal still needs recovery after a mount: $out"
flakey_remove
atomfs_unload
scsi_dev_remove
info ok
