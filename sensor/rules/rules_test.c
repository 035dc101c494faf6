/* A rule's embedded examples (tests: {match: [...], nomatch: [...]}): field
 * values typed by the catalogue, compiled with the rule, and run by
 * `sightline rules test` through a field source that reads them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

static bool ex_error(struct cctx *c, const struct ynode *n, const struct sl_field *f,
		     const char *want)
{
	CERR_AT(c, n, "example value for '%s' (%s) must be %s", f->name, sl_ftype_name(f->type),
		want);
	return false;
}

static bool scalar_u64(const struct ynode *n, uint64_t *out)
{
	char *end;
	errno = 0;
	if (n->type != YN_SCALAR || !n->s[0] || n->s[0] == '-')
		return false;
	*out = strtoull(n->s, &end, 10);
	return !*end && errno == 0;
}

/* One list-typed value: a YAML list (or one scalar) of up to 8 entries. */
static bool list_value(struct cctx *c, const struct ynode *n, const struct sl_field *f,
		       struct sl_value *v)
{
	const struct ynode *const *it = &n;
	size_t cnt = 1;
	if (n->type == YN_SEQ) {
		it = (const struct ynode *const *)n->kids;
		cnt = n->n;
	}
	if (cnt > SL_VALUE_LIST_MAX || n->type == YN_MAP)
		return ex_error(c, n, f, "a list of at most 8 entries");
	v->n = (unsigned)cnt;
	for (size_t i = 0; i < cnt; i++) {
		if (f->type == SL_FT_UINT_LIST) {
			if (!scalar_u64(it[i], &v->list[i]))
				return ex_error(c, it[i], f, "a list of whole numbers");
		} else if (it[i]->type != YN_SCALAR ||
			   !(v->strs[i] = arena_strdup(&c->pack->arena, it[i]->s))) {
			return ex_error(c, it[i], f, "a list of text");
		}
	}
	return true;
}

static bool scalar_value(struct cctx *c, const struct ynode *n, const struct sl_field *f,
			 struct sl_value *v)
{
	char *end;
	switch (f->type) {
	case SL_FT_STRING:
		return (v->s = arena_strdup(&c->pack->arena, n->s)) != NULL;
	case SL_FT_UINT:
		return scalar_u64(n, &v->u) || ex_error(c, n, f, "a whole number");
	case SL_FT_TIME:
		return scalar_u64(n, &v->t) || ex_error(c, n, f, "microseconds since 1970");
	case SL_FT_INT:
		errno = 0;
		v->i = strtoll(n->s, &end, 10);
		return (n->s[0] && !*end && !errno) || ex_error(c, n, f, "a whole number");
	case SL_FT_DOUBLE:
		v->d = strtod(n->s, &end);
		return (n->s[0] && !*end && isfinite(v->d)) || ex_error(c, n, f, "a number");
	case SL_FT_BOOL:
		v->b = !strcmp(n->s, "true");
		return v->b || !strcmp(n->s, "false") || ex_error(c, n, f, "true or false");
	case SL_FT_IP:
		return sl_addr_parse(n->s, &v->ip) == 0 || ex_error(c, n, f, "an IP address");
	default:
		return false;
	}
}

static bool example_field(struct cctx *c, const struct ynode *key, const struct ynode *val,
			  struct ex_field *x)
{
	if (!(x->f = field_lookup(c, key->s, key->line, key->col + key->quoted)))
		return false;
	if (ynode_is_null(val))
		return (x->absent = true);
	if (x->f->type == SL_FT_UINT_LIST || x->f->type == SL_FT_STRING_LIST)
		return list_value(c, val, x->f, &x->v);
	if (val->type != YN_SCALAR)
		return ex_error(c, val, x->f, "one value, not a list or map");
	return scalar_value(c, val, x->f, &x->v);
}

static bool example_compile(struct cctx *c, const struct ynode *map, bool want,
			    struct example *ex)
{
	if (map->type != YN_MAP || map->n == 0) {
		CERR_AT(c, map, "an example is a map of field: value, e.g. {category: vpn}");
		return false;
	}
	ex->want_match = want;
	ex->line = map->line;
	ex->col = map->col;
	ex->n = map->n / 2;
	if (!(ex->fields = arena_alloc(&c->pack->arena, ex->n * sizeof(*ex->fields))))
		return false;
	bool ok = true;
	for (size_t i = 0; i < ex->n; i++)
		ok &= example_field(c, map->kids[2 * i], map->kids[2 * i + 1], &ex->fields[i]);
	return ok;
}

bool examples_compile(struct cctx *c, struct rule *r, const struct ynode *tests)
{
	if (r->corr) {
		CERR_AT(c, tests, "embedded tests are for detection rules; test correlations in "
			"the unit tests");
		return false;
	}
	if (tests->type != YN_MAP) {
		CERR_AT(c, tests, "'tests' must be a map: match: [...] and nomatch: [...]");
		return false;
	}
	size_t total = 0;
	for (size_t i = 0; i + 1 < tests->n; i += 2) {
		const struct ynode *k = tests->kids[i], *v = tests->kids[i + 1];
		if (strcmp(k->s, "match") && strcmp(k->s, "nomatch")) {
			CERR_AT(c, k, "unknown key '%.40s' in tests; write match or nomatch", k->s);
			return false;
		}
		if (v->type != YN_SEQ) {
			CERR_AT(c, v, "'%s' must be a list of examples", k->s);
			return false;
		}
		total += v->n;
	}
	if (!(r->examples = arena_alloc(&c->pack->arena, (total + 1) * sizeof(*r->examples))))
		return false;
	bool ok = true;
	for (size_t i = 0; i + 1 < tests->n; i += 2) {
		const struct ynode *v = tests->kids[i + 1];
		bool want = !strcmp(tests->kids[i]->s, "match");
		for (size_t j = 0; j < v->n; j++)
			ok &= example_compile(c, v->kids[j], want, &r->examples[r->n_examples++]);
	}
	return ok;
}

static bool example_get(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	const struct example *ex = ctx;
	for (size_t i = 0; i < ex->n; i++)
		if (ex->fields[i].f == f) {
			if (ex->fields[i].absent)
				return false;
			*v = ex->fields[i].v;
			return true;
		}
	return false;
}

int sl_rules_test(const char *path, FILE *out, unsigned *passed, unsigned *failed,
		  struct sl_rule_error *err)
{
	struct sl_rules *p;
	*passed = *failed = 0;
	int rc = sl_rules_load(path, &p, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < p->n; i++) {
		const struct rule *r = p->rules[i];
		for (size_t j = 0; j < r->n_examples; j++) {
			const struct example *ex = &r->examples[j];
			struct sl_field_source src = { .get = example_get, .ctx = (void *)ex };
			if (rule_eval(r, &src) == ex->want_match) {
				(*passed)++;
				continue;
			}
			(*failed)++;
			fprintf(out, "%s:%u:%u: rule '%s' (%s): this %s example %s\n", r->info.file,
				ex->line, ex->col, r->info.title, r->info.id,
				ex->want_match ? "match" : "nomatch",
				ex->want_match ? "does not match" : "matches");
		}
	}
	sl_rules_destroy(p);
	return 0;
}
