/* The address → name cache fed by DNS answers (private to sensor/hosts): a
 * fixed-size, 8-way set-associative table with LRU replacement inside each
 * set, allocated once at create, never per packet. */
#ifndef SIGHTLINE_HOSTS_DNS_CACHE_H
#define SIGHTLINE_HOSTS_DNS_CACHE_H

#include <stdint.h>

#include "sightline/common.h"

#define SL_DNS_CACHE_WAYS 8
#define SL_DNS_CACHE_NAME 256 /* bytes kept of a name, NUL included */

struct sl_dns_cache;

struct sl_dns_cache_stats {
	uint32_t capacity;  /* entries (a multiple of SL_DNS_CACHE_WAYS) */
	uint64_t inserts;   /* new addresses */
	uint64_t updates;   /* an address already cached, name replaced */
	uint64_t evictions; /* inserts that pushed out the set's least recently used */
	uint64_t hits, misses;
};

/**
 * A cache of `entries` addresses (rounded up to a multiple of 8; 0 gives a
 * cache that stores nothing).  Returns 0 or -ENOMEM.  Caller owns *out; free
 * with sl_dns_cache_destroy().
 */
int sl_dns_cache_create(uint32_t entries, struct sl_dns_cache **out);

/** Free the cache.  Accepts NULL. */
void sl_dns_cache_destroy(struct sl_dns_cache *c);

/** Map a to name (copied, cut to SL_DNS_CACHE_NAME - 1 bytes), replacing any
 * earlier name of a; evicts the least recently used entry of a's set. */
void sl_dns_cache_put(struct sl_dns_cache *c, const struct sl_addr *a, const char *name);

/**
 * The name last mapped to a, or NULL.  Marks the entry recently used.
 * Borrowed: valid until the next sl_dns_cache_put().
 */
const char *sl_dns_cache_get(struct sl_dns_cache *c, const struct sl_addr *a);

/** Borrowed: valid until the cache is destroyed. */
const struct sl_dns_cache_stats *sl_dns_cache_stats(const struct sl_dns_cache *c);

#endif
