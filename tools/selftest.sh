#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-only self test of the atomfs tools: image files in a temporary
# directory, no module, no mount.  mkfs.atomfs makes images with several
# atomic units; atomfs-debug builds files and damages them; fsck.atomfs
# must find each kind of damage (-n: exit 4, naming it), repair it (-y:
# exit 1) and then find nothing (-n: exit 0).  atomfs-debug also writes
# synthetic jbd2 transactions into the journal: fsck must recover exactly
# what the kernel's recovery would, and e2fsck's recovery (the kernel's
# recovery.c, in e2fsprogs) of the same log in an ext4 journal must leave
# the same blocks, so e2fsprogs is needed.
#
# Usage: ./selftest.sh [FUZZ_ROUNDS]	(run from tools/ after make)

set -u
cd "$(dirname "$0")" || exit 1
MKFS=${MKFS:-./mkfs.atomfs}
FSCK=${FSCK:-./fsck.atomfs}
DBG=${DBG:-./atomfs-debug}
ROUNDS=${1:-40}
T=$(mktemp -d "${TMPDIR:-/tmp}/atomfs-selftest.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
IMG=$T/img
OUT=$T/out
pass=0
failed=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; sed 's/^/     | /' "$OUT" | head -20; }

# fresh [UNIT]: a new 256 MiB image
fresh() {
	rm -f "$IMG"
	truncate -s 256M "$IMG"
	$MKFS -q -a "${1:-16k}" "$IMG" || { echo "mkfs failed"; exit 1; }
}

dbg() { $DBG "$IMG" "$@"; }

# field NAME CMD...: the value of the "NAME value" line of atomfs-debug CMD
field() {
	_f=$1
	shift
	$DBG "$IMG" "$@" | awk -v f="$_f" '$1 == f { print $2; exit }'
}

# fsck_rc NAME WANT OPTS...: run fsck, check the exit status
fsck_rc() {
	name=$1 want=$2
	shift 2
	$FSCK "$@" "$IMG" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$name: fsck $* -> $rc"
		return 0
	fi
	bad "$name: fsck $* -> $rc, expected $want"
	return 1
}

# damaged NAME PATTERN: -n finds PATTERN (exit 4), -y repairs (exit 1),
# then -n finds nothing (exit 0)
damaged() {
	name=$1 pat=$2
	fsck_rc "$name" 4 -n
	if grep -q -- "$pat" "$OUT"; then
		ok "$name: names the problem: $pat"
	else
		bad "$name: no line matches '$pat'"
	fi
	fsck_rc "$name" 1 -y
	fsck_rc "$name (after repair)" 0 -n
}

echo "== mkfs and clean checks"
for u in 4k 16k 64k 1m; do
	fresh $u
	fsck_rc "fresh $u" 0 -n
	dbg mkfile 1 small 1000 >/dev/null
	dbg mkfile 1 big 3m >/dev/null
	dbg mkdir 1 dir >/dev/null
	dbg symlink 1 short target >/dev/null
	dbg symlink 1 long "$(printf '%0300d' 0)" >/dev/null
	fsck_rc "populated $u" 0 -n
	fsck_rc "populated $u, -y on a clean fs" 0 -y
	ub=$(field unit_shift sb)
	[ "$ub" = "$(case $u in 4k) echo 12;; 16k) echo 14;; 64k) echo 16;; 1m) echo 20;; esac)" ] &&
		ok "unit $u recorded" || bad "unit $u: unit_shift $ub"
	ds=$(field data_start sb)
	[ $((ds % (1 << (ub - 12)))) = 0 ] && ok "data start $ds aligned to $u" ||
		bad "data start $ds not aligned to $u"
done

rm -f "$IMG"
truncate -s 256M "$IMG"
$MKFS -q "$IMG"
$MKFS -q "$IMG" >"$OUT" 2>&1 && bad "mkfs over atomfs without -f" ||
	ok "mkfs refuses an existing atomfs without -f"
printf '\123\357' | dd of="$IMG" bs=1 seek=1080 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$IMG" bs=4 count=1 conv=notrunc 2>/dev/null
$MKFS -q "$IMG" >"$OUT" 2>&1 && bad "mkfs over ext4 without -f" ||
	{ grep -q ext "$OUT" && ok "mkfs refuses an ext4 signature"; }
$MKFS -q -f "$IMG" && ok "mkfs -f overwrites"
truncate -s 512K "$T/tiny"
$MKFS -q "$T/tiny" >"$OUT" 2>&1 && bad "mkfs on 512K" ||
	{ grep -q "at least" "$OUT" && ok "mkfs names the minimum size"; }
$MKFS -q -a 3k "$IMG" >"$OUT" 2>&1 && bad "mkfs -a 3k" || ok "mkfs refuses unit 3k"

