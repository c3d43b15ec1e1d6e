// SPDX-License-Identifier: GPL-2.0
/*
 * atomic_stress DIR FILES UNITS UNIT SECONDS ID: one worker of the atomic
 * write stress, for SECONDS, on files f0 .. f<FILES-1> of DIR (UNITS units
 * of UNIT bytes at most): whole-unit atomic writes (buffered, RWF_DSYNC,
 * O_DIRECT), plain buffered and O_DIRECT writes, mmap stores, reads that
 * check what they see, fsync, fdatasync, truncates down and up to unit
 * boundaries, hole punching and (worker 0) drop_caches.  Each unit written
 * is one version: every 512-byte sector says (magic, writer ID, sequence,
 * file, unit, sector, kind) and its other bytes follow from those.
 *
 * Stores through a mapping are not atomic, to readers or to a racing
 * write: they take an exclusive OFD lock on their unit, the others a
 * shared one (shared among themselves: they race freely); truncates and
 * punches take a shared lock over what they drop, so a store never meets
 * SIGBUS.
 *
 * atomic_stress -c DIR FILES UNIT: every unit of every file is zeros or
 * one whole version written to that very unit; file sizes are whole units.
 * Prints how many units each kind of write left.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#ifndef RWF_ATOMIC
#define RWF_ATOMIC	0x00000040
#endif

#define SECTOR		512
#define MAGIC		0x41545354	/* ATST */
#define MAX_FILES	16

enum kind { K_ATOMIC = 1, K_ATOMIC_DSYNC, K_ATOMIC_DIRECT, K_PLAIN,
	    K_DIRECT, K_MMAP, K_NR };
static const char *const kind_name[K_NR] = {
	"zeros", "atomic", "atomic-dsync", "atomic-direct", "plain",
	"direct", "mmap",
};

struct hdr {
	uint32_t magic;
	uint32_t writer;
	uint64_t seq;
	uint32_t file;
	uint32_t unit;
	uint32_t sector;
	uint32_t kind;
};

static size_t unit;

