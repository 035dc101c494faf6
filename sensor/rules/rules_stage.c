/* Each rule's stage, computed once at load: the latest settle stage of the
 * fields it names (sightline/field.h), and matching one stage's rules; and
 * what a flow must have for a rule to match at all (a parser's state, a
 * product), so a flow that cannot match any rule of a stage costs no record. */
#include <string.h>

#include "sightline/binding.h"
#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/proto.h"
#include "sightline/subject.h"
#include "rules_priv.h"

static enum sl_settle later(enum sl_settle a, const struct sl_field *f)
{
	enum sl_settle b = f ? sl_field_settle(f) : SL_SETTLE_HANDSHAKE;
	return b > a ? b : a;
}

static bool in_table(const struct sl_field *f, const struct sl_field_table *t)
{
	return f && f >= t->fields && f < t->fields + t->n;
}

/* A field the engine fills from its shared tables, under its lock: names
 * from DNS answers, a sign-in's binding, the subject. */
static bool shared_field(const struct sl_field *f)
{
	return in_table(f, &sl_hosts_fields) || in_table(f, &sl_binding_fields) ||
	       in_table(f, &sl_subject_fields);
}

/* The evidence.* fields of the product table: read from the remote
 * address's intel lists and flags (its place, looked up), and present with
 * or without a product (a flag alone is evidence). */
static bool evidence_field(const struct sl_field *f)
{
	return in_table(f, &sl_identify_product_fields) && strncmp(f->name, "evidence.", 9) == 0;
}

/* A field read from the flow alone: not its places (looked up), nothing
 * from the shared tables. */
static bool own_field(const struct sl_field *f)
{
	return f && !shared_field(f) && !in_table(f, &sl_geo_fields) &&
	       !in_table(f, &sl_signin_fields) && !evidence_field(f);
}

/* A cheap matcher on the flow's own facts: a regular expression is left to
 * the full match (run twice it would cost twice, and count its limit hits
 * twice). */
static bool own_matcher(const struct matcher *m)
{
	if (!own_field(m->f) || m->op == MOP_RE)
		return false;
	for (size_t v = 0; v < m->n_vals; v++)
		if (m->vals[v].kind == MV_FIELD && !own_field(m->vals[v].ref))
			return false;
	return true;
}

/* Append to out (NULL: count only) the own-fact matchers of selection s
 * when it has one alternative (all of them must hold); n so far. */
static size_t sel_pre(const struct selection *s, struct matcher *out, size_t n)
{
	for (size_t m = 0; s->n_alts == 1 && m < s->alts[0].n; m++)
		if (own_matcher(&s->alts[0].m[m])) {
			if (out)
				out[n] = s->alts[0].m[m];
			n++;
		}
	return n;
}

/* The own-fact matchers node requires: and / all of add up; or, not and a
 * choice among several give none. */
static size_t pre_collect(const struct rule *r, uint32_t node, struct matcher *out, size_t n)
{
	const struct cnode *c = &r->nodes[node];
	switch (c->op) {
	case COP_SEL:
		return sel_pre(&r->sels[c->a], out, n);
	case COP_AND:
		return pre_collect(r, c->b, out, pre_collect(r, c->a, out, n));
	case COP_ONE_OF:
		return c->cnt == 1 ? sel_pre(&r->sels[r->ofsel[c->off]], out, n) : n;
	case COP_ALL_OF:
		for (uint32_t i = 0; i < c->cnt; i++)
			n = sel_pre(&r->sels[r->ofsel[c->off + i]], out, n);
		return n;
	default:
		return n;
	}
}

/* The rule's pre-selection (empty when nothing is required: no check). */
static void pre_compute(struct sl_rules *p, struct rule *r)
{
	r->pre = (struct selection){ 0 };
	size_t n = r->nodes ? pre_collect(r, r->root, NULL, 0) : 0;
	struct alt *alt = n ? arena_alloc(&p->arena, sizeof(*alt)) : NULL;
	struct matcher *m = alt ? arena_alloc(&p->arena, n * sizeof(*m)) : NULL;
	if (!m)
		return; /* out of memory: no pre-check, the rule is matched in full */
	alt->m = m;
	alt->n = pre_collect(r, r->root, m, 0);
	r->pre = (struct selection){ .name = "pre", .alts = alt, .n_alts = 1 };
}

static bool reads_shared(const struct rule *r)
{
	for (size_t s = 0; s < r->n_sels; s++)
		for (size_t a = 0; a < r->sels[s].n_alts; a++)
			for (size_t m = 0; m < r->sels[s].alts[a].n; m++) {
				const struct matcher *mt = &r->sels[s].alts[a].m[m];
				bool any = shared_field(mt->f);
				for (size_t v = 0; v < mt->n_vals && !any; v++)
					any = mt->vals[v].kind == MV_FIELD && shared_field(mt->vals[v].ref);
				if (any)
					return true;
			}
	return false;
}

