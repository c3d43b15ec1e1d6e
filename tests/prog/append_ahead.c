// SPDX-License-Identifier: GPL-2.0
/*
 * Blocks allocated ahead of appending writes.  Every mode writes the
 * pattern of seed 1 (the file offset its own) in writes of UNIT bytes,
 * one write(2) each, through one descriptor.
 *
 *   append_ahead close FILE UNIT COUNT
 *	append COUNT units: while the file is open more is allocated than
 *	written; after the close, the data's units and at most two tree
 *	blocks
 *   append_ahead sparse FILE UNIT COUNT
 *	write COUNT units each one unit past EOF, leaving a hole before it:
 *	nothing is allocated ahead, even while the file is open
 *   append_ahead reclaim FILE UNIT COUNT
 *	append COUNT units, then one write far past EOF of all the free
 *	space and of what the file holds ahead, less a few units that free
 *	space scattered among metadata blocks may cost: written whole, the
 *	space allocated ahead being taken back for it
 *   append_ahead others FILE UNIT COUNT
 *	append COUNT units to each of FILE.0 .. FILE.3, keeping them open,
 *	then fill FILE.fill with all the free space and what the four hold
 *	ahead, less a few units: written whole, the other files' space
 *	ahead being taken back for it; their data is intact
 *   append_ahead hold FILE UNIT COUNT
 *	append COUNT units and fsync, print "held", and wait, the file
 *	open, to be killed (a power cut then leaves the blocks ahead)
 *   append_ahead verify FILE UNIT COUNT
 *	after "hold" and a power cut: the size and data are the COUNT units
 *	appended, blocks past EOF are still allocated, and once the file is
 *	extended over them by truncate they read as zeros
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "testutil.h"

#define SEED		1
#define TREE_BYTES	(2 * 4096)	/* the extent tree of a small file */
#define SCATTER_UNITS	8		/* free units that metadata may break */
#define FAR		(1LL << 30)	/* where "reclaim" writes, past all */

static size_t unit;
static long count;

static long long allocated(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0, "fstat");
	return (long long)st.st_blocks * 512;
}

static void append(int fd, const char *path)
{
	uint8_t *buf = malloc(unit);
	long i;

	CHECK(buf, "malloc");
	for (i = 0; i < count; i++) {
		pattern_fill(buf, unit, SEED, i * unit);
		CHECK(write(fd, buf, unit) == (ssize_t)unit,
		      "%s: append of unit %ld", path, i);
	}
	free(buf);
}

/* The pattern over [@off, @off + @len) of @fd. */
static void check_data(int fd, const char *path, off_t off, size_t len)
{
	size_t chunk = 1 << 20, done;
	uint8_t *buf = malloc(chunk);

	CHECK(buf, "malloc");
	for (done = 0; done < len; done += chunk) {
		size_t n = len - done < chunk ? len - done : chunk;
		long bad;

		CHECK(pread(fd, buf, n, off + done) == (ssize_t)n,
		      "%s: read at %lld", path, (long long)(off + done));
		bad = pattern_check(buf, n, SEED, off + done);
		CHECK(bad < 0, "%s: byte %lld differs", path,
		      (long long)(off + done + bad));
	}
	free(buf);
}

static void do_close(const char *path)
{
	long long data = (long long)count * unit, held;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	CHECK(fd >= 0, "open %s", path);
	append(fd, path);
	held = allocated(fd);
	CHECK(held > data + TREE_BYTES,
	      "%s: %lld bytes allocated for %lld appended: none ahead", path,
	      held, data);
	CHECK(close(fd) == 0, "close %s", path);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s", path);
	held = allocated(fd);
	CHECK(held >= data && held <= data + TREE_BYTES,
	      "%s: %lld bytes allocated for %lld after the close", path, held,
	      data);
	check_data(fd, path, 0, data);
	printf("%s: %lld bytes, allocated ahead while open, given back\n",
	       path, data);
}

static void do_sparse(const char *path)
{
	long long data = (long long)count * unit, held;
	uint8_t *buf = malloc(unit);
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	long i;

	CHECK(fd >= 0 && buf, "open %s", path);
	for (i = 0; i < count; i++) {
		off_t off = (2 * i + 1) * (off_t)unit;

		pattern_fill(buf, unit, SEED, off);
		CHECK(pwrite(fd, buf, unit, off) == (ssize_t)unit,
		      "%s: write at %lld", path, (long long)off);
	}
	held = allocated(fd);
	CHECK(held >= data && held <= data + TREE_BYTES,
	      "%s: %lld bytes allocated for %lld written with holes between",
	      path, held, data);
	for (i = 0; i < count; i++)
		check_data(fd, path, (2 * i + 1) * (off_t)unit, unit);
	CHECK(close(fd) == 0, "close %s", path);
	free(buf);
}

