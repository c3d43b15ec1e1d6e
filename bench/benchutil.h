/* SPDX-License-Identifier: GPL-2.0 */
/* What the benchmark programs share: clocks, sizes, a PRNG. */
#ifndef ATOMFS_BENCHUTIL_H
#define ATOMFS_BENCHUTIL_H

/* die(), CHECK() and test_name, the program's name in its errors. */
#include "../tests/prog/testutil.h"
#include <time.h>

#ifndef RWF_DSYNC
#define RWF_DSYNC	0x00000002
#endif
#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "16k", "64M", "2G" or plain bytes. */
static inline uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	CHECK(!errno && end != s, "bad size '%s'", s);
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'm': case 'M':
		v <<= 20;
		end++;
		break;
	case 'g': case 'G':
		v <<= 30;
		end++;
		break;
	}
	errno = 0;
	CHECK(!*end, "bad size '%s'", s);
	return v;
}

/* xorshift64*: the same offsets for every filesystem given one seed. */
static inline uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Bytes that do not compress or dedupe: each buffer differs. */
static inline void fill_random(void *buf, size_t len, uint64_t *s)
{
	uint64_t *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = rng_next(s);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of @n sorted values. */
static inline double quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(q * (n - 1) + 0.5);
	return v[i];
}

#endif
