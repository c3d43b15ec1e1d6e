// SPDX-License-Identifier: GPL-2.0
/*
 * atomfs-debug: look at and damage an unmounted atomfs image, for tests
 * and for debugging.  Nothing here checks more than it must: the point is
 * to be able to write any value anywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debug.h"

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int arg_u64(const char *s, const char *what, u64 *v)
{
	if (parse_u64(s, v))
		return fail("bad %s '%s'", what, s);
	return 0;
}

#define SBF(n, k) { #n, offsetof(struct atomfs_super_block, s_##n), \
		    sizeof(((struct atomfs_super_block *)0)->s_##n), k }

const struct field sb_fields[] = {
	SBF(magic, F_HEX), SBF(checksum, F_HEX), SBF(version, F_DEC),
	SBF(state, F_DEC), SBF(block_shift, F_DEC), SBF(atomic_shift, F_DEC),
	SBF(inode_size, F_DEC), SBF(feature_compat, F_HEX),
	SBF(feature_ro_compat, F_HEX), SBF(feature_incompat, F_HEX),
	SBF(mount_count, F_DEC), SBF(blocks_count, F_DEC),
	SBF(free_blocks, F_DEC), SBF(inodes_count, F_DEC),
	SBF(free_inodes, F_DEC), SBF(bbitmap_start, F_DEC),
	SBF(bbitmap_blocks, F_DEC), SBF(ibitmap_start, F_DEC),
	SBF(ibitmap_blocks, F_DEC), SBF(itable_start, F_DEC),
	SBF(itable_blocks, F_DEC), SBF(journal_start, F_DEC),
	SBF(journal_blocks, F_DEC), SBF(data_start, F_DEC),
	SBF(root_ino, F_DEC), SBF(mkfs_time, F_DEC), SBF(mount_time, F_DEC),
	SBF(write_time, F_DEC),
	{ "hash_key0", offsetof(struct atomfs_super_block, s_hash_key), 8,
	  F_HEX },
	{ "hash_key1", offsetof(struct atomfs_super_block, s_hash_key) + 8, 8,
	  F_HEX },
	SBF(uuid, F_UUID), SBF(label, F_STR),
};

/* Other names the same fields go by (printed too, after the others) */
static const struct field sb_aliases[] = {
	{ "blocks", offsetof(struct atomfs_super_block, s_blocks_count), 8,
	  F_DEC },
	{ "inodes", offsetof(struct atomfs_super_block, s_inodes_count), 8,
	  F_DEC },
	{ "unit_shift", offsetof(struct atomfs_super_block, s_atomic_shift), 1,
	  F_DEC },
};

