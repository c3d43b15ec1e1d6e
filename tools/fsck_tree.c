// SPDX-License-Identifier: GPL-2.0
/*
 * fsck.atomfs: what each inode owns.  Extent trees and directory trees are
 * walked with the shared checker (lib/btree.c), every item is checked on
 * its own, symlink blocks are read, and then the blocks of all inodes are
 * checked against each other.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsck.h"

static void add_range(struct fsck *f, struct finode *fi, u64 start, u64 len,
		      unsigned int kind, size_t ref)
{
	struct frange *r;

	ARRAY_GROW(f->ranges, f->ranges_cap, f->nranges + 1);
	r = &f->ranges[f->nranges++];
	r->start = start;
	r->len = len;
	r->fi = fi;
	r->kind = kind;
	r->ref = ref;
	r->dropped = false;
}

struct tree_ctx {
	struct fsck	*f;
	struct finode	*fi;
	bool		damaged;
	/* directories: entries to put back under the right key */
	struct afs_newent *rekey;
	size_t		nrekey;
	size_t		rekey_cap;
};

static void tree_problem(void *ctx, u64 blkno, const char *msg)
{
	struct tree_ctx *c = ctx;

	(void)blkno;
	problem(c->f, "inode %llu: %s", (unsigned long long)c->fi->ino, msg);
	c->fi->tree_dirty = true;
	c->damaged = true;
}

static int tree_node(void *ctx, u64 blkno, unsigned int level,
		     unsigned int nr)
{
	struct tree_ctx *c = ctx;
	struct finode *fi = c->fi;

	(void)level;
	(void)nr;
	ARRAY_GROW(fi->nodes, fi->nodes_cap, fi->nnodes + 1);
	fi->nodes[fi->nnodes++] = blkno;
	return 0;
}

static int ext_item(void *ctx, u64 leaf, unsigned int idx, u64 key,
		    const u8 *val, unsigned int size)
{
	struct tree_ctx *c = ctx;
	struct fsck *f = c->f;
	struct finode *fi = c->fi;
	const struct atomfs_extent *raw = (const void *)val;
	unsigned long long ino = fi->ino, k = key;
	u64 ub = f->fs.unit_blocks;
	struct fext e;
	const char *bad = NULL;

	(void)leaf;
	(void)idx;
	if (size != sizeof(*raw)) {
		problem(f, "inode %llu: extent item at lblk %llu has a value of %u bytes, not %zu",
			ino, k, size, sizeof(*raw));
		fi->tree_dirty = true;
		return 0;
	}
	e.lblk = key;
	e.pblk = le64toh(raw->e_pblk);
	e.len = le32toh(raw->e_len);
	e.flags = le32toh(raw->e_flags);
	e.drop = false;
	fi->read_blocks += e.len;

	if (!e.len)
		bad = "has length 0";
	else if (e.flags & ~ATOMFS_EXTENT_UNWRITTEN)
		bad = "has unknown flags";
	else if (e.lblk >= ATOMFS_MAX_LBLK ||
		 e.len > ATOMFS_MAX_LBLK - e.lblk)
		bad = "runs past the largest file offset";
	else if (e.pblk < f->fs.data_start)
		bad = "lies before the data area";
	else if (e.pblk >= f->fs.blocks || e.len > f->fs.blocks - e.pblk)
		bad = "runs past the end of the filesystem";
	else if (e.lblk % ub != e.pblk % ub)
		bad = "is not aligned to the atomic unit";
	if (bad) {
		problem(f, "inode %llu: extent at lblk %llu -> %llu+%llu %s",
			ino, k, (unsigned long long)e.pblk,
			(unsigned long long)e.len, bad);
		fi->tree_dirty = true;
		return 0;
	}
	ARRAY_GROW(fi->ext, fi->ext_cap, fi->next + 1);
	fi->ext[fi->next++] = e;
	return 0;
}

static int fext_cmp(const void *a, const void *b)
{
	const struct fext *x = a, *y = b;

	return x->lblk < y->lblk ? -1 : x->lblk > y->lblk;
}

static void collect_extents(struct fsck *f, struct finode *fi,
			    struct tree_ctx *c)
{
	u64 end = 0;
	size_t i;

