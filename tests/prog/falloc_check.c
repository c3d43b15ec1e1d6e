// SPDX-License-Identifier: GPL-2.0
/*
 * falloc_check run|verify DIR
 *
 * run: fallocate mode 0 (size grows, allocated units read zeros, unwritten),
 * FALLOC_FL_KEEP_SIZE (size kept, units past EOF, unwritten),
 * FALLOC_FL_PUNCH_HOLE (whole units freed, partial units zeroed, the rest
 * intact, size kept), FALLOC_FL_ZERO_RANGE (zeros, allocation kept, size
 * grows without KEEP_SIZE), and the modes atomfs does not do (EOPNOTSUPP,
 * file untouched) and bad arguments (the errno of ext4/xfs).  After each
 * step, and again after sync + drop_caches: size, every byte, bytes mapped
 * (FIEMAP), ranges that must still be unwritten, and st_blocks against
 * the mapping.
 * verify: checks the final state of every file (after a remount).
 * The unit A is read from st_blksize.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define MAXSEG	4
#define MAXEXT	64

static long A;			/* the atomic unit */
static const char *dir;

struct range {
	long long off, len;
};

/* A file: its size, pattern runs (zeros elsewhere), mapping. */
struct expect {
	const char *name;
	long long size;
	long long mapped;		/* bytes of extents */
	struct {
		long long off, len;
		uint64_t seed;
	} seg[MAXSEG];
	struct range unwritten[MAXSEG];	/* must be unwritten extents */
};

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

static void falloc(int fd, int mode, long long off, long long len)
{
	CHECK(!fallocate(fd, mode, off, len), "fallocate mode %#x %lld+%lld",
	      mode, off, len);
}

static struct {
	struct fiemap fm;
	struct fiemap_extent fe[MAXEXT];
} fmap;

static void get_fiemap(int fd, const char *what)
{
	memset(&fmap, 0, sizeof(fmap));
	fmap.fm.fm_length = FIEMAP_MAX_OFFSET;
	fmap.fm.fm_flags = FIEMAP_FLAG_SYNC;
	fmap.fm.fm_extent_count = MAXEXT;
	EXPECT_OK(ioctl(fd, FS_IOC_FIEMAP, &fmap.fm));
	CHECK(fmap.fm.fm_mapped_extents < MAXEXT, "%s: %u extents", what,
	      fmap.fm.fm_mapped_extents);
}

/* Every byte of @r is in an unwritten extent. */
static int all_unwritten(struct range r)
{
	long long pos = r.off, end = r.off + r.len;
	unsigned int i;

	for (i = 0; i < fmap.fm.fm_mapped_extents && pos < end; i++) {
		struct fiemap_extent *e = &fmap.fm.fm_extents[i];
		long long s = e->fe_logical, t = s + e->fe_length;

		if (t <= pos)
			continue;
		if (s > pos || !(e->fe_flags & FIEMAP_EXTENT_UNWRITTEN))
			return 0;
		pos = t;
	}
	return pos >= end;
}

static void check(const struct expect *e, const char *when)
{
	char path[PATH_MAX];
	uint8_t *want, *got;
	long long mapped = 0, k, over;
	struct stat st;
	unsigned int i;
	ssize_t r;
	int fd;

	path_of(path, e->name);
	fd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_size == e->size, "%s (%s): size %lld, expected %lld",
	      e->name, when, (long long)st.st_size, e->size);

	want = calloc(1, e->size + 1);
	got = malloc(e->size + 4096);
	CHECK(want && got, "malloc");
	for (i = 0; i < MAXSEG && e->seg[i].len; i++)
		pattern_fill(want + e->seg[i].off, e->seg[i].len,
			     e->seg[i].seed, e->seg[i].off);
	r = pread(fd, got, e->size + 4096, 0);
	CHECK(r == e->size, "%s (%s): read %zd bytes of %lld", e->name, when,
	      r, e->size);
	for (k = 0; k < e->size; k++)
		CHECK(got[k] == want[k],
		      "%s (%s): byte %lld is 0x%02x, expected 0x%02x", e->name,
		      when, k, got[k], want[k]);
	free(want);
	free(got);

	get_fiemap(fd, e->name);
	for (i = 0; i < fmap.fm.fm_mapped_extents; i++) {
		struct fiemap_extent *x = &fmap.fm.fm_extents[i];

		CHECK(!((x->fe_logical | x->fe_physical | x->fe_length) %
			(unsigned long)A),
		      "%s (%s): extent %llu+%llu at %llu not unit-aligned",
		      e->name, when, (unsigned long long)x->fe_logical,
		      (unsigned long long)x->fe_length,
		      (unsigned long long)x->fe_physical);
		mapped += x->fe_length;
	}
	CHECK(mapped == e->mapped, "%s (%s): %lld bytes mapped, expected %lld",
	      e->name, when, mapped, e->mapped);
	for (i = 0; i < MAXSEG && e->unwritten[i].len; i++)
		CHECK(all_unwritten(e->unwritten[i]),
		      "%s (%s): %lld+%lld is not all unwritten", e->name, when,
		      e->unwritten[i].off, e->unwritten[i].len);

	/* st_blocks: the mapped units and a tree block or two. */
	EXPECT_OK(fstat(fd, &st));
	over = (long long)st.st_blocks * 512 - mapped;
	CHECK(over >= 0 && over % 4096 == 0 && over <= 2 * 4096,
	      "%s (%s): st_blocks %lld for %lld bytes mapped", e->name, when,
	      (long long)st.st_blocks, mapped);
	EXPECT_OK(close(fd));
}

