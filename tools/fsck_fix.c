// SPDX-License-Identifier: GPL-2.0
/*
 * fsck.atomfs -y: write the repaired model back.
 *
 * Damaged trees are rebuilt whole from the items that survived, in blocks
 * that nothing kept uses, so that no block of a tree is written while
 * something else still points at it.  Inodes are rewritten only where a
 * field changed; the bitmaps and the superblock counters are recomputed
 * from scratch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsck.h"

/* Blocks that the repaired filesystem keeps, before trees are rebuilt */
static void final_blocks(struct fsck *f, struct bitmap *bm)
{
	size_t i, j;

	bitmap_free(bm);
	bitmap_init(bm, f->fs.bb_blocks);
	bitmap_set_range(bm, 0, f->fs.data_start);
	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];

		if (fi->clear)
			continue;
		if (S_ISREG(fi->mode))
			for (j = 0; j < fi->next; j++)
				if (!fi->ext[j].drop)
					bitmap_set_range(bm, fi->ext[j].pblk,
							 fi->ext[j].len);
		if ((S_ISREG(fi->mode) || S_ISDIR(fi->mode)) &&
		    !fi->tree_dirty)
			for (j = 0; j < fi->nnodes; j++)
				bitmap_set(bm, fi->nodes[j]);
		if (S_ISLNK(fi->mode) &&
		    !(fi->flags & ATOMFS_INODE_INLINE_SYMLINK) && fi->root)
			bitmap_set(bm, fi->root);
	}
}

static int rebuild_tree(struct fsck *f, struct finode *fi,
			struct afs_alloc *a, u64 *root, u64 *nodes)
{
	struct afs_items ext = { 0 };
	const struct afs_items *items = &fi->dents;
	u8 type = ATOMFS_BTREE_DIR;
	size_t j;
	int err;

	if (S_ISREG(fi->mode)) {
		type = ATOMFS_BTREE_EXTENTS;
		for (j = 0; j < fi->next; j++) {
			struct atomfs_extent e;

			if (fi->ext[j].drop)
				continue;
			e.e_pblk = htole64(fi->ext[j].pblk);
			e.e_len = htole32(fi->ext[j].len);
			e.e_flags = htole32(fi->ext[j].flags);
			items_add(&ext, fi->ext[j].lblk, &e, sizeof(e));
		}
		items = &ext;
	}
	err = afs_tree_store(&f->fs, a, fi->ino, type, items, root, nodes);
	if (err && err != -ENOSPC)
		errmsg("inode %llu: cannot rebuild its tree: %s",
		       (unsigned long long)fi->ino, strerror(-err));
	else if (!err && !a->dry_run)
		fixed(f, "inode %llu: %s tree rebuilt with %zu items",
		      (unsigned long long)fi->ino, bt_type_name(type),
		      items->n);
	items_free(&ext);
	return err;
}

/* The fields of a kept inode, as the repaired filesystem has them */
static void final_fields(struct fsck *f, struct finode *fi, u64 nodes)
{
	u64 data = 0;
	size_t j;

	(void)f;
	switch (fi->mode & S_IFMT) {
	case S_IFREG:
		for (j = 0; j < fi->next; j++)
			if (!fi->ext[j].drop)
				data += fi->ext[j].len;
		fi->blocks = data + nodes;
		break;
	case S_IFDIR:
		fi->blocks = nodes;
		fi->size = nodes << ATOMFS_BLOCK_SHIFT;
		fi->nentries = fi->dents.n;
		break;
	case S_IFLNK:
		fi->blocks = fi->flags & ATOMFS_INODE_INLINE_SYMLINK ? 0 : 1;
		break;
	default:
		fi->blocks = 0;
		break;
	}
}

#define CHANGE(field, val, name)					\
	do {								\
		if ((field) != (val)) {					\
			n += snprintf(what + n, sizeof(what) - n,	\
				      "%s%s %llu -> %llu", n ? ", " : "", \
				      name, (unsigned long long)(field), \
				      (unsigned long long)(val));	\
			changed = true;					\
		}							\
	} while (0)

