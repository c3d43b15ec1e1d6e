// SPDX-License-Identifier: GPL-2.0
/*
 * Running out of space and of inodes.
 *
 *   fill_enospc fill DIR
 *	write 1 MiB files f00000, f00001, ... in DIR, one write() each and
 *	an fsync(), until the filesystem is full: the end must come as
 *	ENOSPC (a short write first is fine), every byte a write accepted
 *	reads back, no unit is left allocated that holds no data, and on
 *	the full filesystem allocating calls fail with ENOSPC while
 *	overwrites in place still work
 *   fill_enospc verify DIR
 *	the files fill left read back (after a remount: from disk)
 *   fill_enospc inodes DIR
 *	create files until ENOSPC: exactly f_ffree of them; then every
 *	creating call fails with ENOSPC, link() still works, and an unlink
 *	makes room for one more
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "testutil.h"

#define FILE_SIZE	(1 << 20)

static uint8_t *buf;

static struct statfs sfs(void)
{
	struct statfs sf;

	CHECK(statfs(".", &sf) == 0, "statfs");
	return sf;
}

static void name_of(int i, char *name, size_t len)
{
	snprintf(name, len, "f%05d", i);
}

/* Reads back the pattern of file @i; returns its size. */
static off_t check_file(int i)
{
	char name[16];
	struct stat st;
	ssize_t n;
	int fd;

	name_of(i, name, sizeof(name));
	fd = open(name, O_RDONLY);
	if (fd < 0 && errno == ENOENT)
		return -1;
	CHECK(fd >= 0, "open %s", name);
	CHECK(fstat(fd, &st) == 0, "fstat %s", name);
	CHECK(st.st_size <= FILE_SIZE, "%s: size %lld", name,
	      (long long)st.st_size);
	n = read(fd, buf, FILE_SIZE);
	CHECK(n == st.st_size, "read %s: %zd of %lld bytes", name, n,
	      (long long)st.st_size);
	n = pattern_check(buf, n, i + 1, 0);
	CHECK(n < 0, "%s: byte %zd differs", name, n);
	close(fd);
	return st.st_size;
}

static void do_fill(void)
{
	struct statfs before, after;
	long unit, last_size = -1;
	int i, fd, nfiles = 0;
	char name[16];
	struct stat st;

	for (i = 0;; i++) {
		ssize_t n = 0;
		int enospc = 0;

		name_of(i, name, sizeof(name));
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			CHECK(errno == ENOSPC, "create %s", name);
			printf("create of %s: ENOSPC\n", name);
			break;
		}
		pattern_fill(buf, FILE_SIZE, i + 1, 0);
		while (n < FILE_SIZE) {
			ssize_t w = write(fd, buf + n, FILE_SIZE - n);

			if (w < 0) {
				CHECK(errno == ENOSPC, "write %s at %zd",
				      name, n);
				enospc = 1;
				break;
			}
			CHECK(w > 0, "write %s returned 0", name);
			if (w < FILE_SIZE - n)
				printf("%s: short write of %zd at %zd\n", name,
				       w, n);
			n += w;
		}
		if (fsync(fd) < 0) {
			/*
			 * Reported, so its content is not promised: set it
			 * aside, where verify does not look.
			 */
			CHECK(errno == ENOSPC, "fsync %s", name);
			printf("fsync of %s: ENOSPC\n", name);
			close(fd);
			CHECK(rename(name, "fsync-failed") == 0, "rename %s",
			      name);
			break;
		}
		CHECK(close(fd) == 0, "close %s", name);
		nfiles = i + 1;
		last_size = n;
		if (enospc) {
			printf("write to %s: ENOSPC after %zd bytes\n", name,
			       n);
			break;
		}
	}
	CHECK(nfiles > 0, "no file written");
	printf("%d files, the last of %ld bytes\n", nfiles, last_size);

	/* Whatever a write accepted is there, and not a unit more. */
	CHECK(stat("f00000", &st) == 0, "stat f00000");
	unit = st.st_blksize;
	for (i = 0; i < nfiles; i++) {
		off_t size = check_file(i);
		long data, extra;

		name_of(i, name, sizeof(name));
		CHECK(stat(name, &st) == 0, "stat %s", name);
		CHECK(i == nfiles - 1 || size == FILE_SIZE,
		      "%s: size %lld", name, (long long)size);
		data = (size + unit - 1) / unit * unit;
		extra = (long)st.st_blocks * 512 - data;
		CHECK(extra >= 0 && extra <= 2 * 4096,
		      "%s: %lld bytes hold %lld allocated bytes (%ld beyond "
		      "its data and extent tree)", name, (long long)size,
		      (long long)st.st_blocks * 512, extra);
	}

	/* Full: nothing allocates, and the error says so. */
	before = sfs();
	CHECK(before.f_bfree < before.f_blocks / 10,
	      "ENOSPC with %ld of %ld blocks free", (long)before.f_bfree,
	      (long)before.f_blocks);
	fd = open("extra", O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd >= 0) {
		memset(buf, 'x', unit);
		EXPECT_ERRNO(write(fd, buf, unit), ENOSPC);
		EXPECT_ERRNO(fallocate(fd, 0, 0, unit), ENOSPC);
		CHECK(fstat(fd, &st) == 0 && st.st_size == 0 &&
		      st.st_blocks == 0, "extra holds something");
		close(fd);
		CHECK(unlink("extra") == 0, "unlink extra");
	} else {
		CHECK(errno == ENOSPC, "create extra");
	}
	fd = open("f00000", O_WRONLY | O_DIRECT);
	CHECK(fd >= 0, "open f00000 O_DIRECT");
	{
		void *al;

		CHECK(posix_memalign(&al, 4096, unit) == 0, "memalign");
		memset(al, 'd', unit);
		EXPECT_ERRNO(pwrite(fd, al, unit, FILE_SIZE), ENOSPC);
		free(al);
	}
	close(fd);
	fd = open("f00000", O_WRONLY);
	CHECK(fd >= 0, "open f00000");
	EXPECT_ERRNO(fallocate(fd, 0, FILE_SIZE, unit), ENOSPC);
	EXPECT_ERRNO(pwrite(fd, "x", 1, FILE_SIZE + unit), ENOSPC);
	CHECK(fstat(fd, &st) == 0 && st.st_size == FILE_SIZE,
	      "f00000 grew to %lld", (long long)st.st_size);
	/* An overwrite needs no space. */
	pattern_fill(buf, FILE_SIZE, 1, 0);
	CHECK(pwrite(fd, buf, FILE_SIZE, 0) == FILE_SIZE, "overwrite f00000");
	CHECK(fsync(fd) == 0, "fsync of an overwrite on a full filesystem");
	close(fd);
	after = sfs();
	CHECK(after.f_bfree == before.f_bfree,
	      "failed calls changed free blocks from %ld to %ld",
	      (long)before.f_bfree, (long)after.f_bfree);
	CHECK(check_file(0) == FILE_SIZE, "f00000 after the overwrite");
}

