/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomfs in-memory types and the interfaces between its source files.
 */
#ifndef _ATOMFS_H
#define _ATOMFS_H

#include <linux/fs.h>
#include <linux/buffer_head.h>
#include <linux/crc32c.h>
#include <linux/siphash.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/kobject.h>
#include <linux/workqueue.h>
#include <linux/sched/mm.h>
#include <linux/jbd2.h>
#include <linux/xarray.h>

#include "atomfs_format.h"

#define ATOMFS_NAME	"atomfs"

/*
 * Metadata buffers whose checksum has been checked since they were read.
 * jbd2 owns the buffer state bits up to BH_PrivateStart + 8 in 6.12; the
 * next one is the first it leaves to filesystems.
 */
#define BH_ATOMFS_VERIFIED	(BH_PrivateStart + 9)

static inline int buffer_atomfs_verified(const struct buffer_head *bh)
{
	return test_bit(BH_ATOMFS_VERIFIED, &bh->b_state);
}

static inline void set_buffer_atomfs_verified(struct buffer_head *bh)
{
	set_bit(BH_ATOMFS_VERIFIED, &bh->b_state);
}

static inline void clear_buffer_atomfs_verified(struct buffer_head *bh)
{
	clear_bit(BH_ATOMFS_VERIFIED, &bh->b_state);
}

/* Mount options */
struct atomfs_mount_opts {
	unsigned int	errors;			/* ATOMFS_ERRORS_* */
	unsigned int	atomic;			/* ATOMFS_ATOMIC_* */
	bool		barrier;		/* journal commits flush the cache */
	unsigned int	commit_secs;		/* journal commit interval */
};

#define ATOMFS_DEFAULT_COMMIT_SECS	5
#define ATOMFS_MAX_COMMIT_SECS		300

/*
 * Journal credits: blocks one operation may dirty.  A tree operation
 * touches every node of a path, a sibling per level when nodes split or
 * merge, a new root, and a bitmap block per node allocated; a file data
 * run lies within one bitmap block.
 */
#define ATOMFS_TREE_CREDITS	(3 * ATOMFS_BTREE_MAX_LEVELS + 2)
#define ATOMFS_TREE_REVOKES	(2 * ATOMFS_BTREE_MAX_LEVELS + 1)
/* an inode's table block, and for a new or freed one its bitmap block */
#define ATOMFS_INODE_CREDITS	2
/* one step of an extent change: at most three tree operations */
#define ATOMFS_EXT_STEP_CREDITS	(3 * ATOMFS_TREE_CREDITS + 2 + ATOMFS_INODE_CREDITS)
#define ATOMFS_EXT_STEP_REVOKES	(3 * ATOMFS_TREE_REVOKES)
/* a software atomic remap: two steps' worth, never restarted in between */
#define ATOMFS_REMAP_CREDITS	(2 * ATOMFS_EXT_STEP_CREDITS)
#define ATOMFS_REMAP_REVOKES	(2 * ATOMFS_EXT_STEP_REVOKES)

/* atomic= : how RWF_ATOMIC writes reach the device */
#define ATOMFS_ATOMIC_AUTO	0		/* hw where the device can */
#define ATOMFS_ATOMIC_HW	1		/* one REQ_ATOMIC bio per unit */
#define ATOMFS_ATOMIC_SW	2		/* out of place, remapped */
#define ATOMFS_ATOMIC_OFF	3		/* refused */

#define ATOMFS_ERRORS_RO	0		/* remount read-only */
#define ATOMFS_ERRORS_CONTINUE	1
#define ATOMFS_ERRORS_PANIC	2

/*
 * Per-mount counters, each shown in /sys/fs/atomfs/<dev>/ under the name
 * in atomfs_counter_names[] (sysfs.c).
 */
