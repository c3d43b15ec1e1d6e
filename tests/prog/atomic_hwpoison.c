// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_hwpoison FILE UNIT: FILE gets 4 units, written to the device;
 * an RWF_ATOMIC overwrite of unit 1 (software mode, 4 KiB units: a unit
 * is set aside for it, f_bavail drops by it) is left dirty in the cache;
 * then its page is poisoned (MADV_HWPOISON, as a memory error would) and
 * the kernel removes the dirty folio from the page cache.  The unit set
 * aside must come back at once: f_bavail as before the write.  Prints the
 * three f_bavail values; exits 1 if the last differs from the first.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

static volatile sig_atomic_t sigbus;

/* The poisoned page's owner is told (BUS_MCEERR_AO): not fatal here. */
static void on_sigbus(int sig)
{
	(void)sig;
	sigbus = 1;
}

static unsigned long long bavail(int fd)
{
	struct statvfs sv;

	EXPECT_OK(fstatvfs(fd, &sv));
	return sv.f_bavail;
}

int main(int argc, char **argv)
{
	unsigned long long before, written, after;
	struct iovec iov;
	size_t unit;
	uint8_t *map;
	void *buf;
	int fd;

	test_name = "atomic_hwpoison";
	if (argc != 3) {
		fprintf(stderr, "usage: atomic_hwpoison FILE UNIT\n");
		return 2;
	}
	unit = strtoul(argv[2], NULL, 0);
	signal(SIGBUS, on_sigbus);
	fd = EXPECT_OK(open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644));
	write_pattern(fd, 0, 4 * unit, 1);
	EXPECT_OK(fsync(fd));

	before = bavail(fd);
	CHECK(posix_memalign(&buf, 4096, unit) == 0, "alloc");
	pattern_fill(buf, unit, 2, unit);
	iov.iov_base = buf;
	iov.iov_len = unit;
	CHECK(pwritev2(fd, &iov, 1, unit, RWF_ATOMIC) == (ssize_t)unit,
	      "pwritev2 RWF_ATOMIC");
	written = bavail(fd);
	CHECK(written < before, "no unit set aside: f_bavail %llu then %llu",
	      before, written);

	map = mmap(NULL, unit, PROT_READ, MAP_SHARED, fd, unit);
	CHECK(map != MAP_FAILED, "mmap");
	CHECK(map[0] == ((uint8_t *)buf)[0], "the mapping shows the write");
	EXPECT_OK(madvise(map, 4096, MADV_HWPOISON));
	munmap(map, unit);

	after = bavail(fd);
	printf("f_bavail: %llu before, %llu with the atomic folio dirty, %llu after it was poisoned%s\n",
	       before, written, after, sigbus ? " (SIGBUS)" : "");
	return after == before ? 0 : 1;
}
