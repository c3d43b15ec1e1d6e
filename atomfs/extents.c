// SPDX-License-Identifier: GPL-2.0
/*
 * File block mapping: the extent tree of a regular file.
 *
 * Blocks are allocated a whole atomic unit at a time, unwritten, and become
 * written only once data I/O to them has completed, so a block that was
 * never written reads as zeros whatever the device holds there.  The tree
 * is kept canonical: neighbouring extents that continue each other on disk
 * with the same state are merged.
 *
 * Callers hold i_map_sem: shared to map, exclusive to change.
 */
#include <linux/fs.h>
#include "atomfs.h"

struct atomfs_ext {
	u64	lblk;
	u64	pblk;
	u64	len;
	u32	flags;
};

/* Read the extent with the key found by @mode from @key. */
static int atomfs_ext_get(struct inode *inode, u64 key,
			  enum atomfs_btree_mode mode, struct atomfs_ext *ext)
{
	struct atomfs_extent raw;
	unsigned int len = sizeof(raw);
	int err;

	err = atomfs_btree_lookup(inode, ATOMFS_BTREE_EXTENTS, key, mode,
				  &ext->lblk, &raw, &len);
	if (err)
		return err;
	ext->pblk = le64_to_cpu(raw.e_pblk);
	ext->len = le32_to_cpu(raw.e_len);
	ext->flags = le32_to_cpu(raw.e_flags);
	if (len != sizeof(raw) || !ext->len ||
	    ext->lblk + ext->len < ext->lblk ||
	    ext->pblk < ATOMFS_SB(inode->i_sb)->data_start ||
	    ext->pblk + ext->len > ATOMFS_SB(inode->i_sb)->blocks_count) {
		atomfs_error(inode->i_sb,
			     "inode %lu: bad extent at block %llu: %llu+%llu",
			     inode->i_ino, ext->lblk, ext->pblk, ext->len);
		return -EUCLEAN;
	}
	if (ext->flags & ~ATOMFS_EXTENT_UNWRITTEN) {
		atomfs_error(inode->i_sb,
			     "inode %lu: extent at block %llu: unknown flags 0x%x",
			     inode->i_ino, ext->lblk, ext->flags);
		return -EUCLEAN;
	}
	return 0;
}

static void atomfs_ext_to_raw(const struct atomfs_ext *ext,
			      struct atomfs_extent *raw)
{
	raw->e_pblk = cpu_to_le64(ext->pblk);
	raw->e_len = cpu_to_le32(ext->len);
	raw->e_flags = cpu_to_le32(ext->flags);
}

static int atomfs_ext_insert(struct inode *inode, const struct atomfs_ext *ext)
{
	struct atomfs_extent raw;

	atomfs_ext_to_raw(ext, &raw);
	return atomfs_btree_insert(inode, ATOMFS_BTREE_EXTENTS, ext->lblk,
				   &raw, sizeof(raw));
}

static int atomfs_ext_update(struct inode *inode, const struct atomfs_ext *ext)
{
	struct atomfs_extent raw;

	atomfs_ext_to_raw(ext, &raw);
	return atomfs_btree_update(inode, ATOMFS_BTREE_EXTENTS, ext->lblk,
				   &raw, sizeof(raw));
}

static bool atomfs_ext_continues(const struct atomfs_ext *a,
				 const struct atomfs_ext *b)
{
	return a->lblk + a->len == b->lblk && a->pblk + a->len == b->pblk &&
	       a->flags == b->flags && a->len + b->len <= U32_MAX;
}

/*
 * Room in the handle for @credits and @revokes.  Each step of an extent
 * change leaves the tree, the bitmaps and the inode consistent, so a
 * restart between steps commits a state a crash may show: the inode, whose
 * root and block count the steps so far changed, goes into the transaction
 * first.  A handle with room left needs no store of the inode yet: its
 * transaction cannot commit before the handle ends, and atomfs_ext_stop()
 * stores the inode then.  i_map_sem is held over a restart: no one takes
 * it while holding a handle.
 */
static int atomfs_ext_room(struct inode *inode, int credits, int revokes)
{
	handle_t *handle = journal_current_handle();

	if (handle && !is_handle_aborted(handle) &&
	    jbd2_handle_buffer_credits(handle) >= credits &&
	    handle->h_revoke_credits >= revokes)
		return 0;
	mark_inode_dirty(inode);
	return atomfs_journal_ensure(inode->i_sb, credits, revokes);
}

/* Room in the handle for the next step of an extent change. */
static int atomfs_ext_step(struct inode *inode)
{
	return atomfs_ext_room(inode, ATOMFS_EXT_STEP_CREDITS,
			       ATOMFS_EXT_STEP_REVOKES);
}

/*
 * Start the handle an extent change runs in, after i_map_sem (the lock
 * order is i_map_sem, then the handle).
 */
