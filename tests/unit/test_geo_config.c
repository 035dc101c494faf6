/* Unit tests for the IP-intelligence configuration: the `databases:` list of
 * maps (every error with FILE:LINE:COL, required keys, the schema/fields
 * check, dump round trip, --set refusal), intel.* and sensor.location.*. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/config.h"
#include "testhelp.h"

static char err[512];

static int load(struct sl_config *c, const char *yaml)
{
	CHECK_EQ_INT(sl_config_init_defaults(c), 0);
	err[0] = '\0';
	return sl_config_load_string(c, yaml, strlen(yaml), "geo.yaml", err, sizeof(err));
}

static void load_fails(const char *yaml, const char *msg)
{
	struct sl_config c;
	CHECK_EQ_INT(load(&c, yaml), -EINVAL);
	CHECK_EQ_STR(err, msg);
	sl_config_finish(&c);
}

static const char full[] =
	"databases:\n"
	"  - path: /var/lib/GeoIP/GeoLite2-City.mmdb\n"
	"    schema: maxmind\n"
	"  - path: /var/lib/GeoIP/GeoLite2-ASN.mmdb\n"
	"    schema: maxmind\n"
	"    name: asn\n"
	"  - {path: \"dbip city.mmdb\", schema: ip-location-db}\n"
	"  - {path: ipinfo_lite.mmdb, schema: ipinfo}\n"
	"  - path: corp.mmdb\n"
	"    schema: fields\n"
	"    fields:\n"
	"      country: geo.cc\n"
	"      lat: geo.pos.0\n"
	"      anon: {vpn: flags.vpn, tor: flags.tor}\n"
	"      intel: tags\n"
	"  - {path: lists.mmdb, schema: intel}\n"
	"intel:\n"
	"  builtin: false\n"
	"  demo: no\n"
	"  cache_entries: 1000\n"
	"sensor:\n"
	"  location: {lat: -33.8688, lon: 151.2093, city: Sydney}\n";

static void test_full(void)
{
	struct sl_config c;
	TEST("a full IP-intelligence configuration");
	CHECK_EQ_INT(load(&c, full), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(c.n_databases, 6);
	CHECK_EQ_STR(c.databases[0].path, "/var/lib/GeoIP/GeoLite2-City.mmdb");
	CHECK_EQ_INT(c.databases[0].schema, SL_GEO_SCHEMA_MAXMIND);
	CHECK(c.databases[0].name == NULL);
	CHECK_EQ_STR(c.databases[1].name, "asn");
	CHECK_EQ_STR(c.databases[2].path, "dbip city.mmdb");
	CHECK_EQ_INT(c.databases[2].schema, SL_GEO_SCHEMA_IP_LOCATION_DB);
	CHECK_EQ_INT(c.databases[3].schema, SL_GEO_SCHEMA_IPINFO);
	CHECK_EQ_INT(c.databases[4].schema, SL_GEO_SCHEMA_FIELDS);
	CHECK_EQ_STR(c.databases[4].fields[SL_GEO_COUNTRY], "geo.cc");
	CHECK_EQ_STR(c.databases[4].fields[SL_GEO_LAT], "geo.pos.0");
	CHECK_EQ_STR(c.databases[4].fields[SL_GEO_ANON_VPN], "flags.vpn");
	CHECK_EQ_STR(c.databases[4].fields[SL_GEO_ANON_TOR], "flags.tor");
	CHECK_EQ_STR(c.databases[4].fields[SL_GEO_INTEL], "tags");
	CHECK(c.databases[4].fields[SL_GEO_CITY] == NULL);
	CHECK_EQ_INT(c.databases[5].schema, SL_GEO_SCHEMA_INTEL);
	CHECK(!c.intel.builtin && !c.intel.demo);
	CHECK_EQ_INT(c.intel.cache_entries, 1000);
	CHECK(c.sensor.lat == -33.8688 && c.sensor.lon == 151.2093);
	CHECK_EQ_STR(c.sensor.city, "Sydney");
	sl_config_finish(&c);
	CHECK(c.databases == NULL && c.n_databases == 0);
}

static void test_defaults(void)
{
	struct sl_config c;
	TEST("defaults");
	CHECK_EQ_INT(sl_config_init_defaults(&c), 0);
	CHECK(c.databases == NULL && c.n_databases == 0);
	CHECK(c.intel.builtin && c.intel.demo);
	CHECK_EQ_INT(c.intel.cache_entries, 16384);
	CHECK(isnan(c.sensor.lat) && isnan(c.sensor.lon) && c.sensor.city == NULL);
	sl_config_finish(&c);
	CHECK_EQ_INT(load(&c, "databases: []\nsensor: {location: {lat: ~, lon: ''}}\n"), 0);
	CHECK(c.n_databases == 0 && isnan(c.sensor.lat) && isnan(c.sensor.lon));
	sl_config_finish(&c);
	CHECK_EQ_INT(load(&c, "databases:\n"), 0);
	CHECK(c.n_databases == 0);
	sl_config_finish(&c);
}

static void test_errors(void)
{
	TEST("errors: FILE:LINE:COL and what is wrong");
	load_fails("databases:\n  - path: a.mmdb\n    schema: maxmnd\n",
		   "geo.yaml:3:13: databases[0]: schema: expected one of maxmind, ip-location-db, "
		   "ipinfo, intel, fields, got 'maxmnd'");
	load_fails("databases:\n  - {path: a.mmdb, schema: maxmind}\n  - path: b.mmdb\n",
		   "geo.yaml:3:5: databases[1]: 'schema' is missing: its layout (required): maxmind, "
		   "ip-location-db, ipinfo, intel, or fields (the paths below)");
	load_fails("databases:\n  - schema: ipinfo\n",
		   "geo.yaml:2:5: databases[0]: 'path' is missing: the .mmdb file (required)");
	load_fails("databases:\n  - path: a.mmdb\n    schema: maxmind\n    colour: red\n",
		   "geo.yaml:4:5: databases[0]: unknown key 'colour'");
	load_fails("databases:\n  - path: a.mmdb\n    schema: maxmind\n    shema: x\n",
		   "geo.yaml:4:5: databases[0]: unknown key 'shema' (did you mean 'schema'?)");
	load_fails("databases:\n  - a.mmdb\n",
		   "geo.yaml:2:5: databases[0]: each entry must be a map of keys such as 'path:', "
		   "got 'a.mmdb'");
	load_fails("databases: a.mmdb\n",
		   "geo.yaml:1:12: databases: expected a list of maps (- path: ...), or [] for none, "
		   "got 'a.mmdb'");
	load_fails("databases:\n  - {path: a.mmdb, schema: fields}\n",
		   "geo.yaml:2:5: databases[0]: schema 'fields' needs 'fields:' with at least one path "
		   "(e.g. fields: {country: country.iso_code})");
	load_fails("databases:\n  - {path: a.mmdb, schema: maxmind, fields: {city: city.names.en}}\n",
		   "geo.yaml:2:5: databases[0]: 'fields:' is only read with schema 'fields' (this entry "
		   "has schema 'maxmind')");
	load_fails("databases:\n  - {path: a.mmdb, schema: fields, fields: {city: city..en}}\n",
		   "geo.yaml:2:5: databases[0]: field path 'city..en' is not a dotted path of at most 8 "
		   "non-empty parts (e.g. city.names.en)");
	load_fails("databases:\n  - {path: a.mmdb, schema: maxmind, path: b.mmdb}\n",
		   "geo.yaml:2:37: databases[0]: key 'path' is given twice (first at line 2)");
	load_fails("databases:\n  - {path: '', schema: maxmind}\n",
		   "geo.yaml:2:12: databases[0]: path: must not be empty");
	load_fails("databases:\n  - {path: a, schema: fields, fields: {anon: {vpm: x}}}\n",
		   "geo.yaml:2:47: databases[0]: unknown key 'fields.anon.vpm' (did you mean "
		   "'fields.anon.vpn'?)");
	load_fails("databases:\n  - {path: a, schema: [maxmind]}\n",
		   "geo.yaml:2:23: databases[0]: schema: expected a single value (name), got a list");
	load_fails("sensor:\n  location:\n    lat: 95\n",
		   "geo.yaml:3:10: sensor.location.lat: 95 is outside -90..90");
	load_fails("sensor:\n  location:\n    lon: 12e3\n",
		   "geo.yaml:3:10: sensor.location.lon: expected a decimal number (degrees), got '12e3'");
	load_fails("intel:\n  cache_entries: 10\n",
		   "geo.yaml:2:18: intel.cache_entries: 10 is below the minimum 64");
	/* A failed list leaves no half-built entries behind (no leak under ASan). */
	load_fails("databases:\n  - {path: a.mmdb, schema: maxmind, name: n}\n  - {path: b}\n",
		   "geo.yaml:3:5: databases[1]: 'schema' is missing: its layout (required): maxmind, "
		   "ip-location-db, ipinfo, intel, or fields (the paths below)");
}

