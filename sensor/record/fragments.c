/* The event writer's kept fragments: per thread, the text a run of fields
 * wrote for a base named by a stamp (a place's geo block), copied into the
 * next event with that base instead of written field by field again. */
#include <string.h>

#include "record_priv.h"

/*
 * Bounded memory, no locks: each thread keeps its own table of slots (one
 * place per stamp and run, by hash; a newcomer replaces whatever held its
 * place) and one arena the texts are appended to.  When the arena is full,
 * everything is dropped and filled again from the events that follow: a
 * stamp never names other content, so nothing has to be found and removed
 * when a base changes (a new geo database makes results with new stamps).
 */
#define FRAG_SLOTS 1024                /* a power of two */
#define FRAG_ARENA (128 * 1024)
#define FRAG_MAX 2048                  /* longer texts are not kept */

struct frag_slot {
	uint64_t stamp; /* 0: empty */
	const struct sl_json_node *end;
	uint32_t off;
	uint16_t len, run;
};

static _Thread_local struct {
	struct frag_slot slot[FRAG_SLOTS];
	uint32_t used;
	char arena[FRAG_ARENA];
} kept;

static struct frag_slot *place(uint64_t stamp, uint16_t run)
{
	uint64_t h = (stamp ^ ((uint64_t)run << 48)) * 0x9e3779b97f4a7c15ULL;
	return &kept.slot[h >> (64 - 10)];
}
_Static_assert(FRAG_SLOTS == 1 << 10, "place() takes 10 bits");

bool sl_fragment_find(uint64_t stamp, uint16_t run, struct sl_fragment *out)
{
	const struct frag_slot *s = place(stamp, run);
	if (s->stamp != stamp || s->run != run)
		return false;
	out->text = kept.arena + s->off;
	out->len = s->len;
	out->end = s->end;
	return true;
}

const char *sl_fragment_keep(uint64_t stamp, uint16_t run, const char *text, size_t len,
			     const struct sl_json_node *end)
{
	if (!stamp || len > FRAG_MAX)
		return NULL;
	if (kept.used + len > FRAG_ARENA) {
		memset(kept.slot, 0, sizeof(kept.slot));
		kept.used = 0;
	}
	struct frag_slot *s = place(stamp, run);
	s->stamp = stamp;
	s->run = run;
	s->end = end;
	s->off = kept.used;
	s->len = (uint16_t)len;
	memcpy(kept.arena + kept.used, text, len);
	kept.used += (uint32_t)len;
	return kept.arena + s->off;
}

void sl_fragment_drop_all(void)
{
	memset(kept.slot, 0, sizeof(kept.slot));
	kept.used = 0;
}
