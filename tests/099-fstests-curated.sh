#!/bin/bash
# fstests' curated list for make check (tests/fstests/check.list) on
# atomfs, in one guest boot (scripts/fstests -f atomfs): every test must
# pass, except those tests/fstests/expected names, which must fail or not
# run as it says (with the line it quotes), and none may be missing.
# Runs on the host (scripts/fstests boots the guest).
# host: yes
# slow: yes
# needs: fstests
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
TEST=$(basename "$0" .sh)
OUT=$TOP/.build/$TEST

fail() {
	echo "FAIL: $TEST: $*" >&2
	exit 1
}

mapfile -t list < <(sed 's/#.*//' tests/fstests/check.list | xargs -n 1)
((${#list[@]})) || fail "tests/fstests/check.list is empty"
rm -rf "$OUT"
scripts/fstests -f atomfs -r "$OUT/results" -o "$OUT/results.md" "${list[@]}"
st=$?
echo "$TEST: scripts/fstests exited $st"
python3 tests/fstests/results.py --check "$OUT/results/atomfs" "${list[@]}" ||
	fail "atomfs did not do in fstests what tests/fstests/expected says"
((st == 0)) || fail "scripts/fstests exited $st"
echo "$TEST: ok"
