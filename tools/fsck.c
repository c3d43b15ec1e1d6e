// SPDX-License-Identifier: GPL-2.0
/*
 * fsck.atomfs: check, and with -y repair, an unmounted atomfs filesystem.
 *
 * Passes: the superblock; the bitmap blocks; the inode table; the trees
 * and blocks of every inode (fsck_tree.c); the namespace (fsck_ns.c); the
 * bitmaps and counters against what was found.  Every problem is one line
 * on stdout.  With -y the repairs are written (fsck_fix.c) and the whole
 * check runs again to make sure nothing is left.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsck.h"

/* Bitmap differences listed one by one, before a summary takes over */
#define MAX_BITMAP_LINES	50

static void vline(struct fsck *f, const char *prefix, const char *fmt,
		  va_list ap)
{
	if (f->quiet)
		return;
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	putchar('\n');
}

void problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	f->problems++;
	va_start(ap, fmt);
	vline(f, "", fmt, ap);
	va_end(ap);
}

void fixed(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->repair)
		return;
	f->fixes++;
	va_start(ap, fmt);
	vline(f, "fixed: ", fmt, ap);
	va_end(ap);
}

void verbose(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->verbose)
		return;
	va_start(ap, fmt);
	vline(f, "", fmt, ap);
	va_end(ap);
}

void note(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(f, "", fmt, ap);
	va_end(ap);
}

const char *esc_name(const char *name, unsigned int len, char *buf,
		     size_t size)
{
	size_t o = 0;
	unsigned int i;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = name[i];

		if (isprint(c) && c != '\\' && c != '\'')
			buf[o++] = c;
		else
			o += snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (i < len && o + 4 < size)
		o += snprintf(buf + o, size - o, "...");
	buf[o] = '\0';
	return buf;
}

const char *mode_name(u16 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	}
	return "inode of unknown type";
}

struct finode *fi_get(struct fsck *f, u64 ino)
{
	if (ino >= f->fs.inodes || !f->idx[ino])
		return NULL;
	return f->fi[f->idx[ino] - 1];
}

struct finode *fi_new(struct fsck *f, u64 ino)
{
	struct finode *fi = xcalloc(1, sizeof(*fi));

	fi->ino = ino;
	ARRAY_GROW(f->fi, f->fi_cap, f->nfi + 1);
	f->fi[f->nfi++] = fi;
	f->idx[ino] = f->nfi;
	return fi;
}

void fi_clear(struct fsck *f, struct finode *fi)
{
	(void)f;
	fi->clear = true;
}

static void fi_free(struct finode *fi)
{
	free(fi->nodes);
	free(fi->ext);
	items_free(&fi->dents);
	free(fi);
}

/* Everything run() allocated, and the device, whatever pass it stopped at */
static void fsck_release(struct fsck *f)
{
	size_t i;

	journal_release(f);
	for (i = 0; i < f->nfi; i++)
		fi_free(f->fi[i]);
	free(f->fi);
	free(f->slot);
	free(f->idx);
	bitmap_free(&f->disk_bb);
	bitmap_free(&f->disk_ib);
	bitmap_free(&f->used);
	bitmap_free(&f->found_ib);
	free(f->ranges);
	free(f->accepted);
	afs_close(&f->fs);
}

static void geom_report(void *ctx, const char *fmt, ...)
{
	struct fsck *f = ctx;
	va_list ap;

	f->problems++;
	va_start(ap, fmt);
	vline(f, "", fmt, ap);
	va_end(ap);
}

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * The superblock.  Returns 0 to go on, or the exit status when nothing
 * past it can be checked.
 */
