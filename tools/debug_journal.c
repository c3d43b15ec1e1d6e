// SPDX-License-Identifier: GPL-2.0
/*
 * atomfs-debug: the jbd2 journal.  Its superblock can be shown and changed
 * field by field, and journal-write puts synthetic transactions into the
 * log, for tests of the recovery in fsck (and in the kernel).
 *
 * The writer is on purpose independent of the recovery in journal.c: it
 * follows the kernel's writing side, fs/jbd2/commit.c (descriptor blocks,
 * tags, escaping, commit blocks) and fs/jbd2/revoke.c (revoke blocks), so
 * that a misreading of the format in one is not hidden by the same
 * misreading in the other.  It writes whatever log it is told to,
 * including broken ones; nothing in it checks that the result makes sense.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "debug.h"
#include "jbd2.h"

#define JBS	ATOMFS_BLOCK_SIZE

enum jkind { J_DEC, J_HEX, J_UUID };

struct jfield {
	const char	*name;
	size_t		off;
	unsigned int	size;		/* 1 or 4: big-endian */
	enum jkind	kind;
};

#define JF(n, k) { #n, offsetof(journal_superblock_t, s_##n), \
		   sizeof(((journal_superblock_t *)0)->s_##n), k }

static const struct jfield jfields[] = {
	{ "magic", offsetof(journal_superblock_t, s_header.h_magic), 4, J_HEX },
	{ "blocktype", offsetof(journal_superblock_t, s_header.h_blocktype), 4,
	  J_DEC },
	JF(blocksize, J_DEC), JF(maxlen, J_DEC), JF(first, J_DEC),
	JF(sequence, J_DEC), JF(start, J_DEC), JF(errno, J_DEC),
	JF(feature_compat, J_HEX), JF(feature_incompat, J_HEX),
	JF(feature_ro_compat, J_HEX), JF(uuid, J_UUID), JF(nr_users, J_DEC),
	JF(dynsuper, J_DEC), JF(max_transaction, J_DEC),
	JF(max_trans_data, J_DEC), JF(checksum_type, J_DEC),
	JF(num_fc_blks, J_DEC), JF(head, J_DEC), JF(checksum, J_HEX),
};

static u32 jget(const u8 *p, unsigned int size)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

static void jput(u8 *p, unsigned int size, u32 v)
{
	while (size--) {
		p[size] = v;
		v >>= 8;
	}
}

static inline void put_be32(void *p, u32 v)
{
	jput(p, 4, v);
}

static inline void put_be64(void *p, u64 v)
{
	jput(p, 4, v >> 32);
	jput((u8 *)p + 4, 4, v);
}

/* crc32c(~0, 1024 bytes with s_checksum 0): jbd2_superblock_csum() */
static u32 jsb_csum(const u8 *blk)
{
	u8 copy[sizeof(journal_superblock_t)];

	memcpy(copy, blk, sizeof(copy));
	memset(copy + offsetof(journal_superblock_t, s_checksum), 0, 4);
	return crc32c(~0U, copy, sizeof(copy));
}

static int read_jsb(struct afs *fs, u64 js, u8 *blk)
{
	if (js >= fs->disk.size >> ATOMFS_BLOCK_SHIFT ||
	    afs_read_block(fs, js, blk))
		return fail("cannot read the journal superblock at block %llu",
			    (unsigned long long)js);
	return 0;
}

static int write_jsb(struct afs *fs, u64 js, u8 *blk, bool raw)
{
	if (!raw)
		put_be32(blk + offsetof(journal_superblock_t, s_checksum),
			 jsb_csum(blk));
	if (afs_write_block(fs, js, blk) || disk_sync(&fs->disk))
		return fail("cannot write the journal superblock");
	return 0;
}

/* journal: the superblock's fields, one "name value" a line */
int cmd_journal(struct afs *fs, int argc, char **argv)
{
	u8 blk[JBS];
	size_t i;

	(void)argv;
	if (argc)
		return fail("usage: journal");
	if (!fs->j_blocks)
		return fail("the filesystem has no journal area");
	if (read_jsb(fs, fs->j_start, blk))
		return -1;
	printf("journal_start %llu\n", (unsigned long long)fs->j_start);
	printf("journal_blocks %llu\n", (unsigned long long)fs->j_blocks);
	for (i = 0; i < ARRAY_SIZE(jfields); i++) {
		const struct jfield *f = &jfields[i];
		const u8 *p = blk + f->off;

		printf("%s ", f->name);
		if (f->kind == J_UUID) {
			unsigned int j;

			for (j = 0; j < f->size; j++)
				printf("%s%02x", j == 4 || j == 6 || j == 8 ||
				       j == 10 ? "-" : "", p[j]);
			putchar('\n');
		} else if (f->kind == J_HEX) {
			printf("0x%0*x\n", f->size * 2, jget(p, f->size));
		} else {
			printf("%u\n", jget(p, f->size));
		}
	}
	printf("csum %s\n", jsb_csum(blk) ==
	       jget(blk + offsetof(journal_superblock_t, s_checksum), 4) ?
	       "ok" : "bad");
	return 0;
}

static int journal_set(struct afs *fs, int argc, char **argv, bool raw)
{
	const struct jfield *f = NULL;
	u8 blk[JBS];
	size_t i;
	u64 v;

	if (argc != 2)
		return fail("usage: journal-set%s FIELD VALUE",
			    raw ? "-raw" : "");
	for (i = 0; i < ARRAY_SIZE(jfields) && !f; i++)
		if (!strcmp(jfields[i].name, argv[0]))
			f = &jfields[i];
	if (!f || f->kind == J_UUID)
		return fail("no settable journal superblock field '%s'",
			    argv[0]);
	if (arg_u64(argv[1], "value", &v))
		return -1;
	if (f->size < 8 && v >> (8 * f->size))
		return fail("%s: %llu does not fit %u bytes", argv[0],
			    (unsigned long long)v, f->size);
	if (!fs->j_blocks)
		return fail("the filesystem has no journal area");
	if (read_jsb(fs, fs->j_start, blk))
		return -1;
	jput(blk + f->off, f->size, v);
	return write_jsb(fs, fs->j_start, blk, raw);
}

int cmd_journal_set(struct afs *fs, int argc, char **argv)
{
	return journal_set(fs, argc, argv, false);
}

int cmd_journal_set_raw(struct afs *fs, int argc, char **argv)
{
	return journal_set(fs, argc, argv, true);
}

/*
 * The test pattern of block @blkno as transaction @seq logs it: "JPAT",
 * the block number, the transaction, and bytes that depend on all three.
 * An escaped one starts with jbd2's magic instead, so that jbd2 has to
 * escape it in the log.
 */
static void pattern(u8 *blk, u64 blkno, u32 seq, bool escaped)
{
	unsigned int i;

	for (i = 16; i < JBS; i++)
		blk[i] = (u8)(blkno * 131 + seq * 31 + i);
	if (escaped)
		put_be32(blk, JBD2_MAGIC_NUMBER);
	else
		memcpy(blk, "JPAT", 4);
	put_le64(blk + 4, blkno);
	memcpy(blk + 12, &(u32){ htole32(seq) }, 4);
}

/* journal-pattern BLKNO: zero, "seq N [escaped]" or other */
int cmd_journal_pattern(struct afs *fs, int argc, char **argv)
{
	u8 blk[JBS], want[JBS];
	u64 n;
	u32 seq;
	bool esc;
	unsigned int i;

	if (argc != 1)
		return fail("usage: journal-pattern BLKNO");
	if (arg_u64(argv[0], "block", &n))
		return -1;
	if (n >= fs->disk.size >> ATOMFS_BLOCK_SHIFT ||
	    afs_read_block(fs, n, blk))
		return fail("cannot read block %llu", (unsigned long long)n);
	for (i = 0; i < JBS && !blk[i]; i++)
		;
	if (i == JBS) {
		printf("zero\n");
		return 0;
	}
	memcpy(&seq, blk + 12, 4);
	seq = le32toh(seq);
	esc = jget(blk, 4) == JBD2_MAGIC_NUMBER;
	pattern(want, n, seq, esc);
	if (memcmp(blk, want, JBS))
		printf("other\n");
	else
		printf("seq %u%s\n", seq, esc ? " escaped" : "");
	return 0;
}

/* journal-write: the log being written */
struct jw {
	struct afs	*fs;
	u64		js;		/* device block of log block 0 */
	u32		maxlen;
	u32		first;
	u32		seed;
	u32		pos;		/* next log block */
	u32		used;		/* log blocks written */
	u64		time;		/* commit time of the last commit */
};

static int jw_put(struct jw *w, u32 at, const u8 *blk)
{
	if (afs_write_block(w->fs, w->js + at, blk))
		return fail("cannot write log block %u", at);
	return 0;
}

/* The next log block, wrapping around from the end to s_first */
static int jw_next(struct jw *w, u32 *at)
{
	if (++w->used > w->maxlen - w->first)
		return fail("the transactions do not fit in the log");
	*at = w->pos++;
	if (w->pos >= w->maxlen)
		w->pos = w->first;
	return 0;
}

static void jw_header(u8 *blk, u32 type, u32 seq)
{
	memset(blk, 0, JBS);
	put_be32(blk, JBD2_MAGIC_NUMBER);
	put_be32(blk + 4, type);
	put_be32(blk + 8, seq);
}

/* jbd2_descriptor_block_csum_set(): the tail of descriptors and revokes */
static void jw_tail_csum(struct jw *w, u8 *blk, bool bad)
{
	u32 csum;

	memset(blk + JBS - 4, 0, 4);
	csum = crc32c(w->seed, blk, JBS);
	put_be32(blk + JBS - 4, bad ? ~csum : csum);
}

/* One item of a transaction */
struct jitem {
	char	op;		/* b e i x r */
	u64	blkno;
};

struct jtxn {
	struct jitem	*items;
	size_t		n;
	size_t		cap;
	const char	*mode;
};

static int jw_revokes(struct jw *w, const struct jtxn *t, u32 seq, bool bad)
{
	u8 blk[JBS];
	size_t i, off = 0;
	u32 at = 0;

	for (i = 0; i < t->n; i++) {
		if (t->items[i].op != 'r')
			continue;
		/* write_one_revoke_record(): a new block when this is full */
		if (off && off + 8 > JBS - 4) {
			put_be32(blk + 12, off);
			jw_tail_csum(w, blk, bad);
			if (jw_put(w, at, blk))
				return -1;
			off = 0;
		}
		if (!off) {
			if (jw_next(w, &at))
				return -1;
			jw_header(blk, JBD2_REVOKE_BLOCK, seq);
			off = sizeof(jbd2_journal_revoke_header_t);
		}
		put_be64(blk + off, t->items[i].blkno);
		off += 8;
	}
	if (!off)
		return 0;
	put_be32(blk + 12, off);
	jw_tail_csum(w, blk, bad);
	return jw_put(w, at, blk);
}

/* The descriptors and the logged blocks, as commit.c lays them out */
static int jw_blocks(struct jw *w, const struct jtxn *t, u32 seq,
		     bool bad_desc)
{
	u8 desc[JBS], data[JBS];
	size_t i, tagp = 0, space_left = 0, last_tag = 0;
	u32 desc_at = 0;
	bool first_tag = true, open = false;

	for (i = 0; i < t->n; i++) {
		const struct jitem *it = &t->items[i];
		u32 at = 0, flags = 0, csum;
		u8 *tag;
		size_t j;

		if (it->op == 'r')
			continue;
		if (!open) {
			if (jw_next(w, &desc_at))
				return -1;
			jw_header(desc, JBD2_DESCRIPTOR_BLOCK, seq);
			tagp = sizeof(journal_header_t);
			space_left = JBS - sizeof(journal_header_t);
			first_tag = true;
			open = true;
		}
		if (it->op == 'i') {
			if (afs_read_block(w->fs, it->blkno, data))
				return fail("cannot read block %llu",
					    (unsigned long long)it->blkno);
		} else {
			pattern(data, it->blkno, seq, it->op == 'e');
		}
		/* jbd2_journal_write_metadata_buffer(): escape the magic */
		if (jget(data, 4) == JBD2_MAGIC_NUMBER) {
			memset(data, 0, 4);
			flags |= JBD2_FLAG_ESCAPE;
		}
		if (!first_tag)
			flags |= JBD2_FLAG_SAME_UUID;
		/* jbd2_block_tag_csum_set(): over the logged copy */
		csum = crc32c(w->seed, &(u32){ htobe32(seq) }, 4);
		csum = crc32c(csum, data, JBS);
		tag = desc + tagp;
		put_be32(tag, it->blkno);
		put_be32(tag + 4, flags);
		put_be32(tag + 8, it->blkno >> 32);
		put_be32(tag + 12, csum);
		last_tag = tagp;
		tagp += sizeof(journal_block_tag3_t);
		space_left -= sizeof(journal_block_tag3_t);
		if (first_tag) {
			/* j_uuid, which jbd2 never sets: zeros */
			tagp += 16;
			space_left -= 16;
			first_tag = false;
		}
		if (it->op == 'x')
			data[100] ^= 0xff;	/* damaged after the checksum */
		if (jw_next(w, &at) || jw_put(w, at, data))
			return -1;

		/* The last block, or no room for another tag: flush */
		for (j = i + 1; j < t->n && t->items[j].op == 'r'; j++)
			;
		if (j == t->n || space_left < sizeof(journal_block_tag3_t) +
		    16 + sizeof(struct jbd2_journal_block_tail)) {
			desc[last_tag + 7] |= JBD2_FLAG_LAST_TAG;
			jw_tail_csum(w, desc, bad_desc);
			if (jw_put(w, desc_at, desc))
				return -1;
			open = false;
		}
	}
	return 0;
}

/* jbd2_commit_block_csum_set() and the commit record around it */
static int jw_commit(struct jw *w, u32 seq, const char *mode)
{
	u8 blk[JBS];
	u32 at = 0, csum;
	u64 time;

	if (!strcmp(mode, "nocommit"))
		return 0;
	/* A stale commit is older than the one before it. */
	time = !strcmp(mode, "stale") ? w->time - 100 : ++w->time;
	jw_header(blk, JBD2_COMMIT_BLOCK, seq);
	put_be64(blk + offsetof(struct commit_header, h_commit_sec), time);
	put_be32(blk + offsetof(struct commit_header, h_commit_nsec), 0);
	csum = crc32c(w->seed, blk, JBS);
	put_be32(blk + offsetof(struct commit_header, h_chksum), csum);
	if (!strcmp(mode, "badcommit") || !strcmp(mode, "stale"))
		put_be32(blk + offsetof(struct commit_header, h_chksum),
			 ~csum);
	/* Only the first sector landed; the others hold what was there. */
	if (!strcmp(mode, "torn"))
		memset(blk + 512, 0xa5, JBS - 512);
	if (jw_next(w, &at))
		return -1;
	return jw_put(w, at, blk);
}

static int parse_txn(const char *arg, struct jtxn *t)
{
	char *s = xstrdup(arg), *p, *mode, *tok, *save = NULL;
	static const char *const modes[] = {
		"commit", "nocommit", "torn", "badcommit", "stale",
		"baddesc", "badrevoke",
	};
	size_t i;

	memset(t, 0, sizeof(*t));
	t->mode = "commit";
	mode = strchr(s, ':');
	if (mode) {
		*mode++ = '\0';
		for (i = 0; i < ARRAY_SIZE(modes); i++)
			if (!strcmp(mode, modes[i]))
				t->mode = modes[i];
		if (strcmp(mode, t->mode)) {
			fail("unknown commit mode '%s'", mode);
			free(s);
			return -1;
		}
	}
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		u64 blkno, count = 1, k;
		char op = tok[0];

		p = strchr(tok, '+');
		if (op == 'B' && p) {
			*p++ = '\0';
			op = 'b';
		}
		if (!op || !strchr("beixr", op) ||
		    parse_u64(tok + 1, &blkno) ||
		    (p && (parse_u64(p, &count) || tok[0] != 'B'))) {
			fail("bad transaction item '%s' (bN eN iN xN rN BN+COUNT)",
			     arg);
			free(s);
			return -1;
		}
		for (k = 0; k < count; k++) {
			ARRAY_GROW(t->items, t->cap, t->n + 1);
			t->items[t->n].op = op;
			t->items[t->n].blkno = blkno + k;
			t->n++;
		}
	}
	/* The mode string is static; the item names are copied. */
	free(s);
	return 0;
}

