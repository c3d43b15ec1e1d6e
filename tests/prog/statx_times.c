// SPDX-License-Identifier: GPL-2.0
/*
 * statx(): block size and block count of atomic-unit allocation,
 * nanosecond timestamps, birth time, the POSIX rules for which calls
 * change ctime and mtime, relatime, and owner and mode.
 *
 *   statx_times setup DIR UNIT STATE
 *	does it all in the empty directory DIR of a filesystem whose atomic
 *	unit is UNIT bytes, checking as it goes, and records the statx of
 *	every file it leaves in the file STATE
 *   statx_times verify DIR UNIT STATE
 *	every file still has exactly the recorded statx (after a remount:
 *	read from disk), nanoseconds included
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "testutil.h"

static long unit;

static const char *const names[] = {
	"sub", "sub/empty", "sub/one", "sub/unitplus", "sub/sparse",
	"sub/falloc", "ts", "ts_old", "tsdir", "tslink", "bt", "w", "w2",
	"own", "ownd", "ownl", "at", "d1", "d2", "d2/moved", "d1/l",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static struct statx sx(const char *path)
{
	struct statx st;

	CHECK(statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
		    STATX_BASIC_STATS | STATX_BTIME, &st) == 0,
	      "statx %s", path);
	CHECK((st.stx_mask & (STATX_BASIC_STATS | STATX_BTIME)) ==
	      (STATX_BASIC_STATS | STATX_BTIME),
	      "%s: stx_mask 0x%x lacks basic stats or btime", path,
	      st.stx_mask);
	return st;
}

static int tcmp(struct statx_timestamp a, struct statx_timestamp b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	if (a.tv_nsec != b.tv_nsec)
		return a.tv_nsec < b.tv_nsec ? -1 : 1;
	return 0;
}

static struct statx_timestamp ts_of(struct timespec t)
{
	struct statx_timestamp s = { .tv_sec = t.tv_sec,
				     .tv_nsec = t.tv_nsec };

	return s;
}

static struct statx_timestamp now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return ts_of(t);
}

/* Timestamps come from a clock that advances once a tick: pass one. */
static void tick(void)
{
	usleep(25000);
}

static void die_ts(const char *path, const char *what,
		   struct statx_timestamp got, struct statx_timestamp want)
{
	errno = 0;
	die("%s: %s %lld.%09u, want %lld.%09u", path, what,
	    (long long)got.tv_sec, got.tv_nsec, (long long)want.tv_sec,
	    want.tv_nsec);
}

#define SAME(path, a, b, field)						\
	do {								\
		if (tcmp((a).field, (b).field))				\
			die_ts(path, #field " changed", (b).field,	\
			       (a).field);				\
	} while (0)

#define LATER(path, a, b, field)					\
	do {								\
		if (tcmp((b).field, (a).field) <= 0)			\
			die_ts(path, #field " did not advance", (b).field, \
			       (a).field);				\
	} while (0)

static void put(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);

	CHECK(fd >= 0, "create %s", path);
	CHECK(write(fd, data, len) == (ssize_t)len, "write %s", path);
	CHECK(fsync(fd) == 0, "fsync %s", path);
	CHECK(close(fd) == 0, "close %s", path);
}

static long free_blocks(void)
{
	struct statfs sf;

	CHECK(statfs(".", &sf) == 0, "statfs");
	return sf.f_bfree;
}

/*
 * st_blocks of a regular file is what it holds: whole units of data, plus
 * the 4 KiB nodes of its extent tree.  @units is how many units.
 */
static void expect_alloc(const char *path, long units, long freed_before)
{
	struct statx st = sx(path);
	long data = units * unit / 512;
	long delta = (freed_before - free_blocks()) * 8;

	CHECK(st.stx_blksize == unit, "%s: stx_blksize %u, want %ld", path,
	      st.stx_blksize, unit);
	CHECK(delta == (long)st.stx_blocks,
	      "%s: stx_blocks %llu but the file took %ld sectors", path,
	      (unsigned long long)st.stx_blocks, delta);
	CHECK((long)st.stx_blocks == data ||
	      (data && (long)st.stx_blocks == data + 8),
	      "%s: stx_blocks %llu for %ld units of %ld bytes", path,
	      (unsigned long long)st.stx_blocks, units, unit);
}