static int check_sb(struct fsck *f)
{
	struct atomfs_super_block *sb = f->fs.sb;
	u32 compat = le32toh(sb->s_feature_compat);
	u32 ro = le32toh(sb->s_feature_ro_compat);
	u32 incompat = le32toh(sb->s_feature_incompat);
	u16 state = le16toh(sb->s_state);
	u64 jb = le64toh(sb->s_journal_blocks);
	u64 dev_blocks = f->fs.disk.size >> ATOMFS_BLOCK_SHIFT;

	if (le32toh(sb->s_magic) != ATOMFS_MAGIC) {
		problem(f, "superblock: bad magic 0x%08x: not an atomfs filesystem",
			le32toh(sb->s_magic));
		return FSCK_ERROR;
	}
	if (le16toh(sb->s_version) != ATOMFS_VERSION) {
		problem(f, "superblock: unsupported format version %u",
			le16toh(sb->s_version));
		return FSCK_ERROR;
	}
	if (incompat & ~ATOMFS_FEATURE_INCOMPAT_SUPP) {
		problem(f, "superblock: unsupported incompatible features 0x%x",
			incompat & ~ATOMFS_FEATURE_INCOMPAT_SUPP);
		return FSCK_ERROR;
	}
	/*
	 * What such a feature changes in the format is unknown, so neither
	 * a check nor a repair can be trusted: -n refuses as -y does.
	 */
	if (ro & ~ATOMFS_FEATURE_RO_COMPAT_SUPP) {
		problem(f, "superblock: unsupported read-only-compatible features 0x%x: cannot check it",
			ro & ~ATOMFS_FEATURE_RO_COMPAT_SUPP);
		return FSCK_ERROR;
	}
	if (compat & ~ATOMFS_FEATURE_COMPAT_SUPP)
		verbose(f, "superblock: unknown compatible features 0x%x (ignored)",
			compat & ~ATOMFS_FEATURE_COMPAT_SUPP);
	if (!afs_sb_csum_ok(sb)) {
		problem(f, "superblock: checksum mismatch");
		f->sb_dirty = true;
	}
	if (sb->s_block_shift != ATOMFS_BLOCK_SHIFT ||
	    le16toh(sb->s_inode_size) != ATOMFS_INODE_SIZE) {
		problem(f, "superblock: unsupported block size 2^%u or inode size %u",
			sb->s_block_shift, le16toh(sb->s_inode_size));
		return FSCK_UNCORRECTED;
	}
	if (sb->s_atomic_shift < ATOMFS_MIN_ATOMIC_SHIFT ||
	    sb->s_atomic_shift > ATOMFS_MAX_ATOMIC_SHIFT) {
		problem(f, "superblock: atomic unit 2^%u out of range",
			sb->s_atomic_shift);
		return FSCK_UNCORRECTED;
	}
	if (afs_check_geometry(sb, dev_blocks, geom_report, f))
		return FSCK_UNCORRECTED;

	if (state & ATOMFS_STATE_ERROR)
		problem(f, "superblock: error state set (the kernel found corruption)");
	if (state & ~(ATOMFS_STATE_CLEAN | ATOMFS_STATE_ERROR))
		problem(f, "superblock: unknown state bits 0x%x",
			state & ~(ATOMFS_STATE_CLEAN | ATOMFS_STATE_ERROR));
	if (!(state & ATOMFS_STATE_CLEAN))
		verbose(f, "superblock: not cleanly unmounted: the free counts may be stale");
	if (!jb && le64toh(sb->s_journal_start))
		problem(f, "superblock: journal area starts at block %llu but has no blocks",
			(unsigned long long)le64toh(sb->s_journal_start));
	if (jb && !(compat & ATOMFS_FEATURE_COMPAT_JOURNAL_AREA))
		problem(f, "superblock: journal area of %llu blocks without the journal area feature",
			(unsigned long long)jb);
	if (!jb && (compat & ATOMFS_FEATURE_COMPAT_JOURNAL_AREA))
		problem(f, "superblock: journal area feature without a journal area");
	if (!all_zero(sb->s_reserved, sizeof(sb->s_reserved)) ||
	    !all_zero(f->fs.sbbuf + ATOMFS_SB_SIZE,
		      ATOMFS_BLOCK_SIZE - ATOMFS_SB_SIZE))
		problem(f, "superblock: reserved bytes are not zero");
	return 0;
}

