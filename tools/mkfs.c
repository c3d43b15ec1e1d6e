// SPDX-License-Identifier: GPL-2.0
/*
 * mkfs.atomfs: lay out an empty atomfs filesystem.
 *
 * The result is exactly what atomfs/super.c accepts at mount: every
 * geometry field is what atomfs_check_geometry() recomputes, the bitmaps
 * are what atomfs_count_free() checks, and the root inode is what
 * atomfs_read_inode() reads.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edit.h"
#include "fs.h"
#include "journal.h"

struct mkfs_opts {
	unsigned int	unit_shift;
	const char	*label;
	u64		inodes;		/* 0: one per 8 KiB */
	u64		journal;	/* blocks */
	bool		journal_set;
	bool		force;
	bool		quiet;
	bool		no_discard;	/* -K */
	const char	*path;
	u64		size;		/* 0: the whole device or file */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mkfs.atomfs [-a UNIT] [-L LABEL] [-N INODES] [-J size=MB|BLOCKS|SIZE]\n"
		"                   [-K] [-f] [-q] DEVICE|FILE [SIZE]\n"
		"  -a UNIT   atomic unit: a power of two from 4k to 1m (default 16k)\n"
		"  -L LABEL  volume label, at most %u bytes\n"
		"  -N NUM    number of inodes (default one per 8 KiB)\n"
		"  -J SIZE   size of the metadata journal: size=MB (MiB, as mke2fs\n"
		"            takes it), a number of 4 KiB blocks, or a size with a\n"
		"            k/m/g suffix; at least %u blocks (4 MiB) (default: 4 MiB\n"
		"            to 128 MiB by filesystem size, as mke2fs chooses)\n"
		"  -K        do not discard the device's blocks first\n"
		"  -f        overwrite an existing filesystem or signature\n"
		"  -q        print nothing on success\n"
		"  SIZE      use only this much of the device (a file is created or\n"
		"            extended to it)\n",
		ATOMFS_LABEL_SIZE, ATOMFS_MIN_JOURNAL_BLOCKS);
}

