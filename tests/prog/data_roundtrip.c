// SPDX-License-Identifier: GPL-2.0
/*
 * data_roundtrip write|verify DIR UNIT ROUND
 *
 * For every size and every write method (buffered pwrite, O_DIRECT with
 * 4 KiB-aligned buffers and offsets, O_DIRECT with unit-aligned ones, mmap
 * MAP_SHARED + msync) there is one file, DIR/<method>-<size>.
 * write 0 creates each file, writing it whole in chunks of random lengths;
 * write R (R > 0) overwrites random ranges of each file with that method
 * (round R of a deterministic sequence).  Then, and with verify R (no
 * I/O: after drop_caches or a remount), the expected contents after rounds
 * 0..R are recomputed and each file is read back through buffered reads,
 * O_DIRECT reads (4 KiB- and unit-aligned) and mmap.
 * Every file must also be mapped by exactly its whole units, all written
 * (FIEMAP after sync), own them plus a few tree blocks (st_blocks), and
 * report the unit as st_blksize.
 */
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define KIB		1024UL
#define MIB		(1024UL * 1024)
#define DIO_ALIGN	4096UL
#define MAX_CHUNK	(2 * MIB)

static const size_t sizes[] = {
	0, 1, 511, 4095, 4096, 4097, 16383, 16384, 16385, 65536 + 123,
	MIB + 7, 8 * MIB,
};

enum method { M_BUF, M_DIO4K, M_DIOUNIT, M_MMAP, M_NR };
static const char *const method_name[M_NR] = { "buf", "dio4k", "diounit",
					       "mmap" };

static unsigned long unit;
static uint8_t *bounce;		/* MAX_CHUNK + 64 KiB, 64 KiB-aligned */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* pattern_fill(), a 64-bit word at a time: the files are large. */
static void fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	while (len && (off & 7)) {
		*buf++ = pattern_byte(seed, off++);
		len--;
	}
	while (len >= 8) {
		uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ULL ^ seed;

		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 29;
		memcpy(buf, &x, 8);	/* little-endian, as pattern_byte */
		buf += 8;
		off += 8;
		len -= 8;
	}
	while (len--)
		*buf++ = pattern_byte(seed, off++);
}

static void path_of(char *path, size_t max, const char *dir, int m, size_t n)
{
	snprintf(path, max, "%s/%s-%zu", dir, method_name[m], n);
}

/* The O_DIRECT alignment of a method: buffers, offsets and lengths. */
static unsigned long dio_align(int m)
{
	return m == M_DIO4K ? DIO_ALIGN : unit;
}

/* A bounce buffer aligned to exactly @align (not to more, for 4 KiB). */
static uint8_t *dio_buf(unsigned long align)
{
	return align == DIO_ALIGN && unit != DIO_ALIGN ? bounce + DIO_ALIGN :
							 bounce;
}

static void xpwrite(int fd, const void *buf, size_t len, off_t off,
		    const char *path)
{
	ssize_t r = pwrite(fd, buf, len, off);

	CHECK(r == (ssize_t)len, "%s: pwrite %zu at %lld returned %zd", path,
	      len, (long long)off, r);
}

static void dio_write(int fd, const uint8_t *src, size_t len, off_t off,
		      unsigned long align, const char *path)
{
	uint8_t *b = dio_buf(align);

	CHECK(len <= MAX_CHUNK, "chunk too large");
	memcpy(b, src, len);
	xpwrite(fd, b, len, off, path);
}

/* The open file of one write method: a mapping for mmap. */
struct wfile {
	const char *path;
	int fd;			/* O_DIRECT for the O_DIRECT methods */
	int bfd;		/* buffered, for the tail of O_DIRECT files */
	uint8_t *map;
};

