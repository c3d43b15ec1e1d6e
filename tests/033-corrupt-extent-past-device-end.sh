#!/bin/bash
# An extent that maps file blocks past the end of the device: an O_DIRECT
# read fails with EUCLEAN and one log line, the filesystem turns read-only,
# a buffered read gets EIO; fsck names the extent, -y drops it (a hole).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
victim=$(dbg mkfile 1 victim 20000)
blocks=$(dbg sb | awk '$1 == "blocks_count" { print $2 }')
# The last unit of the filesystem and one past it (16 KiB units)
dbg extent-set "$victim" 0 pblk $((blocks - 4))
img_attach

mount_ok
op_is stat "$MNT/victim" ok
meets_corruption dread "$MNT/victim" \
	"inode $victim: bad extent at block 0: $((blocks - 4))\+8"
# The page cache turns any failed ->read_folio into EIO (ext4 and xfs
# give EIO here as well); the mapping error is still logged.
dmesg_mark
op_is read "$MNT/victim" EIO
expect_log "inode $victim: bad extent at block 0"
run_ok umount "$MNT"

fsck_is 4 "inode $victim: extent at lblk 0 -> $((blocks - 4))\+8 runs past the end of the filesystem" -n
repair_and_mount
mount_ok
assert_eq "size kept" 20000 "$(stat -c %s "$MNT/victim")"
assert_eq "reads as a hole" 0 "$(tr -d '\0' <"$MNT/victim" | wc -c)"
umount_fsck
corrupt_done