	if (fi->next > 1)
		qsort(fi->ext, fi->next, sizeof(*fi->ext), fext_cmp);
	for (i = 0; i < fi->next; i++) {
		struct fext *e = &fi->ext[i];

		if (i && e->lblk < end) {
			problem(f, "inode %llu: extent at lblk %llu -> %llu+%llu overlaps the one before it in the file",
				(unsigned long long)fi->ino,
				(unsigned long long)e->lblk,
				(unsigned long long)e->pblk,
				(unsigned long long)e->len);
			e->drop = true;
			fi->tree_dirty = true;
			continue;
		}
		end = e->lblk + e->len;
	}
	for (i = 0; i < fi->nnodes; i++)
		add_range(f, fi, fi->nodes[i], 1, R_NODE, i);
	for (i = 0; i < fi->next; i++)
		if (!fi->ext[i].drop)
			add_range(f, fi, fi->ext[i].pblk, fi->ext[i].len,
				  R_DATA, i);
	f->nr_ext += fi->next;
	(void)c;
}

static int dir_item(void *ctx, u64 leaf, unsigned int idx, u64 key,
		    const u8 *val, unsigned int size)
{
	struct tree_ctx *c = ctx;
	struct fsck *f = c->f;
	struct finode *fi = c->fi;
	struct afs_dirent_view de;
	char nb[64];
	u64 hash;

	(void)leaf;
	(void)idx;
	if (!afs_dirent_parse(val, size, &de)) {
		problem(f, "directory %llu: malformed entry at key %llu",
			(unsigned long long)fi->ino,
			(unsigned long long)key);
		fi->tree_dirty = true;
		return 0;
	}
	esc_name(de.name, de.namelen, nb, sizeof(nb));
	if (!afs_name_valid(de.name, de.namelen)) {
		problem(f, "directory %llu: entry '%s' has an invalid name",
			(unsigned long long)fi->ino, nb);
		fi->tree_dirty = true;
		return 0;
	}
	hash = afs_name_hash(&f->fs, de.name, de.namelen);
	if (key >> ATOMFS_DIR_SEQ_BITS != hash) {
		struct afs_newent *n;

		problem(f, "directory %llu: entry '%s' has key %llu, but its name hashes to %llu",
			(unsigned long long)fi->ino, nb,
			(unsigned long long)key,
			(unsigned long long)ATOMFS_DIR_KEY(hash, 0));
		fi->tree_dirty = true;
		ARRAY_GROW(c->rekey, c->rekey_cap, c->nrekey + 1);
		n = &c->rekey[c->nrekey++];
		memset(n, 0, sizeof(*n));
		n->name = xmalloc(de.namelen);
		memcpy((char *)n->name, de.name, de.namelen);
		n->namelen = de.namelen;
		n->ino = de.ino;
		n->dtype = de.dtype;
		return 0;
	}
	items_add(&fi->dents, key, val, size);
	return 0;
}

/* Same key twice, or the same name twice: the later one goes. */
static void dir_dedupe(struct fsck *f, struct finode *fi)
{
	struct afs_items *it = &fi->dents;
	size_t i, j;

	items_sort(it);
	for (i = 1; i < it->n; ) {
		if (it->v[i].key == it->v[i - 1].key) {
			problem(f, "directory %llu: two entries with key %llu",
				(unsigned long long)fi->ino,
				(unsigned long long)it->v[i].key);
			items_del(it, i);
			fi->tree_dirty = true;
			continue;
		}
		i++;
	}
	for (i = 0; i < it->n; i++) {
		struct afs_dirent_view a, b;

		afs_dirent_parse(it->v[i].val, it->v[i].size, &a);
		for (j = i + 1; j < it->n &&
		     it->v[j].key >> ATOMFS_DIR_SEQ_BITS ==
		     it->v[i].key >> ATOMFS_DIR_SEQ_BITS; ) {
			char nb[64];

			afs_dirent_parse(it->v[j].val, it->v[j].size, &b);
			if (a.namelen != b.namelen ||
			    memcmp(a.name, b.name, a.namelen)) {
				j++;
				continue;
			}
			problem(f, "directory %llu: duplicate entry '%s'",
				(unsigned long long)fi->ino,
				esc_name(b.name, b.namelen, nb, sizeof(nb)));
			items_del(it, j);
			fi->tree_dirty = true;
		}
	}
}

static void collect_dir(struct fsck *f, struct finode *fi,
			struct tree_ctx *c)
{
	size_t i;

	dir_dedupe(f, fi);
	for (i = 0; i < c->nrekey; i++) {
		struct afs_newent *n = &c->rekey[i];
		char nb[64];

		if (afs_dir_add(&f->fs, &fi->dents, n, 1, NULL))
			problem(f, "directory %llu: duplicate entry '%s'",
				(unsigned long long)fi->ino,
				esc_name(n->name, n->namelen, nb,
					 sizeof(nb)));
		free((char *)n->name);
	}
	free(c->rekey);
	for (i = 0; i < fi->nnodes; i++)
		add_range(f, fi, fi->nodes[i], 1, R_NODE, i);
}

