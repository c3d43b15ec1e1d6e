#!/bin/bash
# Writes that fail (a source buffer that faults) leave st_blocks and the
# free space as they were, the units they allocated and what they
# allocated ahead given back; fallocate into the range allocated ahead
# keeps what it asked for and the rest is still given back at close.
. "$(dirname "$0")/lib.sh"

scsi_dev 128
mkfs_mount -a 16k
run_ok failed_write_blocks "$MNT"
umount_fsck
scsi_dev_remove
info ok
