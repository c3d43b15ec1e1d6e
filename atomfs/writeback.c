// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback of file data, and the completion work that marks blocks
 * written once their data is on the device.
 *
 * atomfs builds its own bios instead of calling iomap_writepages(): in
 * 6.12 iomap's ioend building (iomap_add_to_ioend) is static and merges
 * every file- and disk-contiguous folio into one bio, with no hook to keep
 * an atomic folio apart.  A regular file's folio is exactly one unit and
 * one I/O block, so a dirty folio is wholly dirty and maps to one
 * contiguous, aligned device range: an atomic folio becomes exactly one
 * REQ_ATOMIC bio; plain folios are batched into large bios.
 *
 * In software atomic mode (atomic=sw, or auto on a device without atomic
 * writes) an atomic folio is one plain bio of its own instead.  If its unit
 * was never written, the bio goes to the unit's unwritten blocks, which
 * read as zeros until the completion marks them written in one
 * transaction.  Otherwise it goes out of place, to a unit set aside when
 * the folio was written (atomic.c), and the completion remaps the file's
 * unit there and frees the old one in one transaction.  Either way a crash
 * shows the unit's old contents or its new ones, never a mix, whatever the
 * device does with a write cut short.
 */
#include <linux/fs.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/pagemap.h>
#include <linux/writeback.h>
#include <linux/list_sort.h>
#include "atomfs.h"
#include "trace.h"

struct atomfs_wb_ctx;

/**
 * struct atomfs_bio - a data write bio and what its completion needs
 * @inode:	the file
 * @pos:	file offset of the first folio
 * @size:	bytes in the bio (bi_size is consumed by the I/O)
 * @unwritten:	its blocks are unwritten: convert them after the I/O
 * @atomic:	one atomic folio
 * @hw:		sent with REQ_ATOMIC
 * @cow_pblk:	software atomic write out of place: the unit written, to
 *		be mapped in place of the file's after the I/O; else 0
 * @err:	what the I/O or recording it met
 * @ctx:	the ->writepages call that submitted it, while that call runs
 *		and the bio is to be converted (i_ioend_lock)
 * @list:	on @ctx's lists, or on the inode's i_ioend_list waiting for
 *		conversion
 * @bio:	the bio, last: front padding of atomfs_bioset
 */
struct atomfs_bio {
	struct inode		*inode;
	loff_t			pos;
	u64			size;
	bool			unwritten;
	bool			atomic;
	bool			hw;
	int			err;
	u64			cow_pblk;
	struct atomfs_wb_ctx	*ctx;
	struct list_head	list;
	struct bio		bio;
};

static struct bio_set atomfs_bioset;

/**
 * struct atomfs_wb_ctx - one ->writepages call
 * @wbc:	what to write
 * @inode:	the file
 * @cur:	plain bio being filled, not yet submitted
 * @cur_end:	file offset just past @cur's last folio
 * @map:	the last run of blocks looked up, valid while the inode's
 *		i_map_seq is still @map_seq: one tree lookup serves the
 *		folios of a whole extent
 * @map_seq:	i_map_seq when @map was taken
 * @inflight:	bios submitted that are to be converted, not yet completed
 *		(i_ioend_lock)
 * @done:	those completed, held back for the conversion work until the
 *		call ends (i_ioend_lock)
 * @ndone:	bios on @done
 */
struct atomfs_wb_ctx {
	struct writeback_control	*wbc;
	struct inode			*inode;
	struct atomfs_bio		*cur;
	loff_t				cur_end;
	struct atomfs_map		map;
	u32				map_seq;
	struct list_head		inflight;
	struct list_head		done;
	unsigned int			ndone;
};

/*
 * Completed bios a ->writepages call holds back at most: beyond that, their
 * folios would stay under writeback for long.  Holding them is safe because
 * writeback_iter() visits folios in ascending index and never wraps back
 * within one call (6.12), so the call never waits on a folio it holds.
 */
