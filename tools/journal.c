// SPDX-License-Identifier: GPL-2.0
/*
 * The jbd2 journal of an atomfs filesystem: its superblock, and recovery of
 * its log into memory.
 *
 * The recovery is fs/jbd2/recovery.c of Linux 6.12 (do_one_pass(),
 * count_tags(), scan_revoke_records() and the checksum helpers) for a
 * journal with 4 KiB blocks, CSUM_V3 and 64BIT, and neither the v1
 * checksum, async commits nor fast commits, which atomfs journals never
 * have.  Its control flow is kept as it is there, quirks included: what the
 * kernel would replay at mount, fsck replays, and what makes the kernel
 * fail the mount is what fsck reports.  Two things differ: blocks are
 * collected in memory instead of being written through the buffer cache,
 * and a tag naming a block the atomfs format never journals (the
 * superblock, the journal itself, past the end of the filesystem) is
 * reported and skipped instead of written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "journal.h"

/* The kernel's names for the errnos of a damaged log */
#define EFSBADCRC	EBADMSG
#define EFSCORRUPTED	EUCLEAN

#define JBS		ATOMFS_BLOCK_SIZE
#define TAG_BYTES	sizeof(journal_block_tag3_t)
#define TAIL_BYTES	sizeof(struct jbd2_journal_block_tail)

static inline u32 be32(__be32 v)
{
	return be32toh((u32)v);
}

static inline u32 get_be32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

u32 jnl_csum_seed(const u8 *uuid)
{
	return crc32c(~0U, uuid, 16);
}

u32 jnl_sb_csum(const journal_superblock_t *jsb)
{
	journal_superblock_t copy = *jsb;

	copy.s_checksum = 0;
	return crc32c(~0U, &copy, sizeof(copy));
}

void jnl_sb_set_csum(journal_superblock_t *jsb)
{
	jsb->s_checksum = htobe32(jnl_sb_csum(jsb));
}

void jnl_sb_init(u8 *blk, u32 maxlen, const u8 *uuid, u32 sequence)
{
	journal_superblock_t *jsb = (journal_superblock_t *)blk;

	memset(blk, 0, JBS);
	jsb->s_header.h_magic = htobe32(JBD2_MAGIC_NUMBER);
	jsb->s_header.h_blocktype = htobe32(JBD2_SUPERBLOCK_V2);
	jsb->s_blocksize = htobe32(JBS);
	jsb->s_maxlen = htobe32(maxlen);
	jsb->s_first = htobe32(1);
	jsb->s_sequence = htobe32(sequence);
	jsb->s_start = 0;
	jsb->s_feature_incompat = htobe32(AFS_JBD2_INCOMPAT);
	memcpy(jsb->s_uuid, uuid, 16);
	jsb->s_nr_users = htobe32(1);
	jsb->s_checksum_type = JBD2_CRC32C_CHKSUM;
	jnl_sb_set_csum(jsb);
}

int jnl_sb_check(const journal_superblock_t *jsb, u64 area_blocks,
		 afs_report_fn report, void *ctx)
{
	u32 maxlen = be32(jsb->s_maxlen), first = be32(jsb->s_first);
	u32 start = be32(jsb->s_start);
	u32 incompat = be32(jsb->s_feature_incompat);
	int bad = 0;

#define JSB(cond, ...) do { if (cond) { report(ctx, __VA_ARGS__); bad++; } } while (0)
	if (be32(jsb->s_header.h_magic) != JBD2_MAGIC_NUMBER) {
		report(ctx, "journal superblock: bad magic 0x%08x",
		       be32(jsb->s_header.h_magic));
		return 1;
	}
	JSB(be32(jsb->s_header.h_blocktype) != JBD2_SUPERBLOCK_V2,
	    "journal superblock: block type %u, not a version 2 superblock",
	    be32(jsb->s_header.h_blocktype));
	JSB(be32(jsb->s_blocksize) != JBS,
	    "journal superblock: block size %u, not %u",
	    be32(jsb->s_blocksize), JBS);
	JSB(maxlen != area_blocks,
	    "journal superblock: %u blocks, but the journal area has %llu",
	    maxlen, (unsigned long long)area_blocks);
	/* journal_reset(): first + JBD2_MIN_JOURNAL_BLOCKS <= last + 1 */
	JSB(!first || first >= maxlen ||
	    (u64)first + JBD2_MIN_JOURNAL_BLOCKS > (u64)maxlen + 1,
	    "journal superblock: log starts at block %u of %u", first,
	    maxlen);
	JSB(start && (start < first || start >= maxlen),
	    "journal superblock: log head at block %u, outside the log %u..%u",
	    start, first, maxlen ? maxlen - 1 : 0);
	JSB(jsb->s_feature_compat || jsb->s_feature_ro_compat ||
	    (incompat & ~AFS_JBD2_INCOMPAT) ||
	    (incompat & AFS_JBD2_INCOMPAT_REQUIRED) !=
	    AFS_JBD2_INCOMPAT_REQUIRED,
	    "journal superblock: features compat 0x%x ro_compat 0x%x incompat 0x%x, expected incompat 0x%x (0x%x without revoke)",
	    be32(jsb->s_feature_compat), be32(jsb->s_feature_ro_compat),
	    incompat, AFS_JBD2_INCOMPAT, AFS_JBD2_INCOMPAT_REQUIRED);
	JSB(jsb->s_checksum_type != JBD2_CRC32C_CHKSUM,
	    "journal superblock: checksum type %u, not crc32c (%u)",
	    jsb->s_checksum_type, JBD2_CRC32C_CHKSUM);
	JSB(be32(jsb->s_checksum) != jnl_sb_csum(jsb),
	    "journal superblock: checksum mismatch");
#undef JSB
	return bad;
}

