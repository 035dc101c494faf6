/* The correlator: state of the pack's correlation rules in a fixed table of
 * groups (one per correlation rule and group-by values, keyed by a hash of
 * them), chained from buckets and kept on an LRU list so that a full table
 * forgets the group updated least recently.  Allocated once; feeding
 * allocates nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

#define NONE UINT32_MAX

/* A hit remembered by a group: packet time in seconds and, for
 * value_count, a hash of the counted value (temporal: 1 = seen). */
struct entry {
	uint32_t h;
	uint32_t t;
};

struct group {
	uint64_t key;
	uint32_t rule;
	uint32_t hnext;       /* next group of the bucket */
	uint32_t prev, next;  /* LRU: prev is more recent */
	uint32_t n;           /* entries in use */
	struct entry e[CORR_MAX];
};

struct sl_correlator {
	const struct sl_rules *rules;
	struct group *g;
	uint32_t cap, used;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t head, tail;  /* most and least recently updated */
	uint64_t evictions;
};

int sl_correlator_create(const struct sl_rules *rules, uint32_t max_groups,
			 struct sl_correlator **out)
{
	if (max_groups == 0 || max_groups > (1u << 28))
		return -EINVAL;
	struct sl_correlator *c = calloc(1, sizeof(*c));
	uint32_t nb = 1;
	while (nb < max_groups)
		nb <<= 1;
	if (!c || !(c->g = calloc(max_groups, sizeof(*c->g))) ||
	    !(c->buckets = malloc(nb * sizeof(*c->buckets)))) {
		sl_correlator_destroy(c);
		return -ENOMEM;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	c->rules = rules;
	c->cap = max_groups;
	c->mask = nb - 1;
	c->head = c->tail = NONE;
	*out = c;
	return 0;
}

void sl_correlator_destroy(struct sl_correlator *c)
{
	if (!c)
		return;
	free(c->g);
	free(c->buckets);
	free(c);
}

uint64_t sl_correlator_evictions(const struct sl_correlator *c)
{
	return c ? c->evictions : 0;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL; /* FNV-1a */
	return h;
}

/* A field's value as a hash, for group keys and distinct-value counts;
 * an absent field hashes to its own constant. */
static uint64_t hash_field(const struct sl_field *f, const struct sl_field_source *src)
{
	struct sl_value v;
	uint64_t h = 0xcbf29ce484222325ULL;
	if (!src->get(src->ctx, f, &v))
		return 0x5bd1e9955bd1e995ULL;
	unsigned n = v.n < SL_VALUE_LIST_MAX ? v.n : SL_VALUE_LIST_MAX;
	switch (f->type) {
	case SL_FT_STRING: return sl_mix64(hash_bytes(h, v.s ? v.s : "", v.s ? strlen(v.s) : 0));
	case SL_FT_STRING_LIST:
		for (unsigned i = 0; i < n; i++)
			h = hash_bytes(h, v.strs[i] ? v.strs[i] : "", v.strs[i] ? strlen(v.strs[i]) + 1 : 1);
		return sl_mix64(h);
	case SL_FT_IP: return sl_mix64(hash_bytes(h, v.ip.b, sizeof(v.ip.b)) ^ v.ip.family);
	case SL_FT_UINT_LIST: return sl_mix64(hash_bytes(h, v.list, n * sizeof(v.list[0])) ^ n);
	case SL_FT_BOOL: return sl_mix64(v.b + 2u);
	case SL_FT_DOUBLE: return sl_mix64(hash_bytes(h, &v.d, sizeof(v.d)));
	case SL_FT_INT: return sl_mix64((uint64_t)v.i);
	case SL_FT_TIME: return sl_mix64(v.t);
	case SL_FT_UINT: break;
	}
	return sl_mix64(v.u);
}

static uint64_t group_key(uint32_t rule, const struct correlation *k,
			  const struct sl_field_source *src)
{
	uint64_t key = sl_mix64(rule + 1ULL);
	for (size_t i = 0; i < k->n_group_by; i++)
		key = sl_mix64(key ^ hash_field(k->group_by[i], src)) + i;
	return key;
}

static void lru_unlink(struct sl_correlator *c, uint32_t i)
{
	struct group *g = &c->g[i];
	if (g->prev != NONE)
		c->g[g->prev].next = g->next;
	else
		c->head = g->next;
	if (g->next != NONE)
		c->g[g->next].prev = g->prev;
	else
		c->tail = g->prev;
}

static void lru_push(struct sl_correlator *c, uint32_t i)
{
	c->g[i].prev = NONE;
	c->g[i].next = c->head;
	if (c->head != NONE)
		c->g[c->head].prev = i;
	c->head = i;
	if (c->tail == NONE)
		c->tail = i;
}

static void bucket_unlink(struct sl_correlator *c, uint32_t i)
{
	uint32_t *p = &c->buckets[c->g[i].key & c->mask];
	while (*p != i)
		p = &c->g[*p].hnext;
	*p = c->g[i].hnext;
}

/* The group of (rule, key), created when new (forgetting the least
 * recently updated group when the table is full), moved to the LRU front. */
static struct group *group_get(struct sl_correlator *c, uint32_t rule, uint64_t key)
{
	uint32_t *b = &c->buckets[key & c->mask];
	for (uint32_t i = *b; i != NONE; i = c->g[i].hnext)
		if (c->g[i].key == key && c->g[i].rule == rule) {
			lru_unlink(c, i);
			lru_push(c, i);
			return &c->g[i];
		}
	uint32_t i;
	if (c->used < c->cap) {
		i = c->used++;
	} else {
		i = c->tail;
		lru_unlink(c, i);
		bucket_unlink(c, i);
		c->evictions++;
	}
	struct group *g = &c->g[i];
	memset(g, 0, sizeof(*g));
	g->key = key;
	g->rule = rule;
	g->hnext = *b;
	*b = i;
	lru_push(c, i);
	return g;
}

/* Drop entries older than the timespan (a hit from an earlier packet time
 * than the last one counts as fresh: flows end out of order). */
static void prune(struct group *g, uint32_t now, uint32_t span)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < g->n; i++)
		if (g->e[i].t > now || now - g->e[i].t < span)
			g->e[k++] = g->e[i];
	g->n = k;
}

