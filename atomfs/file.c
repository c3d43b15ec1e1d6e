// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: read, write, mmap, fsync, fallocate, truncate, seek and
 * fiemap, all on iomap.
 */
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/blkdev.h>
#include <linux/writeback.h>
#include "atomfs.h"

/*
 * Reads hold i_rwsem shared, as on XFS: an atomic write (which holds it
 * exclusive) is then never seen half copied by read(2).
 */
static ssize_t atomfs_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	/* As on ext4: a filesystem shut down answers nothing more. */
	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
	if (!iov_iter_count(to))
		return 0;
	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock_shared(inode))
			return -EAGAIN;
	} else {
		inode_lock_shared(inode);
	}
	if (iocb->ki_flags & IOCB_DIRECT)
		ret = iomap_dio_rw(iocb, to, &atomfs_read_iomap_ops, NULL, 0,
				   NULL, 0);
	else
		ret = generic_file_read_iter(iocb, to);
	inode_unlock_shared(inode);
	return ret;
}

static int atomfs_dio_write_end_io(struct kiocb *iocb, ssize_t size,
				   int error, unsigned int flags)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	loff_t pos = iocb->ki_pos;
	unsigned int nofs;

	if (error)
		return error;
	if (size && (flags & IOMAP_DIO_UNWRITTEN)) {
		/* iomap wrote zeros around the data up to whole units. */
		u64 first = round_down(pos, i_blocksize(inode));
		u64 end = round_up(pos + size, i_blocksize(inode));

		nofs = atomfs_map_lock(inode);
		error = atomfs_extents_convert(inode,
					       first >> ATOMFS_BLOCK_SHIFT,
					       (end - first) >> ATOMFS_BLOCK_SHIFT);
		atomfs_map_unlock(inode, nofs);
		if (error)
			return error;
	}
	/* Extending writes are waited for under i_rwsem: no race on size. */
	if (pos + size > i_size_read(inode)) {
		i_size_write(inode, pos + size);
		mark_inode_dirty(inode);
	}
	return 0;
}

static const struct iomap_dio_ops atomfs_dio_write_ops = {
	.end_io		= atomfs_dio_write_end_io,
};

/*
 * Bytes between the old end of file and @pos may hold stale page cache
 * (an mmap write past EOF): zero them before a write extends past them.
 */
static int atomfs_zero_eof_gap(struct kiocb *iocb)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	loff_t size = i_size_read(inode);

	if (iocb->ki_pos <= size)
		return 0;
	return iomap_zero_range(inode, size, iocb->ki_pos - size, NULL,
				&atomfs_iomap_ops);
}

static ssize_t atomfs_write_checks(struct kiocb *iocb, struct iov_iter *from)
{
	ssize_t ret;

	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		return ret;
	ret = file_modified(iocb->ki_filp);
	if (ret)
		return ret;
	ret = atomfs_zero_eof_gap(iocb);
	if (ret)
		return ret;
	return iov_iter_count(from);
}

static ssize_t atomfs_buffered_write(struct kiocb *iocb, struct iov_iter *from)
{
	return iomap_file_buffered_write(iocb, from, &atomfs_iomap_ops, NULL);
}

/*
 * iomap zeroes the rest of a partly written unwritten I/O block with one
 * bio from a 64 KiB zero buffer and WARNs on anything larger (6.12,
 * IOMAP_ZERO_PAGE_SIZE): larger units take unaligned direct writes through
 * the page cache instead.
 */
#define ATOMFS_DIO_MAX_PAD	SZ_64K

