/* One batch of forwarded events (a flow's events of one moment) applied as
 * a local sensor applies that moment of the flow: its subject charged (at
 * its first alert, or at its end), the rule hits the sensor forwarded and
 * those of the rules only the scorer can judge, correlation, the subject's
 * alert and the summaries that fell due. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/binding.h"
#include "sightline/engine.h"
#include "sightline/jsonpath.h"
#include "sightline/schema.h"
#include "score_kafka.h"
#include "score_priv.h"

void sl_score_write(struct sl_scorer *s, const struct sl_json *j)
{
	if (!s->eve || j->failed || j->len < 3 || j->buf[0] != '{')
		return;
	size_t need = j->len + s->host_len;
	if (need > s->line_cap) {
		char *n = realloc(s->line, need * 2);
		if (!n)
			return;
		s->line = n;
		s->line_cap = need * 2;
	}
	s->line[0] = '{';
	memcpy(s->line + 1, s->host_hdr, s->host_len);
	memcpy(s->line + 1 + s->host_len, j->buf + 1, j->len - 1);
	sl_eve_write(s->eve, s->line, need);
}

/* ---- flows charged early, by host and flow_id; subjects' partitions ----
 * Both are open-addressing tables of 64-bit keys (0: a free slot) that
 * double at half full; a removed flow's slot is refilled by moving the
 * entries after it back (linear probing without tombstones). */

static int open_grow(struct sl_scorer *s)
{
	size_t cap = s->cap_open ? s->cap_open * 2 : 64;
	struct score_open *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap_open; i++) {
		if (!s->open[i].key)
			continue;
		size_t k = s->open[i].key & (cap - 1);
		while (n[k].key)
			k = (k + 1) & (cap - 1);
		n[k] = s->open[i];
	}
	free(s->open);
	s->open = n;
	s->cap_open = cap;
	return 0;
}

static struct score_open *open_find(struct sl_scorer *s, uint64_t key)
{
	for (size_t k = s->cap_open ? key & (s->cap_open - 1) : 0; s->cap_open && s->open[k].key;
	     k = (k + 1) & (s->cap_open - 1))
		if (s->open[k].key == key)
			return &s->open[k];
	return NULL;
}

static struct score_open *open_add(struct sl_scorer *s, uint64_t key)
{
	if ((s->n_open + 1) * 2 > s->cap_open && open_grow(s) < 0)
		return NULL;
	size_t k = key & (s->cap_open - 1);
	while (s->open[k].key)
		k = (k + 1) & (s->cap_open - 1);
	s->open[k] = (struct score_open){ .key = key };
	s->st.open_flows = ++s->n_open;
	return &s->open[k];
}

static void open_drop(struct sl_scorer *s, struct score_open *o)
{
	size_t mask = s->cap_open - 1, hole = (size_t)(o - s->open);
	s->open[hole].key = 0;
	for (size_t k = (hole + 1) & mask; s->open[k].key; k = (k + 1) & mask) {
		size_t home = s->open[k].key & mask;
		/* move k back into the hole unless its home lies in (hole, k] */
		bool stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
		if (stays)
			continue;
		s->open[hole] = s->open[k];
		s->open[k].key = 0;
		hole = k;
	}
	s->st.open_flows = --s->n_open;
}

int sl_score_open_restore(struct sl_scorer *s, uint64_t key, const char *subject_id)
{
	struct sl_subject_view v;
	if (open_find(s, key) || !sl_subjects_view_of(s->subjects, subject_id, &v))
		return 0;
	struct score_open *o = open_add(s, key);
	if (!o)
		return -ENOMEM;
	o->view = v;
	return 0;
}

void sl_score_open_drop_part(struct sl_scorer *s, int part)
{
	for (size_t i = s->n_open; i-- > 0;)
		if (sl_scorer_subject_partition(s, s->open[i].view.id) == part)
			open_drop(s, &s->open[i]);
}

static uint64_t flow_key(const struct score_rec *r)
{
	return sl_score_hash(r->host, strlen(r->host), r->flow_id);
}

