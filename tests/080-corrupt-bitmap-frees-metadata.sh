#!/bin/bash
# A block bitmap that marks free a block the allocator must never hand out
# (the superblock, a bitmap block, the inode table, the journal, past the
# end), its checksum recomputed: the mount, which reads every bitmap block,
# fails with EUCLEAN and one log line naming the block; fsck names it, -y
# marks it in use again, and the data is intact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
sb=$(dbg sb)
field() { awk -v k="$1" '$1 == k { print $2 }' <<<"$sb"; }
bb=$(field bbitmap_start)
blocks=$(field blocks_count)
img_detach

# damaged BLOCK AREA FSCK_PATTERN: a fresh image with BLOCK marked free
damaged() {
	corrupt_img 64M
	dbg mkfile 1 data 100000 >/dev/null
	dbg bitmap-set "$1" 0
	img_attach
	mount_fails EUCLEAN "block bitmap block $bb: block $1 \($2\) marked free"
	fsck_is 4 "$3" -n
}

meta="marked free but used by the filesystem's metadata$"
damaged 0 superblock "^block 0: $meta"
img_detach
damaged "$(field ibitmap_start)" "inode bitmap" "^block $(field ibitmap_start): $meta"
img_detach
damaged $(($(field journal_start) + 7)) journal "^block $(($(field journal_start) + 7)): $meta"
img_detach
damaged "$blocks" "past the end" "^block bitmap: bits past the end of the filesystem are not all set"
img_detach
damaged $(($(field itable_start) + 3)) "inode table" "^block $(($(field itable_start) + 3)): $meta"
repair_and_mount
mount_ok
assert_eq "data size" 100000 "$(stat -c %s "$MNT/data")"
op_is create "$MNT/new" ok
umount_fsck
corrupt_done