static ssize_t atomfs_dio_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	unsigned int dio_flags = 0;
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(from);
	ssize_t ret, buffered;

	if (i_blocksize(inode) > ATOMFS_DIO_MAX_PAD &&
	    ((pos | count) & (i_blocksize(inode) - 1)))
		goto buffered;

	if (pos + count > i_size_read(inode))
		dio_flags |= IOMAP_DIO_FORCE_WAIT;
	/*
	 * A write to part of an unwritten unit has iomap write zeros over
	 * the rest of the unit: two of them in flight to one unit would zero
	 * each other's data.  As XFS does below its block size, let such a
	 * write start only when no direct I/O is in flight and finish it
	 * before the next write can start.
	 */
	if ((pos | count) & (i_blocksize(inode) - 1)) {
		if (iocb->ki_flags & IOCB_NOWAIT)
			return -EAGAIN;
		inode_dio_wait(inode);
		dio_flags |= IOMAP_DIO_FORCE_WAIT;
	}
	inode_dio_begin(inode);
	ret = iomap_dio_rw(iocb, from, &atomfs_iomap_ops, &atomfs_dio_write_ops,
			   dio_flags, NULL, 0);
	inode_dio_end(inode);
	if (ret != -ENOTBLK)
		return ret;

	/*
	 * Or the page cache over the range could not be invalidated (a
	 * folio is mapped and busy): write through the page cache, then push
	 * that to disk as O_DIRECT promises.
	 */
buffered:
	buffered = atomfs_buffered_write(iocb, from);
	if (buffered <= 0)
		return buffered;
	ret = filemap_write_and_wait_range(inode->i_mapping, pos,
					   pos + buffered - 1);
	if (ret)
		return ret;
	invalidate_mapping_pages(inode->i_mapping, pos >> PAGE_SHIFT,
				 (pos + buffered - 1) >> PAGE_SHIFT);
	return buffered;
}

/*
 * An RWF_ATOMIC write, buffered or direct, goes through the page cache as
 * one atomic folio.  A direct one is then written out (one REQ_ATOMIC bio)
 * and dropped from the cache before returning, as O_DIRECT promises.
 */
static ssize_t atomfs_atomic_write_iter(struct kiocb *iocb,
					struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	size_t count = iov_iter_count(from);
	loff_t pos;
	ssize_t ret;

	/*
	 * Every regular file is opened with FMODE_CAN_ATOMIC_WRITE, so that
	 * a remount with atomic=on or atomic=off applies to files already
	 * open: whether the mount takes RWF_ATOMIC is decided here.
	 */
	if (!READ_ONCE(ATOMFS_SB(inode->i_sb)->atomic_enabled))
		return -EOPNOTSUPP;

	ret = generic_write_checks(iocb, from);
	if (ret >= 0) {
		/* RLIMIT_FSIZE or s_maxbytes would cut it short: refuse. */
		if (iov_iter_count(from) != count)
			ret = -EFBIG;
		else
			ret = atomfs_atomic_write_valid(iocb, from);
	}
	if (ret) {
		atomfs_count(ATOMFS_SB(inode->i_sb),
			     ATOMFS_CTR_ATOMIC_WRITES_REJECTED, 1);
		return ret;
	}
	ret = file_modified(iocb->ki_filp);
	if (!ret)
		ret = atomfs_zero_eof_gap(iocb);
	if (ret)
		return ret;

	pos = iocb->ki_pos;
	if (iocb->ki_flags & IOCB_DIRECT) {
		inode_dio_wait(inode);
		ret = atomfs_atomic_write(iocb, from);
		if (ret <= 0)
			return ret;
		ret = filemap_write_and_wait_range(inode->i_mapping, pos,
						   pos + count - 1);
		if (ret)
			return ret;
		invalidate_mapping_pages(inode->i_mapping, pos >> PAGE_SHIFT,
					 (pos + count - 1) >> PAGE_SHIFT);
		return count;
	}
	return atomfs_atomic_write(iocb, from);
}

