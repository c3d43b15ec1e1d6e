// SPDX-License-Identifier: GPL-2.0
/*
 * Block and inode allocation bitmaps.
 *
 * File data is handed out in whole, naturally aligned atomic units so that
 * every unit of a file is one contiguous, aligned device range: the
 * writeback of a unit can then always be a single bio.  Metadata (tree
 * nodes, symlink blocks) takes single blocks.
 */
#include <linux/bitops.h>
#include <linux/slab.h>
#include "atomfs.h"

/**
 * struct atomfs_cow_group - units set aside in one block bitmap's range
 * @units:	how many units are set aside there
 * @busy:	their blocks, laid out as the bitmap block's bits
 *
 * Units set aside for out-of-place atomic writes are free on disk but
 * busy for the allocator.  Keeping them as bits in the bitmap's own layout
 * lets the allocator merge them into its view with one bitmap_or(), whose
 * cost does not grow with how many units are set aside.
 */
struct atomfs_cow_group {
	unsigned int	units;
	unsigned long	busy[BITS_TO_LONGS(ATOMFS_BITS_PER_BITMAP)];
};

static unsigned long *atomfs_bitmap_bits(struct buffer_head *bh)
{
	return (unsigned long *)(bh->b_data + ATOMFS_BITMAP_HDR_SIZE);
}

/* What fixed part of the filesystem block @blkno is in, for a message */
static const char *atomfs_fixed_area(struct atomfs_sb_info *sbi, u64 blkno)
{
	if (blkno >= sbi->blocks_count)
		return "past the end";
	if (blkno == ATOMFS_SB_BLOCK)
		return "superblock";
	if (blkno - sbi->bbitmap_start < sbi->bbitmap_blocks)
		return "block bitmap";
	if (blkno - sbi->ibitmap_start < sbi->ibitmap_blocks)
		return "inode bitmap";
	if (blkno - sbi->itable_start < sbi->itable_blocks)
		return "inode table";
	if (sbi->journal_start && blkno >= sbi->journal_start)
		return "journal";
	return "fixed metadata";
}

/*
 * A block bitmap must mark in use every block the allocator may never hand
 * out: those before the data area (superblock, bitmaps, inode table,
 * journal) and those past the end.  Checked once per read from disk, as
 * ext4 checks its group's metadata in each block bitmap it reads, so that
 * no later allocation can take them.
 */
static int atomfs_bitmap_check_fixed(struct super_block *sb,
				     struct buffer_head *bh, u64 index)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	unsigned long *bits = atomfs_bitmap_bits(bh);
	u64 first = index * ATOMFS_BITS_PER_BITMAP;
	unsigned long end = 0, pos;

	if (first < sbi->data_start)
		end = min_t(u64, sbi->data_start - first,
			    ATOMFS_BITS_PER_BITMAP);
	pos = find_next_zero_bit_le(bits, end, 0);
	if (pos >= end) {
		end = sbi->blocks_count > first ?
		      min_t(u64, sbi->blocks_count - first,
			    ATOMFS_BITS_PER_BITMAP) : 0;
		pos = find_next_zero_bit_le(bits, ATOMFS_BITS_PER_BITMAP, end);
		if (pos >= ATOMFS_BITS_PER_BITMAP)
			return 0;
	}
	atomfs_error(sb, "block bitmap block %llu: block %llu (%s) marked free",
		     bh->b_blocknr, first + pos,
		     atomfs_fixed_area(sbi, first + pos));
	return -EUCLEAN;
}

/*
 * Read bitmap block @index of the set starting at @start and check it.
 * Returns the buffer or an ERR_PTR().
 */
static struct buffer_head *atomfs_read_bitmap(struct super_block *sb,
					      u64 start, u64 index, u32 magic)
{
	struct buffer_head *bh;
	struct atomfs_bitmap_header *hdr;
	u64 blkno = start + index;

	bh = sb_bread(sb, blkno);
	if (!bh) {
		atomfs_error(sb, "cannot read bitmap block %llu", blkno);
		return ERR_PTR(-EIO);
	}
	if (buffer_atomfs_verified(bh))
		return bh;

	hdr = (struct atomfs_bitmap_header *)bh->b_data;
	if (le32_to_cpu(hdr->bm_magic) != magic ||
	    le64_to_cpu(hdr->bm_blkno) != blkno ||
	    le64_to_cpu(hdr->bm_index) != index) {
		atomfs_error(sb, "bitmap block %llu: bad header", blkno);
		brelse(bh);
		return ERR_PTR(-EUCLEAN);
	}
	if (atomfs_csum(bh->b_data, ATOMFS_BLOCK_SIZE, 4) !=
	    le32_to_cpu(hdr->bm_checksum)) {
		atomfs_error(sb, "bitmap block %llu: bad checksum", blkno);
		brelse(bh);
		return ERR_PTR(-EUCLEAN);
	}
	if (magic == ATOMFS_BITMAP_MAGIC &&
	    atomfs_bitmap_check_fixed(sb, bh, index)) {
		brelse(bh);
		return ERR_PTR(-EUCLEAN);
	}
	set_buffer_atomfs_verified(bh);
	return bh;
}

