/* Engine internals shared by the files of sensor/engine. */
#ifndef SIGHTLINE_ENGINE_PRIV_H
#define SIGHTLINE_ENGINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "sightline/binding.h"
#include "sightline/decode.h"
#include "sightline/engine.h"
#include "sightline/enrich.h"
#include "sightline/field.h"
#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/identity.h"
#include "sightline/json.h"
#include "sightline/proto.h"
#include "sightline/rules.h"
#include "sightline/subject.h"

/* Top talkers by bytes, bounded: a fixed table with space-saving
 * replacement of the smallest entry, updated once per ended flow. */
#define SL_TALKERS_MAX 1024
struct sl_talkers {
	struct sl_talker t[SL_TALKERS_MAX];
	size_t n;
};

void sl_talkers_add(struct sl_talkers *tk, const struct sl_addr *a, uint64_t bytes);
/* Sort the table by bytes, largest first (ties by address), for the summary. */
void sl_talkers_sort(struct sl_talkers *tk);

/* A flow charged to its subject before its end (a rule hit at an earlier
 * stage): its subject's view then, for every later event of the flow, so
 * the flow is counted once, and the rules that fired then, so none fires
 * twice.  roster_gen: the engine's roster generation then (a reload frees
 * the roster the view points into; a retired pack keeps its rules). */
struct sl_flow_charge {
	struct sl_subject_view view;
	uint64_t roster_gen;
	size_t n_fired;
	const struct sl_rule_info *fired[];
};

/* One ended flow as its worker builds it outside the lead's lock: the flow
 * event, its flow-scope alerts, the rules it matched and a copy of its
 * subject's view (sensor/engine/flow_end.c).  Buffers are reused flow after flow. */
struct sl_flow_out {
	struct sl_json flow;
	struct sl_json *alerts;             /* n_alerts built, cap_alerts allocated */
	size_t n_alerts, cap_alerts;
	const struct sl_rule_info **hits;   /* matched rules, in pack order */
	size_t n_hits, cap_hits;
	uint64_t lost;                      /* alerts or hits with no memory to keep them */
	struct sl_subject_view view;
	const char *host;                   /* the lead's host_name, or NULL: sl_engine_begin_event() */
	const struct sl_rule_info **alert_rule; /* the rule of each alert (its event_id) */
	size_t cap_alert_rule;
	bool forward;                       /* scoring.mode forward: see forward.c */
};

/* What a forwarding sensor's event carries besides its fields (forward.c):
 * the parts of its event_id and its Kafka key. */
struct sl_event_meta {
	const char *type;      /* "flow", "alert", "signin" */
	uint64_t flow_id;
	uint32_t sid;          /* an alert's rule; 0 otherwise */
	sl_time_us last;       /* the flow's (or sign-in's) latest packet time */
	sl_time_us clock;      /* the capture clock at writing: sensor_time */
	const char *key;       /* the subject: its subject.id, else the client address */
};

/* The identity stage's state of one engine (signin.c). */
struct sl_engine_signin {
	struct sl_json alert;             /* lead: a sign-in alert being built */
	struct sl_binding binding;        /* lead: the sign-in event's own */
	struct sl_binding flow_binding;   /* this engine's ended flow's */
	uint64_t events, alerts;          /* lead: signin events and their alerts */
	uint64_t unrostered;              /* lead: successful sign-ins of accounts no roster lists */
	sl_time_us last;                  /* lead: newest sign-in time */
	sl_time_us next;                  /* time of the next sign-in ready; 0: not known */
};

