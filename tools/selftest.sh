#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-only self test of the atomfs tools: image files in a temporary
# directory, no module, no mount.  mkfs.atomfs makes images with several
# atomic units; atomfs-debug builds files and damages them; fsck.atomfs
# must find each kind of damage (-n: exit 4, naming it), repair it (-y:
# exit 1) and then find nothing (-n: exit 0).
#
# Usage: ./selftest.sh [FUZZ_ROUNDS]	(run from tools/ after make)

set -u
cd "$(dirname "$0")" || exit 1
MKFS=./mkfs.atomfs
FSCK=./fsck.atomfs
DBG=./atomfs-debug
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
dbg sb-set feature_incompat 0x1
fsck_rc "unknown incompat feature" 8 -n

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

echo "== fuzz ($ROUNDS rounds)"
# Random bytes in metadata blocks: fsck must never crash, and a repair
# must leave a filesystem that checks clean.
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	fresh
	dir=$(dbg mkdir 1 d)
	dbg populate "$dir" 300 20k >/dev/null
	dbg symlink "$dir" s "$(printf '%0200d' 0)" >/dev/null
	ds=$(field data_start sb)
	top=$((ds + 400))
	j=0
	while [ $j -lt 8 ]; do
		j=$((j + 1))
		r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
		case $((r % 3)) in
		0) b=$((1 + r / 3 % (ds - 1)));;	# bitmaps, inode table
		*) b=$((ds + r / 3 % (top - ds)));;	# trees, data
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
