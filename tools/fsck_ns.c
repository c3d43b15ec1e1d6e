// SPDX-License-Identifier: GPL-2.0
/*
 * fsck.atomfs: the namespace.  Every entry must name a live inode of its
 * type; every directory but the root has exactly one name and no directory
 * is its own ancestor; every inode is reachable from the root; link
 * counts, entry counts and parents agree with what the directories hold.
 * What cannot be reached is reconnected under /lost+found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsck.h"

static struct finode *live(struct fsck *f, u64 ino)
{
	struct finode *fi = ino < f->fs.inodes ? fi_get(f, ino) : NULL;

	return fi && !fi->clear ? fi : NULL;
}

static bool is_dir(const struct finode *fi)
{
	return S_ISDIR(fi->mode);
}

/* Entries must point at live inodes, with their type. */
static void check_entries(struct fsck *f, struct finode *dir)
{
	struct afs_items *it = &dir->dents;
	size_t i = 0;

	while (i < it->n) {
		struct afs_dirent_view de;
		struct finode *t;
		char nb[64];
		u8 want;

		afs_dirent_parse(it->v[i].val, it->v[i].size, &de);
		esc_name(de.name, de.namelen, nb, sizeof(nb));
		t = live(f, de.ino);
		if (!t) {
			const char *what = "free";

			if (!de.ino || de.ino >= f->fs.inodes)
				what = "out-of-range";
			else if (f->slot[de.ino] != SLOT_FREE)
				what = "bad";
			problem(f, "directory %llu: entry '%s' points to %s inode %llu",
				(unsigned long long)dir->ino, nb, what,
				(unsigned long long)de.ino);
			items_del(it, i);
			dir->tree_dirty = true;
			fixed(f, "directory %llu: entry '%s' removed",
			      (unsigned long long)dir->ino, nb);
			continue;
		}
		want = afs_mode_dtype(t->mode);
		if (de.dtype != want) {
			problem(f, "directory %llu: entry '%s' has type %s, but inode %llu is a %s",
				(unsigned long long)dir->ino, nb,
				afs_dtype_name(de.dtype),
				(unsigned long long)t->ino,
				afs_dtype_name(want));
			it->v[i].val[8] = want;
			dir->tree_dirty = true;
		}
		i++;
	}
}

/* Is @anc @d or an ancestor of it, following the names found so far? */
static bool is_ancestor(struct fsck *f, struct finode *anc, struct finode *d)
{
	size_t steps;

	for (steps = 0; d && steps <= f->nfi; steps++) {
		if (d == anc)
			return true;
		if (d->ino == ATOMFS_ROOT_INO)
			return false;
		d = live(f, d->found_parent);
	}
	return false;
}

/*
 * Visit the subtree of directory @top (already visited), breadth first:
 * the first name found for a directory is its name; any other is dropped.
 */
static void visit(struct fsck *f, struct finode *top)
{
	struct finode **queue = NULL;
	size_t qn = 0, qcap = 0, qi;

	ARRAY_GROW(queue, qcap, 1);
	queue[qn++] = top;
	for (qi = 0; qi < qn; qi++) {
		struct finode *d = queue[qi];
		struct afs_items *it = &d->dents;
		size_t i = 0;

		while (i < it->n) {
			struct afs_dirent_view de;
			struct finode *t;
			char nb[64];

			afs_dirent_parse(it->v[i].val, it->v[i].size, &de);
			t = live(f, de.ino);
			if (!t) {
				i++;
				continue;
			}
			if (!is_dir(t)) {
				t->refs++;
				i++;
				continue;
			}
			if (!t->visited) {
				t->visited = true;
				t->found_parent = d->ino;
				d->subdirs++;
				ARRAY_GROW(queue, qcap, qn + 1);
				queue[qn++] = t;
				i++;
				continue;
			}
			esc_name(de.name, de.namelen, nb, sizeof(nb));
			if (is_ancestor(f, t, d))
				problem(f, "directory %llu: loop (entry '%s' in directory %llu points back to it)",
					(unsigned long long)t->ino, nb,
					(unsigned long long)d->ino);
			else
				problem(f, "directory %llu: second name '%s' in directory %llu (hard link to a directory)",
					(unsigned long long)t->ino, nb,
					(unsigned long long)d->ino);
			items_del(it, i);
			d->tree_dirty = true;
			fixed(f, "directory %llu: entry '%s' removed",
			      (unsigned long long)d->ino, nb);
		}
	}
	free(queue);
}

