/* The event kinds and their schema: one type per name, every kind with its
 * header, hand-written fields declared without getters, and a schema that
 * names each kind's fields. */
#include <stdlib.h>
#include <string.h>

#include "sightline/engine.h"
#include "sightline/rules.h"
#include "sightline/schema.h"
#include "../../sensor/engine/engine_priv.h"
#include "../../sensor/output/output_priv.h"
#include "../../sensor/score/score_priv.h"
#include "../../sensor/subject/subject_priv.h"
#include "testhelp.h"

struct seen {
	bool timestamp, event_type, scope;
	size_t n;
};

static void note(void *ctx, const struct sl_field *f)
{
	struct seen *s = ctx;
	s->timestamp |= !strcmp(f->name, "timestamp");
	s->event_type |= !strcmp(f->name, "event_type");
	s->scope |= !strcmp(f->name, "alert.scope");
	s->n++;
}

static void test_kinds(void)
{
	CHECK(sl_event_kinds() >= 7);
	CHECK(sl_event_kind_at(sl_event_kinds()) == NULL);
	for (size_t i = 0; i < sl_event_kinds(); i++) {
		const struct sl_event_kind *k = sl_event_kind_at(i);
		struct seen s = { 0 };
		sl_event_kind_fields(k, note, &s);
		CHECK(s.timestamp && s.event_type);
		CHECK(!k->scope || s.scope); /* an alert kind declares its scope */
		CHECK(s.n > 2);
	}
}

/* Fields of an event's own writer have no getter, and no place in a
 * record (written by hand, or declared in the writer's own struct): nothing
 * may read them as if they were record fields. */
static void test_own_tables(void)
{
	const struct sl_field_table *tabs[] = { &sl_alert_fields, &sl_subject_alert_fields,
						&sl_subject_summary_fields,
						&sl_subject_event_fields, &sl_stats_fields,
						&sl_output_stats_fields };
	for (size_t t = 0; t < ARRAY_SIZE(tabs); t++)
		for (size_t i = 0; i < tabs[t]->n; i++) {
			const struct sl_field *f = &tabs[t]->fields[i];
			struct sl_record r = { 0 };
			struct sl_value v;
			CHECK(f->get == NULL);
			CHECK(f->at.base == SL_AT_COMPUTED || f->at.base == SL_AT_OWN);
			CHECK(f->at.base != SL_AT_OWN || !sl_field_get(f, &r, &v));
			CHECK(f->desc && f->desc[0]);
		}
}

/* The key a declared stats field (not a '*' one) is written under, with its
 * value: "files":11 for stats.capture.files. */
static bool has_leaf(const char *json, const char *name, const char *value)
{
	char want[128];
	const char *leaf = strrchr(name, '.');
	snprintf(want, sizeof(want), "\"%s\":%s", leaf ? leaf + 1 : name, value);
	return strstr(json, want) != NULL;
}

/* The stats event is written from its declarations alone: each counter
 * where its declaration says, the enumerated ones one key per name, the
 * identity block only with identity sources. */