#define ATOMFS_IOEND_HOLD	1024

static void atomfs_finish_bio(struct atomfs_bio *ab, int err)
{
	struct bio *bio = &ab->bio;
	struct inode *inode = ab->inode;
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct folio_iter fi;

	if (ab->hw) {
		trace_atomfs_atomic_bio_end(inode, ab->pos, bio, ab->size);
		if (err)
			atomfs_count(sbi, ATOMFS_CTR_ATOMIC_BIO_ERRORS, 1);
	} else if (err) {
		atomfs_count(sbi, ATOMFS_CTR_WRITE_ERRORS, 1);
	}
	/* Reported to fsync; the folios stay clean: no endless retry. */
	if (err)
		mapping_set_error(inode->i_mapping, err);
	/* Failures after a shutdown were announced by it. */
	if (err && !atomfs_forced_shutdown(inode->i_sb)) {
		pr_err_ratelimited("atomfs (%s): inode %lu: write error %d at offset %lld, %llu bytes\n",
				   inode->i_sb->s_id, inode->i_ino, err,
				   ab->pos, ab->size);
	}
	bio_for_each_folio_all(fi, bio) {
		if (ab->atomic)
			folio_clear_checked(fi.folio);
		folio_end_writeback(fi.folio);
	}
	bio_put(bio);
}

/*
 * Completion runs recorded in one handle at most: enough that the handle,
 * the lock and the store of the inode are paid once for many bios, few
 * enough that writers waiting for i_map_sem are not held up for long.
 */
#define ATOMFS_IOEND_BATCH	32

/*
 * Record, in the batch's handle, the bios on @batch from @ab to its tail:
 * either bios that follow each other in the file from @ab->pos to @end,
 * each to unwritten blocks in place, whose blocks are marked written in
 * one extent step; or @ab alone, a software atomic bio written out of
 * place, whose unit is mapped in place of the file's.
 */
static void atomfs_record_run(struct atomfs_bio *ab, struct list_head *batch,
			      loff_t end)
{
	struct inode *inode = ab->inode;
	u64 lblk = ab->pos >> ATOMFS_BLOCK_SHIFT;
	u64 len = (end - ab->pos) >> ATOMFS_BLOCK_SHIFT;
	struct atomfs_bio *pos = ab;
	int err;

	if (!ab->cow_pblk) {
		err = atomfs_extents_written(inode, lblk, len);
		list_for_each_entry_from(pos, batch, list)
			pos->err = err;
		return;
	}
	ab->err = atomfs_extents_remap(inode, lblk, len, ab->cow_pblk);
	if (!ab->err) {
		trace_atomfs_sw_atomic_remap(inode, ab->pos, ab->cow_pblk,
					     ab->size);
		atomfs_count(ATOMFS_SB(inode->i_sb),
			     ATOMFS_CTR_SW_ATOMIC_REMAPS, 1);
		ab->cow_pblk = 0;
	}
}

/*
 * Record up to ATOMFS_IOEND_BATCH runs of the sorted bios on @list in one
 * handle of the journal, then finish their folios: a waiter on their
 * writeback (fsync) then finds the change in i_datasync_tid.  The commit
 * of that transaction flushes the device cache before its commit block,
 * so the data is durable before the blocks can read as written or the
 * file can map them.  Each run's change is whole in whichever transaction
 * holds it: the handle is restarted only between two runs, or between
 * steps of a conversion.
 */
