#!/bin/bash
# A plain write, an mmap store or a truncate that reaches a dirty atomic unit
# before writeback demotes it (counted, traced; the device then gets it as a
# plain WRITE); writeback completion clears the mark; data is the last written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/atomic-lib.sh"

# No periodic writeback: a unit stays dirty until the test syncs it.
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 360000 >/proc/sys/vm/dirty_expire_centisecs

scsi_dev 128
mkfs_mount
A=$(ctr atomic_unit)
NB=$((A / 4096))
assert_eq "atomic writes enabled" 1 "$(ctr atomic_enabled)"
rm -f /tmp/$TEST.expect

# expect FILE OFF LEN SEED|zero: record what a range of FILE must read
# now (replacing what was recorded for the same range)
expect() {
	touch /tmp/$TEST.expect
	awk -v f="$1" -v o="$2" -v l="$3" '!($1 == f && $2 == o && $3 == l)' \
		/tmp/$TEST.expect >/tmp/$TEST.expect.new
	echo "$*" >>/tmp/$TEST.expect.new
	mv /tmp/$TEST.expect.new /tmp/$TEST.expect
}

# check_data WHEN: every recorded range reads back as recorded
check_data() {
	local f
	for f in $(awk '{ print $1 }' /tmp/$TEST.expect | sort -u); do
		awk -v f="$f" '$1 == f { print $2, $3, $4 }' /tmp/$TEST.expect |
			pattern_verify "$f" - || fail "$1: $f does not read back as written"
	done
}

# aw FILE OFF SEED: one atomic write of a whole unit
aw() {
	atomic_write "$1" "$2" "$A" "$3" >/dev/null ||
		fail "atomic write of $1 at $2 failed"
}

# demote_trace REASON: the trace holds an atomfs_demote event by REASON
demote_traced() {
	grep -q "atomfs_demote: .* by $1\$" "$SCSI_TRACE" ||
		fail "no atomfs_demote event 'by $1' in the trace"
}

# sync_traced: scsi trace (plus atomfs_demote events) around a sync
sync_traced() {
	scsi_trace_on
	echo 1 >$TRACING/events/atomfs/atomfs_demote/enable
	"$@"
	sync
	echo 0 >$TRACING/events/atomfs/atomfs_demote/enable
	scsi_trace_off
}

# went_atomic PBLK: the unit at PBLK reached the device as exactly one
# WRITE_ATOMIC_16 of the whole unit and no plain write
went_atomic() {
	assert_eq "WRITE_ATOMIC_16 of the unit at $1" "WRITE_ATOMIC_16 $1 $NB" \
		"$(scsi_cmds WRITE_ATOMIC_16 | awk -v p="$1" '$2 == p')"
	assert_eq "atomic commands over the unit at $1" 1 \
		"$(count_overlap WRITE_ATOMIC_16 "$1" "$NB")"
	assert_eq "plain writes over the unit at $1" 0 \
		"$(count_overlap "$PLAIN_WRITES" "$1" "$NB")"
}

# went_plain PBLK: the unit at PBLK reached the device by one plain write
went_plain() {
	assert_eq "atomic commands over the demoted unit at $1" 0 \
		"$(count_overlap WRITE_ATOMIC_16 "$1" "$NB")"
	assert_eq "plain writes over the demoted unit at $1" 1 \
		"$(count_overlap "$PLAIN_WRITES" "$1" "$NB")"
}

F=$MNT/f
# The units get their blocks first, so FIEMAP (which syncs) can run early.
run_ok plain_write "$F" 0 $((6 * A)) 100
sync
for u in 0 1 2 3 4 5; do
	P[u]=$(file_pblk "$F" $((u * A)))
done

info "atomic write, then a plain write of 8 bytes into the same unit"
d0=$(ctr demotions)
aw "$F" 0 1
aw "$F" "$A" 2
assert_eq "demotions after atomic writes" "$d0" "$(ctr demotions)"
run_ok plain_write "$F" 100 8 3
assert_eq "demotions after the plain write" $((d0 + 1)) "$(ctr demotions)"
expect "$F" 0 100 1
expect "$F" 100 8 3
expect "$F" 108 $((A - 108)) 1
expect "$F" "$A" "$A" 2
check_data "in the cache"
b0=$(ctr atomic_bios)
sync_traced
went_plain "${P[0]}"
went_atomic "${P[1]}"
assert_eq "atomic bios at sync" $((b0 + 1)) "$(ctr atomic_bios)"

info "a plain write into a neighbouring unit demotes nothing"
d0=$(ctr demotions)
aw "$F" $((2 * A)) 4
run_ok plain_write "$F" $((3 * A)) "$A" 5
assert_eq "demotions" "$d0" "$(ctr demotions)"
expect "$F" $((2 * A)) "$A" 4
expect "$F" $((3 * A)) "$A" 5
sync_traced
went_atomic "${P[2]}"
went_plain "${P[3]}"

