#!/bin/bash
# fio with crc32c verification on atomfs: buffered and O_DIRECT, sequential
# and random, 4 KiB to 64 KiB blocks, all data read back intact (and again
# from the device after a remount); fsck clean after each job file.
# slow: yes
. "$(dirname "$0")/lib.sh"

JOBS=$TOP/tests/fio
OUT=/tmp/$TEST
mkdir -p "$OUT"
export ATOMFS_FIO_DIR=$MNT/fio

# fio_ok JOBFILE [FIO OPTIONS...]: fio exits 0, every job reports err= 0,
# data was read back, and no verification error is printed
fio_ok() {
	local job=$1 name out st=0
	shift
	name=$(basename "$job" .fio)
	out=$OUT/$name${1:+-verify-only}.txt
	fio --output-format=normal "$@" "$job" >"$out" 2>&1 || st=$?
	if ((st)) || grep -i -q 'verify' "$out" ||
	   grep -E 'err= *[^ 0]' "$out" | grep -q . ||
	   ! grep -q 'READ: bw=' "$out"; then
		grep -i -E 'verify|err=|error' "$out" | head -n 20 >&2
		fail "fio $* $name: exit status $st, or errors in its output"
	fi
	info "$name${1:+ $1}: $(grep -c 'err= 0' "$out") jobs," \
	     "$(grep -E '^ +(READ|WRITE):' "$out" | sed -E 's/^ +([A-Z]+): bw=([^ ]+) .*io=([^ ]+) .*/\1 \3 at \2/' | xargs)"
}

scsi_dev 512
mkfs_mount
mkdir -p "$ATOMFS_FIO_DIR"

fio_ok "$JOBS/buffered-seq.fio"
# The same files checked from the device, not the page cache
remount
drop_caches
fio_ok "$JOBS/buffered-seq.fio" --verify_only
run_ok rm -f "$ATOMFS_FIO_DIR"/*
umount_fsck
run_ok mount -t atomfs "$DEV" "$MNT"

for job in buffered-rand direct-seq direct-rand; do
	fio_ok "$JOBS/$job.fio"
	run_ok rm -f "$ATOMFS_FIO_DIR"/*
	umount_fsck
	run_ok mount -t atomfs "$DEV" "$MNT"
done
umount_fsck
scsi_dev_remove
info ok
