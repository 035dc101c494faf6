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

#define FV struct subj_facts_view

/* [0] threshold, [1] the rules' heads (RULE_N), [9] on: their evidence and
 * facts; the writers take slices at these indexes. */
static const struct sl_field subject_alert_fields[] = {
	SL_FIELD_DOUBLE("alert.threshold", "scoring.threshold: the score of level medium", SL_IN_OWN,
			struct subj_alert_view, threshold, 0, SL_ALWAYS),
	RULE_FIELDS("alert.rules"),
	/* [9] on: community_ids and facts, over struct subj_facts_view (the
	 * remotes' members over struct subj_remote_view) */
	SL_FIELD_STRPS("alert.rules[].community_ids",
		       "Community IDs of the rule's evidence flows, oldest first (up to scoring.evidence_max)",
		       SL_IN_OWN, FV, community_ids, n_ev, SL_ALWAYS),
	SL_FIELD_STRPS("alert.rules[].facts.matched", "selections of the rule that held, over its hits (up to 4)",
		       SL_IN_OWN, FV, f.matched, f.n_matched, SL_NONZERO),
	/* [11] */
	SL_FIELD_IP("alert.rules[].facts.remotes[].ip", "a remote address of the rule's hits (up to 3, first seen first)",
		    SL_IN_OWN, struct subj_remote_view, ip, SL_ALWAYS),
	SL_FIELD_STR("alert.rules[].facts.remotes[].country", "its country (ISO 3166 alpha-2)",
		     SL_IN_OWN, struct subj_remote_view, country, SL_NONZERO),
	SL_FIELD_U("alert.rules[].facts.remotes[].asn", "its autonomous system number",
		   SL_IN_OWN, struct subj_remote_view, asn, SL_NONZERO),
	/* [14] */
	SL_FIELD_U("alert.rules[].facts.remotes_unlisted", "hits from further remote addresses, not listed",
		   SL_IN_OWN, FV, remotes_unlisted, SL_NONZERO),
	SL_FIELD_STRPS("alert.rules[].facts.apps", "products seen in the rule's hits (up to 3)",
		       SL_IN_OWN, FV, f.app, f.n_app, SL_NONZERO),
	SL_FIELD_U("alert.rules[].facts.apps_unlisted", "further products, not listed",
		   SL_IN_OWN, FV, apps_unlisted, SL_NONZERO),
	SL_FIELD_STRP("alert.rules[].facts.place.claimed_country", "the roster's country for the subject",
		      SL_IN_OWN, FV, claimed_country, SL_IF_NONZERO(FV, f.n_observed)),
	SL_FIELD_STRP("alert.rules[].facts.place.claimed_city", "the roster's city for the subject",
		      SL_IN_OWN, FV, claimed_city, SL_IF(FV, f.n_observed)),
	SL_FIELD_STRS("alert.rules[].facts.place.observed_countries", "countries the rule's hits came from (up to 3)",
		      SL_IN_OWN, FV, observed, f.n_observed, SL_IF(FV, f.n_observed)),
	SL_FIELD_U("alert.rules[].facts.place.observed_unlisted", "further countries, not listed",
		   SL_IN_OWN, FV, f.observed_unlisted, SL_IF_NONZERO(FV, f.n_observed)),
	SL_FIELD_STRP("alert.rules[].facts.activity.zone", "the reference time zone whose business hours fit the activity best (e.g. Asia/Pyongyang)",
		      SL_IN_OWN, FV, f.zone, SL_IF(FV, f.has_zone)),
	SL_FIELD_DOUBLE("alert.rules[].facts.activity.share", "share of the activity inside that zone's business hours",
			SL_IN_OWN, FV, f.share, 0.001, SL_IF(FV, f.has_zone)),
	SL_FIELD_STRP("alert.rules[].facts.activity.claimed_zone", "the roster's time zone for the subject",
		      SL_IN_OWN, FV, claimed_zone, SL_IF(FV, f.has_zone)),
	SL_FIELD_DOUBLE("alert.rules[].facts.activity.claimed_share", "share of the activity inside the claimed zone's business hours",
			SL_IN_OWN, FV, f.claimed_share, 0.001, SL_IF(FV, has_claimed_share)),
	SL_FIELD_U("alert.rules[].facts.activity.hours", "active hours the shares are taken over",
		   SL_IN_OWN, FV, f.hours, SL_IF(FV, f.has_zone)),
	SL_FIELD_IP("alert.rules[].facts.lightspeed.ip", "the remote address the light-speed check measured",
		    SL_IN_OWN, FV, f.light_addr, SL_IF(FV, f.has_light)),
	SL_FIELD_DOUBLE("alert.rules[].facts.lightspeed.rtt_ms", "physics.rtt_ms of that flow: the minimum handshake round trip measured, ms",
			SL_IN_OWN, FV, f.rtt_ms, 0.001, SL_IF(FV, f.has_light)),
	SL_FIELD_DOUBLE("alert.rules[].facts.lightspeed.expected_rtt_ms", "physics.expected_rtt_ms of that flow: the fastest plausible round trip to where the address is placed, ms",
			SL_IN_OWN, FV, f.expected_rtt_ms, 0.001, SL_IF(FV, f.has_light)),
	SL_FIELD_DOUBLE("alert.rules[].facts.lightspeed.excess_ms", "physics.excess_ms: measured minus plausible, ms (the largest over the rule's hits)",
			SL_IN_OWN, FV, f.excess_ms, 0.001, SL_IF(FV, f.has_light)),
	SL_FIELD_DOUBLE("alert.rules[].facts.lightspeed.distance_km", "physics.distance_km: great circle from the sensor to the address's place, km",
			SL_IN_OWN, FV, f.distance_km, 0.1, SL_IF(FV, f.has_light)),
	SL_FIELD_STR("alert.rules[].facts.travel.from_country", "country of the earlier sign-in or flow",
		     SL_IN_OWN, FV, travel_from, SL_IF_NONZERO(FV, f.has_travel)),
	SL_FIELD_STR("alert.rules[].facts.travel.to_country", "country of the later one",
		     SL_IN_OWN, FV, travel_to, SL_IF_NONZERO(FV, f.has_travel)),
	SL_FIELD_DOUBLE("alert.rules[].facts.travel.distance_km", "distance between the two places, km",
			SL_IN_OWN, FV, f.travel_km, 0.1, SL_IF(FV, f.has_travel)),
	SL_FIELD_DOUBLE("alert.rules[].facts.travel.hours", "time between them, hours",
			SL_IN_OWN, FV, f.travel_hours, 0.001, SL_IF(FV, f.has_travel)),
	SL_FIELD_DOUBLE("alert.rules[].facts.travel.speed_kmh", "the speed the travel needs, km/h",
			SL_IN_OWN, FV, f.travel_kmh, 0.1, SL_IF(FV, f.has_travel)),
	SL_FIELD_BOOL("alert.rules[].facts.travel.impossible", "faster than scoring allows for travel",
		      SL_IN_OWN, FV, f.travel_impossible, SL_IF(FV, f.has_travel)),
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

/* A rule's community_ids and facts.matched, before facts.remotes[] */
const struct sl_field_table sl_subject_facts_head = {
	.module = "subject-alert-facts",
	.fields = &subject_alert_fields[1 + RULE_N],
	.n = 2,
};

/* facts.remotes[]'s elements */
const struct sl_field_table sl_subject_remote_fields = {
	.module = "subject-alert-remotes",
	.fields = &subject_alert_fields[3 + RULE_N],
	.n = 3,
};

/* The rest of the facts, after facts.remotes[] */
const struct sl_field_table sl_subject_facts_tail = {
	.module = "subject-alert-facts",
	.fields = &subject_alert_fields[6 + RULE_N],
	.n = ARRAY_SIZE(subject_alert_fields) - 6 - RULE_N,
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
