/* The fleet scorer's intake: events parsed, duplicates dropped by event id,
 * held in a reorder window of event time and released in order, a flow's
 * events of one moment together, to the subject stage (score_apply.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/engine.h"
#include "score_priv.h"

/* Rules that read what only the scorer knows whole: the subject's fields.
 * A forwarding sensor leaves them to the scorer. */
static bool central_rule(const struct sl_rule_info *r)
{
	return !r->correlation && (sl_rule_reads(r, "subject.") || sl_rule_reads(r, "physics.") ||
				   sl_rule_reads(r, "travel."));
}

static int load_rules(struct sl_scorer *s, char *err, size_t errlen)
{
	struct sl_rule_error re;
	int rc = sl_rules_load(s->cfg->rules.path, &s->rules, &re);
	if (rc < 0) {
		sl_rule_error_format(&re, err, errlen);
		return rc;
	}
	sl_rules_set_regex_limits(s->rules, s->cfg->rules.regex_match_limit,
				  s->cfg->rules.regex_depth_limit);
	rc = sl_correlator_create(s->rules, s->cfg->rules.max_groups, &s->corr);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate %u correlation groups", s->cfg->rules.max_groups);
		return rc;
	}
	size_t n = sl_rules_count(s->rules);
	s->central = calloc(n ? n : 1, sizeof(*s->central));
	if (!s->central)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (central_rule(sl_rules_info(s->rules, i)))
			s->central[s->n_central++] = sl_rules_info(s->rules, i);
	return 0;
}

/* "host":"NAME", put first in every event the scorer writes. */
static void host_header(struct sl_scorer *s)
{
	s->host_len = sl_engine_host_header(s->cfg, s->host_hdr, sizeof(s->host_hdr), NULL, 0);
}

int sl_scorer_create(const struct sl_config *cfg, struct sl_scorer **out, char *err,
		     size_t errlen)
{
	struct sl_scorer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	size_t nf;
	sl_catalogue_emit_order(&nf);
	sl_json_init(&s->json);
	host_header(s);
	int rc = sl_subjects_create(cfg, &s->subjects, err, errlen);
	if (rc < 0)
		goto err;
	rc = sl_geo_create(cfg, &s->geo, err, errlen);
	if (rc < 0)
		goto err;
	double lat, lon;
	if (sl_geo_sensor_location(s->geo, &lat, &lon))
		sl_subjects_set_sensor_location(s->subjects, lat, lon);
	if (cfg->rules.enabled && (rc = load_rules(s, err, errlen)) < 0)
		goto err;
	if ((rc = sl_score_identity_open(s, err, errlen)) < 0)
		goto err;
	if ((rc = sl_score_global_init(s)) < 0) {
		snprintf(err, errlen, "out of memory for the address facts");
		goto err;
	}
	*out = s;
	return 0;
err:
	sl_scorer_destroy(s);
	return rc;
}

static void free_items(struct score_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(items[i].ev);
}

void sl_scorer_destroy(struct sl_scorer *s)
{
	if (!s)
		return;
	free_items(s->heap, s->n_heap);
	free(s->heap);
	free_items(s->batch.items, s->batch.n);
	free(s->batch.items);
	free(s->seen);
	free(s->clocks);
	free(s->open);
	free(s->parts);
	free(s->global.pending);
	for (size_t i = 0; i < s->n_strings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->hits);
	free(s->line);
	free(s->central);
	sl_json_finish(&s->json);
	sl_score_identity_close(s);
	sl_score_global_free(s);
	sl_correlator_destroy(s->corr);
	sl_rules_destroy(s->rules);
	sl_geo_destroy(s->geo);
	sl_subjects_destroy(s->subjects);
	free(s);
}

void sl_scorer_set_eve(struct sl_scorer *s, struct sl_eve *eve)
{
	s->eve = eve;
}

struct sl_subjects *sl_scorer_subjects(struct sl_scorer *s)
{
	return s->subjects;
}