/*
 * journal-write [-a JSTART:JBLOCKS] [-F] START SEQ TXN...
 *
 * Write transactions SEQ, SEQ+1, ... into the log from log block START on,
 * wrapping around at its end, and point the journal superblock at them
 * (s_start START, s_sequence SEQ).  A TXN is ITEM[,ITEM...][:MODE]:
 *   bN   block N with its test pattern     eN  the same, escaped
 *   iN   block N as the image holds it     xN  bN with a bad checksum
 *   rN   a revoke record for block N       BN+C  blocks N..N+C-1
 * MODE: commit (default), nocommit, torn (only the commit's first sector
 * is valid), badcommit, stale (a bad commit older than the one before),
 * baddesc, badrevoke (a bad descriptor or revoke block checksum).
 * -a: a journal at device block JSTART of JBLOCKS blocks (another
 * filesystem's); -F: give its superblock atomfs' jbd2 features first.
 */
int cmd_journal_write(struct afs *fs, int argc, char **argv)
{
	struct jw w = { .fs = fs, .js = fs->j_start, .maxlen = fs->j_blocks,
			.time = 1700000000 };
	u8 jsb[JBS];
	u64 start, seq, jblocks = fs->j_blocks;
	bool features = false;
	int i;

	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-F")) {
			features = true;
		} else if (!strcmp(argv[0], "-a") && argc > 1) {
			char *c = strchr(argv[1], ':');

			if (!c)
				return fail("-a JSTART:JBLOCKS");
			*c = '\0';
			if (arg_u64(argv[1], "journal start", &w.js) ||
			    arg_u64(c + 1, "journal blocks", &jblocks))
				return -1;
			argc--;
			argv++;
		} else {
			break;
		}
		argc--;
		argv++;
	}
	if (argc < 2)
		return fail("usage: journal-write [-a JSTART:JBLOCKS] [-F] START SEQ TXN...");
	if (arg_u64(argv[0], "log start", &start) ||
	    arg_u64(argv[1], "sequence", &seq))
		return -1;
	if (!jblocks || jblocks > UINT32_MAX)
		return fail("no journal to write to");
	if (read_jsb(fs, w.js, jsb))
		return -1;
	w.maxlen = jblocks;
	w.first = jget(jsb + offsetof(journal_superblock_t, s_first), 4);
	if (features) {
		put_be32(jsb + offsetof(journal_superblock_t,
					s_feature_compat), 0);
		put_be32(jsb + offsetof(journal_superblock_t,
					s_feature_ro_compat), 0);
		put_be32(jsb + offsetof(journal_superblock_t,
					s_feature_incompat),
			 JBD2_FEATURE_INCOMPAT_REVOKE |
			 JBD2_FEATURE_INCOMPAT_64BIT |
			 JBD2_FEATURE_INCOMPAT_CSUM_V3);
		jsb[offsetof(journal_superblock_t, s_checksum_type)] =
			JBD2_CRC32C_CHKSUM;
	}
	if (!w.first || w.first >= w.maxlen || start < w.first ||
	    start >= w.maxlen || seq > UINT32_MAX)
		return fail("log start %llu or sequence %llu out of range (log %u..%u)",
			    (unsigned long long)start,
			    (unsigned long long)seq, w.first, w.maxlen - 1);
	w.seed = crc32c(~0U, jsb + offsetof(journal_superblock_t, s_uuid),
			16);
	w.pos = start;
	for (i = 2; i < argc; i++) {
		struct jtxn t;
		u32 s = seq + i - 2;
		int err;

		if (parse_txn(argv[i], &t))
			return -1;
		err = jw_revokes(&w, &t, s,
				 !strcmp(t.mode, "badrevoke"));
		if (!err)
			err = jw_blocks(&w, &t, s, !strcmp(t.mode, "baddesc"));
		if (!err)
			err = jw_commit(&w, s, t.mode);
		free(t.items);
		if (err)
			return -1;
	}
	put_be32(jsb + offsetof(journal_superblock_t, s_start), start);
	put_be32(jsb + offsetof(journal_superblock_t, s_sequence), seq);
	if (disk_sync(&fs->disk))
		return fail("cannot sync the log");
	/* The log first, its superblock last, as jbd2 orders them */
	return write_jsb(fs, w.js, jsb, false);
}