static void sizes(void)
{
	long f;
	char *buf;
	int fd;

	CHECK(mkdir("sub", 0755) == 0, "mkdir sub");
	put("sub/placeholder", "p", 1);	/* the directory has its names block */

	f = free_blocks();
	put("sub/empty", "", 0);
	expect_alloc("sub/empty", 0, f);

	f = free_blocks();
	put("sub/one", "1", 1);
	expect_alloc("sub/one", 1, f);
	CHECK(sx("sub/one").stx_size == 1, "size of sub/one");

	buf = calloc(1, unit + 1);
	CHECK(buf, "calloc");
	f = free_blocks();
	put("sub/unitplus", buf, unit + 1);
	expect_alloc("sub/unitplus", 2, f);
	free(buf);

	f = free_blocks();
	fd = open("sub/sparse", O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "create sub/sparse");
	CHECK(ftruncate(fd, 10 * unit) == 0, "ftruncate");
	expect_alloc("sub/sparse", 0, f);
	CHECK(pwrite(fd, "s", 1, 5 * unit + 7) == 1, "pwrite");
	CHECK(fsync(fd) == 0, "fsync");
	close(fd);
	expect_alloc("sub/sparse", 1, f);
	CHECK(sx("sub/sparse").stx_size == (uint64_t)(10 * unit),
	      "size of sub/sparse");

	f = free_blocks();
	fd = open("sub/falloc", O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "create sub/falloc");
	CHECK(fallocate(fd, 0, 0, 3 * unit + 1) == 0, "fallocate");
	close(fd);
	expect_alloc("sub/falloc", 4, f);

	CHECK(unlink("sub/placeholder") == 0, "unlink placeholder");
}

static void set_times(const char *path, struct timespec a, struct timespec m,
		      int flags)
{
	struct timespec ts[2] = { a, m };
	struct statx st;

	CHECK(utimensat(AT_FDCWD, path, ts, flags) == 0, "utimensat %s",
	      path);
	st = sx(path);
	if (tcmp(st.stx_atime, ts_of(a)))
		die_ts(path, "atime", st.stx_atime, ts_of(a));
	if (tcmp(st.stx_mtime, ts_of(m)))
		die_ts(path, "mtime", st.stx_mtime, ts_of(m));
}

static void nanoseconds(void)
{
	put("ts", "t", 1);
	set_times("ts", (struct timespec){ 1234567890, 123456789 },
		  (struct timespec){ 1500000000, 987654321 }, 0);
	/* before 1970, and after 2038 and 2106 (32-bit second counters) */
	put("ts_old", "o", 1);
	set_times("ts_old", (struct timespec){ -1000000, 999999999 },
		  (struct timespec){ 4398046511104LL, 1 }, 0);
	CHECK(mkdir("tsdir", 0755) == 0, "mkdir tsdir");
	set_times("tsdir", (struct timespec){ 2000000000, 1 },
		  (struct timespec){ 2100000000, 999999998 }, 0);
	CHECK(symlink("ts", "tslink") == 0, "symlink tslink");
	set_times("tslink", (struct timespec){ 1000000001, 500 },
		  (struct timespec){ 1000000002, 600 }, AT_SYMLINK_NOFOLLOW);
	/* the target of the link is not what changed */
	CHECK(sx("ts").stx_mtime.tv_sec == 1500000000, "ts follows tslink");
}

