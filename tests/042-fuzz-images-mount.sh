#!/bin/bash
# Damaged images (atomfs-debug fuzz, bit flips with stale checksums, bit
# flips and wrong field values with checksums recomputed, on the image of
# tools/fuzz-base.sh), each mounted, walked (every name looked up, every
# directory listed, every file and symlink read), written to (create,
# fsync, rename, unlink, mkdir, rmdir) and unmounted, under timeouts, in
# one boot.  Nothing may crash, hang or warn (the runner fails a run on any
# WARNING or BUG): the filesystem is refused at mount, or works, or meets
# the damage later and answers EUCLEAN.  ATOMFS_FUZZ_IMAGES sets the count
# (default 150), ATOMFS_FUZZ_SEED the first seed (default 1).
# slow: yes
. "$(dirname "$0")/lib.sh"

N=${ATOMFS_FUZZ_IMAGES:-150}
SEED=${ATOMFS_FUZZ_SEED:-1}
BASE=/tmp/$TEST.base
IMG=/tmp/$TEST.img
start=$SECONDS

run_ok "$TOP/tools/fuzz-base.sh" "$BASE" "$MKFS" "$DBG"
mkdir -p "$MNT"
atomfs_load

mounted=0 refused=0 euclean=0 readonly=0
for ((s = SEED; s < SEED + N; s++)); do
	cp --sparse=always "$BASE" "$IMG"
	what=$("$DBG" "$IMG" fuzz "$s") || fail "seed $s: atomfs-debug fuzz failed"
	img_attach
	r=$(timeout -k 5 60 try_mount "$DEV" "$MNT") ||
		fail "seed $s: mount did not return within 60 s: $what"
	if [[ $r != ok ]]; then
		refused=$((refused + 1))
		img_detach
		continue
	fi
	mounted=$((mounted + 1))
	out=$(timeout -k 5 120 fuzz_walk "$MNT") ||
		fail "seed $s: the walk did not finish within 120 s ($?): $what"
	[[ $out == *"EUCLEAN 0,"* ]] || euclean=$((euclean + 1))
	[[ $out == *"ro 1" ]] && readonly=$((readonly + 1))
	timeout -k 5 60 umount "$MNT" ||
		fail "seed $s: umount failed or hung ($?): $what"
	img_detach
	# seeds worth a look in the log: those the mount met damage in
	[[ $out == *"EUCLEAN 0,"* && $out == *"other 0,"* ]] ||
		info "seed $s: $what; $out"
done
rm -f "$IMG" "$BASE"
info "$N images (seeds $SEED..$((SEED + N - 1))): $mounted mounted, $refused refused at mount, $euclean met EUCLEAN later ($readonly read-only after), in $((SECONDS - start)) s"
