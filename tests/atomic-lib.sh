# SPDX-License-Identifier: GPL-2.0
# Helpers of the atomic write tests, sourced after lib.sh: the device-side
# witness (a trace of the SCSI commands scsi_debug receives), the mount's
# counters, and where a file's data lives on the device.
#
# Device blocks: scsi_dev uses 4096-byte logical blocks, the filesystem's
# block size, so a command's lba/txlen and a file's physical block are in
# the same 4 KiB units.

TRACING=/sys/kernel/tracing
SCSI_TRACE=/tmp/$TEST.scsi-trace
PLAIN_WRITES='WRITE_(6|10|12|16)'

# scsi_dev_atomic [MB] [PARAMS...]: scsi_dev whose atomic writes need no
# alignment beyond their own size.  scsi_debug wants 2-block alignment by
# default (atomic_wr_align=2), yet sd advertises 4 KiB atomic writes (its
# alignment check is skipped for a 1-block unit_min): with A = 4k, units at
# odd LBAs would fail WRITE_ATOMIC_16 with a critical target error.
scsi_dev_atomic() {
	local mb=${1:-256}

	shift || true
	scsi_dev "$mb" atomic_wr_align=1 "$@"
}

# ctr NAME: a counter (or other file) of the mount's /sys/fs/atomfs/<dev>/
ctr() {
	cat "/sys/fs/atomfs/${DEV##*/}/$1"
}

# log_count REGEX: how many kernel log lines since dmesg_mark match
log_count() {
	dmesg_since | grep -E -c -- "$1" || true
}