static void birth(void)
{
	struct statx_timestamp t0, t1;
	struct statx a, b;
	struct timespec c;
	int fd;

	/* The clock of file times may lag the precise one by a tick. */
	clock_gettime(CLOCK_REALTIME_COARSE, &c);
	t0 = ts_of(c);
	fd = open("bt", O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "create bt");
	close(fd);
	t1 = now();
	a = sx("bt");
	if (tcmp(a.stx_btime, t0) < 0 || tcmp(a.stx_btime, t1) > 0)
		die_ts("bt", "btime outside the creation", a.stx_btime, t0);
	/* a new inode's four times are one */
	if (tcmp(a.stx_btime, a.stx_mtime) || tcmp(a.stx_btime, a.stx_ctime) ||
	    tcmp(a.stx_btime, a.stx_atime))
		die_ts("bt", "btime of a new file is not its other times",
		       a.stx_btime, a.stx_mtime);

	/* Nothing that changes the file changes its birth. */
	tick();
	fd = open("bt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "append bt");
	close(fd);
	CHECK(chmod("bt", 0600) == 0, "chmod bt");
	set_times("bt", (struct timespec){ 1, 1 }, (struct timespec){ 2, 2 },
		  0);
	CHECK(rename("bt", "bt2") == 0 && rename("bt2", "bt") == 0,
	      "rename bt");
	b = sx("bt");
	SAME("bt", a, b, stx_btime);
	LATER("bt", a, b, stx_ctime);
}

/* Which calls change ctime and mtime, of the file and of its directory. */
static void changes(void)
{
	struct statx a, b, da, db, d2a, d2b;
	int fd;

	CHECK(mkdir("d1", 0755) == 0 && mkdir("d2", 0755) == 0, "mkdir");
	put("w", "w", 1);

	/* write: mtime and ctime */
	a = sx("w");
	tick();
	fd = open("w", O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "ww", 2, 0) == 2, "write w");
	b = sx("w");
	LATER("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	SAME("w", a, b, stx_atime);
	SAME("w", a, b, stx_btime);

	/* truncate to another size: mtime and ctime */
	a = b;
	tick();
	CHECK(ftruncate(fd, 100000) == 0, "ftruncate up");
	b = sx("w");
	LATER("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	a = b;
	tick();
	CHECK(truncate("w", 1) == 0, "truncate down");
	b = sx("w");
	LATER("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	close(fd);

	/* read: neither */
	a = b;
	tick();
	{
		char c;

		fd = open("w", O_RDONLY);
		CHECK(fd >= 0 && read(fd, &c, 1) == 1, "read w");
		close(fd);
	}
	b = sx("w");
	SAME("w", a, b, stx_mtime);
	SAME("w", a, b, stx_ctime);

	/* chmod, chown: ctime only */
	a = b;
	tick();
	CHECK(chmod("w", 0640) == 0, "chmod");
	b = sx("w");
	SAME("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	a = b;
	tick();
	CHECK(chown("w", 1, 1) == 0, "chown");
	b = sx("w");
	SAME("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);

	/* link: the file's ctime; the directory's mtime and ctime */
	a = b;
	da = sx("d1");
	tick();
	CHECK(link("w", "d1/l") == 0, "link");
	b = sx("w");
	db = sx("d1");
	SAME("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	LATER("d1", da, db, stx_mtime);
	LATER("d1", da, db, stx_ctime);
	CHECK(b.stx_nlink == 2, "nlink after link");

	/* rename in one directory: the file's ctime, the directory's */
	a = sx("w");
	da = sx("d1");
	tick();
	CHECK(rename("d1/l", "d1/l2") == 0 && rename("d1/l2", "d1/l") == 0,
	      "rename in d1");
	b = sx("w");
	db = sx("d1");
	SAME("w", a, b, stx_mtime);
	LATER("w", a, b, stx_ctime);
	LATER("d1", da, db, stx_mtime);
	LATER("d1", da, db, stx_ctime);

	/* rename across directories: the file's ctime, both directories' */
	put("w2", "2", 1);
	a = sx("w2");
	da = sx(".");
	d2a = sx("d2");
	tick();
	CHECK(rename("w2", "d2/moved") == 0, "rename w2 d2/moved");
	b = sx("d2/moved");
	db = sx(".");
	d2b = sx("d2");
	SAME("d2/moved", a, b, stx_mtime);
	LATER("d2/moved", a, b, stx_ctime);
	LATER(".", da, db, stx_mtime);
	LATER(".", da, db, stx_ctime);
	LATER("d2", d2a, d2b, stx_mtime);
	LATER("d2", d2a, d2b, stx_ctime);
	CHECK(link("d2/moved", "w2") == 0, "link d2/moved w2");

	/* unlink of one of two names: the file's ctime, the directory */
	put("gone", "g", 1);
	CHECK(link("w2", "w2b") == 0, "link w2 w2b");
	a = sx("w2");
	d2a = sx(".");
	tick();
	CHECK(unlink("w2b") == 0, "unlink w2b");
	b = sx("w2");
	d2b = sx(".");
	LATER("w2", a, b, stx_ctime);
	SAME("w2", a, b, stx_mtime);
	LATER(".", d2a, d2b, stx_mtime);
	LATER(".", d2a, d2b, stx_ctime);
	CHECK(b.stx_nlink == 2, "nlink of w2");

	/* create and unlink in a directory: its mtime and ctime */
	da = sx(".");
	tick();
	CHECK(unlink("gone") == 0, "unlink gone");
	db = sx(".");
	LATER(".", da, db, stx_mtime);
	LATER(".", da, db, stx_ctime);

	/* utimensat: ctime is now whatever the times are set to */
	a = sx("w");
	tick();
	set_times("w", (struct timespec){ 10, 0 }, (struct timespec){ 20, 0 },
		  0);
	b = sx("w");
	LATER("w", a, b, stx_ctime);
}

/*
 * relatime, the default: a read moves atime when it is not later than
 * mtime or ctime (or a day old, which cannot be set up: utimensat() makes
 * ctime now), and leaves it otherwise.
 */
static void relatime(void)
{
	struct statx a, b;
	time_t t = time(NULL);
	char c;
	int fd;

	put("at", "a", 1);
	set_times("at", (struct timespec){ t - 10000, 0 },
		  (struct timespec){ t - 5000, 0 }, 0);
	tick();
	a = sx("at");
	fd = open("at", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, &c, 1, 0) == 1, "read at");
	b = sx("at");
	LATER("at (atime older than mtime)", a, b, stx_atime);
	SAME("at", a, b, stx_mtime);
	SAME("at", a, b, stx_ctime);

	a = b;
	tick();
	CHECK(pread(fd, &c, 1, 0) == 1, "read at");
	b = sx("at");
	SAME("at (atime newer than mtime and ctime)", a, b, stx_atime);

	close(fd);
}

static void owners(void)
{
	struct statx st;

	put("own", "o", 1);
	CHECK(chown("own", 1234, 5678) == 0, "chown own");
	CHECK(chmod("own", 04751) == 0, "chmod own");
	CHECK(mkdir("ownd", 0755) == 0, "mkdir ownd");
	CHECK(chown("ownd", 4321, 8765) == 0, "chown ownd");
	CHECK(chmod("ownd", 01777) == 0, "chmod ownd");
	CHECK(symlink("own", "ownl") == 0, "symlink ownl");
	CHECK(lchown("ownl", 111, 222) == 0, "lchown ownl");
	st = sx("own");
	CHECK(st.stx_uid == 1234 && st.stx_gid == 5678 &&
	      st.stx_mode == (S_IFREG | 04751), "owner/mode of own");
	st = sx("ownd");
	CHECK(st.stx_uid == 4321 && st.stx_gid == 8765 &&
	      st.stx_mode == (S_IFDIR | 01777), "owner/mode of ownd");
	st = sx("ownl");
	CHECK(st.stx_uid == 111 && st.stx_gid == 222 &&
	      st.stx_mode == (S_IFLNK | 0777), "owner/mode of ownl");
	/* chown clears setuid, for root too (chown(2)) */
	CHECK(chown("own", 1234, 5678) == 0, "chown own again");
	CHECK(sx("own").stx_mode == (S_IFREG | 0751), "setuid after chown");
	CHECK(chmod("own", 04751) == 0, "chmod own again");
}

#define FIELDS \
	"%llu %llu %u %o %u %u %u %llu " \
	"%lld %u %lld %u %lld %u %lld %u"

static void dump(FILE *f, const char *path)
{
	struct statx st = sx(path);

	fprintf(f, "%s " FIELDS "\n", path,
		(unsigned long long)st.stx_size,
		(unsigned long long)st.stx_blocks, st.stx_blksize,
		st.stx_mode, st.stx_uid, st.stx_gid, st.stx_nlink,
		(unsigned long long)st.stx_ino,
		(long long)st.stx_atime.tv_sec, st.stx_atime.tv_nsec,
		(long long)st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec,
		(long long)st.stx_ctime.tv_sec, st.stx_ctime.tv_nsec,
		(long long)st.stx_btime.tv_sec, st.stx_btime.tv_nsec);
}

static void verify(const char *state)
{
	char want[512], got[512];
	FILE *f = fopen(state, "r");
	FILE *m;
	size_t i;

	CHECK(f, "open %s", state);
	for (i = 0; i < NNAMES; i++) {
		CHECK(fgets(want, sizeof(want), f), "state ends early");
		m = fmemopen(got, sizeof(got), "w");
		CHECK(m, "fmemopen");
		dump(m, names[i]);
		fclose(m);
		if (strcmp(want, got)) {
			errno = 0;
			die("statx changed:\n  was %s  now %s"
			    "  (name size blocks blksize mode uid gid nlink ino atime mtime ctime btime)",
			    want, got);
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	test_name = "statx_times";
	if (argc != 5) {
		fprintf(stderr, "usage: statx_times setup|verify DIR UNIT STATE\n");
		return 2;
	}
	unit = atol(argv[3]);
	CHECK(chdir(argv[2]) == 0, "chdir %s", argv[2]);
	if (!strcmp(argv[1], "setup")) {
		FILE *f;
		size_t i;

		sizes();
		nanoseconds();
		birth();
		changes();
		relatime();
		owners();
		f = fopen(argv[4], "w");
		CHECK(f, "create %s", argv[4]);
		for (i = 0; i < NNAMES; i++)
			dump(f, names[i]);
		CHECK(fclose(f) == 0, "write %s", argv[4]);
	} else if (!strcmp(argv[1], "verify")) {
		verify(argv[4]);
	} else {
		return 2;
	}
	return 0;
}
