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
CR_RECOVERED=0 CR_SHOWN=0 CR_ATOMIC=0 CR_PLAIN_UNITS=0 CR_PLAIN_TORN=0

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
			CR_ATOMIC=$((CR_ATOMIC + $(field atomic "$v")))
			CR_PLAIN_UNITS=$((CR_PLAIN_UNITS + $(field plain_units "$v")))
			CR_PLAIN_TORN=$((CR_PLAIN_TORN + $(field plain_torn "$v")))
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
	echo "crash: $CR_POINTS points, $CR_FILES files, $CR_BLOCKS blocks verified, $CR_FSCK fsck errors, $CR_LOST lost, $CR_STALE stale, $CR_OTHER other; $CR_RECOVERED mounts recovered a journal; $CR_ATOMIC atomic writes checked; $CR_PLAIN_UNITS plain unit writes, $CR_PLAIN_TORN torn"
}

# Logged replay (070, 076): the block writes of a workload recorded with
# dm-log-writes, the device rebuilt at crash points by log_replay.c into a
# non-persistent snapshot of the image the log starts from (writing only
# the log per point, not the whole device).  Needs $DEV and $TMPF.
CL_LOGDEV=/dev/ram0
CL_COWDEV=/dev/ram1
CL_DM=crashlog
CL_SNAP=crashsnap
CL_SNAPDEV=/dev/mapper/$CL_SNAP

# crash_log_setup: the log and snapshot devices
crash_log_setup() {
	run_ok modprobe brd rd_nr=2 rd_size=$((512 * 1024))
	[[ -b $CL_LOGDEV && -b $CL_COWDEV ]] || fail "no $CL_LOGDEV, $CL_COWDEV"
	run_ok modprobe dm-log-writes
	run_ok modprobe dm-snapshot
	export DM_DISABLE_UDEV=1
}

# crash_log_run SEED STEPS SAMPLES [WORKLOAD OPTIONS...]: poison $DEV
# (so that a block the filesystem never wrote can never pass for a hole),
# mkfs, keep the image in $TMPF.base, run a workload of STEPS steps in
# $MNT/w through dm-log-writes with its record in $TMPF.rec, and list the
# crash points (log_replay points, SAMPLES torn writes sampled) in
# CL_POINTS; $DEV holds the image the log starts from again.  Prints the
# workload's summary line.
crash_log_run() {
	local seed=$1 steps=$2 samples=$3 sectors sysfs
	shift 3

	run_ok crash_workload poison "$DEV"
	crash_mkfs "$DEV"
	run_ok dd if="$DEV" of="$TMPF.base" bs=1M status=none
	sectors=$(blockdev --getsz "$DEV")
	CL_SECTORS=$sectors
	run_ok dmsetup create --noudevsync "$CL_DM" \
		--table "0 $sectors log-writes $DEV $CL_LOGDEV"
	run_ok dmsetup mknodes "$CL_DM"
	run_ok dmsetup message "$CL_DM" 0 mark mkfs
	run_ok crash_mount "/dev/mapper/$CL_DM"
	sysfs=/sys/fs/atomfs/dm-$(dmsetup info -c --noheadings -o minor "$CL_DM" | tr -d ' ')
	rm -f "$TMPF.rec"
	CL_WORKLOAD=$(crash_workload run -d "$MNT/w" -r "$TMPF.rec" -s "$seed" \
		-n "$steps" -m "$CL_DM" "$@") || fail "workload: $CL_WORKLOAD"
	# atomfs: its atomic mode and how the software path took the units
	CL_MODE=- CL_SW=
	if [[ -d $sysfs ]]; then
		CL_MODE=$(cat "$sysfs/atomic_mode")
		CL_SW="in place $(cat "$sysfs/sw_atomic_in_place"), remapped $(cat "$sysfs/sw_atomic_remaps")"
	fi
	run_ok umount "$MNT"
	run_ok dmsetup remove --noudevsync "$CL_DM"
	run_ok log_replay points "$CL_LOGDEV" "$seed" "$samples" \
		>"$TMPF.points" 2>"$TMPF.logstats"
	mapfile -t CL_POINTS <"$TMPF.points"
	((${#CL_POINTS[@]} > 2)) || fail "too few crash points: ${CL_POINTS[*]}"
	CL_SEED=$seed
	run_ok dd if="$TMPF.base" of="$DEV" bs=1M conv=fsync status=none
}

# crash_upto MARK: the record's durability lines a point satisfies: mark
# "d<SEQ>" up to SEQ; "-" or "mkfs": none
crash_upto() {
	case $1 in
	d*) echo "${1#d}" ;;
	*) echo 0 ;;
	esac
}

# crash_replay K TEAR: the device at crash point K in $CL_SNAPDEV
crash_replay() {
	run_ok dmsetup create --noudevsync "$CL_SNAP" \
		--table "0 $CL_SECTORS snapshot $DEV $CL_COWDEV N 8"
	run_ok dmsetup mknodes "$CL_SNAP"
	run_ok log_replay replay "$CL_LOGDEV" - "$CL_SNAPDEV" "$1" "$2" \
		"$CL_SEED" >/dev/null
}

crash_replay_drop() {
	run_ok dmsetup remove --noudevsync "$CL_SNAP"
}

# crash_replay_all: crash_check at every point of CL_POINTS
crash_replay_all() {
	local p k tear mark label

	for p in "${CL_POINTS[@]}"; do
		read -r k tear mark <<<"$p"
		crash_replay "$k" "$tear"
		label="point $k"
		((tear == 1)) && label+=" torn"
		((tear == 2)) && label+=" (its flush group as a random subset)"
		crash_check "$CL_SNAPDEV" "$MNT/w" "$TMPF.rec" \
			"$(crash_upto "$mark")" "$label (mark $mark)" || true
		crash_replay_drop
	done
}