static void test_set(void)
{
	struct sl_config c;
	TEST("--set");
	CHECK_EQ_INT(load(&c, full), 0);
	CHECK_EQ_INT(sl_config_set(&c, "databases=x.mmdb", err, sizeof(err)), -EINVAL);
	CHECK_EQ_STR(err, "--set databases: is a list of maps; write its entries in the "
		     "configuration file (-c), --set can only empty it ('databases=')");
	CHECK_EQ_INT(c.n_databases, 6);
	CHECK_EQ_INT(sl_config_set(&c, "databases=", err, sizeof(err)), 0);
	CHECK_EQ_INT(c.n_databases, 0);
	CHECK_EQ_INT(sl_config_set(&c, "sensor.location.lat=52.52", err, sizeof(err)), 0);
	CHECK(c.sensor.lat == 52.52);
	CHECK_EQ_INT(sl_config_set(&c, "sensor.location.lat=~", err, sizeof(err)), 0);
	CHECK(isnan(c.sensor.lat));
	CHECK_EQ_INT(sl_config_set(&c, "sensor.location.lon=-181", err, sizeof(err)), -EINVAL);
	CHECK_EQ_STR(err, "--set sensor.location.lon: -181 is outside -180..180");
	CHECK_EQ_INT(sl_config_set(&c, "intel.demo=off", err, sizeof(err)), 0);
	CHECK(!c.intel.demo);
	sl_config_finish(&c);
}

