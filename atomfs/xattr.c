// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes and POSIX ACLs: all of an inode's attributes in one
 * checksummed block (struct atomfs_xattr_header), as ext2 keeps them
 * without sharing.  Every change rebuilds the whole block in memory and
 * journals it with the block allocation and the inode in one handle.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/xattr.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/security.h>
#include "atomfs.h"

/* The attribute an operation is about */
struct atomfs_xattr_key {
	int		index;		/* ATOMFS_XATTR_INDEX_* */
	const char	*name;		/* without the prefix */
	size_t		len;
};

static struct atomfs_xattr_entry *atomfs_xe(void *blk, unsigned int off)
{
	return blk + off;
}

static unsigned int atomfs_xattr_count(const void *blk)
{
	return le16_to_cpu(((const struct atomfs_xattr_header *)blk)->xh_count);
}

/* The on-disk order: index, then name length, then name bytes. */
static int atomfs_xattr_cmp(const struct atomfs_xattr_key *k,
			    const struct atomfs_xattr_entry *xe)
{
	if (k->index != xe->xe_index)
		return k->index < xe->xe_index ? -1 : 1;
	if (k->len != xe->xe_name_len)
		return k->len < xe->xe_name_len ? -1 : 1;
	return memcmp(k->name, xe->xe_name, k->len);
}

static bool atomfs_xattr_acl_index(int index)
{
	return index == ATOMFS_XATTR_INDEX_POSIX_ACL_ACCESS ||
	       index == ATOMFS_XATTR_INDEX_POSIX_ACL_DEFAULT;
}

/*
 * Why the xattr block @blk, read from block @blkno for inode @owner, is
 * not valid, or NULL when it is.
 */
static const char *atomfs_xattr_invalid(void *blk, u64 blkno, u64 owner)
{
	struct atomfs_xattr_header *xh = blk;
	unsigned int count = atomfs_xattr_count(blk);
	unsigned int off = ATOMFS_XATTR_HDR_SIZE;
	unsigned int vend = ATOMFS_BLOCK_SIZE;
	struct atomfs_xattr_key prev = { .index = 0 };
	unsigned int i;

	if (le32_to_cpu(xh->xh_magic) != ATOMFS_XATTR_MAGIC)
		return "bad magic";
	if (atomfs_csum(blk, ATOMFS_BLOCK_SIZE, 4) !=
	    le32_to_cpu(xh->xh_checksum))
		return "bad checksum";
	if (le64_to_cpu(xh->xh_blkno) != blkno)
		return "records another block number";
	if (le64_to_cpu(xh->xh_owner) != owner)
		return "owned by another inode";
	if (!count)
		return "no entry";
	for (i = 0; i < count; i++) {
		struct atomfs_xattr_entry *xe;
		u32 size;

		if (off + sizeof(*xe) > vend)
			return "entries run into the values";
		xe = atomfs_xe(blk, off);
		if (off + ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len) > vend)
			return "entries run into the values";
		if (!xe->xe_index || xe->xe_index > ATOMFS_XATTR_INDEX_MAX ||
		    atomfs_xattr_acl_index(xe->xe_index) != !xe->xe_name_len ||
		    memchr(xe->xe_name, 0, xe->xe_name_len))
			return "bad name";
		if (i && atomfs_xattr_cmp(&prev, xe) >= 0)
			return "entries out of order";
		size = le32_to_cpu(xe->xe_value_size);
		if (size > vend - off - ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len))
			return "value out of the block";
		vend -= ATOMFS_XATTR_VALUE_SIZE(size);
		if (le16_to_cpu(xe->xe_value_offs) != vend)
			return "value misplaced";
		prev.index = xe->xe_index;
		prev.name = xe->xe_name;
		prev.len = xe->xe_name_len;
		off += ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len);
	}
	return NULL;
}

/*
 * Read and check the inode's xattr block; i_xattr_sem held.  A block is
 * checked once per read from disk, as tree nodes are.
 */
