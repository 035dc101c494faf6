/* Subjects with real numbers: Frankfurt-New York physics, noisy-OR over
 * families, decay, allow-lists, alert levels once each, LRU eviction,
 * travel speed, Pyongyang hours against a New York claim, farm signs,
 * vantage choices, summaries and the stderr table. */
#include <math.h>
#include <stdlib.h>

#include "protohelp.h"
#include "sensor/subject/subject_priv.h"
#include "sightline/enrich.h"
#include "sightline/hosts.h"
#include "sightline/rules.h"
#include "sightline/subject.h"
#include "testhelp.h"

#define T0 1705276800ULL /* 2024-01-15T00:00:00Z, a Monday in winter */
#define US SL_US_PER_SEC
#define NEAR(a, b, eps) CHECK(fabs((a) - (b)) < (eps))

static struct sl_config cfg;

static struct sl_subjects *setup(uint32_t vantage, const char *roster)
{
	struct sl_subjects *s = NULL;
	char err[512];
	sl_config_init_defaults(&cfg);
	cfg.sensor.vantage = vantage;
	cfg.scoring.max_subjects = 16;
	cfg.scoring.decay_sec = 3600;
	if (sl_subjects_create(&cfg, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "create: %s\n", err);
		abort();
	}
	if (roster) {
		struct sl_roster *r = NULL;
		if (sl_roster_load_string(roster, strlen(roster), "t.yaml", &cfg.activity, &r, err,
					  sizeof(err)) < 0) {
			fprintf(stderr, "roster: %s\n", err);
			abort();
		}
		sl_subjects_set_roster(s, r);
	}
	return s;
}

static void teardown(struct sl_subjects *s)
{
	sl_subjects_destroy(s);
	sl_config_finish(&cfg);
}

struct tflow {
	struct sl_flow f;
	struct sl_record r;
	struct sl_geo_result geo[2];
};

static void geo(struct sl_geo_result *g, const char *cc, double lat, double lon, uint32_t acc)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->country, sizeof(g->country), "%s", cc);
	g->lat = lat;
	g->lon = lon;
	g->accuracy_km = acc;
	g->have = 1u << SL_GEO_COUNTRY | 1u << SL_GEO_LAT | 1u << SL_GEO_LON |
		  (acc ? 1u << SL_GEO_ACCURACY_KM : 0);
}

/* A TCP flow cli:40000 -> srv:443 over [t, t+1 s], remote as home_networks say. */
static struct sl_record *flow(struct tflow *t, const char *cli, const char *srv, uint64_t t_sec)
{
	memset(t, 0, sizeof(*t));
	sl_addr_parse(cli, &t->f.cli);
	sl_addr_parse(srv, &t->f.srv);
	t->f.proto = 6;
	t->f.cport = 40000;
	t->f.sport = 443;
	t->f.first = t_sec * US;
	t->f.last = t->f.first + US;
	t->r.flow = &t->f;
	t->r.event_type = "flow";
	bool ch = sl_config_is_home(&cfg, &t->f.cli), sh = sl_config_is_home(&cfg, &t->f.srv);
	t->r.remote = !sh ? 1 : !ch ? 0 : -1;
	return &t->r;
}

static bool field(const struct sl_record *r, const char *name, struct sl_value *v)
{
	const struct sl_field *f = sl_catalogue_find(name);
	if (!f)
		abort();
	memset(v, 0, sizeof(*v));
	return sl_field_get(f, r, v);
}

static double dfield(const struct sl_record *r, const char *name)
{
	struct sl_value v;
	return field(r, name, &v) ? v.d : NAN;
}

static const struct sl_rule_info rule_a = { .id = "r-a", .title = "Remote tool", .family = "x",
					    .score = 60 };
static const struct sl_rule_info rule_b = { .id = "r-b", .title = "VPN exit", .family = "y",
					    .score = 60 };
static const struct sl_rule_info rule_c = { .id = "r-c", .title = "Other remote tool",
					    .family = "x", .score = 60 };
static const struct sl_rule_info rule_40 = { .id = "r-40", .title = "Odd hours", .family = "z",
					     .score = 40 };
static const struct sl_rule_info rule_80 = { .id = "r-80", .title = "DPRK space", .family = "w",
					     .score = 80 };

static void test_physics(void)
{
	TEST("physics: sensor in Frankfurt, remote in New York, 150 ms handshake leg");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	sl_subjects_set_sensor_location(s, 50.11, 8.68);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	h.flags = SL_TCP_SYN;
	ph_feed(&h, SL_DIR_TOSERVER, NULL, 0);
	h.now += 150000 - 1000;
	h.flags = SL_TCP_SYN | SL_TCP_ACK;
	ph_feed(&h, SL_DIR_TOCLIENT, NULL, 0);
	h.flags = SL_TCP_ACK;
	ph_feed(&h, SL_DIR_TOSERVER, NULL, 0);
	ph_end(&h);
	struct sl_geo_result ny;
	geo(&ny, "US", 40.71, -74.01, 0);
	struct sl_record r = { .flow = &h.flow, .event_type = "flow",
			       .geo = { NULL, &ny }, .remote = 1 };
	const struct sl_subject_view *v = sl_subjects_charge(s, h.hosts, &r);
	CHECK(r.subject == v);
	CHECK_EQ_STR(v->id, "10.0.0.2");
	NEAR(dfield(&r, "physics.distance_km"), 6203.0, 0.11);
	NEAR(dfield(&r, "physics.expected_rtt_ms"), 101.221, 0.0011);
	NEAR(dfield(&r, "physics.rtt_ms"), 150.0, 0.0011);
	NEAR(dfield(&r, "physics.excess_ms"), 48.779, 0.0011);
	NEAR(dfield(&r, "physics.implied_extra_km"), 48.779 * 204 / 2 / 1.5, 0.11);
	/* an accuracy radius of 200 km comes off the distance; no RTT without a handshake */
	struct tflow t;
	geo(&ny, "US", 40.71, -74.01, 200);
	flow(&t, "10.0.0.2", "198.51.100.2", T0)->geo[1] = &ny;
	sl_subjects_charge(s, NULL, &t.r);
	NEAR(dfield(&t.r, "physics.distance_km"), 6003.0, 0.11);
	CHECK(isnan(dfield(&t.r, "physics.rtt_ms")));
	/* a remote closer than its accuracy radius is at distance 0, never below */
	struct sl_geo_result fra;
	geo(&fra, "DE", 50.2, 8.7, 50);
	flow(&t, "10.0.0.2", "198.51.100.3", T0)->geo[1] = &fra;
	sl_subjects_charge(s, NULL, &t.r);
	NEAR(dfield(&t.r, "physics.distance_km"), 0.0, 1e-9);
	NEAR(dfield(&t.r, "physics.expected_rtt_ms"), 10.0, 1e-9);
	ph_finish(&h);
	teardown(s);
}