static handle_t *atomfs_ext_start(struct inode *inode)
{
	return atomfs_journal_start(inode->i_sb, ATOMFS_EXT_STEP_CREDITS,
				    ATOMFS_EXT_STEP_REVOKES);
}

/* Store the inode with the tree it now has, and end the handle. */
static int atomfs_ext_stop(struct inode *inode, handle_t *handle, int err)
{
	mark_inode_dirty(inode);
	return atomfs_journal_stop(handle, err);
}

/*
 * Insert @ext, merging it with the extents on either side when they
 * continue each other.
 */
static int atomfs_ext_insert_merge(struct inode *inode, struct atomfs_ext ext)
{
	struct atomfs_ext left, right;
	int err;

	err = ext.lblk ? atomfs_ext_get(inode, ext.lblk - 1, ATOMFS_BT_LE,
					&left) : -ENOENT;
	if (err && err != -ENOENT)
		return err;
	if (!err && atomfs_ext_continues(&left, &ext)) {
		err = atomfs_btree_delete(inode, ATOMFS_BTREE_EXTENTS,
					  left.lblk);
		if (err)
			return err;
		ext.lblk = left.lblk;
		ext.pblk = left.pblk;
		ext.len += left.len;
	}

	err = atomfs_ext_get(inode, ext.lblk + ext.len, ATOMFS_BT_EQ, &right);
	if (err && err != -ENOENT)
		return err;
	if (!err && atomfs_ext_continues(&ext, &right)) {
		err = atomfs_btree_delete(inode, ATOMFS_BTREE_EXTENTS,
					  right.lblk);
		if (err)
			return err;
		ext.len += right.len;
	}
	return atomfs_ext_insert(inode, &ext);
}

/**
 * atomfs_extents_map() - map a file block
 * @inode:	the file
 * @lblk:	the block
 * @max_len:	look no further than this many blocks
 * @map:	filled in: the run from @lblk on that shares one state
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_map(struct inode *inode, u64 lblk, u64 max_len,
		       struct atomfs_map *map)
{
	struct atomfs_ext ext, next;
	int err;

	map->lblk = lblk;
	map->pblk = 0;
	map->unwritten = false;

	err = atomfs_ext_get(inode, lblk, ATOMFS_BT_LE, &ext);
	if (err && err != -ENOENT)
		return err;
	if (err || ext.lblk + ext.len <= lblk) {
		err = atomfs_ext_get(inode, lblk, ATOMFS_BT_GE, &next);
		if (err && err != -ENOENT)
			return err;
		map->len = err ? max_len : min(next.lblk - lblk, max_len);
		return 0;
	}

	map->pblk = ext.pblk + (lblk - ext.lblk);
	map->unwritten = ext.flags & ATOMFS_EXTENT_UNWRITTEN;
	map->len = ext.lblk + ext.len - lblk;
	/* Runs can span extents split by a tree of bounded leaf size. */
	while (map->len < max_len) {
		err = atomfs_ext_get(inode, ext.lblk + ext.len, ATOMFS_BT_EQ,
				     &next);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		if (ext.pblk + ext.len != next.pblk || ext.flags != next.flags)
			break;
		map->len += next.len;
		ext = next;
	}
	map->len = min(map->len, max_len);
	return 0;
}

/* Allocate the units under [@lblk, @lblk + @len), step by step. */
static int __atomfs_extents_alloc(struct inode *inode, u64 lblk, u64 len)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	u64 ub = sbi->unit_blocks;
	u64 pos = atomfs_unit_start(sbi, lblk);
	u64 end = atomfs_unit_start(sbi, lblk + len - 1) + ub;
	struct atomfs_map map;
	int err;

	while (pos < end) {
		struct atomfs_ext ext;
		u64 goal = 0, units;

		err = atomfs_extents_map(inode, pos, end - pos, &map);
		if (err)
			return err;
		if (map.pblk) {
			pos += map.len;
			continue;
		}
		err = atomfs_ext_step(inode);
		if (err)
			return err;
		if (map.len % ub) {
			atomfs_error(inode->i_sb,
				     "inode %lu: unit at block %llu is partly mapped",
				     inode->i_ino, pos + map.len);
			return -EUCLEAN;
		}
		if (pos) {
			struct atomfs_map prev;

			err = atomfs_extents_map(inode, pos - 1, 1, &prev);
			if (err)
				return err;
			if (prev.pblk)
				goal = prev.pblk + 1;
		}
		err = atomfs_alloc_data(inode, goal, map.len / ub, &ext.pblk,
					&units);
		if (err)
			return err;
		ext.lblk = pos;
		ext.len = units * ub;
		ext.flags = ATOMFS_EXTENT_UNWRITTEN;
		err = atomfs_ext_insert_merge(inode, ext);
		if (err) {
			atomfs_free_blocks(inode, ext.pblk, ext.len);
			return err;
		}
		atomfs_map_changed(inode);
		pos += ext.len;
	}
	return 0;
}