static void test_stats_writer(void)
{
	struct sl_stats_view s;
	memset(&s, 0, sizeof(s));
	s.t.st.files = 11;
	s.t.st.time_backwards = 12;
	s.t.dec.reasons[SL_DEC__COUNT - 1] = 13;
	s.t.dec.layers[0] = 14;
	s.t.flow.capacity = 262144;
	s.t.flow.ended[SL_END_SHUTDOWN] = 15;
	s.table_bytes = 16;
	s.subj.not_endpoints = 17;
	s.bind.evicted = 18;
	s.out.write_errors = 19;
	s.events_lost = 20;
	struct sl_json j;
	sl_json_init(&j);
	for (int with_identity = 0; with_identity < 2; with_identity++) {
		s.identity = with_identity;
		sl_json_begin(&j);
		sl_fields_write(&sl_stats_fields, &s, &j);
		sl_json_end(&j);
		const char *buf = j.buf;
		CHECK(!j.failed);
		CHECK(strstr(buf, "{\"stats\":{\"capture\":{\"files\":11,") == buf);
		CHECK(has_leaf(buf, "time_backwards", "12}"));
		CHECK(has_leaf(buf, "capacity", "262144"));
		CHECK(strstr(buf, "\"shutdown\":15}") != NULL);
		char want[128];
		snprintf(want, sizeof(want), "\"layers\":{\"%s\":14,",
			 sl_decode_layer_name((enum sl_decode_layer)0));
		CHECK(strstr(buf, want) != NULL);
		const char *last = sl_decode_reason_name((enum sl_decode_reason)(SL_DEC__COUNT - 1));
		CHECK(has_leaf(buf, strrchr(last, '.') ? strrchr(last, '.') + 1 : last, "13"));
		CHECK(has_leaf(buf, "table_bytes_per_flow", "16"));
		CHECK(has_leaf(buf, "not_endpoints", "17}"));
		CHECK(has_leaf(buf, "write_errors", "19"));
		CHECK(strstr(buf, "\"events_lost\":20}}}") != NULL);
		CHECK_EQ_INT(strstr(buf, "\"identity\":{") != NULL, with_identity);
		CHECK_EQ_INT(has_leaf(buf, "bindings_evicted", "18}"), with_identity);
		/* every declared counter is written, under its own key */
		for (size_t i = 0; i < sl_stats_fields.n; i++) {
			const char *name = sl_stats_fields.fields[i].name;
			if (strchr(name, '*') || (!with_identity && strstr(name, ".identity.")))
				continue;
			char key[96];
			snprintf(key, sizeof(key), "\"%s\":", strrchr(name, '.') + 1);
			CHECK(strstr(buf, key) != NULL);
		}
	}
	sl_json_finish(&j);
}

/* stats.outputs[] is written from its element table: every member under
 * its own key in declaration order, zeros and false included. */
static void test_output_rows(void)
{
	struct sl_output_stats_row row;
	memset(&row, 0, sizeof(row));
	row.st.type = "file";
	row.st.events = 5;
	row.st.delivered = 3;
	row.in_flight = 2;
	row.reopen_errno = 13;
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_fields_open_array(&sl_output_stats_fields, &j);
	sl_fields_write_element(&sl_output_stats_fields, &row, &j);
	row.st.connected = true;
	snprintf(row.st.destination, sizeof(row.st.destination), "eve.json");
	sl_fields_write_element(&sl_output_stats_fields, &row, &j);
	sl_json_close_array(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf,
		     "{\"stats\":{\"outputs\":["
		     "{\"type\":\"file\",\"destination\":\"\",\"events\":5,\"queued\":0,"
		     "\"in_flight\":2,\"delivered\":3,\"dropped\":0,\"resent\":0,\"reconnects\":0,"
		     "\"reopens\":0,\"reopen_failures\":0,\"reopen_errno\":13,\"connected\":false},"
		     "{\"type\":\"file\",\"destination\":\"eve.json\",\"events\":5,\"queued\":0,"
		     "\"in_flight\":2,\"delivered\":3,\"dropped\":0,\"resent\":0,\"reconnects\":0,"
		     "\"reopens\":0,\"reopen_failures\":0,\"reopen_errno\":13,\"connected\":true}]}}");
	sl_json_finish(&j);
}

/* A subject summary's counters are written from their declarations, at
 * the level of the subject object: rounded to one decimal, peak_at only
 * once the subject scored. */
static void test_subject_summary(void)
{
	struct subj_summary_view v = { .first = 1000000, .last = 2000000, .flows = 7,
				       .score = 73.96, .level = "medium", .peak = 0 };
	struct sl_json j;
	sl_json_init(&j);
	for (int peaked = 0; peaked < 2; peaked++) {
		v.peaked = peaked;
		v.peak = peaked ? 80.04 : 0;
		v.peak_at = peaked ? 3000000 : 0;
		v.alerts = (uint64_t)peaked;
		sl_json_begin(&j);
		sl_json_key(&j, "subject");
		sl_json_open_object(&j);
		sl_fields_write_keys(&sl_subject_summary_fields, &v, &j);
		sl_json_close_object(&j);
		sl_json_end(&j);
		CHECK_EQ_STR(j.buf, peaked ?
			     "{\"subject\":{\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
			     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\",\"flows\":7,\"score\":74,"
			     "\"level\":\"medium\",\"peak_score\":80,"
			     "\"peak_at\":\"1970-01-01T00:00:03.000000+0000\",\"alerts\":1}}" :
			     "{\"subject\":{\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
			     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\",\"flows\":7,\"score\":74,"
			     "\"level\":\"medium\",\"peak_score\":0,\"alerts\":0}}");
	}
	sl_json_finish(&j);
}

