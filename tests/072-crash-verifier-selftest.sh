#!/bin/bash
# The crash verifier can fail: the crash workload runs in a directory of
# this machine (no crash), the verifier passes the result, with every
# durability line and with none; then each kind of damage a crash could do
# is planted in a fresh run and must be reported as such: a durable block
# zeroed, replaced by an older version of itself, by another file's block,
# by a block of another offset, of an earlier run, by a torn mix of two
# versions, by never-written device content (poison), by foreign bytes; a
# durable file cut short, grown past any size it had, removed, renamed to
# a name it never had; a name that was never used.
# host: yes
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
TEST=$(basename "$0" .sh)
BIN=$TOP/tests/prog/bin
W=$(mktemp -d "${TMPDIR:-/tmp}/$TEST.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
n=0

fail() {
	echo "FAIL: $TEST: $*" >&2
	exit 1
}

# fresh NAME: a workload run in $W/NAME, record $W/NAME.rec; its durable
# blocks in DUR ("PATH BLK" each)
fresh() {
	"$BIN/crash_workload" run -d "$W/$1" -r "$W/$1.rec" -s 4242 -n 400 -b 64 \
		>/dev/null || fail "workload $1"
	"$BIN/crash_verify" -l -r "$W/$1.rec" -d "$W/$1" >"$W/$1.out" ||
		fail "undamaged run $1 does not verify: $(tail -n 5 "$W/$1.out")"
	mapfile -t DUR < <(sed -n 's/^durable //p' "$W/$1.out")
	((${#DUR[@]} >= 8)) || fail "run $1: only ${#DUR[@]} durable blocks"
	REC=$W/$1.rec
	DIR=$W/$1
}

# expect WHAT PATTERN: the verifier fails and its summary matches PATTERN
expect() {
	local out

	out=$("$BIN/crash_verify" -r "$REC" -d "$DIR")
	(($? == 1)) || fail "$1: verifier status is not 1: $out"
	grep -q -E "^verify: .*$2" <<<"$out" ||
		fail "$1: expected '$2': $out"
	echo "$TEST: $1: $(grep -E '^(LOST|STALE|OTHER)' <<<"$out" | head -n 1)"
	n=$((n + 1))
}

# hdr PATH BLK: "RUN FID SEQ" of the data block there (crash.h)
hdr() {
	od -An -tu4 -j $((8 + $2 * 4096)) -N12 "$1"
}

put() {	# put PATH BLK < 4096 bytes
	dd of="$1" bs=4096 seek="$2" count=1 conv=notrunc status=none
}

fresh base
out=$("$BIN/crash_verify" -r "$REC" -d "$DIR" -u 0) ||
	fail "no durability line counted: $out"
echo "$TEST: undamaged: $(tail -n 1 "$W/base.out")"

fresh zero
read -r p b <<<"${DUR[3]}"
put "$p" "$b" </dev/zero
expect "durable block zeroed" 'lost=1 stale=0 other=0'

fresh older
read -r p b <<<"${DUR[4]}"
read -r run fid seq < <(hdr "$p" "$b")
"$BIN/crash_workload" block "$run" "$fid" $((seq - 1)) "$b" | put "$p" "$b"
expect "older version" 'lost=1 stale=0 other=0'

fresh foreign
read -r p b <<<"${DUR[0]}"
read -r q c <<<"${DUR[-1]}"
[[ $p != "$q" ]] || fail "one durable file only"
dd if="$q" bs=4096 skip="$c" count=1 status=none | put "$p" "$b"
expect "another file's block" 'lost=0 stale=1 other=0'

fresh offset
read -r p b <<<"${DUR[1]}"
for d in "${DUR[@]}"; do
	read -r p2 b2 <<<"$d"
	[[ $p2 == "$p" && $b2 != "$b" ]] && break
done
[[ $p2 == "$p" && $b2 != "$b" ]] || fail "one durable block only in $p"
dd if="$p" bs=4096 skip="$b" count=1 status=none | put "$p" "$b2"
expect "another offset's block" 'lost=0 stale=1 other=0'

fresh oldrun
read -r p b <<<"${DUR[5]}"
read -r run fid seq < <(hdr "$p" "$b")
"$BIN/crash_workload" block $((run + 2)) "$fid" "$seq" "$b" | put "$p" "$b"
expect "a block of another run" 'lost=0 stale=1 other=0'

fresh torn
read -r p b <<<"${DUR[6]}"
read -r run fid seq < <(hdr "$p" "$b")
"$BIN/crash_workload" block "$run" "$fid" $((seq + 1)) "$b" | head -c 2048 |
	dd of="$p" bs=2048 seek=$((2 * b + 1)) count=1 conv=notrunc status=none
expect "torn block" 'lost=0 stale=1 other=0'

fresh poison
read -r p b <<<"${DUR[7]}"
head -c 4096 /dev/zero >"$W/blk"
"$BIN/crash_workload" poison "$W/blk"
put "$p" "$b" <"$W/blk"
expect "never-written device block" 'lost=0 stale=1 other=0'

fresh garbage
read -r p b <<<"${DUR[2]}"
head -c 4096 /dev/urandom | put "$p" "$b"
expect "foreign bytes" 'lost=0 stale=1 other=0'

fresh short
read -r p b <<<"${DUR[-1]}"
truncate -s $((b * 4096)) "$p"
expect "durable file cut short" 'lost=1 stale=0 other=0'

fresh long
read -r p b <<<"${DUR[0]}"
truncate -s $((257 * 4096)) "$p"
expect "file grown past any size" 'other=1'

fresh removed
read -r p b <<<"${DUR[0]}"
rm "$p"
expect "durable file removed" 'lost=2 stale=0 other=0'

fresh renamed
read -r p b <<<"${DUR[0]}"
for s in "$DIR"/d0/n{00..11} "$DIR"/d1/n{00..11} "$DIR"/d2/n{00..11}; do
	[[ -e $s ]] || break
done
[[ ! -e $s ]] || fail "no free name"
mv "$p" "$s"
expect "durable file renamed" 'lost=2 stale=0 other=1'

fresh extra
: >"$DIR/d1/unexpected"
expect "name never used" 'lost=0 stale=0 other=1'

# An atomic write of 4 blocks, never made durable: all of it or none of
# it may show, never half.
REC=$W/atomic.rec DIR=$W/atomic
mkdir -p "$DIR"/d{0,1,2}
printf 'crashrec 1 run=7\n1 DN\n2 C 0 1\n3 W 1 0 4 a\n' >"$REC"
for b in 0 1 2 3; do
	"$BIN/crash_workload" block 7 1 3 "$b"
done >"$DIR/d0/n00"
out=$("$BIN/crash_verify" -r "$REC" -d "$DIR") || fail "whole atomic write: $out"
put "$DIR/d0/n00" 2 </dev/zero
put "$DIR/d0/n00" 3 </dev/zero
expect "atomic write torn" 'lost=0 stale=0 other=1'

echo "$TEST: the verifier caught all $n kinds of damage"
echo "$TEST: ok"
