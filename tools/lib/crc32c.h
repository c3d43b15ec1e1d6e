/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ATOMFS_TOOLS_CRC32C_H
#define _ATOMFS_TOOLS_CRC32C_H

#include "util.h"

/*
 * The kernel's crc32c(): reflected Castagnoli polynomial, @crc is the
 * running value as is (no inversion on the way in or out).
 */
u32 crc32c(u32 crc, const void *buf, size_t len);

/*
 * atomfs_csum() of atomfs/atomfs.h: crc32c seeded with ~0 over @len bytes
 * of @buf without the 4-byte checksum field at @csum_off.
 */
u32 atomfs_csum(const void *buf, size_t len, size_t csum_off);

#endif /* _ATOMFS_TOOLS_CRC32C_H */
