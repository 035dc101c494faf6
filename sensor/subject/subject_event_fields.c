/* Declarations of what the subject stage writes by hand: the subject
 * block and rules of a subject's alert (sl_subjects_alert) and its
 * periodic summary event (summary_event in subject_report.c).  The schema
 * and --list-fields are built from them, so a key added to those writers
 * is added here (tests/tools/validate_events.py fails on any key the
 * declarations do not name). */
#include <string.h>

#include "sightline/schema.h"
#include "subject_priv.h"

/* The catalogue fields sl_subj_json_block() writes, by name: the subject
 * block is the flow's subject.* as far as a subject knows it on its own. */
bool sl_subject_block_field(const struct sl_field *f)
{
	static const char *const names[] = {
		"subject.id", "subject.name", "subject.kind", "subject.hostname",
		"subject.claimed.country", "subject.claimed.city", "subject.claimed.timezone",
		"subject.countries",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(f->name, names[i]))
			return true;
	return false;
}

/* The catalogue fields a subject's summary event carries: its block and
 * the fit of its activity (json_activity in subject_report.c). */
bool sl_subject_summary_field(const struct sl_field *f)
{
	return sl_subject_block_field(f) || !strncmp(f->name, "subject.activity.", 17);
}

/* The subject block, as sl_subj_json_block() writes it from a struct
 * subj_block_view: the flow's subject.* as far as a subject knows it on its
 * own.  The names are the catalogue's (sensor/subject/subject_fields.c,
 * which reads a flow's subject view and describes them for --list-fields
 * and the schema); these say how a subject's own events hold them:
 * countries always, [] when none. */
#define BV struct subj_block_view
static const struct sl_field subject_block_fields[] = {
	SL_FIELD_STR("subject.id", "the subject's id", SL_IN_OWN, BV, id, SL_ALWAYS),
	SL_FIELD_STRP("subject.name", "its roster name", SL_IN_OWN, BV, name, SL_ALWAYS),
	SL_FIELD_STRP("subject.kind", "roster, host or address", SL_IN_OWN, BV, kind, SL_ALWAYS),
	SL_FIELD_STR("subject.hostname", "its DHCP host name", SL_IN_OWN, BV, hostname, SL_NONZERO),
	SL_FIELD_STRP("subject.claimed.country", "the roster's country", SL_IN_OWN, BV, claimed_country, SL_NONZERO),
	SL_FIELD_STRP("subject.claimed.city", "the roster's city", SL_IN_OWN, BV, claimed_city, SL_ALWAYS),
	SL_FIELD_STRP("subject.claimed.timezone", "the roster's time zone", SL_IN_OWN, BV, claimed_tz, SL_ALWAYS),
	SL_FIELD_STRS("subject.countries", "countries its own address was located in", SL_IN_OWN, BV,
		      countries, n_countries, SL_ALWAYS),
};

const struct sl_field_table sl_subject_block_fields = {
	.module = "subject-block",
	.fields = subject_block_fields,
	.n = ARRAY_SIZE(subject_block_fields),
};

/* A contributing rule, as sl_subj_json_rules() writes it from a struct
 * subj_rule_view (P: its array). */
#define RV struct subj_rule_view
#define RULE_FIELDS(P)                                                                          \
	SL_FIELD_STRP(P "[].id", "the rule's id", SL_IN_OWN, RV, id, SL_ALWAYS),                 \
	SL_FIELD_U(P "[].signature_id", "the alert.signature_id of the rule's own alerts",        \
		   SL_IN_OWN, RV, signature_id, SL_ALWAYS),                                       \
	SL_FIELD_STRP(P "[].title", "the rule's title", SL_IN_OWN, RV, title, SL_ALWAYS),        \
	SL_FIELD_STRP(P "[].family", "the rule's family (its id when it has none)", SL_IN_OWN,   \
		      RV, family, SL_ALWAYS),                                                     \
	SL_FIELD_U(P "[].score", "the rule's score 0-100", SL_IN_OWN, RV, score, SL_ALWAYS),     \
	SL_FIELD_U(P "[].count", "hits of the rule on the subject", SL_IN_OWN, RV, count,        \
		   SL_ALWAYS),                                                                    \
	SL_FIELD_TIME(P "[].first_seen", "its first hit on the subject", SL_IN_OWN, RV, first,   \
		      SL_ALWAYS),                                                                 \
	SL_FIELD_TIME(P "[].last_seen", "its latest hit on the subject", SL_IN_OWN, RV, last,    \
		      SL_ALWAYS)
