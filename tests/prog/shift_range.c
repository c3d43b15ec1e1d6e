// SPDX-License-Identifier: GPL-2.0
/*
 * shift_range run|verify DIR
 *
 * run: FALLOC_FL_COLLAPSE_RANGE and FALLOC_FL_INSERT_RANGE in whole units
 * (the unit A is st_blksize), checked against a copy of each file kept in
 * memory after every step and again after sync + drop_caches:
 * - a file of written units: collapse and insert at its start, middle and
 *   last unit, st_blocks shrinking and growing by what was freed, the
 *   inserted range a hole (FIEMAP);
 * - holes and unwritten extents (fallocate mode 0 and KEEP_SIZE past EOF)
 *   moved with the data;
 * - RWF_ATOMIC units written and still dirty in the page cache, moved with
 *   the rest;
 * - what must fail, each leaving the file as it was: offset or length not
 *   a multiple of A (EINVAL), collapse reaching EOF, insert at or past EOF
 *   (EINVAL), insert past the largest file size (EFBIG), other mode bits
 *   with either (EOPNOTSUPP, as the VFS of 6.12 answers);
 * - a tree of many extents, several levels deep;
 * - a seeded random mix of plain and RWF_ATOMIC writes, punch, zero range,
 *   fallocate, truncate, collapse and insert.
 * Each file's expected contents are saved under /tmp for verify.
 * verify: every file matches its saved contents (after a remount).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

#define MAXFILE		(16LL << 20)
#define NFILES		5

static long long A;			/* the atomic unit */
static const char *dir;
static int have_atomic = 1;

/* A file and what it must read as. */
struct file {
	const char *name;
	int fd;
	long long size;
	uint8_t *want;			/* MAXFILE + a unit of slack */
};

static struct file files[NFILES] = {
	{ .name = "units" }, { .name = "sparse" }, { .name = "atomic" },
	{ .name = "random" }, { .name = "many" },
};

static uint64_t rnd_state = 0x1234;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? rnd_state % n : 0;
}

static void model_path(char *buf, const struct file *f)
{
	snprintf(buf, PATH_MAX, "/tmp/shift_range.%s", f->name);
}

static void open_file(struct file *f, int create)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	f->fd = EXPECT_OK(open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0),
			       0644));
	if (!f->want) {
		f->want = calloc(1, MAXFILE + A);
		CHECK(f->want, "malloc");
	}
}

static void check(struct file *f, const char *when)
{
	static uint8_t *got;
	struct stat st;
	long long k;
	ssize_t r;

	if (!got) {
		got = malloc(MAXFILE + A);
		CHECK(got, "malloc");
	}
	EXPECT_OK(fstat(f->fd, &st));
	CHECK(st.st_size == f->size, "%s (%s): size %lld, expected %lld",
	      f->name, when, (long long)st.st_size, f->size);
	r = pread(f->fd, got, MAXFILE + A, 0);
	CHECK(r == f->size, "%s (%s): read %zd of %lld bytes", f->name, when,
	      r, f->size);
	if (!memcmp(got, f->want, f->size))
		return;
	for (k = 0; k < f->size; k++)
		CHECK(got[k] == f->want[k],
		      "%s (%s): byte %lld is 0x%02x, expected 0x%02x",
		      f->name, when, k, got[k], f->want[k]);
}

static void check2(struct file *f, const char *when)
{
	check(f, when);
	sync();
	drop_caches();
	check(f, when);
}

static void do_write(struct file *f, long long off, long long len,
		     uint64_t seed)
{
	pattern_fill(f->want + off, len, seed, off);
	CHECK(pwrite(f->fd, f->want + off, len, off) == len,
	      "%s: write %lld+%lld", f->name, off, len);
	if (off + len > f->size)
		f->size = off + len;
}