#define INF(n, k) { #n, offsetof(struct atomfs_inode, i_##n), \
		    sizeof(((struct atomfs_inode *)0)->i_##n), k }

const struct field inode_fields[] = {
	INF(magic, F_HEX), INF(checksum, F_HEX), INF(ino, F_DEC),
	INF(mode, F_OCT), INF(reserved1, F_DEC), INF(nlink, F_DEC),
	INF(uid, F_DEC), INF(gid, F_DEC), INF(flags, F_DEC),
	INF(generation, F_DEC), INF(size, F_DEC), INF(blocks, F_DEC),
	INF(atime, F_DEC), INF(atime_nsec, F_DEC), INF(mtime, F_DEC),
	INF(mtime_nsec, F_DEC), INF(ctime, F_DEC), INF(ctime_nsec, F_DEC),
	INF(crtime, F_DEC), INF(crtime_nsec, F_DEC), INF(parent, F_DEC),
	INF(root, F_DEC), INF(nentries, F_DEC), INF(rdev, F_DEC),
	INF(reserved2, F_DEC),
};

const size_t nr_sb_fields = ARRAY_SIZE(sb_fields);
const size_t nr_inode_fields = ARRAY_SIZE(inode_fields);

u64 field_get(const void *base, const struct field *f)
{
	const u8 *p = (const u8 *)base + f->off;
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < f->size && i < 8; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

void field_put(void *base, const struct field *f, u64 v)
{
	u8 *p = (u8 *)base + f->off;
	unsigned int i;

	for (i = 0; i < f->size && i < 8; i++)
		p[i] = v >> (8 * i);
}

static void print_uuid(const u8 *u)
{
	printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	       u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void field_print(const void *base, const struct field *f)
{
	const u8 *p = (const u8 *)base + f->off;
	u64 v = field_get(base, f);

	printf("%s ", f->name);
	switch (f->kind) {
	case F_DEC:
		printf("%llu\n", (unsigned long long)v);
		break;
	case F_HEX:
		printf("0x%0*llx\n", f->size * 2, (unsigned long long)v);
		break;
	case F_OCT:
		printf("0%llo\n", (unsigned long long)v);
		break;
	case F_STR:
		printf("%.*s\n", (int)strnlen((const char *)p, f->size),
		       (const char *)p);
		break;
	case F_UUID:
		print_uuid(p);
		putchar('\n');
		break;
	}
}

static int parse_uuid(const char *s, u8 *u)
{
	unsigned int i = 0;

	while (*s && i < ATOMFS_UUID_SIZE) {
		if (*s == '-') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		sscanf(s, "%2hhx", &u[i++]);
		s += 2;
	}
	return *s || i != ATOMFS_UUID_SIZE ? -EINVAL : 0;
}

/* Set field @name of @base from the string @val. */
static int field_set(void *base, const struct field *tab, size_t n,
		     const struct field *alias, size_t nalias,
		     const char *name, const char *val)
{
	const struct field *f = NULL;
	size_t i;
	u64 v;

	for (i = 0; i < n && !f; i++)
		if (!strcmp(tab[i].name, name))
			f = &tab[i];
	for (i = 0; i < nalias && !f; i++)
		if (!strcmp(alias[i].name, name))
			f = &alias[i];
	if (!f)
		return fail("no field '%s'", name);
	switch (f->kind) {
	case F_STR:
		if (strlen(val) > f->size)
			return fail("'%s' is longer than %u bytes", val,
				    f->size);
		memset((u8 *)base + f->off, 0, f->size);
		memcpy((u8 *)base + f->off, val, strlen(val));
		return 0;
	case F_UUID:
		if (parse_uuid(val, (u8 *)base + f->off))
			return fail("bad uuid '%s'", val);
		return 0;
	case F_OCT:
		/* modes read best in octal: 0100644 */
		if (val[0] == '0' && val[1] && val[1] != 'x' && val[1] != 'X') {
			char *end;

			errno = 0;
			v = strtoull(val, &end, 8);
			if (errno || *end)
				return fail("bad value '%s'", val);
			break;
		}
		/* fall through */
	default:
		if (arg_u64(val, "value", &v))
			return -1;
	}
	if (f->size < 8 && v >> (8 * f->size))
		return fail("%s: %llu does not fit %u bytes", name,
			    (unsigned long long)v, f->size);
	field_put(base, f, v);
	return 0;
}

static int cmd_sb(struct afs *fs)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sb_fields); i++)
		field_print(fs->sb, &sb_fields[i]);
	for (i = 0; i < ARRAY_SIZE(sb_aliases); i++)
		field_print(fs->sb, &sb_aliases[i]);
	printf("csum %s\n", afs_sb_csum_ok(fs->sb) ? "ok" : "bad");
	return 0;
}

static int cmd_sb_set(struct afs *fs, int argc, char **argv, bool raw)
{
	if (argc != 2)
		return fail("usage: sb-set%s FIELD VALUE", raw ? "-raw" : "");
	if (field_set(fs->sb, sb_fields, ARRAY_SIZE(sb_fields), sb_aliases,
		      ARRAY_SIZE(sb_aliases), argv[0], argv[1]))
		return -1;
	if (!raw)
		afs_sb_set_csum(fs->sb);
	if (afs_write_block(fs, ATOMFS_SB_BLOCK, fs->sbbuf) ||
	    disk_sync(&fs->disk))
		return fail("cannot write the superblock");
	return 0;
}

static int inode_slot(struct afs *fs, u64 ino, struct atomfs_inode *in)
{
	if (!ino || ino >= fs->inodes)
		return fail("inode %llu out of range 1..%llu",
			    (unsigned long long)ino,
			    (unsigned long long)fs->inodes - 1);
	if (afs_read_inode(fs, ino, in))
		return fail("cannot read inode %llu", (unsigned long long)ino);
	return 0;
}

int read_live_inode(struct afs *fs, u64 ino, struct atomfs_inode *in)
{
	if (inode_slot(fs, ino, in))
		return -1;
	if (le32toh(in->i_magic) != ATOMFS_INODE_MAGIC)
		return fail("inode %llu is not in use", (unsigned long long)ino);
	return 0;
}

