// SPDX-License-Identifier: GPL-2.0
/*
 * godown PATH default|logflush|nologflush: FS_IOC_SHUTDOWN on the
 * filesystem holding PATH (a file or directory) with that flag, as
 * fstests' src/godown does; exits 0 when the ioctl succeeded.
 */
#include <sys/ioctl.h>
#include "testutil.h"

#ifndef FS_IOC_SHUTDOWN
#define FS_IOC_SHUTDOWN	_IOR('X', 125, uint32_t)
#endif

int main(int argc, char **argv)
{
	static const char * const names[] = { "default", "logflush",
					      "nologflush" };
	uint32_t flag;
	int fd;

	test_name = "godown";
	if (argc != 3) {
		fprintf(stderr, "usage: godown PATH default|logflush|nologflush\n");
		return 2;
	}
	for (flag = 0; flag < 3; flag++)
		if (!strcmp(argv[2], names[flag]))
			break;
	CHECK(flag < 3, "unknown flag %s", argv[2]);
	fd = EXPECT_OK(open(argv[1], O_RDONLY));
	EXPECT_OK(ioctl(fd, FS_IOC_SHUTDOWN, &flag));
	close(fd);
	return 0;
}
