/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and building the B+trees of the format: extent trees of regular
 * files and name trees of directories.
 */
#ifndef _ATOMFS_TOOLS_BTREE_H
#define _ATOMFS_TOOLS_BTREE_H

#include "fs.h"

struct bt_visited;

/*
 * A walk of one tree.  Every node is checked against every rule of the
 * format (see atomfs_format.h and atomfs/btree.c); each broken rule is
 * passed to ->problem (which may be NULL) and sets ->damaged.  A node that
 * cannot be trusted (bad magic, checksum, location, owner, type or level)
 * is skipped with its subtree; items whose value lies outside the leaf or
 * overlaps another are skipped; the other items are passed to ->item even
 * when their keys are out of order, so that a caller can rebuild the tree
 * from them.
 */
struct bt_walk {
	struct afs	*fs;
	u64		owner;
	u8		type;		/* ATOMFS_BTREE_EXTENTS or _DIR */
	void		*ctx;

	/* A node that passed its own checks and is part of the tree. */
	int		(*node)(void *ctx, u64 blkno, unsigned int level,
				unsigned int nritems);
	int		(*item)(void *ctx, u64 leaf, unsigned int idx, u64 key,
				const u8 *val, unsigned int size);
	void		(*problem)(void *ctx, u64 blkno, const char *msg);

	/* Results */
	bool		damaged;
	unsigned int	depth;		/* levels, 0 for an empty tree */
	u64		nodes;		/* nodes passed to ->node */
	u64		items;		/* items passed to ->item */

	struct bt_visited *visited;
};

const char *bt_type_name(u8 type);

/*
 * Walk the tree rooted at @root (0: empty).  Returns 0, a negative errno
 * for an I/O error (already reported), or the first nonzero value a
 * callback returned.
 */
int bt_walk(struct bt_walk *w, u64 root);

struct bt_item {
	u64		key;
	const void	*val;
	unsigned int	size;
};

/*
 * Builds a tree from items sorted by strictly increasing key.  Leaves hold
 * at most @leaf_bytes bytes of items and values and interior nodes at most
 * @node_ptrs pointers (0: as many as fit).  ->alloc hands out the block of
 * each node; with @dry_run nothing is written and only ->nodes is counted.
 */
struct bt_build {
	struct afs	*fs;
	u64		owner;
	u8		type;
	unsigned int	leaf_bytes;
	unsigned int	node_ptrs;
	bool		dry_run;
	int		(*alloc)(void *ctx, u64 *blkno);
	void		*ctx;
	u64		nodes;		/* out */
	unsigned int	depth;		/* out */
};

int bt_build(struct bt_build *b, const struct bt_item *items, size_t n,
	     u64 *root);

/* Overwrite the value of item @idx of leaf @leaf (same size) in place. */
int bt_leaf_set_value(struct afs *fs, u64 leaf, unsigned int idx,
		      const void *val, unsigned int size);

#endif /* _ATOMFS_TOOLS_BTREE_H */