/* The on-disk bit order is little-endian; these loops stay portable. */
static void atomfs_bits_set(unsigned long *bits, unsigned long pos,
			    unsigned long len)
{
	while (len--)
		__set_bit_le(pos++, bits);
}

static void atomfs_bits_clear(unsigned long *bits, unsigned long pos,
			      unsigned long len)
{
	while (len--)
		__clear_bit_le(pos++, bits);
}

/* The checksum is filled in at commit: a bitmap changes often. */
static int atomfs_bitmap_dirty(struct super_block *sb, struct buffer_head *bh)
{
	BUILD_BUG_ON(offsetof(struct atomfs_bitmap_header, bm_checksum) != 4);
	return atomfs_journal_dirty_csum(sb, bh);
}

/*
 * The bits the allocator may hand out: clear in the bitmap, in the copy
 * jbd2 keeps of it as last committed, and in the units set aside for
 * out-of-place atomic writes.  A block freed by a transaction that has not
 * committed yet still belongs to its old owner after a crash, so it must
 * not take new data before that commit.  Caller holds alloc_lock, which
 * also guards the scratch bitmap returned.
 */
static unsigned long *atomfs_alloc_view(struct atomfs_sb_info *sbi,
					struct buffer_head *bh, u64 index)
{
	unsigned long *bits = atomfs_bitmap_bits(bh);
	struct atomfs_cow_group *group = sbi->cow_groups[index];
	struct journal_head *jh;

	jh = jbd2_journal_grab_journal_head(bh);
	if (jh) {
		spin_lock(&jh->b_state_lock);
		if (jh->b_committed_data) {
			bitmap_or(sbi->alloc_view, bits,
				  (unsigned long *)(jh->b_committed_data +
						    ATOMFS_BITMAP_HDR_SIZE),
				  ATOMFS_BITS_PER_BITMAP);
			bits = sbi->alloc_view;
		}
		spin_unlock(&jh->b_state_lock);
		jbd2_journal_put_journal_head(jh);
	}

	if (group) {
		bitmap_or(sbi->alloc_view, bits, group->busy,
			  ATOMFS_BITS_PER_BITMAP);
		bits = sbi->alloc_view;
	}
	return bits;
}

/*
 * Find up to @want free, aligned runs of @align bits in one bitmap block,
 * starting the search at bit @from.  Returns the first bit of the run and
 * its length in bits, or -ENOSPC.
 */
static long atomfs_bitmap_find(unsigned long *bits, unsigned long nbits,
			       unsigned long from, unsigned int align,
			       unsigned long want, unsigned long *found)
{
	unsigned long pos = round_up(from, align);

	while (pos + align <= nbits) {
		unsigned long next_used, end;

		pos = find_next_zero_bit_le(bits, nbits, pos);
		pos = round_up(pos, align);
		if (pos + align > nbits)
			break;
		next_used = find_next_bit_le(bits,
					     min(nbits, pos + want * align),
					     pos);
		end = round_down(next_used, align);
		if (end > pos) {
			*found = end - pos;
			return pos;
		}
		pos = round_up(next_used + 1, align);
	}
	return -ENOSPC;
}

/*
 * Allocate blocks: a run of whole @align-block groups, up to @want groups,
 * searched from block @goal onward and then from the start of the data
 * area.  Caller holds alloc_lock.
 */
