/* The one bounded walk over a MaxMind DB search tree, shared by the mmdb
 * builder (prefixes of each AS number, mmdb_asn.c) and the sensor's start-up
 * search for its own city (geo_location.c).  Internal to sensor/enrich/. */
#ifndef SL_ENRICH_MMDB_WALK_H
#define SL_ENRICH_MMDB_WALK_H

#include <stddef.h>
#include <stdint.h>

#include <maxminddb.h>

/* Called for each data record with the network it covers; 0 goes on, any
 * other value ends the walk and is returned by mb_walk_mmdb. */
typedef int (*mb_walk_fn)(void *ctx, const uint8_t addr[16], unsigned plen, MMDB_entry_s *entry);

/* Call fn for every data record of db's search tree, depth first and left
 * first, with the network it covers (an IPv4 tree's networks as
 * ::a.b.c.d/96+n).  Each node is expanded at most once, so the walk ends
 * within node_count steps; a tree that loops back or runs too deep is
 * refused.  Returns 0 when the walk ended, fn's non-zero result, or a
 * negative errno with "FILE: corrupt search tree: ..." in err (the
 * caller's buffer).  db stays the caller's. */
int mb_walk_mmdb(const MMDB_s *db, mb_walk_fn fn, void *ctx, char *err, size_t errlen);

#endif
