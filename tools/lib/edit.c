// SPDX-License-Identifier: GPL-2.0
/*
 * Changing an unmounted filesystem: item sets, allocation, directory keys
 * and whole-tree writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edit.h"

void items_add(struct afs_items *items, u64 key, const void *val,
	       unsigned int size)
{
	struct afs_item *it;

	ARRAY_GROW(items->v, items->cap, items->n + 1);
	it = &items->v[items->n++];
	it->key = key;
	it->size = size;
	it->val = xmalloc(size);
	if (size)
		memcpy(it->val, val, size);
}

void items_del(struct afs_items *items, size_t i)
{
	free(items->v[i].val);
	memmove(&items->v[i], &items->v[i + 1],
		(items->n - i - 1) * sizeof(items->v[0]));
	items->n--;
}

static int item_cmp(const void *a, const void *b)
{
	const struct afs_item *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

void items_sort(struct afs_items *items)
{
	if (items->n > 1)
		qsort(items->v, items->n, sizeof(items->v[0]), item_cmp);
}

void items_free(struct afs_items *items)
{
	size_t i;

	for (i = 0; i < items->n; i++)
		free(items->v[i].val);
	free(items->v);
	memset(items, 0, sizeof(*items));
}

/* First index whose key is >= @key */
static size_t items_lower(const struct afs_items *items, u64 key)
{
	size_t lo = 0, hi = items->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (items->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long items_find(const struct afs_items *items, u64 key)
{
	size_t i = items_lower(items, key);

	return i < items->n && items->v[i].key == key ? (long)i : -1;
}

void afs_alloc_init(struct afs_alloc *a, struct afs *fs, struct bitmap *bm)
{
	a->fs = fs;
	a->bm = bm;
	a->cursor = fs->data_start;
	a->taken = 0;
	a->dry_run = false;
}

int afs_alloc_block(struct afs_alloc *a, u64 *blkno)
{
	u64 n = a->fs->blocks - a->fs->data_start;
	u64 b = a->cursor, i;

	for (i = 0; i < n; i++, b++) {
		if (b >= a->fs->blocks)
			b = a->fs->data_start;
		if (!bitmap_test(a->bm, b)) {
			bitmap_set(a->bm, b);
			a->cursor = b + 1;
			a->taken++;
			*blkno = b;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Is the whole unit at @b free? */
static bool unit_free(struct afs_alloc *a, u64 b)
{
	u64 i;

	if (b + a->fs->unit_blocks > a->fs->blocks)
		return false;
	for (i = 0; i < a->fs->unit_blocks; i++)
		if (bitmap_test(a->bm, b + i))
			return false;
	return true;
}

int afs_alloc_units(struct afs_alloc *a, u64 want, u64 *pblk, u64 *units)
{
	u64 ub = a->fs->unit_blocks;
	u64 first = ROUND_UP(a->fs->data_start, ub);
	u64 last = a->fs->blocks / ub * ub;	/* end of the last whole unit */
	u64 b, tries, nunits;

	if (first >= last || !want)
		return -ENOSPC;
	nunits = (last - first) / ub;
	b = ROUND_UP(a->cursor, ub);
	for (tries = 0; tries < nunits; tries++, b += ub) {
		u64 got = 0;

		if (b < first || b >= last)
			b = first;
		if (!unit_free(a, b))
			continue;
		/* one extent's length must fit its 32 bits */
		while (got < want && b + (got + 1) * ub <= last &&
		       (got + 1) * ub <= UINT32_MAX &&
		       unit_free(a, b + got * ub))
			got++;
		bitmap_set_range(a->bm, b, got * ub);
		a->cursor = b + got * ub;
		a->taken += got * ub;
		*pblk = b;
		*units = got;
		return 0;
	}
	return -ENOSPC;
}

int afs_alloc_ino(struct bitmap *ibm, u64 count, u64 *ino)
{
	u64 i;

	for (i = ATOMFS_FIRST_INO; i < count; i++) {
		if (!bitmap_test(ibm, i)) {
			bitmap_set(ibm, i);
			*ino = i;
			return 0;
		}
	}
	return -ENOSPC;
}

bool afs_dirent_parse(const u8 *val, unsigned int size,
		      struct afs_dirent_view *de)
{
	if (size < ATOMFS_DIRENT_SIZE)
		return false;
	de->ino = get_le64(val);
	de->dtype = val[8];
	de->namelen = val[9];
	de->name = (const char *)val + ATOMFS_DIRENT_SIZE;
	return size == ATOMFS_DIRENT_SIZE + de->namelen;
}

unsigned int afs_dirent_encode(u8 *buf, u64 ino, u8 dtype, const char *name,
			       unsigned int namelen)
{
	put_le64(buf, ino);
	buf[8] = dtype;
	buf[9] = namelen;
	memcpy(buf + ATOMFS_DIRENT_SIZE, name, namelen);
	return ATOMFS_DIRENT_SIZE + namelen;
}

bool afs_name_valid(const char *name, unsigned int len)
{
	if (!len || len > ATOMFS_NAME_LEN)
		return false;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	return true;
}

static bool item_has_name(const struct afs_item *it, const char *name,
			  unsigned int len)
{
	struct afs_dirent_view de;

	return afs_dirent_parse(it->val, it->size, &de) &&
	       de.namelen == len && !memcmp(de.name, name, len);
}

long afs_dir_find(const struct afs *fs, const struct afs_items *items,
		  const char *name, unsigned int len)
{
	u64 first = ATOMFS_DIR_KEY(afs_name_hash(fs, name, len), 0);
	size_t i;

	for (i = items_lower(items, first);
	     i < items->n && items->v[i].key <= (first | ATOMFS_DIR_SEQ_MAX);
	     i++)
		if (item_has_name(&items->v[i], name, len))
			return i;
	return -1;
}

struct newent_ref {
	u64	hash;
	size_t	idx;
};

static int newent_cmp(const void *a, const void *b)
{
	const struct newent_ref *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int afs_dir_add(const struct afs *fs, struct afs_items *items,
		struct afs_newent *ents, size_t n, size_t *bad)
{
	struct newent_ref *refs = xcalloc(n, sizeof(*refs));
	size_t n0 = items->n, i, j;
	u8 buf[ATOMFS_DIRENT_SIZE + ATOMFS_NAME_LEN];
	int err = 0;

	for (i = 0; i < n; i++) {
		refs[i].hash = afs_name_hash(fs, ents[i].name,
					     ents[i].namelen);
		refs[i].idx = i;
	}
	qsort(refs, n, sizeof(*refs), newent_cmp);

	/* Pick the keys first, so that a failure adds nothing. */
	for (i = 0; i < n && !err; i = j) {
		u64 first = ATOMFS_DIR_KEY(refs[i].hash, 0);
		u64 used[2] = { 0, 0 };
		size_t k;

		for (k = items_lower(items, first);
		     k < n0 && items->v[k].key <= (first | ATOMFS_DIR_SEQ_MAX);
		     k++) {
			unsigned int seq = items->v[k].key & ATOMFS_DIR_SEQ_MAX;

			used[seq / 64] |= 1ULL << (seq % 64);
		}
		for (j = i; j < n && refs[j].hash == refs[i].hash; j++) {
			struct afs_newent *e = &ents[refs[j].idx];
			unsigned int seq;

			if (!afs_name_valid(e->name, e->namelen)) {
				err = -EINVAL;
			} else if (afs_dir_find(fs, items, e->name,
						e->namelen) >= 0) {
				err = -EEXIST;
			} else {
				for (k = i; k < j; k++) {
					struct afs_newent *o =
						&ents[refs[k].idx];

					if (o->namelen == e->namelen &&
					    !memcmp(o->name, e->name,
						    e->namelen))
						err = -EEXIST;
				}
			}
			if (err) {
				if (bad)
					*bad = refs[j].idx;
				break;
			}
			for (seq = 0; seq <= ATOMFS_DIR_SEQ_MAX; seq++)
				if (!(used[seq / 64] & (1ULL << (seq % 64))))
					break;
			if (seq > ATOMFS_DIR_SEQ_MAX) {
				if (bad)
					*bad = refs[j].idx;
				err = -ENOSPC;
				break;
			}
			used[seq / 64] |= 1ULL << (seq % 64);
			e->key = first | seq;
		}
	}
	free(refs);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		unsigned int size = afs_dirent_encode(buf, ents[i].ino,
						      ents[i].dtype,
						      ents[i].name,
						      ents[i].namelen);

		items_add(items, ents[i].key, buf, size);
	}
	items_sort(items);
	return 0;
}

struct load_ctx {
	struct afs_items	*items;
	u64			*nodes;
	size_t			nnodes;
	size_t			cap;
};

static int load_node(void *ctx, u64 blkno, unsigned int level,
		     unsigned int nritems)
{
	struct load_ctx *c = ctx;

	(void)level;
	(void)nritems;
	ARRAY_GROW(c->nodes, c->cap, c->nnodes + 1);
	c->nodes[c->nnodes++] = blkno;
	return 0;
}

static int load_item(void *ctx, u64 leaf, unsigned int idx, u64 key,
		     const u8 *val, unsigned int size)
{
	struct load_ctx *c = ctx;

	(void)leaf;
	(void)idx;
	items_add(c->items, key, val, size);
	return 0;
}

int afs_tree_load(struct afs *fs, u64 owner, u8 type, u64 root,
		  struct afs_items *items, u64 **nodes, size_t *nnodes)
{
	struct load_ctx c = { .items = items };
	struct bt_walk w = {
		.fs = fs, .owner = owner, .type = type, .ctx = &c,
		.node = load_node, .item = load_item,
	};
	int err;

	err = bt_walk(&w, root);
	if (!err && w.damaged)
		err = -EUCLEAN;
	items_sort(items);
	if (nodes && !err) {
		*nodes = c.nodes;
		*nnodes = c.nnodes;
	} else {
		free(c.nodes);
	}
	return err;
}

static int store_alloc(void *ctx, u64 *blkno)
{
	return afs_alloc_block(ctx, blkno);
}

int afs_tree_store(struct afs *fs, struct afs_alloc *a, u64 owner, u8 type,
		   const struct afs_items *items, u64 *root, u64 *nodes)
{
	struct bt_item *bi = xcalloc(items->n, sizeof(*bi));
	struct bt_build b = {
		.fs = fs, .owner = owner, .type = type,
		.alloc = store_alloc, .ctx = a, .dry_run = a->dry_run,
	};
	size_t i;
	int err;

	for (i = 0; i < items->n; i++) {
		bi[i].key = items->v[i].key;
		bi[i].val = items->v[i].val;
		bi[i].size = items->v[i].size;
	}
	err = bt_build(&b, bi, items->n, root);
	free(bi);
	*nodes = b.nodes;
	return err;
}

void afs_now(u64 *sec, u32 *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
}

void afs_random(void *buf, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t done = 0;
	u8 *p = buf;

	while (fd >= 0 && done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n <= 0)
			break;
		done += n;
	}
	if (fd >= 0)
		close(fd);
	if (done < len) {
		/* Good enough for a uuid when urandom is missing. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		srandom(ts.tv_nsec ^ ts.tv_sec ^ getpid());
		for (; done < len; done++)
			p[done] = random() & 0xff;
	}
}
