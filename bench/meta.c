// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata workloads, timed: the whole phase, from its first call to the
 * end of a syncfs(2) that makes it durable (create, unlink, untar), so a
 * filesystem cannot win by leaving its journal work for later.
 *
 *   meta create DIR N	create N empty files f<i> in DIR (O_CREAT|O_EXCL)
 *   meta stat DIR N	stat(2) each of them
 *   meta unlink DIR N	unlink each of them
 *   meta untar DIR N	what unpacking a source tarball does: N files in
 *			subdirectories of 100, each created, written (sizes
 *			log-uniform from 256 bytes to 64 KiB, median 4 KiB)
 *			and given its mode and mtime, as tar(1) does
 *
 * Prints one line of key=value: op, n, seconds, ops/s and microseconds per
 * operation (per file for untar, with the MiB written).
 */
#include <sys/stat.h>
#include <math.h>
#include "benchutil.h"

static void name_of(long i, char *buf, size_t len)
{
	snprintf(buf, len, "f%ld", i);
}

static void sync_dir(int dfd)
{
	CHECK(!syncfs(dfd), "syncfs");
}

static void do_create(int dfd, long n)
{
	char name[32];
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK(fd >= 0, "create %s", name);
		CHECK(!close(fd), "close");
	}
	sync_dir(dfd);
}

static void do_stat(int dfd, long n)
{
	struct stat st;
	char name[32];
	long i;

	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		CHECK(!fstatat(dfd, name, &st, 0), "stat %s", name);
		CHECK(S_ISREG(st.st_mode) && st.st_size == 0, "%s: not an empty file",
		      name);
	}
}

static void do_unlink(int dfd, long n)
{
	char name[32];
	long i;

	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		CHECK(!unlinkat(dfd, name, 0), "unlink %s", name);
	}
	sync_dir(dfd);
}

static uint64_t do_untar(int dfd, long n)
{
	struct timespec times[2] = { { 1700000000, 0 }, { 1700000000, 0 } };
	size_t max = 64 << 10;
	char *buf = malloc(max + 512), name[64];
	uint64_t s = 7, bytes = 0;
	long i;
	int fd;

	CHECK(buf, "malloc");
	fill_random(buf, max + 512, &s);
	for (i = 0; i < n; i++) {
		/* log-uniform in [2^8, 2^16] bytes */
		double e = 8 + 8 * (double)(rng_next(&s) >> 11) / (1ULL << 53);
		size_t len = (size_t)pow(2, e);

		if (i % 100 == 0) {
			snprintf(name, sizeof(name), "d%ld", i / 100);
			CHECK(!mkdirat(dfd, name, 0755), "mkdir %s", name);
		}
		snprintf(name, sizeof(name), "d%ld/f%ld", i / 100, i % 100);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		CHECK(fd >= 0, "create %s", name);
		/* a different start for each file: no two files alike */
		CHECK(write(fd, buf + (i % 64) * 8, len) == (ssize_t)len,
		      "write %s", name);
		bytes += len;
		CHECK(!fchmod(fd, 0644), "fchmod %s", name);
		CHECK(!futimens(fd, times), "futimens %s", name);
		CHECK(!close(fd), "close");
	}
	sync_dir(dfd);
	free(buf);
	return bytes;
}

int main(int argc, char **argv)
{
	uint64_t bytes = 0;
	double t0, t;
	const char *op;
	int dfd;
	long n;

	test_name = "meta";
	if (argc != 4)
		goto usage;
	op = argv[1];
	n = atol(argv[3]);
	CHECK(n > 0, "N must be positive");
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open %s", argv[2]);
	t0 = now();
	if (!strcmp(op, "create"))
		do_create(dfd, n);
	else if (!strcmp(op, "stat"))
		do_stat(dfd, n);
	else if (!strcmp(op, "unlink"))
		do_unlink(dfd, n);
	else if (!strcmp(op, "untar"))
		bytes = do_untar(dfd, n);
	else
		goto usage;
	t = now() - t0;
	printf("op=%s n=%ld seconds=%.3f ops_per_s=%.1f us_per_op=%.2f", op, n,
	       t, n / t, t * 1e6 / n);
	if (bytes)
		printf(" mib=%.1f", bytes / 1048576.0);
	printf("\n");
	return 0;
usage:
	fprintf(stderr, "usage: meta create|stat|unlink|untar DIR N\n");
	return 2;
}
