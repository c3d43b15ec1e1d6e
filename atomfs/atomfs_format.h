/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomfs on-disk format.
 *
 * Shared, unchanged, by the kernel module (atomfs/) and the userspace tools
 * (tools/), the way libxfs is shared by xfsprogs: everything here is a fixed
 * layout of little-endian fields, with no kernel-only types.
 *
 * Layout of a filesystem of N blocks of 4 KiB:
 *
 *   block 0                     superblock
 *   s_bbitmap_start ...         block allocation bitmap
 *   s_ibitmap_start ...         inode allocation bitmap
 *   s_itable_start ...          inode table (16 inodes a block)
 *   s_journal_start ...         the metadata journal, in jbd2's format
 *   s_data_start ... N-1        extent tree nodes, directory tree nodes,
 *                               symlink blocks and file data
 *
 * Every block before s_data_start is marked in use in the block bitmap.
 *
 * Checksums: every metadata structure carries a crc32c (Castagnoli,
 * reflected, seed ~0, no final inversion: the kernel's crc32c()) over the
 * structure with its 4-byte checksum field left out (see atomfs_csum_off()).
 * Every metadata block also records its own block number, so that a block
 * written or read at the wrong place is caught as well as a torn one.
 */
#ifndef _ATOMFS_FORMAT_H
#define _ATOMFS_FORMAT_H

#include <linux/types.h>

#define ATOMFS_MAGIC			0x41544f4dU	/* "ATOM" */
#define ATOMFS_BITMAP_MAGIC		0x4154424dU	/* "ATBM" */
#define ATOMFS_IBITMAP_MAGIC		0x4154494dU	/* "ATIM" */
#define ATOMFS_INODE_MAGIC		0x4154494eU	/* "ATIN" */
#define ATOMFS_BTREE_MAGIC		0x41544254U	/* "ATBT" */
#define ATOMFS_SYMLINK_MAGIC		0x4154534cU	/* "ATSL" */

#define ATOMFS_VERSION			1

#define ATOMFS_BLOCK_SHIFT		12
#define ATOMFS_BLOCK_SIZE		4096U
#define ATOMFS_SB_BLOCK			0

/* The atomic unit: a power of two from one block to 1 MiB. */
#define ATOMFS_MIN_ATOMIC_SHIFT		12
#define ATOMFS_MAX_ATOMIC_SHIFT		20
#define ATOMFS_DEFAULT_ATOMIC_SHIFT	14

/* Smallest filesystem mkfs accepts: room for metadata and some data. */
#define ATOMFS_MIN_BLOCKS		2048

/*
 * The journal is jbd2's (include/linux/jbd2.h): its superblock is at
 * s_journal_start, log block n is device block s_journal_start + n, and
 * jbd2 refuses a journal shorter than JBD2_MIN_JOURNAL_BLOCKS.
 */
#define ATOMFS_MIN_JOURNAL_BLOCKS	1024

/*
 * Feature flags.  A kernel mounts a filesystem only if it knows every
 * incompat flag, mounts it read-write only if it also knows every ro_compat
 * flag, and ignores compat flags it does not know.
 */
/* compat: s_journal_start/s_journal_blocks reserve room for a journal */
#define ATOMFS_FEATURE_COMPAT_JOURNAL_AREA	0x1U
/* incompat: the journal area holds a live metadata journal */
#define ATOMFS_FEATURE_INCOMPAT_JOURNAL		0x1U

#define ATOMFS_FEATURE_COMPAT_SUPP	ATOMFS_FEATURE_COMPAT_JOURNAL_AREA
#define ATOMFS_FEATURE_RO_COMPAT_SUPP	0U
#define ATOMFS_FEATURE_INCOMPAT_SUPP	ATOMFS_FEATURE_INCOMPAT_JOURNAL

/* s_state */
#define ATOMFS_STATE_CLEAN		0x1U	/* cleanly unmounted */
#define ATOMFS_STATE_ERROR		0x2U	/* corruption was seen */

#define ATOMFS_UUID_SIZE		16
#define ATOMFS_LABEL_SIZE		32

/* Inode numbers.  0 is never used; the root directory is 1. */
#define ATOMFS_ROOT_INO			1
#define ATOMFS_FIRST_INO		1

/**
 * struct atomfs_super_block - the superblock, at the start of block 0
 *
 * The checksum covers the whole structure (ATOMFS_SB_SIZE bytes) but the
 * s_checksum field.  The rest of block 0 is zero.
 */
struct atomfs_super_block {
	__le32	s_magic;		/* ATOMFS_MAGIC */
	__le32	s_checksum;
	__le16	s_version;		/* ATOMFS_VERSION */
	__le16	s_state;		/* ATOMFS_STATE_* */
	__u8	s_block_shift;		/* ATOMFS_BLOCK_SHIFT */
	__u8	s_atomic_shift;		/* log2 of the atomic unit in bytes */
	__le16	s_inode_size;		/* sizeof(struct atomfs_inode) */
	__le32	s_feature_compat;
	__le32	s_feature_ro_compat;
	__le32	s_feature_incompat;
	__le32	s_mount_count;
	__le64	s_blocks_count;		/* blocks in the filesystem */
	__le64	s_free_blocks;		/* exact when s_state has CLEAN */
	__le64	s_inodes_count;		/* inode numbers 0 .. s_inodes_count-1 */
	__le64	s_free_inodes;		/* exact when s_state has CLEAN */
	__le64	s_bbitmap_start;
	__le64	s_bbitmap_blocks;
	__le64	s_ibitmap_start;
	__le64	s_ibitmap_blocks;
	__le64	s_itable_start;
	__le64	s_itable_blocks;
	__le64	s_journal_start;	/* 0 when no room is reserved */
	__le64	s_journal_blocks;
	__le64	s_data_start;		/* first block not fixed by mkfs */
	__le64	s_root_ino;		/* ATOMFS_ROOT_INO */
	__le64	s_mkfs_time;		/* seconds since the epoch */
	__le64	s_mount_time;
	__le64	s_write_time;
	__le64	s_hash_key[2];		/* siphash key for directory names */
	__u8	s_uuid[ATOMFS_UUID_SIZE];
	char	s_label[ATOMFS_LABEL_SIZE];	/* NUL-padded, maybe unterminated */
	__u8	s_reserved[512 - 232];	/* zero */
};

#define ATOMFS_SB_SIZE			512

/*
 * Bitmap blocks (block and inode allocation).  A set bit means in use.  Bit
 * i of bitmap block j stands for block (or inode) j * ATOMFS_BITS_PER_BITMAP
 * + i; bits past the end of the filesystem are set.  The checksum covers the
 * whole block but the checksum field.  Bit i of a bitmap is bit (i % 8) of
 * byte (i / 8), least significant first (the kernel's *_bit_le() order).
 * ATOMFS_BITS_PER_BITMAP is a multiple
 * of the largest atomic unit in blocks, so no unit straddles two bitmaps.
 */
struct atomfs_bitmap_header {
	__le32	bm_magic;		/* ATOMFS_BITMAP_MAGIC / _IBITMAP_MAGIC */
	__le32	bm_checksum;
	__le64	bm_blkno;		/* this block's own number */
	__le64	bm_index;		/* j: which bitmap block of the set */
	__le64	bm_reserved;
};

#define ATOMFS_BITMAP_HDR_SIZE		32
#define ATOMFS_BITMAP_BYTES		(ATOMFS_BLOCK_SIZE - ATOMFS_BITMAP_HDR_SIZE)
#define ATOMFS_BITS_PER_BITMAP		(ATOMFS_BITMAP_BYTES * 8)	/* 32512 */

/* Inode flags (i_flags) */
#define ATOMFS_INODE_INLINE_SYMLINK	0x1U	/* target in i_inline */
/*
 * Space release in progress: the inode lost its last link while open, or a
 * truncate is freeing blocks past i_size over several transactions.  The
 * next mount after a crash frees the inode (i_nlink == 0) or the blocks
 * past i_size, then clears the flag.
 */
#define ATOMFS_INODE_ORPHAN		0x2U

#define ATOMFS_INLINE_SIZE		120
#define ATOMFS_SYMLINK_MAX		(ATOMFS_BLOCK_SIZE - 32)

/**
 * struct atomfs_inode - one inode in the inode table
 *
 * A free inode has its bit clear in the inode bitmap and i_mode == 0.  The
 * checksum covers the whole structure but i_checksum.
 *
 * i_root is the root block of the inode's tree: the extent tree of a regular
 * file, the name tree of a directory, or, for a symlink whose target does not
 * fit i_inline, its symlink block.  0 means empty.
 */
struct atomfs_inode {
	__le32	i_magic;		/* ATOMFS_INODE_MAGIC when in use */
	__le32	i_checksum;
	__le64	i_ino;			/* this inode's own number */
	__le16	i_mode;
	__le16	i_reserved1;
	__le32	i_nlink;
	__le32	i_uid;
	__le32	i_gid;
	__le32	i_flags;		/* ATOMFS_INODE_* */
	__le32	i_generation;
	__le64	i_size;
	__le64	i_blocks;		/* blocks owned: data and tree nodes */
	__le64	i_atime;
	__le64	i_mtime;
	__le64	i_ctime;
	__le64	i_crtime;
	__le32	i_atime_nsec;
	__le32	i_mtime_nsec;
	__le32	i_ctime_nsec;
	__le32	i_crtime_nsec;
	__le64	i_parent;		/* directories: parent's inode number */
	__le64	i_root;			/* tree root or symlink block; 0: none */
	__le64	i_nentries;		/* directories: number of entries */
	__le32	i_rdev;			/* device nodes: new_encode_dev() */
	__le32	i_reserved2;
	__u8	i_inline[ATOMFS_INLINE_SIZE];	/* short symlink target */
};

#define ATOMFS_INODE_SIZE		256
#define ATOMFS_INODES_PER_BLOCK		(ATOMFS_BLOCK_SIZE / ATOMFS_INODE_SIZE)

/*
 * B+tree node block, for both the extent tree of a file and the name tree
 * of a directory.  Keys are 64-bit and unique within a tree.
 *
 * Level 0 is a leaf.  A leaf holds bt_nritems struct atomfs_btree_item
 * sorted by key right after the header; each item's value (it_size bytes at
 * byte offset it_offset of the block) is packed from the end of the block
 * downwards.  An interior node holds bt_nritems struct atomfs_btree_ptr
 * sorted by key; ptr[i].key is the smallest key in child i's subtree.
 * Every node but the root holds at least one entry.  The checksum covers the
 * whole block but bt_checksum.
 */
struct atomfs_btree_header {
	__le32	bt_magic;		/* ATOMFS_BTREE_MAGIC */
	__le32	bt_checksum;
	__le64	bt_blkno;		/* this block's own number */
	__le64	bt_owner;		/* inode number of the tree's owner */
	__u8	bt_level;		/* 0: leaf */
	__u8	bt_type;		/* ATOMFS_BTREE_EXTENTS / _DIR */
	__le16	bt_nritems;
	__le32	bt_reserved;
};

#define ATOMFS_BTREE_HDR_SIZE		32
#define ATOMFS_BTREE_EXTENTS		1
#define ATOMFS_BTREE_DIR		2
#define ATOMFS_BTREE_MAX_LEVELS		8

struct atomfs_btree_item {
	__le64	it_key;
	__le16	it_offset;		/* of the value, from the block start */
	__le16	it_size;		/* of the value */
	__le32	it_reserved;
};

struct atomfs_btree_ptr {
	__le64	bp_key;
	__le64	bp_blkno;
};

#define ATOMFS_BTREE_PTRS_MAX \
	((ATOMFS_BLOCK_SIZE - ATOMFS_BTREE_HDR_SIZE) / \
	 sizeof(struct atomfs_btree_ptr))

/*
 * Extent tree item: key = first logical block; value = struct atomfs_extent.
 *
 * Regular file data is allocated in whole atomic units: for every extent,
 * key and e_pblk are congruent modulo the unit in blocks, and every unit of
 * the file's logical space is either wholly unmapped or wholly mapped onto
 * one unit-aligned, contiguous device range.  An unwritten extent reads as
 * zeros.
 */
struct atomfs_extent {
	__le64	e_pblk;
	__le32	e_len;			/* in blocks, > 0 */
	__le32	e_flags;		/* ATOMFS_EXTENT_* */
};

#define ATOMFS_EXTENT_UNWRITTEN		0x1U

/*
 * Directory tree item: key = ATOMFS_DIR_KEY(hash, seq) where hash is the
 * top 55 bits of siphash-2-4 of the name under s_hash_key (forced nonzero)
 * and seq (0..127) tells apart names whose hashes collide.  Keys double as
 * readdir cookies: 0 and 1 are "." and "..", so every key is >= 128.
 */
struct atomfs_dirent {
	__u8	d_ino[8];		/* little-endian inode number */
	__u8	d_type;			/* DT_* as in dirent.h */
	__u8	d_namelen;
	char	d_name[];		/* not NUL-terminated */
};

/*
 * Item values sit at any byte offset of a leaf, so the dirent is made of
 * bytes only: sizeof(struct atomfs_dirent) == 10, alignment 1.
 */

#define ATOMFS_NAME_LEN			255
#define ATOMFS_DIR_SEQ_BITS		7
#define ATOMFS_DIR_SEQ_MAX		127U
#define ATOMFS_DIR_HASH(siphash)	atomfs_dir_hash(siphash)

static inline __u64 atomfs_dir_hash(__u64 siphash)
{
	__u64 h = siphash >> 9;

	return h ? h : 1;
}

#define ATOMFS_DIR_KEY(hash, seq)	(((__u64)(hash) << ATOMFS_DIR_SEQ_BITS) | (seq))

/**
 * struct atomfs_symlink_block - a symlink target too long for i_inline
 *
 * The checksum covers the whole block but sl_checksum; the target is not
 * NUL-terminated and the rest of the block is zero.
 */
struct atomfs_symlink_block {
	__le32	sl_magic;		/* ATOMFS_SYMLINK_MAGIC */
	__le32	sl_checksum;
	__le64	sl_blkno;
	__le64	sl_owner;
	__le32	sl_len;
	__le32	sl_reserved;
	char	sl_target[];
};

#define ATOMFS_SYMLINK_HDR_SIZE		32

#endif /* _ATOMFS_FORMAT_H */
