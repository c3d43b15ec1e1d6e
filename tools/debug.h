/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomfs-debug: the commands that build files in an unmounted image
 * (debug_mk.c) and the helpers they share with the rest (debug.c).
 */
#ifndef _ATOMFS_DEBUG_H
#define _ATOMFS_DEBUG_H

#include "edit.h"
#include "fs.h"

/* A failed command: message on stderr, exit status 1. */
__printf(1, 2) int fail(const char *fmt, ...);

/* Parse a number argument (decimal or 0x hex), or fail. */
int arg_u64(const char *s, const char *what, u64 *v);

/* A field of an on-disk structure, by name */
enum fkind { F_DEC, F_HEX, F_OCT, F_STR, F_UUID };

struct field {
	const char	*name;
	size_t		off;
	unsigned int	size;
	enum fkind	kind;
};

/* The fields of the superblock and of an inode, as atomfs_format.h has them */
extern const struct field sb_fields[], inode_fields[];
extern const size_t nr_sb_fields, nr_inode_fields;

/* A field's value (its first 8 bytes, little-endian), and setting it */
u64 field_get(const void *base, const struct field *f);
void field_put(void *base, const struct field *f, u64 v);

int read_live_inode(struct afs *fs, u64 ino, struct atomfs_inode *in);

int cmd_mkfile(struct afs *fs, int argc, char **argv);
int cmd_populate(struct afs *fs, int argc, char **argv);
int cmd_mkdir(struct afs *fs, int argc, char **argv);
int cmd_symlink(struct afs *fs, int argc, char **argv);
int cmd_link(struct afs *fs, int argc, char **argv);
int cmd_unlink(struct afs *fs, int argc, char **argv);

/* debug_fuzz.c */
int cmd_fuzz(struct afs *fs, int argc, char **argv);

/* debug_journal.c */
int cmd_journal(struct afs *fs, int argc, char **argv);
int cmd_journal_set(struct afs *fs, int argc, char **argv);
int cmd_journal_set_raw(struct afs *fs, int argc, char **argv);
int cmd_journal_write(struct afs *fs, int argc, char **argv);
int cmd_journal_pattern(struct afs *fs, int argc, char **argv);

#endif /* _ATOMFS_DEBUG_H */
