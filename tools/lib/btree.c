// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and building the B+trees of the format.
 *
 * The rules a node must follow are those atomfs/btree.c checks when it
 * reads one, plus the structural ones it keeps by construction (depth,
 * no node reached twice, separator bounds): a tree the walker accepts is
 * one the kernel reads without complaint.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btree.h"

/* Blocks already seen in this walk: a small open-addressing hash set. */
struct bt_visited {
	u64	*slots;		/* 0: empty (block 0 is never a tree node) */
	size_t	cap;
	size_t	used;
};

static size_t visited_hash(u64 v, size_t cap)
{
	return (size_t)((v * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

/* Returns true when @blkno was already in the set. */
static bool visited_add(struct bt_visited *s, u64 blkno)
{
	size_t i;

	if ((s->used + 1) * 2 > s->cap) {
		u64 *old = s->slots;
		size_t oldcap = s->cap, j;

		s->cap = oldcap ? oldcap * 2 : 64;
		s->slots = xcalloc(s->cap, sizeof(u64));
		s->used = 0;
		for (j = 0; j < oldcap; j++)
			if (old[j])
				visited_add(s, old[j]);
		free(old);
	}
	for (i = visited_hash(blkno, s->cap); s->slots[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == blkno)
			return true;
	s->slots[i] = blkno;
	s->used++;
	return false;
}

const char *bt_type_name(u8 type)
{
	return type == ATOMFS_BTREE_DIR ? "directory" : "extent";
}

__printf(3, 4)
static void bt_problem(struct bt_walk *w, u64 blkno, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	w->damaged = true;
	if (!w->problem)
		return;
	n = snprintf(msg, sizeof(msg), "%s tree block %llu: ",
		     bt_type_name(w->type), (unsigned long long)blkno);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	w->problem(w->ctx, blkno, msg);
}

static const struct atomfs_btree_item *bt_items(const u8 *blk)
{
	return (const struct atomfs_btree_item *)(blk + ATOMFS_BTREE_HDR_SIZE);
}

static const struct atomfs_btree_ptr *bt_ptrs(const u8 *blk)
{
	return (const struct atomfs_btree_ptr *)(blk + ATOMFS_BTREE_HDR_SIZE);
}

static u64 bt_key(const u8 *blk, unsigned int i)
{
	const struct atomfs_btree_header *hdr = (const void *)blk;

	if (hdr->bt_level)
		return le64toh(bt_ptrs(blk)[i].bp_key);
	return le64toh(bt_items(blk)[i].it_key);
}

/* Checks of a node that do not depend on where it was reached from. */
static bool bt_node_ok(struct bt_walk *w, u64 blkno, const u8 *blk,
		       int want_level)
{
	const struct atomfs_btree_header *hdr = (const void *)blk;
	unsigned int nr = le16toh(hdr->bt_nritems);

	if (le32toh(hdr->bt_magic) != ATOMFS_BTREE_MAGIC) {
		bt_problem(w, blkno, "bad magic 0x%08x",
			   le32toh(hdr->bt_magic));
		return false;
	}
	if (!afs_block_csum_ok(blk)) {
		bt_problem(w, blkno, "bad checksum");
		return false;
	}
	if (le64toh(hdr->bt_blkno) != blkno) {
		bt_problem(w, blkno, "records block %llu",
			   (unsigned long long)le64toh(hdr->bt_blkno));
		return false;
	}
	if (le64toh(hdr->bt_owner) != w->owner) {
		bt_problem(w, blkno, "owned by inode %llu",
			   (unsigned long long)le64toh(hdr->bt_owner));
		return false;
	}
	if (hdr->bt_type != w->type) {
		bt_problem(w, blkno, "of type %u, expected %u (%s)",
			   hdr->bt_type, w->type, bt_type_name(w->type));
		return false;
	}
	if (hdr->bt_level >= ATOMFS_BTREE_MAX_LEVELS) {
		bt_problem(w, blkno, "level %u, deeper than the maximum of %u levels",
			   hdr->bt_level, ATOMFS_BTREE_MAX_LEVELS);
		return false;
	}
	if (want_level >= 0 && hdr->bt_level != want_level) {
		bt_problem(w, blkno, "level %u, expected %d (leaves at different depths)",
			   hdr->bt_level, want_level);
		return false;
	}
	if (nr > ATOMFS_BTREE_PTRS_MAX) {
		bt_problem(w, blkno, "%u entries, more than fit (%zu)", nr,
			   ATOMFS_BTREE_PTRS_MAX);
		return false;
	}
	if (!nr && hdr->bt_level) {
		bt_problem(w, blkno, "empty interior node");
		return false;
	}
	return true;
}

static int bt_walk_leaf(struct bt_walk *w, u64 blkno, const u8 *blk)
{
	const struct atomfs_btree_header *hdr = (const void *)blk;
	const struct atomfs_btree_item *it = bt_items(blk);
	unsigned int nr = le16toh(hdr->bt_nritems);
	unsigned int low = ATOMFS_BTREE_HDR_SIZE + nr * ATOMFS_BT_ENTRY;
	unsigned int end = ATOMFS_BLOCK_SIZE, i, j;
	bool skip[ATOMFS_BTREE_PTRS_MAX];
	bool packed = true;
	int ret;

	for (i = 0; i < nr; i++) {
		unsigned int off = le16toh(it[i].it_offset);
		unsigned int size = le16toh(it[i].it_size);

		skip[i] = false;
		if (it[i].it_reserved)
			bt_problem(w, blkno, "item %u: reserved field is not zero",
				   i);
		if (size > ATOMFS_BT_MAX_VALUE) {
			bt_problem(w, blkno, "item %u (key %llu): value of %u bytes, larger than %u",
				   i, (unsigned long long)bt_key(blk, i), size,
				   ATOMFS_BT_MAX_VALUE);
			skip[i] = true;
		} else if (off < low || off + size > ATOMFS_BLOCK_SIZE) {
			bt_problem(w, blkno, "item %u (key %llu): value of %u bytes at offset %u lies outside %u..%u",
				   i, (unsigned long long)bt_key(blk, i), size,
				   off, low, ATOMFS_BLOCK_SIZE);
			skip[i] = true;
		}
		if (skip[i]) {
			packed = false;
			continue;
		}
		if (off + size != end)
			packed = false;
		end = off;
	}
	if (!packed) {
		for (i = 0; i < nr; i++) {
			unsigned int off = le16toh(it[i].it_offset);
			unsigned int size = le16toh(it[i].it_size);

			if (skip[i] || !size)
				continue;
			for (j = 0; j < i; j++) {
				unsigned int o2 = le16toh(it[j].it_offset);
				unsigned int s2 = le16toh(it[j].it_size);

				if (skip[j] || off >= o2 + s2 ||
				    o2 >= off + size)
					continue;
				bt_problem(w, blkno, "item %u (key %llu): value at %u+%u overlaps the value of item %u",
					   i, (unsigned long long)bt_key(blk, i),
					   off, size, j);
				skip[i] = true;
				break;
			}
		}
		bt_problem(w, blkno, "item values are not packed in item order from the end of the block");
	}

	for (i = 0; i < nr; i++) {
		if (skip[i])
			continue;
		w->items++;
		if (!w->item)
			continue;
		ret = w->item(w->ctx, blkno, i, bt_key(blk, i),
			      blk + le16toh(it[i].it_offset),
			      le16toh(it[i].it_size));
		if (ret)
			return ret;
	}
	return 0;
}

static int bt_walk_node(struct bt_walk *w, u64 blkno, int want_level,
			u64 lo, u64 hi, u64 parent, unsigned int slot)
{
	u8 *blk;
	const struct atomfs_btree_header *hdr;
	unsigned int nr, level, i;
	bool ordered = true;
	int ret = 0;

	if (!afs_in_data(w->fs, blkno)) {
		if (parent)
			bt_problem(w, parent, "entry %u points at block %llu, outside the data area",
				   slot, (unsigned long long)blkno);
		else
			bt_problem(w, blkno, "root lies outside the data area");
		return 0;
	}
	if (visited_add(w->visited, blkno)) {
		bt_problem(w, blkno, "reached twice in the tree");
		return 0;
	}

	blk = xmalloc(ATOMFS_BLOCK_SIZE);
	ret = afs_read_block(w->fs, blkno, blk);
	if (ret)
		goto out;
	if (!bt_node_ok(w, blkno, blk, want_level))
		goto out;

	hdr = (const void *)blk;
	nr = le16toh(hdr->bt_nritems);
	level = hdr->bt_level;
	if (want_level < 0)
		w->depth = level + 1;
	if (!nr)
		bt_problem(w, blkno, parent ?
			   "empty leaf (only a root leaf may be empty)" :
			   "empty root leaf (an empty tree has no root)");
	if (hdr->bt_reserved)
		bt_problem(w, blkno, "reserved header field is not zero");

	for (i = 1; i < nr; i++) {
		if (bt_key(blk, i) <= bt_key(blk, i - 1)) {
			bt_problem(w, blkno, "key %llu of entry %u is not above key %llu of entry %u",
				   (unsigned long long)bt_key(blk, i), i,
				   (unsigned long long)bt_key(blk, i - 1),
				   i - 1);
			ordered = false;
			break;
		}
	}
	for (i = 0; i < nr; i++) {
		u64 k = bt_key(blk, i);

		if (k < lo || k > hi) {
			bt_problem(w, blkno, "key %llu of entry %u lies outside %llu..%llu, the range its parent gives it",
				   (unsigned long long)k, i,
				   (unsigned long long)lo,
				   (unsigned long long)hi);
			break;
		}
	}

	w->nodes++;
	if (w->node) {
		ret = w->node(w->ctx, blkno, level, nr);
		if (ret)
			goto out;
	}

	if (!level) {
		ret = bt_walk_leaf(w, blkno, blk);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		u64 clo = bt_key(blk, i), chi = hi;

		if (ordered && i + 1 < nr)
			chi = bt_key(blk, i + 1) - 1;
		ret = bt_walk_node(w, le64toh(bt_ptrs(blk)[i].bp_blkno),
				   level - 1, clo, chi, blkno, i);
		if (ret)
			break;
	}
out:
	free(blk);
	return ret;
}

int bt_walk(struct bt_walk *w, u64 root)
{
	struct bt_visited visited = { 0 };
	int ret;

	w->damaged = false;
	w->depth = 0;
	w->nodes = 0;
	w->items = 0;
	if (!root)
		return 0;
	w->visited = &visited;
	ret = bt_walk_node(w, root, -1, 0, UINT64_MAX, 0, 0);
	free(visited.slots);
	w->visited = NULL;
	return ret;
}

static void bt_init_node(struct bt_build *b, u8 *blk, u64 blkno,
			 unsigned int level)
{
	struct atomfs_btree_header *hdr = (void *)blk;

	memset(blk, 0, ATOMFS_BLOCK_SIZE);
	hdr->bt_magic = htole32(ATOMFS_BTREE_MAGIC);
	hdr->bt_blkno = htole64(blkno);
	hdr->bt_owner = htole64(b->owner);
	hdr->bt_level = level;
	hdr->bt_type = b->type;
}

static int bt_emit(struct bt_build *b, u8 *blk, unsigned int nr)
{
	struct atomfs_btree_header *hdr = (void *)blk;

	hdr->bt_nritems = htole16(nr);
	b->nodes++;
	if (b->dry_run)
		return 0;
	afs_block_set_csum(blk);
	return afs_write_block(b->fs, le64toh(hdr->bt_blkno), blk);
}

/* One level of separators: the first key and block of each node below. */
struct bt_level {
	u64	*keys;
	u64	*blknos;
	size_t	n;
	size_t	cap;
};

static void bt_level_add(struct bt_level *l, u64 key, u64 blkno)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->keys = xrealloc(l->keys, l->cap * sizeof(u64));
		l->blknos = xrealloc(l->blknos, l->cap * sizeof(u64));
	}
	l->keys[l->n] = key;
	l->blknos[l->n] = blkno;
	l->n++;
}

static void bt_level_free(struct bt_level *l)
{
	free(l->keys);
	free(l->blknos);
	memset(l, 0, sizeof(*l));
}

static int bt_new_block(struct bt_build *b, u64 *blkno)
{
	int err = b->alloc(b->ctx, blkno);

	if (err)
		return err;
	if (!b->dry_run && !afs_in_data(b->fs, *blkno))
		return -EINVAL;
	return 0;
}

static int bt_build_leaves(struct bt_build *b, const struct bt_item *items,
			   size_t n, struct bt_level *out, u8 *blk)
{
	unsigned int limit = b->leaf_bytes ? b->leaf_bytes : ATOMFS_BT_SPACE;
	struct atomfs_btree_item *it = (void *)(blk + ATOMFS_BTREE_HDR_SIZE);
	unsigned int nr = 0, used = 0, low = ATOMFS_BLOCK_SIZE;
	u64 blkno = 0;
	size_t i;
	int err;

	if (limit > ATOMFS_BT_SPACE)
		limit = ATOMFS_BT_SPACE;
	for (i = 0; i < n; i++) {
		unsigned int need = ATOMFS_BT_ENTRY + items[i].size;

		if (items[i].size > ATOMFS_BT_MAX_VALUE ||
		    (i && items[i].key <= items[i - 1].key))
			return -EINVAL;
		if (nr && used + need > limit) {
			err = bt_emit(b, blk, nr);
			if (err)
				return err;
			nr = 0;
		}
		if (!nr) {
			err = bt_new_block(b, &blkno);
			if (err)
				return err;
			bt_init_node(b, blk, blkno, 0);
			bt_level_add(out, items[i].key, blkno);
			used = 0;
			low = ATOMFS_BLOCK_SIZE;
		}
		low -= items[i].size;
		it[nr].it_key = htole64(items[i].key);
		it[nr].it_offset = htole16(low);
		it[nr].it_size = htole16(items[i].size);
		if (items[i].size)
			memcpy(blk + low, items[i].val, items[i].size);
		used += need;
		nr++;
	}
	return nr ? bt_emit(b, blk, nr) : 0;
}

int bt_build(struct bt_build *b, const struct bt_item *items, size_t n,
	     u64 *root)
{
	unsigned int fanout = b->node_ptrs ? b->node_ptrs :
			      ATOMFS_BTREE_PTRS_MAX;
	struct bt_level cur = { 0 }, next = { 0 };
	unsigned int level = 0;
	u8 *blk;
	int err;

	b->nodes = 0;
	b->depth = 0;
	*root = 0;
	if (!n)
		return 0;
	if (fanout < 2 || fanout > ATOMFS_BTREE_PTRS_MAX)
		return -EINVAL;

	blk = xmalloc(ATOMFS_BLOCK_SIZE);
	err = bt_build_leaves(b, items, n, &cur, blk);
	while (!err && cur.n > 1) {
		struct atomfs_btree_ptr *p = (void *)(blk +
						      ATOMFS_BTREE_HDR_SIZE);
		size_t i;

		if (++level >= ATOMFS_BTREE_MAX_LEVELS) {
			err = -E2BIG;
			break;
		}
		for (i = 0; i < cur.n && !err; i += fanout) {
			size_t j, cnt = MIN((size_t)fanout, cur.n - i);
			u64 blkno;

			err = bt_new_block(b, &blkno);
			if (err)
				break;
			bt_init_node(b, blk, blkno, level);
			for (j = 0; j < cnt; j++) {
				p[j].bp_key = htole64(cur.keys[i + j]);
				p[j].bp_blkno = htole64(cur.blknos[i + j]);
			}
			bt_level_add(&next, cur.keys[i], blkno);
			err = bt_emit(b, blk, cnt);
		}
		bt_level_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	}
	if (!err) {
		*root = cur.blknos[0];
		b->depth = level + 1;
	}
	bt_level_free(&cur);
	bt_level_free(&next);
	free(blk);
	return err;
}

int bt_leaf_set_value(struct afs *fs, u64 leaf, unsigned int idx,
		      const void *val, unsigned int size)
{
	u8 blk[ATOMFS_BLOCK_SIZE];
	const struct atomfs_btree_item *it = bt_items(blk);
	unsigned int off;
	int err;

	err = afs_read_block(fs, leaf, blk);
	if (err)
		return err;
	if (idx >= le16toh(((struct atomfs_btree_header *)blk)->bt_nritems) ||
	    le16toh(it[idx].it_size) != size)
		return -EINVAL;
	off = le16toh(it[idx].it_offset);
	if (off + size > ATOMFS_BLOCK_SIZE)
		return -EINVAL;
	memcpy(blk + off, val, size);
	afs_block_set_csum(blk);
	return afs_write_block(fs, leaf, blk);
}
