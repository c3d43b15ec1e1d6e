// SPDX-License-Identifier: GPL-2.0
/*
 * The metadata journal: jbd2, inside the filesystem at a fixed block range.
 *
 * Every metadata block (bitmaps, inode table, tree nodes, symlink blocks)
 * changes only inside a jbd2 handle: get access, change it, checksum it,
 * hand it back dirty.  Block 0 is never journaled; it is written in place
 * at mount, unmount, freeze and error, and its free counts are recounted
 * from the bitmaps at mount.  File data never goes through the journal:
 * new data goes to unwritten extents that are converted in a transaction
 * after the data I/O has completed (writeback.c), so no crash can expose a
 * block before its data reached the device.
 *
 * The current handle is found through current->journal_info, the way jbd2
 * nests handles, so the tree and allocator code below the operations does
 * not carry it around.
 */
#include <linux/blkdev.h>
#include "atomfs.h"

/*
 * Log block n of the journal is device block s_journal_start + n.  jbd2
 * numbers a device journal's blocks from the device start unless j_bmap
 * says otherwise; relative numbers keep its size limits honest.
 */
static int atomfs_journal_bmap(journal_t *journal, sector_t *block)
{
	struct super_block *sb = journal->j_private;

	*block += ATOMFS_SB(sb)->journal_start;
	return 0;
}

/**
 * atomfs_journal_apply_opts() - pass the mount options to the journal
 * @sb:		the filesystem
 */
void atomfs_journal_apply_opts(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	journal_t *journal = sbi->journal;

	journal->j_commit_interval = sbi->opts.commit_secs * HZ;
	write_lock(&journal->j_state_lock);
	if (sbi->opts.barrier)
		journal->j_flags |= JBD2_BARRIER;
	else
		journal->j_flags &= ~JBD2_BARRIER;
	write_unlock(&journal->j_state_lock);
}

/**
 * atomfs_journal_open() - open the journal and recover it if needed
 * @sb:		the filesystem being mounted; only block 0 has been read
 *
 * Recovery writes through the block device's page cache, so no metadata
 * but block 0 may be read before it.
 *
 * Return: 0 or a negative errno, with one log line saying why.
 */
int atomfs_journal_open(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 blocks = le64_to_cpu(sbi->raw->s_journal_blocks);
	journal_t *journal;
	bool recover;
	int err;

	if (!(le32_to_cpu(sbi->raw->s_feature_incompat) &
	      ATOMFS_FEATURE_INCOMPAT_JOURNAL)) {
		pr_err("atomfs (%s): no metadata journal: made by an older mkfs.atomfs, make it again\n",
		       sb->s_id);
		return -EINVAL;
	}
	if (blocks < ATOMFS_MIN_JOURNAL_BLOCKS || blocks > INT_MAX) {
		pr_err("atomfs (%s): journal of %llu blocks: not %u to %d\n",
		       sb->s_id, blocks, ATOMFS_MIN_JOURNAL_BLOCKS, INT_MAX);
		return -EUCLEAN;
	}
	sbi->journal_start = le64_to_cpu(sbi->raw->s_journal_start);

	journal = jbd2_journal_init_dev(sb->s_bdev, sb->s_bdev,
					sbi->journal_start, blocks,
					ATOMFS_BLOCK_SIZE);
	if (IS_ERR(journal)) {
		pr_err("atomfs (%s): cannot open the journal: %ld\n",
		       sb->s_id, PTR_ERR(journal));
		return PTR_ERR(journal) == -EINVAL ? -EUCLEAN :
		       PTR_ERR(journal);
	}
	journal->j_private = sb;
	journal->j_bmap = atomfs_journal_bmap;
	sbi->journal = journal;
	atomfs_journal_apply_opts(sb);

	if (!jbd2_journal_check_used_features(journal, 0, 0,
					      JBD2_FEATURE_INCOMPAT_CSUM_V3 |
					      JBD2_FEATURE_INCOMPAT_64BIT)) {
		pr_err("atomfs (%s): journal lacks 64-bit checksummed (v3) blocks\n",
		       sb->s_id);
		err = -EUCLEAN;
		goto out_destroy;
	}
	recover = journal->j_superblock->s_start != 0;
	if (recover && bdev_read_only(sb->s_bdev)) {
		pr_err("atomfs (%s): journal needs recovery but the device is read-only\n",
		       sb->s_id);
		err = -EROFS;
		goto out_destroy;
	}
	err = jbd2_journal_load(journal);
	if (err) {
		pr_err("atomfs (%s): cannot load the journal: %d\n",
		       sb->s_id, err);
		if (err == -EINVAL || err == -EFSBADCRC)
			err = -EUCLEAN;
		goto out_destroy;
	}
	if (recover)
		pr_info("atomfs (%s): journal recovered\n", sb->s_id);

	/* An error recorded before the crash: keep it for fsck, go on. */
	err = jbd2_journal_errno(journal);
	if (err) {
		pr_warn("atomfs (%s): journal recorded error %d; run fsck.atomfs\n",
			sb->s_id, err);
		sbi->raw->s_state |= cpu_to_le16(ATOMFS_STATE_ERROR);
		jbd2_journal_clear_err(journal);
		jbd2_journal_update_sb_errno(journal);
	}
	return 0;

out_destroy:
	jbd2_journal_destroy(journal);
	sbi->journal = NULL;
	return err;
}

