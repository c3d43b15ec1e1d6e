// SPDX-License-Identifier: GPL-2.0
/*
 * B+trees of 64-bit keys and variable-size values, kept in metadata blocks
 * through the buffer cache: the extent tree of a regular file and the name
 * tree of a directory.
 *
 * Separator keys.  ptr[i].key is a lower bound of child i's subtree, equal
 * to its smallest key when the pointer is made (at a split) but not kept
 * equal afterwards: deleting a subtree's smallest key leaves the separators
 * above it alone, as a lower bound stays a lower bound.  So every key of
 * child i's subtree (item keys, and the separator keys of interior nodes
 * below) lies in [ptr[i].key, ptr[i + 1].key), the last child inheriting
 * its parent's upper bound.  A search goes down the last entry whose key is
 * <= the search key, or entry 0 when there is none; an insertion below
 * ptr[0].key (which can only go down entry 0) first lowers ptr[0].key to
 * the new key on its path, so the bounds hold for every key in the tree.
 * Keys are strictly increasing in every node.  Every node read is checked
 * against the bounds its parent gives it.  A node read from disk must be
 * marked in use in the block bitmap, and each value of a directory leaf
 * must be a valid entry (atomfs_dirent_invalid()).
 *
 * Leaves.  The values are packed from the end of the block downwards in
 * item order, without gaps: item 0's value ends at the block's end and item
 * i's value ends where item i - 1's begins.  Free space is the single gap
 * between the item array and the lowest value.  A value is at most
 * ATOMFS_BT_MAX_VALUE bytes, which guarantees that a full leaf and any new
 * item can always be split into two leaves.
 *
 * Emptiness.  Every node but the root holds at least one entry: a node left
 * empty is freed and its pointer removed from its parent.  A node left at
 * most a quarter full is merged with a sibling under the same parent when
 * both fit in one block.  A root with a single child is replaced by that
 * child; an empty root leaf is freed and the tree becomes empty (i_root 0).
 * An interior node is never empty.
 *
 * Callers serialise: a change excludes every other use of the tree, while
 * lookups and iterations may run side by side, and so write nothing but the
 * verified bit of the buffers they read.  No lock is taken here; buffers are
 * pinned by reference only.  Nothing is allocated but buffers, whose page
 * cache allocations leave out __GFP_FS.  Changed nodes are checksummed and
 * marked dirty, never written here.
 */
#include <linux/fs.h>
#include <linux/buffer_head.h>
#include "atomfs.h"

/* Bytes for entries and values in a node */
#define ATOMFS_BT_SPACE		(ATOMFS_BLOCK_SIZE - ATOMFS_BTREE_HDR_SIZE)
/* An item and a pointer take the same room */
#define ATOMFS_BT_ENTRY		16U
#define ATOMFS_BT_MAX_ENTRIES	(ATOMFS_BT_SPACE / ATOMFS_BT_ENTRY)
/* With values this small, an item and a full leaf split into two leaves. */
#define ATOMFS_BT_MAX_VALUE	(ATOMFS_BT_SPACE / 2 - ATOMFS_BT_ENTRY)
/* At most this full, a node is merged with a sibling when both fit. */
#define ATOMFS_BT_LEAF_LOW	(ATOMFS_BT_SPACE / 4)
#define ATOMFS_BT_NODE_LOW	(ATOMFS_BT_MAX_ENTRIES / 4)
/* Bound on the re-descents of one GE or LE search */
#define ATOMFS_BT_MAX_RETRIES	4

static_assert(sizeof(struct atomfs_btree_header) == ATOMFS_BTREE_HDR_SIZE);
static_assert(sizeof(struct atomfs_btree_item) == ATOMFS_BT_ENTRY);
static_assert(sizeof(struct atomfs_btree_ptr) == ATOMFS_BT_ENTRY);
static_assert(ATOMFS_BT_MAX_ENTRIES == ATOMFS_BTREE_PTRS_MAX);
static_assert(sizeof(struct atomfs_extent) <= ATOMFS_BT_MAX_VALUE);
static_assert(sizeof(struct atomfs_dirent) + ATOMFS_NAME_LEN <=
	      ATOMFS_BT_MAX_VALUE);
static_assert(ATOMFS_BLOCK_SIZE <= U16_MAX);

/**
 * struct atomfs_bt_level - one node on the path from the root to a leaf
 * @bh:		the node
 * @lo:		every key in the node is >= @lo ...
 * @hi:		... and <= @hi, as its parent says
 * @slot:	leaf: the item found; interior node: the child gone down
 */
struct atomfs_bt_level {
	struct buffer_head	*bh;
	u64			lo;
	u64			hi;
	unsigned int		slot;
};

/**
 * struct atomfs_bt - one operation on one tree
 * @inode:	the tree's owner
 * @sb:		its filesystem
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @dirty_inode: i_root or i_blocks changed
 * @write:	the operation changes nodes: each node read gets journal
 *		write access before anything in it changes
 * @depth:	levels in @path, indexed by level (0: the leaf)
 * @path:	the nodes from the root down to a leaf
 * @nr_new:	blocks in @new_bh
 * @new_bh:	blocks allocated for a split, not yet in the tree
 */
struct atomfs_bt {
	struct inode		*inode;
	struct super_block	*sb;
	u8			type;
	bool			dirty_inode;
	bool			write;
	unsigned int		depth;
	struct atomfs_bt_level	path[ATOMFS_BTREE_MAX_LEVELS];
	unsigned int		nr_new;
	struct buffer_head	*new_bh[ATOMFS_BTREE_MAX_LEVELS];
};

static const char *atomfs_bt_name(u8 type)
{
	return type == ATOMFS_BTREE_DIR ? "directory" : "extent";
}

