// SPDX-License-Identifier: GPL-2.0
/*
 * atomfs-debug fuzz: damage a sound image the way fuzzed images are
 * damaged, the same way for the same seed and the same image.
 *
 * The targets are every metadata structure the image holds: the
 * superblock, the bitmap blocks, the live inodes, the nodes of every tree,
 * the symlink blocks and the journal superblock.  Each damage is one of:
 *
 * - bits flipped, the checksum left stale: only checksums stand between
 *   it and the code that reads the structure;
 * - bits flipped, the checksum recomputed;
 * - a field of the format (atomfs_format.h: the superblock, an inode, a
 *   bitmap or tree header, a tree item or pointer, an extent, a directory
 *   entry, a symlink header) set to a value chosen to be wrong in an
 *   interesting way (0, 1, all ones, off by one, a metadata block, another
 *   inode, another file type), checksum recomputed;
 * - a bit of a bitmap flipped, above all for blocks the filesystem's own
 *   structures use, checksum recomputed;
 * - a name a directory may not hold ('/' or NUL in it, a length past the
 *   record), checksum recomputed.
 *
 * With a recomputed checksum only the structural checks stand between the
 * damage and the code.  Each damage is printed, one line each.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debug.h"
#include "journal.h"

enum tkind { T_SB, T_BBITMAP, T_IBITMAP, T_INODE, T_NODE, T_SYMLINK, T_JSB };

struct target {
	enum tkind	kind;
	u64		blkno;		/* the block holding it */
	u64		ino;		/* T_INODE: the inode; else its owner */
	u8		type;		/* T_NODE: ATOMFS_BTREE_* */
	u8		level;		/* T_NODE */
};

struct fuzz {
	struct afs	*fs;
	u64		rng;
	struct target	*t;
	size_t		nt;
	size_t		cap;
	u64		*inos;		/* live inodes */
	size_t		ninos;
	size_t		inos_cap;
	/* the target being walked */
	u64		owner;
	u8		type;
};

