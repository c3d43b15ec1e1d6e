// SPDX-License-Identifier: GPL-2.0
/*
 * truncate_check run|verify DIR
 *
 * run: truncates files up, down to the middle of a unit and up again, to
 * zero, and while mmap'ed, checking after each step (and again after
 * sync + drop_caches) that the data before the cut is intact, that what
 * lies past an old end of file reads as zeros (inside the last partial
 * unit too, even with junk written past EOF through mmap), that old bytes
 * never reappear, and (FIEMAP) that truncating down frees the units past
 * the new end and truncating up allocates nothing.
 * verify: checks every file's final contents and mapping (after remount).
 * The unit A is read from st_blksize.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define PAGE	4096L

static long A;			/* the atomic unit */
static const char *dir;

/* A run of pattern bytes; everything outside the runs reads as zeros. */
struct seg {
	off_t off;
	size_t len;
	uint64_t seed;
};

#define MAXSEG	4

struct expect {
	const char *name;
	off_t size;
	long long mapped;	/* bytes of extents (FIEMAP) */
	int nseg;
	struct seg seg[MAXSEG];
};

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

/* Bytes mapped by extents, all of them below the end of the last unit. */
static long long mapped_bytes(int fd, off_t size, const char *what)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[32];
	} f;
	long long sum = 0, end = size > LLONG_MAX - A ? LLONG_MAX :
					 (size + A - 1) / A * A;
	unsigned int i;

	memset(&f, 0, sizeof(f));
	f.fm.fm_length = FIEMAP_MAX_OFFSET;
	f.fm.fm_flags = FIEMAP_FLAG_SYNC;
	f.fm.fm_extent_count = 32;
	EXPECT_OK(ioctl(fd, FS_IOC_FIEMAP, &f.fm));
	CHECK(f.fm.fm_mapped_extents < 32, "%s: %u extents", what,
	      f.fm.fm_mapped_extents);
	for (i = 0; i < f.fm.fm_mapped_extents; i++) {
		struct fiemap_extent *e = &f.fm.fm_extents[i];

		CHECK((long long)(e->fe_logical + e->fe_length) <= end,
		      "%s: extent %llu+%llu past the last unit of size %lld",
		      what, (unsigned long long)e->fe_logical,
		      (unsigned long long)e->fe_length, (long long)size);
		sum += e->fe_length;
	}
	return sum;
}

/* The file holds exactly what @e says: size, bytes, mapped units. */
static void check(const struct expect *e, const char *when)
{
	char path[PATH_MAX];
	uint8_t *want, *got;
	struct stat st;
	long long mapped;
	ssize_t r;
	int fd, i;
	off_t k;

	path_of(path, e->name);
	fd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_size == e->size, "%s (%s): size %lld, expected %lld",
	      e->name, when, (long long)st.st_size, (long long)e->size);

	want = calloc(1, e->size + 1);
	got = malloc(e->size + PAGE);
	CHECK(want && got, "malloc");
	for (i = 0; i < e->nseg; i++)
		pattern_fill(want + e->seg[i].off, e->seg[i].len,
			     e->seg[i].seed, e->seg[i].off);
	r = pread(fd, got, e->size + PAGE, 0);
	CHECK(r == e->size, "%s (%s): read %zd bytes of %lld", e->name, when,
	      r, (long long)e->size);
	for (k = 0; k < e->size; k++)
		CHECK(got[k] == want[k],
		      "%s (%s): byte %lld is 0x%02x, expected 0x%02x%s",
		      e->name, when, (long long)k, got[k], want[k],
		      want[k] ? "" : " (zero)");

	mapped = mapped_bytes(fd, e->size, e->name);
	CHECK(mapped == e->mapped,
	      "%s (%s): %lld bytes mapped, expected %lld", e->name, when,
	      mapped, e->mapped);
	EXPECT_OK(close(fd));
	free(want);
	free(got);
}

/* Check now, and again from the device after sync and drop_caches. */
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

/*
 * Up from a size inside a unit, with junk written through mmap past EOF
 * in the last page and left dirty there: the junk must not show.  "up"
 * has its data on disk (written extents) before, "up_dirty" only in the
 * page cache (over unwritten extents).
 */
static const struct expect *up_final(void)
{
	static struct expect e;

	e = (struct expect){ "up", 5 * A + 77, 4 * A, 1, {
		{ 0, 3 * A + 1234, 11 } } };
	return &e;
}

static const struct expect *up_dirty_final(void)
{
	static struct expect e;

	e = (struct expect){ "up_dirty", 2 * A + 5, 2 * A, 1, {
		{ 0, A + 4095, 12 } } };
	return &e;
}