static void check2(const struct expect *e, const char *when)
{
	check(e, when);
	drop_caches();
	check(e, when);
}

static int open_new(const char *name)
{
	char path[PATH_MAX];

	path_of(path, name);
	return EXPECT_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
}

static long long blocks_of(int fd)
{
	struct stat st;

	EXPECT_OK(fstat(fd, &st));
	return st.st_blocks;
}

/* Mode 0: size grows, units allocated unwritten, zeros; data kept. */
static const struct expect *mode0_final(void)
{
	static struct expect e;

	e = (struct expect){ "mode0", 11 * A + 1, 6 * A,
		{ { A + 7, 100, 11 } },
		{ { 0, A }, { 2 * A, 2 * A }, { 10 * A, 2 * A } } };
	return &e;
}

static void run_mode0(void)
{
	struct expect e = { "mode0", 3 * A + 100, 4 * A, { },
			    { { 0, 4 * A } } };
	int fd = open_new("mode0");
	long long b0 = blocks_of(fd);

	CHECK(b0 == 0, "new file: st_blocks %lld", b0);
	falloc(fd, 0, 0, 3 * A + 100);
	CHECK(blocks_of(fd) >= 4 * A / 512, "st_blocks did not grow");
	check2(&e, "after fallocate 0");

	falloc(fd, 0, 10 * A + 1, A);
	e.size = 11 * A + 1;
	e.mapped = 6 * A;
	e.unwritten[1] = (struct range){ 10 * A, 2 * A };
	check2(&e, "after a second fallocate 0 past EOF");

	write_pattern(fd, A + 7, 100, 11);
	falloc(fd, 0, 0, 2 * A);	/* over data: changes nothing */
	EXPECT_OK(close(fd));
	check2(mode0_final(), "after a write and fallocate 0 over it");
}

/* KEEP_SIZE: units past EOF, unwritten; a later write extends the size. */
static const struct expect *keep_final(void)
{
	static struct expect e;

	e = (struct expect){ "keep", 3 * A + 11, 6 * A,
		{ { 0, A + 5, 21 }, { 3 * A + 1, 10, 22 } },
		{ { 4 * A, 2 * A } } };
	return &e;
}

static void run_keep(void)
{
	struct expect e = { "keep", A + 5, 6 * A, { { 0, A + 5, 21 } },
			    { { 2 * A, 4 * A } } };
	int fd = open_new("keep");
	char c;

	write_pattern(fd, 0, A + 5, 21);
	EXPECT_OK(fsync(fd));
	falloc(fd, FALLOC_FL_KEEP_SIZE, 2 * A, 4 * A);
	CHECK(pread(fd, &c, 1, A + 5) == 0, "read past EOF after KEEP_SIZE");
	check2(&e, "after fallocate KEEP_SIZE past EOF");

	/* Inside EOF and already allocated: nothing changes. */
	falloc(fd, FALLOC_FL_KEEP_SIZE, 0, A);
	check(&e, "after fallocate KEEP_SIZE over data");

	write_pattern(fd, 3 * A + 1, 10, 22);
	EXPECT_OK(close(fd));
	check2(keep_final(), "after a write into the preallocated units");
}

/* PUNCH_HOLE: whole units freed, partial ones zeroed. */
static const struct expect *punch_final(void)
{
	static struct expect e;

	e = (struct expect){ "punch", 8 * A, 5 * A,
		{ { 0, 2 * A, 31 }, { 4 * A, A + 100, 31 },
		  { 6 * A + 200, 100, 31 } }, { } };
	return &e;
}