static int atomfs_alloc_run(struct super_block *sb, u64 goal,
			    unsigned int align, u64 want, u64 *blkno,
			    u64 *count, bool take)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 nr = sbi->bbitmap_blocks;
	u64 start, i;
	int err;

	if (goal < sbi->data_start || goal >= sbi->blocks_count)
		goal = sbi->data_start;
	start = goal / ATOMFS_BITS_PER_BITMAP;

	for (i = 0; i <= nr; i++) {
		/* the goal's bitmap comes last again, searched from its start */
		u64 index = (start + i) % nr;
		unsigned long from = i ? 0 : goal % ATOMFS_BITS_PER_BITMAP;
		unsigned long len;
		struct buffer_head *bh;
		long pos;

		bh = atomfs_read_bitmap(sb, sbi->bbitmap_start, index,
					ATOMFS_BITMAP_MAGIC);
		if (IS_ERR(bh))
			return PTR_ERR(bh);
		pos = atomfs_bitmap_find(atomfs_alloc_view(sbi, bh, index),
					 ATOMFS_BITS_PER_BITMAP, from, align,
					 min_t(u64, want, ATOMFS_BITS_PER_BITMAP),
					 &len);
		if (pos >= 0) {
			u64 b = index * ATOMFS_BITS_PER_BITMAP + pos;

			if (b < sbi->data_start || b + len > sbi->blocks_count) {
				atomfs_error(sb, "block bitmap %llu: bad free run %llu+%lu",
					     sbi->bbitmap_start + index, b, len);
				brelse(bh);
				return -EUCLEAN;
			}
			err = take ? atomfs_journal_access_undo(sb, bh) : 0;
			if (take && !err) {
				atomfs_bits_set(atomfs_bitmap_bits(bh), pos,
						len);
				err = atomfs_bitmap_dirty(sb, bh);
			}
			brelse(bh);
			if (err)
				return err;
			if (take)
				sbi->free_blocks -= len;
			*blkno = b;
			*count = len;
			return 0;
		}
		brelse(bh);
	}
	return -ENOSPC;
}

/**
 * atomfs_alloc_data() - allocate atomic units of file data
 * @inode:	the file the blocks are for; its block count grows
 * @goal:	preferred first block (unit-aligned), 0 for none
 * @units:	how many units are wanted
 * @pblk:	first block allocated
 * @nr_units:	how many contiguous units were allocated, 1 .. @units
 *
 * Return: 0, -ENOSPC, or an error reading the bitmap.
 */
int atomfs_alloc_data(struct inode *inode, u64 goal, u64 units, u64 *pblk,
		      u64 *nr_units)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 count;
	int err;

	mutex_lock(&sbi->alloc_lock);
	if (!goal)
		goal = sbi->data_cursor;
	units = min_t(u64, units, ATOMFS_BITS_PER_BITMAP / sbi->unit_blocks);
	units = min_t(u64, units, atomfs_data_avail(sbi) / sbi->unit_blocks);
	err = -ENOSPC;
	if (units)
		err = atomfs_alloc_run(sb, goal, sbi->unit_blocks, units,
				       pblk, &count, true);
	if (!err)
		sbi->data_cursor = *pblk + count;
	mutex_unlock(&sbi->alloc_lock);
	if (err)
		return err;

	*nr_units = count / sbi->unit_blocks;
	inode_add_bytes(inode, count << ATOMFS_BLOCK_SHIFT);
	return 0;
}

/**
 * atomfs_alloc_meta() - allocate one metadata block
 * @inode:	the inode whose tree the block joins; its block count grows
 * @goal:	preferred block, 0 for none
 * @blkno:	the block allocated
 *
 * Return: 0, -ENOSPC, or an error reading the bitmap.
 */
int atomfs_alloc_meta(struct inode *inode, u64 goal, u64 *blkno)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 count;
	int err;

	mutex_lock(&sbi->alloc_lock);
	if (!goal)
		goal = sbi->meta_cursor;
	err = atomfs_alloc_run(sb, goal, 1, 1, blkno, &count, true);
	if (!err)
		sbi->meta_cursor = *blkno + 1;
	mutex_unlock(&sbi->alloc_lock);
	if (err)
		return err;

	inode_add_bytes(inode, ATOMFS_BLOCK_SIZE);
	return 0;
}

/**
 * atomfs_block_in_use() - is a block marked in use in the block bitmap?
 * @sb:		the filesystem
 * @blkno:	a block of the data area
 *
 * For a block read as metadata: a tree node the bitmap calls free would be
 * handed out again, as file data or another node, and overwritten.
 * alloc_lock is taken because the bitmap block may be checked here for the
 * first time, which must not race with the allocator changing it.
 *
 * Return: 1 when in use, 0 when free, or an error reading the bitmap.
 */
