// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback of file data, and the completion work that marks blocks
 * written once their data is on the device.
 */
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/writeback.h>
#include "atomfs.h"

static int atomfs_map_blocks(struct iomap_writepage_ctx *wpc,
			     struct inode *inode, loff_t offset,
			     unsigned int len)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_map map;
	u32 seq;
	int err;

	if (offset >= wpc->iomap.offset &&
	    offset < wpc->iomap.offset + wpc->iomap.length &&
	    wpc->iomap.validity_cookie == READ_ONCE(ai->i_map_seq))
		return 0;

	down_read(&ai->i_map_sem);
	seq = ai->i_map_seq;
	err = atomfs_extents_map(inode, offset >> ATOMFS_BLOCK_SHIFT,
				 U32_MAX, &map);
	up_read(&ai->i_map_sem);
	if (err)
		return err;

	wpc->iomap.bdev = inode->i_sb->s_bdev;
	wpc->iomap.offset = map.lblk << ATOMFS_BLOCK_SHIFT;
	wpc->iomap.length = map.len << ATOMFS_BLOCK_SHIFT;
	wpc->iomap.flags = 0;
	wpc->iomap.validity_cookie = seq;
	if (!map.pblk) {
		/* Dirty data over a hole: blocks are allocated at write. */
		atomfs_error(inode->i_sb,
			     "inode %lu: dirty data at block %llu is not mapped",
			     inode->i_ino, map.lblk);
		return -EUCLEAN;
	}
	wpc->iomap.type = map.unwritten ? IOMAP_UNWRITTEN : IOMAP_MAPPED;
	wpc->iomap.addr = map.pblk << ATOMFS_BLOCK_SHIFT;
	return 0;
}

/* Mark the blocks of one completed ioend written, then finish its folios. */
static void atomfs_finish_ioend(struct iomap_ioend *ioend)
{
	struct inode *inode = ioend->io_inode;
	int err = blk_status_to_errno(ioend->io_bio.bi_status);

	if (!err && ioend->io_type == IOMAP_UNWRITTEN) {
		/*
		 * iomap clamps io_size to EOF, but the bios carried whole I/O
		 * blocks (units), zeroed past EOF: convert whole units.
		 */
		loff_t start = round_down(ioend->io_offset, i_blocksize(inode));
		loff_t end = round_up(ioend->io_offset + ioend->io_size,
				      i_blocksize(inode));
		unsigned int nofs = atomfs_map_lock(inode);

		err = atomfs_extents_convert(inode, start >> ATOMFS_BLOCK_SHIFT,
					     (end - start) >> ATOMFS_BLOCK_SHIFT);
		if (!err)
			err = atomfs_store_inode_meta(inode);
		atomfs_map_unlock(inode, nofs);
	}
	iomap_finish_ioends(ioend, err);
}

static void atomfs_end_io_work(struct work_struct *work)
{
	struct atomfs_inode_info *ai =
		container_of(work, struct atomfs_inode_info, i_ioend_work);
	struct iomap_ioend *ioend;
	struct list_head list;
	unsigned long flags;

	spin_lock_irqsave(&ai->i_ioend_lock, flags);
	list_replace_init(&ai->i_ioend_list, &list);
	spin_unlock_irqrestore(&ai->i_ioend_lock, flags);

	iomap_sort_ioends(&list);
	while ((ioend = list_first_entry_or_null(&list, struct iomap_ioend,
						 io_list))) {
		list_del_init(&ioend->io_list);
		iomap_ioend_try_merge(ioend, &list);
		atomfs_finish_ioend(ioend);
		cond_resched();
	}
}

/* Bio completion runs in interrupt context: defer the tree update. */
static void atomfs_end_bio(struct bio *bio)
{
	struct iomap_ioend *ioend = iomap_ioend_from_bio(bio);
	struct atomfs_inode_info *ai = ATOMFS_I(ioend->io_inode);
	struct atomfs_sb_info *sbi = ATOMFS_SB(ioend->io_inode->i_sb);
	unsigned long flags;

	spin_lock_irqsave(&ai->i_ioend_lock, flags);
	if (list_empty(&ai->i_ioend_list))
		queue_work(sbi->endio_wq, &ai->i_ioend_work);
	list_add_tail(&ioend->io_list, &ai->i_ioend_list);
	spin_unlock_irqrestore(&ai->i_ioend_lock, flags);
}

static int atomfs_prepare_ioend(struct iomap_ioend *ioend, int status)
{
	if (ioend->io_type == IOMAP_UNWRITTEN)
		ioend->io_bio.bi_end_io = atomfs_end_bio;
	return status;
}

static const struct iomap_writeback_ops atomfs_writeback_ops = {
	.map_blocks	= atomfs_map_blocks,
	.prepare_ioend	= atomfs_prepare_ioend,
};

/**
 * atomfs_writepages() - ->writepages
 * @mapping:	the file's page cache
 * @wbc:	what to write
 *
 * Return: 0 or a negative errno.
 */
int atomfs_writepages(struct address_space *mapping,
		      struct writeback_control *wbc)
{
	struct iomap_writepage_ctx wpc = { };

	return iomap_writepages(mapping, wbc, &wpc, &atomfs_writeback_ops);
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
