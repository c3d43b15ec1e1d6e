// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded random workload for crash testing, and the record of what it did.
 *
 *   crash_workload run -d DIR -r RECORD -s SEED [-n STEPS] [-t SECONDS]
 *                      [-m DMNAME] [-b BUDGET_MB]
 *	create DIR (and DIR/d0 DIR/d1 DIR/d2) and run STEPS random operations
 *	in it (0, the default: until killed or SECONDS have passed); a run of
 *	STEPS ends with sync(), so that its end state is all durable
 *   crash_workload poison TARGET
 *	fill a device or image file with blocks that are neither zeros nor
 *	valid data, so that a block the filesystem never wrote cannot pass
 *	for a hole
 *   crash_workload block RUN FID SEQ BLK
 *	write that data block to stdout (for tests that plant one)
 *
 * Operations: create, unlink, rename (also over an existing name, also
 * across directories), writes that append, overwrite and leave holes,
 * truncate (down, up, to the middle of a block), fallocate (allocate, keep
 * size, punch hole, zero range), fsync, fdatasync, sync_file_range then
 * fdatasync, RWF_DSYNC writes, fsync of the directories, sync(), and
 * RWF_ATOMIC writes when statx says the file offers them.  Files are named
 * d<k>/n<j>; every 4 KiB block written is crash.h's self-describing block
 * for (run, file id, sequence number, block index).
 *
 * The RECORD (outside the filesystem under test) is a line per event,
 * numbered by sequence, written with one write(2) each:
 *
 *   crashrec 1 run=RUN      header
 *   SEQ C SLOT FID          about to create FID at SLOT (O_CREAT|O_EXCL)
 *   SEQ I FID INO           FID has inode number INO
 *   SEQ U SLOT              about to unlink SLOT
 *   SEQ R SRC DST           about to rename SRC to DST (DST may exist)
 *   SEQ W FID BLK N FLAGS   about to write N blocks at BLK, version SEQ;
 *                           FLAGS: - plain, a RWF_ATOMIC, d RWF_DSYNC
 *   SEQ T FID SIZE          about to truncate to SIZE
 *   SEQ F FID MODE BLK N    about to fallocate: MODE alloc|keep|punch|zero
 *   SEQ X OPSEQ             the operation OPSEQ failed and changed nothing
 *   SEQ D FID KIND          fsync (f), fdatasync (d) or sync_file_range and
 *                           fdatasync (s) of FID returned
 *   SEQ DR FID BLK N        the RWF_DSYNC write just before returned
 *   SEQ DN                  fsync of every directory of DIR, of DIR and of
 *                           its parent returned
 *   SEQ DA                  sync() returned
 *
 * Every change is recorded before it is made and every durability point
 * after it is reached, so when the writes of the record reach stable storage
 * in order (a file on the host's 9p share; a tmpfs file of a guest that
 * does not crash), the record always covers what may have reached the disk
 * and never claims durability that was not there.  With -m, each
 * durability line is followed by a dm-log-writes mark "d<SEQ>" on device
 * DMNAME, so a replay knows which lines its crash point must satisfy.
 *
 * What each line promises after a crash is the verifier's business
 * (crash_verify.c); the workload only keeps what it needs to choose valid
 * operations and to stay within BUDGET_MB of data (default: a third of the
 * free space), because a write that fails for lack of space would leave
 * the record claiming data that was never written.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <linux/dm-ioctl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include "testutil.h"
#include "crash.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif
#define STATX_WRITE_ATOMIC_	0x00010000U
#define STATX_ATTR_WRITE_ATOMIC_ 0x00400000ULL

#define NDIRS		3
#define NNAMES		12
#define NSLOTS		(NDIRS * NNAMES)
#define MAX_OPEN	8
#define MAX_FILE_BLKS	256	/* 1 MiB files at most */
#define MAX_WRITE_BLKS	64