enum atomfs_ext_op {
	ATOMFS_EXT_WRITTEN,	/* data I/O completed: now written */
	ATOMFS_EXT_UNWRITTEN,	/* contents dropped: read as zeros again */
	ATOMFS_EXT_FREE,	/* unmap and free */
};

/*
 * Apply @op to every mapped block in [@lblk, @end).  Extents that straddle
 * an edge are split; the middle part is changed and merged with its
 * neighbours.
 */
static int __atomfs_extents_apply(struct inode *inode, u64 lblk, u64 end,
				  enum atomfs_ext_op op)
{
	u32 want = op == ATOMFS_EXT_UNWRITTEN ? ATOMFS_EXTENT_UNWRITTEN : 0;
	u64 pos = lblk;
	int err;

	while (pos < end) {
		struct atomfs_ext ext, part;
		u64 a, b, ext_end;

		err = atomfs_ext_get(inode, pos, ATOMFS_BT_LE, &ext);
		if (err && err != -ENOENT)
			return err;
		if (err || ext.lblk + ext.len <= pos) {
			err = atomfs_ext_get(inode, pos, ATOMFS_BT_GE, &ext);
			if (err == -ENOENT)
				break;
			if (err)
				return err;
			if (ext.lblk >= end)
				break;
		}
		ext_end = ext.lblk + ext.len;
		a = max(ext.lblk, pos);
		b = min(ext_end, end);
		if (op != ATOMFS_EXT_FREE && ext.flags == want) {
			pos = b;
			continue;
		}
		err = atomfs_ext_step(inode);
		if (err)
			return err;

		/* Keep the part before the range, or drop the extent. */
		if (ext.lblk < a) {
			part = ext;
			part.len = a - ext.lblk;
			err = atomfs_ext_update(inode, &part);
		} else {
			err = atomfs_btree_delete(inode, ATOMFS_BTREE_EXTENTS,
						  ext.lblk);
		}
		if (err)
			return err;

		/* Then the part after it, as it was. */
		if (b < ext_end) {
			part = ext;
			part.lblk = b;
			part.pblk = ext.pblk + (b - ext.lblk);
			part.len = ext_end - b;
			err = atomfs_ext_insert(inode, &part);
			if (err)
				return err;
		}

		part = ext;
		part.lblk = a;
		part.pblk = ext.pblk + (a - ext.lblk);
		part.len = b - a;
		if (op == ATOMFS_EXT_FREE) {
			err = atomfs_free_blocks(inode, part.pblk, part.len);
		} else {
			part.flags = want;
			err = atomfs_ext_insert_merge(inode, part);
		}
		if (err)
			return err;
		atomfs_map_changed(inode);
		pos = b;
	}
	return 0;
}

static int atomfs_extents_apply(struct inode *inode, u64 lblk, u64 end,
				enum atomfs_ext_op op)
{
	handle_t *handle = atomfs_ext_start(inode);
	int err;

	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_extents_apply(inode, lblk, end, op);
	return atomfs_ext_stop(inode, handle, err);
}

/**
 * atomfs_extents_convert() - mark blocks written after their data I/O
 * @inode:	the file
 * @lblk:	first block
 * @len:	number of blocks
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_convert(struct inode *inode, u64 lblk, u64 len)
{
	return atomfs_extents_apply(inode, lblk, lblk + len,
				    ATOMFS_EXT_WRITTEN);
}

/**
 * atomfs_extents_batch_start() - start a handle for several extent changes
 * @inode:	the file, i_map_sem held for write
 *
 * Writeback completion records many bios at once: atomfs_extents_written()
 * and atomfs_extents_remap() for each, in this one handle, which stores
 * the inode once at its end rather than once per bio, and is restarted
 * only when its transaction is full.
 *
 * Return: the handle or an ERR_PTR().
 */
handle_t *atomfs_extents_batch_start(struct inode *inode)
{
	return atomfs_journal_start(inode->i_sb, ATOMFS_REMAP_CREDITS,
				    ATOMFS_REMAP_REVOKES);
}

/**
 * atomfs_extents_batch_stop() - store the inode and end a batch's handle
 * @inode:	the file, i_map_sem held for write
 * @handle:	from atomfs_extents_batch_start()
 *
 * Return: 0, or the error the journal met.
 */
int atomfs_extents_batch_stop(struct inode *inode, handle_t *handle)
{
	return atomfs_ext_stop(inode, handle, 0);
}

