// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: reading and writing the inode table, creation, eviction and
 * attributes.
 */
#include <linux/fs.h>
#include <linux/random.h>
#include <linux/iversion.h>
#include <linux/writeback.h>
#include "atomfs.h"

/*
 * Find inode @ino in the inode table.  Returns the buffer holding it and
 * sets *@raw, or an ERR_PTR().
 */
static struct buffer_head *atomfs_inode_buf(struct super_block *sb, u64 ino,
					    struct atomfs_inode **raw)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct buffer_head *bh;
	u64 blkno;

	if (ino < ATOMFS_FIRST_INO || ino >= sbi->inodes_count) {
		atomfs_error(sb, "inode number %llu out of range", ino);
		return ERR_PTR(-EUCLEAN);
	}
	blkno = sbi->itable_start + ino / ATOMFS_INODES_PER_BLOCK;
	bh = sb_bread(sb, blkno);
	if (!bh) {
		atomfs_error(sb, "cannot read inode table block %llu", blkno);
		return ERR_PTR(-EIO);
	}
	*raw = (struct atomfs_inode *)bh->b_data +
	       ino % ATOMFS_INODES_PER_BLOCK;
	return bh;
}

/*
 * A regular file's I/O block is its atomic unit: iomap then reads, zeroes,
 * dirties and writes back whole units, every folio holds whole units and is
 * fully uptodate before it is dirtied, and a unit's blocks are all written
 * or all unwritten.  This is the large-block-size support that 6.12 gives
 * XFS: i_blkbits above PAGE_SHIFT with a matching minimum folio order.
 */
static void atomfs_set_unit_blocksize(struct inode *inode)
{
	unsigned int shift = ATOMFS_SB(inode->i_sb)->unit_shift;
	unsigned int order = shift - PAGE_SHIFT;

	inode->i_blkbits = shift;
	/*
	 * Every folio is exactly one unit, so that an atomic write is one
	 * folio and one folio one atomic bio; the page cache then never
	 * holds a folio that mixes two units.
	 */
	mapping_set_folio_order_range(inode->i_mapping, order, order);
	/*
	 * Stable pages: a folio under writeback is not written to until its
	 * bio completes, or a later write would tear the atomic bio in flight
	 * (and clear the mark meant for the data being written).
	 */
	mapping_set_stable_writes(inode->i_mapping);
	/*
	 * A one-block folio gets no iomap state in folio->private, and the
	 * page cache calls ->invalidate_folio only for folios that need
	 * release: without this, a folio dropped by truncate or memory
	 * failure would keep the unit set aside for its atomic write.
	 */
	mapping_set_release_always(inode->i_mapping);
}

static void atomfs_set_inode_ops(struct inode *inode, dev_t rdev)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &atomfs_file_inode_operations;
		inode->i_fop = &atomfs_file_operations;
		inode->i_mapping->a_ops = &atomfs_aops;
		atomfs_set_unit_blocksize(inode);
		break;
	case S_IFDIR:
		inode->i_op = &atomfs_dir_inode_operations;
		inode->i_fop = &atomfs_dir_operations;
		break;
	case S_IFLNK:
		inode->i_op = &atomfs_symlink_inode_operations;
		if (ATOMFS_I(inode)->i_flags & ATOMFS_INODE_INLINE_SYMLINK)
			inode->i_link = ATOMFS_I(inode)->i_inline;
		inode_nohighmem(inode);
		break;
	default:
		inode->i_op = &atomfs_special_inode_operations;
		init_special_inode(inode, inode->i_mode, rdev);
		break;
	}
}

/* Is this a mode atomfs can have on disk? */
static bool atomfs_valid_mode(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return true;
	}
	return false;
}

