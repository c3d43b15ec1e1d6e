// SPDX-License-Identifier: GPL-2.0
/*
 * atomfs-debug commands that create files, directories and links in an
 * unmounted image, for tests: the result is what the kernel would have
 * written (whole atomic units of data, canonical trees, hashed names, exact
 * bitmaps and counters), made without the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debug.h"

/* One change of the image: bitmaps in memory, counters as deltas. */
struct mk {
	struct afs		*fs;
	struct bitmap		bbm;
	struct bitmap		ibm;
	struct afs_alloc	a;
	u64			freed;		/* blocks given back */
	u64			new_inodes;
};

static int mk_begin(struct mk *m, struct afs *fs)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->fs = fs;
	if (fs->blocks < ATOMFS_MIN_BLOCKS || fs->data_start >= fs->blocks ||
	    fs->inodes <= ATOMFS_ROOT_INO)
		return fail("the superblock geometry is not usable");
	err = afs_bitmap_load(fs, AFS_BBITMAP, &m->bbm, NULL);
	if (!err)
		err = afs_bitmap_load(fs, AFS_IBITMAP, &m->ibm, NULL);
	if (err)
		return fail("cannot read the bitmaps");
	afs_alloc_init(&m->a, fs, &m->bbm);
	return 0;
}

static void mk_abort(struct mk *m)
{
	bitmap_free(&m->bbm);
	bitmap_free(&m->ibm);
}

/* Write the bitmaps and the counters, as the kernel does at unmount. */
static int mk_end(struct mk *m)
{
	struct atomfs_super_block *sb = m->fs->sb;
	int err;

	err = afs_bitmap_write(m->fs, AFS_BBITMAP, &m->bbm);
	if (!err)
		err = afs_bitmap_write(m->fs, AFS_IBITMAP, &m->ibm);
	mk_abort(m);
	if (err)
		return fail("cannot write the bitmaps");
	sb->s_free_blocks = htole64(le64toh(sb->s_free_blocks) - m->a.taken +
				    m->freed);
	sb->s_free_inodes = htole64(le64toh(sb->s_free_inodes) -
				    m->new_inodes);
	if (afs_write_sb(m->fs) || disk_sync(&m->fs->disk))
		return fail("cannot write the superblock");
	return 0;
}

static void mk_inode_init(struct atomfs_inode *in, u64 ino, u16 mode,
			  u32 nlink)
{
	u64 sec;
	u32 nsec, gen;

	afs_now(&sec, &nsec);
	afs_random(&gen, sizeof(gen));
	memset(in, 0, sizeof(*in));
	in->i_magic = htole32(ATOMFS_INODE_MAGIC);
	in->i_ino = htole64(ino);
	in->i_mode = htole16(mode);
	in->i_nlink = htole32(nlink);
	in->i_generation = htole32(gen);
	in->i_atime = in->i_mtime = in->i_ctime = in->i_crtime = htole64(sec);
	in->i_atime_nsec = in->i_mtime_nsec = htole32(nsec);
	in->i_ctime_nsec = in->i_crtime_nsec = htole32(nsec);
}

static int mk_new_ino(struct mk *m, u64 *ino)
{
	if (afs_alloc_ino(&m->ibm, m->fs->inodes, ino))
		return fail("no free inode");
	m->new_inodes++;
	return 0;
}

/*
 * Add names to directory @dirino: its tree is read whole, the names added,
 * and the tree written anew in fresh blocks before the old ones are freed.
 */