/* Every field a detection reads: each matcher's own, and a |fieldref's. */
static enum sl_settle rule_stage(const struct rule *r)
{
	enum sl_settle st = SL_SETTLE_HANDSHAKE; /* a rule naming no field: as soon as possible */
	for (size_t s = 0; s < r->n_sels; s++)
		for (size_t a = 0; a < r->sels[s].n_alts; a++)
			for (size_t m = 0; m < r->sels[s].alts[a].n; m++) {
				const struct matcher *mt = &r->sels[s].alts[a].m[m];
				st = later(st, mt->f);
				for (size_t v = 0; v < mt->n_vals; v++)
					if (mt->vals[v].kind == MV_FIELD)
						st = later(st, mt->vals[v].ref);
			}
	return st;
}

/* What a flow must have for a condition to hold: the fields it cannot do
 * without are present only then. */
struct need {
	uint64_t parsers;
	bool product;
};

static struct need need_or(struct need a, struct need b)
{
	return (struct need){ a.parsers | b.parsers, a.product || b.product };
}

static struct need need_and(struct need a, struct need b)
{
	return (struct need){ a.parsers & b.parsers, a.product && b.product };
}

/* A field absent without some state of the flow: a parser's (its table
 * says every field is, from_state) or the product's. */
static struct need field_need(const struct sl_field *f)
{
	const struct sl_field_table *t = &sl_identify_product_fields;
	if (f >= t->fields && f < t->fields + t->n)
		return (struct need){ 0, !evidence_field(f) };
	for (size_t k = 0; k < sl_proto_count() && k < 64; k++) {
		t = sl_proto_at(k)->fields;
		if (t && t->from_state && f >= t->fields && f < t->fields + t->n)
			return (struct need){ 1ULL << k, false };
	}
	return (struct need){ 0, false };
}

/* A matcher needs its field present unless absence can satisfy it
 * (|exists: false, a null among its values). */
static struct need matcher_need(const struct matcher *m)
{
	if (m->op == MOP_EXISTS)
		return m->vals[0].b ? field_need(m->f) : (struct need){ 0 };
	for (size_t v = 0; v < m->n_vals; v++)
		if (m->vals[v].kind == MV_NULL)
			return (struct need){ 0 };
	return field_need(m->f);
}

/* A selection: any alternative, each all of its matchers. */
static struct need selection_need(const struct selection *s)
{
	struct need n = { ~0ULL, true };
	for (size_t a = 0; a < s->n_alts; a++) {
		struct need alt = { 0 };
		for (size_t m = 0; m < s->alts[a].n; m++)
			alt = need_or(alt, matcher_need(&s->alts[a].m[m]));
		n = need_and(n, alt);
	}
	return s->n_alts ? n : (struct need){ 0 };
}

/* Through the condition: and/all of add up, or/1 of keep what every branch
 * needs, not needs nothing. */
static struct need cond_need(const struct rule *r, uint32_t node)
{
	const struct cnode *n = &r->nodes[node];
	struct need x = { 0 };
	switch (n->op) {
	case COP_SEL: return selection_need(&r->sels[n->a]);
	case COP_NOT: return x;
	case COP_AND: return need_or(cond_need(r, n->a), cond_need(r, n->b));
	case COP_OR: return need_and(cond_need(r, n->a), cond_need(r, n->b));
	case COP_ONE_OF:
		x = (struct need){ ~0ULL, true };
		for (uint32_t i = 0; i < n->cnt; i++)
			x = need_and(x, selection_need(&r->sels[r->ofsel[n->off + i]]));
		return n->cnt ? x : (struct need){ 0 };
	case COP_ALL_OF:
		for (uint32_t i = 0; i < n->cnt; i++)
			x = need_or(x, selection_need(&r->sels[r->ofsel[n->off + i]]));
		return x;
	}
	return x;
}

static bool stage_rule(const struct rule *r, enum sl_settle stage)
{
	return r->info.stage == stage && !r->corr && (r->info.events & SL_RULE_EVENT_FLOW);
}

/* Each stage's list of its rules (stage_rule()), in pack order so that hits
 * come in the order the full walk gave them. */
static void lists_compute(struct sl_rules *p)
{
	for (unsigned s = 0; s <= SL_SETTLE_END; s++) {
		p->n_of_stage[s] = 0;
		p->of_stage[s] = p->n ? arena_alloc(&p->arena, p->n * sizeof(*p->of_stage[s])) : NULL;
		for (size_t i = 0; p->of_stage[s] && i < p->n; i++)
			if (stage_rule(p->rules[i], (enum sl_settle)s))
				p->of_stage[s][p->n_of_stage[s]++] = p->rules[i];
	}
}

/* A matcher's result on an absent field, as matcher_eval() would walk its
 * values to it: a null value holds, any other fails. */
static uint8_t if_absent(const struct matcher *m)
{
	for (size_t i = 0; i < m->n_vals; i++) {
		bool r = m->vals[i].kind == MV_NULL;
		if (r != m->all)
			return r ? 2 : 1;
	}
	return m->all ? 2 : 1;
}

