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

/* Output precision, as the subject.* and physics.* fields round. */
static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

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

static void json_country(struct sl_json *j, const char *key, const char c[2])
{
	if (!c[0])
		return;
	sl_json_key(j, key);
	sl_json_strn(j, c, 2);
}

static void json_unlisted(struct sl_json *j, const char *key, uint32_t n)
{
	if (!n)
		return;
	sl_json_key(j, key);
	sl_json_u64(j, n);
}

static void json_matched(const struct hit_facts *h, struct sl_json *j)
{
	if (!h->n_matched)
		return;
	sl_json_key(j, "matched");
	sl_json_open_array(j);
	for (unsigned i = 0; i < h->n_matched; i++)
		sl_json_str(j, h->matched[i]);
	sl_json_close_array(j);
}

static void json_remotes(const struct hit_facts *h, struct sl_json *j)
{
	char ip[SL_ADDR_STRLEN];
	if (!h->n_remote)
		return;
	sl_json_key(j, "remotes");
	sl_json_open_array(j);
	for (unsigned i = 0; i < h->n_remote; i++) {
		sl_json_open_object(j);
		sl_json_key(j, "ip");
		sl_json_str(j, sl_addr_format(&h->remote[i].addr, ip, sizeof(ip)));
		json_country(j, "country", h->remote[i].country);
		if (h->remote[i].asn) {
			sl_json_key(j, "asn");
			sl_json_u64(j, h->remote[i].asn);
		}
		sl_json_close_object(j);
	}
	sl_json_close_array(j);
	json_unlisted(j, "remotes_unlisted", h->remote_unlisted);
}

static void json_apps(const struct hit_facts *h, struct sl_json *j)
{
	if (!h->n_app)
		return;
	sl_json_key(j, "apps");
	sl_json_open_array(j);
	for (unsigned i = 0; i < h->n_app; i++)
		sl_json_str(j, h->app[i]);
	sl_json_close_array(j);
	json_unlisted(j, "apps_unlisted", h->app_unlisted);
}

/* Claimed (the roster, as it stands) against observed (this rule's hits). */
static void json_place(const struct subject *x, const struct hit_facts *h, struct sl_json *j)
{
	const struct sl_roster_entry *e = x->claimed;
	if (!h->n_observed)
		return;
	sl_json_key(j, "place");
	sl_json_open_object(j);
	if (e && e->country[0]) {
		sl_json_key(j, "claimed_country");
		sl_json_str(j, e->country);
	}
	if (e && e->city) {
		sl_json_key(j, "claimed_city");
		sl_json_str(j, e->city);
	}
	sl_json_key(j, "observed_countries");
	sl_json_open_array(j);
	for (unsigned i = 0; i < h->n_observed; i++)
		sl_json_strn(j, h->observed[i], 2);
	sl_json_close_array(j);
	json_unlisted(j, "observed_unlisted", h->observed_unlisted);
	sl_json_close_object(j);
}

static void json_num(struct sl_json *j, const char *key, double v, double unit)
{
	sl_json_key(j, key);
	sl_json_double(j, round_to(v, unit));
}

static void json_zone(const struct subject *x, const struct hit_facts *h, struct sl_json *j)
{
	if (!h->has_zone)
		return;
	sl_json_key(j, "activity");
	sl_json_open_object(j);
	sl_json_key(j, "zone");
	sl_json_str(j, h->zone);
	json_num(j, "share", h->share, 0.001);
	if (x->claimed && x->claimed->tz) {
		sl_json_key(j, "claimed_zone");
		sl_json_str(j, sl_tz_name(x->claimed->tz));
	}
	if (h->has_claimed_share)
		json_num(j, "claimed_share", h->claimed_share, 0.001);
	sl_json_key(j, "hours");
	sl_json_u64(j, h->hours);
	sl_json_close_object(j);
}

static void json_light(const struct hit_facts *h, struct sl_json *j)
{
	char ip[SL_ADDR_STRLEN];
	if (!h->has_light)
		return;
	sl_json_key(j, "lightspeed");
	sl_json_open_object(j);
	sl_json_key(j, "ip");
	sl_json_str(j, sl_addr_format(&h->light_addr, ip, sizeof(ip)));
	json_num(j, "rtt_ms", h->rtt_ms, 0.001);
	json_num(j, "expected_rtt_ms", h->expected_rtt_ms, 0.001);
	json_num(j, "excess_ms", h->excess_ms, 0.001);
	json_num(j, "distance_km", h->distance_km, 0.1);
	sl_json_close_object(j);
}

static void json_travel(const struct hit_facts *h, struct sl_json *j)
{
	if (!h->has_travel)
		return;
	sl_json_key(j, "travel");
	sl_json_open_object(j);
	json_country(j, "from_country", h->travel_from);
	json_country(j, "to_country", h->travel_to);
	json_num(j, "distance_km", h->travel_km, 0.1);
	json_num(j, "hours", h->travel_hours, 0.001);
	json_num(j, "speed_kmh", h->travel_kmh, 0.1);
	sl_json_key(j, "impossible");
	sl_json_bool(j, h->travel_impossible);
	sl_json_close_object(j);
}

void sl_subj_facts_json(const struct subject *x, const struct hit *h, struct sl_json *j)
{
	const struct hit_facts *f = &h->facts;
	sl_json_key(j, "facts");
	sl_json_open_object(j);
	json_matched(f, j);
	json_remotes(f, j);
	json_apps(f, j);
	json_place(x, f, j);
	json_zone(x, f, j);
	json_light(f, j);
	json_travel(f, j);
	sl_json_close_object(j);
}