static int write_inode_raw(struct afs *fs, u64 ino, struct atomfs_inode *in)
{
	u64 off = ((fs->it_start + ino / ATOMFS_INODES_PER_BLOCK) <<
		   ATOMFS_BLOCK_SHIFT) +
		  (ino % ATOMFS_INODES_PER_BLOCK) * ATOMFS_INODE_SIZE;

	if (disk_pwrite(&fs->disk, off, in, sizeof(*in)) ||
	    disk_sync(&fs->disk))
		return fail("cannot write inode %llu", (unsigned long long)ino);
	return 0;
}

static int cmd_inode(struct afs *fs, int argc, char **argv)
{
	struct atomfs_inode in;
	size_t i;
	u64 ino;

	if (argc != 1)
		return fail("usage: inode INO");
	if (arg_u64(argv[0], "inode", &ino) || inode_slot(fs, ino, &in))
		return -1;
	for (i = 0; i < ARRAY_SIZE(inode_fields); i++)
		field_print(&in, &inode_fields[i]);
	if (le32toh(in.i_flags) & ATOMFS_INODE_INLINE_SYMLINK)
		printf("inline %.*s\n",
		       (int)MIN(le64toh(in.i_size), ATOMFS_INLINE_SIZE),
		       (const char *)in.i_inline);
	printf("csum %s\n", afs_inode_csum_ok(&in) ? "ok" : "bad");
	return 0;
}

static int cmd_inode_set(struct afs *fs, int argc, char **argv, bool raw)
{
	struct atomfs_inode in;
	u64 ino;

	if (argc != 3)
		return fail("usage: inode-set%s INO FIELD VALUE",
			    raw ? "-raw" : "");
	if (arg_u64(argv[0], "inode", &ino) || inode_slot(fs, ino, &in))
		return -1;
	if (field_set(&in, inode_fields, ARRAY_SIZE(inode_fields), NULL, 0,
		      argv[1], argv[2]))
		return -1;
	if (!raw)
		afs_inode_set_csum(&in);
	return write_inode_raw(fs, ino, &in);
}

static int flip_byte(struct afs *fs, u64 off)
{
	u8 b;

	if (disk_pread(&fs->disk, off, &b, 1))
		return fail("cannot read byte %llu", (unsigned long long)off);
	b ^= 0xff;
	if (disk_pwrite(&fs->disk, off, &b, 1) || disk_sync(&fs->disk))
		return fail("cannot write byte %llu", (unsigned long long)off);
	return 0;
}

static int cmd_csum_break(struct afs *fs, int argc, char **argv, bool inode)
{
	struct atomfs_inode in;
	u64 n;

	if (argc != 1)
		return fail("usage: csum-break%s %s", inode ? "-inode" : "",
			    inode ? "INO" : "BLOCK");
	if (arg_u64(argv[0], inode ? "inode" : "block", &n))
		return -1;
	if (inode) {
		if (inode_slot(fs, n, &in))
			return -1;
		return flip_byte(fs, ((fs->it_start +
				       n / ATOMFS_INODES_PER_BLOCK) <<
				      ATOMFS_BLOCK_SHIFT) +
				 (n % ATOMFS_INODES_PER_BLOCK) *
				 ATOMFS_INODE_SIZE + 4);
	}
	if (n >= fs->disk.size >> ATOMFS_BLOCK_SHIFT)
		return fail("block %llu is past the end of the device",
			    (unsigned long long)n);
	/* Every checksummed block has its checksum at byte 4. */
	return flip_byte(fs, (n << ATOMFS_BLOCK_SHIFT) + 4);
}

/* Tree walks */
struct walk_ctx {
	int		what;		/* W_* */
	u64		key;		/* extent-set, dirent-set-ino */
	const char	*name;
	bool		found;
	u64		leaf;
	unsigned int	idx;
	u8		val[ATOMFS_DIRENT_SIZE + ATOMFS_NAME_LEN];
	unsigned int	size;
};

enum { W_EXTENTS, W_TREE, W_LS, W_FIND_KEY, W_FIND_NAME };

static void walk_problem(void *ctx, u64 blkno, const char *msg)
{
	(void)ctx;
	(void)blkno;
	fprintf(stderr, "%s: warning: %s\n", progname, msg);
}

static int walk_node(void *ctx, u64 blkno, unsigned int level,
		     unsigned int nr)
{
	struct walk_ctx *c = ctx;

	if (c->what == W_TREE)
		printf("%llu %u %u\n", (unsigned long long)blkno, level, nr);
	return 0;
}

static void print_name(const char *name, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned char ch = name[i];

		if (isprint(ch) && ch != '\\' && ch != ' ')
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
}