struct wfile {
	uint32_t fid;
	int slot;		/* -1: unlinked */
	int fd;			/* -1: closed */
	uint64_t size;
	uint64_t alloc;		/* blocks it may hold, for the budget */
};

static struct {
	const char *dir;
	int rec;
	uint32_t run;
	uint64_t rng;
	uint32_t seq;
	uint32_t next_fid;
	int slots[NSLOTS];	/* index into files[] + 1, 0: free */
	struct wfile *files;
	int nfiles, cap;
	int nopen;
	uint64_t budget, used;	/* blocks */
	uint32_t atomic;	/* RWF_ATOMIC unit in bytes, 0: none */
	int atomic_probed;
	const char *dm;
	int dmfd;
	uint8_t *buf;
	unsigned long nops[32];
} w;

enum { OP_CREATE, OP_WRITE, OP_DSYNCW, OP_ATOMICW, OP_TRUNC, OP_FALLOC, OP_UNLINK,
	OP_RENAME, OP_FSYNC, OP_FDATASYNC, OP_SFR, OP_NSYNC, OP_SYNC, OP_CLOSE, OP_NR };

static const char *const op_names[OP_NR] = {
	"create", "write", "dsync-write", "atomic-write", "truncate",
	"fallocate", "unlink", "rename", "fsync", "fdatasync",
	"sync_file_range", "dirsync", "sync", "close",
};

static uint64_t rnd(void)
{
	w.rng += 0x9e3779b97f4a7c15ULL;
	return crash_mix(w.rng);
}

/* uniform in [0, n) */
static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

__attribute__((format(printf, 1, 2)))
static uint32_t rec(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n, m;

	w.seq++;
	n = snprintf(line, sizeof(line), "%u ", w.seq);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	CHECK(m > 0 && n + m < (int)sizeof(line) - 1, "record line too long");
	n += m;
	line[n++] = '\n';
	/* One write: a line reaches the record whole or not at all. */
	CHECK(write(w.rec, line, n) == n, "write record");
	return w.seq;
}

/* A dm-log-writes mark, through the device-mapper ioctl (no udev here). */
static void dm_mark(const char *text)
{
	union {
		struct dm_ioctl io;
		char b[1024];
	} u;
	struct dm_target_msg *msg;

	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(struct dm_ioctl);
	snprintf(u.io.name, sizeof(u.io.name), "%s", w.dm);
	msg = (struct dm_target_msg *)(u.b + u.io.data_start);
	msg->sector = 0;
	snprintf(msg->message, sizeof(u) - u.io.data_start - sizeof(*msg),
		 "mark %s", text);
	CHECK(ioctl(w.dmfd, DM_TARGET_MSG, &u.io) == 0, "dm mark %s on %s",
	      text, w.dm);
}

/* A durability line, and its mark when the device is logged. */
__attribute__((format(printf, 1, 2)))
static void durable(const char *fmt, ...)
{
	char line[128], mark[32];
	va_list ap;
	uint32_t s;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s = rec("%s", line);
	if (w.dm) {
		snprintf(mark, sizeof(mark), "d%u", s);
		dm_mark(mark);
	}
}

static void slot_path(char *p, size_t n, int slot)
{
	snprintf(p, n, "%s/d%d/n%02d", w.dir, slot / NNAMES, slot % NNAMES);
}

static uint64_t nblk(uint64_t size)
{
	return (size + CRASH_BLOCK - 1) / CRASH_BLOCK;
}

static struct wfile *file_at(int slot)
{
	return w.slots[slot] ? &w.files[w.slots[slot] - 1] : NULL;
}

static void close_file(struct wfile *f)
{
	if (f->fd < 0)
		return;
	EXPECT_OK(close(f->fd));
	f->fd = -1;
	w.nopen--;
	if (f->slot < 0) {	/* its last reference: the space is freed */
		w.used -= f->alloc;
		f->alloc = 0;
		f->fid = 0;
	}
}