/* One unit with RWF_ATOMIC; a plain write where the mount refuses it. */
static void do_atomic(struct file *f, long long off, uint64_t seed)
{
	struct iovec iov = { f->want + off, A };
	ssize_t r;

	pattern_fill(f->want + off, A, seed, off);
	if (have_atomic) {
		r = pwritev2(f->fd, &iov, 1, off, RWF_ATOMIC);
		if (r < 0 && errno == EOPNOTSUPP)
			have_atomic = 0;
		else
			CHECK(r == A, "%s: RWF_ATOMIC write at %lld",
			      f->name, off);
	}
	if (!have_atomic)
		CHECK(pwrite(f->fd, f->want + off, A, off) == A,
		      "%s: write at %lld", f->name, off);
	if (off + A > f->size)
		f->size = off + A;
}

static void do_collapse(struct file *f, long long off, long long len)
{
	CHECK(!fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE, off, len),
	      "%s: collapse %lld+%lld of %lld", f->name, off, len, f->size);
	memmove(f->want + off, f->want + off + len, f->size - off - len);
	f->size -= len;
	memset(f->want + f->size, 0, len);
}

static void do_insert(struct file *f, long long off, long long len)
{
	CHECK(!fallocate(f->fd, FALLOC_FL_INSERT_RANGE, off, len),
	      "%s: insert %lld+%lld of %lld", f->name, off, len, f->size);
	memmove(f->want + off + len, f->want + off, f->size - off);
	memset(f->want + off, 0, len);
	f->size += len;
}

static void do_falloc(struct file *f, int mode, long long off, long long len)
{
	CHECK(!fallocate(f->fd, mode, off, len), "%s: fallocate %#x %lld+%lld",
	      f->name, mode, off, len);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		memset(f->want + off, 0,
		       (off + len < f->size ? off + len : f->size) > off ?
		       (off + len < f->size ? off + len : f->size) - off : 0);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > f->size)
		f->size = off + len;
}

static void do_truncate(struct file *f, long long size)
{
	EXPECT_OK(ftruncate(f->fd, size));
	if (size < f->size)
		memset(f->want + size, 0, f->size - size);
	f->size = size;
}

static long long blocks_of(struct file *f)
{
	struct stat st;

	EXPECT_OK(fstat(f->fd, &st));
	return st.st_blocks;
}

/* No extent of @f maps a byte of [@off, @off + @len). */
static void check_hole(struct file *f, long long off, long long len)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[64];
	} m;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.fm.fm_start = off;
	m.fm.fm_length = len;
	m.fm.fm_flags = FIEMAP_FLAG_SYNC;
	m.fm.fm_extent_count = 64;
	EXPECT_OK(ioctl(f->fd, FS_IOC_FIEMAP, &m.fm));
	for (i = 0; i < m.fm.fm_mapped_extents; i++) {
		struct fiemap_extent *e = &m.fm.fm_extents[i];

		CHECK(e->fe_logical + e->fe_length <= (unsigned long long)off ||
		      e->fe_logical >= (unsigned long long)(off + len),
		      "%s: extent %llu+%llu in the hole %lld+%lld", f->name,
		      (unsigned long long)e->fe_logical,
		      (unsigned long long)e->fe_length, off, len);
	}
}

/* Written units: edges, middle, st_blocks, the hole an insert leaves. */
static void run_units(struct file *f)
{
	long long b;
	int i;

	open_file(f, 1);
	for (i = 0; i < 16; i++)
		do_write(f, i * A, A, 100 + i);
	check2(f, "written");
	/* The last close gives back the blocks allocated ahead. */
	EXPECT_OK(close(f->fd));
	open_file(f, 0);
	b = blocks_of(f);
	do_collapse(f, 0, A);
	check(f, "collapse of the first unit");
	do_collapse(f, 5 * A, 3 * A);
	check(f, "collapse in the middle");
	do_collapse(f, f->size - 2 * A, A);
	check2(f, "collapse of the unit before the last");
	CHECK(b - blocks_of(f) >= 5 * A / 512 &&
	      b - blocks_of(f) <= 5 * A / 512 + 2 * 4096 / 512,
	      "st_blocks %lld after freeing 5 units of %lld", blocks_of(f), b);

	b = blocks_of(f);
	do_insert(f, 0, A);
	check_hole(f, 0, A);
	check(f, "insert at 0");
	do_insert(f, 4 * A, 2 * A);
	check_hole(f, 4 * A, 2 * A);
	check(f, "insert in the middle");
	do_insert(f, f->size - A, A);
	check2(f, "insert before the last unit");
	CHECK(blocks_of(f) <= b + 2 * 4096 / 512,
	      "st_blocks %lld after inserting holes (was %lld)", blocks_of(f),
	      b);
	/* Data into the holes, then a partial last unit moved whole. */
	do_write(f, 4 * A + 3, A, 7);
	do_write(f, f->size, A / 2 + 1, 8);
	check2(f, "writes into the inserted range");
	do_collapse(f, A, 2 * A);
	do_insert(f, 2 * A, 4 * A);
	check2(f, "a partial last unit moved");
}

