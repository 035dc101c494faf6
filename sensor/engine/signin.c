/* The engine's identity stage: sign-ins read in packet-time order bind
 * accounts to addresses (so ended flows are charged to people), and each
 * sign-in becomes a `signin` event with its enrichment, its subject, the
 * rules that apply to sign-ins, their alerts and the subject's score. */
#include <string.h>

#include "engine_priv.h"
#include "sightline/schema.h"

int sl_engine_identity_open(struct sl_engine *e, bool live,
			    void (*message)(void *ctx, const char *line), void *ctx, char *err,
			    size_t errlen)
{
	const struct sl_identity_config *ic = &e->cfg->identity;
	if (!ic->n_sources)
		return 0;
	/* Replay: every worker reads its own copy of the logs, so its bindings
	 * follow its own packets' clock exactly and the run stays the same
	 * run after run; only the lead speaks and writes sign-in events.
	 * Live: the lead alone reads (a socket has one reader) and the
	 * workers look its bindings up under its lock. */
	size_t n = live || e->n_workers < 2 ? 1 : e->n_workers;
	for (size_t i = 0; i < n; i++) {
		struct sl_engine *w = i ? e->workers[i] : e;
		int rc = sl_identity_create(ic, live, i ? NULL : message, i ? NULL : ctx,
					    &w->identity, err, errlen);
		if (rc == 0 && (rc = sl_bindings_create((sl_time_us)ic->binding_ttl * SL_US_PER_SEC,
							ic->max_bindings, &w->bindings)) < 0)
			snprintf(err, errlen, "identity: out of memory for %u bindings",
				 ic->max_bindings);
		if (rc < 0)
			return rc; /* what opened is freed with the engine */
	}
	return 0;
}

/* Fields a sign-in event carries: the header, the sign-in, its address's
 * intelligence and the subject; the flow-only fields are stand-ins here.
 * The schema of signin events is built from it too. */
