// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_writev FILE OFFSET LEN NIOV [SEED] [direct]: one pwritev2() with
 * RWF_ATOMIC of LEN pattern bytes at OFFSET, split into NIOV iovecs of
 * equal size (the last one takes the rest); prints the result or "errno N"
 * and exits 0 when the call succeeded in full, 1 otherwise.
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
	int oflags = O_RDWR | O_CREAT;
	struct iovec *iov;
	long long off;
	size_t len, part;
	unsigned int niov, i;
	uint64_t seed;
	ssize_t ret;
	char *buf;
	int fd;

	test_name = "atomic_writev";
	if (argc < 5) {
		fprintf(stderr, "usage: atomic_writev FILE OFFSET LEN NIOV [SEED] [direct]\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	niov = strtoul(argv[4], NULL, 0);
	seed = argc > 5 ? strtoull(argv[5], NULL, 0) : 1;
	if (argc > 6 && !strcmp(argv[6], "direct"))
		oflags |= O_DIRECT;
	CHECK(niov >= 1 && niov <= 1024, "bad NIOV %u", niov);
	fd = open(argv[1], oflags, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(posix_memalign((void **)&buf, 1 << 20, len ? len : 1) == 0,
	      "alloc");
	iov = calloc(niov, sizeof(*iov));
	CHECK(iov, "alloc");
	pattern_fill(buf, len, seed, off);
	part = len / niov;
	for (i = 0; i < niov; i++) {
		iov[i].iov_base = buf + i * part;
		iov[i].iov_len = i == niov - 1 ? len - i * part : part;
	}
	ret = pwritev2(fd, iov, niov, off, RWF_ATOMIC);
	if (ret < 0) {
		printf("errno %d\n", errno);
		return 1;
	}
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
