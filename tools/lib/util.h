/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the atomfs tools: integer types, messages,
 * allocation that cannot fail, and number parsing.
 */
#ifndef _ATOMFS_TOOLS_UTIL_H
#define _ATOMFS_TOOLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ROUND_UP(n, a)		(DIV_ROUND_UP(n, a) * (a))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))

#define __printf(a, b)		__attribute__((format(printf, a, b)))

/* Name the messages of this program are prefixed with. */
extern const char *progname;

__printf(1, 2) void errmsg(const char *fmt, ...);

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/*
 * Grow *@arr (of *@cap elements of @size bytes) so that it holds at least
 * @want elements.
 */
void grow_array(void **arr, size_t *cap, size_t want, size_t size);
#define ARRAY_GROW(arr, cap, want) \
	grow_array((void **)&(arr), &(cap), (want), sizeof(*(arr)))

int parse_u64(const char *s, u64 *out);
int parse_size(const char *s, u64 *out);
const char *human_size(u64 bytes, char *buf, size_t len);

#endif /* _ATOMFS_TOOLS_UTIL_H */
