// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_efault FILE OFFSET LEN protnone|unmapped: one RWF_ATOMIC
 * pwritev2() of LEN bytes at OFFSET from a source buffer with a hole in
 * its middle: a PROT_NONE page, or a page unmapped.  The call must fail
 * with EFAULT and never return a count; exits 0 when it does.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	struct iovec iov;
	long long off;
	uint8_t *buf, *hole;
	size_t len;
	ssize_t ret;
	int fd;

	test_name = "atomic_efault";
	if (argc != 5) {
		fprintf(stderr, "usage: atomic_efault FILE OFFSET LEN protnone|unmapped\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	CHECK(len >= 2 * (size_t)page, "LEN must span pages");
	fd = open(argv[1], O_RDWR);
	CHECK(fd >= 0, "open %s", argv[1]);

	/* Two units of source, so that the hole is not at a mapping's edge. */
	buf = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED, "mmap");
	pattern_fill(buf, 2 * len, 0xefa, off);
	hole = buf + len / 2;
	if (!strcmp(argv[4], "protnone"))
		CHECK(mprotect(hole, page, PROT_NONE) == 0, "mprotect");
	else if (!strcmp(argv[4], "unmapped"))
		CHECK(munmap(hole, page) == 0, "munmap");
	else
		die("unknown mode %s", argv[4]);

	iov.iov_base = buf;
	iov.iov_len = len;
	errno = 0;
	ret = pwritev2(fd, &iov, 1, off, RWF_ATOMIC);
	if (ret >= 0) {
		errno = 0;
		die("pwritev2 returned %zd instead of failing with EFAULT", ret);
	}
	CHECK(errno == EFAULT, "pwritev2 failed, but not with EFAULT");
	printf("EFAULT\n");
	return 0;
}
