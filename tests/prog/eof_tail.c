// SPDX-License-Identifier: GPL-2.0
/*
 * What lies past the end of a file must read as zeros, whatever the last
 * unit held before.  Each command prints how many bytes were not zero and
 * exits 1 if any was.
 *
 * eof_tail mmap-grow FILE SIZE HOW: FILE gets SIZE pattern bytes and is
 *	fsync'd; a store through a shared mapping fills the rest of its last
 *	page; then it grows to the end of its 16 KiB unit by HOW (fallocate,
 *	truncate or write: one byte written there): the bytes between SIZE
 *	and that end must be zeros (or the byte written).
 * eof_tail mapped FILE: the bytes past EOF in FILE's last page, read
 *	through a mapping (POSIX: zeros).
 * eof_tail zeros FILE FROM TO: the bytes [FROM, TO) read with pread.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define PAGE	4096L
#define UNIT	16384L	/* the tests' atomic unit */

static long count_nonzero(const uint8_t *p, size_t len)
{
	long n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += p[i] != 0;
	return n;
}

static long zeros(int fd, off_t from, off_t to)
{
	uint8_t *buf = malloc(to - from);
	long n;

	CHECK(buf, "malloc");
	CHECK(pread(fd, buf, to - from, from) == to - from, "pread");
	n = count_nonzero(buf, to - from);
	free(buf);
	return n;
}

static long mapped(int fd)
{
	struct stat st;
	off_t page;
	uint8_t *p;
	long n;

	EXPECT_OK(fstat(fd, &st));
	if (st.st_size % PAGE == 0)
		return 0;
	page = st.st_size & ~(PAGE - 1);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, page);
	CHECK(p != MAP_FAILED, "mmap");
	n = count_nonzero(p + (st.st_size - page), PAGE - (st.st_size - page));
	munmap(p, PAGE);
	return n;
}

static long mmap_grow(int fd, off_t size, const char *how)
{
	off_t page = size & ~(PAGE - 1), end;
	uint8_t *p;
	long n;

	CHECK(size % PAGE, "SIZE must end inside a page");
	write_pattern(fd, 0, size, 7);
	EXPECT_OK(fsync(fd));
	/* the end of the unit: units are at most 64 KiB here */
	end = (size + UNIT - 1) / UNIT * UNIT;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	CHECK(p != MAP_FAILED, "mmap");
	memset(p + (size - page), 0xa5, PAGE - (size - page));
	munmap(p, PAGE);
	if (!strcmp(how, "fallocate")) {
		EXPECT_OK(fallocate(fd, 0, 0, end));
	} else if (!strcmp(how, "truncate")) {
		EXPECT_OK(ftruncate(fd, end));
	} else if (!strcmp(how, "write")) {
		CHECK(pwrite(fd, "", 1, end - 1) == 1, "pwrite");
	} else {
		die("unknown way to grow: %s", how);
	}
	n = zeros(fd, size, end);
	return n;
}

int main(int argc, char **argv)
{
	long n;
	int fd;

	test_name = "eof_tail";
	if (argc == 5 && !strcmp(argv[1], "mmap-grow")) {
		fd = EXPECT_OK(open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644));
		n = mmap_grow(fd, strtoll(argv[3], NULL, 0), argv[4]);
	} else if (argc == 3 && !strcmp(argv[1], "mapped")) {
		fd = EXPECT_OK(open(argv[2], O_RDONLY));
		n = mapped(fd);
	} else if (argc == 5 && !strcmp(argv[1], "zeros")) {
		fd = EXPECT_OK(open(argv[2], O_RDONLY));
		n = zeros(fd, strtoll(argv[3], NULL, 0),
			  strtoll(argv[4], NULL, 0));
	} else {
		fprintf(stderr, "usage: eof_tail mmap-grow FILE SIZE fallocate|truncate|write | mapped FILE | zeros FILE FROM TO\n");
		return 2;
	}
	printf("%ld\n", n);
	return n ? 1 : 0;
}
