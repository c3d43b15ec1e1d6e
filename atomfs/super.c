// SPDX-License-Identifier: GPL-2.0
/*
 * Superblock: mount, mount options, statfs, sync and unmount.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/blkdev.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/statfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/iversion.h>
#include "atomfs.h"

static struct kmem_cache *atomfs_inode_cachep;

/**
 * __atomfs_error() - report metadata corruption or a metadata I/O error
 * @sb:		the filesystem
 * @func:	the function that found it
 * @fmt:	what was found
 *
 * Logs one line, records the error in the superblock for fsck, and then,
 * as the errors= mount option says, makes the filesystem read-only (the
 * default), carries on, or panics.
 */
void __atomfs_error(struct super_block *sb, const char *func,
		    const char *fmt, ...)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct va_format vaf;
	va_list args;

	/* What fails after a shutdown fails because of it: not corruption. */
	if (sbi && atomfs_forced_shutdown(sb))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (sbi && sbi->opts.errors == ATOMFS_ERRORS_PANIC)
		panic("atomfs (%s): error in %s: %pV\n", sb->s_id, func, &vaf);
	pr_err_ratelimited("atomfs (%s): error in %s: %pV\n", sb->s_id, func,
			   &vaf);
	va_end(args);

	if (!sbi || !sbi->raw)
		return;
	atomic_long_inc(&sbi->errors);
	/*
	 * Callers may hold the allocator locks, which atomfs_update_sb()
	 * takes under the superblock buffer's lock: the error state is
	 * stored from a work item, never here.
	 */
	if (!sb_rdonly(sb))
		schedule_work(&sbi->error_work);
	/* Nothing more may commit on top of what was found broken. */
	if (sbi->opts.errors != ATOMFS_ERRORS_CONTINUE)
		atomfs_journal_abort(sb, -EIO);
	/* A mount that meets corruption fails: nothing to remount then. */
	if (sbi->opts.errors == ATOMFS_ERRORS_RO && !sb_rdonly(sb) &&
	    sb->s_root) {
		pr_crit("atomfs (%s): remounting read-only\n", sb->s_id);
		sb->s_flags |= SB_RDONLY;
	}
}

/*
 * Fold the in-memory counts and the error state into the superblock buffer
 * and checksum it.
 */
static void atomfs_update_sb(struct super_block *sb, bool clean)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct atomfs_super_block *raw = sbi->raw;
	u16 state;

	lock_buffer(sbi->sbh);
	/*
	 * A write of block 0 failed (the device went away, say): the buffer
	 * still holds the superblock, and mark_buffer_dirty() WARNs on one
	 * not uptodate.  Written again, as ext4 does.
	 */
	if (buffer_write_io_error(sbi->sbh) || !buffer_uptodate(sbi->sbh)) {
		pr_err_ratelimited("atomfs (%s): an earlier write of the superblock failed\n",
				   sb->s_id);
		clear_buffer_write_io_error(sbi->sbh);
		set_buffer_uptodate(sbi->sbh);
	}
	mutex_lock(&sbi->alloc_lock);
	raw->s_free_blocks = cpu_to_le64(sbi->free_blocks);
	mutex_unlock(&sbi->alloc_lock);
	mutex_lock(&sbi->ialloc_lock);
	raw->s_free_inodes = cpu_to_le64(sbi->free_inodes);
	mutex_unlock(&sbi->ialloc_lock);
	state = le16_to_cpu(raw->s_state);
	if (atomic_long_read(&sbi->errors))
		state |= ATOMFS_STATE_ERROR;
	if (clean)
		state |= ATOMFS_STATE_CLEAN;
	else
		state &= ~ATOMFS_STATE_CLEAN;
	raw->s_state = cpu_to_le16(state);
	raw->s_write_time = cpu_to_le64(ktime_get_real_seconds());
	raw->s_checksum = cpu_to_le32(atomfs_csum(raw, ATOMFS_SB_SIZE, 4));
	unlock_buffer(sbi->sbh);
	mark_buffer_dirty(sbi->sbh);
}