static int walk_item(void *ctx, u64 leaf, unsigned int idx, u64 key,
		     const u8 *val, unsigned int size)
{
	struct walk_ctx *c = ctx;
	struct afs_dirent_view de;

	switch (c->what) {
	case W_EXTENTS:
		if (size != sizeof(struct atomfs_extent)) {
			printf("%llu ? ? bad-size-%u\n",
			       (unsigned long long)key, size);
			break;
		}
		printf("%llu %llu %u%s\n", (unsigned long long)key,
		       (unsigned long long)get_le64(val),
		       le32toh(((const struct atomfs_extent *)val)->e_len),
		       val[12] & ATOMFS_EXTENT_UNWRITTEN ? " unwritten" : "");
		break;
	case W_LS:
		if (!afs_dirent_parse(val, size, &de)) {
			printf("? ? bad-entry-at-key-%llu\n",
			       (unsigned long long)key);
			break;
		}
		print_name(de.name, de.namelen);
		printf(" %llu %s\n", (unsigned long long)de.ino,
		       afs_dtype_name(de.dtype));
		break;
	case W_FIND_KEY:
	case W_FIND_NAME:
		if (c->found)
			break;
		if (c->what == W_FIND_KEY ? key != c->key :
		    !afs_dirent_parse(val, size, &de) ||
		    de.namelen != strlen(c->name) ||
		    memcmp(de.name, c->name, de.namelen))
			break;
		c->found = true;
		c->key = key;
		c->leaf = leaf;
		c->idx = idx;
		c->size = MIN(size, sizeof(c->val));
		memcpy(c->val, val, c->size);
		break;
	}
	return 0;
}

static int walk_inode(struct afs *fs, u64 ino, u8 type, struct walk_ctx *c)
{
	struct atomfs_inode in;
	struct bt_walk w = {
		.fs = fs, .owner = ino, .type = type, .ctx = c,
		.node = walk_node, .item = walk_item, .problem = walk_problem,
	};
	u16 mode;

	if (read_live_inode(fs, ino, &in))
		return -1;
	mode = le16toh(in.i_mode);
	if (type == ATOMFS_BTREE_DIR && !S_ISDIR(mode))
		return fail("inode %llu is not a directory",
			    (unsigned long long)ino);
	if (type == ATOMFS_BTREE_EXTENTS && !S_ISREG(mode))
		return fail("inode %llu is not a regular file",
			    (unsigned long long)ino);
	if (bt_walk(&w, le64toh(in.i_root)))
		return fail("cannot read the tree of inode %llu",
			    (unsigned long long)ino);
	return 0;
}

static int cmd_walk(struct afs *fs, int argc, char **argv, int what)
{
	struct walk_ctx c = { .what = what };
	struct atomfs_inode in;
	u64 ino;
	u8 type;

	if (argc != 1)
		return fail("usage: %s INO", what == W_LS ? "ls" :
			    what == W_TREE ? "tree" : "extents");
	if (arg_u64(argv[0], "inode", &ino))
		return -1;
	if (what == W_TREE) {
		if (read_live_inode(fs, ino, &in))
			return -1;
		type = S_ISDIR(le16toh(in.i_mode)) ? ATOMFS_BTREE_DIR :
		       ATOMFS_BTREE_EXTENTS;
	} else {
		type = what == W_LS ? ATOMFS_BTREE_DIR : ATOMFS_BTREE_EXTENTS;
	}
	return walk_inode(fs, ino, type, &c);
}

static int cmd_extent_set(struct afs *fs, int argc, char **argv)
{
	struct walk_ctx c = { .what = W_FIND_KEY };
	u64 ino, v;

	if (argc != 4)
		return fail("usage: extent-set INO LBLK pblk|len|flags VALUE");
	if (arg_u64(argv[0], "inode", &ino) ||
	    arg_u64(argv[1], "block", &c.key) ||
	    arg_u64(argv[3], "value", &v))
		return -1;
	if (walk_inode(fs, ino, ATOMFS_BTREE_EXTENTS, &c))
		return -1;
	if (!c.found || c.size != sizeof(struct atomfs_extent))
		return fail("inode %llu has no extent at block %llu",
			    (unsigned long long)ino,
			    (unsigned long long)c.key);
	if (!strcmp(argv[2], "pblk")) {
		put_le64(c.val, v);
	} else if (!strcmp(argv[2], "len") || !strcmp(argv[2], "flags")) {
		u32 x = htole32(v);

		if (v > UINT32_MAX)
			return fail("%s: %llu does not fit 32 bits", argv[2],
				    (unsigned long long)v);
		memcpy(c.val + (argv[2][0] == 'l' ? 8 : 12), &x, 4);
	} else {
		return fail("no extent field '%s' (pblk, len, flags)",
			    argv[2]);
	}
	if (bt_leaf_set_value(fs, c.leaf, c.idx, c.val, c.size) ||
	    disk_sync(&fs->disk))
		return fail("cannot write leaf %llu",
			    (unsigned long long)c.leaf);
	return 0;
}

