// SPDX-License-Identifier: GPL-2.0
/*
 * mincore_count FILE OFFSET LEN: how many pages of the range are in the
 * page cache (mincore(2) on a read-only shared mapping, which reports the
 * file's cache whether or not this process touched it).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "testutil.h"

int main(int argc, char **argv)
{
	long pagesize = sysconf(_SC_PAGESIZE);
	unsigned char *vec;
	size_t len, npages, i, n = 0;
	long long off;
	void *p;
	int fd;

	test_name = "mincore_count";
	if (argc != 4) {
		fprintf(stderr, "usage: mincore_count FILE OFFSET LEN\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	CHECK(off % pagesize == 0 && len > 0, "OFFSET must be page aligned");
	fd = open(argv[1], O_RDONLY);
	CHECK(fd >= 0, "open %s", argv[1]);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	CHECK(p != MAP_FAILED, "mmap");
	npages = (len + pagesize - 1) / pagesize;
	vec = calloc(npages, 1);
	CHECK(vec, "alloc");
	CHECK(mincore(p, len, vec) == 0, "mincore");
	for (i = 0; i < npages; i++)
		n += vec[i] & 1;
	printf("%zu\n", n);
	return 0;
}
