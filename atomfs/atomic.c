// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered atomic writes: pwritev2(..., RWF_ATOMIC) without O_DIRECT.
 *
 * One atomic write is one atomic unit A, written into one folio of exactly
 * A bytes (a regular file's folio order is pinned to A's), filled wholly or
 * not at all, and only then marked atomic.  The mark is PG_owner_priv_1
 * (folio_*_checked), free for a page cache filesystem and kept across
 * migration; folio->private is iomap's.  Writeback (writeback.c) sends a
 * marked folio as one REQ_ATOMIC bio of its own and clears the mark when
 * the bio completes.  A plain write into a marked folio before that clears
 * it ("demotion"): mixing plain and atomic writes on one range gives up
 * atomicity there, the user's choice.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/blkdev.h>
#include <linux/rmap.h>
#include <linux/highmem.h>
#include <linux/writeback.h>
#include <linux/pagevec.h>
#include <linux/iomap.h>
#include <linux/mm.h>
#include <linux/bvec.h>
#include "atomfs.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * Copy rounds of an atomic write: one from the user's buffer, faulted in
 * first; then one from its pages pinned, which cannot fault (EFAULT only
 * when pinning fails: the buffer is not readable).
 */
#define ATOMFS_COPY_ROUNDS	2

/* Tries to replace a cached folio of another size before giving up. */
#define ATOMFS_EVICT_TRIES	3

/*
 * Can the device write one unit A with a single REQ_ATOMIC bio?  A within
 * its atomic write unit range and no atomic boundary inside a unit; data
 * units are aligned to A from the device's start, so alignment follows.
 * bdev_atomic_write_unit_{min,max}_bytes() do not exist in 6.12: the
 * queue limits are read directly.  Returns false and says why in @why.
 */
static bool atomfs_hw_atomic_ok(struct super_block *sb, char *why,
				size_t size)
{
	struct request_queue *q = bdev_get_queue(sb->s_bdev);
	unsigned int unit = 1U << ATOMFS_SB(sb)->unit_shift;
	unsigned int min, max, boundary;

	if (!bdev_can_atomic_write(sb->s_bdev)) {
		snprintf(why, size, "the device has no atomic write support");
		return false;
	}
	min = queue_atomic_write_unit_min_bytes(q);
	max = queue_atomic_write_unit_max_bytes(q);
	if (unit < min || unit > max) {
		snprintf(why, size,
			 "atomic unit %u is outside the device's atomic write sizes %u..%u",
			 unit, min, max);
		return false;
	}
	boundary = queue_atomic_write_boundary_bytes(q);
	if (boundary && boundary % unit) {
		snprintf(why, size,
			 "the device's atomic write boundary %u splits the atomic unit %u",
			 boundary, unit);
		return false;
	}
	return true;
}

/**
 * atomfs_atomic_setup() - decide how this mount takes RWF_ATOMIC writes
 * @sb:		the filesystem, at mount or remount
 *
 * atomic=hw needs the device to write a unit with one REQ_ATOMIC bio;
 * atomic=sw writes units out of place on any device; atomic=auto (the
 * default) takes hw where the device can, sw elsewhere.  Software mode
 * and refusals log one line saying why; hardware mode logs nothing.
 *
 * Writers and writeback run across a remount: folios marked atomic before
 * it are written after it.  So @atomic_sw always names a route the device
 * can take, whether or not new atomic writes are accepted: REQ_ATOMIC only
 * where the device writes a unit atomically, software everywhere else.
 * Both flags are published once, never cleared on the way.
 */
void atomfs_atomic_setup(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	unsigned int unit = 1U << sbi->unit_shift;
	unsigned int opt = sbi->opts.atomic;
	char why[96] = "";
	bool hw, enabled;

	hw = atomfs_hw_atomic_ok(sb, why, sizeof(why));
	enabled = opt != ATOMFS_ATOMIC_OFF && (opt != ATOMFS_ATOMIC_HW || hw);
	if (opt == ATOMFS_ATOMIC_SW) {
		hw = false;
		why[0] = '\0';
	}
	WRITE_ONCE(sbi->atomic_sw, !hw);
	WRITE_ONCE(sbi->atomic_enabled, enabled);

	if (opt == ATOMFS_ATOMIC_OFF)
		pr_info("atomfs (%s): atomic=off: RWF_ATOMIC writes are refused\n",
			sb->s_id);
	else if (!enabled)
		pr_info("atomfs (%s): atomic=hw: %s: RWF_ATOMIC writes are refused\n",
			sb->s_id, why);
	/* What the device does itself needs no word in the log. */
	else if (!hw)
		pr_info("atomfs (%s): atomic writes of %u bytes in software, out of place%s%s\n",
			sb->s_id, unit, why[0] ? ": " : "", why);
}