static struct buffer_head *atomfs_xattr_read(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	u64 blkno = ATOMFS_I(inode)->i_xattr;
	struct buffer_head *bh;
	const char *why;
	int err;

	bh = sb_getblk(sb, blkno);
	if (!bh)
		return ERR_PTR(-ENOMEM);
	if (!buffer_uptodate(bh)) {
		clear_buffer_atomfs_verified(bh);
		if (bh_read(bh, 0) < 0) {
			brelse(bh);
			atomfs_error(sb, "inode %lu: xattr block %llu: read error",
				     inode->i_ino, blkno);
			return ERR_PTR(-EIO);
		}
	}
	if (buffer_atomfs_verified(bh))
		return bh;
	why = atomfs_xattr_invalid(bh->b_data, blkno, inode->i_ino);
	if (!why) {
		err = atomfs_block_in_use(sb, blkno);
		if (err < 0) {
			brelse(bh);
			return ERR_PTR(err);
		}
		if (!err)
			why = "marked free in the block bitmap";
	}
	if (why) {
		atomfs_error(sb, "inode %lu: xattr block %llu: %s",
			     inode->i_ino, blkno, why);
		brelse(bh);
		return ERR_PTR(-EUCLEAN);
	}
	set_buffer_atomfs_verified(bh);
	return bh;
}

/* The entry for @k in a checked block, or NULL. */
static struct atomfs_xattr_entry *
atomfs_xattr_find(void *blk, const struct atomfs_xattr_key *k)
{
	unsigned int count = atomfs_xattr_count(blk);
	unsigned int off = ATOMFS_XATTR_HDR_SIZE;
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct atomfs_xattr_entry *xe = atomfs_xe(blk, off);
		int c = atomfs_xattr_cmp(k, xe);

		if (!c)
			return xe;
		if (c < 0)
			break;
		off += ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len);
	}
	return NULL;
}

/*
 * Copy the value of attribute @k into @buf (@size bytes; size 0 asks for
 * the length only), or into a new buffer at *@alloc when @alloc is set.
 * Returns the value's length or a negative errno.
 */
static int atomfs_xattr_get(struct inode *inode,
			    const struct atomfs_xattr_key *k, void *buf,
			    size_t size, void **alloc)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_xattr_entry *xe;
	struct buffer_head *bh;
	int ret = -ENODATA;
	u32 len;

	if (k->len > ATOMFS_XATTR_NAME_MAX)
		return -ERANGE;
	down_read(&ai->i_xattr_sem);
	if (!ai->i_xattr)
		goto out;
	bh = atomfs_xattr_read(inode);
	if (IS_ERR(bh)) {
		ret = PTR_ERR(bh);
		goto out;
	}
	xe = atomfs_xattr_find(bh->b_data, k);
	if (xe) {
		len = le32_to_cpu(xe->xe_value_size);
		ret = len;
		if (alloc) {
			*alloc = kmemdup(bh->b_data +
					 le16_to_cpu(xe->xe_value_offs), len,
					 GFP_KERNEL);
			if (!*alloc)
				ret = -ENOMEM;
		} else if (size) {
			if (len > size)
				ret = -ERANGE;
			else
				memcpy(buf, bh->b_data +
				       le16_to_cpu(xe->xe_value_offs), len);
		}
	}
	brelse(bh);
out:
	up_read(&ai->i_xattr_sem);
	return ret;
}

/* Append an entry to the block being built; -ENOSPC when it is full. */
static int atomfs_xattr_put(void *blk, unsigned int *off, unsigned int *vend,
			    const struct atomfs_xattr_key *k,
			    const void *value, u32 size)
{
	struct atomfs_xattr_entry *xe;
	unsigned int es = ATOMFS_XATTR_ENTRY_SIZE(k->len);

	if (size > ATOMFS_BLOCK_SIZE ||
	    *off + es + ATOMFS_XATTR_VALUE_SIZE(size) > *vend)
		return -ENOSPC;
	xe = atomfs_xe(blk, *off);
	xe->xe_index = k->index;
	xe->xe_name_len = k->len;
	memcpy(xe->xe_name, k->name, k->len);
	*vend -= ATOMFS_XATTR_VALUE_SIZE(size);
	xe->xe_value_offs = cpu_to_le16(*vend);
	xe->xe_value_size = cpu_to_le32(size);
	memcpy(blk + *vend, value, size);
	*off += es;
	return 0;
}

/*
 * Build in @new (zeroed) the attributes of the checked block @old (NULL:
 * none) with @k set to @value, or removed when @value is NULL.  Returns
 * the number of entries of @new, or -ENOSPC.
 */