static void hit_flow(struct sl_subjects *s, struct tflow *t, const char *cli, uint64_t sec,
		     const struct sl_rule_info *rule)
{
	flow(t, cli, "198.51.100.1", sec);
	sl_subjects_charge(s, NULL, &t->r);
	sl_subjects_hit(s, &t->r, rule);
}

static void test_noisy_or_decay(void)
{
	TEST("noisy-OR: 60+60 in two families = 84, one family = 60; decay after scoring.decay");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct tflow t;
	hit_flow(s, &t, "203.0.113.1", T0, &rule_a);
	hit_flow(s, &t, "203.0.113.1", T0 + 10, &rule_b);
	hit_flow(s, &t, "203.0.113.2", T0, &rule_a);
	hit_flow(s, &t, "203.0.113.2", T0 + 10, &rule_c);
	NEAR(sl_subjects_score(s, "203.0.113.1", (T0 + 20) * US), 84.0, 1e-9);
	NEAR(sl_subjects_score(s, "203.0.113.2", (T0 + 20) * US), 60.0, 1e-9);
	hit_flow(s, &t, "203.0.113.2", T0 + 20, &rule_40);
	NEAR(sl_subjects_score(s, "203.0.113.2", (T0 + 20) * US), 76.0, 1e-9);
	CHECK(sl_subjects_score(s, "203.0.113.99", T0 * US) < 0);
	/* r-a was last seen at T0+1 s (flow end): it counts until T0+1+3600 */
	NEAR(sl_subjects_score(s, "203.0.113.1", (T0 + 3600) * US), 84.0, 1e-9);
	NEAR(sl_subjects_score(s, "203.0.113.1", (T0 + 3601) * US), 60.0, 1e-9);
	NEAR(sl_subjects_score(s, "203.0.113.1", (T0 + 3611) * US), 0.0, 1e-9);
	CHECK_EQ_INT(sl_subjects_stats(s)->hits, 5);
	teardown(s);
}

static const char allow_roster[] =
	"people:\n"
	"  - name: Jane\n"
	"    ip: 203.0.113.7\n"
	"    country: US\n"
	"    timezone: America/New_York\n"
	"    work_hours: \"09:00-17:00\"\n"
	"    allow: {cidrs: [198.51.100.0/24], rules: [r-b]}\n";

static void test_allow(void)
{
	TEST("allow-list: a sanctioned remote or rule id zeroes the hit");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, allow_roster);
	struct tflow t;
	struct sl_value v;
	hit_flow(s, &t, "203.0.113.7", T0, &rule_a); /* remote 198.51.100.1 is allowed */
	CHECK(field(&t.r, "subject.allowed", &v) && v.b);
	CHECK_EQ_STR(t.r.subject->kind, "roster");
	CHECK(field(&t.r, "subject.name", &v) && strcmp(v.s, "Jane") == 0);
	CHECK(field(&t.r, "subject.claimed.country", &v) && strcmp(v.s, "US") == 0);
	CHECK(field(&t.r, "subject.claimed.timezone", &v) &&
	      strcmp(v.s, "America/New_York") == 0);
	NEAR(sl_subjects_score(s, "Jane", (T0 + 5) * US), 0.0, 1e-9);
	flow(&t, "203.0.113.7", "192.0.2.1", T0 + 10);
	sl_subjects_charge(s, NULL, &t.r);
	CHECK(field(&t.r, "subject.allowed", &v) && !v.b);
	sl_subjects_hit(s, &t.r, &rule_b); /* allowed by rule id */
	NEAR(sl_subjects_score(s, "Jane", (T0 + 20) * US), 0.0, 1e-9);
	sl_subjects_hit(s, &t.r, &rule_a); /* not allowed here */
	NEAR(sl_subjects_score(s, "Jane", (T0 + 20) * US), 60.0, 1e-9);
	CHECK_EQ_INT(sl_subjects_stats(s)->hits_allowed, 2);
	teardown(s);
}