static int atomfs_read_inode(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_inode *raw;
	struct buffer_head *bh;
	dev_t rdev = 0;
	int err = -EUCLEAN;

	bh = atomfs_inode_buf(sb, inode->i_ino, &raw);
	if (IS_ERR(bh))
		return PTR_ERR(bh);

	if (le32_to_cpu(raw->i_magic) != ATOMFS_INODE_MAGIC ||
	    le64_to_cpu(raw->i_ino) != inode->i_ino) {
		atomfs_error(sb, "inode %lu is not in use or misplaced",
			     inode->i_ino);
		goto out;
	}
	if (atomfs_csum(raw, ATOMFS_INODE_SIZE, 4) !=
	    le32_to_cpu(raw->i_checksum)) {
		atomfs_error(sb, "inode %lu: bad checksum", inode->i_ino);
		goto out;
	}
	inode->i_mode = le16_to_cpu(raw->i_mode);
	/* Only an orphan, unlinked while open, lives on with no link. */
	if (!atomfs_valid_mode(inode->i_mode) ||
	    (!le32_to_cpu(raw->i_nlink) &&
	     !(le32_to_cpu(raw->i_flags) & ATOMFS_INODE_ORPHAN))) {
		atomfs_error(sb, "inode %lu: bad mode 0%o or link count %u",
			     inode->i_ino, inode->i_mode,
			     le32_to_cpu(raw->i_nlink));
		goto out;
	}
	set_nlink(inode, le32_to_cpu(raw->i_nlink));
	i_uid_write(inode, le32_to_cpu(raw->i_uid));
	i_gid_write(inode, le32_to_cpu(raw->i_gid));
	inode->i_generation = le32_to_cpu(raw->i_generation);
	inode->i_size = le64_to_cpu(raw->i_size);
	inode->i_blocks = le64_to_cpu(raw->i_blocks) <<
			  (ATOMFS_BLOCK_SHIFT - 9);
	inode_set_atime(inode, le64_to_cpu(raw->i_atime),
			le32_to_cpu(raw->i_atime_nsec));
	inode_set_mtime(inode, le64_to_cpu(raw->i_mtime),
			le32_to_cpu(raw->i_mtime_nsec));
	inode_set_ctime(inode, le64_to_cpu(raw->i_ctime),
			le32_to_cpu(raw->i_ctime_nsec));
	ai->i_crtime.tv_sec = le64_to_cpu(raw->i_crtime);
	ai->i_crtime.tv_nsec = le32_to_cpu(raw->i_crtime_nsec);
	ai->i_flags = le32_to_cpu(raw->i_flags);
	ai->i_parent = le64_to_cpu(raw->i_parent);
	ai->i_root = le64_to_cpu(raw->i_root);
	ai->i_nentries = le64_to_cpu(raw->i_nentries);
	if (inode->i_size < 0 ||
	    (ai->i_root && (ai->i_root < ATOMFS_SB(sb)->data_start ||
			    ai->i_root >= ATOMFS_SB(sb)->blocks_count))) {
		atomfs_error(sb, "inode %lu: bad size or root block",
			     inode->i_ino);
		goto out;
	}
	/* Only files, directories and symlinks have a tree or a block. */
	if (ai->i_root && !S_ISREG(inode->i_mode) &&
	    !S_ISDIR(inode->i_mode) && !S_ISLNK(inode->i_mode)) {
		atomfs_error(sb, "inode %lu: mode 0%o with a tree at block %llu",
			     inode->i_ino, inode->i_mode, ai->i_root);
		goto out;
	}
	if (S_ISLNK(inode->i_mode)) {
		bool inl = ai->i_flags & ATOMFS_INODE_INLINE_SYMLINK;

		if (!inode->i_size || inode->i_size > ATOMFS_SYMLINK_MAX ||
		    (inl && inode->i_size > ATOMFS_INLINE_SIZE) ||
		    (!inl && !ai->i_root)) {
			atomfs_error(sb, "inode %lu: bad symlink", inode->i_ino);
			goto out;
		}
		if (inl) {
			memcpy(ai->i_inline, raw->i_inline, inode->i_size);
			ai->i_inline[inode->i_size] = '\0';
		}
	}
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		rdev = new_decode_dev(le32_to_cpu(raw->i_rdev));
	atomfs_set_inode_ops(inode, rdev);
	err = 0;
out:
	brelse(bh);
	return err;
}