# scsi_trace_on: start a fresh trace of the commands sent to $DEV
scsi_trace_on() {
	local hctl

	hctl=$(basename "$(readlink -f "/sys/block/${DEV##*/}/device")")
	[[ $hctl =~ ^[0-9]+:[0-9]+:[0-9]+:[0-9]+$ ]] ||
		fail "$DEV is not a SCSI disk"
	SCSI_HOST=${hctl%%:*}
	echo 0 >$TRACING/tracing_on
	echo 16384 >$TRACING/buffer_size_kb
	: >$TRACING/trace
	echo 1 >$TRACING/events/scsi/scsi_dispatch_cmd_start/enable
	echo 1 >$TRACING/tracing_on
}

# scsi_trace_off: stop tracing and keep the trace in $SCSI_TRACE; fails if
# the ring buffer lost events (the witness would be incomplete)
scsi_trace_off() {
	local lost

	echo 0 >$TRACING/tracing_on
	echo 0 >$TRACING/events/scsi/scsi_dispatch_cmd_start/enable
	cp $TRACING/trace "$SCSI_TRACE"
	rm -f "$SCSI_TRACE.cmds"
	lost=$(cat $TRACING/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }')
	assert_eq "trace events lost" 0 "$lost"
}

# scsi_extract: each traced command to $DEV as 'NAME LBA TXLEN' (LBA and
# TXLEN '-' for commands without them, such as SYNCHRONIZE_CACHE), plain
# WRITE_10/12/16 with a fourth field FUA (1 with the Force Unit Access bit,
# else 0), and each trace_marker line as 'MARK TEXT', in trace order;
# parsed once per trace
scsi_extract() {
	[[ -e $SCSI_TRACE.cmds ]] || scsi_parse >"$SCSI_TRACE.cmds"
	cat "$SCSI_TRACE.cmds"
}

scsi_parse() {
	awk -v host="host_no=$SCSI_HOST " '
		/tracing_mark_write: / {
			print "MARK " substr($0, index($0, "tracing_mark_write: ") + 20)
			next
		}
		!index($0, host) || !match($0, /cmnd=\([A-Z0-9_]+/) { next }
		{
			name = substr($0, RSTART + 6, RLENGTH - 6)
			rest = substr($0, RSTART + RLENGTH)
			lba = "-"; txlen = "-"
			if (match(rest, /^ lba=[0-9]+ txlen=[0-9]+/)) {
				split(substr(rest, 2, RLENGTH - 1), f, / /)
				lba = substr(f[1], 5); txlen = substr(f[2], 7)
			}
			if (name !~ /^WRITE_(10|12|16)$/) {
				print name, lba, txlen
				next
			}
			# FUA is bit 3 of CDB byte 1
			fua = match(rest, /raw=[0-9a-fA-F]+ [0-9a-fA-F][89a-fA-F]/) ? 1 : 0
			print name, lba, txlen, fua
		}' "$SCSI_TRACE"
}

# scsi_cmds REGEX: 'NAME LBA TXLEN [FUA]' of each traced command to $DEV whose
# name matches REGEX (anchored), in trace order
scsi_cmds() {
	scsi_extract | grep -E -- "^($1) " || true
}

# count_cmds REGEX: how many traced commands match
count_cmds() {
	scsi_cmds "$1" | wc -l
}

# count_overlap REGEX FIRST NBLK: traced commands matching REGEX that touch
# device blocks [FIRST, FIRST + NBLK)
count_overlap() {
	scsi_cmds "$1" | awk -v first="$2" -v n="$3" '
		$2 < first + n && $2 + $3 > first { c++ }
		END { print c + 0 }'
}

# units_overlapped REGEX UNITS: of the device ranges in file UNITS ('FIRST
# NBLK' lines), how many are touched by a traced command matching REGEX
units_overlapped() {
	[[ -s $2 ]] || { echo 0; return; }
	scsi_cmds "$1" | awk '
		NR == FNR { first[NR] = $1; n[NR] = $2; units = NR; next }
		{
			for (u = 1; u <= units; u++)
				if ($2 < first[u] + n[u] && $2 + $3 > first[u])
					hit[u] = 1
		}
		END { for (u in hit) c++; print c + 0 }' "$2" -
}

# file_pblk FILE OFFSET: the device block (4 KiB) holding byte OFFSET of
# FILE, from FIEMAP on the mounted filesystem (syncs the file's data first)
file_pblk() {
	fiemap_extents "$1" | awk -v off="$2" '
		off >= $1 && off < $1 + $3 { print int(($2 + off - $1) / 4096); f = 1; exit }
		END { if (!f) exit 1 }' || fail "$1: offset $2 is not mapped"
}

# dbg_pblk INO OFFSET: the same from the unmounted $DEV's extent tree
dbg_pblk() {
	"$DBG" "$DEV" extents "$1" | awk -v lblk=$(($2 / 4096)) '
		lblk >= $1 && lblk < $1 + $3 { print $2 + lblk - $1; f = 1; exit }
		END { if (!f) exit 1 }' || fail "inode $1: offset $2 is not mapped"
}

# trace_marked_cmds TAG REGEX: the traced commands matching REGEX between
# the "TAG before" and "TAG after" marks that write_marked left, as
# scsi_cmds prints them
trace_marked_cmds() {
	scsi_extract | awk -v b="MARK $1 before" -v a="MARK $1 after" '
		$0 == b { on = 1; next }
		$0 == a { exit }
		on && $1 != "MARK"' | grep -E -- "^($2) " || true
}

# trace_has_marks TAG: both marks of TAG are in the trace, in order
trace_has_marks() {
	local b a

	b=$(grep -n -F "tracing_mark_write: $1 before" "$SCSI_TRACE" | cut -d: -f1)
	a=$(grep -n -F "tracing_mark_write: $1 after" "$SCSI_TRACE" | cut -d: -f1)
	[[ -n $b && -n $a && $b -lt $a ]] || fail "trace marks of '$1' missing"
}

# fio_run TAG [-v] JOB: a job file through scripts/fio-atomic; no error in
# any job; sets READS and WRITES to the I/Os fio issued, over all jobs
fio_run() {
	local tag=$1 out=/tmp/$TEST.$1.out
	shift
	"$TOP/scripts/fio-atomic" "$@" --output="$out" ||
		fail "fio $tag failed: $(grep -E 'err=|rror' "$out" | head -n 3)"
	grep -q ' err= *0' "$out" || fail "fio $tag: no job reports err=0"
	! grep -E ' err= *[1-9]' "$out" >&2 || fail "fio $tag: a job failed"
	read -r READS WRITES <<<"$(grep -E 'issued rwts: total=' "$out" |
		sed 's/.*total=\([0-9]*\),\([0-9]*\),.*/\1 \2/' |
		awk '{ r += $1; w += $2 } END { print r + 0, w + 0 }')"
}

# fio_verify_all WHEN: the verify pass of each of tests/fio/atomic-$j.fio
# for j in $JOBS reads back and checks the WRITTEN[$j] blocks it wrote
fio_verify_all() {
	local j
	for j in $JOBS; do
		fio_run "verify-$j" -v "$TOP/tests/fio/atomic-$j.fio"
		info "verify pass of atomic-$j ($1): $READS blocks read and checked"
		assert_eq "verify pass of atomic-$j: blocks read" \
			"${WRITTEN[$j]}" "$READS"
	done
}
