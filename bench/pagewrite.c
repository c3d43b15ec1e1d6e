// SPDX-License-Identifier: GPL-2.0
/*
 * Durable database page writes: for a fixed time, write pages of BS bytes
 * at random page-aligned offsets of FILE, each one durable before the next,
 * the way a database flushes a page.
 *
 *   pagewrite prepare FILE SIZE	write SIZE bytes sequentially, fsync:
 *					the pages then exist on disk
 *   pagewrite atomic FILE		pwritev2(RWF_ATOMIC | RWF_DSYNC),
 *					buffered: one write, never torn
 *   pagewrite doublewrite FILE DW	what a database does without atomic
 *					writes: the page to a slot of the
 *					doublewrite file DW, fdatasync(DW),
 *					the page home, fdatasync(FILE)
 *   pagewrite dsync FILE		pwrite + fdatasync: one write that a
 *					crash can tear (the unsafe reference)
 *   pagewrite raw DEVICE		O_DIRECT pwritev2(RWF_ATOMIC |
 *					RWF_DSYNC) on a block device: the floor
 *
 * Options (before the mode): -b BS (page size, default 16k), -s SIZE (the
 * span written at random; default the file's size, required for a device),
 * -t SECONDS (default 5), -S SEED, -d (doublewrite and dsync: O_DIRECT).
 * Prints one line of key=value: ops, seconds, iops, MiB/s and the p50 and
 * p99 latency of one durable page write.
 */
#include <sys/stat.h>
#include <sys/uio.h>
#include "benchutil.h"

#define DW_SLOTS	64

static uint64_t bs = 16384, span, seed = 42;
static double seconds = 5;
static int direct;

static void *page_alloc(void)
{
	void *p;

	errno = posix_memalign(&p, 4096, bs);
	CHECK(!errno, "posix_memalign");
	return p;
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	CHECK(n == (ssize_t)len, "pwrite %zu at %lld (got %zd)", len,
	      (long long)off, n);
}

static void pwritev2_all(int fd, void *buf, off_t off, int flags)
{
	struct iovec iov = { buf, bs };
	ssize_t n = pwritev2(fd, &iov, 1, off, flags);

	CHECK(n == (ssize_t)bs, "pwritev2 %llu at %lld flags %#x (got %zd)",
	      (unsigned long long)bs, (long long)off, flags, n);
}

static void do_prepare(const char *path, uint64_t size)
{
	size_t chunk = 1 << 20;
	uint64_t off, s = seed;
	char *buf = malloc(chunk);
	int fd;

	CHECK(buf, "malloc");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open %s", path);
	for (off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? size - off : chunk;

		fill_random(buf, len, &s);
		pwrite_all(fd, buf, len, off);
	}
	CHECK(!fsync(fd), "fsync %s", path);
	CHECK(!close(fd), "close");
	free(buf);
}

static int open_span(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags);

	CHECK(fd >= 0, "open %s", path);
	CHECK(!fstat(fd, &st), "fstat");
	if (!span)
		span = st.st_size;
	CHECK(span >= bs, "%s: span %llu smaller than a page", path,
	      (unsigned long long)span);
	return fd;
}

enum mode { ATOMIC, DOUBLEWRITE, DSYNC, RAW };

int main(int argc, char **argv)
{
	int opt, fd, dw = -1, flags = O_WRONLY;
	uint64_t s, pages, ops = 0, cap = 1 << 16;
	double t0, t, end, *lat;
	const char *m;
	enum mode mode;
	void *buf;

	test_name = "pagewrite";
	while ((opt = getopt(argc, argv, "b:s:t:S:d")) != -1) {
		switch (opt) {
		case 'b': bs = parse_size(optarg); break;
		case 's': span = parse_size(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'S': seed = parse_size(optarg); break;
		case 'd': direct = 1; break;
		default: goto usage;
		}
	}
	if (optind + 2 > argc)
		goto usage;
	m = argv[optind];
	CHECK(bs >= 4096 && !(bs & (bs - 1)), "page size must be a power of two >= 4k");
	if (!strcmp(m, "prepare")) {
		if (optind + 3 != argc)
			goto usage;
		do_prepare(argv[optind + 1], parse_size(argv[optind + 2]));
		return 0;
	} else if (!strcmp(m, "atomic")) {
		mode = ATOMIC;
	} else if (!strcmp(m, "doublewrite")) {
		mode = DOUBLEWRITE;
		if (optind + 3 != argc)
			goto usage;
	} else if (!strcmp(m, "dsync")) {
		mode = DSYNC;
	} else if (!strcmp(m, "raw")) {
		mode = RAW;
		direct = 1;
	} else {
		goto usage;
	}
	if (mode != DOUBLEWRITE && optind + 2 != argc)
		goto usage;
	if (direct)
		flags |= O_DIRECT;
	fd = open_span(argv[optind + 1], flags);
	if (mode == DOUBLEWRITE) {
		dw = open(argv[optind + 2], flags);
		CHECK(dw >= 0, "open %s", argv[optind + 2]);
	}
	pages = span / bs;
	buf = page_alloc();
	lat = malloc(cap * sizeof(*lat));
	CHECK(lat, "malloc");
	s = seed;

	t0 = now();
	end = t0 + seconds;
	for (t = t0; t < end; ops++) {
		off_t off = (off_t)(rng_next(&s) % pages * bs);
		double t1;

		/* A new page image each time, as a database writes. */
		fill_random(buf, 64, &s);
		switch (mode) {
		case ATOMIC:
		case RAW:
			pwritev2_all(fd, buf, off, RWF_ATOMIC | RWF_DSYNC);
			break;
		case DOUBLEWRITE:
			pwrite_all(dw, buf, bs, (off_t)(ops % DW_SLOTS * bs));
			CHECK(!fdatasync(dw), "fdatasync doublewrite");
			pwrite_all(fd, buf, bs, off);
			CHECK(!fdatasync(fd), "fdatasync");
			break;
		case DSYNC:
			pwrite_all(fd, buf, bs, off);
			CHECK(!fdatasync(fd), "fdatasync");
			break;
		}
		t1 = now();
		if (ops == cap) {
			cap *= 2;
			lat = realloc(lat, cap * sizeof(*lat));
			CHECK(lat, "realloc");
		}
		lat[ops] = (t1 - t) * 1e6;
		t = t1;
	}
	t -= t0;
	qsort(lat, ops, sizeof(*lat), cmp_double);
	printf("mode=%s ops=%llu seconds=%.3f iops=%.1f mibs=%.2f lat_p50_us=%.0f lat_p99_us=%.0f\n",
	       m, (unsigned long long)ops, t, ops / t,
	       ops * (double)bs / t / 1048576, quantile(lat, ops, 0.5),
	       quantile(lat, ops, 0.99));
	CHECK(!close(fd), "close");
	if (dw >= 0)
		CHECK(!close(dw), "close");
	return 0;
usage:
	fprintf(stderr, "usage: pagewrite [-b BS] [-s SIZE] [-t SECONDS] [-S SEED] [-d]\n"
		"         prepare FILE SIZE | atomic FILE | doublewrite FILE DW |\n"
		"         dsync FILE | raw DEVICE\n");
	return 2;
}