/**
 * atomfs_journal_close() - commit, checkpoint and close the journal
 * @sb:		the filesystem
 *
 * Return: 0 when the journal is empty on disk, or a negative errno (the
 * journal was aborted: the next mount recovers it).
 */
int atomfs_journal_close(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int err;

	if (!sbi->journal)
		return 0;
	err = jbd2_journal_destroy(sbi->journal);
	sbi->journal = NULL;
	return err;
}

/**
 * atomfs_journal_flush() - commit and checkpoint everything, empty the log
 * @sb:		the filesystem, for freeze or a remount read-only
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_flush(struct super_block *sb)
{
	journal_t *journal = ATOMFS_SB(sb)->journal;
	int err;

	jbd2_journal_lock_updates(journal);
	err = jbd2_journal_flush(journal, 0);
	jbd2_journal_unlock_updates(journal);
	return err;
}

/**
 * atomfs_journal_start() - start (or join) a handle
 * @sb:		the filesystem
 * @credits:	metadata blocks the operation may dirty
 * @revokes:	metadata blocks the operation may free
 *
 * Return: the handle or an ERR_PTR(); -EIO on a filesystem shut down,
 * -EROFS on a read-only or aborted one.
 */
handle_t *atomfs_journal_start(struct super_block *sb, int credits,
			       int revokes)
{
	journal_t *journal = ATOMFS_SB(sb)->journal;

	if (atomfs_forced_shutdown(sb))
		return ERR_PTR(-EIO);
	if (sb_rdonly(sb) && !journal_current_handle())
		return ERR_PTR(-EROFS);
	return jbd2__journal_start(journal, credits, 0, revokes, GFP_NOFS, 0,
				   0);
}

/**
 * atomfs_journal_stop() - end a handle
 * @handle:	from atomfs_journal_start()
 * @err:	the operation's own result, which takes precedence
 *
 * Return: @err, else the error the journal met (it is then aborted).
 */
int atomfs_journal_stop(handle_t *handle, int err)
{
	int ret = jbd2_journal_stop(handle);

	return err ?: ret;
}

static handle_t *atomfs_handle(struct super_block *sb, const char *what)
{
	handle_t *handle = journal_current_handle();

	if (WARN_ONCE(!handle, "atomfs (%s): %s without a journal handle\n",
		      sb ? sb->s_id : "?", what))
		return NULL;
	return handle;
}

/* An error from the journal makes further changes pointless: say so once. */
static int atomfs_journal_failed(struct super_block *sb, const char *what,
				 struct buffer_head *bh, int err)
{
	if (err != -EROFS && !is_handle_aborted(journal_current_handle()))
		atomfs_error(sb, "%s of block %llu failed: %d", what,
			     (u64)bh->b_blocknr, err);
	return err;
}