enum atomfs_counter {
	ATOMFS_CTR_ATOMIC_WRITES,	/* buffered atomic writes accepted */
	ATOMFS_CTR_ATOMIC_WRITE_BYTES,
	ATOMFS_CTR_ATOMIC_WRITES_REJECTED, /* EINVAL/EFBIG/EOPNOTSUPP */
	ATOMFS_CTR_ATOMIC_BIOS,		/* REQ_ATOMIC bios submitted */
	ATOMFS_CTR_ATOMIC_BIO_BYTES,
	ATOMFS_CTR_ATOMIC_BIO_ERRORS,	/* REQ_ATOMIC bios that failed */
	ATOMFS_CTR_DEMOTIONS,		/* atomic folios made plain */
	ATOMFS_CTR_COPY_RETRIES,	/* short copies undone and retried */
	ATOMFS_CTR_COPY_EFAULTS,	/* atomic writes failed with EFAULT */
	ATOMFS_CTR_ORDER_EVICTIONS,	/* cached folios of another size evicted */
	ATOMFS_CTR_SYNC_ATOMIC_WRITES,	/* with RWF_SYNC/RWF_DSYNC/O_*SYNC */
	ATOMFS_CTR_DATA_BIOS,		/* plain data write bios submitted */
	ATOMFS_CTR_WRITE_ERRORS,	/* data write bios that failed */
	ATOMFS_CTR_ALLOC_COMMIT_WAITS,	/* allocations that waited for a commit */
	ATOMFS_CTR_ORPHANS_RELEASED,	/* orphans finished after a crash */
	ATOMFS_CTR_SW_ATOMIC_REMAPS,	/* sw units written out of place */
	ATOMFS_CTR_SW_ATOMIC_IN_PLACE,	/* sw units written to unwritten blocks */
	ATOMFS_CTR_SW_ATOMIC_FALLBACKS,	/* sw units written in place, torn-able */
	ATOMFS_CTR_NR,
};

/* Why an atomic folio lost its atomic state before its writeback. */
enum atomfs_demote_reason {
	ATOMFS_DEMOTE_WRITE,		/* a plain buffered write or zeroing */
	ATOMFS_DEMOTE_MKWRITE,		/* a write through a shared mapping */
	ATOMFS_DEMOTE_TRUNCATE,		/* truncate, punch hole, zero range */
};

struct atomfs_cow_group;

/* atomfs_sb_info.flags */
#define ATOMFS_MOUNT_SHUTDOWN	0	/* shut down: nothing more is written */

/*
 * The "going down" ioctl, numbered as ext4 and XFS number it: 6.12's
 * include/uapi/linux/fs.h has no FS_IOC_SHUTDOWN yet.
 */
#define ATOMFS_IOC_SHUTDOWN		_IOR('X', 125, __u32)
#define ATOMFS_GOING_FLAGS_DEFAULT	0x0	/* sync, then shut down */
#define ATOMFS_GOING_FLAGS_LOGFLUSH	0x1	/* commit the journal first */
#define ATOMFS_GOING_FLAGS_NOLOGFLUSH	0x2	/* at once, nothing flushed */

/**
 * struct atomfs_sb_info - per-mount state
 * @sb:			the VFS superblock
 * @sbh:		buffer of block 0, pinned for the mount's life
 * @raw:		the on-disk superblock inside @sbh
 * @blocks_count:	blocks in the filesystem
 * @inodes_count:	inode numbers 0 .. @inodes_count - 1
 * @bbitmap_start:	first block allocation bitmap block
 * @bbitmap_blocks:	number of block bitmap blocks
 * @ibitmap_start:	first inode allocation bitmap block
 * @ibitmap_blocks:	number of inode bitmap blocks
 * @itable_start:	first inode table block
 * @itable_blocks:	number of inode table blocks
 * @data_start:		first block the allocator may hand out
 * @unit_shift:		log2 of the atomic unit in bytes
 * @unit_blocks:	the atomic unit in blocks
 * @hash_key:		siphash key for directory names
 * @alloc_lock:		serialises the block bitmap and @free_blocks
 * @free_blocks:	free blocks, exact
 * @meta_reserve:	free blocks file data may not take: tree nodes needed
 *			later (the unwritten conversion at writeback
 *			completion) must not fail for lack of space
 * @data_cursor:	where the next data allocation search starts
 * @meta_cursor:	where the next metadata allocation search starts
 * @ialloc_lock:	serialises the inode bitmap and @free_inodes
 * @free_inodes:	free inodes, exact
 * @ino_cursor:		where the next inode search starts
 * @endio_wq:		completes data writes (unwritten extent conversion)
 * @journal:		the metadata journal
 * @journal_start:	its first block
 * @alloc_view:		scratch bitmap: a block bitmap merged with its last
 *			committed copy, for the allocator (alloc_lock)
 * @cow_groups:		units taken for out-of-place atomic writes, free on
 *			disk until their remap commits: per block bitmap
 *			block, NULL or the units set aside in its range
 *			(alloc_lock)
 * @cow_reserved:	blocks in @cow_groups
 * @ahead_lock:		protects @ahead_inodes
 * @ahead_inodes:	files that hold blocks allocated ahead of their
 *			extending writes: what a write out of space takes
 *			back (atomfs_reclaim_ahead())
 * @opts:		mount options
 * @atomic_enabled:	RWF_ATOMIC is accepted: the option allows it, and for
 *			atomic=hw the device can write a unit with one
 *			REQ_ATOMIC bio
 * @atomic_sw:		atomic units are written out of place (software)
 *			rather than with REQ_ATOMIC
 * @flags:		ATOMFS_MOUNT_* bits
 * @errors:		metadata errors seen since mount
 * @error_work:		stores the error state in the superblock
 * @counters:		enum atomfs_counter
 * @kobj:		/sys/fs/atomfs/<dev>
 * @kobj_unregister:	completes when @kobj is released
 * @sysfs_registered:	@kobj is live
 */
