// SPDX-License-Identifier: GPL-2.0
/*
 * write_marked FILE OFFSET LEN SEED MODE TAG: one pwritev2() of LEN pattern
 * bytes at OFFSET, RWF_ATOMIC unless MODE says plain, then the sync call
 * MODE names, bracketed in the kernel trace by "TAG before" and "TAG
 * after" lines written to trace_marker right before the write and right
 * after the last call returns, so that the trace shows what reached the
 * device before they returned (TAG "-": no marks, no trace needed).  MODE: words joined by '+': plain (no
 * RWF_ATOMIC), none, dsync (RWF_DSYNC), sync (RWF_SYNC), odsync (O_DSYNC
 * file), osync (O_SYNC file), direct (O_DIRECT file, aligned buffer),
 * fsync or fdatasync (called after the write).  Prints the result or
 * "errno N"; exits 0 when the call wrote LEN bytes (and the sync call
 * succeeded).
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

	if (tfd < 0)
		return;
	CHECK(write(tfd, msg, n) == n, "write %s", TRACE_MARKER);
}

/* Applies one word of MODE; returns 0, or -1 for an unknown word. */
static int mode_word(const char *w, int *flags, int *oflags, int *after)
{
	if (!strcmp(w, "plain"))
		*flags &= ~RWF_ATOMIC;
	else if (!strcmp(w, "dsync"))
		*flags |= RWF_DSYNC;
	else if (!strcmp(w, "sync"))
		*flags |= RWF_SYNC;
	else if (!strcmp(w, "odsync"))
		*oflags |= O_DSYNC;
	else if (!strcmp(w, "osync"))
		*oflags |= O_SYNC;
	else if (!strcmp(w, "direct"))
		*oflags |= O_DIRECT;
	else if (!strcmp(w, "fsync"))
		*after = 1;
	else if (!strcmp(w, "fdatasync"))
		*after = 2;
	else if (strcmp(w, "none"))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int flags = RWF_ATOMIC, oflags = O_RDWR | O_CREAT, after = 0;
	char mode[64], *w, *save;
	const char *tag;
	struct iovec iov;
	long long off;
	size_t len;
	uint64_t seed;
	ssize_t ret;
	int fd, tfd, err, sret = 0;
	void *buf;

	test_name = "write_marked";
	if (argc != 7) {
		fprintf(stderr, "usage: write_marked FILE OFFSET LEN SEED MODE[+MODE...] TAG\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	snprintf(mode, sizeof(mode), "%s", argv[5]);
	tag = argv[6];
	for (w = strtok_r(mode, "+", &save); w; w = strtok_r(NULL, "+", &save))
		if (mode_word(w, &flags, &oflags, &after))
			die("unknown mode %s", w);

	tfd = -1;
	if (strcmp(tag, "-")) {
		tfd = open(TRACE_MARKER, O_WRONLY);
		CHECK(tfd >= 0, "open %s", TRACE_MARKER);
	}
	fd = open(argv[1], oflags, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(posix_memalign(&buf, 1 << 20, len ? len : 1) == 0, "alloc");
	pattern_fill(buf, len, seed, off);
	iov.iov_base = buf;
	iov.iov_len = len;
	mark(tfd, tag, "before");
	ret = pwritev2(fd, &iov, 1, off, flags);
	err = errno;
	if (ret >= 0 && after)
		sret = after == 1 ? fsync(fd) : fdatasync(fd);
	mark(tfd, tag, "after");
	if (ret < 0) {
		printf("errno %d\n", err);
		return 1;
	}
	CHECK(sret == 0, "sync call");
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