static int cmd_dirent_set_ino(struct afs *fs, int argc, char **argv)
{
	struct walk_ctx c = { .what = W_FIND_NAME };
	u64 dir, ino;

	if (argc != 3)
		return fail("usage: dirent-set-ino DIRINO NAME NEWINO");
	if (arg_u64(argv[0], "directory", &dir) ||
	    arg_u64(argv[2], "inode", &ino))
		return -1;
	c.name = argv[1];
	if (walk_inode(fs, dir, ATOMFS_BTREE_DIR, &c))
		return -1;
	if (!c.found)
		return fail("directory %llu has no entry '%s'",
			    (unsigned long long)dir, argv[1]);
	put_le64(c.val, ino);
	if (bt_leaf_set_value(fs, c.leaf, c.idx, c.val, c.size) ||
	    disk_sync(&fs->disk))
		return fail("cannot write leaf %llu",
			    (unsigned long long)c.leaf);
	return 0;
}

/*
 * Change one field of a directory entry in place, keeping its key and the
 * size of its value (namelen can thus disagree with the value's size):
 * type, namelen, or name:I (byte I of the name).
 */
static int cmd_dirent_set(struct afs *fs, int argc, char **argv)
{
	struct walk_ctx c = { .what = W_FIND_NAME };
	u64 dir, v, i;
	char *end;

	if (argc != 4)
		return fail("usage: dirent-set DIRINO NAME type|namelen|name:I VALUE");
	if (arg_u64(argv[0], "directory", &dir) ||
	    arg_u64(argv[3], "value", &v))
		return -1;
	if (v > 255)
		return fail("value %llu does not fit a byte",
			    (unsigned long long)v);
	c.name = argv[1];
	if (walk_inode(fs, dir, ATOMFS_BTREE_DIR, &c))
		return -1;
	if (!c.found)
		return fail("directory %llu has no entry '%s'",
			    (unsigned long long)dir, argv[1]);
	if (!strcmp(argv[2], "type")) {
		i = 8;
	} else if (!strcmp(argv[2], "namelen")) {
		i = 9;
	} else if (!strncmp(argv[2], "name:", 5)) {
		i = strtoull(argv[2] + 5, &end, 0);
		if (*end || end == argv[2] + 5 || i >= strlen(argv[1]))
			return fail("'%s': no such byte of the name", argv[2]);
		i += ATOMFS_DIRENT_SIZE;
	} else {
		return fail("no entry field '%s' (type, namelen, name:I)",
			    argv[2]);
	}
	c.val[i] = v;
	if (bt_leaf_set_value(fs, c.leaf, c.idx, c.val, c.size) ||
	    disk_sync(&fs->disk))
		return fail("cannot write leaf %llu",
			    (unsigned long long)c.leaf);
	return 0;
}

static int cmd_block(struct afs *fs, int argc, char **argv)
{
	u8 blk[ATOMFS_BLOCK_SIZE];
	bool star = false;
	u64 n;
	unsigned int i, j;

	if (argc != 1)
		return fail("usage: block BLKNO");
	if (arg_u64(argv[0], "block", &n))
		return -1;
	if (n >= fs->disk.size >> ATOMFS_BLOCK_SHIFT ||
	    afs_read_block(fs, n, blk))
		return fail("cannot read block %llu", (unsigned long long)n);
	/* hexdump -C, repeated lines shown once as "*" */
	for (i = 0; i < ATOMFS_BLOCK_SIZE; i += 16) {
		if (i && i + 16 < ATOMFS_BLOCK_SIZE &&
		    !memcmp(blk + i, blk + i - 16, 16)) {
			if (!star)
				printf("*\n");
			star = true;
			continue;
		}
		star = false;
		printf("%08x ", i);
		for (j = 0; j < 16; j++)
			printf("%s %02x", j == 8 ? " " : "", blk[i + j]);
		printf("  |");
		for (j = 0; j < 16; j++)
			putchar(isprint(blk[i + j]) ? blk[i + j] : '.');
		printf("|\n");
	}
	return 0;
}