echo "== superblock"
fresh
dbg sb-set magic 0x12345678
fsck_rc "bad magic" 8 -n && grep -q "bad magic" "$OUT" && ok "bad magic named"
fsck_rc "bad magic" 8 -y

fresh
dbg csum-break 0
damaged "sb checksum" "superblock: checksum mismatch"

fresh
dbg sb-set free_blocks 12
damaged "sb free count" "superblock: free block count 12"

fresh
dbg sb-set state 3
damaged "sb error state" "error state"

fresh
dbg sb-set feature_incompat 0x3
fsck_rc "unknown incompat feature" 8 -n

# agree NAME WANT: what fsck cannot check, -n and -y both say, in the
# same words and with the same exit status, and -y writes nothing
agree() {
	name=$1 want=$2
	cp "$IMG" "$T/before"
	$FSCK -n "$IMG" >"$T/out-n" 2>&1
	rn=$?
	$FSCK -y "$IMG" >"$OUT" 2>&1
	ry=$?
	if [ "$rn" != "$want" ] || [ "$ry" != "$want" ]; then
		cat "$T/out-n" >>"$OUT"
		bad "$name: fsck -n -> $rn, -y -> $ry, expected $want from both"
	elif ! cmp -s "$T/out-n" "$OUT"; then
		diff "$T/out-n" "$OUT" >"$T/diff"
		mv "$T/diff" "$OUT"
		bad "$name: fsck -n and -y say different things"
	elif ! cmp -s "$T/before" "$IMG"; then
		bad "$name: fsck -y changed what it could not check"
	else
		ok "$name: fsck -n and -y agree, exit $want"
	fi
}

fresh
dbg sb-set feature_ro_compat 0x80000000
agree "unknown read-only-compatible feature" 8
grep -q "read-only-compatible features 0x80000000" "$OUT" &&
	ok "unknown read-only-compatible feature named"
fresh
dbg sb-set feature_incompat 0x80000001
agree "unknown incompatible feature" 8
fresh
dbg sb-set version 2
agree "unknown format version" 8
fresh
dbg sb-set-raw magic 0
agree "not atomfs" 8
fresh
dbg sb-set block_shift 13
agree "unsupported block size" 4
fresh
dbg sb-set atomic_shift 21
agree "atomic unit out of range" 4
fresh
dbg sb-set blocks_count 1000000
agree "filesystem larger than the device" 4

# No room to rebuild what a repair must rebuild: a full filesystem (the
# last file did not fit: its inode and blocks are on disk, unaccounted
# for) where a name lost makes /lost+found needed.  -n and -y both say so
# and exit 4, and -y writes nothing rather than half a repair.
rm -f "$IMG"
truncate -s 16M "$IMG"
$MKFS -q -a 4k "$IMG"
dbg mkfile 1 a 1000 >/dev/null
dbg mkfile 1 b 1000 >/dev/null
dbg mkfile 1 filler $((($(field bitmap_free_blocks stat) - 1) * 4096)) >/dev/null 2>&1
dbg dirent-set-ino 1 a "$(dbg lookup /b)"
cp "$IMG" "$T/before"
fsck_rc "no room to rebuild" 4 -n &&
	grep -q "no free blocks left to rebuild" "$OUT" && ok "no room to rebuild: -n names it"
fsck_rc "no room to rebuild" 4 -y &&
	grep -q "no free blocks left to rebuild" "$OUT" && ok "no room to rebuild: -y names it"
cmp -s "$T/before" "$IMG" && ok "no room to rebuild: -y wrote nothing" ||
	bad "no room to rebuild: -y changed the image"

fresh
dbg sb-set state 0
dbg sb-set free_blocks 12
dbg sb-set free_inodes 7
fsck_rc "free counts of a filesystem not cleanly unmounted" 0 -n

fresh
truncate -s 128M "$IMG"
fsck_rc "truncated image" 4 -n && grep -q "truncated" "$OUT" &&
	ok "truncated image named"
fsck_rc "truncated image" 4 -y

echo "== inodes"
fresh
ino=$(dbg mkfile 1 victim 100k)
dbg csum-break-inode "$ino"
damaged "inode checksum" "inode $ino: checksum mismatch"
dbg lookup /victim >/dev/null 2>&1 && bad "entry to a cleared inode kept" ||
	ok "entry to the cleared inode removed"

fresh
ino=$(dbg mkfile 1 f 10k)
dbg link 1 g "$ino"
dbg inode-set "$ino" nlink 5
damaged "link count" "inode $ino: link count 5, found 2 references"

fresh
ino=$(dbg mkfile 1 f 100k)
dbg inode-set "$ino" blocks 99
damaged "block count" "inode $ino: block count 99"

fresh
dir=$(dbg mkdir 1 d)
dbg mkfile "$dir" x 0 >/dev/null
dbg inode-set "$dir" nentries 7
damaged "entry count" "directory $dir: entry count 7, found 1"

