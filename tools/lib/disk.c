// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O on a device or an image file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "atomfs_format.h"
#include "disk.h"

int disk_open(struct disk *d, const char *path, int flags)
{
	int oflags = O_CLOEXEC;
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->path = path;
	d->writable = flags & DISK_RW;
	oflags |= d->writable ? O_RDWR : O_RDONLY;

	if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
		if (flags & DISK_EXCL)
			oflags |= O_EXCL;
	} else if (flags & DISK_CREATE) {
		oflags |= O_CREAT;
	}
	d->fd = open(path, oflags, 0644);
	if (d->fd < 0) {
		int err = errno;

		if (err == EBUSY)
			errmsg("%s: device is in use (mounted?)", path);
		else
			errmsg("%s: cannot open: %s", path, strerror(err));
		return -err;
	}
	if (fstat(d->fd, &st) < 0) {
		int err = errno;

		errmsg("%s: cannot stat: %s", path, strerror(err));
		disk_close(d);
		return -err;
	}
	if (S_ISBLK(st.st_mode)) {
		unsigned long long bytes;
		int lbs;

		d->is_blkdev = true;
		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0 ||
		    ioctl(d->fd, BLKSSZGET, &lbs) < 0) {
			int err = errno;

			errmsg("%s: cannot get the device size: %s", path,
			       strerror(err));
			disk_close(d);
			return -err;
		}
		d->size = bytes;
		d->lbs = lbs;
	} else if (S_ISREG(st.st_mode)) {
		d->size = st.st_size;
		d->lbs = 512;
	} else {
		errmsg("%s: not a block device or a regular file", path);
		disk_close(d);
		return -EINVAL;
	}
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void disk_set_overlay(struct disk *d, const struct disk_block *blocks,
		      size_t n)
{
	d->overlay = blocks;
	d->noverlay = n;
}

/* Copy the overlay's part of [@off, @off + @len) into @buf. */
static void overlay_read(struct disk *d, u64 off, u8 *buf, size_t len)
{
	u64 first = off >> ATOMFS_BLOCK_SHIFT, end = off + len;
	size_t lo = 0, hi = d->noverlay;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->overlay[mid].blkno < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->noverlay; lo++) {
		const struct disk_block *b = &d->overlay[lo];
		u64 bs = b->blkno << ATOMFS_BLOCK_SHIFT;
		u64 s = MAX(bs, off);
		u64 e = MIN(bs + ATOMFS_BLOCK_SIZE, end);

		if (bs >= end)
			break;
		memcpy(buf + (s - off), b->data + (s - bs), e - s);
	}
}

int disk_pread(struct disk *d, u64 off, void *buf, size_t len)
{
	u8 *p = buf;
	u64 off0 = off;
	size_t len0 = len;

	while (len) {
		ssize_t n = pread(d->fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			errmsg("%s: read error at byte %llu: %s", d->path,
			       (unsigned long long)off, strerror(err));
			return -err;
		}
		if (n == 0) {
			errmsg("%s: unexpected end of device at byte %llu",
			       d->path, (unsigned long long)off);
			return -EIO;
		}
		p += n;
		off += n;
		len -= n;
	}
	if (d->noverlay)
		overlay_read(d, off0, buf, len0);
	return 0;
}

int disk_pwrite(struct disk *d, u64 off, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (d->noverlay) {
		errmsg("%s: no write may happen during a read-only check",
		       d->path);
		return -EROFS;
	}

	while (len) {
		ssize_t n = pwrite(d->fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;

			errmsg("%s: write error at byte %llu: %s", d->path,
			       (unsigned long long)off, strerror(err));
			return -err;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int disk_read(struct disk *d, u64 blkno, void *buf, size_t nblocks)
{
	return disk_pread(d, blkno << ATOMFS_BLOCK_SHIFT, buf,
			  nblocks << ATOMFS_BLOCK_SHIFT);
}

int disk_write(struct disk *d, u64 blkno, const void *buf, size_t nblocks)
{
	return disk_pwrite(d, blkno << ATOMFS_BLOCK_SHIFT, buf,
			   nblocks << ATOMFS_BLOCK_SHIFT);
}

/**
 * disk_discard() - tell the device these blocks hold nothing
 * @d:		the disk, open for writing
 * @blkno:	first 4 KiB block
 * @nblocks:	how many
 *
 * BLKDISCARD on a block device (thin volumes and SSDs get the space back,
 * and a thin volume or a log of the device's writes starts from nothing), a
 * punched hole in an image file.  What discarded blocks read back is up to
 * the device: callers still write every block that must hold zeros.
 *
 * Return: 0, or a negative errno (-EOPNOTSUPP and the like where the device
 * cannot discard: not an error for mkfs).
 */
int disk_discard(struct disk *d, u64 blkno, u64 nblocks)
{
	u64 off = blkno << ATOMFS_BLOCK_SHIFT;
	u64 len = nblocks << ATOMFS_BLOCK_SHIFT;

	if (!len)
		return 0;
	if (d->is_blkdev) {
		u64 range[2] = { off, len };

		return ioctl(d->fd, BLKDISCARD, range) ? -errno : 0;
	}
	return fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 off, len) ? -errno : 0;
}

/*
 * Make blocks read as zeros: BLKZEROOUT on a block device (offloaded when
 * the device can), a punched hole in an image file (no space taken), and
 * plain writes of zeros when neither works.
 */
int disk_zero(struct disk *d, u64 blkno, u64 nblocks)
{
	u64 off = blkno << ATOMFS_BLOCK_SHIFT;
	u64 len = nblocks << ATOMFS_BLOCK_SHIFT;
	size_t chunk = 1U << 20;
	u8 *zeros;
	int err = 0;

	if (!len)
		return 0;
	if (d->is_blkdev) {
		u64 range[2] = { off, len };

		if (ioctl(d->fd, BLKZEROOUT, range) == 0)
			return 0;
	} else if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     off, len) == 0) {
		return 0;
	}
	zeros = calloc(1, chunk);
	if (!zeros) {
		errmsg("out of memory");
		return -ENOMEM;
	}
	while (len && !err) {
		size_t n = len < chunk ? len : chunk;

		err = disk_pwrite(d, off, zeros, n);
		off += n;
		len -= n;
	}
	free(zeros);
	return err;
}

int disk_sync(struct disk *d)
{
	if (fsync(d->fd) < 0) {
		int err = errno;

		errmsg("%s: fsync failed: %s", d->path, strerror(err));
		return -err;
	}
	return 0;
}
