/* The facts behind a rule's hits on a subject (the selections that held,
 * remote addresses with their country and AS, products, observed countries, the reference zone that
 * fit, the light-speed finding, the travel), kept bounded with each hit and
 * written into the subject alert, so it reads without a join on flows. */
#include <math.h>
#include <string.h>

#include "sightline/enrich.h"
#include "sightline/identify.h"
#include "sightline/rules.h"
#include "subject_priv.h"

static bool country_of(const struct sl_geo_result *g, char out[2])
{
	if (!sl_geo_has(g, SL_GEO_COUNTRY) || strlen(g->country) != 2)
		return false;
	memcpy(out, g->country, 2);
	return true;
}

/* The rule's selections that held on this hit, added to those of earlier
 * hits (first seen first): "by product" and "by address list" told apart. */
static void note_matched(struct hit_facts *h, const struct sl_rule_info *rule,
			 const struct sl_record *r)
{
	const char *names[SL_RULE_MATCHED_MAX];
	struct sl_field_source src = sl_rules_record_source(r);
	unsigned n = sl_rule_matched(rule, &src, names, SL_RULE_MATCHED_MAX);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = 0;
		while (k < h->n_matched && strcmp(h->matched[k], names[i]) != 0)
			k++;
		if (k == h->n_matched && k < HIT_MATCHED)
			h->matched[h->n_matched++] = names[i];
	}
}

/* The flow's remote address, listed once among the first HIT_REMOTES. */
static void note_remote(struct hit_facts *h, const struct sl_record *r)
{
	if (r->remote < 0)
		return;
	const struct sl_addr *a = r->remote == 0 ? &r->flow->cli : &r->flow->srv;
	for (unsigned i = 0; i < h->n_remote; i++)
		if (sl_addr_cmp(&h->remote[i].addr, a) == 0)
			return;
	if (h->n_remote == HIT_REMOTES) {
		h->remote_unlisted++;
		return;
	}
	const struct sl_geo_result *g = r->geo[r->remote];
	struct hit_remote *e = &h->remote[h->n_remote++];
	*e = (struct hit_remote){ .addr = *a };
	country_of(g, e->country);
	e->asn = sl_geo_has(g, SL_GEO_ASN) ? g->asn : 0;
}

static void note_app(struct hit_facts *h, const struct sl_record *r)
{
	const char *app = NULL, *cat = NULL;
	enum sl_app_source src;
	if (r->signin || !sl_app_product(r->flow, &app, &cat, &src) || !app)
		return;
	for (unsigned i = 0; i < h->n_app; i++)
		if (strcmp(h->app[i], app) == 0)
			return;
	if (h->n_app == HIT_APPS)
		h->app_unlisted++;
	else
		h->app[h->n_app++] = app;
}

/* Where the subject's own address was located for this hit. */
static void note_place(const struct sl_subjects *s, struct hit_facts *h,
		       const struct sl_record *r)
{
	char c[2];
	if (!country_of(r->geo[sl_subj_side(s, r->flow)], c))
		return;
	for (unsigned i = 0; i < h->n_observed; i++)
		if (memcmp(h->observed[i], c, 2) == 0)
			return;
	if (h->n_observed == HIT_PLACES)
		h->observed_unlisted++;
	else
		memcpy(h->observed[h->n_observed++], c, 2);
}

/* The verdict a time-of-activity rule fired on: the latest. */
static void note_zone(struct hit_facts *h, const struct sl_subject_view *v)
{
	if (!v->have_activity || !v->best_zone)
		return;
	h->has_zone = true;
	h->zone = v->best_zone;
	h->share = v->best_fit;
	h->has_claimed_share = v->have_claimed_fit;
	h->claimed_share = v->claimed_fit;
	h->hours = v->activity_hours;
}

/* The slowest handshake against its bound: the largest excess. */
static void note_light(struct hit_facts *h, const struct sl_record *r)
{
	const struct sl_subject_view *v = r->subject;
	if (!v->have_rtt || r->remote < 0 || (h->has_light && v->excess_ms <= h->excess_ms))
		return;
	h->has_light = true;
	h->light_addr = r->remote == 0 ? r->flow->cli : r->flow->srv;
	h->rtt_ms = v->rtt_ms;
	h->expected_rtt_ms = v->expected_rtt_ms;
	h->excess_ms = v->excess_ms;
	h->distance_km = v->distance_km;
}

/* The fastest move between two sightings. */
static void note_travel(const struct sl_subjects *s, struct hit_facts *h,
			const struct sl_record *r)
{
	const struct sl_subject_view *v = r->subject;
	if (!v->have_travel || (h->has_travel && v->travel_speed_kmh <= h->travel_kmh))
		return;
	h->has_travel = true;
	memcpy(h->travel_from, v->travel_from_country, 2);
	memset(h->travel_to, 0, 2);
	country_of(r->geo[sl_subj_side(s, r->flow)], h->travel_to);
	h->travel_km = v->travel_distance_km;
	h->travel_hours = v->travel_hours;
	h->travel_kmh = v->travel_speed_kmh;
	h->travel_impossible = v->travel_impossible;
}

/*
 * Selections, addresses, products and places for every rule (they are what
 * an analyst asks first); the verdicts of the subject's history only for a rule that
 * reads them, since for any other they were not why it fired.
 */
void sl_subj_facts_note(const struct sl_subjects *s, struct hit *h, const struct sl_record *r)
{
	struct hit_facts *f = &h->facts;
	note_matched(f, h->rule, r);
	note_remote(f, r);
	note_app(f, r);
	note_place(s, f, r);
	if (!r->subject)
		return;
	if (sl_rule_reads(h->rule, "subject.activity."))
		note_zone(f, r->subject);
	if (sl_rule_reads(h->rule, "physics."))
		note_light(f, r);
	if (sl_rule_reads(h->rule, "travel."))
		note_travel(s, f, r);
}

/* A country code of two letters (none: "") as a string. */
static void country_text(const char c[2], char out[3])
{
	memcpy(out, c, 2);
	out[c[0] ? 2 : 0] = '\0';
}

static void remotes_view(const struct hit_facts *h, struct subj_facts_view *v)
{
	v->n_remotes = h->n_remote;
	for (unsigned i = 0; i < h->n_remote; i++) {
		v->remotes[i].ip = h->remote[i].addr;
		country_text(h->remote[i].country, v->remotes[i].country);
		v->remotes[i].asn = h->remote[i].asn;
	}
	v->remotes_unlisted = h->n_remote ? h->remote_unlisted : 0;
	v->apps_unlisted = h->n_app ? h->app_unlisted : 0;
}

/* What the facts as kept do not say as they are written: the roster's
 * claims (as the roster stands), country codes as strings. */
void sl_subj_facts_view(const struct subject *x, const struct hit *h, struct subj_facts_view *v)
{
	const struct hit_facts *f = &h->facts;
	const struct sl_roster_entry *e = x->claimed;
	v->f = *f;
	remotes_view(f, v);
	v->claimed_country = e ? e->country : NULL;
	v->claimed_city = e ? e->city : NULL;
	v->claimed_zone = e && e->tz ? sl_tz_name(e->tz) : NULL;
	for (unsigned i = 0; i < f->n_observed; i++)
		country_text(f->observed[i], v->observed[i]);
	v->has_claimed_share = f->has_zone && f->has_claimed_share;
	country_text(f->travel_from, v->travel_from);
	country_text(f->travel_to, v->travel_to);
}
