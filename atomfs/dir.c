// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: a B+tree of names keyed by a keyed hash of the name, so that
 * lookup, insertion and removal stay logarithmic in the number of entries.
 * The key doubles as the readdir cookie, which therefore stays valid across
 * insertions and removals of other names.
 */
#include <linux/fs.h>
#include <linux/iversion.h>
#include <linux/unaligned.h>
#include "atomfs.h"

/* readdir position past the last possible key */
#define ATOMFS_DIR_EOF		BIT_ULL(62)

/* Largest value of a directory item */
#define ATOMFS_DIRENT_MAX	(sizeof(struct atomfs_dirent) + ATOMFS_NAME_LEN)

/*
 * What the actors stop on when an item is not a valid entry.  Not
 * -EUCLEAN, which the tree code returns after reporting a bad node itself:
 * only a bad entry is still to be reported.
 */
#define ATOMFS_DIRENT_BAD	3

static u64 atomfs_name_key(struct inode *dir, const struct qstr *name)
{
	u64 h = siphash(name->name, name->len, &ATOMFS_SB(dir->i_sb)->hash_key);

	return ATOMFS_DIR_KEY(ATOMFS_DIR_HASH(h), 0);
}

struct atomfs_dir_find {
	const struct qstr	*name;
	u64			last_key;	/* end of the hash's key range */
	u64			used_seqs[2];	/* seqs seen, for insertion */
	u64			key;		/* out: key of the name */
	u64			ino;		/* out: its inode */
	unsigned int		type;		/* out: its d_type */
};

static int atomfs_dir_find_actor(void *ctx, u64 key, const void *val,
				 unsigned int len)
{
	struct atomfs_dir_find *f = ctx;
	const struct atomfs_dirent *de = val;
	unsigned int seq;

	if (key > f->last_key)
		return 1;
	seq = key & ATOMFS_DIR_SEQ_MAX;
	f->used_seqs[seq / 64] |= 1ULL << (seq % 64);
	if (len < sizeof(*de) || len != sizeof(*de) + de->d_namelen)
		return ATOMFS_DIRENT_BAD;
	if (de->d_namelen == f->name->len &&
	    !memcmp(de->d_name, f->name->name, f->name->len)) {
		f->key = key;
		f->ino = get_unaligned_le64(de->d_ino);
		f->type = de->d_type;
		return 2;
	}
	return 0;
}

/*
 * Look @name up among the names sharing its hash.  Returns 2 when found
 * (filling @f), 0 or 1 when absent, or a negative errno.
 */
static int atomfs_dir_find(struct inode *dir, const struct qstr *name,
			   struct atomfs_dir_find *f)
{
	u64 first = atomfs_name_key(dir, name);
	int ret;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->last_key = first | ATOMFS_DIR_SEQ_MAX;
	if (!ATOMFS_I(dir)->i_root)
		return 0;
	ret = atomfs_btree_iterate(dir, ATOMFS_BTREE_DIR, first,
				   atomfs_dir_find_actor, f);
	if (ret == ATOMFS_DIRENT_BAD) {
		atomfs_error(dir->i_sb, "directory %lu: malformed entry",
			     dir->i_ino);
		return -EUCLEAN;
	}
	return ret;
}

/**
 * atomfs_dirent_invalid() - what breaks the format in a directory entry
 * @val:	a directory leaf's item value
 * @len:	its size
 *
 * A name is what a path component can be: 1 to ATOMFS_NAME_LEN bytes,
 * neither '/' nor NUL among them, and not "." or "..", which readdir emits
 * itself.  The file type is one an inode can have.
 *
 * Return: NULL for a valid entry, else why it is not.
 */
const char *atomfs_dirent_invalid(const void *val, unsigned int len)
{
	const struct atomfs_dirent *de = val;

	if (len < sizeof(*de) || len != sizeof(*de) + de->d_namelen)
		return "name length does not match the entry's";
	if (!de->d_namelen)
		return "empty name";
	if (memchr(de->d_name, '/', de->d_namelen))
		return "name holds '/'";
	if (memchr(de->d_name, '\0', de->d_namelen))
		return "name holds a NUL byte";
	if (de->d_name[0] == '.' &&
	    (de->d_namelen == 1 ||
	     (de->d_namelen == 2 && de->d_name[1] == '.')))
		return "name is '.' or '..'";
	switch (de->d_type) {
	case DT_REG:
	case DT_DIR:
	case DT_LNK:
	case DT_CHR:
	case DT_BLK:
	case DT_FIFO:
	case DT_SOCK:
		return NULL;
	}
	return "unknown file type";
}

/**
 * atomfs_dir_lookup() - find a name in a directory
 * @dir:	the directory
 * @name:	the name
 * @ino:	its inode number, when found
 * @type:	the file type the entry gives it (DT_*), when found
 *
 * Return: 0 when found, -ENOENT when not, or another negative errno.
 */
int atomfs_dir_lookup(struct inode *dir, const struct qstr *name, u64 *ino,
		      unsigned int *type)
{
	struct atomfs_dir_find f;
	int ret;

	ret = atomfs_dir_find(dir, name, &f);
	if (ret < 0)
		return ret;
	if (ret != 2)
		return -ENOENT;
	*ino = f.ino;
	*type = f.type;
	return 0;
}

static void atomfs_dir_changed(struct inode *dir)
{
	/* A directory's size is the space its name tree takes. */
	i_size_write(dir, (loff_t)dir->i_blocks << 9);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	inode_inc_iversion(dir);
	mark_inode_dirty(dir);
}