static int write_finode(struct fsck *f, struct finode *fi)
{
	struct atomfs_inode in;
	char what[512];
	bool changed = fi->created;
	int n = 0;

	if (fi->created) {
		u64 sec;
		u32 nsec, gen;

		afs_now(&sec, &nsec);
		afs_random(&gen, sizeof(gen));
		memset(&in, 0, sizeof(in));
		in.i_magic = htole32(ATOMFS_INODE_MAGIC);
		in.i_ino = htole64(fi->ino);
		in.i_mode = htole16(fi->mode);
		in.i_generation = htole32(gen);
		in.i_atime = in.i_mtime = in.i_ctime = in.i_crtime =
			htole64(sec);
		in.i_atime_nsec = in.i_mtime_nsec = htole32(nsec);
		in.i_ctime_nsec = in.i_crtime_nsec = htole32(nsec);
	} else if (afs_read_inode(&f->fs, fi->ino, &in)) {
		return -1;
	}
	CHANGE(le32toh(in.i_nlink), fi->nlink, "nlink");
	CHANGE(le32toh(in.i_flags), fi->flags, "flags");
	CHANGE(le64toh(in.i_size), fi->size, "size");
	CHANGE(le64toh(in.i_blocks), fi->blocks, "blocks");
	CHANGE(le64toh(in.i_root), fi->root, "root");
	if (S_ISDIR(fi->mode)) {
		CHANGE(le64toh(in.i_parent), fi->parent, "parent");
		CHANGE(le64toh(in.i_nentries), fi->nentries, "nentries");
	}
	if (fi->zero_reserved) {
		in.i_reserved1 = 0;
		in.i_reserved2 = 0;
		changed = true;
	}
	if (!changed)
		return 0;
	in.i_nlink = htole32(fi->nlink);
	in.i_flags = htole32(fi->flags);
	in.i_size = htole64(fi->size);
	in.i_blocks = htole64(fi->blocks);
	in.i_root = htole64(fi->root);
	if (S_ISDIR(fi->mode)) {
		in.i_parent = htole64(fi->parent);
		in.i_nentries = htole64(fi->nentries);
	}
	if (afs_write_inode(&f->fs, fi->ino, &in))
		return -1;
	if (fi->created)
		fixed(f, "inode %llu: written as a new %s",
		      (unsigned long long)fi->ino, mode_name(fi->mode));
	else if (n)
		fixed(f, "inode %llu: %s", (unsigned long long)fi->ino, what);
	else
		fixed(f, "inode %llu: reserved fields cleared",
		      (unsigned long long)fi->ino);
	return 0;
}

static int zero_slot(struct fsck *f, u64 ino)
{
	struct atomfs_inode in;

	memset(&in, 0, sizeof(in));
	if (afs_write_inode(&f->fs, ino, &in))
		return -1;
	fixed(f, "inode %llu: cleared", (unsigned long long)ino);
	return 0;
}

static int write_sb(struct fsck *f, u64 used_blocks, u64 used_inodes)
{
	struct atomfs_super_block *sb = f->fs.sb;
	u32 compat = le32toh(sb->s_feature_compat);

	sb->s_free_blocks = htole64(f->fs.blocks - used_blocks);
	sb->s_free_inodes = htole64(f->fs.inodes - used_inodes);
	/* Everything is repaired and the counts are exact. */
	sb->s_state = htole16(ATOMFS_STATE_CLEAN);
	if (!le64toh(sb->s_journal_blocks)) {
		sb->s_journal_start = 0;
		compat &= ~ATOMFS_FEATURE_COMPAT_JOURNAL_AREA;
	} else {
		compat |= ATOMFS_FEATURE_COMPAT_JOURNAL_AREA;
	}
	sb->s_feature_compat = htole32(compat);
	memset(sb->s_reserved, 0, sizeof(sb->s_reserved));
	memset(f->fs.sbbuf + ATOMFS_SB_SIZE, 0,
	       ATOMFS_BLOCK_SIZE - ATOMFS_SB_SIZE);
	if (afs_write_sb(&f->fs))
		return -1;
	fixed(f, "superblock: counters, state and checksum rewritten");
	return 0;
}

