#!/bin/bash
# RWF_ATOMIC with RWF_DSYNC or RWF_SYNC, or on an O_DSYNC/O_SYNC file, returns
# only after the unit's WRITE_ATOMIC_16 and then a cache flush reached the
# device, and every metadata write came before a flush or was itself
# written FUA (a journal commit block, which follows its own flush);
# sync_atomic_writes counts these writes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

A=16384
FLUSH='SYNCHRONIZE_CACHE(_16)?'

scsi_dev_atomic 128
assert_eq "device write cache" "write back" \
	"$(cat "/sys/block/${DEV##*/}/queue/write_cache")"
mkfs_mount -a 16k
F=$MNT/f

# Units 0-3 exist and are on the device before the trace starts: the
# "overwrite" cases need no allocation, the "new" ones (units 8-11) do.
for u in 0 1 2 3; do
	run_ok atomic_write "$F" $((u * A)) $A 1 >/dev/null
done
sync
base_sync=$(ctr sync_atomic_writes)

scsi_trace_on
declare -A unit_of=()
u=0
for mode in dsync sync odsync osync; do
	unit_of[$mode-overwrite]=$u
	run_ok write_marked "$F" $((u * A)) $A $((100 + u)) $mode \
		"$mode-overwrite" >/dev/null
	unit_of[$mode-new]=$((u + 8))
	run_ok write_marked "$F" $(((u + 8) * A)) $A $((108 + u)) $mode \
		"$mode-new" >/dev/null
	u=$((u + 1))
done
# Control: without a sync flag the unit stays in the cache.
run_ok write_marked "$F" $((5 * A)) $A 105 none none-new >/dev/null
scsi_trace_off

assert_eq "sync_atomic_writes" $((base_sync + 8)) "$(ctr sync_atomic_writes)"
assert_eq "atomic_bio_errors" 0 "$(ctr atomic_bio_errors)"

# check TAG: within the call, the unit went out as one WRITE_ATOMIC_16, then
# a flush came after it and after every plain (metadata) write but FUA ones
check() {
	local tag=$1 pblk cmds first_atomic last_flush last_plain n

	trace_has_marks "$tag"
	pblk=$(file_pblk "$F" $((unit_of[$tag] * A)))
	cmds=$(trace_marked_cmds "$tag" "WRITE_ATOMIC_16|$FLUSH|$PLAIN_WRITES" | cat -n)
	n=$(echo "$cmds" | awk '$2 == "WRITE_ATOMIC_16"' | wc -l)
	assert_eq "$tag: WRITE_ATOMIC_16 commands before the call returned" 1 "$n"
	n=$(echo "$cmds" | awk -v p="$pblk" -v t=$((A / 4096)) \
		'$2 == "WRITE_ATOMIC_16" && $3 == p && $4 == t' | wc -l)
	assert_eq "$tag: WRITE_ATOMIC_16 of the unit (lba $pblk)" 1 "$n"
	first_atomic=$(echo "$cmds" | awk '$2 == "WRITE_ATOMIC_16" { print $1; exit }')
	last_flush=$(echo "$cmds" | awk '$2 ~ /^SYNCHRONIZE_CACHE/ { n = $1 } END { print n + 0 }')
	last_plain=$(echo "$cmds" |
		awk '$2 ~ /^WRITE_(6|10|12|16)$/ && $5 != 1 { n = $1 } END { print n + 0 }')
	info "$tag: $(echo "$cmds" | awk '{ printf "%s%s", s, $2; s = ", " }')"
	((last_flush > first_atomic)) ||
		fail "$tag: no flush after the atomic write before the call returned: $cmds"
	((last_flush > last_plain)) ||
		fail "$tag: a metadata write without FUA after the last flush: $cmds"
}

for tag in $(printf '%s\n' "${!unit_of[@]}" | sort); do
	check "$tag"
done
trace_has_marks none-new
assert_eq "none: WRITE_ATOMIC_16 before the call returned" 0 \
	"$(trace_marked_cmds none-new WRITE_ATOMIC_16 | wc -l)"

verify() {
	local tag

	for tag in "${!unit_of[@]}"; do
		run_ok pattern_verify "$F" $((unit_of[$tag] * A)) $A \
			$((100 + unit_of[$tag]))
	done
	run_ok pattern_verify "$F" $((5 * A)) $A 105
}
verify
drop_caches
verify
remount
verify
umount_fsck
scsi_dev_remove
info ok