fresh
ino=$(dbg mkfile 1 f 0)
dbg inode-set "$ino" flags 0x10
damaged "unknown flags" "inode $ino: unknown flags"

echo "== extents"
fresh
ino=$(dbg mkfile 1 f 64k)
blocks=$(field blocks_count sb)
dbg extent-set "$ino" 0 pblk $((blocks - 2))
damaged "extent past the end" "inode $ino: extent at lblk 0 -> $((blocks - 2))+16 runs past the end"

fresh
a=$(dbg mkfile 1 a 64k)
b=$(dbg mkfile 1 b 64k)
pa=$(dbg extents "$a" | awk '{ print $2; exit }')
dbg extent-set "$b" 0 pblk "$pa"
damaged "shared extent" "inode $b: extent at lblk 0 -> $pa+16 overlaps inode $a"
[ "$(dbg extents "$b" | wc -l)" = 0 ] && ok "the second owner lost the extent" ||
	bad "shared extent still mapped"

fresh 64k
ino=$(dbg mkfile 1 f 64k)
dbg extent-set "$ino" 0 len 8
damaged "partial unit" "partly mapped"

fresh 64k
ino=$(dbg mkfile 1 f 64k)
p=$(dbg extents "$ino" | awk '{ print $2; exit }')
dbg extent-set "$ino" 0 pblk $((p + 4))
damaged "misaligned extent" "not aligned to the atomic unit"

echo "== directories"
fresh
A=$(dbg mkdir 1 a)
B=$(dbg mkdir "$A" b)
dbg dirent-set-ino "$A" b "$A"
damaged "directory loop" "directory $A: loop"
dbg lookup "/lost+found/#$B" >/dev/null && ok "lost directory in /lost+found" ||
	bad "directory $B not reconnected"

fresh
A=$(dbg mkdir 1 a)
B=$(dbg mkdir 1 b)
dbg dirent-set-ino 1 b "$A"
damaged "hard link to a directory" "directory $A: second name"

fresh
x=$(dbg mkfile 1 x 4k)
y=$(dbg mkfile 1 y 4k)
dbg dirent-set-ino 1 x "$y"
damaged "unreachable file" "inode $x: unreachable"
dbg lookup "/lost+found/#$x" >/dev/null && ok "file in /lost+found" ||
	bad "file $x not reconnected"

fresh
x=$(dbg mkfile 1 x 4k)
y=$(dbg mkfile 1 y 4k)
dbg dirent-set-ino 1 x "$y"
dbg inode-set "$x" nlink 0
damaged "orphan" "inode $x: unreachable regular file with link count 0"

fresh
x=$(dbg mkfile 1 x 4k)
dbg dirent-set-ino 1 x 9999
damaged "dangling entry" "directory 1: entry 'x' points to free inode 9999"

fresh
dbg populate 1 100 0 >/dev/null
dbg sb-set hash_key0 0x1234
damaged "names under another hash key" "but its name hashes to"
[ "$(dbg ls 1 | wc -l)" = 100 ] && ok "every name kept under its new key" ||
	bad "names lost"

fresh
dir=$(dbg mkdir 1 big)
dbg populate "$dir" 2500 0 >/dev/null
fsck_rc "2500 names" 0 -n
depth=$(dbg tree "$dir" | awk 'NR == 1 { print $2 }')
[ "$depth" -ge 1 ] && ok "directory tree has interior nodes" ||
	bad "directory tree of one leaf"
leaf=$(dbg tree "$dir" | awk '$2 == 0 { n++; if (n == 3) { print $1; exit } }')
dbg csum-break "$leaf"
damaged "corrupt leaf" "directory tree block $leaf: bad checksum"
[ "$(dbg ls "$dir" | wc -l)" -lt 2500 ] && ok "entries of the bad leaf dropped"
n=$(dbg ls "$(dbg lookup /lost+found)" | wc -l)
[ "$n" -gt 0 ] && ok "$n files reconnected" || bad "nothing reconnected"

fresh
dir=$(dbg mkdir 1 big)
dbg populate "$dir" 2500 0 >/dev/null
root=$(dbg tree "$dir" | awk 'NR == 1 { print $1 }')
dbg block-write "$root" 0 deadbeef
damaged "corrupt interior node" "directory tree block $root: bad magic"
n=$(dbg ls "$(dbg lookup /lost+found)" | wc -l)
[ "$n" = 2500 ] && ok "all 2500 files reconnected" || bad "$n reconnected"

fresh
ino=$(dbg symlink 1 l "$(printf '%0300d' 0)")
blk=$(field root inode "$ino")
dbg csum-break "$blk"
damaged "symlink block" "inode $ino: symlink block $blk: checksum mismatch"

echo "== bitmaps"
fresh
ino=$(dbg mkfile 1 f 64k)
p=$(dbg extents "$ino" | awk '{ print $2; exit }')
dbg bitmap-set "$p" 0
damaged "block bit cleared" "block $p: marked free but used by inode $ino"

