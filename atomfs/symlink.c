// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolic links: short targets live in the inode, longer ones in a
 * checksummed block of their own.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include "atomfs.h"

/**
 * atomfs_symlink_store() - record the target of a new symlink
 * @inode:	the new symlink inode
 * @target:	the target
 * @len:	its length, at most ATOMFS_SYMLINK_MAX
 *
 * Return: 0 or a negative errno.
 */
int atomfs_symlink_store(struct inode *inode, const char *target,
			 unsigned int len)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_symlink_block *sl;
	struct buffer_head *bh;
	u64 blkno;
	int err;

	i_size_write(inode, len);
	if (len <= ATOMFS_INLINE_SIZE) {
		memcpy(ai->i_inline, target, len);
		ai->i_inline[len] = '\0';
		ai->i_flags |= ATOMFS_INODE_INLINE_SYMLINK;
		inode->i_link = ai->i_inline;
		mark_inode_dirty(inode);
		return 0;
	}

	err = atomfs_alloc_meta(inode, 0, &blkno);
	if (err)
		return err;
	bh = sb_getblk(inode->i_sb, blkno);
	if (!bh) {
		atomfs_free_meta(inode, blkno);
		return -ENOMEM;
	}
	lock_buffer(bh);
	err = atomfs_journal_create(inode->i_sb, bh);
	if (err) {
		unlock_buffer(bh);
		brelse(bh);
		atomfs_free_meta(inode, blkno);
		return err;
	}
	memset(bh->b_data, 0, ATOMFS_BLOCK_SIZE);
	sl = (struct atomfs_symlink_block *)bh->b_data;
	sl->sl_magic = cpu_to_le32(ATOMFS_SYMLINK_MAGIC);
	sl->sl_blkno = cpu_to_le64(blkno);
	sl->sl_owner = cpu_to_le64(inode->i_ino);
	sl->sl_len = cpu_to_le32(len);
	memcpy(sl->sl_target, target, len);
	sl->sl_checksum = cpu_to_le32(atomfs_csum(bh->b_data,
						  ATOMFS_BLOCK_SIZE, 4));
	set_buffer_uptodate(bh);
	set_buffer_atomfs_verified(bh);
	unlock_buffer(bh);
	err = atomfs_journal_dirty(inode->i_sb, bh);
	brelse(bh);
	if (err)
		return err;
	ai->i_root = blkno;
	mark_inode_dirty(inode);
	return 0;
}

/**
 * atomfs_symlink_free() - release the target block of a symlink
 * @inode:	the symlink, being freed
 *
 * Return: 0 or a negative errno.
 */
int atomfs_symlink_free(struct inode *inode)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	int err;

	if (ai->i_flags & ATOMFS_INODE_INLINE_SYMLINK || !ai->i_root)
		return 0;
	err = atomfs_free_meta(inode, ai->i_root);
	if (!err)
		ai->i_root = 0;
	return err;
}

static const char *atomfs_get_link(struct dentry *dentry, struct inode *inode,
				   struct delayed_call *done)
{
	struct atomfs_symlink_block *sl;
	struct buffer_head *bh;
	u64 blkno = ATOMFS_I(inode)->i_root;
	loff_t len = i_size_read(inode);
	char *link;

	if (!dentry)
		return ERR_PTR(-ECHILD);

	bh = sb_bread(inode->i_sb, blkno);
	if (!bh) {
		atomfs_error(inode->i_sb, "symlink %lu: cannot read block %llu",
			     inode->i_ino, blkno);
		return ERR_PTR(-EIO);
	}
	sl = (struct atomfs_symlink_block *)bh->b_data;
	if (le32_to_cpu(sl->sl_magic) != ATOMFS_SYMLINK_MAGIC ||
	    le64_to_cpu(sl->sl_blkno) != blkno ||
	    le64_to_cpu(sl->sl_owner) != inode->i_ino ||
	    le32_to_cpu(sl->sl_len) != len ||
	    atomfs_csum(bh->b_data, ATOMFS_BLOCK_SIZE, 4) !=
	    le32_to_cpu(sl->sl_checksum)) {
		atomfs_error(inode->i_sb, "symlink %lu: bad block %llu",
			     inode->i_ino, blkno);
		brelse(bh);
		return ERR_PTR(-EUCLEAN);
	}
	link = kmemdup_nul(sl->sl_target, len, GFP_KERNEL);
	brelse(bh);
	if (!link)
		return ERR_PTR(-ENOMEM);
	set_delayed_call(done, kfree_link, link);
	return link;
}

static const char *atomfs_get_inline_link(struct dentry *dentry,
					  struct inode *inode,
					  struct delayed_call *done)
{
	return ATOMFS_I(inode)->i_inline;
}

static const char *atomfs_symlink_get_link(struct dentry *dentry,
					   struct inode *inode,
					   struct delayed_call *done)
{
	if (ATOMFS_I(inode)->i_flags & ATOMFS_INODE_INLINE_SYMLINK)
		return atomfs_get_inline_link(dentry, inode, done);
	return atomfs_get_link(dentry, inode, done);
}

const struct inode_operations atomfs_symlink_inode_operations = {
	.get_link	= atomfs_symlink_get_link,
	.setattr	= atomfs_setattr,
	.getattr	= atomfs_getattr,
};
