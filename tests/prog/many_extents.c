// SPDX-License-Identifier: GPL-2.0
/*
 * many_extents write|verify FILE UNIT COUNT DUMP MAX_SECONDS
 *
 * write: makes FILE hold COUNT one-unit extents with a one-unit hole
 * before each of the next (unit i at byte 2 * i * UNIT), then checks it.
 * verify: checks it only (after a remount: nothing cached).
 * Checks: FS_IOC_FIEMAP, in batches, must list exactly those extents
 * (unit-aligned logical and physical offsets, one unit long, written, no
 * two overlapping on disk, FIEMAP_EXTENT_LAST on the last only); a count
 * query must agree; SEEK_DATA/SEEK_HOLE must find the same runs; random
 * reads and a full sequential read must return each unit's data and zeros
 * in the holes.  Each of those lookups-heavy phases must take less than
 * MAX_SECONDS.  The extent list is written to DUMP as 'lblk pblk len'
 * lines in 4 KiB blocks, the format of atomfs-debug's extents command.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#define BATCH	509	/* extents per FIEMAP call: not a divisor of COUNT */

static unsigned long unit;
static unsigned long count;
static double max_seconds;
static const char *path;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void phase_done(const char *what, double start)
{
	double t = now() - start;

	printf("many_extents: %s: %.2f s\n", what, t);
	CHECK(t < max_seconds, "%s took %.1f s, limit %.0f s", what, t,
	      max_seconds);
}

/* Unit @i of the file: 64-bit words that name the unit and the word. */
static void unit_fill(uint64_t *buf, unsigned long i)
{
	unsigned long w;

	for (w = 0; w < unit / 8; w++)
		buf[w] = (uint64_t)i << 32 ^ w ^ 0xa70f5a70f5000000ULL;
}

static void unit_check(const uint64_t *buf, unsigned long i, const char *how)
{
	unsigned long w;

	for (w = 0; w < unit / 8; w++) {
		uint64_t want = (uint64_t)i << 32 ^ w ^ 0xa70f5a70f5000000ULL;

		CHECK(buf[w] == want,
		      "%s: %s: unit %lu word %lu is %#llx, expected %#llx",
		      path, how, i, w, (unsigned long long)buf[w],
		      (unsigned long long)want);
	}
}

static void hole_check(const uint64_t *buf, unsigned long len, off_t off,
		       const char *how)
{
	unsigned long w;

	for (w = 0; w < len / 8; w++)
		CHECK(!buf[w], "%s: %s: hole at byte %lld is not zero", path,
		      how, (long long)(off + w * 8));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_fiemap(int fd, const char *dump)
{
	size_t sz = sizeof(struct fiemap) + BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	uint64_t *phys = calloc(count, sizeof(*phys));
	unsigned long n = 0, calls = 0;
	uint64_t start = 0;
	bool last_seen = false;
	double t0 = now();
	FILE *out;
	unsigned long i;

	CHECK(fm && phys, "calloc");
	out = fopen(dump, "w");
	CHECK(out, "fopen %s", dump);

	/* A count-only query first. */
	fm->fm_length = FIEMAP_MAX_OFFSET;
	EXPECT_OK(ioctl(fd, FS_IOC_FIEMAP, fm));
	CHECK(fm->fm_mapped_extents == count,
	      "%s: FIEMAP count query: %u extents, expected %lu", path,
	      fm->fm_mapped_extents, count);

	while (!last_seen) {
		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_extent_count = BATCH;
		EXPECT_OK(ioctl(fd, FS_IOC_FIEMAP, fm));
		calls++;
		CHECK(fm->fm_mapped_extents > 0,
		      "%s: FIEMAP from %llu: no extent, %lu seen, no LAST flag",
		      path, (unsigned long long)start, n);
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			uint64_t want = 2ULL * n * unit;

			CHECK(!last_seen, "%s: extent after FIEMAP_EXTENT_LAST",
			      path);
			CHECK(n < count, "%s: more than %lu extents", path,
			      count);
			CHECK(e->fe_logical == want,
			      "%s: extent %lu at %llu, expected %llu", path, n,
			      (unsigned long long)e->fe_logical,
			      (unsigned long long)want);
			CHECK(e->fe_length == unit,
			      "%s: extent %lu is %llu bytes, expected %lu",
			      path, n, (unsigned long long)e->fe_length, unit);
			CHECK(!(e->fe_physical % unit) && e->fe_physical,
			      "%s: extent %lu at physical %llu: not unit-aligned",
			      path, n, (unsigned long long)e->fe_physical);
			CHECK(!(e->fe_flags & ~FIEMAP_EXTENT_LAST),
			      "%s: extent %lu flags %#x", path, n, e->fe_flags);
			last_seen = e->fe_flags & FIEMAP_EXTENT_LAST;
			phys[n] = e->fe_physical;
			fprintf(out, "%llu %llu %llu\n",
				(unsigned long long)e->fe_logical / 4096,
				(unsigned long long)e->fe_physical / 4096,
				(unsigned long long)e->fe_length / 4096);
			start = e->fe_logical + e->fe_length;
			n++;
		}
	}
	CHECK(n == count, "%s: FIEMAP_EXTENT_LAST on extent %lu of %lu", path,
	      n - 1, count);
	CHECK(!fclose(out), "fclose %s", dump);
	phase_done("FIEMAP walk", t0);
	printf("many_extents: %lu extents in %lu FIEMAP calls\n", n, calls);

	/* No two units share a block on disk. */
	qsort(phys, count, sizeof(*phys), cmp_u64);
	for (i = 1; i < count; i++)
		CHECK(phys[i] >= phys[i - 1] + unit,
		      "%s: extents overlap on disk at %llu", path,
		      (unsigned long long)phys[i]);
	free(phys);
	free(fm);
}

