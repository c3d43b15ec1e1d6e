// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_zap_race [-s] FILE UNITS UNIT SECONDS PAUSE_US STATE: RWF_ATOMIC
 * writes of whole versions to random units of FILE, for SECONDS, from a
 * MAP_SHARED mapping of a tmpfs file whose page table entries another
 * thread keeps dropping (MADV_DONTNEED every PAUSE_US microseconds, or as
 * fast as it can with 0: the data stays in tmpfs, the copy faults midway);
 * every other write's buffer starts SRC_SKEW bytes into its first page.
 * With -s, every other write takes as its source FILE's own MAP_SHARED
 * mapping of the unit it writes, and writes the unit's version onto
 * itself; only that mapping is zapped (the data stays in FILE's page
 * cache), so that every fault is one of a write from FILE to itself.
 * Every write must succeed in full or fail with EFAULT; a failed one
 * leaves the unit as it was.  Each unit is read back after each write; its
 * last version goes to STATE.  Every 8-byte word of version V of unit U
 * holds tag(V, U, word's 4 KiB block).  Prints "writes N efaults M zaps Z".
 *
 * atomic_zap_race -c FILE UNITS UNIT STATE: each unit of FILE holds exactly
 * the version STATE names (0: zeros).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

#define SHM_PATH	"/dev/shm/atomic_zap_race.src"
#define BLK		4096
#define SRC_SKEW	2056	/* a source not page aligned spans one more */

static atomic_int stop;
static long pause_us;
static size_t unit;
static uint8_t *src;
static uint8_t *self;		/* FILE's own mapping, with -s */
static size_t self_len;

static uint64_t tag(uint64_t version, uint64_t u, uint64_t blk)
{
	return version ? version << 24 | u << 8 | blk : 0;
}

static void fill(uint64_t *p, uint64_t version, uint64_t u)
{
	size_t i;

	for (i = 0; i < unit / 8; i++)
		p[i] = tag(version, u, i * 8 / BLK);
}

/* The version @buf holds as unit @u, or -1 if it is not one whole version. */
static long long version_of(const uint64_t *p, uint64_t u)
{
	uint64_t v = p[0] >> 24;
	size_t i;

	for (i = 0; i < unit / 8; i++)
		if (p[i] != tag(v, u, i * 8 / BLK))
			return -1;
	return (long long)v;
}

static void *zapper(void *arg)
{
	unsigned long n = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (self)
			CHECK(madvise(self, self_len, MADV_DONTNEED) == 0,
			      "madvise FILE");
		else
			CHECK(madvise(src, unit + BLK, MADV_DONTNEED) == 0,
			      "madvise");
		n++;
		if (pause_us)
			usleep(pause_us);
	}
	return (void *)n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void read_unit(int fd, uint64_t *buf, size_t u)
{
	ssize_t got = pread(fd, buf, unit, (off_t)(u * unit));

	CHECK(got == (ssize_t)unit, "pread unit %zu: %zd", u, got);
}

static int check(const char *file, size_t units, const char *state)
{
	uint64_t *buf = malloc(unit);
	unsigned long long want;
	long long v;
	FILE *st;
	size_t u;
	int fd;

	CHECK(buf, "alloc");
	fd = open(file, O_RDONLY);
	CHECK(fd >= 0, "open %s", file);
	st = fopen(state, "r");
	CHECK(st, "open %s", state);
	for (u = 0; u < units; u++) {
		CHECK(fscanf(st, "%llu", &want) == 1, "%s: short", state);
		read_unit(fd, buf, u);
		v = version_of(buf, u);
		CHECK(v >= 0, "unit %zu is not one whole version", u);
		CHECK((unsigned long long)v == want,
		      "unit %zu holds version %lld, not %llu", u, v, want);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long *last, writes = 0, efaults = 0, version = 0;
	unsigned int rnd = 1;
	double seconds, end;
	void *zaps;
	size_t units, u;
	bool self_src = false, from_self;
	size_t skew;
	pthread_t thr;
	uint64_t *buf;
	struct iovec iov;
	ssize_t ret;
	FILE *st;
	int fd, shm;
	long long v;

	test_name = "atomic_zap_race";
	if (argc == 6 && !strcmp(argv[1], "-c")) {
		units = strtoull(argv[3], NULL, 0);
		unit = strtoull(argv[4], NULL, 0);
		return check(argv[2], units, argv[5]);
	}
	if (argc == 8 && !strcmp(argv[1], "-s")) {
		self_src = true;
		argc--;
		argv++;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: atomic_zap_race [-s] FILE UNITS UNIT SECONDS PAUSE_US STATE\n"
			"       atomic_zap_race -c FILE UNITS UNIT STATE\n");
		return 2;
	}
	units = strtoull(argv[2], NULL, 0);
	unit = strtoull(argv[3], NULL, 0);
	seconds = strtod(argv[4], NULL);
	pause_us = strtol(argv[5], NULL, 0);
	last = calloc(units, sizeof(*last));
	buf = malloc(unit);
	CHECK(last && buf && unit % BLK == 0, "alloc");

	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(ftruncate(fd, (off_t)(units * unit)) == 0, "ftruncate");
	shm = open(SHM_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(shm >= 0, "open %s", SHM_PATH);
	CHECK(ftruncate(shm, (off_t)(unit + BLK)) == 0, "ftruncate shm");
	src = mmap(NULL, unit + BLK, PROT_READ | PROT_WRITE, MAP_SHARED, shm,
		   0);
	CHECK(src != MAP_FAILED, "mmap %s", SHM_PATH);
	unlink(SHM_PATH);
	if (self_src) {
		self_len = units * unit;
		self = mmap(NULL, self_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, 0);
		CHECK(self != MAP_FAILED, "mmap %s", argv[1]);
	}

	CHECK(pthread_create(&thr, NULL, zapper, NULL) == 0, "pthread_create");
	end = now() + seconds;
	while (now() < end) {
		u = rand_r(&rnd) % units;
		version++;
		/* The unit onto itself: its version stays. */
		from_self = self_src && version % 2;
		if (from_self) {
			iov.iov_base = self + u * unit;
		} else {
			skew = version % 4 < 2 ? 0 : SRC_SKEW;
			fill((uint64_t *)(src + skew), version, u);
			iov.iov_base = src + skew;
		}
		iov.iov_len = unit;
		errno = 0;
		ret = pwritev2(fd, &iov, 1, (off_t)(u * unit), RWF_ATOMIC);
		if (ret < 0) {
			CHECK(errno == EFAULT, "write %llu to unit %zu%s",
			      version, u, from_self ? " from itself" : "");
			efaults++;
		} else {
			CHECK(ret == (ssize_t)unit,
			      "short atomic write: %zd of %zu", ret, unit);
			writes++;
			if (!from_self)
				last[u] = version;
		}
		read_unit(fd, buf, u);
		v = version_of(buf, u);
		CHECK(v >= 0, "unit %zu is not one whole version after write %llu",
		      u, version);
		CHECK((unsigned long long)v == last[u],
		      "unit %zu holds version %lld after write %llu (%s), not %llu",
		      u, v, version, ret < 0 ? "EFAULT" : "ok", last[u]);
		/* Now and then, from disk: the next copy goes to a new folio. */
		if (version % 64 == 0) {
			CHECK(fdatasync(fd) == 0, "fdatasync");
			CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0,
			      "fadvise");
		}
	}
	atomic_store(&stop, 1);
	CHECK(pthread_join(thr, &zaps) == 0, "pthread_join");

	st = fopen(argv[6], "w");
	CHECK(st, "open %s", argv[6]);
	for (u = 0; u < units; u++)
		fprintf(st, "%llu\n", last[u]);
	CHECK(fclose(st) == 0, "write %s", argv[6]);
	printf("writes %llu efaults %llu zaps %lu\n", writes, efaults,
	       (unsigned long)zaps);
	return 0;
}
