/* Subject state snapshots: a scenario's flows and rule hits charged into
 * table A; half-way every subject is snapshotted and restored into a fresh
 * table B; both then take the second half and must raise the same subject
 * alerts, byte for byte, and end with the same summaries. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sightline/enrich.h"
#include "sightline/rules.h"
#include "sightline/subject.h"
#include "testhelp.h"

#define T0 1705276800ULL /* 2024-01-15T00:00:00Z */
#define US SL_US_PER_SEC
#define STEPS 48

static struct sl_config cfg;

static const char roster[] = "people:\n"
			     "  - name: Sam\n"
			     "    ip: 203.0.113.8\n"
			     "    country: US\n"
			     "    city: New York\n"
			     "    lat: 40.71\n"
			     "    lon: -74.01\n"
			     "    timezone: America/New_York\n"
			     "    work_hours: \"09:00-17:00\"\n";

static const struct sl_rule_info rules[] = {
	{ .id = "r-a", .title = "Remote tool", .family = "x", .score = 30 },
	{ .id = "r-b", .title = "VPN exit", .family = "y", .score = 25 },
	{ .id = "r-c", .title = "Other remote tool", .family = "x", .score = 45 },
	{ .id = "r-80", .title = "DPRK space", .family = "w", .score = 80 },
};

static const struct sl_rule_info *find_rule(void *ctx, const char *id)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

static struct sl_subjects *table(void)
{
	struct sl_subjects *s = NULL;
	struct sl_roster *r = NULL;
	char err[512];
	if (sl_subjects_create(&cfg, &s, err, sizeof(err)) < 0 ||
	    sl_roster_load_string(roster, strlen(roster), "t.yaml", &cfg.activity, &r, err,
				  sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		abort();
	}
	sl_subjects_set_roster(s, r);
	return s;
}

struct tflow {
	struct sl_flow f;
	struct sl_record r;
	struct sl_geo_result geo[2];
};

static void geo(struct sl_geo_result *g, const char *cc, double lat, double lon, uint32_t asn)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->country, sizeof(g->country), "%s", cc);
	g->lat = lat;
	g->lon = lon;
	g->asn = asn;
	g->have = 1u << SL_GEO_COUNTRY | 1u << SL_GEO_LAT | 1u << SL_GEO_LON | 1u << SL_GEO_ASN;
}

/* Step i of the scenario: one flow of one of three subjects, from New York
 * or Pyongyang, to one of five servers, every 20 minutes; most steps hit a
 * rule.  Returns whether a subject alert was built into j. */
static bool step(struct sl_subjects *s, unsigned i, struct sl_json *j)
{
	static const char *const who[] = { "203.0.113.8", "203.0.113.5", "198.51.100.77" };
	char srv[32];
	struct tflow t;
	memset(&t, 0, sizeof(t));
	snprintf(srv, sizeof(srv), "192.0.2.%u", 1 + i % 5);
	sl_addr_parse(who[i % 3], &t.f.cli);
	sl_addr_parse(srv, &t.f.srv);
	t.f.proto = 6;
	t.f.cport = (uint16_t)(40000 + i);
	t.f.sport = 443;
	t.f.first = (T0 + i * 1200) * US;
	t.f.last = t.f.first + US;
	t.r.flow = &t.f;
	t.r.event_type = "flow";
	t.r.remote = 1;
	bool kp = (i / 4) % 2;
	geo(&t.geo[0], kp ? "KP" : "US", kp ? 39.03 : 40.71, kp ? 125.75 : -74.01, 0);
	geo(&t.geo[1], i % 2 ? "CN" : "NL", 41.8, 123.4, 64500 + i % 4);
	t.r.geo[0] = &t.geo[0];
	t.r.geo[1] = &t.geo[1];
	if (!sl_subjects_charge(s, NULL, &t.r))
		return false;
	/* the first half builds up medium scores, the second escalates them */
	if (i % 5 != 4)
		sl_subjects_hit(s, &t.r, &rules[(i >= STEPS / 2) * 2 + (i / 3) % 2]);
	return sl_subjects_alert(s, &t.r, j);
}

