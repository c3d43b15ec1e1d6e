#!/bin/bash
# fsync, fdatasync, O_SYNC, a directory fsync and sync(1) put data and
# metadata on the device: while mounted, FIEMAP shows written extents whose
# device blocks (read past the page cache) hold the data; after umount the
# on-disk inodes, extents and names agree; a remount reads it all back.
# disk: 256M
. "$(dirname "$0")/lib.sh"

virtio_dev
mkfs_mount
A=$(cat "/sys/fs/atomfs/$(basename "$DEV")/atomic_unit")
assert_eq "atomic unit" 16384 "$A"
MAPS=/tmp/$TEST.maps
rm -rf "$MAPS"
mkdir -p "$MAPS"

# name size seed [off len seed2]: what each file must hold at the end
FILES=(
	"d/a 1000000 1"
	"d/b $((3 * A + 123)) 2"
	"d/c 0 3"
	"d/s 5 4"
	"d/new/e 65537 8"
	"big 8398608 5 1000000 300000 6"
	"d/unsynced 12345 9"
	"lazy/x1 2097152 10"
	"lazy/x2 7 11"
)

# mapcheck NAME: on the mounted filesystem, NAME's extents are written and
# the device holds its data there; keeps the block map for after umount.
mapcheck() {
	local spec w
	for spec in "${FILES[@]}"; do
		read -ra w <<<"$spec"
		[[ ${w[0]} == "$1" ]] || continue
		fsync_persist mapcheck "$MNT/$1" "$DEV" "${w[@]:1}" \
			>"$MAPS/${1//\//_}" || fail "mapcheck $1"
		return 0
	done
	fail "mapcheck: $1 is not in FILES"
}

# (a) each made durable by its own call
mkdir -p "$MNT/d/new" "$MNT/lazy"
run_ok fsync_persist write "$MNT/d/a" 1000000 1 fsync
run_ok fsync_persist write "$MNT/d/b" $((3 * A + 123)) 2 fdatasync
run_ok fsync_persist write "$MNT/d/c" 0 3 fsync
run_ok fsync_persist write "$MNT/d/s" 5 4 osync
run_ok fsync_persist write "$MNT/d/new/e" 65537 8 fsync
run_ok fsync_persist dirsync "$MNT/d/new"
run_ok fsync_persist dirsync "$MNT/d"
run_ok fsync_persist write "$MNT/big" 8388608 5 fsync
# an append that only fdatasync makes durable (the size is needed to
# read the data back), then an overwrite in place
run_ok fsync_persist overwrite "$MNT/big" 8388608 10000 5 fdatasync
run_ok fsync_persist overwrite "$MNT/big" 1000000 300000 6 fdatasync
# O_SYNC on an overwrite of data never synced
run_ok fsync_persist write "$MNT/d/unsynced" 12345 9 none
run_ok fsync_persist overwrite "$MNT/d/unsynced" 0 12345 9 osync
for f in d/a d/b d/c d/s d/new/e big d/unsynced; do
	mapcheck "$f"
done

# (b) plain buffered writes, then sync(1)
run_ok fsync_persist write "$MNT/lazy/x1" 2097152 10 none
run_ok fsync_persist write "$MNT/lazy/x2" 7 11 none
run_ok sync
for f in lazy/x1 lazy/x2; do
	mapcheck "$f"
done
ino_of_d=$(stat -c %i "$MNT/d")
run_ok umount "$MNT"

# On the device: each inode's size, its extents (all written, the same
# blocks FIEMAP showed) and the names in the directories.
for spec in "${FILES[@]}"; do
	read -ra w <<<"$spec"
	f=${w[0]} size=${w[1]}
	ino=$($DBG "$DEV" lookup "/$f") || fail "no /$f on the device"
	assert_eq "on-disk size of $f" "size $size" \
		"$($DBG "$DEV" inode "$ino" | grep '^size ')"
	ext=$($DBG "$DEV" extents "$ino")
	if grep -q unwritten <<<"$ext"; then
		fail "$f has unwritten extents on disk: $ext"
	fi
	assert_eq "on-disk blocks of $f" "$(cat "$MAPS/${f//\//_}")" \
		"$(awk '{ for (i = 0; i < $3; i++) print $1 + i, $2 + i }' <<<"$ext")"
done
assert_eq "names in d" "a b c new s unsynced" \
	"$($DBG "$DEV" ls "$ino_of_d" | awk '{ print $1 }' | sort | paste -sd' ')"

# And through the filesystem again.
run_ok mount -t atomfs "$DEV" "$MNT"
for spec in "${FILES[@]}"; do
	read -ra w <<<"$spec"
	run_ok fsync_persist verify "$MNT/${w[0]}" "${w[@]:1}"
done
umount_fsck
info ok