static int atomfs_xattr_build(void *old, void *new,
			      const struct atomfs_xattr_key *k,
			      const void *value, size_t size)
{
	unsigned int count = old ? atomfs_xattr_count(old) : 0;
	unsigned int off = ATOMFS_XATTR_HDR_SIZE, vend = ATOMFS_BLOCK_SIZE;
	unsigned int ooff = ATOMFS_XATTR_HDR_SIZE;
	bool placed = !value;
	unsigned int i, n = 0;
	int err;

	for (i = 0; i <= count; i++) {
		struct atomfs_xattr_entry *xe = NULL;
		struct atomfs_xattr_key ok;
		int c = -1;

		if (i < count) {
			xe = atomfs_xe(old, ooff);
			ooff += ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len);
			c = atomfs_xattr_cmp(k, xe);
		}
		if (!placed && c <= 0) {
			err = atomfs_xattr_put(new, &off, &vend, k, value, size);
			if (err)
				return err;
			placed = true;
			n++;
		}
		if (!xe || !c)
			continue;
		ok.index = xe->xe_index;
		ok.name = xe->xe_name;
		ok.len = xe->xe_name_len;
		err = atomfs_xattr_put(new, &off, &vend, &ok,
				       old + le16_to_cpu(xe->xe_value_offs),
				       le32_to_cpu(xe->xe_value_size));
		if (err)
			return err;
		n++;
	}
	return n;
}

/* Store the block built in @new (@count entries) as the inode's. */
static int atomfs_xattr_store(struct inode *inode, struct buffer_head *old,
			      void *new, unsigned int count)
{
	struct super_block *sb = inode->i_sb;
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct atomfs_xattr_header *xh = new;
	struct buffer_head *bh = old;
	u64 blkno = ai->i_xattr;
	int err;

	if (!count) {
		/* The last attribute went: so does the block. */
		err = atomfs_free_meta(inode, blkno);
		if (!err)
			ai->i_xattr = 0;
		return err;
	}
	if (!bh) {
		/* Tree nodes that writeback will need keep their reserve. */
		if (!atomfs_data_avail(ATOMFS_SB(sb)))
			return -ENOSPC;
		err = atomfs_alloc_meta(inode, ATOMFS_I(inode)->i_root, &blkno);
		if (err)
			return err;
		if (blkno >= ATOMFS_XATTR_BLOCK_LIMIT) {
			atomfs_free_meta(inode, blkno);
			return -ENOSPC;
		}
		bh = sb_getblk(sb, blkno);
		if (!bh) {
			atomfs_free_meta(inode, blkno);
			return -ENOMEM;
		}
		lock_buffer(bh);
		err = atomfs_journal_create(sb, bh);
	} else {
		get_bh(bh);
		err = atomfs_journal_access(sb, bh);
		lock_buffer(bh);
	}
	if (err) {
		unlock_buffer(bh);
		brelse(bh);
		if (!old)
			atomfs_free_meta(inode, blkno);
		return err;
	}
	xh->xh_magic = cpu_to_le32(ATOMFS_XATTR_MAGIC);
	xh->xh_blkno = cpu_to_le64(blkno);
	xh->xh_owner = cpu_to_le64(inode->i_ino);
	xh->xh_count = cpu_to_le16(count);
	xh->xh_checksum = cpu_to_le32(atomfs_csum(new, ATOMFS_BLOCK_SIZE, 4));
	memcpy(bh->b_data, new, ATOMFS_BLOCK_SIZE);
	set_buffer_uptodate(bh);
	set_buffer_atomfs_verified(bh);
	unlock_buffer(bh);
	err = atomfs_journal_dirty(sb, bh);
	brelse(bh);
	if (!err)
		ai->i_xattr = blkno;
	return err;
}

/*
 * Set attribute @k to @value (@size bytes), or remove it when @value is
 * NULL, in the running handle (ATOMFS_XATTR_CREDITS); @flags are
 * XATTR_CREATE and XATTR_REPLACE.  The inode's ctime changes with it.
 */