static void close_some(void)
{
	int i, n = 0, pick;

	if (w.nopen < MAX_OPEN)
		return;
	for (i = 0; i < w.nfiles; i++)
		n += w.files[i].fd >= 0;
	pick = (int)rn(n);
	for (i = 0; i < w.nfiles; i++)
		if (w.files[i].fd >= 0 && pick-- == 0) {
			close_file(&w.files[i]);
			return;
		}
}

static int open_file(struct wfile *f)
{
	char p[PATH_MAX];

	if (f->fd >= 0)
		return f->fd;
	close_some();
	slot_path(p, sizeof(p), f->slot);
	f->fd = EXPECT_OK(open(p, O_RDWR));
	w.nopen++;
	return f->fd;
}

/* A live file (linked, or unlinked and still open), or NULL. */
static struct wfile *pick_file(void)
{
	int i, n = 0, pick;

	for (i = 0; i < w.nfiles; i++)
		n += w.files[i].fid != 0;
	if (!n)
		return NULL;
	pick = (int)rn(n);
	for (i = 0; i < w.nfiles; i++)
		if (w.files[i].fid && pick-- == 0) {
			open_file(&w.files[i]);
			return &w.files[i];
		}
	return NULL;
}

static int pick_slot(int used)
{
	int i, n = 0, pick;

	for (i = 0; i < NSLOTS; i++)
		n += !!w.slots[i] == used;
	if (!n)
		return -1;
	pick = (int)rn(n);
	for (i = 0; i < NSLOTS; i++)
		if (!!w.slots[i] == used && pick-- == 0)
			return i;
	return -1;
}

/* Space accounting: blocks a file may hold, rounded up for unit allocation. */
static void set_alloc(struct wfile *f, uint64_t blocks)
{
	blocks = (blocks + 15) & ~15ULL;
	if (blocks > f->alloc) {
		w.used += blocks - f->alloc;
		f->alloc = blocks;
	}
}

static void probe_atomic(int fd)
{
	/* struct statx of Linux 6.11+, as tests/prog/statx_atomic.c */
	struct {
		uint32_t mask, blksize;
		uint64_t attributes;
		uint8_t pad[0xa8 - 16];
		uint32_t unit_min, unit_max, segments_max;
		uint8_t pad2[0x100 - 0xb4];
	} stx;

	_Static_assert(sizeof(stx) == 0x100, "statx size");
	w.atomic_probed = 1;
	memset(&stx, 0, sizeof(stx));
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_WRITE_ATOMIC_,
		    &stx) != 0)
		return;
	if ((stx.mask & STATX_WRITE_ATOMIC_) &&
	    (stx.attributes & STATX_ATTR_WRITE_ATOMIC_) &&
	    stx.unit_min >= CRASH_BLOCK && stx.unit_min <= 16 * CRASH_BLOCK)
		w.atomic = stx.unit_min;
}

static void op_create(void)
{
	char p[PATH_MAX];
	struct wfile *f;
	struct stat st;
	int slot = pick_slot(0);

	if (slot < 0)
		return;
	close_some();
	if (w.nfiles == w.cap) {
		w.cap = w.cap ? 2 * w.cap : 64;
		w.files = realloc(w.files, w.cap * sizeof(*w.files));
		CHECK(w.files, "realloc");
	}
	f = &w.files[w.nfiles++];
	memset(f, 0, sizeof(*f));
	f->fid = w.next_fid++;
	f->slot = slot;
	w.slots[slot] = w.nfiles;
	rec("C %d %u", slot, f->fid);
	slot_path(p, sizeof(p), slot);
	f->fd = EXPECT_OK(open(p, O_RDWR | O_CREAT | O_EXCL, 0644));
	w.nopen++;
	EXPECT_OK(fstat(f->fd, &st));
	rec("I %u %llu", f->fid, (unsigned long long)st.st_ino);
	if (!w.atomic_probed)
		probe_atomic(f->fd);
	w.nops[OP_CREATE]++;
}