fresh
dbg bitmap-set 60000 1
damaged "block bit set" "block 60000: marked in use but not used"

fresh
ino=$(dbg mkfile 1 f 0)
dbg ibitmap-set "$ino" 0
damaged "inode bit cleared" "inode $ino: marked free but in use"

fresh
dbg csum-break 1
damaged "bitmap block checksum" "block bitmap block 1: checksum mismatch"

echo "== mkfs: the journal"
# jfield NAME: a field of the journal superblock of $IMG
jfield() { field "$1" journal; }

fresh
js=$(field journal_start sb)
jb=$(field journal_blocks sb)
[ "$jb" = 4096 ] && ok "256 MiB: a journal of 4096 blocks (16 MiB)" ||
	bad "256 MiB: journal of $jb blocks"
[ "$(field feature_incompat sb)" = 0x00000001 ] &&
	[ "$(field feature_compat sb)" = 0x00000001 ] &&
	ok "journal and journal area features set" || bad "features: $(dbg sb | grep feature)"
want="magic 0xc03b3998|blocktype 4|blocksize 4096|maxlen $jb|first 1|sequence 1|start 0|errno 0|feature_compat 0x00000000|feature_incompat 0x00000013|feature_ro_compat 0x00000000|uuid $(field uuid sb)|nr_users 1|checksum_type 4|csum ok"
got=$(dbg journal | grep -E "^(magic|blocktype|blocksize|maxlen|first|sequence|start|errno|feature_.*|uuid|nr_users|checksum_type|csum) " | paste -sd '|')
[ "$got" = "$want" ] && ok "journal superblock fields as jbd2 wants them" ||
	{ echo "$got" >"$OUT"; bad "journal superblock: want $want"; }
[ "$(dd if="$IMG" bs=4096 skip="$js" count=1 2>/dev/null | tail -c 3072 | tr -d '\0' | wc -c)" = 0 ] &&
	ok "journal superblock block zero past 1024 bytes" || bad "journal superblock block has bytes past 1024"
[ "$(dd if="$IMG" bs=4096 skip=$((js + 1)) count=$((jb - 1)) 2>/dev/null | tr -d '\0' | wc -c)" = 0 ] &&
	ok "log blocks zeroed" || bad "log blocks not zero"

# e2fsck checks the checksum of a v3 journal superblock: an ext4 image
# whose 1024-block journal gets ours must check clean, and not with a
# byte of the checksum changed.
E4=$T/e4
e4_fresh() {
	rm -f "$E4"
	truncate -s 256M "$E4"
	mke2fs -q -F -t ext4 -O metadata_csum,64bit -J size=4 -b 4096 "$E4" >/dev/null 2>&1 ||
		{ echo "mke2fs failed"; return 1; }
	# The journal must be contiguous: log block n at E4JS + n
	E4JS=$(debugfs -R "stat <8>" "$E4" 2>/dev/null |
		sed -n 's/^(0-1023):\([0-9]*\)-[0-9]*$/\1/p')
	[ -n "$E4JS" ] || { echo "the ext4 journal is not one extent"; return 1; }
}
if e4_fresh >"$OUT" 2>&1; then
	# a journal of the ext4 one's size
	$MKFS -q -f -J 1024 "$IMG" >"$OUT" 2>&1 || bad "mkfs -J 1024"
	js=$(field journal_start sb)
	dd if="$IMG" of="$E4" bs=4096 skip="$js" seek="$E4JS" count=1 conv=notrunc 2>/dev/null
	e2fsck -fn "$E4" >"$OUT" 2>&1 && ok "e2fsck accepts the journal superblock mkfs wrote" ||
		bad "e2fsck refuses the journal superblock mkfs wrote"
	c=$(od -An -tu1 -j $((E4JS * 4096 + 252)) -N1 "$E4" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf %o $((c ^ 1)))" |
		dd of="$E4" bs=1 seek=$((E4JS * 4096 + 252)) conv=notrunc 2>/dev/null
	e2fsck -fn "$E4" >"$OUT" 2>&1
	grep -q "journal superblock is corrupt" "$OUT" &&
		ok "e2fsck refuses it with a checksum byte changed" ||
		bad "e2fsck does not see a bad journal superblock checksum"
else
	bad "no ext4 image to compare with (e2fsprogs)"
fi

for sz in 4G:16384 16G:32768 127M:1024 1536M:8192 8M:1024; do
	rm -f "$IMG"
	truncate -s "${sz%:*}" "$IMG"
	$MKFS -q "$IMG" >"$OUT" 2>&1 || { bad "mkfs ${sz%:*}"; continue; }
	[ "$(field journal_blocks sb)" = "${sz#*:}" ] &&
		ok "${sz%:*}: journal of ${sz#*:} blocks" ||
		bad "${sz%:*}: journal of $(field journal_blocks sb) blocks, expected ${sz#*:}"
	fsck_rc "${sz%:*}: fresh" 0 -n