/* Each test below fills a view with a distinct value per member and holds
 * the JSON written from the declarations to the exact text: a declaration
 * naming the wrong member (offset), the wrong kind or presence rule, or a
 * key out of order fails it. */
static const char *written(struct sl_json *j, const struct sl_field_table *t, const void *base)
{
	sl_json_begin(j);
	sl_fields_write(t, base, j);
	sl_json_path_reset(j);
	sl_json_end(j);
	return j->buf;
}

/* The subject block of subject events and subject alerts: countries always
 * ([] when none), the claimed object only with something claimed. */
static void test_subject_block(void)
{
	struct subj_block_view b = { .id = "alice", .name = "Alice", .kind = "roster",
				     .hostname = "alice-pc", .claimed_country = "DE",
				     .claimed_city = "Berlin", .claimed_tz = "Europe/Berlin",
				     .countries = { "US", "KP" }, .n_countries = 2 };
	struct sl_json j;
	sl_json_init(&j);
	CHECK_EQ_STR(written(&j, &sl_subject_block_fields, &b),
		     "{\"subject\":{\"id\":\"alice\",\"name\":\"Alice\",\"kind\":\"roster\","
		     "\"hostname\":\"alice-pc\",\"claimed\":{\"country\":\"DE\",\"city\":\"Berlin\","
		     "\"timezone\":\"Europe/Berlin\"},\"countries\":[\"US\",\"KP\"]}}");
	struct subj_block_view a = { .id = "10.0.0.5", .kind = "address", .claimed_country = "" };
	CHECK_EQ_STR(written(&j, &sl_subject_block_fields, &a),
		     "{\"subject\":{\"id\":\"10.0.0.5\",\"kind\":\"address\",\"countries\":[]}}");
	sl_json_finish(&j);
}

/* A contributing rule (a summary's top[] element; a subject alert's rules[]
 * head) and what a summary writes after top[]. */
