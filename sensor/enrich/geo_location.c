/* The sensor's own location for the light-speed check: given as lat/lon, or
 * a city name found by walking the databases' search trees once at start
 * (libmaxminddb has no reverse index, and a start-up walk keeps the sensor
 * free of a city table of its own). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "geo_priv.h"

#define WALK_STACK 272 /* pending siblings of a 128-bit tree, with room */

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

/* Depth-first over the search tree; the first matching record wins. */
static bool walk_db(const struct geo_db *db, struct want *w, struct sl_geo_result *r)
{
	uint32_t stack[WALK_STACK], n = 0;
	uint32_t nodes = db->mmdb.metadata.node_count;
	stack[n++] = 0;
	while (n > 0) {
		MMDB_search_node_s node;
		if (MMDB_read_node((MMDB_s *)&db->mmdb, stack[--n], &node) != MMDB_SUCCESS)
			continue;
		uint8_t type[2] = { node.right_record_type, node.left_record_type };
		uint64_t rec[2] = { node.right_record, node.left_record };
		MMDB_entry_s entry[2] = { node.right_record_entry, node.left_record_entry };
		for (int i = 0; i < 2; i++) {
			if (type[i] == MMDB_RECORD_TYPE_SEARCH_NODE && rec[i] < nodes && n < WALK_STACK)
				stack[n++] = (uint32_t)rec[i];
			else if (type[i] == MMDB_RECORD_TYPE_DATA && record_matches(db, &entry[i], w, r))
				return true;
		}
	}
	return false;
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
		if (g->dbs[i].npaths[SL_GEO_CITY] && walk_db(&g->dbs[i], &w, &r)) {
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