static int atomfs_xattr_set(struct inode *inode,
			    const struct atomfs_xattr_key *k,
			    const void *value, size_t size, int flags)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct buffer_head *bh = NULL;
	bool exists = false;
	void *new;
	int ret;

	if (k->len > ATOMFS_XATTR_NAME_MAX)
		return -ERANGE;
	if (value && size > ATOMFS_BLOCK_SIZE - ATOMFS_XATTR_HDR_SIZE -
			    ATOMFS_XATTR_ENTRY_SIZE(k->len))
		return -E2BIG;
	new = kzalloc(ATOMFS_BLOCK_SIZE, GFP_NOFS);
	if (!new)
		return -ENOMEM;
	down_write(&ai->i_xattr_sem);
	if (ai->i_xattr) {
		bh = atomfs_xattr_read(inode);
		if (IS_ERR(bh)) {
			ret = PTR_ERR(bh);
			bh = NULL;
			goto out;
		}
		exists = atomfs_xattr_find(bh->b_data, k);
	}
	ret = -EEXIST;
	if (exists && (flags & XATTR_CREATE))
		goto out;
	ret = -ENODATA;
	if (!exists && ((flags & XATTR_REPLACE) || !value))
		goto out;
	ret = atomfs_xattr_build(bh ? bh->b_data : NULL, new, k, value, size);
	if (ret < 0)
		goto out;
	ret = atomfs_xattr_store(inode, bh, new, ret);
	if (ret)
		goto out;
	inode_set_ctime_current(inode);
	mark_inode_dirty(inode);
out:
	up_write(&ai->i_xattr_sem);
	brelse(bh);
	kfree(new);
	return ret;
}

/* atomfs_xattr_set() in a handle of its own */
static int atomfs_xattr_set_handle(struct inode *inode,
				   const struct atomfs_xattr_key *k,
				   const void *value, size_t size, int flags)
{
	handle_t *handle;
	int err;

	handle = atomfs_journal_start(inode->i_sb, ATOMFS_XATTR_CREDITS,
				      ATOMFS_XATTR_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = atomfs_xattr_set(inode, k, value, size, flags);
	return atomfs_journal_stop(handle, err);
}

/**
 * atomfs_xattr_free() - free the xattr block of an inode being freed
 * @inode:	the inode, unlinked and unused
 *
 * In the running handle, with ATOMFS_XATTR_CREDITS and one revoke.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_xattr_free(struct inode *inode)
{
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct buffer_head *bh;
	int err;

	if (!ai->i_xattr)
		return 0;
	/* A block number gone bad must not free another owner's block. */
	bh = atomfs_xattr_read(inode);
	if (IS_ERR(bh))
		return PTR_ERR(bh);
	brelse(bh);
	err = atomfs_free_meta(inode, ai->i_xattr);
	if (!err)
		ai->i_xattr = 0;
	return err;
}

static int atomfs_xattr_handler_get(const struct xattr_handler *handler,
				    struct dentry *unused, struct inode *inode,
				    const char *name, void *buffer, size_t size)
{
	struct atomfs_xattr_key k = {
		.index = handler->flags, .name = name, .len = strlen(name),
	};

	return atomfs_xattr_get(inode, &k, buffer, size, NULL);
}

static int atomfs_xattr_handler_set(const struct xattr_handler *handler,
				    struct mnt_idmap *idmap,
				    struct dentry *unused, struct inode *inode,
				    const char *name, const void *value,
				    size_t size, int flags)
{
	struct atomfs_xattr_key k = {
		.index = handler->flags, .name = name, .len = strlen(name),
	};

	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
	return atomfs_xattr_set_handle(inode, &k, value, size, flags);
}

static bool atomfs_xattr_trusted_list(struct dentry *dentry)
{
	return capable(CAP_SYS_ADMIN);
}

static const struct xattr_handler atomfs_xattr_user_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.flags	= ATOMFS_XATTR_INDEX_USER,
	.get	= atomfs_xattr_handler_get,
	.set	= atomfs_xattr_handler_set,
};

static const struct xattr_handler atomfs_xattr_trusted_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.flags	= ATOMFS_XATTR_INDEX_TRUSTED,
	.list	= atomfs_xattr_trusted_list,
	.get	= atomfs_xattr_handler_get,
	.set	= atomfs_xattr_handler_set,
};

static const struct xattr_handler atomfs_xattr_security_handler = {
	.prefix	= XATTR_SECURITY_PREFIX,
	.flags	= ATOMFS_XATTR_INDEX_SECURITY,
	.get	= atomfs_xattr_handler_get,
	.set	= atomfs_xattr_handler_set,
};

/* The ACLs go through ->get_inode_acl and ->set_acl, not these. */
const struct xattr_handler * const atomfs_xattr_handlers[] = {
	&atomfs_xattr_user_handler,
	&atomfs_xattr_trusted_handler,
	&atomfs_xattr_security_handler,
	NULL
};