static void check_bitmap_blocks(struct fsck *f, enum afs_bitmap_kind kind,
				struct bitmap *bm)
{
	const char *name = kind == AFS_BBITMAP ? "block" : "inode";
	u32 magic = kind == AFS_BBITMAP ? ATOMFS_BITMAP_MAGIC :
		    ATOMFS_IBITMAP_MAGIC;
	u64 nr = afs_bitmap_blocks(&f->fs, kind);
	u64 start = afs_bitmap_start(&f->fs, kind);
	u64 count = afs_bitmap_count(&f->fs, kind);
	u8 *raw = NULL;
	u64 i;

	if (afs_bitmap_load(&f->fs, kind, bm, &raw)) {
		f->ioerr = true;
		bitmap_init(bm, nr);
		return;
	}
	for (i = 0; i < nr; i++) {
		const u8 *blk = raw + i * ATOMFS_BLOCK_SIZE;
		const struct atomfs_bitmap_header *h = (const void *)blk;
		unsigned long long b = start + i;
		const char *bad = NULL;

		if (le32toh(h->bm_magic) != magic)
			bad = "bad magic";
		else if (!afs_block_csum_ok(blk))
			bad = "checksum mismatch";
		else if (le64toh(h->bm_blkno) != start + i)
			bad = "records another block number";
		else if (le64toh(h->bm_index) != i)
			bad = "records another index";
		else if (h->bm_reserved)
			bad = "reserved field is not zero";
		if (bad) {
			problem(f, "%s bitmap block %llu: %s", name, b, bad);
			f->bitmaps_bad = true;
		}
	}
	free(raw);
	if (bitmap_weight(bm, count, bm->nbits) != bm->nbits - count) {
		problem(f, "%s bitmap: bits past the end of the filesystem are not all set",
			name);
		f->bitmaps_bad = true;
	}
}

static bool inode_reserved_ok(const struct atomfs_inode *in)
{
	return !in->i_reserved1 && !in->i_reserved2;
}

/* One slot of the inode table */
static void scan_slot(struct fsck *f, u64 ino, const struct atomfs_inode *in)
{
	unsigned long long n = ino;
	struct finode *fi;
	u16 mode = le16toh(in->i_mode);
	u32 flags = le32toh(in->i_flags);

	if (le32toh(in->i_magic) != ATOMFS_INODE_MAGIC || !ino) {
		if (all_zero(in, sizeof(*in))) {
			f->slot[ino] = SLOT_FREE;
			return;
		}
		problem(f, "inode %llu: %s slot is not zeroed", n,
			ino ? "free" : "unused");
		f->slot[ino] = SLOT_GARBAGE;
		return;
	}
	f->slot[ino] = SLOT_BAD;
	if (!afs_inode_csum_ok(in)) {
		problem(f, "inode %llu: checksum mismatch", n);
		return;
	}
	if (le64toh(in->i_ino) != ino) {
		problem(f, "inode %llu: records inode number %llu", n,
			(unsigned long long)le64toh(in->i_ino));
		return;
	}
	if (!afs_valid_mode(mode)) {
		problem(f, "inode %llu: invalid mode 0%o", n, mode);
		return;
	}
	if ((int64_t)le64toh(in->i_size) < 0) {
		problem(f, "inode %llu: negative size", n);
		return;
	}
	f->slot[ino] = SLOT_LIVE;
	fi = fi_new(f, ino);
	fi->mode = mode;
	fi->nlink = le32toh(in->i_nlink);
	fi->flags = flags;
	fi->size = le64toh(in->i_size);
	fi->blocks = le64toh(in->i_blocks);
	fi->parent = le64toh(in->i_parent);
	fi->root = le64toh(in->i_root);
	fi->nentries = le64toh(in->i_nentries);
	if (flags & ~(ATOMFS_INODE_INLINE_SYMLINK | ATOMFS_INODE_ORPHAN)) {
		problem(f, "inode %llu: unknown flags 0x%x", n,
			flags & ~(ATOMFS_INODE_INLINE_SYMLINK |
				  ATOMFS_INODE_ORPHAN));
		fi->flags &= ATOMFS_INODE_INLINE_SYMLINK | ATOMFS_INODE_ORPHAN;
	}
	if ((flags & ATOMFS_INODE_INLINE_SYMLINK) && !S_ISLNK(mode)) {
		problem(f, "inode %llu: inline symlink flag on a %s", n,
			mode_name(mode));
		fi->flags &= ~ATOMFS_INODE_INLINE_SYMLINK;
	}
	if (!inode_reserved_ok(in)) {
		problem(f, "inode %llu: reserved fields are not zero", n);
		fi->zero_reserved = true;
	}
}

