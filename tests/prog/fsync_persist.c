// SPDX-License-Identifier: GPL-2.0
/*
 * What fsync(), fdatasync(), O_SYNC and a directory fsync make durable.
 *
 * File content is the test pattern of SEED, except LEN bytes from OFF
 * which are the pattern of SEED2 (an overwrite); OFF LEN SEED2 may be left
 * out.
 *
 *   fsync_persist write PATH SIZE SEED fsync|fdatasync|osync|none
 *	create PATH with SIZE bytes, then make it durable as told
 *   fsync_persist overwrite PATH OFF LEN SEED2 fsync|fdatasync|osync|none
 *	rewrite LEN bytes at OFF (may extend the file)
 *   fsync_persist dirsync DIR
 *	fsync() a directory
 *   fsync_persist mapcheck PATH DEV SIZE SEED [OFF LEN SEED2]
 *	on the mounted filesystem: FIEMAP shows written extents covering
 *	every unit of the file, and reading DEV there with O_DIRECT (the
 *	device, not the page cache) gives the content, zeros past EOF up to
 *	the end of the unit; prints "lblk pblk" for each 4 KiB block
 *   fsync_persist verify PATH SIZE SEED [OFF LEN SEED2]
 *	read PATH back through the filesystem
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include "testutil.h"

struct content {
	uint64_t size, seed, off, len, seed2;
};

static uint8_t expected_byte(const struct content *c, uint64_t pos)
{
	if (pos >= c->size)
		return 0;
	if (pos >= c->off && pos < c->off + c->len)
		return pattern_byte(c->seed2, pos);
	return pattern_byte(c->seed, pos);
}

static void expect_range(const struct content *c, const uint8_t *buf,
			 uint64_t pos, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != expected_byte(c, pos + i)) {
			errno = 0;
			die("%s: byte %llu is 0x%02x, want 0x%02x", what,
			    (unsigned long long)(pos + i), buf[i],
			    expected_byte(c, pos + i));
		}
}

static void parse_content(struct content *c, int argc, char **argv, int i)
{
	memset(c, 0, sizeof(*c));
	c->size = strtoull(argv[i], NULL, 0);
	c->seed = strtoull(argv[i + 1], NULL, 0);
	if (argc > i + 4) {
		c->off = strtoull(argv[i + 2], NULL, 0);
		c->len = strtoull(argv[i + 3], NULL, 0);
		c->seed2 = strtoull(argv[i + 4], NULL, 0);
	}
}

static int sync_flags(const char *how)
{
	return !strcmp(how, "osync") ? O_SYNC : 0;
}

static void make_durable(int fd, const char *how, const char *path)
{
	if (!strcmp(how, "fsync"))
		CHECK(fsync(fd) == 0, "fsync %s", path);
	else if (!strcmp(how, "fdatasync"))
		CHECK(fdatasync(fd) == 0, "fdatasync %s", path);
	else
		CHECK(!strcmp(how, "osync") || !strcmp(how, "none"),
		      "unknown sync mode %s", how);
}

static void do_write(const char *path, uint64_t size, uint64_t seed,
		     const char *how)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | sync_flags(how),
		      0644);

	CHECK(fd >= 0, "create %s", path);
	write_pattern(fd, 0, size, seed);
	make_durable(fd, how, path);
	CHECK(close(fd) == 0, "close %s", path);
}

static void do_overwrite(const char *path, uint64_t off, uint64_t len,
			 uint64_t seed, const char *how)
{
	int fd = open(path, O_WRONLY | sync_flags(how));

	CHECK(fd >= 0, "open %s", path);
	write_pattern(fd, off, len, seed);
	make_durable(fd, how, path);
	CHECK(close(fd) == 0, "close %s", path);
}

static void do_dirsync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	CHECK(fd >= 0, "open %s", dir);
	CHECK(fsync(fd) == 0, "fsync %s", dir);
	close(fd);
}

static void do_mapcheck(const char *path, const char *dev,
			const struct content *c)
{
	unsigned int max = 512, i;
	struct fiemap *fm;
	struct stat st;
	uint64_t unit, covered = 0, want;
	uint8_t *buf;
	int fd, dfd;

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s", path);
	CHECK(fstat(fd, &st) == 0, "fstat");
	CHECK((uint64_t)st.st_size == c->size, "%s: size %lld, want %llu",
	      path, (long long)st.st_size, (unsigned long long)c->size);
	unit = st.st_blksize;
	want = (c->size + unit - 1) / unit * unit;
	dfd = open(dev, O_RDONLY | O_DIRECT);
	CHECK(dfd >= 0, "open %s", dev);

	fm = calloc(1, sizeof(*fm) + max * sizeof(struct fiemap_extent));
	CHECK(fm, "calloc");
	fm->fm_start = 0;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_extent_count = max;
	CHECK(ioctl(fd, FS_IOC_FIEMAP, fm) == 0, "FIEMAP %s", path);
	CHECK(fm->fm_mapped_extents < max, "too many extents");
	CHECK(posix_memalign((void **)&buf, 4096, unit) == 0, "memalign");

	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *fe = &fm->fm_extents[i];
		uint64_t o;

		CHECK(!(fe->fe_flags & (FIEMAP_EXTENT_UNWRITTEN |
					FIEMAP_EXTENT_DELALLOC |
					FIEMAP_EXTENT_UNKNOWN)),
		      "%s: extent at %llu has flags 0x%x after sync", path,
		      (unsigned long long)fe->fe_logical, fe->fe_flags);
		CHECK(fe->fe_logical == covered,
		      "%s: hole or overlap at %llu (extent at %llu)", path,
		      (unsigned long long)covered,
		      (unsigned long long)fe->fe_logical);
		CHECK(fe->fe_length % unit == 0 && fe->fe_physical % unit == 0,
		      "%s: extent %llu+%llu at %llu is not in whole units",
		      path, (unsigned long long)fe->fe_logical,
		      (unsigned long long)fe->fe_length,
		      (unsigned long long)fe->fe_physical);
		for (o = 0; o < fe->fe_length; o += unit) {
			CHECK(pread(dfd, buf, unit, fe->fe_physical + o) ==
			      (ssize_t)unit, "pread %s", dev);
			expect_range(c, buf, fe->fe_logical + o, unit,
				     "data on the device");
		}
		for (o = 0; o < fe->fe_length; o += 4096)
			printf("%llu %llu\n",
			       (unsigned long long)(fe->fe_logical + o) / 4096,
			       (unsigned long long)(fe->fe_physical + o) / 4096);
		covered += fe->fe_length;
	}
	CHECK(covered == want, "%s: extents cover %llu bytes, want %llu",
	      path, (unsigned long long)covered, (unsigned long long)want);
	free(buf);
	free(fm);
	close(dfd);
	close(fd);
}

static void do_verify(const char *path, const struct content *c)
{
	static uint8_t buf[65536];
	uint64_t pos = 0;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s", path);
	CHECK(fstat(fd, &st) == 0 && (uint64_t)st.st_size == c->size,
	      "%s: size %lld, want %llu", path, (long long)st.st_size,
	      (unsigned long long)c->size);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		expect_range(c, buf, pos, n, path);
		pos += n;
	}
	CHECK(n == 0 && pos == c->size, "read %s", path);
	close(fd);
}

int main(int argc, char **argv)
{
	struct content c;

	test_name = "fsync_persist";
	if (argc == 6 && !strcmp(argv[1], "write")) {
		do_write(argv[2], strtoull(argv[3], NULL, 0),
			 strtoull(argv[4], NULL, 0), argv[5]);
	} else if (argc == 7 && !strcmp(argv[1], "overwrite")) {
		do_overwrite(argv[2], strtoull(argv[3], NULL, 0),
			     strtoull(argv[4], NULL, 0),
			     strtoull(argv[5], NULL, 0), argv[6]);
	} else if (argc == 3 && !strcmp(argv[1], "dirsync")) {
		do_dirsync(argv[2]);
	} else if ((argc == 6 || argc == 9) && !strcmp(argv[1], "mapcheck")) {
		parse_content(&c, argc, argv, 4);
		do_mapcheck(argv[2], argv[3], &c);
	} else if ((argc == 5 || argc == 8) && !strcmp(argv[1], "verify")) {
		parse_content(&c, argc, argv, 3);
		do_verify(argv[2], &c);
	} else {
		fprintf(stderr, "usage: see the header of fsync_persist.c\n");
		return 2;
	}
	return 0;
}