static void do_write(struct wfile *f, uint64_t blk, uint64_t n, int flags)
{
	struct iovec iov = { w.buf, n * CRASH_BLOCK };
	char fl[4], *p = fl;
	uint32_t s;
	uint64_t i;
	ssize_t r;

	if (flags & RWF_ATOMIC)
		*p++ = 'a';
	if (flags & RWF_DSYNC)
		*p++ = 'd';
	if (p == fl)
		*p++ = '-';
	*p = 0;
	s = rec("W %u %llu %llu %s", f->fid, (unsigned long long)blk,
		(unsigned long long)n, fl);
	for (i = 0; i < n; i++)
		crash_block_fill(w.buf + i * CRASH_BLOCK, w.run, f->fid, s,
				 (uint32_t)(blk + i));
	r = pwritev2(f->fd, &iov, 1, (off_t)(blk * CRASH_BLOCK), flags);
	CHECK(r == (ssize_t)iov.iov_len, "pwritev2 fid %u blk %llu n %llu flags %d: %zd",
	      f->fid, (unsigned long long)blk, (unsigned long long)n, flags, r);
	if ((blk + n) * CRASH_BLOCK > f->size)
		f->size = (blk + n) * CRASH_BLOCK;
	set_alloc(f, blk + n);
	if (flags & RWF_DSYNC)
		durable("DR %u %llu %llu", f->fid, (unsigned long long)blk,
			(unsigned long long)n);
}

static void op_write(int kind)
{
	struct wfile *f = pick_file();
	uint64_t blk, n, end = 0;
	int flags = 0;

	if (!f)
		return;
	end = nblk(f->size);
	if (kind == OP_ATOMICW) {
		uint64_t ub = w.atomic / CRASH_BLOCK;

		if (!w.atomic)
			return;
		n = ub;
		blk = rn(MAX_FILE_BLKS / ub) * ub;
		flags = RWF_ATOMIC | (rn(4) ? 0 : RWF_DSYNC);
	} else {
		n = rn(4) ? 1 + rn(8) : 1 + rn(MAX_WRITE_BLKS);
		switch (rn(4)) {
		case 0:	/* overwrite inside the file */
			blk = end ? rn(end) : 0;
			break;
		case 1:	/* beyond EOF, leaving a hole */
			blk = end + 1 + rn(8);
			break;
		default: /* append, rewriting a partial last block whole */
			blk = f->size / CRASH_BLOCK;
			break;
		}
		if (kind == OP_DSYNCW)
			flags = RWF_DSYNC;
	}
	if (blk + n > MAX_FILE_BLKS) {
		if (n > MAX_FILE_BLKS)
			return;
		blk = MAX_FILE_BLKS - n;
		if (kind == OP_ATOMICW)
			blk -= blk % n;
	}
	do_write(f, blk, n, flags);
	w.nops[kind]++;
}

static void op_truncate(void)
{
	struct wfile *f = pick_file();
	uint64_t size, b = 0;

	if (!f)
		return;
	switch (rn(5)) {
	case 0:
		size = 0;
		break;
	case 1:	/* up, past EOF */
		size = f->size + 1 + rn(16 * CRASH_BLOCK);
		break;
	case 2: /* into the middle of a block, never into its header */
		b = nblk(f->size) ? rn(nblk(f->size)) : 0;
		size = b * CRASH_BLOCK + 64 + rn(CRASH_BLOCK - 64);
		break;
	default: /* down to a block boundary */
		size = (f->size / CRASH_BLOCK) ? rn(f->size / CRASH_BLOCK) *
						 CRASH_BLOCK : 0;
		break;
	}
	if (size > MAX_FILE_BLKS * (uint64_t)CRASH_BLOCK)
		size = MAX_FILE_BLKS * (uint64_t)CRASH_BLOCK;
	rec("T %u %llu", f->fid, (unsigned long long)size);
	EXPECT_OK(ftruncate(f->fd, (off_t)size));
	f->size = size;
	w.nops[OP_TRUNC]++;
}

