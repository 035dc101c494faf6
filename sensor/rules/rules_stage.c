/* Each rule's stage, computed once at load: the latest settle stage of the
 * fields it names (sightline/field.h), and matching one stage's rules. */
#include "rules_priv.h"

static enum sl_settle later(enum sl_settle a, const struct sl_field *f)
{
	enum sl_settle b = f ? sl_field_settle(f) : SL_SETTLE_HANDSHAKE;
	return b > a ? b : a;
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

/* Correlation rules are fed hits, never matched: they keep stage END. */
void rules_stages_compute(struct sl_rules *p)
{
	p->stages = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct rule *r = p->rules[i];
		r->info.stage = r->corr ? SL_SETTLE_END : rule_stage(r);
		if (!r->corr && (r->info.events & SL_RULE_EVENT_FLOW))
			p->stages |= (uint8_t)(1u << r->info.stage);
	}
}

bool sl_rules_has_stage(const struct sl_rules *rules, enum sl_settle stage)
{
	return rules && (rules->stages >> stage & 1u);
}

void sl_rules_match_stage(const struct sl_rules *rules, enum sl_settle stage,
			  const struct sl_field_source *src, sl_rule_hit_fn hit, void *ctx)
{
	if (!sl_rules_has_stage(rules, stage))
		return;
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = rules->rules[i];
		if (r->info.stage == stage && !r->corr && (r->info.events & SL_RULE_EVENT_FLOW) &&
		    rule_eval(r, src))
			hit(ctx, &r->info);
	}
}
