// SPDX-License-Identifier: GPL-2.0
/*
 * After a crash: does the directory a crash_workload ran in hold what the
 * workload's record allows, no less (fsync'd data lost) and nothing else
 * (stale data)?
 *
 *   crash_verify -r RECORD -d DIR [-u SEQ] [-l] [-q]
 *	-u SEQ  durability lines after SEQ do not count (a replayed crash
 *	        point earlier than them)
 *	-l      also print "durable PATH BLK" for each block whose content is
 *	        fully determined (for tests that break one on purpose)
 *	-q      print only the summary line
 *
 * Prints the problems found and one line
 *   verify: files=F names=N blocks=B lost=L stale=S other=O
 * and exits 1 when L+S+O > 0 (2 for a bad record or usage).
 *
 * The rules, from the record (crash_workload.c describes its lines):
 *
 * Blocks.  For every block of every file the verifier keeps the set of
 * contents the block may hold after a crash.  A file starts with every
 * block zero.  A write adds its version; a truncate adds zeros for the
 * blocks it removes and, for the block it cuts, a copy of each candidate
 * with zeros from the cut on; punch hole and zero range add zeros.  A
 * durability point that covers the block (fsync, fdatasync,
 * sync_file_range + fdatasync and sync() for the whole file, an RWF_DSYNC
 * write for its blocks) replaces the set with the one content the block
 * had at that moment.  So after fsync only that content or something
 * written later may show; before any, any version ever written, or zeros.
 * A block read back must match one of its candidates byte for byte up to
 * EOF.  It is LOST when it holds zeros or an older version of this file's
 * block where the durable content is newer; it is STALE when it holds
 * anything else: another file's block, another offset's, a block of an
 * earlier run, a version truncated or punched away before the durability
 * point, a torn block, metadata, or the poison of a never-written block.
 *
 * Sizes.  A durability point of the whole file pins the size: after it the
 * size must lie between the smallest and the largest size the file had
 * since (LOST below, OTHER above); an RWF_DSYNC write raises the floor to
 * its end.  Before any durability point any size up to the largest.
 *
 * Names.  fsync of every directory (or sync()) makes the whole namespace
 * durable.  After that a name may show only the file it held at that
 * point or one it was given later, and may be missing only if it was
 * missing at that point or later; a file linked at that point and neither
 * unlinked nor renamed over since must be found under a name it held.  A
 * file is told by its inode number (recorded after the create) and then by
 * its content.  Names the record never used are OTHER; a missing durable
 * name or file is LOST.  Whether a file's name survived says nothing about
 * its data: fsync of a file alone does not make its new name durable (as
 * on ext4 and XFS), but if the file is found its data rules apply.
 *
 * Atomic writes.  If any block of an RWF_ATOMIC write shows its version,
 * every block of it shows that version or a newer state (OTHER otherwise).
 *
 * The rules never assume an order between operations that were not made
 * durable, so they accept more than a journaling filesystem allows, never
 * less.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "testutil.h"
#include "crash.h"

#define NDIRS		3
#define NNAMES		12
#define NSLOTS		(NDIRS * NNAMES)
#define MAX_FILE_BLKS	256
#define FULL		CRASH_BLOCK

struct cand {
	uint32_t v;		/* version (write seq), 0: zeros */
	uint16_t cut;		/* bytes from the start that hold data */
};

struct blk {
	struct cand *c;
	int n, cap;
	struct cand cur;	/* content now */
	uint32_t dv;		/* version made durable last, 0: none */
	uint32_t zeroed;	/* seq of the last op that zeroed it */
};

struct atomic_op {
	uint32_t seq, blk, n;
};

struct file {
	uint32_t fid;
	int known;		/* a create line was seen */
	unsigned long long ino;
	int has_ino;
	uint64_t size, lo, hi;	/* size now, allowed range */
	struct blk b[MAX_FILE_BLKS];
	struct atomic_op *at;
	int nat;
	int durable_link;	/* linked when the namespace was made durable */
	int may_vanish;		/* unlinked or renamed over since */
	int found;		/* slot + 1 where the check found it */
};

struct slot {
	uint32_t cur;
	uint32_t *allowed;	/* fids (0: absent) it may show */
	int n, cap;
};

struct line {
	uint32_t seq;
	char op[4];
	unsigned long long a[4];
	char s[8];
};