static int mk_dir_add(struct mk *m, u64 dirino, struct afs_newent *ents,
		      size_t n, u32 subdirs)
{
	struct atomfs_inode dir;
	struct afs_items items = { 0 };
	u64 *old = NULL, root, nodes, blocks, sec;
	size_t nold = 0, i, bad = 0;
	u32 nsec;
	int err;

	if (read_live_inode(m->fs, dirino, &dir))
		return -1;
	if (!S_ISDIR(le16toh(dir.i_mode)))
		return fail("inode %llu is not a directory",
			    (unsigned long long)dirino);
	err = afs_tree_load(m->fs, dirino, ATOMFS_BTREE_DIR,
			    le64toh(dir.i_root), &items, &old, &nold);
	if (err) {
		items_free(&items);
		return fail("directory %llu: cannot read its tree (%s)",
			    (unsigned long long)dirino, strerror(-err));
	}
	err = afs_dir_add(m->fs, &items, ents, n, &bad);
	if (err) {
		items_free(&items);
		free(old);
		return fail("directory %llu: cannot add '%s': %s",
			    (unsigned long long)dirino, ents[bad].name,
			    strerror(-err));
	}
	err = afs_tree_store(m->fs, &m->a, dirino, ATOMFS_BTREE_DIR, &items,
			     &root, &nodes);
	if (err) {
		items_free(&items);
		free(old);
		return fail("directory %llu: cannot write its tree: %s",
			    (unsigned long long)dirino, strerror(-err));
	}
	for (i = 0; i < nold; i++) {
		bitmap_clear(&m->bbm, old[i]);
		m->freed++;
	}
	blocks = le64toh(dir.i_blocks) - nold + nodes;
	afs_now(&sec, &nsec);
	dir.i_root = htole64(root);
	dir.i_blocks = htole64(blocks);
	dir.i_size = htole64(blocks << ATOMFS_BLOCK_SHIFT);
	dir.i_nentries = htole64(le64toh(dir.i_nentries) + n);
	dir.i_nlink = htole32(le32toh(dir.i_nlink) + subdirs);
	dir.i_mtime = dir.i_ctime = htole64(sec);
	dir.i_mtime_nsec = dir.i_ctime_nsec = htole32(nsec);
	items_free(&items);
	free(old);
	if (afs_write_inode(m->fs, dirino, &dir))
		return fail("cannot write inode %llu",
			    (unsigned long long)dirino);
	return 0;
}

/* Fill @n blocks from file block @lblk on with the data pattern. */
static int mk_write_data(struct mk *m, u64 ino, u64 pblk, u64 lblk, u64 n,
			 u64 size)
{
	const u64 chunk = 256;
	u8 *buf = xmalloc(chunk * ATOMFS_BLOCK_SIZE);
	int err = 0;

	while (n && !err) {
		u64 cnt = MIN(n, chunk), i, j;

		for (i = 0; i < cnt; i++) {
			u8 *b = buf + i * ATOMFS_BLOCK_SIZE;
			u64 off = (lblk + i) << ATOMFS_BLOCK_SHIFT;

			for (j = 0; j < ATOMFS_BLOCK_SIZE; j += 8)
				put_le64(b + j, off + j < size ?
					 (ino << 40) ^ (off + j) : 0);
		}
		err = disk_write(&m->fs->disk, pblk, buf, cnt);
		pblk += cnt;
		lblk += cnt;
		n -= cnt;
	}
	free(buf);
	return err ? fail("cannot write file data") : 0;
}

/*
 * A new regular file of @size bytes: whole units, written, with a data
 * pattern; returns its inode number.
 */