struct sl_engine {
	const struct sl_config *cfg;
	struct sl_eve *eve;
	struct sl_decoder *dec;
	struct sl_flow_table *flows;
	struct sl_dispatch *dispatch;
	struct sl_proto_hosts hosts_view; /* the lead's hosts table as this dispatcher's parsers see it */
	struct sl_identify *identify;   /* lead: products and tunnel signs; workers use the lead's */
	struct sl_hosts *hosts;         /* lead: what is known about hosts across flows */
	atomic_bool overlay_known;      /* lead: hosts holds overlay peers (read without the lock) */
	struct sl_geo *geo;             /* IP-intelligence databases */
	struct sl_geo_cache *geo_cache; /* this engine's lookup cache */
	struct sl_json json;
	struct sl_engine_stats st;
	struct sl_talkers talkers;
	struct sl_rules *rules;          /* NULL when rules.enabled is false */
	struct sl_correlator *corr;      /* the rules' correlation state */
	struct sl_subjects *subjects;    /* who flows are charged to, and their scores */
	struct sl_rules **retired;       /* packs replaced by reloads; hits may point into them */
	size_t n_retired;
	struct sl_identify **retired_identify; /* sets replaced by reloads: flows name their products */
	size_t n_retired_identify;
	uint64_t rule_hits;              /* rule matches (flow, subject and correlation) */
	uint64_t flow_alerts;            /* alert events for flow-scoped rules */
	uint64_t subject_events;         /* subject alerts and summaries written */
	uint64_t flow_events;
	uint64_t roster_gen;             /* lead: rosters swapped in by reloads */
	uint64_t events_lost; /* JSON could not be built (out of memory) */
	sl_time_us clock;     /* the capture clock: latest packet time of the capture so far */
	sl_time_us expired_at; /* clock of the last sl_engine_tick() expiry */
	sl_time_us next_stats; /* lead: when the next periodic stats event is due */
	const struct sl_flow_src *src; /* where the frames now given come from (one of
				 * srcs); NULL: nowhere known */
	const char *cur_iface, *cur_file; /* its parts (kept in srcs) */
	struct sl_flow_src **srcs; /* every source set, each once: flows point into them */
	size_t n_srcs, cap_srcs;
	struct sl_flow_out out; /* this engine's ended flow, built outside the lock */
	/* Every event line goes out as '{' + host_hdr + the rest of the line:
	 * host_hdr is "host":"NAME", (sensor.name, else the host name).  The
	 * flow events and their alerts begin with it already (host_name, see
	 * sl_engine_begin_event()), the rest have it put in front. */
	char host_hdr[600];
	size_t host_len;
	char host_name[512];
	char *line;             /* the line with it, grown as needed (under the lock) */
	size_t line_cap;
	struct sl_identity *identity;   /* sign-in logs (lead; replay workers: own copies) */
	struct sl_bindings *bindings;   /* what they bound (as identity) */
	struct sl_engine_signin signin;
	/* Workers (sl_engine_add_workers): engine 0 is the lead itself; the
	 * others own a decoder, flow table, parsers and geo cache and borrow
	 * everything else from the lead, whose lock guards it. */
	struct sl_engine *lead;       /* a worker: the lead; NULL on the lead */
	struct sl_engine **workers;   /* lead: n_workers engines, [0] is the lead */
	size_t n_workers;             /* lead: 0 or 1 without workers */
	pthread_mutex_t lock;         /* lead: subjects, rules, correlator, eve, talkers, json,
				       * hosts */
	/* Replay with workers (order.c): frames this worker finished (every
	 * frame of the capture, its own or a tick; UINT64_MAX once its reader
	 * stopped), its index among the workers, and on the lead whether
	 * shared state is touched in capture order. */
	_Atomic uint64_t frames_done;
	unsigned index;
	bool ordered;
	/* Those waiting for this worker's frames_done to reach wake_at sleep
	 * on order_cond (order.c; set up by sl_engine_order_replay()). */
	bool order_init;
	_Atomic uint64_t wake_at;
	pthread_mutex_t order_lock;
	pthread_cond_t order_cond;
};

/* Capture clock a worker may run ahead of its last expiry pass without a
 * frame of its own (sl_engine_tick()). */
#define SL_ENGINE_TICK_US 1000

/* ---- the lock regime (lock.c) ---- */

/* The lead's mutex: adaptive where the C library has one. */
void sl_engine_lock_init(pthread_mutex_t *m);
/* The lead of worker w (w itself for the lead). */
struct sl_engine *sl_engine_lead(struct sl_engine *w);
/* The dispatcher of w (the lead or a worker, w->lead set), its parsers
 * seeing the lead's hosts table through w->hosts_view, under the lead's
 * lock and in w's turn.  0 or -errno with err set. */
int sl_engine_dispatch_create(struct sl_engine *w, char *err, size_t errlen);