info "atomic write, then an mmap store into the unit (page_mkwrite)"
d0=$(ctr demotions)
sync_traced sh -c "atomic_write $F $((4 * A)) $A 6 >/dev/null &&
	mmap_store $F $((4 * A + 200)) 8 7"
assert_eq "demotions after the mmap store" $((d0 + 1)) "$(ctr demotions)"
demote_traced mkwrite
went_plain "${P[4]}"
expect "$F" $((4 * A)) 200 6
expect "$F" $((4 * A + 200)) 8 7
expect "$F" $((4 * A + 208)) $((A - 208)) 6

info "a plain write after the atomic unit's writeback completed: no demotion"
aw "$F" $((5 * A)) 8
sync
d0=$(ctr demotions)
sync_traced plain_write "$F" $((5 * A + 16)) 16 9
assert_eq "demotions" "$d0" "$(ctr demotions)"
went_plain "${P[5]}"
expect "$F" $((5 * A)) 16 8
expect "$F" $((5 * A + 16)) 16 9
expect "$F" $((5 * A + 32)) $((A - 32)) 8

info "atomic writes over an atomic unit, before and after its writeback"
d0=$(ctr demotions)
aw "$F" "$A" 10
sync
aw "$F" "$A" 11
aw "$F" "$A" 12
assert_eq "demotions" "$d0" "$(ctr demotions)"
sync_traced
went_atomic "${P[1]}"
assert_eq "demotions" "$d0" "$(ctr demotions)"
expect "$F" "$A" "$A" 12
check_data "after writeback"
drop_caches
check_data "after drop_caches"

info "truncate that drops dirty atomic units"
G=$MNT/g
run_ok plain_write "$G" 0 $((3 * A)) 200
sync
for u in 0 1 2; do
	Q[u]=$(file_pblk "$G" $((u * A)))
done
aw "$G" 0 20
aw "$G" "$A" 21
aw "$G" $((2 * A)) 22
d0=$(ctr demotions)
sync_traced truncate -s "$A" "$G"
assert_eq "demotions after truncate to one unit" $((d0 + 2)) "$(ctr demotions)"
demote_traced truncate
went_atomic "${Q[0]}"
for u in 1 2; do
	assert_eq "writes to dropped unit $u" 0 \
		"$(count_overlap 'WRITE.*' "${Q[u]}" "$NB")"
done
assert_eq "size after truncate" "$A" "$(stat -c %s "$G")"
expect "$G" 0 "$A" 20

info "truncate into the middle of a dirty atomic unit over written blocks"
run_ok plain_write "$G" "$A" "$A" 23
sync
aw "$G" "$A" 24
d0=$(ctr demotions)
sync_traced truncate -s $((A + 100)) "$G"
assert_eq "demotions after truncate inside the unit" $((d0 + 1)) \
	"$(ctr demotions)"
demote_traced write
went_plain "$(file_pblk "$G" "$A")"

# iomap_zero_range() writes a dirty range over unwritten blocks back before
# zeroing it: the unit goes out whole as one atomic write first, and the
# zeroed tail follows as a plain one.  Not a demotion: it was written whole.
info "truncate into the middle of a dirty atomic unit over unwritten blocks"
run_ok truncate -s $((3 * A)) "$G"
aw "$G" $((2 * A)) 25
d0=$(ctr demotions)
sync_traced truncate -s $((2 * A + 100)) "$G"
assert_eq "demotions" "$d0" "$(ctr demotions)"
R=$(file_pblk "$G" $((2 * A)))
assert_eq "atomic commands over the unit" 1 \
	"$(count_overlap WRITE_ATOMIC_16 "$R" "$NB")"
assert_eq "plain writes over the unit" 1 \
	"$(count_overlap "$PLAIN_WRITES" "$R" "$NB")"
assert_eq "the atomic write before the plain one" "atomic plain" \
	"$(scsi_cmds 'WRITE.*' | awk -v p="$R" -v n="$NB" '
		$2 < p + n && $2 + $3 > p {
			print $1 == "WRITE_ATOMIC_16" ? "atomic" : "plain"
		}' | xargs)"
run_ok truncate -s $((3 * A)) "$G"
expect "$G" "$A" 100 24
expect "$G" $((A + 100)) $((A - 100)) zero
expect "$G" $((2 * A)) 100 25
expect "$G" $((2 * A + 100)) $((A - 100)) zero
check_data "in the cache"

drop_caches
check_data "after drop_caches"
remount
check_data "after remount"
assert_eq "size of g" $((3 * A)) "$(stat -c %s "$G")"
assert_eq "atomic bio errors" 0 "$(ctr atomic_bio_errors)"
umount_fsck
scsi_dev_remove
info ok
