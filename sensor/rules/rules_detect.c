/* Compiling a rule's detection: named selections of "field|modifiers:
 * values" into matchers whose constants are already in the form they are
 * compared in (lowered text, numbers, addresses, prefixes, regexes). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

static const struct {
	const char *name;
	int op; /* an enum mop, or -1 for |all, -2 for |cased */
} modifiers[] = {
	{ "contains", MOP_CONTAINS }, { "startswith", MOP_STARTSWITH },
	{ "endswith", MOP_ENDSWITH }, { "re", MOP_RE }, { "cidr", MOP_CIDR },
	{ "gt", MOP_GT }, { "gte", MOP_GTE }, { "lt", MOP_LT }, { "lte", MOP_LTE },
	{ "exists", MOP_EXISTS }, { "fieldref", MOP_FIELDREF }, { "all", -1 }, { "cased", -2 },
};

#define MOD_LIST "|contains, |startswith, |endswith, |re, |cidr, |gt, |gte, |lt, |lte, " \
		 "|exists, |fieldref, |all, |cased"

/* What a field's values can be compared as. */
enum fclass { FC_TEXT, FC_ADDR, FC_NUM, FC_BOOL, FC_TIME };

static enum fclass fclass(enum sl_ftype t)
{
	switch (t) {
	case SL_FT_STRING:
	case SL_FT_STRING_LIST: return FC_TEXT;
	case SL_FT_IP: return FC_ADDR;
	case SL_FT_UINT:
	case SL_FT_INT:
	case SL_FT_DOUBLE:
	case SL_FT_UINT_LIST: return FC_NUM;
	case SL_FT_BOOL: return FC_BOOL;
	case SL_FT_TIME: break;
	}
	return FC_TIME;
}

static const char *op_name(enum mop op)
{
	for (size_t i = 0; i < ARRAY_SIZE(modifiers); i++)
		if (modifiers[i].op == (int)op)
			return modifiers[i].name;
	return "equality";
}

/* Whether op applies to a field of class fc (text ops need text, order
 * needs numbers, cidr needs an address). */
static bool op_fits(enum mop op, enum fclass fc)
{
	switch (op) {
	case MOP_EQ: return fc != FC_TIME;
	case MOP_CONTAINS:
	case MOP_STARTSWITH:
	case MOP_ENDSWITH:
	case MOP_RE: return fc == FC_TEXT || fc == FC_ADDR;
	case MOP_CIDR: return fc == FC_ADDR;
	case MOP_GT:
	case MOP_GTE:
	case MOP_LT:
	case MOP_LTE: return fc == FC_NUM;
	case MOP_EXISTS:
	case MOP_FIELDREF: return true;
	}
	return false;
}

/* Parse the modifiers after the field name; col is the key's column. */
static bool parse_mods(struct cctx *c, struct matcher *m, char *mods, unsigned line, unsigned col)
{
	bool have_op = false;
	for (char *p = mods; p;) {
		char *bar = strchr(p, '|');
		if (bar)
			*bar = '\0';
		size_t i = 0;
		while (i < ARRAY_SIZE(modifiers) && strcmp(modifiers[i].name, p))
			i++;
		unsigned at = col + (unsigned)(p - mods);
		if (i == ARRAY_SIZE(modifiers)) {
			cerr(c, line, at, "unknown modifier '|%.40s' (sightline knows " MOD_LIST ")", p);
			return false;
		}
		int op = modifiers[i].op;
		if (op == -1)
			m->all = true;
		else if (op == -2)
			m->cased = true;
		else if (have_op) {
			cerr(c, line, at, "'|%s' cannot be combined with '|%s'; use one comparison "
			     "per field (or two entries in a list of maps)", p, op_name(m->op));
			return false;
		} else {
			m->op = (enum mop)op;
			have_op = true;
		}
		p = bar ? bar + 1 : NULL;
	}
	return true;
}

static bool parse_number(const char *s, struct mval *v)
{
	char *end;
	errno = 0;
	long long i = strtoll(s, &end, 10);
	if (*s && !*end && errno == 0) {
		v->is_int = true;
		v->i = i;
		v->d = (double)i;
		return true;
	}
	double d = strtod(s, &end);
	if (!*s || *end || !isfinite(d))
		return false;
	v->d = d;
	return true;
}

static bool text_value(struct cctx *c, const struct matcher *m, const struct ynode *n,
		       struct mval *v)
{
	char *s = arena_alloc(&c->pack->arena, n->len + 1);
	if (!s)
		return false;
	for (size_t i = 0; i < n->len; i++)
		s[i] = m->cased ? n->s[i] : lower_ascii(n->s[i]);
	v->kind = MV_STR;
	v->s = s;
	v->len = n->len;
	return true;
}