/**
 * atomfs_extents_written() - mark blocks written, in a batch's handle
 * @inode:	the file, i_map_sem held for write
 * @lblk:	first block
 * @len:	number of blocks
 *
 * As atomfs_extents_convert(), in the handle of atomfs_extents_batch_start().
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_written(struct inode *inode, u64 lblk, u64 len)
{
	return __atomfs_extents_apply(inode, lblk, lblk + len,
				      ATOMFS_EXT_WRITTEN);
}

/**
 * atomfs_extents_unwrite() - make blocks read as zeros, keeping them
 * @inode:	the file
 * @lblk:	first block
 * @len:	number of blocks
 *
 * For FALLOC_FL_ZERO_RANGE over whole units, which stay allocated.  The
 * caller has dropped the page cache over the range.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_unwrite(struct inode *inode, u64 lblk, u64 len)
{
	return atomfs_extents_apply(inode, lblk, lblk + len,
				    ATOMFS_EXT_UNWRITTEN);
}

/**
 * atomfs_extents_free() - unmap and free whole units
 * @inode:	the file
 * @lblk:	first block, unit-aligned
 * @end:	block after the last, unit-aligned, or U64_MAX for all
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_free(struct inode *inode, u64 lblk, u64 end)
{
	return atomfs_extents_apply(inode, lblk, end, ATOMFS_EXT_FREE);
}

/*
 * Allocating ahead of extending writes.  A file written sequentially past
 * its end would otherwise run an allocation (a transaction updating the
 * extent tree, a bitmap and the inode) for every write.  As XFS does, a
 * write that appends to the file allocates ahead of itself as much again
 * as the file holds, from ATOMFS_AHEAD_MIN_SIZE on, at most
 * ATOMFS_AHEAD_MAX and a sixteenth of the free space, so that the next
 * writes find their units mapped; as the space runs out the guess shrinks
 * to nothing.  A write that leaves a hole before it gets none: a sparse
 * file stays sparse.  The blocks ahead are unwritten and past EOF: they
 * read as zeros, the last writer's close (or eviction) gives back those
 * the file did not grow into, a write short of space takes them back
 * first, and a crash leaves them as fallocate(FALLOC_FL_KEEP_SIZE) would.
 */
#define ATOMFS_AHEAD_MIN_SIZE	SZ_64K
#define ATOMFS_AHEAD_MAX	SZ_8M

/* The first block past the unit that holds the file's last byte. */
static u64 atomfs_eof_block(struct inode *inode)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);

	return DIV_ROUND_UP_ULL(i_size_read(inode), 1ULL << sbi->unit_shift) *
	       sbi->unit_blocks;
}

/**
 * atomfs_extents_forget_ahead() - no range allocated ahead any more
 * @inode:	the file, i_map_sem held for write, or being evicted
 *
 * Its blocks ahead were freed, or are to be left past EOF (eviction of a
 * file on a read-only or frozen filesystem).
 */
void atomfs_extents_forget_ahead(struct inode *inode)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);

	ai->i_ahead_start = 0;
	ai->i_ahead_end = 0;
	spin_lock(&sbi->ahead_lock);
	list_del_init(&ai->i_ahead_link);
	spin_unlock(&sbi->ahead_lock);
}

/*
 * Free what lies past EOF of the range allocated ahead, except the blocks
 * [@keep, @keep_end), and forget the range; in the handle.  No folio past
 * EOF is written back, and the caller holds i_rwsem (or the inode is
 * being evicted): no write is mapping these blocks.
 */
static int __atomfs_free_ahead(struct inode *inode, u64 keep, u64 keep_end)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	u64 start = max(ai->i_ahead_start, atomfs_eof_block(inode));
	u64 end = ai->i_ahead_end;
	int err = 0;

	atomfs_extents_forget_ahead(inode);
	if (start < min(end, keep))
		err = __atomfs_extents_apply(inode, start, min(end, keep),
					     ATOMFS_EXT_FREE);
	if (!err && max(start, keep_end) < end)
		err = __atomfs_extents_apply(inode, max(start, keep_end), end,
					     ATOMFS_EXT_FREE);
	return err;
}

/* Note [@from, @from + @len), just allocated ahead. */
static void atomfs_track_ahead(struct inode *inode, u64 from, u64 len)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);

	/*
	 * One range is tracked.  One that the new range neither touches
	 * nor overlaps lies below EOF now (a write went past it) or was
	 * freed by a truncate.
	 */
	if (ai->i_ahead_start < ai->i_ahead_end &&
	    from <= ai->i_ahead_end && from + len >= ai->i_ahead_start) {
		ai->i_ahead_start = min(ai->i_ahead_start, from);
		ai->i_ahead_end = max(ai->i_ahead_end, from + len);
	} else {
		ai->i_ahead_start = from;
		ai->i_ahead_end = from + len;
	}
	spin_lock(&sbi->ahead_lock);
	if (list_empty(&ai->i_ahead_link))
		list_add_tail(&ai->i_ahead_link, &sbi->ahead_inodes);
	spin_unlock(&sbi->ahead_lock);
}

