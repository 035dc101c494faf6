/* Evaluating detection rules: each matcher reads its field once through the
 * field source and compares it with constants prepared at load.  Nothing
 * here allocates or looks a field up by name (|re's PCRE2 match data is
 * made once per thread). */
#include <string.h>

#include "rules_priv.h"

/* s[0..n) against k[0..n), k already lower-cased unless cased. */
static bool eq_n(const char *s, const char *k, size_t n, bool cased)
{
	if (cased)
		return memcmp(s, k, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (lower_ascii(s[i]) != k[i])
			return false;
	return true;
}

static bool contains(const char *s, size_t n, const char *k, size_t kn, bool cased)
{
	if (kn > n)
		return false;
	for (size_t i = 0; i + kn <= n; i++)
		if (eq_n(s + i, k, kn, cased))
			return true;
	return false;
}

static bool text_match(const struct matcher *m, const struct mval *k, const char *s)
{
	size_t n = strlen(s);
	switch (m->op) {
	case MOP_EQ: return n == k->len && eq_n(s, k->s, n, m->cased);
	case MOP_CONTAINS: return contains(s, n, k->s, k->len, m->cased);
	case MOP_STARTSWITH: return n >= k->len && eq_n(s, k->s, k->len, m->cased);
	case MOP_ENDSWITH: return n >= k->len && eq_n(s + n - k->len, k->s, k->len, m->cased);
	case MOP_RE: return rx_match(k, s, n);
	default: return false;
	}
}

/* -1, 0, 1, or 2 when unordered (NaN). */
static int cmp_num(enum sl_ftype t, uint64_t u, int64_t i, double d, const struct mval *k)
{
	if (t == SL_FT_UINT && k->is_int) {
		if (k->i < 0)
			return 1;
		return u < (uint64_t)k->i ? -1 : u > (uint64_t)k->i;
	}
	if (t == SL_FT_INT && k->is_int)
		return i < k->i ? -1 : i > k->i;
	long double x = t == SL_FT_UINT ? (long double)u : t == SL_FT_INT ? (long double)i :
					  (long double)d;
	long double y = k->d;
	return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
}

static bool order_ok(enum mop op, int c)
{
	switch (op) {
	case MOP_EQ: return c == 0;
	case MOP_GT: return c == 1;
	case MOP_GTE: return c == 0 || c == 1;
	case MOP_LT: return c == -1;
	case MOP_LTE: return c == 0 || c == -1;
	default: return false;
	}
}

/* An address field against a text pattern, through its text.  Kept out of
 * line: its buffer would give every selection_eval_in() call (where the
 * rest inlines) a stack-protector check. */
static __attribute__((noinline)) bool addr_text_match(const struct matcher *m,
						      const struct mval *k,
						      const struct sl_addr *a)
{
	char buf[SL_ADDR_STRLEN];
	return text_match(m, k, sl_addr_format(a, buf, sizeof(buf)));
}

static bool value_match(const struct matcher *m, const struct mval *k, const struct sl_value *v)
{
	unsigned n = v->n < SL_VALUE_LIST_MAX ? v->n : SL_VALUE_LIST_MAX;
	switch (m->f->type) {
	case SL_FT_STRING: return text_match(m, k, v->s ? v->s : "");
	case SL_FT_STRING_LIST:
		for (unsigned i = 0; i < n; i++)
			if (v->strs[i] && text_match(m, k, v->strs[i]))
				return true;
		return false;
	case SL_FT_IP:
		if (k->kind == MV_ADDR)
			return sl_addr_cmp(&v->ip, &k->addr) == 0;
		if (k->kind == MV_CIDR)
			return sl_cidr_contains(&k->cidr, &v->ip);
		return addr_text_match(m, k, &v->ip);
	case SL_FT_UINT:
	case SL_FT_INT:
	case SL_FT_DOUBLE: return order_ok(m->op, cmp_num(m->f->type, v->u, v->i, v->d, k));
	case SL_FT_UINT_LIST:
		for (unsigned i = 0; i < n; i++)
			if (order_ok(m->op, cmp_num(SL_FT_UINT, v->list[i], 0, 0, k)))
				return true;
		return false;
	case SL_FT_BOOL: return v->b == k->b;
	case SL_FT_TIME: return false;
	}
	return false;
}

/* A field's value as text entries (for fieldref between text fields). */
static unsigned text_items(enum sl_ftype t, const struct sl_value *v, const char **out)
{
	if (t == SL_FT_STRING) {
		out[0] = v->s ? v->s : "";
		return 1;
	}
	unsigned n = v->n < SL_VALUE_LIST_MAX ? v->n : SL_VALUE_LIST_MAX, k = 0;
	for (unsigned i = 0; i < n; i++)
		if (v->strs[i])
			out[k++] = v->strs[i];
	return k;
}

static long double num_item(enum sl_ftype t, const struct sl_value *v, unsigned i)
{
	switch (t) {
	case SL_FT_UINT: return (long double)v->u;
	case SL_FT_INT: return (long double)v->i;
	case SL_FT_DOUBLE: return v->d;
	default: return (long double)v->list[i];
	}
}

/* Equality of two fields of the same kind; lists match on any common entry.
 * Out of line for the reason addr_text_match() is. */
static __attribute__((noinline)) bool same(const struct matcher *m, const struct sl_field *g, const struct sl_value *a,
		 const struct sl_value *b)
{
	enum sl_ftype ta = m->f->type, tb = g->type;
	if (ta == SL_FT_STRING || ta == SL_FT_STRING_LIST) {
		const char *x[SL_VALUE_LIST_MAX], *y[SL_VALUE_LIST_MAX];
		unsigned nx = text_items(ta, a, x), ny = text_items(tb, b, y);
		for (unsigned i = 0; i < nx; i++)
			for (unsigned j = 0; j < ny; j++)
				if (m->cased ? !strcmp(x[i], y[j]) : !strcasecmp(x[i], y[j]))
					return true;
		return false;
	}
	if (ta == SL_FT_IP)
		return sl_addr_cmp(&a->ip, &b->ip) == 0;
	if (ta == SL_FT_BOOL)
		return a->b == b->b;
	if (ta == SL_FT_TIME)
		return a->t == b->t;
	unsigned na = ta == SL_FT_UINT_LIST ? (a->n < SL_VALUE_LIST_MAX ? a->n : SL_VALUE_LIST_MAX) : 1;
	unsigned nb = tb == SL_FT_UINT_LIST ? (b->n < SL_VALUE_LIST_MAX ? b->n : SL_VALUE_LIST_MAX) : 1;
	for (unsigned i = 0; i < na; i++)
		for (unsigned j = 0; j < nb; j++)
			if (num_item(ta, a, i) == num_item(tb, b, j))
				return true;
	return false;
}

/* f's value into v: from the record directly when e has one. */
static bool read_field(const struct reval *e, const struct sl_field *f, struct sl_value *v)
{
	return e->rec ? sl_field_get(f, e->rec, v) : e->src->get(e->src->ctx, f, v);
}

static bool ref_match(const struct matcher *m, const struct mval *k, const struct sl_value *v,
		      const struct reval *e)
{
	if (!read_field(e, k->ref, e->w))
		return false;
	return same(m, k->ref, v, e->w);
}

static bool matcher_eval(const struct matcher *m, const struct reval *e)
{
	const struct sl_value *v = e->v;
	bool present = read_field(e, m->f, e->v);
	if (m->op == MOP_EXISTS)
		return present == m->vals[0].b;
	if (!present && m->if_absent)
		return m->if_absent == 2;
	for (size_t i = 0; i < m->n_vals; i++) {
		const struct mval *k = &m->vals[i];
		bool r = k->kind == MV_NULL ? !present :
			 !present ? false :
			 m->op == MOP_FIELDREF ? ref_match(m, k, v, e) : value_match(m, k, v);
		if (r != m->all)
			return r;
	}
	return m->all;
}

bool selection_eval_in(const struct selection *s, const struct reval *e)
{
	for (size_t a = 0; a < s->n_alts; a++) {
		const struct alt *al = &s->alts[a];
		size_t i = 0;
		while (i < al->n && matcher_eval(&al->m[i], e))
			i++;
		if (i == al->n)
			return true;
	}
	return false;
}

bool selection_eval(const struct selection *s, const struct sl_field_source *src)
{
	struct sl_value v, w;
	const struct reval e = { .src = src, .v = &v, .w = &w };
	return selection_eval_in(s, &e);
}

bool rule_eval_in(const struct rule *r, const struct reval *e)
{
	return !r->corr && cond_eval(r, r->root, e);
}

bool rule_eval(const struct rule *r, const struct sl_field_source *src)
{
	struct sl_value v, w;
	const struct reval e = { .src = src, .v = &v, .w = &w };
	return rule_eval_in(r, &e);
}

void sl_rules_match_event(const struct sl_rules *rules, unsigned event,
			  const struct sl_field_source *src, sl_rule_hit_fn hit, void *ctx)
{
	for (size_t i = 0; i < rules->n; i++)
		if ((rules->rules[i]->info.events & event) && rule_eval(rules->rules[i], src))
			hit(ctx, &rules->rules[i]->info);
}

void sl_rules_match(const struct sl_rules *rules, const struct sl_field_source *src,
		    sl_rule_hit_fn hit, void *ctx)
{
	sl_rules_match_event(rules, SL_RULE_EVENT_FLOW, src, hit, ctx);
}

static bool record_get(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	return sl_field_get(f, (const struct sl_record *)ctx, v);
}

struct sl_field_source sl_rules_record_source(const struct sl_record *r)
{
	return (struct sl_field_source){ .get = record_get, .ctx = (void *)r };
}