static void test_replace_roster(void)
{
	TEST("roster reload: a subject the new roster still names keeps its score, others go");
	static const char two[] = "people:\n  - name: Amy\n    ip: 203.0.113.8\n"
				  "  - name: Ben\n    ip: 203.0.113.9\n";
	static const char one[] = "people:\n  - name: Zed\n    ip: 203.0.113.10\n"
				  "  - name: Ben\n    ip: 203.0.113.9\n";
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, two);
	struct tflow t;
	hit_flow(s, &t, "203.0.113.8", T0, &rule_a);
	hit_flow(s, &t, "203.0.113.9", T0 + 1, &rule_b);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 2);
	struct sl_roster *r = NULL;
	char err[256];
	CHECK(sl_roster_load_string(one, strlen(one), "n.yaml", &cfg.activity, &r, err,
				    sizeof(err)) == 0);
	sl_subjects_replace_roster(s, r);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 1);
	NEAR(sl_subjects_score(s, "Ben", (T0 + 5) * US), 60.0, 1e-9);
	NEAR(sl_subjects_score(s, "Amy", (T0 + 5) * US), -1.0, 1e-9); /* forgotten */
	/* Ben's next flow finds the kept subject under its new key. */
	hit_flow(s, &t, "203.0.113.9", T0 + 6, &rule_a);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 1);
	NEAR(sl_subjects_score(s, "Ben", (T0 + 7) * US), 84.0, 1e-9);
	hit_flow(s, &t, "203.0.113.10", T0 + 8, &rule_a);
	CHECK_EQ_STR(t.r.subject->id, "Zed");
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 2);
	teardown(s);
}

static bool alert_after(struct sl_subjects *s, struct tflow *t, uint64_t sec,
			const struct sl_rule_info *rule, struct sl_json *j)
{
	hit_flow(s, t, "203.0.113.5", sec, rule);
	return sl_subjects_alert(s, &t->r, j);
}

static void test_alert_levels(void)
{
	TEST("alerts: once per level (threshold 50: medium 50, high 75, critical 90), again after decay");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct sl_json j;
	struct tflow t;
	sl_json_init(&j);
	CHECK_EQ_INT(sl_subject_level_of(49.9, 50), SL_SUBJECT_LEVEL_NONE);
	CHECK_EQ_INT(sl_subject_level_of(50, 50), SL_SUBJECT_LEVEL_MEDIUM);
	CHECK_EQ_INT(sl_subject_level_of(75, 50), SL_SUBJECT_LEVEL_HIGH);
	CHECK_EQ_INT(sl_subject_level_of(90, 50), SL_SUBJECT_LEVEL_CRITICAL);
	CHECK(!alert_after(s, &t, T0, &rule_40, &j)); /* 40: below */
	CHECK(alert_after(s, &t, T0 + 1, &rule_a, &j)); /* 76: high at once */
	CHECK(strstr(j.buf, "\"event_type\":\"alert\"") && strstr(j.buf, "\"level\":\"high\""));
	CHECK(strstr(j.buf, "\"scope\":\"subject\"") && strstr(j.buf, "\"score\":76"));
	CHECK(strstr(j.buf, "\"id\":\"r-a\"") && strstr(j.buf, "\"id\":\"r-40\""));
	CHECK(strstr(j.buf, "\"community_ids\":[\"1:") != NULL);
	CHECK(strstr(j.buf, "\"subject\":{\"id\":\"203.0.113.5\"") != NULL);
	CHECK(!alert_after(s, &t, T0 + 2, &rule_a, &j));
	CHECK(!alert_after(s, &t, T0 + 3, &rule_c, &j)); /* same family: still 76 */
	CHECK(alert_after(s, &t, T0 + 4, &rule_80, &j)); /* 95.2: critical */
	CHECK(strstr(j.buf, "\"level\":\"critical\"") != NULL);
	CHECK(!alert_after(s, &t, T0 + 5, &rule_80, &j));
	CHECK_EQ_INT(sl_subjects_stats(s)->alerts, 2);
	/* r-a, r-c (same family, count 1 each) ... everything decays, then rises again */
	CHECK(alert_after(s, &t, T0 + 7200, &rule_a, &j));
	CHECK(strstr(j.buf, "\"level\":\"medium\"") && strstr(j.buf, "\"count\":1"));
	sl_json_finish(&j);
	teardown(s);
}

static void test_alert_facts(void)
{
	TEST("alert facts: kind by signature_id, the first 3 remotes with country and AS, the rest counted");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct sl_json j;
	struct tflow t;
	char srv[32];
	sl_json_init(&j);
	for (unsigned i = 1; i <= 5; i++) {
		snprintf(srv, sizeof(srv), "198.51.100.%u", i);
		flow(&t, "203.0.113.5", srv, T0 + i);
		geo(&t.geo[0], "KP", 39.0, 125.7, 0);
		geo(&t.geo[1], i == 2 ? "RU" : "CN", 41.8, 123.4, 0);
		t.geo[1].asn = 64500 + i;
		t.geo[1].have |= 1u << SL_GEO_ASN;
		t.r.geo[0] = &t.geo[0];
		t.r.geo[1] = &t.geo[1];
		sl_subjects_charge(s, NULL, &t.r);
		sl_subjects_hit(s, &t.r, &rule_a);
		if (i == 1)
			CHECK(sl_subjects_alert(s, &t.r, &j));
	}
	CHECK(strstr(j.buf, "\"signature_id\":9000001,") != NULL);
	CHECK(strstr(j.buf, "\"signature\":\"Subject's combined score reached medium\"") != NULL);
	CHECK(strstr(j.buf, "\"severity\":2,") && strstr(j.buf, "\"gid\":1,"));
	CHECK(strstr(j.buf, "\"action\":\"allowed\"") != NULL);
	sl_subjects_hit(s, &t.r, &rule_80); /* 92: critical */
	CHECK(sl_subjects_alert(s, &t.r, &j));
	CHECK(strstr(j.buf, "\"signature_id\":9000003,") && strstr(j.buf, "\"severity\":1,"));
	CHECK(strstr(j.buf, "\"signature\":\"Subject's combined score reached critical\"") != NULL);
	CHECK(strstr(j.buf, "\"facts\":{\"remotes\":[{\"ip\":\"198.51.100.1\",\"country\":\"CN\","
			    "\"asn\":64501},{\"ip\":\"198.51.100.2\",\"country\":\"RU\",\"asn\":64502},"
			    "{\"ip\":\"198.51.100.3\",\"country\":\"CN\",\"asn\":64503}],"
			    "\"remotes_unlisted\":2,\"place\":{\"observed_countries\":[\"KP\"]}}") != NULL);
	/* a rule that reads no activity, physics or travel field shows none of them */
	CHECK(!strstr(j.buf, "\"activity\":") && !strstr(j.buf, "\"lightspeed\":"));
	CHECK_EQ_INT(sl_subject_alert_sid(SL_SUBJECT_LEVEL_HIGH), SL_SUBJECT_SID_BASE + 2);
	CHECK_EQ_INT(sl_subject_alert_sid(SL_SUBJECT_LEVEL_NONE), 0);
	sl_json_finish(&j);
	teardown(s);
}