/*
 * Allocate the units under [@lblk, @lblk + @len), then @ahead blocks from
 * the unit after them, all in one handle.  The blocks ahead are a guess:
 * short of space for them, what was found is kept and the caller's units
 * are all that count.  With @reclaim (the caller holds i_rwsem), a lack
 * of space for the caller's units frees what the file holds ahead first.
 */
static int atomfs_alloc_ahead(struct inode *inode, u64 lblk, u64 len,
			      u64 ahead, bool reclaim)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	u64 first = atomfs_unit_start(sbi, lblk);
	u64 from = atomfs_unit_start(sbi, lblk + len - 1) + sbi->unit_blocks;
	bool retried = false;
	handle_t *handle;
	int err;

again:
	handle = atomfs_ext_start(inode);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_extents_alloc(inode, lblk, len);
	if (!err && ahead) {
		err = __atomfs_extents_alloc(inode, from, ahead);
		if (err == -ENOSPC)
			err = 0;
		atomfs_track_ahead(inode, from, ahead);
	} else if (err == -ENOSPC && reclaim &&
		   ai->i_ahead_start < ai->i_ahead_end) {
		int ret = __atomfs_free_ahead(inode, first, from);

		if (ret)
			err = ret;
	}
	err = atomfs_ext_stop(inode, handle, err);
	/* The space freed only becomes free once its transaction commits. */
	if (err == -ENOSPC && !retried && !journal_current_handle() &&
	    atomfs_data_avail(sbi) >= sbi->unit_blocks) {
		retried = true;
		ahead = 0;
		atomfs_count(sbi, ATOMFS_CTR_ALLOC_COMMIT_WAITS, 1);
		if (!jbd2_journal_force_commit(sbi->journal))
			goto again;
	}
	return err;
}

/**
 * atomfs_extents_alloc() - allocate the units under a range of blocks
 * @inode:	the file, i_map_sem held for write
 * @lblk:	first block
 * @len:	number of blocks
 *
 * Every unit that touches the range and has no blocks yet gets a whole,
 * aligned unit of unwritten blocks, contiguous with the previous unit of
 * the file where the allocator can manage it.  When the only free space
 * is space freed by transactions not yet committed, the journal is
 * committed and the allocation tried again.
 *
 * Return: 0, -ENOSPC (some units may have been allocated), or another
 * negative errno.
 */
int atomfs_extents_alloc(struct inode *inode, u64 lblk, u64 len)
{
	return atomfs_alloc_ahead(inode, lblk, len, 0, false);
}

/* Blocks to allocate ahead of a write to [@lblk, @lblk + @len). */
static u64 atomfs_ahead_blocks(struct inode *inode, u64 lblk, u64 len)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	loff_t size = i_size_read(inode);
	u64 eof = atomfs_eof_block(inode);
	u64 from = atomfs_unit_start(sbi, lblk + len - 1) + sbi->unit_blocks;
	struct atomfs_map map;
	u64 ahead;

	/* Only a write that appends, to a file past its first units. */
	if (lblk > eof || from <= eof || size < ATOMFS_AHEAD_MIN_SIZE)
		return 0;
	ahead = min_t(u64, size, ATOMFS_AHEAD_MAX) >> ATOMFS_BLOCK_SHIFT;
	ahead = min(ahead, atomfs_data_avail(sbi) / 16);
	ahead = round_down(ahead, sbi->unit_blocks);
	if (!ahead)
		return 0;
	/* Up to the next extent: units fallocated past EOF are there. */
	if (atomfs_extents_map(inode, from, ahead, &map) || map.pblk)
		return 0;
	return map.len;
}

/**
 * atomfs_extents_alloc_write() - allocate for a buffered write
 * @inode:	the file, i_rwsem and i_map_sem held for write
 * @lblk:	first block of the write
 * @len:	its number of blocks
 *
 * As atomfs_extents_alloc(); a write that appends to the file allocates
 * ahead of itself (see %ATOMFS_AHEAD_MAX).
 *
 * Return: as atomfs_extents_alloc(), for the write's own units.
 */
int atomfs_extents_alloc_write(struct inode *inode, u64 lblk, u64 len)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_alloc_undo *undo = &ai->i_alloc_undo;
	u64 ahead = atomfs_ahead_blocks(inode, lblk, len);
	int err;

	lockdep_assert_held_write(&inode->i_rwsem);
	undo->ahead_from = atomfs_unit_start(sbi, lblk + len - 1) +
			   sbi->unit_blocks;
	undo->ahead_len = ahead;
	undo->prev_start = ai->i_ahead_start;
	undo->prev_end = ai->i_ahead_end;
	err = atomfs_alloc_ahead(inode, lblk, len, ahead, true);
	if (err)
		undo->ahead_len = 0;
	return err;
}

