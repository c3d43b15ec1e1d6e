// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_walk DIR: use a mounted filesystem that may be damaged the way a
 * program would, and say what happened.  Every name under DIR is looked up
 * (lstat), every directory listed, every file read to its end, every
 * symlink read; then a file is written, fsync'd, renamed, an existing file
 * renamed and back, and the new file unlinked; a directory is made and
 * removed.  Failures are counted by errno, not judged: on a damaged
 * filesystem EUCLEAN (and EROFS after it) is the right answer, and which
 * call meets the damage first depends on the damage.
 *
 * Prints one line: "walk: N names, N bytes read, N ok calls, EUCLEAN N,
 * EROFS N, other N (first: CALL PATH ERRNO), ro 0|1".  Exits 0; 1 only on
 * misuse.  Bounded: 20,000 names, depth 32, 16 MiB a file.
 */
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "testutil.h"

#define MAX_NAMES	20000
#define MAX_DEPTH	32
#define MAX_READ	(16 << 20)

static unsigned long names, okcalls, euclean, erofs, other;
static unsigned long long bytes;
static char first_other[PATH_MAX + 64];
static char some_file[PATH_MAX];

/* Count the outcome of one call on @path; returns @ret. */
static long count(long ret, const char *call, const char *path)
{
	if (ret >= 0) {
		okcalls++;
		return ret;
	}
	if (errno == EUCLEAN) {
		euclean++;
	} else if (errno == EROFS) {
		erofs++;
	} else {
		if (!other++)
			snprintf(first_other, sizeof(first_other), "%s %s %s",
				 call, path, strerrorname_np(errno));
	}
	return ret;
}

static void read_file(const char *path)
{
	static char buf[65536];
	int fd = count(open(path, O_RDONLY | O_NOFOLLOW), "open", path);
	unsigned long long done = 0;
	ssize_t n;

	if (fd < 0)
		return;
	while (done < MAX_READ) {
		n = count(read(fd, buf, sizeof(buf)), "read", path);
		if (n <= 0)
			break;
		done += n;
	}
	bytes += done;
	close(fd);
}

static void walk(const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX];

	errno = 0;
	d = opendir(dir);
	if (!d) {
		count(-1, "opendir", dir);
		return;
	}
	okcalls++;
	for (;;) {
		struct stat st;
		char target[PATH_MAX];

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				count(-1, "readdir", dir);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++names > MAX_NAMES)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (count(lstat(path, &st), "lstat", path) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			walk(path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			if (!some_file[0] && depth == 0)
				snprintf(some_file, sizeof(some_file), "%s",
					 path);
			read_file(path);
		} else if (S_ISLNK(st.st_mode)) {
			count(readlink(path, target, sizeof(target)),
			      "readlink", path);
		}
	}
	closedir(d);
}

static void change(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX + 8];
	static char buf[20000];
	int fd;

	snprintf(a, sizeof(a), "%s/fuzz-new", dir);
	snprintf(b, sizeof(b), "%s/fuzz-renamed", dir);
	memset(buf, 0x5a, sizeof(buf));
	fd = count(open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644), "create", a);
	if (fd >= 0) {
		count(write(fd, buf, sizeof(buf)), "write", a);
		count(fsync(fd), "fsync", a);
		close(fd);
		if (count(rename(a, b), "rename", a) == 0)
			count(unlink(b), "unlink", b);
		else
			count(unlink(a), "unlink", a);
	}
	if (some_file[0]) {
		snprintf(c, sizeof(c), "%s.moved", some_file);
		if (count(rename(some_file, c), "rename", some_file) == 0)
			count(rename(c, some_file), "rename", c);
	}
	snprintf(a, sizeof(a), "%s/fuzz-dir", dir);
	if (count(mkdir(a, 0755), "mkdir", a) == 0)
		count(rmdir(a), "rmdir", a);
	fd = count(open(dir, O_RDONLY | O_DIRECTORY), "open", dir);
	if (fd >= 0) {
		count(syncfs(fd), "syncfs", dir);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	struct statvfs sv;
	int ro;

	test_name = "fuzz_walk";
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_walk DIR\n");
		return 1;
	}
	walk(argv[1], 0);
	change(argv[1]);
	ro = !statvfs(argv[1], &sv) && (sv.f_flag & ST_RDONLY);
	printf("walk: %lu names, %llu bytes read, %lu ok calls, EUCLEAN %lu, EROFS %lu, other %lu%s%s%s, ro %d\n",
	       names, bytes, okcalls, euclean, erofs, other,
	       other ? " (first: " : "", first_other, other ? ")" : "", ro);
	return 0;
}
