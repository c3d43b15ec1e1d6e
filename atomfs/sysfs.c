// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/fs/atomfs/<device>/: what a mounted atomfs is and what it has seen.
 */
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "atomfs.h"

struct atomfs_sysfs_attr {
	struct attribute attr;
	ssize_t (*show)(struct atomfs_sb_info *sbi, char *buf);
};

#define ATOMFS_SYSFS_ATTR_RO(name) \
static struct atomfs_sysfs_attr atomfs_sysfs_attr_##name = __ATTR_RO(name)

#define ATTR_LIST(name) (&atomfs_sysfs_attr_##name.attr)

static ssize_t atomfs_sysfs_attr_show(struct kobject *kobj,
				      struct attribute *attr, char *buf)
{
	struct atomfs_sb_info *sbi =
		container_of(kobj, struct atomfs_sb_info, kobj);
	struct atomfs_sysfs_attr *a =
		container_of(attr, struct atomfs_sysfs_attr, attr);

	return a->show(sbi, buf);
}

static ssize_t atomic_unit_show(struct atomfs_sb_info *sbi, char *buf)
{
	return sysfs_emit(buf, "%u\n", 1U << sbi->unit_shift);
}
ATOMFS_SYSFS_ATTR_RO(atomic_unit);

static ssize_t free_blocks_show(struct atomfs_sb_info *sbi, char *buf)
{
	u64 n;

	mutex_lock(&sbi->alloc_lock);
	n = sbi->free_blocks;
	mutex_unlock(&sbi->alloc_lock);
	return sysfs_emit(buf, "%llu\n", n);
}
ATOMFS_SYSFS_ATTR_RO(free_blocks);

static ssize_t free_inodes_show(struct atomfs_sb_info *sbi, char *buf)
{
	u64 n;

	mutex_lock(&sbi->ialloc_lock);
	n = sbi->free_inodes;
	mutex_unlock(&sbi->ialloc_lock);
	return sysfs_emit(buf, "%llu\n", n);
}
ATOMFS_SYSFS_ATTR_RO(free_inodes);

static ssize_t metadata_errors_show(struct atomfs_sb_info *sbi, char *buf)
{
	return sysfs_emit(buf, "%lu\n", atomic_long_read(&sbi->errors));
}
ATOMFS_SYSFS_ATTR_RO(metadata_errors);

static ssize_t atomic_enabled_show(struct atomfs_sb_info *sbi, char *buf)
{
	return sysfs_emit(buf, "%d\n", sbi->atomic_enabled);
}
ATOMFS_SYSFS_ATTR_RO(atomic_enabled);

static ssize_t atomic_mode_show(struct atomfs_sb_info *sbi, char *buf)
{
	if (!sbi->atomic_enabled)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "%s\n", sbi->atomic_sw ? "sw" : "hw");
}
ATOMFS_SYSFS_ATTR_RO(atomic_mode);

static ssize_t shutdown_show(struct atomfs_sb_info *sbi, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  test_bit(ATOMFS_MOUNT_SHUTDOWN, &sbi->flags));
}
ATOMFS_SYSFS_ATTR_RO(shutdown);

/* One read-only file per enum atomfs_counter, named as the counter. */
#define ATOMFS_COUNTER_ATTR(name, ctr)					\
static ssize_t name##_show(struct atomfs_sb_info *sbi, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",					\
			  atomic64_read(&sbi->counters[ctr]));		\
}									\
ATOMFS_SYSFS_ATTR_RO(name)

ATOMFS_COUNTER_ATTR(atomic_writes, ATOMFS_CTR_ATOMIC_WRITES);
ATOMFS_COUNTER_ATTR(atomic_write_bytes, ATOMFS_CTR_ATOMIC_WRITE_BYTES);
ATOMFS_COUNTER_ATTR(atomic_writes_rejected, ATOMFS_CTR_ATOMIC_WRITES_REJECTED);
ATOMFS_COUNTER_ATTR(atomic_bios, ATOMFS_CTR_ATOMIC_BIOS);
ATOMFS_COUNTER_ATTR(atomic_bio_bytes, ATOMFS_CTR_ATOMIC_BIO_BYTES);
ATOMFS_COUNTER_ATTR(atomic_bio_errors, ATOMFS_CTR_ATOMIC_BIO_ERRORS);
ATOMFS_COUNTER_ATTR(demotions, ATOMFS_CTR_DEMOTIONS);
ATOMFS_COUNTER_ATTR(copy_retries, ATOMFS_CTR_COPY_RETRIES);
ATOMFS_COUNTER_ATTR(copy_efaults, ATOMFS_CTR_COPY_EFAULTS);
ATOMFS_COUNTER_ATTR(order_evictions, ATOMFS_CTR_ORDER_EVICTIONS);
ATOMFS_COUNTER_ATTR(sync_atomic_writes, ATOMFS_CTR_SYNC_ATOMIC_WRITES);
ATOMFS_COUNTER_ATTR(data_bios, ATOMFS_CTR_DATA_BIOS);
ATOMFS_COUNTER_ATTR(write_errors, ATOMFS_CTR_WRITE_ERRORS);
ATOMFS_COUNTER_ATTR(alloc_commit_waits, ATOMFS_CTR_ALLOC_COMMIT_WAITS);
ATOMFS_COUNTER_ATTR(orphans_released, ATOMFS_CTR_ORPHANS_RELEASED);
ATOMFS_COUNTER_ATTR(sw_atomic_remaps, ATOMFS_CTR_SW_ATOMIC_REMAPS);
ATOMFS_COUNTER_ATTR(sw_atomic_in_place, ATOMFS_CTR_SW_ATOMIC_IN_PLACE);
ATOMFS_COUNTER_ATTR(sw_atomic_fallbacks, ATOMFS_CTR_SW_ATOMIC_FALLBACKS);