/* Holes and unwritten extents move with the data. */
static void run_sparse(struct file *f)
{
	open_file(f, 1);
	do_write(f, 0, A, 200);
	do_falloc(f, 0, 2 * A, 3 * A);
	do_write(f, 8 * A, 2 * A, 201);
	do_write(f, 12 * A, A, 202);
	do_falloc(f, FALLOC_FL_KEEP_SIZE, 13 * A, 4 * A);
	check2(f, "sparse");
	do_collapse(f, A, A);
	check(f, "collapse of a hole");
	do_collapse(f, 2 * A, A);
	check(f, "collapse of an unwritten unit");
	do_insert(f, 2 * A, A);
	check_hole(f, 2 * A, A);
	check(f, "insert into an unwritten extent");
	do_insert(f, 6 * A, 3 * A);
	check2(f, "insert into a hole");
	/* Units past EOF go on mapping the same place after EOF. */
	do_falloc(f, 0, f->size, 2 * A);
	do_write(f, f->size - A, A, 203);
	check2(f, "blocks kept past EOF moved");
}

/* RWF_ATOMIC units still dirty in the page cache move whole. */
static void run_atomic(struct file *f)
{
	int i;

	open_file(f, 1);
	for (i = 0; i < 12; i++)
		do_write(f, i * A, A, 300 + i);
	EXPECT_OK(fsync(f->fd));
	for (i = 2; i < 12; i += 2)
		do_atomic(f, i * A, 320 + i);
	do_collapse(f, 3 * A, A);
	check(f, "collapse below dirty atomic units");
	for (i = 1; i < 10; i += 3)
		do_atomic(f, i * A, 340 + i);
	do_insert(f, A, 2 * A);
	check2(f, "insert below dirty atomic units");
	do_atomic(f, 2 * A, 360);
	do_atomic(f, 5 * A, 361);
	do_collapse(f, 2 * A, 2 * A);
	check2(f, "collapse of a dirty atomic unit");
}

/* What must fail leaves the file as it was. */
static void run_errors(struct file *f)
{
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE, A / 2, A),
		     EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE, A, A / 2),
		     EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, A / 2, A),
		     EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, A, A + 512),
		     EINVAL);
	if (A > 4096) {
		EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE, 4096,
				       4096), EINVAL);
		EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, 4096,
				       4096), EINVAL);
	}
	/* Up to EOF and past it */
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE,
			       f->size - A, A), EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE, 0,
			       f->size + A), EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, f->size, A),
		     EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, f->size + A, A),
		     EINVAL);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE, 0,
			       (LLONG_MAX / A - 1) * A), EFBIG);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_COLLAPSE_RANGE |
			       FALLOC_FL_KEEP_SIZE, 0, A), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(f->fd, FALLOC_FL_INSERT_RANGE |
			       FALLOC_FL_KEEP_SIZE, 0, A), EOPNOTSUPP);
	check2(f, "after refused calls");
}

/*
 * A tree of several levels: every other unit written, each its own
 * extent; collapse and insert in the middle move keys in many nodes, and
 * collapsing a hole lets its neighbours merge.
 */
static void run_many(struct file *f)
{
	long long n = MAXFILE / 4 / A, i;

	if (n > 2000)
		n = 2000;
	open_file(f, 1);
	for (i = 0; i < n; i++)
		do_write(f, 2 * i * A, A, 500 + i);
	check2(f, "every other unit");
	do_collapse(f, A, A);
	do_collapse(f, n / 2 * A, 5 * A);
	check2(f, "collapse in a tree of many extents");
	do_insert(f, 3 * A, A);
	do_insert(f, n / 3 * A, 3 * A);
	check2(f, "insert in a tree of many extents");
	for (i = 0; i < 20; i++)
		do_collapse(f, (n / 2 + i) * A, A);
	for (i = 0; i < 20; i++)
		do_insert(f, (n / 4 + 3 * i) * A, A);
	check2(f, "many moves");
}