/*
 * Recovery.  Names follow fs/jbd2/recovery.c; "journal" fields are those
 * of the superblock.
 */
enum passtype { PASS_SCAN, PASS_REVOKE, PASS_REPLAY };

struct recovery_info {
	u32	start_transaction;
	u32	end_transaction;
	unsigned long head_block;
	u64	nr_replays;
	u64	nr_revokes;
	u64	nr_revoke_hits;
};

struct jctx {
	struct jnl_recovery *r;
	u32	first;		/* j_first */
	u32	last;		/* j_last = s_maxlen */
	u32	total_len;	/* j_total_len */
	u32	seed;		/* j_csum_seed */
	bool	is64;
	u64	order;
};

#define wrap(j, var)						\
do {								\
	if ((var) >= (j)->last)					\
		(var) -= ((j)->last - (j)->first);		\
} while (0)

static void say(struct jctx *j, const char *fmt, ...) __printf(2, 3);
static void say(struct jctx *j, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->r->report(j->r->ctx, "journal: %s", msg);
}

/* jread(): log block @offset into @buf */
static int jread(struct jctx *j, unsigned long offset, u8 *buf)
{
	if (offset >= j->total_len) {
		say(j, "log block %lu is past the end of the journal (corrupted journal superblock)",
		    offset);
		return -EFSCORRUPTED;
	}
	if (disk_read(j->r->disk, j->r->jstart + offset, buf, 1)) {
		j->r->ioerr = true;
		return -EIO;
	}
	return 0;
}

static int descriptor_block_csum_verify(struct jctx *j, const u8 *buf)
{
	u8 copy[JBS];
	u32 provided = get_be32(buf + JBS - TAIL_BYTES);

	memcpy(copy, buf, JBS);
	memset(copy + JBS - TAIL_BYTES, 0, TAIL_BYTES);
	return provided == crc32c(j->seed, copy, JBS);
}

/* count_tags(): the tags of a descriptor, up to and with LAST_TAG */
static int count_tags(const u8 *buf)
{
	size_t tagp = sizeof(journal_header_t);
	size_t size = JBS - TAIL_BYTES;
	int nr = 0;

	while (tagp + TAG_BYTES <= size) {
		/* journal_block_tag_t's be16 t_flags, at byte 6 */
		u16 flags = (u16)buf[tagp + 6] << 8 | buf[tagp + 7];

		nr++;
		tagp += TAG_BYTES;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			tagp += 16;
		if (flags & JBD2_FLAG_LAST_TAG)
			break;
	}
	return nr;
}

static u64 read_tag_block(struct jctx *j, const u8 *tag)
{
	u64 block = get_be32(tag);

	if (j->is64)
		block |= (u64)get_be32(tag + 8) << 32;
	return block;
}

static int commit_block_csum_verify(struct jctx *j, const u8 *buf)
{
	u8 copy[JBS];
	u32 provided = get_be32(buf + 16);

	memcpy(copy, buf, JBS);
	memset(copy + 16, 0, 4);
	return provided == crc32c(j->seed, copy, JBS);
}

