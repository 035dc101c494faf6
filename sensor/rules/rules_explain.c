/* Why a rule fired: the selections of its condition that held (an alert's
 * `matched`) and which fields it reads (what a subject alert shows of its
 * hits).  Worked out only for rules that fired, never while matching. */
#include <string.h>

#include "rules_priv.h"

/*
 * Mark the selections that count for a match where they hold: those the
 * condition names outside any `not` (or under an even number of them).  A
 * filter (`and not filter`) holds only when the rule did not fire, so it is
 * never shown as matched; a selection under `not` that held anyway (`a or
 * not b` fired by a) did not make the rule fire either.
 */
void cond_mark_positive(struct rule *r, uint32_t node, bool positive)
{
	const struct cnode *n = &r->nodes[node];
	switch (n->op) {
	case COP_SEL:
		r->sels[n->a].positive |= positive;
		return;
	case COP_NOT:
		cond_mark_positive(r, n->a, !positive);
		return;
	case COP_AND:
	case COP_OR:
		cond_mark_positive(r, n->a, positive);
		cond_mark_positive(r, n->b, positive);
		return;
	case COP_ONE_OF:
	case COP_ALL_OF:
		for (uint32_t i = 0; i < n->cnt; i++)
			r->sels[r->ofsel[n->off + i]].positive |= positive;
		return;
	}
}

/* The compiled rule an info belongs to; NULL for a correlation rule or a
 * description that no pack made (scoring's tests make their own). */
static const struct rule *rule_of(const struct sl_rule_info *info)
{
	return info && !info->correlation ? info->compiled : NULL;
}

unsigned sl_rule_matched(const struct sl_rule_info *rule, const struct sl_field_source *src,
			 const char **names, unsigned max)
{
	const struct rule *r = rule_of(rule);
	unsigned n = 0;
	if (!r)
		return 0;
	for (size_t i = 0; i < r->n_sels && n < max; i++)
		if (r->sels[i].positive && selection_eval(&r->sels[i], src))
			names[n++] = r->sels[i].name;
	return n;
}

static bool named(const struct sl_field *f, const char *prefix, size_t len)
{
	return f && strncmp(f->name, prefix, len) == 0;
}

/* Does r name a field starting with prefix[0..len)? One pass over its matchers. */
static bool walk_reads(const struct rule *r, const char *prefix, size_t len)
{
	for (size_t s = 0; s < r->n_sels; s++)
		for (size_t a = 0; a < r->sels[s].n_alts; a++)
			for (size_t m = 0; m < r->sels[s].alts[a].n; m++) {
				const struct matcher *mt = &r->sels[s].alts[a].m[m];
				if (named(mt->f, prefix, len))
					return true;
				for (size_t v = 0; v < mt->n_vals; v++)
					if (mt->vals[v].kind == MV_FIELD && named(mt->vals[v].ref, prefix, len))
						return true;
			}
	return false;
}

/* The prefixes asked about for every hit (subject facts, forwarding):
 * their answers are worked out once at load instead of a walk a call. */
static const char *const known_prefixes[] = {
	"subject.", "subject.activity.", "physics.", "travel.",
};

void rule_reads_compute(struct rule *r)
{
	uint8_t bits = RULE_READS_KNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(known_prefixes); i++)
		if (walk_reads(r, known_prefixes[i], strlen(known_prefixes[i])))
			bits |= (uint8_t)(1u << i);
	r->reads = bits;
}

bool sl_rule_reads(const struct sl_rule_info *rule, const char *prefix)
{
	const struct rule *r = rule_of(rule);
	if (!r)
		return false;
	if (r->reads & RULE_READS_KNOWN)
		for (size_t i = 0; i < ARRAY_SIZE(known_prefixes); i++)
			if (strcmp(prefix, known_prefixes[i]) == 0)
				return r->reads >> i & 1u;
	return walk_reads(r, prefix, strlen(prefix));
}

bool sl_rule_reads_subject(const struct sl_rule_info *rule)
{
	return rule && !rule->correlation &&
	       (sl_rule_reads(rule, "subject.") || sl_rule_reads(rule, "physics.") ||
		sl_rule_reads(rule, "travel."));
}
