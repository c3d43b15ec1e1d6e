// SPDX-License-Identifier: GPL-2.0
/*
 * plain_write FILE OFFSET LEN SEED: one plain buffered pwrite(2) (no RWF
 * flag) of LEN pattern bytes, pattern_fill(SEED, OFFSET), at OFFSET; exits
 * 0 when all LEN bytes were written.
 */
#include <fcntl.h>
#include <unistd.h>
#include "testutil.h"

int main(int argc, char **argv)
{
	long long off;
	uint64_t seed;
	size_t len;
	ssize_t ret;
	void *buf;
	int fd;

	test_name = "plain_write";
	if (argc != 5) {
		fprintf(stderr, "usage: plain_write FILE OFFSET LEN SEED\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	buf = malloc(len ? len : 1);
	CHECK(buf, "alloc");
	pattern_fill(buf, len, seed, off);
	ret = pwrite(fd, buf, len, off);
	CHECK(ret >= 0, "pwrite %s at %lld", argv[1], off);
	CHECK((size_t)ret == len, "short pwrite: %zd of %zu", ret, len);
	return 0;
}