static void wopen(struct wfile *w, int m, size_t n, const char *path,
		  int create)
{
	int flags = O_RDWR | (create ? O_CREAT | O_TRUNC : 0);

	w->path = path;
	w->bfd = -1;
	w->map = NULL;
	if (m == M_DIO4K || m == M_DIOUNIT) {
		w->fd = EXPECT_OK(open(path, flags | O_DIRECT, 0644));
		w->bfd = EXPECT_OK(open(path, O_RDWR));
	} else {
		w->fd = EXPECT_OK(open(path, flags, 0644));
	}
	if (m == M_MMAP) {
		if (create)
			EXPECT_OK(ftruncate(w->fd, n));
		if (n) {
			w->map = mmap(NULL, n, PROT_READ | PROT_WRITE,
				      MAP_SHARED, w->fd, 0);
			CHECK(w->map != MAP_FAILED, "%s: mmap", path);
		}
	}
}

static void wclose(struct wfile *w, size_t n)
{
	if (w->map) {
		EXPECT_OK(msync(w->map, n, MS_SYNC));
		EXPECT_OK(munmap(w->map, n));
	}
	EXPECT_OK(close(w->fd));
	if (w->bfd >= 0)
		EXPECT_OK(close(w->bfd));
}

static uint64_t file_seed(int m, size_t n)
{
	return 0xa70f5000ULL + (uint64_t)m * 0x1000003 + n;
}

/* Round 0: the whole file, in chunks of random lengths. */
static void create(int m, size_t n, uint8_t *model, struct wfile *w)
{
	uint64_t seed = file_seed(m, n), r = seed;
	unsigned long align = dio_align(m);
	size_t body = n / align * align;
	size_t pos, len;

	fill(model, n, seed, 0);
	for (pos = 0; pos < n; pos += len) {
		len = 1 + rnd(&r) % (n - pos < MAX_CHUNK ? n - pos : MAX_CHUNK);
		if (m == M_DIO4K || m == M_DIOUNIT) {
			if (pos >= body) {
				/* The tail that is not a whole block. */
				len = n - pos;
				if (w)
					xpwrite(w->bfd, model + pos, len, pos,
						w->path);
				continue;
			}
			len = (len + align - 1) / align * align;
			if (len > body - pos)
				len = body - pos;
			if (len > MAX_CHUNK)
				len = MAX_CHUNK;
			if (w)
				dio_write(w->fd, model + pos, len, pos, align,
					  w->path);
		} else if (w && m == M_MMAP) {
			memcpy(w->map + pos, model + pos, len);
		} else if (w) {
			xpwrite(w->fd, model + pos, len, pos, w->path);
		}
	}
}

/* Round @round > 0: overwrites of random ranges inside the file. */
static void overwrite(int m, size_t n, uint8_t *model, struct wfile *w,
		      int round)
{
	uint64_t seed = file_seed(m, n) + 1000 * round, r = seed;
	unsigned long align = dio_align(m);
	size_t body = n / align * align;
	int i, nops = n ? 24 : 0;
	size_t len;

	for (i = 0; i < nops; i++) {
		uint64_t s = seed + i + 1;
		size_t off, max;

		if (m == M_DIO4K || m == M_DIOUNIT) {
			size_t blocks = body / align;

			if (!blocks)
				break;
			off = rnd(&r) % blocks * align;
			max = (body - off) / align;
			if (max > 64)
				max = 64;
			len = (1 + rnd(&r) % max) * align;
			if (len > MAX_CHUNK)
				len = MAX_CHUNK / align * align;
		} else {
			off = rnd(&r) % n;
			max = n - off < 100000 ? n - off : 100000;
			len = 1 + rnd(&r) % max;
		}
		fill(model + off, len, s, off);
		if (!w)
			continue;
		if (m == M_MMAP)
			memcpy(w->map + off, model + off, len);
		else if (m == M_BUF)
			xpwrite(w->fd, model + off, len, off, w->path);
		else
			dio_write(w->fd, model + off, len, off, align, w->path);
	}
}

/*
 * The expected contents after rounds 0 to @last in @model; with @path,
 * round @last is also written to the file (round 0 creates it).
 */
static void produce(int m, size_t n, uint8_t *model, const char *path,
		    int last)
{
	struct wfile w;
	int round;

	for (round = 0; round <= last; round++) {
		struct wfile *io = path && round == last ? &w : NULL;

		if (io)
			wopen(io, m, n, path, !round);
		if (round)
			overwrite(m, n, model, io, round);
		else
			create(m, n, model, io);
		if (io)
			wclose(io, n);
	}
}

