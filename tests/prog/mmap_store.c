// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_store FILE OFFSET LEN SEED: store LEN pattern bytes,
 * pattern_fill(SEED, OFFSET), at OFFSET through a MAP_SHARED mapping of
 * FILE (the first store into each page faults it writable: page_mkwrite),
 * then unmap without msync; the range must lie inside the file.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	long long off, start;
	struct stat st;
	size_t len, maplen;
	uint64_t seed;
	uint8_t *map;
	int fd;

	test_name = "mmap_store";
	if (argc != 5) {
		fprintf(stderr, "usage: mmap_store FILE OFFSET LEN SEED\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	fd = open(argv[1], O_RDWR);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK(off >= 0 && len && off + (long long)len <= st.st_size,
	      "range %lld+%zu is not inside the file (size %lld)", off, len,
	      (long long)st.st_size);
	start = off & ~(long long)(page - 1);
	maplen = off + len - start;
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
	CHECK(map != MAP_FAILED, "mmap %s", argv[1]);
	pattern_fill(map + (off - start), len, seed, off);
	CHECK(munmap(map, maplen) == 0, "munmap");
	return 0;
}
