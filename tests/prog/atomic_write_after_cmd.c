// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_write_after_cmd FILE OFFSET LEN SEED CMD [ARGS...]: open FILE, run
 * CMD (which must succeed), then one RWF_ATOMIC pwritev2() of LEN pattern
 * bytes at OFFSET through the descriptor opened before CMD ran.  Prints the
 * result or "errno N"; exits 0 when the call wrote LEN bytes.
 */
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

int main(int argc, char **argv)
{
	struct iovec iov;
	long long off;
	size_t len;
	ssize_t ret;
	int fd, status;
	pid_t pid;
	void *buf;

	test_name = "atomic_write_after_cmd";
	if (argc < 6) {
		fprintf(stderr, "usage: atomic_write_after_cmd FILE OFFSET LEN SEED CMD [ARGS...]\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0, "open %s", argv[1]);
	CHECK(posix_memalign(&buf, 1 << 20, len ? len : 1) == 0, "alloc");
	pattern_fill(buf, len, strtoull(argv[4], NULL, 0), off);

	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(fd);
		execvp(argv[5], argv + 5);
		die("exec %s", argv[5]);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	errno = 0;
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s failed", argv[5]);

	iov.iov_base = buf;
	iov.iov_len = len;
	ret = pwritev2(fd, &iov, 1, off, RWF_ATOMIC);
	if (ret < 0) {
		printf("errno %d\n", errno);
		return 1;
	}
	printf("%zd\n", ret);
	return (size_t)ret == len ? 0 : 1;
}
