/* The fleet scorer's state records: the subjects of one partition as
 * snapshots keyed by subject id, written on revocation and periodically to
 * the state topic, and restored by whoever owns the partition next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "score_priv.h"
#include "score_state.h"

static bool base_central(const void *ctx, const struct sl_rule_info *base)
{
	return sl_score_is_central(ctx, base);
}

/*
 * Is the correlation's state the scorer's own to keep?  Over Kafka the
 * reader of every partition feeds the forwarded hits of every subject to
 * the correlations, in event time, in every scorer: such a correlation
 * already holds the groups of a partition it takes over, newer than any
 * snapshot, and keeps them when the partition leaves.  Only correlations
 * counting a rule the scorer judges itself (fed by the owner alone) travel
 * in the snapshots.
 */
static bool owned_corr(const struct sl_scorer *s, const struct sl_rule_info *rule)
{
	return !s->global.external || sl_correlator_any_base(s->corr, rule, base_central, s);
}

struct corr_walk {
	struct sl_scorer *s;
	struct sl_json *j;
	const char *id;
};

static void corr_group(void *ctx, const struct sl_rule_info *rule, const uint32_t *h,
		       const uint32_t *t, size_t n)
{
	struct corr_walk *w = ctx;
	struct sl_json *j = w->j;
	if (!owned_corr(w->s, rule))
		return;
	sl_json_open_array(j);
	sl_json_str(j, rule->id);
	sl_json_open_array(j);
	for (size_t i = 0; i < n; i++)
		sl_json_u64(j, h[i]);
	sl_json_close_array(j);
	sl_json_open_array(j);
	for (size_t i = 0; i < n; i++)
		sl_json_u64(j, t[i]);
	sl_json_close_array(j);
	sl_json_close_array(j);
}

/* "corr":[[rule id, [hashes], [seconds]], ...]: the subject's groups of the
 * correlation rules grouped by subject.id (a leg seen on the old owner
 * still pairs with a leg seen on the new one). */
static void corr_snapshot(struct sl_scorer *s, const char *id, struct sl_json *j)
{
	struct corr_walk w = { s, j, id };
	sl_json_key(j, "corr");
	sl_json_open_array(j);
	if (s->corr)
		sl_correlator_subject_walk(s->corr, id, corr_group, &w);
	sl_json_close_array(j);
}

/* Empty a group the walk met (its own copy of the hits is taken). */
static void corr_empty(void *ctx, const struct sl_rule_info *rule, const uint32_t *h,
		       const uint32_t *t, size_t n)
{
	struct corr_walk *w = ctx;
	(void)h, (void)t, (void)n;
	if (owned_corr(w->s, rule))
		sl_correlator_subject_set(w->s->corr, w->id, rule, NULL, NULL, 0);
}

/* The subject left this scorer (moved, restored anew or evicted): its
 * groups of the correlations it owns go; the reader's stay. */
static void corr_forget(struct sl_scorer *s, const char *id)
{
	struct corr_walk w = { s, NULL, id };
	if (!s->global.external)
		sl_correlator_subject_forget(s->corr, id);
	else if (s->corr)
		sl_correlator_subject_walk(s->corr, id, corr_empty, &w);
}

int sl_score_state_write(struct sl_scorer *s, int part, sl_score_state_emit emit, void *ctx,
			 size_t *bytes)
{
	struct sl_subjects *subj = sl_scorer_subjects(s);
	char id[SL_ROSTER_NAME_MAX];
	uint32_t cur = 0;
	int n = 0, rc = 0;
	struct sl_json j;
	sl_json_init(&j);
	if (bytes)
		*bytes = 0;
	while (rc >= 0 && sl_subjects_next(subj, &cur, id, sizeof(id))) {
		if (sl_scorer_subject_partition(s, id) != part)
			continue;
		sl_json_begin(&j);
		sl_json_key(&j, "v");
		sl_json_u64(&j, 1);
		sl_json_key(&j, "part");
		sl_json_i64(&j, part);
		sl_json_key(&j, "subject");
		sl_subjects_snapshot(subj, id, &j);
		corr_snapshot(s, id, &j);
		sl_json_end(&j);
		if (j.failed) {
			rc = -ENOMEM;
			break;
		}
		if ((rc = emit(ctx, id, j.buf, j.len)) >= 0) {
			n++;
			if (bytes)
				*bytes += j.len;
		}
	}
	sl_json_finish(&j);
	return rc < 0 ? rc : n;
}

/* The pack's rule of a snapshot's rule id (the pack's order is small). */
static const struct sl_rule_info *rule_named(void *ctx, const char *id)
{
	const struct sl_scorer *s = ctx;
	for (size_t i = 0; s->rules && i < sl_rules_count(s->rules); i++)
		if (strcmp(sl_rules_info(s->rules, i)->id, id) == 0)
			return sl_rules_info(s->rules, i);
	return NULL;
}