static int parse_unit(const char *s, unsigned int *shift)
{
	u64 v;
	unsigned int i;

	if (parse_size(s, &v))
		return -EINVAL;
	for (i = ATOMFS_MIN_ATOMIC_SHIFT; i <= ATOMFS_MAX_ATOMIC_SHIFT; i++) {
		if (v == 1ULL << i) {
			*shift = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* -J: "size=MB" (as the README has it), N blocks, or a size with a suffix */
static int parse_journal(const char *s, u64 *blocks)
{
	u64 v;

	if (!strncmp(s, "size=", 5)) {
		if (parse_u64(s + 5, &v) || v > (1ULL << 40))
			return -EINVAL;
		*blocks = v << (20 - ATOMFS_BLOCK_SHIFT);
		return 0;
	}
	if (!parse_u64(s, &v)) {
		*blocks = v;
		return 0;
	}
	if (parse_size(s, &v))
		return -EINVAL;
	*blocks = DIV_ROUND_UP(v, ATOMFS_BLOCK_SIZE);
	return 0;
}

/*
 * Default journal, by filesystem size, as mke2fs sizes ext4's: 4 MiB below
 * 128 MiB, 16 MiB below 1 GiB, 32 MiB below 2 GiB, 64 MiB below 16 GiB,
 * 128 MiB from there.  A bigger log lets more metadata commit between
 * checkpoints.
 */
static u64 default_journal(u64 blocks)
{
	if (blocks < 32768)
		return ATOMFS_MIN_JOURNAL_BLOCKS;
	if (blocks < 262144)
		return 4096;
	if (blocks < 524288)
		return 8192;
	if (blocks < 4194304)
		return 16384;
	return 32768;
}

static u64 inode_count(const struct mkfs_opts *o, u64 blocks)
{
	u64 n = o->inodes ? o->inodes : blocks / 2;

	/* Whole inode table blocks; inode 0 is never used, 1 is the root. */
	n = ROUND_UP(MAX(n, ATOMFS_INODES_PER_BLOCK), ATOMFS_INODES_PER_BLOCK);
	return MIN(n, (u64)UINT32_MAX / ATOMFS_INODES_PER_BLOCK *
		   ATOMFS_INODES_PER_BLOCK);
}

/* Lay out @blocks blocks; false when they cannot hold the layout. */
static bool layout(const struct mkfs_opts *o, u64 blocks,
		   struct afs_layout *l)
{
	u64 ub = 1ULL << (o->unit_shift - ATOMFS_BLOCK_SHIFT);
	u64 jb = o->journal_set ? o->journal : default_journal(blocks);

	afs_layout_fixed(l, blocks, inode_count(o, blocks));
	l->j_start = l->data_start;
	l->j_blocks = jb;
	/* Data units are naturally aligned on the device. */
	l->data_start = ROUND_UP(l->data_start + jb, ub);
	/* Room for the metadata and at least a few units of data */
	return blocks >= ATOMFS_MIN_BLOCKS && l->data_start + 4 * ub <= blocks;
}

/* The largest journal that fits in @blocks blocks, 0 when none does */
static u64 max_journal(const struct mkfs_opts *o, u64 blocks)
{
	u64 ub = 1ULL << (o->unit_shift - ATOMFS_BLOCK_SHIFT);
	struct afs_layout l;

	afs_layout_fixed(&l, blocks, inode_count(o, blocks));
	/* data_start = ROUND_UP(ds + jb, ub) <= blocks - 4 ub, a multiple */
	if (blocks < ATOMFS_MIN_BLOCKS || l.data_start + 4 * ub > blocks)
		return 0;
	return blocks - 4 * ub - l.data_start;
}

/* The smallest filesystem these options can make, in blocks */
static u64 min_blocks(const struct mkfs_opts *o)
{
	u64 ub = 1ULL << (o->unit_shift - ATOMFS_BLOCK_SHIFT);
	u64 lo = ATOMFS_MIN_BLOCKS, hi = lo;
	struct afs_layout l;

	while (!layout(o, hi, &l) && hi < (1ULL << 50))
		hi *= 2;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;

		if (layout(o, mid, &l))
			hi = mid;
		else
			lo = mid + 1;
	}
	return ROUND_UP(lo, ub);
}

struct signature {
	u64		off;
	const char	*magic;
	size_t		len;
	const char	*what;
};

static const struct signature signatures[] = {
	{ 1080, "\x53\xef", 2, "an ext2/ext3/ext4 filesystem" },
	{ 0, "XFSB", 4, "an XFS filesystem" },
	{ 65600, "_BHRfS_M", 8, "a btrfs filesystem" },
	{ 0, "LUKS\xba\xbe", 6, "a LUKS volume" },
	{ 4086, "SWAPSPACE2", 10, "a swap area" },
	{ 512, "EFI PART", 8, "a GPT partition table" },
	{ 3, "NTFS    ", 8, "an NTFS filesystem" },
	{ 510, "\x55\xaa", 2, "a DOS partition table or boot sector" },
};

/* What the device already holds, or NULL */
static const char *find_signature(struct disk *d, char *buf, size_t len)
{
	static u8 head[65536 + 4096];
	size_t n = MIN(sizeof(head), d->size), i;

	memset(head, 0, sizeof(head));
	if (disk_pread(d, 0, head, n))
		return NULL;
	if (n >= 4 && get_le64(head) % (1ULL << 32) == ATOMFS_MAGIC) {
		const struct atomfs_super_block *sb = (const void *)head;

		snprintf(buf, len, "an atomfs filesystem (label '%.*s')",
			 ATOMFS_LABEL_SIZE, sb->s_label);
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(signatures); i++) {
		const struct signature *s = &signatures[i];

		if (s->off + s->len <= n &&
		    !memcmp(head + s->off, s->magic, s->len))
			return s->what;
	}
	return NULL;
}

static void format_uuid(const u8 *u, char *buf)
{
	sprintf(buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int write_bitmaps(struct afs *fs, const struct afs_layout *l)
{
	struct bitmap bm;
	int err;

	bitmap_init(&bm, l->bb_blocks);
	bitmap_set_range(&bm, 0, l->data_start);
	err = afs_bitmap_write(fs, AFS_BBITMAP, &bm);
	bitmap_free(&bm);
	if (err)
		return err;

	bitmap_init(&bm, l->ib_blocks);
	bitmap_set(&bm, 0);		/* never used */
	bitmap_set(&bm, ATOMFS_ROOT_INO);
	err = afs_bitmap_write(fs, AFS_IBITMAP, &bm);
	bitmap_free(&bm);
	return err;
}

static int write_root(struct afs *fs, u64 sec, u32 nsec)
{
	struct atomfs_inode ino;
	u32 gen;

	afs_random(&gen, sizeof(gen));
	memset(&ino, 0, sizeof(ino));
	ino.i_magic = htole32(ATOMFS_INODE_MAGIC);
	ino.i_ino = htole64(ATOMFS_ROOT_INO);
	ino.i_mode = htole16(S_IFDIR | 0755);
	ino.i_nlink = htole32(2);
	ino.i_generation = htole32(gen);
	ino.i_atime = ino.i_mtime = ino.i_ctime = ino.i_crtime = htole64(sec);
	ino.i_atime_nsec = ino.i_mtime_nsec = htole32(nsec);
	ino.i_ctime_nsec = ino.i_crtime_nsec = htole32(nsec);
	ino.i_parent = htole64(ATOMFS_ROOT_INO);
	return afs_write_inode(fs, ATOMFS_ROOT_INO, &ino);
}

static void fill_sb(struct atomfs_super_block *sb, const struct mkfs_opts *o,
		    const struct afs_layout *l, u64 now)
{
	memset(sb, 0, ATOMFS_BLOCK_SIZE);
	sb->s_magic = htole32(ATOMFS_MAGIC);
	sb->s_version = htole16(ATOMFS_VERSION);
	sb->s_state = htole16(ATOMFS_STATE_CLEAN);
	sb->s_block_shift = ATOMFS_BLOCK_SHIFT;
	sb->s_atomic_shift = o->unit_shift;
	sb->s_inode_size = htole16(ATOMFS_INODE_SIZE);
	sb->s_feature_compat = htole32(ATOMFS_FEATURE_COMPAT_JOURNAL_AREA);
	sb->s_feature_incompat = htole32(ATOMFS_FEATURE_INCOMPAT_JOURNAL);
	sb->s_blocks_count = htole64(l->blocks);
	sb->s_free_blocks = htole64(l->blocks - l->data_start);
	sb->s_inodes_count = htole64(l->inodes);
	/* inode 0 and the root */
	sb->s_free_inodes = htole64(l->inodes - 2);
	sb->s_bbitmap_start = htole64(l->bb_start);
	sb->s_bbitmap_blocks = htole64(l->bb_blocks);
	sb->s_ibitmap_start = htole64(l->ib_start);
	sb->s_ibitmap_blocks = htole64(l->ib_blocks);
	sb->s_itable_start = htole64(l->it_start);
	sb->s_itable_blocks = htole64(l->it_blocks);
	sb->s_journal_start = htole64(l->j_start);
	sb->s_journal_blocks = htole64(l->j_blocks);
	sb->s_data_start = htole64(l->data_start);
	sb->s_root_ino = htole64(ATOMFS_ROOT_INO);
	sb->s_mkfs_time = htole64(now);
	sb->s_write_time = htole64(now);
	afs_random(sb->s_hash_key, sizeof(sb->s_hash_key));
	afs_random(sb->s_uuid, sizeof(sb->s_uuid));
	/* A version 4 (random) uuid */
	sb->s_uuid[6] = (sb->s_uuid[6] & 0x0f) | 0x40;
	sb->s_uuid[8] = (sb->s_uuid[8] & 0x3f) | 0x80;
	/* NUL-padded, unterminated when it takes all 32 bytes */
	if (o->label)
		memcpy(sb->s_label, o->label,
		       MIN(strlen(o->label), ATOMFS_LABEL_SIZE));
	afs_sb_set_csum(sb);
}

static int make_fs(struct afs *fs, const struct mkfs_opts *o,
		   const struct afs_layout *l)
{
	u8 zero[ATOMFS_BLOCK_SIZE], jsb[ATOMFS_BLOCK_SIZE];
	u64 sec;
	u32 nsec;
	int err;

	afs_now(&sec, &nsec);
	fs->blocks = l->blocks;
	fs->inodes = l->inodes;
	fs->bb_start = l->bb_start;
	fs->bb_blocks = l->bb_blocks;
	fs->ib_start = l->ib_start;
	fs->ib_blocks = l->ib_blocks;
	fs->it_start = l->it_start;
	fs->it_blocks = l->it_blocks;
	fs->j_start = l->j_start;
	fs->j_blocks = l->j_blocks;
	fs->data_start = l->data_start;

	/*
	 * As mke2fs and mkfs.xfs do: the old contents go, so a thin volume
	 * gives its space back and a replay of this device's writes from
	 * mkfs on starts from nothing.  Not every device can discard.
	 */
	if (!o->no_discard)
		disk_discard(&fs->disk, 0, l->blocks);
	/* No old superblock may survive an interrupted mkfs. */
	memset(zero, 0, sizeof(zero));
	err = afs_write_block(fs, ATOMFS_SB_BLOCK, zero);
	if (!err)
		err = disk_sync(&fs->disk);
	/*
	 * Free inode slots are all zeros; no block of an old log may look
	 * like a transaction of the new one.
	 */
	if (!err)
		err = disk_zero(&fs->disk, l->it_start,
				l->data_start - l->it_start);
	if (!err)
		err = write_bitmaps(fs, l);
	if (!err)
		err = write_root(fs, sec, nsec);
	/* The superblock now, in memory: the journal takes its uuid. */
	fill_sb(fs->sb, o, l, sec);
	/* An empty journal; the first transaction will be number 1. */
	jnl_sb_init(jsb, l->j_blocks, fs->sb->s_uuid, 1);
	if (!err)
		err = afs_write_block(fs, l->j_start, jsb);
	if (!err)
		err = disk_sync(&fs->disk);
	if (err)
		return err;
	err = afs_write_block(fs, ATOMFS_SB_BLOCK, fs->sbbuf);
	if (!err)
		err = disk_sync(&fs->disk);
	return err;
}

static int parse_args(int argc, char **argv, struct mkfs_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->unit_shift = ATOMFS_DEFAULT_ATOMIC_SHIFT;
	while ((c = getopt(argc, argv, "a:L:N:J:Kfqh")) != -1) {
		switch (c) {
		case 'a':
			if (parse_unit(optarg, &o->unit_shift)) {
				errmsg("bad atomic unit '%s': a power of two from 4k to 1m",
				       optarg);
				return -1;
			}
			break;
		case 'L':
			if (strlen(optarg) > ATOMFS_LABEL_SIZE) {
				errmsg("label '%s' is longer than %u bytes",
				       optarg, ATOMFS_LABEL_SIZE);
				return -1;
			}
			o->label = optarg;
			break;
		case 'N':
			if (parse_u64(optarg, &o->inodes) || !o->inodes ||
			    o->inodes > UINT32_MAX - ATOMFS_INODES_PER_BLOCK) {
				errmsg("bad inode count '%s'", optarg);
				return -1;
			}
			break;
		case 'J':
			if (parse_journal(optarg, &o->journal)) {
				errmsg("bad journal size '%s'", optarg);
				return -1;
			}
			if (o->journal < ATOMFS_MIN_JOURNAL_BLOCKS) {
				errmsg("journal of %llu blocks (-J %s) is smaller than the minimum of %u blocks (4 MiB), below which jbd2 refuses it",
				       (unsigned long long)o->journal, optarg,
				       ATOMFS_MIN_JOURNAL_BLOCKS);
				return -1;
			}
			if (o->journal > AFS_JOURNAL_MAX_BLOCKS) {
				errmsg("journal of %llu blocks (-J %s) is larger than jbd2's maximum of %llu blocks",
				       (unsigned long long)o->journal, optarg,
				       AFS_JOURNAL_MAX_BLOCKS);
				return -1;
			}
			o->journal_set = true;
			break;
		case 'K':
			o->no_discard = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return -1;
	}
	o->path = argv[optind];
	if (argc - optind == 2 &&
	    (parse_size(argv[optind + 1], &o->size) || !o->size)) {
		errmsg("bad size '%s'", argv[optind + 1]);
		return -1;
	}
	return 0;
}

/* Open the target, creating or extending an image file to SIZE. */
static int open_target(struct afs *fs, const struct mkfs_opts *o)
{
	struct stat st;
	int flags = DISK_RW | DISK_EXCL;
	int err;

	if (o->size && (stat(o->path, &st) || S_ISREG(st.st_mode)))
		flags |= DISK_CREATE;
	memset(fs, 0, sizeof(*fs));
	fs->sb = (struct atomfs_super_block *)fs->sbbuf;
	err = disk_open(&fs->disk, o->path, flags);
	if (err)
		return err;
	if (o->size && !fs->disk.is_blkdev && fs->disk.size < o->size) {
		if (ftruncate(fs->disk.fd, o->size)) {
			errmsg("%s: cannot extend to %llu bytes: %s", o->path,
			       (unsigned long long)o->size, strerror(errno));
			return -errno;
		}
		fs->disk.size = o->size;
	}
	if (o->size && o->size > fs->disk.size) {
		errmsg("%s: size %llu is larger than the device (%llu bytes)",
		       o->path, (unsigned long long)o->size,
		       (unsigned long long)fs->disk.size);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mkfs_opts o;
	struct afs_layout l;
	struct afs fs;
	const char *sig;
	char buf[128], uuid[40], hs[32];
	u64 blocks, ub;

	progname = "mkfs.atomfs";
	if (parse_args(argc, argv, &o))
		return 1;
	if (open_target(&fs, &o))
		return 1;

	if (fs.disk.lbs > ATOMFS_BLOCK_SIZE) {
		errmsg("%s: logical block size %u is larger than the %u-byte filesystem block",
		       o.path, fs.disk.lbs, ATOMFS_BLOCK_SIZE);
		return 1;
	}
	sig = find_signature(&fs.disk, buf, sizeof(buf));
	if (sig && !o.force) {
		errmsg("%s contains %s; use -f to overwrite it", o.path, sig);
		return 1;
	}

	ub = 1ULL << (o.unit_shift - ATOMFS_BLOCK_SHIFT);
	blocks = (o.size ? o.size : fs.disk.size) >> ATOMFS_BLOCK_SHIFT;
	/* No partial unit at the end: every free block is usable data. */
	blocks = blocks / ub * ub;
	if (!layout(&o, blocks, &l)) {
		u64 min = min_blocks(&o), maxj = max_journal(&o, blocks);

		if (o.journal_set && maxj >= ATOMFS_MIN_JOURNAL_BLOCKS) {
			errmsg("%s: a journal of %llu blocks (%s) does not fit: at most %llu blocks fit in %llu",
			       o.path, (unsigned long long)o.journal,
			       human_size(o.journal << ATOMFS_BLOCK_SHIFT, hs,
					  sizeof(hs)),
			       (unsigned long long)maxj,
			       (unsigned long long)blocks);
			return 1;
		}

		errmsg("%s: %s is too small: with %u KiB units this layout needs at least %llu blocks (%llu bytes)",
		       o.path, human_size((o.size ? o.size : fs.disk.size),
					  hs, sizeof(hs)),
		       1U << (o.unit_shift - 10), (unsigned long long)min,
		       (unsigned long long)min << ATOMFS_BLOCK_SHIFT);
		return 1;
	}
	if (make_fs(&fs, &o, &l))
		return 1;
	afs_close(&fs);

	if (!o.quiet) {
		format_uuid(fs.sb->s_uuid, uuid);
		printf("atomfs: %s\n", o.path);
		printf("  blocks       %llu x 4 KiB (%s), data from block %llu\n",
		       (unsigned long long)l.blocks,
		       human_size(l.blocks << ATOMFS_BLOCK_SHIFT, hs,
				  sizeof(hs)),
		       (unsigned long long)l.data_start);
		printf("  atomic unit  %u KiB (%llu blocks)\n",
		       1U << (o.unit_shift - 10), (unsigned long long)ub);
		printf("  inodes       %llu\n", (unsigned long long)l.inodes);
		printf("  journal      %llu blocks (%s) at block %llu\n",
		       (unsigned long long)l.j_blocks,
		       human_size(l.j_blocks << ATOMFS_BLOCK_SHIFT, hs,
				  sizeof(hs)),
		       (unsigned long long)l.j_start);
		printf("  label        %s\n", o.label ? o.label : "");
		printf("  uuid         %s\n", uuid);
	}
	return 0;
}
