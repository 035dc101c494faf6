/* Internals of sensor/score: the scorer, its reorder queue, the records it
 * rebuilds from received events, and what it keeps of flows charged early. */
#ifndef SIGHTLINE_SCORE_PRIV_H
#define SIGHTLINE_SCORE_PRIV_H

#include <jansson.h>

#include "sightline/binding.h"
#include "sightline/enrich.h"
#include "sightline/identity.h"
#include "sightline/eve.h"
#include "sightline/field.h"
#include "sightline/json.h"
#include "sightline/rules.h"
#include "sightline/scorer.h"
#include "sightline/subject.h"

struct sl_score_kafka_stats; /* score_kafka.h */

/* An event id the scorer holds, and its event's time. */
struct score_seen {
	uint64_t id;
	sl_time_us t;
};

/* One received event waiting in the reorder window. */
struct score_item {
	sl_time_us t;      /* its sensor_time, else its timestamp */
	uint64_t seq;      /* arrival order: ties keep it */
	int part;
	bool global;       /* read by the reader of every partition: its forwarded
			    * hit feeds the correlations only (score_global.c) */
	json_t *ev;        /* owned */
};

/* The newest event taken from a partition and the time applied up to. */
struct score_clock {
	sl_time_us newest, applied_until;
};

/* A flow charged before its end (an early alert): its subject's view then,
 * for its later batches, as a local sensor keeps it (sl_flow_charge). */
struct score_open {
	uint64_t key;      /* hash of host and flow_id; 0: free slot */
	struct sl_subject_view view;
};

/* Where a subject's events came from (sl_scorer_subject_partition()). */
struct score_part {
	uint64_t key;      /* hash of subject.id; 0: free */
	int part;
};

struct gaddr; /* score_global.c */

/* A correlation that fired on an event's forwarded hit, due to the subject
 * of the event with id key when its scorer applies it. */
struct score_pending {
	uint64_t key;
	sl_time_us t;
	const struct sl_rule_info *rule;
};

/* Counters of the address facts (stats.scorer.global.*). */
struct score_global_stats {
	uint64_t facts;      /* events whose facts were taken (every partition's) */
	uint64_t late;       /* ... after events of their time had been applied */
	uint64_t addresses;  /* addresses held now */
	uint64_t evicted;    /* addresses forgotten to stay within the table's size */
};

/* What is known of addresses subjects share, from every event of the fleet
 * (score_global.c): indexed by event time, so that feeding it ahead of the
 * scoring, or in another order, gives the same answer at a given time. */
struct score_global {
	struct gaddr *addrs; /* open addressing by address */
	size_t n, cap, max;
	struct sl_bindings *bindings; /* every forwarded sign-in */
	bool external;       /* fed by the Kafka input's reader of every partition,
			      * not by sl_scorer_event() */
	sl_time_us horizon;  /* facts are complete up to here: later events wait */
	bool own_at_end;     /* the scorer's own partitions are read to their end */
	sl_time_us newest;   /* the latest event time the reader queued */
	/* correlation hits that fired on a forwarded hit read by the reader, for
	 * the scorer that applies that event (its id key) to its subject */
	struct score_pending *pending;
	size_t n_pending, cap_pending;
	struct score_global_stats st;
};

/* A batch: the events of one flow written at one moment of its sensor. */
struct score_batch {
	struct score_item *items;
	size_t n, cap;
};