static void compare(const uint8_t *got, const uint8_t *want, size_t len,
		    size_t off, const char *path, const char *how)
{
	size_t i;

	if (!memcmp(got, want, len))
		return;
	for (i = 0; got[i] == want[i]; i++)
		;
	errno = 0;
	die("%s: %s: byte %zu is 0x%02x, expected 0x%02x", path, how, off + i,
	    got[i], want[i]);
}

static void check_buffered(const char *path, const uint8_t *model, size_t n,
			   uint64_t *r)
{
	int fd = EXPECT_OK(open(path, O_RDONLY));
	size_t pos = 0;
	int i;

	/* Sequential reads of random lengths, to EOF. */
	for (;;) {
		size_t want = 1 + rnd(r) % MAX_CHUNK;
		ssize_t got = read(fd, bounce, want);

		CHECK(got >= 0, "%s: read", path);
		if (!got)
			break;
		CHECK(pos + got <= n, "%s: read past EOF: %zu + %zd > %zu",
		      path, pos, got, n);
		compare(bounce, model + pos, got, pos, path, "buffered read");
		pos += got;
	}
	CHECK(pos == n, "%s: buffered read got %zu bytes, size %zu", path,
	      pos, n);

	/* Random preads. */
	for (i = 0; n && i < 16; i++) {
		size_t off = rnd(r) % n;
		size_t len = 1 + rnd(r) % (n - off < 70000 ? n - off : 70000);
		size_t ask = off + len == n ? len + 100 : len;
		ssize_t got = pread(fd, bounce, ask, off);

		/* Reads are short only at EOF. */
		CHECK(got == (ssize_t)len, "%s: pread %zu at %zu: %zd", path,
		      ask, off, got);
		compare(bounce, model + off, len, off, path, "pread");
	}
	CHECK(pread(fd, bounce, 10, n) == 0, "%s: pread at EOF", path);
	EXPECT_OK(close(fd));
}

static void check_direct(const char *path, const uint8_t *model, size_t n,
			 unsigned long align, uint64_t *r)
{
	int fd = EXPECT_OK(open(path, O_RDONLY | O_DIRECT));
	uint8_t *b = dio_buf(align);
	size_t pos = 0;

	for (;;) {
		size_t want = (1 + rnd(r) % (MAX_CHUNK / align)) * align;
		ssize_t got = pread(fd, b, want, pos);

		CHECK(got >= 0, "%s: O_DIRECT pread %zu at %zu", path, want,
		      pos);
		if (!got)
			break;
		CHECK(pos + got <= n, "%s: O_DIRECT read past EOF", path);
		compare(b, model + pos, got, pos, path, "O_DIRECT read");
		pos += got;
		/* A short read is EOF. */
		if ((size_t)got < want)
			CHECK(pos == n, "%s: O_DIRECT short read at %zu", path,
			      pos);
	}
	CHECK(pos == n, "%s: O_DIRECT read got %zu bytes, size %zu", path,
	      pos, n);
	EXPECT_OK(close(fd));
}

static void check_mmap(const char *path, const uint8_t *model, size_t n)
{
	int fd = EXPECT_OK(open(path, O_RDONLY));
	uint8_t *map;

	if (n) {
		map = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED, "%s: mmap", path);
		compare(map, model, n, 0, path, "mmap read");
		EXPECT_OK(munmap(map, n));
	}
	EXPECT_OK(close(fd));
}

/*
 * The file is mapped, written, from 0 to the end of its last unit, by
 * unit-aligned extents, and owns those blocks plus its extent tree nodes.
 */
