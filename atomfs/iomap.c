// SPDX-License-Identifier: GPL-2.0
/*
 * iomap glue: file block mappings for buffered, direct and mmap I/O,
 * fiemap and SEEK_DATA/SEEK_HOLE.
 */
#include <linux/fs.h>
#include <linux/iomap.h>
#include "atomfs.h"

/*
 * iomap works in whole I/O blocks (units) and WARNs on a mapping that ends
 * inside one; every extent state change is made on whole units, so a
 * mapping that ends mid-unit comes from a corrupt tree.
 */
static int atomfs_fill_iomap(struct inode *inode, const struct atomfs_map *map,
			     struct iomap *iomap, u32 seq)
{
	u64 unit_blocks = i_blocksize(inode) >> ATOMFS_BLOCK_SHIFT;

	if ((map->lblk | map->len) & (unit_blocks - 1)) {
		atomfs_error(inode->i_sb,
			     "inode %lu: extent state changes inside the unit at block %llu",
			     inode->i_ino, round_down(map->lblk + map->len,
						      unit_blocks));
		return -EUCLEAN;
	}
	iomap->bdev = inode->i_sb->s_bdev;
	iomap->offset = map->lblk << ATOMFS_BLOCK_SHIFT;
	iomap->length = map->len << ATOMFS_BLOCK_SHIFT;
	iomap->flags = 0;
	iomap->validity_cookie = seq;
	if (!map->pblk) {
		iomap->type = IOMAP_HOLE;
		iomap->addr = IOMAP_NULL_ADDR;
	} else {
		iomap->type = map->unwritten ? IOMAP_UNWRITTEN : IOMAP_MAPPED;
		iomap->addr = map->pblk << ATOMFS_BLOCK_SHIFT;
	}
	return 0;
}

/*
 * Filesystem blocks covering @length bytes from @pos, widened to whole I/O
 * blocks (atomic units) as iomap works in those.
 */
static void atomfs_iomap_range(struct inode *inode, loff_t pos, loff_t length,
			       u64 *lblk, u64 *len)
{
	unsigned int bits = inode->i_blkbits;
	u64 first = pos >> bits;
	u64 end = DIV_ROUND_UP_ULL((u64)pos + length, 1ULL << bits);

	*lblk = first << (bits - ATOMFS_BLOCK_SHIFT);
	*len = (end - first) << (bits - ATOMFS_BLOCK_SHIFT);
}

static int atomfs_read_iomap_begin(struct inode *inode, loff_t pos,
				   loff_t length, unsigned int flags,
				   struct iomap *iomap, struct iomap *srcmap)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_map map;
	u64 lblk, len;
	u32 seq;
	int err;

	atomfs_iomap_range(inode, pos, length, &lblk, &len);
	down_read(&ai->i_map_sem);
	seq = READ_ONCE(ai->i_map_seq);
	err = atomfs_extents_map(inode, lblk, len, &map);
	up_read(&ai->i_map_sem);
	if (err)
		return err;
	return atomfs_fill_iomap(inode, &map, iomap, seq);
}

/*
 * Is a mapping taken earlier still current?
 * A buffered write that found a block unwritten zeroes the parts of the
 * folio it does not write; if writeback converted the block since, and
 * the folio was reclaimed, that would wipe data.  Any change to the
 * extent tree bumps the count and makes iomap map again.
 */
static bool atomfs_iomap_valid(struct inode *inode, const struct iomap *iomap)
{
	return iomap->validity_cookie == READ_ONCE(ATOMFS_I(inode)->i_map_seq);
}

/* Every plain buffered write and zeroing of a folio ends here, locked. */
static void atomfs_put_folio(struct inode *inode, loff_t pos,
			     unsigned int copied, struct folio *folio)
{
	if (copied)
		atomfs_demote_folio(inode, folio, ATOMFS_DEMOTE_WRITE);
	folio_unlock(folio);
	folio_put(folio);
}

static const struct iomap_folio_ops atomfs_iomap_folio_ops = {
	.put_folio	= atomfs_put_folio,
	.iomap_valid	= atomfs_iomap_valid,
};

static int atomfs_write_iomap_begin(struct inode *inode, loff_t pos,
				    loff_t length, unsigned int flags,
				    struct iomap *iomap, struct iomap *srcmap)
{
	struct atomfs_map map;
	unsigned int nofs;
	bool allocated;
	u64 lblk, len;
	u32 seq;
	int err;