int atomfs_block_in_use(struct super_block *sb, u64 blkno)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct buffer_head *bh;
	int ret;

	mutex_lock(&sbi->alloc_lock);
	bh = atomfs_read_bitmap(sb, sbi->bbitmap_start,
				blkno / ATOMFS_BITS_PER_BITMAP,
				ATOMFS_BITMAP_MAGIC);
	if (IS_ERR(bh)) {
		ret = PTR_ERR(bh);
	} else {
		ret = test_bit_le(blkno % ATOMFS_BITS_PER_BITMAP,
				  atomfs_bitmap_bits(bh));
		brelse(bh);
	}
	mutex_unlock(&sbi->alloc_lock);
	return ret;
}

/*
 * Clear @count bits from block @blkno on.  The range must be in use and
 * inside the data area: anything else means the caller's metadata is
 * corrupt.
 */
static int atomfs_free_run(struct super_block *sb, u64 blkno, u64 count)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int err = 0;

	if (blkno < sbi->data_start || blkno + count > sbi->blocks_count ||
	    blkno + count < blkno) {
		atomfs_error(sb, "freeing blocks %llu+%llu outside the data area",
			     blkno, count);
		return -EUCLEAN;
	}

	mutex_lock(&sbi->alloc_lock);
	while (count) {
		u64 index = blkno / ATOMFS_BITS_PER_BITMAP;
		unsigned long pos = blkno % ATOMFS_BITS_PER_BITMAP;
		unsigned long len = min_t(u64, count,
					  ATOMFS_BITS_PER_BITMAP - pos);
		struct buffer_head *bh;
		unsigned long *bits;

		bh = atomfs_read_bitmap(sb, sbi->bbitmap_start, index,
					ATOMFS_BITMAP_MAGIC);
		if (IS_ERR(bh)) {
			err = PTR_ERR(bh);
			break;
		}
		bits = atomfs_bitmap_bits(bh);
		if (find_next_zero_bit_le(bits, pos + len, pos) < pos + len) {
			atomfs_error(sb, "freeing blocks %llu+%lu that are already free",
				     blkno, len);
			brelse(bh);
			err = -EUCLEAN;
			break;
		}
		err = atomfs_journal_access_undo(sb, bh);
		if (!err) {
			atomfs_bits_clear(bits, pos, len);
			err = atomfs_bitmap_dirty(sb, bh);
		}
		brelse(bh);
		if (err)
			break;
		sbi->free_blocks += len;
		blkno += len;
		count -= len;
	}
	mutex_unlock(&sbi->alloc_lock);
	return err;
}

/**
 * atomfs_free_blocks() - free a run of file data blocks
 * @inode:	the owner; its block count shrinks
 * @blkno:	first block
 * @count:	number of blocks
 *
 * Return: 0 or -EUCLEAN if the range is not a valid allocated range.
 */
int atomfs_free_blocks(struct inode *inode, u64 blkno, u64 count)
{
	int err = atomfs_free_run(inode->i_sb, blkno, count);

	if (!err)
		inode_sub_bytes(inode, count << ATOMFS_BLOCK_SHIFT);
	return err;
}

/**
 * atomfs_free_meta() - free one metadata block
 * @inode:	the owner; its block count shrinks
 * @blkno:	the block
 *
 * The block is revoked: neither its buffer nor a copy of it in the log may
 * later be written over whatever the block holds next (file data goes
 * around the journal).
 *
 * Return: 0 or a negative errno.
 */
int atomfs_free_meta(struct inode *inode, u64 blkno)
{
	int err = atomfs_journal_revoke(inode->i_sb, blkno);

	return err ?: atomfs_free_blocks(inode, blkno, 1);
}

/*
 * Mark the unit at @pblk busy in its group, which is allocated with the
 * first unit set aside in its range and freed with the last: a group is
 * a page, and a large filesystem has thousands of bitmap blocks, few of
 * which ever hold units set aside at once.  Caller holds alloc_lock.
 */
static int atomfs_cow_mark(struct atomfs_sb_info *sbi, u64 pblk)
{
	u64 index = pblk / ATOMFS_BITS_PER_BITMAP;
	struct atomfs_cow_group *group = sbi->cow_groups[index];

	if (!group) {
		group = kzalloc(sizeof(*group), GFP_NOFS);
		if (!group)
			return -ENOMEM;
		sbi->cow_groups[index] = group;
	}
	atomfs_bits_set(group->busy, pblk % ATOMFS_BITS_PER_BITMAP,
			sbi->unit_blocks);
	group->units++;
	return 0;
}

