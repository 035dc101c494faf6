/* IP intelligence: GeoIP, ASN and anonymous-IP databases and the project's
 * intel lists, read through libmaxminddb, merged per address in config
 * order and served through a bounded per-worker cache. */
#ifndef SIGHTLINE_ENRICH_H
#define SIGHTLINE_ENRICH_H

#include <stdbool.h>
#include <stdint.h>

#include "sightline/common.h"
#include "sightline/config.h"

#define SL_GEO_INTEL_MAX 8    /* list names kept per address */
#define SL_GEO_LIST_NAME 24   /* bytes of one list name, NUL included */
#define SL_GEO_CACHE_WAYS 8   /* cache associativity (see sl_geo_cache_lookup) */

/*
 * What the databases know about one address.  Bit (1u << f) of `have` is
 * set for each enum sl_geo_field f that some database gave; for the
 * anon.* flags `flags` holds the value under the same bit.  Strings are
 * NUL-terminated UTF-8, cut at a character boundary when longer than the
 * room here.  A fixed-size value: the cache holds these in place.
 */
struct sl_geo_result {
	uint32_t have;
	uint32_t flags;
	char country[4];
	char registered_country[4];
	char country_name[40];
	char city[48];
	char timezone[32];
	char as_org[64];
	char as_domain[48];
	char isp[64];
	char connection_type[24];
	char provider[40];
	char last_seen[12];
	double lat, lon;
	uint32_t accuracy_km;
	uint32_t asn;
	uint32_t confidence;
	uint8_t n_intel;
	uint8_t intel_as;  /* bit i: intel[i] holds only the address's AS number, not the address */
	char intel[SL_GEO_INTEL_MAX][SL_GEO_LIST_NAME];
	/* Set by the cache when it fills an entry: a number no other result
	 * of any cache of the process ever had, so that writers may key text
	 * made from the result on it (0: a result of sl_geo_lookup() itself,
	 * not named). */
	uint64_t serial;
};

/** True when field f of r is known. */
static inline bool sl_geo_has(const struct sl_geo_result *r, enum sl_geo_field f)
{
	return r && (r->have >> f & 1u);
}

/* The open databases: read-only after creation, so one sl_geo may serve
 * every worker; each worker has its own sl_geo_cache. */
struct sl_geo;
struct sl_geo_cache;

/* Counters of one cache. */
struct sl_geo_cache_stats {
	uint64_t lookups;   /* calls of sl_geo_cache_lookup */
	uint64_t hits;      /* answered from the cache */
	uint64_t evictions; /* a full set gave up its least recently used entry */
};

/**
 * Open the databases of cfg->databases in order, then the built-in intel
 * database (cfg->intel.builtin), or with no databases the bundled demo
 * database (cfg->intel.demo).  Bundled files are looked for in the `rules`
 * directory beside the executable (an uninstalled build) and then in
 * SL_DATADIR (an install); a bundled file that is found in neither is
 * skipped (see sl_geo_describe()).  Each configured file is checked
 * against its schema's metadata; the sensor location is resolved
 * (sensor.location.city: a walk over each database's search tree that
 * expands every node at most once, so it ends within node_count steps; a
 * tree that loops back or runs deeper than an address has bits is refused,
 * -EINVAL).  Returns 0, or a negative errno with "FILE: sentence" in err.  cfg is only read during the call.  Caller owns *out; free with
 * sl_geo_destroy().
 */
int sl_geo_create(const struct sl_config *cfg, struct sl_geo **out, char *err, size_t errlen);

/** Close the databases.  Accepts NULL. */
void sl_geo_destroy(struct sl_geo *g);

/** Number of open databases. */
size_t sl_geo_count(const struct sl_geo *g);

/**
 * One line for people: the databases in use ("demo-geo.mmdb (maxmind),
 * intel.mmdb (intel)") or why there are none, and the sensor location.
 * Writes into buf (len bytes) and returns it.
 */
char *sl_geo_describe(const struct sl_geo *g, char *buf, size_t len);

/**
 * A warning about the databases that does not stop the sensor, or "": the
 * intel lists whose AS-number lines can match nothing because no database
 * gives AS numbers and the lists were not resolved into prefixes at build
 * (`mmdb build --asn`).  sl_geo_describe() includes it.  Borrowed; valid
 * until sl_geo_destroy().
 */
const char *sl_geo_warning(const struct sl_geo *g);

/**
 * Look a up in every database, uncached, and merge into *out: for each
 * field the first database (in order) that has it wins; intel list names
 * are the union over all databases, including the lists that name the
 * address's AS number.  IPv4-mapped IPv6 addresses are looked up as IPv4.
 * Returns true when any field is known.  Never allocates.  Thread-safe.
 */
bool sl_geo_lookup(const struct sl_geo *g, const struct sl_addr *a, struct sl_geo_result *out);

/**
 * The sensor's own location (sensor.location.lat/lon, or the city found in
 * the databases).  Returns false when none was configured.
 */
bool sl_geo_sensor_location(const struct sl_geo *g, double *lat, double *lon);

/**
 * A cache of at least `entries` merged results (rounded up to a power of
 * two), SL_GEO_CACHE_WAYS-way set associative with least-recently-used
 * replacement inside a set.  All memory is taken here.  g is borrowed and
 * must outlive the cache.  Returns 0 or -ENOMEM.  Caller owns *out; free
 * with sl_geo_cache_destroy().
 */
int sl_geo_cache_create(const struct sl_geo *g, uint32_t entries, struct sl_geo_cache **out);

/** Free the cache.  Accepts NULL. */
void sl_geo_cache_destroy(struct sl_geo_cache *c);

/**
 * sl_geo_lookup() through the cache.  Returns the merged result, or NULL
 * when no database knows anything of a (also cached).  Borrowed: the entry
 * stays valid for at least the next SL_GEO_CACHE_WAYS - 1 lookups on this
 * cache (a lookup only replaces the least recently used entry of one set),
 * so a flow's two sides can be held at once.  An entry is filled once and
 * then only read; its serial changes with every fill.  Not thread-safe:
 * one cache per worker.  Never allocates.
 */
const struct sl_geo_result *sl_geo_cache_lookup(struct sl_geo_cache *c, const struct sl_addr *a);

/** Counters of c.  Borrowed; valid until sl_geo_cache_destroy(). */
const struct sl_geo_cache_stats *sl_geo_cache_stats(const struct sl_geo_cache *c);

#endif