static void test_subject_rules_and_tail(void)
{
	struct subj_rule_view r = { .id = "r-1", .title = "VPN exit", .family = "vpn",
				    .signature_id = 10000042, .score = 30, .count = 4,
				    .first = 1000000, .last = 2000000 };
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_fields_open_array(&sl_subject_top_fields, &j);
	sl_fields_write_element(&sl_subject_top_fields, &r, &j);
	sl_json_close_array(&j);
	sl_json_path_reset(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"subject\":{\"top\":[{\"id\":\"r-1\",\"signature_id\":10000042,"
		     "\"title\":\"VPN exit\",\"family\":\"vpn\",\"score\":30,\"count\":4,"
		     "\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
		     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\"}]}}");
	sl_json_begin(&j);
	sl_json_open_object(&j);
	sl_fields_write_keys(&sl_subject_rule_fields, &r, &j);
	sl_json_close_object(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{{\"id\":\"r-1\",\"signature_id\":10000042,\"title\":\"VPN exit\","
		     "\"family\":\"vpn\",\"score\":30,\"count\":4,"
		     "\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
		     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\"}}");
	struct subj_tail_view t = { .hours = 9, .have_claimed_fit = true, .claimed_fit = 1.0 / 7,
				    .have_best = true, .best_zone = "Asia/Pyongyang",
				    .best_fit = 0.8186, .ra = { "anydesk" }, .n_ra = 1,
				    .vpn = { "nordvpn", "tor" }, .n_vpn = 2 };
	CHECK_EQ_STR(written(&j, &sl_subject_event_fields, &t),
		     "{\"subject\":{\"activity\":{\"hours\":9,\"claimed_fit\":0.143,"
		     "\"best_zone\":\"Asia/Pyongyang\",\"best_fit\":0.819},"
		     "\"remote_access_apps\":[\"anydesk\"],\"vpn_apps\":[\"nordvpn\",\"tor\"]}}");
	struct subj_tail_view none = { .hours = 0, .claimed_fit = 0.5, .best_zone = "UTC" };
	CHECK_EQ_STR(written(&j, &sl_subject_event_fields, &none),
		     "{\"subject\":{\"activity\":{\"hours\":0},\"remote_access_apps\":[],"
		     "\"vpn_apps\":[]}}");
	sl_json_finish(&j);
}

/* The scorer's stats: stats.scorer.kafka.* only with Kafka, and
 * stats.subjects.* from the engine's declarations. */
static void test_scorer_stats(void)
{
	struct sl_scorer_stats_view v = { .st = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 },
					  .g = { .facts = 41, .late = 42, .addresses = 43, .evicted = 44,
						.duplicates = 45 },
					  .k = { 21, 22, 23, 24, 25, 26, 27, 28, 29 } };
	static const char *const scorer =
		"{\"stats\":{\"scorer\":{\"events\":1,\"applied\":2,\"duplicates\":3,\"late\":4,"
		"\"invalid\":5,\"ignored\":6,\"unknown_rules\":7,\"hits\":8,\"flow_alerts\":9,"
		"\"subject_alerts\":10,\"summaries\":11,\"queued\":12,\"open_flows\":13,"
		"\"global\":{\"facts\":41,\"late\":42,\"addresses\":43,\"evicted\":44,"
		"\"duplicates\":45}";
	char want[1024];
	struct sl_json j;
	sl_json_init(&j);
	snprintf(want, sizeof(want), "%s}}}", scorer);
	CHECK_EQ_STR(written(&j, &sl_scorer_stats_fields, &v), want);
	v.kafka = true;
	snprintf(want, sizeof(want), "%s,\"kafka\":{\"messages\":21,\"partitions\":22,\"lag\":23,"
		 "\"checkpoints\":24,\"state_records\":25,\"state_bytes\":26,\"restored\":27,"
		 "\"replayed_seen\":28,\"tombstones\":29}}}}", scorer);
	CHECK_EQ_STR(written(&j, &sl_scorer_stats_fields, &v), want);
	struct sl_subjects_stats ss = { .tracked = 31, .evictions = 32, .hits = 33,
					.hits_allowed = 34, .hits_dropped = 35, .alerts = 36,
					.not_endpoints = 37 };
	sl_json_begin(&j);
	sl_stats_write_subjects(&ss, &j);
	sl_json_path_reset(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"stats\":{\"subjects\":{\"tracked\":31,\"evictions\":32,\"hits\":33,"
		     "\"hits_allowed\":34,\"hits_dropped\":35,\"alerts\":36,\"not_endpoints\":37}}}");
	sl_json_finish(&j);
}

/* The alert object of both forms from one table: a rule alert's key order
 * (its nine tags whole: a list is not cut at SL_VALUE_LIST_MAX), and a
 * subject alert's, without metadata, rule_id or matched. */
static void test_alert_block(void)
{
	static const char *const tags[] = { "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9" };
	static const char *const refs[] = { "https://example.org/r" };
	struct sl_alert_view v = { .scope = "flow", .action = "allowed", .gid = 1,
				   .signature_id = 10000042, .rev = 3, .signature = "VPN exit",
				   .category = "vpn", .level = "high", .severity = 1, .score = 30,
				   .rule_id = "r-1", .tags = tags, .n_tags = 9, .references = refs,
				   .n_references = 1, .meta_level = { "high" }, .meta_score = { "30" },
				   .meta_family = { "vpn" }, .n_meta = 1, .matched = { "product" },
				   .n_matched = 1, .has_matched = true };
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_alert_write(&v, SL_ALERT_RULE, &j);
	sl_json_path_reset(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":10000042,"
		     "\"rev\":3,\"signature\":\"VPN exit\",\"category\":\"vpn\",\"severity\":1,"
		     "\"metadata\":{\"tags\":[\"t1\",\"t2\",\"t3\",\"t4\",\"t5\",\"t6\",\"t7\",\"t8\","
		     "\"t9\"],\"references\":[\"https://example.org/r\"],\"level\":[\"high\"],"
		     "\"score\":[\"30\"],\"family\":[\"vpn\"]},\"rule_id\":\"r-1\",\"scope\":\"flow\","
		     "\"level\":\"high\",\"score\":30,\"matched\":[\"product\"]}}");
	struct sl_alert_view sv = { .scope = "subject", .action = "allowed", .gid = 1,
				    .signature_id = 9000002, .rev = 1, .signature = "subject high",
				    .category = "subject", .level = "high", .severity = 1,
				    .score = 82.46 };
	struct subj_alert_view a = { .threshold = 50 };
	sl_json_begin(&j);
	sl_alert_write(&sv, SL_ALERT_SUBJECT, &j);
	sl_fields_write_under(&sl_subject_alert_fields, "alert.threshold", &a, &j);
	sl_json_path_reset(&j);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"alert\":{\"scope\":\"subject\",\"action\":\"allowed\",\"gid\":1,"
		     "\"signature_id\":9000002,\"rev\":1,\"signature\":\"subject high\","
		     "\"category\":\"subject\",\"severity\":1,\"level\":\"high\",\"score\":82.5,"
		     "\"threshold\":50}}");
	sl_json_finish(&j);
}