static void test_alert_matched(void)
{
	TEST("alert facts: a rule's selections that held, over its hits, first seen first");
	static const char rule[] = "title: t\nid: r-ab\nscore: 60\nfamily: f\nscope: subject\n"
				   "detection:\n  by_x: {app: x}\n  by_y: {app: y}\n"
				   "  filter: {app: z}\n  condition: (by_x or by_y) and not filter\n";
	struct sl_rules *pack = NULL;
	struct sl_rule_error err;
	CHECK(sl_rules_load_mem("t.yml", rule, strlen(rule), &pack, &err) == 0);
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct sl_json j;
	struct tflow t;
	sl_json_init(&j);
	const char *apps[] = { "y", "y", "x" };
	for (unsigned i = 0; i < ARRAY_SIZE(apps); i++) {
		flow(&t, "203.0.113.5", "198.51.100.1", T0 + i);
		t.f.product = apps[i];
		t.f.category = "vpn";
		sl_subjects_charge(s, NULL, &t.r);
		sl_subjects_hit(s, &t.r, sl_rules_info(pack, 0));
	}
	CHECK(sl_subjects_alert(s, &t.r, &j));
	CHECK(strstr(j.buf, "\"facts\":{\"matched\":[\"by_y\",\"by_x\"],") != NULL);
	CHECK(strstr(j.buf, "\"apps\":[\"y\",\"x\"]") != NULL);
	sl_json_finish(&j);
	teardown(s);
	sl_rules_destroy(pack);
}

static void test_evidence(void)
{
	TEST("evidence: at most scoring.evidence_max community_ids per rule, one per flow");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	cfg.scoring.evidence_max = 2;
	sl_subjects_destroy(s);
	char err[256];
	CHECK_EQ_INT(sl_subjects_create(&cfg, &s, err, sizeof(err)), 0);
	struct tflow t;
	struct sl_json j;
	sl_json_init(&j);
	for (unsigned i = 0; i < 3; i++) {
		flow(&t, "203.0.113.9", "198.51.100.1", T0 + i);
		t.f.cport = (uint16_t)(40000 + i);
		sl_subjects_charge(s, NULL, &t.r);
		sl_subjects_hit(s, &t.r, &rule_80);
		sl_subjects_hit(s, &t.r, &rule_80); /* the same flow twice: one id */
	}
	CHECK(sl_subjects_alert(s, &t.r, &j));
	char cid[SL_COMMUNITY_ID_LEN];
	sl_flow_community_id(&t.f, 0, cid);
	CHECK(strstr(j.buf, "\"count\":6") != NULL);
	char *ids = strstr(j.buf, "\"community_ids\":[");
	unsigned n = 0;
	for (char *p = ids; p && (p = strstr(p, "\"1:")) != NULL; p++)
		n++;
	CHECK_EQ_INT(n, 2);
	CHECK(ids && strstr(ids, cid) != NULL); /* the newest is kept */
	sl_json_finish(&j);
	teardown(s);
}

static void test_lru(void)
{
	TEST("LRU: the 17th subject of 16 forgets the least recently seen");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct tflow t;
	char ip[32];
	for (unsigned i = 1; i <= 16; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%u", i);
		hit_flow(s, &t, ip, T0 + i, &rule_a);
	}
	hit_flow(s, &t, "203.0.113.1", T0 + 20, &rule_b); /* 1 is recent again */
	hit_flow(s, &t, "203.0.113.17", T0 + 21, &rule_a);
	CHECK_EQ_INT(sl_subjects_stats(s)->evictions, 1);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 16);
	CHECK(sl_subjects_score(s, "203.0.113.2", (T0 + 22) * US) < 0);
	NEAR(sl_subjects_score(s, "203.0.113.1", (T0 + 22) * US), 84.0, 1e-9);
	NEAR(sl_subjects_score(s, "203.0.113.17", (T0 + 22) * US), 60.0, 1e-9);
	/* evicted hits went back to the pool: a full cycle more keeps working */
	for (unsigned i = 100; i < 140; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%u", i);
		hit_flow(s, &t, ip, T0 + i, &rule_a);
	}
	CHECK_EQ_INT(sl_subjects_stats(s)->hits_dropped, 0);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 16);
	teardown(s);
}