const struct sl_scorer_stats *sl_scorer_stats(const struct sl_scorer *s)
{
	return &s->st;
}

/* ---- duplicates ---- */

/* Applied up to here everywhere: with Kafka partitions, each is late on its
 * own clock (a partition taken over replays behind the others), so the
 * slowest partition's. */
static sl_time_us seen_horizon(const struct sl_scorer *s)
{
	sl_time_us h = s->applied_until;
	for (size_t i = 0; i < s->n_clocks; i++)
		if (s->clocks[i].newest && s->clocks[i].applied_until < h)
			h = s->clocks[i].applied_until;
	return h;
}

/* Rebuild the id table without the ids older than what was applied (their
 * repeats are late), twice as large when that freed too little. */
static int seen_grow(struct sl_scorer *s)
{
	size_t live = 0;
	sl_time_us horizon = seen_horizon(s);
	for (size_t i = 0; i < s->cap_seen; i++)
		live += s->seen[i].id && s->seen[i].t >= horizon;
	size_t cap = !s->cap_seen ? 4096 : live * 4 > s->cap_seen ? s->cap_seen * 2 : s->cap_seen;
	struct score_seen *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap_seen; i++) {
		if (!s->seen[i].id || s->seen[i].t < horizon)
			continue;
		size_t k = s->seen[i].id & (cap - 1);
		while (n[k].id)
			k = (k + 1) & (cap - 1);
		n[k] = s->seen[i];
	}
	free(s->seen);
	s->seen = n;
	s->cap_seen = cap;
	s->n_seen = live;
	return 0;
}

/* Remember id (of an event at t); true when it was seen before. */
static bool seen_before(struct sl_scorer *s, uint64_t id, sl_time_us t, int *rc)
{
	*rc = 0;
	if (s->n_seen * 2 >= s->cap_seen && (*rc = seen_grow(s)) < 0)
		return false;
	size_t k = id & (s->cap_seen - 1);
	for (; s->seen[k].id; k = (k + 1) & (s->cap_seen - 1))
		if (s->seen[k].id == id)
			return true;
	s->seen[k] = (struct score_seen){ .id = id, .t = t };
	s->n_seen++;
	return false;
}

int sl_score_mark_seen(struct sl_scorer *s, uint64_t key)
{
	int rc;
	/* a restored id has no event time here: kept (a takeover's few) */
	seen_before(s, key, UINT64_MAX / 2, &rc);
	return rc;
}

/* Linear-probing deletion by backward shift (no tombstones). */
void sl_score_unmark_seen(struct sl_scorer *s, uint64_t key)
{
	size_t mask = s->cap_seen - 1, k = key & mask;
	if (!s->cap_seen || !key)
		return;
	while (s->seen[k].id && s->seen[k].id != key)
		k = (k + 1) & mask;
	if (!s->seen[k].id)
		return;
	size_t hole = k;
	for (size_t i = (k + 1) & mask; s->seen[i].id; i = (i + 1) & mask) {
		size_t home = s->seen[i].id & mask;
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			s->seen[hole] = s->seen[i];
			hole = i;
		}
	}
	s->seen[hole] = (struct score_seen){ 0 };
	s->n_seen--;
}

/* The event's id: its event_id, else a hash of the whole line (an event
 * exported without one is a duplicate only when byte-identical). */
static uint64_t event_key(const json_t *ev, const char *json, size_t len)
{
	const char *id = json_string_value(json_object_get(ev, "event_id"));
	if (id)
		return sl_score_hash(id, strlen(id), 0x1d);
	return sl_score_hash(json, len, 0x11e);
}

/* ---- the reorder window: a min-heap by (t, seq) ---- */

/* In time; at one time the reader's events first (their correlations are
 * then due when the scorer's own copy of the event is applied). */
static bool before(const struct score_item *a, const struct score_item *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	return a->global != b->global ? a->global : a->seq < b->seq;
}