static void op_fallocate(void)
{
	static const char *const names[] = { "alloc", "keep", "punch", "zero" };
	static const int modes[] = {
		0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_ZERO_RANGE,
	};
	struct wfile *f = pick_file();
	uint64_t blk, n, end;
	uint32_t s;
	int m = (int)rn(4);

	if (!f)
		return;
	end = nblk(f->size);
	n = 1 + rn(16);
	blk = rn(end + 8);
	if (blk + n > MAX_FILE_BLKS)
		return;
	s = rec("F %u %s %llu %llu", f->fid, names[m], (unsigned long long)blk,
		(unsigned long long)n);
	if (fallocate(f->fd, modes[m], (off_t)(blk * CRASH_BLOCK),
		      (off_t)(n * CRASH_BLOCK)) != 0) {
		CHECK(errno == EOPNOTSUPP, "fallocate %s", names[m]);
		rec("X %u", s);
		return;
	}
	if (!(modes[m] & FALLOC_FL_KEEP_SIZE) &&
	    (blk + n) * CRASH_BLOCK > f->size)
		f->size = (blk + n) * CRASH_BLOCK;
	if (m != 2)
		set_alloc(f, blk + n);
	w.nops[OP_FALLOC]++;
}

static void op_unlink(void)
{
	char p[PATH_MAX];
	int slot = pick_slot(1);
	struct wfile *f;

	if (slot < 0)
		return;
	f = file_at(slot);
	rec("U %d", slot);
	slot_path(p, sizeof(p), slot);
	EXPECT_OK(unlink(p));
	w.slots[slot] = 0;
	f->slot = -1;
	if (f->fd < 0) {	/* no reference left: gone */
		w.used -= f->alloc;
		f->alloc = 0;
		f->fid = 0;
	} else if (rn(2)) {	/* else it lives on, open, as an orphan */
		close_file(f);
	}
	w.nops[OP_UNLINK]++;
}

static void op_rename(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	int src = pick_slot(1), dst;
	struct wfile *victim;

	if (src < 0)
		return;
	dst = rn(3) ? pick_slot(0) : pick_slot(1);
	if (dst < 0 || dst == src)
		return;
	victim = file_at(dst);
	rec("R %d %d", src, dst);
	slot_path(a, sizeof(a), src);
	slot_path(b, sizeof(b), dst);
	EXPECT_OK(rename(a, b));
	w.slots[dst] = w.slots[src];
	w.slots[src] = 0;
	file_at(dst)->slot = dst;
	if (victim) {
		victim->slot = -1;
		if (victim->fd < 0) {
			w.used -= victim->alloc;
			victim->alloc = 0;
			victim->fid = 0;
		}
	}
	w.nops[OP_RENAME]++;
}

static void op_fsync(int kind)
{
	struct wfile *f = pick_file();

	if (!f)
		return;
	if (kind == OP_SFR) {
		uint64_t blk = rn(nblk(f->size) + 1), n = 1 + rn(32);

		EXPECT_OK(sync_file_range(f->fd, (off_t)(blk * CRASH_BLOCK),
					  (off_t)(n * CRASH_BLOCK),
					  SYNC_FILE_RANGE_WAIT_BEFORE |
					  SYNC_FILE_RANGE_WRITE |
					  SYNC_FILE_RANGE_WAIT_AFTER));
		/* sync_file_range alone promises nothing: fdatasync does. */
		if (rn(3)) {
			w.nops[kind]++;
			return;
		}
		EXPECT_OK(fdatasync(f->fd));
		durable("D %u s", f->fid);
	} else if (kind == OP_FSYNC) {
		EXPECT_OK(fsync(f->fd));
		durable("D %u f", f->fid);
	} else {
		EXPECT_OK(fdatasync(f->fd));
		durable("D %u d", f->fid);
	}
	w.nops[kind]++;
}