static void append(struct group *g, uint32_t h, uint32_t t)
{
	if (g->n == CORR_MAX) {
		memmove(g->e, g->e + 1, (CORR_MAX - 1) * sizeof(g->e[0]));
		g->n--;
	}
	g->e[g->n++] = (struct entry){ .h = h, .t = t };
}

/* Update g with one hit; true when the correlation fires (then the group
 * starts over, so one burst raises one hit). */
static bool update(struct group *g, const struct correlation *k, uint32_t pos,
		   const struct sl_field_source *src, uint32_t now)
{
	uint32_t span = (uint32_t)(k->timespan / SL_US_PER_SEC);
	if (k->type == CORR_TEMPORAL) {
		g->n = (uint32_t)k->n_refs;
		g->e[pos] = (struct entry){ .h = 1, .t = now };
		for (uint32_t i = 0; i < g->n; i++)
			if (!g->e[i].h || (g->e[i].t <= now && now - g->e[i].t >= span))
				return false;
		memset(g->e, 0, sizeof(g->e));
		return true;
	}
	prune(g, now, span);
	if (k->type == CORR_EVENT_COUNT) {
		append(g, 0, now);
	} else {
		uint32_t h = (uint32_t)hash_field(k->field, src), i = 0;
		while (i < g->n && g->e[i].h != h)
			i++;
		if (i < g->n)
			g->e[i].t = now > g->e[i].t ? now : g->e[i].t;
		else
			append(g, h, now);
	}
	if (g->n < k->threshold)
		return false;
	g->n = 0;
	return true;
}

