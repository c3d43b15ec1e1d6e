// SPDX-License-Identifier: GPL-2.0
/*
 * seek_check run|verify DIR
 *
 * SEEK_DATA and SEEK_HOLE on sparse files: holes at the start, in the
 * middle, at the end, a file of only a hole, an empty file, punched holes,
 * data far out, many runs, and fallocated (unwritten) units.  At every run
 * boundary (and next to it), at 0, around EOF and at negative offsets,
 * both seeks must return what the expected list of data runs says, set the
 * file offset to it, or fail with ENXIO (at or past EOF, or no data after
 * the offset) leaving the offset alone; and alternating seeks must walk
 * exactly those runs.
 *
 * Data is found with unit granularity: a unit holding any written byte is
 * data from its start (atomfs allocates and writes whole units).
 * Unwritten units follow iomap_seek_data()/iomap_seek_hole(), as on ext4
 * and xfs: with no page cache over them they are holes; a unit with dirty
 * data over it is data, before and after writeback.  (Unwritten ranges
 * whose zeros were only read into the page cache count as data there too,
 * as on ext4 and xfs; that case is left unchecked.)
 *
 * run: makes the files and checks them with dirty data, after fsync and
 * after drop_caches; verify: checks them again (after a remount).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define MAXRUN	8

static long long A;		/* the atomic unit */
static const char *dir;

struct run {
	long long off, len;	/* data, may reach past EOF */
};

struct layout {
	const char *name;
	long long size;
	struct run run[MAXRUN];	/* ascending, not touching */
};

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

static int nruns(const struct layout *l)
{
	int n = 0;

	while (n < MAXRUN && l->run[n].len)
		n++;
	return n;
}

/* What SEEK_DATA / SEEK_HOLE must return from @off, -1 for ENXIO. */
static long long want_seek(const struct layout *l, long long off, int whence)
{
	int i, n = nruns(l);

	if (off < 0 || off >= l->size)
		return -1;
	for (i = 0; i < n; i++) {
		long long s = l->run[i].off;
		long long e = l->run[i].off + l->run[i].len;

		if (e > l->size)
			e = l->size;
		if (off < e && whence == SEEK_DATA)
			return off > s ? off : s;
		if (off >= s && off < e)
			return e;	/* SEEK_HOLE inside data */
	}
	return whence == SEEK_DATA ? -1 : off;
}

static void probe(int fd, const struct layout *l, long long off, int whence,
		  const char *when)
{
	const char *how = whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE";
	long long want = want_seek(l, off, whence), got, pos;
	off_t before = 12345;
	int e;

	CHECK(lseek(fd, before, SEEK_SET) == before, "lseek SEEK_SET");
	errno = 0;
	got = lseek(fd, off, whence);
	e = errno;
	if (want < 0) {
		CHECK(got == -1 && e == ENXIO,
		      "%s (%s): %s from %lld returned %lld errno %d, expected ENXIO",
		      l->name, when, how, off, got, e);
		want = before;
	} else {
		CHECK(got == want,
		      "%s (%s): %s from %lld returned %lld (errno %d), expected %lld",
		      l->name, when, how, off, got, e, want);
	}
	pos = lseek(fd, 0, SEEK_CUR);
	CHECK(pos == want, "%s (%s): offset %lld after %s from %lld, expected %lld",
	      l->name, when, pos, how, off, want);
}

/* Alternate SEEK_DATA and SEEK_HOLE from 0: must give exactly the runs. */
static void walk(int fd, const struct layout *l, const char *when)
{
	long long pos = 0, data, hole;
	int i = 0, n = nruns(l);

	for (;;) {
		long long s, e;

		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		CHECK(i < n, "%s (%s): data run %lld..%lld not expected",
		      l->name, when, data, hole);
		s = l->run[i].off;
		e = l->run[i].off + l->run[i].len;
		if (e > l->size)
			e = l->size;
		CHECK(data == s && hole == e,
		      "%s (%s): run %d is %lld..%lld, expected %lld..%lld",
		      l->name, when, i, data, hole, s, e);
		i++;
		pos = hole;
	}
	CHECK(i == n, "%s (%s): the walk found %d runs of %d", l->name, when,
	      i, n);
}

static void check(const struct layout *l, const char *when)
{
	static const int whences[] = { SEEK_DATA, SEEK_HOLE };
	char path[PATH_MAX];
	struct stat st;
	int fd, i, w, n = nruns(l);

	path_of(path, l->name);
	fd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_size == l->size, "%s (%s): size %lld, expected %lld",
	      l->name, when, (long long)st.st_size, l->size);

	for (w = 0; w < 2; w++) {
		int wh = whences[w];
		long long fixed[] = { -1, LLONG_MIN, 0, 1, A - 1, A, A + 1,
				      l->size - 1, l->size, l->size + 1,
				      l->size + A, LLONG_MAX };

		for (i = 0; i < (int)(sizeof(fixed) / sizeof(fixed[0])); i++)
			probe(fd, l, fixed[i], wh, when);
		for (i = 0; i < n; i++) {
			long long s = l->run[i].off;
			long long e = s + l->run[i].len;

			probe(fd, l, s - 1, wh, when);
			probe(fd, l, s, wh, when);
			probe(fd, l, s + 1, wh, when);
			probe(fd, l, s + l->run[i].len / 2, wh, when);
			probe(fd, l, e - 1, wh, when);
			probe(fd, l, e, wh, when);
			probe(fd, l, e + 1, wh, when);
		}
	}
	walk(fd, l, when);
	EXPECT_OK(close(fd));
}

