/* Facts about an address that several subjects share (who was seen behind
 * it: subject.egress_subjects; which accounts are signed in from it:
 * subject.accounts_bound), kept for the whole fleet and indexed by event
 * time, so each scorer of a group answers as one sensor that saw it all. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/jsonpath.h"
#include "score_priv.h"

/* Subjects kept per address: as many as the subject stage counts (its
 * EGRESS_SUBJECTS), the earliest ones, so the count saturates alike. */
#define GLOBAL_SUBJECTS 8
#define GLOBAL_MIN_ADDRS 4096

struct gsubj {
	uint64_t id;       /* hash of subject.id */
	sl_time_us first;  /* its earliest fact behind the address */
};

struct gaddr {
	uint64_t key;      /* hash of the address; 0: a free slot */
	struct sl_addr addr;
	sl_time_us seen;   /* the latest fact, for eviction */
	uint8_t n;
	struct gsubj s[GLOBAL_SUBJECTS];
};

int sl_score_global_init(struct sl_scorer *s)
{
	const struct sl_config *cfg = s->cfg;
	struct score_global *g = &s->global;
	g->horizon = UINT64_MAX;
	g->max = (size_t)cfg->scoring.max_subjects * 4;
	g->max = g->max < GLOBAL_MIN_ADDRS ? GLOBAL_MIN_ADDRS : g->max;
	sl_time_us ttl = (sl_time_us)cfg->identity.binding_ttl * SL_US_PER_SEC;
	return sl_bindings_create(ttl ? ttl : 1, cfg->identity.max_bindings ? cfg->identity.max_bindings
									  : 1, &g->bindings);
}

void sl_score_global_free(struct sl_scorer *s)
{
	free(s->global.addrs);
	sl_bindings_destroy(s->global.bindings);
	s->global.addrs = NULL;
	s->global.bindings = NULL;
}

static uint64_t addr_key(const struct sl_addr *a)
{
	return sl_score_hash((const char *)a->b, sizeof(a->b), 0x6e00 + a->family);
}

static struct gaddr *slot(struct gaddr *t, size_t cap, uint64_t key, const struct sl_addr *a)
{
	size_t k = key & (cap - 1);
	while (t[k].key && !(t[k].key == key && !sl_addr_cmp(&t[k].addr, a)))
		k = (k + 1) & (cap - 1);
	return &t[k];
}

static int seen_order(const void *a, const void *b)
{
	sl_time_us x = *(const sl_time_us *)a, y = *(const sl_time_us *)b;
	return x < y ? -1 : x > y;
}

/* Rebuild the table at cap entries, dropping those last seen before keep
 * (0: none dropped). */
static int rebuild(struct score_global *g, size_t cap, sl_time_us keep)
{
	struct gaddr *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	size_t live = 0;
	for (size_t i = 0; i < g->cap; i++) {
		if (!g->addrs[i].key)
			continue;
		if (g->addrs[i].seen < keep) {
			g->st.evicted++;
			continue;
		}
		*slot(n, cap, g->addrs[i].key, &g->addrs[i].addr) = g->addrs[i];
		live++;
	}
	free(g->addrs);
	g->addrs = n;
	g->cap = cap;
	g->n = live;
	return 0;
}

/* Room for one more address: the table doubles up to its maximum, then
 * forgets the half seen longest ago (as the subject stage's egress table
 * forgets its least recently used addresses). */
static int make_room(struct score_global *g)
{
	if ((g->n + 1) * 2 <= g->cap)
		return 0;
	if (g->cap < g->max * 2 || !g->cap)
		return rebuild(g, g->cap ? g->cap * 2 : 1024, 0);
	sl_time_us *t = malloc(g->n * sizeof(*t));
	if (!t)
		return -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < g->cap; i++)
		if (g->addrs[i].key)
			t[m++] = g->addrs[i].seen;
	qsort(t, m, sizeof(*t), seen_order);
	sl_time_us keep = t[m / 2] + 1;
	free(t);
	return rebuild(g, g->cap, keep);
}

