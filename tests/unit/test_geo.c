/* Unit tests for IP intelligence (sensor/enrich/geo_*.c): each schema's
 * layout is built by the project's own mmdb builder into a temp dir and
 * read back through sl_geo; merge order, AS-number lists, the cache, the
 * sensor location, and every load error (schema mismatch, not an mmdb,
 * truncated, missing). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/config.h"
#include "sightline/enrich.h"
#include "sightline/field.h"
#include "sightline/mmdb_build.h"
#include "testhelp.h"
#include "sensor/enrich/geo_priv.h"

static char dir[256];
static char err[512];

static const char *path_of(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* Build the database `name` of the given type from one CSV list (named
 * `list`), the way `sightline mmdb build --type TYPE` would. */
static void build_db(const char *name, const char *type, const char *list, const char *csv)
{
	struct sl_mmdb_source src = { list, csv, strlen(csv) };
	struct sl_mmdb_build_opts o = { .database_type = type, .build_epoch = 1700000000 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = sl_mmdb_build_mem(&src, 1, &o, &buf, &len, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "build %s: %s\n", name, err);
	CHECK_EQ_INT(rc, 0);
	FILE *f = fopen(path_of(name), "wb");
	CHECK(f && fwrite(buf, 1, len, f) == len);
	if (f)
		fclose(f);
	free(buf);
}

/* A config with the given databases (schema per entry) and no bundled ones. */
static void config_with(struct sl_config *c, size_t n, const char *const *names,
			const uint32_t *schemas)
{
	CHECK_EQ_INT(sl_config_init_defaults(c), 0);
	c->intel.builtin = false;
	c->intel.demo = false;
	c->databases = calloc(n ? n : 1, sizeof(*c->databases));
	c->n_databases = n;
	for (size_t i = 0; i < n; i++) {
		c->databases[i].path = strdup(path_of(names[i]));
		c->databases[i].schema = schemas[i];
	}
}

static struct sl_addr addr(const char *text)
{
	struct sl_addr a;
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(sl_addr_parse(text, &a), 0);
	return a;
}

static bool flag(const struct sl_geo_result *r, enum sl_geo_field f)
{
	return sl_geo_has(r, f) && (r->flags >> f & 1u);
}

/* GeoLite2-City, GeoLite2-ASN, GeoIP2-Anonymous-IP and Anonymous Plus in
 * MaxMind's nested layout (dotted keys nest), merged in config order. */
static void test_maxmind(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("schema maxmind: City, ASN, Anonymous IP, Anonymous Plus");
	build_db("city.mmdb", "GeoLite2-City", "city",
		 "81.2.69.0/24,x,country.iso_code=GB,country.names.en=United Kingdom,"
		 "registered_country.iso_code=GB,city.names.en=London,location.latitude=51.5142,"
		 "location.longitude=-0.0931,location.accuracy_radius=10,location.time_zone=Europe/London\n"
		 "81.2.69.160/27,x,city.names.en=Norwich,location.latitude=52.6\n"
		 "2001:db8:1::/48,x,country.iso_code=DE,registered_country.iso_code=US\n"
		 "89.160.20.0/24,x,country.iso_code=SE\n");
	build_db("asn.mmdb", "GeoLite2-ASN", "asn",
		 "81.2.69.0/24,x,autonomous_system_number=20712,autonomous_system_organization=Andrews & Arnold Ltd\n"
		 "2001:db8:1::/48,x,autonomous_system_number=64512,autonomous_system_organization=Example v6\n");
	build_db("anon.mmdb", "GeoIP2-Anonymous-IP", "anon",
		 "81.2.69.160/27,x,is_anonymous=true,is_anonymous_vpn=true,is_hosting_provider=true\n"
		 "89.160.20.0/24,x,is_anonymous=true,is_tor_exit_node=true,is_public_proxy=true,"
		 "is_residential_proxy=true\n");
	build_db("plus.mmdb", "GeoIP2-Anonymous-Plus", "plus",
		 "81.2.69.160/27,x,anonymizer_confidence=30,provider_name=NordVPN,"
		 "network_last_seen='2025-04-14',is_anonymous_vpn=true\n");
	static const char *const names[] = { "city.mmdb", "asn.mmdb", "anon.mmdb", "plus.mmdb" };
	static const uint32_t schemas[] = { 0, 0, 0, 0 };
	config_with(&c, 4, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_geo_count(g), 4);

	struct sl_addr a = addr("81.2.69.142");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "GB");
	CHECK_EQ_STR(r.country_name, "United Kingdom");
	CHECK_EQ_STR(r.registered_country, "GB");
	CHECK_EQ_STR(r.city, "London");
	CHECK(fabs(r.lat - 51.5142) < 1e-9 && fabs(r.lon + 0.0931) < 1e-9);
	CHECK_EQ_INT(r.accuracy_km, 10);
	CHECK_EQ_STR(r.timezone, "Europe/London");
	CHECK_EQ_INT(r.asn, 20712);
	CHECK_EQ_STR(r.as_org, "Andrews & Arnold Ltd");
	/* not in the anonymous databases: the flags are unknown, not false */
	CHECK(!sl_geo_has(&r, SL_GEO_ANON_VPN) && !sl_geo_has(&r, SL_GEO_ANON_ANY));
	CHECK(!sl_geo_has(&r, SL_GEO_ANON_PROVIDER) && !sl_geo_has(&r, SL_GEO_INTEL));

	a = addr("81.2.69.170"); /* the /27: more specific city, anonymous flags */
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.city, "Norwich");
	CHECK(fabs(r.lat - 52.6) < 1e-9);
	CHECK(flag(&r, SL_GEO_ANON_ANY) && flag(&r, SL_GEO_ANON_VPN) && flag(&r, SL_GEO_ANON_HOSTING));
	CHECK(!sl_geo_has(&r, SL_GEO_ANON_TOR)); /* key absent = unknown */
	CHECK_EQ_STR(r.provider, "NordVPN");
	CHECK_EQ_INT(r.confidence, 30);
	CHECK_EQ_STR(r.last_seen, "2025-04-14");

	a = addr("89.160.20.112");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "SE");
	CHECK(!sl_geo_has(&r, SL_GEO_CITY) && !sl_geo_has(&r, SL_GEO_ASN));
	CHECK(flag(&r, SL_GEO_ANON_TOR) && flag(&r, SL_GEO_ANON_PROXY) &&
	      flag(&r, SL_GEO_ANON_RESIDENTIAL_PROXY));
	CHECK(!sl_geo_has(&r, SL_GEO_ANON_VPN));

	a = addr("2001:db8:1::77"); /* IPv6; registered elsewhere than located */
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "DE");
	CHECK_EQ_STR(r.registered_country, "US");
	CHECK_EQ_INT(r.asn, 64512);
	a = addr("::ffff:81.2.69.142"); /* IPv4-mapped is looked up as IPv4 */
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.city, "London");
	a = addr("8.8.8.8");
	CHECK(!sl_geo_lookup(g, &a, &r));
	CHECK_EQ_INT(r.have, 0);
	a = addr("10.1.2.3");
	CHECK(!sl_geo_lookup(g, &a, &r));
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* A database is read for what its product holds: an ASN file is not asked
 * for a city; Enterprise files keep network facts under traits. */
