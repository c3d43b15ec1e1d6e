/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ATOMFS_TOOLS_SIPHASH_H
#define _ATOMFS_TOOLS_SIPHASH_H

#include "util.h"

/*
 * SipHash-2-4 with a 64-bit result, as the kernel's siphash(data, len, key)
 * with key->key[0] = @k0 and key->key[1] = @k1 (the reference algorithm's
 * 16-byte key read as two little-endian words).
 */
u64 siphash24(const void *data, size_t len, u64 k0, u64 k1);

#endif /* _ATOMFS_TOOLS_SIPHASH_H */
