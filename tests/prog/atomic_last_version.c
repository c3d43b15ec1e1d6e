// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_last_version write FILE UNITS UNIT SECONDS: for SECONDS, RWF_ATOMIC
 * writes of whole units to units 0 .. UNITS-1 of FILE in turn, each a new
 * version; a write refused with EOPNOTSUPP (the mount does not take atomic
 * writes just now) is counted and skipped, any other failure is fatal.
 * Then the version each unit last got is stored in FILE.versions.
 *
 * atomic_last_version check FILE UNITS UNIT: every unit holds exactly the
 * last version FILE.versions names for it (0: never written, zeros).
 */
#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

static uint64_t seed_of(unsigned int unit, uint64_t version)
{
	return ((uint64_t)unit << 40) | version;
}

static void versions_path(char *path, size_t size, const char *file)
{
	snprintf(path, size, "%s.versions", file);
}

static int do_write(const char *file, unsigned int units, size_t unit,
		    int seconds)
{
	uint64_t *last = calloc(units, sizeof(*last));
	uint64_t version = 0, written = 0, refused = 0;
	char path[4096];
	struct iovec iov;
	time_t end = time(NULL) + seconds;
	unsigned int u = 0;
	void *buf;
	FILE *f;
	int fd;

	CHECK(last, "calloc");
	CHECK(posix_memalign(&buf, 4096, unit) == 0, "alloc");
	fd = EXPECT_OK(open(file, O_RDWR | O_CREAT, 0644));
	while (time(NULL) < end) {
		version++;
		pattern_fill(buf, unit, seed_of(u, version), (uint64_t)u * unit);
		iov.iov_base = buf;
		iov.iov_len = unit;
		if (pwritev2(fd, &iov, 1, (off_t)u * unit, RWF_ATOMIC) ==
		    (ssize_t)unit) {
			last[u] = version;
			written++;
		} else if (errno == EOPNOTSUPP) {
			refused++;
		} else {
			die("unit %u version %llu: pwritev2", u,
			    (unsigned long long)version);
		}
		u = (u + 1) % units;
	}
	EXPECT_OK(close(fd));
	versions_path(path, sizeof(path), file);
	f = fopen(path, "w");
	CHECK(f, "fopen %s", path);
	for (u = 0; u < units; u++)
		fprintf(f, "%llu\n", (unsigned long long)last[u]);
	CHECK(fclose(f) == 0, "fclose %s", path);
	printf("%s: %llu atomic writes, %llu refused\n", file,
	       (unsigned long long)written, (unsigned long long)refused);
	return 0;
}

static int do_check(const char *file, unsigned int units, size_t unit)
{
	unsigned long long version;
	char path[4096];
	unsigned int u, bad = 0;
	uint8_t *buf = malloc(unit);
	long at;
	FILE *f;
	int fd;

	CHECK(buf, "malloc");
	versions_path(path, sizeof(path), file);
	f = fopen(path, "r");
	CHECK(f, "fopen %s", path);
	fd = EXPECT_OK(open(file, O_RDONLY));
	for (u = 0; u < units; u++) {
		CHECK(fscanf(f, "%llu", &version) == 1, "%s: unit %u", path, u);
		memset(buf, 0, unit);
		CHECK(pread(fd, buf, unit, (off_t)u * unit) >= 0, "pread");
		if (!version) {
			at = -1;
			for (size_t i = 0; i < unit && at < 0; i++)
				if (buf[i])
					at = (long)i;
		} else {
			at = pattern_check(buf, unit, seed_of(u, version),
					   (uint64_t)u * unit);
		}
		if (at >= 0) {
			printf("%s: unit %u: not version %llu (byte %ld differs)\n",
			       file, u, version, at);
			bad++;
		}
	}
	fclose(f);
	EXPECT_OK(close(fd));
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	test_name = "atomic_last_version";
	if (argc == 6 && !strcmp(argv[1], "write"))
		return do_write(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 0),
				atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "check"))
		return do_check(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: atomic_last_version write FILE UNITS UNIT SECONDS | check FILE UNITS UNIT\n");
	return 2;
}