/**
 * atomfs_iget() - get the in-memory inode for an inode number
 * @sb:		the filesystem
 * @ino:	the inode number
 *
 * Return: the inode, or ERR_PTR(-EUCLEAN) when the inode table holds no
 * valid inode of that number, or another error.
 */
struct inode *atomfs_iget(struct super_block *sb, u64 ino)
{
	struct inode *inode;
	int err;

	inode = iget_locked(sb, ino);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;

	err = atomfs_read_inode(inode);
	if (err) {
		iget_failed(inode);
		return ERR_PTR(err);
	}
	unlock_new_inode(inode);
	return inode;
}

static void atomfs_fill_raw_inode(struct inode *inode, struct atomfs_inode *raw)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct timespec64 ts;

	memset(raw, 0, sizeof(*raw));
	raw->i_magic = cpu_to_le32(ATOMFS_INODE_MAGIC);
	raw->i_ino = cpu_to_le64(inode->i_ino);
	raw->i_mode = cpu_to_le16(inode->i_mode);
	raw->i_nlink = cpu_to_le32(inode->i_nlink);
	raw->i_uid = cpu_to_le32(i_uid_read(inode));
	raw->i_gid = cpu_to_le32(i_gid_read(inode));
	raw->i_flags = cpu_to_le32(ai->i_flags |
				   (inode->i_nlink ? 0 : ATOMFS_INODE_ORPHAN));
	raw->i_generation = cpu_to_le32(inode->i_generation);
	raw->i_size = cpu_to_le64(i_size_read(inode));
	raw->i_blocks = cpu_to_le64(inode->i_blocks >>
				    (ATOMFS_BLOCK_SHIFT - 9));
	ts = inode_get_atime(inode);
	raw->i_atime = cpu_to_le64(ts.tv_sec);
	raw->i_atime_nsec = cpu_to_le32(ts.tv_nsec);
	ts = inode_get_mtime(inode);
	raw->i_mtime = cpu_to_le64(ts.tv_sec);
	raw->i_mtime_nsec = cpu_to_le32(ts.tv_nsec);
	ts = inode_get_ctime(inode);
	raw->i_ctime = cpu_to_le64(ts.tv_sec);
	raw->i_ctime_nsec = cpu_to_le32(ts.tv_nsec);
	raw->i_crtime = cpu_to_le64(ai->i_crtime.tv_sec);
	raw->i_crtime_nsec = cpu_to_le32(ai->i_crtime.tv_nsec);
	raw->i_parent = cpu_to_le64(ai->i_parent);
	raw->i_root = cpu_to_le64(ai->i_root);
	raw->i_nentries = cpu_to_le64(ai->i_nentries);
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		raw->i_rdev = cpu_to_le32(new_encode_dev(inode->i_rdev));
	if (ai->i_flags & ATOMFS_INODE_INLINE_SYMLINK)
		memcpy(raw->i_inline, ai->i_inline, i_size_read(inode));
	raw->i_checksum = cpu_to_le32(atomfs_csum(raw, ATOMFS_INODE_SIZE, 4));
}

/*
 * Copy @inode into its inode table slot, or clear the slot when @inode is
 * being freed, in the running handle.
 */
static int atomfs_store_inode(struct inode *inode, bool clear)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_inode *raw;
	struct buffer_head *bh;
	__le64 size, root, blocks;
	bool data;
	int err;

	bh = atomfs_inode_buf(sb, inode->i_ino, &raw);
	if (IS_ERR(bh))
		return PTR_ERR(bh);
	err = atomfs_journal_access(sb, bh);
	if (err)
		goto out;
	/* Inodes sharing the block are stored by their own owners. */
	lock_buffer(bh);
	size = raw->i_size;
	root = raw->i_root;
	blocks = raw->i_blocks;
	if (clear)
		memset(raw, 0, sizeof(*raw));
	else
		atomfs_fill_raw_inode(inode, raw);
	data = clear || size != raw->i_size || root != raw->i_root ||
	       blocks != raw->i_blocks;
	unlock_buffer(bh);
	err = atomfs_journal_dirty(sb, bh);
	if (!err)
		atomfs_journal_track_inode(inode, data);