/* ---- an ended flow (flow_end.c) ---- */

/* The flow table's end callback (ctx: the engine or worker that owns the
 * table). */
void sl_engine_flow_end(void *ctx, struct sl_flow *f);
/* Write the event built in j, or count it lost.  Under the lock with workers. */
void sl_engine_write(struct sl_engine *e, const struct sl_json *j);
/* sl_engine_write() with extra keys (extra_len bytes ending in a comma)
 * after host. */
void sl_engine_write_with(struct sl_engine *e, const struct sl_json *j, const char *extra,
			  size_t extra_len);
/* sl_engine_write() of an event with its meta: a forwarding sensor puts
 * event_id, sensor_time and subject_key after host (forward.c); otherwise
 * the same as sl_engine_write(). */
void sl_engine_write_meta(struct sl_engine *e, const struct sl_json *j,
			  const struct sl_event_meta *m);
/* The meta of r's events of type at clock (its subject, else its client). */
void sl_engine_meta(const struct sl_record *r, const char *type, sl_time_us clock,
		    struct sl_event_meta *m, char *keybuf, size_t keylen);
/* scoring.mode forward: take out of o->hits the rules only the fleet scorer
 * can judge (they read subject.*, physics.*, travel.*). */
void sl_engine_forward_hits(struct sl_flow_out *o);
static inline bool sl_engine_forwarding(const struct sl_engine *e)
{
	return e->cfg->scoring.mode == SL_SCORING_FORWARD;
}
/* Free a flow-out's buffers; it is zeroed and may be reused. */
void sl_flow_out_free(struct sl_flow_out *o);
/* IP intelligence of both sides of f and which is remote, into r (worker w's
 * cache: r->geo is valid until w's next lookup). */
void sl_engine_enrich(struct sl_engine *w, const struct sl_flow *f, struct sl_record *r);
/* Match the rules of stages (from, to] against r into o->hits (pack order
 * within a stage, stages in order); outside the lock. */
void sl_engine_match(struct sl_flow_out *o, const struct sl_record *r,
		     const struct sl_rules *rules, unsigned from, unsigned to);
/* Build into o->alerts the alert of each flow-scope hit of o->hits from the
 * event built in o->flow, unless r's subject allow-lists the flow. */
void sl_engine_alerts(struct sl_flow_out *o, struct sl_record *r);
/* Under the lock: write o's alerts of the flow of r at capture clock
 * (and count those lost). */
void sl_engine_write_alerts(struct sl_engine *e, struct sl_flow_out *o, const struct sl_record *r,
			    sl_time_us clock);
/* Under the lock: charge o's hits to r's subject (and the correlation
 * rules), then the subject's alert if its score rose a level and the
 * subject summaries due by now (0: none; flow ends write them). */
void sl_engine_score(struct sl_engine *e, struct sl_flow_out *o, struct sl_record *r,
		     sl_time_us now);

/* ---- a flow's stages and interim records (stage.c) ---- */

/* Flow f of worker w reached stage (enum sl_settle): the rules of every
 * stage up to it not run yet run now, their alerts are written and their
 * hits scored (the flow is charged to its subject at its first hit). */
void sl_engine_stage(struct sl_engine *w, struct sl_flow *f, unsigned stage);
/* An interim flow record of f when flow.update_interval passed on w's clock
 * since its start or its last interim record (f's first interim time is set
 * on its first packet). */
void sl_engine_interim_due(struct sl_engine *w, struct sl_flow *f);

/* The test of every packet, inline: its call was 15 instructions a packet
 * for a compare that fails on nearly all of them.  next_interim is 0 on a
 * flow's first packet, so sl_engine_interim_due() sets it then. */
static inline void sl_engine_interim(struct sl_engine *w, struct sl_flow *f)
{
	if (f->last >= f->next_interim && w->cfg->flow.update_interval)
		sl_engine_interim_due(w, f);
}
/* Under the lock, at f's end: r->subject is the subject view kept since f
 * was charged early (copied into *view); false when f was not charged
 * early.  f keeps it until sl_engine_forget(). */
bool sl_engine_charged_view(struct sl_engine *e, struct sl_flow *f, struct sl_record *r,
			    struct sl_subject_view *view);
