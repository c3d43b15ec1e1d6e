// SPDX-License-Identifier: GPL-2.0
/*
 * splice_untorn FILE UNIT SECONDS: while a writer makes RWF_ATOMIC writes
 * of unit 0 of FILE, each a new version (every 8-byte word holds the
 * version number), readers take the unit by read(2), by splice(2) into a
 * pipe then read from it, by sendfile(2) into a pipe, and by
 * copy_file_range(2) into FILE.copy then read back: each must see one
 * version whole.  Prints the reads and the torn ones per reader; exits 1
 * if any read was torn.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

enum reader { R_READ, R_SPLICE, R_SENDFILE, R_COPY, R_NR };
static const char * const reader_names[R_NR] = {
	"read", "splice", "sendfile", "copy_file_range",
};

static const char *file;
static size_t unit;
static volatile int stop;
static unsigned long reads[R_NR], torn[R_NR];

static void *writer(void *arg)
{
	uint64_t *buf, v = 1;
	struct iovec iov;
	size_t i;
	int fd;

	(void)arg;
	CHECK(posix_memalign((void **)&buf, 4096, unit) == 0, "alloc");
	fd = EXPECT_OK(open(file, O_RDWR));
	while (!stop) {
		v++;
		for (i = 0; i < unit / 8; i++)
			buf[i] = v;
		iov.iov_base = buf;
		iov.iov_len = unit;
		CHECK(pwritev2(fd, &iov, 1, 0, RWF_ATOMIC) == (ssize_t)unit,
		      "pwritev2 RWF_ATOMIC");
	}
	close(fd);
	free(buf);
	return NULL;
}

/* Read exactly @len bytes from a pipe. */
static void read_pipe(int rfd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(rfd, buf + got, len - got);
		CHECK(n > 0, "read pipe");
		got += n;
	}
}

/* Move @len bytes of @fd from offset 0 into the pipe. */
static void fill_pipe(enum reader r, int fd, int wfd, size_t len)
{
	size_t moved = 0;
	loff_t off = 0;
	off_t soff = 0;
	ssize_t n;

	while (moved < len) {
		if (r == R_SPLICE)
			n = splice(fd, &off, wfd, NULL, len - moved, 0);
		else
			n = sendfile(wfd, fd, &soff, len - moved);
		CHECK(n > 0, "%s", reader_names[r]);
		moved += n;
	}
}

static void take(enum reader r, int fd, int pfd[2], int cfd, uint8_t *buf)
{
	loff_t in = 0, out = 0;
	uint64_t *w = (uint64_t *)buf;
	size_t i;

	switch (r) {
	case R_READ:
		CHECK(pread(fd, buf, unit, 0) == (ssize_t)unit, "pread");
		break;
	case R_SPLICE:
	case R_SENDFILE:
		fill_pipe(r, fd, pfd[1], unit);
		read_pipe(pfd[0], buf, unit);
		break;
	case R_COPY:
		CHECK(copy_file_range(fd, &in, cfd, &out, unit, 0) ==
		      (ssize_t)unit, "copy_file_range");
		CHECK(pread(cfd, buf, unit, 0) == (ssize_t)unit, "pread copy");
		break;
	default:
		die("reader %d", r);
	}
	reads[r]++;
	for (i = 1; i < unit / 8; i++) {
		if (w[i] != w[0]) {
			torn[r]++;
			return;
		}
	}
}

int main(int argc, char **argv)
{
	char copy[4096];
	pthread_t thread;
	int fd, cfd, pfd[2], bad = 0;
	time_t end;
	uint8_t *buf;
	enum reader r;

	test_name = "splice_untorn";
	if (argc != 4) {
		fprintf(stderr, "usage: splice_untorn FILE UNIT SECONDS\n");
		return 2;
	}
	file = argv[1];
	unit = strtoul(argv[2], NULL, 0);
	end = time(NULL) + atoi(argv[3]);
	buf = malloc(unit);
	CHECK(buf, "malloc");
	fd = EXPECT_OK(open(file, O_RDWR | O_CREAT | O_TRUNC, 0644));
	/* Version 1: every word 1 (zeros from truncate: version 0). */
	memset(buf, 0, unit);
	for (size_t i = 0; i < unit / 8; i++)
		((uint64_t *)buf)[i] = 1;
	CHECK(pwrite(fd, buf, unit, 0) == (ssize_t)unit, "pwrite");
	snprintf(copy, sizeof(copy), "%s.copy", file);
	cfd = EXPECT_OK(open(copy, O_RDWR | O_CREAT | O_TRUNC, 0644));
	EXPECT_OK(pipe(pfd));
	EXPECT_OK(fcntl(pfd[1], F_SETPIPE_SZ, (int)(4 * unit)));
	CHECK(pthread_create(&thread, NULL, writer, NULL) == 0, "thread");
	for (r = 0; time(NULL) < end; r = (r + 1) % R_NR)
		take(r, fd, pfd, cfd, buf);
	stop = 1;
	pthread_join(thread, NULL);
	for (r = 0; r < R_NR; r++) {
		printf("%s: %lu reads, %lu torn\n", reader_names[r], reads[r],
		       torn[r]);
		bad |= torn[r] != 0;
	}
	return bad;
}