static struct attribute *atomfs_sysfs_attrs[] = {
	ATTR_LIST(atomic_unit),
	ATTR_LIST(atomic_enabled),
	ATTR_LIST(atomic_mode),
	ATTR_LIST(free_blocks),
	ATTR_LIST(free_inodes),
	ATTR_LIST(metadata_errors),
	ATTR_LIST(shutdown),
	ATTR_LIST(atomic_writes),
	ATTR_LIST(atomic_write_bytes),
	ATTR_LIST(atomic_writes_rejected),
	ATTR_LIST(atomic_bios),
	ATTR_LIST(atomic_bio_bytes),
	ATTR_LIST(atomic_bio_errors),
	ATTR_LIST(demotions),
	ATTR_LIST(copy_retries),
	ATTR_LIST(copy_efaults),
	ATTR_LIST(order_evictions),
	ATTR_LIST(sync_atomic_writes),
	ATTR_LIST(data_bios),
	ATTR_LIST(write_errors),
	ATTR_LIST(alloc_commit_waits),
	ATTR_LIST(orphans_released),
	ATTR_LIST(sw_atomic_remaps),
	ATTR_LIST(sw_atomic_in_place),
	ATTR_LIST(sw_atomic_fallbacks),
	NULL,
};
ATTRIBUTE_GROUPS(atomfs_sysfs);

static void atomfs_sysfs_sb_release(struct kobject *kobj)
{
	struct atomfs_sb_info *sbi =
		container_of(kobj, struct atomfs_sb_info, kobj);

	complete(&sbi->kobj_unregister);
}

static const struct sysfs_ops atomfs_sysfs_attr_ops = {
	.show	= atomfs_sysfs_attr_show,
};

static const struct kobj_type atomfs_sb_ktype = {
	.default_groups = atomfs_sysfs_groups,
	.sysfs_ops	= &atomfs_sysfs_attr_ops,
	.release	= atomfs_sysfs_sb_release,
};

static struct kobject *atomfs_sysfs_root;

/**
 * atomfs_sysfs_register() - create /sys/fs/atomfs/<device> for a mount
 * @sb:		the filesystem being mounted
 *
 * Return: 0 or a negative errno.
 */
int atomfs_sysfs_register(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);
	int err;

	init_completion(&sbi->kobj_unregister);
	err = kobject_init_and_add(&sbi->kobj, &atomfs_sb_ktype,
				   atomfs_sysfs_root, "%s", sb->s_id);
	if (err) {
		kobject_put(&sbi->kobj);
		wait_for_completion(&sbi->kobj_unregister);
		return err;
	}
	sbi->sysfs_registered = true;
	return 0;
}

/**
 * atomfs_sysfs_unregister() - remove a mount's sysfs directory
 * @sb:		the filesystem
 */
void atomfs_sysfs_unregister(struct super_block *sb)
{
	struct atomfs_sb_info *sbi = ATOMFS_SB(sb);

	if (!sbi || !sbi->sysfs_registered)
		return;
	kobject_del(&sbi->kobj);
	kobject_put(&sbi->kobj);
	wait_for_completion(&sbi->kobj_unregister);
	sbi->sysfs_registered = false;
}

/**
 * atomfs_sysfs_init() - create /sys/fs/atomfs at module load
 *
 * Return: 0 or -ENOMEM.
 */
int __init atomfs_sysfs_init(void)
{
	atomfs_sysfs_root = kobject_create_and_add(ATOMFS_NAME, fs_kobj);
	return atomfs_sysfs_root ? 0 : -ENOMEM;
}

/**
 * atomfs_sysfs_exit() - remove /sys/fs/atomfs at module unload
 */
void atomfs_sysfs_exit(void)
{
	kobject_put(atomfs_sysfs_root);
	atomfs_sysfs_root = NULL;
}