struct sl_scorer {
	const struct sl_config *cfg;
	struct sl_eve *eve;
	struct sl_geo *geo;          /* the scorer's own location (physics) */
	struct sl_rules *rules;      /* NULL when rules.enabled is false */
	struct sl_correlator *corr;
	struct sl_subjects *subjects;
	const struct sl_rule_info **central; /* rules evaluated here: they read subject.*,
					      * physics.*, travel.* (pack order) */
	size_t n_central;
	struct sl_scorer_stats st;
	/* the reorder window: a binary min-heap by (t, seq) */
	struct score_item *heap;
	size_t n_heap, cap_heap;
	uint64_t seq;
	sl_time_us newest, applied_until, clock;
	struct score_clock *clocks;  /* per source partition (Kafka), by number */
	size_t n_clocks;
	/* event ids seen, with their event time: open addressing of 64-bit
	 * hashes (0 never stored); ids older than applied_until are dropped when
	 * the table fills (a repeat that old is late anyway), so it stays the
	 * size of the events of one reorder window, not of the whole stream */
	struct score_seen *seen;
	size_t n_seen, cap_seen;
	const struct sl_score_kafka_stats *kafka; /* the Kafka input's counters; NULL: files */
	uint64_t last_key;           /* the id key of the last event taken (the Kafka input
				      * keeps it to carry the ids past a failover) */
	struct score_open *open;     /* flows charged early, open addressing */
	size_t n_open, cap_open;
	struct score_part *parts;
	size_t n_parts, cap_parts;
	char **strings;              /* products and categories subjects keep pointers to */
	size_t n_strings, cap_strings;
	struct score_batch batch;
	struct sl_json json;
	char host_hdr[600];
	size_t host_len;
	char *line;
	size_t line_cap;
	const struct sl_rule_info **hits;
	size_t n_hits, cap_hits;
	/* the scorer's own sign-in logs (identity.sources; score_signin.c) */
	struct sl_identity *identity;
	struct sl_bindings *bindings;
	struct sl_geo_cache *geo_cache;
	struct sl_binding flow_binding;   /* the binding of the batch being applied */
	uint64_t unrostered;
	struct score_global global;
};

/* A record rebuilt from an event: the stand-in flow and places the subject
 * stage reads as structs, and the event itself for every other field. */
struct score_rec {
	struct sl_flow flow;
	struct sl_geo_result geo[2];
	struct sl_signin signin;     /* a sign-in event's (rec.signin then points here) */
	struct sl_binding binding;   /* its account, for the roster's accounts: */
	struct sl_record rec;
	struct sl_subject_hint hint;
	const char *host;
	uint64_t flow_id;
	const char *event_type;
	bool interim;
};

/* ---- score_record.c ---- */
/* Rebuild r from ev (borrowed; must outlive r).  false: no usable flow
 * (no addresses).  Interns product names in s. */
bool sl_score_rec_build(struct sl_scorer *s, json_t *ev, struct score_rec *r);
/* Rebuild r from a signin event ev as the sensor's identity stage built
 * it: a stand-in flow from its address at its time.  false: no address. */
bool sl_score_signin_build(struct sl_scorer *s, json_t *ev, struct score_rec *r);
/* sl_record.event_get reading every field from the event, the subject's
 * too (a hit read by the reader of every partition, of another scorer's
 * subject, as its sensor saw it). */
bool sl_score_event_get_any(const struct sl_record *r, const struct sl_field *f,
			    struct sl_value *v, bool *present);
/* The event's time for ordering: sensor_time, else timestamp; false: none. */
bool sl_score_event_time(const json_t *ev, sl_time_us *t);
/* Parse RFC 3339 text into *t; false when it is not. */
bool sl_score_parse_time(const char *text, sl_time_us *t);
/* The event time of line[0..len) without parsing it all: "sensor_time" or
 * "timestamp" as the sensor writes them (0: not found; the scorer's own
 * parse then says what is wrong).  score_files.c; the Kafka input merges
 * its partitions by it too. */
sl_time_us sl_score_quick_time(const char *line, size_t len);
/* A stable 64-bit hash of text (never 0). */
uint64_t sl_score_hash(const char *text, size_t len, uint64_t seed);

/* ---- score.c ---- */
/* Count key (an event id key, see last_key) as seen: a later event with it
 * is a duplicate.  Returns 0 or -ENOMEM. */
int sl_score_mark_seen(struct sl_scorer *s, uint64_t key);
/* Forget key again: an event taken but not applied, given back to Kafka
 * (its partition revoked), is no duplicate when it is read again. */
