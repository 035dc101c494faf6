/* The event writers' kept fragments: per thread, the text a group of fields
 * wrote for a base named by a stamp (a place's geo block, a rule's alert
 * block), copied into the next event with that base instead of written
 * field by field again. */
#include <stdlib.h>
#include <string.h>

#include "sightline/common.h"
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
	const void *what;
	const struct sl_json_node *at, *end;
	uint32_t off, len;
};

static _Thread_local struct {
	struct frag_slot slot[FRAG_SLOTS];
	uint32_t used;
	char arena[FRAG_ARENA];
} kept;

static struct frag_slot *place(uint64_t stamp, const void *what)
{
	uint64_t h = sl_mix64(stamp ^ (uint64_t)(uintptr_t)what);
	return &kept.slot[h >> (64 - 10)];
}
_Static_assert(FRAG_SLOTS == 1 << 10, "place() takes 10 bits");

bool sl_fragment_find(uint64_t stamp, const void *what, struct sl_fragment *out)
{
	const struct frag_slot *s = place(stamp, what);
	if (s->stamp != stamp || s->what != what)
		return false;
	out->text = kept.arena + s->off;
	out->len = s->len;
	out->at = s->at;
	out->end = s->end;
	return true;
}

const char *sl_fragment_keep(uint64_t stamp, const void *what, const struct sl_fragment *f)
{
	size_t len = f->len;
	if (!stamp || len > FRAG_MAX)
		return NULL;
	if (kept.used + len > FRAG_ARENA) { /* full: forget them all, keep on */
		memset(kept.slot, 0, sizeof(kept.slot));
		kept.used = 0;
	}
	struct frag_slot *s = place(stamp, what);
	s->stamp = stamp;
	s->what = what;
	s->at = f->at;
	s->end = f->end;
	s->off = kept.used;
	s->len = (uint32_t)len;
	if (len)
		memcpy(kept.arena + kept.used, f->text, len);
	kept.used += (uint32_t)len;
	return kept.arena + s->off;
}

bool sl_fragment_make(struct sl_json *j, const struct sl_json_node *at, uint64_t stamp,
		      const void *what, void (*write)(struct sl_json *j, const void *ctx),
		      const void *ctx, struct sl_fragment *f)
{
	struct sl_json_mark m;
	sl_json_fragment_begin(j, at, &m);
	write(j, ctx);
	f->len = sl_json_fragment_end(j, &m, &f->text, &f->end);
	f->at = at;
	if (j->failed || (f->len && !f->end))
		return false;
	f->text = sl_fragment_keep(stamp, what, f);
	return f->text != NULL;
}

bool sl_fragments_on(void)
{
	static int on = -1; /* first asked at start-up, before threads */
	if (on < 0)
		on = getenv("SIGHTLINE_TEST_NO_FRAGMENTS") == NULL;
	return on;
}