	/*
	 * Zeroing only touches what is already written: no allocation.  It
	 * is a plain write all the same (truncate, zero range): put_folio
	 * must see it to demote an atomic folio it zeroes.
	 */
	if (!(flags & IOMAP_WRITE)) {
		err = atomfs_read_iomap_begin(inode, pos, length, flags,
					      iomap, srcmap);
		if (!err)
			iomap->folio_ops = &atomfs_iomap_folio_ops;
		return err;
	}
	if (sb_rdonly(inode->i_sb))
		return -EROFS;

	atomfs_iomap_range(inode, pos, length, &lblk, &len);
	nofs = atomfs_map_lock(inode);
	err = atomfs_extents_map(inode, lblk, len, &map);
	allocated = !err && !map.pblk;
	if (allocated) {
		/*
		 * Only buffered writes, under i_rwsem, allocate ahead: a
		 * direct write waits for its conversion anyway, and a page
		 * fault lies within EOF.
		 */
		if (flags & (IOMAP_DIRECT | IOMAP_FAULT))
			err = atomfs_extents_alloc(inode, lblk, map.len);
		else
			err = atomfs_extents_alloc_write(inode, lblk, map.len);
		/*
		 * Out of space part way: the units allocated first take the
		 * data, so that the write comes back short and the next one
		 * fails, rather than failing whole and leaving those units
		 * allocated past EOF with nothing in them.
		 */
		if (!err || err == -ENOSPC) {
			int ret = atomfs_extents_map(inode, lblk, len, &map);

			if (ret)
				err = ret;
			else if (map.pblk)
				err = 0;
			else if (!err)
				err = -EUCLEAN;	/* allocated, yet not mapped */
		}
	}
	seq = ATOMFS_I(inode)->i_map_seq;
	atomfs_map_unlock(inode, nofs);
	if (err)
		return err;
	iomap->folio_ops = &atomfs_iomap_folio_ops;
	err = atomfs_fill_iomap(inode, &map, iomap, seq);
	/* A buffered write that fails gives these back: see iomap_end. */
	if (!err && allocated && !(flags & (IOMAP_DIRECT | IOMAP_FAULT)))
		iomap->flags |= IOMAP_F_NEW;
	return err;
}

/**
 * atomfs_undo_alloc() - a write failed: give back the units it allocated
 * @inode:	the file, i_rwsem held for write
 * @pos:	first byte of the units the write allocated and did not fill
 * @len:	their bytes, whole units
 *
 * A store through a mapping may have filled one of them meanwhile (it
 * needs no i_rwsem): units with dirty folios are kept, with whatever the
 * write allocated ahead of them.
 */
void atomfs_undo_alloc(struct inode *inode, loff_t pos, loff_t len)
{
	struct address_space *mapping = inode->i_mapping;
	unsigned int nofs;
	int err = 0;

	filemap_invalidate_lock(mapping);
	if (!len || !filemap_range_needs_writeback(mapping, pos,
						   pos + len - 1)) {
		nofs = atomfs_map_lock(inode);
		err = atomfs_extents_undo_write(inode,
						pos >> ATOMFS_BLOCK_SHIFT,
						len >> ATOMFS_BLOCK_SHIFT);
		atomfs_map_unlock(inode, nofs);
	}
	filemap_invalidate_unlock(mapping);
	if (err)
		pr_warn_ratelimited("atomfs (%s): inode %lu: blocks allocated for a failed write at offset %lld not given back: %d\n",
				    inode->i_sb->s_id, inode->i_ino, pos, err);
}

static int atomfs_write_iomap_end(struct inode *inode, loff_t pos,
				  loff_t length, ssize_t written,
				  unsigned int flags, struct iomap *iomap)
{
	loff_t unit = i_blocksize(inode);
	loff_t first, end;

	if (iomap->flags & IOMAP_F_SIZE_CHANGED)
		mark_inode_dirty(inode);
	/*
	 * The copy failed short (a bad buffer, or out of space part way):
	 * the units this call allocated that hold nothing of it go back.
	 */
	if ((iomap->flags & IOMAP_F_NEW) && written < length) {
		first = written ? round_up(pos + written, unit) :
				  round_down(pos, unit);
		end = min(iomap->offset + (loff_t)iomap->length,
			  round_up(pos + length, unit));
		if (first < end)
			atomfs_undo_alloc(inode, first, end - first);
	}
	return 0;
}

const struct iomap_ops atomfs_iomap_ops = {
	.iomap_begin	= atomfs_write_iomap_begin,
	.iomap_end	= atomfs_write_iomap_end,
};

const struct iomap_ops atomfs_read_iomap_ops = {
	.iomap_begin	= atomfs_read_iomap_begin,
};