static struct finode *make_dir(struct fsck *f, u64 ino, u16 perm, u64 parent)
{
	struct finode *fi = fi_new(f, ino);

	fi->mode = S_IFDIR | perm;
	fi->nlink = 2;
	fi->parent = parent;
	fi->created = true;
	fi->tree_dirty = true;
	fi->inode_dirty = true;
	fi->visited = true;
	fi->found_parent = parent;
	f->slot[ino] = SLOT_LIVE;
	return fi;
}

static int add_name(struct fsck *f, struct finode *dir, const char *name,
		    struct finode *t)
{
	struct afs_newent e = {
		.name = name, .namelen = strlen(name), .ino = t->ino,
		.dtype = afs_mode_dtype(t->mode),
	};

	if (afs_dir_add(&f->fs, &dir->dents, &e, 1, NULL))
		return -1;
	dir->tree_dirty = true;
	return 0;
}

/* /lost+found, made if missing; NULL when it cannot be */
static struct finode *lost_found(struct fsck *f)
{
	struct finode *root = live(f, ATOMFS_ROOT_INO), *lf;
	struct afs_dirent_view de;
	long i;
	u64 ino;

	if (f->lost_found)
		return live(f, f->lost_found);
	i = afs_dir_find(&f->fs, &root->dents, "lost+found", 10);
	if (i >= 0) {
		afs_dirent_parse(root->dents.v[i].val, root->dents.v[i].size,
				 &de);
		lf = live(f, de.ino);
		if (lf && is_dir(lf) && lf->visited &&
		    lf->found_parent == ATOMFS_ROOT_INO) {
			f->lost_found = lf->ino;
			return lf;
		}
		return NULL;
	}
	for (ino = ATOMFS_ROOT_INO + 1; ino < f->fs.inodes; ino++)
		if (f->slot[ino] == SLOT_FREE)
			break;
	if (ino >= f->fs.inodes)
		return NULL;
	lf = make_dir(f, ino, 0700, ATOMFS_ROOT_INO);
	if (add_name(f, root, "lost+found", lf)) {
		fi_clear(f, lf);
		return NULL;
	}
	root->subdirs++;
	root->added_subdirs++;
	f->lost_found = ino;
	fixed(f, "created /lost+found (inode %llu)", (unsigned long long)ino);
	return lf;
}

/* Give unreachable inode @t a name in /lost+found; false if it cannot. */
static bool reconnect(struct fsck *f, struct finode *t)
{
	struct finode *lf = lost_found(f);
	char name[48];
	int n;

	if (!lf)
		return false;
	for (n = 0; n < 100; n++) {
		if (n)
			snprintf(name, sizeof(name), "#%llu.%d",
				 (unsigned long long)t->ino, n);
		else
			snprintf(name, sizeof(name), "#%llu",
				 (unsigned long long)t->ino);
		if (!add_name(f, lf, name, t))
			break;
	}
	if (n == 100)
		return false;
	fixed(f, "inode %llu: reconnected to /lost+found as %s",
	      (unsigned long long)t->ino, name);
	t->reconnected = true;
	if (is_dir(t)) {
		t->visited = true;
		t->found_parent = lf->ino;
		lf->subdirs++;
		lf->added_subdirs++;
		visit(f, t);
	} else {
		t->refs++;
	}
	return true;
}

static bool orphan(const struct finode *fi)
{
	return !fi->nlink && (!is_dir(fi) || !fi->dents.n);
}

/*
 * An inode that lost its last name while it was open, and whose space the
 * kernel had not released yet: legal after a crash, the next mount frees
 * it.  -y does what that mount would.
 */
static void release_orphan(struct fsck *f, struct finode *fi)
{
	unsigned long long ino = fi->ino;

	fi_clear(f, fi);
	if (!f->repair) {
		note(f, "orphan inode %llu (to be released by the next mount)",
		     ino);
		return;
	}
	f->releases++;
	f->changes++;
	fixed(f, "orphan inode %llu released (%s with link count 0)", ino,
	      mode_name(fi->mode));
}