/* Report a corrupt node in one line; evaluates to -EUCLEAN. */
#define atomfs_bt_corrupt(bt, blkno, fmt, ...)				\
({									\
	struct atomfs_bt *__bt = (bt);					\
									\
	atomfs_error(__bt->sb, "inode %lu: %s tree block %llu: " fmt,	\
		     __bt->inode->i_ino, atomfs_bt_name(__bt->type),	\
		     (unsigned long long)(blkno), ##__VA_ARGS__);	\
	-EUCLEAN;							\
})

static inline struct atomfs_btree_header *atomfs_bt_hdr(struct buffer_head *bh)
{
	return (struct atomfs_btree_header *)bh->b_data;
}

static inline struct atomfs_btree_item *atomfs_bt_item(struct buffer_head *bh,
						       unsigned int i)
{
	return (struct atomfs_btree_item *)(bh->b_data +
					    ATOMFS_BTREE_HDR_SIZE) + i;
}

static inline struct atomfs_btree_ptr *atomfs_bt_ptr(struct buffer_head *bh,
						     unsigned int i)
{
	return (struct atomfs_btree_ptr *)(bh->b_data +
					   ATOMFS_BTREE_HDR_SIZE) + i;
}

static inline unsigned int atomfs_bt_nr(struct buffer_head *bh)
{
	return le16_to_cpu(atomfs_bt_hdr(bh)->bt_nritems);
}

static inline void atomfs_bt_set_nr(struct buffer_head *bh, unsigned int nr)
{
	atomfs_bt_hdr(bh)->bt_nritems = cpu_to_le16(nr);
}

static inline unsigned int atomfs_bt_level(struct buffer_head *bh)
{
	return atomfs_bt_hdr(bh)->bt_level;
}

/* Key of entry @i, item or pointer */
static inline u64 atomfs_bt_key(struct buffer_head *bh, unsigned int i)
{
	if (atomfs_bt_level(bh))
		return le64_to_cpu(atomfs_bt_ptr(bh, i)->bp_key);
	return le64_to_cpu(atomfs_bt_item(bh, i)->it_key);
}

static inline u64 atomfs_bt_child(struct buffer_head *bh, unsigned int i)
{
	return le64_to_cpu(atomfs_bt_ptr(bh, i)->bp_blkno);
}

static inline unsigned int atomfs_bt_off(struct buffer_head *bh,
					 unsigned int i)
{
	return le16_to_cpu(atomfs_bt_item(bh, i)->it_offset);
}

static inline unsigned int atomfs_bt_size(struct buffer_head *bh,
					  unsigned int i)
{
	return le16_to_cpu(atomfs_bt_item(bh, i)->it_size);
}

/* Start of a leaf's value area, which is also the end of its free space */
static unsigned int atomfs_bt_leaf_low(struct buffer_head *bh)
{
	unsigned int nr = atomfs_bt_nr(bh);

	return nr ? atomfs_bt_off(bh, nr - 1) : ATOMFS_BLOCK_SIZE;
}

/* Bytes of a leaf's space that its items and values take */
static unsigned int atomfs_bt_leaf_used(struct buffer_head *bh)
{
	return atomfs_bt_nr(bh) * ATOMFS_BT_ENTRY + ATOMFS_BLOCK_SIZE -
	       atomfs_bt_leaf_low(bh);
}

static unsigned int atomfs_bt_leaf_free(struct buffer_head *bh)
{
	return ATOMFS_BT_SPACE - atomfs_bt_leaf_used(bh);
}

static void atomfs_bt_init(struct atomfs_bt *bt, struct inode *inode, u8 type)
{
	memset(bt, 0, sizeof(*bt));
	bt->inode = inode;
	bt->sb = inode->i_sb;
	bt->type = type;
}

static void atomfs_bt_release(struct atomfs_bt *bt)
{
	unsigned int i;

	for (i = 0; i < ATOMFS_BTREE_MAX_LEVELS; i++) {
		brelse(bt->path[i].bh);
		bt->path[i].bh = NULL;
	}
	bt->depth = 0;
}

/*
 * Hand a changed node to the journal, which checksums it at commit: a
 * busy leaf changes many times in one transaction.  A failure there has
 * been reported and has stopped the journal: nothing of the operation can
 * commit any more.
 */
static void atomfs_bt_dirty(struct buffer_head *bh)
{
	BUILD_BUG_ON(offsetof(struct atomfs_btree_header, bt_checksum) != 4);
	atomfs_journal_dirty_csum(NULL, bh);
}

/*
 * Give back a node's block and the reference to its buffer.  The buffer may
 * stay cached after the block has found another use, so it must not keep
 * passing for a checked node.
 */
static int atomfs_bt_free_node(struct atomfs_bt *bt, struct buffer_head *bh)
{
	u64 blkno = bh->b_blocknr;

	clear_buffer_atomfs_verified(bh);
	brelse(bh);
	bt->dirty_inode = true;
	return atomfs_free_meta(bt->inode, blkno);
}

/* Checks that hold for a node wherever it is reached from */
static int atomfs_bt_verify(struct atomfs_bt *bt, struct buffer_head *bh)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(bt->sb);
	struct atomfs_btree_header *hdr = atomfs_bt_hdr(bh);
	unsigned int nr = le16_to_cpu(hdr->bt_nritems);
	u64 blkno = bh->b_blocknr;
	unsigned int i, end;
	u32 csum;

	if (le32_to_cpu(hdr->bt_magic) != ATOMFS_BTREE_MAGIC)
		return atomfs_bt_corrupt(bt, blkno, "bad magic 0x%08x",
					 le32_to_cpu(hdr->bt_magic));
	csum = atomfs_csum(bh->b_data, ATOMFS_BLOCK_SIZE,
			   offsetof(struct atomfs_btree_header, bt_checksum));
	if (le32_to_cpu(hdr->bt_checksum) != csum)
		return atomfs_bt_corrupt(bt, blkno, "bad checksum");
	if (le64_to_cpu(hdr->bt_blkno) != blkno)
		return atomfs_bt_corrupt(bt, blkno, "records block %llu",
					 le64_to_cpu(hdr->bt_blkno));
	if (hdr->bt_level >= ATOMFS_BTREE_MAX_LEVELS)
		return atomfs_bt_corrupt(bt, blkno, "level %u", hdr->bt_level);
	if (nr > ATOMFS_BT_MAX_ENTRIES)
		return atomfs_bt_corrupt(bt, blkno, "%u entries", nr);

	for (i = 1; i < nr; i++)
		if (atomfs_bt_key(bh, i) <= atomfs_bt_key(bh, i - 1))
			return atomfs_bt_corrupt(bt, blkno,
						 "key %llu of entry %u out of order",
						 atomfs_bt_key(bh, i), i);

	if (hdr->bt_level) {
		for (i = 0; i < nr; i++) {
			u64 child = atomfs_bt_child(bh, i);

			if (child < sbi->data_start ||
			    child >= sbi->blocks_count)
				return atomfs_bt_corrupt(bt, blkno,
							 "entry %u points at block %llu",
							 i, child);
		}
		return 0;
	}

	end = ATOMFS_BLOCK_SIZE;
	for (i = 0; i < nr; i++) {
		unsigned int off = atomfs_bt_off(bh, i);
		unsigned int size = atomfs_bt_size(bh, i);

		if (size > ATOMFS_BT_MAX_VALUE || off + size != end ||
		    off < ATOMFS_BTREE_HDR_SIZE + nr * ATOMFS_BT_ENTRY)
			return atomfs_bt_corrupt(bt, blkno,
						 "item %u: value of %u bytes at %u",
						 i, size, off);
		end = off;
		if (hdr->bt_type == ATOMFS_BTREE_DIR) {
			const char *why = atomfs_dirent_invalid(bh->b_data + off,
								size);

			if (why)
				return atomfs_bt_corrupt(bt, blkno,
							 "item %u: %s", i, why);
		}
	}
	return 0;
}

/*
 * Get node @blkno, which must be at level @level (any level for the root:
 * @level < 0) and hold only keys in [@lo, @hi].  The checks of the block's
 * own contents are made once per read from disk; the rest depend on where
 * the block was reached from and are made every time.
 */