/* The header sector alone: the rest of a commit block is zeros. */
static bool commit_block_csum_verify_partial(struct jctx *j, const u8 *buf)
{
	u8 tmp[JBS];
	u32 provided = get_be32(buf + 16);

	memset(tmp, 0, JBS);
	memcpy(tmp, buf, sizeof(struct commit_header));
	memset(tmp + 16, 0, 4);
	return provided == crc32c(j->seed, tmp, JBS);
}

static int block_tag_csum_verify(struct jctx *j, const u8 *tag,
				 const u8 *buf, u32 sequence)
{
	u32 seq = htobe32(sequence);
	u32 csum32 = crc32c(j->seed, &seq, sizeof(seq));

	csum32 = crc32c(csum32, buf, JBS);
	return get_be32(tag + 12) == csum32;
}

static int revoke_cmp(const void *a, const void *b)
{
	const struct jnl_revoke *x = a, *y = b;

	return x->blocknr < y->blocknr ? -1 : x->blocknr > y->blocknr;
}

/* jbd2_journal_set_revoke(): keep the highest sequence of a block */
static void set_revoke(struct jnl_recovery *r, u64 blocknr, u32 sequence)
{
	struct jnl_revoke *v;

	ARRAY_GROW(r->revokes, r->revokes_cap, r->nrevokes + 1);
	v = &r->revokes[r->nrevokes++];
	v->blocknr = blocknr;
	v->sequence = sequence;
}

/* Sort the records and merge those of one block (revoke.c keeps one). */
static void finish_revokes(struct jnl_recovery *r)
{
	size_t i, n = 0;

	if (r->nrevokes > 1)
		qsort(r->revokes, r->nrevokes, sizeof(*r->revokes),
		      revoke_cmp);
	for (i = 0; i < r->nrevokes; i++) {
		if (n && r->revokes[n - 1].blocknr == r->revokes[i].blocknr) {
			if (tid_gt(r->revokes[i].sequence,
				   r->revokes[n - 1].sequence))
				r->revokes[n - 1].sequence =
					r->revokes[i].sequence;
			continue;
		}
		r->revokes[n++] = r->revokes[i];
	}
	r->nrevokes = n;
}

/* jbd2_journal_test_revoke() */
static bool test_revoke(struct jnl_recovery *r, u64 blocknr, u32 sequence)
{
	size_t lo = 0, hi = r->nrevokes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->revokes[mid].blocknr < blocknr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nrevokes || r->revokes[lo].blocknr != blocknr)
		return false;
	return !tid_gt(sequence, r->revokes[lo].sequence);
}

/* scan_revoke_records() */
static int scan_revoke_records(struct jctx *j, const u8 *buf, u32 sequence,
			       struct recovery_info *info)
{
	size_t offset = sizeof(jbd2_journal_revoke_header_t);
	u32 rcount = get_be32(buf + sizeof(journal_header_t));
	size_t record_len = j->is64 ? 8 : 4;

	if (rcount > JBS - TAIL_BYTES) {
		say(j, "transaction %u: revoke block counts %u bytes, more than a block holds",
		    sequence, rcount);
		return -EINVAL;
	}
	while (offset + record_len <= rcount) {
		u64 blocknr = get_be32(buf + offset);

		if (record_len == 8)
			blocknr = blocknr << 32 | get_be32(buf + offset + 4);
		offset += record_len;
		set_revoke(j->r, blocknr, sequence);
		++info->nr_revokes;
	}
	return 0;
}

/* The write of one replayed block, into memory */
static void replay_block(struct jctx *j, u64 blocknr, const u8 *data,
			 bool escape)
{
	struct jnl_recovery *r = j->r;
	struct jnl_block *b;

	ARRAY_GROW(r->blocks, r->blocks_cap, r->nblocks + 1);
	b = &r->blocks[r->nblocks++];
	b->blocknr = blocknr;
	b->order = j->order++;
	b->data = xmalloc(JBS);
	memcpy(b->data, data, JBS);
	if (escape) {
		u32 magic = htobe32(JBD2_MAGIC_NUMBER);

		memcpy(b->data, &magic, 4);
	}
}

static int do_one_pass(struct jctx *j, struct recovery_info *info,
		       enum passtype pass)
{
	const journal_superblock_t *sb = j->r->jsb;
	unsigned int first_commit_ID, next_commit_ID;
	unsigned long next_log_block, head_block;
	int err, success = 0;
	const journal_header_t *tmp;
	unsigned int sequence;
	int blocktype;
	int descr_csum_size = 0;
	int block_error = 0;
	bool need_check_commit_time = false;
	u64 last_trans_commit_time = 0, commit_time;
	u8 *bh = xmalloc(JBS), *obh = xmalloc(JBS);