/* The root must be a live directory; make an empty one if it is not. */
static void check_root(struct fsck *f)
{
	struct finode *root = live(f, ATOMFS_ROOT_INO);

	if (root && is_dir(root))
		return;
	problem(f, "inode %u: the root directory is missing or not a directory",
		ATOMFS_ROOT_INO);
	if (root)
		fi_clear(f, root);
	make_dir(f, ATOMFS_ROOT_INO, 0755, ATOMFS_ROOT_INO);
	fixed(f, "created an empty root directory");
}

/*
 * An unreachable directory, followed up through the unreachable
 * directories that name it, leads to the top of an unreachable subtree, or
 * around a loop of directories.
 */
static struct finode *unreachable_top(struct fsck *f, struct finode *d,
				      u64 *namer, u32 *stamp, u32 mark)
{
	size_t steps;

	for (steps = 0; steps <= f->nfi; steps++) {
		u64 p = namer[d->ino];
		struct finode *pd = p ? live(f, p) : NULL;

		stamp[d->ino] = mark;
		if (!pd || pd->visited)
			return d;
		/* A loop: visit() reports it when it meets it again. */
		if (stamp[p] == mark)
			return pd;
		d = pd;
	}
	return d;
}

void check_namespace(struct fsck *f)
{
	struct finode *root;
	u64 *namer;
	u32 *stamp;
	size_t i, j;

	check_root(f);
	for (i = 0; i < f->nfi; i++)
		if (!f->fi[i]->clear && is_dir(f->fi[i]))
			check_entries(f, f->fi[i]);

	root = live(f, ATOMFS_ROOT_INO);
	root->visited = true;
	root->found_parent = ATOMFS_ROOT_INO;
	visit(f, root);

	/* Who names each unreachable directory */
	namer = xcalloc(f->fs.inodes, sizeof(*namer));
	stamp = xcalloc(f->fs.inodes, sizeof(*stamp));
	for (i = 0; i < f->nfi; i++) {
		struct finode *d = f->fi[i];

		if (d->clear || !is_dir(d) || d->visited)
			continue;
		for (j = 0; j < d->dents.n; j++) {
			struct afs_dirent_view de;
			struct finode *t;

			afs_dirent_parse(d->dents.v[j].val,
					 d->dents.v[j].size, &de);
			t = live(f, de.ino);
			if (t && is_dir(t) && !t->visited && t != d &&
			    !namer[t->ino])
				namer[t->ino] = d->ino;
		}
	}
	for (i = 0; i < f->nfi; i++) {
		struct finode *d = f->fi[i], *top;

		if (d->clear || !is_dir(d) || d->visited)
			continue;
		top = unreachable_top(f, d, namer, stamp, i + 1);
		if (orphan(top) && (top->flags & ATOMFS_INODE_ORPHAN)) {
			release_orphan(f, top);
			continue;
		}
		if (orphan(top)) {
			problem(f, "inode %llu: unreachable directory with link count 0 (orphan)",
				(unsigned long long)top->ino);
			fi_clear(f, top);
			continue;
		}
		problem(f, "inode %llu: unreachable directory (not in any directory)",
			(unsigned long long)top->ino);
		if (!reconnect(f, top)) {
			fi_clear(f, top);
		}
		if (!d->visited && !d->clear)
			i--;	/* d is below another top: look again */
	}
	free(namer);
	free(stamp);

	for (i = 0; i < f->nfi; i++) {
		struct finode *t = f->fi[i];

		if (t->clear || is_dir(t) || t->refs)
			continue;
		if (orphan(t) && (t->flags & ATOMFS_INODE_ORPHAN)) {
			release_orphan(f, t);
			continue;
		}
		if (orphan(t)) {
			problem(f, "inode %llu: unreachable %s with link count 0 (orphan)",
				(unsigned long long)t->ino, mode_name(t->mode));
			fi_clear(f, t);
			continue;
		}
		problem(f, "inode %llu: unreachable (not in any directory)",
			(unsigned long long)t->ino);
		if (!reconnect(f, t)) {
			fi_clear(f, t);
		}
	}
}

