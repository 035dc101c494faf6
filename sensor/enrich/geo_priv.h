/* Internals of the IP-intelligence stage shared by sensor/enrich/geo_*.c:
 * one open database with its compiled field paths, and the set of them. */
#ifndef SL_ENRICH_GEO_PRIV_H
#define SL_ENRICH_GEO_PRIV_H

#include <maxminddb.h>

#include "sightline/enrich.h"

#define GEO_PATH_PARTS 8 /* dotted parts of one field path */
#define GEO_ALTS 2       /* candidate paths per field, first found wins */

/* A field path split for MMDB_aget_value(): parts, NULL-terminated. */
struct geo_path {
	const char *parts[GEO_PATH_PARTS + 1];
};

struct geo_db {
	MMDB_s mmdb;
	bool open;
	uint32_t schema;         /* enum sl_geo_schema */
	char name[64];           /* for messages: the entry's name or the file name */
	char *pathbuf;           /* owned: every path of this database, split in place */
	struct geo_path paths[SL_GEO__NFIELDS][GEO_ALTS];
	uint8_t npaths[SL_GEO__NFIELDS];
};

struct sl_geo {
	struct geo_db *dbs;
	size_t n;
	bool located;            /* sensor location known */
	double lat, lon;
	char note[320];          /* why bundled databases are missing, or "" */
	char warning[512];       /* intel lists that cannot match, or "" (geo_open.c) */
};

/* geo_open.c: the dotted paths a schema reads for field f (NULL-terminated,
 * at most GEO_ALTS); NULL for schema fields, whose paths come from the
 * config. */
const char *const *sl_geo_schema_paths(uint32_t schema, enum sl_geo_field f);

struct geo_memo;

/* geo_lookup.c: the fields of db a merge into out reads (bit per enum
 * sl_geo_field): those db has paths for that out lacks, and always the
 * intel lists, which are unioned. */
uint32_t sl_geo_fields_wanted(const struct geo_db *db, const struct sl_geo_result *out);

/* geo_lookup.c: read the fields `want` of db's record at entry into out,
 * first-found-wins, intel lists unioned and marked AS-only as they are. */
void sl_geo_merge_record(const struct geo_db *db, MMDB_entry_s entry, uint32_t want,
			 struct sl_geo_result *out);

/* geo_lookup.c: merge what db knows of the address in sa into out.  Fields
 * already known stay; intel names are added to the union.  Through memo
 * (a worker's, may be NULL) when given. */
void sl_geo_merge_db(const struct geo_db *db, struct geo_memo *memo, const struct sockaddr *sa,
		     struct sl_geo_result *out);

/* geo_lookup.c: sl_geo_lookup() with each database record's part read
 * through memo (NULL: read every time). */
bool sl_geo_lookup_memo(const struct sl_geo *g, struct geo_memo *memo, const struct sl_addr *a,
			struct sl_geo_result *out);

/* geo_lookup.c: add the list name (NUL-terminated, shorter than
 * SL_GEO_LIST_NAME) unless out has it or is full; true when added. */
bool sl_geo_add_intel(struct sl_geo_result *out, const char *name);

/* geo_lookup.c: merge p, what one record gave an empty result for the
 * fields `want` of sl_geo_fields_wanted(db, out), into out exactly as
 * sl_geo_merge_record(db, entry, want, out) would. */
void sl_geo_apply_part(const struct sl_geo_result *p, struct sl_geo_result *out);

/*
 * geo_memo.c: what one database record adds to a lookup, kept by the
 * record's place in its database and the fields asked of it.  Many
 * addresses share a record (a whole network has one), and reading a
 * record's fields by path costs ~50 k instructions where the tree walk to
 * it costs ~1 k.  Direct-mapped, `entries` rounded up to a power of two;
 * one per worker (not thread-safe).  Returns 0 or -ENOMEM.
 */
int sl_geo_memo_create(uint32_t entries, struct geo_memo **out);
void sl_geo_memo_destroy(struct geo_memo *m);

/* geo_memo.c: merge db's record at entry into out exactly as
 * sl_geo_merge_record(db, entry, want, out) would, from the memo when it
 * holds that record's part for want. */
void sl_geo_memo_merge(struct geo_memo *m, const struct geo_db *db, MMDB_entry_s entry,
		       uint32_t want, struct sl_geo_result *out);

/*
 * One record being read.  libmaxminddb finds a path by scanning each map
 * from its start, so reading location.latitude, location.longitude, ...
 * one by one would skip over country, city and their names every time; the
 * first-level maps found so far are kept here and later paths start inside
 * them.  Fixed size, on the caller's stack.
 */
#define GEO_PARENTS 8
struct geo_record {
	MMDB_entry_s entry;
	unsigned n;
	const char *name[GEO_PARENTS];
	MMDB_entry_s sub[GEO_PARENTS];
	bool found[GEO_PARENTS];
};

static inline void sl_geo_record_init(struct geo_record *rec, MMDB_entry_s entry)
{
	rec->entry = entry;
	rec->n = 0;
}

/* geo_lookup.c: read field f of the record into out (one database's view);
 * true when the record has it.  Used by the lookup and by the search for
 * the sensor's city. */
bool sl_geo_read_field(const struct geo_db *db, struct geo_record *rec, enum sl_geo_field f,
		       struct sl_geo_result *out);

/* geo_location.c: resolve cfg->sensor into g->located/lat/lon.  Returns 0,
 * -ENOENT with a sentence in err when the city is in no database, or
 * -EINVAL / -ENOMEM with "FILE: sentence" when a database's search tree is
 * corrupt (loops, too deep) or cannot be walked. */
int sl_geo_locate_sensor(struct sl_geo *g, const struct sl_sensor_config *s, char *err,
			 size_t errlen);

#endif