#define RULE_N 8 /* declarations in RULE_FIELDS */

static const struct sl_field subject_alert_fields[] = {
	{ "alert.threshold", SL_FT_DOUBLE, "scoring.threshold: the score of level medium" },
	RULE_FIELDS("alert.rules"),
	{ "alert.rules[].community_ids", SL_FT_STRING_LIST,
	  "Community IDs of the rule's evidence flows, oldest first (up to scoring.evidence_max)" },
	{ "alert.rules[].facts.matched", SL_FT_STRING_LIST, "selections of the rule that held, over its hits (up to 4)" },
	{ "alert.rules[].facts.remotes[].ip", SL_FT_IP, "a remote address of the rule's hits (up to 3, first seen first)" },
	{ "alert.rules[].facts.remotes[].country", SL_FT_STRING, "its country (ISO 3166 alpha-2)" },
	{ "alert.rules[].facts.remotes[].asn", SL_FT_UINT, "its autonomous system number" },
	{ "alert.rules[].facts.remotes_unlisted", SL_FT_UINT, "hits from further remote addresses, not listed" },
	{ "alert.rules[].facts.apps", SL_FT_STRING_LIST, "products seen in the rule's hits (up to 3)" },
	{ "alert.rules[].facts.apps_unlisted", SL_FT_UINT, "further products, not listed" },
	{ "alert.rules[].facts.place.claimed_country", SL_FT_STRING, "the roster's country for the subject" },
	{ "alert.rules[].facts.place.claimed_city", SL_FT_STRING, "the roster's city for the subject" },
	{ "alert.rules[].facts.place.observed_countries", SL_FT_STRING_LIST, "countries the rule's hits came from (up to 3)" },
	{ "alert.rules[].facts.place.observed_unlisted", SL_FT_UINT, "further countries, not listed" },
	{ "alert.rules[].facts.activity.zone", SL_FT_STRING, "the reference time zone whose business hours fit the activity best (e.g. Asia/Pyongyang)" },
	{ "alert.rules[].facts.activity.share", SL_FT_DOUBLE, "share of the activity inside that zone's business hours" },
	{ "alert.rules[].facts.activity.claimed_zone", SL_FT_STRING, "the roster's time zone for the subject" },
	{ "alert.rules[].facts.activity.claimed_share", SL_FT_DOUBLE, "share of the activity inside the claimed zone's business hours" },
	{ "alert.rules[].facts.activity.hours", SL_FT_UINT, "active hours the shares are taken over" },
	{ "alert.rules[].facts.lightspeed.ip", SL_FT_IP, "the remote address the light-speed check measured" },
	{ "alert.rules[].facts.lightspeed.rtt_ms", SL_FT_DOUBLE, "physics.rtt_ms of that flow: the minimum handshake round trip measured, ms" },
	{ "alert.rules[].facts.lightspeed.expected_rtt_ms", SL_FT_DOUBLE, "physics.expected_rtt_ms of that flow: the fastest plausible round trip to where the address is placed, ms" },
	{ "alert.rules[].facts.lightspeed.excess_ms", SL_FT_DOUBLE, "physics.excess_ms: measured minus plausible, ms (the largest over the rule's hits)" },
	{ "alert.rules[].facts.lightspeed.distance_km", SL_FT_DOUBLE, "physics.distance_km: great circle from the sensor to the address's place, km" },
	{ "alert.rules[].facts.travel.from_country", SL_FT_STRING, "country of the earlier sign-in or flow" },
	{ "alert.rules[].facts.travel.to_country", SL_FT_STRING, "country of the later one" },
	{ "alert.rules[].facts.travel.distance_km", SL_FT_DOUBLE, "distance between the two places, km" },
	{ "alert.rules[].facts.travel.hours", SL_FT_DOUBLE, "time between them, hours" },
	{ "alert.rules[].facts.travel.speed_kmh", SL_FT_DOUBLE, "the speed the travel needs, km/h" },
	{ "alert.rules[].facts.travel.impossible", SL_FT_BOOL, "faster than scoring allows for travel" },
};

