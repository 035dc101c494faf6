/* Fixed-size blocks carved from 256 KiB aligned chunks: per-flow parser state
 * costs its size rounded to 16 bytes, not a malloc chunk (size + 8 rounded to
 * 16), and memory of ended flows returns to the system chunk by chunk. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "blocks.h"

/* Under AddressSanitizer every block is its own calloc(): the sanitizer then
 * sees a parser writing past its state, which it cannot inside a chunk. */
#if defined(__SANITIZE_ADDRESS__)
#define BLOCKS_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOCKS_MALLOC 1
#endif
#endif

/* Header at the start of each chunk; its blocks follow. */
struct blk_chunk {
	struct blk_chunk *prev, *next; /* in avail while it has a free block, else in full */
	void *free;                    /* given-back blocks, linked through their first word */
	uint32_t used;                 /* blocks taken */
	uint32_t fresh;                /* blocks below this were handed out at least once */
};

#define HDR (((sizeof(struct blk_chunk) + 15) / 16) * 16)

void sl_blocks_init(struct sl_blocks *b, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->size = size < 16 ? 16 : (size + 15) & ~(size_t)15;
	b->per_chunk = (uint32_t)((SL_BLOCKS_CHUNK - HDR) / b->size);
}

#ifndef BLOCKS_MALLOC /* the chunks themselves: not built when each block is its own calloc() */
/* Every chunk is on one of two lists: avail (has a free block) or full. */
static void link_to(struct blk_chunk **head, struct blk_chunk *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

static void unlink_from(struct blk_chunk **head, struct blk_chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* mmap(2) aligns to a page only: map twice the chunk and cut the
 * misaligned ends off, so masking a block's address finds its chunk. */
static struct blk_chunk *chunk_map(void)
{
	size_t len = 2 * SL_BLOCKS_CHUNK;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uintptr_t at = ((uintptr_t)m + SL_BLOCKS_CHUNK - 1) & ~(uintptr_t)(SL_BLOCKS_CHUNK - 1);
	size_t head = at - (uintptr_t)m, tail = len - head - SL_BLOCKS_CHUNK;
	if (head)
		munmap(m, head);
	if (tail)
		munmap((char *)at + SL_BLOCKS_CHUNK, tail);
	return (struct blk_chunk *)at; /* fresh anonymous pages are zero */
}

static void *take_from(struct sl_blocks *b, struct blk_chunk *c)
{
	char *p = c->free;
	if (p)
		memcpy(&c->free, p, sizeof(void *));
	else
		p = (char *)c + HDR + (size_t)c->fresh++ * b->size;
	if (++c->used == b->per_chunk) {
		unlink_from(&b->avail, c);
		link_to(&b->full, c);
	}
	memset(p, 0, b->size);
	return p;
}
#endif

void *sl_blocks_take(struct sl_blocks *b)
{
#ifdef BLOCKS_MALLOC
	return calloc(1, b->size);
#else
	struct blk_chunk *c = b->avail;
	if (!c) {
		if (!(c = chunk_map()))
			return NULL;
		b->chunks++;
		link_to(&b->avail, c);
	}
	return take_from(b, c);
#endif
}

void sl_blocks_give(struct sl_blocks *b, void *p)
{
#ifdef BLOCKS_MALLOC
	(void)b;
	free(p);
#else
	if (!p)
		return;
	struct blk_chunk *c = (struct blk_chunk *)((uintptr_t)p & ~(uintptr_t)(SL_BLOCKS_CHUNK - 1));
	memcpy(p, &c->free, sizeof(void *));
	c->free = p;
	if (c->used-- == b->per_chunk) {
		unlink_from(&b->full, c);
		link_to(&b->avail, c);
	}
	if (c->used || (b->avail == c && !c->next))
		return;
	unlink_from(&b->avail, c);
	munmap(c, SL_BLOCKS_CHUNK);
	b->chunks--;
#endif
}

void sl_blocks_finish(struct sl_blocks *b)
{
	if (!b)
		return;
#ifndef BLOCKS_MALLOC
	for (int k = 0; k < 2; k++) {
		struct blk_chunk **head = k ? &b->full : &b->avail;
		while (*head) {
			struct blk_chunk *c = *head;
			unlink_from(head, c);
			munmap(c, SL_BLOCKS_CHUNK);
			b->chunks--;
		}
	}
#endif
}