static int cmd_block_write(struct afs *fs, int argc, char **argv)
{
	u8 blk[ATOMFS_BLOCK_SIZE];
	const char *h;
	u64 n, off;
	size_t len = 0;

	if (argc != 3)
		return fail("usage: block-write BLKNO OFFSET HEXBYTES");
	if (arg_u64(argv[0], "block", &n) || arg_u64(argv[1], "offset", &off))
		return -1;
	if (n >= fs->disk.size >> ATOMFS_BLOCK_SHIFT ||
	    afs_read_block(fs, n, blk))
		return fail("cannot read block %llu", (unsigned long long)n);
	for (h = argv[2]; *h; ) {
		if (*h == ' ' || *h == ':') {
			h++;
			continue;
		}
		if (!isxdigit((unsigned char)h[0]) ||
		    !isxdigit((unsigned char)h[1]))
			return fail("bad hex bytes '%s'", argv[2]);
		if (off + len >= ATOMFS_BLOCK_SIZE)
			return fail("bytes run past the end of the block");
		sscanf(h, "%2hhx", &blk[off + len]);
		len++;
		h += 2;
	}
	if (afs_write_block(fs, n, blk) || disk_sync(&fs->disk))
		return fail("cannot write block %llu", (unsigned long long)n);
	return 0;
}

/* Clear bits among the first @count of a loaded bitmap */
static u64 count_free(struct afs *fs, enum afs_bitmap_kind kind,
		      bool *ok)
{
	struct bitmap bm;
	u64 count = afs_bitmap_count(fs, kind), free_bits;

	*ok = false;
	if (afs_bitmap_blocks(fs, kind) * ATOMFS_BITS_PER_BITMAP < count ||
	    afs_bitmap_load(fs, kind, &bm, NULL))
		return 0;
	free_bits = count - bitmap_weight(&bm, 0, count);
	bitmap_free(&bm);
	*ok = true;
	return free_bits;
}

static int cmd_stat(struct afs *fs)
{
	bool okb, oki;
	u64 fb = count_free(fs, AFS_BBITMAP, &okb);
	u64 fi = count_free(fs, AFS_IBITMAP, &oki);

	if (!okb || !oki)
		return fail("cannot read the bitmaps");
	printf("blocks %llu\n", (unsigned long long)fs->blocks);
	printf("bitmap_free_blocks %llu\n", (unsigned long long)fb);
	printf("sb_free_blocks %llu\n",
	       (unsigned long long)le64toh(fs->sb->s_free_blocks));
	printf("inodes %llu\n", (unsigned long long)fs->inodes);
	printf("bitmap_free_inodes %llu\n", (unsigned long long)fi);
	printf("sb_free_inodes %llu\n",
	       (unsigned long long)le64toh(fs->sb->s_free_inodes));
	return 0;
}

static int cmd_bitmap_set(struct afs *fs, int argc, char **argv,
			  enum afs_bitmap_kind kind)
{
	u8 blk[ATOMFS_BLOCK_SIZE];
	u64 n, v, blkno, bit;

	if (argc != 2)
		return fail("usage: %s %s 0|1",
			    kind == AFS_BBITMAP ? "bitmap-set" : "ibitmap-set",
			    kind == AFS_BBITMAP ? "BLKNO" : "INO");
	if (arg_u64(argv[0], "number", &n) || arg_u64(argv[1], "value", &v))
		return -1;
	/* Bits past the end of the filesystem too: they must stay set. */
	if (v > 1 ||
	    n / ATOMFS_BITS_PER_BITMAP >= afs_bitmap_blocks(fs, kind))
		return fail("bit %llu or value %llu out of range",
			    (unsigned long long)n, (unsigned long long)v);
	blkno = afs_bitmap_start(fs, kind) + n / ATOMFS_BITS_PER_BITMAP;
	bit = n % ATOMFS_BITS_PER_BITMAP;
	if (afs_read_block(fs, blkno, blk))
		return fail("cannot read block %llu",
			    (unsigned long long)blkno);
	if (v)
		blk[ATOMFS_BITMAP_HDR_SIZE + bit / 8] |= 1U << (bit % 8);
	else
		blk[ATOMFS_BITMAP_HDR_SIZE + bit / 8] &= ~(1U << (bit % 8));
	afs_block_set_csum(blk);
	if (afs_write_block(fs, blkno, blk) || disk_sync(&fs->disk))
		return fail("cannot write block %llu",
			    (unsigned long long)blkno);
	return 0;
}

