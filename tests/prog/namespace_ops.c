// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace semantics: rename (plain, RENAME_NOREPLACE, RENAME_EXCHANGE,
 * RENAME_WHITEOUT), link, symlink, unlink, rmdir, mknod, name length,
 * directory link counts, and an open unlinked file.
 *
 *   namespace_ops setup DIR SYMLINK_MAX
 *	does it all in the empty directory DIR, checking each errno, then
 *	checks the resulting tree as verify does
 *   namespace_ops verify DIR SYMLINK_MAX
 *	checks the tree setup left (after a remount: from disk)
 *
 * SYMLINK_MAX is the longest symlink target the filesystem stores.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>
#include "testutil.h"

static unsigned int symlink_max;

static void put(const char *path, const char *content)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	size_t len = strlen(content);

	CHECK(fd >= 0, "create %s", path);
	CHECK(write(fd, content, len) == (ssize_t)len, "write %s", path);
	CHECK(close(fd) == 0, "close %s", path);
}

static void expect_content(const char *path, const char *content)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0, "open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n >= 0, "read %s", path);
	buf[n] = '\0';
	close(fd);
	if (strcmp(buf, content)) {
		errno = 0;
		die("%s holds '%s', want '%s'", path, buf, content);
	}
}

static struct stat lst(const char *path)
{
	struct stat st;

	CHECK(lstat(path, &st) == 0, "lstat %s", path);
	return st;
}

static void expect_absent(const char *path)
{
	struct stat st;

	EXPECT_ERRNO(lstat(path, &st), ENOENT);
}

static void expect_nlink(const char *path, unsigned long want)
{
	struct stat st = lst(path);

	if (st.st_nlink != want) {
		errno = 0;
		die("%s: nlink %lu, want %lu", path,
		    (unsigned long)st.st_nlink, want);
	}
}

static void expect_type(const char *path, mode_t type)
{
	struct stat st = lst(path);

	if ((st.st_mode & S_IFMT) != type) {
		errno = 0;
		die("%s: mode 0%o, want type 0%o", path, st.st_mode, type);
	}
}

static int rename2(const char *from, const char *to, unsigned int flags)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

/* A target of exactly @len bytes that leads to "l1" in the same directory. */
static char *long_target(size_t len)
{
	char *t = malloc(len + 1);
	size_t i = 0;

	CHECK(t && len >= 2, "long_target");
	while (i + 2 < len) {
		/* "./" pairs, then one extra '/' when the length is odd */
		if (len - i - 2 == 1)
			t[i++] = '/';
		else {
			t[i++] = '.';
			t[i++] = '/';
		}
	}
	memcpy(t + i, "l1", 2);
	t[len] = '\0';
	return t;
}

static void expect_symlink(const char *path, const char *target)
{
	size_t len = strlen(target);
	char *buf = malloc(len + 2);
	struct stat st = lst(path);
	ssize_t n;

	CHECK(buf, "malloc");
	CHECK(S_ISLNK(st.st_mode), "%s is not a symlink", path);
	CHECK((size_t)st.st_size == len, "%s: st_size %ld, want %zu", path,
	      (long)st.st_size, len);
	n = readlink(path, buf, len + 2);
	CHECK(n == (ssize_t)len && !memcmp(buf, target, len),
	      "readlink %s: %zd bytes, want %zu", path, n, len);
	free(buf);
}

static long free_blocks(void)
{
	struct statfs sf;

	CHECK(statfs(".", &sf) == 0, "statfs");
	return sf.f_bfree;
}

/*
 * Walk the tree from @path: every directory's nlink is 2 plus its
 * subdirectories, its ".." is its parent, each entry's d_type is its
 * type; names of non-directories are counted per inode in @ino/@cnt.
 */
#define MAX_INODES 4096
static ino_t inos[MAX_INODES];
static unsigned long cnt[MAX_INODES], nl[MAX_INODES];
static int ninos;