struct atomfs_sb_info {
	struct super_block		*sb;
	struct buffer_head		*sbh;
	struct atomfs_super_block	*raw;

	u64				blocks_count;
	u64				inodes_count;
	u64				bbitmap_start;
	u64				bbitmap_blocks;
	u64				ibitmap_start;
	u64				ibitmap_blocks;
	u64				itable_start;
	u64				itable_blocks;
	u64				data_start;
	unsigned int			unit_shift;
	unsigned int			unit_blocks;
	siphash_key_t			hash_key;

	struct mutex			alloc_lock;	/* block bitmap */
	u64				free_blocks;
	u64				meta_reserve;
	u64				data_cursor;
	u64				meta_cursor;

	struct mutex			ialloc_lock;	/* inode bitmap */
	u64				free_inodes;
	u64				ino_cursor;

	struct workqueue_struct		*endio_wq;
	journal_t			*journal;
	u64				journal_start;
	unsigned long			*alloc_view;
	struct atomfs_cow_group		**cow_groups;
	u64				cow_reserved;
	spinlock_t			ahead_lock;	/* ahead_inodes */
	struct list_head		ahead_inodes;
	struct atomfs_mount_opts	opts;
	bool				atomic_enabled;
	bool				atomic_sw;
	unsigned long			flags;
	atomic_long_t			errors;
	struct work_struct		error_work;
	atomic64_t			counters[ATOMFS_CTR_NR];

	struct kobject			kobj;
	struct completion		kobj_unregister;
	bool				sysfs_registered;
};

/**
 * struct atomfs_alloc_undo - what the last allocating write allocated ahead
 * @ahead_from:	first block allocated ahead
 * @ahead_len:	blocks allocated ahead, 0 for none
 * @prev_start:	the range tracked ahead before that write
 * @prev_end:	its end
 *
 * Kept under i_rwsem, which a buffered write holds from its allocation to
 * its end: a write that fails gives back what it allocated.
 */
struct atomfs_alloc_undo {
	u64	ahead_from;
	u64	ahead_len;
	u64	prev_start;
	u64	prev_end;
};

/**
 * struct atomfs_inode_info - per-inode state
 * @i_root:	root block of the inode's tree (extents, names) or symlink block
 * @i_parent:	directories: inode number of the parent
 * @i_nentries:	directories: number of names
 * @i_flags:	ATOMFS_INODE_* flags
 * @i_crtime:	birth time
 * @i_map_sem:	protects the extent tree of a regular file against the
 *		readers in ->iomap_begin and writeback's ->map_blocks
 * @i_map_seq:	bumped on every change of the extent tree, so that a mapping
 *		taken earlier can be told stale
 * @i_ioend_lock: protects @i_ioend_list
 * @i_ioend_list: completed data write bios waiting for @i_ioend_work
 * @i_ioend_work: marks their blocks written and ends their writeback
 * @i_sync_tid:	last transaction that changed the inode
 * @i_datasync_tid: last transaction that changed its size or block mapping
 * @i_cow:	software atomic writes: file unit number -> the device unit
 *		taken for its next out-of-place write
 * @i_ahead_start: first file block allocated ahead of extending writes
 *		(i_map_sem), given back past EOF at the last writer's close
 * @i_ahead_end: block after the last one allocated ahead; equal to
 *		@i_ahead_start when there is none
 * @i_ahead_link: on the mount's ahead_inodes while it may hold a range
 *		allocated ahead
 * @i_alloc_undo: what the last buffered write allocated ahead (i_rwsem)
 * @i_inline:	short symlink target (NUL-terminated copy)
 * @vfs_inode:	the VFS inode
 */