static int cmd_lookup(struct afs *fs, int argc, char **argv)
{
	const char *p;
	u64 ino = ATOMFS_ROOT_INO;

	if (argc != 1 || argv[0][0] != '/')
		return fail("usage: lookup /ABSOLUTE/PATH");
	for (p = argv[0]; *p; ) {
		struct afs_items items = { 0 };
		struct afs_dirent_view de;
		struct atomfs_inode in;
		size_t len;
		long i;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		if (read_live_inode(fs, ino, &in))
			return -1;
		if (!S_ISDIR(le16toh(in.i_mode)))
			return fail("inode %llu is not a directory",
				    (unsigned long long)ino);
		if (afs_tree_load(fs, ino, ATOMFS_BTREE_DIR,
				  le64toh(in.i_root), &items, NULL, NULL)) {
			items_free(&items);
			return fail("directory %llu: cannot read its tree",
				    (unsigned long long)ino);
		}
		i = len <= ATOMFS_NAME_LEN ?
		    afs_dir_find(fs, &items, p, len) : -1;
		if (i < 0 || !afs_dirent_parse(items.v[i].val,
					       items.v[i].size, &de)) {
			items_free(&items);
			return fail("%.*s: no such entry in directory %llu",
				    (int)len, p, (unsigned long long)ino);
		}
		ino = de.ino;
		items_free(&items);
		p += len;
	}
	printf("%llu\n", (unsigned long long)ino);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: atomfs-debug DEVICE|FILE COMMAND [ARGS]\n"
		"Numbers are decimal or 0x hex.  Commands:\n"
		"  sb                          superblock fields, one 'name value' a line\n"
		"  sb-set FIELD VALUE          set a field, recompute the checksum\n"
		"  sb-set-raw FIELD VALUE      set a field, keep the checksum\n"
		"  inode INO                   inode fields and 'csum ok|bad'\n"
		"  inode-set INO FIELD VALUE   set a field, recompute the checksum\n"
		"  inode-set-raw INO FIELD VALUE\n"
		"  csum-break BLOCK            flip a checksum byte of a metadata block\n"
		"  csum-break-inode INO        flip a checksum byte of an inode\n"
		"  extents INO                 'lblk pblk len [unwritten]' lines\n"
		"  extent-set INO LBLK pblk|len|flags VALUE\n"
		"  tree INO                    'blkno level nritems' of each node\n"
		"  ls INO                      'name ino type' lines\n"
		"  dirent-set-ino DIRINO NAME NEWINO\n"
		"  dirent-set DIRINO NAME type|namelen|name:I VALUE\n"
		"                              one byte of an entry (I: of the name)\n"
		"  block BLKNO                 hexdump\n"
		"  block-write BLKNO OFFSET HEXBYTES\n"
		"  stat                        free counts: bitmaps and superblock\n"
		"  bitmap-set BLKNO 0|1        block bitmap bit (counters untouched;\n"
		"                              bits past the end too)\n"
		"  ibitmap-set INO 0|1         inode bitmap bit (counters untouched)\n"
		"  lookup /PATH                inode number of a path\n"
		"  mkfile DIRINO NAME SIZE     regular file with data (prints its inode)\n"
		"  populate DIRINO COUNT SIZE  files f0 .. f<COUNT-1>\n"
		"  mkdir DIRINO NAME           directory (prints its inode)\n"
		"  symlink DIRINO NAME TARGET  symbolic link (prints its inode)\n"
		"  link DIRINO NAME INO        hard link\n"
		"  unlink DIRINO NAME          remove a name; the inode stays, one link\n"
		"                              less (as if open; see inode-set flags)\n"
		"  fuzz SEED [COUNT]           damage metadata as a fuzzer does, the same\n"
		"                              way for the same seed and image: COUNT\n"
		"                              damages (default 1 to 3), one line each\n"
		"                              (see debug_fuzz.c)\n"
		"  journal                     journal superblock fields, 'csum ok|bad'\n"
		"  journal-set FIELD VALUE     set a field, recompute the checksum\n"
		"  journal-set-raw FIELD VALUE\n"
		"  journal-write [-a JSTART:JBLOCKS] [-F] START SEQ TXN...\n"
		"                              synthetic transactions in the log, from\n"
		"                              log block START; TXN: ITEM[,ITEM...][:MODE],\n"
		"                              ITEM: bN eN iN xN rN BN+COUNT, MODE: commit\n"
		"                              nocommit torn badcommit stale baddesc\n"
		"                              badrevoke (see debug_journal.c)\n"
		"  journal-pattern BLKNO       what journal-write's pattern says a block\n"
		"                              holds: zero, 'seq N [escaped]' or other\n");
}