/*
 * Clear the unit at @pblk from its group.  Returns whether it was set
 * aside: a unit is given back once, by whoever holds it, but the checks
 * keep a second return from corrupting the counts.  Caller holds
 * alloc_lock.
 */
static bool atomfs_cow_unmark(struct atomfs_sb_info *sbi, u64 pblk)
{
	u64 index = pblk / ATOMFS_BITS_PER_BITMAP;
	unsigned long pos = pblk % ATOMFS_BITS_PER_BITMAP;
	struct atomfs_cow_group *group;

	if (index >= sbi->bbitmap_blocks)
		return false;
	group = sbi->cow_groups[index];
	if (!group || !test_bit_le(pos, group->busy))
		return false;
	atomfs_bits_clear(group->busy, pos, sbi->unit_blocks);
	if (!--group->units) {
		sbi->cow_groups[index] = NULL;
		kfree(group);
	}
	return true;
}

/**
 * atomfs_cow_init() - set up the record of units set aside
 * @sbi:	the filesystem being mounted, its geometry read
 *
 * Return: 0 or -ENOMEM.
 */
int atomfs_cow_init(struct atomfs_sb_info *sbi)
{
	sbi->cow_groups = kvcalloc(sbi->bbitmap_blocks,
				   sizeof(*sbi->cow_groups), GFP_KERNEL);
	return sbi->cow_groups ? 0 : -ENOMEM;
}

/**
 * atomfs_cow_destroy() - free the record of units set aside
 * @sbi:	the filesystem, at unmount or a failed mount
 *
 * Every unit set aside was given back or claimed when its inode was
 * evicted; a group left over is a leak, said once and freed.
 */
void atomfs_cow_destroy(struct atomfs_sb_info *sbi)
{
	u64 i;

	if (!sbi->cow_groups)
		return;
	for (i = 0; i < sbi->bbitmap_blocks; i++) {
		WARN_ON_ONCE(sbi->cow_groups[i]);
		kfree(sbi->cow_groups[i]);
	}
	kvfree(sbi->cow_groups);
	sbi->cow_groups = NULL;
}

/**
 * atomfs_cow_take() - set a unit aside for an out-of-place atomic write
 * @inode:	the file whose unit will move there
 * @goal:	preferred first block (unit-aligned), 0 for none
 * @pblk:	the unit's first block
 *
 * The unit stays free on disk, so a crash before its remap commits leaks
 * nothing; in memory it is busy for the allocator and counted out of the
 * space file data may take, until atomfs_cow_claim() or atomfs_cow_put().
 *
 * Return: 0, -ENOSPC, or an error reading a bitmap.
 */
int atomfs_cow_take(struct inode *inode, u64 goal, u64 *pblk)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 count;
	int err = -ENOSPC;

	mutex_lock(&sbi->alloc_lock);
	if (atomfs_data_avail(sbi) >= sbi->unit_blocks)
		err = atomfs_alloc_run(sb, goal ?: sbi->data_cursor,
				       sbi->unit_blocks, 1, pblk, &count, false);
	if (!err)
		err = atomfs_cow_mark(sbi, *pblk);
	if (!err)
		sbi->cow_reserved += sbi->unit_blocks;
	mutex_unlock(&sbi->alloc_lock);
	return err;
}

/**
 * atomfs_cow_put() - give back a unit set aside and not used
 * @inode:	the file it was taken for
 * @pblk:	its first block
 */
void atomfs_cow_put(struct inode *inode, u64 pblk)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);

	mutex_lock(&sbi->alloc_lock);
	if (atomfs_cow_unmark(sbi, pblk))
		sbi->cow_reserved -= sbi->unit_blocks;
	mutex_unlock(&sbi->alloc_lock);
}

/**
 * atomfs_cow_claim() - allocate on disk a unit set aside, in the handle
 * @inode:	the file the unit now belongs to; its block count grows
 * @pblk:	the unit's first block
 *
 * Return: 0, or -EUCLEAN if the unit is not free on disk.
 */