out:
	brelse(bh);
	return err;
}

/**
 * atomfs_dirty_inode() - ->dirty_inode: journal the inode now
 * @inode:	the inode
 * @flags:	I_DIRTY_* being set
 *
 * Every mark_inode_dirty() copies the inode into its table block in a
 * handle, joining the operation's handle when there is one, so that the
 * inode commits with the changes that made it dirty.
 */
void atomfs_dirty_inode(struct inode *inode, int flags)
{
	handle_t *handle;

	if (flags == I_DIRTY_TIME)
		return;
	handle = atomfs_journal_start(inode->i_sb, ATOMFS_INODE_CREDITS, 0);
	if (IS_ERR(handle))
		return;
	atomfs_store_inode(inode, false);
	atomfs_journal_stop(handle, 0);
}

/**
 * atomfs_write_inode() - ->write_inode
 * @inode:	the inode
 * @wbc:	WB_SYNC_ALL outside sync(2) waits for the inode's commit
 *
 * The inode is already in the journal (atomfs_dirty_inode()); sync(2)
 * commits through ->sync_fs instead.
 *
 * Return: 0 or an error from the commit.
 */
int atomfs_write_inode(struct inode *inode, struct writeback_control *wbc)
{
	if (sb_rdonly(inode->i_sb) || wbc->sync_mode != WB_SYNC_ALL ||
	    wbc->for_sync)
		return 0;
	return atomfs_journal_commit_inode(inode, false);
}

/**
 * atomfs_new_inode() - allocate and initialise a new inode
 * @idmap:	idmap of the mount the inode is created through
 * @dir:	the directory it will be linked into
 * @mode:	type and permissions
 * @rdev:	device number for device nodes
 *
 * The inode comes back locked (I_NEW) with one link; the caller links it
 * into @dir and calls d_instantiate_new(), or drops the link and calls
 * discard_new_inode().
 *
 * Return: the inode, or an ERR_PTR() (-ENOSPC when out of inodes).
 */