/**
 * atomfs_atomic_write_valid() - check an RWF_ATOMIC write's shape
 * @iocb:	the write, its position final (after O_APPEND)
 * @from:	the data
 *
 * generic_atomic_write_valid() is not exported in 6.12 (and refuses
 * buffered writes): this is atomfs's own.  One atomic size per file, its
 * unit A: statx reports unit_min = unit_max = A.
 *
 * Return: 0, or -EINVAL for a write atomfs cannot make atomic.
 */
int atomfs_atomic_write_valid(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	size_t len = iov_iter_count(from);

	if (!iter_is_ubuf(from))
		return -EINVAL;
	if (!is_power_of_2(len) || len != i_blocksize(inode))
		return -EINVAL;
	if (!IS_ALIGNED(iocb->ki_pos, len))
		return -EINVAL;
	return 0;
}

/**
 * atomfs_demote_folio() - a plain write reached an atomic folio
 * @inode:	the file
 * @folio:	the folio, locked
 * @reason:	what wrote to it
 *
 * A folio under writeback is not demoted: its atomic bio is on its way,
 * and completion clears the mark.
 */
void atomfs_demote_folio(struct inode *inode, struct folio *folio,
			 enum atomfs_demote_reason reason)
{
	if (!folio_test_checked(folio) || folio_test_writeback(folio))
		return;
	atomfs_atomic_unmark(inode, folio);
	atomfs_count(ATOMFS_SB(inode->i_sb), ATOMFS_CTR_DEMOTIONS, 1);
	trace_atomfs_demote(inode, folio_pos(folio), folio_size(folio), reason);
}

/* The file unit a folio holds: a regular file's folio is one unit. */
static unsigned long atomfs_folio_unit(struct inode *inode,
				       struct folio *folio)
{
	return folio_pos(folio) >> ATOMFS_SB(inode->i_sb)->unit_shift;
}

/**
 * atomfs_cow_detach() - take the unit set aside for a folio's write
 * @inode:	the file
 * @folio:	an atomic folio, locked, going to writeback
 *
 * Return: the first block of the unit, now the caller's, or 0 for none.
 */
u64 atomfs_cow_detach(struct inode *inode, struct folio *folio)
{
	void *entry = xa_erase(&ATOMFS_I(inode)->i_cow,
			       atomfs_folio_unit(inode, folio));

	return entry ? xa_to_value(entry) : 0;
}

/**
 * atomfs_atomic_unmark() - a folio stops being atomic
 * @inode:	the file
 * @folio:	the folio, locked
 *
 * A unit set aside for its out-of-place write is given back.
 */
void atomfs_atomic_unmark(struct inode *inode, struct folio *folio)
{
	u64 pblk;

	folio_clear_checked(folio);
	pblk = atomfs_cow_detach(inode, folio);
	if (pblk)
		atomfs_cow_put(inode, pblk);
}

/**
 * atomfs_cow_drop_all() - give back every unit an inode set aside
 * @inode:	the file, being evicted
 */
void atomfs_cow_drop_all(struct inode *inode)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	unsigned long index;
	void *entry;

	xa_for_each(&ai->i_cow, index, entry) {
		xa_erase(&ai->i_cow, index);
		atomfs_cow_put(inode, xa_to_value(entry));
	}
}

/**
 * atomfs_invalidate_folio() - ->invalidate_folio
 * @folio:	the folio, locked, being dropped from the page cache
 * @offset:	first byte dropped
 * @len:	bytes dropped
 *
 * An atomic folio dropped whole (truncate, hole punching, eviction, memory
 * failure) is not written: the unit set aside for it is given back.
 */
void atomfs_invalidate_folio(struct folio *folio, size_t offset, size_t len)
{
	if (folio_test_checked(folio) && !offset && len == folio_size(folio))
		atomfs_atomic_unmark(folio->mapping->host, folio);
	iomap_invalidate_folio(folio, offset, len);
}

/*
 * Software mode: a unit already written on the device is written out of
 * place, to a unit set aside now, so that running out of space shows as
 * ENOSPC here, not as a write lost at writeback.  A unit that was never
 * written needs none: its blocks read as zeros until the completed write
 * is marked in one transaction.  Called with the folio locked.  Returns 1
 * when it set a unit aside, 0 when none was needed, or a negative errno.
 */