static void test_travel(void)
{
	TEST("travel: New York then Pyongyang 2 h later is 5462 km/h, impossible");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct sl_geo_result ny, pyo;
	struct tflow t;
	struct sl_value v;
	geo(&ny, "US", 40.71, -74.01, 0);
	geo(&pyo, "KP", 39.03, 125.75, 0);
	flow(&t, "203.0.113.7", "10.0.0.1", T0)->geo[0] = &ny;
	sl_subjects_charge(s, NULL, &t.r);
	CHECK(isnan(dfield(&t.r, "travel.distance_km")));
	flow(&t, "203.0.113.7", "10.0.0.1", T0 + 7200)->geo[0] = &pyo;
	sl_subjects_charge(s, NULL, &t.r);
	NEAR(dfield(&t.r, "travel.distance_km"), 10924.6, 0.11);
	NEAR(dfield(&t.r, "travel.hours"), 2.0, 1e-9);
	NEAR(dfield(&t.r, "travel.speed_kmh"), 5462.3, 0.11);
	CHECK(field(&t.r, "travel.impossible", &v) && v.b);
	CHECK(field(&t.r, "travel.from_country", &v) && strcmp(v.s, "US") == 0);
	CHECK(field(&t.r, "subject.countries", &v) && v.n == 2 && strcmp(v.strs[1], "KP") == 0);
	/* back to New York a day later: 455 km/h, possible */
	flow(&t, "203.0.113.7", "10.0.0.1", T0 + 7200 + 86400)->geo[0] = &ny;
	sl_subjects_charge(s, NULL, &t.r);
	NEAR(dfield(&t.r, "travel.speed_kmh"), 455.2, 0.11);
	CHECK(field(&t.r, "travel.impossible", &v) && !v.b);
	/* fast, but inside the accuracy radii: not impossible */
	geo(&pyo, "KP", 39.03, 125.75, 6000);
	geo(&ny, "US", 40.71, -74.01, 6000);
	flow(&t, "203.0.113.7", "10.0.0.1", T0 + 7200 + 86400 + 60)->geo[0] = &pyo;
	sl_subjects_charge(s, NULL, &t.r);
	CHECK(field(&t.r, "travel.impossible", &v) && v.b); /* previous radius was 0 */
	flow(&t, "203.0.113.7", "10.0.0.1", T0 + 7200 + 86400 + 120)->geo[0] = &ny;
	sl_subjects_charge(s, NULL, &t.r);
	CHECK(field(&t.r, "travel.impossible", &v) && !v.b);
	teardown(s);
}

static const char ny_roster[] =
	"people:\n"
	"  - name: Sam\n"
	"    ip: 203.0.113.8\n"
	"    city: New York\n"
	"    country: US\n"
	"    timezone: America/New_York\n"
	"    work_hours: \"09:00-17:00\"\n";

/* The activity fit as first written: every hour of the day, the local
 * minute of its middle by two remainders. */
static double ref_fit(const uint32_t hours[24], int32_t off, uint16_t ws, uint16_t we)
{
	uint64_t in = 0, all = 0;
	for (int h = 0; h < 24; h++) {
		if (!hours[h])
			continue;
		int lm = ((h * 60 + 30 + off / 60) % 1440 + 1440) % 1440;
		bool inside = ws < we ? lm >= ws && lm < we : lm >= ws || lm < we;
		in += inside ? hours[h] : 0;
		all += hours[h];
	}
	return all ? (double)in / (double)all : 0;
}

/* sl_subj_fit over the non-empty hours equals the plain fit bit for bit:
 * random activity (empty, one hour, all hours, huge counts), every quarter
 * hour of offset from -26 h to +26 h and odd seconds, windows plain,
 * wrapping past midnight, empty and whole-day. */
static void test_fit(void)
{
	uint64_t seed = 7;
	unsigned differ = 0, cases = 0;
	for (unsigned i = 0; i < 400; i++) {
		struct subject x;
		memset(&x, 0, sizeof(x));
		for (int h = 0; h < 24; h++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned r = (unsigned)(seed >> 40);
			x.hours[h] = i % 7 == 0 ? 0 : i % 7 == 1 ? (h == (int)(i % 24)) * 5u :
				     r % 3 == 0 ? 0 : i % 5 == 0 ? UINT32_MAX - r % 100 : r % 61;
		}
		struct subj_hours z;
		sl_subj_hours(&x, &z);
		for (int32_t off = -26 * 3600; off <= 26 * 3600; off += 900 + (i % 3 ? 0 : 17)) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint16_t ws = (uint16_t)((seed >> 20) % 1441), we = (uint16_t)((seed >> 40) % 1441);
			if (i % 11 == 0)
				we = ws;
			double a = sl_subj_fit(&z, off, ws, we), b = ref_fit(x.hours, off, ws, we);
			differ += memcmp(&a, &b, sizeof(a)) != 0;
			cases++;
		}
	}
	CHECK_EQ_INT(differ, 0);
	CHECK(cases > 80000);
}

static void test_activity(void)
{
	TEST("activity: Pyongyang office hours against a New York claim");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, ny_roster);
	struct tflow t;
	struct sl_value v;
	/* 09:10-16:10 KST = 00:10-07:10 UTC; the second flow in one minute counts once */
	for (unsigned h = 0; h < 8; h++) {
		flow(&t, "203.0.113.8", "198.51.100.1", T0 + h * 3600 + 600);
		sl_subjects_charge(s, NULL, &t.r);
		if (h == 2) {
			CHECK(field(&t.r, "subject.activity.hours", &v) && v.u == 3);
			CHECK(!field(&t.r, "subject.activity.claimed_fit", &v));
			CHECK(!field(&t.r, "subject.activity.best_zone", &v));
		}
	}
	flow(&t, "203.0.113.8", "198.51.100.1", T0 + 7 * 3600 + 610);
	sl_subjects_charge(s, NULL, &t.r);
	CHECK(field(&t.r, "subject.activity.hours", &v) && v.u == 8);
	NEAR(dfield(&t.r, "subject.activity.claimed_fit"), 0.0, 1e-9);
	CHECK(field(&t.r, "subject.activity.best_zone", &v) && strcmp(v.s, "Asia/Pyongyang") == 0);
	NEAR(dfield(&t.r, "subject.activity.best_fit"), 1.0, 1e-9);
	/* then a New York day 14:00-17:00 UTC = 09:00-12:00 EST: 3 of 11 minutes fit */
	for (unsigned h = 14; h < 17; h++) {
		flow(&t, "203.0.113.8", "198.51.100.1", T0 + h * 3600);
		sl_subjects_charge(s, NULL, &t.r);
	}
	NEAR(dfield(&t.r, "subject.activity.claimed_fit"), 3.0 / 11, 0.0006);
	NEAR(dfield(&t.r, "subject.activity.best_fit"), 8.0 / 11, 0.0006);
	teardown(s);
}