static int scan_inodes(struct fsck *f)
{
	const u64 chunk = 256;
	u8 *buf = xmalloc(chunk * ATOMFS_BLOCK_SIZE);
	u64 b, ino = 0;

	for (b = 0; b < f->fs.it_blocks; b += chunk) {
		u64 n = MIN(chunk, f->fs.it_blocks - b), i;

		if (disk_read(&f->fs.disk, f->fs.it_start + b, buf, n)) {
			free(buf);
			f->ioerr = true;
			return -1;
		}
		for (i = 0; i < n * ATOMFS_INODES_PER_BLOCK &&
		     ino < f->fs.inodes; i++, ino++)
			scan_slot(f, ino, (const struct atomfs_inode *)buf + i);
	}
	free(buf);
	return 0;
}

/*
 * Report where @disk differs from @want over [0, @count): runs of bits that
 * are set where they should be clear or the other way round.
 */
static u64 compare_bitmap(struct fsck *f, const struct bitmap *disk,
			  const struct bitmap *want, u64 count, bool blocks)
{
	u64 i = 0, runs = 0;

	while (i < count) {
		u64 start;
		bool d;

		if (!(i & 7) && count - i >= 8 &&
		    disk->bits[i >> 3] == want->bits[i >> 3]) {
			i += 8;
			continue;
		}
		d = bitmap_test(disk, i);
		if (d == bitmap_test(want, i)) {
			i++;
			continue;
		}
		start = i;
		while (i < count && bitmap_test(disk, i) == d &&
		       bitmap_test(want, i) != d)
			i++;
		if (++runs > MAX_BITMAP_LINES) {
			f->problems++;
			continue;
		}
		if (blocks && !d) {
			struct finode *o = block_owner(f, start);

			char by[48];

			if (o)
				snprintf(by, sizeof(by), "inode %llu",
					 (unsigned long long)o->ino);
			else
				snprintf(by, sizeof(by),
					 "the filesystem's metadata");
			if (start + 1 == i)
				problem(f, "block %llu: marked free but used by %s",
					(unsigned long long)start, by);
			else
				problem(f, "blocks %llu-%llu: marked free but in use (block %llu by %s)",
					(unsigned long long)start,
					(unsigned long long)i - 1,
					(unsigned long long)start, by);
		} else if (blocks) {
			if (start + 1 == i)
				problem(f, "block %llu: marked in use but not used",
					(unsigned long long)start);
			else
				problem(f, "blocks %llu-%llu: marked in use but not used",
					(unsigned long long)start,
					(unsigned long long)i - 1);
		} else {
			char what[64];

			if (start + 1 == i)
				snprintf(what, sizeof(what), "inode %llu",
					 (unsigned long long)start);
			else
				snprintf(what, sizeof(what), "inodes %llu-%llu",
					 (unsigned long long)start,
					 (unsigned long long)i - 1);
			problem(f, "%s: marked %s", what,
				d ? "in use but free" : "free but in use");
		}
	}
	if (runs > MAX_BITMAP_LINES && !f->quiet)
		printf("%s bitmap: %llu more differences not listed\n",
		       blocks ? "block" : "inode",
		       (unsigned long long)runs - MAX_BITMAP_LINES);
	return runs;
}

