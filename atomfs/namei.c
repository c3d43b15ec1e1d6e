// SPDX-License-Identifier: GPL-2.0
/*
 * Directory inode operations: the namespace.
 */
#include <linux/fs.h>
#include "atomfs.h"

static struct dentry *atomfs_lookup(struct inode *dir, struct dentry *dentry,
				    unsigned int flags)
{
	struct inode *inode = NULL;
	unsigned int type;
	u64 ino;
	int err;

	if (dentry->d_name.len > ATOMFS_NAME_LEN)
		return ERR_PTR(-ENAMETOOLONG);
	err = atomfs_dir_lookup(dir, &dentry->d_name, &ino, &type);
	if (!err) {
		inode = atomfs_iget(dir->i_sb, ino);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
		/* readdir has told the entry's type: the inode must agree. */
		if (fs_umode_to_dtype(inode->i_mode) != type) {
			atomfs_error(dir->i_sb,
				     "directory %lu: entry '%pd' has type %u, but inode %lu has mode 0%o",
				     dir->i_ino, dentry, type, inode->i_ino,
				     inode->i_mode);
			iput(inode);
			return ERR_PTR(-EUCLEAN);
		}
		/*
		 * A directory has one name, in its parent: an entry that
		 * leads to a directory living elsewhere is a loop or a hard
		 * link to a directory, which the dcache must never see.
		 */
		if (S_ISDIR(inode->i_mode) &&
		    ATOMFS_I(inode)->i_parent != dir->i_ino) {
			atomfs_error(dir->i_sb,
				     "directory %lu: entry '%pd' leads to directory %lu whose parent is %llu",
				     dir->i_ino, dentry, inode->i_ino,
				     ATOMFS_I(inode)->i_parent);
			iput(inode);
			return ERR_PTR(-EUCLEAN);
		}
	} else if (err != -ENOENT) {
		return ERR_PTR(err);
	}
	return d_splice_alias(inode, dentry);
}

/*
 * Link a new inode into @dir under @dentry's name.  On failure the inode
 * loses its link and is discarded, which frees it.
 */
static int atomfs_add_new(struct inode *dir, struct dentry *dentry,
			  struct inode *inode)
{
	int err;

	err = atomfs_dir_add(dir, &dentry->d_name, inode->i_ino,
			     inode->i_mode);
	if (err) {
		clear_nlink(inode);
		discard_new_inode(inode);
		return err;
	}
	d_instantiate_new(dentry, inode);
	return 0;
}

static int __atomfs_mknod(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode, dev_t rdev)
{
	struct inode *inode;

	inode = atomfs_new_inode(idmap, dir, mode, rdev);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	return atomfs_add_new(dir, dentry, inode);
}

static int __atomfs_tmpfile(struct mnt_idmap *idmap, struct inode *dir,
			    struct file *file, umode_t mode)
{
	struct inode *inode;

	inode = atomfs_new_inode(idmap, dir, mode, 0);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	/* d_tmpfile() takes the one link away again. */
	d_tmpfile(file, inode);
	unlock_new_inode(inode);
	return finish_open_simple(file, 0);
}

static int __atomfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode)
{
	struct inode *inode;
	int err;

	inode = atomfs_new_inode(idmap, dir, mode | S_IFDIR, 0);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inc_nlink(dir);
	err = atomfs_add_new(dir, dentry, inode);
	if (err) {
		drop_nlink(dir);
		mark_inode_dirty(dir);
	}
	return err;
}

static int __atomfs_symlink(struct mnt_idmap *idmap, struct inode *dir,
			    struct dentry *dentry, const char *target)
{
	unsigned int len = strlen(target);
	struct inode *inode;
	int err;

	if (len > ATOMFS_SYMLINK_MAX)
		return -ENAMETOOLONG;
	inode = atomfs_new_inode(idmap, dir, S_IFLNK | 0777, 0);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	err = atomfs_symlink_store(inode, target, len);
	if (err) {
		clear_nlink(inode);
		discard_new_inode(inode);
		return err;
	}
	return atomfs_add_new(dir, dentry, inode);
}

