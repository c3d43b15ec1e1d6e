/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the crash workload, its verifier and the device poisoner:
 * self-describing 4 KiB data blocks.
 *
 * Every block the workload writes is generated from (run, fid, seq, blk):
 * the run id of the workload, the file id, the sequence number of the write
 * (its line in the record, which is also the version of the block) and the
 * file block index.  The first 32 bytes say so, the rest is a stream only
 * those four values produce.  A verifier reading a block back can tell
 * "this file's data for this offset, version seq" from zeros and from
 * anything else (another file's data, a block of an earlier run, metadata,
 * the poison a never-written device block holds): stale data.
 */
#ifndef ATOMFS_CRASH_H
#define ATOMFS_CRASH_H

#include <stdint.h>
#include <string.h>

#define CRASH_BLOCK		4096
#define CRASH_HDR		32
#define CRASH_DATA_MAGIC	0x4853524353465441ULL	/* "ATFSCRSH" */
#define CRASH_POISON_MAGIC	0x53494f5053465441ULL	/* "ATFSPOIS" */
#define CRASH_RECORD_MAGIC	"crashrec 1"

struct crash_hdr {
	uint64_t magic;
	uint32_t run;
	uint32_t fid;
	uint32_t seq;
	uint32_t blk;
	uint32_t check;		/* crash_hdr_check() of the fields above */
	uint32_t zero;
};

_Static_assert(sizeof(struct crash_hdr) == CRASH_HDR, "header size");

static inline uint64_t crash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static inline uint32_t crash_hdr_check(const struct crash_hdr *h)
{
	uint64_t x = crash_mix(h->magic ^ ((uint64_t)h->run << 32 | h->fid));

	x = crash_mix(x ^ ((uint64_t)h->seq << 32 | h->blk));
	return (uint32_t)x;
}

/* The full 4 KiB of version @seq of block @blk of file @fid of run @run. */
static inline void crash_block_fill(void *buf, uint32_t run, uint32_t fid,
				    uint32_t seq, uint32_t blk)
{
	struct crash_hdr h = {
		.magic = CRASH_DATA_MAGIC, .run = run, .fid = fid,
		.seq = seq, .blk = blk,
	};
	uint64_t *w = buf, s;
	unsigned int i;

	h.check = crash_hdr_check(&h);
	memcpy(buf, &h, sizeof(h));
	s = crash_mix(((uint64_t)run << 32 | fid) ^
		      crash_mix((uint64_t)seq << 32 | blk));
	for (i = CRASH_HDR / 8; i < CRASH_BLOCK / 8; i++) {
		s += 0x9e3779b97f4a7c15ULL;
		w[i] = crash_mix(s);
	}
}

/* 1 when @buf starts with a well-formed data block header (copied to @h). */
static inline int crash_hdr_parse(const void *buf, size_t len,
				  struct crash_hdr *h)
{
	if (len < CRASH_HDR)
		return 0;
	memcpy(h, buf, sizeof(*h));
	return h->magic == CRASH_DATA_MAGIC && h->zero == 0 &&
	       h->check == crash_hdr_check(h);
}

/* What a device block holds before mkfs: never valid data, never zeros. */
static inline void crash_poison_fill(void *buf, uint64_t devblk)
{
	uint64_t *w = buf;
	unsigned int i;

	w[0] = CRASH_POISON_MAGIC;
	w[1] = devblk;
	for (i = 2; i < CRASH_BLOCK / 8; i++)
		w[i] = crash_mix(devblk << 9 | i) | 1;
}

static inline int crash_is_poison(const void *buf, size_t len)
{
	uint64_t m;

	if (len < 8)
		return 0;
	memcpy(&m, buf, 8);
	return m == CRASH_POISON_MAGIC;
}

#endif