static void test_products(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("schema maxmind reads what the database type holds");
	build_db("odd-asn.mmdb", "GeoLite2-ASN", "asn",
		 "192.0.2.0/24,x,autonomous_system_number=64496,city.names.en=Nowhere,is_anonymous_vpn=true\n");
	build_db("ent.mmdb", "GeoIP2-Enterprise", "ent",
		 "192.0.2.0/24,x,country.iso_code=JP,traits.autonomous_system_number=2497,"
		 "traits.isp=IIJ,traits.connection_type=Corporate,traits.is_anonymous_vpn=true\n");
	static const char *const names[] = { "odd-asn.mmdb", "ent.mmdb" };
	static const uint32_t schemas[] = { 0, 0 };
	config_with(&c, 2, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	struct sl_addr a = addr("192.0.2.1");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_INT(r.asn, 64496);            /* first database */
	CHECK_EQ_STR(r.country, "JP");
	CHECK_EQ_STR(r.isp, "IIJ");
	CHECK_EQ_STR(r.connection_type, "Corporate");
	CHECK(flag(&r, SL_GEO_ANON_VPN));       /* from Enterprise's traits */
	CHECK(!sl_geo_has(&r, SL_GEO_CITY));   /* the ASN file's city is not read */
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* ip-location-db: flat keys, coordinates stored as text. */
static void test_ip_location_db(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("schema ip-location-db: flat keys, latitude/longitude as strings");
	build_db("loc-city.mmdb", "city ipv4", "city",
		 "1.0.0.0/24,x,country_code=AU,state1=Queensland,city=South Brisbane,postcode='4101',"
		 "latitude='-27.4748',longitude='153.017',timezone=Australia/Brisbane\n"
		 "1.0.1.0/24,x,country_code=CN,latitude='north',longitude='153'\n");
	build_db("loc-asn.mmdb", "asn ipv4", "asn",
		 "1.0.0.0/24,x,autonomous_system_number=13335,autonomous_system_organization=Cloudflare Inc.\n");
	static const char *const names[] = { "loc-city.mmdb", "loc-asn.mmdb" };
	static const uint32_t schemas[] = { SL_GEO_SCHEMA_IP_LOCATION_DB, SL_GEO_SCHEMA_IP_LOCATION_DB };
	config_with(&c, 2, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	struct sl_addr a = addr("1.0.0.1");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "AU");
	CHECK_EQ_STR(r.city, "South Brisbane");
	CHECK(fabs(r.lat + 27.4748) < 1e-9 && fabs(r.lon - 153.017) < 1e-9);
	CHECK_EQ_STR(r.timezone, "Australia/Brisbane");
	CHECK_EQ_INT(r.asn, 13335);
	CHECK_EQ_STR(r.as_org, "Cloudflare Inc.");
	a = addr("1.0.1.1"); /* a latitude that is not a number is unknown */
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK(!sl_geo_has(&r, SL_GEO_LAT) && sl_geo_has(&r, SL_GEO_LON));
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* IPinfo Lite: flat keys, the AS number as "AS174". */
static void test_ipinfo(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("schema ipinfo: country_code, asn \"AS174\", as_name, as_domain");
	build_db("ipinfo.mmdb", "ipinfo lite.mmdb", "lite",
		 "38.0.0.0/8,x,country_code=US,country=United States,continent_code=NA,asn=AS174,"
		 "as_name=Cogent Communications,as_domain=cogentco.com\n"
		 "2001:db8:2::/48,x,country_code=FR,asn=as64513\n");
	static const char *const names[] = { "ipinfo.mmdb" };
	static const uint32_t schemas[] = { SL_GEO_SCHEMA_IPINFO };
	config_with(&c, 1, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	struct sl_addr a = addr("38.104.5.9");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "US");
	CHECK_EQ_STR(r.country_name, "United States");
	CHECK_EQ_INT(r.asn, 174);
	CHECK_EQ_STR(r.as_org, "Cogent Communications");
	CHECK_EQ_STR(r.as_domain, "cogentco.com");
	CHECK(!sl_geo_has(&r, SL_GEO_CITY));
	a = addr("2001:db8:2::1");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_INT(r.asn, 64513);
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* Schema fields: any layout through explicit paths; text and numbers are
 * converted to each field's type. */
static void test_fields(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("schema fields: explicit paths, converted types");
	build_db("custom.mmdb", "corp-geo", "corp",
		 "100.70.0.0/16,x,geo.cc=BR,geo.town=Recife,geo.pos.lat=-8.05,geo.pos.lon=-34.9,"
		 "net.asn='64501',flags.vpn=1,flags.tor=0,tags=shared-egress\n");
	static const char *const names[] = { "custom.mmdb" };
	static const uint32_t schemas[] = { SL_GEO_SCHEMA_FIELDS };
	config_with(&c, 1, names, schemas);
	c.databases[0].name = strdup("corp");
	c.databases[0].fields[SL_GEO_COUNTRY] = strdup("geo.cc");
	c.databases[0].fields[SL_GEO_CITY] = strdup("geo.town");
	c.databases[0].fields[SL_GEO_LAT] = strdup("geo.pos.lat");
	c.databases[0].fields[SL_GEO_LON] = strdup("geo.pos.lon");
	c.databases[0].fields[SL_GEO_ASN] = strdup("net.asn");
	c.databases[0].fields[SL_GEO_ANON_VPN] = strdup("flags.vpn");
	c.databases[0].fields[SL_GEO_ANON_TOR] = strdup("flags.tor");
	c.databases[0].fields[SL_GEO_INTEL] = strdup("tags");
	c.databases[0].fields[SL_GEO_TIMEZONE] = strdup("geo.missing.path");
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	struct sl_addr a = addr("100.70.1.2");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "BR");
	CHECK_EQ_STR(r.city, "Recife");
	CHECK(fabs(r.lat + 8.05) < 1e-9 && fabs(r.lon + 34.9) < 1e-9);
	CHECK_EQ_INT(r.asn, 64501);
	CHECK(flag(&r, SL_GEO_ANON_VPN));
	CHECK(sl_geo_has(&r, SL_GEO_ANON_TOR) && !flag(&r, SL_GEO_ANON_TOR)); /* known false */
	CHECK_EQ_INT(r.n_intel, 1);
	CHECK_EQ_STR(r.intel[0], "shared-egress");
	CHECK(!sl_geo_has(&r, SL_GEO_TIMEZONE)); /* a path the data lacks */
	char line[256];
	CHECK(strstr(sl_geo_describe(g, line, sizeof(line)), "corp (fields)") != NULL);
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* First database in config order wins per field; intel names are a union,
 * including lists that name the address's AS number. */
static void test_merge_and_intel(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_result r;
	TEST("merge order, intel union, AS-number lists");
	build_db("first.mmdb", "GeoLite2-Country", "first", "203.0.113.0/24,x,country.iso_code=KP\n");
	build_db("second.mmdb", "GeoLite2-City", "second",
		 "203.0.113.0/24,x,country.iso_code=CN,city.names.en=Dandong\n");
	build_db("asn2.mmdb", "GeoLite2-ASN", "asn", "203.0.113.0/24,x,autonomous_system_number=131279\n");
	build_db("intel1.mmdb", "sightline-intel", "dprk",
		 "AS131279,star-jv\n203.0.113.7,probe\n");
	build_db("intel2.mmdb", "sightline-intel", "watch", "203.0.113.0/25,watch\n");
	static const char *const names[] = { "first.mmdb", "second.mmdb", "asn2.mmdb",
					     "intel1.mmdb", "intel2.mmdb" };
	static const uint32_t schemas[] = { 0, 0, 0, SL_GEO_SCHEMA_INTEL, SL_GEO_SCHEMA_INTEL };
	config_with(&c, 5, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	struct sl_addr a = addr("203.0.113.7");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_STR(r.country, "KP");   /* first database */
	CHECK_EQ_STR(r.city, "Dandong"); /* only the second has it */
	CHECK_EQ_INT(r.asn, 131279);
	CHECK_EQ_INT(r.n_intel, 2);      /* dprk (by address and by AS, once), watch */
	CHECK_EQ_STR(r.intel[0], "dprk");
	CHECK_EQ_STR(r.intel[1], "watch");
	a = addr("203.0.113.200");       /* outside watch's /25, in the AS */
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_INT(r.n_intel, 1);
	CHECK_EQ_STR(r.intel[0], "dprk");
	sl_geo_destroy(g);
	sl_config_finish(&c);

	/* The AS alone, from the ASN database, brings the list in. */
	static const char *const names2[] = { "asn2.mmdb", "intel1.mmdb" };
	static const uint32_t schemas2[] = { 0, SL_GEO_SCHEMA_INTEL };
	config_with(&c, 2, names2, schemas2);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	a = addr("203.0.113.99");
	CHECK(sl_geo_lookup(g, &a, &r));
	CHECK_EQ_INT(r.n_intel, 1);
	CHECK_EQ_STR(r.intel[0], "dprk");
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

static void create_fails(const char *name, uint32_t schema, int rc, const char *want)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	const char *const names[] = { name };
	const uint32_t schemas[] = { schema };
	config_with(&c, 1, names, schemas);
	err[0] = '\0';
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), rc);
	CHECK(g == NULL);
	if (!strstr(err, want) || !strstr(err, path_of(name)))
		CHECK_EQ_STR(err, want);
	sl_config_finish(&c);
}

static void copy_prefix(const char *from, const char *to, long bytes)
{
	FILE *in = fopen(path_of(from), "rb"), *out = fopen(path_of(to), "wb");
	char buf[65536];
	long n = bytes < 0 ? (long)fread(buf, 1, sizeof(buf), in) + bytes
			   : (long)fread(buf, 1, (size_t)bytes, in);
	fwrite(buf, 1, (size_t)(n > 0 ? n : 0), out);
	fclose(in);
	fclose(out);
}

/* A file that cannot be a database of its declared schema is refused at
 * start, naming the file. */
static void test_load_errors(void)
{
	TEST("load errors name the file");
	create_fails("city.mmdb", SL_GEO_SCHEMA_IPINFO, -EINVAL,
		     "database type 'GeoLite2-City' does not fit schema 'ipinfo'");
	create_fails("city.mmdb", SL_GEO_SCHEMA_INTEL, -EINVAL, "does not fit schema 'intel'");
	create_fails("ipinfo.mmdb", SL_GEO_SCHEMA_MAXMIND, -EINVAL, "does not fit schema 'maxmind'");
	create_fails("loc-city.mmdb", SL_GEO_SCHEMA_MAXMIND, -EINVAL, "does not fit schema 'maxmind'");
	create_fails("intel1.mmdb", SL_GEO_SCHEMA_IP_LOCATION_DB, -EINVAL,
		     "does not fit schema 'ip-location-db'");
	FILE *f = fopen(path_of("notes.txt"), "w");
	fputs("not a database at all\n", f);
	fclose(f);
	create_fails("notes.txt", SL_GEO_SCHEMA_MAXMIND, -EINVAL,
		     "not a usable MaxMind DB file");
	copy_prefix("city.mmdb", "cut-end.mmdb", -20);   /* metadata cut short */
	create_fails("cut-end.mmdb", SL_GEO_SCHEMA_MAXMIND, -EINVAL, "not a usable MaxMind DB file");
	copy_prefix("city.mmdb", "cut-half.mmdb", 300);  /* tree only */
	create_fails("cut-half.mmdb", SL_GEO_SCHEMA_MAXMIND, -EINVAL, "is it truncated");
	f = fopen(path_of("empty.mmdb"), "w");
	fclose(f);
	create_fails("empty.mmdb", SL_GEO_SCHEMA_MAXMIND, -EINVAL, "empty file, not a MaxMind DB");
	create_fails("absent.mmdb", SL_GEO_SCHEMA_MAXMIND, -ENOENT,
		     "cannot open the database: No such file or directory");
}

/* The cache returns what an uncached lookup returns, counts hits, keeps
 * memory fixed under more addresses than it holds, and caches "unknown". */
static void test_cache(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	struct sl_geo_cache *cache = NULL;
	struct sl_geo_result r;
	TEST("cache");
	static const char *const names[] = { "city.mmdb", "asn.mmdb", "anon.mmdb" };
	static const uint32_t schemas[] = { 0, 0, 0 };
	config_with(&c, 3, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_geo_cache_create(g, 64, &cache), 0);
	struct sl_addr a = addr("81.2.69.170"), b = addr("8.8.8.8");
	const struct sl_geo_result *p = sl_geo_cache_lookup(cache, &a);
	CHECK(p && sl_geo_lookup(g, &a, &r) && memcmp(p, &r, sizeof(r)) == 0);
	CHECK(sl_geo_cache_lookup(cache, &a) == p);
	CHECK(sl_geo_cache_lookup(cache, &b) == NULL);
	CHECK(sl_geo_cache_lookup(cache, &b) == NULL);
	const struct sl_geo_cache_stats *st = sl_geo_cache_stats(cache);
	CHECK_EQ_INT(st->lookups, 4);
	CHECK_EQ_INT(st->hits, 2);
	/* 2000 distinct addresses through 64 entries: evictions, same answers */
	bool same = true;
	for (unsigned i = 0; i < 2000; i++) {
		struct sl_addr x = { .family = 4, .b = { 81, 2, 69, (uint8_t)i } };
		if (i >= 256)
			x.b[2] = (uint8_t)(i >> 8), x.b[1] = 3;
		const struct sl_geo_result *q = sl_geo_cache_lookup(cache, &x);
		bool known = sl_geo_lookup(g, &x, &r);
		same &= known == (q != NULL) && (!q || memcmp(q, &r, sizeof(r)) == 0);
	}
	CHECK(same);
	CHECK(st->evictions > 1900);
	/* An entry survives the next WAYS - 1 lookups: both sides of a flow. */
	const struct sl_geo_result *src = sl_geo_cache_lookup(cache, &a);
	struct sl_geo_result keep = *src;
	for (unsigned i = 0; i < SL_GEO_CACHE_WAYS - 1; i++) {
		struct sl_addr x = { .family = 4, .b = { 9, 9, (uint8_t)i, 1 } };
		sl_geo_cache_lookup(cache, &x);
	}
	CHECK(memcmp(src, &keep, sizeof(keep)) == 0);
	/* IPv4-mapped shares the IPv4 entry */
	struct sl_addr m = addr("::ffff:81.2.69.170");
	uint64_t hits = st->hits;
	CHECK(sl_geo_cache_lookup(cache, &m) == src);
	CHECK_EQ_INT(st->hits, hits + 1);
	sl_geo_cache_destroy(cache);
	sl_geo_cache_destroy(NULL);
	sl_geo_destroy(g);
	sl_geo_destroy(NULL);
	sl_config_finish(&c);
}

/* An intel database of ten lists (more than SL_GEO_INTEL_MAX), two of them
 * with names equal once cut to SL_GEO_LIST_NAME, over nested and repeated
 * prefixes, some by AS number (one AS resolved into its prefixes, so its
 * records carry as_lists); and a country database covering half of a
 * network the city database has one record for, so that record is asked
 * for different fields depending on the address. */
static void build_many(void)
{
	static char csv[10][256];
	static char name[10][40];
	struct sl_mmdb_source src[10];
	for (unsigned i = 0; i < 10; i++) {
		snprintf(name[i], sizeof(name[i]), i < 2 ? "a-very-long-list-name-cut-here-%u" : "list%u", i);
		snprintf(csv[i], sizeof(csv[i]),
			 "203.0.113.%u/%u,x\n81.2.69.0/%u,x\n%s198.51.100.%u,x\n", (i * 16) & 255,
			 28 + i % 4, 24 + i % 3, i % 3 ? "AS131279,x\nAS20712,x\n" : "", i);
		src[i] = (struct sl_mmdb_source){ name[i], csv[i], strlen(csv[i]) };
	}
	const char *asn[] = { path_of("asn.mmdb") }; /* AS20712's lines become prefixes */
	struct sl_mmdb_build_opts o = { .database_type = "sightline-intel", .build_epoch = 1700000000,
					.asn_sources = asn, .n_asn_sources = 1 };
	uint8_t *buf = NULL;
	size_t len = 0;
	CHECK_EQ_INT(sl_mmdb_build_mem(src, 10, &o, &buf, &len, err, sizeof(err)), 0);
	FILE *f = fopen(path_of("many.mmdb"), "wb");
	CHECK(f && fwrite(buf, 1, len, f) == len);
	if (f)
		fclose(f);
	free(buf);
	build_db("half.mmdb", "GeoLite2-Country", "half", "81.2.69.0/26,x,country.iso_code=FR\n");
}

/* An address near the databases' networks, or anywhere. */
static struct sl_addr some_addr(uint64_t *seed)
{
	static const uint8_t nets[][3] = { { 203, 0, 113 }, { 81, 2, 69 }, { 198, 51, 100 },
					   { 89, 160, 20 }, { 192, 0, 2 }, { 1, 0, 0 } };
	struct sl_addr a = { .family = 4 };
	uint64_t x = *seed = sl_mix64(*seed + 1);
	if (x % 16 == 0) {
		a = addr(x & 32 ? "2001:db8:1::5" : "2001:db8:2::5");
		a.b[15] = (uint8_t)(x >> 8);
	} else if (x % 16 == 1) {
		memcpy(a.b, &x, 4);
	} else {
		memcpy(a.b, nets[(x >> 8) % ARRAY_SIZE(nets)], 3);
		a.b[3] = (uint8_t)(x >> 16);
	}
	return a;
}

/* A lookup through a memo of database records gives, byte for byte, what
 * the plain lookup gives: over databases whose fields overlap (so the same
 * record is asked for different fields), AS-number lists, more lists than
 * are kept, and memos small enough that records keep replacing each other. */
static void test_memo(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	TEST("lookups through the record memo equal plain lookups");
	build_many();
	static const char *const names[] = { "first.mmdb", "half.mmdb", "city.mmdb", "second.mmdb",
					     "asn.mmdb", "asn2.mmdb", "anon.mmdb", "plus.mmdb",
					     "intel1.mmdb", "many.mmdb", "intel2.mmdb" };
	static const uint32_t schemas[] = { 0, 0, 0, 0, 0, 0, 0, 0, SL_GEO_SCHEMA_INTEL,
					    SL_GEO_SCHEMA_INTEL, SL_GEO_SCHEMA_INTEL };
	config_with(&c, ARRAY_SIZE(names), names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	static const uint32_t sizes[] = { 1, 2, 7, 256 };
	unsigned differ = 0, known = 0, full = 0;
	for (size_t s = 0; g && s < ARRAY_SIZE(sizes); s++) {
		struct geo_memo *m = NULL;
		uint64_t seed = s;
		CHECK_EQ_INT(sl_geo_memo_create(sizes[s], &m), 0);
		for (unsigned i = 0; m && i < 20000; i++) {
			struct sl_addr a = some_addr(&seed);
			struct sl_geo_result want, got;
			bool k1 = sl_geo_lookup(g, &a, &want), k2 = sl_geo_lookup_memo(g, m, &a, &got);
			differ += k1 != k2 || memcmp(&want, &got, sizeof(want)) != 0;
			known += k1;
			full += want.n_intel == SL_GEO_INTEL_MAX;
		}
		sl_geo_memo_destroy(m);
	}
	sl_geo_memo_destroy(NULL);
	CHECK_EQ_INT(differ, 0);
	CHECK(known > 30000 && full > 1000); /* the inputs reach the records and a full list */
	sl_geo_destroy(g);
	sl_config_finish(&c);
}

/* sensor.location: given, or a city found in the databases. */
static void test_sensor_location(void)
{
	struct sl_config c;
	struct sl_geo *g = NULL;
	double lat = 0, lon = 0;
	char line[256];
	TEST("sensor location");
	static const char *const names[] = { "asn.mmdb", "city.mmdb" };
	static const uint32_t schemas[] = { 0, 0 };
	config_with(&c, 2, names, schemas);
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	CHECK(!sl_geo_sensor_location(g, &lat, &lon));
	sl_geo_destroy(g);
	c.sensor.lat = 50.11;
	c.sensor.lon = 8.68;
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	CHECK(sl_geo_sensor_location(g, &lat, &lon) && lat == 50.11 && lon == 8.68);
	CHECK(strstr(sl_geo_describe(g, line, sizeof(line)), "sensor at 50.1100, 8.6800") != NULL);
	sl_geo_destroy(g);
	c.sensor.lat = c.sensor.lon = NAN;
	c.sensor.city = strdup("norwich, gb");
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), 0);
	CHECK(sl_geo_sensor_location(g, &lat, &lon) && fabs(lat - 52.6) < 1e-9 &&
	      fabs(lon + 0.0931) < 1e-9);
	sl_geo_destroy(g);
	free(c.sensor.city);
	c.sensor.city = strdup("Norwich, SE");
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "sensor.location.city 'Norwich, SE' is in none of the databases") != NULL);
	free(c.sensor.city);
	c.sensor.city = NULL;
	c.sensor.lat = 10;
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), -EINVAL);
	CHECK_EQ_STR(err, "sensor.location: give both lat and lon, or neither");
	sl_config_finish(&c);
}

