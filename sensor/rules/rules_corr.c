/* Sigma-style correlation rules (event_count, value_count, temporal): their
 * compilation and the correlator, a bounded table of (rule, group-by
 * values) groups with least-recently-updated eviction, fed by base hits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

static const char *const corr_types[] = { "event_count", "value_count", "temporal" };

/* "30s", "30m", "24h", "7d" (Sigma timespan) into microseconds. */
static bool parse_timespan(const char *s, sl_time_us *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (end == s || s[0] == '-' || end[0] == '\0' || end[1] != '\0' || n == 0 ||
	    n > 366ULL * 86400)
		return false;
	uint64_t mul = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 :
		       end[0] == 'd' ? 86400 : 0;
	if (!mul || n * mul > 366ULL * 86400)
		return false;
	*out = n * mul * SL_US_PER_SEC;
	return true;
}

static bool corr_keys(struct cctx *c, const struct ynode *m)
{
	static const char *const keys[] = { "type", "rules", "group-by", "timespan", "condition" };
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		size_t k = 0;
		while (k < ARRAY_SIZE(keys) && strcmp(keys[k], m->kids[i]->s))
			k++;
		if (k == ARRAY_SIZE(keys)) {
			CERR_AT(c, m->kids[i], "unknown key '%.60s' in a correlation (keys: type, "
				"rules, group-by, timespan, condition)", m->kids[i]->s);
			return false;
		}
	}
	return true;
}

/* rules: and group-by: take a list of text or one text (*np itself). */
static const struct ynode *const *text_items(struct cctx *c, const struct ynode *const *np,
					     const char *key, size_t *count)
{
	const struct ynode *n = *np;
	if (n->type == YN_SCALAR && !ynode_is_null(n)) {
		*count = 1;
		return np;
	}
	if (n->type != YN_SEQ || n->n == 0 || n->n > CORR_MAX) {
		CERR_AT(c, n, "'%s' must be a list of 1 to %d names", key, CORR_MAX);
		return NULL;
	}
	for (size_t i = 0; i < n->n; i++)
		if (n->kids[i]->type != YN_SCALAR) {
			CERR_AT(c, n->kids[i], "'%s' entries must be names", key);
			return NULL;
		}
	*count = n->n;
	return (const struct ynode *const *)n->kids;
}

static bool corr_rules(struct cctx *c, struct correlation *k, const struct ynode *n)
{
	size_t cnt;
	const struct ynode *const *it = text_items(c, &n, "rules", &cnt);
	if (!it)
		return false;
	k->refs = arena_alloc(&c->pack->arena, cnt * sizeof(*k->refs));
	k->bases = arena_alloc(&c->pack->arena, cnt * sizeof(*k->bases));
	if (!k->refs || !k->bases)
		return false;
	for (size_t i = 0; i < cnt; i++) {
		k->refs[i].text = arena_strdup(&c->pack->arena, it[i]->s);
		k->refs[i].line = it[i]->line;
		k->refs[i].col = it[i]->col + it[i]->quoted;
		if (!k->refs[i].text)
			return false;
	}
	k->n_refs = cnt;
	return true;
}

static bool corr_group_by(struct cctx *c, struct correlation *k, const struct ynode *n)
{
	size_t cnt;
	const struct ynode *const *it = text_items(c, &n, "group-by", &cnt);
	if (!it)
		return false;
	if (!(k->group_by = arena_alloc(&c->pack->arena, cnt * sizeof(*k->group_by))))
		return false;
	for (size_t i = 0; i < cnt; i++)
		if (!(k->group_by[i] = field_lookup(c, it[i]->s, it[i]->line,
						    it[i]->col + it[i]->quoted)))
			return false;
	k->n_group_by = cnt;
	return true;
}

/* condition: {gte: N} or {gt: N}, plus field: for value_count.  Only
 * lower bounds: a stream fires as the count rises; it cannot wait for a
 * window to close to prove a count stayed low. */
static bool corr_condition(struct cctx *c, struct correlation *k, const struct ynode *n)
{
	if (n->type != YN_MAP) {
		CERR_AT(c, n, "a correlation condition is a map such as {gte: 2}");
		return false;
	}
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *key = n->kids[i], *v = n->kids[i + 1];
		if (!strcmp(key->s, "field")) {
			if (k->type != CORR_VALUE_COUNT) {
				CERR_AT(c, key, "'field' belongs to value_count correlations only");
				return false;
			}
			if (v->type != YN_SCALAR) {
				CERR_AT(c, v, "'field' must be a field name");
				return false;
			}
			if (!(k->field = field_lookup(c, v->s, v->line, v->col + v->quoted)))
				return false;
			continue;
		}
		bool gt = !strcmp(key->s, "gt");
		if (!gt && strcmp(key->s, "gte")) {
			CERR_AT(c, key, "correlation condition '%.40s' is not supported; use gte or gt "
				"(a live sensor fires when a count rises)", key->s);
			return false;
		}
		char *end = NULL;
		long x = v->type == YN_SCALAR ? strtol(v->s, &end, 10) : -1;
		if (!end || end == v->s || *end || x < 1 || x + gt > CORR_MAX) {
			CERR_AT(c, v, "the count must be a whole number from 1 to %d", CORR_MAX - gt);
			return false;
		}
		k->threshold = (uint32_t)(x + gt);
	}
	if (!k->threshold)
		CERR_AT(c, n, "the correlation condition needs gte: N (or gt: N)");
	if (k->type == CORR_VALUE_COUNT && !k->field)
		CERR_AT(c, n, "a value_count condition needs 'field': the field whose distinct "
			"values are counted");
	return k->threshold && (k->type != CORR_VALUE_COUNT || k->field);
}

