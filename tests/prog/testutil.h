/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the test programs: every check exits non-zero. */
#ifndef ATOMFS_TESTUTIL_H
#define ATOMFS_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static const char *test_name = "test";

__attribute__((format(printf, 1, 2), noreturn))
static inline void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "FAIL: %s: ", test_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, " (errno %d: %s)", e, strerror(e));
	fputc('\n', stderr);
	exit(1);
}

/* errno is printed as the call in @cond left it. */
#define CHECK(cond, ...)				\
	do {						\
		if (!(cond))				\
			die(__VA_ARGS__);		\
	} while (0)

/* A call that must fail with one errno. */
#define EXPECT_ERRNO(call, want)					\
	do {								\
		errno = 0;						\
		long __r = (long)(call);				\
		int __e = errno;					\
		if (__r != -1 || __e != (want)) {			\
			errno = 0;					\
			die("%s: expected errno %d (%s), got ret %ld errno %d (%s)", \
			    #call, (want), strerror(want), __r, __e,	\
			    strerror(__e));				\
		}							\
	} while (0)

/* A call that must succeed (return >= 0). */
#define EXPECT_OK(call)							\
	({								\
		errno = 0;						\
		long __r = (long)(call);				\
		if (__r < 0)						\
			die("%s failed", #call);			\
		__r;							\
	})

/* Deterministic content: byte at file offset @off of stream @seed. */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (uint8_t)(x >> ((off & 7) * 8));
}

static inline void pattern_fill(void *buf, size_t len, uint64_t seed,
				uint64_t off)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(seed, off + i);
}

/* Offset of the first byte of @buf that differs from the pattern, or -1. */
static inline long pattern_check(const void *buf, size_t len, uint64_t seed,
				 uint64_t off)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(seed, off + i))
			return (long)i;
	return -1;
}

/* Write back and drop the whole page cache: reads then come from disk. */
static inline void drop_caches(void)
{
	int fd;

	sync();
	fd = EXPECT_OK(open("/proc/sys/vm/drop_caches", O_WRONLY));
	CHECK(write(fd, "3", 1) == 1, "drop_caches");
	EXPECT_OK(close(fd));
}

/* pwrite() @len pattern bytes of stream @seed at @off, all of them. */
static inline void write_pattern(int fd, off_t off, size_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len);

	CHECK(buf, "malloc");
	pattern_fill(buf, len, seed, off);
	CHECK(pwrite(fd, buf, len, off) == (ssize_t)len, "pwrite %zu at %lld",
	      len, (long long)off);
	free(buf);
}

#endif
