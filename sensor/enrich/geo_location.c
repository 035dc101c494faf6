/* The sensor's own location for the light-speed check: given as lat/lon, or
 * a city name found by walking the databases' search trees once at start
 * (libmaxminddb has no reverse index, and a start-up walk keeps the sensor
 * free of a city table of its own). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "geo_priv.h"

#define WALK_BITS 128 /* deepest search tree: one node per bit of an IPv6 address */
#define WALK_STACK (WALK_BITS + 4) /* pending siblings: one per level, plus a pair */

struct want {
	char city[128];
	char country[4]; /* "" when the config did not say */
	uint32_t last_offset;
};

/* Does this record name the wanted city (and country), with coordinates? */
static bool record_matches(const struct geo_db *db, MMDB_entry_s *entry, struct want *w,
			   struct sl_geo_result *r)
{
	struct geo_record rec;
	if (entry->offset == w->last_offset)
		return false; /* neighbouring networks often share one record */
	w->last_offset = entry->offset;
	memset(r, 0, sizeof(*r));
	sl_geo_record_init(&rec, *entry);
	if (!sl_geo_read_field(db, &rec, SL_GEO_CITY, r) || strcasecmp(r->city, w->city) != 0)
		return false;
	if (w->country[0] && (!sl_geo_read_field(db, &rec, SL_GEO_COUNTRY, r) ||
			      strcasecmp(r->country, w->country) != 0))
		return false;
	return sl_geo_read_field(db, &rec, SL_GEO_LAT, r) && sl_geo_read_field(db, &rec, SL_GEO_LON, r);
}

/*
 * One walk over a search tree.  A well-formed tree holds each node once
 * on one path from the root, at most `depth` levels down; a corrupt or
 * hostile file may point a record back at an ancestor (a loop, which an
 * unbounded walk follows forever) or share subtrees (MaxMind's IPv4
 * aliases do so legitimately).  Two bits per node make the walk finite:
 * `seen` lets each node be expanded at most once, so the walk does at most
 * node_count steps whatever the file says, and `on_path` tells a loop
 * (refused, naming the file) from a shared subtree (walked once).
 */
struct walk {
	const struct geo_db *db;
	uint32_t nodes, bits;
	uint8_t *seen, *on_path;         /* node_count bits each, one allocation */
	uint32_t path[WALK_BITS];        /* node at each level of the current branch */
	uint32_t top;                    /* levels of path in use */
	struct pending { uint32_t node, level; } stack[WALK_STACK];
	uint32_t n;
	char *err;
	size_t errlen;
};

static bool bit(const uint8_t *set, uint32_t i)
{
	return set[i >> 3] >> (i & 7) & 1u;
}