/**
 * atomfs_extents_undo_write() - give back what a failed write allocated
 * @inode:	the file, i_rwsem and i_map_sem held for write, and the
 *		invalidate lock: no dirty folio over the range
 * @lblk:	first block of the units the write allocated and left
 *		unfilled, unit-aligned
 * @len:	their number of blocks, whole units
 *
 * Frees those units and the blocks the last atomfs_extents_alloc_write()
 * allocated ahead, and tracks the range ahead as it was before: a write
 * that fails leaves the file's blocks as they were.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_undo_write(struct inode *inode, u64 lblk, u64 len)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_alloc_undo *undo = &ai->i_alloc_undo;
	handle_t *handle;
	int err = 0;

	lockdep_assert_held_write(&inode->i_rwsem);
	handle = atomfs_ext_start(inode);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	if (len)
		err = __atomfs_extents_apply(inode, lblk, lblk + len,
					     ATOMFS_EXT_FREE);
	if (!err && undo->ahead_len) {
		err = __atomfs_extents_apply(inode, undo->ahead_from,
					     undo->ahead_from + undo->ahead_len,
					     ATOMFS_EXT_FREE);
		if (undo->prev_start < undo->prev_end) {
			ai->i_ahead_start = undo->prev_start;
			ai->i_ahead_end = undo->prev_end;
		} else {
			atomfs_extents_forget_ahead(inode);
		}
	}
	undo->ahead_len = 0;
	return atomfs_ext_stop(inode, handle, err);
}

/**
 * atomfs_extents_keep_ahead() - fallocate takes units allocated ahead
 * @inode:	the file, i_rwsem and i_map_sem held for write
 * @lblk:	first block fallocate asked for
 * @len:	number of blocks
 *
 * What the user asked for stays; the rest of the range allocated ahead,
 * past EOF, is given back now: one range is tracked, and the blocks on
 * either side of the user's would otherwise be left behind.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_keep_ahead(struct inode *inode, u64 lblk, u64 len)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	u64 first = atomfs_unit_start(sbi, lblk);
	u64 end = atomfs_unit_start(sbi, lblk + len - 1) + sbi->unit_blocks;
	handle_t *handle;

	if (lblk >= ai->i_ahead_end || lblk + len <= ai->i_ahead_start)
		return 0;
	handle = atomfs_ext_start(inode);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	return atomfs_ext_stop(inode, handle,
			       __atomfs_free_ahead(inode, first, end));
}

/**
 * atomfs_extents_trim_ahead() - give back the units allocated ahead
 * @inode:	the file, with i_rwsem (or being evicted) and i_map_sem
 *		held for write
 *
 * Frees the blocks allocated ahead of extending writes that the file has
 * not grown into: those past the unit that holds EOF.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_extents_trim_ahead(struct inode *inode)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	handle_t *handle;

	if (max(ai->i_ahead_start, atomfs_eof_block(inode)) >=
	    ai->i_ahead_end) {
		atomfs_extents_forget_ahead(inode);
		return 0;
	}
	handle = atomfs_ext_start(inode);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	return atomfs_ext_stop(inode, handle, __atomfs_free_ahead(inode, 0, 0));
}

/**
 * atomfs_extents_remap() - move written blocks to blocks set aside
 * @inode:	the file, i_map_sem held for write
 * @lblk:	first file block
 * @len:	number of blocks, within one extent
 * @pblk:	first block of the new place, from atomfs_cow_take(), now
 *		holding the data
 *
 * The new blocks are allocated and mapped written, and the old ones freed,
 * in one transaction: the handle of atomfs_extents_batch_start(), made
 * roomy enough first and never restarted part way, so that after a crash
 * the file maps either all of the old blocks or all of the new.  The old
 * blocks cannot be reused before that transaction commits.
 *
 * Return: 0; -ESTALE if the range is no longer one written extent (the
 * new place is then left to the caller); or another negative errno.
 */