const struct sl_field_table sl_subject_alert_fields = {
	.module = "subject-alert",
	.fields = subject_alert_fields,
	.n = ARRAY_SIZE(subject_alert_fields),
};

/* The head of each alert.rules[] element (the eight RULE_FIELDS after
 * alert.threshold), which json_rule() writes by sl_fields_write_keys()
 * before the evidence and facts. */
const struct sl_field_table sl_subject_rule_fields = {
	.module = "subject-alert-rule",
	.fields = &subject_alert_fields[1],
	.n = RULE_N,
};

#define SV struct subj_summary_view
static const struct sl_field subject_summary_fields[] = {
	SL_FIELD_TIME("subject.first_seen", "the subject's first flow or sign-in", SL_IN_OWN, SV, first, SL_ALWAYS),
	SL_FIELD_TIME("subject.last_seen", "the subject's latest flow or sign-in", SL_IN_OWN, SV, last, SL_ALWAYS),
	SL_FIELD_U("subject.flows", "flows and sign-ins charged to the subject", SL_IN_OWN, SV, flows, SL_ALWAYS),
	SL_FIELD_DECIMALS("subject.score", "the subject's score now (hits decay after scoring.decay)",
			  SL_IN_OWN, SV, score, 1, SL_ALWAYS),
	SL_FIELD_STRP("subject.level", "the level of the score: none, medium, high or critical",
		      SL_IN_OWN, SV, level, SL_ALWAYS),
	SL_FIELD_DECIMALS("subject.peak_score", "the highest score the subject reached",
			  SL_IN_OWN, SV, peak, 1, SL_ALWAYS),
	SL_FIELD_TIME("subject.peak_at", "when it reached peak_score (absent: it never scored)",
		      SL_IN_OWN, SV, peak_at, SL_IF(SV, peaked)),
	SL_FIELD_U("subject.alerts", "subject alerts raised about the subject", SL_IN_OWN, SV, alerts, SL_ALWAYS),
};

/* Written by sl_fields_write() in summary_event(), after the block. */
const struct sl_field_table sl_subject_summary_fields = {
	.module = "subject-summary",
	.fields = subject_summary_fields,
	.n = ARRAY_SIZE(subject_summary_fields),
};

static const struct sl_field subject_top_fields[] = {
	RULE_FIELDS("subject.top"),
};

/* top[]'s elements, by sl_fields_write_element() */
const struct sl_field_table sl_subject_top_fields = {
	.module = "subject-top",
	.fields = subject_top_fields,
	.n = ARRAY_SIZE(subject_top_fields),
};

/* After top[]: the activity's fit (the catalogue's subject.activity.*,
 * which a subject event writes to 3 decimals where a flow's rounds to a
 * multiple of 0.001) and the apps. */
#define TV struct subj_tail_view
static const struct sl_field subject_event_fields[] = {
	SL_FIELD_U("subject.activity.hours", "distinct hours of the day it started flows in", SL_IN_OWN, TV, hours, SL_ALWAYS),
	SL_FIELD_DECIMALS("subject.activity.claimed_fit", "share inside its claimed zone's hours",
			  SL_IN_OWN, TV, claimed_fit, 3, SL_IF(TV, have_claimed_fit)),
	SL_FIELD_STRP("subject.activity.best_zone", "the reference zone that fits best", SL_IN_OWN, TV,
		      best_zone, SL_IF(TV, have_best)),
	SL_FIELD_DECIMALS("subject.activity.best_fit", "share inside best_zone's hours", SL_IN_OWN, TV,
			  best_fit, 3, SL_IF(TV, have_best)),
	SL_FIELD_STRPS("subject.remote_access_apps", "remote-access and IP-KVM apps of the subject within scoring.decay",
		       SL_IN_OWN, TV, ra, n_ra, SL_ALWAYS),
	SL_FIELD_STRPS("subject.vpn_apps", "VPN and anonymizer apps of the subject within scoring.decay",
		       SL_IN_OWN, TV, vpn, n_vpn, SL_ALWAYS),
};

/* Written by sl_fields_write() in summary_event(), after top[] */
const struct sl_field_table sl_subject_event_fields = {
	.module = "subject-event",
	.fields = subject_event_fields,
	.n = ARRAY_SIZE(subject_event_fields),
};
