// SPDX-License-Identifier: GPL-2.0
/*
 * Read a dm-log-writes log and rebuild the device as it may have been at a
 * crash point.
 *
 *   log_replay list LOG
 *	one line per entry: INDEX FLAGS SECTOR NR_SECTORS [MARK]
 *   log_replay points LOG SEED SAMPLES
 *	the crash points to try, one line each: K TEAR MARK (MARK: the text
 *	of the last mark the point has passed, "-" if none); a summary line
 *	on stderr
 *   log_replay replay LOG BASE TARGET K TEAR SEED
 *	write BASE (the image the log began on; "-" when TARGET already holds
 *	it, as a fresh snapshot of it does) to TARGET, then entries 0..K-1
 *	whole, then, with TEAR 1, a random subset (from SEED) of the 4 KiB
 *	pieces of entry K; with TEAR 2 (K is a FLUSH entry) the writes of K's
 *	flush group (those since the previous FLUSH) go as a random subset
 *	of their 4 KiB pieces instead, its FUA writes whole
 *
 * The log (drivers/md/dm-log-writes.c, and
 * Documentation/admin-guide/device-mapper/log-writes.rst): a super at byte
 * 0 {le64 magic, version, nr_entries; le32 sectorsize}, then from byte
 * sectorsize one entry after the other: a sector holding {le64 sector,
 * nr_sectors, flags, data_len} (and a mark's text right after), followed
 * by nr_sectors sectors of data, except for discards.  Sectors are the
 * logical blocks of the logged device.  Entries are in completion order;
 * the writes that completed before a flush was issued come just before
 * that flush, FUA writes as soon as they complete.
 *
 * Crash points: the state just after every FLUSH and FUA entry; every FUA
 * write torn; SAMPLES entries chosen at random (from SEED) torn; just
 * before every FLUSH completes, the writes it was to make durable as a
 * random subset (TEAR 2); the end.
 *
 * Why TEAR 2 is a state the device may be in: dm-log-writes logs a plain
 * write only when a later flush completes, after the FUA writes that
 * completed meanwhile, so a flush group is [FUA writes][plain writes]
 * FLUSH, and every plain write of it completed before the flush was
 * issued.  Just before the flush completes, all of them have been issued
 * and any of their pieces may or may not have left the volatile cache, in
 * any order, while the FUA writes are on the medium.  A prefix of the log
 * only ever drops the last of them.
 * A point with nothing torn moves past the marks and empty flushes that
 * follow it, as they do not change the device: so the expectations a
 * workload marked right after its fsync returned apply at the point of the
 * flush that made it durable.  No write in these logs is one the device
 * promises atomic (dm does not pass atomic write limits on 6.12), so any
 * write may tear at 4 KiB; a discard replays as zeros.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include "testutil.h"

#define LOG_FLUSH	(1U << 0)
#define LOG_FUA		(1U << 1)
#define LOG_DISCARD	(1U << 2)
#define LOG_MARK	(1U << 3)
#define LOG_METADATA	(1U << 4)
#define LOG_MAGIC	0x6a736677736872ULL
#define PIECE		4096

struct entry {
	uint64_t sector, nr, flags, pos;	/* pos: byte offset of its data */
	char mark[64];
};

static struct entry *ents;
static uint64_t nents;
static uint32_t ssize;

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int has_data(const struct entry *e)
{
	return e->nr && !(e->flags & LOG_MARK);
}

static void load(const char *log)
{
	int fd = EXPECT_OK(open(log, O_RDONLY));
	uint8_t sb[4096];
	uint64_t pos, i, n;

	CHECK(pread(fd, sb, 512, 0) == 512, "read log super");
	CHECK(le64(sb) == LOG_MAGIC, "%s: not a dm-log-writes log", log);
	CHECK(le64(sb + 8) == 1, "log version %llu",
	      (unsigned long long)le64(sb + 8));
	n = le64(sb + 16);
	ssize = (uint32_t)(sb[24] | sb[25] << 8 | sb[26] << 16 |
			   (uint32_t)sb[27] << 24);
	CHECK(ssize >= 512 && ssize <= 4096 && !(ssize & (ssize - 1)),
	      "log sector size %u", ssize);
	ents = calloc(n + 1, sizeof(*ents));
	CHECK(ents, "calloc");
	pos = ssize;
	for (i = 0; i < n; i++) {
		struct entry *e = &ents[i];
		uint64_t len;

		CHECK(pread(fd, sb, ssize, (off_t)pos) == (ssize_t)ssize,
		      "read entry %llu", (unsigned long long)i);
		e->sector = le64(sb);
		e->nr = le64(sb + 8);
		e->flags = le64(sb + 16);
		len = le64(sb + 24);
		if (e->flags & LOG_MARK) {
			CHECK(len < ssize - 32, "mark length");
			snprintf(e->mark, sizeof(e->mark), "%.*s", (int)len,
				 (char *)sb + 32);
		}
		pos += ssize;
		e->pos = pos;
		if (!(e->flags & LOG_DISCARD))
			pos += e->nr * ssize;
	}
	nents = n;
	EXPECT_OK(close(fd));
}

