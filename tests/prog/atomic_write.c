// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_write FILE OFFSET LEN [SEED] [sync|dsync|direct]: one pwritev2()
 * with RWF_ATOMIC of LEN pattern bytes at OFFSET; prints the result or
 * "errno N" and exits 0 when the call succeeded in full, 1 otherwise.
 */
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

int main(int argc, char **argv)
{
	int flags = RWF_ATOMIC, oflags = O_RDWR | O_CREAT;
	struct iovec iov;
	long long off;
	size_t len;
	uint64_t seed;
	ssize_t ret;
	void *buf;
	int fd;

	test_name = "atomic_write";
	if (argc < 4) {
		fprintf(stderr, "usage: atomic_write FILE OFFSET LEN [SEED] [sync|dsync|direct]\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
	if (argc > 5 && !strcmp(argv[5], "sync"))
		flags |= RWF_SYNC;
	if (argc > 5 && !strcmp(argv[5], "dsync"))
		flags |= RWF_DSYNC;
	if (argc > 5 && !strcmp(argv[5], "direct"))
		oflags |= O_DIRECT;
	fd = open(argv[1], oflags, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(posix_memalign(&buf, 1 << 20, len ? len : 1) == 0, "alloc");
	pattern_fill(buf, len, seed, off);
	iov.iov_base = buf;
	iov.iov_len = len;
	ret = pwritev2(fd, &iov, 1, off, flags);
	if (ret < 0) {
		printf("errno %d\n", errno);
		return 1;
	}
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