static int corr_type(struct cctx *c, const struct ynode *m)
{
	const struct ynode *t = ymap_get(m, "type");
	if (!t) {
		CERR_AT(c, m, "the correlation has no 'type'; write event_count, value_count or "
			"temporal");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(corr_types); i++)
		if (t->type == YN_SCALAR && !strcmp(t->s, corr_types[i]))
			return (int)i;
	CERR_AT(c, t, "unknown correlation type; write event_count, value_count or temporal");
	return -1;
}

static bool corr_timespan(struct cctx *c, struct correlation *k, const struct ynode *m)
{
	const struct ynode *t = ymap_get(m, "timespan");
	if (!t) {
		CERR_AT(c, m, "the correlation has no 'timespan'; add e.g. timespan: 24h");
		return false;
	}
	if (t->type == YN_SCALAR && parse_timespan(t->s, &k->timespan))
		return true;
	CERR_AT(c, t, "bad timespan '%.40s': write a whole number and a unit s, m, h or d, e.g. "
		"30m or 24h (at most 366d)", t->type == YN_SCALAR ? t->s : "");
	return false;
}

bool correlation_compile(struct cctx *c, struct rule *r, const struct ynode *m)
{
	if (m->type != YN_MAP) {
		CERR_AT(c, m, "'correlation' must be a map (type, rules, group-by, timespan, "
			"condition)");
		return false;
	}
	struct correlation *k = arena_alloc(&c->pack->arena, sizeof(*k));
	int type = corr_type(c, m);
	if (!k || !corr_keys(c, m) || type < 0)
		return false;
	r->corr = k;
	k->type = (enum corr_type)type;
	const struct ynode *rules = ymap_get(m, "rules"), *gb = ymap_get(m, "group-by");
	const struct ynode *cond = ymap_get(m, "condition");
	if (!rules) {
		CERR_AT(c, m, "the correlation has no 'rules': list the ids or names it counts");
		return false;
	}
	bool ok = corr_rules(c, k, rules) & corr_timespan(c, k, m);
	if (gb)
		ok &= corr_group_by(c, k, gb);
	if (k->type == CORR_TEMPORAL) {
		if (cond) {
			CERR_AT(c, cond, "a temporal correlation takes no condition: it fires when "
				"every listed rule hit within the timespan");
			return false;
		}
		k->threshold = (uint32_t)k->n_refs;
	} else if (!cond) {
		CERR_AT(c, m, "the correlation has no 'condition'; add e.g. condition: {gte: 2}");
		return false;
	} else {
		ok &= corr_condition(c, k, cond);
	}
	return ok;
}

static int rule_by_ref(const struct sl_rules *p, const char *ref)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->rules[i]->info.id, ref) ||
		    (p->rules[i]->name && !strcmp(p->rules[i]->name, ref)))
			return (int)i;
	return -1;
}

static bool add_link(struct sl_rules *p, uint32_t base, uint32_t corr, uint32_t pos)
{
	struct feed_link *n = realloc(p->links[base], (p->n_links[base] + 1) * sizeof(*n));
	if (!n)
		return false;
	n[p->n_links[base]++] = (struct feed_link){ .corr = corr, .pos = pos };
	p->links[base] = n;
	return true;
}

/* Resolve every reference now that every file is loaded, and record for
 * each base rule which correlations it feeds. */
bool correlations_resolve(struct cctx *c)
{
	struct sl_rules *p = c->pack;
	if (!(p->links = calloc(p->n ? p->n : 1, sizeof(*p->links))) ||
	    !(p->n_links = calloc(p->n ? p->n : 1, sizeof(*p->n_links))))
		return false;
	bool ok = true;
	for (size_t i = 0; i < p->n; i++) {
		struct correlation *k = p->rules[i]->corr;
		c->file = p->rules[i]->info.file;
		for (size_t j = 0; k && j < k->n_refs; j++) {
			int b = rule_by_ref(p, k->refs[j].text);
			if (b < 0 || p->rules[b]->corr) {
				cerr(c, k->refs[j].line, k->refs[j].col, b < 0 ?
				     "unknown rule '%.100s' in the correlation; give the id or name "
				     "of a detection rule of the pack" :
				     "'%.100s' is a correlation rule; correlations count detection "
				     "rules only", k->refs[j].text);
				ok = false;
				continue;
			}
			k->bases[j] = (uint32_t)b;
			if (!add_link(p, (uint32_t)b, (uint32_t)i, (uint32_t)j))
				return false;
		}
	}
	return ok;
}