int atomfs_extents_remap(struct inode *inode, u64 lblk, u64 len, u64 pblk)
{
	struct atomfs_ext ext, part;
	u64 ext_end;
	int err;

	err = atomfs_ext_room(inode, ATOMFS_REMAP_CREDITS,
			      ATOMFS_REMAP_REVOKES);
	if (err)
		return err;
	err = atomfs_ext_get(inode, lblk, ATOMFS_BT_LE, &ext);
	if (err == -ENOENT)
		err = -ESTALE;
	if (err)
		return err;
	ext_end = ext.lblk + ext.len;
	if (ext_end < lblk + len || (ext.flags & ATOMFS_EXTENT_UNWRITTEN))
		return -ESTALE;

	err = atomfs_cow_claim(inode, pblk);
	if (err)
		return err;
	if (ext.lblk < lblk) {
		part = ext;
		part.len = lblk - ext.lblk;
		err = atomfs_ext_update(inode, &part);
	} else {
		err = atomfs_btree_delete(inode, ATOMFS_BTREE_EXTENTS,
					  ext.lblk);
	}
	if (!err && lblk + len < ext_end) {
		part = ext;
		part.lblk = lblk + len;
		part.pblk = ext.pblk + (part.lblk - ext.lblk);
		part.len = ext_end - part.lblk;
		err = atomfs_ext_insert(inode, &part);
	}
	if (!err)
		err = atomfs_free_blocks(inode, ext.pblk + (lblk - ext.lblk),
					 len);
	if (!err) {
		part = (struct atomfs_ext){
			.lblk = lblk, .pblk = pblk, .len = len, .flags = 0,
		};
		err = atomfs_ext_insert_merge(inode, part);
	}
	atomfs_map_changed(inode);
	/* Half a remap must never commit. */
	if (err)
		atomfs_journal_abort(inode->i_sb, err);
	return err;
}

/**
 * atomfs_truncate_blocks() - release the units past a file size
 * @inode:	the file, i_map_sem held for write; the page cache past
 *		@size is already gone, and the rest of the unit holding the
 *		new end is zeroed in it
 * @size:	the new size in bytes, already in @inode
 *
 * The units go one extent per step, from the first transaction on with the
 * new size and the inode flagged an orphan, so that a crash part way leaves
 * the next mount to finish the job and no later extension of the file can
 * show what the units held.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_truncate_blocks(struct inode *inode, loff_t size)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	u64 unit_end = DIV_ROUND_UP_ULL(size, 1ULL << sbi->unit_shift) *
		       sbi->unit_blocks;
	handle_t *handle;
	int err;

	handle = atomfs_ext_start(inode);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	/* What was allocated ahead goes too. */
	atomfs_extents_forget_ahead(inode);
	ai->i_flags |= ATOMFS_INODE_ORPHAN;
	mark_inode_dirty(inode);
	err = __atomfs_extents_apply(inode, unit_end, U64_MAX,
				     ATOMFS_EXT_FREE);
	if (!err && !unit_end && ai->i_root) {
		/* No extent left: the tree's last (root) node goes too. */
		err = atomfs_ext_step(inode);
		if (!err)
			err = atomfs_btree_destroy(inode, ATOMFS_BTREE_EXTENTS,
						   NULL, NULL);
		atomfs_map_changed(inode);
	}
	if (!err)
		ai->i_flags &= ~ATOMFS_INODE_ORPHAN;
	return atomfs_ext_stop(inode, handle, err);
}

/* The extent that runs across block @lblk is cut in two there. */
static int atomfs_ext_split_at(struct inode *inode, u64 lblk)
{
	struct atomfs_ext ext, part;
	int err;

	if (!lblk)
		return 0;
	err = atomfs_ext_get(inode, lblk - 1, ATOMFS_BT_LE, &ext);
	if (err == -ENOENT || (!err && ext.lblk + ext.len <= lblk))
		return 0;
	if (err)
		return err;
	part = ext;
	part.len = lblk - ext.lblk;
	err = atomfs_ext_update(inode, &part);
	if (err)
		return err;
	part.lblk = lblk;
	part.pblk = ext.pblk + (lblk - ext.lblk);
	part.len = ext.len - (lblk - ext.lblk);
	return atomfs_ext_insert(inode, &part);
}

/* The extents either side of block @lblk merge if they continue each other. */
static int atomfs_ext_merge_at(struct inode *inode, u64 lblk)
{
	struct atomfs_ext left, right;
	int err;

	if (!lblk)
		return 0;
	err = atomfs_ext_get(inode, lblk - 1, ATOMFS_BT_LE, &left);
	if (!err)
		err = atomfs_ext_get(inode, lblk, ATOMFS_BT_EQ, &right);
	if (err == -ENOENT || (!err && !atomfs_ext_continues(&left, &right)))
		return 0;
	if (err)
		return err;
	err = atomfs_btree_delete(inode, ATOMFS_BTREE_EXTENTS, right.lblk);
	if (err)
		return err;
	left.len += right.len;
	return atomfs_ext_update(inode, &left);
}

struct atomfs_ext_count {
	u64	end;
	u64	n;
};

static int atomfs_ext_count_actor(void *ctx, u64 key, const void *val,
				  unsigned int len)
{
	struct atomfs_ext_count *count = ctx;

	if (key >= count->end)
		return 1;
	count->n++;
	return 0;
}

