/* Every event type sightline writes and the fields each carries, from the
 * declarations; --list-fields and the JSON Schema (--schema) are built from
 * it, so neither is kept by hand. */
#ifndef SIGHTLINE_SCHEMA_H
#define SIGHTLINE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sightline/field.h"

/*
 * One kind of event: its event_type (and alert.scope for alerts), the
 * record fields (the catalogue) its writer takes, and the fields its own
 * writer adds, declared in tables beside that writer (name, type,
 * description; no getter: the writer writes them).  A declared name may
 * hold two forms besides dotted keys: "a.rules[].id" is the member id of
 * each object of the array a.rules, and "a.counts.*" any key of the object
 * a.counts (counters named by an enumeration: decoder errors by reason).
 */
struct sl_event_kind {
	const char *event_type;  /* "flow", "alert", ... */
	const char *scope;       /* the alert.scope it carries, NULL: none */
	const char *desc;        /* one line: when it is written */
	/* The catalogue fields it carries (record() accepts them); NULL: none. */
	bool (*record)(const struct sl_field *f);
	const struct sl_field_table *const *own; /* its writer's own fields */
	size_t n_own;
};

/* The fields events carry besides the catalogue's, each declared once
 * beside its writer, which writes it from the declaration (SL_IN_OWN over
 * the writer's view): the alert block of a rule's match and of a subject's
 * alert (sensor/engine/alert_fields.c), a subject's alert and its summary
 * event (sensor/subject/subject_event_fields.c), the stats event
 * (sensor/engine/stats_fields.c), its per-output part
 * (sensor/output/output_fields.c) and the scorer's part
 * (sensor/score/score_stats_fields.c).  The header of every event (host;
 * a forwarding sensor's event_id, sensor_time, subject_key:
 * sensor/engine/header_fields.c) is declared without a place: its text is
 * built once and put before each event's line. */
extern const struct sl_field_table sl_header_fields;
/* The head of an event its writer builds without a record (a subject's
 * events, stats): the catalogue's timestamp and event_type (which
 * describe them), and a subject alert's community_id ("": none), declared
 * over it in sl_event_head_fields (sensor/engine/header_fields.c). */
struct sl_event_head {
	sl_time_us timestamp;
	const char *event_type;
	char community_id[64];
};
extern const struct sl_field_table sl_event_head_fields;     /* timestamp, event_type */
extern const struct sl_field_table sl_event_head_cid_fields; /* and community_id */

/* What the header tables hold for their writers: host (the sensor's name,
 * engine.c's host header and each flow event), and a forwarding sensor's
 * event_id, sensor_time and subject_key (forward.c). */
struct sl_header_view {
	const char *host;
	char event_id[17];
	sl_time_us sensor_time;
	const char *subject_key;
};
/* event_id, sensor_time, subject_key: a forwarding sensor's flow, alert and
 * sign-in events (sensor/engine/header_fields.c). */
extern const struct sl_field_table sl_forward_fields;
extern const struct sl_field_table sl_alert_fields;

/* What the "alert" object of an alert holds, gathered by its writer (a
 * rule's match: sl_engine_alert_block(); a subject's score: the subject
 * stage) and written from sl_alert_fields by sl_alert_write(). */
struct sl_alert_view {
	const char *scope, *action, *signature, *category, *level;
	const char *rule_id;             /* rule alerts; NULL: none */
	uint32_t gid, signature_id, rev, severity;
	double score;                    /* written to one decimal */
	const char *const *tags, *const *references; /* the rule's */
	uint16_t n_tags, n_references;
	/* metadata.level, .score, .family: one-item lists (n_meta 1) for
	 * rule alerts, absent (0) for subject alerts */
	const char *meta_level[1], *meta_score[1], *meta_family[1];
	uint8_t n_meta;
	char score_text[4];              /* what meta_score points to */
	const char *matched[8];          /* SL_RULE_MATCHED_MAX */
	uint8_t n_matched;
	bool has_matched;                /* rule alerts: matched, [] when none */
};

enum sl_alert_form {
	SL_ALERT_RULE,    /* EVE's keys, metadata, rule_id, scope, level, score, matched */
	SL_ALERT_SUBJECT, /* scope, EVE's keys, level, score */
};

/**
 * Write the "alert" object of v in the key order of form, by the paths
 * alert.*: the object stays open for the caller's further alert.* paths
 * until sl_json_path_reset().  v is borrowed for the call.
 */
void sl_alert_write(const struct sl_alert_view *v, enum sl_alert_form form, struct sl_json *j);
/**
 * sl_alert_write(v, SL_ALERT_RULE, j) with the text of all but
 * alert.matched kept per thread under stamp, which must name every other
 * value of v (a rule's serial and the scope; 0: nothing kept).  v is
 * borrowed for the call.
 */
void sl_alert_write_rule(const struct sl_alert_view *v, uint64_t stamp, struct sl_json *j);
extern const struct sl_field_table sl_subject_alert_fields;
extern const struct sl_field_table sl_subject_summary_fields; /* its declared counters */
/* The subject block of a subject's alert and summary event, and a summary's
 * top[] elements, as their writers hold them (the block's names are the
 * catalogue's, which describes them). */
extern const struct sl_field_table sl_subject_block_fields;
extern const struct sl_field_table sl_subject_top_fields;
extern const struct sl_field_table sl_subject_event_fields;
extern const struct sl_field_table sl_stats_fields;
extern const struct sl_field_table sl_output_stats_fields;
/* stats.scorer.*: sightline score's counters (sensor/score/score_stats_fields.c). */
extern const struct sl_field_table sl_scorer_stats_fields;

/** Whether a signin event (and its alerts) carries catalogue field f: the
 * header, signin.*, the address's src.geo.*, subject.* and travel.*
 * (sensor/engine/signin.c, whose writer uses it). */
bool sl_signin_event_field(const struct sl_field *f);

/** Whether the subject block of subject alerts and subject events (written
 * by sl_subj_json_block()) carries catalogue field f. */
bool sl_subject_block_field(const struct sl_field *f);

/** Whether a subject's summary event (event_type subject) carries catalogue
 * field f: its block and the fit of its activity. */
bool sl_subject_summary_field(const struct sl_field *f);

/** Number of event kinds, and kind i (borrowed, static; NULL past the end). */
size_t sl_event_kinds(void);
const struct sl_event_kind *sl_event_kind_at(size_t i);

/**
 * Call fn for every field kind k carries: the catalogue fields record()
 * accepts, in catalogue order, then its own tables'.  Borrowed, static.
 */
void sl_event_kind_fields(const struct sl_event_kind *k,
			  void (*fn)(void *ctx, const struct sl_field *f), void *ctx);

/**
 * Check that no field name has two types across all event kinds, and that
 * no name is both a value and an object (tcp.syn and tcp.syn.ttl).  Returns
 * 0, or -EINVAL with the first conflict described in err.
 */
int sl_schema_check(char *err, size_t errlen);

/**
 * Print the JSON Schema (draft 2020-12) of every event to out: one
 * definition per event kind, each object closed (additionalProperties:
 * false), selected by event_type and alert.scope.  Returns 0, or -EINVAL
 * (err says why) when sl_schema_check() finds a conflict.
 */
int sl_schema_print(FILE *out, char *err, size_t errlen);

/** Print every field of every event kind (name, type, the event types
 * carrying it, description) as an aligned table: --list-fields. */
void sl_fields_print(FILE *out);

#endif
