#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fsck.atomfs against damaged images, under AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer (make asan): for each seed,
# the sound image of fuzz-base.sh damaged by "atomfs-debug fuzz SEED",
# then fsck -n, -y and -n again, each under a timeout.  A failure is any
# sanitizer report, crash or hang; -n and -y disagreeing on whether the
# filesystem can be checked (exit 8); -n exiting 1; or a -y that neither
# leaves a filesystem that checks clean nor exits 4 or 8 with a reason.
# Failed images are kept in KEEP (default ../.build/fuzz) with what was
# done to them.
#
# Usage: ./fuzz-fsck.sh [IMAGES [FIRST_SEED]]	(from tools/, after make asan)

set -u
cd "$(dirname "$0")" || exit 1
N=${1:-300}
SEED=${2:-1}
KEEP=${KEEP:-../.build/fuzz}
FSCK=asan/fsck.atomfs
DBG=asan/atomfs-debug
# Images in memory where there is room: fsck syncs what it writes.
[ -d /dev/shm ] && [ -w /dev/shm ] && : "${TMPDIR:=/dev/shm}"
T=$(mktemp -d "${TMPDIR:-/tmp}/atomfs-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1
failed=0
start=$(date +%s)
rn0=0 rn4=0 rn8=0 ry0=0 ry1=0 ry4=0 ry8=0

./fuzz-base.sh "$T/base" asan/mkfs.atomfs "$DBG" || exit 1

# fsck OPT NAME: fsck.atomfs OPT on the image; output in $T/NAME, status
# in $rc; a sanitizer report or a hang fails the seed
fsck() {
	timeout 60 "$FSCK" "$1" "$T/img" >"$T/$2" 2>&1
	rc=$?
	if [ $rc = 124 ]; then
		why="fsck $1 hung"
	elif grep -q -E 'Sanitizer|runtime error' "$T/$2"; then
		why="fsck $1: sanitizer report"
	elif [ $rc -gt 16 ]; then
		why="fsck $1: exit $rc (crash?)"
	fi
}

s=$SEED
while [ $s -lt $((SEED + N)) ]; do
	why=
	cp --sparse=always "$T/base" "$T/img"
	"$DBG" "$T/img" fuzz "$s" >"$T/what" 2>&1 || why="atomfs-debug fuzz failed"
	[ -z "$why" ] && { fsck -n n1; rn=$rc; }
	[ -z "$why" ] && { fsck -y y; ry=$rc; }
	[ -z "$why" ] && { fsck -n n2; rn2=$rc; }
	if [ -z "$why" ]; then
		case $rn in 0|4|8) ;; *) why="fsck -n: exit $rn";; esac
		if [ "$rn" = 8 ] && [ "$ry" != 8 ] ||
		   [ "$rn" != 8 ] && [ "$ry" = 8 ]; then
			why="fsck -n exit $rn but -y exit $ry: the modes disagree on what can be checked"
		fi
		case $ry in
		0|1) [ "$rn2" = 0 ] ||
			why="fsck -y exit $ry but the next -n exits $rn2";;
		4|8) grep -q -v '^fixed: ' "$T/y" ||
			why="fsck -y exit $ry without a reason";;
		*) why="fsck -y: exit $ry";;
		esac
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "FAIL seed $s: $why"
		sed 's/^/     damage: /' "$T/what"
		for o in n1 y n2; do
			[ -f "$T/$o" ] && grep -E -m 12 'Sanitizer|runtime error|#[0-9] |atomfs:|^[a-z]' "$T/$o" | sed "s/^/     $o | /"
		done
		mkdir -p "$KEEP"
		cp --sparse=always "$T/base" "$KEEP/base.img"
		cp "$T/what" "$KEEP/seed-$s.damage"
		for o in n1 y n2; do [ -f "$T/$o" ] && cp "$T/$o" "$KEEP/seed-$s.fsck-$o"; done
	else
		eval "rn$rn=\$((rn$rn + 1))"
		eval "ry$ry=\$((ry$ry + 1))"
	fi
	rm -f "$T/n1" "$T/y" "$T/n2"
	s=$((s + 1))
done
echo "fuzz-fsck: $N images (seeds $SEED..$((SEED + N - 1))) in $(($(date +%s) - start)) s:" \
	"-n exit 0/4/8: $rn0/$rn4/$rn8, -y exit 0/1/4/8: $ry0/$ry1/$ry4/$ry8, $failed failed"
[ $failed = 0 ]