/* Check with the data dirty, after fsync, after drop_caches. */
static void check3(const struct layout *l)
{
	char path[PATH_MAX];
	int fd;

	check(l, "dirty");
	path_of(path, l->name);
	fd = EXPECT_OK(open(path, O_RDONLY));
	EXPECT_OK(fsync(fd));
	EXPECT_OK(close(fd));
	check(l, "after fsync");
	drop_caches();
	check(l, "after drop_caches");
}

static int open_new(const char *name)
{
	char path[PATH_MAX];

	path_of(path, name);
	return EXPECT_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
}

static struct layout layouts[12];
static int nlayouts;

static void define_layouts(void)
{
	const long long G = 1LL << 30;
	const struct layout l[] = {
		{ "start", 3 * A, { { 2 * A, A } } },
		{ "middle", 4 * A, { { 0, A }, { 3 * A, A } } },
		{ "end", 5 * A, { { 0, A } } },
		{ "holeonly", 10 * A, { } },
		{ "empty", 0, { } },
		{ "partial", 3 * A, { { A, A } } },
		{ "punched", 4 * A, { { 0, A }, { 2 * A, 2 * A } } },
		{ "far", G + A, { { 0, A }, { G, A } } },
		{ "many", 32 * A + 17, { { 0, 3 * A }, { 5 * A, A },
			{ 7 * A, 2 * A }, { 20 * A, 10 * A },
			{ 31 * A, 2 * A } } },
		{ "unwritten", 4 * A, { { 0, A }, { 2 * A, A } } },
		{ "unwritten_eof", A + 50, { { 0, 2 * A } } },
	};

	nlayouts = sizeof(l) / sizeof(l[0]);
	memcpy(layouts, l, sizeof(l));
}

static const struct layout *layout(const char *name)
{
	int i;

	for (i = 0; i < nlayouts; i++)
		if (!strcmp(layouts[i].name, name))
			return &layouts[i];
	die("no layout %s", name);
}

/* Write each run of a layout (one byte short of a whole run at EOF). */
static void make_plain(const struct layout *l)
{
	int fd = open_new(l->name), i;

	EXPECT_OK(ftruncate(fd, l->size));
	for (i = 0; i < nruns(l); i++) {
		long long len = l->run[i].len;

		if (l->run[i].off + len > l->size)
			len = l->size - l->run[i].off;
		write_pattern(fd, l->run[i].off, len, i + 1);
	}
	EXPECT_OK(close(fd));
	check3(l);
}

static void run_all(void)
{
	static const char *const plain[] = {
		"start", "middle", "end", "holeonly", "empty", "far", "many",
	};
	const struct layout *l;
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		make_plain(layout(plain[i]));

	/* 100 bytes inside the second unit make all of it data. */
	l = layout("partial");
	fd = open_new(l->name);
	EXPECT_OK(ftruncate(fd, l->size));
	write_pattern(fd, A + 100, 100, 7);
	EXPECT_OK(close(fd));
	check3(l);

	l = layout("punched");
	fd = open_new(l->name);
	write_pattern(fd, 0, 4 * A, 8);
	EXPECT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, A,
			    A));
	EXPECT_OK(close(fd));
	check3(l);

	/*
	 * Units 1 and 2 fallocated, nothing cached over them: holes.  Then
	 * a few bytes written into unit 2: data, dirty and after writeback;
	 * unit 1 stays a hole.
	 */
	l = layout("unwritten");
	{
		struct layout before = { "unwritten", 4 * A, { { 0, A } } };

		fd = open_new(l->name);
		EXPECT_OK(ftruncate(fd, 4 * A));
		write_pattern(fd, 0, A, 9);
		EXPECT_OK(fallocate(fd, 0, A, 2 * A));
		EXPECT_OK(fsync(fd));
		check(&before, "fallocated");
		drop_caches();
		check(&before, "fallocated, after drop_caches");
		write_pattern(fd, 2 * A + 10, 10, 10);
		EXPECT_OK(close(fd));
		check3(l);
	}

	/* Units preallocated past EOF change nothing before EOF. */
	l = layout("unwritten_eof");
	fd = open_new(l->name);
	write_pattern(fd, 0, A + 50, 11);
	EXPECT_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 2 * A, 3 * A));
	EXPECT_OK(close(fd));
	check3(l);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, i;

	test_name = "seek_check";
	if (argc != 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "verify")))
		die("usage: seek_check run|verify DIR");
	dir = argv[2];

	path_of(path, "unit-probe");
	fd = EXPECT_OK(open(path, O_RDWR | O_CREAT, 0644));
	EXPECT_OK(fstat(fd, &st));
	EXPECT_OK(close(fd));
	A = st.st_blksize;
	CHECK(A >= 4096 && !(A & (A - 1)), "st_blksize %lld", A);
	define_layouts();

	if (!strcmp(argv[1], "run"))
		run_all();
	for (i = 0; i < nlayouts; i++)
		check(&layouts[i], argv[1]);
	printf("seek_check: %s: %d files ok (unit %lld)\n", argv[1], nlayouts,
	       A);
	return 0;
}