/* Copy database `from` to `to` with node `node`'s two 24-bit records set to
 * left and right (the builder's small files use 24-bit records). */
static void patch_node(const char *from, const char *to, uint32_t node, uint32_t left,
		       uint32_t right)
{
	FILE *in = fopen(path_of(from), "rb"), *out = fopen(path_of(to), "wb");
	static uint8_t buf[1 << 20];
	size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;
	uint8_t *rec = buf + 6 * node;
	CHECK(n > 6 * node + 6);
	for (int i = 0; i < 3; i++) {
		rec[i] = (uint8_t)(left >> (16 - 8 * i));
		rec[3 + i] = (uint8_t)(right >> (16 - 8 * i));
	}
	CHECK(out && fwrite(buf, 1, n, out) == n);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* A search tree that loops (a record pointing back at its own node or an
 * ancestor) must not hang the search for the sensor's city: it is refused
 * at once, naming the file.  Shared subtrees (IPv4's aliases) still work. */
static void test_sensor_location_corrupt(void)
{
	TEST("sensor location: a looping search tree is refused, naming the file");
	static const char *const files[] = { "loop-self.mmdb", "loop-up.mmdb" };
	patch_node("city.mmdb", "loop-self.mmdb", 1, 1, 1);
	patch_node("city.mmdb", "loop-up.mmdb", 2, 1, 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct sl_config c;
		struct sl_geo *g = NULL;
		const uint32_t schemas[] = { SL_GEO_SCHEMA_MAXMIND };
		config_with(&c, 1, &files[i], schemas);
		c.sensor.city = strdup("Nowhere, SE");
		err[0] = '\0';
		CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), -EINVAL);
		CHECK(g == NULL);
		CHECK(strstr(err, path_of(files[i])) && strstr(err, "corrupt search tree") &&
		      strstr(err, "replace it, or remove it from databases"));
		/* a record back at its own node is a loop; one back at the root is
		 * an invalid record to libmaxminddb */
		CHECK(strstr(err, i == 0 ? "a loop" : "the root"));
		sl_config_finish(&c);
	}
	/* the intact file has aliased subtrees: walked, the city not there */
	struct sl_config c;
	struct sl_geo *g = NULL;
	const char *const names[] = { "city.mmdb" };
	const uint32_t schemas[] = { SL_GEO_SCHEMA_MAXMIND };
	config_with(&c, 1, names, schemas);
	c.sensor.city = strdup("Nowhere, SE");
	CHECK_EQ_INT(sl_geo_create(&c, &g, err, sizeof(err)), -ENOENT);
	sl_config_finish(&c);
}