/**
 * atomfs_extents_shift() - collapse or insert a range of whole units
 * @inode:	the file, with i_rwsem, the invalidate lock and i_map_sem
 *		held for write, no page cache from @lblk on, and no handle
 * @lblk:	first block, unit-aligned, below EOF
 * @len:	number of blocks, whole units
 * @insert:	true: a hole of @len blocks opens at @lblk and every extent
 *		from there on moves up; false: the blocks of [@lblk, @lblk
 *		+ @len) are freed and every extent past them moves down
 * @size:	the file's size afterwards
 *
 * One transaction holds the whole change: the units freed, every key
 * moved, the new size and times.  A crash shows the file before or after,
 * never a part moved.  The handle is sized before anything changes, from
 * the tree nodes the move rewrites (all that hold a key from @lblk on,
 * counted), the extents freed (a bitmap block or two each), and room for
 * the splits and merges at the edges; it is nested, so that a step short
 * of room fails rather than restart it, which would commit half the move.
 * Blocks allocated ahead past EOF are given back first, in a transaction
 * of their own: blocks past EOF that fallocate kept move with the rest.
 *
 * Return: 0; -ENOSPC when the move needs more blocks than one transaction
 * of the journal holds (nothing is changed; one log line says so);
 * -EFBIG when an insert would move an extent past the largest file size;
 * or another negative errno (after a change had begun, the journal is
 * aborted: nothing of it commits).
 */
int atomfs_extents_shift(struct inode *inode, u64 lblk, u64 len, bool insert,
			 loff_t size)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	journal_t *journal = sbi->journal;
	struct atomfs_ext_count count = { .end = lblk + len };
	u64 start = insert ? lblk : lblk + len;
	s64 delta = insert ? (s64)len : -(s64)len;
	unsigned int nodes = 0;
	handle_t *handle, *inner;
	struct atomfs_ext last;
	u64 credits, revokes, room;
	int err;

	err = atomfs_extents_trim_ahead(inode);
	if (err)
		return err;
	if (insert) {
		err = atomfs_ext_get(inode, U64_MAX, ATOMFS_BT_LE, &last);
		if (!err && last.lblk + last.len + len >
			    (u64)sb->s_maxbytes >> ATOMFS_BLOCK_SHIFT)
			return -EFBIG;
	} else {
		err = atomfs_btree_iterate(inode, ATOMFS_BTREE_EXTENTS, lblk,
					   atomfs_ext_count_actor, &count);
		/* and the one running into the range */
		count.n++;
	}
	if (err < 0 && err != -ENOENT)
		return err;
	err = atomfs_btree_shift(inode, ATOMFS_BTREE_EXTENTS, start, delta,
				 &nodes);
	if (err)
		return err;

	/*
	 * Each node rewritten, and a bitmap block if a merge frees it; the
	 * left neighbour of each level, which deletions may merge into;
	 * the edges' splits and merges; the inode; and a step's room left
	 * at the end, below which a step would ask for more.
	 */
	credits = 2 * (nodes + 2 * ATOMFS_BTREE_MAX_LEVELS) +
		  min(2 * count.n, sbi->bbitmap_blocks) +
		  3 * ATOMFS_TREE_CREDITS + ATOMFS_INODE_CREDITS +
		  ATOMFS_EXT_STEP_CREDITS;
	revokes = nodes + 2 * ATOMFS_BTREE_MAX_LEVELS +
		  3 * ATOMFS_TREE_REVOKES + ATOMFS_EXT_STEP_REVOKES;
	room = journal->j_max_transaction_buffers -
	       journal->j_transaction_overhead_buffers;
	if (credits + DIV_ROUND_UP(revokes,
				   journal->j_revoke_records_per_block) > room) {
		pr_warn("atomfs (%s): inode %lu: %s range needs %llu journal blocks, more than one transaction holds (%llu)\n",
			sb->s_id, inode->i_ino, insert ? "insert" : "collapse",
			credits, room);
		return -ENOSPC;
	}

	handle = atomfs_journal_start(sb, credits, revokes);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	inner = atomfs_journal_start(sb, credits, revokes);
	if (IS_ERR(inner))
		return atomfs_ext_stop(inode, handle, PTR_ERR(inner));
	if (insert)
		err = atomfs_ext_split_at(inode, lblk);
	else
		err = __atomfs_extents_apply(inode, lblk, lblk + len,
					     ATOMFS_EXT_FREE);
	if (!err)
		err = atomfs_btree_shift(inode, ATOMFS_BTREE_EXTENTS, start,
					 delta, NULL);
	if (!err && !insert)
		err = atomfs_ext_merge_at(inode, lblk);
	atomfs_map_changed(inode);
	if (err) {
		/* Half a move must never commit. */
		atomfs_journal_abort(sb, err);
	} else {
		i_size_write(inode, size);
		inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
	}
	atomfs_journal_stop(inner, 0);
	return atomfs_ext_stop(inode, handle, err);
}
