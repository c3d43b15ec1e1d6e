// SPDX-License-Identifier: GPL-2.0
/*
 * SipHash-2-4 (Aumasson and Bernstein), the directory name hash.
 */
#include <endian.h>
#include <string.h>

#include "siphash.h"

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3)				\
	do {							\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0;		\
		v0 = ROTL(v0, 32);				\
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2;		\
		v2 = ROTL(v2, 32);				\
	} while (0)

u64 siphash24(const void *data, size_t len, u64 k0, u64 k1)
{
	const u8 *p = data;
	const u8 *end = p + (len & ~(size_t)7);
	u64 v0 = 0x736f6d6570736575ULL ^ k0;
	u64 v1 = 0x646f72616e646f6dULL ^ k1;
	u64 v2 = 0x6c7967656e657261ULL ^ k0;
	u64 v3 = 0x7465646279746573ULL ^ k1;
	u64 b = (u64)len << 56;
	u64 m;
	size_t left = len & 7;

	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		m = le64toh(m);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	while (left--)
		b |= (u64)p[left] << (8 * left);

	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