/* The groups of a record's "corr" (absent: none) into the correlator. */
static int corr_restore(struct sl_scorer *s, const char *id, const json_t *corr, char *err,
			size_t errlen)
{
	uint32_t h[16], t[16];
	for (size_t i = 0; s->corr && i < json_array_size(corr); i++) {
		const json_t *g = json_array_get(corr, i);
		const char *rid = json_string_value(json_array_get(g, 0));
		const json_t *hs = json_array_get(g, 1), *ts = json_array_get(g, 2);
		size_t n = json_array_size(hs);
		const struct sl_rule_info *rule = rid ? rule_named(s, rid) : NULL;
		if (!rule || !owned_corr(s, rule)) /* the pack changed: it starts afresh */
			continue;
		bool ok = n <= ARRAY_SIZE(h) && json_array_size(ts) == n;
		for (size_t k = 0; ok && k < n; k++) {
			json_int_t a = json_integer_value(json_array_get(hs, k));
			json_int_t b = json_integer_value(json_array_get(ts, k));
			ok = a >= 0 && a <= UINT32_MAX && b >= 0 && b <= UINT32_MAX;
			h[k] = (uint32_t)a;
			t[k] = (uint32_t)b;
		}
		if (!ok || sl_correlator_subject_set(s->corr, id, rule, h, t, n) < 0) {
			snprintf(err, errlen, "subject \"%s\": correlation state of rule %s is "
				 "malformed", id, rid);
			return -EINVAL;
		}
	}
	return 0;
}

int sl_score_state_restore(struct sl_scorer *s, int part, const char *value, size_t len,
			   char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(value, len, 0, &je);
	json_t *subj = json_object_get(o, "subject");
	char id[SL_ROSTER_NAME_MAX];
	if (!json_is_object(subj) || json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen, "not a state record of version 1: %s", o ? "wrong shape" : je.text);
		json_decref(o);
		return -EINVAL;
	}
	char *text = json_dumps(subj, JSON_COMPACT);
	if (!text) {
		json_decref(o);
		return -ENOMEM;
	}
	int rc = sl_subjects_restore(sl_scorer_subjects(s), text, strlen(text), rule_named, s, id,
				     err, errlen);
	free(text);
	if (rc == 0) {
		corr_forget(s, id);
		rc = corr_restore(s, id, json_object_get(o, "corr"), err, errlen);
	}
	json_decref(o);
	if (rc == 0)
		sl_score_note_partition(s, id, part);
	return rc;
}

void sl_score_on_evict(void *ctx, const char *id)
{
	struct sl_scorer *s = ctx;
	int part = sl_scorer_subject_partition(s, id);
	corr_forget(s, id);
	if (!s->kafka || part < 0) /* files: no state topic to clean */
		return;
	struct score_evicted *n = sl_grow(s->evicted, &s->cap_evicted, s->n_evicted, sizeof(*n), 16);
	if (!n) /* its stale record stays: a restore brings it back */
		return;
	s->evicted = n;
	n = &s->evicted[s->n_evicted++];
	snprintf(n->id, sizeof(n->id), "%s", id);
	n->part = part;
}

int sl_score_state_evicted(struct sl_scorer *s, int part, sl_score_state_emit emit, void *ctx)
{
	size_t kept = 0;
	int n = 0, rc = 0;
	/* written before the partition's snapshots: one taken again since its
	 * eviction gets its record back from them */
	for (size_t i = 0; i < s->n_evicted; i++) {
		struct score_evicted *e = &s->evicted[i];
		if (e->part != part || rc < 0 || (rc = emit(ctx, e->id, NULL, 0)) < 0)
			s->evicted[kept++] = *e;
		else
			n++;
	}
	s->n_evicted = kept;
	return rc < 0 ? rc : n;
}

unsigned sl_score_state_drop(struct sl_scorer *s, int part)
{
	struct sl_subjects *subj = sl_scorer_subjects(s);
	char id[SL_ROSTER_NAME_MAX];
	uint32_t cur = 0;
	unsigned n = 0;
	/* forgetting frees the slot the walk stands on, never a later one */
	while (sl_subjects_next(subj, &cur, id, sizeof(id)))
		if (sl_scorer_subject_partition(s, id) == part) {
			corr_forget(s, id);
			sl_subjects_forget(subj, id);
			n++;
		}
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

size_t sl_score_state_pending(const struct sl_scorer *s, int part, uint64_t **out)
{
	size_t n = 0;
	uint64_t *seqs = malloc((s->n_heap + s->batch.n + 1) * sizeof(*seqs));
	*out = seqs;
	if (!seqs)
		return 0;
	for (size_t i = 0; i < s->n_heap; i++)
		if (s->heap[i].part == part)
			seqs[n++] = s->heap[i].seq;
	for (size_t i = 0; i < s->batch.n; i++)
		if (s->batch.items[i].part == part)
			seqs[n++] = s->batch.items[i].seq;
	qsort(seqs, n, sizeof(*seqs), cmp_u64);
	return n;
}

/* (t, seq) order, the heap's: a sorted array is a valid min-heap. */
static int cmp_item(const void *a, const void *b)
{
	const struct score_item *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

unsigned sl_score_state_discard(struct sl_scorer *s, int part)
{
	size_t kept = 0;
	unsigned dropped = 0;
	for (size_t i = 0; i < s->n_heap; i++) {
		if (s->heap[i].part == part) {
			json_decref(s->heap[i].ev);
			dropped++;
		} else {
			s->heap[kept++] = s->heap[i];
		}
	}
	s->n_heap = kept;
	if (s->n_heap > 1) /* none: the window may never have been allocated */
		qsort(s->heap, s->n_heap, sizeof(*s->heap), cmp_item);
	/* a batch is one flow's events, so one subject's, so one partition's */
	if (s->batch.n && s->batch.items[0].part == part) {
		for (size_t i = 0; i < s->batch.n; i++)
			json_decref(s->batch.items[i].ev);
		dropped += (unsigned)s->batch.n;
		s->batch.n = 0;
	}
	s->st.queued = s->n_heap;
	if ((size_t)part < s->n_clocks) /* no longer read here: out of the id horizon */
		s->clocks[part] = (struct score_clock){ 0 };
	return dropped;
}
