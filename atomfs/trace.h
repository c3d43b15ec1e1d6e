/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomfs tracepoints: the life of a buffered atomic write, from the
 * accepted write through copy retries and demotions to its bio.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM atomfs

#if !defined(_ATOMFS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ATOMFS_TRACE_H

#include <linux/tracepoint.h>
#include <linux/fs.h>
#include <linux/blk_types.h>

TRACE_EVENT(atomfs_atomic_write,
	    TP_PROTO(struct inode *inode, loff_t pos, size_t len, bool sync),
	    TP_ARGS(inode, pos, len, sync),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(ino_t, ino)
			     __field(loff_t, pos)
			     __field(size_t, len)
			     __field(bool, sync)),
	    TP_fast_assign(__entry->dev = inode->i_sb->s_dev;
			   __entry->ino = inode->i_ino;
			   __entry->pos = pos;
			   __entry->len = len;
			   __entry->sync = sync),
	    TP_printk("dev %d:%d ino %lu pos %lld len %zu%s",
		      MAJOR(__entry->dev), MINOR(__entry->dev),
		      (unsigned long)__entry->ino, __entry->pos, __entry->len,
		      __entry->sync ? " sync" : "")
);

TRACE_EVENT(atomfs_sw_atomic_remap,
	    TP_PROTO(struct inode *inode, loff_t pos, u64 pblk, u64 len),
	    TP_ARGS(inode, pos, pblk, len),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(ino_t, ino)
			     __field(loff_t, pos)
			     __field(u64, pblk)
			     __field(u64, len)),
	    TP_fast_assign(__entry->dev = inode->i_sb->s_dev;
			   __entry->ino = inode->i_ino;
			   __entry->pos = pos;
			   __entry->pblk = pblk;
			   __entry->len = len),
	    TP_printk("dev %d:%d ino %lu pos %lld len %llu now at block %llu",
		      MAJOR(__entry->dev), MINOR(__entry->dev),
		      (unsigned long)__entry->ino, __entry->pos, __entry->len,
		      __entry->pblk)
);

TRACE_EVENT(atomfs_copy_retry,
	    TP_PROTO(struct inode *inode, loff_t pos, size_t copied,
		     int round),
	    TP_ARGS(inode, pos, copied, round),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(ino_t, ino)
			     __field(loff_t, pos)
			     __field(size_t, copied)
			     __field(int, round)),
	    TP_fast_assign(__entry->dev = inode->i_sb->s_dev;
			   __entry->ino = inode->i_ino;
			   __entry->pos = pos;
			   __entry->copied = copied;
			   __entry->round = round),
	    TP_printk("dev %d:%d ino %lu pos %lld copied %zu round %d",
		      MAJOR(__entry->dev), MINOR(__entry->dev),
		      (unsigned long)__entry->ino, __entry->pos,
		      __entry->copied, __entry->round)
);

TRACE_DEFINE_ENUM(ATOMFS_DEMOTE_WRITE);
TRACE_DEFINE_ENUM(ATOMFS_DEMOTE_MKWRITE);
TRACE_DEFINE_ENUM(ATOMFS_DEMOTE_TRUNCATE);

TRACE_EVENT(atomfs_demote,
	    TP_PROTO(struct inode *inode, loff_t pos, size_t len, int reason),
	    TP_ARGS(inode, pos, len, reason),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(ino_t, ino)
			     __field(loff_t, pos)
			     __field(size_t, len)
			     __field(int, reason)),
	    TP_fast_assign(__entry->dev = inode->i_sb->s_dev;
			   __entry->ino = inode->i_ino;
			   __entry->pos = pos;
			   __entry->len = len;
			   __entry->reason = reason),
	    TP_printk("dev %d:%d ino %lu pos %lld len %zu by %s",
		      MAJOR(__entry->dev), MINOR(__entry->dev),
		      (unsigned long)__entry->ino, __entry->pos, __entry->len,
		      __print_symbolic(__entry->reason,
				       { ATOMFS_DEMOTE_WRITE, "write" },
				       { ATOMFS_DEMOTE_MKWRITE, "mkwrite" },
				       { ATOMFS_DEMOTE_TRUNCATE, "truncate" }))
);

DECLARE_EVENT_CLASS(atomfs_bio_class,
		    TP_PROTO(struct inode *inode, loff_t pos, struct bio *bio,
			     u64 size),
		    TP_ARGS(inode, pos, bio, size),
		    TP_STRUCT__entry(__field(dev_t, dev)
				     __field(ino_t, ino)
				     __field(loff_t, pos)
				     __field(sector_t, sector)
				     __field(u64, size)
				     __field(int, status)),
		    TP_fast_assign(__entry->dev = inode->i_sb->s_dev;
				   __entry->ino = inode->i_ino;
				   __entry->pos = pos;
				   __entry->sector = bio->bi_iter.bi_sector;
				   __entry->size = size;
				   __entry->status =
					blk_status_to_errno(bio->bi_status)),
		    TP_printk("dev %d:%d ino %lu pos %lld sector %llu size %llu status %d",
			      MAJOR(__entry->dev), MINOR(__entry->dev),
			      (unsigned long)__entry->ino, __entry->pos,
			      (unsigned long long)__entry->sector,
			      __entry->size, __entry->status)
);

DEFINE_EVENT(atomfs_bio_class, atomfs_atomic_bio_submit,
	     TP_PROTO(struct inode *inode, loff_t pos, struct bio *bio,
		      u64 size),
	     TP_ARGS(inode, pos, bio, size)
);

DEFINE_EVENT(atomfs_bio_class, atomfs_atomic_bio_end,
	     TP_PROTO(struct inode *inode, loff_t pos, struct bio *bio,
		      u64 size),
	     TP_ARGS(inode, pos, bio, size)
);

#endif /* _ATOMFS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