/* subject id was behind address a at time t. */
static void add_egress(struct score_global *g, const struct sl_addr *a, const char *id,
		       sl_time_us t)
{
	uint64_t key = addr_key(a), sid = sl_score_hash(id, strlen(id), 0x9a);
	if (make_room(g) < 0)
		return;
	struct gaddr *e = slot(g->addrs, g->cap, key, a);
	if (!e->key) {
		*e = (struct gaddr){ .key = key, .addr = *a };
		g->n++;
	}
	e->seen = t > e->seen ? t : e->seen;
	size_t latest = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (e->s[i].id == sid) {
			e->s[i].first = t < e->s[i].first ? t : e->s[i].first;
			return;
		}
		if (e->s[i].first > e->s[latest].first)
			latest = i;
	}
	if (e->n < GLOBAL_SUBJECTS)
		e->s[e->n++] = (struct gsubj){ sid, t };
	else if (t < e->s[latest].first) /* keep the earliest, as they were counted */
		e->s[latest] = (struct gsubj){ sid, t };
}

/* Distinct subjects behind a at time t, subject id among them. */
static unsigned egress_at(const struct score_global *g, const struct sl_addr *a, const char *id,
			  sl_time_us t)
{
	if (!g->cap)
		return 1;
	uint64_t sid = sl_score_hash(id, strlen(id), 0x9a);
	const struct gaddr *e = slot(g->addrs, g->cap, addr_key(a), a);
	unsigned n = 0;
	bool self = false;
	for (size_t i = 0; e->key && i < e->n; i++) {
		if (e->s[i].first > t)
			continue;
		n++;
		self |= e->s[i].id == sid;
	}
	n += !self;
	return n < GLOBAL_SUBJECTS ? n : GLOBAL_SUBJECTS;
}

/* The outside address a record's subject counts behind (the subject
 * stage's rule: the remote side, never the link's own plumbing). */
static const struct sl_addr *egress_addr(const struct score_rec *r)
{
	if (r->rec.remote < 0 || sl_subject_link_plumbing(&r->flow))
		return NULL;
	return r->rec.remote == 0 ? &r->flow.cli : &r->flow.srv;
}

static bool success(json_t *ev)
{
	const char *o = json_string_value(sl_jpath_get(ev, "signin.outcome"));
	return o && !strcmp(o, "success");
}

/* The events a scorer charges a flow at: its end, or an alert before it. */
static bool charging(json_t *ev, const char *type)
{
	if (!strcmp(type, "flow"))
		return !json_is_true(sl_jpath_get(ev, "flow.interim"));
	return !strcmp(type, "alert") && json_object_get(ev, "flow_id");
}

void sl_score_global_feed(struct sl_scorer *s, json_t *ev, sl_time_us t)
{
	struct score_global *g = &s->global;
	const char *type = json_string_value(json_object_get(ev, "event_type"));
	const char *id = json_string_value(sl_jpath_get(ev, "subject.id"));
	struct score_rec r;
	if (!type)
		return;
	bool signin = !strcmp(type, "signin");
	if (signin && sl_score_signin_build(s, ev, &r)) {
		sl_identity_fold(r.signin.account, r.signin.account_folded,
				 sizeof(r.signin.account_folded));
		sl_bindings_signin(g->bindings, &r.signin);
	} else if (signin || !charging(ev, type) || !sl_score_rec_build(s, ev, &r)) {
		return;
	}
	g->st.facts++;
	g->st.late += t < s->applied_until;
	/* a sign-in counts its subject behind its address when it succeeded */
	const struct sl_addr *a = egress_addr(&r);
	if (id && a && (!signin || success(ev)))
		add_egress(g, a, id, t);
	g->st.addresses = g->n;
}

/* Set the event's subject.accounts_bound to n (nested or flattened). */
static void set_accounts(json_t *ev, unsigned n)
{
	if (json_object_get(ev, "subject.accounts_bound")) {
		json_object_set_new(ev, "subject.accounts_bound", json_integer(n));
		return;
	}
	json_t *subj = json_object_get(ev, "subject");
	if (!json_is_object(subj)) {
		subj = json_object();
		if (!subj || json_object_set_new(ev, "subject", subj) < 0)
			return;
	}
	json_object_set_new(subj, "accounts_bound", json_integer(n));
}