static struct {
	uint32_t run;
	uint32_t upto;
	struct file **files;
	uint32_t nfid;
	struct slot slots[NSLOTS];
	int ns_durable;
	int list, quiet;
	/* counters */
	unsigned long files_checked, names, blocks;
	unsigned long lost, stale, other;
} v;

struct result {
	unsigned long blocks, lost, stale, other;
	int report;
	const char *path;
};

__attribute__((format(printf, 3, 4)))
static void problem(struct result *r, unsigned long *counter,
		    const char *fmt, ...)
{
	va_list ap;

	(*counter)++;
	if (!r->report || v.quiet)
		return;
	printf("%s: %s: ", counter == &r->lost ? "LOST" :
	       counter == &r->stale ? "STALE" : "OTHER", r->path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static struct file *file_get(uint32_t fid)
{
	if (fid >= v.nfid) {
		uint32_t n = fid + 64;

		v.files = realloc(v.files, n * sizeof(*v.files));
		CHECK(v.files, "realloc");
		memset(v.files + v.nfid, 0, (n - v.nfid) * sizeof(*v.files));
		v.nfid = n;
	}
	if (!v.files[fid]) {
		v.files[fid] = calloc(1, sizeof(struct file));
		CHECK(v.files[fid], "calloc");
		v.files[fid]->fid = fid;
	}
	return v.files[fid];
}

static void cand_add(struct blk *b, struct cand c)
{
	int i;

	if (!c.v)
		c.cut = 0;
	for (i = 0; i < b->n; i++)
		if (b->c[i].v == c.v && b->c[i].cut == c.cut)
			return;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4;
		b->c = realloc(b->c, b->cap * sizeof(*b->c));
		CHECK(b->c, "realloc");
	}
	b->c[b->n++] = c;
}

static void blk_set(struct blk *b, uint32_t ver, uint16_t cut, uint32_t seq)
{
	struct cand c = { ver, ver ? cut : 0 };

	b->cur = c;
	cand_add(b, c);
	if (!ver)
		b->zeroed = seq;
}

/* A durability point for block @b: only its present content may show. */
static void blk_durable(struct blk *b)
{
	b->n = 0;
	cand_add(b, b->cur);
	b->dv = b->cur.v;
}

static void file_init(struct file *f)
{
	int i;

	for (i = 0; i < MAX_FILE_BLKS; i++)
		if (!f->b[i].n)
			cand_add(&f->b[i], (struct cand){ 0, 0 });
}

static void size_set(struct file *f, uint64_t size)
{
	f->size = size;
	if (size < f->lo)
		f->lo = size;
	if (size > f->hi)
		f->hi = size;
}

static void file_durable(struct file *f)
{
	int i;

	for (i = 0; i < MAX_FILE_BLKS; i++)
		blk_durable(&f->b[i]);
	f->lo = f->hi = f->size;
}

static void slot_allow(struct slot *s, uint32_t fid)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->allowed[i] == fid)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->allowed = realloc(s->allowed, s->cap * sizeof(uint32_t));
		CHECK(s->allowed, "realloc");
	}
	s->allowed[s->n++] = fid;
}

static void slot_set(int slot, uint32_t fid)
{
	v.slots[slot].cur = fid;
	slot_allow(&v.slots[slot], fid);
}

static void ns_durable(void)
{
	uint32_t i;
	int s;

	v.ns_durable = 1;
	for (i = 0; i < v.nfid; i++)
		if (v.files[i])
			v.files[i]->durable_link = 0;
	for (s = 0; s < NSLOTS; s++) {
		v.slots[s].n = 0;
		slot_allow(&v.slots[s], v.slots[s].cur);
		if (v.slots[s].cur) {
			struct file *f = file_get(v.slots[s].cur);

			f->durable_link = 1;
			f->may_vanish = 0;
		}
	}
}

static void bad_record(uint32_t seq, const char *why)
{
	fprintf(stderr, "crash_verify: bad record at line %u: %s\n", seq, why);
	exit(2);
}