static int parts_grow(struct sl_scorer *s)
{
	size_t cap = s->cap_parts ? s->cap_parts * 2 : 256;
	struct score_part *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap_parts; i++) {
		if (!s->parts[i].key)
			continue;
		size_t k = s->parts[i].key & (cap - 1);
		while (n[k].key)
			k = (k + 1) & (cap - 1);
		n[k] = s->parts[i];
	}
	free(s->parts);
	s->parts = n;
	s->cap_parts = cap;
	return 0;
}

static struct score_part *part_slot(const struct sl_scorer *s, uint64_t key)
{
	size_t k = key & (s->cap_parts - 1);
	while (s->parts[k].key && s->parts[k].key != key)
		k = (k + 1) & (s->cap_parts - 1);
	return &s->parts[k];
}

/* Subjects are forgotten by the subject table, not here: one entry per
 * subject ever seen with a partition (16 bytes each). */
void sl_score_note_partition(struct sl_scorer *s, const char *id, int part)
{
	if (part < 0 || !id)
		return;
	if ((s->n_parts + 1) * 2 > s->cap_parts && parts_grow(s) < 0)
		return;
	uint64_t key = sl_score_hash(id, strlen(id), 0x9a);
	struct score_part *p = part_slot(s, key);
	if (!p->key)
		s->n_parts++;
	*p = (struct score_part){ .key = key, .part = part };
}

int sl_scorer_subject_partition(const struct sl_scorer *s, const char *subject_id)
{
	if (!s->cap_parts || !subject_id)
		return -1;
	struct score_part *p = part_slot(s, sl_score_hash(subject_id, strlen(subject_id), 0x9a));
	return p->key ? p->part : -1;
}

/* ---- the hits of a batch ---- */

static void add_hit(struct sl_scorer *s, const struct sl_rule_info *rule)
{
	for (size_t i = 0; i < s->n_hits; i++)
		if (s->hits[i] == rule)
			return;
	const struct sl_rule_info **n = sl_grow(s->hits, &s->cap_hits, s->n_hits, sizeof(*n), 8);
	if (!n)
		return;
	s->hits = n;
	s->hits[s->n_hits++] = rule;
}

/* The rule an alert event names: by signature_id, else rule_id. */
const struct sl_rule_info *sl_score_alert_rule(const struct sl_scorer *s, json_t *ev)
{
	json_t *sid = sl_jpath_get(ev, "alert.signature_id");
	const char *id = json_string_value(sl_jpath_get(ev, "alert.rule_id"));
	for (size_t i = 0; s->rules && i < sl_rules_count(s->rules); i++) {
		const struct sl_rule_info *r = sl_rules_info(s->rules, i);
		if (json_is_integer(sid) && (json_int_t)r->signature_id == json_integer_value(sid))
			return r;
		if (!json_is_integer(sid) && id && !strcmp(r->id, id))
			return r;
	}
	return NULL;
}

bool sl_score_is_central(const struct sl_scorer *s, const struct sl_rule_info *r)
{
	for (size_t i = 0; i < s->n_central; i++)
		if (s->central[i] == r)
			return true;
	return false;
}

static void forwarded_hits(struct sl_scorer *s)
{
	for (size_t i = 0; i < s->batch.n; i++) {
		json_t *ev = s->batch.items[i].ev;
		const char *type = json_string_value(json_object_get(ev, "event_type"));
		const char *scope = json_string_value(sl_jpath_get(ev, "alert.scope"));
		if (!type || strcmp(type, "alert") || !scope ||
		    (strcmp(scope, "flow") && strcmp(scope, "subject-hit") && strcmp(scope, "signin")))
			continue; /* a local sensor's subject alerts are no hits */
		const struct sl_rule_info *rule = sl_score_alert_rule(s, ev);
		if (!rule) {
			s->st.unknown_rules++;
			continue;
		}
		if (!sl_score_is_central(s, rule)) /* the scorer judges those itself */
			add_hit(s, rule);
	}
}

