// SPDX-License-Identifier: GPL-2.0
/*
 * shutdown_eio MNT FILE default|logflush|nologflush [UNIT]: shuts the
 * filesystem mounted on MNT down with FS_IOC_SHUTDOWN ("godown") and the
 * given flag, then every change through FILE (at least one page long, open
 * and mapped shared since before the shutdown) or MNT must fail: writes,
 * RWF_ATOMIC writes of UNIT bytes (default 4096), fsync, fdatasync,
 * truncate, fallocate, chmod, a store through the mapping (SIGBUS), a new
 * mapping, creates, mkdir, symlink, link, unlink and rename; reads fail
 * with EIO too.  An unknown flag is refused with EINVAL first, and a
 * second shutdown succeeds.  Exits 0 when all of that holds.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif
#ifndef FS_IOC_SHUTDOWN
#define FS_IOC_SHUTDOWN	_IOR('X', 125, uint32_t)
#endif

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, sig);
}

int main(int argc, char **argv)
{
	static const char * const names[] = { "default", "logflush",
					      "nologflush" };
	char path[4096];
	volatile char *map;
	uint32_t flag = 3;
	size_t unit;
	struct iovec iov;
	void *buf;
	int fd, dfd, i;

	test_name = "shutdown_eio";
	if (argc < 4) {
		fprintf(stderr, "usage: shutdown_eio MNT FILE default|logflush|nologflush [UNIT]\n");
		return 2;
	}
	for (i = 0; i < 3; i++)
		if (!strcmp(argv[3], names[i]))
			flag = i;
	CHECK(flag < 3, "unknown flag %s", argv[3]);
	unit = argc > 4 ? strtoull(argv[4], NULL, 0) : 4096;
	CHECK(posix_memalign(&buf, 1 << 20, unit) == 0, "alloc");
	memset(buf, 0x5a, unit);

	dfd = EXPECT_OK(open(argv[1], O_RDONLY | O_DIRECTORY));
	fd = EXPECT_OK(open(argv[2], O_RDWR));
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap %s", argv[2]);
	/* Mapped read-only until the first store: that one calls mkwrite. */
	(void)map[0];

	uint32_t bad = 3;

	EXPECT_ERRNO(ioctl(dfd, FS_IOC_SHUTDOWN, &bad), EINVAL);
	EXPECT_OK(ioctl(dfd, FS_IOC_SHUTDOWN, &flag));
	printf("shut down (%s)\n", argv[3]);
	EXPECT_OK(ioctl(fd, FS_IOC_SHUTDOWN, &flag));

	EXPECT_ERRNO(pwrite(fd, buf, 4096, 0), EIO);
	iov.iov_base = buf;
	iov.iov_len = unit;
	EXPECT_ERRNO(pwritev2(fd, &iov, 1, 0, RWF_ATOMIC), EIO);
	EXPECT_ERRNO(pwritev2(fd, &iov, 1, 0, RWF_ATOMIC | RWF_DSYNC), EIO);
	EXPECT_ERRNO(fsync(fd), EIO);
	EXPECT_ERRNO(fdatasync(fd), EIO);
	EXPECT_ERRNO(fsync(dfd), EIO);
	EXPECT_ERRNO(ftruncate(fd, 1), EIO);
	EXPECT_ERRNO(fallocate(fd, 0, 0, 1 << 20), EIO);
	EXPECT_ERRNO(fchmod(fd, 0600), EIO);
	EXPECT_ERRNO(pread(fd, buf, 4096, 0), EIO);
	EXPECT_ERRNO((long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0), EIO);

	signal(SIGBUS, on_sigbus);
	if (!sigsetjmp(fault_jmp, 1)) {
		map[0] = 1;
		errno = 0;
		die("a store through a shared mapping went through");
	}
	signal(SIGBUS, SIG_DFL);

	snprintf(path, sizeof(path), "%s/shutdown-new", argv[1]);
	EXPECT_ERRNO(open(path, O_RDWR | O_CREAT, 0644), EIO);
	EXPECT_ERRNO(mkdir(path, 0755), EIO);
	EXPECT_ERRNO(symlink("x", path), EIO);
	EXPECT_ERRNO(link(argv[2], path), EIO);
	EXPECT_ERRNO(rename(argv[2], path), EIO);
	EXPECT_ERRNO(unlink(argv[2]), EIO);
	EXPECT_ERRNO(open(argv[1], O_RDWR | O_TMPFILE, 0644), EIO);

	munmap((void *)map, 4096);
	close(fd);
	close(dfd);
	printf("every change refused with EIO\n");
	return 0;
}