struct command {
	const char	*name;
	bool		write;
	int		(*fn)(struct afs *fs, int argc, char **argv);
};

static int c_sb(struct afs *fs, int argc, char **argv)
{
	(void)argv;
	return argc ? fail("usage: sb") : cmd_sb(fs);
}

static int c_sb_set(struct afs *fs, int argc, char **argv)
{
	return cmd_sb_set(fs, argc, argv, false);
}

static int c_sb_set_raw(struct afs *fs, int argc, char **argv)
{
	return cmd_sb_set(fs, argc, argv, true);
}

static int c_inode_set(struct afs *fs, int argc, char **argv)
{
	return cmd_inode_set(fs, argc, argv, false);
}

static int c_inode_set_raw(struct afs *fs, int argc, char **argv)
{
	return cmd_inode_set(fs, argc, argv, true);
}

static int c_csum_break(struct afs *fs, int argc, char **argv)
{
	return cmd_csum_break(fs, argc, argv, false);
}

static int c_csum_break_inode(struct afs *fs, int argc, char **argv)
{
	return cmd_csum_break(fs, argc, argv, true);
}

static int c_extents(struct afs *fs, int argc, char **argv)
{
	return cmd_walk(fs, argc, argv, W_EXTENTS);
}

static int c_tree(struct afs *fs, int argc, char **argv)
{
	return cmd_walk(fs, argc, argv, W_TREE);
}

static int c_ls(struct afs *fs, int argc, char **argv)
{
	return cmd_walk(fs, argc, argv, W_LS);
}

static int c_stat(struct afs *fs, int argc, char **argv)
{
	(void)argv;
	return argc ? fail("usage: stat") : cmd_stat(fs);
}

static int c_bitmap_set(struct afs *fs, int argc, char **argv)
{
	return cmd_bitmap_set(fs, argc, argv, AFS_BBITMAP);
}

static int c_ibitmap_set(struct afs *fs, int argc, char **argv)
{
	return cmd_bitmap_set(fs, argc, argv, AFS_IBITMAP);
}

static const struct command commands[] = {
	{ "sb", false, c_sb },
	{ "sb-set", true, c_sb_set },
	{ "sb-set-raw", true, c_sb_set_raw },
	{ "inode", false, cmd_inode },
	{ "inode-set", true, c_inode_set },
	{ "inode-set-raw", true, c_inode_set_raw },
	{ "csum-break", true, c_csum_break },
	{ "csum-break-inode", true, c_csum_break_inode },
	{ "extents", false, c_extents },
	{ "extent-set", true, cmd_extent_set },
	{ "tree", false, c_tree },
	{ "ls", false, c_ls },
	{ "dirent-set-ino", true, cmd_dirent_set_ino },
	{ "dirent-set", true, cmd_dirent_set },
	{ "block", false, cmd_block },
	{ "block-write", true, cmd_block_write },
	{ "stat", false, c_stat },
	{ "bitmap-set", true, c_bitmap_set },
	{ "ibitmap-set", true, c_ibitmap_set },
	{ "lookup", false, cmd_lookup },
	{ "mkfile", true, cmd_mkfile },
	{ "populate", true, cmd_populate },
	{ "mkdir", true, cmd_mkdir },
	{ "symlink", true, cmd_symlink },
	{ "link", true, cmd_link },
	{ "unlink", true, cmd_unlink },
	{ "fuzz", true, cmd_fuzz },
	{ "journal", false, cmd_journal },
	{ "journal-set", true, cmd_journal_set },
	{ "journal-set-raw", true, cmd_journal_set_raw },
	{ "journal-write", true, cmd_journal_write },
	{ "journal-pattern", false, cmd_journal_pattern },
};

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct afs fs;
	size_t i;
	int ret;

	progname = "atomfs-debug";
	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, argv[2]))
			cmd = &commands[i];
	if (!cmd) {
		fail("unknown command '%s'", argv[2]);
		usage(stderr);
		return 1;
	}
	if (afs_open(&fs, argv[1], cmd->write ? DISK_RW : 0))
		return 1;
	ret = cmd->fn(&fs, argc - 3, argv + 3);
	afs_close(&fs);
	return ret ? 1 : 0;
}