/* The fits kept for a subject's slot are those of its hours now: after its
 * hours change, and for another subject's hours in the same slot, the
 * verdicts equal those worked out without anything kept. */
static void test_kept_fits(void)
{
	TEST("activity: kept fits follow the subject's hours");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct subj_fits memo;
	memset(&memo, 0, sizeof(memo));
	struct subject x;
	memset(&x, 0, sizeof(x));
	unsigned differ = 0, kept = 0;
	for (unsigned step = 0; step < 60; step++) {
		/* office hours in Pyongyang, then more and more New York evenings,
		 * now and then a whole other subject's hours */
		if (step % 20 == 0)
			memset(x.hours, 0, sizeof(x.hours));
		x.hours[step % 20 < 10 ? step % 8 : 14 + step % 8] += 1 + step % 3;
		for (unsigned again = 0; again < 2; again++) {
			struct sl_subject_view a = { 0 }, b = { 0 };
			uint8_t had = memo.have;
			sl_subj_activity(s, &x, (T0 + step * 3600) * US, &memo, &a);
			sl_subj_activity(s, &x, (T0 + step * 3600) * US, NULL, &b);
			kept += again && had && memo.have == had;
			differ += a.activity_hours != b.activity_hours ||
				  a.have_activity != b.have_activity ||
				  memcmp(&a.best_fit, &b.best_fit, sizeof(a.best_fit)) != 0 ||
				  a.best_zone != b.best_zone;
		}
	}
	CHECK_EQ_INT(differ, 0);
	CHECK(kept > 0);
	teardown(s);
}

/* The id text kept for a slot is the subject's own: subjects of each kind
 * taking turns in one slot each read the id sl_subj_id() writes. */
static void test_kept_id(void)
{
	TEST("subjects: the id text kept for a slot follows the subject in it");
	struct subj_id_text kept;
	memset(&kept, 0, sizeof(kept));
	struct subject x[4];
	memset(x, 0, sizeof(x));
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	x[0].kind = SL_SUBJECT_ADDRESS, x[0].key_len = 4;
	memcpy(x[0].key, (uint8_t[]){ 203, 0, 113, 8 }, 4);
	x[1].kind = SL_SUBJECT_ADDRESS, x[1].key_len = 16;
	memcpy(x[1].key, v6, 16);
	x[2].kind = SL_SUBJECT_HOST, x[2].key_len = 6;
	memcpy(x[2].key, (uint8_t[]){ 2, 0, 0x0a, 0x4d, 0, 2 }, 6);
	x[3] = x[0];
	x[3].key[3] = 9;
	unsigned differ = 0;
	for (unsigned i = 0; i < 12; i++) {
		char a[SL_ROSTER_NAME_MAX], b[SL_ROSTER_NAME_MAX];
		const struct subject *y = &x[(i * 3 + i / 4) % 4];
		sl_subj_id_kept(y, &kept, a, sizeof(a));
		sl_subj_id(y, b, sizeof(b));
		differ += strcmp(a, b) != 0;
	}
	CHECK_EQ_INT(differ, 0);
	char a[SL_ROSTER_NAME_MAX];
	sl_subj_id_kept(&x[0], &kept, a, sizeof(a));
	CHECK_EQ_STR(a, "203.0.113.8");
	sl_subj_id_kept(&x[3], &kept, a, sizeof(a));
	CHECK_EQ_STR(a, "203.0.113.9");
}

static const char farm_roster[] = "people:\n"
				  "- {name: Ann, ip: [203.0.113.140, 203.0.113.141, 203.0.113.140]}\n"
				  "- {name: Ben, ip: [203.0.113.140]}\n"
				  "- {name: Cy, ip: [203.0.113.140]}\n";

static void test_farm_and_vantage(void)
{
	TEST("farm signs and vantage: egress_subjects, host vs edge vs auto");
	struct sl_subjects *s = setup(SL_VANTAGE_HOST, NULL);
	struct tflow t;
	struct sl_value v;
	const char *hosts[] = { "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.3" };
	unsigned want[] = { 1, 2, 3, 3 };
	for (unsigned i = 0; i < 4; i++) {
		flow(&t, hosts[i], "198.51.100.1", T0 + i);
		sl_subjects_charge(s, NULL, &t.r);
		CHECK(field(&t.r, "subject.egress_subjects", &v) && v.u == want[i]);
		CHECK_EQ_STR(t.r.subject->kind, "address");
	}
	flow(&t, "198.51.100.7", "10.0.0.9", T0); /* inbound: host charges the inside side */
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "10.0.0.9");
	CHECK(field(&t.r, "subject.remote_access_apps_count", &v) && v.u == 0);
	teardown(s);
	/* At the edge, people the roster ties to the client's address count even
	 * when every flow is charged to the first of them. */
	s = setup(SL_VANTAGE_EDGE, farm_roster);
	flow(&t, "203.0.113.140", "10.0.0.1", T0);
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "Ann");
	CHECK(field(&t.r, "subject.egress_subjects", &v) && v.u == 3);
	flow(&t, "203.0.113.141", "10.0.0.1", T0);
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "Ann");
	CHECK(field(&t.r, "subject.egress_subjects", &v) && v.u == 1);
	/* The address is the server's: Ann and 10.0.0.1 were seen, the roster's three not counted. */
	flow(&t, "10.0.0.1", "203.0.113.140", T0);
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "10.0.0.1");
	CHECK(field(&t.r, "subject.egress_subjects", &v) && v.u == 2);
	teardown(s);
	s = setup(SL_VANTAGE_AUTO, NULL);
	flow(&t, "198.51.100.7", "10.0.0.9", T0); /* inbound, not remote access: the client */
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "198.51.100.7");
	flow(&t, "10.0.0.9", "198.51.100.7", T0); /* outbound: the inside client */
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "10.0.0.9");
	teardown(s);
	s = setup(SL_VANTAGE_EDGE, NULL);
	flow(&t, "10.0.0.9", "198.51.100.7", T0);
	CHECK_EQ_STR(sl_subjects_charge(s, NULL, &t.r)->id, "10.0.0.9");
	teardown(s);
}