/* The accounts bound to the record's outside address at its time, from
 * every sign-in of the fleet; the event's own count raised to it. */
static void accounts(struct sl_scorer *s, struct score_rec *r)
{
	json_t *ev = (json_t *)r->rec.event;
	json_t *have = sl_jpath_get(ev, "subject.accounts_bound");
	const struct sl_addr *a = r->rec.signin ? &r->signin.addr
				: r->rec.remote == 0 ? &r->flow.cli
				: r->rec.remote == 1 ? &r->flow.srv : NULL;
	struct sl_binding b;
	if (!a || (!r->rec.signin && !have))
		return; /* a flow the sensor bound to nobody stays so */
	if (!sl_bindings_lookup(s->global.bindings, a, r->flow.last, &b))
		return;
	if (!json_is_integer(have) || json_integer_value(have) < (json_int_t)b.accounts)
		set_accounts(ev, b.accounts);
}

void sl_score_global_apply(struct sl_scorer *s, struct score_rec *r, struct sl_subject_view *v)
{
	accounts(s, r);
	const struct sl_addr *a = egress_addr(r);
	if (!v || !v->subject || !a)
		return;
	unsigned n = egress_at(&s->global, a, v->id, s->batch.items[0].t);
	if (n > v->egress_subjects)
		v->egress_subjects = n;
}

/* ---- correlations over every subject's forwarded hits ---- */

static void on_global_correlation(void *ctx, const struct sl_rule_info *rule)
{
	struct sl_scorer *s = ((void **)ctx)[0];
	const struct score_item *it = ((void **)ctx)[1];
	struct score_global *g = &s->global;
	uint64_t key = sl_score_id_key(it->ev);
	if (!key)
		return;
	if (g->n_pending == g->cap_pending) { /* forget those nobody applied (other scorers') */
		uint64_t window = (uint64_t)s->cfg->scoring.reorder_window * SL_US_PER_SEC;
		size_t n = 0;
		for (size_t i = 0; i < g->n_pending; i++)
			if (g->pending[i].t + 2 * window >= s->applied_until)
				g->pending[n++] = g->pending[i];
		g->n_pending = n;
	}
	struct score_pending *p = sl_grow(g->pending, &g->cap_pending, g->n_pending, sizeof(*p), 64);
	if (!p)
		return;
	g->pending = p;
	g->pending[g->n_pending++] = (struct score_pending){ key, it->t, rule };
}

void sl_score_global_hit(struct sl_scorer *s, struct score_item *it)
{
	struct score_rec r;
	const char *scope = json_string_value(sl_jpath_get(it->ev, "alert.scope"));
	const struct sl_rule_info *rule = sl_score_alert_rule(s, it->ev);
	if (!s->corr || !scope || !rule || sl_score_is_central(s, rule) ||
	    !json_is_string(sl_jpath_get(it->ev, "subject.id")))
		return; /* the scorer of the subject judges its own rules */
	bool built = !strcmp(scope, "signin") ? sl_score_signin_build(s, it->ev, &r)
					      : sl_score_rec_build(s, it->ev, &r);
	if (!built)
		return;
	r.rec.event_get = sl_score_event_get_any;
	struct sl_field_source src = sl_rules_record_source(&r.rec);
	void *ctx[2] = { s, it };
	sl_correlator_feed(s->corr, rule, &src, r.flow.last, on_global_correlation, ctx);
}

void sl_score_global_pending(struct sl_scorer *s, struct score_rec *r)
{
	struct score_global *g = &s->global;
	for (size_t b = 0; b < s->batch.n && g->n_pending; b++) {
		uint64_t key = sl_score_id_key(s->batch.items[b].ev);
		size_t n = 0;
		for (size_t i = 0; i < g->n_pending; i++) {
			if (!key || g->pending[i].key != key) {
				g->pending[n++] = g->pending[i];
				continue;
			}
			s->st.hits++;
			sl_subjects_hit(s->subjects, &r->rec, g->pending[i].rule);
		}
		g->n_pending = n;
	}
}