static int atomfs_cow_prepare(struct inode *inode, struct folio *folio)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	unsigned long unit = atomfs_folio_unit(inode, folio);
	struct atomfs_map map;
	bool retried = false;
	u64 pblk;
	int err;

	if (!READ_ONCE(sbi->atomic_sw) || xa_load(&ai->i_cow, unit))
		return 0;
	down_read(&ai->i_map_sem);
	err = atomfs_extents_map(inode, folio_pos(folio) >> ATOMFS_BLOCK_SHIFT,
				 sbi->unit_blocks, &map);
	up_read(&ai->i_map_sem);
	if (err || !map.pblk || map.unwritten)
		return err;
	for (;;) {
		err = atomfs_cow_take(inode, map.pblk + sbi->unit_blocks, &pblk);
		if (err != -ENOSPC || retried)
			break;
		/* Space freed by transactions not yet committed: commit. */
		retried = true;
		atomfs_count(sbi, ATOMFS_CTR_ALLOC_COMMIT_WAITS, 1);
		if (jbd2_journal_force_commit(sbi->journal))
			break;
	}
	if (err)
		return err;
	err = xa_err(xa_store(&ai->i_cow, unit, xa_mk_value(pblk), GFP_NOFS));
	if (err) {
		atomfs_cow_put(inode, pblk);
		return err;
	}
	return 1;
}

/**
 * atomfs_demote_range() - demote the cached atomic folios of a range
 * @inode:	the file, with i_rwsem and the invalidate lock held
 * @start:	first byte
 * @end:	byte after the last
 *
 * For truncate, hole punching and zeroing, before they drop or zero the
 * page cache: whatever atomic data was there is not written as such.
 */
void atomfs_demote_range(struct inode *inode, loff_t start, loff_t end)
{
	struct address_space *mapping = inode->i_mapping;
	pgoff_t index = start >> PAGE_SHIFT;
	pgoff_t last = (end - 1) >> PAGE_SHIFT;
	struct folio_batch fbatch;
	unsigned int i;

	if (end <= start)
		return;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			if (!folio_test_checked(folio))
				continue;
			folio_lock(folio);
			if (folio->mapping == mapping)
				atomfs_demote_folio(inode, folio,
						    ATOMFS_DEMOTE_TRUNCATE);
			folio_unlock(folio);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
}

/*
 * Give the unit blocks before its folio is locked: writeback maps them.
 * Returns 1 when it allocated them, 0 when the unit had blocks, or a
 * negative errno.
 */
static int atomfs_atomic_alloc(struct inode *inode, loff_t pos, size_t len)
{
	u64 lblk = pos >> ATOMFS_BLOCK_SHIFT;
	u64 nblk = len >> ATOMFS_BLOCK_SHIFT;
	struct atomfs_map map;
	unsigned int nofs;
	int err;

	nofs = atomfs_map_lock(inode);
	err = atomfs_extents_map(inode, lblk, nblk, &map);
	if (!err && !map.pblk)
		err = atomfs_extents_alloc_write(inode, lblk, nblk) ?: 1;
	atomfs_map_unlock(inode, nofs);
	return err;
}

/*
 * The cache holds a folio of another size over the unit (from before the
 * folio order was pinned, or a smaller fallback): write it back and drop
 * it, so that the next lookup creates a folio of exactly the unit.
 */
static int atomfs_evict_range(struct inode *inode, loff_t pos, size_t len)
{
	struct address_space *mapping = inode->i_mapping;
	int err;

	atomfs_count(ATOMFS_SB(inode->i_sb), ATOMFS_CTR_ORDER_EVICTIONS, 1);
	err = filemap_write_and_wait_range(mapping, pos, pos + len - 1);
	if (err)
		return err;
	return invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
					     (pos + len - 1) >> PAGE_SHIFT);
}

/*
 * The source of an atomic write, pinned: a bvec iterator over the pages
 * under the user's buffer, from which a copy cannot fault, whatever
 * happens meanwhile to the page table entries mapping them (zapped,
 * or reclaim and migration trying to take the pages).
 */
struct atomfs_src_pin {
	struct page **pages;
	struct bio_vec *bvec;
	unsigned int max;	/* entries of both arrays */
	unsigned int nr;	/* pages pinned */
	struct iov_iter iter;
};

static void atomfs_src_unpin(struct atomfs_src_pin *sp)
{
	unpin_user_pages(sp->pages, sp->nr);
	sp->nr = 0;
}