static void atomfs_finish_batch(struct inode *inode, struct list_head *list)
{
	struct atomfs_bio *ab, *next;
	unsigned int runs = 0;
	LIST_HEAD(batch);
	handle_t *handle;
	unsigned int nofs;
	loff_t end;
	int err;

	nofs = atomfs_map_lock(inode);
	handle = atomfs_extents_batch_start(inode);
	err = PTR_ERR_OR_ZERO(handle);
	while (runs++ < ATOMFS_IOEND_BATCH &&
	       (ab = list_first_entry_or_null(list, struct atomfs_bio,
					      list))) {
		list_move_tail(&ab->list, &batch);
		ab->err = blk_status_to_errno(ab->bio.bi_status);
		if (ab->err)
			continue;
		if (err) {
			ab->err = err;
			continue;
		}
		end = ab->pos + ab->size;
		while (!ab->cow_pblk &&
		       (next = list_first_entry_or_null(list,
							struct atomfs_bio,
							list)) &&
		       !next->cow_pblk && !next->bio.bi_status &&
		       next->pos == end) {
			end += next->size;
			list_move_tail(&next->list, &batch);
		}
		atomfs_record_run(ab, &batch, end);
	}
	if (!err)
		err = atomfs_extents_batch_stop(inode, handle);
	atomfs_map_unlock(inode, nofs);

	list_for_each_entry_safe(ab, next, &batch, list) {
		list_del_init(&ab->list);
		/* Not remapped: the unit written out of place is free again. */
		if (ab->cow_pblk)
			atomfs_cow_put(inode, ab->cow_pblk);
		atomfs_finish_bio(ab, ab->err ?: err);
	}
}

static int atomfs_ioend_cmp(void *priv, const struct list_head *a,
			    const struct list_head *b)
{
	loff_t pa = list_entry(a, struct atomfs_bio, list)->pos;
	loff_t pb = list_entry(b, struct atomfs_bio, list)->pos;

	return pa > pb;
}

/*
 * An atomic unit is a bio of its own: converting each alone would cost a
 * split and merge of the extent per unit.  The bios waiting here are
 * sorted by file offset, and those that lie end to end are converted
 * together: one extent step for the whole run.
 */
static void atomfs_end_io_work(struct work_struct *work)
{
	struct atomfs_inode_info *ai =
		container_of(work, struct atomfs_inode_info, i_ioend_work);
	struct list_head list;
	unsigned long flags;

	spin_lock_irqsave(&ai->i_ioend_lock, flags);
	list_replace_init(&ai->i_ioend_list, &list);
	spin_unlock_irqrestore(&ai->i_ioend_lock, flags);

	list_sort(NULL, &list, atomfs_ioend_cmp);
	while (!list_empty(&list)) {
		atomfs_finish_batch(&ai->vfs_inode, &list);
		cond_resched();
	}
}

/* Hand the completed bios on @list to the conversion work; i_ioend_lock. */
static void atomfs_ioend_queue(struct inode *inode, struct list_head *list)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);

	if (list_empty(list))
		return;
	/* A non-empty i_ioend_list always has the work queued or running. */
	if (list_empty(&ai->i_ioend_list))
		queue_work(ATOMFS_SB(inode->i_sb)->endio_wq, &ai->i_ioend_work);
	list_splice_tail_init(list, &ai->i_ioend_list);
}

/*
 * Bio completion runs in interrupt context: the tree update is deferred.
 * While the ->writepages call that submitted the bio runs, it waits there
 * with the others that call completes: in one run they are converted
 * together (atomfs_end_io_work()).  A failed write out of place goes to
 * the work too: giving its unit back takes alloc_lock, a mutex.
 */
static void atomfs_end_bio(struct bio *bio)
{
	struct atomfs_bio *ab = container_of(bio, struct atomfs_bio, bio);
	struct atomfs_inode_info *ai = ATOMFS_I(ab->inode);
	blk_status_t status = bio->bi_status;
	struct atomfs_wb_ctx *ctx;
	bool deferred = false;
	unsigned long flags;
	LIST_HEAD(one);

	if (ab->unwritten || ab->cow_pblk) {
		spin_lock_irqsave(&ai->i_ioend_lock, flags);
		ctx = ab->ctx;
		ab->ctx = NULL;
		list_del_init(&ab->list);
		if (!status && ctx) {
			list_add_tail(&ab->list, &ctx->done);
			if (++ctx->ndone >= ATOMFS_IOEND_HOLD) {
				atomfs_ioend_queue(ab->inode, &ctx->done);
				ctx->ndone = 0;
			}
			deferred = true;
		} else if (!status || ab->cow_pblk) {
			list_add_tail(&ab->list, &one);
			atomfs_ioend_queue(ab->inode, &one);
			deferred = true;
		}
		spin_unlock_irqrestore(&ai->i_ioend_lock, flags);
		/* Past the unlock, the work may have freed it already. */
		if (deferred)
			return;
	}
	atomfs_finish_bio(ab, blk_status_to_errno(status));
}