static int atomfs_write_sb(struct super_block *sb, bool clean)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);

	/* The device keeps what it had when the filesystem was shut down. */
	if (atomfs_forced_shutdown(sb))
		return -EIO;
	atomfs_update_sb(sb, clean);
	return sync_dirty_buffer(sbi->sbh);
}

/* Store the error state that __atomfs_error() recorded, for fsck. */
static void atomfs_error_work(struct work_struct *work)
{
	struct atomfs_sb_info *sbi = container_of(work, struct atomfs_sb_info,
						  error_work);

	atomfs_write_sb(sbi->sb, false);
}

static int atomfs_sync_fs(struct super_block *sb, int wait)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int err;

	if (sb_rdonly(sb))
		return 0;
	if (atomfs_forced_shutdown(sb))
		return -EIO;
	/* Conversions of completed writes join the commit. */
	flush_workqueue(sbi->endio_wq);
	err = atomfs_journal_sync(sb, wait);
	atomfs_update_sb(sb, false);
	if (wait && !err)
		err = sync_dirty_buffer(sbi->sbh);
	return err;
}

static int atomfs_freeze_fs(struct super_block *sb)
{
	int err;

	if (sb_rdonly(sb))
		return 0;
	flush_workqueue(ATOMFS_SB(sb)->endio_wq);
	/* A frozen filesystem is clean on disk: snapshots need no replay. */
	err = atomfs_journal_flush(sb);
	return err ?: atomfs_write_sb(sb, !atomfs_has_open_orphans(sb));
}

static int atomfs_unfreeze_fs(struct super_block *sb)
{
	/* Shut down while frozen: stays as the freeze left it on disk. */
	if (sb_rdonly(sb) || atomfs_forced_shutdown(sb))
		return 0;
	return atomfs_write_sb(sb, false);
}

static void atomfs_put_super(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int err;

	/* Conversions need handles: they end before the journal does. */
	destroy_workqueue(sbi->endio_wq);
	err = atomfs_journal_close(sb);
	flush_work(&sbi->error_work);
	if (err) {
		/* After a shutdown that is expected, and was said then. */
		if (!atomfs_forced_shutdown(sb))
			pr_err("atomfs (%s): journal not emptied at unmount (%d): the next mount recovers it\n",
			       sb->s_id, err);
	} else if (!sb_rdonly(sb)) {
		atomfs_write_sb(sb, true);
	}
	atomfs_sysfs_unregister(sb);
	brelse(sbi->sbh);
	kfree(sbi->alloc_view);
	atomfs_cow_destroy(sbi);
	sb->s_fs_info = NULL;
	kfree(sbi);
}

/**
 * atomfs_force_shutdown() - shut the filesystem down until unmount
 * @sb:		the filesystem
 * @flags:	ATOMFS_GOING_FLAGS_*: what reaches the device first
 *
 * DEFAULT freezes the filesystem (everything written, the journal
 * emptied), shuts it down while frozen and thaws it; LOGFLUSH commits
 * the journal, as it stands, and shuts down, leaving dirty data unwritten;
 * NOLOGFLUSH shuts down at once, as a power cut would.  Then the journal
 * is aborted (with -ESHUTDOWN, which jbd2 does not record as an error)
 * and every change fails with EIO: the next mount recovers the journal.
 *
 * Return: 0 (also when already shut down), -EINVAL for unknown @flags, or
 * the error of the freeze.
 */
