/* Benchmark of IP-intelligence lookups (not a test): builds GeoLite2-City,
 * -ASN and Anonymous-IP layout databases of N random /24s with the
 * project's builder, then times a bare MMDB_lookup_sockaddr, a full merged
 * sl_geo_lookup over all of them plus the bundled-style intel list, and the
 * per-worker cache with a realistic working set and with no reuse at all.
 *
 *   build/tests/bench/geo_bench [PREFIXES] [LOOKUPS]   (defaults 100000 2000000)
 */
#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sightline/config.h"
#include "sightline/enrich.h"
#include "sightline/mmdb_build.h"

static char dir[] = "/tmp/sl-geo-bench-XXXXXX";

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A /24 for prefix i: spread over 1.0.0.0-223.255.255.0, distinct. */
static uint32_t net_of(uint32_t i)
{
	return ((1u + (i * 2654435761u) % 0xdf0000u) << 8) & 0xffffff00u;
}

static int build(const char *name, const char *type, uint32_t n, int kind)
{
	size_t cap = (size_t)n * 400 + 1, len = 0;
	char *csv = malloc(cap), path[256];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = net_of(i);
		int w = snprintf(csv + len, cap - len, "%u.%u.%u.0/24,x", a >> 24, (a >> 16) & 255,
				 (a >> 8) & 255);
		len += (size_t)w;
		if (kind == 0)
			len += (size_t)snprintf(csv + len, cap - len,
				",country.iso_code=C%c,country.names.en=Country %u,"
				"registered_country.iso_code=R%c,city.names.en=City %u,"
				"location.latitude=%d.5,location.longitude=%d.25,location.accuracy_radius=%u,"
				"location.time_zone=Zone/%u\n",
				'A' + i % 26, i % 250, 'A' + i % 26, i, (int)(i % 170) - 85,
				(int)(i % 350) - 175, 1 + i % 500, i % 400);
		else if (kind == 1)
			len += (size_t)snprintf(csv + len, cap - len,
				",autonomous_system_number=%u,autonomous_system_organization=Org %u\n",
				64512 + i % 1000, i % 1000);
		else
			len += (size_t)snprintf(csv + len, cap - len, ",is_anonymous=true,%s=true\n",
						i % 2 ? "is_anonymous_vpn" : "is_hosting_provider");
	}
	struct sl_mmdb_source src = { "bench", csv, len };
	struct sl_mmdb_build_opts o = { .database_type = type, .build_epoch = 1 };
	uint8_t *buf;
	size_t blen;
	char err[256];
	int rc = sl_mmdb_build_mem(&src, 1, &o, &buf, &blen, err, sizeof(err));
	free(csv);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	fwrite(buf, 1, blen, f);
	fclose(f);
	free(buf);
	return 0;
}