static void set_bit(uint8_t *set, uint32_t i, bool on)
{
	if (on)
		set[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		set[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Refuse the file: "FILE: corrupt search tree: <detail>; what to do". */
static int corrupt(struct walk *w, const char *detail)
{
	snprintf(w->err, w->errlen, "%s: corrupt search tree: %s; the file is damaged or not a "
		 "MaxMind DB: replace it, or remove it from databases:", w->db->mmdb.filename,
		 detail);
	return -EINVAL;
}

/* Queue a search-node record of the node at `level`. */
static int push(struct walk *w, uint32_t from, uint32_t child, uint32_t level)
{
	if (child >= w->nodes)
		return 0; /* libmaxminddb calls it data or empty; never a node */
	char detail[96];
	if (bit(w->on_path, child)) {
		snprintf(detail, sizeof(detail), "a record of node %u points back to node %u on its own path (a loop)",
			 from, child);
		return corrupt(w, detail);
	}
	if (bit(w->seen, child))
		return 0; /* a shared subtree, such as IPv4's aliases: walked once */
	if (level + 1 >= w->bits || w->n >= WALK_STACK) {
		snprintf(detail, sizeof(detail), "node %u is more than %u levels deep", child,
			 w->bits);
		return corrupt(w, detail);
	}
	set_bit(w->seen, child, true);
	w->stack[w->n].node = child;
	w->stack[w->n++].level = level + 1;
	return 0;
}

/* Make node the current branch's end at its level: the nodes below that
 * level on the previous branch are no longer ancestors. */
static void enter(struct walk *w, uint32_t node, uint32_t level)
{
	while (w->top > level)
		set_bit(w->on_path, w->path[--w->top], false);
	w->path[w->top++] = node;
	set_bit(w->on_path, node, true);
}

/* Depth-first, left before right; 1 when a record matched, 0 when none
 * did, or a negative errno with the reason in w->err. */
static int walk_tree(struct walk *w, struct want *want, struct sl_geo_result *r)
{
	w->stack[w->n++] = (struct pending){ 0, 0 };
	set_bit(w->seen, 0, true);
	while (w->n > 0) {
		uint32_t node = w->stack[--w->n].node, level = w->stack[w->n].level;
		MMDB_search_node_s sn;
		enter(w, node, level);
		if (MMDB_read_node((MMDB_s *)&w->db->mmdb, node, &sn) != MMDB_SUCCESS)
			continue;
		uint8_t type[2] = { sn.right_record_type, sn.left_record_type };
		uint64_t rec[2] = { sn.right_record, sn.left_record };
		MMDB_entry_s entry[2] = { sn.right_record_entry, sn.left_record_entry };
		for (int i = 0; i < 2; i++) {
			int rc = 0;
			if (type[i] == MMDB_RECORD_TYPE_SEARCH_NODE)
				rc = push(w, node, rec[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)rec[i],
					  level);
			else if (type[i] == MMDB_RECORD_TYPE_DATA &&
				 record_matches(w->db, &entry[i], want, r))
				return 1;
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Look for the wanted city in one database: 1 found (r filled), 0 not
 * there, or a negative errno with "FILE: sentence" in err. */
static int walk_db(const struct geo_db *db, struct want *want, struct sl_geo_result *r,
		   char *err, size_t errlen)
{
	struct walk *w = calloc(1, sizeof(*w));
	uint32_t nodes = db->mmdb.metadata.node_count;
	size_t bytes = ((size_t)nodes + 7) / 8;
	if (!w || !(w->seen = calloc(2, bytes ? bytes : 1))) {
		free(w);
		snprintf(err, errlen, "%s: out of memory walking the database",
			 db->mmdb.filename);
		return -ENOMEM;
	}
	w->on_path = w->seen + (bytes ? bytes : 1);
	w->db = db;
	w->nodes = nodes;
	w->bits = db->mmdb.depth && db->mmdb.depth < WALK_BITS ? db->mmdb.depth : WALK_BITS;
	w->err = err;
	w->errlen = errlen;
	int rc = nodes ? walk_tree(w, want, r) : 0;
	free(w->seen);
	free(w);
	return rc;
}

/* "Portland, US" -> city "Portland", country "US". */
static int parse_city(const char *text, struct want *w)
{
	const char *comma = strrchr(text, ',');
	size_t n = comma ? (size_t)(comma - text) : strlen(text);
	memset(w, 0, sizeof(*w));
	w->last_offset = UINT32_MAX;
	while (n > 0 && text[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof(w->city))
		return -EINVAL;
	memcpy(w->city, text, n);
	if (comma) {
		const char *cc = comma + 1 + strspn(comma + 1, " ");
		if (strlen(cc) < 2 || strlen(cc) >= sizeof(w->country))
			return -EINVAL;
		strcpy(w->country, cc);
	}
	return 0;
}

int sl_geo_locate_sensor(struct sl_geo *g, const struct sl_sensor_config *s, char *err,
			 size_t errlen)
{
	struct want w;
	struct sl_geo_result r;
	if (isnan(s->lat) != isnan(s->lon)) {
		snprintf(err, errlen, "sensor.location: give both lat and lon, or neither");
		return -EINVAL;
	}
	if (!isnan(s->lat)) {
		g->located = true;
		g->lat = s->lat;
		g->lon = s->lon;
		return 0;
	}
	if (!s->city)
		return 0;
	if (parse_city(s->city, &w) < 0) {
		snprintf(err, errlen, "sensor.location.city '%.60s': expected a city name, "
			 "optionally followed by ', ' and a two-letter country code", s->city);
		return -EINVAL;
	}
	for (size_t i = 0; i < g->n; i++) {
		int rc = g->dbs[i].npaths[SL_GEO_CITY] ? walk_db(&g->dbs[i], &w, &r, err, errlen) : 0;
		if (rc < 0)
			return rc;
		if (rc > 0) {
			g->located = true;
			g->lat = r.lat;
			g->lon = r.lon;
			return 0;
		}
	}
	snprintf(err, errlen, "sensor.location.city '%.60s' is in none of the databases "
		 "(with coordinates); give sensor.location.lat and lon instead", s->city);
	return -ENOENT;
}

bool sl_geo_sensor_location(const struct sl_geo *g, double *lat, double *lon)
{
	if (!g || !g->located)
		return false;
	*lat = g->lat;
	*lon = g->lon;
	return true;
}