static void do_verify(void)
{
	int i, n = 0;

	for (i = 0; check_file(i) >= 0; i++)
		n++;
	CHECK(n > 0, "no files");
	printf("%d files read back\n", n);
}

static void do_inodes(void)
{
	struct statfs sf = sfs();
	long ffree = sf.f_ffree, i;
	char name[32];
	int fd;

	CHECK(ffree > 0, "no free inodes to start with");
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "i%ld", i);
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			CHECK(errno == ENOSPC, "create %s", name);
			break;
		}
		close(fd);
	}
	CHECK(i == ffree, "%ld files created with %ld inodes free", i, ffree);
	CHECK(sfs().f_ffree == 0, "f_ffree %ld when full",
	      (long)sfs().f_ffree);
	EXPECT_ERRNO(open("x", O_CREAT | O_EXCL | O_WRONLY, 0644), ENOSPC);
	EXPECT_ERRNO(mkdir("x", 0755), ENOSPC);
	EXPECT_ERRNO(symlink("i0", "x"), ENOSPC);
	EXPECT_ERRNO(mknod("x", S_IFIFO | 0644, 0), ENOSPC);
	EXPECT_ERRNO(open(".", O_TMPFILE | O_WRONLY, 0644), ENOSPC);
	/* A new name for an existing inode takes no inode. */
	CHECK(link("i0", "x") == 0, "link on a filesystem out of inodes");
	CHECK(unlink("x") == 0, "unlink x");
	CHECK(unlink("i1") == 0, "unlink i1");
	CHECK(sfs().f_ffree == 1, "f_ffree after an unlink");
	CHECK(mkdir("x", 0755) == 0, "mkdir after an unlink");
	EXPECT_ERRNO(mkdir("y", 0755), ENOSPC);
	printf("%ld inodes\n", i);
}

int main(int argc, char **argv)
{
	test_name = "fill_enospc";
	if (argc != 3) {
		fprintf(stderr, "usage: fill_enospc fill|verify|inodes DIR\n");
		return 2;
	}
	buf = malloc(FILE_SIZE);
	CHECK(buf, "malloc");
	CHECK(chdir(argv[2]) == 0, "chdir %s", argv[2]);
	if (!strcmp(argv[1], "fill"))
		do_fill();
	else if (!strcmp(argv[1], "verify"))
		do_verify();
	else if (!strcmp(argv[1], "inodes"))
		do_inodes();
	else
		return 2;
	return 0;
}