static void apply(const struct line *l)
{
	const char *op = l->op;
	struct file *f;
	uint64_t i;

	if (!strcmp(op, "C")) {
		if (l->a[0] >= NSLOTS)
			bad_record(l->seq, "slot");
		f = file_get((uint32_t)l->a[1]);
		f->known = 1;
		file_init(f);
		f->lo = f->hi = f->size = 0;
		slot_set((int)l->a[0], f->fid);
	} else if (!strcmp(op, "I")) {
		f = file_get((uint32_t)l->a[0]);
		f->ino = l->a[1];
		f->has_ino = 1;
	} else if (!strcmp(op, "U")) {
		uint32_t fid;

		if (l->a[0] >= NSLOTS || !v.slots[l->a[0]].cur)
			bad_record(l->seq, "unlink of an empty slot");
		fid = v.slots[l->a[0]].cur;
		file_get(fid)->may_vanish = 1;
		slot_set((int)l->a[0], 0);
	} else if (!strcmp(op, "R")) {
		uint32_t fid, victim;

		if (l->a[0] >= NSLOTS || l->a[1] >= NSLOTS ||
		    !v.slots[l->a[0]].cur)
			bad_record(l->seq, "rename");
		fid = v.slots[l->a[0]].cur;
		victim = v.slots[l->a[1]].cur;
		if (victim)
			file_get(victim)->may_vanish = 1;
		slot_set((int)l->a[0], 0);
		slot_set((int)l->a[1], fid);
	} else if (!strcmp(op, "W")) {
		f = file_get((uint32_t)l->a[0]);
		if (!f->known || l->a[1] + l->a[2] > MAX_FILE_BLKS)
			bad_record(l->seq, "write");
		for (i = l->a[1]; i < l->a[1] + l->a[2]; i++)
			blk_set(&f->b[i], l->seq, FULL, l->seq);
		if ((l->a[1] + l->a[2]) * CRASH_BLOCK > f->size)
			size_set(f, (l->a[1] + l->a[2]) * CRASH_BLOCK);
		if (strchr(l->s, 'a')) {
			f->at = realloc(f->at, (f->nat + 1) * sizeof(*f->at));
			CHECK(f->at, "realloc");
			f->at[f->nat++] = (struct atomic_op){
				l->seq, (uint32_t)l->a[1], (uint32_t)l->a[2] };
		}
	} else if (!strcmp(op, "T")) {
		uint64_t size = l->a[1], cb = size / CRASH_BLOCK;
		uint16_t cut = size % CRASH_BLOCK;

		f = file_get((uint32_t)l->a[0]);
		if (!f->known || size > MAX_FILE_BLKS * (uint64_t)CRASH_BLOCK)
			bad_record(l->seq, "truncate");
		for (i = cb + !!cut; i < MAX_FILE_BLKS; i++)
			if (f->b[i].cur.v)
				blk_set(&f->b[i], 0, 0, l->seq);
		if (cut && cb < MAX_FILE_BLKS) {
			struct blk *b = &f->b[cb];
			int j, n = b->n;

			for (j = 0; j < n; j++)
				if (b->c[j].v && b->c[j].cut > cut)
					cand_add(b, (struct cand){ b->c[j].v, cut });
			if (b->cur.v && b->cur.cut > cut)
				b->cur.cut = cut;
		}
		size_set(f, size);
	} else if (!strcmp(op, "F")) {
		uint64_t end = l->a[1] + l->a[2];

		f = file_get((uint32_t)l->a[0]);
		if (!f->known || end > MAX_FILE_BLKS)
			bad_record(l->seq, "fallocate");
		if (!strcmp(l->s, "punch") || !strcmp(l->s, "zero"))
			for (i = l->a[1]; i < end; i++)
				blk_set(&f->b[i], 0, 0, l->seq);
		if ((!strcmp(l->s, "alloc") || !strcmp(l->s, "zero")) &&
		    end * CRASH_BLOCK > f->size)
			size_set(f, end * CRASH_BLOCK);
	} else if (!strcmp(op, "D")) {
		if (l->seq > v.upto)
			return;
		file_durable(file_get((uint32_t)l->a[0]));
	} else if (!strcmp(op, "DR")) {
		uint64_t end = l->a[1] + l->a[2];

		if (l->seq > v.upto)
			return;
		f = file_get((uint32_t)l->a[0]);
		for (i = l->a[1]; i < end && i < MAX_FILE_BLKS; i++)
			blk_durable(&f->b[i]);
		end *= CRASH_BLOCK;
		if (end > f->size)
			end = f->size;
		if (end > f->lo)
			f->lo = end;
	} else if (!strcmp(op, "DN")) {
		if (l->seq > v.upto)
			return;
		ns_durable();
	} else if (!strcmp(op, "DA")) {
		uint32_t j;

		if (l->seq > v.upto)
			return;
		ns_durable();
		for (j = 0; j < v.nfid; j++)
			if (v.files[j] && v.files[j]->known)
				file_durable(v.files[j]);
	} else {
		bad_record(l->seq, "unknown operation");
	}
}