static void list(void)
{
	uint64_t i;

	for (i = 0; i < nents; i++) {
		const struct entry *e = &ents[i];

		printf("%llu %s%s%s%s%s %llu %llu%s%s\n",
		       (unsigned long long)i,
		       e->flags & LOG_FLUSH ? "F" : "",
		       e->flags & LOG_FUA ? "U" : "",
		       e->flags & LOG_DISCARD ? "D" : "",
		       e->flags & LOG_MARK ? "M" : "",
		       e->flags & LOG_METADATA ? "m" :
		       (e->flags & 0x1f) ? "" : "w",
		       (unsigned long long)e->sector,
		       (unsigned long long)e->nr, *e->mark ? " " : "", e->mark);
	}
}

/* The first entry of the flush group ending at FLUSH entry @f. */
static uint64_t group_start(uint64_t f)
{
	while (f && !(ents[f - 1].flags & LOG_FLUSH))
		f--;
	return f;
}

static int plain_write(const struct entry *e)
{
	return has_data(e) && !(e->flags & LOG_FUA);
}

static uint64_t group_writes(uint64_t f)
{
	uint64_t i, n = 0;

	for (i = group_start(f); i < f; i++)
		n += plain_write(&ents[i]);
	return n;
}

struct point {
	uint64_t k;
	int tear;
};

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return x->tear - y->tear;
}

static void points(uint64_t seed, uint64_t samples)
{
	struct point *p = calloc(4 * nents + samples + 2, sizeof(*p));
	uint64_t np = 0, i, nwrites = 0, nflush = 0, nfua = 0, nmarks = 0;
	const char *mark = "-";
	uint64_t e = 0;

	CHECK(p, "calloc");
	for (i = 0; i < nents; i++) {
		nwrites += has_data(&ents[i]);
		nmarks += !!(ents[i].flags & LOG_MARK);
		if (ents[i].flags & LOG_FLUSH) {
			nflush++;
			p[np++] = (struct point){ i + 1, 0 };
			if (group_writes(i))
				p[np++] = (struct point){ i, 2 };
		}
		if (ents[i].flags & LOG_FUA) {
			nfua++;
			p[np++] = (struct point){ i + 1, 0 };
			if (has_data(&ents[i]))
				p[np++] = (struct point){ i, 1 };
		}
	}
	for (i = 0; i < samples && nwrites; i++) {
		uint64_t k;

		do {
			seed = mix(seed + 0x9e3779b97f4a7c15ULL);
			k = seed % nents;
		} while (!has_data(&ents[k]));
		p[np++] = (struct point){ k, 1 };
	}
	p[np++] = (struct point){ nents, 0 };
	/* Untorn points move past entries that change nothing. */
	for (i = 0; i < np; i++)
		if (!p[i].tear)
			while (p[i].k < nents && !has_data(&ents[p[i].k]))
				p[i].k++;
	qsort(p, np, sizeof(*p), cmp_point);
	for (i = 0; i < np; i++) {
		if (i && !cmp_point(&p[i], &p[i - 1]))
			continue;
		for (; e < p[i].k; e++)
			if (ents[e].flags & LOG_MARK)
				mark = ents[e].mark;
		printf("%llu %d %s\n", (unsigned long long)p[i].k, p[i].tear,
		       mark);
	}
	fprintf(stderr,
		"log: %llu entries, %llu writes, %llu flushes, %llu FUA, %llu marks\n",
		(unsigned long long)nents, (unsigned long long)nwrites,
		(unsigned long long)nflush, (unsigned long long)nfua,
		(unsigned long long)nmarks);
	free(p);
}

static void copy_range(int from, off_t src, int to, off_t dst, uint64_t len,
		       uint8_t *buf, size_t bufsz)
{
	while (len) {
		size_t n = len < bufsz ? len : bufsz;

		if (from >= 0)
			CHECK(pread(from, buf, n, src) == (ssize_t)n, "read");
		else
			memset(buf, 0, n);
		CHECK(pwrite(to, buf, n, dst) == (ssize_t)n, "write target");
		src += n;
		dst += n;
		len -= n;
	}
}

