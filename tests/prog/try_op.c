// SPDX-License-Identifier: GPL-2.0
/*
 * try_op OP PATH: do one file operation and print "ok" or the name of the
 * errno it failed with (EUCLEAN, EROFS, ...), so that a test can require
 * the exact error an access to damaged metadata gives.
 *   stat      lstat(2)
 *   read      open and read the whole file
 *   dread     the same with O_DIRECT
 *   overwrite write the first 4 KiB of an existing file, then fsync it
 *   readdir   open and list the whole directory
 *   readlink  readlink(2)
 *   create    create and write a new 4 KiB file, then fsync it
 *   mkdir     mkdir(2)
 *   unlink    unlink(2)
 *   truncate  truncate(2) to size 0
 * Exits 0 either way; 1 on misuse.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static int do_read(const char *path, int flags)
{
	static char buf[1 << 16] __attribute__((aligned(4096)));
	ssize_t n;
	int fd = open(path, O_RDONLY | flags);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int do_readdir(const char *path)
{
	DIR *d = opendir(path);

	if (!d)
		return -1;
	errno = 0;
	while (readdir(d))
		;
	if (errno) {
		int e = errno;

		closedir(d);
		errno = e;
		return -1;
	}
	return closedir(d);
}

static int do_write(const char *path, int flags)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | flags, 0644);

	if (fd < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    fsync(fd)) {
		int e = errno ? errno : EIO;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	const char *op, *path, *name;
	struct stat st;
	char link[4096];
	int ret;

	test_name = "try_op";
	if (argc != 3) {
		fprintf(stderr, "usage: try_op OP PATH (see the source)\n");
		return 1;
	}
	op = argv[1];
	path = argv[2];
	errno = 0;
	if (!strcmp(op, "stat"))
		ret = lstat(path, &st);
	else if (!strcmp(op, "read"))
		ret = do_read(path, 0);
	else if (!strcmp(op, "dread"))
		ret = do_read(path, O_DIRECT);
	else if (!strcmp(op, "readdir"))
		ret = do_readdir(path);
	else if (!strcmp(op, "readlink"))
		ret = readlink(path, link, sizeof(link)) < 0 ? -1 : 0;
	else if (!strcmp(op, "create"))
		ret = do_write(path, O_CREAT | O_EXCL);
	else if (!strcmp(op, "overwrite"))
		ret = do_write(path, 0);
	else if (!strcmp(op, "mkdir"))
		ret = mkdir(path, 0755);
	else if (!strcmp(op, "unlink"))
		ret = unlink(path);
	else if (!strcmp(op, "truncate"))
		ret = truncate(path, 0);
	else {
		fprintf(stderr, "try_op: unknown operation '%s'\n", op);
		return 1;
	}
	if (!ret) {
		puts("ok");
		return 0;
	}
	name = strerrorname_np(errno);
	printf("%s\n", name ? name : "unknown-errno");
	return 0;
}