static bool regex_value(struct cctx *c, const struct matcher *m, const struct ynode *n,
			struct mval *v)
{
	return rx_compile(c, n, m->cased, v);
}

static bool ref_value(struct cctx *c, const struct matcher *m, const struct ynode *n,
		      struct mval *v)
{
	const struct sl_field *r = field_lookup(c, n->s, n->line, n->col + n->quoted);
	if (!r)
		return false;
	if (fclass(r->type) != fclass(m->f->type)) {
		CERR_AT(c, n, "'%s' (%s) cannot be compared with '%s' (%s); |fieldref needs "
			"fields of the same kind", m->f->name, sl_ftype_name(m->f->type), r->name,
			sl_ftype_name(r->type));
		return false;
	}
	v->kind = MV_FIELD;
	v->ref = r;
	return true;
}

/* A value for a number, bool or address field. */
static bool typed_value(struct cctx *c, const struct matcher *m, const struct ynode *n,
			struct mval *v)
{
	enum fclass fc = fclass(m->f->type);
	if (fc == FC_NUM) {
		v->kind = MV_NUM;
		if (parse_number(n->s, v))
			return true;
		const char *text = sl_field_text_moved(m->f->name);
		CERR_AT(c, n, "'%.60s' is not a number; '%s' is a %s field%s%s%s", n->s, m->f->name,
			sl_ftype_name(m->f->type), text ? " (Suricata EVE's type; the text it held "
			"before is now '" : "", text ? text : "", text ? "')" : "");
		return false;
	}
	if (fc == FC_BOOL) {
		v->kind = MV_BOOL;
		v->b = !strcmp(n->s, "true");
		if (v->b || !strcmp(n->s, "false"))
			return true;
		CERR_AT(c, n, "'%s' is a bool field: compare it with true or false, not '%.60s'",
			m->f->name, n->s);
		return false;
	}
	if (m->op == MOP_CIDR) {
		v->kind = MV_CIDR;
		if (sl_cidr_parse(n->s, &v->cidr) == 0)
			return true;
		CERR_AT(c, n, "bad CIDR '%.60s': write a prefix such as 10.0.0.0/8 or 2001:db8::/32 "
			"with the host bits zero", n->s);
		return false;
	}
	if (m->op == MOP_EQ && sl_addr_parse(n->s, &v->addr) == 0) {
		v->kind = MV_ADDR;
		return true;
	}
	return text_value(c, m, n, v); /* an address compared as text */
}

static bool value_compile(struct cctx *c, const struct matcher *m, const struct ynode *n,
			  struct mval *v)
{
	if (n->type != YN_SCALAR) {
		CERR_AT(c, n, "a value must be text, a number or a bool (a list holds values, "
			"not maps or lists)");
		return false;
	}
	if (m->op == MOP_EXISTS) {
		v->b = !strcmp(n->s, "true");
		if (n->plain && (v->b || !strcmp(n->s, "false")))
			return true;
		CERR_AT(c, n, "|exists takes true or false, not '%.60s'", n->s);
		return false;
	}
	if (ynode_is_null(n)) {
		if (m->op == MOP_EQ)
			return (v->kind = MV_NULL), true;
		CERR_AT(c, n, "null (the field is absent) works only without modifiers; "
			"use |exists: false");
		return false;
	}
	if (strlen(n->s) != n->len) {
		CERR_AT(c, n, "a value must not contain NUL characters");
		return false;
	}
	if (m->op == MOP_FIELDREF)
		return ref_value(c, m, n, v);
	if (m->op == MOP_RE)
		return regex_value(c, m, n, v);
	if (fclass(m->f->type) == FC_TEXT)
		return text_value(c, m, n, v);
	return typed_value(c, m, n, v);
}

static bool values_compile(struct cctx *c, struct matcher *m, const struct ynode *val)
{
	const struct ynode *const *items = &val;
	size_t n = 1;
	if (val->type == YN_SEQ) {
		items = (const struct ynode *const *)val->kids;
		n = val->n;
		if (n == 0) {
			CERR_AT(c, val, "an empty list matches nothing; give at least one value");
			return false;
		}
	} else if (val->type == YN_MAP) {
		CERR_AT(c, val, "a field's value must be a value or a list of values, not a map");
		return false;
	}
	if (m->op == MOP_EXISTS && n != 1) {
		CERR_AT(c, val, "|exists takes one value, true or false");
		return false;
	}
	if (!(m->vals = arena_alloc(&c->pack->arena, n * sizeof(*m->vals))))
		return false;
	m->n_vals = n;
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok &= value_compile(c, m, items[i], &m->vals[i]);
	return ok;
}