static int atomfs_bt_read(struct atomfs_bt *bt, u64 blkno, int level,
			  u64 lo, u64 hi, struct buffer_head **bhp)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(bt->sb);
	struct atomfs_btree_header *hdr;
	struct buffer_head *bh;
	unsigned int nr;
	int err = 0;

	if (blkno < sbi->data_start || blkno >= sbi->blocks_count)
		return atomfs_bt_corrupt(bt, blkno, "outside the data area");

	bh = sb_getblk(bt->sb, blkno);
	if (!bh)
		return -ENOMEM;
	if (!buffer_uptodate(bh)) {
		/* (Re)read from disk: what was checked before is gone. */
		clear_buffer_atomfs_verified(bh);
		if (bh_read(bh, 0) < 0) {
			brelse(bh);
			atomfs_error(bt->sb, "inode %lu: %s tree block %llu: read error",
				     bt->inode->i_ino, atomfs_bt_name(bt->type),
				     blkno);
			return -EIO;
		}
	}
	if (!buffer_atomfs_verified(bh)) {
		err = atomfs_bt_verify(bt, bh);
		if (!err) {
			err = atomfs_block_in_use(bt->sb, blkno);
			if (!err)
				err = atomfs_bt_corrupt(bt, blkno,
							"marked free in the block bitmap");
			else if (err > 0)
				err = 0;
		}
		if (err) {
			brelse(bh);
			return err;
		}
		set_buffer_atomfs_verified(bh);
	}
	if (bt->write) {
		err = atomfs_journal_access(bt->sb, bh);
		if (err) {
			brelse(bh);
			return err;
		}
	}

	hdr = atomfs_bt_hdr(bh);
	nr = le16_to_cpu(hdr->bt_nritems);
	if (le64_to_cpu(hdr->bt_owner) != bt->inode->i_ino)
		err = atomfs_bt_corrupt(bt, blkno, "owned by inode %llu",
					le64_to_cpu(hdr->bt_owner));
	else if (hdr->bt_type != bt->type)
		err = atomfs_bt_corrupt(bt, blkno, "of type %u", hdr->bt_type);
	else if (level >= 0 && hdr->bt_level != level)
		err = atomfs_bt_corrupt(bt, blkno, "level %u, expected %d",
					hdr->bt_level, level);
	else if (!nr && (level >= 0 || hdr->bt_level))
		err = atomfs_bt_corrupt(bt, blkno, "empty");
	else if (nr && (atomfs_bt_key(bh, 0) < lo ||
			atomfs_bt_key(bh, nr - 1) > hi))
		err = atomfs_bt_corrupt(bt, blkno,
					"keys %llu..%llu outside %llu..%llu",
					atomfs_bt_key(bh, 0),
					atomfs_bt_key(bh, nr - 1), lo, hi);
	if (err) {
		brelse(bh);
		return err;
	}
	*bhp = bh;
	return 0;
}

/* A block for a new node, checked by construction */
static struct buffer_head *atomfs_bt_new_node(struct atomfs_bt *bt, u64 blkno,
					      unsigned int level)
{
	struct atomfs_btree_header *hdr;
	struct buffer_head *bh;

	bh = sb_getblk(bt->sb, blkno);
	if (!bh)
		return NULL;
	lock_buffer(bh);
	if (atomfs_journal_create(bt->sb, bh)) {
		unlock_buffer(bh);
		brelse(bh);
		return NULL;
	}
	memset(bh->b_data, 0, ATOMFS_BLOCK_SIZE);
	hdr = atomfs_bt_hdr(bh);
	hdr->bt_magic = cpu_to_le32(ATOMFS_BTREE_MAGIC);
	hdr->bt_blkno = cpu_to_le64(blkno);
	hdr->bt_owner = cpu_to_le64(bt->inode->i_ino);
	hdr->bt_level = level;
	hdr->bt_type = bt->type;
	set_buffer_uptodate(bh);
	set_buffer_atomfs_verified(bh);
	unlock_buffer(bh);
	return bh;
}

