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
#include "mmdb_walk.h"

struct want {
	char city[128];
	char country[4]; /* "" when the config did not say */
	uint32_t last_offset;
	const struct geo_db *db;
	struct sl_geo_result *r;
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

/* The walk's callback: 1 (stop) at the first record of the wanted city. */
static int on_record(void *ctx, const uint8_t addr[16], unsigned plen, MMDB_entry_s *entry)
{
	struct want *w = ctx;
	(void)addr;
	(void)plen;
	return record_matches(w->db, entry, w, w->r) ? 1 : 0;
}

/* Look for the wanted city in one database with the shared bounded walk
 * (mmdb_walk.c): 1 found (r filled), 0 not there, or a negative errno with
 * "FILE: sentence" in err. */
static int walk_db(const struct geo_db *db, struct want *want, struct sl_geo_result *r,
		   char *err, size_t errlen)
{
	want->db = db;
	want->r = r;
	int rc = mb_walk_mmdb(&db->mmdb, on_record, want, err, errlen);
	if (rc < 0 && rc != -ENOMEM) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, ": replace it, or remove it from databases:");
	}
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