/**
 * atomfs_journal_access() - announce a change of a metadata block
 * @sb:		the filesystem
 * @bh:		the block, read and checked; not yet changed
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_access(struct super_block *sb, struct buffer_head *bh)
{
	handle_t *handle = atomfs_handle(sb, "write access");
	int err;

	if (!handle)
		return -EROFS;
	err = jbd2_journal_get_write_access(handle, bh);
	return err ? atomfs_journal_failed(sb, "write access", bh, err) : 0;
}

/**
 * atomfs_journal_access_undo() - announce a change of a block bitmap
 * @sb:		the filesystem
 * @bh:		the bitmap block
 *
 * jbd2 keeps a copy of the bitmap as last committed; the allocator honours
 * it so that blocks freed by an uncommitted transaction are not reused.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_access_undo(struct super_block *sb, struct buffer_head *bh)
{
	handle_t *handle = atomfs_handle(sb, "undo access");
	int err;

	if (!handle)
		return -EROFS;
	err = jbd2_journal_get_undo_access(handle, bh);
	return err ? atomfs_journal_failed(sb, "undo access", bh, err) : 0;
}

/**
 * atomfs_journal_create() - announce a freshly allocated metadata block
 * @sb:		the filesystem
 * @bh:		its buffer, from sb_getblk(); filled in by the caller next
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_create(struct super_block *sb, struct buffer_head *bh)
{
	handle_t *handle = atomfs_handle(sb, "create access");
	int err;

	if (!handle)
		return -EROFS;
	err = jbd2_journal_get_create_access(handle, bh);
	return err ? atomfs_journal_failed(sb, "create access", bh, err) : 0;
}

/**
 * atomfs_journal_dirty() - hand a changed metadata block to the journal
 * @sb:		the filesystem, or NULL for the one of the running handle
 * @bh:		the block, checksummed
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_dirty(struct super_block *sb, struct buffer_head *bh)
{
	handle_t *handle = atomfs_handle(sb, "dirty metadata");
	int err;

	if (!handle)
		return -EROFS;
	err = jbd2_journal_dirty_metadata(handle, bh);
	if (err && !sb && handle->h_transaction)
		sb = handle->h_transaction->t_journal->j_private;
	if (err && !sb)
		return err;
	return err ? atomfs_journal_failed(sb, "journaling", bh, err) : 0;
}

/**
 * atomfs_journal_revoke() - forget a metadata block that is being freed
 * @sb:		the filesystem
 * @blkno:	the block
 *
 * An older copy of the block in the log must not be replayed over what
 * the block holds next (file data goes around the journal).
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_revoke(struct super_block *sb, u64 blkno)
{
	handle_t *handle = atomfs_handle(sb, "revoke");
	struct buffer_head *bh;
	int err;

	if (!handle)
		return -EROFS;
	bh = sb_find_get_block(sb, blkno);
	if (bh)
		clear_buffer_atomfs_verified(bh);
	/* jbd2_journal_revoke() drops the reference to @bh. */
	err = jbd2_journal_revoke(handle, blkno, bh);
	if (err && err != -EROFS && !is_handle_aborted(handle))
		atomfs_error(sb, "revoking block %llu failed: %d", blkno, err);
	return err;
}

/**
 * atomfs_journal_ensure() - make room in the handle for the next step
 * @sb:		the filesystem
 * @credits:	blocks the step may dirty
 * @revokes:	blocks the step may free
 *
 * Long operations (truncate, conversion of many extents) work in steps that
 * each leave the metadata consistent; between steps the handle is extended
 * or, when its transaction is full, restarted.  The caller must not hold
 * locks that another handle may wait for across a restart.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_ensure(struct super_block *sb, int credits, int revokes)
{
	handle_t *handle = atomfs_handle(sb, "extend");
	int err;

	if (!handle)
		return -EROFS;
	if (jbd2_handle_buffer_credits(handle) >= credits &&
	    handle->h_revoke_credits >= revokes)
		return 0;
	err = jbd2_journal_extend(handle, credits, revokes);
	if (err <= 0)
		return err;
	/* A nested handle cannot restart: its outer user still runs in it. */
	if (handle->h_ref > 1)
		return -ENOSPC;
	return jbd2__journal_restart(handle, credits, revokes, GFP_NOFS);
}

/**
 * atomfs_journal_track_inode() - note the transaction that changed an inode
 * @inode:	the inode, just stored in the current handle
 * @data:	its size or block mapping changed (fdatasync must wait too)
 */
void atomfs_journal_track_inode(struct inode *inode, bool data)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	handle_t *handle = journal_current_handle();
	tid_t tid;

	if (!handle || !handle->h_transaction)
		return;
	tid = handle->h_transaction->t_tid;
	WRITE_ONCE(ai->i_sync_tid, tid);
	if (data)
		WRITE_ONCE(ai->i_datasync_tid, tid);
}