static void check_seek(int fd)
{
	off_t size = (off_t)(2 * count - 1) * unit;
	off_t pos = 0, data, hole;
	unsigned long n = 0;
	double t0 = now();

	for (;;) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0) {
			int e = errno;

			CHECK(e == ENXIO, "%s: SEEK_DATA %lld: errno %d", path,
			      (long long)pos, e);
			break;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		CHECK(data == (off_t)(2 * n * unit) &&
		      hole == data + (off_t)unit,
		      "%s: run %lu: SEEK_DATA %lld, SEEK_HOLE %lld", path, n,
		      (long long)data, (long long)hole);
		n++;
		pos = hole;
	}
	CHECK(n == count && pos == size, "%s: SEEK_DATA found %lu runs to %lld",
	      path, n, (long long)pos);
	phase_done("SEEK_DATA/SEEK_HOLE walk", t0);
}

static void check_reads(int fd)
{
	uint64_t *buf = aligned_alloc(4096, 1 << 20);
	off_t size = (off_t)(2 * count - 1) * unit, pos;
	uint64_t r = 0x12345;
	double t0 = now();
	int k;

	CHECK(buf, "malloc");
	/* Random units first, while little is cached. */
	for (k = 0; k < 2000; k++) {
		unsigned long u;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		u = (r >> 33) % (2 * count - 1);
		CHECK(pread(fd, buf, unit, (off_t)u * unit) == (ssize_t)unit,
		      "%s: pread unit %lu", path, u);
		if (u & 1)
			hole_check(buf, unit, (off_t)u * unit, "random read");
		else
			unit_check(buf, u / 2, "random read");
	}
	phase_done("2000 random unit reads", t0);

	t0 = now();
	for (pos = 0; pos < size; pos += 1 << 20) {
		size_t len = size - pos < (1 << 20) ? size - pos : 1 << 20;
		size_t off;

		CHECK(pread(fd, buf, len, pos) == (ssize_t)len,
		      "%s: pread %zu at %lld", path, len, (long long)pos);
		for (off = 0; off < len; off += unit) {
			unsigned long u = (pos + off) / unit;

			if (u & 1)
				hole_check(buf + off / 8, unit, pos + off,
					   "sequential read");
			else
				unit_check(buf + off / 8, u / 2,
					   "sequential read");
		}
	}
	CHECK(pread(fd, buf, 4096, size) == 0, "%s: read at EOF", path);
	phase_done("sequential read", t0);
	free(buf);
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd, write_mode;

	test_name = "many_extents";
	if (argc != 7 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify")))
		die("usage: many_extents write|verify FILE UNIT COUNT DUMP MAX_SECONDS");
	write_mode = !strcmp(argv[1], "write");
	path = argv[2];
	unit = strtoul(argv[3], NULL, 0);
	count = strtoul(argv[4], NULL, 0);
	max_seconds = strtod(argv[6], NULL);
	CHECK(unit >= 4096 && !(unit & (unit - 1)) && count > 1,
	      "bad arguments");

	if (write_mode) {
		uint64_t *buf = malloc(unit);
		double t0 = now();
		unsigned long i;

		CHECK(buf, "malloc");
		fd = EXPECT_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
		for (i = 0; i < count; i++) {
			unit_fill(buf, i);
			CHECK(pwrite(fd, buf, unit, 2ULL * i * unit) ==
			      (ssize_t)unit, "%s: pwrite unit %lu", path, i);
		}
		EXPECT_OK(fsync(fd));
		phase_done("write and fsync", t0);
		free(buf);
	} else {
		fd = EXPECT_OK(open(path, O_RDONLY));
	}

	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_size == (off_t)(2 * count - 1) * (off_t)unit,
	      "%s: size %lld", path, (long long)st.st_size);
	CHECK((unsigned long long)st.st_blocks * 512 >= count * unit,
	      "%s: st_blocks %lld for %lu units", path,
	      (long long)st.st_blocks, count);
	check_fiemap(fd, argv[5]);
	check_seek(fd);
	check_reads(fd);
	EXPECT_OK(close(fd));
	printf("many_extents: %s: ok\n", argv[1]);
	return 0;
}