/* A subject alert's rule element: its head, community_ids and every fact,
 * facts.remotes[] from its element table inside the element; and an
 * element with no facts still carries "facts": {}.  Facts round to a
 * multiple of their unit (as physics.* do), which prints the double
 * nearest 0.143 as 0.14300000000000002: kept, the output is unchanged. */
static void rule_element(struct sl_json *j, const struct subj_rule_view *r,
			 const struct subj_facts_view *f)
{
	struct sl_json_scope sc;
	sl_json_begin(j);
	sl_json_path(j, "alert.threshold");
	sl_json_u64(j, 1);
	sl_fields_open_array(&sl_subject_rule_fields, j);
	sl_json_open_object(j);
	sl_json_path_enter(j, &sc);
	sl_fields_write_rel(&sl_subject_rule_fields, r, j);
	sl_fields_write_rel(&sl_subject_facts_head, f, j);
	sl_fields_open_object(&sl_subject_facts_tail, j);
	if (f->n_remotes) {
		sl_fields_open_array(&sl_subject_remote_fields, j);
		for (unsigned i = 0; i < f->n_remotes; i++)
			sl_fields_write_element(&sl_subject_remote_fields, &f->remotes[i], j);
		sl_json_close_array(j);
	}
	sl_fields_write_rel(&sl_subject_facts_tail, f, j);
	sl_json_path_leave(j, &sc);
	sl_json_close_object(j);
	sl_json_close_array(j);
	sl_json_path_reset(j);
	sl_json_end(j);
}