static uint64_t body_word(const struct hdr *h, unsigned int i)
{
	uint64_t x = (uint64_t)h->writer << 48 ^ h->seq << 12 ^ h->sector ^
		     (uint64_t)i << 40 ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static void fill(void *buf, uint32_t writer, uint64_t seq, uint32_t file,
		 uint32_t u, uint32_t kind)
{
	unsigned int s, i;

	for (s = 0; s < unit / SECTOR; s++) {
		uint8_t *sec = (uint8_t *)buf + s * SECTOR;
		struct hdr h = { MAGIC, writer, seq, file, u, s, kind };
		uint64_t *w = (uint64_t *)(sec + sizeof(h));

		memcpy(sec, &h, sizeof(h));
		for (i = 0; i < (SECTOR - sizeof(h)) / 8; i++)
			w[i] = body_word(&h, i);
	}
}

/* 0 for zeros, the kind of the whole version it holds, or -1 (@why says). */
static int check_unit(const void *buf, uint32_t file, uint32_t u, char *why,
		      size_t whylen)
{
	const uint8_t *p = buf;
	struct hdr h0, h;
	unsigned int s, i;
	size_t b;

	for (b = 0; b < unit && !p[b]; b++)
		;
	if (b == unit)
		return 0;
	memcpy(&h0, p, sizeof(h0));
	for (s = 0; s < unit / SECTOR; s++) {
		const uint8_t *sec = p + s * SECTOR;
		const uint64_t *w = (const uint64_t *)(sec + sizeof(h));

		memcpy(&h, sec, sizeof(h));
		if (h.magic != MAGIC || h.file != file || h.unit != u ||
		    h.sector != s || h.writer != h0.writer ||
		    h.seq != h0.seq || h.kind != h0.kind ||
		    !h.kind || h.kind >= K_NR) {
			snprintf(why, whylen,
				 "sector %u: magic %x writer %u seq %llu file %u unit %u sector %u kind %u; sector 0: writer %u seq %llu kind %u",
				 s, h.magic, h.writer,
				 (unsigned long long)h.seq, h.file, h.unit,
				 h.sector, h.kind, h0.writer,
				 (unsigned long long)h0.seq, h0.kind);
			return -1;
		}
		for (i = 0; i < (SECTOR - sizeof(h)) / 8; i++)
			if (w[i] != body_word(&h, i)) {
				snprintf(why, whylen,
					 "sector %u (writer %u seq %llu): body word %u wrong",
					 s, h.writer, (unsigned long long)h.seq,
					 i);
				return -1;
			}
	}
	return (int)h0.kind;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void lock(int fd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	CHECK(fcntl(fd, F_OFD_SETLKW, &fl) == 0, "F_OFD_SETLKW");
}

static void unlock(int fd, off_t start, off_t len)
{
	lock(fd, F_UNLCK, start, len);
}

static int check_all(const char *dir, unsigned int files)
{
	unsigned long n[K_NR] = { 0 };
	char path[4096], why[256];
	unsigned int f, k;
	struct stat st;
	size_t u;
	void *buf;
	int fd, r;

	CHECK(posix_memalign(&buf, 4096, unit) == 0, "alloc");
	for (f = 0; f < files; f++) {
		snprintf(path, sizeof(path), "%s/f%u", dir, f);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0, "open %s", path);
		CHECK(fstat(fd, &st) == 0, "fstat");
		CHECK(st.st_size % unit == 0, "%s: size %lld is not whole units",
		      path, (long long)st.st_size);
		for (u = 0; u < st.st_size / unit; u++) {
			CHECK(pread(fd, buf, unit, u * unit) == (ssize_t)unit,
			      "pread %s unit %zu", path, u);
			r = check_unit(buf, f, u, why, sizeof(why));
			CHECK(r >= 0, "%s unit %zu: not one whole version: %s",
			      path, u, why);
			n[r]++;
		}
		close(fd);
	}
	for (k = 0; k < K_NR; k++)
		printf("%s%s %lu", k ? " " : "", kind_name[k], n[k]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int fd[MAX_FILES], dfd[MAX_FILES], lfd[MAX_FILES];
	unsigned long ops[32] = { 0 };
	unsigned int files, units, id, f, rnd, op;
	double end, next_drop;
	char path[4096], why[256];
	uint64_t seq = 0;
	struct iovec iov;
	struct stat st;
	off_t pos, size;
	ssize_t ret;
	void *buf;
	size_t u;

	test_name = "atomic_stress";
	if (argc == 5 && !strcmp(argv[1], "-c")) {
		unit = strtoul(argv[4], NULL, 0);
		return check_all(argv[2], strtoul(argv[3], NULL, 0));
	}
	if (argc != 7) {
		fprintf(stderr, "usage: atomic_stress DIR FILES UNITS UNIT SECONDS ID\n"
			"       atomic_stress -c DIR FILES UNIT\n");
		return 2;
	}
	files = strtoul(argv[2], NULL, 0);
	units = strtoul(argv[3], NULL, 0);
	unit = strtoul(argv[4], NULL, 0);
	end = now() + strtod(argv[5], NULL);
	id = strtoul(argv[6], NULL, 0);
	CHECK(files && files <= MAX_FILES && units >= 4 && unit % 4096 == 0,
	      "bad arguments");
	rnd = id * 7919 + 1;
	next_drop = now() + 4;
	CHECK(posix_memalign(&buf, 4096, unit) == 0, "alloc");
	for (f = 0; f < files; f++) {
		snprintf(path, sizeof(path), "%s/f%u", argv[1], f);
		fd[f] = open(path, O_RDWR | O_CREAT, 0644);
		CHECK(fd[f] >= 0, "open %s", path);
		dfd[f] = open(path, O_RDWR | O_DIRECT);
		CHECK(dfd[f] >= 0, "open %s O_DIRECT", path);
		lfd[f] = open(path, O_RDWR);
		CHECK(lfd[f] >= 0, "open %s", path);
	}

	while (now() < end) {
		f = rand_r(&rnd) % files;
		u = rand_r(&rnd) % units;
		pos = (off_t)(u * unit);
		op = rand_r(&rnd) % 100;
		seq++;
		iov.iov_base = buf;
		iov.iov_len = unit;

		if (op < 40) {			/* atomic write */
			int dsync = op < 5;

			fill(buf, id, seq, f, u,
			     dsync ? K_ATOMIC_DSYNC : K_ATOMIC);
			lock(lfd[f], F_RDLCK, pos, unit);
			ret = pwritev2(fd[f], &iov, 1, pos,
				       RWF_ATOMIC | (dsync ? RWF_DSYNC : 0));
			CHECK(ret == (ssize_t)unit, "atomic write: %zd", ret);
			unlock(lfd[f], pos, unit);
			ops[dsync ? 1 : 0]++;
		} else if (op < 44) {		/* O_DIRECT atomic write */
			fill(buf, id, seq, f, u, K_ATOMIC_DIRECT);
			lock(lfd[f], F_RDLCK, pos, unit);
			ret = pwritev2(dfd[f], &iov, 1, pos, RWF_ATOMIC);
			CHECK(ret == (ssize_t)unit, "O_DIRECT atomic write: %zd",
			      ret);
			unlock(lfd[f], pos, unit);
			ops[2]++;
		} else if (op < 54) {		/* plain write */
			fill(buf, id, seq, f, u, K_PLAIN);
			lock(lfd[f], F_RDLCK, pos, unit);
			ret = pwrite(fd[f], buf, unit, pos);
			CHECK(ret == (ssize_t)unit, "plain write: %zd", ret);
			unlock(lfd[f], pos, unit);
			ops[3]++;
		} else if (op < 57) {		/* O_DIRECT write */
			fill(buf, id, seq, f, u, K_DIRECT);
			lock(lfd[f], F_RDLCK, pos, unit);
			ret = pwrite(dfd[f], buf, unit, pos);
			CHECK(ret == (ssize_t)unit, "O_DIRECT write: %zd", ret);
			unlock(lfd[f], pos, unit);
			ops[4]++;
		} else if (op < 65) {		/* mmap store of a whole unit */
			uint8_t *map;

			lock(lfd[f], F_WRLCK, pos, unit);
			CHECK(fstat(fd[f], &st) == 0, "fstat");
			if (pos + (off_t)unit <= st.st_size) {
				map = mmap(NULL, unit, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd[f], pos);
				CHECK(map != MAP_FAILED, "mmap");
				fill(map, id, seq, f, u, K_MMAP);
				CHECK(munmap(map, unit) == 0, "munmap");
				ops[5]++;
			}
			unlock(lfd[f], pos, unit);
		} else if (op < 83) {		/* read and check */
			lock(lfd[f], F_RDLCK, pos, unit);
			ret = pread(fd[f], buf, unit, pos);
			unlock(lfd[f], pos, unit);
			CHECK(ret == 0 || ret == (ssize_t)unit,
			      "read of unit %zu of f%u: %zd", u, f, ret);
			if (ret)
				CHECK(check_unit(buf, f, u, why, sizeof(why)) >= 0,
				      "read of f%u unit %zu: not one whole version: %s",
				      f, u, why);
			ops[6]++;
		} else if (op < 88) {		/* fsync, fdatasync */
			if (op & 1)
				CHECK(fsync(fd[f]) == 0, "fsync");
			else
				CHECK(fdatasync(fd[f]) == 0, "fdatasync");
			ops[7]++;
		} else if (op < 93) {		/* truncate down or up */
			size = (off_t)(units / 4 + rand_r(&rnd) %
				       (units - units / 4 + 1)) * unit;
			lock(lfd[f], F_RDLCK, size, 0);
			CHECK(ftruncate(fd[f], size) == 0, "ftruncate");
			unlock(lfd[f], size, 0);
			ops[8]++;
		} else if (op < 96) {		/* punch one unit */
			lock(lfd[f], F_RDLCK, pos, unit);
			CHECK(fallocate(fd[f], FALLOC_FL_PUNCH_HOLE |
					FALLOC_FL_KEEP_SIZE, pos, unit) == 0,
			      "punch");
			unlock(lfd[f], pos, unit);
			ops[9]++;
		} else {			/* zero one unit, keep blocks */
			lock(lfd[f], F_RDLCK, pos, unit);
			CHECK(fallocate(fd[f], FALLOC_FL_ZERO_RANGE |
					FALLOC_FL_KEEP_SIZE, pos, unit) == 0,
			      "zero range");
			unlock(lfd[f], pos, unit);
			ops[10]++;
		}

		if (id == 0 && now() >= next_drop) {
			int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);

			CHECK(dc >= 0 && write(dc, "3", 1) == 1, "drop_caches");
			close(dc);
			next_drop = now() + 4;
			ops[11]++;
		}
	}
	printf("worker %u: atomic %lu atomic-dsync %lu atomic-direct %lu plain %lu direct %lu mmap %lu read %lu fsync %lu truncate %lu punch %lu zero %lu drop_caches %lu\n",
	       id, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5], ops[6],
	       ops[7], ops[8], ops[9], ops[10], ops[11]);
	return 0;
}