struct atomfs_inode_info {
	u64			i_root;
	u64			i_parent;
	u64			i_nentries;
	u32			i_flags;
	struct timespec64	i_crtime;
	struct rw_semaphore	i_map_sem;
	u32			i_map_seq;
	spinlock_t		i_ioend_lock;	/* i_ioend_list */
	struct list_head	i_ioend_list;
	struct work_struct	i_ioend_work;
	tid_t			i_sync_tid;
	tid_t			i_datasync_tid;
	struct xarray		i_cow;
	u64			i_ahead_start;
	u64			i_ahead_end;
	struct list_head	i_ahead_link;
	struct atomfs_alloc_undo i_alloc_undo;
	char			i_inline[ATOMFS_INLINE_SIZE + 1];
	struct inode		vfs_inode;
};

/**
 * struct atomfs_map - a run of file blocks that share one state
 * @lblk:	first file block
 * @len:	number of blocks
 * @pblk:	device block of @lblk, 0 for a hole
 * @unwritten:	allocated but never written: reads as zeros
 */
struct atomfs_map {
	u64	lblk;
	u64	len;
	u64	pblk;
	bool	unwritten;
};

static inline struct atomfs_sb_info *ATOMFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct atomfs_inode_info *ATOMFS_I(struct inode *inode)
{
	return container_of(inode, struct atomfs_inode_info, vfs_inode);
}

/**
 * atomfs_csum() - checksum of an on-disk structure
 * @buf:	the structure
 * @len:	its length in bytes
 * @csum_off:	byte offset of its 4-byte checksum field, left out of the sum
 *
 * Return: crc32c seeded with ~0 over @buf without the checksum field.
 */
static inline u32 atomfs_csum(const void *buf, size_t len, size_t csum_off)
{
	u32 crc = crc32c(~0U, buf, csum_off);

	return crc32c(crc, buf + csum_off + 4, len - csum_off - 4);
}

/* Blocks of the unit that contains file block @lblk start here. */
static inline u64 atomfs_unit_start(struct atomfs_sb_info *sbi, u64 lblk)
{
	return lblk & ~((u64)sbi->unit_blocks - 1);
}

/* Free blocks that file data may still take; alloc_lock or a racy peek. */
static inline u64 atomfs_data_avail(struct atomfs_sb_info *sbi)
{
	u64 free = READ_ONCE(sbi->free_blocks);
	u64 kept = sbi->meta_reserve + READ_ONCE(sbi->cow_reserved);

	return free > kept ? free - kept : 0;
}

/*
 * True once the filesystem was shut down (ioctl, or its device went away):
 * every change fails with EIO from then on, until unmount.
 */
static inline bool atomfs_forced_shutdown(struct super_block *sb)
{
	return unlikely(test_bit(ATOMFS_MOUNT_SHUTDOWN, &ATOMFS_SB(sb)->flags));
}

static inline void atomfs_count(struct atomfs_sb_info *sbi,
				enum atomfs_counter ctr, u64 n)
{
	atomic64_add(n, &sbi->counters[ctr]);
}

/* journal.c */
void atomfs_journal_apply_opts(struct super_block *sb);
int atomfs_journal_open(struct super_block *sb);
int atomfs_journal_close(struct super_block *sb);
int atomfs_journal_flush(struct super_block *sb);
handle_t *atomfs_journal_start(struct super_block *sb, int credits,
			       int revokes);
int atomfs_journal_stop(handle_t *handle, int err);
int atomfs_journal_access(struct super_block *sb, struct buffer_head *bh);
int atomfs_journal_access_undo(struct super_block *sb, struct buffer_head *bh);
int atomfs_journal_create(struct super_block *sb, struct buffer_head *bh);
int atomfs_journal_dirty(struct super_block *sb, struct buffer_head *bh);
int atomfs_journal_dirty_csum(struct super_block *sb, struct buffer_head *bh);
int atomfs_journal_revoke(struct super_block *sb, u64 blkno);
int atomfs_journal_ensure(struct super_block *sb, int credits, int revokes);
void atomfs_journal_init_inode(struct super_block *sb,
			       struct atomfs_inode_info *ai);
void atomfs_journal_track_inode(struct inode *inode, bool data);
int atomfs_journal_commit_inode(struct inode *inode, bool datasync);
int atomfs_journal_sync(struct super_block *sb, bool wait);
void atomfs_journal_abort(struct super_block *sb, int err);

/*
 * Called with i_map_sem held for write after any extent tree change, in
 * the handle that made it: fdatasync must wait for that transaction.
 */