static void walk(const char *path, ino_t parent)
{
	struct stat st = lst(path), dd;
	unsigned long subdirs = 0;
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(sub, sizeof(sub), "%s/..", path);
	CHECK(stat(sub, &dd) == 0, "stat %s", sub);
	CHECK(dd.st_ino == parent, "%s: '..' is inode %lu, want %lu", path,
	      (unsigned long)dd.st_ino, (unsigned long)parent);
	d = opendir(path);
	CHECK(d, "opendir %s", path);
	while ((errno = 0, de = readdir(d))) {
		struct stat es;
		int i;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		es = lst(sub);
		CHECK(de->d_ino == es.st_ino, "%s: d_ino %lu, st_ino %lu",
		      sub, (unsigned long)de->d_ino, (unsigned long)es.st_ino);
		CHECK((mode_t)DTTOIF(de->d_type) == (es.st_mode & S_IFMT),
		      "%s: d_type %u for mode 0%o", sub, de->d_type,
		      es.st_mode);
		if (S_ISDIR(es.st_mode)) {
			subdirs++;
			walk(sub, st.st_ino);
			continue;
		}
		for (i = 0; i < ninos; i++)
			if (inos[i] == es.st_ino)
				break;
		if (i == ninos) {
			CHECK(ninos < MAX_INODES, "too many inodes");
			inos[ninos++] = es.st_ino;
		}
		cnt[i]++;
		nl[i] = es.st_nlink;
	}
	CHECK(errno == 0, "readdir %s", path);
	closedir(d);
	CHECK(st.st_nlink == 2 + subdirs, "%s: nlink %lu with %lu subdirs",
	      path, (unsigned long)st.st_nlink, subdirs);
}

static void check_tree(void)
{
	struct stat top, up;
	int i;

	top = lst(".");
	CHECK(stat("..", &up) == 0, "stat ..");
	ninos = 0;
	memset(cnt, 0, sizeof(cnt));
	walk(".", up.st_ino);
	errno = 0;
	for (i = 0; i < ninos; i++)
		if (cnt[i] != nl[i])
			die("inode %lu has %lu names but nlink %lu",
			    (unsigned long)inos[i], cnt[i], nl[i]);
	(void)top;
}

static char n255[256], n256[257];

static void verify(void)
{
	struct stat a, b;
	char *t;

	/* rename file over file; RENAME_NOREPLACE */
	expect_absent("a");
	expect_absent("b");
	expect_content("c", "A");
	expect_nlink("c", 1);
	expect_content("b_link", "B");
	expect_nlink("b_link", 1);

	/* dir over empty dir; the refused renames changed nothing */
	expect_absent("d1");
	expect_content("d2/x", "X");
	expect_nlink("d2", 2);
	expect_type("d3", S_IFDIR);
	expect_nlink("d3", 2);
	expect_content("d4/y", "Y");
	expect_type("d4/sub", S_IFDIR);
	expect_nlink("d4", 3);

	/* RENAME_EXCHANGE of a file and a directory across directories */
	expect_type("p1/f", S_IFDIR);
	expect_content("p1/f/inner", "I");
	a = lst("p1");
	CHECK(stat("p1/f/..", &b) == 0, "stat p1/f/..");
	CHECK(a.st_ino == b.st_ino, "p1/f/.. is not p1");
	expect_type("p2/g", S_IFREG);
	expect_content("p2/g", "F");
	expect_content("p2/s1", "S2");
	expect_content("p2/s2", "S1");
	expect_nlink("p1", 4);		/* f, s4 */
	expect_nlink("p2", 3);		/* e */
	expect_type("p1/s4", S_IFDIR);
	expect_type("p2/e", S_IFDIR);
	expect_content("p2/e/from_s3", "3");

	/* RENAME_WHITEOUT: refused, or done with a whiteout left behind */
	if (lstat("w2", &b) == 0) {
		expect_content("w2", "W");
		a = lst("w1");
		CHECK(S_ISCHR(a.st_mode) && a.st_rdev == makedev(0, 0),
		      "w1 is not a whiteout");
	} else {
		expect_content("w1", "W");
	}

	/* link */
	a = lst("l1");
	b = lst("l2");
	CHECK(a.st_ino == b.st_ino, "l1 and l2 are different inodes");
	expect_nlink("l1", 2);
	expect_absent("l3");
	expect_content("l2", "L");

	/* symlinks */
	expect_symlink("s_short", "l1");
	t = long_target(120);
	expect_symlink("s_120", t);
	free(t);
	t = long_target(121);
	expect_symlink("s_121", t);
	expect_content("s_121", "L");
	free(t);
	t = long_target(symlink_max);
	expect_symlink("s_max", t);
	expect_content("s_max", "L");
	free(t);
	expect_symlink("s_loop", "s_loop");
	EXPECT_ERRNO(open("s_loop", O_RDONLY), ELOOP);
	expect_symlink("s_dangling", "nothere");
	EXPECT_ERRNO(open("s_dangling", O_RDONLY), ENOENT);
	expect_content("s_chain9", "L");

	/* name length */
	expect_content(n255, "N");
	expect_type(n255 + 1, S_IFDIR);
	EXPECT_ERRNO(lstat(n256, &a), ENAMETOOLONG);

	/* device nodes */
	a = lst("fifo");
	CHECK(S_ISFIFO(a.st_mode) && (a.st_mode & 07777) == 0640, "fifo");
	a = lst("cdev");
	CHECK(S_ISCHR(a.st_mode) && a.st_rdev == makedev(1, 3) &&
	      (a.st_mode & 07777) == 0666, "cdev");
	a = lst("bdev");
	CHECK(S_ISBLK(a.st_mode) && a.st_rdev == makedev(259, 123456) &&
	      (a.st_mode & 07777) == 0600, "bdev");
	a = lst("sock");
	CHECK(S_ISSOCK(a.st_mode) && (a.st_mode & 07777) == 0755, "sock");

	/* directory link counts */
	expect_nlink("nl", 4);		/* s1, s2 */
	expect_content("nl/f", "f");
	expect_type("un/keep", S_IFREG);
	expect_absent("un/u");

	check_tree();
}