static void atomfs_src_release(struct atomfs_src_pin *sp)
{
	atomfs_src_unpin(sp);
	kvfree(sp->pages);
}

/*
 * Pin the @len bytes of @from (not advanced) and set sp->iter over them.
 * Not under a folio lock: pinning faults the pages in, and the source may
 * be a mapping of the very folio the copy goes to.  Locking that folio
 * with its own pages pinned is safe: nothing done under the lock (waiting
 * for writeback, folio_mkclean(), the copy) waits for pins to go.
 * Returns 0, or -EFAULT for a buffer that cannot be read (or -ENOMEM),
 * nothing left pinned.
 */
static int atomfs_src_pin(struct atomfs_src_pin *sp,
			  const struct iov_iter *from, size_t len)
{
	struct iov_iter src = *from;
	size_t done = 0;

	/* An RWF_ATOMIC source is one user buffer (a ubuf iter): pinned. */
	if (WARN_ON_ONCE(!iov_iter_extract_will_pin(&src)))
		return -EFAULT;
	if (!sp->pages) {
		/* A buffer not page aligned spans one page more. */
		sp->max = DIV_ROUND_UP(len, PAGE_SIZE) + 1;
		sp->pages = kvmalloc_array(sp->max, sizeof(*sp->pages) +
					   sizeof(*sp->bvec), GFP_KERNEL);
		if (!sp->pages)
			return -ENOMEM;
		sp->bvec = (struct bio_vec *)(sp->pages + sp->max);
	}
	while (done < len) {
		struct page **pages = sp->pages + sp->nr;
		size_t off, n;
		ssize_t got;

		/* Short when a page fails: the next call says why. */
		got = iov_iter_extract_pages(&src, &pages, len - done,
					     sp->max - sp->nr, 0, &off);
		if (got <= 0) {
			atomfs_src_unpin(sp);
			return got ? got : -EFAULT;
		}
		done += got;
		for (; got; got -= n, off = 0, sp->nr++) {
			n = min_t(size_t, got, PAGE_SIZE - off);
			bvec_set_page(&sp->bvec[sp->nr], sp->pages[sp->nr], n,
				      off);
		}
	}
	iov_iter_bvec(&sp->iter, ITER_SOURCE, sp->bvec, sp->nr, len);
	return 0;
}

/*
 * Copy the whole unit into @folio, locked and not under writeback, with
 * page faults disabled (the source may be a mapping of this very folio,
 * whose fault would need the folio lock), from the user's buffer or from
 * its pinned pages.  Returns the bytes copied; the folio holds new data
 * only when that is all of it.
 *
 * A folio that is not uptodate is read by nobody without its lock, so it
 * is filled in place: a short copy leaves it not uptodate, its old state.
 * An uptodate one is visible to read(2) and mmap without the lock, so the
 * data goes through @bounce first and reaches the folio only when whole.
 */
static size_t atomfs_fill_folio(struct folio *folio, struct iov_iter *from,
				size_t len, void *bounce)
{
	struct iov_iter iter = *from;
	size_t copied;

	pagefault_disable();
	if (!folio_test_uptodate(folio))
		copied = copy_folio_from_iter_atomic(folio, 0, len, &iter);
	else
		copied = copy_from_iter(bounce, len, &iter);
	pagefault_enable();
	if (copied != len || !folio_test_uptodate(folio))
		return copied;

	/* Stores through shared mappings must fault, and wait for us. */
	if (folio_mapped(folio))
		folio_mkclean(folio);
	memcpy_to_folio(folio, 0, bounce, len);
	return copied;
}

/**
 * atomfs_atomic_write() - write one atomic unit through the page cache
 * @iocb:	the write, checked by atomfs_atomic_write_valid() and
 *		generic_write_checks(); i_rwsem held exclusive
 * @from:	exactly one unit of data
 *
 * Never a short write: the unit is in the cache, dirty and marked atomic,
 * or the file is unchanged and an error is returned.
 *
 * A copy that faults midway (the source's pages were zapped, reclaimed
 * or migrated after the fault-in) is undone and done again from the
 * source's pages pinned, which cannot fault.
 *
 * Return: the unit's length, or a negative errno (-EFAULT when the source
 * buffer cannot be read: its pages cannot be pinned).
 */
