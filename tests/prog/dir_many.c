// SPDX-License-Identifier: GPL-2.0
/*
 * A directory with many entries of mixed types.
 *
 *   dir_many create DIR N	create e0 .. e<N-1> with O_CREAT|O_EXCL (every
 *				50th a directory, a symlink or a fifo)
 *   dir_many check DIR N	stat each name; readdir returns each exactly
 *				once, with "." and "..", the right d_type and
 *				the inode stat gives; telldir/seekdir resume
 *   dir_many remove DIR N	unlink (rmdir) them all; readdir is then
 *				only "." and ".."
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "testutil.h"

static int dfd;
static long n;

/* Type of entry @i, as a d_type. */
static unsigned char kind(long i)
{
	switch (i % 50) {
	case 7:
		return DT_DIR;
	case 8:
		return DT_LNK;
	case 9:
		return DT_FIFO;
	default:
		return DT_REG;
	}
}

static void name_of(long i, char *buf, size_t len)
{
	snprintf(buf, len, "e%ld", i);
}

/* Index of a name "e<i>", or -1 for anything else. */
static long index_of(const char *name)
{
	char *end;
	long i;

	if (name[0] != 'e' || !name[1])
		return -1;
	i = strtol(name + 1, &end, 10);
	if (*end || i < 0 || i >= n)
		return -1;
	return i;
}

static void do_create(void)
{
	char name[32];
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		switch (kind(i)) {
		case DT_DIR:
			EXPECT_OK(mkdirat(dfd, name, 0755));
			break;
		case DT_LNK:
			EXPECT_OK(symlinkat("e0", dfd, name));
			break;
		case DT_FIFO:
			EXPECT_OK(mknodat(dfd, name, S_IFIFO | 0644, 0));
			break;
		default:
			fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY,
				    0644);
			CHECK(fd >= 0, "create %s", name);
			close(fd);
		}
	}
	/* A second exclusive create of any of them must fail. */
	for (i = 0; i < n; i += n / 7 + 1) {
		name_of(i, name, sizeof(name));
		EXPECT_ERRNO(openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY,
				    0644), EEXIST);
	}
}

static unsigned char mode_dtype(mode_t m)
{
	if (S_ISDIR(m))
		return DT_DIR;
	if (S_ISLNK(m))
		return DT_LNK;
	if (S_ISFIFO(m))
		return DT_FIFO;
	if (S_ISREG(m))
		return DT_REG;
	return DT_UNKNOWN;
}

/*
 * Read the directory from its current position to the end, counting each
 * entry in @seen; @inos gets the inode numbers.  Returns entries read.
 */
static long read_rest(DIR *d, unsigned char *seen, ino_t *inos, int *dots)
{
	struct dirent *de;
	long count = 0;

	for (;;) {
		long i;

		errno = 0;
		de = readdir(d);
		if (!de) {
			CHECK(errno == 0, "readdir");
			break;
		}
		count++;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			CHECK(de->d_type == DT_DIR, "d_type of %s", de->d_name);
			dots[de->d_name[1] == '.']++;
			continue;
		}
		i = index_of(de->d_name);
		CHECK(i >= 0, "readdir returned a stranger: '%s'", de->d_name);
		CHECK(seen[i] < 255, "overflow");
		seen[i]++;
		if (de->d_type != kind(i)) {
			errno = 0;
			die("%s: d_type %u, want %u", de->d_name, de->d_type,
			    kind(i));
		}
		if (inos)
			inos[i] = de->d_ino;
	}
	return count;
}

static void expect_all_once(const unsigned char *seen, const int *dots,
			    const char *what)
{
	long i;

	errno = 0;
	for (i = 0; i < n; i++)
		if (seen[i] != 1)
			die("%s: e%ld seen %u times", what, i, seen[i]);
	if (dots[0] != 1 || dots[1] != 1)
		die("%s: '.' seen %d times, '..' %d times", what, dots[0],
		    dots[1]);
}