bool sl_signin_event_field(const struct sl_field *f)
{
	static const char *const exact[] = { "timestamp", "event_type", "src_ip" };
	static const char *const prefix[] = { "signin.", "src.geo.", "subject.", "travel." };
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcmp(f->name, exact[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefix); i++)
		if (!strncmp(f->name, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}


/* The alert of a rule that matched a sign-in: the sign-in event's line with
 * its type changed, plus the rule, as a flow's alert repeats its flow. */
static void signin_alert(struct sl_engine *e, const struct sl_record *r,
			 const struct sl_rule_info *rule)
{
	struct sl_json *j = &e->signin.alert;
	if (!sl_json_begin_edit(j, &e->json, "\"event_type\":\"signin\"",
				"\"event_type\":\"alert\"")) {
		e->events_lost++;
		return;
	}
	struct sl_field_source src = sl_rules_record_source(r);
	sl_engine_alert_block(j, "signin", rule, &src);
	sl_json_end(j);
	struct sl_event_meta m;
	char key[SL_ROSTER_NAME_MAX];
	sl_engine_meta(r, "alert", r->flow->last, &m, key, sizeof(key));
	m.sid = rule->signature_id;
	sl_engine_write_meta(e, j, &m);
	e->signin.alerts++;
}

#define SIGNIN_HITS 32 /* rules one sign-in can match and be scored for */

struct signin_hits {
	struct sl_engine *e;
	const struct sl_record *r;
	const struct sl_rule_info *hit[SIGNIN_HITS];
	unsigned n;
};

static void on_hit(void *ctx, const struct sl_rule_info *rule)
{
	struct signin_hits *h = ctx;
	bool allowed = h->r->subject && h->r->subject->allowed;
	if (sl_engine_forwarding(h->e) && sl_rule_reads_subject(rule))
		return; /* the fleet scorer judges it on the whole subject */
	h->e->rule_hits++;
	if (rule->scope == SL_RULE_SCOPE_FLOW && !allowed)
		signin_alert(h->e, h->r, rule);
	if (h->n < SIGNIN_HITS)
		h->hit[h->n++] = rule;
}

static void on_correlation(void *ctx, const struct sl_rule_info *rule)
{
	struct signin_hits *h = ctx;
	h->e->rule_hits++;
	sl_subjects_hit(h->e->subjects, h->r, rule);
}

/*
 * Rules for sign-ins, then the score: hits count for the subject as a
 * flow's do (a failed sign-in is charged to nobody, so its alerts stand
 * alone), feed the correlations, and may raise the subject's alert.
 */
static void signin_rules(struct sl_engine *e, struct sl_record *r)
{
	struct signin_hits h = { .e = e, .r = r };
	struct sl_field_source src = sl_rules_record_source(r);
	if (e->rules)
		sl_rules_match_event(e->rules, SL_RULE_EVENT_SIGNIN, &src, on_hit, &h);
	if (!r->subject || sl_engine_forwarding(e)) /* the fleet scorer scores */
		return;
	for (unsigned i = 0; i < h.n; i++) {
		sl_subjects_hit(e->subjects, r, h.hit[i]);
		if (!r->subject->allowed && e->corr)
			sl_correlator_feed(e->corr, h.hit[i], &src, r->flow->last, on_correlation, &h);
	}
	if (sl_subjects_alert(e->subjects, r, &e->json)) {
		sl_engine_write(e, &e->json);
		e->subject_events++;
	}
	while (sl_subjects_summary(e->subjects, r->flow->last, false, &e->json)) {
		sl_engine_write(e, &e->json);
		e->subject_events++;
	}
}

/*
 * One sign-in as an event.  It stands in a flow's place for the catalogue
 * and the subject table: a flow from its address, at its time, with
 * nothing else known, so geo, travel, hours and the rules read it as they
 * read a flow's outside side.  Only a successful sign-in is charged to a
 * subject: a failed one proves nobody was there.  Under the lead's lock.
 */
static void signin_event(struct sl_engine *e, const struct sl_signin *si, unsigned bound)
{
	struct sl_flow f = { .cli = si->addr, .srv = { .family = si->addr.family },
			     .first = si->time, .last = si->time, .seen = si->time };
	struct sl_record r = { .flow = &f, .event_type = "signin",
			       .community_seed = e->cfg->community_id_seed, .signin = si };
	struct sl_binding *b = &e->signin.binding;
	sl_bindings_signin_view(e->bindings, si, bound, b);
	r.binding = b;
	r.geo[0] = sl_geo_cache_lookup(e->geo_cache, &si->addr);
	r.remote = 0;
	if (si->outcome == SL_SIGNIN_SUCCESS && sl_subjects_charge(e->subjects, e->hosts, &r) &&
	    strcmp(r.subject->kind, "roster") != 0)
		e->signin.unrostered++;
	e->signin.events++;
	e->signin.last = si->time > e->signin.last ? si->time : e->signin.last;
	sl_json_begin(&e->json);
	sl_catalogue_emit_if(&r, &e->json, sl_signin_event_field);
	sl_json_end(&e->json);
	struct sl_event_meta m;
	char key[SL_ROSTER_NAME_MAX];
	sl_engine_meta(&r, "signin", si->time, &m, key, sizeof(key));
	sl_engine_write_meta(e, &e->json, &m);
	signin_rules(e, &r);
}

/* The sign-ins due by until, out of line: its locals made every frame pay a
 * stack-protected frame for the test in sl_engine_signins(). */
static __attribute__((noinline)) void signins_due(struct sl_engine *w, sl_time_us until)
{
	struct sl_engine *e = sl_engine_lead(w);
	struct sl_signin si;
	while (sl_identity_next(w->identity, until, &si) == 1) {
		if (w != e) { /* a replay worker's own copy: bindings only */
			sl_bindings_signin(w->bindings, &si);
			continue;
		}
		sl_engine_await_turn(e); /* scored among the flows in capture order */
		sl_engine_lock(e);
		unsigned bound = sl_bindings_signin(e->bindings, &si);
		signin_event(e, &si, bound);
		sl_engine_unlock(e);
	}
	sl_time_us t;
	w->signin.next = sl_identity_next_time(w->identity, &t) == 1 ? t
			 : sl_identity_finished(w->identity) ? SL_IDENTITY_ANY_TIME : 0;
}

/*
 * Called before every replayed frame: the time of the next sign-in is kept,
 * so frames before it cost one comparison (0: not known, look again).
 */
void sl_engine_signins(struct sl_engine *w, sl_time_us until)
{
	if (w->identity && !(w->signin.next && until < w->signin.next))
		signins_due(w, until);
}

size_t sl_engine_identity_pollfds(const struct sl_engine *e, struct pollfd *fds, size_t max)
{
	return e->identity ? sl_identity_pollfds(e->identity, fds, max) : 0;
}

bool sl_engine_has_identity(const struct sl_engine *e)
{
	return e->identity != NULL;
}

/*
 * An ended flow: the binding its outside address had at its last packet,
 * from the worker's own table in a replay, else the lead's (under its lock,
 * which the caller holds).  The copy lives in the worker until its next flow.
 */
void sl_engine_bind_flow(struct sl_engine *w, struct sl_record *r)
{
	struct sl_engine *e = sl_engine_lead(w);
	const struct sl_bindings *b = w->bindings ? w->bindings : e->bindings;
	if (!b || r->remote < 0)
		return;
	const struct sl_addr *a = r->remote == 0 ? &r->flow->cli : &r->flow->srv;
	if (sl_bindings_lookup(b, a, r->flow->last, &w->signin.flow_binding))
		r->binding = &w->signin.flow_binding;
}

void sl_engine_identity_finish(struct sl_engine *e)
{
	sl_identity_destroy(e->identity);
	sl_bindings_destroy(e->bindings);
	sl_json_finish(&e->signin.alert);
	e->identity = NULL;
	e->bindings = NULL;
}

/* Per source what was read and skipped, then what the bindings made of it:
 * a user whose flows stay charged to addresses learns why here. */
void sl_engine_summary_signins(struct sl_engine *e, FILE *out)
{
	if (!e->identity)
		return;
	for (size_t i = 0; i < sl_identity_count(e->identity); i++) {
		const struct sl_identity_source *src = sl_identity_source_at(e->identity, i);
		const struct sl_identity_stats *st = sl_identity_source_stats(src);
		uint64_t bad = 0;
		for (int k = 0; k < SL_IDENTITY__NBAD; k++)
			bad += st->bad[k];
		fprintf(out, "  sign-ins:  %s: %llu (success %llu, failure %llu), %llu bad records "
			"skipped\n", sl_identity_source_name(src), (unsigned long long)st->signins,
			(unsigned long long)st->outcome[SL_SIGNIN_SUCCESS],
			(unsigned long long)st->outcome[SL_SIGNIN_FAILURE], (unsigned long long)bad);
	}
	const struct sl_bindings_stats *b = sl_bindings_stats(e->bindings);
	fprintf(out, "  bindings:  %llu made, %llu moved, %llu on a shared address, %llu evicted; "
		"%llu sign-ins of accounts the roster does not list\n",
		(unsigned long long)b->signins, (unsigned long long)b->moved,
		(unsigned long long)b->shared, (unsigned long long)b->evicted,
		(unsigned long long)e->signin.unrostered);
}

void sl_engine_stats_signins(struct sl_engine *e, struct sl_stats_view *s)
{
	s->identity = e->identity != NULL;
	if (!e->identity)
		return;
	for (size_t i = 0; i < sl_identity_count(e->identity); i++) {
		const struct sl_identity_stats *st =
			sl_identity_source_stats(sl_identity_source_at(e->identity, i));
		s->signins += st->signins;
		for (int k = 0; k < SL_IDENTITY__NBAD; k++)
			s->bad_records += st->bad[k];
	}
	s->signin_events = e->signin.events;
	s->unrostered = e->signin.unrostered;
	s->bind = *sl_bindings_stats(e->bindings);
}
