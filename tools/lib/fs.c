// SPDX-License-Identifier: GPL-2.0
/*
 * The filesystem as the tools see it: superblock, geometry, checksums,
 * inode slots, bitmaps and directory keys.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc32c.h"
#include "fs.h"
#include "siphash.h"

_Static_assert(sizeof(struct atomfs_super_block) == ATOMFS_SB_SIZE,
	       "superblock size");
_Static_assert(sizeof(struct atomfs_inode) == ATOMFS_INODE_SIZE,
	       "inode size");
_Static_assert(sizeof(struct atomfs_bitmap_header) == ATOMFS_BITMAP_HDR_SIZE,
	       "bitmap header size");
_Static_assert(sizeof(struct atomfs_btree_header) == ATOMFS_BTREE_HDR_SIZE,
	       "btree header size");
_Static_assert(sizeof(struct atomfs_btree_item) == ATOMFS_BT_ENTRY,
	       "btree item size");
_Static_assert(sizeof(struct atomfs_btree_ptr) == ATOMFS_BT_ENTRY,
	       "btree ptr size");
_Static_assert(sizeof(struct atomfs_extent) == 16, "extent size");
_Static_assert(sizeof(struct atomfs_dirent) == ATOMFS_DIRENT_SIZE,
	       "dirent size");
_Static_assert(sizeof(struct atomfs_symlink_block) == ATOMFS_SYMLINK_HDR_SIZE,
	       "symlink header size");
_Static_assert(offsetof(struct atomfs_super_block, s_checksum) == 4,
	       "superblock checksum offset");
_Static_assert(offsetof(struct atomfs_inode, i_checksum) == 4,
	       "inode checksum offset");
_Static_assert(ATOMFS_BITS_PER_BITMAP % 256 == 0,
	       "a bitmap block holds whole 1 MiB units");

void afs_layout_fixed(struct afs_layout *l, u64 blocks, u64 inodes)
{
	memset(l, 0, sizeof(*l));
	l->blocks = blocks;
	l->inodes = inodes;
	l->bb_start = ATOMFS_SB_BLOCK + 1;
	l->bb_blocks = DIV_ROUND_UP(blocks, ATOMFS_BITS_PER_BITMAP);
	l->ib_start = l->bb_start + l->bb_blocks;
	l->ib_blocks = DIV_ROUND_UP(inodes, ATOMFS_BITS_PER_BITMAP);
	l->it_start = l->ib_start + l->ib_blocks;
	l->it_blocks = DIV_ROUND_UP(inodes, ATOMFS_INODES_PER_BLOCK);
	l->data_start = l->it_start + l->it_blocks;
}

void afs_load_geometry(struct afs *fs)
{
	const struct atomfs_super_block *sb = fs->sb;

	fs->blocks = le64toh(sb->s_blocks_count);
	fs->inodes = le64toh(sb->s_inodes_count);
	fs->bb_start = le64toh(sb->s_bbitmap_start);
	fs->bb_blocks = le64toh(sb->s_bbitmap_blocks);
	fs->ib_start = le64toh(sb->s_ibitmap_start);
	fs->ib_blocks = le64toh(sb->s_ibitmap_blocks);
	fs->it_start = le64toh(sb->s_itable_start);
	fs->it_blocks = le64toh(sb->s_itable_blocks);
	fs->j_start = le64toh(sb->s_journal_start);
	fs->j_blocks = le64toh(sb->s_journal_blocks);
	fs->data_start = le64toh(sb->s_data_start);
	fs->unit_shift = sb->s_atomic_shift;
	if (fs->unit_shift >= ATOMFS_MIN_ATOMIC_SHIFT &&
	    fs->unit_shift <= ATOMFS_MAX_ATOMIC_SHIFT)
		fs->unit_blocks = 1U << (fs->unit_shift - ATOMFS_BLOCK_SHIFT);
	else
		fs->unit_blocks = 1;
	fs->hash_key[0] = le64toh(sb->s_hash_key[0]);
	fs->hash_key[1] = le64toh(sb->s_hash_key[1]);
}

int afs_open(struct afs *fs, const char *path, int flags)
{
	int err;

	memset(fs, 0, sizeof(*fs));
	fs->sb = (struct atomfs_super_block *)fs->sbbuf;
	err = disk_open(&fs->disk, path, flags);
	if (err)
		return err;
	if (fs->disk.size < ATOMFS_BLOCK_SIZE) {
		errmsg("%s: too small to hold a superblock (%llu bytes)", path,
		       (unsigned long long)fs->disk.size);
		disk_close(&fs->disk);
		return -EINVAL;
	}
	err = disk_read(&fs->disk, ATOMFS_SB_BLOCK, fs->sbbuf, 1);
	if (err) {
		disk_close(&fs->disk);
		return err;
	}
	afs_load_geometry(fs);
	return 0;
}

void afs_close(struct afs *fs)
{
	disk_close(&fs->disk);
}

int afs_check_geometry(const struct atomfs_super_block *sb, u64 dev_blocks,
		       afs_report_fn report, void *ctx)
{
	u64 n = le64toh(sb->s_blocks_count);
	u64 inodes = le64toh(sb->s_inodes_count);
	u64 js = le64toh(sb->s_journal_start);
	u64 jb = le64toh(sb->s_journal_blocks);
	u64 ds = le64toh(sb->s_data_start);
	struct afs_layout l;
	int bad = 0;

#define GEOM(cond, ...) do { if (cond) { report(ctx, __VA_ARGS__); bad++; } } while (0)
	GEOM(n < ATOMFS_MIN_BLOCKS,
	     "superblock: %llu blocks, fewer than the minimum of %u",
	     (unsigned long long)n, ATOMFS_MIN_BLOCKS);
	GEOM(n > dev_blocks,
	     "superblock: the filesystem has %llu blocks but the device only %llu (truncated image?)",
	     (unsigned long long)n, (unsigned long long)dev_blocks);
	GEOM(inodes <= ATOMFS_ROOT_INO || inodes > UINT32_MAX,
	     "superblock: inode count %llu out of range",
	     (unsigned long long)inodes);
	if (bad)
		return bad;

	afs_layout_fixed(&l, n, inodes);
	GEOM(le64toh(sb->s_bbitmap_start) != l.bb_start,
	     "superblock: block bitmap starts at block %llu, expected %llu",
	     (unsigned long long)le64toh(sb->s_bbitmap_start),
	     (unsigned long long)l.bb_start);
	GEOM(le64toh(sb->s_bbitmap_blocks) != l.bb_blocks,
	     "superblock: block bitmap of %llu blocks, %llu blocks need %llu",
	     (unsigned long long)le64toh(sb->s_bbitmap_blocks),
	     (unsigned long long)n, (unsigned long long)l.bb_blocks);
	GEOM(le64toh(sb->s_ibitmap_start) != l.ib_start,
	     "superblock: inode bitmap starts at block %llu, expected %llu",
	     (unsigned long long)le64toh(sb->s_ibitmap_start),
	     (unsigned long long)l.ib_start);
	GEOM(le64toh(sb->s_ibitmap_blocks) != l.ib_blocks,
	     "superblock: inode bitmap of %llu blocks, %llu inodes need %llu",
	     (unsigned long long)le64toh(sb->s_ibitmap_blocks),
	     (unsigned long long)inodes, (unsigned long long)l.ib_blocks);
	GEOM(le64toh(sb->s_itable_start) != l.it_start,
	     "superblock: inode table starts at block %llu, expected %llu",
	     (unsigned long long)le64toh(sb->s_itable_start),
	     (unsigned long long)l.it_start);
	GEOM(le64toh(sb->s_itable_blocks) != l.it_blocks,
	     "superblock: inode table of %llu blocks, %llu inodes need %llu",
	     (unsigned long long)le64toh(sb->s_itable_blocks),
	     (unsigned long long)inodes, (unsigned long long)l.it_blocks);
	GEOM(ds < l.data_start || ds >= n,
	     "superblock: data area starts at block %llu, outside %llu..%llu",
	     (unsigned long long)ds, (unsigned long long)l.data_start,
	     (unsigned long long)n - 1);
	GEOM(jb && (js < l.data_start || js + jb < js || js + jb > ds),
	     "superblock: journal area %llu+%llu lies outside the metadata area %llu..%llu",
	     (unsigned long long)js, (unsigned long long)jb,
	     (unsigned long long)l.data_start, (unsigned long long)ds);
	GEOM(le64toh(sb->s_root_ino) != ATOMFS_ROOT_INO,
	     "superblock: root inode %llu, expected %u",
	     (unsigned long long)le64toh(sb->s_root_ino), ATOMFS_ROOT_INO);
#undef GEOM
	return bad;
}

bool afs_sb_csum_ok(const struct atomfs_super_block *sb)
{
	return atomfs_csum(sb, ATOMFS_SB_SIZE, 4) == le32toh(sb->s_checksum);
}

void afs_sb_set_csum(struct atomfs_super_block *sb)
{
	sb->s_checksum = htole32(atomfs_csum(sb, ATOMFS_SB_SIZE, 4));
}

int afs_write_sb(struct afs *fs)
{
	afs_sb_set_csum(fs->sb);
	return disk_write(&fs->disk, ATOMFS_SB_BLOCK, fs->sbbuf, 1);
}

bool afs_inode_csum_ok(const struct atomfs_inode *inode)
{
	return atomfs_csum(inode, ATOMFS_INODE_SIZE, 4) ==
	       le32toh(inode->i_checksum);
}

void afs_inode_set_csum(struct atomfs_inode *inode)
{
	inode->i_checksum = htole32(atomfs_csum(inode, ATOMFS_INODE_SIZE, 4));
}

bool afs_block_csum_ok(const void *blk)
{
	u32 stored;

	memcpy(&stored, (const u8 *)blk + 4, 4);
	return atomfs_csum(blk, ATOMFS_BLOCK_SIZE, 4) == le32toh(stored);
}

void afs_block_set_csum(void *blk)
{
	u32 csum = htole32(atomfs_csum(blk, ATOMFS_BLOCK_SIZE, 4));

	memcpy((u8 *)blk + 4, &csum, 4);
}

int afs_read_block(struct afs *fs, u64 blkno, void *buf)
{
	return disk_read(&fs->disk, blkno, buf, 1);
}

int afs_write_block(struct afs *fs, u64 blkno, const void *buf)
{
	return disk_write(&fs->disk, blkno, buf, 1);
}

static u64 afs_inode_offset(const struct afs *fs, u64 ino)
{
	return ((fs->it_start + ino / ATOMFS_INODES_PER_BLOCK) <<
		ATOMFS_BLOCK_SHIFT) +
	       (ino % ATOMFS_INODES_PER_BLOCK) * ATOMFS_INODE_SIZE;
}

int afs_read_inode(struct afs *fs, u64 ino, struct atomfs_inode *inode)
{
	if (ino >= fs->inodes)
		return -ERANGE;
	return disk_pread(&fs->disk, afs_inode_offset(fs, ino), inode,
			  sizeof(*inode));
}

int afs_write_inode(struct afs *fs, u64 ino, struct atomfs_inode *inode)
{
	if (ino >= fs->inodes)
		return -ERANGE;
	if (le32toh(inode->i_magic) == ATOMFS_INODE_MAGIC)
		afs_inode_set_csum(inode);
	return disk_pwrite(&fs->disk, afs_inode_offset(fs, ino), inode,
			   sizeof(*inode));
}

bool afs_in_data(const struct afs *fs, u64 blkno)
{
	return blkno >= fs->data_start && blkno < fs->blocks;
}

u64 afs_name_hash(const struct afs *fs, const void *name, size_t len)
{
	return ATOMFS_DIR_HASH(siphash24(name, len, fs->hash_key[0],
					 fs->hash_key[1]));
}

u8 afs_mode_dtype(u16 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return DT_REG;
	case S_IFDIR:
		return DT_DIR;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFBLK:
		return DT_BLK;
	case S_IFIFO:
		return DT_FIFO;
	case S_IFSOCK:
		return DT_SOCK;
	}
	return DT_UNKNOWN;
}

const char *afs_dtype_name(u8 dtype)
{
	switch (dtype) {
	case DT_REG:
		return "file";
	case DT_DIR:
		return "dir";
	case DT_LNK:
		return "symlink";
	case DT_CHR:
		return "chardev";
	case DT_BLK:
		return "blockdev";
	case DT_FIFO:
		return "fifo";
	case DT_SOCK:
		return "socket";
	}
	return "unknown";
}

bool afs_valid_mode(u16 mode)
{
	return afs_mode_dtype(mode) != DT_UNKNOWN;
}

void bitmap_init(struct bitmap *bm, u64 nblocks)
{
	bm->nbits = nblocks * ATOMFS_BITS_PER_BITMAP;
	bm->bits = xcalloc(nblocks ? nblocks : 1, ATOMFS_BITMAP_BYTES);
}

void bitmap_free(struct bitmap *bm)
{
	free(bm->bits);
	bm->bits = NULL;
	bm->nbits = 0;
}

void bitmap_set_range(struct bitmap *bm, u64 start, u64 len)
{
	u64 i = start, end = start + len;

	for (; i < end && (i & 7); i++)
		bitmap_set(bm, i);
	if (i < end && end - i >= 8) {
		memset(bm->bits + (i >> 3), 0xff, (end - i) >> 3);
		i += (end - i) & ~7ULL;
	}
	for (; i < end; i++)
		bitmap_set(bm, i);
}

u64 bitmap_weight(const struct bitmap *bm, u64 start, u64 end)
{
	u64 i = start, n = 0;

	for (; i < end && (i & 63); i++)
		n += bitmap_test(bm, i);
	for (; i + 64 <= end; i += 64) {
		u64 w;

		memcpy(&w, bm->bits + (i >> 3), 8);
		n += __builtin_popcountll(w);
	}
	for (; i < end; i++)
		n += bitmap_test(bm, i);
	return n;
}

u64 afs_bitmap_start(const struct afs *fs, enum afs_bitmap_kind kind)
{
	return kind == AFS_BBITMAP ? fs->bb_start : fs->ib_start;
}

u64 afs_bitmap_blocks(const struct afs *fs, enum afs_bitmap_kind kind)
{
	return kind == AFS_BBITMAP ? fs->bb_blocks : fs->ib_blocks;
}

u64 afs_bitmap_count(const struct afs *fs, enum afs_bitmap_kind kind)
{
	return kind == AFS_BBITMAP ? fs->blocks : fs->inodes;
}

void afs_bitmap_block(const struct afs *fs, enum afs_bitmap_kind kind,
		      const struct bitmap *bm, u64 index, u8 *blk)
{
	struct atomfs_bitmap_header *hdr = (void *)blk;
	u64 count = afs_bitmap_count(fs, kind);
	u64 first = index * ATOMFS_BITS_PER_BITMAP;
	u64 i;

	memset(blk, 0, ATOMFS_BLOCK_SIZE);
	hdr->bm_magic = htole32(kind == AFS_BBITMAP ? ATOMFS_BITMAP_MAGIC :
				ATOMFS_IBITMAP_MAGIC);
	hdr->bm_blkno = htole64(afs_bitmap_start(fs, kind) + index);
	hdr->bm_index = htole64(index);
	memcpy(blk + ATOMFS_BITMAP_HDR_SIZE,
	       bm->bits + index * ATOMFS_BITMAP_BYTES, ATOMFS_BITMAP_BYTES);
	for (i = MAX(count, first); i < first + ATOMFS_BITS_PER_BITMAP; i++) {
		u64 bit = i - first;

		blk[ATOMFS_BITMAP_HDR_SIZE + bit / 8] |= 1U << (bit % 8);
	}
	afs_block_set_csum(blk);
}

int afs_bitmap_load(struct afs *fs, enum afs_bitmap_kind kind,
		    struct bitmap *bm, u8 **raw_blocks)
{
	u64 nr = afs_bitmap_blocks(fs, kind);
	u8 *raw = xmalloc(nr * ATOMFS_BLOCK_SIZE);
	u64 i;
	int err;

	err = disk_read(&fs->disk, afs_bitmap_start(fs, kind), raw, nr);
	if (err) {
		free(raw);
		return err;
	}
	bitmap_init(bm, nr);
	for (i = 0; i < nr; i++)
		memcpy(bm->bits + i * ATOMFS_BITMAP_BYTES,
		       raw + i * ATOMFS_BLOCK_SIZE + ATOMFS_BITMAP_HDR_SIZE,
		       ATOMFS_BITMAP_BYTES);
	if (raw_blocks)
		*raw_blocks = raw;
	else
		free(raw);
	return 0;
}

int afs_bitmap_write(struct afs *fs, enum afs_bitmap_kind kind,
		     const struct bitmap *bm)
{
	u64 nr = afs_bitmap_blocks(fs, kind);
	u8 blk[ATOMFS_BLOCK_SIZE];
	u64 i;
	int err;

	for (i = 0; i < nr; i++) {
		afs_bitmap_block(fs, kind, bm, i, blk);
		err = afs_write_block(fs, afs_bitmap_start(fs, kind) + i, blk);
		if (err)
			return err;
	}
	return 0;
}