static void absent_compute(struct rule *r)
{
	for (size_t s = 0; s < r->n_sels; s++)
		for (size_t a = 0; a < r->sels[s].n_alts; a++)
			for (size_t m = 0; m < r->sels[s].alts[a].n; m++) {
				struct matcher *mt = &r->sels[s].alts[a].m[m];
				mt->if_absent = mt->op == MOP_EXISTS ? 0 : if_absent(mt);
			}
}

/* Correlation rules are fed hits, never matched: they keep stage END. */
void rules_stages_compute(struct sl_rules *p)
{
	p->stages = p->shared_stages = 0;
	for (size_t i = 0; i < p->n; i++)
		absent_compute(p->rules[i]); /* before pre_compute() copies matchers */
	for (size_t i = 0; i < p->n; i++) {
		struct rule *r = p->rules[i];
		struct need n = r->corr || !r->nodes ? (struct need){ 0 } : cond_need(r, r->root);
		r->need_parsers = n.parsers;
		r->need_product = n.product;
		if (!r->corr) {
			pre_compute(p, r);
			rule_reads_compute(r);
		}
		r->info.stage = r->corr ? SL_SETTLE_END : rule_stage(r);
		if (!r->corr && (r->info.events & SL_RULE_EVENT_FLOW)) {
			p->stages |= (uint8_t)(1u << r->info.stage);
			if (reads_shared(r))
				p->shared_stages |= (uint8_t)(1u << r->info.stage);
		}
	}
	lists_compute(p);
}

bool sl_rules_has_stage(const struct sl_rules *rules, enum sl_settle stage)
{
	return rules && (rules->stages >> stage & 1u);
}

/* Could r match a flow holding the states of parsers states (bits) and,
 * with product, a product? */
static bool may_match(const struct rule *r, uint64_t states, bool product)
{
	return !(r->need_parsers & ~states) && (product || !r->need_product);
}

/* Stage s's rules: its list, else (no memory for lists) every rule, of
 * which the caller keeps those stage_rule() accepts; *n their count. */
static const struct rule *const *stage_walk(const struct sl_rules *rules, enum sl_settle s,
					    size_t *n)
{
	if ((unsigned)s <= SL_SETTLE_END && rules->of_stage[s]) {
		*n = rules->n_of_stage[s];
		return rules->of_stage[s];
	}
	*n = rules->n;
	return (const struct rule *const *)rules->rules;
}

void sl_rules_match_stage(const struct sl_rules *rules, enum sl_settle stage,
			  const struct sl_field_source *src, sl_rule_hit_fn hit, void *ctx)
{
	if (!sl_rules_has_stage(rules, stage))
		return;
	size_t n;
	const struct rule *const *walk = stage_walk(rules, stage, &n);
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = walk[i];
		if (stage_rule(r, stage) && rule_eval(r, src))
			hit(ctx, &r->info);
	}
}

void sl_rules_match_stage_flow(const struct sl_rules *rules, enum sl_settle stage,
			       const struct sl_record *rec, sl_rule_hit_fn hit, void *ctx)
{
	if (!sl_rules_has_stage(rules, stage))
		return;
	struct sl_field_source src = sl_rules_record_source(rec);
	struct sl_value v, w;
	const struct reval e = { .src = &src, .rec = rec, .v = &v, .w = &w };
	uint64_t states = sl_record_states(rec);
	bool product = rec->flow->product != NULL;
	size_t n;
	const struct rule *const *walk = stage_walk(rules, stage, &n);
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = walk[i];
		if (stage_rule(r, stage) && may_match(r, states, product) && rule_eval_in(r, &e))
			hit(ctx, &r->info);
	}
}

bool sl_rules_stages_may_match(const struct sl_rules *rules, enum sl_settle from,
			       enum sl_settle to, const struct sl_record *own)
{
	if (!rules)
		return false;
	uint64_t states = sl_record_states(own);
	struct sl_field_source src = sl_rules_record_source(own);
	for (unsigned s = (unsigned)from + 1; s <= (unsigned)to; s++) {
		size_t n;
		const struct rule *const *walk = stage_walk(rules, (enum sl_settle)s, &n);
		for (size_t i = 0; i < n; i++) {
			const struct rule *r = walk[i];
			if (stage_rule(r, (enum sl_settle)s) &&
			    may_match(r, states, own->flow->product != NULL) &&
			    (!r->pre.n_alts || selection_eval(&r->pre, &src)))
				return true;
		}
	}
	return false;
}

bool sl_rules_stages_read_shared(const struct sl_rules *rules, enum sl_settle from,
				 enum sl_settle to)
{
	unsigned lo = (unsigned)from + 1, hi = (unsigned)to;
	uint8_t mask = hi >= lo && hi < 8 ? (uint8_t)(((1u << (hi + 1)) - 1) & ~((1u << lo) - 1)) : 0;
	return rules && (rules->shared_stages & mask);
}