int atomfs_force_shutdown(struct super_block *sb, u32 flags)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	static const char * const how[] = {
		[ATOMFS_GOING_FLAGS_DEFAULT]	= "after a sync",
		[ATOMFS_GOING_FLAGS_LOGFLUSH]	= "after a journal commit",
		[ATOMFS_GOING_FLAGS_NOLOGFLUSH]	= "at once, nothing flushed",
	};
	bool already;
	int err;

	if (flags > ATOMFS_GOING_FLAGS_NOLOGFLUSH)
		return -EINVAL;
	if (atomfs_forced_shutdown(sb))
		return 0;

	if (flags == ATOMFS_GOING_FLAGS_DEFAULT) {
		/* bdev_freeze() nests with a freeze from user space. */
		err = bdev_freeze(sb->s_bdev);
		if (err)
			return err;
		already = test_and_set_bit(ATOMFS_MOUNT_SHUTDOWN, &sbi->flags);
		bdev_thaw(sb->s_bdev);
	} else {
		/* Completed writes' conversions join the commit. */
		if (flags == ATOMFS_GOING_FLAGS_LOGFLUSH && !sb_rdonly(sb)) {
			flush_workqueue(sbi->endio_wq);
			atomfs_journal_sync(sb, true);
		}
		already = test_and_set_bit(ATOMFS_MOUNT_SHUTDOWN, &sbi->flags);
	}
	if (already)
		return 0;
	/* After the bit: what the abort makes fail is not reported. */
	atomfs_journal_abort(sb, -ESHUTDOWN);
	pr_alert("atomfs (%s): shut down %s\n", sb->s_id, how[flags]);
	return 0;
}

/* The device went away: nothing more can reach it. */
static void atomfs_shutdown(struct super_block *sb)
{
	atomfs_force_shutdown(sb, ATOMFS_GOING_FLAGS_NOLOGFLUSH);
}

static int atomfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 id = huge_encode_dev(sb->s_bdev->bd_dev);

	buf->f_type = ATOMFS_MAGIC;
	buf->f_bsize = ATOMFS_BLOCK_SIZE;
	buf->f_frsize = ATOMFS_BLOCK_SIZE;
	buf->f_blocks = sbi->blocks_count - sbi->data_start;
	mutex_lock(&sbi->alloc_lock);
	buf->f_bfree = sbi->free_blocks;
	mutex_unlock(&sbi->alloc_lock);
	buf->f_bavail = atomfs_data_avail(sbi);
	buf->f_files = sbi->inodes_count - ATOMFS_FIRST_INO;
	mutex_lock(&sbi->ialloc_lock);
	buf->f_ffree = sbi->free_inodes;
	mutex_unlock(&sbi->ialloc_lock);
	buf->f_namelen = ATOMFS_NAME_LEN;
	buf->f_fsid = u64_to_fsid(id);
	return 0;
}

static const char * const atomfs_errors_names[] = {
	[ATOMFS_ERRORS_RO]	 = "remount-ro",
	[ATOMFS_ERRORS_CONTINUE] = "continue",
	[ATOMFS_ERRORS_PANIC]	 = "panic",
};

static const char * const atomfs_atomic_names[] = {
	[ATOMFS_ATOMIC_AUTO]	= "auto",
	[ATOMFS_ATOMIC_HW]	= "hw",
	[ATOMFS_ATOMIC_SW]	= "sw",
	[ATOMFS_ATOMIC_OFF]	= "off",
};

static int atomfs_show_options(struct seq_file *seq, struct dentry *root)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(root->d_sb);

	if (sbi->opts.errors != ATOMFS_ERRORS_RO)
		seq_printf(seq, ",errors=%s",
			   atomfs_errors_names[sbi->opts.errors]);
	if (sbi->opts.atomic != ATOMFS_ATOMIC_AUTO)
		seq_printf(seq, ",atomic=%s",
			   atomfs_atomic_names[sbi->opts.atomic]);
	if (!sbi->opts.barrier)
		seq_puts(seq, ",nobarrier");
	if (sbi->opts.commit_secs != ATOMFS_DEFAULT_COMMIT_SECS)
		seq_printf(seq, ",commit=%u", sbi->opts.commit_secs);
	return 0;
}

static struct inode *atomfs_alloc_inode(struct super_block *sb)
{
	struct atomfs_inode_info *ai;

	ai = alloc_inode_sb(sb, atomfs_inode_cachep, GFP_KERNEL);
	if (!ai)
		return NULL;
	ai->i_root = 0;
	ai->i_parent = 0;
	ai->i_nentries = 0;
	ai->i_flags = 0;
	ai->i_inline[0] = '\0';
	ai->i_map_seq = 0;
	ai->i_ahead_start = 0;
	ai->i_ahead_end = 0;
	INIT_LIST_HEAD(&ai->i_ahead_link);
	xa_init(&ai->i_cow);
	atomfs_init_ioend_work(ai);
	atomfs_journal_init_inode(sb, ai);
	return &ai->vfs_inode;
}

