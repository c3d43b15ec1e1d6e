#!/bin/bash
# Witnessed at the device (scsi_debug command trace): every buffered atomic unit
# reaches it only as WRITE_ATOMIC_16 commands of exactly A at an A-aligned LBA,
# one per atomic bio counted, never touched by a plain write; data reads back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

NFILES=4
UNITS=16	# per file
NWRITES=200

# round A: the workload and its checks with atomic unit A
round() {
	local a=$1 blks=$(($1 / 4096)) i f u seed mode dsyncs=0 key
	local -A last=() nwr=()
	local units=/tmp/$TEST.units expect=/tmp/$TEST.expect

	info "A = $a: $NWRITES atomic writes over $NFILES files of $UNITS units"
	mkfs_mount -a $((a / 1024))k
	assert_eq "atomic_enabled" 1 "$(ctr atomic_enabled)"
	scsi_trace_on
	RANDOM=$a
	for ((i = 1; i <= NWRITES; i++)); do
		f=$((RANDOM % NFILES))
		# Half of the writes go to the first quarter of the units:
		# those are overwritten many times.
		if ((RANDOM % 2)); then
			u=$((RANDOM % (UNITS / 4)))
		else
			u=$((RANDOM % UNITS))
		fi
		seed=$((a + i))
		mode=
		if ((RANDOM % 8 == 0)); then
			mode=dsync
			dsyncs=$((dsyncs + 1))
		fi
		run_ok atomic_write "$MNT/f$f" $((u * a)) $a $seed $mode >/dev/null
		last[$f.$u]=$seed
		nwr[$f.$u]=$((${nwr[$f.$u]:-0} + 1))
		# Now and then all of it goes out, so that overwritten units
		# reach the device more than once.
		((i % 50)) || sync
	done
	sync
	scsi_trace_off

	assert_eq "atomic_writes" $NWRITES "$(ctr atomic_writes)"
	assert_eq "sync_atomic_writes" $dsyncs "$(ctr sync_atomic_writes)"
	assert_eq "demotions" 0 "$(ctr demotions)"
	assert_eq "atomic_bio_errors" 0 "$(ctr atomic_bio_errors)"
	assert_eq "order_evictions" 0 "$(ctr order_evictions)"

	# The shape of every atomic command.
	local natomic bad
	natomic=$(count_cmds WRITE_ATOMIC_16)
	assert_ne "WRITE_ATOMIC_16 commands" 0 "$natomic"
	assert_eq "WRITE_ATOMIC_16 commands = atomic_bios" "$(ctr atomic_bios)" \
		"$natomic"
	assert_eq "atomic_bio_bytes" $((natomic * a)) "$(ctr atomic_bio_bytes)"
	bad=$(scsi_cmds WRITE_ATOMIC_16 |
		awk -v a=$a '($2 * 4096) % a || $3 * 4096 != a' | head -n 3)
	assert_eq "WRITE_ATOMIC_16 not of one aligned unit" "" "$bad"

	# Each unit written: its device range, its writes, its last version.
	: >"$units"
	: >"$expect"
	for ((f = 0; f < NFILES; f++)); do
		fiemap_extents "$MNT/f$f" >"/tmp/$TEST.fiemap"
		for ((u = 0; u < UNITS; u++)); do
			key=$f.$u
			if [[ -z ${last[$key]:-} ]]; then
				continue
			fi
			awk -v off=$((u * a)) -v n=$blks -v w=${nwr[$key]} \
				-v k="$key" '
				off >= $1 && off < $1 + $3 {
					print int(($2 + off - $1) / 4096), n, w, k
					f = 1; exit
				}
				END { if (!f) print "unmapped", n, w, k }' \
				"/tmp/$TEST.fiemap" >>"$units"
		done
	done
	grep -q unmapped "$units" && fail "written units not mapped: $(grep unmapped "$units")"
	info "$(wc -l <"$units") units written, $natomic WRITE_ATOMIC_16 commands"

	# Every unit went out as whole atomic commands at exactly its
	# range, at least once and at most once per write; no atomic command
	# went anywhere else; no plain write touched any unit.
	bad=$(scsi_cmds WRITE_ATOMIC_16 | awk '
		NR == FNR { at[$1] = 0; max[$1] = $3; key[$1] = $4; next }
		!($2 in at) { print "stray WRITE_ATOMIC_16 at lba " $2; next }
		{ at[$2]++ }
		END {
			for (p in at)
				if (!at[p] || at[p] > max[p])
					print "unit " key[p] " (lba " p "): " at[p] " atomic commands for " max[p] " writes"
		}' "$units" - | head -n 5)
	assert_eq "atomic commands per unit" "" "$bad"
	# (Metadata went out as plain writes: the trace does show them.)
	assert_ne "plain write commands traced" 0 "$(count_cmds "$PLAIN_WRITES")"
	assert_eq "units touched by plain writes" 0 \
		"$(units_overlapped "$PLAIN_WRITES" "$units")"

	# Data: the last version of each unit, zeros elsewhere.
	check_data() {
		local f u

		for ((f = 0; f < NFILES; f++)); do
			for ((u = 0; u < UNITS; u++)); do
				[[ -n ${last[$f.$u]:-} ]] || continue
				echo "$((u * a)) $a ${last[$f.$u]}"
			done >"$expect"
			run_ok pattern_verify "$MNT/f$f" - <"$expect"
			# Holes below the last written unit read as zeros.
			for ((u = 0; u < UNITS; u++)); do
				[[ -n ${last[$f.$u]:-} ]] && continue
				(((u + 1) * a <= $(stat -c %s "$MNT/f$f"))) || continue
				run_ok pattern_verify "$MNT/f$f" $((u * a)) $a zero
			done
		done
	}
	drop_caches
	check_data
	remount
	check_data

	# FIEMAP agrees with the extent tree on the device.
	local ino line pblk
	ino=$(stat -c %i "$MNT/f0")
	line=$(grep ' 0\.[0-9]*$' "$units" | head -n 1)
	[[ -n $line ]] || fail "no unit of f0 written"
	pblk=${line%% *}
	u=${line##* 0.}
	umount_fsck
	assert_eq "device block of f0 unit $u (extent tree)" "$pblk" \
		"$(dbg_pblk "$ino" $((u * a)))"
}

scsi_dev_atomic 256
for a in 16384 4096 65536; do
	round $a
done
scsi_dev_remove
info ok