done
# 8M is ATOMFS_MIN_BLOCKS: the smallest filesystem, with the smallest journal
rm -f "$IMG"
truncate -s 8188K "$IMG"
$MKFS -q "$IMG" >"$OUT" 2>&1 && bad "mkfs below 2048 blocks" ||
	{ grep -q "at least 2048 blocks" "$OUT" && ok "mkfs refuses fewer than 2048 blocks"; }

rm -f "$IMG"
truncate -s 64M "$IMG"
for j in size=8:2048 4m:1024 1024:1024 16m:4096; do
	$MKFS -q -f -J "${j%:*}" "$IMG" >"$OUT" 2>&1 &&
		[ "$(field journal_blocks sb)" = "${j#*:}" ] &&
		ok "-J ${j%:*}: ${j#*:} blocks" || bad "-J ${j%:*}: want ${j#*:} blocks"
done
fsck_rc "-J 16m" 0 -n
for j in 64 0 size=3 1023; do
	$MKFS -q -f -J "$j" "$IMG" >"$OUT" 2>&1 && bad "mkfs -J $j" ||
		{ grep -q "smaller than the minimum of 1024 blocks" "$OUT" &&
		  ok "mkfs -J $j: too small, and says so" || bad "mkfs -J $j: message"; }
done
$MKFS -q -f -J size=100 "$IMG" >"$OUT" 2>&1 && bad "mkfs -J size=100 on 64M" ||
	{ grep -q "does not fit: at most" "$OUT" &&
	  ok "mkfs -J size=100 on 64 MiB: does not fit, and says so" || bad "mkfs -J size=100: message"; }

echo "== journal superblock"
fresh
dbg journal-set-raw checksum 0x1234
damaged "journal superblock checksum" "journal superblock: checksum mismatch"
[ "$(jfield csum)" = ok ] && [ "$(jfield start)" = 0 ] &&
	ok "journal superblock rewritten clean" || bad "journal superblock after repair"

fresh
dbg journal-set maxlen 5000
damaged "journal length" "journal superblock: 5000 blocks, but the journal area has 4096"

fresh
dbg journal-set feature_incompat 0x33
damaged "journal features" "journal superblock: features .* incompat 0x33"

fresh
dbg journal-set checksum_type 1
damaged "journal checksum type" "journal superblock: checksum type 1"

fresh
dbg journal-set start 4096
damaged "journal log head" "journal superblock: log head at block 4096, outside the log"

fresh
dbg journal-set magic 0
damaged "journal magic" "journal superblock: bad magic"

fresh
dbg journal-set errno 5
damaged "journal aborted" "journal: the kernel aborted the journal (error 5)"

fresh
dbg sb-set feature_incompat 0
damaged "no journal feature" "the journal feature is not set"
[ "$(field feature_incompat sb)" = 0x00000001 ] && [ "$(jfield csum)" = ok ] &&
	ok "journal feature set, journal written" || bad "no journal after the repair"