static void on_central(void *ctx, const struct sl_rule_info *rule)
{
	struct sl_scorer *s = ctx;
	if (sl_score_is_central(s, rule))
		add_hit(s, rule);
}

/* Pack order within a stage, stages in order: as a local sensor's hits. */
static int hit_order(const void *a, const void *b)
{
	const struct sl_rule_info *x = *(const struct sl_rule_info *const *)a;
	const struct sl_rule_info *y = *(const struct sl_rule_info *const *)b;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* ---- alerts the scorer writes: flow-scope rules it judged ---- */

static bool flow_field(const struct sl_field *f)
{
	const struct sl_field_table *t = &sl_signin_fields;
	return f < t->fields || f >= t->fields + t->n;
}

/* The alerts of the flow-scope rules judged here: the event's fields (a
 * flow's, or a sign-in's) as the rule saw them, and the rule. */
void sl_score_alerts(struct sl_scorer *s, struct score_rec *r, bool all)
{
	if (r->rec.subject && r->rec.subject->allowed)
		return;
	bool signin = r->rec.signin != NULL;
	const char *type = r->rec.event_type;
	struct sl_field_source src = sl_rules_record_source(&r->rec);
	for (size_t i = 0; i < s->n_hits; i++) {
		const struct sl_rule_info *rule = s->hits[i];
		if (rule->scope != SL_RULE_SCOPE_FLOW || (!all && !sl_score_is_central(s, rule)))
			continue;
		r->rec.event_type = "alert";
		sl_json_begin(&s->json);
		sl_catalogue_emit_if(&r->rec, &s->json, signin ? sl_signin_event_field : flow_field);
		sl_engine_alert_block(&s->json, signin ? "signin" : "flow", rule, &src);
		sl_json_end(&s->json);
		r->rec.event_type = type;
		sl_score_write(s, &s->json);
		s->st.flow_alerts++;
	}
}

/* ---- scoring ---- */

static void on_correlation(void *ctx, const struct sl_rule_info *rule)
{
	struct score_rec *r = ((void **)ctx)[1];
	struct sl_scorer *s = ((void **)ctx)[0];
	s->st.hits++;
	sl_subjects_hit(s->subjects, &r->rec, rule);
}

void sl_score_hits(struct sl_scorer *s, struct score_rec *r, sl_time_us now)
{
	bool allowed = r->rec.subject && r->rec.subject->allowed;
	struct sl_field_source src = sl_rules_record_source(&r->rec);
	void *ctx[2] = { s, r };
	for (size_t i = 0; i < s->n_hits; i++) {
		s->st.hits++;
		sl_subjects_hit(s->subjects, &r->rec, s->hits[i]);
		/* over Kafka, forwarded hits reached the correlations by the reader
		 * of every partition, every subject's in event time */
		bool fed = s->global.external && r->rec.event && !sl_score_is_central(s, s->hits[i]);
		if (!allowed && s->corr && !fed)
			sl_correlator_feed(s->corr, s->hits[i], &src, r->flow.last, on_correlation, ctx);
	}
	if (!allowed && s->global.external && r->rec.event)
		sl_score_global_pending(s, r);
	if (sl_subjects_alert(s->subjects, &r->rec, &s->json)) {
		sl_score_write(s, &s->json);
		s->st.subject_alerts++;
	}
	while (now && sl_subjects_summary(s->subjects, now, false, &s->json)) {
		sl_score_write(s, &s->json);
		s->st.summaries++;
	}
}

/* Charge the flow of r: at its first batch, or (charged early) view its
 * subject again at its end, as a local sensor's flow end does. */
static void charge(struct sl_scorer *s, struct score_rec *r, bool end, struct sl_subject_view *v)
{
	uint64_t key = flow_key(r);
	struct score_open *o = open_find(s, key);
	if (o) {
		*v = o->view;
		r->rec.subject = v->subject ? v : NULL;
		if (end) {
			sl_subjects_flow_ended(s->subjects, &r->rec);
			if (r->rec.subject && sl_subjects_view(s->subjects, &r->rec))
				*v = *r->rec.subject;
			open_drop(s, o);
		}
	} else {
		if (sl_subjects_charge_hint(s->subjects, &r->hint, &r->rec))
			*v = *r->rec.subject;
		else
			*v = (struct sl_subject_view){ 0 };
		if (!end && (o = open_add(s, key)))
			o->view = *v;
	}
	r->rec.subject = v->subject ? v : NULL;
}

enum batch_kind { BATCH_EARLY, BATCH_END, BATCH_SIGNIN };

/* The batch's flow event (its end), else its sign-in, else its first alert. */
static json_t *batch_base(struct sl_scorer *s, enum batch_kind *kind)
{
	json_t *alert = NULL;
	*kind = BATCH_EARLY;
	for (size_t i = 0; i < s->batch.n; i++) {
		json_t *ev = s->batch.items[i].ev;
		const char *type = json_string_value(json_object_get(ev, "event_type"));
		if (type && !strcmp(type, "flow") && !json_is_true(sl_jpath_get(ev, "flow.interim"))) {
			*kind = BATCH_END;
			return ev;
		}
		if (type && !strcmp(type, "signin")) {
			*kind = BATCH_SIGNIN;
			return ev;
		}
		if (type && !strcmp(type, "alert") && !alert && json_object_get(ev, "flow_id"))
			alert = ev;
	}
	return alert;
}

static void clear_batch(struct sl_scorer *s)
{
	for (size_t i = 0; i < s->batch.n; i++)
		json_decref(s->batch.items[i].ev);
	s->batch.n = 0;
	s->n_hits = 0;
}

/* A sign-in is charged when it succeeded (a failed one proves nobody was
 * there: its alerts stand alone), as the sensor's identity stage does. */
static void charge_signin(struct sl_scorer *s, struct score_rec *r, struct sl_subject_view *v)
{
	r->rec.subject = NULL;
	if (r->signin.outcome != SL_SIGNIN_SUCCESS ||
	    !sl_subjects_charge_hint(s->subjects, &r->hint, &r->rec))
		return;
	*v = *r->rec.subject;
	r->rec.subject = v;
}

/* The hits of the batch: forwarded, and those of the rules judged here on
 * a flow's end or a sign-in, in the order a local sensor has them. */
static void batch_hits(struct sl_scorer *s, struct score_rec *r, enum batch_kind kind)
{
	forwarded_hits(s);
	if (kind != BATCH_EARLY && s->rules && s->n_central) {
		struct sl_field_source src = sl_rules_record_source(&r->rec);
		sl_rules_match_event(s->rules, kind == BATCH_SIGNIN ? SL_RULE_EVENT_SIGNIN
								: SL_RULE_EVENT_FLOW,
				     &src, on_central, s);
	}
	if (s->n_hits > 1)
		qsort(s->hits, s->n_hits, sizeof(*s->hits), hit_order);
}

void sl_score_apply_batch(struct sl_scorer *s)
{
	sl_score_identity_until(s, s->batch.items[0].t); /* sign-ins first, as a sensor has them */
	enum batch_kind kind;
	json_t *base = batch_base(s, &kind);
	struct score_rec r;
	struct sl_subject_view view;
	sl_time_us now = s->batch.items[0].t;
	bool built = base && (kind == BATCH_SIGNIN ? sl_score_signin_build(s, base, &r)
						   : sl_score_rec_build(s, base, &r));
	if (!built) {
		s->st.ignored += s->batch.n;
		clear_batch(s);
		return;
	}
	s->clock = now > s->clock ? now : s->clock;
	s->st.applied += s->batch.n;
	if (kind != BATCH_SIGNIN)
		sl_score_bind(s, &r);
	if (kind == BATCH_SIGNIN)
		charge_signin(s, &r, &view);
	else
		charge(s, &r, kind == BATCH_END, &view);
	sl_score_global_apply(s, &r, r.rec.subject ? &view : NULL);
	if (r.rec.subject)
		sl_score_note_partition(s, r.rec.subject->id, s->batch.items[0].part);
	batch_hits(s, &r, kind);
	sl_score_alerts(s, &r, false);
	if (r.rec.subject)
		sl_score_hits(s, &r, kind == BATCH_EARLY ? 0 : kind == BATCH_SIGNIN ? r.flow.last : now);
	clear_batch(s);
}

/* The end of input: the final summaries, then the scorer's stats. */
void sl_score_final(struct sl_scorer *s)
{
	sl_score_identity_until(s, SL_IDENTITY_ANY_TIME);
	while (sl_subjects_summary(s->subjects, s->clock, true, &s->json)) {
		sl_score_write(s, &s->json);
		s->st.summaries++;
	}
	sl_scorer_write_stats(s, true);
}

static void stat(struct sl_json *j, const char *key, uint64_t v)
{
	sl_json_key(j, key);
	sl_json_u64(j, v);
}

/* The Kafka input's counters (score_kafka.h), under scorer.kafka. */
static void kafka_stats(struct sl_json *j, const struct sl_score_kafka_stats *k)
{
	sl_json_key(j, "kafka");
	sl_json_open_object(j);
	stat(j, "messages", k->messages);
	stat(j, "partitions", k->partitions);
	stat(j, "lag", k->lag);
	stat(j, "checkpoints", k->checkpoints);
	stat(j, "state_records", k->state_records);
	stat(j, "state_bytes", k->state_bytes);
	stat(j, "restored", k->restored);
	stat(j, "replayed_seen", k->replayed_seen);
	sl_json_close_object(j);
}

/* The address facts' counters (score_global.c), under scorer.global. */
static void global_stats(struct sl_json *j, const struct score_global_stats *g)
{
	sl_json_key(j, "global");
	sl_json_open_object(j);
	stat(j, "facts", g->facts);
	stat(j, "late", g->late);
	stat(j, "addresses", g->addresses);
	stat(j, "evicted", g->evicted);
	sl_json_close_object(j);
}

void sl_scorer_write_stats(struct sl_scorer *s, bool final)
{
	(void)final; /* the same counters; the caller knows which it writes */
	char t[40];
	const struct sl_scorer_stats *st = &s->st;
	const struct sl_subjects_stats *ss = sl_subjects_stats(s->subjects);
	struct sl_json *j = &s->json;
	sl_json_begin(j);
	sl_json_key(j, "timestamp");
	sl_json_str(j, sl_time_format(s->clock, t, sizeof(t)));
	sl_json_key(j, "event_type");
	sl_json_str(j, "stats");
	sl_json_key(j, "stats");
	sl_json_open_object(j);
	sl_json_key(j, "scorer");
	sl_json_open_object(j);
	stat(j, "events", st->events);
	stat(j, "applied", st->applied);
	stat(j, "duplicates", st->duplicates);
	stat(j, "late", st->late);
	stat(j, "invalid", st->invalid);
	stat(j, "ignored", st->ignored);
	stat(j, "unknown_rules", st->unknown_rules);
	stat(j, "hits", st->hits);
	stat(j, "flow_alerts", st->flow_alerts);
	stat(j, "subject_alerts", st->subject_alerts);
	stat(j, "summaries", st->summaries);
	stat(j, "queued", st->queued);
	stat(j, "open_flows", st->open_flows);
	global_stats(j, &s->global.st);
	if (s->kafka)
		kafka_stats(j, s->kafka);
	sl_json_close_object(j);
	sl_json_key(j, "subjects");
	sl_json_open_object(j);
	stat(j, "tracked", ss->tracked);
	stat(j, "evictions", ss->evictions);
	stat(j, "hits", ss->hits);
	stat(j, "hits_allowed", ss->hits_allowed);
	stat(j, "hits_dropped", ss->hits_dropped);
	stat(j, "alerts", ss->alerts);
	stat(j, "not_endpoints", ss->not_endpoints);
	sl_json_close_object(j);
	sl_json_close_object(j);
	sl_json_end(j);
	sl_score_write(s, j);
}