void sl_score_unmark_seen(struct sl_scorer *s, uint64_t key);
/* ---- score_signin.c ---- */
/* Open the sign-in sources of identity.sources (none: nothing to do). */
int sl_score_identity_open(struct sl_scorer *s, char *err, size_t errlen);
/* Apply the scorer's own sign-ins up to time until (SL_IDENTITY_ANY_TIME: all). */
void sl_score_identity_until(struct sl_scorer *s, sl_time_us until);
/* r's binding from the scorer's own sign-ins, when it has any. */
void sl_score_bind(struct sl_scorer *s, struct score_rec *r);
void sl_score_identity_close(struct sl_scorer *s);

/* ---- score_global.c ---- */
/* The address facts' tables (sized by scoring.max_subjects and identity.*).
 * Returns 0 or -ENOMEM. */
int sl_score_global_init(struct sl_scorer *s);
void sl_score_global_free(struct sl_scorer *s);
/* Take the address facts of ev (borrowed), an event at time t of any
 * partition: a charged flow's or a sign-in's subject behind its outside
 * address, a successful sign-in's binding. */
void sl_score_global_feed(struct sl_scorer *s, json_t *ev, sl_time_us t);
/* The fleet's facts at the batch's time on r, charged to v (NULL: nobody):
 * v->egress_subjects and the event's subject.accounts_bound raised to them. */
void sl_score_global_apply(struct sl_scorer *s, struct score_rec *r, struct sl_subject_view *v);

/* Queue ev (owned by the scorer from here), read by the reader of every
 * partition, at time t: its forwarded hit feeds the correlations in event
 * time among the scorer's own events.  0, or -ENOMEM (ev released). */
int sl_score_global_push(struct sl_scorer *s, json_t *ev, sl_time_us t);
/* Feed the forwarded hit of a queued reader's event (it) to the correlations. */
void sl_score_global_hit(struct sl_scorer *s, struct score_item *it);
/* Charge the correlations that fired on the batch's events, read by the
 * reader, to r's subject (as on_correlation does for the scorer's own). */
void sl_score_global_pending(struct sl_scorer *s, struct score_rec *r);
/* The key of an event's id (as the duplicate check has it); 0: none. */
uint64_t sl_score_id_key(const json_t *ev);

/* ---- score_apply.c ---- */
/* The rule a forwarded alert event names (NULL: not in the pack). */
const struct sl_rule_info *sl_score_alert_rule(const struct sl_scorer *s, json_t *ev);
/* Whether the scorer judges rule itself (it reads subject facts). */
bool sl_score_is_central(const struct sl_scorer *s, const struct sl_rule_info *r);
/* Apply one batch (every event of one flow at one moment), then clear it. */
void sl_score_apply_batch(struct sl_scorer *s);
/* The final summaries and stats (sl_scorer_drain(s, true)). */
void sl_score_final(struct sl_scorer *s);
/* A flow charged early (key: its host and flow_id hash) of subject id, open
 * when its partition was checkpointed elsewhere: its end views the restored
 * subject again instead of charging the flow twice.  0 or -ENOMEM. */
int sl_score_open_restore(struct sl_scorer *s, uint64_t key, const char *subject_id);
/* Forget the open flows of partition part's subjects (it moved away). */
void sl_score_open_drop_part(struct sl_scorer *s, int part);
/* Remember that subject id's events come from partition part (-1: none). */
void sl_score_note_partition(struct sl_scorer *s, const char *id, int part);
/* Charge r's hits (s->hits) to its subject, feed the correlations, write
 * the subject's alert and the summaries due by now (0: none). */
void sl_score_hits(struct sl_scorer *s, struct score_rec *r, sl_time_us now);
/* Write the alerts of r's flow-scope hits: those judged here (all: every
 * one, for the scorer's own sign-ins). */
void sl_score_alerts(struct sl_scorer *s, struct score_rec *r, bool all);
/* Write a line (the host header put first) to the scorer's eve. */
void sl_score_write(struct sl_scorer *s, const struct sl_json *j);

#endif