static void setup(void)
{
	char *t;
	struct stat st;
	int fd, i;

	/* An open unlinked file keeps its blocks until the last close. */
	{
		static char buf[1 << 20];
		long b0, b1, b2;

		CHECK(mkdir("un", 0755) == 0, "mkdir un");
		put("un/keep", "k");
		b0 = free_blocks();
		fd = open("un/u", O_CREAT | O_EXCL | O_RDWR, 0644);
		CHECK(fd >= 0, "create un/u");
		pattern_fill(buf, sizeof(buf), 42, 0);
		CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "write");
		CHECK(fsync(fd) == 0, "fsync");
		b1 = free_blocks();
		CHECK(b1 <= b0 - (long)(sizeof(buf) / 4096),
		      "1 MiB written took %ld blocks", b0 - b1);
		CHECK(unlink("un/u") == 0, "unlink un/u");
		expect_absent("un/u");
		CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0,
		      "nlink of the open unlinked file");
		CHECK(free_blocks() == b1, "blocks freed while still open");
		memset(buf, 0, sizeof(buf));
		CHECK(pread(fd, buf, sizeof(buf), 0) == sizeof(buf), "pread");
		CHECK(pattern_check(buf, sizeof(buf), 42, 0) < 0,
		      "content of the open unlinked file");
		CHECK(close(fd) == 0, "close");
		for (i = 0; i < 200 && (b2 = free_blocks()) != b0; i++)
			usleep(10000);
		CHECK(b2 == b0, "after the last close %ld blocks free, want %ld",
		      b2, b0);
	}

	/* rename file over file: the target's inode loses one name */
	put("a", "A");
	put("b", "B");
	CHECK(link("b", "b_link") == 0, "link b b_link");
	expect_nlink("b_link", 2);
	st = lst("a");
	CHECK(rename("a", "b") == 0, "rename a b");
	CHECK(lst("b").st_ino == st.st_ino, "b is not a's inode");
	expect_nlink("b_link", 1);
	/* rename onto itself (a hard link of the same inode) is a no-op */
	CHECK(rename("b", "b") == 0, "rename b b");

	/* RENAME_NOREPLACE */
	EXPECT_ERRNO(rename2("b", "b_link", RENAME_NOREPLACE), EEXIST);
	CHECK(rename2("b", "c", RENAME_NOREPLACE) == 0, "noreplace b c");
	EXPECT_ERRNO(rename2("b", "c2", RENAME_NOREPLACE), ENOENT);
	EXPECT_ERRNO(rename2("c", "c2", RENAME_NOREPLACE | RENAME_EXCHANGE),
		     EINVAL);

	/* directories */
	CHECK(mkdir("d1", 0755) == 0, "mkdir d1");
	put("d1/x", "X");
	CHECK(mkdir("d2", 0755) == 0, "mkdir d2");
	CHECK(mkdir("d3", 0755) == 0, "mkdir d3");
	CHECK(mkdir("d4", 0755) == 0, "mkdir d4");
	put("d4/y", "Y");
	CHECK(mkdir("d4/sub", 0755) == 0, "mkdir d4/sub");
	expect_nlink(".", 7);		/* un, d1 .. d4 */
	CHECK(rename("d1", "d2") == 0, "rename d1 over empty d2");
	expect_nlink(".", 6);
	EXPECT_ERRNO(rename("d3", "d4"), ENOTEMPTY);
	EXPECT_ERRNO(rename("c", "d3"), EISDIR);
	EXPECT_ERRNO(rename("d3", "c"), ENOTDIR);
	EXPECT_ERRNO(rename("d4", "d4/sub/z"), EINVAL);
	EXPECT_ERRNO(rename("d4", "d4/sub"), EINVAL);
	EXPECT_ERRNO(rename("d4/sub", "d4"), ENOTEMPTY);
	EXPECT_ERRNO(rename("nothere", "d9"), ENOENT);
	EXPECT_ERRNO(rename("c", "nodir/c"), ENOENT);
	EXPECT_ERRNO(rename("c/", "c2"), ENOTDIR);

	/* RENAME_EXCHANGE: file and directory across directories */
	CHECK(mkdir("p1", 0755) == 0, "mkdir p1");
	CHECK(mkdir("p2", 0755) == 0, "mkdir p2");
	put("p1/f", "F");
	CHECK(mkdir("p2/g", 0755) == 0, "mkdir p2/g");
	put("p2/g/inner", "I");
	expect_nlink("p1", 2);
	expect_nlink("p2", 3);
	CHECK(rename2("p1/f", "p2/g", RENAME_EXCHANGE) == 0, "exchange");
	expect_nlink("p1", 3);
	expect_nlink("p2", 2);
	EXPECT_ERRNO(rename2("p1/nothere", "p2/g", RENAME_EXCHANGE), ENOENT);
	EXPECT_ERRNO(rename2("p2/g", "p2/nothere", RENAME_EXCHANGE), ENOENT);
	EXPECT_ERRNO(rename2("p1/f", "p1/f/inner", RENAME_EXCHANGE), EINVAL);
	/* two files in one directory */
	put("p2/s1", "S1");
	put("p2/s2", "S2");
	CHECK(rename2("p2/s1", "p2/s2", RENAME_EXCHANGE) == 0, "exchange s");
	/* exchanging back and forth twice is the identity */
	CHECK(rename2("p1/f", "p2/g", RENAME_EXCHANGE) == 0, "exchange 2");
	CHECK(rename2("p1/f", "p2/g", RENAME_EXCHANGE) == 0, "exchange 3");

	/* RENAME_WHITEOUT: EINVAL, or supported */
	put("w1", "W");
	if (rename2("w1", "w2", RENAME_WHITEOUT) != 0)
		CHECK(errno == EINVAL, "RENAME_WHITEOUT: want EINVAL or success");

	/* link */
	put("l1", "L");
	CHECK(link("l1", "l2") == 0, "link l1 l2");
	CHECK(link("l2", "l3") == 0, "link l2 l3");
	expect_nlink("l1", 3);
	EXPECT_ERRNO(link("d2", "dl"), EPERM);
	EXPECT_ERRNO(link("l1", "c"), EEXIST);
	EXPECT_ERRNO(link("l1", "d3"), EEXIST);
	EXPECT_ERRNO(link("nothere", "z"), ENOENT);
	CHECK(unlink("l3") == 0, "unlink l3");
	expect_nlink("l2", 2);

	/* symlinks: inline, in a block, the longest, too long */
	CHECK(symlink("l1", "s_short") == 0, "symlink short");
	t = long_target(120);
	CHECK(symlink(t, "s_120") == 0, "symlink 120");
	free(t);
	t = long_target(121);
	CHECK(symlink(t, "s_121") == 0, "symlink 121");
	free(t);
	t = long_target(symlink_max);
	CHECK(symlink(t, "s_max") == 0, "symlink %u", symlink_max);
	free(t);
	if (symlink_max < PATH_MAX - 1) {
		t = long_target(symlink_max + 1);
		EXPECT_ERRNO(symlink(t, "s_over"), ENAMETOOLONG);
		free(t);
		t = long_target(PATH_MAX - 1);
		EXPECT_ERRNO(symlink(t, "s_over"), ENAMETOOLONG);
		free(t);
	}
	t = long_target(PATH_MAX);
	EXPECT_ERRNO(symlink(t, "s_over"), ENAMETOOLONG);
	free(t);
	expect_absent("s_over");
	CHECK(symlink("s_loop", "s_loop") == 0, "symlink loop");
	CHECK(symlink("nothere", "s_dangling") == 0, "symlink dangling");
	EXPECT_ERRNO(symlink("x", "l1"), EEXIST);
	CHECK(symlink("s_short", "s_chain1") == 0, "chain");
	for (i = 2; i <= 9; i++) {
		char from[16], to[16];

		snprintf(from, sizeof(from), "s_chain%d", i - 1);
		snprintf(to, sizeof(to), "s_chain%d", i);
		CHECK(symlink(from, to) == 0, "symlink %s", to);
	}

	/* unlink and rmdir */
	EXPECT_ERRNO(rmdir("d4"), ENOTEMPTY);
	EXPECT_ERRNO(unlink("d3"), EISDIR);
	EXPECT_ERRNO(rmdir("l1"), ENOTDIR);
	EXPECT_ERRNO(rmdir("d3/."), EINVAL);
	EXPECT_ERRNO(unlink("nothere"), ENOENT);
	EXPECT_ERRNO(rmdir("nothere"), ENOENT);
	EXPECT_ERRNO(unlink("l1/"), ENOTDIR);
	CHECK(mkdir("gone", 0755) == 0, "mkdir gone");
	CHECK(rmdir("gone") == 0, "rmdir gone");
	expect_absent("gone");

	/* name length: 255 bytes is fine, 256 is ENAMETOOLONG everywhere */
	memset(n255, 'n', 255);
	memset(n256, 'n', 256);
	put(n255, "N");
	CHECK(mkdir(n255 + 1, 0755) == 0, "mkdir 254");
	EXPECT_ERRNO(open(n256, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	EXPECT_ERRNO(mkdir(n256, 0755), ENAMETOOLONG);
	EXPECT_ERRNO(symlink("x", n256), ENAMETOOLONG);
	EXPECT_ERRNO(link("l1", n256), ENAMETOOLONG);
	EXPECT_ERRNO(rename("c", n256), ENAMETOOLONG);
	EXPECT_ERRNO(mknod(n256, S_IFIFO | 0644, 0), ENAMETOOLONG);
	EXPECT_ERRNO(lstat(n256, &st), ENAMETOOLONG);

	/* device nodes, a fifo and a socket */
	umask(0);
	CHECK(mknod("fifo", S_IFIFO | 0640, 0) == 0, "mknod fifo");
	CHECK(mknod("cdev", S_IFCHR | 0666, makedev(1, 3)) == 0, "mknod c");
	CHECK(mknod("bdev", S_IFBLK | 0600, makedev(259, 123456)) == 0,
	      "mknod b");
	CHECK(mknod("sock", S_IFSOCK | 0755, 0) == 0, "mknod sock");
	EXPECT_ERRNO(mknod("fifo", S_IFIFO | 0640, 0), EEXIST);
	/* they work as what they are: /dev/null and a pipe */
	fd = open("cdev", O_RDWR);
	CHECK(fd >= 0, "open the char device");
	CHECK(write(fd, "x", 1) == 1, "write to 1:3");
	CHECK(read(fd, &st, 1) == 0, "read from 1:3");
	close(fd);
	fd = open("fifo", O_RDWR | O_NONBLOCK);
	CHECK(fd >= 0, "open fifo");
	CHECK(write(fd, "pipe", 4) == 4, "write fifo");
	{
		char p[8] = "";

		CHECK(read(fd, p, sizeof(p)) == 4 && !memcmp(p, "pipe", 4),
		      "read fifo");
	}
	close(fd);

	/* directory link count: 2 + subdirectories */
	CHECK(mkdir("nl", 0755) == 0, "mkdir nl");
	expect_nlink("nl", 2);
	for (i = 1; i <= 5; i++) {
		char p[16];

		snprintf(p, sizeof(p), "nl/s%d", i);
		CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
	}
	put("nl/f", "f");
	CHECK(symlink("s1", "nl/sl") == 0, "symlink nl/sl");
	CHECK(unlink("nl/sl") == 0, "unlink nl/sl");
	expect_nlink("nl", 7);
	CHECK(rmdir("nl/s5") == 0, "rmdir nl/s5");
	expect_nlink("nl", 6);
	CHECK(rename("nl/s4", "p1/s4") == 0, "rename s4 to p1");
	expect_nlink("nl", 5);
	expect_nlink("p1", 4);
	CHECK(mkdir("p2/e", 0755) == 0, "mkdir p2/e");
	put("nl/s3/from_s3", "3");
	CHECK(rename("nl/s3", "p2/e") == 0, "rename s3 over p2/e");
	expect_nlink("nl", 4);
	expect_nlink("p2", 3);
	/* a rename inside one directory changes no count */
	CHECK(rename("nl/s2", "nl/s2b") == 0 && rename("nl/s2b", "nl/s2") == 0,
	      "rename in place");
	expect_nlink("nl", 4);
}

int main(int argc, char **argv)
{
	test_name = "namespace_ops";
	if (argc != 4) {
		fprintf(stderr, "usage: namespace_ops setup|verify DIR MAX\n");
		return 2;
	}
	symlink_max = atoi(argv[3]);
	CHECK(chdir(argv[2]) == 0, "chdir %s", argv[2]);
	memset(n255, 'n', 255);
	memset(n256, 'n', 256);
	if (!strcmp(argv[1], "setup"))
		setup();
	else if (strcmp(argv[1], "verify"))
		return 2;
	verify();
	return 0;
}