static void run_up(const struct expect *e, int sync_first)
{
	off_t s1 = e->seg[0].len;
	off_t mlen = (s1 + PAGE - 1) / PAGE * PAGE;
	int fd = open_new(e->name);
	uint8_t *map;

	write_pattern(fd, 0, s1, e->seg[0].seed);
	if (sync_first)
		EXPECT_OK(fsync(fd));
	map = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	CHECK(mlen > s1, "no room past EOF in the last page");
	memset(map + s1, 0xee, mlen - s1);
	EXPECT_OK(munmap(map, mlen));

	EXPECT_OK(ftruncate(fd, e->size));
	EXPECT_OK(close(fd));
	check2(e, "after truncate up");
}

/* Down mid-unit from written data, up, then a write past EOF. */
static const struct expect *downup_final(void)
{
	static struct expect e;

	e = (struct expect){ "downup", 6 * A + 13, 3 * A, 2, {
		{ 0, A + 100, 21 }, { 6 * A + 3, 10, 22 } } };
	return &e;
}

static void run_downup(void)
{
	struct expect e = { "downup", A + 100, 2 * A, 1, { { 0, A + 100, 21 } } };
	int fd = open_new("downup");

	write_pattern(fd, 0, 4 * A, 21);
	EXPECT_OK(fsync(fd));
	drop_caches();		/* the cut unit must be read to be zeroed */
	EXPECT_OK(ftruncate(fd, A + 100));
	check2(&e, "after truncate down to mid-unit");

	EXPECT_OK(ftruncate(fd, 4 * A));
	e.size = 4 * A;
	check2(&e, "after truncate down then up");

	write_pattern(fd, 6 * A + 3, 10, 22);
	EXPECT_OK(close(fd));
	check2(downup_final(), "after a write past EOF");
}

/* Down from dirty data (never written back) to one byte into a page. */
static const struct expect *dirty_final(void)
{
	static struct expect e;

	e = (struct expect){ "dirty", 3 * A, 3 * A, 1, {
		{ 0, 2 * A + PAGE + 1, 31 } } };
	return &e;
}

static void run_dirty(void)
{
	int fd = open_new("dirty");

	write_pattern(fd, 0, 4 * A, 31);
	EXPECT_OK(ftruncate(fd, 2 * A + PAGE + 1));
	EXPECT_OK(ftruncate(fd, 3 * A));
	EXPECT_OK(close(fd));
	check2(dirty_final(), "after truncate of dirty data down then up");
}

/* Down to a unit boundary: the units past it are freed. */
static const struct expect *aligned_final(void)
{
	static struct expect e;

	e = (struct expect){ "aligned", 3 * A, A, 1, { { 0, A, 41 } } };
	return &e;
}

static void run_aligned(void)
{
	struct expect e = { "aligned", A, A, 1, { { 0, A, 41 } } };
	int fd = open_new("aligned");

	write_pattern(fd, 0, 3 * A, 41);
	EXPECT_OK(fsync(fd));
	EXPECT_OK(ftruncate(fd, A));
	check2(&e, "after truncate down to a unit boundary");
	EXPECT_OK(ftruncate(fd, 3 * A));
	EXPECT_OK(close(fd));
	check2(aligned_final(), "after truncate down to a unit boundary, up");
}

/* To zero, then a write after a hole. */
static const struct expect *zero_final(void)
{
	static struct expect e;

	e = (struct expect){ "zero", 2 * A + 107, A, 1, {
		{ 2 * A + 7, 100, 52 } } };
	return &e;
}

static void run_zero(void)
{
	struct expect e = { "zero", 0, 0, 0, { } };
	struct stat st;
	char c;
	int fd = open_new("zero");

	write_pattern(fd, 0, 2 * A + 5, 51);
	EXPECT_OK(fsync(fd));
	write_pattern(fd, A, 10, 53);		/* and some dirty data */
	EXPECT_OK(ftruncate(fd, 0));
	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_blocks == 0, "st_blocks %lld after truncate to 0",
	      (long long)st.st_blocks);
	CHECK(pread(fd, &c, 1, 0) == 0, "read after truncate to 0");
	check2(&e, "after truncate to 0");
	write_pattern(fd, 2 * A + 7, 100, 52);
	EXPECT_OK(close(fd));
	check2(zero_final(), "after truncate to 0 and a write");
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

/* Touch @p; true when that raised SIGBUS. */
static int faults(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile int hit = 0;

	sigemptyset(&sa.sa_mask);
	EXPECT_OK(sigaction(SIGBUS, &sa, &old));
	if (!sigsetjmp(sigbus_jmp, 1))
		(void)*p;
	else
		hit = 1;
	EXPECT_OK(sigaction(SIGBUS, &old, NULL));
	return hit;
}

