# SPDX-License-Identifier: GPL-2.0
# Helpers of the crash tests, sourced after lib.sh: the filesystem under
# test and one check of a crashed filesystem.
#
# ATOMFS_CRASH_FS=ext4 runs the same harness on ext4 (a sanity check of the
# harness itself: ext4 must pass it), =ext2 on a filesystem without a
# journal (which it must fail); the default is atomfs.
# ATOMFS_CRASH_MOUNT_OPTS: mount options (ext4's data=writeback must fail).
# ATOMFS_CRASH_LARGE=1 asks for the long counts of `make check-crash`.

CRASH_FS=${ATOMFS_CRASH_FS:-atomfs}
CRASH_LARGE=${ATOMFS_CRASH_LARGE:-0}
CRASH_OPTS=${ATOMFS_CRASH_MOUNT_OPTS:-}
case $CRASH_FS in
atomfs | ext4 | ext2) ;;
*) fail "ATOMFS_CRASH_FS=$CRASH_FS: atomfs, ext4 or ext2" ;;
esac

# crash_mkfs DEV
crash_mkfs() {
	local ext=nodiscard,lazy_itable_init=0

	if [[ $CRASH_FS == ext[24] ]]; then
		[[ $CRASH_FS == ext4 ]] && ext+=,lazy_journal_init=0
		run_ok "mkfs.$CRASH_FS" -q -F -b 4096 -E "$ext" "$1"
	else
		run_ok "$MKFS" -q -f "$1"
	fi
	crash_load
}

# crash_load: the module of the filesystem under test
crash_load() {
	[[ $CRASH_FS == ext[24] ]] || atomfs_load
}

# crash_mount DEV: mount on $MNT (journal recovery happens here)
crash_mount() {
	mkdir -p "$MNT"
	mount -t "$CRASH_FS" ${CRASH_OPTS:+-o "$CRASH_OPTS"} "$1" "$MNT"
}

# crash_fsck DEV: a read-only check; fsck's exit status
crash_fsck() {
	if [[ $CRASH_FS == ext[24] ]]; then
		e2fsck -f -n "$1"
	else
		"$FSCK" -n -f "$1"
	fi
}

# field KEY LINE: the value of KEY=VALUE in LINE
field() {
	local x=${2##*"$1"=}

	echo "${x%% *}"
}

# The counters a crash test adds up and prints.
CR_POINTS=0 CR_FILES=0 CR_BLOCKS=0 CR_FSCK=0 CR_LOST=0 CR_STALE=0 CR_OTHER=0
CR_RECOVERED=0 CR_SHOWN=0

# crash_check DEV DIR RECORD [SEQ] [LABEL]: one crashed filesystem:
# fsck before mount (atomfs: its own view of the journal replay, which must
# find no error), mount (the kernel's recovery), the verifier over DIR, umount,
# fsck.  Adds to the counters; prints the details of the first few failing
# checks.  Returns 0 when the point had no problem.
crash_check() {
	local dev=$1 dir=$2 rec=$3 upto=${4:-} label=${5:-} out pre='' rc=0 v recovered fsck_saw
	local files=0 blocks=0 lost=0 stale=0 other=0 fsckbad=0

	CR_POINTS=$((CR_POINTS + 1))
	if [[ $CRASH_FS == atomfs ]]; then
		if ! pre=$(crash_fsck "$dev" 2>&1); then
			fsckbad=$((fsckbad + 1))
			crash_show "$label: fsck before mount" "$pre"
		fi
	fi
	dmesg_mark
	if ! out=$(crash_mount "$dev" 2>&1); then
		other=$((other + 1))
		crash_show "$label: mount failed" "$out$(dmesg | tail -n 5)"
	else
		# the kernel says when it replayed a journal (atomfs, ext4)
		recovered=0
		if dmesg_since | grep -q -E 'journal recovered|recovery complete'; then
			CR_RECOVERED=$((CR_RECOVERED + 1))
			recovered=1
		fi
		# fsck -n before the mount saw the same journal the kernel did
		if [[ $CRASH_FS == atomfs ]]; then
			fsck_saw=0
			grep -q 'journal needs recovery' <<<"$pre" && fsck_saw=1
			if ((fsck_saw != recovered)); then
				fsckbad=$((fsckbad + 1))
				crash_show "$label: the kernel recovered a journal: $recovered, fsck -n before the mount saw one to recover: $fsck_saw" "$pre"
			fi
		fi
		if [[ -s $rec ]]; then
			out=$(crash_verify -r "$rec" -d "$dir" ${upto:+-u "$upto"} 2>&1) || rc=$?
			v=$(grep '^verify: ' <<<"$out" | tail -n 1 || true)
			if ((rc > 1)) || [[ -z $v ]]; then
				fail "$label: crash_verify could not run (status $rc): $out"
			fi
			files=$(field files "$v")
			blocks=$(field blocks "$v")
			lost=$(field lost "$v")
			stale=$(field stale "$v")
			other=$((other + $(field other "$v")))
			((rc == 0)) || crash_show "$label: verify" "$out"
		fi
		if ! out=$(umount "$MNT" 2>&1); then
			other=$((other + 1))
			crash_show "$label: umount failed" "$out"
			umount -l "$MNT" 2>/dev/null || true
		fi
		if ! out=$(crash_fsck "$dev" 2>&1); then
			fsckbad=$((fsckbad + 1))
			crash_show "$label: fsck after recovery" "$out"
		fi
	fi
	CR_FILES=$((CR_FILES + files))
	CR_BLOCKS=$((CR_BLOCKS + blocks))
	CR_FSCK=$((CR_FSCK + fsckbad))
	CR_LOST=$((CR_LOST + lost))
	CR_STALE=$((CR_STALE + stale))
	CR_OTHER=$((CR_OTHER + other))
	((fsckbad + lost + stale + other == 0))
}

# crash_show WHAT OUTPUT: the first few failures in full, then the first
# problem line of each
crash_show() {
	local first

	CR_SHOWN=$((CR_SHOWN + 1))
	if ((CR_SHOWN <= 3)); then
		echo "$TEST: $1:"
		head -n 25 <<<"$2" | sed 's/^/    /'
	else
		first=$(grep -m 1 -E '^(LOST|STALE|OTHER)|[Ee]rror|corrupt|[Ii]nvalid|[Ww]rong|[Bb]ad' <<<"$2" ||
			head -n 1 <<<"$2")
		echo "$TEST: $1: $first ($(grep -c . <<<"$2" || true) lines)"
	fi
}

crash_summary() {
	echo "crash: $CR_POINTS points, $CR_FILES files, $CR_BLOCKS blocks verified, $CR_FSCK fsck errors, $CR_LOST lost, $CR_STALE stale, $CR_OTHER other; $CR_RECOVERED mounts recovered a journal"
}
