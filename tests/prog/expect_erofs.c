// SPDX-License-Identifier: GPL-2.0
/*
 * On a read-only mount every kind of change fails with EROFS and reading
 * still works.
 *
 *   expect_erofs DIR
 *	DIR holds a regular file "f" with content and an empty directory
 *	"d".
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include "testutil.h"

int main(int argc, char **argv)
{
	char f[4096], d[4096], n[4096], buf[64];
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	int fd;

	test_name = "expect_erofs";
	if (argc != 2) {
		fprintf(stderr, "usage: expect_erofs DIR\n");
		return 2;
	}
	snprintf(f, sizeof(f), "%s/f", argv[1]);
	snprintf(d, sizeof(d), "%s/d", argv[1]);
	snprintf(n, sizeof(n), "%s/new", argv[1]);

	EXPECT_ERRNO(open(n, O_CREAT | O_WRONLY, 0644), EROFS);
	EXPECT_ERRNO(open(f, O_WRONLY), EROFS);
	EXPECT_ERRNO(open(f, O_RDWR), EROFS);
	EXPECT_ERRNO(open(f, O_RDONLY | O_TRUNC), EROFS);
	EXPECT_ERRNO(mkdir(n, 0755), EROFS);
	EXPECT_ERRNO(mknod(n, S_IFIFO | 0644, 0), EROFS);
	EXPECT_ERRNO(symlink("f", n), EROFS);
	EXPECT_ERRNO(link(f, n), EROFS);
	EXPECT_ERRNO(rename(f, n), EROFS);
	EXPECT_ERRNO(unlink(f), EROFS);
	EXPECT_ERRNO(rmdir(d), EROFS);
	EXPECT_ERRNO(chmod(f, 0600), EROFS);
	EXPECT_ERRNO(chown(f, 1, 1), EROFS);
	EXPECT_ERRNO(truncate(f, 0), EROFS);
	EXPECT_ERRNO(utimensat(AT_FDCWD, f, ts, 0), EROFS);

	fd = EXPECT_OK(open(f, O_RDONLY));
	CHECK(read(fd, buf, sizeof(buf)) > 0, "read %s", f);
	close(fd);
	return 0;
}
