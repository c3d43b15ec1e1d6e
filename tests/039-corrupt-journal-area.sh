#!/bin/bash
# A superblock (checksum valid) whose journal area leaves the metadata area,
# also by a start or length so large that start + length wraps around: the
# mount fails with EUCLEAN and one log line; fsck names it, cannot repair it.
# mkfs refuses a journal smaller than jbd2's minimum of 1024 blocks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M -J 1024
dbg mkfile 1 data 100000 >/dev/null
sb() { "$DBG" "$DEV" sb | awk -v f="$1" '$1 == f { print $2 }'; }
img_attach
js=$(sb journal_start)
jb=$(sb journal_blocks)
ds=$(sb data_start)
((jb == 1024 && js + jb <= ds)) || fail "mkfs -J 1024 made journal $js+$jb, data at $ds"
truncate -s 64M "$IMG.small"
out=$("$MKFS" -q -J 1023 "$IMG.small" 2>&1) && fail "mkfs -J 1023 made a filesystem"
rm -f "$IMG.small"
grep -q "smaller than the minimum of 1024 blocks" <<<"$out" ||
	fail "mkfs -J 1023 does not say why it refuses: $out"

# journal_start journal_blocks: each breaks the area, the checksum is good
for bad in "$js $((ds - js + 1))" "$js 0xffffffffffffffff" \
	   "0xfffffffffffffff0 0x20" "$((ds + 1)) 1" "$((js - 1)) $jb"; do
	read -r s b <<<"$bad"
	run_ok "$DBG" "$DEV" sb-set journal_start "$s"
	run_ok "$DBG" "$DEV" sb-set journal_blocks "$b"
	info "journal area $s+$b"
	mount_fails EUCLEAN "journal area $(printf %u "$s")\+$(printf %u "$b") lies outside the metadata area $((js))\.\.$ds"
	fsck_is 4 "superblock: journal area $(printf %u "$s")\+$(printf %u "$b") lies outside the metadata area" -n
	fsck_is 4 "journal area" -y
done

run_ok "$DBG" "$DEV" sb-set journal_start "$js"
run_ok "$DBG" "$DEV" sb-set journal_blocks "$jb"
fsck_is 0 "" -n
mount_ok
assert_eq "data size" 100000 "$(stat -c %s "$MNT/data")"
umount_fsck
corrupt_done