static int mk_file(struct mk *m, u64 size, u64 *inop)
{
	struct afs_items ext = { 0 };
	struct atomfs_inode in;
	u64 ub = m->fs->unit_blocks;
	u64 units = DIV_ROUND_UP(size, ub << ATOMFS_BLOCK_SHIFT);
	u64 ino, lblk = 0, data = 0, root, nodes;
	int err;

	if (size > (ATOMFS_MAX_LBLK << ATOMFS_BLOCK_SHIFT) / 2)
		return fail("size %llu too large", (unsigned long long)size);
	if (mk_new_ino(m, &ino))
		return -1;
	while (units) {
		struct atomfs_extent e;
		u64 pblk, got;

		if (afs_alloc_units(&m->a, units, &pblk, &got)) {
			items_free(&ext);
			return fail("no space for %llu more units",
				    (unsigned long long)units);
		}
		if (mk_write_data(m, ino, pblk, lblk, got * ub, size)) {
			items_free(&ext);
			return -1;
		}
		e.e_pblk = htole64(pblk);
		e.e_len = htole32(got * ub);
		e.e_flags = 0;
		items_add(&ext, lblk, &e, sizeof(e));
		lblk += got * ub;
		data += got * ub;
		units -= got;
	}
	err = afs_tree_store(m->fs, &m->a, ino, ATOMFS_BTREE_EXTENTS, &ext,
			     &root, &nodes);
	items_free(&ext);
	if (err)
		return fail("cannot write the extent tree: %s", strerror(-err));
	mk_inode_init(&in, ino, S_IFREG | 0644, 1);
	in.i_size = htole64(size);
	in.i_blocks = htole64(data + nodes);
	in.i_root = htole64(root);
	if (afs_write_inode(m->fs, ino, &in))
		return fail("cannot write inode %llu", (unsigned long long)ino);
	*inop = ino;
	return 0;
}

/* mkfile DIRINO NAME SIZE */
int cmd_mkfile(struct afs *fs, int argc, char **argv)
{
	struct afs_newent e = { 0 };
	u64 dir, size, ino;
	struct mk m;

	if (argc != 3)
		return fail("usage: mkfile DIRINO NAME SIZE");
	if (arg_u64(argv[0], "directory", &dir) ||
	    parse_size(argv[2], &size))
		return fail("bad arguments");
	if (mk_begin(&m, fs))
		return -1;
	if (mk_file(&m, size, &ino))
		goto err;
	e.name = argv[1];
	e.namelen = strlen(argv[1]);
	e.ino = ino;
	e.dtype = afs_mode_dtype(S_IFREG);
	if (mk_dir_add(&m, dir, &e, 1, 0))
		goto err;
	if (mk_end(&m))
		return -1;
	printf("%llu\n", (unsigned long long)ino);
	return 0;
err:
	mk_abort(&m);
	return -1;
}

/* populate DIRINO COUNT SIZE: files f0 .. f<COUNT-1> */
int cmd_populate(struct afs *fs, int argc, char **argv)
{
	struct afs_newent *ents;
	u64 dir, count, size, i;
	struct mk m;
	int ret = -1;

	if (argc != 3)
		return fail("usage: populate DIRINO COUNT SIZE");
	if (arg_u64(argv[0], "directory", &dir) ||
	    arg_u64(argv[1], "count", &count) || parse_size(argv[2], &size))
		return fail("bad arguments");
	if (count > fs->inodes)
		return fail("not that many inodes");
	if (mk_begin(&m, fs))
		return -1;
	ents = xcalloc(count, sizeof(*ents));
	for (i = 0; i < count; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%llu", (unsigned long long)i);
		ents[i].name = xstrdup(name);
		ents[i].namelen = strlen(name);
		ents[i].dtype = afs_mode_dtype(S_IFREG);
		if (mk_file(&m, size, &ents[i].ino))
			goto out;
	}
	if (mk_dir_add(&m, dir, ents, count, 0))
		goto out;
	ret = mk_end(&m);
	if (!ret)
		printf("%llu files\n", (unsigned long long)count);
out:
	if (ret)
		mk_abort(&m);
	for (i = 0; i < count; i++)
		free((char *)ents[i].name);
	free(ents);
	return ret;
}