struct inode *atomfs_new_inode(struct mnt_idmap *idmap, struct inode *dir,
			       umode_t mode, dev_t rdev)
{
	struct super_block *sb = dir->i_sb;
	struct atomfs_inode_info *ai;
	struct inode *inode;
	struct timespec64 now;
	u64 ino;
	int err;

	inode = new_inode(sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	err = atomfs_new_ino(sb, &ino);
	if (err) {
		make_bad_inode(inode);
		iput(inode);
		return ERR_PTR(err);
	}

	ai = ATOMFS_I(inode);
	inode->i_ino = ino;
	inode_init_owner(idmap, inode, dir, mode);
	inode->i_generation = get_random_u32();
	inode->i_blocks = 0;
	now = simple_inode_init_ts(inode);
	ai->i_crtime = now;
	ai->i_root = 0;
	ai->i_flags = 0;
	ai->i_nentries = 0;
	ai->i_parent = S_ISDIR(mode) ? dir->i_ino : 0;
	if (S_ISDIR(mode))
		set_nlink(inode, 2);
	atomfs_set_inode_ops(inode, rdev);

	err = insert_inode_locked(inode);
	if (err) {
		/* The bitmap said free but the inode is live: corruption. */
		atomfs_error(sb, "inode %llu is free in the bitmap but in use",
			     ino);
		make_bad_inode(inode);
		iput(inode);
		return ERR_PTR(-EUCLEAN);
	}
	mark_inode_dirty(inode);
	return inode;
}

/*
 * Free everything an unlinked inode owns, then the inode itself.  Each step
 * is a transaction of its own that leaves the inode consistent; until the
 * last one the inode stays an orphan on disk, which the next mount after a
 * crash finishes freeing.
 */
static void atomfs_free_inode_space(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	handle_t *handle;
	int err = 0;

	/*
	 * A new inode that could not be linked has nothing to truncate; it is
	 * freed inside its creator's handle, where i_map_sem is not taken.
	 */
	if (S_ISREG(inode->i_mode) && ATOMFS_I(inode)->i_root) {
		unsigned int nofs = atomfs_map_lock(inode);

		err = atomfs_truncate_blocks(inode, 0);
		atomfs_map_unlock(inode, nofs);
	} else if (S_ISDIR(inode->i_mode) || S_ISLNK(inode->i_mode)) {
		/* An empty directory's tree: at most its root. */
		handle = atomfs_journal_start(sb, ATOMFS_TREE_CREDITS +
					      ATOMFS_INODE_CREDITS,
					      ATOMFS_TREE_REVOKES);
		if (IS_ERR(handle))
			return;
		if (S_ISDIR(inode->i_mode))
			err = atomfs_btree_destroy(inode, ATOMFS_BTREE_DIR,
						   NULL, NULL);
		else
			err = atomfs_symlink_free(inode);
		if (!err)
			err = atomfs_store_inode(inode, false);
		err = atomfs_journal_stop(handle, err);
	}
	if (err)
		return;	/* leave the orphan to the next mount and fsck */

	handle = atomfs_journal_start(sb, 2 * ATOMFS_INODE_CREDITS, 0);
	if (IS_ERR(handle))
		return;
	err = atomfs_store_inode(inode, true);
	if (!err)
		atomfs_free_ino(sb, inode->i_ino);
	atomfs_journal_stop(handle, 0);
}

/**
 * atomfs_evict_inode() - ->evict_inode: free the space of unlinked inodes
 * @inode:	the inode
 */
void atomfs_evict_inode(struct inode *inode)
{
	/* After a shutdown an unlinked inode stays an orphan on disk. */
	bool free = !inode->i_nlink && !is_bad_inode(inode) &&
		    !sb_rdonly(inode->i_sb) &&
		    !atomfs_forced_shutdown(inode->i_sb);

	truncate_inode_pages_final(&inode->i_data);
	/* Writeback has ended, but its completion work may still run. */
	if (S_ISREG(inode->i_mode)) {
		flush_work(&ATOMFS_I(inode)->i_ioend_work);
		atomfs_cow_drop_all(inode);
	}
	if (free)
		atomfs_free_inode_space(inode);
	else if (S_ISREG(inode->i_mode) && !is_bad_inode(inode))
		atomfs_trim_ahead(inode);
	if (S_ISREG(inode->i_mode))
		atomfs_extents_forget_ahead(inode);
	invalidate_inode_buffers(inode);
	clear_inode(inode);
}

/**
 * atomfs_has_open_orphans() - are unlinked inodes still in use?
 * @sb:		the filesystem, going read-only or frozen
 *
 * Their space is freed only when the last user closes them; until then
 * the superblock must not say clean, so that a crash in between leaves the
 * next mount to look for them.
 *
 * Return: true if some inode in memory has no link left.
 */
bool atomfs_has_open_orphans(struct super_block *sb)
{
	struct inode *inode;
	bool found = false;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!inode->i_nlink && !(inode->i_state & (I_NEW | I_FREEING))) {
			found = true;
			break;
		}
	}
	spin_unlock(&sb->s_inode_list_lock);
	return found;
}

