// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_write_marked FILE OFFSET LEN SEED MODE TAG: one RWF_ATOMIC
 * pwritev2() of LEN pattern bytes at OFFSET, bracketed in the kernel trace
 * by "TAG before" and "TAG after" lines written to trace_marker right
 * before the call and right after it returns, so that the trace shows what
 * reached the device before the call returned.  MODE: none, dsync (RWF_DSYNC),
 * sync (RWF_SYNC), odsync (O_DSYNC file), osync (O_SYNC file), direct
 * (O_DIRECT file, aligned buffer).  Prints the result or "errno N"; exits 0
 * when the call wrote LEN bytes.
 */
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

#define TRACE_MARKER	"/sys/kernel/tracing/trace_marker"

static void mark(int tfd, const char *tag, const char *what)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%s %s\n", tag, what);

	CHECK(write(tfd, msg, n) == n, "write %s", TRACE_MARKER);
}

int main(int argc, char **argv)
{
	int flags = RWF_ATOMIC, oflags = O_RDWR | O_CREAT;
	const char *mode, *tag;
	struct iovec iov;
	long long off;
	size_t len;
	uint64_t seed;
	ssize_t ret;
	int fd, tfd, err;
	void *buf;

	test_name = "atomic_write_marked";
	if (argc != 7) {
		fprintf(stderr, "usage: atomic_write_marked FILE OFFSET LEN SEED none|dsync|sync|odsync|osync|direct TAG\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	mode = argv[5];
	tag = argv[6];
	if (!strcmp(mode, "dsync"))
		flags |= RWF_DSYNC;
	else if (!strcmp(mode, "sync"))
		flags |= RWF_SYNC;
	else if (!strcmp(mode, "odsync"))
		oflags |= O_DSYNC;
	else if (!strcmp(mode, "osync"))
		oflags |= O_SYNC;
	else if (!strcmp(mode, "direct"))
		oflags |= O_DIRECT;
	else if (strcmp(mode, "none"))
		die("unknown mode %s", mode);

	tfd = open(TRACE_MARKER, O_WRONLY);
	CHECK(tfd >= 0, "open %s", TRACE_MARKER);
	fd = open(argv[1], oflags, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(posix_memalign(&buf, 1 << 20, len ? len : 1) == 0, "alloc");
	pattern_fill(buf, len, seed, off);
	iov.iov_base = buf;
	iov.iov_len = len;
	mark(tfd, tag, "before");
	ret = pwritev2(fd, &iov, 1, off, flags);
	err = errno;
	mark(tfd, tag, "after");
	if (ret < 0) {
		printf("errno %d\n", err);
		return 1;
	}
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