/*
 * Give the completed bios @ctx holds to the conversion work, and let those
 * still in flight complete on their own: when the call ends, and before it
 * may wait for a bio to be freed.
 */
static void atomfs_wb_release(struct atomfs_wb_ctx *ctx)
{
	struct atomfs_inode_info *ai = ATOMFS_I(ctx->inode);
	struct atomfs_bio *ab, *next;
	unsigned long flags;

	spin_lock_irqsave(&ai->i_ioend_lock, flags);
	atomfs_ioend_queue(ctx->inode, &ctx->done);
	ctx->ndone = 0;
	list_for_each_entry_safe(ab, next, &ctx->inflight, list) {
		ab->ctx = NULL;
		list_del_init(&ab->list);
	}
	spin_unlock_irqrestore(&ai->i_ioend_lock, flags);
}

static struct atomfs_bio *atomfs_bio_alloc(struct atomfs_wb_ctx *ctx,
					   loff_t pos, u64 pblk,
					   bool unwritten, bool atomic,
					   bool hw)
{
	struct inode *inode = ctx->inode;
	blk_opf_t opf = REQ_OP_WRITE | wbc_to_write_flags(ctx->wbc);
	struct atomfs_bio *ab;
	struct bio *bio;

	/*
	 * REQ_NOMERGE: the block layer may merge adjacent REQ_ATOMIC bios
	 * into one larger atomic command; each unit goes out on its own.
	 */
	if (hw)
		opf |= REQ_ATOMIC | REQ_NOMERGE;
	bio = bio_alloc_bioset(inode->i_sb->s_bdev, atomic ? 1 : BIO_MAX_VECS,
			       opf, GFP_NOWAIT | __GFP_NOWARN, &atomfs_bioset);
	if (!bio) {
		/* The pool may only refill from the bios this call holds. */
		atomfs_wb_release(ctx);
		bio = bio_alloc_bioset(inode->i_sb->s_bdev,
				       atomic ? 1 : BIO_MAX_VECS, opf, GFP_NOFS,
				       &atomfs_bioset);
	}
	ab = container_of(bio, struct atomfs_bio, bio);
	ab->inode = inode;
	ab->pos = pos;
	ab->size = 0;
	ab->unwritten = unwritten;
	ab->atomic = atomic;
	ab->hw = hw;
	ab->err = 0;
	ab->cow_pblk = 0;
	ab->ctx = NULL;
	INIT_LIST_HEAD(&ab->list);
	bio->bi_iter.bi_sector = pblk << (ATOMFS_BLOCK_SHIFT - SECTOR_SHIFT);
	bio->bi_write_hint = inode->i_write_hint;
	bio->bi_end_io = atomfs_end_bio;
	wbc_init_bio(ctx->wbc, bio);
	return ab;
}

static void atomfs_bio_submit(struct atomfs_wb_ctx *ctx,
			      struct atomfs_bio *ab)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(ab->inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(ab->inode);
	unsigned long flags;

	if (ab->hw) {
		atomfs_count(sbi, ATOMFS_CTR_ATOMIC_BIOS, 1);
		atomfs_count(sbi, ATOMFS_CTR_ATOMIC_BIO_BYTES, ab->size);
		trace_atomfs_atomic_bio_submit(ab->inode, ab->pos, &ab->bio,
					       ab->size);
	} else {
		atomfs_count(sbi, ATOMFS_CTR_DATA_BIOS, 1);
	}
	/* It may complete before submit_bio() returns. */
	if (ab->unwritten || ab->cow_pblk) {
		spin_lock_irqsave(&ai->i_ioend_lock, flags);
		ab->ctx = ctx;
		list_add_tail(&ab->list, &ctx->inflight);
		spin_unlock_irqrestore(&ai->i_ioend_lock, flags);
	}
	submit_bio(&ab->bio);
}