static void do_check(const char *path)
{
	unsigned char *seen = calloc(n + 1, 1);
	ino_t *inos = calloc(n + 1, sizeof(*inos));
	long i, subdirs = 0, total, k;
	int dots[2] = { 0, 0 };
	struct stat st;
	char name[32];
	DIR *d;

	CHECK(seen && inos, "calloc");

	/* Lookup of every name. */
	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0,
		      "stat %s", name);
		if (mode_dtype(st.st_mode) != kind(i)) {
			errno = 0;
			die("%s: mode 0%o, want d_type %u", name, st.st_mode,
			    kind(i));
		}
		inos[i] = st.st_ino;
		subdirs += kind(i) == DT_DIR;
	}
	EXPECT_ERRNO(fstatat(dfd, "e-absent", &st, 0), ENOENT);
	name_of(n, name, sizeof(name));
	EXPECT_ERRNO(fstatat(dfd, name, &st, 0), ENOENT);
	CHECK(fstat(dfd, &st) == 0, "fstat dir");
	if ((long)st.st_nlink != 2 + subdirs) {
		errno = 0;
		die("directory nlink %lu, want %ld", (unsigned long)st.st_nlink,
		    2 + subdirs);
	}

	/* One pass: every name once, d_ino as stat says. */
	d = opendir(path);
	CHECK(d, "opendir %s", path);
	{
		ino_t *rino = calloc(n + 1, sizeof(*rino));

		CHECK(rino, "calloc");
		total = read_rest(d, seen, rino, dots);
		expect_all_once(seen, dots, "full readdir");
		for (i = 0; i < n; i++)
			if (rino[i] != inos[i]) {
				errno = 0;
				die("e%ld: d_ino %lu, stat %lu", i,
				    (unsigned long)rino[i],
				    (unsigned long)inos[i]);
			}
		free(rino);
	}
	CHECK(total == n + 2, "readdir returned %ld entries, want %ld",
	      total, n + 2);

	/*
	 * Resumption: stop at several points, note telldir(), and go on
	 * from there in a new directory stream: the two parts together are
	 * the whole directory, each entry once.  Also seek back within one
	 * stream and read the same entries again.
	 */
	for (k = 1; k <= 5; k++) {
		long stop = (total * k) / 6, j;
		unsigned char *seen2 = calloc(n + 1, 1);
		int dots2[2] = { 0, 0 };
		char first[256];
		struct dirent *de;
		long pos, again;
		DIR *d2;

		CHECK(seen2, "calloc");
		rewinddir(d);
		for (j = 0; j < stop; j++) {
			de = readdir(d);
			CHECK(de, "readdir %ld of %ld", j, stop);
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..")) {
				dots2[de->d_name[1] == '.']++;
				continue;
			}
			seen2[index_of(de->d_name)]++;
		}
		pos = telldir(d);
		CHECK(pos >= 0, "telldir");
		de = readdir(d);
		CHECK(de, "readdir after telldir");
		snprintf(first, sizeof(first), "%s", de->d_name);
		/* Back in the same stream: the same entry comes again. */
		seekdir(d, pos);
		de = readdir(d);
		CHECK(de && !strcmp(de->d_name, first),
		      "seekdir back gave '%s', want '%s'",
		      de ? de->d_name : "(end)", first);

		d2 = opendir(path);
		CHECK(d2, "opendir");
		seekdir(d2, pos);
		again = read_rest(d2, seen2, NULL, dots2);
		closedir(d2);
		CHECK(stop + again == total,
		      "resumed at %ld: %ld + %ld entries, want %ld", pos, stop,
		      again, total);
		expect_all_once(seen2, dots2, "readdir resumed by seekdir");
		free(seen2);
	}
	closedir(d);
	free(seen);
	free(inos);
}

static void do_remove(const char *path)
{
	unsigned char *seen = calloc(n + 1, 1);
	int dots[2] = { 0, 0 };
	struct stat st;
	char name[32];
	long i;
	DIR *d;

	CHECK(seen, "calloc");
	for (i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		EXPECT_OK(unlinkat(dfd, name,
				   kind(i) == DT_DIR ? AT_REMOVEDIR : 0));
	}
	EXPECT_ERRNO(fstatat(dfd, "e0", &st, 0), ENOENT);
	d = opendir(path);
	CHECK(d, "opendir");
	CHECK(read_rest(d, seen, NULL, dots) == 2,
	      "an emptied directory lists more than '.' and '..'");
	closedir(d);
	CHECK(dots[0] == 1 && dots[1] == 1, "dots of the emptied directory");
	CHECK(fstat(dfd, &st) == 0 && st.st_nlink == 2,
	      "nlink of the emptied directory %lu",
	      (unsigned long)st.st_nlink);
	free(seen);
}

int main(int argc, char **argv)
{
	test_name = "dir_many";
	if (argc != 4) {
		fprintf(stderr, "usage: dir_many create|check|remove DIR N\n");
		return 2;
	}
	n = atol(argv[3]);
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open %s", argv[2]);
	if (!strcmp(argv[1], "create"))
		do_create();
	else if (!strcmp(argv[1], "check"))
		do_check(argv[2]);
	else if (!strcmp(argv[1], "remove"))
		do_remove(argv[2]);
	else
		return 2;
	close(dfd);
	return 0;
}
