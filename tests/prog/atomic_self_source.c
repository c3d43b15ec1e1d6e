// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_self_source FILE SRC DST LEN [direct]: one RWF_ATOMIC pwritev2()
 * of LEN bytes at DST of FILE whose source is FILE itself, a MAP_SHARED
 * mapping of it at offset SRC, not touched before the call (so any fault
 * on it happens inside the write).  Prints the result or "errno N"; exits
 * 0 when the call wrote LEN bytes.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

int main(int argc, char **argv)
{
	int oflags = O_RDWR;
	long long src, dst;
	struct iovec iov;
	struct stat st;
	uint8_t *map;
	size_t len;
	ssize_t ret;
	int fd;

	test_name = "atomic_self_source";
	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "direct"))) {
		fprintf(stderr, "usage: atomic_self_source FILE SRC DST LEN [direct]\n");
		return 2;
	}
	src = strtoll(argv[2], NULL, 0);
	dst = strtoll(argv[3], NULL, 0);
	len = strtoull(argv[4], NULL, 0);
	if (argc == 6)
		oflags |= O_DIRECT;
	fd = open(argv[1], oflags);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(fstat(fd, &st) == 0, "fstat");
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap %s", argv[1]);
	CHECK(src >= 0 && src + (long long)len <= st.st_size,
	      "source range outside the file");
	iov.iov_base = map + src;
	iov.iov_len = len;
	ret = pwritev2(fd, &iov, 1, dst, RWF_ATOMIC);
	if (ret < 0) {
		printf("errno %d\n", errno);
		return 1;
	}
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