static void fsync_path(const char *p)
{
	int fd = EXPECT_OK(open(p, O_RDONLY | O_DIRECTORY));

	EXPECT_OK(fsync(fd));
	EXPECT_OK(close(fd));
}

static void op_nsync(void)
{
	char p[PATH_MAX];
	int d;

	for (d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%d", w.dir, d);
		fsync_path(p);
	}
	fsync_path(w.dir);
	snprintf(p, sizeof(p), "%s/..", w.dir);
	fsync_path(p);
	durable("DN");
	w.nops[OP_NSYNC]++;
}

static void op_sync(void)
{
	sync();
	durable("DA");
	w.nops[OP_SYNC]++;
}

static void op_close(void)
{
	int i, n = 0, pick;

	for (i = 0; i < w.nfiles; i++)
		n += w.files[i].fd >= 0;
	if (!n)
		return;
	pick = (int)rn(n);
	for (i = 0; i < w.nfiles; i++)
		if (w.files[i].fd >= 0 && pick-- == 0)
			close_file(&w.files[i]);
	w.nops[OP_CLOSE]++;
}

/* Weights of the operations; shrinking ones when over the budget. */
static int pick_op(void)
{
	static const int normal[OP_NR] = {
		[OP_CREATE] = 10, [OP_WRITE] = 30, [OP_DSYNCW] = 4, [OP_ATOMICW] = 4,
		[OP_TRUNC] = 7, [OP_FALLOC] = 7, [OP_UNLINK] = 3, [OP_RENAME] = 6,
		[OP_FSYNC] = 8, [OP_FDATASYNC] = 6, [OP_SFR] = 3, [OP_NSYNC] = 5,
		[OP_SYNC] = 1, [OP_CLOSE] = 3,
	};
	static const int full[OP_NR] = {
		[OP_TRUNC] = 10, [OP_UNLINK] = 10, [OP_RENAME] = 5, [OP_FSYNC] = 3,
		[OP_NSYNC] = 2, [OP_CLOSE] = 10,
	};
	const int *wt = w.used > w.budget ? full : normal;
	int i, sum = 0, r;

	for (i = 0; i < OP_NR; i++)
		sum += wt[i];
	r = (int)rn(sum);
	for (i = 0; i < OP_NR; i++) {
		r -= wt[i];
		if (r < 0)
			return i;
	}
	return OP_WRITE;
}

static void setup(void)
{
	char p[PATH_MAX];
	struct statvfs sv;
	int d;

	EXPECT_OK(mkdir(w.dir, 0755));
	for (d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%d", w.dir, d);
		EXPECT_OK(mkdir(p, 0755));
	}
	if (!w.budget) {
		EXPECT_OK(statvfs(w.dir, &sv));
		w.budget = (uint64_t)sv.f_bavail * sv.f_frsize / 3 / CRASH_BLOCK;
	}
	op_nsync();
	w.nops[OP_NSYNC]--;
}