/* Which handler lists the names of each index */
static const struct xattr_handler * const atomfs_xattr_list_map[] = {
	[ATOMFS_XATTR_INDEX_USER]		= &atomfs_xattr_user_handler,
	[ATOMFS_XATTR_INDEX_POSIX_ACL_ACCESS]	= &nop_posix_acl_access,
	[ATOMFS_XATTR_INDEX_POSIX_ACL_DEFAULT]	= &nop_posix_acl_default,
	[ATOMFS_XATTR_INDEX_TRUSTED]		= &atomfs_xattr_trusted_handler,
	[ATOMFS_XATTR_INDEX_SECURITY]		= &atomfs_xattr_security_handler,
};

/**
 * atomfs_listxattr() - ->listxattr: the names the caller may see
 * @dentry:	the inode's dentry
 * @buf:	filled with NUL-terminated names, or NULL to ask the size
 * @size:	size of @buf
 *
 * Without the xattr feature, only the security module's names, as the
 * VFS lists them for a filesystem without ->listxattr.
 *
 * Return: the bytes the names take, or a negative errno (-ERANGE when
 * they do not fit @buf).
 */
ssize_t atomfs_listxattr(struct dentry *dentry, char *buf, size_t size)
{
	struct inode *inode = d_inode(dentry);
	struct atomfs_inode_info *ai = ATOMFS_I(inode);
	struct buffer_head *bh;
	unsigned int off = ATOMFS_XATTR_HDR_SIZE;
	unsigned int count, i;
	ssize_t ret = 0;

	if (!atomfs_has_xattr(inode->i_sb)) {
		ret = security_inode_listsecurity(inode, buf, size);
		return size && ret > size ? -ERANGE : ret;
	}
	down_read(&ai->i_xattr_sem);
	if (!ai->i_xattr)
		goto out;
	bh = atomfs_xattr_read(inode);
	if (IS_ERR(bh)) {
		ret = PTR_ERR(bh);
		goto out;
	}
	count = atomfs_xattr_count(bh->b_data);
	for (i = 0; i < count; i++) {
		struct atomfs_xattr_entry *xe = atomfs_xe(bh->b_data, off);
		const struct xattr_handler *h = atomfs_xattr_list_map[xe->xe_index];
		const char *prefix;
		size_t plen, len;

		off += ATOMFS_XATTR_ENTRY_SIZE(xe->xe_name_len);
		if (!xattr_handler_can_list(h, dentry))
			continue;
		prefix = xattr_prefix(h);
		plen = strlen(prefix);
		len = plen + xe->xe_name_len + 1;
		if (buf) {
			if (ret + len > size) {
				ret = -ERANGE;
				break;
			}
			memcpy(buf + ret, prefix, plen);
			memcpy(buf + ret + plen, xe->xe_name, xe->xe_name_len);
			buf[ret + len - 1] = '\0';
		}
		ret += len;
	}
	brelse(bh);
out:
	up_read(&ai->i_xattr_sem);
	return ret;
}

static int atomfs_acl_index(int type)
{
	return type == ACL_TYPE_ACCESS ? ATOMFS_XATTR_INDEX_POSIX_ACL_ACCESS :
					 ATOMFS_XATTR_INDEX_POSIX_ACL_DEFAULT;
}

/**
 * atomfs_get_acl() - ->get_inode_acl: read an ACL from the xattr block
 * @inode:	the inode
 * @type:	ACL_TYPE_ACCESS or ACL_TYPE_DEFAULT
 * @rcu:	in RCU walk: the block cannot be read then
 *
 * Return: the ACL, NULL for none, or an ERR_PTR().
 */
struct posix_acl *atomfs_get_acl(struct inode *inode, int type, bool rcu)
{
	struct atomfs_xattr_key k = { .index = atomfs_acl_index(type),
				      .name = "" };
	struct posix_acl *acl;
	void *value = NULL;
	int ret;

	if (rcu)
		return ERR_PTR(-ECHILD);
	ret = atomfs_xattr_get(inode, &k, NULL, 0, &value);
	if (ret == -ENODATA)
		return NULL;
	if (ret < 0)
		return ERR_PTR(ret);
	acl = posix_acl_from_xattr(&init_user_ns, value, ret);
	kfree(value);
	if (IS_ERR(acl)) {
		atomfs_error(inode->i_sb, "inode %lu: bad %s ACL: %ld",
			     inode->i_ino,
			     type == ACL_TYPE_ACCESS ? "access" : "default",
			     PTR_ERR(acl));
		return ERR_PTR(-EUCLEAN);
	}
	return acl;
}