/* "field|mod|mod: value or [values]" */
static bool matcher_compile(struct cctx *c, struct matcher *m, const struct ynode *key,
			    const struct ynode *val)
{
	char buf[256];
	unsigned col = key->col + key->quoted;
	if (key->len >= sizeof(buf)) {
		CERR_AT(c, key, "field name and modifiers too long");
		return false;
	}
	memcpy(buf, key->s, key->len + 1);
	char *bar = strchr(buf, '|');
	if (bar)
		*bar = '\0';
	if (!(m->f = field_lookup(c, buf, key->line, col)))
		return false;
	m->op = MOP_EQ;
	if (bar && !parse_mods(c, m, bar + 1, key->line, col + (unsigned)(bar + 1 - buf)))
		return false;
	enum fclass fc = fclass(m->f->type);
	if (!op_fits(m->op, fc)) {
		cerr(c, key->line, col, "'|%s' does not apply to '%s', a %s field%s", op_name(m->op),
		     m->f->name, sl_ftype_name(m->f->type),
		     fc == FC_NUM ? " (compare numbers with a value, |gt, |gte, |lt or |lte)" :
		     fc == FC_TIME ? " (only |exists and |fieldref)" : "");
		return false;
	}
	if (m->cased && fc != FC_TEXT && fc != FC_ADDR) {
		cerr(c, key->line, col, "'|cased' applies to text fields; '%s' is a %s field",
		     m->f->name, sl_ftype_name(m->f->type));
		return false;
	}
	return values_compile(c, m, val);
}

static bool alt_compile(struct cctx *c, struct alt *a, const struct ynode *map)
{
	if (map->n == 0) {
		CERR_AT(c, map, "an empty selection matches everything; name at least one field");
		return false;
	}
	a->n = map->n / 2;
	if (!(a->m = arena_alloc(&c->pack->arena, a->n * sizeof(*a->m))))
		return false;
	bool ok = true;
	for (size_t i = 0; i < a->n; i++)
		ok &= matcher_compile(c, &a->m[i], map->kids[2 * i], map->kids[2 * i + 1]);
	return ok;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* A map is one alternative; a list of maps is any of them. */
static bool selection_compile(struct cctx *c, struct selection *s, const struct ynode *key,
			      const struct ynode *val)
{
	if (!name_ok(key->s)) {
		CERR_AT(c, key, "selection name '%.60s' may hold only letters, digits, _, - and .",
			key->s);
		return false;
	}
	s->name = arena_strdup(&c->pack->arena, key->s);
	if (val->type == YN_MAP) {
		s->n_alts = 1;
		s->alts = arena_alloc(&c->pack->arena, sizeof(*s->alts));
		return s->name && s->alts && alt_compile(c, s->alts, val);
	}
	if (val->type != YN_SEQ || val->n == 0) {
		CERR_AT(c, val, "selection '%.60s' must be a map of fields (all must match) or a "
			"list of such maps (any may match)", key->s);
		return false;
	}
	s->n_alts = val->n;
	if (!s->name || !(s->alts = arena_alloc(&c->pack->arena, val->n * sizeof(*s->alts))))
		return false;
	bool ok = true;
	for (size_t i = 0; i < val->n; i++) {
		if (val->kids[i]->type != YN_MAP) {
			CERR_AT(c, val->kids[i], "keyword lists (bare values) are not supported; name "
				"the field, e.g. app: [anydesk, teamviewer]");
			return false;
		}
		ok &= alt_compile(c, &s->alts[i], val->kids[i]);
	}
	return ok;
}

bool detection_compile(struct cctx *c, struct rule *r, const struct ynode *det)
{
	if (det->type != YN_MAP) {
		CERR_AT(c, det, "'detection' must be a map of named selections and a condition");
		return false;
	}
	const struct ynode *cond = ymap_get(det, "condition");
	if (!cond) {
		CERR_AT(c, det, "the detection has no 'condition'; add e.g. condition: selection");
		return false;
	}
	size_t n = det->n / 2 - 1;
	if (n == 0) {
		CERR_AT(c, det, "the detection has no selection; add one, e.g. selection: "
			"{category: vpn}");
		return false;
	}
	if (!(r->sels = arena_alloc(&c->pack->arena, n * sizeof(*r->sels))))
		return false;
	bool ok = true;
	for (size_t i = 0; i + 1 < det->n; i += 2) {
		const struct ynode *k = det->kids[i];
		if (!strcmp(k->s, "condition"))
			continue;
		if (!strcmp(k->s, "timeframe")) {
			CERR_AT(c, k, "'timeframe' is not supported; write a correlation rule with a "
				"timespan");
			ok = false;
			continue;
		}
		ok &= selection_compile(c, &r->sels[r->n_sels++], k, det->kids[i + 1]);
	}
	return ok && condition_compile(c, r, cond);
}
