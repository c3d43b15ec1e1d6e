/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block I/O on a device or an image file, in 4 KiB filesystem blocks.
 * Every failure is reported on stderr, naming the device.
 */
#ifndef _ATOMFS_TOOLS_DISK_H
#define _ATOMFS_TOOLS_DISK_H

#include "util.h"

#define DISK_RW		0x1	/* open for writing */
#define DISK_EXCL	0x2	/* block devices: O_EXCL (not mounted, not in use) */
#define DISK_CREATE	0x4	/* regular files: create when missing */

/* A block that reads return instead of what the device holds */
struct disk_block {
	u64		blkno;
	const u8	*data;		/* 4 KiB */
};

struct disk {
	int		fd;
	const char	*path;
	bool		is_blkdev;
	bool		writable;
	u64		size;		/* bytes */
	unsigned int	lbs;		/* logical block size, 512 for files */
	/* Sorted by block number; while set, nothing may be written. */
	const struct disk_block *overlay;
	size_t		noverlay;
};

int disk_open(struct disk *d, const char *path, int flags);
void disk_close(struct disk *d);
int disk_pread(struct disk *d, u64 off, void *buf, size_t len);
int disk_pwrite(struct disk *d, u64 off, const void *buf, size_t len);
int disk_read(struct disk *d, u64 blkno, void *buf, size_t nblocks);
int disk_write(struct disk *d, u64 blkno, const void *buf, size_t nblocks);
int disk_zero(struct disk *d, u64 blkno, u64 nblocks);
int disk_discard(struct disk *d, u64 blkno, u64 nblocks);
int disk_sync(struct disk *d);
/*
 * Lay @n blocks (sorted, each once) over the device: every read sees them
 * as if they had been written, and writes fail.  fsck -n checks a
 * filesystem as its journal's recovery would leave it this way.
 */
void disk_set_overlay(struct disk *d, const struct disk_block *blocks,
		      size_t n);

#endif /* _ATOMFS_TOOLS_DISK_H */