/**
 * atomfs_dir_add() - add a name to a directory
 * @dir:	the directory
 * @name:	the name, not already present
 * @ino:	the inode it names
 * @mode:	that inode's mode, for d_type
 *
 * Return: 0, -EEXIST, -ENOSPC, or another negative errno.
 */
int atomfs_dir_add(struct inode *dir, const struct qstr *name, u64 ino,
		   umode_t mode)
{
	u8 buf[ATOMFS_DIRENT_MAX];
	struct atomfs_dirent *de = (struct atomfs_dirent *)buf;
	struct atomfs_dir_find f;
	unsigned int seq;
	int ret;

	if (name->len > ATOMFS_NAME_LEN)
		return -ENAMETOOLONG;
	ret = atomfs_dir_find(dir, name, &f);
	if (ret < 0)
		return ret;
	if (ret == 2)
		return -EEXIST;

	for (seq = 0; seq <= ATOMFS_DIR_SEQ_MAX; seq++)
		if (!(f.used_seqs[seq / 64] & (1ULL << (seq % 64))))
			break;
	if (seq > ATOMFS_DIR_SEQ_MAX)
		return -ENOSPC;	/* 128 names with one 55-bit hash */

	put_unaligned_le64(ino, de->d_ino);
	de->d_type = fs_umode_to_dtype(mode);
	de->d_namelen = name->len;
	memcpy(de->d_name, name->name, name->len);
	ret = atomfs_btree_insert(dir, ATOMFS_BTREE_DIR,
				  (f.last_key & ~(u64)ATOMFS_DIR_SEQ_MAX) | seq,
				  de, sizeof(*de) + name->len);
	if (ret)
		return ret;
	ATOMFS_I(dir)->i_nentries++;
	atomfs_dir_changed(dir);
	return 0;
}

/**
 * atomfs_dir_remove() - remove a name from a directory
 * @dir:	the directory
 * @name:	the name
 *
 * Return: 0, -ENOENT, or another negative errno.
 */
int atomfs_dir_remove(struct inode *dir, const struct qstr *name)
{
	struct atomfs_dir_find f;
	int ret;

	ret = atomfs_dir_find(dir, name, &f);
	if (ret < 0)
		return ret;
	if (ret != 2)
		return -ENOENT;
	ret = atomfs_btree_delete(dir, ATOMFS_BTREE_DIR, f.key);
	if (ret)
		return ret;
	ATOMFS_I(dir)->i_nentries--;
	atomfs_dir_changed(dir);
	return 0;
}

/**
 * atomfs_dir_set() - point an existing name at another inode
 * @dir:	the directory
 * @name:	the name
 * @ino:	the new inode
 * @mode:	its mode, for d_type
 *
 * Return: 0, -ENOENT, or another negative errno.
 */
int atomfs_dir_set(struct inode *dir, const struct qstr *name, u64 ino,
		   umode_t mode)
{
	u8 buf[ATOMFS_DIRENT_MAX];
	struct atomfs_dirent *de = (struct atomfs_dirent *)buf;
	struct atomfs_dir_find f;
	int ret;

	ret = atomfs_dir_find(dir, name, &f);
	if (ret < 0)
		return ret;
	if (ret != 2)
		return -ENOENT;
	put_unaligned_le64(ino, de->d_ino);
	de->d_type = fs_umode_to_dtype(mode);
	de->d_namelen = name->len;
	memcpy(de->d_name, name->name, name->len);
	ret = atomfs_btree_update(dir, ATOMFS_BTREE_DIR, f.key, de,
				  sizeof(*de) + name->len);
	if (ret)
		return ret;
	atomfs_dir_changed(dir);
	return 0;
}

/**
 * atomfs_dir_is_empty() - does a directory hold no names?
 * @dir:	the directory
 *
 * Return: true when empty.
 */
bool atomfs_dir_is_empty(struct inode *dir)
{
	return !ATOMFS_I(dir)->i_nentries && !ATOMFS_I(dir)->i_root;
}

static int atomfs_readdir_actor(void *ctx, u64 key, const void *val,
				unsigned int len)
{
	struct dir_context *dctx = ctx;
	const struct atomfs_dirent *de = val;

	if (len < sizeof(*de) || len != sizeof(*de) + de->d_namelen)
		return ATOMFS_DIRENT_BAD;
	dctx->pos = key;
	if (!dir_emit(dctx, de->d_name, de->d_namelen,
		      get_unaligned_le64(de->d_ino), de->d_type))
		return 1;
	dctx->pos = key + 1;
	return 0;
}

static int atomfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	int ret;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos >= ATOMFS_DIR_EOF)
		return 0;
	if (ATOMFS_I(dir)->i_root) {
		ret = atomfs_btree_iterate(dir, ATOMFS_BTREE_DIR, ctx->pos,
					   atomfs_readdir_actor, ctx);
		if (ret == ATOMFS_DIRENT_BAD) {
			atomfs_error(dir->i_sb, "directory %lu: malformed entry",
				     dir->i_ino);
			return -EUCLEAN;
		}
		if (ret < 0)
			return ret;
		if (ret > 0)
			return 0;
	}
	ctx->pos = ATOMFS_DIR_EOF;
	return 0;
}

static loff_t atomfs_dir_llseek(struct file *file, loff_t offset, int whence)
{
	return generic_file_llseek_size(file, offset, whence, ATOMFS_DIR_EOF,
					ATOMFS_DIR_EOF);
}

const struct file_operations atomfs_dir_operations = {
	.llseek		= atomfs_dir_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= atomfs_readdir,
	.fsync		= atomfs_fsync,
	.unlocked_ioctl	= atomfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
