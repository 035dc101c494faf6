/* The per-worker cache of merged lookup results: a fixed array of sets of
 * SL_GEO_CACHE_WAYS entries, least recently used replaced within a set, so
 * memory is set at start and a lookup costs at most one hash and eight
 * compares when it hits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "geo_priv.h"

/* Database records remembered per worker: the short mix's misses touch a
 * few dozen; 256 x ~620 bytes, pages touched only as used. */
#define GEO_MEMO_ENTRIES 256

struct entry {
	struct sl_addr key;
	bool used;
	bool known;          /* some database knew something */
	uint64_t stamp;      /* last use, for LRU within the set */
	struct sl_geo_result r;
};

struct sl_geo_cache {
	const struct sl_geo *g;
	struct geo_memo *memo; /* database records read, for the misses */
	struct entry *e;
	uint8_t *fresh;      /* bit per set: written once (see sl_geo_cache_lookup) */
	uint32_t set_mask;   /* sets - 1; sets is a power of two */
	uint64_t clock;
	uint64_t seed;
	struct sl_geo_cache_stats st;
};

int sl_geo_cache_create(const struct sl_geo *g, uint32_t entries, struct sl_geo_cache **out)
{
	struct sl_geo_cache *c = calloc(1, sizeof(*c));
	uint32_t sets = 1;
	while ((uint64_t)sets * SL_GEO_CACHE_WAYS < entries && sets < (1u << 24))
		sets <<= 1;
	if (!c || !(c->e = malloc((size_t)sets * SL_GEO_CACHE_WAYS * sizeof(*c->e))) ||
	    !(c->fresh = calloc((sets + 7) / 8, 1)) ||
	    sl_geo_memo_create(GEO_MEMO_ENTRIES, &c->memo) < 0) {
		sl_geo_cache_destroy(c);
		return -ENOMEM;
	}
	c->g = g;
	c->set_mask = sets - 1;
	/* A fixed seed keeps the hit counts in the stats event the same on
	 * every replay.  Someone who floods one set only costs us what an
	 * uncached lookup costs: the worst case is no cache, not more work. */
	c->seed = 0x9e3779b97f4a7c15ULL;
	*out = c;
	return 0;
}

void sl_geo_cache_destroy(struct sl_geo_cache *c)
{
	if (!c)
		return;
	sl_geo_memo_destroy(c->memo);
	free(c->e);
	free(c->fresh);
	free(c);
}

const struct sl_geo_cache_stats *sl_geo_cache_stats(const struct sl_geo_cache *c)
{
	return &c->st;
}

/* The cache key: IPv4-mapped IPv6 folded to IPv4 (the lookup does the same),
 * bytes past the family's length zeroed so equal addresses compare equal. */
static struct sl_addr key_of(const struct sl_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct sl_addr k = { .family = a->family };
	if (a->family == 6 && memcmp(a->b, mapped, 12) == 0) {
		k.family = 4;
		memcpy(k.b, a->b + 12, 4);
	} else {
		memcpy(k.b, a->b, sl_addr_len(a));
	}
	return k;
}

static uint32_t set_of(const struct sl_geo_cache *c, const struct sl_addr *k)
{
	uint64_t w0, w1;
	memcpy(&w0, k->b, 8);
	memcpy(&w1, k->b + 8, 8);
	return (uint32_t)(sl_mix64(w0 ^ c->seed) ^ sl_mix64(w1 + k->family)) & c->set_mask;
}

/*
 * Hit: refresh the entry's stamp.  Miss: the set's first free entry, else
 * its least recently used one, is refilled by a full lookup.  Because only
 * the oldest entry of one set is ever replaced, an entry survives at least
 * WAYS - 1 further lookups: the engine relies on that to hold both sides of
 * a flow.
 */
const struct sl_geo_result *sl_geo_cache_lookup(struct sl_geo_cache *c, const struct sl_addr *a)
{
	struct sl_addr k = key_of(a);
	uint32_t si = set_of(c, &k);
	struct entry *set = &c->e[(size_t)si * SL_GEO_CACHE_WAYS], *victim = NULL;
	if (!(c->fresh[si / 8] >> (si % 8) & 1)) {
		/* A set's first touch is a write: read first, an untouched page
		 * maps the zero page and the write after it is a copy-on-write
		 * fault whose TLB flush interrupts every CPU the other workers
		 * run on.  The table also stays unbacked until used. */
		memset(set, 0, SL_GEO_CACHE_WAYS * sizeof(*set));
		c->fresh[si / 8] |= (uint8_t)(1u << (si % 8));
	}
	c->st.lookups++;
	c->clock++;
	for (unsigned i = 0; i < SL_GEO_CACHE_WAYS; i++) {
		struct entry *e = &set[i];
		if (e->used && e->key.family == k.family && memcmp(e->key.b, k.b, 16) == 0) {
			c->st.hits++;
			e->stamp = c->clock;
			return e->known ? &e->r : NULL;
		}
		if (!victim || (victim->used && (!e->used || e->stamp < victim->stamp)))
			victim = e;
	}
	c->st.evictions += victim->used;
	victim->used = true;
	victim->key = k;
	victim->stamp = c->clock;
	victim->known = sl_geo_lookup_memo(c->g, c->memo, &k, &victim->r);
	return victim->known ? &victim->r : NULL;
}