/*
 * Rebuild the damaged trees in blocks that nothing kept uses, @used
 * (final_blocks()) marking them as they are taken.  With @dry nothing is
 * written and no inode changed: only whether there is room is found out.
 * Returns -ENOSPC when there is not.
 */
static int rebuild_trees(struct fsck *f, struct bitmap *used, bool dry)
{
	size_t i, nheld = 0, nheld_cap = 0;
	struct afs_alloc a;
	u64 *held = NULL;
	int err = 0;

	/*
	 * The old nodes of the trees being replaced stay out of reach of the
	 * new ones: an interrupted repair then leaves each inode pointing at
	 * its old tree, intact.  Only the bits set here are cleared after.
	 */
	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];
		size_t j;

		if (!fi->tree_dirty)
			continue;
		for (j = 0; j < fi->nnodes; j++) {
			if (bitmap_test(used, fi->nodes[j]))
				continue;
			bitmap_set(used, fi->nodes[j]);
			ARRAY_GROW(held, nheld_cap, nheld + 1);
			held[nheld++] = fi->nodes[j];
		}
	}
	afs_alloc_init(&a, &f->fs, used);
	a.dry_run = dry;
	for (i = 0; i < f->nfi && !err; i++) {
		struct finode *fi = f->fi[i];
		u64 nodes = fi->nnodes, root = fi->root;

		if (fi->clear)
			continue;
		if ((S_ISREG(fi->mode) || S_ISDIR(fi->mode)) &&
		    fi->tree_dirty) {
			err = rebuild_tree(f, fi, &a, &root, &nodes);
			if (err == -ENOSPC && nheld) {
				/* No room left but the old nodes: use them. */
				while (nheld)
					bitmap_clear(used, held[--nheld]);
				err = rebuild_tree(f, fi, &a, &root, &nodes);
			}
		}
		if (!dry) {
			fi->root = root;
			final_fields(f, fi, nodes);
		}
	}
	while (nheld)
		bitmap_clear(used, held[--nheld]);
	free(held);
	return err;
}

int room_for_repairs(struct fsck *f)
{
	struct bitmap used = { 0 };
	int err;

	final_blocks(f, &used);
	err = rebuild_trees(f, &used, true);
	bitmap_free(&used);
	return err;
}

int write_repairs(struct fsck *f)
{
	struct bitmap ib;
	size_t i;
	u64 ino;
	int err;

	/*
	 * Out of room halfway, the old nodes would be taken back and some
	 * trees rewritten in place for nothing: find out first.
	 */
	err = room_for_repairs(f);
	if (err)
		return err == -ENOSPC ? err : -1;
	final_blocks(f, &f->used);
	if (rebuild_trees(f, &f->used, false))
		return -1;

	/* Free first: a new root may take the slot of a cleared one. */
	for (ino = 0; ino < f->fs.inodes; ino++)
		if ((f->slot[ino] == SLOT_GARBAGE ||
		     f->slot[ino] == SLOT_BAD) && zero_slot(f, ino))
			return -1;
	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];

		if (fi->clear && !fi->created && fi_get(f, fi->ino) == fi &&
		    zero_slot(f, fi->ino))
			return -1;
	}
	for (i = 0; i < f->nfi; i++)
		if (!f->fi[i]->clear && write_finode(f, f->fi[i]))
			return -1;

	bitmap_init(&ib, f->fs.ib_blocks);
	bitmap_set(&ib, 0);
	for (i = 0; i < f->nfi; i++)
		if (!f->fi[i]->clear)
			bitmap_set(&ib, f->fi[i]->ino);
	if (afs_bitmap_write(&f->fs, AFS_BBITMAP, &f->used) ||
	    afs_bitmap_write(&f->fs, AFS_IBITMAP, &ib)) {
		bitmap_free(&ib);
		return -1;
	}
	fixed(f, "block and inode bitmaps rewritten");
	if (write_sb(f, bitmap_weight(&f->used, 0, f->fs.blocks),
		     bitmap_weight(&ib, 0, f->fs.inodes))) {
		bitmap_free(&ib);
		return -1;
	}
	bitmap_free(&ib);
	return disk_sync(&f->fs.disk);
}