static struct line *read_record(const char *path, size_t *count)
{
	FILE *fp = fopen(path, "r");
	struct line *ls = NULL;
	size_t n = 0, cap = 0;
	char buf[512];

	CHECK(fp, "open %s", path);
	if (!fgets(buf, sizeof(buf), fp) ||
	    strncmp(buf, CRASH_RECORD_MAGIC " run=", strlen(CRASH_RECORD_MAGIC) + 5))
		bad_record(0, "no header");
	v.run = (uint32_t)strtoul(buf + strlen(CRASH_RECORD_MAGIC) + 5, NULL, 10);
	while (fgets(buf, sizeof(buf), fp)) {
		struct line l;
		char *p, *tok;
		int k = 0;

		/* a line cut short by the crash never happened */
		if (!strchr(buf, '\n'))
			break;
		memset(&l, 0, sizeof(l));
		tok = strtok_r(buf, " \n", &p);
		l.seq = (uint32_t)strtoul(tok, NULL, 10);
		if (l.seq != n + 1)
			bad_record((uint32_t)n + 1, "sequence");
		tok = strtok_r(NULL, " \n", &p);
		if (!tok || strlen(tok) >= sizeof(l.op))
			bad_record(l.seq, "operation");
		strcpy(l.op, tok);
		while ((tok = strtok_r(NULL, " \n", &p))) {
			if ((*tok >= '0' && *tok <= '9') && k < 4) {
				l.a[k++] = strtoull(tok, NULL, 10);
			} else {
				/* the one word: "F FID MODE BLK N", flags */
				snprintf(l.s, sizeof(l.s), "%s", tok);
			}
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			ls = realloc(ls, cap * sizeof(*ls));
			CHECK(ls, "realloc");
		}
		ls[n++] = l;
	}
	fclose(fp);
	*count = n;
	return ls;
}

static int is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Does @buf (@len bytes read) hold version @c of block @blk of @f? */
static int matches(const struct file *f, uint32_t blk, struct cand c,
		   const uint8_t *buf, size_t len)
{
	static uint8_t want[CRASH_BLOCK];
	size_t n = c.cut < len ? c.cut : len;

	if (!c.v)
		return is_zero(buf, len);
	crash_block_fill(want, v.run, f->fid, c.v, blk);
	return !memcmp(buf, want, n) && is_zero(buf + n, len - n);
}

/*
 * Check @f's content through @fd.  Fills @shown (version per block, 0 for
 * zeros, UINT32_MAX for anything else) for the atomic-write check.
 */