/* Every geo field has a `fields:` key of the same name in the config, and
 * the catalogue has src.geo.*, dest.geo.* and remote.* for it. */
static void test_field_names(void)
{
	TEST("field table and config keys agree");
	const struct sl_field_table *t = &sl_geo_fields;
	size_t per_side = SL_GEO__NFIELDS;
	CHECK_EQ_INT(t->n, 3 * per_side + 1);
	for (size_t i = 0; i < per_side && i < t->n; i++) {
		const char *name = t->fields[i].name + strlen("src.geo.");
		char yaml[256], dest[96], remote[96];
		struct sl_config c;
		CHECK(strncmp(t->fields[i].name, "src.geo.", 8) == 0);
		snprintf(dest, sizeof(dest), "dest.geo.%s", name);
		snprintf(remote, sizeof(remote), "remote.%s", name);
		CHECK(sl_catalogue_find(dest) != NULL && sl_catalogue_find(remote) != NULL);
		const char *dot = strchr(name, '.');
		if (dot)
			snprintf(yaml, sizeof(yaml), "databases:\n  - {path: x, schema: fields, "
				 "fields: {%.*s: {%s: a.b}}}\n", (int)(dot - name), name, dot + 1);
		else
			snprintf(yaml, sizeof(yaml), "databases:\n  - {path: x, schema: fields, "
				 "fields: {%s: a.b}}\n", name);
		CHECK_EQ_INT(sl_config_init_defaults(&c), 0);
		int rc = sl_config_load_string(&c, yaml, strlen(yaml), "t.yaml", err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "%s: %s\n", name, err);
		CHECK_EQ_INT(rc, 0);
		CHECK(c.n_databases == 1 && c.databases[0].fields[i] &&
		      strcmp(c.databases[0].fields[i], "a.b") == 0);
		sl_config_finish(&c);
	}
	CHECK(sl_catalogue_find("remote.ip") != NULL);
	CHECK_EQ_STR(sl_ftype_name(SL_FT_STRING_LIST), "string[]");
}

static void cleanup(void)
{
	static const char *const files[] = {
		"city.mmdb", "asn.mmdb", "anon.mmdb", "plus.mmdb", "loc-city.mmdb", "loc-asn.mmdb",
		"ipinfo.mmdb", "custom.mmdb", "first.mmdb", "second.mmdb", "asn2.mmdb",
		"intel1.mmdb", "intel2.mmdb", "notes.txt", "cut-end.mmdb", "cut-half.mmdb",
		"empty.mmdb", "odd-asn.mmdb", "ent.mmdb", "loop-self.mmdb", "loop-up.mmdb",
		"many.mmdb", "half.mmdb",
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		unlink(path_of(files[i]));
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/sl-geo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_maxmind();
	test_products();
	test_ip_location_db();
	test_ipinfo();
	test_fields();
	test_merge_and_intel();
	test_load_errors();
	test_cache();
	test_memo();
	test_sensor_location();
	test_sensor_location_corrupt();
	test_field_names();
	cleanup();
	return TEST_REPORT();
}
