#!/bin/bash
# A kernel that cannot keep one folio per atomic unit is refused when the
# module loads, with EOPNOTSUPP and one log line saying why.  Debian's
# kernel is not such a kernel, so the module is built here as it would be
# for one with CONFIG_READ_ONLY_THP_FOR_FS (khugepaged collapsing file
# folios past their order), and loaded in a guest: insmod must fail, the
# log must say why, nothing may be registered.  The module as built
# loads (every other test).
# Runs on the host (it builds a module and boots a guest itself).
# host: yes
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
TEST=$(basename "$0" .sh)
WORK=$TOP/.build/$TEST
KVER=$(scripts/kver) || exit 1

fail() {
	echo "FAIL: $TEST: $*" >&2
	exit 1
}

rm -rf "$WORK"
mkdir -p "$WORK/atomfs"
cp Kbuild "$WORK/" && cp atomfs/Kbuild atomfs/*.c atomfs/*.h "$WORK/atomfs/" ||
	fail "copy"
# against the kernel the guest boots (scripts/vm: ATOMFS_VM_KERNEL)
KDIR=/lib/modules/$KVER/build
[[ ${ATOMFS_VM_KERNEL:-stock} == debug ]] && KDIR=$TOP/.build/kernel-debug/linux
make -C "$KDIR" M="$WORK" \
	KCFLAGS=-DCONFIG_READ_ONLY_THP_FOR_FS=1 modules >"$WORK/build.log" 2>&1 ||
	fail "build: $(tail -n 5 "$WORK/build.log")"

cat >"$WORK/guest.sh" <<GUEST
set -u
modprobe libcrc32c 2>/dev/null
modprobe jbd2
dmesg -c >/dev/null
if insmod "$WORK/atomfs/atomfs.ko" 2>"$WORK/insmod.err"; then
	echo "insmod: loaded"
	exit 1
fi
cat "$WORK/insmod.err"
grep -q 'Operation not supported' "$WORK/insmod.err" || exit 1
grep -qw atomfs /proc/filesystems && { echo "atomfs registered"; exit 1; }
# Loading any out-of-tree module logs that it taints the kernel: not ours.
dmesg | grep 'atomfs' | grep -v -e 'taints kernel' \
	-e 'module verification failed' >"$WORK/log"
cat "$WORK/log"
[ "\$(wc -l <"$WORK/log")" = 1 ] || exit 1
grep -q 'CONFIG_READ_ONLY_THP_FOR_FS' "$WORK/log"
GUEST
scripts/vm -q -t 300 -- bash "$WORK/guest.sh" || fail "the module was not refused as it should be"
echo "$TEST: ok"
