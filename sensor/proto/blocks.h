/* Fixed-size blocks for per-flow parser state, carved from aligned chunks
 * (sensor/proto/blocks.c): no allocator header per block, and a chunk goes
 * back to the system when its last block is given back. */
#ifndef SIGHTLINE_PROTO_BLOCKS_H
#define SIGHTLINE_PROTO_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

/* Blocks of one size.  Zero-initialised (or sl_blocks_init()) is empty. */
struct sl_blocks {
	size_t size;               /* bytes per block: the request rounded up to 16 */
	uint32_t per_chunk;        /* blocks one chunk holds */
	struct blk_chunk *avail;   /* chunks with a free block (doubly linked) */
	struct blk_chunk *full;    /* chunks without one */
	uint64_t chunks;           /* chunks mapped now */
};

/* Bytes of one chunk, and its alignment (a block finds its chunk by
 * masking its address). */
#define SL_BLOCKS_CHUNK ((size_t)256 * 1024)

/**
 * Prepare b for blocks of size bytes (1 .. SL_BLOCKS_CHUNK / 4), each aligned
 * to 16 bytes.  Maps nothing until the first sl_blocks_take().
 */
void sl_blocks_init(struct sl_blocks *b, size_t size);

/**
 * A zeroed block of b->size bytes, or NULL when no memory is left.
 * Caller owns the block; give it back with sl_blocks_give() on the same b.
 */
void *sl_blocks_take(struct sl_blocks *b);

/**
 * Give back a block from sl_blocks_take(b).  Accepts NULL.  A chunk whose
 * blocks are all free is unmapped unless it is the only chunk with room,
 * which is kept so that one flow starting and ending costs no system call.
 */
void sl_blocks_give(struct sl_blocks *b, void *p);

/** Unmap every chunk of b (blocks still taken are gone too).  Accepts NULL. */
void sl_blocks_finish(struct sl_blocks *b);

#endif