/* Finish what a crash interrupted for orphan inode @ino. */
static int atomfs_orphan_finish(struct super_block *sb, u64 ino)
{
	struct inode *inode = atomfs_iget(sb, ino);
	int err = 0;

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	if (inode->i_nlink) {
		/* A truncate: drop what lies past the size it set. */
		unsigned int nofs = atomfs_map_lock(inode);

		if (S_ISREG(inode->i_mode))
			err = atomfs_truncate_blocks(inode, i_size_read(inode));
		atomfs_map_unlock(inode, nofs);
		if (!err && (ATOMFS_I(inode)->i_flags & ATOMFS_INODE_ORPHAN)) {
			ATOMFS_I(inode)->i_flags &= ~ATOMFS_INODE_ORPHAN;
			mark_inode_dirty(inode);
		}
	}
	/* The last reference of an unlinked inode frees it. */
	iput(inode);
	return err;
}

static bool atomfs_raw_orphan(struct super_block *sb, u64 ino)
{
	struct atomfs_inode *raw;
	struct buffer_head *bh;
	bool orphan;

	bh = atomfs_inode_buf(sb, ino, &raw);
	if (IS_ERR(bh))
		return false;
	orphan = le32_to_cpu(raw->i_magic) == ATOMFS_INODE_MAGIC &&
		 (le32_to_cpu(raw->i_flags) & ATOMFS_INODE_ORPHAN);
	brelse(bh);
	return orphan;
}

/**
 * atomfs_orphan_cleanup() - finish freeing what a crash left half freed
 * @sb:		the filesystem, mounted read-write after journal recovery
 *
 * Inodes unlinked while open, and truncates cut short, are flagged
 * ATOMFS_INODE_ORPHAN on disk until their space is released.  Only an
 * unclean mount looks for them, in the inode table slots the inode bitmap
 * marks in use.
 *
 * Return: the number of orphans finished, or a negative errno.
 */
int atomfs_orphan_cleanup(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int done = 0;
	u64 ino;
	int err;

	for (ino = ATOMFS_FIRST_INO; ino < sbi->inodes_count; ino++) {
		if (!(ino % ATOMFS_INODES_PER_BLOCK))
			cond_resched();
		ino = atomfs_next_used_ino(sb, ino);
		if (ino >= sbi->inodes_count)
			break;
		if (!atomfs_raw_orphan(sb, ino))
			continue;
		err = atomfs_orphan_finish(sb, ino);
		if (err)
			return err;
		atomfs_count(sbi, ATOMFS_CTR_ORPHANS_RELEASED, 1);
		done++;
	}
	return done;
}

/**
 * atomfs_setattr() - ->setattr: mode, owner, times and size
 * @idmap:	idmap of the mount
 * @dentry:	what to change
 * @attr:	the change
 *
 * Return: 0 or a negative errno.
 */
int atomfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
		   struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int err;

	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;

	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != inode->i_size) {
		if (!S_ISREG(inode->i_mode))
			return -EINVAL;
		err = atomfs_truncate(inode, attr->ia_size);
		if (err)
			return err;
	}
	setattr_copy(idmap, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

/**
 * atomfs_getattr() - ->getattr: adds the birth time to the generic fields
 *
 * st_blksize is the atomic unit for regular files: the size below which a
 * write means a read-modify-write of the unit.  STATX_WRITE_ATOMIC reports
 * that unit as the only atomic write size, when the mount accepts them.
 * @idmap:		idmap of the mount
 * @path:		what to describe
 * @stat:		filled in
 * @request_mask:	STATX_* fields wanted
 * @flags:		AT_* flags
 *
 * Return: 0.
 */
int atomfs_getattr(struct mnt_idmap *idmap, const struct path *path,
		   struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);

	if (request_mask & STATX_BTIME) {
		stat->result_mask |= STATX_BTIME;
		stat->btime = ai->i_crtime;
	}
	/* One atomic size per file: its unit. */
	if ((request_mask & STATX_WRITE_ATOMIC) && S_ISREG(inode->i_mode) &&
	    ATOMFS_SB(inode->i_sb)->atomic_enabled)
		generic_fill_statx_atomic_writes(stat, i_blocksize(inode),
						 i_blocksize(inode));
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}
