/* Fuzz harness for opening hostile .mmdb files: the input is the database
 * file; it is opened as the sensor opens a configured database and searched
 * for the sensor's city (the start-up walk over the whole search tree), then
 * looked up.  Any bytes must give a database or an error naming the file,
 * promptly: a search tree that loops must not hang the walk. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sightline/config.h"
#include "sightline/enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_db(void)
{
	unlink(path);
}

static int write_db(const uint8_t *p, size_t n)
{
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/sl_fuzz_mmdb_openXXXXXX");
		int fd = mkstemp(path);
		if (fd < 0)
			return -1;
		close(fd);
		atexit(remove_db);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(p, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Schema `fields` with MaxMind's paths: the file's database_type does not
 * matter, so every input reaches the city walk. */
static int config(struct sl_config *c)
{
	static const char *const paths[][2] = {
		{ "city.names.en", NULL }, { "country.iso_code", NULL },
		{ "location.latitude", NULL }, { "location.longitude", NULL },
	};
	static const enum sl_geo_field fields[] = { SL_GEO_CITY, SL_GEO_COUNTRY, SL_GEO_LAT,
						    SL_GEO_LON };
	if (sl_config_init_defaults(c) < 0 || !(c->databases = calloc(1, sizeof(*c->databases))))
		return -1;
	c->intel.builtin = c->intel.demo = false;
	c->n_databases = 1;
	c->databases[0].path = strdup(path);
	c->databases[0].schema = SL_GEO_SCHEMA_FIELDS;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		c->databases[0].fields[fields[i]] = strdup(paths[i][0]);
	c->sensor.city = strdup("Springfield, US");
	return 0;
}

static void probe(const struct sl_geo *g)
{
	static const struct sl_addr addrs[] = {
		{ .family = 4, .b = { 198, 51, 100, 7 } }, { .family = 4, .b = { 10, 0, 0, 1 } },
		{ .family = 4, .b = { 255, 255, 255, 255 } },
		{ .family = 6, .b = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		{ .family = 6, .b = { 0x20, 0x02, 0x0a, [15] = 1 } },
	};
	struct sl_geo_result r;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		sl_geo_lookup(g, &addrs[i], &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	char err[1024] = "";
	if (write_db(data, size) < 0)
		return 0;
	memset(&c, 0, sizeof(c));
	if (config(&c) < 0)
		abort();
	int rc = sl_geo_create(&c, &g, err, sizeof(err));
	if (rc < 0 && (!err[0] || (rc != -ENOENT && !strstr(err, path) &&
				   !strstr(err, "sensor.location.city"))))
		abort(); /* every refusal names the file (or the city not found) */
	if (rc == 0)
		probe(g);
	sl_geo_destroy(g);
	sl_config_finish(&c);
	return 0;
}