static uint64_t rnd;

/* A random subset of the 4 KiB pieces of @e. */
static void tear_entry(const struct entry *e, int lfd, int tfd, uint8_t *buf,
		       size_t bufsz, uint64_t *torn, uint64_t *pieces)
{
	uint64_t start = e->sector * ssize, end = start + e->nr * ssize;
	uint64_t off = start;

	while (off < end) {
		uint64_t next = (off / PIECE + 1) * PIECE;

		if (next > end)
			next = end;
		rnd = mix(rnd + 0x9e3779b97f4a7c15ULL);
		(*pieces)++;
		if (rnd & 1) {
			copy_range(e->flags & LOG_DISCARD ? -1 : lfd,
				   (off_t)(e->pos + off - start), tfd,
				   (off_t)off, next - off, buf, bufsz);
			(*torn)++;
		}
		off = next;
	}
}

static void replay(const char *log, const char *base, const char *target,
		   uint64_t k, int tear, uint64_t seed)
{
	int lfd = EXPECT_OK(open(log, O_RDONLY));
	int bfd = strcmp(base, "-") ? EXPECT_OK(open(base, O_RDONLY)) : -1;
	int tfd = EXPECT_OK(open(target, O_WRONLY));
	size_t bufsz = 1 << 20;
	uint8_t *buf = malloc(bufsz);
	struct stat st;
	uint64_t i, torn = 0, pieces = 0, gstart;

	CHECK(buf, "malloc");
	CHECK(k <= nents && (!tear || k < nents), "crash point %llu of %llu",
	      (unsigned long long)k, (unsigned long long)nents);
	CHECK(tear != 2 || (ents[k].flags & LOG_FLUSH), "entry %llu is no flush",
	      (unsigned long long)k);
	gstart = tear == 2 ? group_start(k) : k;
	if (bfd >= 0) {
		EXPECT_OK(fstat(bfd, &st));
		copy_range(bfd, 0, tfd, 0, (uint64_t)st.st_size, buf, bufsz);
		close(bfd);
	}
	rnd = mix(seed ^ k ^ ((uint64_t)tear << 40));
	for (i = 0; i < k; i++) {
		const struct entry *e = &ents[i];

		if (!has_data(e))
			continue;
		if (i >= gstart && plain_write(e)) {
			tear_entry(e, lfd, tfd, buf, bufsz, &torn, &pieces);
			continue;
		}
		copy_range(e->flags & LOG_DISCARD ? -1 : lfd, (off_t)e->pos,
			   tfd, (off_t)(e->sector * ssize), e->nr * ssize,
			   buf, bufsz);
	}
	if (tear == 1 && has_data(&ents[k]))
		tear_entry(&ents[k], lfd, tfd, buf, bufsz, &torn, &pieces);
	EXPECT_OK(fsync(tfd));
	EXPECT_OK(fstat(tfd, &st));
	/* Nothing of the previous point may stay in the device's cache. */
	if (S_ISBLK(st.st_mode))
		EXPECT_OK(ioctl(tfd, BLKFLSBUF, 0));
	if (tear == 2)
		printf("replayed %llu entries, of the %llu before flush %llu %llu of %llu pieces\n",
		       (unsigned long long)gstart,
		       (unsigned long long)(k - gstart), (unsigned long long)k,
		       (unsigned long long)torn, (unsigned long long)pieces);
	else if (tear)
		printf("replayed %llu entries and %llu of %llu pieces of entry %llu\n",
		       (unsigned long long)k, (unsigned long long)torn,
		       (unsigned long long)pieces, (unsigned long long)k);
	else
		printf("replayed %llu entries\n", (unsigned long long)k);
	free(buf);
	close(lfd);
	close(tfd);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: log_replay list LOG\n"
		"       log_replay points LOG SEED SAMPLES\n"
		"       log_replay replay LOG BASE TARGET K TEAR SEED\n");
	exit(2);
}

int main(int argc, char **argv)
{
	test_name = "log_replay";
	if (argc < 3)
		usage();
	load(argv[2]);
	if (!strcmp(argv[1], "list") && argc == 3)
		list();
	else if (!strcmp(argv[1], "points") && argc == 5)
		points(strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "replay") && argc == 8)
		replay(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 0),
		       atoi(argv[6]), strtoull(argv[7], NULL, 0));
	else
		usage();
	return 0;
}
