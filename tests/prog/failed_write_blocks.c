// SPDX-License-Identifier: GPL-2.0
/*
 * failed_write_blocks DIR: writes that fail leave the file's blocks and
 * the filesystem's free space as they were.  Each case makes a file in
 * DIR, notes st_blocks and f_bfree, makes a write that must fail, and
 * compares (also after close, which gives back blocks allocated ahead):
 *   atomic-extend	RWF_ATOMIC past EOF, a PROT_NONE source: EFAULT
 *   atomic-hole	RWF_ATOMIC into a hole inside the file: EFAULT
 *   atomic-ahead	RWF_ATOMIC appending to a 1 MiB file (the size that
 *			allocates ahead): EFAULT
 *   plain-extend	a plain write past EOF, source PROT_NONE: EFAULT
 *   plain-ahead	a plain write appending to a 1 MiB file: EFAULT
 * and one that gives back what it must:
 *   falloc-in-ahead	a file appended to (blocks allocated ahead), then
 *			fallocate(KEEP_SIZE) of one unit in the middle of
 *			the range ahead: after close the file holds as
 *			many blocks as one given that unit after close
 * Prints one line per case; exits 1 if any case failed.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

#define UNIT	16384L
#define MIB	(1L << 20)

static const char *dir;
static int failures;

struct usage {
	long long blocks;	/* st_blocks, 512-byte */
	long long bfree;	/* f_bfree, blocks */
};

static struct usage usage_of(const char *path)
{
	struct usage u;
	struct statvfs sv;
	struct stat st;

	/* Blocks freed by a transaction count once it committed. */
	sync();
	EXPECT_OK(stat(path, &st));
	EXPECT_OK(statvfs(dir, &sv));
	u.blocks = st.st_blocks;
	u.bfree = sv.f_bfree;
	return u;
}

static int expect_same(const char *name, const char *when,
		       struct usage a, struct usage b)
{
	if (a.blocks == b.blocks && a.bfree == b.bfree)
		return 1;
	printf("%s: %s: st_blocks %lld -> %lld, f_bfree %lld -> %lld\n",
	       name, when, a.blocks, b.blocks, a.bfree, b.bfree);
	failures++;
	return 0;
}

/* A source of @len bytes whose first page is PROT_NONE. */
static void *bad_source(size_t len)
{
	uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED, "mmap");
	memset(buf, 0x5a, len);
	EXPECT_OK(mprotect(buf, 4096, PROT_NONE));
	return buf;
}

static void failing_write(const char *name, off_t size, off_t off, int flags)
{
	char path[4096];
	struct usage before, open_after, closed_after;
	struct iovec iov = { bad_source(UNIT), UNIT };
	ssize_t ret;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = EXPECT_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
	if (size)
		write_pattern(fd, 0, size, 1);
	/* A hole to write into: the second unit of a 3-unit file. */
	if (!strcmp(name, "atomic-hole"))
		EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE |
				    FALLOC_FL_KEEP_SIZE, UNIT, UNIT));
	EXPECT_OK(fsync(fd));
	before = usage_of(path);
	ret = pwritev2(fd, &iov, 1, off, flags);
	CHECK(ret < 0 && errno == EFAULT, "%s: expected EFAULT, got %zd", name,
	      ret);
	open_after = usage_of(path);
	EXPECT_OK(close(fd));
	closed_after = usage_of(path);
	if (expect_same(name, "after the failed write", before, open_after) &&
	    expect_same(name, "after close", before, closed_after))
		printf("%s: st_blocks %lld, f_bfree %lld: as before\n", name,
		       closed_after.blocks, closed_after.bfree);
	munmap(iov.iov_base, UNIT);
}

/*
 * A file appended to past 1 MiB, and one unit fallocated in the middle of
 * what the appends allocated ahead, before close (@early) or after it;
 * returns st_blocks after the last close.
 */
static long long appended_and_fallocated(const char *name, int early)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = EXPECT_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
	/* Appends past 64 KiB allocate ahead of themselves, up to 1 MiB. */
	write_pattern(fd, 0, MIB, 2);
	write_pattern(fd, MIB, UNIT, 3);
	if (!early) {
		EXPECT_OK(close(fd));
		fd = EXPECT_OK(open(path, O_RDWR));
	}
	EXPECT_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, MIB + 4 * UNIT, UNIT));
	EXPECT_OK(fsync(fd));
	EXPECT_OK(close(fd));
	return usage_of(path).blocks;
}

static void falloc_in_ahead(void)
{
	long long ahead = appended_and_fallocated("falloc-in-ahead", 1);
	long long after = appended_and_fallocated("falloc-after-close", 0);

	/* Both hold their data and the unit fallocated, nothing more. */
	if (ahead != after) {
		printf("falloc-in-ahead: st_blocks %lld after close, %lld when fallocated after close\n",
		       ahead, after);
		failures++;
		return;
	}
	printf("falloc-in-ahead: st_blocks %lld, as when fallocated after close\n",
	       ahead);
}

int main(int argc, char **argv)
{
	test_name = "failed_write_blocks";
	if (argc != 2) {
		fprintf(stderr, "usage: failed_write_blocks DIR\n");
		return 2;
	}
	dir = argv[1];
	failing_write("atomic-extend", 5000, UNIT, RWF_ATOMIC);
	failing_write("atomic-hole", 3 * UNIT, UNIT, RWF_ATOMIC);
	failing_write("atomic-ahead", MIB, MIB, RWF_ATOMIC);
	failing_write("plain-extend", 5000, UNIT, 0);
	failing_write("plain-ahead", MIB, MIB, 0);
	falloc_in_ahead();
	return failures ? 1 : 0;
}
