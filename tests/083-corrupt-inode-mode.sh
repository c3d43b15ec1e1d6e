#!/bin/bash
# Inode modes that disagree with what reaches the inode, checksums
# recomputed: a directory with entries whose mode says block device (it
# has a directory tree), an empty directory whose mode says block device,
# a regular file whose mode says directory (both contradict the file type
# in their directory entry).  Each lookup fails with EUCLEAN and one log
# line (errors=continue); with the default errors= the filesystem turns
# read-only; fsck names each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
full=$(dbg mkdir 1 full)
dbg mkfile "$full" f 100 >/dev/null
empty=$(dbg mkdir 1 empty)
file=$(dbg mkfile 1 file 20000)
dbg inode-set "$full" mode 0x61a4		# S_IFBLK | 0644
dbg inode-set "$empty" mode 0x61a4
dbg inode-set "$file" mode 0x41ed		# S_IFDIR | 0755
img_attach

mount_ok errors=continue
op_is readdir "$MNT" ok
dmesg_mark
op_is stat "$MNT/full" EUCLEAN
one_log_line "inode $full: mode 060644 with a tree at block [0-9]+"
dmesg_mark
op_is stat "$MNT/empty" EUCLEAN
one_log_line "directory 1: entry 'empty' has type 4, but inode $empty has mode 060644"
dmesg_mark
op_is stat "$MNT/file" EUCLEAN
one_log_line "directory 1: entry 'file' has type 8, but inode $file has mode 040755"
run_ok umount "$MNT"
mount_ok
meets_corruption stat "$MNT/empty" "directory 1: entry 'empty' has type 4"
run_ok umount "$MNT"

fsck_is 4 "^inode $full: block device has a tree root" -n
fsck_is 4 "^directory 1: entry 'empty' has type dir, but inode $empty is a blockdev" -n
fsck_is 4 "^directory 1: entry 'file' has type file, but inode $file is a dir" -n
corrupt_done