/* First item of a leaf whose key is >= @key, or the item count */
static unsigned int atomfs_bt_leaf_slot(struct buffer_head *bh, u64 key)
{
	unsigned int lo = 0, hi = atomfs_bt_nr(bh);

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (atomfs_bt_key(bh, mid) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The child of an interior node to go down for @key */
static unsigned int atomfs_bt_child_slot(struct buffer_head *bh, u64 key)
{
	unsigned int lo = 0, hi = atomfs_bt_nr(bh);

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (atomfs_bt_key(bh, mid) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

/*
 * Fill the path down to the leaf where @key is or would go; path[0].slot
 * is the first item >= @key there.  -ENOENT for an empty tree.
 */
static int atomfs_bt_search(struct atomfs_bt *bt, u64 key)
{
	u64 blkno = ATOMFS_I(bt->inode)->i_root;
	u64 lo = 0, hi = U64_MAX;
	int want = -1;

	atomfs_bt_release(bt);
	if (!blkno)
		return -ENOENT;
	for (;;) {
		struct atomfs_bt_level *p;
		struct buffer_head *bh;
		unsigned int level, slot;
		int err;

		err = atomfs_bt_read(bt, blkno, want, lo, hi, &bh);
		if (err) {
			atomfs_bt_release(bt);
			return err;
		}
		level = atomfs_bt_level(bh);
		if (want < 0)
			bt->depth = level + 1;
		p = &bt->path[level];
		p->bh = bh;
		p->lo = lo;
		p->hi = hi;
		if (!level) {
			p->slot = atomfs_bt_leaf_slot(bh, key);
			return 0;
		}
		slot = atomfs_bt_child_slot(bh, key);
		p->slot = slot;
		lo = atomfs_bt_key(bh, slot);
		if (slot + 1 < atomfs_bt_nr(bh))
			hi = atomfs_bt_key(bh, slot + 1) - 1;
		blkno = atomfs_bt_child(bh, slot);
		want = level - 1;
	}
}

/* Does the path end at an item with key @key? */
static bool atomfs_bt_found(struct atomfs_bt *bt, u64 key)
{
	struct atomfs_bt_level *p = &bt->path[0];

	return p->slot < atomfs_bt_nr(p->bh) &&
	       atomfs_bt_key(p->bh, p->slot) == key;
}

/* Where the leaf after the path's leaf begins; -ENOENT for the last leaf */
static int atomfs_bt_next_key(struct atomfs_bt *bt, u64 *key)
{
	unsigned int level;

	for (level = 1; level < bt->depth; level++) {
		struct atomfs_bt_level *p = &bt->path[level];

		if (p->slot + 1 < atomfs_bt_nr(p->bh)) {
			*key = atomfs_bt_key(p->bh, p->slot + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* A key in the leaf before the path's leaf; -ENOENT for the first leaf */
static int atomfs_bt_prev_key(struct atomfs_bt *bt, u64 *key)
{
	unsigned int level;

	for (level = 1; level < bt->depth; level++) {
		struct atomfs_bt_level *p = &bt->path[level];

		if (p->slot) {
			*key = atomfs_bt_key(p->bh, p->slot) - 1;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Point the path at the smallest item with a key >= @key.  When the leaf
 * @key leads to has none, the item is the first of the next leaf: go down
 * again for the separator key that begins it.
 */
static int atomfs_bt_seek_ge(struct atomfs_bt *bt, u64 key)
{
	unsigned int tries;
	int err;

	for (tries = 0; tries < ATOMFS_BT_MAX_RETRIES; tries++) {
		err = atomfs_bt_search(bt, key);
		if (err)
			return err;
		if (bt->path[0].slot < atomfs_bt_nr(bt->path[0].bh))
			return 0;
		err = atomfs_bt_next_key(bt, &key);
		if (err)
			return err;
	}
	/* Only trees whose nodes disagree with each other get here. */
	return atomfs_bt_corrupt(bt, ATOMFS_I(bt->inode)->i_root,
				 "no item found above key %llu", key);
}

/* Point the path at the largest item with a key <= @key. */
static int atomfs_bt_seek_le(struct atomfs_bt *bt, u64 key)
{
	unsigned int tries;
	int err;

	for (tries = 0; tries < ATOMFS_BT_MAX_RETRIES; tries++) {
		err = atomfs_bt_search(bt, key);
		if (err)
			return err;
		if (atomfs_bt_found(bt, key))
			return 0;
		if (bt->path[0].slot) {
			bt->path[0].slot--;
			return 0;
		}
		err = atomfs_bt_prev_key(bt, &key);
		if (err)
			return err;
	}
	return atomfs_bt_corrupt(bt, ATOMFS_I(bt->inode)->i_root,
				 "no item found below key %llu", key);
}

/**
 * atomfs_btree_lookup() - find an item
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @key:	the key to look for
 * @mode:	ATOMFS_BT_EQ: the item with key @key; ATOMFS_BT_LE: the one
 *		with the largest key <= @key; ATOMFS_BT_GE: the one with the
 *		smallest key >= @key
 * @found_key:	if not NULL, the item's key
 * @val:	if not NULL, a buffer for the item's value
 * @len:	in: the size of @val; out: the size of the value.  May be NULL
 *		only if @val is.
 *
 * When the value does not fit @val, @found_key and @len are still filled in.
 * The caller holds the tree stable; lookups may run concurrently.
 *
 * Return: 0; -ENOENT when there is no such item; -EOVERFLOW when the value
 * does not fit @val; -EUCLEAN, -EIO or -ENOMEM.
 */
int atomfs_btree_lookup(struct inode *inode, u8 type, u64 key,
			enum atomfs_btree_mode mode, u64 *found_key,
			void *val, unsigned int *len)
{
	struct buffer_head *leaf;
	struct atomfs_bt bt;
	unsigned int slot, size;
	int err;

	atomfs_bt_init(&bt, inode, type);
	switch (mode) {
	case ATOMFS_BT_GE:
		err = atomfs_bt_seek_ge(&bt, key);
		break;
	case ATOMFS_BT_LE:
		err = atomfs_bt_seek_le(&bt, key);
		break;
	default:
		err = atomfs_bt_search(&bt, key);
		if (!err && !atomfs_bt_found(&bt, key))
			err = -ENOENT;
		break;
	}
	if (err)
		goto out;

	leaf = bt.path[0].bh;
	slot = bt.path[0].slot;
	size = atomfs_bt_size(leaf, slot);
	if (found_key)
		*found_key = atomfs_bt_key(leaf, slot);
	if (val) {
		if (size > *len)
			err = -EOVERFLOW;
		else
			memcpy(val, leaf->b_data + atomfs_bt_off(leaf, slot),
			       size);
	}
	if (len)
		*len = size;
out:
	atomfs_bt_release(&bt);
	return err;
}

/*
 * Make room for a value of @len bytes for a new item @i, moving the values
 * of items i.. (which sit below item i - 1's) down; there is room.
 */
static void atomfs_bt_leaf_insert(struct buffer_head *bh, unsigned int i,
				  u64 key, const void *val, unsigned int len)
{
	unsigned int nr = atomfs_bt_nr(bh);
	unsigned int low = atomfs_bt_leaf_low(bh);
	unsigned int end = i ? atomfs_bt_off(bh, i - 1) : ATOMFS_BLOCK_SIZE;
	struct atomfs_btree_item *it = atomfs_bt_item(bh, i);
	unsigned int j;

	memmove(bh->b_data + low - len, bh->b_data + low, end - low);
	for (j = i; j < nr; j++)
		atomfs_bt_item(bh, j)->it_offset =
			cpu_to_le16(atomfs_bt_off(bh, j) - len);
	memmove(it + 1, it, (nr - i) * ATOMFS_BT_ENTRY);
	it->it_key = cpu_to_le64(key);
	it->it_offset = cpu_to_le16(end - len);
	it->it_size = cpu_to_le16(len);
	it->it_reserved = 0;
	if (len)
		memcpy(bh->b_data + end - len, val, len);
	atomfs_bt_set_nr(bh, nr + 1);
}

/* Remove item @i, closing the gaps it leaves in both areas. */
static void atomfs_bt_leaf_delete(struct buffer_head *bh, unsigned int i)
{
	unsigned int nr = atomfs_bt_nr(bh);
	unsigned int low = atomfs_bt_leaf_low(bh);
	unsigned int off = atomfs_bt_off(bh, i);
	unsigned int size = atomfs_bt_size(bh, i);
	struct atomfs_btree_item *it = atomfs_bt_item(bh, i);
	unsigned int j;

	memmove(bh->b_data + low + size, bh->b_data + low, off - low);
	memset(bh->b_data + low, 0, size);
	for (j = i + 1; j < nr; j++)
		atomfs_bt_item(bh, j)->it_offset =
			cpu_to_le16(atomfs_bt_off(bh, j) + size);
	memmove(it, it + 1, (nr - i - 1) * ATOMFS_BT_ENTRY);
	memset(atomfs_bt_item(bh, nr - 1), 0, ATOMFS_BT_ENTRY);
	atomfs_bt_set_nr(bh, nr - 1);
}

/*
 * Give item @i a value of @len bytes (contents left to the caller): its
 * value keeps its end, and the values below it move by the difference.
 * Growing needs that much free space.
 */
static void atomfs_bt_leaf_resize(struct buffer_head *bh, unsigned int i,
				  unsigned int len)
{
	unsigned int nr = atomfs_bt_nr(bh);
	unsigned int low = atomfs_bt_leaf_low(bh);
	unsigned int off = atomfs_bt_off(bh, i);
	unsigned int size = atomfs_bt_size(bh, i);
	unsigned int new_low = low + size - len;
	unsigned int j;

	memmove(bh->b_data + new_low, bh->b_data + low, off - low);
	if (len < size)
		memset(bh->b_data + low, 0, size - len);
	for (j = i; j < nr; j++)
		atomfs_bt_item(bh, j)->it_offset =
			cpu_to_le16(atomfs_bt_off(bh, j) + size - len);
	atomfs_bt_item(bh, i)->it_size = cpu_to_le16(len);
}

/*
 * Append items @from.. of leaf @src to leaf @dst, which has room, and cut
 * them from @src.  Their values are contiguous in @src and stay so.
 */
static void atomfs_bt_leaf_append(struct buffer_head *dst,
				  struct buffer_head *src, unsigned int from)
{
	unsigned int snr = atomfs_bt_nr(src), dnr = atomfs_bt_nr(dst);
	unsigned int cnt = snr - from;
	unsigned int vend = from ? atomfs_bt_off(src, from - 1) :
			    ATOMFS_BLOCK_SIZE;
	unsigned int vlow = atomfs_bt_leaf_low(src);
	unsigned int dlow = atomfs_bt_leaf_low(dst);
	unsigned int vsize = vend - vlow;
	unsigned int j;

	memcpy(atomfs_bt_item(dst, dnr), atomfs_bt_item(src, from),
	       cnt * ATOMFS_BT_ENTRY);
	memcpy(dst->b_data + dlow - vsize, src->b_data + vlow, vsize);
	for (j = dnr; j < dnr + cnt; j++)
		atomfs_bt_item(dst, j)->it_offset =
			cpu_to_le16(atomfs_bt_off(dst, j) + dlow - vend);
	atomfs_bt_set_nr(dst, dnr + cnt);

	memset(src->b_data + vlow, 0, vsize);
	memset(atomfs_bt_item(src, from), 0, cnt * ATOMFS_BT_ENTRY);
	atomfs_bt_set_nr(src, from);
}

static void atomfs_bt_ptr_insert(struct buffer_head *bh, unsigned int i,
				 u64 key, u64 blkno)
{
	unsigned int nr = atomfs_bt_nr(bh);
	struct atomfs_btree_ptr *p = atomfs_bt_ptr(bh, i);

	memmove(p + 1, p, (nr - i) * ATOMFS_BT_ENTRY);
	p->bp_key = cpu_to_le64(key);
	p->bp_blkno = cpu_to_le64(blkno);
	atomfs_bt_set_nr(bh, nr + 1);
}

static void atomfs_bt_ptr_remove(struct buffer_head *bh, unsigned int i)
{
	unsigned int nr = atomfs_bt_nr(bh);
	struct atomfs_btree_ptr *p = atomfs_bt_ptr(bh, i);

	memmove(p, p + 1, (nr - i - 1) * ATOMFS_BT_ENTRY);
	memset(atomfs_bt_ptr(bh, nr - 1), 0, ATOMFS_BT_ENTRY);
	atomfs_bt_set_nr(bh, nr - 1);
}

/* Append pointers @from.. of @src to @dst, which has room. */
static void atomfs_bt_ptr_append(struct buffer_head *dst,
				 struct buffer_head *src, unsigned int from)
{
	unsigned int snr = atomfs_bt_nr(src), dnr = atomfs_bt_nr(dst);
	unsigned int cnt = snr - from;

	memcpy(atomfs_bt_ptr(dst, dnr), atomfs_bt_ptr(src, from),
	       cnt * ATOMFS_BT_ENTRY);
	atomfs_bt_set_nr(dst, dnr + cnt);
	memset(atomfs_bt_ptr(src, from), 0, cnt * ATOMFS_BT_ENTRY);
	atomfs_bt_set_nr(src, from);
}

/* Is every node above @level on the path at its last entry? */
static bool atomfs_bt_rightmost(struct atomfs_bt *bt, unsigned int level)
{
	for (level++; level < bt->depth; level++) {
		struct atomfs_bt_level *p = &bt->path[level];

		if (p->slot + 1 != atomfs_bt_nr(p->bh))
			return false;
	}
	return true;
}

/*
 * Room an item takes in the leaf sequence that a split divides: the leaf's
 * items with a new item of @len bytes put at @slot, or, when @replace, with
 * item @slot's value made @len bytes.
 */
static unsigned int atomfs_bt_vsize(struct buffer_head *bh, unsigned int j,
				    unsigned int slot, unsigned int len,
				    bool replace)
{
	if (j == slot)
		return ATOMFS_BT_ENTRY + len;
	if (j > slot && !replace)
		j--;
	return ATOMFS_BT_ENTRY + atomfs_bt_size(bh, j);
}

/*
 * How many items of that sequence the left leaf keeps, so that both leaves
 * fit and the fuller one is as empty as can be; 0 if no split fits, which
 * the bound on value sizes rules out.  Appending at the right edge of the
 * tree, which is how files grow, leaves the left leaf full instead.
 */
static unsigned int atomfs_bt_split_point(struct atomfs_bt *bt,
					  unsigned int slot, unsigned int len,
					  bool replace)
{
	struct buffer_head *bh = bt->path[0].bh;
	unsigned int nr = atomfs_bt_nr(bh);
	unsigned int total = atomfs_bt_leaf_used(bh) + ATOMFS_BT_ENTRY + len;
	unsigned int count = nr + 1;
	unsigned int best = 0, best_worst = UINT_MAX;
	unsigned int left = 0, split;

	if (replace) {
		total -= ATOMFS_BT_ENTRY + atomfs_bt_size(bh, slot);
		count = nr;
	} else if (slot == nr && atomfs_bt_rightmost(bt, 0)) {
		return nr;
	}

	for (split = 1; split < count; split++) {
		unsigned int right;

		left += atomfs_bt_vsize(bh, split - 1, slot, len, replace);
		if (left > ATOMFS_BT_SPACE)
			break;
		right = total - left;
		if (right > ATOMFS_BT_SPACE)
			continue;
		if (max(left, right) < best_worst) {
			best = split;
			best_worst = max(left, right);
		}
	}
	return best;
}

/*
 * Allocate, before anything changes, every block that splitting the leaf
 * on the path can take: one for each full node from the leaf up, and a new
 * root if the root splits.  A failure leaves the tree as it was.
 */
static int atomfs_bt_prealloc(struct atomfs_bt *bt)
{
	u64 goal = bt->path[0].bh->b_blocknr;
	unsigned int need = 1, level;

	for (level = 1; level < bt->depth; level++) {
		if (atomfs_bt_nr(bt->path[level].bh) < ATOMFS_BT_MAX_ENTRIES)
			break;
		need++;
	}
	if (level == bt->depth) {
		if (bt->depth == ATOMFS_BTREE_MAX_LEVELS)
			return -ENOSPC;
		need++;
	}

	while (bt->nr_new < need) {
		struct buffer_head *bh;
		u64 blkno;
		int err;

		err = atomfs_alloc_meta(bt->inode, goal, &blkno);
		if (err)
			return err;
		bt->dirty_inode = true;
		bh = atomfs_bt_new_node(bt, blkno, 0);
		if (!bh) {
			atomfs_free_meta(bt->inode, blkno);
			return -ENOMEM;
		}
		bt->new_bh[bt->nr_new++] = bh;
		goal = blkno + 1;
	}
	return 0;
}

static struct buffer_head *atomfs_bt_take_new(struct atomfs_bt *bt,
					      unsigned int level)
{
	struct buffer_head *bh = bt->new_bh[--bt->nr_new];

	bt->new_bh[bt->nr_new] = NULL;
	atomfs_bt_hdr(bh)->bt_level = level;
	return bh;
}

/*
 * Put a new item at the path's slot of a leaf without room for it: split
 * the leaf after @split items of the sequence with the new item in it, and
 * every full ancestor that the new pointers reach.  The blocks are
 * preallocated, so nothing here can fail.
 */
static void atomfs_bt_split_insert(struct atomfs_bt *bt, u64 key,
				   const void *val, unsigned int len,
				   unsigned int split)
{
	struct buffer_head *left = bt->path[0].bh, *right, *root;
	unsigned int slot = bt->path[0].slot;
	unsigned int level;
	u64 sep, rblk;

	right = atomfs_bt_take_new(bt, 0);
	if (slot < split) {
		atomfs_bt_leaf_append(right, left, split - 1);
		atomfs_bt_leaf_insert(left, slot, key, val, len);
	} else {
		atomfs_bt_leaf_append(right, left, split);
		atomfs_bt_leaf_insert(right, slot - split, key, val, len);
	}
	sep = atomfs_bt_key(right, 0);
	rblk = right->b_blocknr;
	atomfs_bt_dirty(left);
	atomfs_bt_dirty(right);
	brelse(right);

	for (level = 1; level < bt->depth; level++) {
		struct buffer_head *node = bt->path[level].bh;
		unsigned int nr = atomfs_bt_nr(node);
		unsigned int pos = bt->path[level].slot + 1;

		if (nr < ATOMFS_BT_MAX_ENTRIES) {
			atomfs_bt_ptr_insert(node, pos, sep, rblk);
			atomfs_bt_dirty(node);
			return;
		}
		right = atomfs_bt_take_new(bt, level);
		split = pos == nr && atomfs_bt_rightmost(bt, level) ?
			nr : (nr + 1) / 2;
		if (pos < split) {
			atomfs_bt_ptr_append(right, node, split - 1);
			atomfs_bt_ptr_insert(node, pos, sep, rblk);
		} else {
			atomfs_bt_ptr_append(right, node, split);
			atomfs_bt_ptr_insert(right, pos - split, sep, rblk);
		}
		sep = atomfs_bt_key(right, 0);
		rblk = right->b_blocknr;
		atomfs_bt_dirty(node);
		atomfs_bt_dirty(right);
		brelse(right);
	}

	/* The root split: the tree grows a level. */
	left = bt->path[bt->depth - 1].bh;
	root = atomfs_bt_take_new(bt, bt->depth);
	atomfs_bt_ptr_insert(root, 0, atomfs_bt_key(left, 0), left->b_blocknr);
	atomfs_bt_ptr_insert(root, 1, sep, rblk);
	atomfs_bt_dirty(root);
	ATOMFS_I(bt->inode)->i_root = root->b_blocknr;
	bt->dirty_inode = true;
	brelse(root);
}

/*
 * A new key below a subtree's lower bound can only have come down entry 0;
 * lower those bounds to it.
 */
static void atomfs_bt_lower_keys(struct atomfs_bt *bt, u64 key)
{
	unsigned int level;

	for (level = 1; level < bt->depth; level++) {
		struct atomfs_bt_level *p = &bt->path[level];

		if (key < atomfs_bt_key(p->bh, p->slot)) {
			atomfs_bt_ptr(p->bh, p->slot)->bp_key = cpu_to_le64(key);
			atomfs_bt_dirty(p->bh);
		}
	}
}

/* Insert an absent key at the path's slot. */
static int atomfs_bt_insert_here(struct atomfs_bt *bt, u64 key,
				 const void *val, unsigned int len)
{
	struct buffer_head *leaf = bt->path[0].bh;
	unsigned int slot = bt->path[0].slot;
	unsigned int split;
	int err;

	if (atomfs_bt_leaf_free(leaf) >= ATOMFS_BT_ENTRY + len) {
		atomfs_bt_lower_keys(bt, key);
		atomfs_bt_leaf_insert(leaf, slot, key, val, len);
		atomfs_bt_dirty(leaf);
		return 0;
	}
	split = atomfs_bt_split_point(bt, slot, len, false);
	if (!split)
		return atomfs_bt_corrupt(bt, leaf->b_blocknr,
					 "cannot be split");
	err = atomfs_bt_prealloc(bt);
	if (err)
		return err;
	atomfs_bt_lower_keys(bt, key);
	atomfs_bt_split_insert(bt, key, val, len, split);
	return 0;
}

/* Start a tree with one leaf holding one item. */
static int atomfs_bt_new_tree(struct atomfs_bt *bt, u64 key, const void *val,
			      unsigned int len)
{
	struct buffer_head *bh;
	u64 blkno;
	int err;

	err = atomfs_alloc_meta(bt->inode, 0, &blkno);
	if (err)
		return err;
	bt->dirty_inode = true;
	bh = atomfs_bt_new_node(bt, blkno, 0);
	if (!bh) {
		atomfs_free_meta(bt->inode, blkno);
		return -ENOMEM;
	}
	atomfs_bt_leaf_insert(bh, 0, key, val, len);
	atomfs_bt_dirty(bh);
	brelse(bh);
	ATOMFS_I(bt->inode)->i_root = blkno;
	return 0;
}

/* End a change: drop the path and unused blocks, and note the inode dirty. */
static int atomfs_bt_finish(struct atomfs_bt *bt, int err)
{
	atomfs_bt_release(bt);
	while (bt->nr_new) {
		int ret = atomfs_bt_free_node(bt, atomfs_bt_take_new(bt, 0));

		err = err ?: ret;
	}
	if (bt->dirty_inode)
		mark_inode_dirty(bt->inode);
	return err;
}

/**
 * atomfs_btree_insert() - add an item
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @key:	the new item's key
 * @val:	its value
 * @len:	the value's size, at most 2016 bytes
 *
 * Splits nodes as needed; the blocks for that are allocated before the tree
 * is touched, so that on any error the tree is as it was.  The inode is
 * marked dirty when its root or block count changes.
 *
 * Return: 0; -EEXIST if @key is in the tree; -ENOSPC, -EUCLEAN, -EIO,
 * -ENOMEM; -EINVAL if @len is too large.
 */
int atomfs_btree_insert(struct inode *inode, u8 type, u64 key,
			const void *val, unsigned int len)
{
	struct atomfs_bt bt;
	int err;

	if (len > ATOMFS_BT_MAX_VALUE)
		return -EINVAL;
	atomfs_bt_init(&bt, inode, type);
	bt.write = true;
	if (!ATOMFS_I(inode)->i_root) {
		err = atomfs_bt_new_tree(&bt, key, val, len);
		return atomfs_bt_finish(&bt, err);
	}
	err = atomfs_bt_search(&bt, key);
	if (!err && atomfs_bt_found(&bt, key))
		err = -EEXIST;
	if (!err)
		err = atomfs_bt_insert_here(&bt, key, val, len);
	return atomfs_bt_finish(&bt, err);
}

/**
 * atomfs_btree_update() - replace the value of an item
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @key:	the item's key
 * @val:	its new value
 * @len:	the new value's size, at most 2016 bytes
 *
 * A value that keeps its size, or that fits its leaf, is replaced in place;
 * otherwise the leaf is split, with the blocks allocated first, so that on
 * any error the item keeps its old value.
 *
 * Return: 0; -ENOENT if @key is not in the tree; -ENOSPC, -EUCLEAN, -EIO,
 * -ENOMEM; -EINVAL if @len is too large.
 */
int atomfs_btree_update(struct inode *inode, u8 type, u64 key,
			const void *val, unsigned int len)
{
	struct buffer_head *leaf;
	unsigned int slot, size, split;
	struct atomfs_bt bt;
	int err;

	if (len > ATOMFS_BT_MAX_VALUE)
		return -EINVAL;
	atomfs_bt_init(&bt, inode, type);
	bt.write = true;
	err = atomfs_bt_search(&bt, key);
	if (!err && !atomfs_bt_found(&bt, key))
		err = -ENOENT;
	if (err)
		return atomfs_bt_finish(&bt, err);

	leaf = bt.path[0].bh;
	slot = bt.path[0].slot;
	size = atomfs_bt_size(leaf, slot);
	if (len <= size || len - size <= atomfs_bt_leaf_free(leaf)) {
		if (len != size)
			atomfs_bt_leaf_resize(leaf, slot, len);
		if (len)
			memcpy(leaf->b_data + atomfs_bt_off(leaf, slot), val,
			       len);
		atomfs_bt_dirty(leaf);
		return atomfs_bt_finish(&bt, 0);
	}

	split = atomfs_bt_split_point(&bt, slot, len, true);
	if (!split)
		return atomfs_bt_finish(&bt,
					atomfs_bt_corrupt(&bt, leaf->b_blocknr,
							  "cannot be split"));
	err = atomfs_bt_prealloc(&bt);
	if (!err) {
		/* Now the old item can go, and the new one take its slot. */
		atomfs_bt_leaf_delete(leaf, slot);
		atomfs_bt_split_insert(&bt, key, val, len, split);
	}
	return atomfs_bt_finish(&bt, err);
}

static bool atomfs_bt_underfull(struct buffer_head *bh)
{
	if (atomfs_bt_level(bh))
		return atomfs_bt_nr(bh) <= ATOMFS_BT_NODE_LOW;
	return atomfs_bt_leaf_used(bh) <= ATOMFS_BT_LEAF_LOW;
}

static bool atomfs_bt_fit(struct buffer_head *a, struct buffer_head *b)
{
	if (atomfs_bt_level(a))
		return atomfs_bt_nr(a) + atomfs_bt_nr(b) <=
		       ATOMFS_BT_MAX_ENTRIES;
	return atomfs_bt_leaf_used(a) + atomfs_bt_leaf_used(b) <=
	       ATOMFS_BT_SPACE;
}

/* Move all of @src's entries to the end of @dst, its left sibling. */
static void atomfs_bt_merge_into(struct buffer_head *dst,
				 struct buffer_head *src)
{
	if (atomfs_bt_level(dst))
		atomfs_bt_ptr_append(dst, src, 0);
	else
		atomfs_bt_leaf_append(dst, src, 0);
	atomfs_bt_dirty(dst);
}

/*
 * Merge the node at @level of the path with its left or right sibling under
 * the same parent, if they fit in one block; the right one of the pair is
 * freed and its pointer removed from the parent.  Merging only keeps the
 * tree compact: a sibling that cannot be read (reported as it was read) is
 * left alone.  Returns whether the parent lost a pointer.
 */
static bool atomfs_bt_merge(struct atomfs_bt *bt, unsigned int level)
{
	struct atomfs_bt_level *p = &bt->path[level];
	struct atomfs_bt_level *pp = &bt->path[level + 1];
	struct buffer_head *parent = pp->bh, *sib;
	unsigned int ps = pp->slot, pnr = atomfs_bt_nr(parent);

	if (ps > 0 &&
	    !atomfs_bt_read(bt, atomfs_bt_child(parent, ps - 1), level,
			    atomfs_bt_key(parent, ps - 1),
			    atomfs_bt_key(parent, ps) - 1, &sib)) {
		if (atomfs_bt_fit(sib, p->bh)) {
			atomfs_bt_merge_into(sib, p->bh);
			brelse(sib);
			atomfs_bt_free_node(bt, p->bh);
			p->bh = NULL;
			atomfs_bt_ptr_remove(parent, ps);
			return true;
		}
		brelse(sib);
	}
	if (ps + 1 < pnr &&
	    !atomfs_bt_read(bt, atomfs_bt_child(parent, ps + 1), level,
			    atomfs_bt_key(parent, ps + 1),
			    ps + 2 < pnr ? atomfs_bt_key(parent, ps + 2) - 1 :
			    pp->hi, &sib)) {
		if (atomfs_bt_fit(p->bh, sib)) {
			atomfs_bt_merge_into(p->bh, sib);
			atomfs_bt_free_node(bt, sib);
			atomfs_bt_ptr_remove(parent, ps + 1);
			return true;
		}
		brelse(sib);
	}
	return false;
}

/*
 * While the root is an interior node with one child, make the child the
 * root.  A root with one child is valid, so a failure here is no worse than
 * a tree one level taller than it needs to be.
 */
static void atomfs_bt_collapse(struct atomfs_bt *bt)
{
	struct atomfs_inode_info *ai = ATOMFS_I(bt->inode);
	struct buffer_head *root, *child;

	atomfs_bt_release(bt);
	while (ai->i_root) {
		if (atomfs_bt_read(bt, ai->i_root, -1, 0, U64_MAX, &root))
			return;
		if (!atomfs_bt_level(root) || atomfs_bt_nr(root) != 1) {
			brelse(root);
			return;
		}
		if (atomfs_bt_read(bt, atomfs_bt_child(root, 0),
				   atomfs_bt_level(root) - 1, 0, U64_MAX,
				   &child)) {
			brelse(root);
			return;
		}
		ai->i_root = child->b_blocknr;
		bt->dirty_inode = true;
		brelse(child);
		atomfs_bt_free_node(bt, root);
	}
}

/*
 * The path's leaf lost an item.  Write back the nodes that changed, going
 * up while nodes empty out or merge with a sibling, then shrink the root.
 * The blocks of nodes taken out of the tree are freed; when that fails, the
 * allocator has reported it and the block is leaked, but the tree is whole.
 */
static void atomfs_bt_shrink(struct atomfs_bt *bt)
{
	struct atomfs_inode_info *ai = ATOMFS_I(bt->inode);
	struct buffer_head *root;
	unsigned int level;

	for (level = 0; level + 1 < bt->depth; level++) {
		struct atomfs_bt_level *p = &bt->path[level];

		if (!atomfs_bt_nr(p->bh)) {
			atomfs_bt_free_node(bt, p->bh);
			p->bh = NULL;
			atomfs_bt_ptr_remove(bt->path[level + 1].bh,
					     bt->path[level + 1].slot);
			continue;
		}
		if (!atomfs_bt_underfull(p->bh) || !atomfs_bt_merge(bt, level)) {
			atomfs_bt_dirty(p->bh);
			return;
		}
	}

	root = bt->path[bt->depth - 1].bh;
	if (!atomfs_bt_nr(root)) {
		atomfs_bt_free_node(bt, root);
		bt->path[bt->depth - 1].bh = NULL;
		ai->i_root = 0;
		return;
	}
	atomfs_bt_dirty(root);
	if (atomfs_bt_level(root) && atomfs_bt_nr(root) == 1)
		atomfs_bt_collapse(bt);
}

/**
 * atomfs_btree_delete() - remove an item
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @key:	the item's key
 *
 * Frees the nodes that empty out, merges a node left at most a quarter full
 * into a sibling when they fit in one block, and lowers the tree while its
 * root has a single child.  Once the item is gone the call succeeds: a
 * failure to free a block, reported by the allocator, only leaks the block,
 * and a sibling or child that cannot be read only leaves the tree less
 * compact.
 *
 * Return: 0; -ENOENT if @key is not in the tree; -EUCLEAN, -EIO, -ENOMEM.
 */
int atomfs_btree_delete(struct inode *inode, u8 type, u64 key)
{
	struct atomfs_bt bt;
	int err;

	atomfs_bt_init(&bt, inode, type);
	bt.write = true;
	err = atomfs_bt_search(&bt, key);
	if (!err && !atomfs_bt_found(&bt, key))
		err = -ENOENT;
	if (!err) {
		atomfs_bt_leaf_delete(bt.path[0].bh, bt.path[0].slot);
		atomfs_bt_shrink(&bt);
	}
	return atomfs_bt_finish(&bt, err);
}

/**
 * atomfs_btree_iterate() - call a function on items in key order
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @start:	the smallest key wanted
 * @actor:	called for each item with a key >= @start; returns 0 to go
 *		on, or a positive value or a negative errno to stop.  It
 *		must not change the tree, and may sleep and fault: only
 *		buffer references are held across it.
 * @ctx:	passed to @actor
 *
 * Goes through a leaf at a time, going down again from the root only
 * between leaves.
 *
 * Return: 0 after the last item; the value @actor stopped with; or
 * -EUCLEAN, -EIO, -ENOMEM.
 */
int atomfs_btree_iterate(struct inode *inode, u8 type, u64 start,
			 atomfs_btree_actor_t actor, void *ctx)
{
	struct atomfs_bt bt;
	u64 key = start;
	int err;

	atomfs_bt_init(&bt, inode, type);
	for (;;) {
		struct buffer_head *leaf;
		unsigned int slot, nr;

		err = atomfs_bt_seek_ge(&bt, key);
		if (err)
			break;
		leaf = bt.path[0].bh;
		nr = atomfs_bt_nr(leaf);
		for (slot = bt.path[0].slot; slot < nr; slot++) {
			err = actor(ctx, atomfs_bt_key(leaf, slot),
				    leaf->b_data + atomfs_bt_off(leaf, slot),
				    atomfs_bt_size(leaf, slot));
			if (err)
				goto out;
		}
		/* Keys only grow: each separator is above the last key. */
		err = atomfs_bt_next_key(&bt, &key);
		if (err)
			break;
	}
	if (err == -ENOENT)
		err = 0;
out:
	atomfs_bt_release(&bt);
	return err;
}

/*
 * Visit every node, children before parents, checking each; when @destroy,
 * call @actor on every item of each leaf and free every node after its
 * children.  The path holds the nodes being visited, at most one per level,
 * and each level's slot is the next child to visit.
 */
static int atomfs_bt_walk(struct atomfs_bt *bt, bool destroy,
			  atomfs_btree_actor_t actor, void *ctx)
{
	struct buffer_head *bh;
	unsigned int level, top;
	int err;

	err = atomfs_bt_read(bt, ATOMFS_I(bt->inode)->i_root, -1, 0, U64_MAX,
			     &bh);
	if (err)
		return err;
	top = atomfs_bt_level(bh);
	bt->depth = top + 1;
	bt->path[top] = (struct atomfs_bt_level){ .bh = bh, .hi = U64_MAX };
	level = top;
	for (;;) {
		struct atomfs_bt_level *p = &bt->path[level];
		unsigned int nr = atomfs_bt_nr(p->bh);

		if (level && p->slot < nr) {
			u64 lo = atomfs_bt_key(p->bh, p->slot);
			u64 hi = p->slot + 1 < nr ?
				 atomfs_bt_key(p->bh, p->slot + 1) - 1 : p->hi;

			err = atomfs_bt_read(bt, atomfs_bt_child(p->bh, p->slot),
					     level - 1, lo, hi, &bh);
			if (err)
				return err;
			p->slot++;
			level--;
			bt->path[level] = (struct atomfs_bt_level){
				.bh = bh, .lo = lo, .hi = hi,
			};
			continue;
		}
		if (destroy) {
			unsigned int i;

			for (i = 0; !level && actor && i < nr; i++) {
				err = actor(ctx, atomfs_bt_key(p->bh, i),
					    p->bh->b_data +
					    atomfs_bt_off(p->bh, i),
					    atomfs_bt_size(p->bh, i));
				if (err)
					return err;
			}
			err = atomfs_bt_free_node(bt, p->bh);
		} else {
			brelse(p->bh);
		}
		p->bh = NULL;
		if (err)
			return err;
		if (level == top)
			return 0;
		level++;
	}
}

/*
 * The key @key becomes when the keys from @start on move by @delta: those
 * below @floor = @start + min(@delta, 0) stay, those from @start on move,
 * and moving down, the separators in [@floor, @start) become @floor.  The
 * map keeps the order of the keys of any node, and the bounds a parent
 * gives its children: no item lies in [@floor, @start), so a separator
 * there is the only one of its node there and bounds a subtree whose keys
 * all move.
 */
static u64 atomfs_bt_shifted(u64 key, u64 start, s64 delta, u64 floor)
{
	if (key >= start)
		return key + delta;
	return key >= floor ? floor : key;
}

/* Move the keys of one node; -EUCLEAN for an item in [@floor, @start). */
static int atomfs_bt_shift_node(struct atomfs_bt *bt, struct buffer_head *bh,
				u64 start, s64 delta, u64 floor)
{
	unsigned int nr = atomfs_bt_nr(bh), i;
	bool changed = false;

	for (i = 0; i < nr; i++) {
		u64 key = atomfs_bt_key(bh, i);
		u64 to = atomfs_bt_shifted(key, start, delta, floor);

		if (to == key)
			continue;
		if (!atomfs_bt_level(bh) && key < start)
			return atomfs_bt_corrupt(bt, bh->b_blocknr,
						 "key %llu in the range moved over",
						 key);
		if (atomfs_bt_level(bh))
			atomfs_bt_ptr(bh, i)->bp_key = cpu_to_le64(to);
		else
			atomfs_bt_item(bh, i)->it_key = cpu_to_le64(to);
		changed = true;
	}
	for (i = 1; i < nr; i++)
		if (atomfs_bt_key(bh, i) <= atomfs_bt_key(bh, i - 1))
			return atomfs_bt_corrupt(bt, bh->b_blocknr,
						 "keys out of order after a shift");
	if (changed)
		atomfs_bt_dirty(bh);
	return 0;
}

/**
 * atomfs_btree_shift() - move every key from one on by the same amount
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @start:	first key that moves
 * @delta:	added to each key >= @start; when negative, no item may have
 *		a key in [@start + @delta, @start), and @start + @delta must
 *		not wrap; when positive, the largest key + @delta must not
 *		wrap
 * @nodes:	NULL to move the keys; otherwise nothing changes, and the
 *		nodes that would change (at most) are counted here
 *
 * The keys are rewritten in place, in every node that holds a key from
 * @start + min(@delta, 0) on, each node after its children: the shape of
 * the tree stays, so that one handle with room for those nodes holds the
 * whole move.  Counted and then moved under one exclusion of the tree's
 * users, the count bounds the blocks the move dirties.
 *
 * Return: 0, -EUCLEAN, -EIO, -ENOMEM; a node may have been changed before
 * an error, which leaves the caller's handle unfit to commit.
 */
int atomfs_btree_shift(struct inode *inode, u8 type, u64 start, s64 delta,
		       unsigned int *nodes)
{
	u64 floor = delta < 0 ? start + delta : start;
	struct buffer_head *bh;
	struct atomfs_bt bt;
	unsigned int level, top;
	int err;

	if (!ATOMFS_I(inode)->i_root || !delta)
		return 0;
	atomfs_bt_init(&bt, inode, type);
	bt.write = !nodes;
	err = atomfs_bt_read(&bt, ATOMFS_I(inode)->i_root, -1, 0, U64_MAX,
			     &bh);
	if (err)
		return err;
	top = atomfs_bt_level(bh);
	bt.depth = top + 1;
	bt.path[top] = (struct atomfs_bt_level){ .bh = bh, .hi = U64_MAX };
	if (top)
		bt.path[top].slot = atomfs_bt_child_slot(bh, floor);
	level = top;
	/* As atomfs_bt_walk(), from the child that holds @floor on. */
	for (;;) {
		struct atomfs_bt_level *p = &bt.path[level];
		unsigned int nr = atomfs_bt_nr(p->bh);

		if (level && p->slot < nr) {
			u64 lo = atomfs_bt_key(p->bh, p->slot);
			u64 hi = p->slot + 1 < nr ?
				 atomfs_bt_key(p->bh, p->slot + 1) - 1 : p->hi;

			err = atomfs_bt_read(&bt,
					     atomfs_bt_child(p->bh, p->slot),
					     level - 1, lo, hi, &bh);
			if (err)
				break;
			p->slot++;
			level--;
			bt.path[level] = (struct atomfs_bt_level){
				.bh = bh, .lo = lo, .hi = hi,
			};
			if (level)
				bt.path[level].slot =
					atomfs_bt_child_slot(bh, floor);
			continue;
		}
		if (nodes)
			(*nodes)++;
		else
			err = atomfs_bt_shift_node(&bt, p->bh, start, delta,
						   floor);
		brelse(p->bh);
		p->bh = NULL;
		if (err || level == top)
			break;
		level++;
	}
	atomfs_bt_release(&bt);
	return err;
}

/**
 * atomfs_btree_destroy() - free a whole tree
 * @inode:	the tree's owner
 * @type:	ATOMFS_BTREE_EXTENTS or ATOMFS_BTREE_DIR
 * @actor:	if not NULL, called on every item first (to free what it
 *		points at); returns 0 or a negative errno
 * @ctx:	passed to @actor
 *
 * Every node is read and checked before anything is freed, so a tree that
 * cannot be read or is corrupt is left whole and unchanged.  An error after
 * that (from @actor, or freeing a block) stops the destruction, but the
 * tree is detached all the same: what was not yet freed is leaked, for fsck
 * to reclaim, rather than anything freed left referenced.  So but for an
 * error of the first pass, the tree is empty (i_root 0) and the inode
 * marked dirty on return.
 *
 * Return: 0, or a negative errno.
 */
int atomfs_btree_destroy(struct inode *inode, u8 type,
			 atomfs_btree_actor_t actor, void *ctx)
{
	struct atomfs_bt bt;
	int err;

	if (!ATOMFS_I(inode)->i_root)
		return 0;
	atomfs_bt_init(&bt, inode, type);
	err = atomfs_bt_walk(&bt, false, NULL, NULL);
	atomfs_bt_release(&bt);
	if (err)
		return err;
	err = atomfs_bt_walk(&bt, true, actor, ctx);
	atomfs_bt_release(&bt);
	ATOMFS_I(inode)->i_root = 0;
	mark_inode_dirty(inode);
	return err;
}