static void check_allocation(const char *path, size_t n)
{
	unsigned long data = (n + unit - 1) / unit * unit;
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[64];
	} f;
	unsigned long long next = 0, over;
	struct stat st;
	unsigned int i;
	int fd = EXPECT_OK(open(path, O_RDONLY));

	EXPECT_OK(fstat(fd, &st));
	CHECK(st.st_size == (off_t)n, "%s: size %lld, expected %zu", path,
	      (long long)st.st_size, n);
	CHECK(st.st_blksize == (blksize_t)unit, "%s: st_blksize %ld", path,
	      (long)st.st_blksize);

	memset(&f, 0, sizeof(f));
	f.fm.fm_length = FIEMAP_MAX_OFFSET;
	f.fm.fm_flags = FIEMAP_FLAG_SYNC;
	f.fm.fm_extent_count = 64;
	EXPECT_OK(ioctl(fd, FS_IOC_FIEMAP, &f.fm));
	CHECK(f.fm.fm_mapped_extents < 64, "%s: %u extents", path,
	      f.fm.fm_mapped_extents);
	for (i = 0; i < f.fm.fm_mapped_extents; i++) {
		struct fiemap_extent *e = &f.fm.fm_extents[i];

		CHECK(e->fe_logical == next,
		      "%s: extent %u at %llu, expected %llu (no holes)", path,
		      i, (unsigned long long)e->fe_logical, next);
		CHECK(!((e->fe_physical | e->fe_length) & (unit - 1)),
		      "%s: extent %u not unit-aligned: %llu+%llu", path, i,
		      (unsigned long long)e->fe_physical,
		      (unsigned long long)e->fe_length);
		CHECK(!(e->fe_flags & FIEMAP_EXTENT_UNWRITTEN),
		      "%s: extent %u still unwritten after sync", path, i);
		CHECK(!(e->fe_flags & FIEMAP_EXTENT_LAST) ==
		      (i + 1 < f.fm.fm_mapped_extents),
		      "%s: FIEMAP_EXTENT_LAST on extent %u of %u", path, i,
		      f.fm.fm_mapped_extents);
		next += e->fe_length;
	}
	CHECK(next == data, "%s: %llu bytes mapped, expected %lu", path, next,
	      data);

	/* Extent tree nodes are 4 KiB blocks, and few for so few extents. */
	EXPECT_OK(fstat(fd, &st));
	CHECK((unsigned long long)st.st_blocks * 512 >= data,
	      "%s: st_blocks %lld, less than the %lu bytes mapped", path,
	      (long long)st.st_blocks, data);
	over = (unsigned long long)st.st_blocks * 512 - data;
	CHECK(over % 4096 == 0 && over <= 3 * 4096,
	      "%s: st_blocks %lld for %lu bytes of data", path,
	      (long long)st.st_blocks, data);
	EXPECT_OK(close(fd));
}

static void check_file(int m, size_t n, const uint8_t *model,
		       const char *path)
{
	uint64_t r = 0x5eed0000ULL + (uint64_t)m * 77 + n;

	check_allocation(path, n);

	check_buffered(path, model, n, &r);
	check_direct(path, model, n, DIO_ALIGN, &r);
	check_direct(path, model, n, unit, &r);
	check_mmap(path, model, n);
}

int main(int argc, char **argv)
{
	size_t max = 0, i;
	uint8_t *model;
	char path[4096];
	int write_mode, m, round;

	test_name = "data_roundtrip";
	if (argc != 5 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify")))
		die("usage: data_roundtrip write|verify DIR UNIT ROUND");
	write_mode = !strcmp(argv[1], "write");
	unit = strtoul(argv[3], NULL, 0);
	CHECK(unit >= DIO_ALIGN && unit <= 64 * KIB && !(unit & (unit - 1)),
	      "bad unit %lu", unit);
	round = atoi(argv[4]);
	CHECK(round >= 0, "bad round");

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] > max)
			max = sizes[i];
	model = malloc(max + 1);
	bounce = aligned_alloc(64 * KIB, MAX_CHUNK + 64 * KIB);
	CHECK(model && bounce, "malloc");

	for (m = 0; m < M_NR; m++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = sizes[i];

			path_of(path, sizeof(path), argv[2], m, n);
			produce(m, n, model, write_mode ? path : NULL, round);
			check_file(m, n, model, path);
		}
	}
	printf("data_roundtrip: %s round %d: %d methods x %zu sizes ok (unit %lu)\n",
	       argv[1], round, M_NR, sizeof(sizes) / sizeof(sizes[0]), unit);
	return 0;
}