int atomfs_cow_claim(struct inode *inode, u64 pblk)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	unsigned long pos = pblk % ATOMFS_BITS_PER_BITMAP;
	struct buffer_head *bh;
	unsigned long *bits;
	int err;

	mutex_lock(&sbi->alloc_lock);
	if (atomfs_cow_unmark(sbi, pblk))
		sbi->cow_reserved -= sbi->unit_blocks;
	bh = atomfs_read_bitmap(sb, sbi->bbitmap_start,
				pblk / ATOMFS_BITS_PER_BITMAP,
				ATOMFS_BITMAP_MAGIC);
	err = PTR_ERR_OR_ZERO(bh);
	if (err)
		goto out;
	bits = atomfs_bitmap_bits(bh);
	if (find_next_bit_le(bits, pos + sbi->unit_blocks, pos) <
	    pos + sbi->unit_blocks) {
		atomfs_error(sb, "unit at block %llu set aside for an atomic write is in use",
			     pblk);
		err = -EUCLEAN;
	}
	if (!err)
		err = atomfs_journal_access_undo(sb, bh);
	if (!err) {
		atomfs_bits_set(bits, pos, sbi->unit_blocks);
		err = atomfs_bitmap_dirty(sb, bh);
	}
	brelse(bh);
	if (!err) {
		sbi->free_blocks -= sbi->unit_blocks;
		inode_add_bytes(inode, sbi->unit_blocks << ATOMFS_BLOCK_SHIFT);
	}
out:
	mutex_unlock(&sbi->alloc_lock);
	return err;
}

/**
 * atomfs_new_ino() - allocate an inode number
 * @sb:		the filesystem
 * @ino:	the number allocated
 *
 * Return: 0, -ENOSPC when every inode is in use, or a bitmap read error.
 */
int atomfs_new_ino(struct super_block *sb, u64 *ino)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 nr = sbi->ibitmap_blocks;
	u64 start, i;
	int err = -ENOSPC;

	mutex_lock(&sbi->ialloc_lock);
	if (!sbi->free_inodes)
		goto out;
	start = sbi->ino_cursor / ATOMFS_BITS_PER_BITMAP;
	for (i = 0; i <= nr; i++) {
		u64 index = (start + i) % nr;
		unsigned long from = i ? 0 :
				     sbi->ino_cursor % ATOMFS_BITS_PER_BITMAP;
		struct buffer_head *bh;
		unsigned long pos;

		bh = atomfs_read_bitmap(sb, sbi->ibitmap_start, index,
					ATOMFS_IBITMAP_MAGIC);
		if (IS_ERR(bh)) {
			err = PTR_ERR(bh);
			goto out;
		}
		pos = find_next_zero_bit_le(atomfs_bitmap_bits(bh),
					    ATOMFS_BITS_PER_BITMAP, from);
		if (pos < ATOMFS_BITS_PER_BITMAP) {
			u64 n = index * ATOMFS_BITS_PER_BITMAP + pos;

			if (n < ATOMFS_FIRST_INO || n >= sbi->inodes_count) {
				atomfs_error(sb, "inode bitmap: bad free inode %llu",
					     n);
				brelse(bh);
				err = -EUCLEAN;
				goto out;
			}
			err = atomfs_journal_access(sb, bh);
			if (!err) {
				__set_bit_le(pos, atomfs_bitmap_bits(bh));
				err = atomfs_bitmap_dirty(sb, bh);
			}
			brelse(bh);
			if (err)
				goto out;
			sbi->free_inodes--;
			sbi->ino_cursor = n + 1;
			*ino = n;
			err = 0;
			goto out;
		}
		brelse(bh);
	}
out:
	mutex_unlock(&sbi->ialloc_lock);
	return err;
}

/**
 * atomfs_free_ino() - release an inode number
 * @sb:		the filesystem
 * @ino:	the number
 *
 * Return: 0 or -EUCLEAN if it was not in use.
 */
int atomfs_free_ino(struct super_block *sb, u64 ino)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 index = ino / ATOMFS_BITS_PER_BITMAP;
	unsigned long pos = ino % ATOMFS_BITS_PER_BITMAP;
	struct buffer_head *bh;
	int err = 0;

	mutex_lock(&sbi->ialloc_lock);
	bh = atomfs_read_bitmap(sb, sbi->ibitmap_start, index,
				ATOMFS_IBITMAP_MAGIC);
	if (IS_ERR(bh)) {
		err = PTR_ERR(bh);
		goto out;
	}
	if (!test_bit_le(pos, atomfs_bitmap_bits(bh))) {
		atomfs_error(sb, "freeing inode %llu that is already free",
			     ino);
		err = -EUCLEAN;
		goto out_brelse;
	}
	err = atomfs_journal_access(sb, bh);
	if (err)
		goto out_brelse;
	__clear_bit_le(pos, atomfs_bitmap_bits(bh));
	err = atomfs_bitmap_dirty(sb, bh);
	if (!err) {
		sbi->free_inodes++;
		if (ino < sbi->ino_cursor)
			sbi->ino_cursor = ino;
	}
