// SPDX-License-Identifier: GPL-2.0
/*
 * recsum_block IMAGE BLKNO: recompute the crc32c of one metadata block
 * (bitmap, tree node or symlink block: the checksum is at byte 4 and
 * covers the rest of the 4 KiB block) of an unmounted image, so that a
 * raw edit of its contents is caught by the structure checks rather than
 * by the checksum.
 */
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"

#define BLOCK_SIZE	4096
#define CSUM_OFF	4

/* Castagnoli, reflected, as the kernel's crc32c() */
static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

int main(int argc, char **argv)
{
	uint8_t blk[BLOCK_SIZE];
	unsigned long long blkno;
	uint32_t crc;
	off_t off;
	int fd;

	test_name = "recsum_block";
	if (argc != 3) {
		fprintf(stderr, "usage: recsum_block IMAGE BLKNO\n");
		return 2;
	}
	blkno = strtoull(argv[2], NULL, 0);
	off = (off_t)blkno * BLOCK_SIZE;
	fd = open(argv[1], O_RDWR);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(pread(fd, blk, BLOCK_SIZE, off) == BLOCK_SIZE,
	      "read block %llu", blkno);
	crc = crc32c(~0U, blk, CSUM_OFF);
	crc = crc32c(crc, blk + CSUM_OFF + 4, BLOCK_SIZE - CSUM_OFF - 4);
	blk[CSUM_OFF] = crc;
	blk[CSUM_OFF + 1] = crc >> 8;
	blk[CSUM_OFF + 2] = crc >> 16;
	blk[CSUM_OFF + 3] = crc >> 24;
	CHECK(pwrite(fd, blk, BLOCK_SIZE, off) == BLOCK_SIZE,
	      "write block %llu", blkno);
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(close(fd) == 0, "close");
	return 0;
}