/* A seeded mix of everything. */
static void run_random(struct file *f, unsigned int ops)
{
	long long units = MAXFILE / 8 / A < 32 ? MAXFILE / 8 / A : 32;
	long long off, len;
	unsigned int i;
	char what[64];

	open_file(f, 1);
	for (i = 0; i < ops; i++) {
		long long su = (f->size + A - 1) / A;

		off = rnd(units) * A;
		len = (1 + rnd(4)) * A;
		switch (rnd(10)) {
		case 0:
		case 1:
			off += rnd(A);
			len = 1 + rnd(3 * A);
			if (off + len < MAXFILE / 2)
				do_write(f, off, len, 1000 + i);
			break;
		case 2:
			do_atomic(f, off, 1000 + i);
			break;
		case 3:
			do_falloc(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  off + rnd(A), len);
			break;
		case 4:
			do_falloc(f, rnd(2) ? FALLOC_FL_ZERO_RANGE :
				  FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				  off, len);
			break;
		case 5:
			do_falloc(f, rnd(2) ? 0 : FALLOC_FL_KEEP_SIZE, off,
				  len);
			break;
		case 6:
			if (rnd(4) == 0)
				do_truncate(f, rnd(units * A));
			else if (su > 1)
				do_falloc(f, 0, f->size, A);
			break;
		case 7:
		case 8:
			if (su < 2)
				break;
			off = rnd(su - 1) * A;
			len = (1 + rnd(su - 1 - off / A)) * A;
			if (off + len < f->size)
				do_collapse(f, off, len);
			break;
		case 9:
			if (!f->size || f->size + len > MAXFILE / 2)
				break;
			do_insert(f, rnd(su) * A, len);
			break;
		}
		snprintf(what, sizeof(what), "random op %u", i);
		if (i % 16 == 15)
			check2(f, what);
		else
			check(f, what);
	}
}

static void save(struct file *f)
{
	char path[PATH_MAX];
	int fd;

	model_path(path, f);
	fd = EXPECT_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK(write(fd, f->want, f->size) == f->size, "save %s", path);
	EXPECT_OK(close(fd));
	EXPECT_OK(close(f->fd));
}

static void load(struct file *f)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	open_file(f, 0);
	model_path(path, f);
	fd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_OK(fstat(fd, &st));
	f->size = st.st_size;
	CHECK(read(fd, f->want, f->size) == f->size, "load %s", path);
	EXPECT_OK(close(fd));
}

int main(int argc, char **argv)
{
	struct stat st;
	int i;

	test_name = "shift_range";
	if (argc != 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "verify"))) {
		fprintf(stderr, "usage: shift_range run|verify DIR\n");
		return 2;
	}
	dir = argv[2];
	/* A directory's st_blksize is not the unit: a file's is. */
	i = EXPECT_OK(openat(AT_FDCWD, dir, O_TMPFILE | O_RDWR, 0600));
	EXPECT_OK(fstat(i, &st));
	EXPECT_OK(close(i));
	A = st.st_blksize;
	CHECK(A >= 4096 && A <= (1 << 20), "st_blksize %lld", A);

	if (!strcmp(argv[1], "verify")) {
		for (i = 0; i < NFILES; i++) {
			load(&files[i]);
			check2(&files[i], "verify");
		}
		printf("shift_range: %d files verified\n", NFILES);
		return 0;
	}
	run_units(&files[0]);
	run_errors(&files[0]);
	run_sparse(&files[1]);
	run_atomic(&files[2]);
	run_random(&files[3], 200);
	run_many(&files[4]);
	for (i = 0; i < NFILES; i++)
		save(&files[i]);
	printf("shift_range: unit %lld, RWF_ATOMIC %s\n", A,
	       have_atomic ? "used" : "refused, plain writes");
	return 0;
}