echo "== journal recovery"
# Blocks in the data area that nothing uses: the log may write anything there.
D=50000
# blocks_are NAME IMAGE "BLK:WHAT"...: journal-pattern says WHAT of each
blocks_are() {
	_n=$1 _i=$2 _bad=
	shift 2
	[ $# -gt 0 ] || { bad "$_n: no blocks to look at"; return; }
	for _bw in "$@"; do
		_got=$($DBG "$_i" journal-pattern "${_bw%%:*}")
		[ "$_got" = "${_bw#*:}" ] ||
			_bad="$_bad block ${_bw%%:*} holds '$_got', expected '${_bw#*:}';"
	done
	if [ -z "$_bad" ]; then
		ok "$_n: $# blocks as the recovery must leave them"
	else
		echo "$_bad" >"$OUT"
		bad "$_n: blocks differ"
	fi
}

E2=yes
# jw START SEQ TXN...: the journal-write arguments of the next recovery
jw() { JW_START=$1 JW_SEQ=$2; shift 2; JW_TXNS="$*"; }

# recovery NAME RC_N PATTERN_N "NTRANS NBLOCKS" "BLK:WHAT...": with the log
#   jw describes, fsck -n exits RC_N naming PATTERN_N and changes nothing; -y replays
#   NTRANS transactions of NBLOCKS blocks (exit 1) and leaves each BLK
#   holding WHAT; then -n and -y find nothing.  e2fsck's recovery (the
#   kernel's recovery.c) of the same log in an ext4 journal must leave the
#   same blocks; E2=no skips that for what e2fsprogs 1.47 does not know.
recovery() {
	r_name=$1 r_rcn=$2 r_pat=$3 r_counts=$4 r_want=$5
	fresh
	# The items hold no blanks nor glob characters.
	# shellcheck disable=SC2086
	dbg journal-write "$JW_START" "$JW_SEQ" $JW_TXNS >/dev/null ||
		{ bad "$r_name: journal-write $JW_START $JW_SEQ $JW_TXNS"; return; }
	r_sum=$(md5sum <"$IMG")
	fsck_rc "$r_name" "$r_rcn" -n
	grep -q -- "$r_pat" "$OUT" && ok "$r_name: -n names it: $r_pat" ||
		bad "$r_name: -n does not say '$r_pat'"
	[ "$(md5sum <"$IMG")" = "$r_sum" ] && ok "$r_name: -n wrote nothing" ||
		bad "$r_name: -n changed the image"
	r_tr=${r_counts% *} r_bl=${r_counts#* }
	fsck_rc "$r_name" 1 -y
	grep -q "^journal replayed: $r_tr transactions\{0,1\}, $r_bl blocks\{0,1\}$" "$OUT" &&
		ok "$r_name: -y replays $r_tr transactions, $r_bl blocks" ||
		bad "$r_name: -y does not say 'journal replayed: $r_tr transactions, $r_bl blocks'"
	eval "blocks_are \"\$r_name\" \"\$IMG\" $r_want"
	[ "$(jfield start)" = 0 ] && [ "$(jfield csum)" = ok ] &&
		ok "$r_name: journal empty after the replay" || bad "$r_name: journal not empty"
	fsck_rc "$r_name (after the replay)" 0 -n
	fsck_rc "$r_name (again)" 0 -y
	[ "$E2" = no ] && return
	e4_fresh >"$OUT" 2>&1 || { bad "$r_name: no ext4 image"; return; }
	# shellcheck disable=SC2086
	$DBG "$E4" journal-write -a "$E4JS:1024" -F "$JW_START" "$JW_SEQ" $JW_TXNS >"$OUT" 2>&1 ||
		{ bad "$r_name: journal-write into ext4"; return; }
	debugfs -w -R "feature needs_recovery" "$E4" >/dev/null 2>&1
	e2fsck -fy "$E4" >"$OUT" 2>&1
	grep -q "recovering journal" "$OUT" || { bad "$r_name: e2fsck did not recover"; return; }
	eval "blocks_are \"\$r_name, e2fsck\" \"\$E4\" $r_want"
}

# Three committed transactions after a wrap-around, and one without its
# commit.  100: ten blocks whose log copies wrap from the end of the log to
# its start, one of them escaped (it begins with jbd2's magic); 101 revokes
# D+1 and D+8 and logs D and D+4 again; 102 logs D+1 again (a revoke counts
# for its own and earlier transactions only) and D+5; 103 has no commit.
main_txns() {
	echo "b$D,b$((D + 1)),e$((D + 2)),b$((D + 3)),b$((D + 8)),b$((D + 9)),b$((D + 10)),b$((D + 11)),b$((D + 12)),b$((D + 13))"
	echo "r$((D + 1)),r$((D + 8)),b$((D + 4)),b$D"
	echo "b$((D + 1)),b$((D + 5))${1:-}"
	echo "b$((D + 6)),b$((D + 7)):nocommit"
}
main_want="'$D:seq 101' '$((D + 1)):seq 102' '$((D + 2)):seq 100 escaped' '$((D + 3)):seq 100' '$((D + 4)):seq 101' '$((D + 5)):seq 102' '$((D + 6)):zero' '$((D + 7)):zero' '$((D + 8)):zero' '$((D + 9)):seq 100' '$((D + 13)):seq 100'"
# shellcheck disable=SC2046
jw 1015 100 $(main_txns)
recovery "wrap, escape, revoke, missing commit" 0 "journal needs recovery: 3 transactions, 11 blocks" \
	"3 11" "$main_want"
[ "$(jfield sequence)" = 104 ] && ok "journal restarts at transaction 104" ||
	bad "journal sequence $(jfield sequence) after the replay, expected 104"

# 102's commit block torn: its first sector (the header) landed, the rest
# of the block did not.  The kernel's partial check accepts it (e2fsprogs
# 1.47 does not have that check yet).
# shellcheck disable=SC2046
jw 1015 100 $(main_txns :torn)
E2=no
recovery "torn commit block" 0 "journal needs recovery: 3 transactions, 11 blocks" \
	"3 11" "$main_want"
E2=yes

jw 10 200 "b$D" "b$((D + 1)):badcommit" "b$((D + 2))"
recovery "bad commit block" 4 "journal: transaction 201 has a bad commit block" \
	"1 1" "'$D:seq 200' '$((D + 1)):zero' '$((D + 2)):zero'"

jw 10 300 "b$D" "b$((D + 1)):stale"
recovery "stale commit block" 0 "journal needs recovery: 1 transaction, 1 block" \
	"1 1" "'$D:seq 300' '$((D + 1)):zero'"

jw 10 400 "b$D,x$((D + 1)),b$((D + 2))"
recovery "bad logged block" 4 "block $((D + 1)) (log block 12) has a bad checksum" \
	"1 2" "'$D:seq 400' '$((D + 1)):zero' '$((D + 2)):seq 400'"

jw 10 500 "b$D" "b$((D + 1)):baddesc"
recovery "bad descriptor block" 4 "transaction 501: a descriptor or revoke block has a bad checksum" \
	"0 0" "'$D:zero' '$((D + 1)):zero'"

jw 10 700 "b$D" "r$D,b$((D + 1)):badrevoke"
recovery "bad revoke block" 4 "transaction 701: a descriptor or revoke block has a bad checksum" \
	"0 0" "'$D:zero' '$((D + 1)):zero'"

# 600 blocks take three descriptor blocks (253 tags at most in one)
jw 900 800 "B60000+600" "b$D"
recovery "three descriptors, wrapped" 0 "journal needs recovery: 2 transactions, 601 blocks" \
	"2 601" "'60000:seq 800' '60252:seq 800' '60253:seq 800' '60505:seq 800' '60506:seq 800' '60599:seq 800' '60600:zero' '$D:seq 801'"

# A transaction of real metadata: every block mkfile changed but the
# superblock and the file's data is logged, and put back on disk as it was
# before.  Without the journal fsck finds the bitmap and counters wrong;
# with it, nothing.
fresh
cp "$IMG" "$T/before"
ino=$(dbg mkfile 1 file 100k)
data=$(dbg extents "$ino" | awk '{ print $2, $2 + $3 - 1 }')
meta=$(cmp -l "$T/before" "$IMG" | awk '{ b = int(($1 - 1) / 4096); if (b > 0) print b }' |
	sort -un | while read -r b; do
		in=
		# shellcheck disable=SC2086
		set -- $data
		while [ $# -ge 2 ]; do [ "$b" -ge "$1" ] && [ "$b" -le "$2" ] && in=1; shift 2; done
		[ -z "$in" ] && printf 'i%s,' "$b"
	done)
meta=${meta%,}
n=$(echo "$meta" | tr ',' '\n' | grep -c .)
dbg journal-write 1 5 "$meta" >/dev/null || bad "journal-write $meta"
for b in $(echo "$meta" | tr -d i | tr ',' ' '); do
	dd if="$T/before" of="$IMG" bs=4096 skip="$b" seek="$b" count=1 conv=notrunc 2>/dev/null
done
cp "$IMG" "$T/nolog"
$DBG "$T/nolog" journal-set start 0
$FSCK -n "$T/nolog" >"$OUT" 2>&1
[ $? = 4 ] && ok "metadata transaction: the blocks on disk alone are inconsistent" ||
	bad "metadata transaction: the blocks on disk alone check clean (no test)"
sum=$(md5sum <"$IMG")
fsck_rc "metadata transaction" 0 -n
grep -q "journal needs recovery: 1 transaction, $n blocks" "$OUT" &&
	ok "metadata transaction: -n checks the filesystem the recovery leaves ($n blocks)" ||
	bad "metadata transaction: no 'journal needs recovery: 1 transaction, $n blocks'"
[ "$(md5sum <"$IMG")" = "$sum" ] && ok "metadata transaction: -n wrote nothing" ||
	bad "metadata transaction: -n changed the image"
fsck_rc "metadata transaction" 1 -y
grep -q "^fixed" "$OUT" && bad "metadata transaction: -y repaired more than the replay" ||
	ok "metadata transaction: the replay alone makes it consistent"
[ "$(dbg lookup /file)" = "$ino" ] && ok "metadata transaction: the file is there" ||
	bad "metadata transaction: /file missing after the replay"
fsck_rc "metadata transaction (after the replay)" 0 -n

echo "== orphans"
fresh
x=$(dbg mkfile 1 x 64k)
dbg unlink 1 x
damaged "unlinked inode without the orphan flag" "inode $x: unreachable regular file with link count 0"

fresh
free0=$(field bitmap_free_blocks stat)
x=$(dbg mkfile 1 x 64k)
d=$(dbg mkdir 1 d)
s=$(dbg symlink 1 s "$(printf '%0300d' 0)")
dbg unlink 1 x
dbg unlink 1 d
dbg unlink 1 s
for i in $x $d $s; do dbg inode-set "$i" flags 2; done
dbg inode-set "$s" flags 2
fsck_rc "orphans with link count 0" 0 -n
for i in $x $d $s; do
	grep -q "^orphan inode $i (to be released by the next mount)$" "$OUT" &&
		ok "orphan $i named by -n" || bad "orphan $i not named by -n"
done
fsck_rc "orphans with link count 0" 1 -y
grep -q "orphan inode $x released (regular file with link count 0)" "$OUT" &&
	ok "orphan file released by -y" || bad "orphan $x not released"
[ "$(field bitmap_free_blocks stat)" = "$free0" ] && [ "$(field sb_free_blocks stat)" = "$free0" ] &&
	ok "every block of the orphans is free again" || bad "blocks of the orphans not freed"
[ "$(field magic inode "$x")" = 0x00000000 ] && ok "orphan inode slot cleared" ||
	bad "orphan inode $x still there"
fsck_rc "orphans with link count 0 (after)" 0 -n

fresh 16k
x=$(dbg mkfile 1 x 256k)
dbg inode-set "$x" size 20000
fsck_rc "blocks past i_size without the flag (fallocate keeps them)" 0 -n
dbg inode-set "$x" flags 2
fsck_rc "truncate in progress" 0 -n
grep -q "^orphan inode $x (56 blocks past its size to be released by the next mount)$" "$OUT" &&
	ok "truncate in progress named by -n" || bad "truncate in progress not named"
fsck_rc "truncate in progress" 1 -y
[ "$(dbg extents "$x" | awk '{ n += $3 } END { print n }')" = 8 ] &&
	[ "$(field flags inode "$x")" = 0 ] &&
	ok "blocks past round_up(i_size, unit) freed, flag cleared" ||
	bad "truncate in progress: extents $(dbg extents "$x" | tr '\n' ' ') flags $(field flags inode "$x")"
fsck_rc "truncate in progress (after)" 0 -n

fresh
d=$(dbg mkdir 1 d)
dbg inode-set "$d" flags 2
damaged "orphan flag on a directory with links" "inode $d: orphan flag on a directory with 2 links"

echo "== discard"
# mkfs discards (punches, in an image file) what was there; -K keeps it.
# A block of the data area, far from anything mkfs writes:
for opt in "" -K; do
	rm -f "$IMG"
	truncate -s 256M "$IMG"
	printf 'old data' | dd of="$IMG" bs=4096 seek=60000 conv=notrunc status=none
	$MKFS -q $opt "$IMG" >"$OUT" 2>&1 || { bad "mkfs $opt"; continue; }
	got=$(dd if="$IMG" bs=4096 skip=60000 count=1 status=none | tr -d '\0')
	if [ -z "$opt" ] && [ -z "$got" ]; then
		ok "mkfs discards the old contents"
	elif [ "$opt" = -K ] && [ "$got" = "old data" ]; then
		ok "mkfs -K keeps them"
	else
		echo "block 60000 after mkfs $opt: '$got'" >"$OUT"
		bad "mkfs $opt: discard"
	fi
done

echo "== fuzz ($ROUNDS rounds)"
# Random bytes in metadata blocks and in a log that needs recovery: fsck
# must never crash, and a repair must leave a filesystem that checks clean.
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	fresh
	dir=$(dbg mkdir 1 d)
	dbg populate "$dir" 300 20k >/dev/null
	dbg symlink "$dir" s "$(printf '%0200d' 0)" >/dev/null
	ds=$(field data_start sb)
	js=$(field journal_start sb)
	it=$(field itable_start sb)
	top=$((ds + 400))
	# A transaction of the bitmap, an inode table block and the tree
	# nodes of the directory, anywhere in the log
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	lstart=$((1 + r % 1000))
	dbg journal-write "$lstart" $((r % 100000)) \
		"i1,i$it,$(dbg tree "$dir" | awk '{ printf "i%s,", $1 }')b$((ds + 500))" >/dev/null
	j=0
	while [ $j -lt 8 ]; do
		j=$((j + 1))
		r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
		case $((r % 4)) in
		0) b=$((1 + r / 4 % (js - 1)));;	# bitmaps, inode table
		1) b=$((js + lstart + r / 4 % 24));;	# the log
		*) b=$((ds + r / 4 % (top - ds)));;	# trees, data
		esac
		off=$((r / 7 % 4096))
		val=$(od -An -N2 -tx1 /dev/urandom | tr -d ' ')
		[ $off -gt 4094 ] && off=4094
		dbg block-write "$b" "$off" "$val" 2>/dev/null
	done
	$FSCK -n "$IMG" >"$OUT" 2>&1
	rc=$?
	case $rc in 0|4|8) ;; *) bad "fuzz $i: fsck -n exit $rc"; cp "$IMG" "$T/../atomfs-fuzz-$i.img"; continue;; esac
	$FSCK -y "$IMG" >"$OUT" 2>&1
	rc=$?
	case $rc in
	0|1|4|8) ;;
	*) bad "fuzz $i: fsck -y exit $rc"; cp "$IMG" "$T/../atomfs-fuzz-$i.img"; continue;;
	esac
	if [ $rc = 1 ]; then
		$FSCK -n "$IMG" >"$OUT" 2>&1 || { bad "fuzz $i: not clean after repair"; cp "$IMG" "$T/../atomfs-fuzz-$i.img"; continue; }
	fi
	ok "fuzz $i (fsck -y exit $rc)"
done

echo "$pass passed, $failed failed"
[ $failed = 0 ]
