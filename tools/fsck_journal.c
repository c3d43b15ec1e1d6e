// SPDX-License-Identifier: GPL-2.0
/*
 * fsck.atomfs: the jbd2 journal.  Checked right after the superblock and
 * before anything else is read, because its log may hold newer copies of
 * any metadata block:
 *
 * - a journal superblock the kernel would refuse is a problem; -y writes an
 *   empty journal in its place (what the log held, if anything, is lost);
 * - a log that needs recovery (s_start != 0) is recovered into memory the
 *   way the kernel does at mount (journal.c).  -y writes the recovered
 *   blocks in place and then marks the journal empty; without -y they are
 *   laid over the device, so that the check sees the filesystem as the
 *   next mount would, and nothing is written;
 * - damage the kernel's recovery stops at (a bad commit block, a bad
 *   checksum in a descriptor, revoke or logged block) is a problem: the
 *   kernel would refuse to mount.  -y then replays what the kernel's
 *   recovery would have replayed and empties the journal, as e2fsck does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck.h"

static void jproblem(void *ctx, const char *fmt, ...)
{
	struct fsck *f = ctx;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problem(f, "%s", msg);
}

/* Blocks atomfs journals: all but the superblock and the journal itself */
static bool target_ok(void *ctx, u64 blocknr)
{
	struct fsck *f = ctx;

	return blocknr != ATOMFS_SB_BLOCK && blocknr < f->fs.blocks &&
	       (blocknr < f->fs.j_start ||
		blocknr - f->fs.j_start >= f->fs.j_blocks);
}

/* A new transaction number that no block left in the log can carry */
static u32 fresh_sequence(void)
{
	u32 seq;

	afs_random(&seq, sizeof(seq));
	return seq;
}

static int write_jsb(struct fsck *f, u8 *blk)
{
	journal_superblock_t *jsb = (journal_superblock_t *)blk;

	jnl_sb_set_csum(jsb);
	if (afs_write_block(&f->fs, f->fs.j_start, blk) ||
	    disk_sync(&f->fs.disk)) {
		f->ioerr = true;
		return -1;
	}
	return 0;
}

/* -y: an empty journal in place of one that cannot be used */
static int new_journal(struct fsck *f)
{
	u8 blk[ATOMFS_BLOCK_SIZE];

	jnl_sb_init(blk, f->fs.j_blocks, f->fs.sb->s_uuid, fresh_sequence());
	return write_jsb(f, blk);
}

/* Write what the recovery left in place, then mark the journal empty. */
static int replay(struct fsck *f, u8 *blk, u32 sequence)
{
	journal_superblock_t *jsb = (journal_superblock_t *)blk;
	struct jnl_recovery *r = &f->jr;
	size_t i;

	for (i = 0; i < r->nblocks; i++) {
		if (afs_write_block(&f->fs, r->blocks[i].blocknr,
				    r->blocks[i].data)) {
			f->ioerr = true;
			return -1;
		}
	}
	/* The blocks are in place before the log that holds them goes. */
	if (disk_sync(&f->fs.disk)) {
		f->ioerr = true;
		return -1;
	}
	jsb->s_start = 0;
	jsb->s_sequence = htobe32(sequence);
	jsb->s_errno = 0;
	return write_jsb(f, blk);
}

static void lay_over(struct fsck *f)
{
	struct jnl_recovery *r = &f->jr;
	size_t i;

	if (!r->nblocks)
		return;
	f->overlay = xcalloc(r->nblocks, sizeof(*f->overlay));
	for (i = 0; i < r->nblocks; i++) {
		f->overlay[i].blkno = r->blocks[i].blocknr;
		f->overlay[i].data = r->blocks[i].data;
	}
	disk_set_overlay(&f->fs.disk, f->overlay, r->nblocks);
}

/* The filesystem has no journal (INCOMPAT_JOURNAL clear). */
static int no_journal(struct fsck *f)
{
	struct atomfs_super_block *sb = f->fs.sb;
	u64 jb = f->fs.j_blocks;

	if (jb < ATOMFS_MIN_JOURNAL_BLOCKS || jb > AFS_JOURNAL_MAX_BLOCKS) {
		problem(f, "superblock: no journal, and no room for one (journal area of %llu blocks): the kernel refuses to mount it; make the filesystem again",
			(unsigned long long)jb);
		return 0;
	}
	problem(f, "superblock: the journal feature is not set: the kernel refuses to mount the filesystem");
	if (!f->repair)
		return 0;
	if (new_journal(f))
		return FSCK_ERROR;
	sb->s_feature_incompat = htole32(le32toh(sb->s_feature_incompat) |
					 ATOMFS_FEATURE_INCOMPAT_JOURNAL);
	fixed(f, "journal: an empty journal written in the journal area, journal feature set");
	return 0;
}