static int __atomfs_link(struct dentry *old_dentry, struct inode *dir,
			 struct dentry *dentry)
{
	struct inode *inode = d_inode(old_dentry);
	int err;

	if (inode->i_nlink >= U32_MAX)
		return -EMLINK;
	err = atomfs_dir_add(dir, &dentry->d_name, inode->i_ino,
			     inode->i_mode);
	if (err)
		return err;
	inode_set_ctime_current(inode);
	inc_nlink(inode);
	mark_inode_dirty(inode);
	ihold(inode);
	d_instantiate(dentry, inode);
	return 0;
}

static int __atomfs_unlink(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);
	int err;

	err = atomfs_dir_remove(dir, &dentry->d_name);
	if (err)
		return err;
	inode_set_ctime_to_ts(inode, inode_get_ctime(dir));
	drop_nlink(inode);
	mark_inode_dirty(inode);
	return 0;
}

static int __atomfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);
	int err;

	if (!atomfs_dir_is_empty(inode))
		return -ENOTEMPTY;
	err = __atomfs_unlink(dir, dentry);
	if (err)
		return err;
	/* Stored unlinked, so an orphan until its eviction frees it. */
	clear_nlink(inode);
	mark_inode_dirty(inode);
	drop_nlink(dir);
	mark_inode_dirty(dir);
	return 0;
}

/* A directory moving to @new_dir gets a new parent and ".." link. */
static void atomfs_reparent(struct inode *inode, struct inode *old_dir,
			    struct inode *new_dir)
{
	ATOMFS_I(inode)->i_parent = new_dir->i_ino;
	mark_inode_dirty(inode);
	drop_nlink(old_dir);
	inc_nlink(new_dir);
	mark_inode_dirty(old_dir);
	mark_inode_dirty(new_dir);
}

static int atomfs_exchange(struct inode *old_dir, struct dentry *old_dentry,
			   struct inode *new_dir, struct dentry *new_dentry)
{
	struct inode *old_inode = d_inode(old_dentry);
	struct inode *new_inode = d_inode(new_dentry);
	int err;

	err = atomfs_dir_set(old_dir, &old_dentry->d_name, new_inode->i_ino,
			     new_inode->i_mode);
	if (err)
		return err;
	err = atomfs_dir_set(new_dir, &new_dentry->d_name, old_inode->i_ino,
			     old_inode->i_mode);
	if (err) {
		/* Put the first name back as it was. */
		atomfs_dir_set(old_dir, &old_dentry->d_name, old_inode->i_ino,
			       old_inode->i_mode);
		return err;
	}
	if (old_dir != new_dir) {
		if (S_ISDIR(old_inode->i_mode))
			atomfs_reparent(old_inode, old_dir, new_dir);
		if (S_ISDIR(new_inode->i_mode))
			atomfs_reparent(new_inode, new_dir, old_dir);
	}
	inode_set_ctime_current(old_inode);
	inode_set_ctime_current(new_inode);
	mark_inode_dirty(old_inode);
	mark_inode_dirty(new_inode);
	return 0;
}

static int __atomfs_rename(struct mnt_idmap *idmap, struct inode *old_dir,
			   struct dentry *old_dentry, struct inode *new_dir,
			   struct dentry *new_dentry, unsigned int flags)
{
	struct inode *old_inode = d_inode(old_dentry);
	struct inode *new_inode = d_inode(new_dentry);
	bool is_dir = S_ISDIR(old_inode->i_mode);
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return atomfs_exchange(old_dir, old_dentry, new_dir,
				       new_dentry);

	if (new_inode) {
		if (is_dir && !atomfs_dir_is_empty(new_inode))
			return -ENOTEMPTY;
		err = atomfs_dir_set(new_dir, &new_dentry->d_name,
				     old_inode->i_ino, old_inode->i_mode);
		if (err)
			return err;
		inode_set_ctime_current(new_inode);
		if (is_dir) {
			clear_nlink(new_inode);
			drop_nlink(new_dir);
		} else {
			drop_nlink(new_inode);
		}
		mark_inode_dirty(new_inode);
	} else {
		err = atomfs_dir_add(new_dir, &new_dentry->d_name,
				     old_inode->i_ino, old_inode->i_mode);
		if (err)
			return err;
	}