/* mkdir DIRINO NAME */
int cmd_mkdir(struct afs *fs, int argc, char **argv)
{
	struct afs_newent e = { 0 };
	struct atomfs_inode in;
	u64 dir, ino;
	struct mk m;

	if (argc != 2)
		return fail("usage: mkdir DIRINO NAME");
	if (arg_u64(argv[0], "directory", &dir))
		return -1;
	if (mk_begin(&m, fs))
		return -1;
	if (mk_new_ino(&m, &ino))
		goto err;
	mk_inode_init(&in, ino, S_IFDIR | 0755, 2);
	in.i_parent = htole64(dir);
	if (afs_write_inode(fs, ino, &in)) {
		fail("cannot write inode %llu", (unsigned long long)ino);
		goto err;
	}
	e.name = argv[1];
	e.namelen = strlen(argv[1]);
	e.ino = ino;
	e.dtype = afs_mode_dtype(S_IFDIR);
	if (mk_dir_add(&m, dir, &e, 1, 1))
		goto err;
	if (mk_end(&m))
		return -1;
	printf("%llu\n", (unsigned long long)ino);
	return 0;
err:
	mk_abort(&m);
	return -1;
}

/* symlink DIRINO NAME TARGET */
int cmd_symlink(struct afs *fs, int argc, char **argv)
{
	struct afs_newent e = { 0 };
	struct atomfs_inode in;
	size_t len;
	u64 dir, ino;
	struct mk m;

	if (argc != 3)
		return fail("usage: symlink DIRINO NAME TARGET");
	len = strlen(argv[2]);
	if (arg_u64(argv[0], "directory", &dir))
		return -1;
	if (!len || len > ATOMFS_SYMLINK_MAX)
		return fail("target length %zu out of range", len);
	if (mk_begin(&m, fs))
		return -1;
	if (mk_new_ino(&m, &ino))
		goto err;
	mk_inode_init(&in, ino, S_IFLNK | 0777, 1);
	in.i_size = htole64(len);
	if (len <= ATOMFS_INLINE_SIZE) {
		in.i_flags = htole32(ATOMFS_INODE_INLINE_SYMLINK);
		memcpy(in.i_inline, argv[2], len);
	} else {
		u8 blk[ATOMFS_BLOCK_SIZE];
		struct atomfs_symlink_block *sl = (void *)blk;
		u64 b;

		if (afs_alloc_block(&m.a, &b)) {
			fail("no space");
			goto err;
		}
		memset(blk, 0, sizeof(blk));
		sl->sl_magic = htole32(ATOMFS_SYMLINK_MAGIC);
		sl->sl_blkno = htole64(b);
		sl->sl_owner = htole64(ino);
		sl->sl_len = htole32(len);
		memcpy(blk + ATOMFS_SYMLINK_HDR_SIZE, argv[2], len);
		afs_block_set_csum(blk);
		if (afs_write_block(fs, b, blk)) {
			fail("cannot write block %llu", (unsigned long long)b);
			goto err;
		}
		in.i_root = htole64(b);
		in.i_blocks = htole64(1);
	}
	if (afs_write_inode(fs, ino, &in)) {
		fail("cannot write inode %llu", (unsigned long long)ino);
		goto err;
	}
	e.name = argv[1];
	e.namelen = strlen(argv[1]);
	e.ino = ino;
	e.dtype = afs_mode_dtype(S_IFLNK);
	if (mk_dir_add(&m, dir, &e, 1, 0))
		goto err;
	if (mk_end(&m))
		return -1;
	printf("%llu\n", (unsigned long long)ino);
	return 0;
err:
	mk_abort(&m);
	return -1;
}

/* link DIRINO NAME INO: a hard link to a non-directory */
int cmd_link(struct afs *fs, int argc, char **argv)
{
	struct afs_newent e = { 0 };
	struct atomfs_inode in;
	u64 dir, ino;
	struct mk m;

	if (argc != 3)
		return fail("usage: link DIRINO NAME INO");
	if (arg_u64(argv[0], "directory", &dir) ||
	    arg_u64(argv[2], "inode", &ino))
		return -1;
	if (read_live_inode(fs, ino, &in))
		return -1;
	if (S_ISDIR(le16toh(in.i_mode)))
		return fail("inode %llu is a directory",
			    (unsigned long long)ino);
	if (mk_begin(&m, fs))
		return -1;
	e.name = argv[1];
	e.namelen = strlen(argv[1]);
	e.ino = ino;
	e.dtype = afs_mode_dtype(le16toh(in.i_mode));
	if (mk_dir_add(&m, dir, &e, 1, 0))
		goto err;
	in.i_nlink = htole32(le32toh(in.i_nlink) + 1);
	if (afs_write_inode(fs, ino, &in)) {
		fail("cannot write inode %llu", (unsigned long long)ino);
		goto err;
	}
	return mk_end(&m);
err:
	mk_abort(&m);
	return -1;
}