static int build_intel(void)
{
	static const char csv[] = "AS64600,vpn-as\n175.45.176.0/22,dprk\n162.159.193.0/24,warp\n";
	struct sl_mmdb_source src = { "intel", csv, sizeof(csv) - 1 };
	struct sl_mmdb_build_opts o = { .database_type = "sightline-intel", .build_epoch = 1 };
	char path[256], err[256];
	uint8_t *buf;
	size_t blen;
	if (sl_mmdb_build_mem(&src, 1, &o, &buf, &blen, err, sizeof(err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/intel.mmdb", dir);
	FILE *f = fopen(path, "wb");
	fwrite(buf, 1, blen, f);
	fclose(f);
	free(buf);
	return 0;
}

/* An address inside one of the databases' prefixes (most of the time). */
static struct sl_addr addr_for(uint32_t i, uint32_t n)
{
	uint32_t a = net_of(i % n) | (rnd() & 255);
	struct sl_addr x = { .family = 4, .b = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
						 (uint8_t)(a >> 8), (uint8_t)a } };
	return x;
}

static double bench_raw(const char *path, uint32_t n, uint32_t lookups)
{
	MMDB_s db;
	if (MMDB_open(path, MMDB_MODE_MMAP, &db) != MMDB_SUCCESS)
		return -1;
	uint32_t found = 0;
	double t0 = now();
	for (uint32_t i = 0; i < lookups; i++) {
		struct sl_addr a = addr_for(rnd(), n);
		struct sockaddr_in in = { .sin_family = AF_INET };
		int e;
		memcpy(&in.sin_addr, a.b, 4);
		found += MMDB_lookup_sockaddr(&db, (struct sockaddr *)&in, &e).found_entry;
	}
	double dt = now() - t0;
	MMDB_close(&db);
	return found ? dt / lookups * 1e9 : -1;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
	uint32_t lookups = argc > 2 ? (uint32_t)atoi(argv[2]) : 2000000;
	char path[4][256], err[512];
	static const char *const files[] = { "city.mmdb", "asn.mmdb", "anon.mmdb", "intel.mmdb" };
	if (!mkdtemp(dir))
		return 1;
	double t0 = now();
	if (build(files[0], "GeoLite2-City", n, 0) || build(files[1], "GeoLite2-ASN", n, 1) ||
	    build(files[2], "GeoIP2-Anonymous-IP", n / 10, 2) || build_intel())
		return 1;
	printf("built 3 x %u-prefix databases + intel in %.2f s\n", n, now() - t0);

	struct sl_config cfg;
	sl_config_init_defaults(&cfg);
	cfg.intel.builtin = cfg.intel.demo = false;
	cfg.databases = calloc(4, sizeof(*cfg.databases));
	cfg.n_databases = 4;
	for (int i = 0; i < 4; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, files[i]);
		cfg.databases[i].path = strdup(path[i]);
		cfg.databases[i].schema = i == 3 ? SL_GEO_SCHEMA_INTEL : SL_GEO_SCHEMA_MAXMIND;
	}
	struct sl_geo *g;
	if (sl_geo_create(&cfg, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("MMDB_lookup_sockaddr, City only, no values read: %7.0f ns/lookup\n",
	       bench_raw(path[0], n, lookups));

	struct sl_geo_result r;
	uint32_t known = 0;
	t0 = now();
	for (uint32_t i = 0; i < lookups / 4; i++) {
		struct sl_addr a = addr_for(rnd(), n);
		known += sl_geo_lookup(g, &a, &r);
	}
	double full = (now() - t0) / (lookups / 4) * 1e9;
	printf("sl_geo_lookup, 4 databases, every field merged:   %7.0f ns/lookup (%u%% known)\n",
	       full, known * 100 / (lookups / 4));

	struct sl_geo_cache *c;
	sl_geo_cache_create(g, cfg.intel.cache_entries, &c);
	t0 = now();
	for (uint32_t i = 0; i < lookups; i++) {
		struct sl_addr a = addr_for(rnd() % 5000, n); /* 5000 peers, /24 host varies */
		a.b[3] = (uint8_t)(rnd() % 4);
		sl_geo_cache_lookup(c, &a);
	}
	double warm = (now() - t0) / lookups * 1e9;
	const struct sl_geo_cache_stats *st = sl_geo_cache_stats(c);
	printf("cache (%u entries), 20000 distinct peers:        %7.0f ns/lookup (%.1f%% hits)\n",
	       cfg.intel.cache_entries, warm, 100.0 * (double)st->hits / (double)st->lookups);
	sl_geo_cache_destroy(c);
	sl_geo_cache_create(g, cfg.intel.cache_entries, &c);
	st = sl_geo_cache_stats(c);
	for (uint32_t i = 0; i < 1000; i++) { /* warm: 1000 peers, then only hits */
		struct sl_addr a = addr_for(i, n);
		a.b[3] = 7;
		sl_geo_cache_lookup(c, &a);
	}
	t0 = now();
	for (uint32_t i = 0; i < lookups; i++) {
		struct sl_addr a = addr_for(rnd() % 1000, n);
		a.b[3] = 7;
		sl_geo_cache_lookup(c, &a);
	}
	double hit = (now() - t0) / lookups * 1e9;
	printf("cache, 1000 peers, all hits:                     %7.0f ns/lookup (%.1f%% hits)\n",
	       hit, 100.0 * (double)st->hits / (double)st->lookups);
	sl_geo_cache_destroy(c);
	sl_geo_cache_create(g, cfg.intel.cache_entries, &c);
	st = sl_geo_cache_stats(c);
	t0 = now();
	for (uint32_t i = 0; i < lookups / 4; i++) {
		struct sl_addr a = addr_for(rnd(), n);
		sl_geo_cache_lookup(c, &a);
	}
	double cold = (now() - t0) / (lookups / 4) * 1e9;
	printf("cache, every address new (worst case):           %7.0f ns/lookup (%.1f%% hits)\n",
	       cold, 100.0 * (double)st->hits / (double)st->lookups);
	printf("per flow (2 sides): %.0f ns with the working set above, %.0f ns worst case\n",
	       2 * warm, 2 * cold);
	sl_geo_cache_destroy(c);
	sl_geo_destroy(g);
	sl_config_finish(&cfg);
	for (int i = 0; i < 4; i++)
		unlink(path[i]);
	rmdir(dir);
	return 0;
}