/* splitmix64: a seed gives the same damage on every host */
static u64 rnd(struct fuzz *z)
{
	u64 x = (z->rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static u64 below(struct fuzz *z, u64 n)
{
	return n ? rnd(z) % n : 0;
}

static void add_target(struct fuzz *z, enum tkind kind, u64 blkno, u64 ino,
		       u8 type, u8 level)
{
	ARRAY_GROW(z->t, z->cap, z->nt + 1);
	z->t[z->nt++] = (struct target){ kind, blkno, ino, type, level };
}

static int walk_node(void *ctx, u64 blkno, unsigned int level,
		     unsigned int nritems)
{
	struct fuzz *z = ctx;

	(void)nritems;
	add_target(z, T_NODE, blkno, z->owner, z->type, level);
	return 0;
}

static int collect(struct fuzz *z)
{
	struct afs *fs = z->fs;
	u8 blk[ATOMFS_BLOCK_SIZE];
	u64 b, ino = 0, i;

	add_target(z, T_SB, ATOMFS_SB_BLOCK, 0, 0, 0);
	for (b = 0; b < fs->bb_blocks; b++)
		add_target(z, T_BBITMAP, fs->bb_start + b, 0, 0, 0);
	for (b = 0; b < fs->ib_blocks; b++)
		add_target(z, T_IBITMAP, fs->ib_start + b, 0, 0, 0);
	if (fs->j_blocks)
		add_target(z, T_JSB, fs->j_start, 0, 0, 0);
	for (b = 0; b < fs->it_blocks && ino < fs->inodes; b++) {
		if (afs_read_block(fs, fs->it_start + b, blk))
			return fail("cannot read the inode table");
		for (i = 0; i < ATOMFS_INODES_PER_BLOCK && ino < fs->inodes;
		     i++, ino++) {
			const struct atomfs_inode *in =
				(const void *)(blk + i * ATOMFS_INODE_SIZE);

			if (!ino || le32toh(in->i_magic) != ATOMFS_INODE_MAGIC)
				continue;
			ARRAY_GROW(z->inos, z->inos_cap, z->ninos + 1);
			z->inos[z->ninos++] = ino;
		}
	}
	for (i = 0; i < z->ninos; i++) {
		struct atomfs_inode in;
		struct bt_walk w = {
			.fs = fs, .ctx = z, .node = walk_node,
		};
		u16 mode;

		ino = z->inos[i];
		if (afs_read_inode(fs, ino, &in))
			return fail("cannot read inode %llu",
				    (unsigned long long)ino);
		add_target(z, T_INODE, fs->it_start +
			   ino / ATOMFS_INODES_PER_BLOCK, ino, 0, 0);
		mode = le16toh(in.i_mode);
		if (S_ISLNK(mode) && in.i_root &&
		    !(le32toh(in.i_flags) & ATOMFS_INODE_INLINE_SYMLINK))
			add_target(z, T_SYMLINK, le64toh(in.i_root), ino, 0,
				   0);
		if (!S_ISREG(mode) && !S_ISDIR(mode))
			continue;
		z->owner = w.owner = ino;
		z->type = w.type = S_ISDIR(mode) ? ATOMFS_BTREE_DIR :
				   ATOMFS_BTREE_EXTENTS;
		if (bt_walk(&w, le64toh(in.i_root)) || w.damaged)
			return fail("inode %llu: its tree is damaged already",
				    (unsigned long long)ino);
	}
	return 0;
}

static const char *kind_name(const struct target *t)
{
	switch (t->kind) {
	case T_SB:
		return "superblock";
	case T_BBITMAP:
		return "block bitmap";
	case T_IBITMAP:
		return "inode bitmap";
	case T_INODE:
		return "inode";
	case T_NODE:
		return t->type == ATOMFS_BTREE_DIR ? "directory tree node" :
		       "extent tree node";
	case T_SYMLINK:
		return "symlink block";
	case T_JSB:
		return "journal superblock";
	}
	return "?";
}

/* Where the structure starts in its block, and how long it is */
static size_t struct_off(const struct target *t)
{
	if (t->kind == T_INODE)
		return (t->ino % ATOMFS_INODES_PER_BLOCK) * ATOMFS_INODE_SIZE;
	return 0;
}

static size_t struct_len(const struct target *t)
{
	switch (t->kind) {
	case T_SB:
		return ATOMFS_SB_SIZE;
	case T_INODE:
		return ATOMFS_INODE_SIZE;
	case T_JSB:
		return 1024;	/* what jbd2_superblock_csum() covers */
	default:
		return ATOMFS_BLOCK_SIZE;
	}
}

static void set_csum(const struct target *t, u8 *blk)
{
	switch (t->kind) {
	case T_SB:
		afs_sb_set_csum((struct atomfs_super_block *)blk);
		break;
	case T_INODE:
		afs_inode_set_csum((struct atomfs_inode *)(blk +
							   struct_off(t)));
		break;
	case T_JSB:
		jnl_sb_set_csum((journal_superblock_t *)blk);
		break;
	default:
		afs_block_set_csum(blk);
		break;
	}
}

static void describe(const struct target *t, char *buf, size_t len)
{
	switch (t->kind) {
	case T_INODE:
		snprintf(buf, len, "inode %llu", (unsigned long long)t->ino);
		break;
	case T_NODE:
	case T_SYMLINK:
		snprintf(buf, len, "block %llu (%s level %u of inode %llu)",
			 (unsigned long long)t->blkno, kind_name(t), t->level,
			 (unsigned long long)t->ino);
		if (t->kind == T_SYMLINK)
			snprintf(buf, len, "block %llu (symlink block of inode %llu)",
				 (unsigned long long)t->blkno,
				 (unsigned long long)t->ino);
		break;
	default:
		snprintf(buf, len, "block %llu (%s)",
			 (unsigned long long)t->blkno, kind_name(t));
		break;
	}
}

/* Fields of the structures that have no table in debug.c */
#define FLD(type, member, name) \
	{ name, offsetof(type, member), sizeof(((type *)0)->member), F_DEC }

static const struct field bitmap_fields[] = {
	FLD(struct atomfs_bitmap_header, bm_magic, "magic"),
	FLD(struct atomfs_bitmap_header, bm_blkno, "blkno"),
	FLD(struct atomfs_bitmap_header, bm_index, "index"),
	FLD(struct atomfs_bitmap_header, bm_reserved, "reserved"),
};

static const struct field btree_fields[] = {
	FLD(struct atomfs_btree_header, bt_magic, "magic"),
	FLD(struct atomfs_btree_header, bt_blkno, "blkno"),
	FLD(struct atomfs_btree_header, bt_owner, "owner"),
	FLD(struct atomfs_btree_header, bt_level, "level"),
	FLD(struct atomfs_btree_header, bt_type, "type"),
	FLD(struct atomfs_btree_header, bt_nritems, "nritems"),
	FLD(struct atomfs_btree_header, bt_reserved, "reserved"),
};

static const struct field item_fields[] = {
	FLD(struct atomfs_btree_item, it_key, "key"),
	FLD(struct atomfs_btree_item, it_offset, "offset"),
	FLD(struct atomfs_btree_item, it_size, "size"),
	FLD(struct atomfs_btree_item, it_reserved, "reserved"),
};

static const struct field ptr_fields[] = {
	FLD(struct atomfs_btree_ptr, bp_key, "key"),
	FLD(struct atomfs_btree_ptr, bp_blkno, "blkno"),
};

static const struct field extent_fields[] = {
	FLD(struct atomfs_extent, e_pblk, "pblk"),
	FLD(struct atomfs_extent, e_len, "len"),
	FLD(struct atomfs_extent, e_flags, "flags"),
};

static const struct field dirent_fields[] = {
	FLD(struct atomfs_dirent, d_ino, "ino"),
	FLD(struct atomfs_dirent, d_type, "type"),
	FLD(struct atomfs_dirent, d_namelen, "namelen"),
};

static const struct field symlink_fields[] = {
	FLD(struct atomfs_symlink_block, sl_magic, "magic"),
	FLD(struct atomfs_symlink_block, sl_blkno, "blkno"),
	FLD(struct atomfs_symlink_block, sl_owner, "owner"),
	FLD(struct atomfs_symlink_block, sl_len, "len"),
	FLD(struct atomfs_symlink_block, sl_reserved, "reserved"),
};

/* What a field holds, for the choice of wrong values */
enum hint { H_NUM, H_BLK, H_INO, H_MODE };

static enum hint field_hint(enum tkind kind, const char *name)
{
	static const char *const blk[] = {
		"bbitmap_start", "ibitmap_start", "itable_start",
		"journal_start", "data_start", "blocks_count", "blkno", "pblk",
	};
	static const char *const ino[] = {
		"root_ino", "inodes_count", "ino", "parent", "owner",
	};
	size_t i;

	if (!strcmp(name, "mode"))
		return H_MODE;
	if (!strcmp(name, "root"))
		return kind == T_INODE ? H_BLK : H_NUM;
	for (i = 0; i < ARRAY_SIZE(blk); i++)
		if (!strcmp(name, blk[i]))
			return H_BLK;
	for (i = 0; i < ARRAY_SIZE(ino); i++)
		if (!strcmp(name, ino[i]))
			return H_INO;
	return H_NUM;
}

/* A block the filesystem's own structures use */
static u64 meta_block(struct fuzz *z)
{
	struct afs *fs = z->fs;

	switch (below(z, 6)) {
	case 0:
		return ATOMFS_SB_BLOCK;
	case 1:
		return fs->bb_start + below(z, fs->bb_blocks + fs->ib_blocks);
	case 2:
		return fs->it_start + below(z, fs->it_blocks);
	case 3:
		return fs->j_start + below(z, fs->j_blocks);
	default:
		return z->t[below(z, z->nt)].blkno;
	}
}

static u64 wrong_value(struct fuzz *z, u64 old, unsigned int size,
		       enum hint hint)
{
	static const u16 types[] = {
		S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO,
		S_IFSOCK, 0, 0170000, 0030000,
	};
	u64 mask = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	struct afs *fs = z->fs;
	u64 v;

	switch (hint) {
	case H_BLK:
		switch (below(z, 5)) {
		case 0:
			v = meta_block(z);
			goto out;
		case 1:
			v = fs->data_start - 1 + below(z, 2);
			goto out;
		case 2:
			v = fs->blocks - 1 + below(z, 2);
			goto out;
		}
		break;
	case H_INO:
		switch (z->ninos ? below(z, 4) : 3) {
		case 0:
			v = z->inos[below(z, z->ninos)];
			goto out;
		case 1:
			v = fs->inodes - 1 + below(z, 2);
			goto out;
		}
		break;
	case H_MODE:
		if (below(z, 3)) {
			v = types[below(z, ARRAY_SIZE(types))] |
			    (old & 07777);
			goto out;
		}
		break;
	case H_NUM:
		break;
	}
	switch (below(z, 9)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = old + 1;
		break;
	case 3:
		v = old - 1;
		break;
	case 4:
		v = ~0ULL;
		break;
	case 5:
		v = mask >> 1;		/* the largest signed value */
		break;
	case 6:
		v = 1ULL << below(z, 8 * MIN(size, 8));
		break;
	case 7:
		v = old ^ (1ULL << below(z, 8 * MIN(size, 8)));
		break;
	default:
		v = rnd(z);
		break;
	}
out:
	v &= mask;
	if (v == (old & mask))
		v = (old ^ 1) & mask;
	return v;
}

/*
 * Choose a field of target @t, held in @blk: its table entry in *@f
 * (offset from the block start) and its name in @name.  False when the
 * target has none to offer.
 */
static bool choose_field(struct fuzz *z, const struct target *t, u8 *blk,
			 struct field *f, char *name, size_t len)
{
	const struct atomfs_btree_header *hdr = (const void *)blk;
	const struct field *tab;
	size_t n, base = struct_off(t);
	unsigned int nr, idx, voff = 0, vsize = 0;

	switch (t->kind) {
	case T_SB:
		tab = sb_fields;
		n = nr_sb_fields;
		break;
	case T_INODE:
		tab = inode_fields;
		n = nr_inode_fields;
		break;
	case T_BBITMAP:
	case T_IBITMAP:
		tab = bitmap_fields;
		n = ARRAY_SIZE(bitmap_fields);
		break;
	case T_SYMLINK:
		tab = symlink_fields;
		n = ARRAY_SIZE(symlink_fields);
		break;
	case T_NODE:
		nr = le16toh(hdr->bt_nritems);
		if (!nr || below(z, 4) == 0) {
			tab = btree_fields;
			n = ARRAY_SIZE(btree_fields);
			break;
		}
		idx = below(z, MIN(nr, ATOMFS_BTREE_PTRS_MAX));
		base = ATOMFS_BTREE_HDR_SIZE + idx * ATOMFS_BT_ENTRY;
		if (hdr->bt_level) {
			tab = ptr_fields;
			n = ARRAY_SIZE(ptr_fields);
			snprintf(name, len, "ptr %u ", idx);
			break;
		}
		voff = le16toh(((const struct atomfs_btree_item *)
				(blk + base))->it_offset);
		vsize = le16toh(((const struct atomfs_btree_item *)
				 (blk + base))->it_size);
		if (below(z, 3) == 0 || voff + vsize > ATOMFS_BLOCK_SIZE ||
		    vsize < (t->type == ATOMFS_BTREE_DIR ?
			     ATOMFS_DIRENT_SIZE :
			     sizeof(struct atomfs_extent))) {
			tab = item_fields;
			n = ARRAY_SIZE(item_fields);
			snprintf(name, len, "item %u ", idx);
			break;
		}
		base = voff;
		if (t->type == ATOMFS_BTREE_DIR) {
			tab = dirent_fields;
			n = ARRAY_SIZE(dirent_fields);
			snprintf(name, len, "item %u dirent ", idx);
		} else {
			tab = extent_fields;
			n = ARRAY_SIZE(extent_fields);
			snprintf(name, len, "item %u extent ", idx);
		}
		break;
	default:
		return false;
	}
	*f = tab[below(z, n)];
	/* Flipped, the magic says only "not this structure": keep it. */
	if (!strcmp(f->name, "magic") || !strcmp(f->name, "checksum"))
		*f = tab[n - 1];
	f->off += base;
	if (t->kind != T_NODE)
		*name = '\0';
	strncat(name, f->name, len - strlen(name) - 1);
	return true;
}

static int write_target(struct fuzz *z, const struct target *t, u8 *blk)
{
	if (afs_write_block(z->fs, t->blkno, blk))
		return fail("cannot write block %llu",
			    (unsigned long long)t->blkno);
	return 0;
}

/* Bits flipped in the structure, with its checksum recomputed or not */
static int flip_bits(struct fuzz *z, const struct target *t, u8 *blk,
		     bool csum)
{
	size_t off = struct_off(t), len = struct_len(t);
	unsigned int n = 1 + below(z, 3), i;
	char what[96];

	describe(t, what, sizeof(what));
	printf("%s: bits", what);
	for (i = 0; i < n; i++) {
		/* Headers and items are near the start: look there often. */
		size_t byte = below(z, 2) ? below(z, MIN(len, 96)) :
			      below(z, len);
		unsigned int bit = below(z, 8);

		blk[off + byte] ^= 1U << bit;
		printf(" %zu.%u", byte, bit);
	}
	if (csum)
		set_csum(t, blk);
	printf(" flipped, checksum %s\n", csum ? "recomputed" : "stale");
	return write_target(z, t, blk);
}

static int set_field(struct fuzz *z, const struct target *t, u8 *blk)
{
	struct field f;
	char name[64] = "", what[96];
	u64 old, v;

	if (!choose_field(z, t, blk, &f, name, sizeof(name)))
		return flip_bits(z, t, blk, true);
	old = field_get(blk, &f);
	v = wrong_value(z, old, f.size, field_hint(t->kind, f.name));
	field_put(blk, &f, v);
	set_csum(t, blk);
	describe(t, what, sizeof(what));
	printf("%s: %s %#llx -> %#llx, checksum recomputed\n", what, name,
	       (unsigned long long)old, (unsigned long long)v);
	return write_target(z, t, blk);
}

/* A bit of a bitmap: above all, a block or inode in use marked free */
static int flip_bitmap_bit(struct fuzz *z)
{
	struct afs *fs = z->fs;
	bool inode = below(z, 4) == 0;
	u64 nr = inode ? fs->inodes : fs->blocks, n;
	struct target t = { .kind = inode ? T_IBITMAP : T_BBITMAP };
	u8 blk[ATOMFS_BLOCK_SIZE];
	unsigned int bit;

	if (inode)
		n = below(z, 4) && z->ninos ? z->inos[below(z, z->ninos)] : below(z, nr);
	else
		n = below(z, 4) ? meta_block(z) : below(z, nr);
	t.blkno = (inode ? fs->ib_start : fs->bb_start) +
		  n / ATOMFS_BITS_PER_BITMAP;
	bit = n % ATOMFS_BITS_PER_BITMAP;
	if (afs_read_block(fs, t.blkno, blk))
		return fail("cannot read block %llu",
			    (unsigned long long)t.blkno);
	blk[ATOMFS_BITMAP_HDR_SIZE + bit / 8] ^= 1U << (bit % 8);
	set_csum(&t, blk);
	printf("%s bitmap: bit of %s %llu flipped to %u, checksum recomputed\n",
	       inode ? "inode" : "block", inode ? "inode" : "block",
	       (unsigned long long)n,
	       !!(blk[ATOMFS_BITMAP_HDR_SIZE + bit / 8] & (1U << (bit % 8))));
	return write_target(z, &t, blk);
}

/* A name no directory may hold, in a leaf of a directory tree */
static int bad_name(struct fuzz *z, const struct target *t, u8 *blk)
{
	const struct atomfs_btree_header *hdr = (const void *)blk;
	const struct atomfs_btree_item *it;
	unsigned int nr = le16toh(hdr->bt_nritems), idx, off, size, nl;
	char what[96];
	u8 *d;

	idx = below(z, MIN(nr, ATOMFS_BTREE_PTRS_MAX));
	it = (const void *)(blk + ATOMFS_BTREE_HDR_SIZE +
			    idx * ATOMFS_BT_ENTRY);
	off = le16toh(it->it_offset);
	size = le16toh(it->it_size);
	/* An item an earlier damage of this run moved out of the leaf */
	if (size < ATOMFS_DIRENT_SIZE + 1 ||
	    off + ATOMFS_DIRENT_SIZE + ATOMFS_NAME_LEN > ATOMFS_BLOCK_SIZE)
		return flip_bits(z, t, blk, true);
	d = blk + off;
	nl = d[9];
	describe(t, what, sizeof(what));
	switch (below(z, 3)) {
	case 0:
		d[10 + below(z, nl)] = '/';
		printf("%s: item %u name: a '/' in it", what, idx);
		break;
	case 1:
		d[10 + below(z, nl)] = '\0';
		printf("%s: item %u name: a NUL in it", what, idx);
		break;
	default:
		d[9] = nl + 1 + below(z, 255 - nl);
		printf("%s: item %u name length %u -> %u, past the %u-byte record",
		       what, idx, nl, d[9], size);
		break;
	}
	set_csum(t, blk);
	printf(", checksum recomputed\n");
	return write_target(z, t, blk);
}

static bool is_dir_leaf(const struct target *t)
{
	return t->kind == T_NODE && t->type == ATOMFS_BTREE_DIR && !t->level;
}

/* One of the @n targets of kind @k (and tree @type for nodes) */
static const struct target *nth(struct fuzz *z, unsigned int k, u8 type,
				size_t n)
{
	size_t i;

	for (i = 0; i < z->nt; i++)
		if (z->t[i].kind == k && (k != T_NODE || z->t[i].type == type) &&
		    !n--)
			return &z->t[i];
	return NULL;
}

static size_t count(struct fuzz *z, unsigned int k, u8 type)
{
	size_t i, n = 0;

	for (i = 0; i < z->nt; i++)
		n += z->t[i].kind == k && (k != T_NODE || z->t[i].type == type);
	return n;
}

/*
 * A target: first its kind, and for a tree node the kind of tree, each as
 * likely whatever their numbers (a file's extent tree nodes outnumber the
 * directory's nodes, the inodes outnumber everything)
 */
static const struct target *pick(struct fuzz *z)
{
	static const unsigned int weight[] = {
		[T_SB] = 10, [T_BBITMAP] = 10, [T_IBITMAP] = 5,
		[T_INODE] = 30, [T_NODE] = 30, [T_SYMLINK] = 5, [T_JSB] = 5,
	};
	unsigned int k, w;
	u8 type;
	size_t n;

	for (;;) {
		w = below(z, 95);
		for (k = 0; w >= weight[k]; k++)
			w -= weight[k];
		type = below(z, 2) ? ATOMFS_BTREE_DIR : ATOMFS_BTREE_EXTENTS;
		n = count(z, k, type);
		if (n)
			return nth(z, k, type, below(z, n));
	}
}

/* A leaf of a directory tree, or NULL */
static const struct target *pick_dir_leaf(struct fuzz *z)
{
	size_t i, n = 0;

	for (i = 0; i < z->nt; i++)
		n += is_dir_leaf(&z->t[i]);
	if (!n)
		return NULL;
	n = below(z, n);
	for (i = 0; i < z->nt; i++)
		if (is_dir_leaf(&z->t[i]) && !n--)
			return &z->t[i];
	return NULL;
}

static int damage(struct fuzz *z)
{
	unsigned int how = below(z, 100);
	const struct target *t = how >= 15 && how < 25 ? pick_dir_leaf(z) :
				 NULL;
	u8 blk[ATOMFS_BLOCK_SIZE];

	if (how < 15)
		return flip_bitmap_bit(z);
	if (!t)
		t = pick(z);
	if (afs_read_block(z->fs, t->blkno, blk))
		return fail("cannot read block %llu",
			    (unsigned long long)t->blkno);
	if (how < 25 && is_dir_leaf(t) &&
	    le16toh(((struct atomfs_btree_header *)blk)->bt_nritems))
		return bad_name(z, t, blk);
	if (how < 40)
		return flip_bits(z, t, blk, false);
	if (how < 60)
		return flip_bits(z, t, blk, true);
	return set_field(z, t, blk);
}

int cmd_fuzz(struct afs *fs, int argc, char **argv)
{
	struct fuzz z = { .fs = fs };
	u64 seed, count = 0, i;
	int err = 0;

	if (argc < 1 || argc > 2)
		return fail("usage: fuzz SEED [COUNT]");
	if (arg_u64(argv[0], "seed", &seed) ||
	    (argc > 1 && arg_u64(argv[1], "count", &count)))
		return -1;
	z.rng = seed;
	if (collect(&z))
		err = -1;
	if (!count)
		count = 1 + below(&z, 3);
	for (i = 0; i < count && !err; i++)
		err = damage(&z);
	if (!err && disk_sync(&fs->disk))
		err = fail("cannot sync");
	free(z.t);
	free(z.inos);
	return err;
}
