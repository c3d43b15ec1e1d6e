/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An atomfs filesystem as the tools see it: the device, the superblock and
 * its geometry in host byte order, and helpers for checksums, inodes,
 * bitmaps and directory keys.
 */
#ifndef _ATOMFS_TOOLS_FS_H
#define _ATOMFS_TOOLS_FS_H

#include <endian.h>

#include "atomfs_format.h"
#include "disk.h"
#include "util.h"

#define ATOMFS_BT_ENTRY		16U
#define ATOMFS_BT_SPACE		(ATOMFS_BLOCK_SIZE - ATOMFS_BTREE_HDR_SIZE)
/* As in atomfs/btree.c: the largest item value a leaf may hold. */
#define ATOMFS_BT_MAX_VALUE	(ATOMFS_BT_SPACE / 2 - ATOMFS_BT_ENTRY)
#define ATOMFS_DIRENT_SIZE	10U	/* sizeof(struct atomfs_dirent) */

/* Largest file block + 1: byte offsets must fit a signed 64-bit loff_t. */
#define ATOMFS_MAX_LBLK		(1ULL << (63 - ATOMFS_BLOCK_SHIFT))

struct afs {
	struct disk	disk;
	u8		sbbuf[ATOMFS_BLOCK_SIZE];	/* block 0 */
	struct atomfs_super_block *sb;			/* in sbbuf */

	u64		blocks;
	u64		inodes;
	u64		bb_start;
	u64		bb_blocks;
	u64		ib_start;
	u64		ib_blocks;
	u64		it_start;
	u64		it_blocks;
	u64		j_start;
	u64		j_blocks;
	u64		data_start;
	unsigned int	unit_shift;
	u32		unit_blocks;
	u64		hash_key[2];
};

/* Where every region goes, as mkfs lays it out and fsck expects it. */
struct afs_layout {
	u64	blocks;
	u64	inodes;
	u64	bb_start;
	u64	bb_blocks;
	u64	ib_start;
	u64	ib_blocks;
	u64	it_start;
	u64	it_blocks;
	u64	j_start;
	u64	j_blocks;
	u64	data_start;
};

/* The bitmap regions sized for @blocks blocks and @inodes inodes. */
void afs_layout_fixed(struct afs_layout *l, u64 blocks, u64 inodes);

/* Called once per problem found by a check; @fmt has no trailing newline. */
typedef void (*afs_report_fn)(void *ctx, const char *fmt, ...) __printf(2, 3);

int afs_open(struct afs *fs, const char *path, int flags);
void afs_close(struct afs *fs);
/* Copy the superblock's geometry, unchecked, into @fs. */
void afs_load_geometry(struct afs *fs);
/*
 * Check the geometry of @sb against the rules of the format and a device
 * of @dev_blocks blocks, reporting each problem.  Returns the number of
 * problems; nothing past the superblock can be trusted when it is not 0.
 */
int afs_check_geometry(const struct atomfs_super_block *sb, u64 dev_blocks,
		       afs_report_fn report, void *ctx);
int afs_write_sb(struct afs *fs);

bool afs_sb_csum_ok(const struct atomfs_super_block *sb);
void afs_sb_set_csum(struct atomfs_super_block *sb);
bool afs_inode_csum_ok(const struct atomfs_inode *inode);
void afs_inode_set_csum(struct atomfs_inode *inode);
/* Bitmap, tree and symlink blocks: the checksum is at byte 4. */
bool afs_block_csum_ok(const void *blk);
void afs_block_set_csum(void *blk);

int afs_read_block(struct afs *fs, u64 blkno, void *buf);
int afs_write_block(struct afs *fs, u64 blkno, const void *buf);
/* Read/write one inode slot; writing sets the checksum of a live inode. */
int afs_read_inode(struct afs *fs, u64 ino, struct atomfs_inode *inode);
int afs_write_inode(struct afs *fs, u64 ino, struct atomfs_inode *inode);

bool afs_in_data(const struct afs *fs, u64 blkno);

u64 afs_name_hash(const struct afs *fs, const void *name, size_t len);
u8 afs_mode_dtype(u16 mode);
const char *afs_dtype_name(u8 dtype);
bool afs_valid_mode(u16 mode);

/*
 * In-memory bitmap in the on-disk bit order, sized in whole bitmap blocks
 * so that it also holds the bits past the end of the filesystem.
 */
struct bitmap {
	u64	nbits;		/* multiple of ATOMFS_BITS_PER_BITMAP */
	u8	*bits;
};

void bitmap_init(struct bitmap *bm, u64 nblocks);
void bitmap_free(struct bitmap *bm);
static inline bool bitmap_test(const struct bitmap *bm, u64 i)
{
	return bm->bits[i >> 3] & (1U << (i & 7));
}

static inline void bitmap_set(struct bitmap *bm, u64 i)
{
	bm->bits[i >> 3] |= 1U << (i & 7);
}

static inline void bitmap_clear(struct bitmap *bm, u64 i)
{
	bm->bits[i >> 3] &= ~(1U << (i & 7));
}

void bitmap_set_range(struct bitmap *bm, u64 start, u64 len);
u64 bitmap_weight(const struct bitmap *bm, u64 start, u64 end);

/*
 * The two bitmaps of the filesystem.  afs_bitmap_block() builds the
 * on-disk image of bitmap block @index from @bm, with the bits past
 * @count set, the header and the checksum; afs_bitmap_load() reads all
 * the blocks' bits into @bm without checking them.
 */
enum afs_bitmap_kind { AFS_BBITMAP, AFS_IBITMAP };

u64 afs_bitmap_start(const struct afs *fs, enum afs_bitmap_kind kind);
u64 afs_bitmap_blocks(const struct afs *fs, enum afs_bitmap_kind kind);
u64 afs_bitmap_count(const struct afs *fs, enum afs_bitmap_kind kind);
void afs_bitmap_block(const struct afs *fs, enum afs_bitmap_kind kind,
		      const struct bitmap *bm, u64 index, u8 *blk);
int afs_bitmap_load(struct afs *fs, enum afs_bitmap_kind kind,
		    struct bitmap *bm, u8 **raw_blocks);
int afs_bitmap_write(struct afs *fs, enum afs_bitmap_kind kind,
		     const struct bitmap *bm);

static inline u64 get_le64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return le64toh(v);
}

static inline void put_le64(u8 *p, u64 v)
{
	v = htole64(v);
	__builtin_memcpy(p, &v, 8);
}

#endif /* _ATOMFS_TOOLS_FS_H */
