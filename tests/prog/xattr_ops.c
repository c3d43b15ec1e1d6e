// SPDX-License-Identifier: GPL-2.0
/*
 * xattr_ops OP PATH ARGS...: one extended attribute call, printing its
 * result or the name of the errno it failed with (ENODATA, ERANGE, ...),
 * so that a test can require the exact error.
 *   set PATH NAME SIZE SEED [create|replace]
 *		lsetxattr(2) of SIZE pattern bytes of stream SEED
 *   get PATH NAME SIZE SEED [BUFSIZE]
 *		lgetxattr(2) into a BUFSIZE-byte buffer (default 64 KiB);
 *		prints "ok" when the value is SIZE pattern bytes of SEED
 *   len PATH NAME	lgetxattr(2) with size 0: prints the value's length
 *   remove PATH NAME	lremovexattr(2)
 *   list PATH [BUFSIZE] llistxattr(2): prints the names, sorted, one a
 *		line, or the errno
 *   listlen PATH	llistxattr(2) with size 0: prints the length
 *   fill PATH PREFIX SIZE
 *		sets PREFIX0, PREFIX1, ... of SIZE bytes each until one
 *		fails; prints how many were set and the errno that stopped it
 * Exits 0 either way; 1 on misuse.
 */
#include <sys/xattr.h>

#include "testutil.h"

#define BIG (64 * 1024)

static void print_result(long r)
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("ok\n");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void print_list(char *buf, ssize_t n)
{
	char *names[4096];
	size_t nr = 0, i;
	ssize_t off = 0;

	while (off < n && nr < 4096) {
		names[nr++] = buf + off;
		off += strlen(buf + off) + 1;
	}
	qsort(names, nr, sizeof(*names), name_cmp);
	for (i = 0; i < nr; i++)
		printf("%s\n", names[i]);
}

static void pattern_value(char *buf, size_t size, uint64_t seed)
{
	pattern_fill(buf, size, seed, 0);
}

int main(int argc, char **argv)
{
	static char buf[BIG], want[BIG];
	const char *op, *path;
	long r;

	test_name = "xattr_ops";
	if (argc < 3)
		return 1;
	op = argv[1];
	path = argv[2];
	if (!strcmp(op, "set") && (argc == 6 || argc == 7)) {
		size_t size = strtoul(argv[4], NULL, 0);
		int flags = 0;

		if (size > BIG)
			return 1;
		if (argc == 7)
			flags = !strcmp(argv[6], "create") ? XATTR_CREATE :
				XATTR_REPLACE;
		pattern_value(buf, size, strtoull(argv[5], NULL, 0));
		print_result(lsetxattr(path, argv[3], buf, size, flags));
	} else if (!strcmp(op, "get") && (argc == 6 || argc == 7)) {
		size_t size = strtoul(argv[4], NULL, 0);
		size_t bufsize = argc == 7 ? strtoul(argv[6], NULL, 0) : BIG;

		if (size > BIG || bufsize > BIG)
			return 1;
		r = lgetxattr(path, argv[3], buf, bufsize);
		if (r < 0) {
			print_result(r);
			return 0;
		}
		pattern_value(want, size, strtoull(argv[5], NULL, 0));
		if ((size_t)r != size || memcmp(buf, want, size))
			printf("differs: %ld bytes\n", r);
		else
			printf("ok\n");
	} else if (!strcmp(op, "len") && argc == 4) {
		r = lgetxattr(path, argv[3], NULL, 0);
		if (r < 0)
			print_result(r);
		else
			printf("%ld\n", r);
	} else if (!strcmp(op, "remove") && argc == 4) {
		print_result(lremovexattr(path, argv[3]));
	} else if (!strcmp(op, "list") && (argc == 3 || argc == 4)) {
		size_t bufsize = argc == 4 ? strtoul(argv[3], NULL, 0) : BIG;

		if (bufsize > BIG)
			return 1;
		r = llistxattr(path, buf, bufsize);
		if (r < 0)
			print_result(r);
		else
			print_list(buf, r);
	} else if (!strcmp(op, "listlen") && argc == 3) {
		r = llistxattr(path, NULL, 0);
		if (r < 0)
			print_result(r);
		else
			printf("%ld\n", r);
	} else if (!strcmp(op, "fill") && argc == 5) {
		size_t size = strtoul(argv[4], NULL, 0);
		char name[300];
		unsigned int i;

		if (size > BIG)
			return 1;
		for (i = 0;; i++) {
			snprintf(name, sizeof(name), "%s%u", argv[3], i);
			pattern_value(buf, size, i);
			if (lsetxattr(path, name, buf, size, XATTR_CREATE))
				break;
		}
		printf("%u %s\n", i, strerrorname_np(errno));
	} else {
		return 1;
	}
	return 0;
}