/* Every subject of a into b through its snapshot; total snapshot bytes. */
static size_t move_all(struct sl_subjects *a, struct sl_subjects *b, unsigned *n)
{
	char id[SL_ROSTER_NAME_MAX], err[256];
	uint32_t cur = 0;
	size_t bytes = 0;
	struct sl_json j;
	sl_json_init(&j);
	*n = 0;
	while (sl_subjects_next(a, &cur, id, sizeof(id))) {
		sl_json_begin(&j);
		j.len = 0; /* a bare value, not a member of the begun object */
		CHECK(sl_subjects_snapshot(a, id, &j));
		bytes += j.len;
		(*n)++;
		int rc = sl_subjects_restore(b, j.buf, j.len, find_rule, NULL, NULL, err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "restore %s: %s\n%.*s\n", id, err, (int)j.len, j.buf);
		CHECK_EQ_INT(rc, 0);
	}
	sl_json_finish(&j);
	return bytes;
}

static char *summaries(struct sl_subjects *s)
{
	struct sl_json j;
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);
	sl_json_init(&j);
	while (sl_subjects_summary(s, (T0 + STEPS * 1200) * US, true, &j))
		fprintf(f, "%.*s\n", (int)j.len, j.buf);
	sl_subjects_print(s, f, 10);
	fclose(f);
	sl_json_finish(&j);
	return all;
}

static void test_moved_midway(void)
{
	TEST("a subject restored half-way scores and alerts exactly as one that never moved");
	struct sl_subjects *a = table(), *b = table();
	struct sl_json ja, jb;
	sl_json_init(&ja);
	sl_json_init(&jb);
	unsigned alerts = 0, same = 0, n = 0;
	for (unsigned i = 0; i < STEPS / 2; i++)
		step(a, i, &ja);
	size_t bytes = move_all(a, b, &n);
	CHECK_EQ_INT(n, 3);
	printf("    state: %zu bytes for %u subjects, %zu per subject\n", bytes, n, bytes / n);
	for (unsigned i = STEPS / 2; i < STEPS; i++) {
		bool xa = step(a, i, &ja), xb = step(b, i, &jb);
		alerts += xa;
		same += xa == xb && (!xa || (ja.len == jb.len && memcmp(ja.buf, jb.buf, ja.len) == 0));
		if (xa != xb || (xa && strcmp(ja.buf, jb.buf) != 0))
			fprintf(stderr, "step %u:\n A %s\n B %s\n", i, xa ? ja.buf : "-", xb ? jb.buf : "-");
	}
	printf("    second half: %u subject alerts\n", alerts);
	CHECK(alerts >= 3); /* the second half does raise alerts */
	CHECK_EQ_INT(same, STEPS - STEPS / 2);
	char *sa = summaries(a), *sb = summaries(b);
	CHECK(sa && sb && strstr(sa, "\"event_type\":\"subject\"") && strcmp(sa, sb) == 0);
	if (sa && sb && strcmp(sa, sb) != 0)
		fprintf(stderr, "A:\n%s\nB:\n%s\n", sa, sb);
	free(sa);
	free(sb);
	sl_json_finish(&ja);
	sl_json_finish(&jb);
	sl_subjects_destroy(a);
	sl_subjects_destroy(b);
}

static void test_refused(void)
{
	TEST("restore refuses what is no snapshot, and a roster name this roster lacks");
	struct sl_subjects *s = table();
	char err[256] = "";
	const char *bad[] = { "", "[]", "{\"v\":2}", "{\"v\":1,\"k\":9,\"key\":\"00\"}",
			      "{\"v\":1,\"k\":2,\"key\":\"c000\"}", "{\"v\":1,\"k\":2,\"key\":\"c0000205\",\"t\":[1]}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ_INT(sl_subjects_restore(s, bad[i], strlen(bad[i]), find_rule, NULL, NULL,
						 err, sizeof(err)), -EINVAL);
	const char *zed = "{\"v\":1,\"k\":0,\"key\":\"Zed\"}";
	CHECK_EQ_INT(sl_subjects_restore(s, zed, strlen(zed), find_rule, NULL, NULL, err,
					 sizeof(err)), -EINVAL);
	CHECK(strstr(err, "\"Zed\", whom the roster does not name") != NULL);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 0);
	sl_subjects_destroy(s);
}

int main(void)
{
	sl_config_init_defaults(&cfg);
	cfg.sensor.vantage = SL_VANTAGE_EDGE;
	cfg.scoring.max_subjects = 16;
	cfg.scoring.decay_sec = 3 * 3600;
	cfg.scoring.threshold = 40; /* the first half reaches medium, the second beyond */
	test_moved_midway();
	test_refused();
	sl_config_finish(&cfg);
	return TEST_REPORT();
}