static void collect_symlink(struct fsck *f, struct finode *fi)
{
	const struct atomfs_symlink_block *sl;
	unsigned long long ino = fi->ino;
	bool inl = fi->flags & ATOMFS_INODE_INLINE_SYMLINK;
	u8 blk[ATOMFS_BLOCK_SIZE];
	const char *bad = NULL;

	if (!fi->size || fi->size > ATOMFS_SYMLINK_MAX ||
	    (inl && fi->size > ATOMFS_INLINE_SIZE)) {
		problem(f, "inode %llu: symlink target of %llu bytes%s", ino,
			(unsigned long long)fi->size,
			inl ? " stored inline" : "");
		fi_clear(f, fi);
		return;
	}
	if (inl) {
		if (fi->root) {
			problem(f, "inode %llu: inline symlink has a block (%llu)",
				ino, (unsigned long long)fi->root);
			fi->root = 0;
			fi->inode_dirty = true;
		}
		return;
	}
	if (!afs_in_data(&f->fs, fi->root)) {
		problem(f, "inode %llu: symlink block %llu lies outside the data area",
			ino, (unsigned long long)fi->root);
		fi_clear(f, fi);
		return;
	}
	if (afs_read_block(&f->fs, fi->root, blk)) {
		f->ioerr = true;
		return;
	}
	sl = (const void *)blk;
	if (le32toh(sl->sl_magic) != ATOMFS_SYMLINK_MAGIC)
		bad = "bad magic";
	else if (!afs_block_csum_ok(blk))
		bad = "checksum mismatch";
	else if (le64toh(sl->sl_blkno) != fi->root)
		bad = "records another block number";
	else if (le64toh(sl->sl_owner) != fi->ino)
		bad = "owned by another inode";
	else if (le32toh(sl->sl_len) != fi->size)
		bad = "target length differs from the inode size";
	if (bad) {
		problem(f, "inode %llu: symlink block %llu: %s", ino,
			(unsigned long long)fi->root, bad);
		fi_clear(f, fi);
		return;
	}
	fi->read_blocks = 1;
	add_range(f, fi, fi->root, 1, R_SYMLINK, 0);
}

int collect_inode(struct fsck *f, struct finode *fi)
{
	struct tree_ctx c = { .f = f, .fi = fi };
	struct bt_walk w = {
		.fs = &f->fs, .owner = fi->ino, .ctx = &c,
		.node = tree_node, .problem = tree_problem,
	};
	int err;

	switch (fi->mode & S_IFMT) {
	case S_IFREG:
		w.type = ATOMFS_BTREE_EXTENTS;
		w.item = ext_item;
		break;
	case S_IFDIR:
		w.type = ATOMFS_BTREE_DIR;
		w.item = dir_item;
		break;
	case S_IFLNK:
		collect_symlink(f, fi);
		return 0;
	default:
		if (fi->root) {
			problem(f, "inode %llu: %s has a tree root (%llu)",
				(unsigned long long)fi->ino,
				mode_name(fi->mode),
				(unsigned long long)fi->root);
			fi->root = 0;
			fi->inode_dirty = true;
		}
		return 0;
	}
	err = bt_walk(&w, fi->root);
	if (err) {
		f->ioerr = true;
		return err;
	}
	fi->read_blocks += fi->nnodes;
	fi->read_entries = w.items;
	if (c.damaged)
		fi->read_entries = fi->nentries;	/* unknown: no report */
	if (w.type == ATOMFS_BTREE_EXTENTS)
		collect_extents(f, fi, &c);
	else
		collect_dir(f, fi, &c);
	if (c.damaged)
		fi->read_blocks = fi->blocks;
	return 0;
}

/* First set bit in [start, start + len), or start + len */
static u64 first_set(const struct bitmap *bm, u64 start, u64 len)
{
	u64 i = start, end = start + len;

	while (i < end) {
		if (!(i & 7) && end - i >= 8 && !bm->bits[i >> 3]) {
			i += 8;
			continue;
		}
		if (bitmap_test(bm, i))
			return i;
		i++;
	}
	return end;
}

static int range_cmp(const void *a, const void *b)
{
	const struct frange *x = *(struct frange * const *)a;
	const struct frange *y = *(struct frange * const *)b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct finode *block_owner(struct fsck *f, u64 blkno)
{
	size_t lo = 0, hi = f->naccepted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->accepted[mid]->start <= blkno)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && blkno < f->accepted[lo - 1]->start + f->accepted[lo - 1]->len)
		return f->accepted[lo - 1]->fi;
	return NULL;
}