/* Dump, load the dump, dump again: same text, same databases. */
static void test_round_trip(void)
{
	struct sl_config a, b;
	char *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;
	TEST("dump round trip");
	CHECK_EQ_INT(load(&a, full), 0);
	FILE *f = open_memstream(&t1, &l1);
	sl_config_dump(&a, f);
	fclose(f);
	CHECK(strstr(t1, "databases:\n  - path: \"/var/lib/GeoIP/GeoLite2-City.mmdb\"\n"
			 "    schema: maxmind\n  - path:") != NULL);
	CHECK(strstr(t1, "    schema: fields\n    fields:\n      country: \"geo.cc\"\n"
			 "      lat: \"geo.pos.0\"\n      anon:\n        vpn: \"flags.vpn\"\n"
			 "        tor: \"flags.tor\"\n      intel: \"tags\"\n") != NULL);
	CHECK(strstr(t1, "    lat: -33.8688\n") != NULL && strstr(t1, "    lon: 151.2093\n") != NULL);
	CHECK_EQ_INT(load(&b, t1), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(b.n_databases, 6);
	for (size_t i = 0; i < 6 && i < b.n_databases; i++) {
		CHECK_EQ_STR(b.databases[i].path, a.databases[i].path);
		CHECK_EQ_INT(b.databases[i].schema, a.databases[i].schema);
		for (int k = 0; k < SL_GEO__NFIELDS; k++)
			CHECK(!a.databases[i].fields[k] == !b.databases[i].fields[k]);
	}
	f = open_memstream(&t2, &l2);
	sl_config_dump(&b, f);
	fclose(f);
	CHECK_EQ_STR(t2, t1);
	sl_config_finish(&a);
	sl_config_finish(&b);
	free(t1);
	free(t2);
	/* the defaults dump "databases: []" with the entry keys in the comment */
	t1 = NULL;
	sl_config_init_defaults(&a);
	f = open_memstream(&t1, &l1);
	sl_config_dump(&a, f);
	fclose(f);
	CHECK(strstr(t1, "#   - path: the .mmdb file (required)\n") != NULL);
	CHECK(strstr(t1, "\ndatabases: []\n") != NULL);
	CHECK(strstr(t1, "    lat: ~\n") != NULL);
	CHECK_EQ_INT(load(&b, t1), 0);
	sl_config_finish(&a);
	sl_config_finish(&b);
	free(t1);
}

int main(void)
{
	test_full();
	test_defaults();
	test_errors();
	test_set();
	test_round_trip();
	return TEST_REPORT();
}