/*
 * unlink DIRINO NAME: the name goes, and with it one link of the inode it
 * named (a directory's link count drops to 0, and its parent's by one), as
 * the kernel leaves an inode that is still open: in the inode table, with
 * all its blocks.  The kernel would set ATOMFS_INODE_ORPHAN on it in the
 * same transaction; inode-set does that separately.
 */
int cmd_unlink(struct afs *fs, int argc, char **argv)
{
	struct atomfs_inode dir, in;
	struct afs_items items = { 0 };
	struct afs_dirent_view de;
	u64 dirino, *old = NULL, root, nodes, blocks, sec;
	size_t nold = 0, i;
	u32 nsec;
	long idx;
	struct mk m;
	int err;

	if (argc != 2)
		return fail("usage: unlink DIRINO NAME");
	if (arg_u64(argv[0], "directory", &dirino))
		return -1;
	if (read_live_inode(fs, dirino, &dir))
		return -1;
	if (!S_ISDIR(le16toh(dir.i_mode)))
		return fail("inode %llu is not a directory",
			    (unsigned long long)dirino);
	if (mk_begin(&m, fs))
		return -1;
	err = afs_tree_load(fs, dirino, ATOMFS_BTREE_DIR, le64toh(dir.i_root),
			    &items, &old, &nold);
	if (err) {
		fail("directory %llu: cannot read its tree (%s)",
		     (unsigned long long)dirino, strerror(-err));
		goto err;
	}
	idx = afs_dir_find(fs, &items, argv[1], strlen(argv[1]));
	if (idx < 0 || !afs_dirent_parse(items.v[idx].val, items.v[idx].size,
					 &de)) {
		fail("directory %llu has no entry '%s'",
		     (unsigned long long)dirino, argv[1]);
		goto err;
	}
	if (read_live_inode(fs, de.ino, &in))
		goto err;
	items_del(&items, idx);
	err = afs_tree_store(fs, &m.a, dirino, ATOMFS_BTREE_DIR, &items,
			     &root, &nodes);
	if (err) {
		fail("directory %llu: cannot write its tree: %s",
		     (unsigned long long)dirino, strerror(-err));
		goto err;
	}
	for (i = 0; i < nold; i++) {
		bitmap_clear(&m.bbm, old[i]);
		m.freed++;
	}
	blocks = le64toh(dir.i_blocks) - nold + nodes;
	afs_now(&sec, &nsec);
	dir.i_root = htole64(root);
	dir.i_blocks = htole64(blocks);
	dir.i_size = htole64(blocks << ATOMFS_BLOCK_SHIFT);
	dir.i_nentries = htole64(le64toh(dir.i_nentries) - 1);
	dir.i_mtime = dir.i_ctime = htole64(sec);
	dir.i_mtime_nsec = dir.i_ctime_nsec = htole32(nsec);
	if (S_ISDIR(le16toh(in.i_mode))) {
		dir.i_nlink = htole32(le32toh(dir.i_nlink) - 1);
		in.i_nlink = 0;
	} else {
		in.i_nlink = htole32(le32toh(in.i_nlink) - 1);
	}
	in.i_ctime = htole64(sec);
	in.i_ctime_nsec = htole32(nsec);
	if (afs_write_inode(fs, dirino, &dir) ||
	    afs_write_inode(fs, de.ino, &in)) {
		fail("cannot write the inodes");
		goto err;
	}
	items_free(&items);
	free(old);
	return mk_end(&m);
err:
	items_free(&items);
	free(old);
	mk_abort(&m);
	return -1;
}
