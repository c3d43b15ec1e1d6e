/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsck.atomfs: state shared by its passes.
 *
 * fsck reads everything once into a model of the filesystem (live inodes,
 * their extents, directory entries and tree nodes), takes its repair
 * decisions on the model (which is all -n does), and with -y writes the
 * model back: damaged trees rebuilt whole in fresh blocks, inodes with
 * their fields fixed, bitmaps and counters recomputed.
 */
#ifndef _ATOMFS_FSCK_H
#define _ATOMFS_FSCK_H

#include "edit.h"
#include "fs.h"
#include "journal.h"

/* fsck(8) exit codes */
#define FSCK_OK			0
#define FSCK_CORRECTED		1
#define FSCK_UNCORRECTED	4
#define FSCK_ERROR		8
#define FSCK_USAGE		16

/* What an inode table slot holds */
enum slot_state {
	SLOT_FREE,		/* all zeros */
	SLOT_LIVE,		/* a valid inode: has a struct finode */
	SLOT_BAD,		/* claims to be an inode but is not valid */
	SLOT_GARBAGE,		/* no inode magic, but not zeroed */
};

struct fext {
	u64	lblk;
	u64	pblk;
	u64	len;
	u32	flags;
	bool	drop;
};

/* A live inode and what was found about it */
struct finode {
	u64		ino;
	u16		mode;
	u32		nlink;
	u32		flags;
	u64		size;
	u64		blocks;
	u64		parent;
	u64		root;
	u64		nentries;

	/* As read from disk */
	u64		*nodes;		/* valid tree nodes */
	size_t		nnodes;
	size_t		nodes_cap;
	struct fext	*ext;		/* regular files */
	size_t		next;
	size_t		ext_cap;
	struct afs_items dents;		/* directories, sorted by key */
	u64		read_entries;	/* valid entries found in the tree */
	u64		read_blocks;	/* blocks found: data and nodes */

	/* Namespace */
	u32		refs;		/* names that point here */
	u32		subdirs;
	u32		added_subdirs;	/* by fsck: lost+found, reconnected */
	bool		reconnected;
	u64		found_parent;	/* the directory holding our name */
	bool		visited;

	/* Decisions */
	bool		clear;		/* free the inode and all it has */
	bool		tree_dirty;	/* rebuild the tree from the items */
	bool		inode_dirty;	/* write the fields back */
	bool		created;	/* new: root or lost+found */
	bool		zero_reserved;
};

/* A run of blocks that an inode uses, for the overlap check */
enum { R_NODE, R_DATA, R_SYMLINK };

struct frange {
	u64		start;
	u64		len;
	struct finode	*fi;
	unsigned int	kind;
	size_t		ref;		/* R_DATA: index in fi->ext */
	bool		dropped;
};

struct fsck {
	struct afs	fs;
	bool		repair;
	bool		verbose;
	bool		quiet;		/* the check after a repair */
	bool		ioerr;
	u64		problems;
	u64		fixes;
	/*
	 * With -y, what was done that no problem asked for: the journal's
	 * recovery and the release of orphans, work the next mount would
	 * have done.  It makes the exit status 1 all the same.
	 */
	u64		changes;
	u64		releases;	/* orphans released: to write back */
	bool		replayed;

	/* -n: the recovered journal, laid over the device */
	struct jnl_recovery jr;
	struct disk_block *overlay;

	bool		sb_dirty;	/* write the superblock back */
	bool		bitmaps_bad;	/* a bitmap block is damaged */

	u8		*slot;		/* enum slot_state per inode */
	u32		*idx;		/* inode -> index in fi + 1 */
	struct finode	**fi;
	size_t		nfi;
	size_t		fi_cap;

	struct bitmap	disk_bb;	/* the bitmaps as on disk */
	struct bitmap	disk_ib;
	struct bitmap	used;		/* blocks found in use */
	struct bitmap	found_ib;	/* inodes found in use */

	struct frange	*ranges;
	size_t		nranges;
	size_t		ranges_cap;
	struct frange	**accepted;	/* sorted by start, no overlaps */
	size_t		naccepted;

	u64		lost_found;
	u64		nr_ext;
};

__printf(2, 3) void problem(struct fsck *f, const char *fmt, ...);
__printf(2, 3) void fixed(struct fsck *f, const char *fmt, ...);
__printf(2, 3) void verbose(struct fsck *f, const char *fmt, ...);
/* A line that is no problem: what the next mount will do */
__printf(2, 3) void note(struct fsck *f, const char *fmt, ...);
/* A name for messages, with unprintable bytes escaped */
const char *esc_name(const char *name, unsigned int len, char *buf,
		     size_t size);

struct finode *fi_get(struct fsck *f, u64 ino);
struct finode *fi_new(struct fsck *f, u64 ino);
/* Record that an inode is to be freed, with the reason already reported. */
void fi_clear(struct fsck *f, struct finode *fi);
const char *mode_name(u16 mode);

/* fsck_tree.c: trees, extents, entries, symlinks, overlaps */
int collect_inode(struct fsck *f, struct finode *fi);
void check_overlaps(struct fsck *f);
void check_units(struct fsck *f, struct finode *fi);
struct finode *block_owner(struct fsck *f, u64 blkno);

/* fsck_ns.c: the namespace */
void check_namespace(struct fsck *f);
void check_counts(struct fsck *f);

/* Orphans (ATOMFS_INODE_ORPHAN) the kernel had not released yet */
void check_orphans(struct fsck *f);

/* fsck_journal.c: the jbd2 journal, recovered before anything else */
int check_journal(struct fsck *f);
void journal_release(struct fsck *f);

/*
 * fsck_fix.c: writing the model back; -ENOSPC (nothing written that any
 * inode points at) when the damaged trees have no room to be rebuilt in.
 * room_for_repairs() finds that out for -n, writing nothing.
 */
int write_repairs(struct fsck *f);
int room_for_repairs(struct fsck *f);

#endif /* _ATOMFS_FSCK_H */