/* Link counts, entry counts, parents and block counts */
void check_counts(struct fsck *f)
{
	size_t i;

	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];
		unsigned long long ino = fi->ino;
		u64 want;

		if (fi->clear)
			continue;
		if (fi->created) {
			fi->nlink = 2 + fi->subdirs;
			continue;
		}
		if (is_dir(fi)) {
			/* Names fsck adds are no problem of the disk's. */
			want = 2 + (u64)fi->subdirs - fi->added_subdirs;
			if (fi->nlink != want)
				problem(f, "inode %llu: link count %u, expected %llu (directory with %llu subdirectories)",
					ino, fi->nlink,
					(unsigned long long)want,
					(unsigned long long)want - 2);
			want = 2 + (u64)fi->subdirs;
			if (fi->parent != fi->found_parent && !fi->reconnected)
				problem(f, "directory %llu: parent %llu, but it is in directory %llu",
					ino, (unsigned long long)fi->parent,
					(unsigned long long)fi->found_parent);
			if (fi->nentries != fi->read_entries)
				problem(f, "directory %llu: entry count %llu, found %llu",
					ino, (unsigned long long)fi->nentries,
					(unsigned long long)fi->read_entries);
			if (fi->size != fi->blocks << ATOMFS_BLOCK_SHIFT)
				problem(f, "directory %llu: size %llu, but %llu blocks make %llu",
					ino, (unsigned long long)fi->size,
					(unsigned long long)fi->blocks,
					(unsigned long long)fi->blocks <<
					ATOMFS_BLOCK_SHIFT);
			fi->nlink = want;
			fi->parent = fi->found_parent;
		} else {
			if (fi->nlink != fi->refs)
				problem(f, "inode %llu: link count %u, found %u reference%s",
					ino, fi->nlink, fi->refs,
					fi->refs == 1 ? "" : "s");
			fi->nlink = fi->refs;
		}
		if (fi->blocks != fi->read_blocks)
			problem(f, "inode %llu: block count %llu, found %llu",
				ino, (unsigned long long)fi->blocks,
				(unsigned long long)fi->read_blocks);
	}
}

/*
 * Orphans that keep their names: a truncate was freeing the blocks past
 * i_size over several transactions.  The next mount frees what lies past
 * i_size rounded up to the atomic unit and clears the flag; -y does the
 * same.  Only regular files are truncated so; the flag on anything else
 * with links is damage.
 */
void check_orphans(struct fsck *f)
{
	u64 ub = f->fs.unit_blocks;
	size_t i, j;

	for (i = 0; i < f->nfi; i++) {
		struct finode *fi = f->fi[i];
		unsigned long long ino = fi->ino;
		u64 limit, freed = 0;

		if (fi->clear || !(fi->flags & ATOMFS_INODE_ORPHAN))
			continue;
		if (!S_ISREG(fi->mode)) {
			problem(f, "inode %llu: orphan flag on a %s with %u link%s",
				ino, mode_name(fi->mode), fi->nlink,
				fi->nlink == 1 ? "" : "s");
			fi->flags &= ~ATOMFS_INODE_ORPHAN;
			continue;
		}
		limit = ROUND_UP(DIV_ROUND_UP(fi->size, ATOMFS_BLOCK_SIZE), ub);
		for (j = 0; j < fi->next; j++) {
			struct fext *e = &fi->ext[j];

			if (e->drop || e->lblk + e->len <= limit)
				continue;
			freed += e->lblk + e->len - MAX(e->lblk, limit);
		}
		if (!f->repair) {
			note(f, "orphan inode %llu (%llu blocks past its size to be released by the next mount)",
			     ino, (unsigned long long)freed);
			continue;
		}
		for (j = 0; j < fi->next; j++) {
			struct fext *e = &fi->ext[j];

			if (e->drop || e->lblk + e->len <= limit)
				continue;
			if (e->lblk >= limit)
				e->drop = true;
			else
				e->len = limit - e->lblk;
			fi->tree_dirty = true;
		}
		fi->flags &= ~ATOMFS_INODE_ORPHAN;
		f->releases++;
		f->changes++;
		fixed(f, "orphan inode %llu released: %llu blocks past its size freed, flag cleared",
		      ino, (unsigned long long)freed);
	}
}
