/* The address → name cache of the hosts table, fed by DNS answers.  Why
 * set-associative: a lookup reads one set's eight 32-bit tags (half a cache
 * line) and, on a tag match, one key, whatever the fill; the memory is
 * fixed at create; and an address flood can only evict within the sets it
 * hashes to.  The hash is fixed (not
 * per-process seeded) so that replaying a capture evicts the same entries
 * and writes the same output every time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "pages.h"

struct key {
	uint8_t addr[16];
	uint8_t family; /* 0: empty way */
	uint64_t stamp; /* last use, from the cache's clock */
};

struct sl_dns_cache {
	uint32_t nsets;
	uint64_t clock;
	uint32_t *tags;                      /* nsets * WAYS hash tags, 0 = empty way */
	struct key *keys;                    /* parallel to tags */
	char (*names)[SL_DNS_CACHE_NAME];    /* parallel to keys */
	size_t n;                            /* ways in all: nsets * WAYS */
	struct sl_dns_cache_stats st;
};

int sl_dns_cache_create(uint32_t entries, struct sl_dns_cache **out)
{
	struct sl_dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nsets = (uint32_t)(((uint64_t)entries + SL_DNS_CACHE_WAYS - 1) / SL_DNS_CACHE_WAYS);
	size_t n = c->n = (size_t)c->nsets * SL_DNS_CACHE_WAYS;
	c->st.capacity = (uint32_t)n;
	if (n && (!(c->tags = sl_pages_alloc(n * sizeof(*c->tags))) ||
		  !(c->keys = sl_pages_alloc(n * sizeof(*c->keys))) ||
		  !(c->names = sl_pages_alloc(n * sizeof(*c->names))))) {
		sl_dns_cache_destroy(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void sl_dns_cache_destroy(struct sl_dns_cache *c)
{
	if (!c)
		return;
	sl_pages_free(c->tags, c->n * sizeof(*c->tags));
	sl_pages_free(c->keys, c->n * sizeof(*c->keys));
	sl_pages_free(c->names, c->n * sizeof(*c->names));
	free(c);
}

/* Where a lives: the first way of its set and its tag (never 0). */
static size_t locate(const struct sl_dns_cache *c, const struct sl_addr *a, uint32_t *tag)
{
	uint64_t lo, hi;
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	uint64_t h = sl_mix64(lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ a->family);
	*tag = (uint32_t)h | 1u;
	return (size_t)(((h >> 32) * c->nsets) >> 32) * SL_DNS_CACHE_WAYS;
}

static struct key *find(const struct sl_dns_cache *c, size_t base, uint32_t tag,
			const struct sl_addr *a)
{
	for (size_t w = base; w < base + SL_DNS_CACHE_WAYS; w++)
		if (c->tags[w] == tag && c->keys[w].family == a->family &&
		    memcmp(c->keys[w].addr, a->b, 16) == 0)
			return &c->keys[w];
	return NULL;
}

/* The set's least recently used way; empty ways have stamp 0, so go first. */
static struct key *lru(struct key *set)
{
	struct key *victim = set;
	for (struct key *k = set + 1; k < set + SL_DNS_CACHE_WAYS; k++)
		if (k->stamp < victim->stamp)
			victim = k;
	return victim;
}

void sl_dns_cache_put(struct sl_dns_cache *c, const struct sl_addr *a, const char *name)
{
	if (!c->nsets || !a->family)
		return;
	uint32_t tag;
	size_t base = locate(c, a, &tag);
	struct key *k = find(c, base, tag, a);
	if (k) {
		c->st.updates++;
	} else {
		k = lru(&c->keys[base]);
		c->st.evictions += k->family != 0;
		c->st.inserts++;
		memcpy(k->addr, a->b, 16);
		k->family = a->family;
		c->tags[k - c->keys] = tag;
	}
	k->stamp = ++c->clock;
	char *dst = c->names[k - c->keys];
	size_t n = strnlen(name, SL_DNS_CACHE_NAME - 1);
	memcpy(dst, name, n);
	dst[n] = '\0';
}

const char *sl_dns_cache_get(struct sl_dns_cache *c, const struct sl_addr *a)
{
	if (!c->nsets || !a->family)
		return NULL;
	uint32_t tag;
	size_t base = locate(c, a, &tag);
	struct key *k = find(c, base, tag, a);
	if (!k) {
		c->st.misses++;
		return NULL;
	}
	k->stamp = ++c->clock;
	c->st.hits++;
	return c->names[k - c->keys];
}

const struct sl_dns_cache_stats *sl_dns_cache_stats(const struct sl_dns_cache *c)
{
	return &c->st;
}