static int heap_push(struct sl_scorer *s, struct score_item it)
{
	struct score_item *h = sl_grow(s->heap, &s->cap_heap, s->n_heap, sizeof(*h), 256);
	if (!h)
		return -ENOMEM;
	s->heap = h;
	size_t i = s->n_heap++;
	while (i && before(&it, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = it;
	return 0;
}

static struct score_item heap_pop(struct sl_scorer *s)
{
	struct score_item *h = s->heap, top = h[0], last = h[--s->n_heap];
	size_t i = 0, n = s->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (n)
		h[i] = last;
	return top;
}

uint64_t sl_score_id_key(const json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "event_id"));
	return id ? sl_score_hash(id, strlen(id), 0x1d) : 0;
}

int sl_score_global_push(struct sl_scorer *s, json_t *ev, sl_time_us t)
{
	int rc = heap_push(s, (struct score_item){ .t = t, .seq = s->seq++, .part = -1,
						   .global = true, .ev = ev });
	if (rc < 0)
		json_decref(ev);
	else if (t > s->global.newest)
		s->global.newest = t;
	return rc;
}

static const char *event_type(const json_t *ev)
{
	return json_string_value(json_object_get(ev, "event_type"));
}

/* The event types the scorer applies: a flow's events and sign-ins.  The
 * rest (stats, a local sensor's subject events) say nothing of subjects. */
static bool applicable(const json_t *ev)
{
	const char *t = event_type(ev);
	return !strcmp(t, "flow") || !strcmp(t, "alert") || !strcmp(t, "signin");
}

/* Parse one line into *out: an object with an event_type and a time. */
static int parse(const char *json, size_t len, json_t **out, sl_time_us *t, char *err,
		 size_t errlen)
{
	json_error_t je;
	json_t *ev = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!ev) {
		snprintf(err, errlen, "not JSON: %s (column %d)", je.text, je.column);
		return -EINVAL;
	}
	const char *why = !json_is_object(ev) ? "not a JSON object (one EVE event per line)"
			: !event_type(ev) ? "no event_type: not an EVE event"
			: !sl_score_event_time(ev, t) ? "no timestamp (or sensor_time) in RFC 3339 form"
			: NULL;
	if (why) {
		snprintf(err, errlen, "%s", why);
		json_decref(ev);
		return -EINVAL;
	}
	*out = ev;
	return 0;
}

/* The clock of partition part (NULL for files, or without memory).  Late is
 * judged per partition: a partition taken over from a failed scorer is
 * replayed from its last commit, behind the partitions this scorer already
 * had, and its events are no less timely for that. */
static struct score_clock *part_clock(struct sl_scorer *s, int part)
{
	if (part < 0)
		return NULL;
	if ((size_t)part >= s->n_clocks) {
		size_t n = (size_t)part + 1;
		struct score_clock *c = realloc(s->clocks, n * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + s->n_clocks, 0, (n - s->n_clocks) * sizeof(*c));
		s->clocks = c;
		s->n_clocks = n;
	}
	return &s->clocks[part];
}