/*
 * No block may belong to two owners.  Inodes claim their blocks in inode
 * order, so the first owner keeps a block and a later claim is dropped.
 */
void check_overlaps(struct fsck *f)
{
	size_t i;

	bitmap_set_range(&f->used, 0, f->fs.data_start);
	for (i = 0; i < f->nranges; i++) {
		struct frange *r = &f->ranges[i];

		if (first_set(&f->used, r->start, r->len) < r->start + r->len)
			r->dropped = true;
		else
			bitmap_set_range(&f->used, r->start, r->len);
	}
	f->accepted = xcalloc(f->nranges, sizeof(*f->accepted));
	for (i = 0; i < f->nranges; i++)
		if (!f->ranges[i].dropped)
			f->accepted[f->naccepted++] = &f->ranges[i];
	qsort(f->accepted, f->naccepted, sizeof(*f->accepted), range_cmp);

	for (i = 0; i < f->nranges; i++) {
		struct frange *r = &f->ranges[i];
		struct finode *fi = r->fi, *other;
		unsigned long long ino = fi->ino;
		struct fext *e;

		if (!r->dropped)
			continue;
		other = block_owner(f, first_set(&f->used, r->start, r->len));
		switch (r->kind) {
		case R_DATA:
			e = &fi->ext[r->ref];
			problem(f, "inode %llu: extent at lblk %llu -> %llu+%llu overlaps inode %llu",
				ino, (unsigned long long)e->lblk,
				(unsigned long long)e->pblk,
				(unsigned long long)e->len,
				other ? (unsigned long long)other->ino : 0ULL);
			e->drop = true;
			fi->tree_dirty = true;
			break;
		case R_NODE:
			problem(f, "inode %llu: tree block %llu is also used by inode %llu",
				ino, (unsigned long long)r->start,
				other ? (unsigned long long)other->ino : 0ULL);
			fi->tree_dirty = true;
			break;
		default:
			problem(f, "inode %llu: symlink block %llu is also used by inode %llu",
				ino, (unsigned long long)r->start,
				other ? (unsigned long long)other->ino : 0ULL);
			if (!fi->clear)
				fi_clear(f, fi);
			break;
		}
	}
}

/*
 * Every atomic unit of a file is wholly unmapped or wholly mapped onto one
 * aligned, contiguous device range.  Extents are congruent to the unit
 * already, so an extent that starts or ends inside a unit must be
 * continued on the device by its neighbour.  Where that fails, the
 * extents are cut back to whole units until it holds everywhere.
 */
void check_units(struct fsck *f, struct finode *fi)
{
	u64 ub = f->fs.unit_blocks;
	bool first = true, changed = true;

	if (ub == 1 || fi->clear)
		return;
	while (changed) {
		struct fext *prev = NULL;
		size_t i, j;

		changed = false;
		for (i = 0; i < fi->next; i++) {
			struct fext *e = &fi->ext[i], *next = NULL;
			u64 end = e->lblk + e->len, nl, ne;
			bool bad_start, bad_end;

			if (e->drop)
				continue;
			for (j = i + 1; j < fi->next && !next; j++)
				if (!fi->ext[j].drop)
					next = &fi->ext[j];
			bad_start = e->lblk % ub &&
				    (!prev ||
				     prev->lblk + prev->len != e->lblk ||
				     prev->pblk + prev->len != e->pblk);
			bad_end = end % ub &&
				  (!next || next->lblk != end ||
				   next->pblk != e->pblk + e->len);
			if (!bad_start && !bad_end) {
				prev = e;
				continue;
			}
			if (first)
				problem(f, "inode %llu: extent at lblk %llu -> %llu+%llu leaves the unit at lblk %llu partly mapped or not contiguous on the device",
					(unsigned long long)fi->ino,
					(unsigned long long)e->lblk,
					(unsigned long long)e->pblk,
					(unsigned long long)e->len,
					(unsigned long long)(bad_start ?
					e->lblk / ub * ub : end / ub * ub));
			nl = bad_start ? ROUND_UP(e->lblk, ub) : e->lblk;
			ne = bad_end ? end / ub * ub : end;
			if (ne <= nl) {
				e->drop = true;
			} else {
				e->pblk += nl - e->lblk;
				e->lblk = nl;
				e->len = ne - nl;
				prev = e;
			}
			fi->tree_dirty = true;
			changed = true;
		}
		first = false;
	}
}