static void atomfs_submit_cur(struct atomfs_wb_ctx *ctx)
{
	if (ctx->cur) {
		atomfs_bio_submit(ctx, ctx->cur);
		ctx->cur = NULL;
	}
}

/* Where the folio's unit lives on the device; it was allocated at write. */
static int atomfs_wb_map(struct atomfs_wb_ctx *ctx, loff_t pos, size_t len,
			 u64 *pblk, bool *unwritten)
{
	struct inode *inode = ctx->inode;
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_map *map = &ctx->map;
	u64 lblk = pos >> ATOMFS_BLOCK_SHIFT;
	u64 nblk = len >> ATOMFS_BLOCK_SHIFT;
	int err;

	if (!map->pblk || ctx->map_seq != READ_ONCE(ai->i_map_seq) ||
	    lblk < map->lblk || lblk + nblk > map->lblk + map->len) {
		down_read(&ai->i_map_sem);
		ctx->map_seq = ai->i_map_seq;
		err = atomfs_extents_map(inode, lblk, U32_MAX, map);
		up_read(&ai->i_map_sem);
		if (err) {
			map->pblk = 0;
			return err;
		}
		if (!map->pblk || map->len < nblk) {
			map->pblk = 0;
			atomfs_error(inode->i_sb,
				     "inode %lu: dirty data at offset %lld is not mapped to one device range",
				     inode->i_ino, pos);
			return -EUCLEAN;
		}
	}
	*pblk = map->pblk + (lblk - map->lblk);
	*unwritten = map->unwritten;
	return 0;
}

/*
 * A software atomic folio over a written unit came without a unit set
 * aside (the mount switched from hw to sw while it was dirty): set one
 * aside now, or, with no space for it, write it in place, where a crash
 * may tear it, and say so.
 */
static u64 atomfs_sw_atomic_fallback(struct inode *inode, loff_t pos,
				     u64 pblk)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	u64 cow;

	if (!atomfs_cow_take(inode, pblk + sbi->unit_blocks, &cow))
		return cow;
	atomfs_count(sbi, ATOMFS_CTR_SW_ATOMIC_FALLBACKS, 1);
	pr_warn_ratelimited("atomfs (%s): inode %lu: no space to write the atomic unit at offset %lld out of place: written in place\n",
			    inode->i_sb->s_id, inode->i_ino, pos);
	return 0;
}

