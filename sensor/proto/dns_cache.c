/* The address → name cache of the DNS parser.  Why set-associative: a lookup
 * touches one set (8 keys in two cache lines) whatever the fill, the memory
 * is fixed at create, and an address flood can only evict within the sets it
 * hashes to.  The hash is fixed (not per-process seeded) so that replaying a
 * capture evicts the same entries and writes the same output every time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"

struct key {
	uint8_t addr[16];
	uint8_t family; /* 0: empty way */
	uint64_t stamp; /* last use, from the cache's clock */
};

struct sl_dns_cache {
	uint32_t nsets;
	uint64_t clock;
	struct key *keys;                    /* nsets * WAYS */
	char (*names)[SL_DNS_CACHE_NAME];    /* parallel to keys */
	struct sl_dns_cache_stats st;
};

int sl_dns_cache_create(uint32_t entries, struct sl_dns_cache **out)
{
	struct sl_dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nsets = (uint32_t)(((uint64_t)entries + SL_DNS_CACHE_WAYS - 1) / SL_DNS_CACHE_WAYS);
	size_t n = (size_t)c->nsets * SL_DNS_CACHE_WAYS;
	c->st.capacity = (uint32_t)n;
	if (n && (!(c->keys = calloc(n, sizeof(*c->keys))) ||
		  !(c->names = calloc(n, sizeof(*c->names))))) {
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
	free(c->keys);
	free(c->names);
	free(c);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* First way of a's set. */
static struct key *set_of(const struct sl_dns_cache *c, const struct sl_addr *a)
{
	uint64_t lo, hi;
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	uint64_t h = mix64(lo ^ mix64(hi ^ a->family));
	uint32_t set = (uint32_t)(((h >> 32) * c->nsets) >> 32);
	return &c->keys[(size_t)set * SL_DNS_CACHE_WAYS];
}

static struct key *find(struct key *set, const struct sl_addr *a)
{
	for (struct key *k = set; k < set + SL_DNS_CACHE_WAYS; k++)
		if (k->family == a->family && memcmp(k->addr, a->b, 16) == 0)
			return k;
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
	struct key *set = set_of(c, a), *k = find(set, a);
	if (k) {
		c->st.updates++;
	} else {
		k = lru(set);
		c->st.evictions += k->family != 0;
		c->st.inserts++;
		memcpy(k->addr, a->b, 16);
		k->family = a->family;
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
	struct key *k = find(set_of(c, a), a);
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
