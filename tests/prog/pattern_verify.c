// SPDX-License-Identifier: GPL-2.0
/*
 * pattern_verify FILE OFFSET LEN SEED|zero: the LEN bytes at OFFSET of FILE
 * (read(2) through the page cache) are pattern_fill(SEED, OFFSET), or zeros.
 * pattern_verify FILE -: the same for each "OFFSET LEN SEED|zero" line of
 * standard input.  Exits 0 when every range matches; prints each mismatch.
 */
#include <fcntl.h>
#include <unistd.h>
#include "testutil.h"

static int verify(int fd, const char *name, long long off, size_t len,
		  const char *seedstr)
{
	int zero = !strcmp(seedstr, "zero");
	uint64_t seed = zero ? 0 : strtoull(seedstr, NULL, 0);
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t got;
	long bad = -1;
	size_t i;

	CHECK(buf, "alloc");
	got = pread(fd, buf, len, off);
	CHECK(got >= 0, "pread %s at %lld", name, off);
	if ((size_t)got != len) {
		printf("%s: offset %lld: short read %zd of %zu\n", name, off,
		       got, len);
		free(buf);
		return 1;
	}
	if (zero) {
		for (i = 0; i < len && bad < 0; i++)
			if (buf[i])
				bad = (long)i;
	} else {
		bad = pattern_check(buf, len, seed, off);
	}
	free(buf);
	if (bad >= 0) {
		printf("%s: range %lld+%zu (%s): first wrong byte at %lld\n",
		       name, off, len, seedstr, off + bad);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char line[256], seedstr[64];
	long long off;
	size_t len;
	int fd, bad = 0;

	test_name = "pattern_verify";
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: pattern_verify FILE OFFSET LEN SEED|zero\n"
			"       pattern_verify FILE - <'OFFSET LEN SEED|zero' lines\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	CHECK(fd >= 0, "open %s", argv[1]);
	if (argc == 5)
		return verify(fd, argv[1], strtoll(argv[2], NULL, 0),
			      strtoull(argv[3], NULL, 0), argv[4]);
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%lld %zu %63s", &off, &len, seedstr) != 3)
			die("bad input line: %s", line);
		bad |= verify(fd, argv[1], off, len, seedstr);
	}
	return bad;
}