out_brelse:
	brelse(bh);
out:
	mutex_unlock(&sbi->ialloc_lock);
	return err;
}

/**
 * atomfs_next_used_ino() - the next inode number in use
 * @sb:		the filesystem
 * @ino:	where to start looking
 *
 * Return: the first inode number >= @ino marked in use, or the number of
 * inodes when there is none or a bitmap cannot be read.
 */
u64 atomfs_next_used_ino(struct super_block *sb, u64 ino)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);

	while (ino < sbi->inodes_count) {
		u64 index = ino / ATOMFS_BITS_PER_BITMAP;
		unsigned long pos = ino % ATOMFS_BITS_PER_BITMAP;
		struct buffer_head *bh;

		bh = atomfs_read_bitmap(sb, sbi->ibitmap_start, index,
					ATOMFS_IBITMAP_MAGIC);
		if (IS_ERR(bh))
			break;
		pos = find_next_bit_le(atomfs_bitmap_bits(bh),
				       ATOMFS_BITS_PER_BITMAP, pos);
		brelse(bh);
		ino = index * ATOMFS_BITS_PER_BITMAP + pos;
		if (pos < ATOMFS_BITS_PER_BITMAP)
			return min(ino, sbi->inodes_count);
	}
	return sbi->inodes_count;
}

static int atomfs_count_set(struct super_block *sb, u64 start, u64 nr,
			    u32 magic, u64 *used)
{
	u64 i;

	*used = 0;
	for (i = 0; i < nr; i++) {
		struct buffer_head *bh;

		bh = atomfs_read_bitmap(sb, start, i, magic);
		if (IS_ERR(bh))
			return PTR_ERR(bh);
		*used += bitmap_weight(atomfs_bitmap_bits(bh),
				       ATOMFS_BITS_PER_BITMAP);
		brelse(bh);
		cond_resched();
	}
	return 0;
}

/**
 * atomfs_count_free() - count free blocks and inodes from the bitmaps
 * @sb:		the filesystem, being mounted
 *
 * The superblock's counts are exact only after a clean unmount; the
 * bitmaps are the truth, and reading them all at mount also checks them.
 *
 * Return: 0 or an error reading a bitmap.
 */
int atomfs_count_free(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 bits, used;
	int err;

	err = atomfs_count_set(sb, sbi->bbitmap_start, sbi->bbitmap_blocks,
			       ATOMFS_BITMAP_MAGIC, &used);
	if (err)
		return err;
	bits = sbi->bbitmap_blocks * ATOMFS_BITS_PER_BITMAP;
	if (used > bits || bits - used > sbi->blocks_count) {
		atomfs_error(sb, "block bitmap counts more free blocks than exist");
		return -EUCLEAN;
	}
	sbi->free_blocks = bits - used;

	err = atomfs_count_set(sb, sbi->ibitmap_start, sbi->ibitmap_blocks,
			       ATOMFS_IBITMAP_MAGIC, &used);
	if (err)
		return err;
	bits = sbi->ibitmap_blocks * ATOMFS_BITS_PER_BITMAP;
	if (used > bits || bits - used > sbi->inodes_count) {
		atomfs_error(sb, "inode bitmap counts more free inodes than exist");
		return -EUCLEAN;
	}
	sbi->free_inodes = bits - used;
	/*
	 * A conversion splits at most a few nodes; many run at once on a
	 * busy filesystem.  0.1% of it, at least 64 blocks, at most an
	 * eighth of the data area.
	 */
	sbi->meta_reserve = min(max_t(u64, sbi->blocks_count >> 10, 64),
				(sbi->blocks_count - sbi->data_start) >> 3);
	sbi->data_cursor = sbi->data_start;
	sbi->meta_cursor = sbi->data_start;
	sbi->ino_cursor = ATOMFS_FIRST_INO;
	return 0;
}