/* Take out of o->hits the rules that fired for f before its end. */
void sl_engine_drop_fired(const struct sl_flow *f, struct sl_flow_out *o);
/* f ended: free what the engine kept for it. */
void sl_engine_forget(struct sl_flow *f);

/* ---- sign-ins (signin.c) ---- */

/* Set r->binding from the binding of r's outside address at its last
 * packet (w's own table in a replay, else the lead's; lead's lock held). */
void sl_engine_bind_flow(struct sl_engine *w, struct sl_record *r);
struct sl_stats_view;
/* Fill the stats event's identity counters of s (s->identity false: no
 * sources, no stats.identity.*). */
void sl_engine_stats_signins(struct sl_engine *e, struct sl_stats_view *s);
/* The summary's sign-in lines (nothing without sign-in sources). */
void sl_engine_summary_signins(struct sl_engine *e, FILE *out);
/* Close the sign-in sources and bindings of one engine. */
void sl_engine_identity_finish(struct sl_engine *e);

/* ---- capture order across replay workers (order.c) ---- */

/* Wake those waiting for w's progress: it reached their wake_at (order.c). */
void sl_engine_order_wake(struct sl_engine *w);

/* w's progress reached done: wake those who wait for it.  Sequentially
 * consistent against the waiters' registering in wake_at, so none sleeps
 * past it. */
static inline void sl_engine_order_progress(struct sl_engine *w, uint64_t done)
{
	atomic_store(&w->frames_done, done);
	if (w->order_init && atomic_load(&w->wake_at) <= done)
		sl_engine_order_wake(w);
}

/* Worker w finished a frame of the capture (after its tick).  Inline: it
 * runs for every frame, and rarely has anyone to wake. */
static inline void sl_engine_frame_done(struct sl_engine *w)
{
	uint64_t k = atomic_load_explicit(&w->frames_done, memory_order_relaxed);
	if (k != UINT64_MAX)
		sl_engine_order_progress(w, k + 1);
}
/* Free what sl_engine_order_replay() set up in w. */
void sl_engine_order_finish(struct sl_engine *w);
/* Before worker w touches shared state for its current frame (a flow's
 * charge, its hits, a sign-in, what hosts learn or tell): wait until every frame before it, and this
 * frame in the workers before w, is done in every worker.  Returns at once
 * without ordering (live, one worker, after the readers stopped). */
/* Starts o's flow event with the host key sl_engine_write() would put in
 * front of it, so that the line is written without a copy. */
void sl_engine_begin_event(struct sl_flow_out *o);
void sl_engine_await_turn(struct sl_engine *w);

/* ---- reporting (report.c) ---- */

/* Counters summed over the lead and its workers, for stats and summary. */
struct sl_engine_totals {
	struct sl_engine_stats st;
	struct sl_decode_counters dec;
	struct sl_flow_stats flow;
	struct sl_dispatch_stats disp;
	struct sl_geo_cache_stats geo;
};

void sl_engine_totals(struct sl_engine *e, struct sl_engine_totals *t);

/* Everything the stats event writes, gathered under the engine lock: the
 * totals and what is worked out from them or read elsewhere.  Its fields
 * are named only in sensor/engine/stats_fields.c (sl_stats_fields), whose
 * declarations the writer walks. */
struct sl_stats_view {
	struct sl_engine_totals t;
	uint64_t flow_bytes, table_bytes; /* per flow: see flow_bytes() in report.c */
	uint64_t rules_loaded, rule_hits, flow_alerts, signin_alerts;
	uint64_t corr_evictions, regex_limit_hits;
	struct sl_subjects_stats subj;
	bool identity; /* identity sources configured: stats.identity.* present */
	uint64_t signins, bad_records, signin_events, unrostered;
	struct sl_bindings_stats bind;
	uint64_t rss_bytes;
	struct sl_eve_stats out;
	uint64_t events_lost;
};
/* Write the end-of-run stats event. */
void sl_engine_write_stats(struct sl_engine *e);
/* The lead's clock reached now (packet time offline, the wall clock live):
 * a stats event when stats.interval fell due. */
void sl_engine_periodic_stats(struct sl_engine *e, sl_time_us now);

#endif