int check_journal(struct fsck *f)
{
	u8 blk[ATOMFS_BLOCK_SIZE];
	journal_superblock_t *jsb = (journal_superblock_t *)blk;
	struct jnl_recovery *r = &f->jr;
	u64 jb = f->fs.j_blocks;
	bool clear_errno = false;
	u32 n, sequence;

	if (!(le32toh(f->fs.sb->s_feature_incompat) &
	      ATOMFS_FEATURE_INCOMPAT_JOURNAL))
		return no_journal(f);
	if (jb < ATOMFS_MIN_JOURNAL_BLOCKS || jb > AFS_JOURNAL_MAX_BLOCKS) {
		problem(f, "superblock: journal area of %llu blocks, outside %u..%llu: the kernel refuses to mount it",
			(unsigned long long)jb, ATOMFS_MIN_JOURNAL_BLOCKS,
			AFS_JOURNAL_MAX_BLOCKS);
		return 0;
	}
	if (afs_read_block(&f->fs, f->fs.j_start, blk))
		return FSCK_ERROR;
	if (jnl_sb_check(jsb, jb, jproblem, f)) {
		bool magic = be32toh(jsb->s_header.h_magic) ==
			     JBD2_MAGIC_NUMBER;

		if (!f->repair)
			return 0;
		if (new_journal(f))
			return FSCK_ERROR;
		/*
		 * A log is only trusted through a sound superblock.  Dropping
		 * it loses at most the transactions not yet written in place:
		 * the last metadata changes before a crash.
		 */
		fixed(f, "journal superblock rewritten, the journal empty: %s",
		      !magic ? "what its log held, if anything, is lost (the last metadata changes before a crash at most)" :
		      jsb->s_start ? "it said its log needed recovery; the transactions in it, the last metadata changes before a crash, are lost" :
		      "it said its log was empty, so nothing is lost");
		return 0;
	}
	if (memcmp(jsb->s_uuid, f->fs.sb->s_uuid, ATOMFS_UUID_SIZE))
		verbose(f, "journal superblock: its uuid is not the filesystem's");
	if (jsb->s_errno) {
		problem(f, "journal: the kernel aborted the journal (error %d)",
			(int)be32toh(jsb->s_errno));
		clear_errno = true;
	}
	if (!jsb->s_start) {
		verbose(f, "journal: empty, next transaction %u",
			be32toh(jsb->s_sequence));
		if (clear_errno && f->repair) {
			jsb->s_errno = 0;
			if (write_jsb(f, blk))
				return FSCK_ERROR;
			fixed(f, "journal: error cleared");
		}
		return 0;
	}

	r->disk = &f->fs.disk;
	r->jstart = f->fs.j_start;
	r->jsb = jsb;
	r->target_ok = target_ok;
	r->report = jproblem;
	r->ctx = f;
	jnl_recover(r);
	r->jsb = NULL;
	if (r->ioerr)
		return FSCK_ERROR;
	n = jnl_replayed(r);
	if (r->failed_commit)
		problem(f, "journal: transaction %u has a bad commit block: the kernel refuses to mount; %u transaction%s before it can be replayed",
			r->failed_commit, n, n == 1 ? "" : "s");
	if (r->err && !f->quiet)
		printf("journal: the kernel's recovery fails on this log, and the mount with it\n");

	if (!f->repair) {
		note(f, "journal needs recovery: %u transaction%s, %zu block%s",
		     n, n == 1 ? "" : "s", r->nblocks,
		     r->nblocks == 1 ? "" : "s");
		lay_over(f);
		return 0;
	}
	/*
	 * jbd2 starts again after the last transaction it looked at; when
	 * the log could not be read to its end, after none that may be left
	 * in it.
	 */
	sequence = r->err ? fresh_sequence() : r->end_transaction + 1;
	if (replay(f, blk, sequence))
		return FSCK_ERROR;
	if (!f->quiet)
		printf("journal replayed: %u transaction%s, %zu block%s\n", n,
		       n == 1 ? "" : "s", r->nblocks,
		       r->nblocks == 1 ? "" : "s");
	if (r->err || r->failed_commit || clear_errno || r->bad_blocks)
		fixed(f, "journal: marked empty after the recovery");
	f->replayed = true;
	f->changes++;
	jnl_recovery_free(r);
	return 0;
}

void journal_release(struct fsck *f)
{
	disk_set_overlay(&f->fs.disk, NULL, 0);
	free(f->overlay);
	f->overlay = NULL;
	jnl_recovery_free(&f->jr);
}
