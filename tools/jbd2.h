/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jbd2's on-disk format, for the tools: the journal that atomfs keeps in
 * its journal area is written by the kernel's jbd2, so these mirror
 * include/linux/jbd2.h (Linux 6.12) field for field.  Every field is
 * big-endian.  Only what a 4 KiB-block journal with the REVOKE, 64BIT and
 * CSUM_V3 features uses is here.
 */
#ifndef _ATOMFS_TOOLS_JBD2_H
#define _ATOMFS_TOOLS_JBD2_H

#include <linux/types.h>

#define JBD2_MAGIC_NUMBER		0xc03b3998U
#define JBD2_MIN_JOURNAL_BLOCKS		1024

/* h_blocktype */
#define JBD2_DESCRIPTOR_BLOCK		1
#define JBD2_COMMIT_BLOCK		2
#define JBD2_SUPERBLOCK_V1		3
#define JBD2_SUPERBLOCK_V2		4
#define JBD2_REVOKE_BLOCK		5

typedef struct journal_header_s {
	__be32		h_magic;
	__be32		h_blocktype;
	__be32		h_sequence;
} journal_header_t;

/* s_checksum_type */
#define JBD2_CRC32C_CHKSUM		4

#define JBD2_CHECKSUM_BYTES		8	/* (32 / sizeof(u32)) */

/*
 * The commit block.  With CSUM_V3, h_chksum[0] is the crc32c of the whole
 * block (seeded with the uuid) and type and size are 0; the rest of the
 * block is zero.
 */
struct commit_header {
	__be32		h_magic;
	__be32		h_blocktype;
	__be32		h_sequence;
	unsigned char	h_chksum_type;
	unsigned char	h_chksum_size;
	unsigned char	h_padding[2];
	__be32		h_chksum[JBD2_CHECKSUM_BYTES];
	__be64		h_commit_sec;
	__be32		h_commit_nsec;
};

/*
 * A descriptor block tag with CSUM_V3 (16 bytes, with or without 64BIT).
 * jbd2 reads and writes the flags as the big-endian 16-bit word at byte 6
 * (journal_block_tag_t's t_flags), the low half of t_flags here.
 */
typedef struct journal_block_tag3_s {
	__be32		t_blocknr;
	__be32		t_flags;
	__be32		t_blocknr_high;
	__be32		t_checksum;	/* crc32c(uuid+seq+block) */
} journal_block_tag3_t;

/* At the end of descriptor and revoke blocks */
struct jbd2_journal_block_tail {
	__be32		t_checksum;
};

typedef struct jbd2_journal_revoke_header_s {
	journal_header_t r_header;
	__be32		r_count;	/* bytes used, header included */
} jbd2_journal_revoke_header_t;

/* Tag flags */
#define JBD2_FLAG_ESCAPE		1	/* the block's magic was zeroed */
#define JBD2_FLAG_SAME_UUID		2	/* no 16-byte uuid after the tag */
#define JBD2_FLAG_DELETED		4
#define JBD2_FLAG_LAST_TAG		8

typedef struct journal_superblock_s {
/* 0x0000 */
	journal_header_t s_header;
/* 0x000C */
	__be32	s_blocksize;
	__be32	s_maxlen;		/* blocks in the journal */
	__be32	s_first;		/* first block of the log */
/* 0x0018 */
	__be32	s_sequence;		/* first commit ID expected in the log */
	__be32	s_start;		/* block of the log's start; 0: clean */
/* 0x0020 */
	__be32	s_errno;
/* 0x0024 */
	__be32	s_feature_compat;
	__be32	s_feature_incompat;
	__be32	s_feature_ro_compat;
/* 0x0030 */
	__u8	s_uuid[16];
/* 0x0040 */
	__be32	s_nr_users;
	__be32	s_dynsuper;
/* 0x0048 */
	__be32	s_max_transaction;
	__be32	s_max_trans_data;
/* 0x0050 */
	__u8	s_checksum_type;
	__u8	s_padding2[3];
/* 0x0054 */
	__be32	s_num_fc_blks;
	__be32	s_head;
/* 0x005C */
	__u32	s_padding[40];
	__be32	s_checksum;		/* crc32c(~0, superblock) */
/* 0x0100 */
	__u8	s_users[16 * 48];
/* 0x0400 */
} journal_superblock_t;

#define JBD2_FEATURE_COMPAT_CHECKSUM		0x00000001

#define JBD2_FEATURE_INCOMPAT_REVOKE		0x00000001
#define JBD2_FEATURE_INCOMPAT_64BIT		0x00000002
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT	0x00000004
#define JBD2_FEATURE_INCOMPAT_CSUM_V2		0x00000008
#define JBD2_FEATURE_INCOMPAT_CSUM_V3		0x00000010
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT	0x00000020

_Static_assert(sizeof(journal_header_t) == 12, "jbd2 header");
/* 64 with the tail padding: the size the kernel's partial check copies */
_Static_assert(sizeof(struct commit_header) == 64, "jbd2 commit header");
_Static_assert(__builtin_offsetof(struct commit_header, h_commit_sec) == 48,
	       "jbd2 commit time");
_Static_assert(sizeof(journal_block_tag3_t) == 16, "jbd2 tag3");
_Static_assert(sizeof(jbd2_journal_revoke_header_t) == 16,
	       "jbd2 revoke header");
_Static_assert(sizeof(journal_superblock_t) == 1024, "jbd2 superblock");
_Static_assert(__builtin_offsetof(journal_superblock_t, s_uuid) == 0x30,
	       "jbd2 superblock uuid");
_Static_assert(__builtin_offsetof(journal_superblock_t, s_checksum_type) ==
	       0x50, "jbd2 superblock checksum type");
_Static_assert(__builtin_offsetof(journal_superblock_t, s_checksum) == 0xfc,
	       "jbd2 superblock checksum");
_Static_assert(__builtin_offsetof(journal_superblock_t, s_users) == 0x100,
	       "jbd2 superblock users");

#endif /* _ATOMFS_TOOLS_JBD2_H */