static int atomfs_write_folio(struct atomfs_wb_ctx *ctx, struct folio *folio)
{
	struct inode *inode = ctx->inode;
	struct atomfs_bio *ab = ctx->cur;
	loff_t pos = folio_pos(folio);
	size_t len = folio_size(folio);
	loff_t isize = i_size_read(inode);
	bool unwritten, atomic;
	u64 pblk;
	int err;

	/* Wholly past EOF: a truncate is on its way to remove it. */
	if (pos >= isize) {
		if (folio_test_checked(folio))
			atomfs_atomic_unmark(inode, folio);
		folio_unlock(folio);
		return 0;
	}
	/* The part past EOF goes out as zeros (it may hold mmap writes). */
	if (pos + len > isize)
		folio_zero_segment(folio, isize - pos, len);

	/* Shut down: the dirty data is dropped, as a power cut would. */
	err = atomfs_forced_shutdown(inode->i_sb) ? -EIO :
	      atomfs_wb_map(ctx, pos, len, &pblk, &unwritten);
	if (err) {
		/* Its data is lost: say so to fsync, and do not retry. */
		mapping_set_error(inode->i_mapping, err);
		if (folio_test_checked(folio))
			atomfs_atomic_unmark(inode, folio);
		folio_unlock(folio);
		return err;
	}

	atomic = folio_test_checked(folio);
	folio_start_writeback(folio);
	if (atomic) {
		bool sw = READ_ONCE(ATOMFS_SB(inode->i_sb)->atomic_sw);
		u64 cow = atomfs_cow_detach(inode, folio);

		if (sw && !unwritten && !cow)
			cow = atomfs_sw_atomic_fallback(inode, pos, pblk);
		if (cow && (!sw || unwritten)) {
			atomfs_cow_put(inode, cow);
			cow = 0;
		}
		ab = atomfs_bio_alloc(ctx, pos, cow ?: pblk, unwritten, true,
				      !sw);
		ab->cow_pblk = cow;
		if (sw && unwritten)
			atomfs_count(ATOMFS_SB(inode->i_sb),
				     ATOMFS_CTR_SW_ATOMIC_IN_PLACE, 1);
		bio_add_folio_nofail(&ab->bio, folio, len, 0);
		ab->size = len;
		wbc_account_cgroup_owner(ctx->wbc, folio, len);
		atomfs_bio_submit(ctx, ab);
		folio_unlock(folio);
		return 0;
	}

	if (ab && (ab->unwritten != unwritten || ctx->cur_end != pos ||
		   bio_end_sector(&ab->bio) !=
		   pblk << (ATOMFS_BLOCK_SHIFT - SECTOR_SHIFT) ||
		   !bio_add_folio(&ab->bio, folio, len, 0))) {
		atomfs_submit_cur(ctx);
		ab = NULL;
	}
	if (!ab) {
		ab = atomfs_bio_alloc(ctx, pos, pblk, unwritten, false, false);
		bio_add_folio_nofail(&ab->bio, folio, len, 0);
		ctx->cur = ab;
	}
	ab->size += len;
	ctx->cur_end = pos + len;
	wbc_account_cgroup_owner(ctx->wbc, folio, len);
	folio_unlock(folio);
	return 0;
}

/**
 * atomfs_writepages() - ->writepages for regular files
 * @mapping:	the file's page cache
 * @wbc:	what to write
 *
 * Return: 0 or the first error met.
 */
int atomfs_writepages(struct address_space *mapping,
		      struct writeback_control *wbc)
{
	struct atomfs_wb_ctx ctx = {
		.wbc		= wbc,
		.inode		= mapping->host,
		.inflight	= LIST_HEAD_INIT(ctx.inflight),
		.done		= LIST_HEAD_INIT(ctx.done),
	};
	struct folio *folio = NULL;
	struct blk_plug plug;
	int err = 0;

	blk_start_plug(&plug);
	while ((folio = writeback_iter(mapping, wbc, folio, &err)))
		err = atomfs_write_folio(&ctx, folio);
	atomfs_submit_cur(&ctx);
	blk_finish_plug(&plug);
	atomfs_wb_release(&ctx);
	return err;
}

/**
 * atomfs_init_ioend_work() - set up an inode's completion work
 * @ai:		the inode, being allocated
 */
void atomfs_init_ioend_work(struct atomfs_inode_info *ai)
{
	INIT_LIST_HEAD(&ai->i_ioend_list);
	INIT_WORK(&ai->i_ioend_work, atomfs_end_io_work);
}

/**
 * atomfs_writeback_init() - create the data write bio pool at module load
 *
 * Return: 0 or -ENOMEM.
 */
int __init atomfs_writeback_init(void)
{
	return bioset_init(&atomfs_bioset, 4 * (PAGE_SIZE / SECTOR_SIZE),
			   offsetof(struct atomfs_bio, bio), BIOSET_NEED_BVECS);
}

/**
 * atomfs_writeback_exit() - free the bio pool at module unload
 */
void atomfs_writeback_exit(void)
{
	bioset_exit(&atomfs_bioset);
}