static void test_subject_alert_rule(void)
{
	struct subj_rule_view r = { .id = "r-1", .title = "", .family = "vpn", .signature_id = 7,
				    .score = 30, .count = 2, .first = 1000000, .last = 2000000 };
	struct subj_facts_view f = {
		.community_ids = { "1:a", "1:b" }, .n_ev = 2,
		.f = { .matched = { "product", "exit_flag" }, .n_matched = 2, .app = { "nordvpn" },
		       .n_app = 1, .n_observed = 2, .observed_unlisted = 8, .has_zone = true,
		       .zone = "Asia/Pyongyang", .share = 0.9996, .claimed_share = 1.0 / 7,
		       .hours = 9, .has_light = true,
		       .light_addr = { .family = 4, .b = { 192, 0, 2, 1 } }, .rtt_ms = 101.23456,
		       .expected_rtt_ms = 20.5, .excess_ms = 80.7345, .distance_km = 1234.56,
		       .has_travel = true, .travel_km = 10000.04, .travel_hours = 2.5,
		       .travel_kmh = 4000.02, .travel_impossible = true },
		.remotes = { { .ip = { .family = 4, .b = { 198, 51, 100, 7 } }, .country = "NL",
			       .asn = 64500 },
			     { .ip = { .family = 4, .b = { 203, 0, 113, 9 } } } },
		.n_remotes = 2, .remotes_unlisted = 5, .apps_unlisted = 6, .claimed_country = "US",
		.claimed_city = "Chicago", .observed = { "NL", "KP" },
		.claimed_zone = "America/Chicago", .has_claimed_share = true,
		.travel_from = "US", .travel_to = "KP",
	};
	struct sl_json j;
	sl_json_init(&j);
	rule_element(&j, &r, &f);
	CHECK_EQ_STR(j.buf,
		     "{\"alert\":{\"threshold\":1,\"rules\":[{\"id\":\"r-1\",\"signature_id\":7,"
		     "\"title\":\"\",\"family\":\"vpn\",\"score\":30,\"count\":2,"
		     "\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
		     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\","
		     "\"community_ids\":[\"1:a\",\"1:b\"],\"facts\":{\"matched\":[\"product\","
		     "\"exit_flag\"],\"remotes\":[{\"ip\":\"198.51.100.7\",\"country\":\"NL\","
		     "\"asn\":64500},{\"ip\":\"203.0.113.9\"}],\"remotes_unlisted\":5,"
		     "\"apps\":[\"nordvpn\"],\"apps_unlisted\":6,\"place\":{\"claimed_country\":\"US\","
		     "\"claimed_city\":\"Chicago\",\"observed_countries\":[\"NL\",\"KP\"],"
		     "\"observed_unlisted\":8},\"activity\":{\"zone\":\"Asia/Pyongyang\","
		     "\"share\":1,\"claimed_zone\":\"America/Chicago\",\"claimed_share\":0.14300000000000002,"
		     "\"hours\":9},\"lightspeed\":{\"ip\":\"192.0.2.1\",\"rtt_ms\":101.235,"
		     "\"expected_rtt_ms\":20.5,\"excess_ms\":80.735,\"distance_km\":1234.6000000000001},"
		     "\"travel\":{\"from_country\":\"US\",\"to_country\":\"KP\",\"distance_km\":10000,"
		     "\"hours\":2.5,\"speed_kmh\":4000,\"impossible\":true}}}]}}");
	struct subj_facts_view none = { .n_ev = 0, .claimed_country = "US" };
	rule_element(&j, &r, &none);
	CHECK_EQ_STR(j.buf,
		     "{\"alert\":{\"threshold\":1,\"rules\":[{\"id\":\"r-1\",\"signature_id\":7,"
		     "\"title\":\"\",\"family\":\"vpn\",\"score\":30,\"count\":2,"
		     "\"first_seen\":\"1970-01-01T00:00:01.000000+0000\","
		     "\"last_seen\":\"1970-01-01T00:00:02.000000+0000\","
		     "\"community_ids\":[],\"facts\":{}}]}}");
	sl_json_finish(&j);
}

/* Every event's header: host, and a forwarding sensor's event_id,
 * sensor_time and subject_key; and the head of events written without a
 * record (timestamp, event_type, a subject alert's community_id). */
static void test_header(void)
{
	struct sl_header_view v = { .host = "edge-1", .event_id = "00112233aabbccdd",
				    .sensor_time = 3000000, .subject_key = "alice" };
	struct sl_json j;
	sl_json_init(&j);
	CHECK_EQ_STR(written(&j, &sl_header_fields, &v), "{\"host\":\"edge-1\"}");
	CHECK_EQ_STR(written(&j, &sl_forward_fields, &v),
		     "{\"event_id\":\"00112233aabbccdd\","
		     "\"sensor_time\":\"1970-01-01T00:00:03.000000+0000\",\"subject_key\":\"alice\"}");
	struct sl_header_view none = { 0 };
	CHECK_EQ_STR(written(&j, &sl_header_fields, &none), "{}");
	struct sl_event_head h = { .timestamp = 4000000, .event_type = "alert",
				   .community_id = "1:abc=" };
	CHECK_EQ_STR(written(&j, &sl_event_head_cid_fields, &h),
		     "{\"timestamp\":\"1970-01-01T00:00:04.000000+0000\",\"event_type\":\"alert\","
		     "\"community_id\":\"1:abc=\"}");
	CHECK_EQ_STR(written(&j, &sl_event_head_fields, &h),
		     "{\"timestamp\":\"1970-01-01T00:00:04.000000+0000\",\"event_type\":\"alert\"}");
	h.community_id[0] = '\0';
	CHECK_EQ_STR(written(&j, &sl_event_head_cid_fields, &h),
		     "{\"timestamp\":\"1970-01-01T00:00:04.000000+0000\",\"event_type\":\"alert\"}");
	sl_json_finish(&j);
}