	err = atomfs_dir_remove(old_dir, &old_dentry->d_name);
	if (err) {
		/*
		 * The old name could be read a moment ago; failing to drop
		 * it now means metadata trouble that atomfs_error() reported.
		 * Both names stay: fsck will see the extra link.
		 */
		return err;
	}
	if (is_dir && old_dir != new_dir)
		atomfs_reparent(old_inode, old_dir, new_dir);
	inode_set_ctime_current(old_inode);
	mark_inode_dirty(old_inode);
	return 0;
}

/*
 * Journal credits of the namespace operations: each changes one directory
 * tree a bounded number of times and a few inodes.  A new inode that
 * cannot be linked is freed again in the same handle.
 */
#define ATOMFS_NEW_CREDITS	(ATOMFS_TREE_CREDITS + 4 * ATOMFS_INODE_CREDITS + 2)
#define ATOMFS_NEW_REVOKES	(ATOMFS_TREE_REVOKES + 1)
#define ATOMFS_LINK_CREDITS	(ATOMFS_TREE_CREDITS + 2 * ATOMFS_INODE_CREDITS)
#define ATOMFS_RENAME_CREDITS	(3 * ATOMFS_TREE_CREDITS + 4 * ATOMFS_INODE_CREDITS)
#define ATOMFS_RENAME_REVOKES	(3 * ATOMFS_TREE_REVOKES)

static int atomfs_mknod(struct mnt_idmap *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode, dev_t rdev)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_NEW_CREDITS,
				      ATOMFS_NEW_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_mknod(idmap, dir, dentry, mode, rdev);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_create(struct mnt_idmap *idmap, struct inode *dir,
			 struct dentry *dentry, umode_t mode, bool excl)
{
	return atomfs_mknod(idmap, dir, dentry, mode | S_IFREG, 0);
}

static int atomfs_tmpfile(struct mnt_idmap *idmap, struct inode *dir,
			  struct file *file, umode_t mode)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_NEW_CREDITS,
				      ATOMFS_NEW_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_tmpfile(idmap, dir, file, mode);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_NEW_CREDITS,
				      ATOMFS_NEW_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_mkdir(idmap, dir, dentry, mode);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_symlink(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, const char *target)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_NEW_CREDITS,
				      ATOMFS_NEW_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_symlink(idmap, dir, dentry, target);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_link(struct dentry *old_dentry, struct inode *dir,
		       struct dentry *dentry)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_LINK_CREDITS,
				      ATOMFS_TREE_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_link(old_dentry, dir, dentry);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_unlink(struct inode *dir, struct dentry *dentry)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_LINK_CREDITS,
				      ATOMFS_TREE_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_unlink(dir, dentry);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(dir->i_sb, ATOMFS_LINK_CREDITS,
				      ATOMFS_TREE_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_rmdir(dir, dentry);
	return atomfs_journal_stop(handle, err);
}

static int atomfs_rename(struct mnt_idmap *idmap, struct inode *old_dir,
			 struct dentry *old_dentry, struct inode *new_dir,
			 struct dentry *new_dentry, unsigned int flags)
{
	handle_t *handle;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	handle = atomfs_journal_start(old_dir->i_sb, ATOMFS_RENAME_CREDITS,
				      ATOMFS_RENAME_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_rename(idmap, old_dir, old_dentry, new_dir, new_dentry,
			      flags);
	return atomfs_journal_stop(handle, err);
}

const struct inode_operations atomfs_dir_inode_operations = {
	.lookup		= atomfs_lookup,
	.create		= atomfs_create,
	.tmpfile	= atomfs_tmpfile,
	.mknod		= atomfs_mknod,
	.mkdir		= atomfs_mkdir,
	.rmdir		= atomfs_rmdir,
	.symlink	= atomfs_symlink,
	.link		= atomfs_link,
	.unlink		= atomfs_unlink,
	.rename		= atomfs_rename,
	.setattr	= atomfs_setattr,
	.getattr	= atomfs_getattr,
};

const struct inode_operations atomfs_special_inode_operations = {
	.setattr	= atomfs_setattr,
	.getattr	= atomfs_getattr,
};