ssize_t atomfs_atomic_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct address_space *mapping = inode->i_mapping;
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	size_t len = iov_iter_count(from);
	loff_t pos = iocb->ki_pos;
	unsigned int round = 0, evictions = 0;
	bool grown, allocated, cow_unit = false;
	struct atomfs_src_pin pin = { };
	struct iov_iter *src = from;
	struct folio *folio;
	void *bounce;
	size_t copied;
	ssize_t ret;

	/* Only an uptodate folio needs the bounce buffer: see below. */
	bounce = NULL;
	ret = atomfs_atomic_alloc(inode, pos, len);
	if (ret < 0)
		return ret;
	allocated = ret;

	for (;;) {
		copied = 0;
		if (!round) {
			if (fault_in_iov_iter_readable(from, len))
				goto retry;
		} else if (!pin.nr) {
			/* Once, kept until the copy is done. */
			ret = atomfs_src_pin(&pin, from, len);
			if (ret == -EFAULT)
				atomfs_count(sbi, ATOMFS_CTR_COPY_EFAULTS, 1);
			if (ret) {
				trace_atomfs_copy_retry(inode, pos, 0,
							round + 1);
				goto out;
			}
			src = &pin.iter;
		}
		folio = __filemap_get_folio(mapping, pos >> PAGE_SHIFT,
					    FGP_WRITEBEGIN | fgf_set_order(len),
					    mapping_gfp_mask(mapping));
		if (IS_ERR(folio)) {
			ret = PTR_ERR(folio);
			goto out;
		}
		/* Stable writes make FGP_WRITEBEGIN wait; be explicit. */
		folio_wait_writeback(folio);
		if (folio_pos(folio) != pos || folio_size(folio) != len) {
			folio_unlock(folio);
			folio_put(folio);
			ret = -EBUSY;
			if (++evictions > ATOMFS_EVICT_TRIES)
				goto out;
			ret = atomfs_evict_range(inode, pos, len);
			if (ret)
				goto out;
			continue;
		}
		if (folio_test_uptodate(folio) && !bounce) {
			/* Not under the folio lock: it may wait for reclaim. */
			folio_unlock(folio);
			folio_put(folio);
			bounce = kvmalloc(len, GFP_KERNEL);
			ret = -ENOMEM;
			if (!bounce)
				goto out;
			continue;
		}
		ret = atomfs_cow_prepare(inode, folio);
		if (ret < 0) {
			folio_unlock(folio);
			folio_put(folio);
			goto out;
		}
		cow_unit |= ret;
		copied = atomfs_fill_folio(folio, src, len, bounce);
		if (copied == len)
			break;
		folio_unlock(folio);
		folio_put(folio);
retry:
		trace_atomfs_copy_retry(inode, pos, copied, round + 1);
		if (++round == ATOMFS_COPY_ROUNDS) {
			atomfs_count(sbi, ATOMFS_CTR_COPY_EFAULTS, 1);
			ret = -EFAULT;
			goto out;
		}
		atomfs_count(sbi, ATOMFS_CTR_COPY_RETRIES, 1);
	}

	if (!folio_test_uptodate(folio))
		folio_mark_uptodate(folio);
	folio_mark_dirty(folio);
	folio_set_checked(folio);
	/* Before the folio is unlocked: writeback skips folios past EOF. */
	grown = pos + len > i_size_read(inode);
	if (grown)
		i_size_write(inode, pos + len);
	folio_unlock(folio);
	folio_put(folio);
	atomfs_src_unpin(&pin);
	/* Journaling the inode starts a handle: not under a folio lock. */
	if (grown)
		mark_inode_dirty(inode);
	iov_iter_advance(from, len);
	iocb->ki_pos += len;
	balance_dirty_pages_ratelimited(mapping);

	atomfs_count(sbi, ATOMFS_CTR_ATOMIC_WRITES, 1);
	atomfs_count(sbi, ATOMFS_CTR_ATOMIC_WRITE_BYTES, len);
	if (iocb_is_dsync(iocb))
		atomfs_count(sbi, ATOMFS_CTR_SYNC_ATOMIC_WRITES, 1);
	trace_atomfs_atomic_write(inode, pos, len, iocb_is_dsync(iocb));
	ret = len;
out:
	/* The folio was not marked: the unit set aside goes back. */
	if (ret < 0 && cow_unit) {
		void *entry = xa_erase(&ATOMFS_I(inode)->i_cow,
				       pos >> sbi->unit_shift);

		if (entry)
			atomfs_cow_put(inode, xa_to_value(entry));
	}
	atomfs_src_release(&pin);
	if (ret < 0 && allocated)
		atomfs_undo_alloc(inode, pos, len);
	kvfree(bounce);
	return ret;
}
