/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The atomfs journal as the tools see it: jbd2's log in the journal area
 * (log block n is device block s_journal_start + n, the jbd2 superblock is
 * log block 0).  mkfs writes an empty journal; fsck checks its superblock
 * and recovers the log the way the kernel's fs/jbd2/recovery.c does, into
 * memory, so that the recovered blocks can be written in place or laid
 * over the device for a read-only check.
 */
#ifndef _ATOMFS_TOOLS_JOURNAL_H
#define _ATOMFS_TOOLS_JOURNAL_H

#include "fs.h"
#include "jbd2.h"

/* The jbd2 features of an atomfs journal; 64BIT and CSUM_V3 are required. */
#define AFS_JBD2_INCOMPAT	(JBD2_FEATURE_INCOMPAT_REVOKE | \
				 JBD2_FEATURE_INCOMPAT_64BIT | \
				 JBD2_FEATURE_INCOMPAT_CSUM_V3)
#define AFS_JBD2_INCOMPAT_REQUIRED (JBD2_FEATURE_INCOMPAT_64BIT | \
				    JBD2_FEATURE_INCOMPAT_CSUM_V3)
/* jbd2_journal_init_dev() takes the length as an int */
#define AFS_JOURNAL_MAX_BLOCKS	0x7fffffffULL

/* jbd2's transaction ids wrap around: tid_gt() and tid_geq() of jbd2.h */
static inline bool tid_gt(u32 x, u32 y)
{
	return (int32_t)(x - y) > 0;
}

static inline bool tid_geq(u32 x, u32 y)
{
	return (int32_t)(x - y) >= 0;
}

/* crc32c(~0, uuid): the seed of every v3 checksum of the log */
u32 jnl_csum_seed(const u8 *uuid);

/* jbd2_superblock_csum(): crc32c(~0, 1024 bytes with s_checksum 0) */
u32 jnl_sb_csum(const journal_superblock_t *jsb);
void jnl_sb_set_csum(journal_superblock_t *jsb);

/*
 * Fill @blk (one 4 KiB block) with the superblock of an empty journal of
 * @maxlen blocks whose next transaction is @sequence, as mkfs writes it.
 */
void jnl_sb_init(u8 *blk, u32 maxlen, const u8 *uuid, u32 sequence);

/*
 * Check a journal superblock, as journal_check_superblock() and
 * journal_reset() do and against the journal area of @area_blocks blocks,
 * reporting each problem.  Returns the number of problems; a journal with
 * any cannot be recovered.
 */
int jnl_sb_check(const journal_superblock_t *jsb, u64 area_blocks,
		 afs_report_fn report, void *ctx);

/* A block as the recovery leaves it, to be written at @blocknr */
struct jnl_block {
	u64	blocknr;
	u64	order;		/* replay order: the last write wins */
	u8	*data;
};

struct jnl_revoke {
	u64	blocknr;
	u32	sequence;	/* highest transaction that revoked it */
};

/*
 * One recovery of the log: jbd2_journal_recover()'s three passes over the
 * log from s_start, without writing anything.
 */
struct jnl_recovery {
	/* In */
	struct disk	*disk;
	u64		jstart;		/* device block of the jbd2 superblock */
	const journal_superblock_t *jsb;
	/* May the log write block @blocknr? (a problem is reported if not) */
	bool		(*target_ok)(void *ctx, u64 blocknr);
	afs_report_fn	report;
	void		*ctx;

	/* Out */
	u32		start_transaction;
	u32		end_transaction;	/* first one not replayed */
	u32		head_block;
	u64		nr_replays;	/* tags written, as jbd2 counts them */
	u64		nr_revokes;
	u64		nr_revoke_hits;
	u64		bad_blocks;	/* tags skipped: checksum or target */
	u32		failed_commit;	/* j_failed_commit, 0 for none */
	/*
	 * What the kernel would return from jbd2_journal_recover(): 0, or
	 * -EFSBADCRC / -EFSCORRUPTED / -EINVAL / -EIO when the log is
	 * damaged.  The mount fails then, and so does it when
	 * failed_commit is set.
	 */
	int		err;
	bool		ioerr;		/* the device could not be read */

	/* The blocks to write, sorted by number, one each */
	struct jnl_block *blocks;
	size_t		nblocks;
	size_t		blocks_cap;

	struct jnl_revoke *revokes;	/* sorted after the REVOKE pass */
	size_t		nrevokes;
	size_t		revokes_cap;
};

/* Recover the log of a journal superblock that passed jnl_sb_check(). */
void jnl_recover(struct jnl_recovery *r);
void jnl_recovery_free(struct jnl_recovery *r);
/* Transactions the recovery replays */
static inline u32 jnl_replayed(const struct jnl_recovery *r)
{
	return r->end_transaction - r->start_transaction;
}

#endif /* _ATOMFS_TOOLS_JOURNAL_H */