static void check_content(struct file *f, int fd, struct result *r,
			  uint32_t *shown)
{
	static uint8_t buf[CRASH_BLOCK];
	struct stat st;
	uint64_t size, b, nb;
	int i;

	EXPECT_OK(fstat(fd, &st));
	size = (uint64_t)st.st_size;
	if (size < f->lo)
		problem(r, &r->lost, "size %llu, below %llu made durable",
			(unsigned long long)size, (unsigned long long)f->lo);
	if (size > f->hi)
		problem(r, &r->other, "size %llu, above any it had (%llu)",
			(unsigned long long)size, (unsigned long long)f->hi);
	nb = (size + CRASH_BLOCK - 1) / CRASH_BLOCK;
	if (nb > MAX_FILE_BLKS)
		nb = MAX_FILE_BLKS;
	for (b = 0; b < nb; b++) {
		struct blk *k = &f->b[b];
		size_t len = size - b * CRASH_BLOCK < CRASH_BLOCK ?
			     size - b * CRASH_BLOCK : CRASH_BLOCK;
		struct crash_hdr h;
		int ok = 0;

		CHECK(pread(fd, buf, len, (off_t)(b * CRASH_BLOCK)) ==
		      (ssize_t)len, "read %s block %llu", r->path,
		      (unsigned long long)b);
		r->blocks++;
		shown[b] = UINT32_MAX;
		for (i = 0; i < k->n && !ok; i++)
			ok = matches(f, (uint32_t)b, k->c[i], buf, len);
		if (ok) {
			shown[b] = is_zero(buf, len) ? 0 : k->c[i - 1].v;
			continue;
		}
		if (is_zero(buf, len)) {
			shown[b] = 0;
			problem(r, &r->lost, "block %llu reads zeros, durable version %u",
				(unsigned long long)b, k->dv);
		} else if (crash_hdr_parse(buf, len, &h)) {
			if (h.run != v.run || h.fid != f->fid || h.blk != b)
				problem(r, &r->stale,
					"block %llu holds run %08x file %u block %u version %u",
					(unsigned long long)b, h.run, h.fid,
					h.blk, h.seq);
			else if (h.seq < k->dv)
				problem(r, &r->lost,
					"block %llu holds version %u, older than durable %u",
					(unsigned long long)b, h.seq, k->dv);
			else
				problem(r, &r->stale,
					"block %llu holds version %u, not one it may show (durable %u)",
					(unsigned long long)b, h.seq, k->dv);
		} else if (crash_is_poison(buf, len)) {
			problem(r, &r->stale,
				"block %llu holds a device block never written (poison)",
				(unsigned long long)b);
		} else {
			problem(r, &r->stale, "block %llu holds foreign data",
				(unsigned long long)b);
		}
	}

	for (i = 0; i < f->nat; i++) {
		const struct atomic_op *a = &f->at[i];
		uint32_t j, hit = 0, old = 0;

		for (j = a->blk; j < a->blk + a->n && j < nb; j++) {
			if (shown[j] == a->seq)
				hit = 1;
			else if (shown[j] == UINT32_MAX ||
				 (shown[j] && shown[j] < a->seq) ||
				 (!shown[j] && f->b[j].zeroed < a->seq))
				old = 1;
		}
		if (hit && old)
			problem(r, &r->other, "atomic write %u (blocks %u+%u) torn",
				a->seq, a->blk, a->n);
	}
}

static void list_durable(const struct file *f, const char *path,
			 uint64_t size)
{
	uint64_t b;

	for (b = 0; b < MAX_FILE_BLKS && b * CRASH_BLOCK + CRASH_BLOCK <= size; b++)
		if (f->b[b].n == 1 && f->b[b].c[0].v && f->b[b].c[0].cut == FULL)
			printf("durable %s %llu\n", path, (unsigned long long)b);
}

static void check_slot(const char *dir, int slot, int present)
{
	struct slot *s = &v.slots[slot];
	char path[PATH_MAX];
	struct result best = { 0 }, r;
	static uint32_t shown[MAX_FILE_BLKS];
	struct file *bf = NULL;
	unsigned long bscore = ~0UL;
	struct stat st;
	int i, fd, absent_ok = 0, cands = 0;

	snprintf(path, sizeof(path), "%s/d%d/n%02d", dir, slot / NNAMES,
		 slot % NNAMES);
	for (i = 0; i < s->n; i++)
		absent_ok |= !s->allowed[i];
	r = (struct result){ .report = 1, .path = path };
	if (!present) {
		if (!absent_ok) {
			problem(&r, &r.lost, "durable name missing (file %u)",
				s->allowed[0]);
			v.lost += r.lost;
		}
		return;
	}
	v.names++;
	if (lstat(path, &st) || !S_ISREG(st.st_mode)) {
		problem(&r, &r.other, "not a regular file");
		v.other += r.other;
		return;
	}
	fd = EXPECT_OK(open(path, O_RDONLY));
	/* Try each file the name may show; keep the one that fits best. */
	for (i = 0; i < s->n; i++) {
		struct file *f;
		unsigned long score;

		if (!s->allowed[i])
			continue;
		f = file_get(s->allowed[i]);
		if (f->has_ino && f->ino != (unsigned long long)st.st_ino)
			continue;
		cands++;
		r = (struct result){ .report = 0, .path = path };
		check_content(f, fd, &r, shown);
		score = r.lost + r.stale + r.other;
		if (score < bscore) {
			bscore = score;
			bf = f;
		}
		if (!score)
			break;
	}
	if (!cands) {
		r = (struct result){ .report = 1, .path = path };
		problem(&r, &r.other, "inode %llu: no file that held this name",
			(unsigned long long)st.st_ino);
		v.other += r.other;
		EXPECT_OK(close(fd));
		return;
	}
	best = (struct result){ .report = 1, .path = path };
	check_content(bf, fd, &best, shown);
	v.files_checked++;
	v.blocks += best.blocks;
	v.lost += best.lost;
	v.stale += best.stale;
	v.other += best.other;
	if (bf->found) {
		r = (struct result){ .report = 1, .path = path };
		problem(&r, &r.other, "file %u also found at slot %d", bf->fid,
			bf->found - 1);
		v.other += r.other;
	}
	bf->found = slot + 1;
	if (v.list && !bscore)
		list_durable(bf, path, (uint64_t)st.st_size);
	EXPECT_OK(close(fd));
}

