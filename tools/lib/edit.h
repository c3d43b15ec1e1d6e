/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Changing an unmounted filesystem: in-memory item sets of a tree,
 * allocation from an in-memory bitmap, directory keys, and writing a tree
 * back as a whole.  Shared by atomfs-debug (which builds test images) and
 * fsck (which rebuilds damaged trees).
 */
#ifndef _ATOMFS_TOOLS_EDIT_H
#define _ATOMFS_TOOLS_EDIT_H

#include "btree.h"
#include "fs.h"

/* One item of a tree, with its own copy of the value. */
struct afs_item {
	u64		key;
	unsigned int	size;
	u8		*val;
};

struct afs_items {
	struct afs_item	*v;
	size_t		n;
	size_t		cap;
};

void items_add(struct afs_items *items, u64 key, const void *val,
	       unsigned int size);
void items_del(struct afs_items *items, size_t i);
void items_sort(struct afs_items *items);
void items_free(struct afs_items *items);
/* Index of the item with @key in sorted @items, or -1. */
long items_find(const struct afs_items *items, u64 key);

/*
 * Allocation from an in-memory block bitmap (a set bit is in use).  Data
 * takes whole, aligned atomic units, as the kernel's allocator does.
 */
struct afs_alloc {
	struct afs	*fs;
	struct bitmap	*bm;
	u64		cursor;		/* next block to look at */
	u64		taken;		/* blocks handed out */
	bool		dry_run;	/* afs_tree_store: allocate, write nothing */
};

void afs_alloc_init(struct afs_alloc *a, struct afs *fs, struct bitmap *bm);
int afs_alloc_block(struct afs_alloc *a, u64 *blkno);
/* Up to @want contiguous units; at least one or -ENOSPC. */
int afs_alloc_units(struct afs_alloc *a, u64 want, u64 *pblk, u64 *units);
/* The first free inode number >= 1 in @ibm, below @count; -ENOSPC. */
int afs_alloc_ino(struct bitmap *ibm, u64 count, u64 *ino);

/* Directory entries */
struct afs_dirent_view {
	u64		ino;
	u8		dtype;
	unsigned int	namelen;
	const char	*name;
};

/* Decode a directory item value; false when it is malformed. */
bool afs_dirent_parse(const u8 *val, unsigned int size,
		      struct afs_dirent_view *de);
unsigned int afs_dirent_encode(u8 *buf, u64 ino, u8 dtype, const char *name,
			       unsigned int namelen);
/* Is this a name a directory may hold? */
bool afs_name_valid(const char *name, unsigned int len);

struct afs_newent {
	const char	*name;
	unsigned int	namelen;
	u64		ino;
	u8		dtype;
	u64		key;		/* out */
};

/*
 * Add @n names to the sorted item set of a directory, each under the first
 * free collision sequence of its hash; @items stays sorted.  Nothing is
 * added when a name is already there (-EEXIST, *@bad its index) or when 128
 * names share a hash (-ENOSPC).
 */
int afs_dir_add(const struct afs *fs, struct afs_items *items,
		struct afs_newent *ents, size_t n, size_t *bad);
/* Index of the item holding @name in a sorted directory item set, or -1. */
long afs_dir_find(const struct afs *fs, const struct afs_items *items,
		  const char *name, unsigned int len);

/*
 * Read a whole tree into @items (sorted) and, if @nodes is not NULL, the
 * node blocks into *@nodes / *@nnodes.  Any damage fails with -EUCLEAN:
 * this is for tools that change sound filesystems, not for fsck.
 */
int afs_tree_load(struct afs *fs, u64 owner, u8 type, u64 root,
		  struct afs_items *items, u64 **nodes, size_t *nnodes);
/*
 * Write @items (sorted) as a new tree of @owner with blocks from @a;
 * returns its root (0 when empty) and node count.
 */
int afs_tree_store(struct afs *fs, struct afs_alloc *a, u64 owner, u8 type,
		   const struct afs_items *items, u64 *root, u64 *nodes);

/* Bytes of a timestamp for new inodes */
void afs_now(u64 *sec, u32 *nsec);
/* Fill @buf from /dev/urandom (or a weaker source if it is unavailable). */
void afs_random(void *buf, size_t len);

#endif /* _ATOMFS_TOOLS_EDIT_H */