/* The bitmaps and counters against what the inodes were found to use */
static void check_bitmaps_vs_found(struct fsck *f, u64 *used_blocks,
				   u64 *used_inodes)
{
	struct atomfs_super_block *sb = f->fs.sb;
	struct bitmap *ib = &f->found_ib;
	u64 fb, fin;

	if (compare_bitmap(f, &f->disk_bb, &f->used, f->fs.blocks, true))
		f->bitmaps_bad = true;
	if (compare_bitmap(f, &f->disk_ib, ib, f->fs.inodes, false))
		f->bitmaps_bad = true;

	*used_blocks = bitmap_weight(&f->used, 0, f->fs.blocks);
	*used_inodes = bitmap_weight(ib, 0, f->fs.inodes);
	fb = f->fs.blocks - *used_blocks;
	fin = f->fs.inodes - *used_inodes;
	if (!(le16toh(sb->s_state) & ATOMFS_STATE_CLEAN))
		return;
	if (le64toh(sb->s_free_blocks) != fb)
		problem(f, "superblock: free block count %llu, counted %llu",
			(unsigned long long)le64toh(sb->s_free_blocks),
			(unsigned long long)fb);
	if (le64toh(sb->s_free_inodes) != fin)
		problem(f, "superblock: free inode count %llu, counted %llu",
			(unsigned long long)le64toh(sb->s_free_inodes),
			(unsigned long long)fin);
}

static void print_summary(struct fsck *f, u64 used_blocks)
{
	u64 files = 0, dirs = 0, links = 0, other = 0, i;

	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];

		if (fi->clear)
			continue;
		if (S_ISREG(fi->mode))
			files++;
		else if (S_ISDIR(fi->mode))
			dirs++;
		else if (S_ISLNK(fi->mode))
			links++;
		else
			other++;
	}
	if (f->quiet)
		return;
	verbose(f, "atomfs: %llu regular files, %llu directories, %llu symlinks, %llu other",
		(unsigned long long)files, (unsigned long long)dirs,
		(unsigned long long)links, (unsigned long long)other);
	verbose(f, "atomfs: %llu extents, atomic unit %u blocks, data from block %llu",
		(unsigned long long)f->nr_ext, f->fs.unit_blocks,
		(unsigned long long)f->fs.data_start);
	printf("atomfs: %llu inodes, %llu blocks used of %llu, %llu problems\n",
	       (unsigned long long)(files + dirs + links + other),
	       (unsigned long long)used_blocks,
	       (unsigned long long)f->fs.blocks,
	       (unsigned long long)f->problems);
}