void sl_correlator_feed(struct sl_correlator *c, const struct sl_rule_info *base,
			const struct sl_field_source *src, sl_time_us t,
			sl_rule_hit_fn hit, void *ctx)
{
	const struct sl_rules *p = c->rules;
	if (!p->links || base->index >= p->n)
		return;
	uint32_t now = (uint32_t)(t / SL_US_PER_SEC);
	for (uint32_t l = 0; l < p->n_links[base->index]; l++) {
		const struct feed_link *lk = &p->links[base->index][l];
		const struct rule *r = p->rules[lk->corr];
		struct group *g = group_get(c, lk->corr, group_key(lk->corr, r->corr, src));
		if (update(g, r->corr, lk->pos, src, now))
			hit(ctx, &r->info);
	}
}

/* ---- one subject's groups, for a fleet scorer's state snapshots ---- */

/* Is k grouped by the subject alone (its groups are one subject's state)? */
static bool by_subject(const struct correlation *k)
{
	return k && k->n_group_by == 1 && strcmp(k->group_by[0]->name, "subject.id") == 0;
}

static bool subject_id_get(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	(void)f;
	memset(v, 0, sizeof(*v));
	v->s = ctx;
	return true;
}

/* The group of (rule, subject id), or NULL when it has none. */
static struct group *subject_group(const struct sl_correlator *c, uint32_t rule, const char *id)
{
	struct sl_field_source src = { subject_id_get, (void *)id };
	uint64_t key = group_key(rule, c->rules->rules[rule]->corr, &src);
	for (uint32_t i = c->buckets[key & c->mask]; i != NONE; i = c->g[i].hnext)
		if (c->g[i].key == key && c->g[i].rule == rule)
			return &c->g[i];
	return NULL;
}

void sl_correlator_subject_walk(const struct sl_correlator *c, const char *subject_id,
				sl_corr_group_fn fn, void *ctx)
{
	uint32_t h[CORR_MAX], t[CORR_MAX];
	for (uint32_t r = 0; c && r < c->rules->n; r++) {
		const struct group *g = by_subject(c->rules->rules[r]->corr)
						? subject_group(c, r, subject_id) : NULL;
		if (!g || !g->n)
			continue;
		for (uint32_t i = 0; i < g->n; i++)
			h[i] = g->e[i].h, t[i] = g->e[i].t;
		fn(ctx, &c->rules->rules[r]->info, h, t, g->n);
	}
}

int sl_correlator_subject_set(struct sl_correlator *c, const char *subject_id,
			      const struct sl_rule_info *rule, const uint32_t *h,
			      const uint32_t *t, size_t n)
{
	uint32_t r = rule->index;
	if (r >= c->rules->n || c->rules->rules[r] == NULL ||
	    &c->rules->rules[r]->info != rule || !by_subject(c->rules->rules[r]->corr) ||
	    n > CORR_MAX)
		return -EINVAL;
	struct sl_field_source src = { subject_id_get, (void *)subject_id };
	struct group *g = group_get(c, r, group_key(r, c->rules->rules[r]->corr, &src));
	memset(g->e, 0, sizeof(g->e));
	for (size_t i = 0; i < n; i++)
		g->e[i] = (struct entry){ .h = h[i], .t = t[i] };
	g->n = (uint32_t)n;
	return 0;
}

bool sl_correlator_any_base(const struct sl_correlator *c, const struct sl_rule_info *corr,
			    bool (*pred)(const void *ctx, const struct sl_rule_info *base),
			    const void *ctx)
{
	if (!c || corr->index >= c->rules->n || &c->rules->rules[corr->index]->info != corr)
		return false;
	const struct correlation *k = c->rules->rules[corr->index]->corr;
	for (size_t i = 0; k && i < k->n_refs; i++)
		if (pred(ctx, &c->rules->rules[k->bases[i]]->info))
			return true;
	return false;
}

void sl_correlator_subject_forget(struct sl_correlator *c, const char *subject_id)
{
	for (uint32_t r = 0; c && r < c->rules->n; r++) {
		struct group *g = by_subject(c->rules->rules[r]->corr)
					  ? subject_group(c, r, subject_id) : NULL;
		if (g) { /* the slot stays (it ages out of the LRU): emptied */
			memset(g->e, 0, sizeof(g->e));
			g->n = 0;
		}
	}
}