static void check_tree(const char *dir)
{
	int present[NSLOTS] = { 0 };
	struct result r = { .report = 1 };
	char path[PATH_MAX];
	struct dirent *de;
	uint32_t i;
	int d, s;
	DIR *dp;

	dp = opendir(dir);
	if (!dp) {
		r.path = dir;
		if (v.ns_durable)
			problem(&r, &r.lost, "directory missing");
	} else {
		while ((de = readdir(dp))) {
			if (de->d_name[0] == '.' &&
			    (!de->d_name[1] || !strcmp(de->d_name, "..")))
				continue;
			if (strlen(de->d_name) == 2 && de->d_name[0] == 'd' &&
			    de->d_name[1] >= '0' && de->d_name[1] < '0' + NDIRS)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			r.path = path;
			problem(&r, &r.other, "unexpected name");
		}
		closedir(dp);
	}
	for (d = 0; d < NDIRS; d++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, d);
		dp = opendir(path);
		if (!dp) {
			if (v.ns_durable && !r.lost) {
				r.path = path;
				problem(&r, &r.lost, "directory missing");
			}
			continue;
		}
		while ((de = readdir(dp))) {
			char *end;
			long j;

			if (de->d_name[0] == '.' &&
			    (!de->d_name[1] || !strcmp(de->d_name, "..")))
				continue;
			j = strtol(de->d_name + 1, &end, 10);
			if (de->d_name[0] == 'n' && !*end && j >= 0 &&
			    j < NNAMES && strlen(de->d_name) == 3) {
				present[d * NNAMES + j] = 1;
				continue;
			}
			snprintf(path, sizeof(path), "%s/d%d/%s", dir, d,
				 de->d_name);
			r.path = path;
			problem(&r, &r.other, "unexpected name");
		}
		closedir(dp);
	}
	v.lost += r.lost;
	v.other += r.other;
	for (s = 0; s < NSLOTS; s++)
		check_slot(dir, s, present[s]);
	for (i = 0; i < v.nfid; i++) {
		struct file *f = v.files[i];

		if (f && f->durable_link && !f->may_vanish && !f->found) {
			snprintf(path, sizeof(path), "%s (file %u)", dir, f->fid);
			r = (struct result){ .report = 1, .path = path };
			problem(&r, &r.lost, "file linked durably is gone");
			v.lost += r.lost;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: crash_verify -r RECORD -d DIR [-u SEQ] [-l] [-q]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *record = NULL, *dir = NULL;
	struct line *ls;
	size_t n, i, j;
	int c;

	test_name = "crash_verify";
	v.upto = UINT32_MAX;
	while ((c = getopt(argc, argv, "r:d:u:lq")) != -1) {
		switch (c) {
		case 'r':
			record = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'u':
			v.upto = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			v.list = 1;
			break;
		case 'q':
			v.quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (!record || !dir)
		usage();
	ls = read_record(record, &n);
	/* Before the namespace is first made durable, every name may be absent. */
	for (c = 0; c < NSLOTS; c++)
		slot_allow(&v.slots[c], 0);
	/* Operations that failed ("X") changed nothing. */
	for (i = 0; i < n; i++) {
		if (strcmp(ls[i].op, "X"))
			continue;
		for (j = 0; j < i; j++)
			if (ls[j].seq == ls[i].a[0])
				ls[j].op[0] = '-';
	}
	for (i = 0; i < n; i++)
		if (ls[i].op[0] != '-' && strcmp(ls[i].op, "X"))
			apply(&ls[i]);
	check_tree(dir);
	printf("verify: files=%lu names=%lu blocks=%lu lost=%lu stale=%lu other=%lu\n",
	       v.files_checked, v.names, v.blocks, v.lost, v.stale, v.other);
	return v.lost + v.stale + v.other ? 1 : 0;
}