static void test_summary_and_table(void)
{
	TEST("summaries every summary_interval and at the end; the stderr table");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, ny_roster);
	struct tflow t;
	struct sl_json j;
	sl_json_init(&j);
	char ip[32];
	for (unsigned i = 1; i <= 14; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%u", i + 100);
		hit_flow(s, &t, ip, T0, i == 3 ? &rule_80 : &rule_40);
	}
	hit_flow(s, &t, "203.0.113.8", T0, &rule_a);
	CHECK(!sl_subjects_summary(s, T0 * US, false, &j)); /* sets the clock */
	CHECK(!sl_subjects_summary(s, (T0 + 3599) * US, false, &j));
	unsigned n = 0;
	while (sl_subjects_summary(s, (T0 + 3600) * US, false, &j)) {
		if (n++ == 0) /* highest score first */
			CHECK(strstr(j.buf, "\"id\":\"203.0.113.103\"") &&
			      strstr(j.buf, "\"event_type\":\"subject\"") &&
			      strstr(j.buf, "\"score\":80") && strstr(j.buf, "\"level\":\"high\""));
	}
	CHECK_EQ_INT(n, 15);
	hit_flow(s, &t, "203.0.113.8", T0 + 4000, &rule_b);
	n = 0;
	while (sl_subjects_summary(s, (T0 + 7200) * US, false, &j)) /* only Sam was seen */
		CHECK(n++ == 0 && strstr(j.buf, "\"name\":\"Sam\"") &&
		      strstr(j.buf, "\"claimed\":{\"country\":\"US\",\"city\":\"New York\"") &&
		      strstr(j.buf, "\"top\":[{\"id\":\"r-b\""));
	CHECK_EQ_INT(n, 1);
	n = 0;
	while (sl_subjects_summary(s, (T0 + 7300) * US, true, &j))
		n++;
	CHECK_EQ_INT(n, 15);
	CHECK(!sl_subjects_summary(s, (T0 + 9999) * US, true, &j));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sl_subjects_print(s, f, 5);
	fclose(f);
	CHECK(text && strstr(text, "Sam") && strstr(text, "New York, US"));
	/* Sam peaked at 60 with the remote tool; the VPN exit came after it had
	 * decayed, reaching 60 again but no higher: the reasons shown are the peak's */
	CHECK(text && strstr(text, "... 10 more") && strstr(text, "Remote tool (60)"));
	CHECK(text && !strstr(text, "VPN exit (60)"));
	CHECK(text && strstr(text, "DPRK space (80)") < strstr(text, "Remote tool (60)"));
	CHECK(text && strstr(text, "15 seen, 0 forgotten; 0 subject alerts on 0 of them"));
	free(text);
	sl_json_finish(&j);
	teardown(s);
}

static bool endpoint(const char *text)
{
	struct sl_addr a;
	sl_addr_parse(text, &a);
	return sl_subject_is_endpoint(&cfg, &a);
}

/* A fact that addr is at mac, as ARP or neighbour discovery tells it. */
static void bind(struct sl_hosts *h, const char *addr, const uint8_t *mac)
{
	struct sl_host_fact f = { .kind = SL_HOST_NEIGHBOUR };
	sl_addr_parse(addr, &f.neighbour.addr);
	memcpy(f.neighbour.mac, mac, 6);
	sl_hosts_learn(h, &f);
}

static void test_endpoints(void)
{
	TEST("only endpoints are subjects; one host's addresses are one subject by MAC");
	struct sl_subjects *s = setup(SL_VANTAGE_HOST, NULL);
	CHECK(!endpoint("0.0.0.0") && !endpoint("::") && !endpoint("255.255.255.255"));
	CHECK(!endpoint("224.0.0.251") && !endpoint("239.255.102.18") && !endpoint("ff02::1:ff00:2"));
	CHECK(!endpoint("10.255.255.255") && !endpoint("192.168.255.255")); /* home broadcasts */
	CHECK(endpoint("10.77.0.2") && endpoint("fe80::2") && endpoint("2001:db8::2"));
	CHECK(endpoint("192.168.1.255")); /* a /24's broadcast only when home_networks says /24 */
	struct tflow t;
	flow(&t, "0.0.0.0", "255.255.255.255", T0);
	CHECK(!sl_subjects_charge(s, NULL, &t.r) && !t.r.subject);
	flow(&t, "::", "ff02::1:ff00:2", T0);
	CHECK(!sl_subjects_charge(s, NULL, &t.r));
	CHECK_EQ_INT(sl_subjects_stats(s)->not_endpoints, 2);
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 0);

	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x0a };
	struct sl_hosts *h = NULL;
	char err[128];
	CHECK_EQ_INT(sl_hosts_create(&cfg, &h, err, sizeof(err)), 0);
	bind(h, "10.77.0.2", mac);
	bind(h, "fe80::2", mac);
	bind(h, "2001:db8:77::2", mac);
	const char *addrs[] = { "10.77.0.2", "fe80::2", "2001:db8:77::2" };
	for (unsigned i = 0; i < 3; i++) {
		flow(&t, addrs[i], i ? "2001:db8:51::20" : "198.51.100.20", T0 + i);
		const struct sl_subject_view *v = sl_subjects_charge(s, h, &t.r);
		CHECK(v && strcmp(v->id, "02:00:5e:40:00:0a") == 0 && strcmp(v->kind, "host") == 0);
	}
	CHECK_EQ_INT(sl_subjects_stats(s)->tracked, 1);
	/* a neighbour advertisement to the host counts no subject behind its address */
	flow(&t, "2001:db8:77::1", "2001:db8:77::2", T0 + 5);
	t.f.proto = 58;
	t.f.icmp_type = 136;
	const struct sl_subject_view *v = sl_subjects_charge(s, h, &t.r);
	CHECK(v && v->egress_subjects == 0);
	sl_hosts_destroy(h);
	teardown(s);
}