static void test_check_and_print(void)
{
	char err[256] = "";
	CHECK_EQ_INT(sl_schema_check(err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "schema: %s\n", err);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_EQ_INT(sl_schema_print(out, err, sizeof(err)), 0);
	fclose(out);
	CHECK(strstr(buf, "\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"") != NULL);
	CHECK(strstr(buf, "\"alert-subject\": {") != NULL);
	/* the counts and the lists of names are two fields, one type each */
	CHECK(strstr(buf, "\"remote_access_apps_count\": {") != NULL);
	CHECK(strstr(buf, "\"remote_access_apps\": {") != NULL);
	free(buf);
}

/* A rule's alert block kept per thread (sl_engine_alert_block: all but
 * alert.matched, by the rule's serial and the scope) against the same rule
 * without a serial, which is written field by field: three rules, every
 * scope, in random order, each line begun with other keys before it. */
static void test_alert_block_kept(void)
{
	static const char *const tags[] = { "attack.t1090", "x\"quoted\"" };
	static const char *const refs[] = { "https://example.org/a", "https://example.org/b" };
	static const char *const scopes[] = { "flow", "subject-hit", "signin" };
	struct sl_rule_info rules[3] = {
		{ .id = "r-a", .title = "A", .family = "vpn", .level = SL_RULE_LEVEL_HIGH, .score = 70,
		  .signature_id = 1000001, .rev = 1, .tags = tags, .n_tags = 2, .serial = 900001 },
		{ .id = "r-b", .family = "rat", .level = SL_RULE_LEVEL_LOW, .score = 100,
		  .signature_id = 1000002, .rev = 4, .references = refs, .n_references = 2,
		  .serial = 900002 },
		{ .id = "r-c", .title = "C", .family = "x", .level = SL_RULE_LEVEL_MEDIUM, .score = 5,
		  .signature_id = 1000003, .rev = 2, .serial = 900003 },
	};
	struct sl_field_source src = { 0 };
	struct sl_json kept, plain;
	sl_json_init(&kept);
	sl_json_init(&plain);
	TEST("alert blocks kept per rule and scope write what the fields write (600 lines)");
	unsigned seed = 7, bad = 0;
	for (int e = 0; e < 600; e++) {
		struct sl_rule_info *rule = &rules[rand_r(&seed) % 3];
		struct sl_rule_info bare = *rule;
		const char *scope = scopes[rand_r(&seed) % 3];
		bare.serial = 0;
		struct sl_json *both[2] = { &kept, &plain };
		for (int b = 0; b < 2; b++) {
			sl_json_begin(both[b]);
			sl_json_path(both[b], e % 2 ? "flow.age" : "event_type");
			sl_json_u64(both[b], (uint64_t)e);
			sl_json_path_reset(both[b]);
			sl_engine_alert_block(both[b], scope, b ? &bare : rule, &src);
			sl_json_end(both[b]);
		}
		bad += kept.len != plain.len || strcmp(kept.buf, plain.buf) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(strstr(plain.buf, "\"alert\":{\"action\":\"allowed\"") != NULL);
	sl_json_finish(&kept);
	sl_json_finish(&plain);
}

int main(void)
{
	test_kinds();
	test_own_tables();
	test_stats_writer();
	test_output_rows();
	test_subject_summary();
	test_subject_block();
	test_subject_rules_and_tail();
	test_scorer_stats();
	test_alert_block();
	test_alert_block_kept();
	test_subject_alert_rule();
	test_header();
	test_check_and_print();
	return TEST_REPORT();
}