	next_commit_ID = be32(sb->s_sequence);
	next_log_block = be32(sb->s_start);
	head_block = next_log_block;

	first_commit_ID = next_commit_ID;
	if (pass == PASS_SCAN)
		info->start_transaction = first_commit_ID;

	while (1) {
		int flags;
		size_t tagp;

		if (pass != PASS_SCAN)
			if (tid_geq(next_commit_ID, info->end_transaction))
				break;

		err = jread(j, next_log_block, bh);
		if (err)
			goto failed;

		next_log_block++;
		wrap(j, next_log_block);

		tmp = (const journal_header_t *)bh;

		if (be32(tmp->h_magic) != JBD2_MAGIC_NUMBER)
			break;

		blocktype = be32(tmp->h_blocktype);
		sequence = be32(tmp->h_sequence);

		if (sequence != next_commit_ID)
			break;

		switch (blocktype) {
		case JBD2_DESCRIPTOR_BLOCK:
			descr_csum_size = TAIL_BYTES;
			if (!descriptor_block_csum_verify(j, bh)) {
				/*
				 * PASS_SCAN can see stale blocks due to lazy
				 * journal init. Don't error out on those yet.
				 */
				if (pass != PASS_SCAN) {
					say(j, "transaction %u: descriptor at log block %lu has a bad checksum",
					    next_commit_ID,
					    next_log_block);
					err = -EFSBADCRC;
					goto failed;
				}
				need_check_commit_time = true;
			}

			if (pass != PASS_REPLAY) {
				next_log_block += count_tags(bh);
				wrap(j, next_log_block);
				continue;
			}

			tagp = sizeof(journal_header_t);
			while (tagp + TAG_BYTES <= JBS - descr_csum_size) {
				unsigned long io_block;
				const u8 *tag = bh + tagp;
				u64 blocknr;

				flags = (u16)tag[6] << 8 | tag[7];

				io_block = next_log_block++;
				wrap(j, next_log_block);
				err = jread(j, io_block, obh);
				if (err) {
					/* Recover what we can, fail at the end. */
					success = err;
					goto skip_write;
				}
				blocknr = read_tag_block(j, tag);

				/* Revoked: nothing to do for it */
				if (test_revoke(j->r, blocknr,
						next_commit_ID)) {
					++info->nr_revoke_hits;
					goto skip_write;
				}

				/* Look for block corruption */
				if (!block_tag_csum_verify(j, tag, obh,
							   sequence)) {
					success = -EFSBADCRC;
					say(j, "transaction %u: block %llu (log block %lu) has a bad checksum: not replayed",
					    sequence,
					    (unsigned long long)blocknr,
					    io_block);
					j->r->bad_blocks++;
					block_error = 1;
					goto skip_write;
				}

				if (j->r->target_ok &&
				    !j->r->target_ok(j->r->ctx, blocknr)) {
					say(j, "transaction %u: block %llu (log block %lu) is not a block atomfs journals: not replayed",
					    sequence,
					    (unsigned long long)blocknr,
					    io_block);
					j->r->bad_blocks++;
					goto skip_write;
				}

				replay_block(j, blocknr, obh,
					     flags & JBD2_FLAG_ESCAPE);
				++info->nr_replays;

skip_write:
				tagp += TAG_BYTES;
				if (!(flags & JBD2_FLAG_SAME_UUID))
					tagp += 16;

				if (flags & JBD2_FLAG_LAST_TAG)
					break;
			}
			continue;

		case JBD2_COMMIT_BLOCK:
			commit_time = be64toh(((const struct commit_header *)
					       bh)->h_commit_sec);
			/*
			 * If need_check_commit_time is set, it means we are
			 * in PASS_SCAN and csum verify failed before. If
			 * commit_time is increasing, it's the same journal,
			 * otherwise it is stale journal block, just end this
			 * recovery.
			 */
			if (need_check_commit_time) {
				if (commit_time >= last_trans_commit_time) {
					say(j, "transaction %u: a descriptor or revoke block has a bad checksum",
					    next_commit_ID);
					err = -EFSBADCRC;
					goto failed;
				}
ignore_crc_mismatch:
				/*
				 * It likely does not belong to same journal,
				 * just end this recovery with success.
				 */
				goto done;
			}

			if (pass == PASS_SCAN &&
			    !commit_block_csum_verify(j, bh)) {
				if (commit_block_csum_verify_partial(j, bh))
					goto chksum_ok;
				if (commit_time < last_trans_commit_time)
					goto ignore_crc_mismatch;
				info->end_transaction = next_commit_ID;
				info->head_block = head_block;

				/* Not an async commit journal */
				j->r->failed_commit = next_commit_ID;
				break;
			}
			if (pass == PASS_SCAN) {
chksum_ok:
				last_trans_commit_time = commit_time;
				head_block = next_log_block;
			}
			next_commit_ID++;
			continue;

		case JBD2_REVOKE_BLOCK:
			/*
			 * Check revoke block crc in pass_scan, if csum verify
			 * failed, check commit block time later.
			 */
			if (pass == PASS_SCAN &&
			    !descriptor_block_csum_verify(j, bh))
				need_check_commit_time = true;

			/* Only the REVOKE pass reads the records. */
			if (pass != PASS_REVOKE)
				continue;

			err = scan_revoke_records(j, bh, next_commit_ID, info);
			if (err)
				goto failed;
			continue;

		default:
			goto done;
		}
	}

done:
	/*
	 * We broke out of the log scan loop: either we came to the known
	 * end of the log or we found an unexpected block in the log.  If
	 * the latter happened, then we know that the "current" transaction
	 * marks the end of the valid log.
	 */
	if (pass == PASS_SCAN) {
		if (!info->end_transaction)
			info->end_transaction = next_commit_ID;
		if (!info->head_block)
			info->head_block = head_block;
	} else {
		/*
		 * It's really bad news if different passes end up at
		 * different places (but possible due to IO errors).
		 */
		if (info->end_transaction != next_commit_ID) {
			say(j, "recovery pass %d ended at transaction %u, expected %u",
			    pass, next_commit_ID, info->end_transaction);
			if (!success)
				success = -EIO;
		}
	}