static void atomfs_free_inode(struct inode *inode)
{
	kmem_cache_free(atomfs_inode_cachep, ATOMFS_I(inode));
}

static const struct super_operations atomfs_super_ops = {
	.alloc_inode	= atomfs_alloc_inode,
	.free_inode	= atomfs_free_inode,
	.dirty_inode	= atomfs_dirty_inode,
	.write_inode	= atomfs_write_inode,
	.evict_inode	= atomfs_evict_inode,
	.put_super	= atomfs_put_super,
	.sync_fs	= atomfs_sync_fs,
	.freeze_fs	= atomfs_freeze_fs,
	.unfreeze_fs	= atomfs_unfreeze_fs,
	.shutdown	= atomfs_shutdown,
	.statfs		= atomfs_statfs,
	.show_options	= atomfs_show_options,
};

/* The filesystem's fixed geometry, as mkfs laid it out. */
static int atomfs_check_geometry(struct super_block *sb,
				 struct atomfs_super_block *raw)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	u64 dev_blocks = bdev_nr_bytes(sb->s_bdev) >> ATOMFS_BLOCK_SHIFT;
	u64 n = le64_to_cpu(raw->s_blocks_count);
	u64 bb = DIV_ROUND_UP(n, ATOMFS_BITS_PER_BITMAP);
	u64 ib, itb, js, jb;

	sbi->blocks_count = n;
	sbi->inodes_count = le64_to_cpu(raw->s_inodes_count);
	sbi->bbitmap_start = le64_to_cpu(raw->s_bbitmap_start);
	sbi->bbitmap_blocks = le64_to_cpu(raw->s_bbitmap_blocks);
	sbi->ibitmap_start = le64_to_cpu(raw->s_ibitmap_start);
	sbi->ibitmap_blocks = le64_to_cpu(raw->s_ibitmap_blocks);
	sbi->itable_start = le64_to_cpu(raw->s_itable_start);
	sbi->itable_blocks = le64_to_cpu(raw->s_itable_blocks);
	sbi->data_start = le64_to_cpu(raw->s_data_start);
	ib = DIV_ROUND_UP(sbi->inodes_count, ATOMFS_BITS_PER_BITMAP);
	itb = DIV_ROUND_UP(sbi->inodes_count, ATOMFS_INODES_PER_BLOCK);

	if (n < ATOMFS_MIN_BLOCKS || n > dev_blocks) {
		pr_err("atomfs (%s): filesystem has %llu blocks but the device only %llu (truncated image?)\n",
		       sb->s_id, n, dev_blocks);
		return -EINVAL;
	}
	if (sbi->inodes_count <= ATOMFS_ROOT_INO || sbi->inodes_count > U32_MAX ||
	    sbi->bbitmap_start != ATOMFS_SB_BLOCK + 1 ||
	    sbi->bbitmap_blocks != bb ||
	    sbi->ibitmap_start != sbi->bbitmap_start + bb ||
	    sbi->ibitmap_blocks != ib ||
	    sbi->itable_start != sbi->ibitmap_start + ib ||
	    sbi->itable_blocks != itb ||
	    sbi->data_start < sbi->itable_start + itb ||
	    sbi->data_start >= n ||
	    le64_to_cpu(raw->s_root_ino) != ATOMFS_ROOT_INO) {
		pr_err("atomfs (%s): superblock geometry is inconsistent\n",
		       sb->s_id);
		return -EUCLEAN;
	}
	/*
	 * The journal area lies between the inode table and the data area
	 * (so inside the device: data_start < n <= dev_blocks).  Compared
	 * without adding start and length, which a corrupt superblock could
	 * make wrap around.
	 */
	js = le64_to_cpu(raw->s_journal_start);
	jb = le64_to_cpu(raw->s_journal_blocks);
	if (jb && (js < sbi->itable_start + itb || js > sbi->data_start ||
		   jb > sbi->data_start - js)) {
		pr_err("atomfs (%s): journal area %llu+%llu lies outside the metadata area %llu..%llu\n",
		       sb->s_id, js, jb, sbi->itable_start + itb,
		       sbi->data_start);
		return -EUCLEAN;
	}
	return 0;
}