static ssize_t atomfs_file_write_iter(struct kiocb *iocb,
				      struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	size_t count = iov_iter_count(from);
	bool reclaimed = false;
	ssize_t ret;

	/* RWF_ATOMIC too: nothing more reaches the device. */
	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
again:
	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock(inode))
			return -EAGAIN;
	} else {
		inode_lock(inode);
	}
	if (iocb->ki_flags & IOCB_ATOMIC) {
		ret = atomfs_atomic_write_iter(iocb, from);
		goto out;
	}
	ret = atomfs_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	if (iocb->ki_flags & IOCB_DIRECT)
		ret = atomfs_dio_write(iocb, from);
	else
		ret = atomfs_buffered_write(iocb, from);
out:
	inode_unlock(inode);
	/*
	 * Nothing written for lack of space: other files may hold blocks
	 * allocated ahead of their writes.  Taken back, without this file's
	 * lock, they may let the write through.  (iov_iter_restore() is not
	 * exported in 6.12: retried only when nothing of @from was used.)
	 */
	if (ret == -ENOSPC && !reclaimed && iov_iter_count(from) == count &&
	    !(iocb->ki_flags & IOCB_NOWAIT)) {
		reclaimed = true;
		if (atomfs_reclaim_ahead(inode->i_sb))
			goto again;
	}
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/*
 * O_DIRECT goes through iomap_dio_rw(), which a_ops->direct_IO does not
 * show: say so.  RWF_ATOMIC reaches atomfs_atomic_write_iter(), which
 * refuses it while the mount does not allow it.
 */
static int atomfs_file_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_CAN_ODIRECT | FMODE_CAN_ATOMIC_WRITE;
	return generic_file_open(inode, file);
}

/**
 * atomfs_trim_ahead() - give back what extending writes allocated ahead
 * @inode:	a regular file, no longer written, or being evicted
 *
 * Skipped, leaving the blocks past EOF as a crash would, on a read-only,
 * frozen or shut down filesystem.
 */
void atomfs_trim_ahead(struct inode *inode)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct super_block *sb = inode->i_sb;
	unsigned int nofs;

	if (READ_ONCE(ai->i_ahead_start) == READ_ONCE(ai->i_ahead_end) ||
	    sb_rdonly(sb) || atomfs_forced_shutdown(sb) ||
	    !sb_start_intwrite_trylock(sb))
		return;
	nofs = atomfs_map_lock(inode);
	atomfs_extents_trim_ahead(inode);
	atomfs_map_unlock(inode, nofs);
	sb_end_intwrite(sb);
}

/**
 * atomfs_reclaim_ahead() - take back every file's blocks allocated ahead
 * @sb:		the filesystem, out of space
 *
 * As XFS frees post-EOF preallocation on ENOSPC: each file still open for
 * writing gives back what it holds past EOF, and the journal is committed
 * so that the allocator may take those blocks.  The caller holds no inode
 * lock and no handle: each file's i_rwsem is taken in turn.
 *
 * Return: true if some file held blocks ahead, so that a retry may pass.
 */
bool atomfs_reclaim_ahead(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct atomfs_inode_info *ai;
	struct inode *inode;
	bool found = false;
	LIST_HEAD(todo);

	/* Files that go on the list again meanwhile wait for the next time. */
	spin_lock(&sbi->ahead_lock);
	list_splice_init(&sbi->ahead_inodes, &todo);
	while ((ai = list_first_entry_or_null(&todo, struct atomfs_inode_info,
					      i_ahead_link))) {
		list_del_init(&ai->i_ahead_link);
		/* NULL when being evicted: eviction gives them back. */
		inode = igrab(&ai->vfs_inode);
		if (!inode)
			continue;
		spin_unlock(&sbi->ahead_lock);
		inode_lock(inode);
		if (ai->i_ahead_start < ai->i_ahead_end) {
			found = true;
			atomfs_trim_ahead(inode);
		}
		inode_unlock(inode);
		iput(inode);
		cond_resched();
		spin_lock(&sbi->ahead_lock);
	}
	spin_unlock(&sbi->ahead_lock);
	if (found)
		jbd2_journal_force_commit(sbi->journal);
	return found;
}