/* Store @acl (NULL: none) in the running handle. */
static int __atomfs_set_acl(struct inode *inode, struct posix_acl *acl,
			    int type)
{
	struct atomfs_xattr_key k = { .index = atomfs_acl_index(type),
				      .name = "" };
	void *value = NULL;
	size_t size = 0;
	int err;

	if (type == ACL_TYPE_DEFAULT && !S_ISDIR(inode->i_mode))
		return acl ? -EACCES : 0;
	if (acl) {
		size = posix_acl_xattr_size(acl->a_count);
		value = kmalloc(size, GFP_NOFS);
		if (!value)
			return -ENOMEM;
		err = posix_acl_to_xattr(&init_user_ns, acl, value, size);
		if (err < 0)
			goto out;
	}
	err = atomfs_xattr_set(inode, &k, value, size, 0);
	/* Removing an ACL that is not there is no error. */
	if (err == -ENODATA && !acl)
		err = 0;
	if (!err)
		set_cached_acl(inode, type, acl);
out:
	kfree(value);
	return err;
}

/**
 * atomfs_set_acl() - ->set_acl: store an ACL, and the mode it implies
 * @idmap:	idmap of the mount
 * @dentry:	the inode's dentry
 * @acl:	the ACL, NULL to remove it
 * @type:	ACL_TYPE_ACCESS or ACL_TYPE_DEFAULT
 *
 * The ACL and the mode change in one handle.
 *
 * Return: 0 or a negative errno.
 */
int atomfs_set_acl(struct mnt_idmap *idmap, struct dentry *dentry,
		   struct posix_acl *acl, int type)
{
	struct inode *inode = d_inode(dentry);
	umode_t mode = inode->i_mode;
	bool update_mode = false;
	handle_t *handle;
	int err;

	if (atomfs_forced_shutdown(inode->i_sb))
		return -EIO;
	if (type == ACL_TYPE_ACCESS && acl) {
		err = posix_acl_update_mode(idmap, inode, &mode, &acl);
		if (err)
			return err;
		update_mode = true;
	}
	handle = atomfs_journal_start(inode->i_sb, ATOMFS_XATTR_CREDITS,
				      ATOMFS_XATTR_REVOKES);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	err = __atomfs_set_acl(inode, acl, type);
	if (!err && update_mode) {
		inode->i_mode = mode;
		inode_set_ctime_current(inode);
		mark_inode_dirty(inode);
	}
	return atomfs_journal_stop(handle, err);
}

static int atomfs_initxattrs(struct inode *inode,
			     const struct xattr *xattr_array, void *fs_info)
{
	const struct xattr *xattr;
	int err = 0;

	for (xattr = xattr_array; xattr->name; xattr++) {
		struct atomfs_xattr_key k = {
			.index = ATOMFS_XATTR_INDEX_SECURITY,
			.name = xattr->name, .len = strlen(xattr->name),
		};

		err = atomfs_xattr_set(inode, &k, xattr->value,
				       xattr->value_len, 0);
		if (err)
			break;
	}
	return err;
}

/**
 * atomfs_xattr_init_new() - the ACLs and security label of a new inode
 * @inode:	the new inode, not yet linked
 * @dir:	its directory
 * @qstr:	its name, NULL for an O_TMPFILE
 *
 * In the creator's handle, which has room for it (ATOMFS_NEW_CREDITS).
 * posix_acl_create() applies the umask where the directory has no
 * default ACL (the VFS leaves it to the filesystem on SB_POSIXACL).
 *
 * Return: 0 or a negative errno.
 */
int atomfs_xattr_init_new(struct inode *inode, struct inode *dir,
			  const struct qstr *qstr)
{
	struct posix_acl *default_acl, *acl;
	int err;

	if (!atomfs_has_xattr(inode->i_sb))
		return 0;
	err = posix_acl_create(dir, &inode->i_mode, &default_acl, &acl);
	if (err)
		return err;
	if (default_acl) {
		err = __atomfs_set_acl(inode, default_acl, ACL_TYPE_DEFAULT);
		posix_acl_release(default_acl);
	} else {
		inode->i_default_acl = NULL;
	}
	if (acl) {
		if (!err)
			err = __atomfs_set_acl(inode, acl, ACL_TYPE_ACCESS);
		posix_acl_release(acl);
	} else {
		inode->i_acl = NULL;
	}
	if (err)
		return err;
	return security_inode_init_security(inode, dir, qstr,
					    atomfs_initxattrs, NULL);
}