static int atomfs_load_sb(struct super_block *sb, int silent)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct atomfs_super_block *raw;
	u32 incompat, ro_compat;

	sbi->sbh = sb_bread(sb, ATOMFS_SB_BLOCK);
	if (!sbi->sbh) {
		pr_err("atomfs (%s): cannot read the superblock\n", sb->s_id);
		return -EIO;
	}
	raw = (struct atomfs_super_block *)sbi->sbh->b_data;

	if (le32_to_cpu(raw->s_magic) != ATOMFS_MAGIC) {
		if (!silent)
			pr_err("atomfs (%s): not an atomfs filesystem (bad magic 0x%08x)\n",
			       sb->s_id, le32_to_cpu(raw->s_magic));
		return -EINVAL;
	}
	if (atomfs_csum(raw, ATOMFS_SB_SIZE, 4) !=
	    le32_to_cpu(raw->s_checksum)) {
		pr_err("atomfs (%s): superblock checksum mismatch\n", sb->s_id);
		return -EUCLEAN;
	}
	if (le16_to_cpu(raw->s_version) != ATOMFS_VERSION) {
		pr_err("atomfs (%s): unsupported format version %u\n",
		       sb->s_id, le16_to_cpu(raw->s_version));
		return -EINVAL;
	}
	incompat = le32_to_cpu(raw->s_feature_incompat);
	if (incompat & ~ATOMFS_FEATURE_INCOMPAT_SUPP) {
		pr_err("atomfs (%s): unsupported incompatible features 0x%x\n",
		       sb->s_id, incompat & ~ATOMFS_FEATURE_INCOMPAT_SUPP);
		return -EINVAL;
	}
	ro_compat = le32_to_cpu(raw->s_feature_ro_compat);
	if ((ro_compat & ~ATOMFS_FEATURE_RO_COMPAT_SUPP) && !sb_rdonly(sb)) {
		pr_err("atomfs (%s): unsupported features 0x%x allow only a read-only mount\n",
		       sb->s_id, ro_compat & ~ATOMFS_FEATURE_RO_COMPAT_SUPP);
		return -EINVAL;
	}
	if (raw->s_block_shift != ATOMFS_BLOCK_SHIFT ||
	    le16_to_cpu(raw->s_inode_size) != ATOMFS_INODE_SIZE) {
		pr_err("atomfs (%s): unsupported block size 2^%u or inode size %u\n",
		       sb->s_id, raw->s_block_shift,
		       le16_to_cpu(raw->s_inode_size));
		return -EINVAL;
	}
	if (raw->s_atomic_shift < ATOMFS_MIN_ATOMIC_SHIFT ||
	    raw->s_atomic_shift > ATOMFS_MAX_ATOMIC_SHIFT) {
		pr_err("atomfs (%s): atomic unit 2^%u out of range\n",
		       sb->s_id, raw->s_atomic_shift);
		return -EUCLEAN;
	}
	sbi->unit_shift = raw->s_atomic_shift;
	sbi->unit_blocks = 1U << (sbi->unit_shift - ATOMFS_BLOCK_SHIFT);
	sbi->hash_key.key[0] = le64_to_cpu(raw->s_hash_key[0]);
	sbi->hash_key.key[1] = le64_to_cpu(raw->s_hash_key[1]);
	sbi->raw = raw;
	return atomfs_check_geometry(sb, raw);
}