static void run_punch(void)
{
	const int ph = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	struct expect e = { "punch", 8 * A, 6 * A,
		{ { 0, 2 * A, 31 }, { 4 * A, 4 * A, 31 } }, { } };
	int fd = open_new("punch");
	long long b0, b1;
	uint8_t *zero = calloc(1, A);

	CHECK(zero, "calloc");
	write_pattern(fd, 0, 8 * A, 31);
	EXPECT_OK(fsync(fd));
	b0 = blocks_of(fd);
	falloc(fd, ph, 2 * A, 2 * A);
	b1 = blocks_of(fd);
	CHECK(b0 - b1 >= (2 * A - 4096) / 512,
	      "st_blocks %lld -> %lld after punching 2 units", b0, b1);
	check2(&e, "after punching whole units");

	/* Partial units: zeroed, kept. */
	falloc(fd, ph, 5 * A + 100, A + 100);
	falloc(fd, ph, 7 * A + 10, 10);
	e.seg[1] = (typeof(e.seg[1])){ 4 * A, A + 100, 31 };
	e.seg[2] = (typeof(e.seg[2])){ 6 * A + 200, A - 190, 31 };
	e.seg[3] = (typeof(e.seg[3])){ 7 * A + 20, A - 20, 31 };
	b0 = blocks_of(fd);
	check2(&e, "after punching inside units");
	CHECK(blocks_of(fd) == b0, "st_blocks changed by partial punches");

	/* A partial unit and a whole one: only the whole one goes. */
	falloc(fd, ph, 6 * A + 300, 2 * A - 300);
	/* Past EOF, and in a hole: nothing to do, size kept. */
	falloc(fd, ph, 8 * A, 2 * A);
	falloc(fd, ph, 2 * A + 5, A);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, A), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, ph, 0, 0), EINVAL);
	EXPECT_OK(close(fd));
	free(zero);
	check2(punch_final(), "after the last punches");
}

/*
 * ZERO_RANGE: zeros, allocation kept, units allocated where there were
 * none (unwritten); without KEEP_SIZE the size grows.
 */
static const struct expect *zero_final(void)
{
	static struct expect e;

	e = (struct expect){ "zero", 9 * A + 5, 11 * A,
		{ { 0, A + 100, 41 }, { 3 * A + 50, 2 * A - 49, 41 },
		  { 5 * A + 2, 3 * A - 12, 41 } },
		{ { 8 * A, 3 * A } } };
	return &e;
}

static void run_zero(void)
{
	struct expect e = { "zero", 8 * A, 8 * A,
		{ { 0, A + 100, 41 }, { 3 * A + 50, 5 * A - 50, 41 } }, { } };
	int fd = open_new("zero");
	long long b0;

	write_pattern(fd, 0, 8 * A, 41);
	EXPECT_OK(fsync(fd));
	b0 = blocks_of(fd);
	falloc(fd, FALLOC_FL_ZERO_RANGE, A + 100, 2 * A - 50);
	check2(&e, "after ZERO_RANGE");
	CHECK(blocks_of(fd) == b0, "ZERO_RANGE changed st_blocks");

	falloc(fd, FALLOC_FL_ZERO_RANGE, 5 * A + 1, 1);
	falloc(fd, FALLOC_FL_ZERO_RANGE, 8 * A - 10, A + 15);
	falloc(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 9 * A, 2 * A);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, A), EOPNOTSUPP);
	EXPECT_OK(close(fd));
	check2(zero_final(), "after ZERO_RANGE past EOF");
}

/* What atomfs does not do fails as on ext4, and changes nothing. */
static const struct expect *unsup_final(void)
{
	static struct expect e;

	e = (struct expect){ "unsupported", 4 * A, 4 * A,
		{ { 0, 4 * A, 51 } }, { } };
	return &e;
}

static void run_unsupported(void)
{
	int fd = open_new("unsupported");
	char path[PATH_MAX];
	int rfd;

	write_pattern(fd, 0, 4 * A, 51);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, A), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, FALLOC_FL_NO_HIDE_STALE, 0, 8 * A),
		     EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, 0x1000, 0, A), EOPNOTSUPP);
	EXPECT_ERRNO(fallocate(fd, 0, -1, A), EINVAL);
	EXPECT_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
	EXPECT_ERRNO(fallocate(fd, 0, LLONG_MAX - A, 2 * A), EFBIG);
	EXPECT_OK(close(fd));

	path_of(path, "unsupported");
	rfd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_ERRNO(fallocate(rfd, 0, 0, 8 * A), EBADF);
	EXPECT_OK(close(rfd));
	rfd = EXPECT_OK(open(dir, O_RDONLY | O_DIRECTORY));
	EXPECT_ERRNO(fallocate(rfd, 0, 0, A), EBADF);
	EXPECT_OK(close(rfd));
	check2(unsup_final(), "after unsupported modes");
}

int main(int argc, char **argv)
{
	const struct expect *(*finals[])(void) = {
		mode0_final, keep_final, punch_final, zero_final, unsup_final,
	};
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	int fd;

	test_name = "falloc_check";
	if (argc != 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "verify")))
		die("usage: falloc_check run|verify DIR");
	dir = argv[2];

	path_of(path, "unit-probe");
	fd = EXPECT_OK(open(path, O_RDWR | O_CREAT, 0644));
	EXPECT_OK(fstat(fd, &st));
	EXPECT_OK(close(fd));
	A = st.st_blksize;
	CHECK(A >= 4096 && !(A & (A - 1)), "st_blksize %ld", A);

	if (!strcmp(argv[1], "run")) {
		run_mode0();
		run_keep();
		run_punch();
		run_zero();
		run_unsupported();
	}
	for (i = 0; i < sizeof(finals) / sizeof(finals[0]); i++)
		check(finals[i](), argv[1]);
	printf("falloc_check: %s: ok (unit %ld)\n", argv[1], A);
	return 0;
}
