// SPDX-License-Identifier: GPL-2.0
/*
 * statx_atomic PATH: what statx(2) with STATX_WRITE_ATOMIC says about PATH's
 * atomic writes, one line:
 *   mask=0|1 attr=0|1 attr_mask=0|1 unit_min=N unit_max=N segments_max=N
 * mask: stx_mask has STATX_WRITE_ATOMIC; attr, attr_mask: stx_attributes and
 * stx_attributes_mask have STATX_ATTR_WRITE_ATOMIC.  The system call is
 * made directly, with the 6.11+ layout of struct statx defined here: the
 * C library and headers of the machine may predate it.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testutil.h"

#define ATOMFS_STATX_BASIC_STATS	0x000007ffU
#define ATOMFS_STATX_WRITE_ATOMIC	0x00010000U
#define ATOMFS_STATX_ATTR_WRITE_ATOMIC	0x00400000ULL

struct statx_ts {
	int64_t		tv_sec;
	uint32_t	tv_nsec;
	int32_t		reserved;
};

/* include/uapi/linux/stat.h of Linux 6.12 */
struct statx_v612 {
	uint32_t	stx_mask;
	uint32_t	stx_blksize;
	uint64_t	stx_attributes;
	uint32_t	stx_nlink;
	uint32_t	stx_uid;
	uint32_t	stx_gid;
	uint16_t	stx_mode;
	uint16_t	spare0;
	uint64_t	stx_ino;
	uint64_t	stx_size;
	uint64_t	stx_blocks;
	uint64_t	stx_attributes_mask;
	struct statx_ts	stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t	stx_rdev_major;
	uint32_t	stx_rdev_minor;
	uint32_t	stx_dev_major;
	uint32_t	stx_dev_minor;
	uint64_t	stx_mnt_id;
	uint32_t	stx_dio_mem_align;
	uint32_t	stx_dio_offset_align;
	uint64_t	stx_subvol;
	uint32_t	stx_atomic_write_unit_min;
	uint32_t	stx_atomic_write_unit_max;
	uint32_t	stx_atomic_write_segments_max;
	uint32_t	spare1;
	uint64_t	spare3[9];
};

_Static_assert(offsetof(struct statx_v612, stx_atomic_write_unit_min) == 0xa8,
	       "statx layout");
_Static_assert(offsetof(struct statx_v612, stx_atomic_write_segments_max) ==
	       0xb0, "statx layout");
_Static_assert(sizeof(struct statx_v612) == 0x100, "statx size");

int main(int argc, char **argv)
{
	struct statx_v612 stx;

	test_name = "statx_atomic";
	if (argc != 2) {
		fprintf(stderr, "usage: statx_atomic PATH\n");
		return 2;
	}
	/* Garbage in: fields the kernel does not fill would show it. */
	memset(&stx, 0xa5, sizeof(stx));
	CHECK(syscall(SYS_statx, AT_FDCWD, argv[1], 0,
		      ATOMFS_STATX_BASIC_STATS | ATOMFS_STATX_WRITE_ATOMIC,
		      &stx) == 0, "statx %s", argv[1]);
	printf("mask=%d attr=%d attr_mask=%d unit_min=%u unit_max=%u segments_max=%u\n",
	       !!(stx.stx_mask & ATOMFS_STATX_WRITE_ATOMIC),
	       !!(stx.stx_attributes & ATOMFS_STATX_ATTR_WRITE_ATOMIC),
	       !!(stx.stx_attributes_mask & ATOMFS_STATX_ATTR_WRITE_ATOMIC),
	       stx.stx_atomic_write_unit_min, stx.stx_atomic_write_unit_max,
	       stx.stx_atomic_write_segments_max);
	return 0;
}