static void poison(const char *target)
{
	int fd = EXPECT_OK(open(target, O_WRONLY));
	uint64_t size, b;
	struct stat st;
	uint8_t *buf;
	size_t chunk = 256;

	EXPECT_OK(fstat(fd, &st));
	if (S_ISBLK(st.st_mode))
		EXPECT_OK(ioctl(fd, BLKGETSIZE64, &size));
	else
		size = (uint64_t)st.st_size;
	buf = malloc(chunk * CRASH_BLOCK);
	CHECK(buf, "malloc");
	for (b = 0; b < size / CRASH_BLOCK; b += chunk) {
		size_t i, n = size / CRASH_BLOCK - b < chunk ?
			      size / CRASH_BLOCK - b : chunk;

		for (i = 0; i < n; i++)
			crash_poison_fill(buf + i * CRASH_BLOCK, b + i);
		CHECK(pwrite(fd, buf, n * CRASH_BLOCK, (off_t)(b * CRASH_BLOCK)) ==
		      (ssize_t)(n * CRASH_BLOCK), "poison write");
	}
	EXPECT_OK(fsync(fd));
	EXPECT_OK(close(fd));
	free(buf);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: crash_workload run -d DIR -r RECORD -s SEED [-n STEPS] [-t SECONDS]\n"
		"                          [-m DMNAME] [-b BUDGET_MB]\n"
		"       crash_workload poison TARGET\n"
		"       crash_workload block RUN FID SEQ BLK\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *record = NULL;
	unsigned long long seed = 0, steps = 0, i;
	double limit = 0;
	struct timespec t0, t;
	int c;

	test_name = "crash_workload";
	if (argc == 3 && !strcmp(argv[1], "poison")) {
		poison(argv[2]);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "block")) {
		w.buf = malloc(CRASH_BLOCK);
		CHECK(w.buf, "malloc");
		crash_block_fill(w.buf, (uint32_t)strtoul(argv[2], NULL, 0),
				 (uint32_t)strtoul(argv[3], NULL, 0),
				 (uint32_t)strtoul(argv[4], NULL, 0),
				 (uint32_t)strtoul(argv[5], NULL, 0));
		CHECK(write(1, w.buf, CRASH_BLOCK) == CRASH_BLOCK, "write");
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "run"))
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "d:r:s:n:t:m:b:")) != -1) {
		switch (c) {
		case 'd':
			w.dir = optarg;
			break;
		case 'r':
			record = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			steps = strtoull(optarg, NULL, 0);
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 'm':
			w.dm = optarg;
			break;
		case 'b':
			w.budget = strtoull(optarg, NULL, 0) << 8;
			break;
		default:
			usage();
		}
	}
	if (!w.dir || !record)
		usage();
	w.rng = seed;
	w.run = (uint32_t)crash_mix(seed ^ 0x72756eULL) | 1;
	w.next_fid = 1;
	w.buf = aligned_alloc(CRASH_BLOCK, MAX_WRITE_BLKS * CRASH_BLOCK);
	CHECK(w.buf, "malloc");
	if (w.dm)
		w.dmfd = EXPECT_OK(open("/dev/mapper/control", O_RDWR));
	w.rec = EXPECT_OK(open(record, O_WRONLY | O_CREAT | O_EXCL | O_APPEND,
			       0644));
	dprintf(w.rec, "%s run=%u\n", CRASH_RECORD_MAGIC, w.run);
	setup();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; !steps || i < steps; i++) {
		int op = pick_op();

		switch (op) {
		case OP_CREATE:
			op_create();
			break;
		case OP_WRITE:
		case OP_DSYNCW:
		case OP_ATOMICW:
			op_write(op);
			break;
		case OP_TRUNC:
			op_truncate();
			break;
		case OP_FALLOC:
			op_fallocate();
			break;
		case OP_UNLINK:
			op_unlink();
			break;
		case OP_RENAME:
			op_rename();
			break;
		case OP_FSYNC:
		case OP_FDATASYNC:
		case OP_SFR:
			op_fsync(op);
			break;
		case OP_NSYNC:
			op_nsync();
			break;
		case OP_SYNC:
			op_sync();
			break;
		case OP_CLOSE:
			op_close();
			break;
		}
		if (limit > 0 && !(i & 15)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec +
			    (t.tv_nsec - t0.tv_nsec) / 1e9 > limit)
				break;
		}
	}
	if (steps && i == steps)
		op_sync();
	printf("workload: run %08x, %llu steps, %u records, %u files, atomic unit %u:",
	       w.run, i, w.seq, w.next_fid - 1, w.atomic);
	for (c = 0; c < OP_NR; c++)
		printf(" %s=%lu", op_names[c], w.nops[c]);
	printf("\n");
	return 0;
}
