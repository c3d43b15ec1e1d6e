#!/bin/bash
# A superblock whose checksum does not match its contents fails the mount
# with EUCLEAN and one log line; fsck names it (exit 4), -y rewrites the
# checksum (exit 1), and the filesystem then checks clean and mounts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/corrupt-lib.sh"

corrupt_img 64M
dbg mkfile 1 data 100000 >/dev/null
dbg sb-set-raw label changed
img_attach

mount_fails EUCLEAN "superblock checksum mismatch"
fsck_is 4 "superblock: checksum mismatch" -n
repair_and_mount
assert_eq "label kept" "label changed" "$("$DBG" "$DEV" sb | grep '^label ')"
corrupt_done