int sl_scorer_event(struct sl_scorer *s, const char *json, size_t len, int part, char *err,
		    size_t errlen)
{
	json_t *ev;
	sl_time_us t;
	s->last_key = 0;
	int rc = parse(json, len, &ev, &t, err, errlen);
	if (rc < 0) {
		s->st.invalid++;
		return rc;
	}
	s->st.events++;
	if (!applicable(ev)) {
		json_decref(ev);
		s->st.ignored++;
		return SL_SCORER_IGNORED;
	}
	s->last_key = event_key(ev, json, len);
	bool dup = seen_before(s, s->last_key, t, &rc);
	if (rc < 0 || dup) {
		json_decref(ev);
		if (rc < 0) {
			snprintf(err, errlen, "out of memory for event ids");
			return rc;
		}
		s->st.duplicates++;
		return SL_SCORER_DUPLICATE;
	}
	uint64_t window = (uint64_t)s->cfg->scoring.reorder_window * SL_US_PER_SEC;
	struct score_clock *pc = part_clock(s, part);
	sl_time_us applied = pc ? pc->applied_until : s->applied_until;
	sl_time_us newest = pc ? pc->newest : s->newest;
	if (part >= 0 && !pc) {
		json_decref(ev);
		snprintf(err, errlen, "out of memory for partition clocks");
		return -ENOMEM;
	}
	if (t < applied || (newest > window && t + window < newest)) {
		json_decref(ev);
		s->st.late++;
		return SL_SCORER_LATE;
	}
	s->newest = t > s->newest ? t : s->newest;
	if (pc)
		pc->newest = t > pc->newest ? t : pc->newest;
	rc = heap_push(s, (struct score_item){ .t = t, .seq = s->seq++, .part = part, .ev = ev });
	if (rc < 0) {
		json_decref(ev);
		snprintf(err, errlen, "out of memory for the reorder window");
		return rc;
	}
	s->st.queued = s->n_heap;
	if (!s->global.external) /* files: every event of the fleet comes this way */
		sl_score_global_feed(s, ev, t);
	return SL_SCORER_QUEUED;
}

/* Do a and b belong to one batch: one flow (host, flow_id) of one moment? */
static bool same_batch(const struct score_item *a, const struct score_item *b)
{
	if (a->t != b->t)
		return false;
	json_t *x = a->ev, *y = b->ev;
	const char *hx = json_string_value(json_object_get(x, "host"));
	const char *hy = json_string_value(json_object_get(y, "host"));
	json_t *fx = json_object_get(x, "flow_id"), *fy = json_object_get(y, "flow_id");
	json_t *sx = json_object_get(x, "signin"), *sy = json_object_get(y, "signin");
	bool one = (fx && fy && json_equal(fx, fy)) || (sx && sy && json_equal(sx, sy));
	return one && ((!hx && !hy) || (hx && hy && !strcmp(hx, hy)));
}

static void batch_add(struct sl_scorer *s, struct score_item it)
{
	struct score_batch *b = &s->batch;
	if (b->n && !same_batch(&b->items[0], &it))
		sl_score_apply_batch(s);
	struct score_item *n = sl_grow(b->items, &b->cap, b->n, sizeof(*n), 8);
	if (!n) {
		json_decref(it.ev);
		s->st.invalid++;
		return;
	}
	b->items = n;
	b->items[b->n++] = it;
}

/* Whether it can be applied: the window passed over it, and the address
 * facts of its time are in (every partition read past it).  A reader's
 * event waits for the scorer's own events of its time too, unless its own
 * partitions are read to their end. */
static bool ready(const struct sl_scorer *s, const struct score_item *it, uint64_t window)
{
	if (it->t > s->global.horizon)
		return false;
	if (it->global && s->global.own_at_end)
		return true;
	return it->t + window < s->newest;
}

void sl_scorer_drain(struct sl_scorer *s, bool final)
{
	uint64_t window = (uint64_t)s->cfg->scoring.reorder_window * SL_US_PER_SEC;
	while (s->n_heap && (final || ready(s, &s->heap[0], window))) {
		struct score_item it = heap_pop(s);
		if (it.global) { /* after what came before it, alone */
			if (s->batch.n)
				sl_score_apply_batch(s);
			sl_score_global_hit(s, &it);
			json_decref(it.ev);
			continue;
		}
		s->applied_until = it.t;
		if (it.part >= 0 && (size_t)it.part < s->n_clocks)
			s->clocks[it.part].applied_until = it.t;
		batch_add(s, it);
	}
	/* a batch is whole once the next event is past its moment */
	if (s->batch.n && (final || !s->n_heap || s->heap[0].t > s->batch.items[0].t))
		sl_score_apply_batch(s);
	s->st.queued = s->n_heap;
	if (final)
		sl_score_final(s);
}
