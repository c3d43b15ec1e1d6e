// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the atomfs tools.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

const char *progname = "atomfs";

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The tools have nothing sensible to do without memory. */
static void out_of_memory(size_t size)
{
	errmsg("out of memory (%zu bytes)", size);
	exit(8);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		out_of_memory(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		out_of_memory(strlen(s) + 1);
	return p;
}

void grow_array(void **arr, size_t *cap, size_t want, size_t size)
{
	size_t ncap = *cap ? *cap : 16;

	if (want <= *cap)
		return;
	while (ncap < want)
		ncap *= 2;
	*arr = xrealloc(*arr, ncap * size);
	*cap = ncap;
}

/*
 * Decimal, or hexadecimal with 0x; the whole string must be a number.  Not
 * strtoull()'s base 0: a leading zero must not turn "010" into 8 and make
 * "08" an error.
 */
int parse_u64(const char *s, u64 *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * A size in bytes: a number with an optional k, m, g or t suffix (either
 * case, powers of 1024).
 */
int parse_size(const char *s, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* "16k" and "16kb"/"16KiB" alike */
		if (!strcasecmp(end, "b") || !strcasecmp(end, "ib"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = (u64)v << shift;
	return 0;
}

const char *human_size(u64 bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int i = -1;

	while (v >= 1024 && i < (int)sizeof(units) - 2) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %ciB", v, units[i]);
	return buf;
}
