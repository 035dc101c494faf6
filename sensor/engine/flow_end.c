/* An ended flow's way out: enrichment, the subject it is charged to, its
 * flow event, the rules and their alerts, the subject's score.  With
 * workers, the parts that touch shared state run under the lead's lock and
 * the costly JSON and rule matching run outside it, in the worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/schema.h"
#include "engine_priv.h"

/* Multicast, broadcast and unspecified addresses are nobody's location, and
 * a link-local one (169.254/16, fe80::/10) is on the sensor's own link. */
static bool is_group(const struct sl_addr *a)
{
	if (a->family == 4 && a->b[0] == 169 && a->b[1] == 254)
		return true;
	if (a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
		return true;
	return !sl_subject_is_endpoint(NULL, a);
}

/* An address that is never the remote side: inside home_networks, or a
 * group or link-local one. */
static bool home_side(const struct sl_engine *e, const struct sl_addr *a)
{
	return sl_config_is_home(e->cfg, a) || is_group(a);
}

/*
 * IP intelligence for both sides, looked up through the cache (which keeps
 * both results alive until the next lookups), and which side is remote: the
 * one outside home_networks, the server when both are; a multicast or
 * broadcast server never is.  The client is looked at only when the server
 * is home (each look walks home_networks).
 */
void sl_engine_enrich(struct sl_engine *e, const struct sl_flow *f, struct sl_record *r)
{
	r->geo[0] = sl_geo_cache_lookup(e->geo_cache, &f->cli);
	r->geo[1] = sl_geo_cache_lookup(e->geo_cache, &f->srv);
	r->remote = !home_side(e, &f->srv) ? 1 : !home_side(e, &f->cli) ? 0 : -1;
}

/* Every event names its sensor, whichever stage wrote it: the writers
 * build the rest, this puts host first, where one grep finds it, then
 * extra (extra_len bytes of keys ending in a comma; a forwarding sensor's
 * event_id and subject key).  A line begun with host already
 * (sl_engine_begin_event(): flow events and their alerts, most of the
 * output) and no extra goes out as it is, uncopied. */
void sl_engine_write_with(struct sl_engine *e, const struct sl_json *j, const char *extra,
			  size_t extra_len)
{
	if (j->failed) {
		e->events_lost++;
		return;
	}
	bool has_host = e->host_len && j->len > e->host_len + 1 &&
			memcmp(j->buf + 1, e->host_hdr, e->host_len) == 0;
	if (j->len < 3 || j->buf[0] != '{' || j->buf[1] == '}' ||
	    ((!e->host_len || has_host) && !extra_len)) {
		sl_eve_write(e->eve, j->buf, j->len);
		return;
	}
	size_t kept = has_host ? 1 + e->host_len : 1; /* of j: '{' and the host it begins with */
	size_t need = 1 + e->host_len + extra_len + (j->len - kept);
	if (need > e->line_cap) {
		char *n = realloc(e->line, need * 2);
		if (!n) {
			e->events_lost++;
			return;
		}
		e->line = n;
		e->line_cap = need * 2;
	}
	e->line[0] = '{';
	memcpy(e->line + 1, e->host_hdr, e->host_len);
	if (extra_len)
		memcpy(e->line + 1 + e->host_len, extra, extra_len);
	memcpy(e->line + 1 + e->host_len + extra_len, j->buf + kept, j->len - kept);
	sl_eve_write(e->eve, e->line, need);
}

void sl_engine_write(struct sl_engine *e, const struct sl_json *j)
{
	sl_engine_write_with(e, j, NULL, 0);
}

void sl_engine_begin_event(struct sl_flow_out *o)
{
	const struct sl_header_view v = { .host = o->host };
	sl_json_begin(&o->flow);
	sl_fields_write_under(&sl_header_fields, "host", &v, &o->flow);
}

/* Suricata's severity scale (1 most severe) for a Sigma level. */
static unsigned severity_of(enum sl_rule_level l)
{
	return l >= SL_RULE_LEVEL_HIGH ? 1 : l == SL_RULE_LEVEL_MEDIUM ? 2 :
	       l == SL_RULE_LEVEL_LOW ? 3 : 4;
}

/* The "alert" object of an alert event of a rule's match (flow or sign-in):
 * one writer, so both kinds of alert carry the same fields.  EVE's fields
 * first (a passive sensor only ever "allowed" the traffic; gid is always
 * SL_ALERT_GID), then sightline's own: the metadata (EVE's lists of text:
 * tags, references, level, score, family), the rule's id, scope, level,
 * score, and "matched": the selections of the rule that held, so an analyst
 * tells a VPN by product from one by database flag or address list without
 * reading the flow's fields against the rule (worked out here, for the
 * rules that fired only).  Declared in alert_fields.c. */
void sl_engine_alert_block(struct sl_json *j, const char *scope, const struct sl_rule_info *rule,
			   const struct sl_field_source *src)
{
	struct sl_alert_view v = {
		.scope = scope, .action = "allowed", .gid = SL_ALERT_GID,
		.signature_id = rule->signature_id, .rev = rule->rev,
		.signature = rule->title ? rule->title : rule->id, .category = rule->family,
		.level = sl_rule_level_name(rule->level), .severity = severity_of(rule->level),
		.score = rule->score, .rule_id = rule->id, .tags = rule->tags,
		.n_tags = rule->n_tags, .references = rule->references,
		.n_references = rule->n_references, .n_meta = 1, .has_matched = true,
	};
	const char *names[SL_RULE_MATCHED_MAX];
	_Static_assert(SL_RULE_MATCHED_MAX <= ARRAY_SIZE(v.matched), "alert.matched's room");
	snprintf(v.score_text, sizeof(v.score_text), "%u", (unsigned)rule->score);
	v.meta_level[0] = v.level;
	v.meta_score[0] = v.score_text;
	v.meta_family[0] = rule->family;
	v.n_matched = (uint8_t)sl_rule_matched(rule, src, names, SL_RULE_MATCHED_MAX);
	memcpy(v.matched, names, v.n_matched * sizeof(names[0]));
	/* all but alert.matched follows from the rule and the scope: kept
	 * under the rule's serial and the scope's number (0: not kept) */
	uint64_t stamp = 0;
	static const char *const scopes[] = { "flow", "subject-hit", "signin" };
	if (rule->serial && rule->serial < (UINT64_MAX >> 2))
		for (unsigned k = 0; k < ARRAY_SIZE(scopes); k++)
			if (!strcmp(scope, scopes[k]))
				stamp = rule->serial << 2 | (k + 1);
	sl_alert_write_rule(&v, stamp, j);
	sl_json_path_reset(j);
}

/*
 * An alert for a flow-scoped rule: the flow's own fields, so the analyst has
 * the five-tuple, the products and the places in one line, plus the rule.
 * The fields are the flow event's, so its line is copied with the event
 * type changed rather than every field read again.
 */
static void flow_alert(struct sl_flow_out *o, struct sl_record *r, const struct sl_rule_info *rule)
{
	struct sl_json *a = sl_grow(o->alerts, &o->cap_alerts, o->n_alerts, sizeof(*a), 4);
	const struct sl_rule_info **ar = a ? sl_grow(o->alert_rule, &o->cap_alert_rule, o->n_alerts,
						     sizeof(*ar), 4) : NULL;
	if (a)
		o->alerts = a;
	if (!a || !ar) {
		o->lost++;
		return;
	}
	o->alert_rule = ar;
	ar[o->n_alerts] = rule;
	struct sl_json *j = &o->alerts[o->n_alerts++];
	if (!sl_json_begin_edit(j, &o->flow, "\"event_type\":\"flow\"", "\"event_type\":\"alert\"")) {
		r->event_type = "alert";
		sl_json_begin(j);
		sl_catalogue_emit(r, j);
		r->event_type = "flow";
	}
	struct sl_field_source src = sl_rules_record_source(r);
	sl_engine_alert_block(j, rule->scope == SL_RULE_SCOPE_FLOW ? "flow" : "subject-hit", rule,
			      &src);
	sl_json_end(j);
}

/* A rule matched: keep it for the alerts and the score. */
static void on_match(void *ctx, const struct sl_rule_info *rule)
{
	struct sl_flow_out *o = ctx;
	const struct sl_rule_info **h = sl_grow(o->hits, &o->cap_hits, o->n_hits, sizeof(*h), 4);
	if (!h) {
		o->lost++;
		return;
	}
	o->hits = h;
	o->hits[o->n_hits++] = rule;
}

void sl_engine_match(struct sl_flow_out *o, const struct sl_record *r,
		     const struct sl_rules *rules, unsigned from, unsigned to)
{
	o->n_hits = 0;
	if (!rules)
		return;
	for (unsigned s = from + 1; s <= to; s++)
		sl_rules_match_stage_flow(rules, (enum sl_settle)s, r, on_match, o);
	if (o->forward)
		sl_engine_forward_hits(o);
}

/* A subject-scoped rule only scores; an allow-listed flow raises no alert
 * (its hits are still charged, zeroed and counted by the subject module).
 * A forwarding sensor scores nothing: its subject-scope hits travel to the
 * fleet scorer as alerts of scope subject. */
void sl_engine_alerts(struct sl_flow_out *o, struct sl_record *r)
{
	o->n_alerts = 0;
	if (r->subject && r->subject->allowed)
		return;
	for (size_t i = 0; i < o->n_hits; i++)
		if (o->hits[i]->scope == SL_RULE_SCOPE_FLOW || o->forward)
			flow_alert(o, r, o->hits[i]);
}

/*
 * The stage after which the end's rules start: those of the stages the
 * flow had not reached, and again those that ran without firing on facts
 * that were not all settled then: when identification named another
 * product at the end (from names or an association known only then), or
 * when a parser could still complete its facts at the end (inspection
 * ended at its packet limit in the middle of an HTTP head) -- the fields
 * of handshake-stage rules are settled from the first packets.
 */
static unsigned end_from(const struct sl_flow *f)
{
	if (f->stage && f->product != f->staged_product)
		return 0;
	if (f->stage_unsettled && f->stage > SL_SETTLE_HANDSHAKE)
		return SL_SETTLE_HANDSHAKE;
	return f->stage;
}

/*
 * The worker's part, outside the lock: the flow event, then the rules of
 * end_from(); none that fired before fires twice.
 */
static void build(struct sl_flow_out *o, struct sl_record *r, const struct sl_rules *rules)
{
	const struct sl_flow *f = r->flow;
	sl_engine_begin_event(o);
	sl_catalogue_emit(r, &o->flow);
	sl_json_end(&o->flow);
	sl_engine_match(o, r, rules, end_from(f), SL_SETTLE_END);
	sl_engine_drop_fired(f, o);
	sl_engine_alerts(o, r);
}

struct hit_ctx {
	struct sl_engine *e;
	struct sl_record *r;
};

/* A correlation rule fired: it counts for the subject like any hit. */
static void on_correlation_hit(void *ctx, const struct sl_rule_info *rule)
{
	struct hit_ctx *h = ctx;
	h->e->rule_hits++;
	sl_subjects_hit(h->e->subjects, h->r, rule);
}

void sl_engine_write_alerts(struct sl_engine *e, struct sl_flow_out *o, const struct sl_record *r,
			    sl_time_us clock)
{
	struct sl_event_meta m;
	char key[SL_ROSTER_NAME_MAX];
	sl_engine_meta(r, "alert", clock, &m, key, sizeof(key));
	for (size_t i = 0; i < o->n_alerts; i++) {
		m.sid = o->alert_rule[i]->signature_id;
		sl_engine_write_meta(e, &o->alerts[i], &m);
	}
	e->flow_alerts += o->n_alerts;
	e->events_lost += o->lost;
	o->lost = 0;
}

/*
 * Under the lock: charge each hit to the subject (an allow-listed hit is
 * still charged, and zeroed and counted by the subject module) and feed the
 * correlation rules with the hits that are not allowed, then the subject's
 * alert if its score rose a level and the periodic summaries that fell due
 * by now (the worker's clock; 0: none now).
 */
void sl_engine_score(struct sl_engine *e, struct sl_flow_out *o, struct sl_record *r,
		     sl_time_us now)
{
	if (sl_engine_forwarding(e))
		return; /* the fleet scorer scores */
	bool allowed = r->subject && r->subject->allowed;
	struct sl_field_source src = sl_rules_record_source(r);
	struct hit_ctx h = { e, r };
	for (size_t i = 0; i < o->n_hits; i++) {
		e->rule_hits++;
		sl_subjects_hit(e->subjects, r, o->hits[i]);
		if (!allowed && e->corr) /* a sanctioned session is no step of a pattern either */
			sl_correlator_feed(e->corr, o->hits[i], &src, r->flow->last, on_correlation_hit, &h);
	}
	if (sl_subjects_alert(e->subjects, r, &e->json)) {
		sl_engine_write(e, &e->json);
		e->subject_events++;
	}
	while (now && sl_subjects_summary(e->subjects, now, false, &e->json)) {
		sl_engine_write(e, &e->json);
		e->subject_events++;
	}
}

/* Under the lock: the flow's subject, charged now unless a rule hit at an
 * earlier stage charged it then (a flow counts once), its view in o.  A
 * flow charged early is viewed again: the rules of the end stage and its
 * event read its subject as it stands at the flow's end (other flows
 * charged meanwhile, this flow's last packet), as if charged now. */
static void charge(struct sl_engine *e, struct sl_flow *f, struct sl_flow_out *o,
		   struct sl_record *r)
{
	if (sl_engine_charged_view(e, f, r, &o->view)) {
		sl_subjects_flow_ended(e->subjects, r);
		if (r->subject && sl_subjects_view(e->subjects, r)) {
			o->view = *r->subject;
			r->subject = &o->view;
		}
		return;
	}
	if (sl_subjects_charge(e->subjects, e->hosts, r)) {
		o->view = *r->subject;
		r->subject = &o->view;
	}
}

/*
 * Ended flow.  The worker w enriches it on its own; under the lead's lock
 * its parsers end, it is identified (its names and hosts' history), charged
 * to its subject, and what the event needs of shared state is copied (the
 * subject's view, the DNS names, the rule pack); the lock is released while
 * the worker builds the event and matches the rules of the stages the flow
 * had not reached, and taken again to write its alerts, then the flow
 * event, and score.  Without workers the lock is never taken and the order
 * of events is the same.
 */
void sl_engine_flow_end(void *ctx, struct sl_flow *f)
{
	struct sl_engine *w = ctx;
	struct sl_engine *e = sl_engine_lead(w);
	struct sl_flow_out *o = &w->out;
	struct sl_record r = {
		.flow = f, .event_type = "flow", .community_seed = w->cfg->community_id_seed,
	};
	o->forward = sl_engine_forwarding(w);
	sl_engine_enrich(w, f, &r);
	sl_engine_await_turn(w); /* replay workers: flows reach subjects in capture order */
	sl_engine_lock(e);
	sl_dispatch_flow_end(w->dispatch, f);
	sl_identify_flow_end(e->identify, e->hosts, f, &r);
	sl_engine_bind_flow(w, &r);
	charge(e, f, o, &r);
	sl_hosts_name_record(e->hosts, &r);
	const struct sl_rules *rules = e->rules; /* a reload retires, never frees, a pack */
	sl_engine_unlock(e);
	build(o, &r, rules);
	f->stage = SL_SETTLE_END;
	sl_engine_lock(e);
	sl_engine_write_alerts(e, o, &r, w->clock); /* before the flow event, as alerts of earlier stages are */
	struct sl_event_meta m;
	char key[SL_ROSTER_NAME_MAX];
	sl_engine_meta(&r, "flow", w->clock, &m, key, sizeof(key));
	sl_engine_write_meta(e, &o->flow, &m);
	e->flow_events++;
	sl_engine_score(e, o, &r, w->clock);
	sl_talkers_add(&e->talkers, &f->cli, f->bytes[0] + f->bytes[1]);
	sl_talkers_add(&e->talkers, &f->srv, f->bytes[0] + f->bytes[1]);
	sl_engine_unlock(e);
	sl_engine_forget(f);
	sl_dispatch_flow_free(w->dispatch, f);
}

void sl_flow_out_free(struct sl_flow_out *o)
{
	sl_json_finish(&o->flow);
	for (size_t i = 0; i < o->cap_alerts; i++)
		sl_json_finish(&o->alerts[i]);
	free(o->alerts);
	free(o->alert_rule);
	free(o->hits);
	memset(o, 0, sizeof(*o));
}
