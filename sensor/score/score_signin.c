/* The scorer's own sign-in logs (identity.sources of the scorer's
 * configuration): read in event time among the fleet's events, they bind
 * accounts to addresses (so forwarded flows from there are charged to the
 * person) and each becomes a signin event, judged by every sign-in rule
 * and scored, as a sensor's identity stage does it (sensor/engine/signin.c). */
#include <errno.h>
#include <string.h>

#include "sightline/schema.h"
#include "score_priv.h"

int sl_score_identity_open(struct sl_scorer *s, char *err, size_t errlen)
{
	const struct sl_identity_config *ic = &s->cfg->identity;
	if (!ic->n_sources)
		return 0;
	int rc = sl_identity_create(ic, false, NULL, NULL, &s->identity, err, errlen);
	if (rc < 0)
		return rc;
	rc = sl_bindings_create((sl_time_us)ic->binding_ttl * SL_US_PER_SEC, ic->max_bindings,
				&s->bindings);
	if (rc == 0)
		rc = sl_geo_cache_create(s->geo, s->cfg->intel.cache_entries, &s->geo_cache);
	if (rc < 0)
		snprintf(err, errlen, "identity: out of memory for %u bindings", ic->max_bindings);
	return rc;
}

void sl_score_identity_close(struct sl_scorer *s)
{
	sl_identity_destroy(s->identity);
	sl_bindings_destroy(s->bindings);
	sl_geo_cache_destroy(s->geo_cache);
	s->identity = NULL;
	s->bindings = NULL;
	s->geo_cache = NULL;
}

void sl_score_bind(struct sl_scorer *s, struct score_rec *r)
{
	const struct sl_flow *f = &r->flow;
	if (!s->bindings || r->rec.remote < 0)
		return;
	const struct sl_addr *a = r->rec.remote == 0 ? &f->cli : &f->srv;
	if (sl_bindings_lookup(s->bindings, a, f->last, &r->binding))
		r->rec.binding = &r->binding;
}

static void on_signin_hit(void *ctx, const struct sl_rule_info *rule)
{
	struct sl_scorer *s = ctx;
	const struct sl_rule_info **n = sl_grow(s->hits, &s->cap_hits, s->n_hits, sizeof(*n), 8);
	if (!n)
		return;
	s->hits = n;
	s->hits[s->n_hits++] = rule;
}

/* One of the scorer's sign-ins: its binding, its event, its rules, its score. */
static void signin(struct sl_scorer *s, const struct sl_signin *si, unsigned bound)
{
	struct score_rec r;
	struct sl_subject_view view;
	memset(&r, 0, sizeof(r));
	r.flow = (struct sl_flow){ .cli = si->addr, .srv = { .family = si->addr.family },
				   .first = si->time, .last = si->time, .seen = si->time };
	r.signin = *si;
	struct sl_binding *b = &r.binding;
	sl_bindings_signin_view(s->bindings, si, bound, b);
	r.rec = (struct sl_record){ .flow = &r.flow, .event_type = "signin", .remote = 0,
				    .community_seed = s->cfg->community_id_seed, .signin = &r.signin,
				    .binding = b };
	r.rec.geo[0] = sl_geo_cache_lookup(s->geo_cache, &si->addr);
	if (si->outcome == SL_SIGNIN_SUCCESS &&
	    sl_subjects_charge(s->subjects, NULL, &r.rec)) {
		view = *r.rec.subject;
		r.rec.subject = &view;
		s->unrostered += strcmp(view.kind, "roster") != 0;
	}
	s->clock = si->time > s->clock ? si->time : s->clock;
	sl_json_begin(&s->json);
	sl_catalogue_emit_if(&r.rec, &s->json, sl_signin_event_field);
	sl_json_end(&s->json);
	sl_score_write(s, &s->json);
	s->n_hits = 0;
	struct sl_field_source src = sl_rules_record_source(&r.rec);
	if (s->rules)
		sl_rules_match_event(s->rules, SL_RULE_EVENT_SIGNIN, &src, on_signin_hit, s);
	sl_score_alerts(s, &r, true);
	if (r.rec.subject)
		sl_score_hits(s, &r, si->time);
	s->n_hits = 0;
}

void sl_score_identity_until(struct sl_scorer *s, sl_time_us until)
{
	struct sl_signin si;
	if (!s->identity)
		return;
	while (sl_identity_next(s->identity, until, &si) == 1)
		signin(s, &si, sl_bindings_signin(s->bindings, &si));
}