static void do_reclaim(const char *path)
{
	long long data = (long long)count * unit, ahead, len;
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	struct statfs sf;
	uint8_t *buf;
	ssize_t n;

	CHECK(fd >= 0, "open %s", path);
	append(fd, path);
	ahead = (allocated(fd) - data) / unit * unit;
	CHECK(ahead > SCATTER_UNITS * (long long)unit,
	      "%s: %lld bytes allocated ahead of %lld appended", path, ahead,
	      data);
	CHECK(fstatfs(fd, &sf) == 0, "statfs");
	len = (long long)sf.f_bavail * sf.f_bsize / unit * unit + ahead -
	      SCATTER_UNITS * (long long)unit;
	buf = malloc(len);
	CHECK(buf, "malloc %lld", len);
	pattern_fill(buf, len, SEED, FAR);
	n = pwrite(fd, buf, len, FAR);
	CHECK(n == len, "%s: write of %lld bytes with %lld free and %lld ahead: %zd",
	      path, len, (long long)sf.f_bavail * sf.f_bsize, ahead, n);
	check_data(fd, path, 0, data);
	check_data(fd, path, FAR, len);
	CHECK(close(fd) == 0, "close %s", path);
	free(buf);
	printf("%s: %lld bytes written past EOF, %lld of them allocated ahead before\n",
	       path, len, ahead);
}

#define OTHERS		4
#define CHUNK		(1 << 20)

static void do_others(const char *path)
{
	long long data = (long long)count * unit, ahead = 0, len, done;
	char name[4096];
	int fds[OTHERS], fd, i;
	struct statfs sf;
	uint8_t *buf;
	ssize_t n;

	for (i = 0; i < OTHERS; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		fds[i] = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
		CHECK(fds[i] >= 0, "open %s", name);
		append(fds[i], name);
		ahead += (allocated(fds[i]) - data) / unit * unit;
	}
	CHECK(ahead > 2 * SCATTER_UNITS * (long long)unit,
	      "%s.*: %lld bytes allocated ahead of %d x %lld appended", path,
	      ahead, OTHERS, data);
	snprintf(name, sizeof(name), "%s.fill", path);
	fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
	CHECK(fd >= 0, "open %s", name);
	CHECK(fstatfs(fd, &sf) == 0, "statfs");
	len = (long long)sf.f_bavail * sf.f_bsize / unit * unit + ahead -
	      2 * SCATTER_UNITS * (long long)unit;
	buf = malloc(CHUNK);
	CHECK(buf, "malloc");
	/* Short writes go on where they stopped, as an application would. */
	for (done = 0; done < len; done += n) {
		size_t want = len - done < CHUNK ? len - done : CHUNK;

		pattern_fill(buf, want, SEED, done);
		n = pwrite(fd, buf, want, done);
		CHECK(n > 0, "%s: write at %lld of %lld (%lld free, %lld ahead in the others)",
		      name, done, len, (long long)sf.f_bavail * sf.f_bsize,
		      ahead);
	}
	check_data(fd, name, 0, len);
	CHECK(close(fd) == 0, "close %s", name);
	for (i = 0; i < OTHERS; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		check_data(fds[i], name, 0, data);
		CHECK(close(fds[i]) == 0, "close %s", name);
	}
	free(buf);
	printf("%s.fill: %lld bytes written, %lld of them held ahead by %d open files before\n",
	       path, len, ahead, OTHERS);
}

static void do_hold(const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	CHECK(fd >= 0, "open %s", path);
	append(fd, path);
	CHECK(allocated(fd) > (long long)(count * unit + TREE_BYTES),
	      "%s: nothing allocated ahead", path);
	CHECK(fsync(fd) == 0, "fsync %s", path);
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void do_verify(const char *path)
{
	long long data = (long long)count * unit, held, ahead;
	int fd = open(path, O_RDWR);
	struct stat st;
	uint8_t *buf;
	long long i;

	CHECK(fd >= 0, "open %s", path);
	CHECK(fstat(fd, &st) == 0, "fstat %s", path);
	CHECK(st.st_size == data, "%s: size %lld, not %lld", path,
	      (long long)st.st_size, data);
	check_data(fd, path, 0, data);
	held = allocated(fd);
	CHECK(held > data + TREE_BYTES,
	      "%s: %lld bytes allocated for %lld: the blocks ahead are gone",
	      path, held, data);
	ahead = (held - data) / unit * unit;
	CHECK(ftruncate(fd, data + ahead) == 0, "ftruncate %s", path);
	buf = malloc(ahead);
	CHECK(buf, "malloc");
	CHECK(pread(fd, buf, ahead, data) == ahead, "%s: read past the old EOF",
	      path);
	for (i = 0; i < ahead; i++)
		CHECK(!buf[i], "%s: byte %lld past the old EOF is %#x", path,
		      data + i, buf[i]);
	CHECK(close(fd) == 0, "close %s", path);
	free(buf);
	printf("%s: %lld bytes allocated ahead survived, reading as zeros\n",
	       path, ahead);
}

int main(int argc, char **argv)
{
	const char *mode, *path;

	test_name = "append_ahead";
	if (argc != 5) {
		fprintf(stderr, "usage: append_ahead close|sparse|reclaim|others|hold|verify FILE UNIT COUNT\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	unit = strtoul(argv[3], NULL, 0);
	count = strtol(argv[4], NULL, 0);
	CHECK(unit && count > 0, "bad UNIT or COUNT");
	if (!strcmp(mode, "close"))
		do_close(path);
	else if (!strcmp(mode, "sparse"))
		do_sparse(path);
	else if (!strcmp(mode, "reclaim"))
		do_reclaim(path);
	else if (!strcmp(mode, "others"))
		do_others(path);
	else if (!strcmp(mode, "hold"))
		do_hold(path);
	else if (!strcmp(mode, "verify"))
		do_verify(path);
	else
		CHECK(0, "unknown mode %s", mode);
	return 0;
}