/*
 * The last writer's close gives back the blocks allocated ahead past EOF.
 * Not when i_rwsem is busy (a truncate, say): eviction does it then.
 */
static int atomfs_file_release(struct inode *inode, struct file *file)
{
	if (!(file->f_mode & FMODE_WRITER) ||
	    atomic_read(&inode->i_writecount) > 1 || !inode_trylock(inode))
		return 0;
	atomfs_trim_ahead(inode);
	inode_unlock(inode);
	return 0;
}

static vm_fault_t atomfs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret;

	if (atomfs_forced_shutdown(inode->i_sb))
		return VM_FAULT_SIGBUS;
	sb_start_pagefault(inode->i_sb);
	file_update_time(vmf->vma->vm_file);
	/* Serialise against truncate and hole punching. */
	filemap_invalidate_lock_shared(inode->i_mapping);
	ret = iomap_page_mkwrite(vmf, &atomfs_iomap_ops);
	/* The folio comes back locked: demote it before any store lands. */
	if (ret & VM_FAULT_LOCKED)
		atomfs_demote_folio(inode, page_folio(vmf->page),
				    ATOMFS_DEMOTE_MKWRITE);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	return ret;
}

/*
 * filemap_fault() takes the invalidate lock shared itself before it adds a
 * folio: taking it here too would be a recursive read that deadlocks as
 * soon as truncate or fallocate queues for it in between.
 */
static const struct vm_operations_struct atomfs_file_vm_ops = {
	.fault		= filemap_fault,
	.map_pages	= filemap_map_pages,
	.page_mkwrite	= atomfs_page_mkwrite,
};

static int atomfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (atomfs_forced_shutdown(file_inode(file)->i_sb))
		return -EIO;
	file_accessed(file);
	vma->vm_ops = &atomfs_file_vm_ops;
	return 0;
}

/**
 * atomfs_fsync() - ->fsync for files and directories
 * @file:	the file
 * @start:	first byte of the range to make durable
 * @end:	last byte
 * @datasync:	fdatasync(): only what is needed to read the data back
 *
 * The data is written and its unwritten extents converted first; then the
 * last transaction that changed the inode (for fdatasync, its size or
 * mapping) is committed, which commits every earlier one too: the name
 * that created the file and the names it holds, for a directory.  An
 * overwrite that changed no metadata still gets the device cache flushed.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct inode *inode = file_inode(file);
	int err;

	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
	err = file_write_and_wait_range(file, start, end);
	if (err)
		return err;
	if (sb_rdonly(inode->i_sb))
		return 0;
	return atomfs_journal_commit_inode(inode, datasync);
}

/*
 * The end of file moves from or to @pos, inside a unit: zero the rest of
 * that unit and write it before the new size is journaled, as XFS does.
 * Zeroed only in the page cache, old bytes past @pos (truncated data,
 * stores through a mapping past EOF) would stay on the device, and after a
 * crash a later extension or a mapping of the last page would show them.
 */
static int atomfs_zero_unit_tail(struct inode *inode, loff_t pos)
{
	loff_t unit_end = round_up(pos, i_blocksize(inode));
	bool did_zero = false;
	int err;

	if (pos == unit_end)
		return 0;
	err = iomap_zero_range(inode, pos, unit_end - pos, &did_zero,
			       &atomfs_iomap_ops);
	if (err || !did_zero)
		return err;
	return filemap_write_and_wait_range(inode->i_mapping, pos,
					    unit_end - 1);
}

/**
 * atomfs_truncate() - change the size of a regular file
 * @inode:	the file, i_rwsem held
 * @size:	the new size
 *
 * Return: 0 or a negative errno.
 */