/* ftruncate down and up while the file is mapped and written through it. */
static const struct expect *mmap_final(void)
{
	static struct expect e;

	e = (struct expect){ "mmap", 3 * A, 3 * A, 2, {
		{ 0, A + 100, 62 }, { 2 * A, 50, 63 } } };
	return &e;
}

static void run_mmap(void)
{
	off_t cut = A + 100, cut_page = (cut + PAGE - 1) / PAGE * PAGE;
	int fd = open_new("mmap");
	uint8_t *map, *buf = malloc(4 * A);
	off_t k;

	CHECK(buf, "malloc");
	write_pattern(fd, 0, 4 * A, 61);
	map = mmap(NULL, 4 * A, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	pattern_fill(buf, 4 * A, 62, 0);
	memcpy(map, buf, 4 * A);

	EXPECT_OK(ftruncate(fd, cut));
	CHECK(pattern_check(map, cut, 62, 0) < 0,
	      "mapping before the cut changed by ftruncate");
	for (k = cut; k < cut_page; k++)
		CHECK(!map[k], "mapped byte %lld past the new EOF is 0x%02x",
		      (long long)k, map[k]);
	CHECK(faults(map + cut_page),
	      "no SIGBUS on the page after the new EOF");
	CHECK(faults(map + 4 * A - 1), "no SIGBUS at the old end of file");

	EXPECT_OK(ftruncate(fd, 3 * A));
	CHECK(!faults(map + 3 * A - 1), "SIGBUS inside the extended file");
	for (k = cut; k < 3 * A; k++)
		CHECK(!map[k], "mapped byte %lld is 0x%02x after extending",
		      (long long)k, map[k]);
	pattern_fill(buf, 50, 63, 2 * A);
	memcpy(map + 2 * A, buf, 50);
	EXPECT_OK(msync(map, 3 * A, MS_SYNC));
	EXPECT_OK(munmap(map, 4 * A));
	EXPECT_OK(close(fd));
	free(buf);
	check2(mmap_final(), "after ftruncate of a mapped file");
}

/* To the largest size and back: nothing allocated, data kept. */
static const struct expect *huge_final(void)
{
	static struct expect e;

	e = (struct expect){ "huge", A / 2 + 3, A, 1, {
		{ 0, A / 2 + 3, 71 } } };
	return &e;
}

static void run_huge(void)
{
	static const off_t sizes[] = { 1LL << 40, LLONG_MAX };
	struct stat st;
	int fd = open_new("huge");
	uint8_t buf[64];
	unsigned int i;

	write_pattern(fd, 0, A, 71);
	for (i = 0; i < 2; i++) {
		EXPECT_OK(ftruncate(fd, sizes[i]));
		EXPECT_OK(fstat(fd, &st));
		CHECK(st.st_size == sizes[i], "size %lld after ftruncate %lld",
		      (long long)st.st_size, (long long)sizes[i]);
		CHECK(mapped_bytes(fd, st.st_size, "huge") == A,
		      "truncate up to %lld allocated blocks",
		      (long long)sizes[i]);
	}
	CHECK(pread(fd, buf, sizeof(buf), (1LL << 40) - 7) == sizeof(buf),
	      "read at 1 TiB in a huge file");
	for (i = 0; i < sizeof(buf); i++)
		CHECK(!buf[i], "byte at 1 TiB - 7 + %u is not zero", i);
	EXPECT_OK(ftruncate(fd, A / 2 + 3));
	EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
	EXPECT_OK(close(fd));
	check2(huge_final(), "after truncate to the maximum size and back");
}

int main(int argc, char **argv)
{
	const struct expect *(*finals[])(void) = {
		up_final, up_dirty_final, downup_final, dirty_final, aligned_final,
		zero_final, mmap_final, huge_final,
	};
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	int fd;

	test_name = "truncate_check";
	if (argc != 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "verify")))
		die("usage: truncate_check run|verify DIR");
	dir = argv[2];

	path_of(path, "unit-probe");
	fd = EXPECT_OK(open(path, O_RDWR | O_CREAT, 0644));
	EXPECT_OK(fstat(fd, &st));
	EXPECT_OK(close(fd));
	A = st.st_blksize;
	CHECK(A >= PAGE && !(A & (A - 1)), "st_blksize %ld", A);

	if (!strcmp(argv[1], "run")) {
		run_up(up_final(), 1);
		run_up(up_dirty_final(), 0);
		run_downup();
		run_dirty();
		run_aligned();
		run_zero();
		run_mmap();
		run_huge();
	}
	for (i = 0; i < sizeof(finals) / sizeof(finals[0]); i++)
		check(finals[i](), argv[1]);
	printf("truncate_check: %s: ok (unit %ld)\n", argv[1], A);
	return 0;
}