static int atomfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct atomfs_mount_opts *opts = fc->fs_private;
	struct atomfs_sb_info *sbi;
	struct inode *root;
	bool was_clean;
	int err;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	sbi->sb = sb;
	sbi->opts = *opts;
	mutex_init(&sbi->alloc_lock);
	spin_lock_init(&sbi->ahead_lock);
	INIT_LIST_HEAD(&sbi->ahead_inodes);
	mutex_init(&sbi->ialloc_lock);
	INIT_WORK(&sbi->error_work, atomfs_error_work);
	sb->s_fs_info = sbi;

	if (!sb_set_blocksize(sb, ATOMFS_BLOCK_SIZE)) {
		pr_err("atomfs (%s): device logical block size %u does not fit the %u-byte filesystem block\n",
		       sb->s_id, bdev_logical_block_size(sb->s_bdev),
		       ATOMFS_BLOCK_SIZE);
		err = -EINVAL;
		goto out_free;
	}

	err = atomfs_load_sb(sb, fc->sb_flags & SB_SILENT);
	if (err)
		goto out_free;
	was_clean = le16_to_cpu(sbi->raw->s_state) & ATOMFS_STATE_CLEAN;
	sbi->alloc_view = kmalloc(ATOMFS_BITMAP_BYTES, GFP_KERNEL);
	if (!sbi->alloc_view || atomfs_cow_init(sbi)) {
		err = -ENOMEM;
		goto out_free;
	}
	/* Recovery first: it rewrites metadata under any buffer read. */
	err = atomfs_journal_open(sb);
	if (err)
		goto out_free;

	sb->s_magic = ATOMFS_MAGIC;
	sb->s_op = &atomfs_super_ops;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	sb->s_time_min = S64_MIN;
	sb->s_time_max = S64_MAX;
	sb->s_flags |= SB_NOSEC;
	super_set_uuid(sb, sbi->raw->s_uuid, ATOMFS_UUID_SIZE);
	super_set_sysfs_name_bdev(sb);

	err = atomfs_count_free(sb);
	if (err)
		goto out_free;

	sbi->endio_wq = alloc_workqueue("atomfs-endio/%s",
					WQ_MEM_RECLAIM | WQ_FREEZABLE, 0,
					sb->s_id);
	if (!sbi->endio_wq) {
		err = -ENOMEM;
		goto out_free;
	}

	root = atomfs_iget(sb, ATOMFS_ROOT_INO);
	if (IS_ERR(root)) {
		err = PTR_ERR(root);
		pr_err("atomfs (%s): cannot read the root directory: %d\n",
		       sb->s_id, err);
		goto out_free;
	}
	if (!S_ISDIR(root->i_mode)) {
		pr_err("atomfs (%s): root inode is not a directory\n",
		       sb->s_id);
		iput(root);
		err = -EUCLEAN;
		goto out_free;
	}
	sb->s_root = d_make_root(root);
	if (!sb->s_root) {
		err = -ENOMEM;
		goto out_free;
	}

	err = atomfs_sysfs_register(sb);
	if (err)
		goto out_root;
	atomfs_atomic_setup(sb);

	if (!sb_rdonly(sb)) {
		le32_add_cpu(&sbi->raw->s_mount_count, 1);
		sbi->raw->s_mount_time =
			cpu_to_le64(ktime_get_real_seconds());
		err = atomfs_write_sb(sb, false);
		if (err) {
			pr_err("atomfs (%s): cannot write the superblock: %d\n",
			       sb->s_id, err);
			goto out_sysfs;
		}
		if (!was_clean) {
			err = atomfs_orphan_cleanup(sb);
			if (err < 0) {
				pr_err("atomfs (%s): cannot release orphan inodes: %d\n",
				       sb->s_id, err);
				goto out_sysfs;
			}
			if (err)
				pr_info("atomfs (%s): released %d orphan inode(s)\n",
					sb->s_id, err);
			err = 0;
		}
	}
	return 0;

out_sysfs:
	atomfs_sysfs_unregister(sb);
out_root:
	dput(sb->s_root);
	sb->s_root = NULL;
