// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c (Castagnoli), slicing by 8: fsck checksums every metadata block
 * of the filesystem, so the byte-at-a-time loop is worth avoiding.
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define CRC32C_POLY	0x82F63B78U	/* reflected 0x1EDC6F41 */

static u32 crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
	unsigned int i, j;

	for (i = 0; i < 256; i++) {
		u32 c = i;

		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY : 0);
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^
					  crc_table[0][crc_table[j - 1][i] & 0xff];
}

u32 crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	pthread_once(&crc_once, crc32c_init);
	while (len && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		u32 lo, hi;

		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		lo = __builtin_bswap32(lo);
		hi = __builtin_bswap32(hi);
#endif
		lo ^= crc;
		crc = crc_table[7][lo & 0xff] ^
		      crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^
		      crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^
		      crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^
		      crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

u32 atomfs_csum(const void *buf, size_t len, size_t csum_off)
{
	u32 crc = crc32c(~0U, buf, csum_off);

	return crc32c(crc, (const u8 *)buf + csum_off + 4,
		      len - csum_off - 4);
}