int atomfs_truncate(struct inode *inode, loff_t size)
{
	loff_t old = i_size_read(inode);
	unsigned int nofs;
	int err;

	if (size > inode->i_sb->s_maxbytes)
		return -EFBIG;

	inode_dio_wait(inode);
	filemap_invalidate_lock(inode->i_mapping);
	if (size > old) {
		err = atomfs_zero_unit_tail(inode, old);
		if (!err)
			truncate_setsize(inode, size);
		goto out;
	}

	/* Zero the rest of the unit holding the new end, then drop units. */
	err = atomfs_zero_unit_tail(inode, size);
	if (err)
		goto out;
	atomfs_demote_range(inode, round_up(size, i_blocksize(inode)), old);
	/* Whoever stores the new size stores the unfinished truncate too. */
	ATOMFS_I(inode)->i_flags |= ATOMFS_INODE_ORPHAN;
	truncate_setsize(inode, size);
	nofs = atomfs_map_lock(inode);
	err = atomfs_truncate_blocks(inode, size);
	atomfs_map_unlock(inode, nofs);
out:
	filemap_invalidate_unlock(inode->i_mapping);
	if (!err) {
		inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
		mark_inode_dirty(inode);
	}
	return err;
}

/* Blocks an allocation of [@lblk, @lblk + @len) still has to take. */
static int atomfs_alloc_need(struct inode *inode, u64 lblk, u64 len,
			     u64 *need)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	u64 pos = atomfs_unit_start(sbi, lblk);
	u64 end = atomfs_unit_start(sbi, lblk + len - 1) + sbi->unit_blocks;
	struct atomfs_map map;
	int err;

	*need = 0;
	while (pos < end) {
		err = atomfs_extents_map(inode, pos, end - pos, &map);
		if (err)
			return err;
		if (!map.pblk)
			*need += map.len;
		pos += map.len;
	}
	return 0;
}

/*
 * Make [@start, @end) (bytes) read as zeros: zero the parts of units at the
 * edges in the page cache, then drop the page cache over the whole units
 * between and free them, or with @keep_alloc (FALLOC_FL_ZERO_RANGE) keep
 * them allocated, unwritten.
 */
static int atomfs_clear_range(struct inode *inode, loff_t start, loff_t end,
			      bool keep_alloc)
{
	unsigned int unit = i_blocksize(inode);
	loff_t ustart = round_up(start, unit);
	loff_t uend = round_down(end, unit);
	u64 first, last;
	unsigned int nofs;
	int err;

	if (ustart >= uend)
		return iomap_zero_range(inode, start, end - start, NULL,
					&atomfs_iomap_ops);
	if (start < ustart) {
		err = iomap_zero_range(inode, start, ustart - start, NULL,
				       &atomfs_iomap_ops);
		if (err)
			return err;
	}
	if (uend < end) {
		err = iomap_zero_range(inode, uend, end - uend, NULL,
				       &atomfs_iomap_ops);
		if (err)
			return err;
	}

	/* In-flight writeback would convert blocks behind our back. */
	err = filemap_write_and_wait_range(inode->i_mapping, ustart, uend - 1);
	if (err)
		return err;
	truncate_pagecache_range(inode, ustart, uend - 1);

	first = ustart >> ATOMFS_BLOCK_SHIFT;
	last = uend >> ATOMFS_BLOCK_SHIFT;
	nofs = atomfs_map_lock(inode);
	if (keep_alloc)
		err = atomfs_extents_unwrite(inode, first, last - first);
	else
		err = atomfs_extents_free(inode, first, last);
	atomfs_map_unlock(inode, nofs);
	return err;
}

/*
 * FALLOC_FL_COLLAPSE_RANGE and FALLOC_FL_INSERT_RANGE, in whole units as
 * XFS moves whole allocation units: the extents from @offset on move by
 * @len, and with them the file's end (atomfs_extents_shift(), one
 * transaction).  The page cache from @offset on is written back first,
 * atomic units as such, and dropped: the data it caches moves.  The VFS
 * has refused other mode bits, non-regular files, swap files, append-only
 * and immutable files, and @offset + @len past s_maxbytes.
 */
