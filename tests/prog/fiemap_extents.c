// SPDX-License-Identifier: GPL-2.0
/*
 * fiemap_extents FILE: the file's extents from FS_IOC_FIEMAP (after a
 * sync of its data), one "LOGICAL PHYSICAL LENGTH FLAGS" line each, in
 * bytes, FLAGS in hex.
 */
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "testutil.h"

#define BATCH	256

int main(int argc, char **argv)
{
	struct fiemap *fm;
	uint64_t start = 0;
	unsigned int i;
	int fd, last = 0;

	test_name = "fiemap_extents";
	if (argc != 2) {
		fprintf(stderr, "usage: fiemap_extents FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	CHECK(fd >= 0, "open %s", argv[1]);
	fm = calloc(1, sizeof(*fm) + BATCH * sizeof(struct fiemap_extent));
	CHECK(fm, "alloc");
	while (!last) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = BATCH;
		CHECK(ioctl(fd, FS_IOC_FIEMAP, fm) == 0, "FS_IOC_FIEMAP %s",
		      argv[1]);
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *fe = &fm->fm_extents[i];

			printf("%llu %llu %llu %x\n",
			       (unsigned long long)fe->fe_logical,
			       (unsigned long long)fe->fe_physical,
			       (unsigned long long)fe->fe_length,
			       fe->fe_flags);
			start = fe->fe_logical + fe->fe_length;
			if (fe->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
	}
	return 0;
}