out_free:
	if (sbi->endio_wq)
		destroy_workqueue(sbi->endio_wq);
	atomfs_journal_close(sb);
	flush_work(&sbi->error_work);
	brelse(sbi->sbh);
	kfree(sbi->alloc_view);
	atomfs_cow_destroy(sbi);
	sb->s_fs_info = NULL;
	kfree(sbi);
	return err;
}

enum { ATOMFS_OPT_ERRORS, ATOMFS_OPT_ATOMIC, ATOMFS_OPT_BARRIER,
	ATOMFS_OPT_COMMIT };

static const struct constant_table atomfs_param_errors[] = {
	{ "remount-ro",	ATOMFS_ERRORS_RO },
	{ "continue",	ATOMFS_ERRORS_CONTINUE },
	{ "panic",	ATOMFS_ERRORS_PANIC },
	{}
};

static const struct constant_table atomfs_param_atomic[] = {
	{ "auto",	ATOMFS_ATOMIC_AUTO },
	{ "hw",		ATOMFS_ATOMIC_HW },
	{ "off",	ATOMFS_ATOMIC_OFF },
	{ "on",		ATOMFS_ATOMIC_AUTO },
	{ "sw",		ATOMFS_ATOMIC_SW },
	{}
};

static const struct fs_parameter_spec atomfs_param_spec[] = {
	fsparam_enum("errors", ATOMFS_OPT_ERRORS, atomfs_param_errors),
	fsparam_enum("atomic", ATOMFS_OPT_ATOMIC, atomfs_param_atomic),
	fsparam_flag_no("barrier", ATOMFS_OPT_BARRIER),
	fsparam_u32("commit", ATOMFS_OPT_COMMIT),
	{}
};

static int atomfs_parse_param(struct fs_context *fc,
			      struct fs_parameter *param)
{
	struct atomfs_mount_opts *opts = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, atomfs_param_spec, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case ATOMFS_OPT_ERRORS:
		opts->errors = result.uint_32;
		break;
	case ATOMFS_OPT_ATOMIC:
		opts->atomic = result.uint_32;
		break;
	case ATOMFS_OPT_BARRIER:
		opts->barrier = !result.negated;
		break;
	case ATOMFS_OPT_COMMIT:
		if (result.uint_32 > ATOMFS_MAX_COMMIT_SECS)
			return invalfc(fc, "Bad value for 'commit': %u seconds, the most is %u",
				       result.uint_32, ATOMFS_MAX_COMMIT_SECS);
		opts->commit_secs = result.uint_32 ?:
				    ATOMFS_DEFAULT_COMMIT_SECS;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int atomfs_get_tree(struct fs_context *fc)
{
	return get_tree_bdev(fc, atomfs_fill_super);
}

static int atomfs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	struct atomfs_mount_opts *opts = fc->fs_private;
	bool to_ro = fc->sb_flags & SB_RDONLY;
	int err = 0;

	sync_filesystem(sb);
	if (to_ro && !sb_rdonly(sb)) {
		flush_workqueue(sbi->endio_wq);
		err = atomfs_journal_flush(sb);
		if (!err)
			err = atomfs_write_sb(sb, !atomfs_has_open_orphans(sb));
	} else if (!to_ro && sb_rdonly(sb)) {
		u32 ro_compat = le32_to_cpu(sbi->raw->s_feature_ro_compat);

		if (ro_compat & ~ATOMFS_FEATURE_RO_COMPAT_SUPP) {
			pr_err("atomfs (%s): unsupported features 0x%x allow only a read-only mount\n",
			       sb->s_id,
			       ro_compat & ~ATOMFS_FEATURE_RO_COMPAT_SUPP);
			return -EINVAL;
		}
		err = atomfs_write_sb(sb, false);
	}
	if (err)
		return err;
	if (sbi->opts.atomic != opts->atomic) {
		sbi->opts = *opts;
		atomfs_atomic_setup(sb);
	}
	sbi->opts = *opts;
	atomfs_journal_apply_opts(sb);
	return 0;
}

static void atomfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations atomfs_context_ops = {
	.parse_param	= atomfs_parse_param,
	.get_tree	= atomfs_get_tree,
	.reconfigure	= atomfs_reconfigure,
	.free		= atomfs_free_fc,
};