static inline void atomfs_map_changed(struct inode *inode)
{
	WRITE_ONCE(ATOMFS_I(inode)->i_map_seq, ATOMFS_I(inode)->i_map_seq + 1);
	atomfs_journal_track_inode(inode, true);
}

/*
 * Take i_map_sem to change the extent tree.  Memory allocation under it must
 * not recurse into the filesystem: reclaim may evict an inode and free its
 * extents, and writeback completion needs the lock.
 */
static inline unsigned int atomfs_map_lock(struct inode *inode)
{
	down_write(&ATOMFS_I(inode)->i_map_sem);
	return memalloc_nofs_save();
}

static inline void atomfs_map_unlock(struct inode *inode, unsigned int nofs)
{
	memalloc_nofs_restore(nofs);
	up_write(&ATOMFS_I(inode)->i_map_sem);
}

/* super.c */
__printf(3, 4)
void __atomfs_error(struct super_block *sb, const char *func,
		    const char *fmt, ...);
#define atomfs_error(sb, fmt, ...) \
	__atomfs_error(sb, __func__, fmt, ##__VA_ARGS__)
void atomfs_mark_sb_dirty(struct super_block *sb);
int atomfs_force_shutdown(struct super_block *sb, u32 flags);

/* alloc.c */
int atomfs_alloc_data(struct inode *inode, u64 goal, u64 units,
		      u64 *pblk, u64 *nr_units);
int atomfs_alloc_meta(struct inode *inode, u64 goal, u64 *blkno);
int atomfs_free_blocks(struct inode *inode, u64 blkno, u64 count);
int atomfs_free_meta(struct inode *inode, u64 blkno);
int atomfs_block_in_use(struct super_block *sb, u64 blkno);
int atomfs_new_ino(struct super_block *sb, u64 *ino);
int atomfs_free_ino(struct super_block *sb, u64 ino);
u64 atomfs_next_used_ino(struct super_block *sb, u64 ino);
int atomfs_cow_init(struct atomfs_sb_info *sbi);
void atomfs_cow_destroy(struct atomfs_sb_info *sbi);
int atomfs_cow_take(struct inode *inode, u64 goal, u64 *pblk);
void atomfs_cow_put(struct inode *inode, u64 pblk);
int atomfs_cow_claim(struct inode *inode, u64 pblk);
int atomfs_count_free(struct super_block *sb);

/* btree.c */
enum atomfs_btree_mode {
	ATOMFS_BT_EQ,		/* the item with exactly this key */
	ATOMFS_BT_LE,		/* the item with the largest key <= key */
	ATOMFS_BT_GE,		/* the item with the smallest key >= key */
};

/*
 * Called for each item by atomfs_btree_iterate(); returns 0 to go on, a
 * positive value to stop (returned by atomfs_btree_iterate()) or an errno.
 */
typedef int (*atomfs_btree_actor_t)(void *ctx, u64 key, const void *val,
				    unsigned int len);

int atomfs_btree_lookup(struct inode *inode, u8 type, u64 key,
			enum atomfs_btree_mode mode, u64 *found_key,
			void *val, unsigned int *len);
int atomfs_btree_insert(struct inode *inode, u8 type, u64 key,
			const void *val, unsigned int len);
int atomfs_btree_update(struct inode *inode, u8 type, u64 key,
			const void *val, unsigned int len);
int atomfs_btree_delete(struct inode *inode, u8 type, u64 key);
int atomfs_btree_iterate(struct inode *inode, u8 type, u64 start,
			 atomfs_btree_actor_t actor, void *ctx);
int atomfs_btree_destroy(struct inode *inode, u8 type,
			 atomfs_btree_actor_t actor, void *ctx);
int atomfs_btree_shift(struct inode *inode, u8 type, u64 start, s64 delta,
		       unsigned int *nodes);

/* inode.c */
struct inode *atomfs_iget(struct super_block *sb, u64 ino);
struct inode *atomfs_new_inode(struct mnt_idmap *idmap, struct inode *dir,
			       umode_t mode, dev_t rdev);
int atomfs_write_inode(struct inode *inode, struct writeback_control *wbc);
void atomfs_dirty_inode(struct inode *inode, int flags);
int atomfs_orphan_cleanup(struct super_block *sb);
bool atomfs_has_open_orphans(struct super_block *sb);
void atomfs_evict_inode(struct inode *inode);
int atomfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
		   struct iattr *attr);
