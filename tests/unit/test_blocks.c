/* Unit tests for the parser-state block allocator (sensor/proto/blocks.c),
 * checked against a plain model of what each taken block must hold: every
 * block zeroed when taken, 16-byte aligned, disjoint from every other block
 * alive, and chunks handed back once their blocks are. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "sensor/proto/blocks.h"
#include "testhelp.h"

#define LIVE_MAX 40000
/* Operations per round: fewer under AddressSanitizer, where every block is
 * its own calloc() and each byte checked costs a shadow lookup. */
#if defined(__SANITIZE_ADDRESS__)
#define STEPS 6000
#else
#define STEPS 60000
#endif

struct live {
	unsigned char *p;
	uint32_t tag;
};

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Fill a block with its tag's bytes; true when it still holds them. */
static void stamp(const struct live *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		l->p[i] = (unsigned char)(l->tag + i);
}

static bool intact(const struct live *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l->p[i] != (unsigned char)(l->tag + i))
			return false;
	return true;
}

static bool zeroed(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Random takes and gives (more takes than gives while filling, then the
 * other way): each block's stamp survives everything done to the others. */
static void test_random(size_t size, uint64_t seed)
{
	struct sl_blocks b;
	sl_blocks_init(&b, size);
	CHECK(b.size >= size && b.size % 16 == 0 && b.size - size < 16);
	struct live *live = calloc(LIVE_MAX, sizeof(*live));
	size_t n = 0, bad_zero = 0, bad_align = 0, bad_stamp = 0;
	uint32_t tag = 1;
	for (int round = 0; round < 4; round++) {
		for (int step = 0; step < STEPS; step++) {
			bool filling = round % 2 == 0;
			bool take = n == 0 || (n < LIVE_MAX && rnd(&seed) % 100 < (filling ? 70u : 30u));
			if (take) {
				unsigned char *p = sl_blocks_take(&b);
				bad_zero += !p || !zeroed(p, b.size);
				bad_align += !p || ((uintptr_t)p & 15) != 0;
				live[n] = (struct live){ p, tag++ };
				stamp(&live[n++], b.size);
			} else {
				size_t k = rnd(&seed) % n;
				bad_stamp += !intact(&live[k], b.size);
				sl_blocks_give(&b, live[k].p);
				live[k] = live[--n];
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		bad_stamp += !intact(&live[k], b.size);
	CHECK_EQ_INT(bad_zero, 0);
	CHECK_EQ_INT(bad_align, 0);
	CHECK_EQ_INT(bad_stamp, 0);
	while (n)
		sl_blocks_give(&b, live[--n].p);
	CHECK(b.chunks <= 1); /* at most the one kept for the next flow */
	sl_blocks_finish(&b);
	CHECK_EQ_INT(b.chunks, 0);
	free(live);
}

/* Exactly full chunks, then freed from the first: an empty chunk goes back
 * as soon as its last block does unless it is the only one with room, and
 * a block given back is taken again before a new chunk is mapped. */
static void test_chunks(void)
{
#if defined(__SANITIZE_ADDRESS__)
	/* blocks.c gives every block its own calloc() under ASan: no chunks */
	fprintf(stderr, "   (skipped under AddressSanitizer: blocks are calloc()s)\n");
	return;
#endif
	struct sl_blocks b;
	sl_blocks_init(&b, 112);
	size_t n = (size_t)b.per_chunk * 3;
	void **p = calloc(n, sizeof(*p));
	for (size_t i = 0; i < n; i++)
		p[i] = sl_blocks_take(&b);
	CHECK(b.per_chunk > 2000 && b.per_chunk * b.size <= SL_BLOCKS_CHUNK);
	CHECK_EQ_INT(b.chunks, 3);
	void *again = p[5];
	sl_blocks_give(&b, again);
	CHECK(sl_blocks_take(&b) == again); /* no fourth chunk */
	CHECK_EQ_INT(b.chunks, 3);
	for (size_t i = 0; i < b.per_chunk; i++)
		sl_blocks_give(&b, p[i]);
	CHECK_EQ_INT(b.chunks, 3); /* empty, but the only one with room: kept */
	for (size_t i = b.per_chunk; i < 2 * (size_t)b.per_chunk; i++)
		sl_blocks_give(&b, p[i]);
	CHECK_EQ_INT(b.chunks, 2); /* the second empties beside the first: unmapped */
	for (size_t i = 2 * (size_t)b.per_chunk; i < n; i++)
		sl_blocks_give(&b, p[i]);
	CHECK_EQ_INT(b.chunks, 1);
	void *first = sl_blocks_take(&b); /* from the chunk kept */
	CHECK(first != NULL && b.chunks == 1);
	sl_blocks_give(&b, first);
	sl_blocks_give(&b, NULL);
	sl_blocks_finish(&b);
	sl_blocks_finish(NULL);
	CHECK_EQ_INT(b.chunks, 0);
	free(p);
}

int main(void)
{
	TEST("blocks: random takes and gives against a model, several sizes");
	static const size_t sizes[] = { 1, 16, 24, 64, 112, 136, 1000, 4096 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		test_random(sizes[i], 0x51ed + i);
	TEST("blocks: chunks mapped and handed back");
	test_chunks();
	return TEST_REPORT();
}