	if (block_error && success == 0)
		success = -EIO;
	free(bh);
	free(obh);
	return success;

failed:
	free(bh);
	free(obh);
	return err;
}

static int block_cmp(const void *a, const void *b)
{
	const struct jnl_block *x = a, *y = b;

	if (x->blocknr != y->blocknr)
		return x->blocknr < y->blocknr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Keep the last write of each block, as the buffer cache would. */
static void finish_blocks(struct jnl_recovery *r)
{
	size_t i, n = 0;

	if (r->nblocks > 1)
		qsort(r->blocks, r->nblocks, sizeof(*r->blocks), block_cmp);
	for (i = 0; i < r->nblocks; i++) {
		if (i + 1 < r->nblocks &&
		    r->blocks[i + 1].blocknr == r->blocks[i].blocknr) {
			free(r->blocks[i].data);
			continue;
		}
		r->blocks[n++] = r->blocks[i];
	}
	r->nblocks = n;
}

void jnl_recover(struct jnl_recovery *r)
{
	const journal_superblock_t *jsb = r->jsb;
	struct recovery_info info;
	struct jctx j = {
		.r = r,
		.first = be32(jsb->s_first),
		.last = be32(jsb->s_maxlen),
		.total_len = be32(jsb->s_maxlen),
		.seed = jnl_csum_seed(jsb->s_uuid),
		.is64 = be32(jsb->s_feature_incompat) &
			JBD2_FEATURE_INCOMPAT_64BIT,
	};
	int err;

	memset(&info, 0, sizeof(info));
	r->err = 0;
	r->failed_commit = 0;
	if (!jsb->s_start) {
		r->start_transaction = r->end_transaction =
			be32(jsb->s_sequence);
		return;
	}
	err = do_one_pass(&j, &info, PASS_SCAN);
	if (!err) {
		err = do_one_pass(&j, &info, PASS_REVOKE);
		finish_revokes(r);
	} else {
		/* The kernel replays nothing when the scan fails. */
		info.end_transaction = info.start_transaction;
	}
	if (!err)
		err = do_one_pass(&j, &info, PASS_REPLAY);
	finish_blocks(r);
	r->err = err;
	r->start_transaction = info.start_transaction;
	r->end_transaction = info.end_transaction;
	r->head_block = info.head_block;
	r->nr_replays = info.nr_replays;
	r->nr_revokes = info.nr_revokes;
	r->nr_revoke_hits = info.nr_revoke_hits;
}

void jnl_recovery_free(struct jnl_recovery *r)
{
	size_t i;

	for (i = 0; i < r->nblocks; i++)
		free(r->blocks[i].data);
	free(r->blocks);
	free(r->revokes);
	r->blocks = NULL;
	r->revokes = NULL;
	r->nblocks = r->nrevokes = 0;
	r->blocks_cap = r->revokes_cap = 0;
}