int atomfs_getattr(struct mnt_idmap *idmap, const struct path *path,
		   struct kstat *stat, u32 request_mask, unsigned int flags);

/* extents.c */
int atomfs_extents_map(struct inode *inode, u64 lblk, u64 max_len,
		       struct atomfs_map *map);
int atomfs_extents_alloc(struct inode *inode, u64 lblk, u64 len);
int atomfs_extents_alloc_write(struct inode *inode, u64 lblk, u64 len);
int atomfs_extents_undo_write(struct inode *inode, u64 lblk, u64 len);
int atomfs_extents_trim_ahead(struct inode *inode);
int atomfs_extents_keep_ahead(struct inode *inode, u64 lblk, u64 len);
void atomfs_extents_forget_ahead(struct inode *inode);
int atomfs_extents_convert(struct inode *inode, u64 lblk, u64 len);
int atomfs_extents_unwrite(struct inode *inode, u64 lblk, u64 len);
int atomfs_extents_free(struct inode *inode, u64 lblk, u64 end);
int atomfs_extents_remap(struct inode *inode, u64 lblk, u64 len, u64 pblk);
handle_t *atomfs_extents_batch_start(struct inode *inode);
int atomfs_extents_batch_stop(struct inode *inode, handle_t *handle);
int atomfs_extents_written(struct inode *inode, u64 lblk, u64 len);
int atomfs_truncate_blocks(struct inode *inode, loff_t size);
int atomfs_extents_shift(struct inode *inode, u64 lblk, u64 len, bool insert,
			 loff_t size);

/* dir.c */
extern const struct file_operations atomfs_dir_operations;
int atomfs_dir_lookup(struct inode *dir, const struct qstr *name, u64 *ino,
		      unsigned int *type);
const char *atomfs_dirent_invalid(const void *val, unsigned int len);
int atomfs_dir_add(struct inode *dir, const struct qstr *name, u64 ino,
		   umode_t mode);
int atomfs_dir_remove(struct inode *dir, const struct qstr *name);
int atomfs_dir_set(struct inode *dir, const struct qstr *name, u64 ino,
		   umode_t mode);
bool atomfs_dir_is_empty(struct inode *dir);

/* namei.c */
extern const struct inode_operations atomfs_dir_inode_operations;
extern const struct inode_operations atomfs_special_inode_operations;

/* symlink.c */
extern const struct inode_operations atomfs_symlink_inode_operations;
int atomfs_symlink_store(struct inode *inode, const char *target,
			 unsigned int len);
int atomfs_symlink_free(struct inode *inode);

/* file.c */
extern const struct file_operations atomfs_file_operations;
extern const struct inode_operations atomfs_file_inode_operations;
extern const struct address_space_operations atomfs_aops;
int atomfs_truncate(struct inode *inode, loff_t size);
int atomfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);
long atomfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void atomfs_trim_ahead(struct inode *inode);
bool atomfs_reclaim_ahead(struct super_block *sb);

/* iomap.c */
extern const struct iomap_ops atomfs_iomap_ops;
extern const struct iomap_ops atomfs_read_iomap_ops;
void atomfs_undo_alloc(struct inode *inode, loff_t pos, loff_t len);

/* atomic.c */
void atomfs_atomic_setup(struct super_block *sb);
ssize_t atomfs_atomic_write(struct kiocb *iocb, struct iov_iter *from);
int atomfs_atomic_write_valid(struct kiocb *iocb, struct iov_iter *from);
void atomfs_demote_folio(struct inode *inode, struct folio *folio,
			 enum atomfs_demote_reason reason);
void atomfs_demote_range(struct inode *inode, loff_t start, loff_t end);
void atomfs_atomic_unmark(struct inode *inode, struct folio *folio);
u64 atomfs_cow_detach(struct inode *inode, struct folio *folio);
void atomfs_cow_drop_all(struct inode *inode);
void atomfs_invalidate_folio(struct folio *folio, size_t offset, size_t len);

/* writeback.c */
int atomfs_writepages(struct address_space *mapping,
		      struct writeback_control *wbc);
void atomfs_init_ioend_work(struct atomfs_inode_info *ai);
int __init atomfs_writeback_init(void);
void atomfs_writeback_exit(void);

/* sysfs.c */
int __init atomfs_sysfs_init(void);
void atomfs_sysfs_exit(void);
int atomfs_sysfs_register(struct super_block *sb);
void atomfs_sysfs_unregister(struct super_block *sb);

#endif /* _ATOMFS_H */