static long atomfs_shift_range(struct file *file, int mode, loff_t offset,
			       loff_t len)
{
	struct inode *inode = file_inode(file);
	bool insert = mode & FALLOC_FL_INSERT_RANGE;
	loff_t size, new_size;
	unsigned int nofs;
	long err;

	if ((offset | len) & (i_blocksize(inode) - 1))
		return -EINVAL;

	inode_lock(inode);
	size = i_size_read(inode);
	err = -EINVAL;
	/* Collapse must leave a part of the file past the range. */
	if (insert ? offset >= size : offset + len >= size)
		goto out_unlock;
	err = -EFBIG;
	if (insert && len > inode->i_sb->s_maxbytes - size)
		goto out_unlock;
	new_size = insert ? size + len : size - len;
	err = file_modified(file);
	if (err)
		goto out_unlock;
	inode_dio_wait(inode);
	filemap_invalidate_lock(inode->i_mapping);
	/* Writeback in flight would convert blocks that are moving. */
	err = filemap_write_and_wait_range(inode->i_mapping, offset, LLONG_MAX);
	if (err)
		goto out;
	truncate_pagecache_range(inode, offset, LLONG_MAX);
	nofs = atomfs_map_lock(inode);
	err = atomfs_extents_shift(inode, offset >> ATOMFS_BLOCK_SHIFT,
				   len >> ATOMFS_BLOCK_SHIFT, insert, new_size);
	atomfs_map_unlock(inode, nofs);
out:
	filemap_invalidate_unlock(inode->i_mapping);
out_unlock:
	inode_unlock(inode);
	return err;
}

static long __atomfs_fallocate(struct file *file, int mode, loff_t offset,
			       loff_t len)
{
	struct inode *inode = file_inode(file);
	struct atomfs_sb_info *sbi = ATOMFS_SB(inode->i_sb);
	loff_t end = offset + len;
	u64 lblk, nblk, need;
	unsigned int nofs;
	long err;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if (!S_ISREG(inode->i_mode))
		return -ENODEV;
	if (end > inode->i_sb->s_maxbytes || end < offset)
		return -EFBIG;

	inode_lock(inode);
	err = file_modified(file);
	if (err)
		goto out_unlock;
	inode_dio_wait(inode);
	filemap_invalidate_lock(inode->i_mapping);

	/* Past EOF too: preallocated units there are freed or zeroed. */
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		err = atomfs_clear_range(inode, offset, end, false);
		goto out;
	}

	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		err = inode_newsize_ok(inode, end);
		if (err)
			goto out;
	}
	if (mode & FALLOC_FL_ZERO_RANGE) {
		err = atomfs_clear_range(inode, offset, end, true);
		if (err)
			goto out;
	}

	lblk = offset >> ATOMFS_BLOCK_SHIFT;
	nblk = DIV_ROUND_UP_ULL(end, ATOMFS_BLOCK_SIZE) - lblk;
	nofs = atomfs_map_lock(inode);
	/* Fail up front rather than leave a partial allocation behind. */
	err = atomfs_alloc_need(inode, lblk, nblk, &need);
	if (!err && need > atomfs_data_avail(sbi))
		err = -ENOSPC;
	if (!err)
		err = atomfs_extents_keep_ahead(inode, lblk, nblk);
	if (!err)
		err = atomfs_extents_alloc(inode, lblk, nblk);
	atomfs_map_unlock(inode, nofs);
	if (err)
		goto out;

	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		err = atomfs_zero_unit_tail(inode, i_size_read(inode));
		if (err)
			goto out;
		i_size_write(inode, end);
	}
out:
	filemap_invalidate_unlock(inode->i_mapping);
	if (!err) {
		inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
		mark_inode_dirty(inode);
	}
out_unlock:
	inode_unlock(inode);
	return err;
}