static int atomfs_init_fs_context(struct fs_context *fc)
{
	struct atomfs_mount_opts *opts;

	opts = kzalloc(sizeof(*opts), GFP_KERNEL);
	if (!opts)
		return -ENOMEM;
	if (fc->purpose == FS_CONTEXT_FOR_RECONFIGURE)
		*opts = ATOMFS_SB(fc->root->d_sb)->opts;
	else
		*opts = (struct atomfs_mount_opts) {
			.errors = ATOMFS_ERRORS_RO,
			.atomic = ATOMFS_ATOMIC_AUTO,
			.barrier = true,
			.commit_secs = ATOMFS_DEFAULT_COMMIT_SECS,
		};
	fc->ops = &atomfs_context_ops;
	fc->fs_private = opts;
	return 0;
}

static struct file_system_type atomfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= ATOMFS_NAME,
	.init_fs_context	= atomfs_init_fs_context,
	.parameters		= atomfs_param_spec,
	.kill_sb		= kill_block_super,
	.fs_flags		= FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("atomfs");

static void atomfs_inode_init_once(void *obj)
{
	struct atomfs_inode_info *ai = obj;

	init_rwsem(&ai->i_map_sem);
	spin_lock_init(&ai->i_ioend_lock);
	inode_init_once(&ai->vfs_inode);
}

/*
 * One folio per atomic unit needs what the kernel was built with: large
 * folios in the page cache (mapping_set_folio_order_range() does nothing
 * without THP), no khugepaged collapse of file folios (collapse_file()
 * ignores the mapping's folio orders), and pages no larger than the 4 KiB
 * block, the smallest unit.
 */
static const char *atomfs_kernel_unsupported(void)
{
	if (PAGE_SIZE != ATOMFS_BLOCK_SIZE)
		return "pages larger than the 4096-byte block";
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return "no large folios (CONFIG_TRANSPARENT_HUGEPAGE is off)";
	if (IS_ENABLED(CONFIG_READ_ONLY_THP_FOR_FS))
		return "khugepaged collapses file folios (CONFIG_READ_ONLY_THP_FOR_FS)";
	return NULL;
}

static int __init atomfs_init(void)
{
	const char *why = atomfs_kernel_unsupported();
	int err;

	if (why) {
		pr_err("atomfs: this kernel cannot keep one folio per atomic unit: %s\n",
		       why);
		return -EOPNOTSUPP;
	}

	/*
	 * readlink() copies a short symlink target straight from i_inline
	 * to user space: hardened usercopy allows that only from the part
	 * of the object whitelisted here.
	 */
	atomfs_inode_cachep =
		kmem_cache_create_usercopy("atomfs_inode_cache",
					   sizeof(struct atomfs_inode_info), 0,
					   SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					   offsetof(struct atomfs_inode_info,
						    i_inline),
					   sizeof_field(struct atomfs_inode_info,
							i_inline),
					   atomfs_inode_init_once);
	if (!atomfs_inode_cachep)
		return -ENOMEM;

	err = atomfs_writeback_init();
	if (err)
		goto out_cache;
	err = atomfs_sysfs_init();
	if (err)
		goto out_bioset;
	err = register_filesystem(&atomfs_fs_type);
	if (err)
		goto out_sysfs;
	return 0;

out_sysfs:
	atomfs_sysfs_exit();
out_bioset:
	atomfs_writeback_exit();
out_cache:
	kmem_cache_destroy(atomfs_inode_cachep);
	return err;
}

static void __exit atomfs_exit(void)
{
	unregister_filesystem(&atomfs_fs_type);
	atomfs_sysfs_exit();
	atomfs_writeback_exit();
	/* Inodes are freed after an RCU grace period. */
	rcu_barrier();
	kmem_cache_destroy(atomfs_inode_cachep);
}

module_init(atomfs_init);
module_exit(atomfs_exit);
MODULE_DESCRIPTION("atomfs: a filesystem for buffered atomic writes");
MODULE_LICENSE("GPL");