/* Check (and with f->repair, repair) the filesystem on @path. */
static int run(struct fsck *f, const char *path)
{
	u64 used_blocks = 0, used_inodes = 0, i;
	int ret;

	if (afs_open(&f->fs, path, f->repair ? DISK_RW | DISK_EXCL : 0))
		return FSCK_ERROR;
	ret = check_sb(f);
	if (ret) {
		if (!f->quiet)
			printf("atomfs: cannot check past the superblock, %llu problems\n",
			       (unsigned long long)f->problems);
		return ret;
	}
	ret = check_journal(f);
	if (ret)
		return ret;
	f->slot = xcalloc(f->fs.inodes, 1);
	f->idx = xcalloc(f->fs.inodes, sizeof(*f->idx));
	bitmap_init(&f->used, f->fs.bb_blocks);
	check_bitmap_blocks(f, AFS_BBITMAP, &f->disk_bb);
	check_bitmap_blocks(f, AFS_IBITMAP, &f->disk_ib);
	if (f->ioerr || scan_inodes(f))
		return FSCK_ERROR;
	/* In use as found: inode 0 and every slot that claims an inode */
	bitmap_init(&f->found_ib, f->fs.ib_blocks);
	bitmap_set(&f->found_ib, 0);
	for (i = 1; i < f->fs.inodes; i++)
		if (f->slot[i] == SLOT_LIVE || f->slot[i] == SLOT_BAD)
			bitmap_set(&f->found_ib, i);
	for (i = 0; i < f->nfi && !f->ioerr; i++)
		collect_inode(f, f->fi[i]);
	if (f->ioerr)
		return FSCK_ERROR;
	check_overlaps(f);
	for (i = 0; i < f->nfi; i++)
		if (S_ISREG(f->fi[i]->mode))
			check_units(f, f->fi[i]);
	check_namespace(f);
	check_counts(f);
	check_orphans(f);
	check_bitmaps_vs_found(f, &used_blocks, &used_inodes);
	if (f->ioerr)
		return FSCK_ERROR;

	/*
	 * A replay alone leaves nothing to write back.  -n looks for room
	 * to rebuild the damaged trees in as -y does, so that both name a
	 * repair that cannot be made.
	 */
	if ((f->problems || f->releases) && f->repair) {
		ret = write_repairs(f);
		if (ret == -ENOSPC) {
			problem(f, "no free blocks left to rebuild the damaged trees in: they cannot be repaired");
			print_summary(f, used_blocks);
			return FSCK_UNCORRECTED;
		}
		if (ret)
			return FSCK_ERROR;
		used_blocks = bitmap_weight(&f->used, 0, f->fs.blocks);
	} else if (f->problems && room_for_repairs(f) == -ENOSPC) {
		problem(f, "no free blocks left to rebuild the damaged trees in: they cannot be repaired");
	}
	print_summary(f, used_blocks);
	(void)used_inodes;
	if (!f->problems)
		return f->changes ? FSCK_CORRECTED : FSCK_OK;
	return f->repair ? FSCK_CORRECTED : FSCK_UNCORRECTED;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: fsck.atomfs [-n | -y] [-f] [-v] DEVICE|FILE\n"
		"  -n  check only, change nothing (the default); a journal that\n"
		"      needs recovery is recovered in memory and the filesystem\n"
		"      checked as the next mount would find it\n"
		"  -y  recover the journal, release orphan inodes as a mount would,\n"
		"      and repair every problem that can safely be repaired\n"
		"  -f  check even a clean filesystem (always done; for fsck(8))\n"
		"  -v  more detail\n"
		"Exit status: 0 no problems (-n: a journal needing recovery and\n"
		"orphans are none), 1 journal recovered, orphans released or\n"
		"problems corrected, 4 problems left, 8 operational error, 16 usage\n"
		"error.\n");
}

int main(int argc, char **argv)
{
	struct fsck f, again;
	bool no = false;
	int c, ret;

	progname = "fsck.atomfs";
	memset(&f, 0, sizeof(f));
	while ((c = getopt(argc, argv, "nyfvpah")) != -1) {
		switch (c) {
		case 'n':
			no = true;
			break;
		case 'y':
		case 'p':
		case 'a':
			f.repair = true;
			break;
		case 'f':
			break;
		case 'v':
			f.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return FSCK_OK;
		default:
			usage(stderr);
			return FSCK_USAGE;
		}
	}
	if (optind + 1 != argc || (no && f.repair)) {
		usage(stderr);
		return FSCK_USAGE;
	}
	ret = run(&f, argv[optind]);
	fsck_release(&f);
	if (ret != FSCK_CORRECTED)
		return ret;

	/* What was written must now check clean. */
	memset(&again, 0, sizeof(again));
	again.quiet = true;
	ret = run(&again, argv[optind]);
	fsck_release(&again);
	if (ret == FSCK_OK)
		return FSCK_CORRECTED;
	printf("atomfs: %llu problems remain after the repair:\n",
	       (unsigned long long)again.problems);
	memset(&again, 0, sizeof(again));
	run(&again, argv[optind]);
	fsck_release(&again);
	return FSCK_UNCORRECTED;
}