/* A flow charged early (a rule hit before its end) viewed again at its end:
 * the subject as it stands then, the flow not counted twice, and its own
 * sighting never the place it travels from. */
static void test_view_again(void)
{
	TEST("view: a flow charged early sees later flows at its end, counted once");
	struct sl_subjects *s = setup(SL_VANTAGE_EDGE, NULL);
	struct sl_geo_result ny, pyo;
	struct tflow a, b;
	struct sl_value v;
	geo(&ny, "US", 40.71, -74.01, 0);
	geo(&pyo, "KP", 39.03, 125.75, 0);
	flow(&a, "203.0.113.7", "10.0.0.1", T0)->geo[0] = &ny;
	sl_subjects_charge(s, NULL, &a.r); /* A charged early */
	struct sl_subject_view kept = *a.r.subject;
	flow(&b, "203.0.113.7", "10.0.0.1", T0 + 7200)->geo[0] = &pyo;
	sl_subjects_charge(s, NULL, &b.r); /* B charged (ended) while A lasts */
	a.f.last = (T0 + 9000) * US;   /* A ends */
	a.r.subject = &kept;
	const struct sl_subject_view *now = sl_subjects_view(s, &a.r);
	CHECK(now && a.r.subject == now);
	CHECK(field(&a.r, "subject.countries", &v) && v.n == 2);
	/* A's own place is the subject's oldest; B (2 h later, Pyongyang) is
	 * the latest sighting, so A travels from there: impossible */
	CHECK(field(&a.r, "travel.impossible", &v) && v.b);
	CHECK(field(&a.r, "travel.from_country", &v) && strcmp(v.s, "KP") == 0);
	/* B viewed again: its own sighting is the latest, so it travels from
	 * the one before (A's New York), not from itself */
	struct sl_subject_view kept_b = *b.r.subject;
	b.r.subject = &kept_b;
	sl_subjects_view(s, &b.r);
	NEAR(dfield(&b.r, "travel.speed_kmh"), 5462.3, 0.11);
	CHECK(field(&b.r, "travel.from_country", &v) && strcmp(v.s, "US") == 0);
	/* viewed twice, still two flows, and seen last at A's end */
	sl_subjects_view(s, &a.r);
	struct sl_json j = { 0 };
	CHECK(sl_subjects_summary(s, (T0 + 9000) * US, true, &j));
	CHECK(strstr(j.buf, "\"flows\":2,") != NULL);
	CHECK(strstr(j.buf, "\"last_seen\":\"2024-01-15T02:30:00.000000+0000\"") != NULL);
	sl_json_finish(&j);
	/* a forgotten subject: nothing to view, the record untouched */
	struct sl_subject_view gone = kept;
	gone.subject_gen++;
	a.r.subject = &gone;
	CHECK(sl_subjects_view(s, &a.r) == NULL && a.r.subject == &gone);
	teardown(s);
}


/* The hit pool hands out hits lazily (sl_subj_hit_take): over random takes
 * and frees it must give exactly the refs a free list of every hit, linked
 * in index order at start, gave (the pool before it was lazy), and 0 once
 * all are taken. */
static void test_hit_pool(void)
{
	TEST("subjects: the lazy hit pool gives the refs of a full free list");
	struct sl_subjects *s = setup(0, NULL);
	uint32_t n = s->n_hits, *model = calloc(n, sizeof(*model)), *held = calloc(n, sizeof(*held));
	uint32_t m = n, nheld = 0, differ = 0, seed = 7;
	for (uint32_t i = 0; i < n; i++)
		model[i] = n - i; /* a stack: the top (model[m - 1]) is taken next */
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		bool take = nheld == 0 || (seed >> 16) % 100 < (step % 4000 < 2000 ? 70u : 30u);
		if (take) {
			uint32_t want = m ? model[--m] : 0, got = sl_subj_hit_take(s);
			differ += want != got;
			if (got)
				held[nheld++] = got;
		} else {
			uint32_t k = (seed >> 8) % nheld, ref = held[k];
			held[k] = held[--nheld];
			/* as subject_score.c's free_hit(): pushed on the free list */
			s->hits[ref - 1] = (struct hit){ .next_free = s->hit_free };
			s->hit_free = ref;
			model[m++] = ref;
		}
	}
	CHECK_EQ_INT(differ, 0);
	while (nheld < n && sl_subj_hit_take(s))
		nheld++;
	CHECK_EQ_INT(nheld, n);
	CHECK_EQ_INT(sl_subj_hit_take(s), 0);
	free(model);
	free(held);
	teardown(s);
}

int main(void)
{
	test_fit();
	test_hit_pool();
	test_endpoints();
	test_replace_roster();
	test_physics();
	test_noisy_or_decay();
	test_allow();
	test_alert_levels();
	test_alert_facts();
	test_alert_matched();
	test_evidence();
	test_lru();
	test_travel();
	test_view_again();
	test_activity();
	test_kept_fits();
	test_kept_id();
	test_farm_and_vantage();
	test_summary_and_table();
	return TEST_REPORT();
}