/**
 * atomfs_journal_init_inode() - start an inode's fsync bookkeeping
 * @sb:		the filesystem, its journal open
 * @ai:		an inode being allocated, new or to be read from disk
 *
 * The transaction ids live in memory only, and the inode cache's objects
 * keep whatever an earlier inode (of any mount) left there.  An inode read
 * back after eviction may have changes in the running or committing
 * transaction: fsync must wait for that one, as ext4_iget() assumes.
 */
void atomfs_journal_init_inode(struct super_block *sb,
			       struct atomfs_inode_info *ai)
{
	journal_t *journal = ATOMFS_SB(sb)->journal;
	transaction_t *trans;
	tid_t tid;

	read_lock(&journal->j_state_lock);
	trans = journal->j_running_transaction ?:
		journal->j_committing_transaction;
	tid = trans ? trans->t_tid : journal->j_commit_sequence;
	read_unlock(&journal->j_state_lock);
	ai->i_sync_tid = tid;
	ai->i_datasync_tid = tid;
}

/**
 * atomfs_journal_commit_inode() - make an inode's changes durable
 * @inode:	the inode; its data writeback has completed
 * @datasync:	only what fdatasync(2) needs
 *
 * Commits the last transaction that changed the inode (and so everything
 * before it), then flushes the device cache unless that commit did.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_commit_inode(struct inode *inode, bool datasync)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	journal_t *journal = sbi->journal;
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	tid_t tid = datasync ? READ_ONCE(ai->i_datasync_tid) :
			       READ_ONCE(ai->i_sync_tid);
	bool flush;
	int err;

	flush = sbi->opts.barrier &&
		!jbd2_trans_will_send_data_barrier(journal, tid);
	err = jbd2_complete_transaction(journal, tid);
	if (!err && flush)
		err = blkdev_issue_flush(inode->i_sb->s_bdev);
	return err;
}

/**
 * atomfs_journal_sync() - commit the running transaction
 * @sb:		the filesystem
 * @wait:	wait for the commit, and flush the device cache
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_sync(struct super_block *sb, bool wait)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	journal_t *journal = sbi->journal;
	tid_t target = jbd2_get_latest_transaction(journal);
	bool flush;
	int err = 0;

	flush = wait && sbi->opts.barrier &&
		!jbd2_trans_will_send_data_barrier(journal, target);
	if (jbd2_journal_start_commit(journal, &target) && wait)
		err = jbd2_log_wait_commit(journal, target);
	if (!err && flush)
		err = blkdev_issue_flush(sb->s_bdev);
	return err;
}

/**
 * atomfs_journal_abort() - stop journaling after an error
 * @sb:		the filesystem
 * @err:	the error, recorded in the journal superblock for the next mount
 */
void atomfs_journal_abort(struct super_block *sb, int err)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);

	if (sbi && sbi->journal)
		jbd2_journal_abort(sbi->journal, err);
}

/*
 * Metadata blocks (bitmaps, tree nodes) carry a crc32c of the whole block
 * at byte 4.  It is filled in here, when jbd2 freezes the block's contents
 * for the log, rather than at every change: a bitmap or a busy tree leaf
 * changes thousands of times in one transaction and is checksummed once.
 * The log copy gets the checksum, and so does the buffer itself unless a
 * newer transaction already changes it; then that transaction's commit
 * fills it in.  The block reaches its home location only from the buffer
 * as last committed (the checkpoint commits a buffer changed since before
 * writing it), so every copy on disk is checksummed.  In memory the field
 * may be stale: a buffer is checked when it is read, not afterwards.
 */
static void atomfs_block_csum_frozen(struct jbd2_buffer_trigger_type *type,
				     struct buffer_head *bh, void *data,
				     size_t size)
{
	__le32 *csum = data + 4;

	*csum = cpu_to_le32(atomfs_csum(data, size, 4));
}

static struct jbd2_buffer_trigger_type atomfs_block_csum_trigger = {
	.t_frozen	= atomfs_block_csum_frozen,
};

/**
 * atomfs_journal_dirty_csum() - hand a changed block to the journal, to be
 * checksummed at commit
 * @sb:		the filesystem, or NULL for the one of the running handle
 * @bh:		the block: a whole-block crc32c at byte 4 (atomfs_csum()),
 *		left stale by the caller
 *
 * Return: 0 or a negative errno.
 */
int atomfs_journal_dirty_csum(struct super_block *sb, struct buffer_head *bh)
{
	int err = atomfs_journal_dirty(sb, bh);

	if (!err)
		jbd2_journal_set_triggers(bh, &atomfs_block_csum_trigger);
	return err;
}