static long atomfs_fallocate(struct file *file, int mode, loff_t offset,
			     loff_t len)
{
	long err;

	if (atomfs_forced_shutdown(file_inode(file)->i_sb))
		return -EIO;
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		return atomfs_shift_range(file, mode, offset, len);
	err = __atomfs_fallocate(file, mode, offset, len);
	/* Other files may hold blocks allocated ahead: take them back. */
	if (err == -ENOSPC && atomfs_reclaim_ahead(file_inode(file)->i_sb))
		err = __atomfs_fallocate(file, mode, offset, len);
	return err;
}

/**
 * atomfs_ioctl() - ->unlocked_ioctl for files and directories
 * @file:	any file of the filesystem
 * @cmd:	ATOMFS_IOC_SHUTDOWN, the only one
 * @arg:	user pointer to its __u32 ATOMFS_GOING_FLAGS_* argument
 *
 * Return: 0, -EPERM without CAP_SYS_ADMIN, -EFAULT, -EINVAL for unknown
 * flags, or -ENOTTY for other commands.
 */
long atomfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	u32 flags;

	if (cmd != ATOMFS_IOC_SHUTDOWN)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(flags, (u32 __user *)arg))
		return -EFAULT;
	return atomfs_force_shutdown(file_inode(file)->i_sb, flags);
}

static loff_t atomfs_file_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);

	switch (whence) {
	case SEEK_HOLE:
		inode_lock_shared(inode);
		offset = iomap_seek_hole(inode, offset, &atomfs_read_iomap_ops);
		inode_unlock_shared(inode);
		break;
	case SEEK_DATA:
		inode_lock_shared(inode);
		offset = iomap_seek_data(inode, offset, &atomfs_read_iomap_ops);
		inode_unlock_shared(inode);
		break;
	default:
		return generic_file_llseek(file, offset, whence);
	}
	if (offset < 0)
		return offset;
	return vfs_setpos(file, offset, inode->i_sb->s_maxbytes);
}

static int atomfs_fiemap(struct inode *inode, struct fiemap_extent_info *fi,
			 u64 start, u64 len)
{
	int err;

	inode_lock_shared(inode);
	err = iomap_fiemap(inode, fi, start, len, &atomfs_read_iomap_ops);
	inode_unlock_shared(inode);
	return err;
}

const struct file_operations atomfs_file_operations = {
	.llseek		= atomfs_file_llseek,
	.read_iter	= atomfs_file_read_iter,
	.write_iter	= atomfs_file_write_iter,
	.mmap		= atomfs_file_mmap,
	.open		= atomfs_file_open,
	.release	= atomfs_file_release,
	.fsync		= atomfs_fsync,
	.fallocate	= atomfs_fallocate,
	.unlocked_ioctl	= atomfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	/*
	 * Through ->read_iter (i_rwsem shared) into pages of the pipe's own:
	 * filemap_splice_read() would put page cache folios in the pipe,
	 * where a later atomic write's in-place copy could be seen half done.
	 */
	.splice_read	= copy_splice_read,
	.splice_write	= iter_file_splice_write,
	.fop_flags	= FOP_BUFFER_RASYNC,
};

const struct inode_operations atomfs_file_inode_operations = {
	.setattr	= atomfs_setattr,
	.getattr	= atomfs_getattr,
	.fiemap		= atomfs_fiemap,
};

static int atomfs_read_folio(struct file *file, struct folio *folio)
{
	return iomap_read_folio(folio, &atomfs_read_iomap_ops);
}

static void atomfs_readahead(struct readahead_control *rac)
{
	iomap_readahead(rac, &atomfs_read_iomap_ops);
}

const struct address_space_operations atomfs_aops = {
	.read_folio		= atomfs_read_folio,
	.readahead		= atomfs_readahead,
	.writepages		= atomfs_writepages,
	.dirty_folio		= iomap_dirty_folio,
	.release_folio		= iomap_release_folio,
	.invalidate_folio	= atomfs_invalidate_folio,
	.migrate_folio		= filemap_migrate_folio,
	.is_partially_uptodate	= iomap_is_partially_uptodate,
	.error_remove_folio	= generic_error_remove_folio,
};
