/* The report's per-subject summary, built event by event within fixed
 * bounds: claimed place, countries, peak and reasons, heat maps in the
 * claimed and reference zones, places, physics, timeline rows and score. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
#include "sightline/jsonpath.h"

void rp_subject_free(struct rp_subject *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_rows; i++) {
		struct rp_row *w = &s->rows[i];
		free(w->rule), free(w->product), free(w->remote), free(w->cid), free(w->tier);
		free(w->detail);
	}
	free(s->rows);
	free(s);
}

/* Claimed zones are few (one per roster entry's zone); keep each loaded. */
struct sl_tz *rp_claimed_zone(struct sl_report *r, const char *name)
{
	for (size_t i = 0; i < r->n_claimed_cache; i++)
		if (strcmp(sl_tz_name(r->claimed_cache[i]), name) == 0)
			return r->claimed_cache[i];
	for (size_t i = 0; i < r->n_zones; i++)
		if (strcmp(sl_tz_name(r->zones[i]), name) == 0)
			return r->zones[i];
	if (r->n_claimed_cache == ARRAY_SIZE(r->claimed_cache))
		return NULL;
	char err[256];
	struct sl_tz *tz;
	if (sl_tz_load(r->opts.tzdir, name, &tz, err, sizeof(err)) < 0)
		return NULL;
	r->claimed_cache[r->n_claimed_cache++] = tz;
	return tz;
}

static void set_if(char *dst, size_t len, const char *src)
{
	if (src && *src)
		rp_copy(dst, len, src);
}

/* The reference zone that fit best and the shares, where o has them (a
 * subject event's activity block, or a subject alert's facts). */
static void take_fit(struct rp_subject *s, const json_t *o, const char *zone, const char *fit,
		     const char *claimed)
{
	set_if(s->best_zone, sizeof(s->best_zone), rp_str(o, zone));
	double f = rp_num(o, fit), c = rp_num(o, claimed);
	if (isfinite(f))
		s->best_fit = f;
	if (isfinite(c))
		s->claimed_fit = c;
}

static void add_country(struct rp_subject *s, const char *c)
{
	if (!c || !*c)
		return;
	for (size_t i = 0; i < s->n_countries; i++)
		if (strcmp(s->countries[i], c) == 0)
			return;
	if (s->n_countries == RP_MAX_COUNTRIES) {
		s->countries_more++;
		return;
	}
	rp_copy(s->countries[s->n_countries++], sizeof(s->countries[0]), c);
}

/* Who the subject is and says it is: the latest event that tells wins. */
static void identity(struct rp_subject *s, const json_t *ev)
{
	set_if(s->name, sizeof(s->name), rp_str(ev, "subject.name"));
	set_if(s->kind, sizeof(s->kind), rp_str(ev, "subject.kind"));
	set_if(s->claimed_country, sizeof(s->claimed_country), rp_str(ev, "subject.claimed.country"));
	set_if(s->claimed_city, sizeof(s->claimed_city), rp_str(ev, "subject.claimed.city"));
	set_if(s->claimed_tz, sizeof(s->claimed_tz), rp_str(ev, "subject.claimed.timezone"));
	double lat = rp_num(ev, "subject.claimed.lat"), lon = rp_num(ev, "subject.claimed.lon");
	if (isfinite(lat) && isfinite(lon) && fabs(lat) <= 90 && fabs(lon) <= 180)
		s->claimed_lat = lat, s->claimed_lon = lon;
	const json_t *cs = sl_jpath_get(ev, "subject.countries");
	size_t i;
	const json_t *c;
	json_array_foreach(cs, i, c)
		add_country(s, json_string_value(c));
	take_fit(s, ev, "subject.activity.best_zone", "subject.activity.best_fit",
		 "subject.activity.claimed_fit");
}

/* One activity: a flow (at its start) or a sign-in, counted in the claimed
 * zone (UTC when the events name none) and in every reference zone. */
static void heat(struct sl_report *r, struct rp_subject *s, int64_t t)
{
	/* the zone of the first count stays, so the map is one zone throughout */
	if (!s->heat_zone[0]) {
		struct sl_tz *z = s->claimed_tz[0] ? rp_claimed_zone(r, s->claimed_tz) : NULL;
		rp_copy(s->heat_zone, sizeof(s->heat_zone), z ? sl_tz_name(z) : "UTC");
	}
	struct sl_tz *cz = strcmp(s->heat_zone, "UTC") ? rp_claimed_zone(r, s->heat_zone) : NULL;
	int d, h;
	rp_day_hour(t, cz ? sl_tz_offset(cz, t / 1000000) : 0, &d, &h);
	s->heat[0][d * RP_HOURS + h]++;
	for (size_t i = 0; i < r->n_zones; i++) {
		rp_day_hour(t, sl_tz_offset(r->zones[i], t / 1000000), &d, &h);
		s->heat[1 + i][d * RP_HOURS + h]++;
	}
	s->heat_total++;
}

static void add_place(struct rp_subject *s, const json_t *ev, const char *pre, char kind)
{
	char k[64];
	snprintf(k, sizeof(k), "%s.lat", pre);
	double lat = rp_num(ev, k);
	snprintf(k, sizeof(k), "%s.lon", pre);
	double lon = rp_num(ev, k);
	if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90 || fabs(lon) > 180)
		return;
	snprintf(k, sizeof(k), "%s.accuracy_km", pre);
	double acc = rp_num(ev, k);
	for (size_t i = 0; i < s->n_places; i++) {
		struct rp_place *p = &s->places[i];
		if (p->kind == kind && p->lat == lat && p->lon == lon) {
			p->count++;
			return;
		}
	}
	if (s->n_places == RP_MAX_PLACES) {
		s->places_more++;
		return;
	}
	struct rp_place *p = &s->places[s->n_places++];
	*p = (struct rp_place){ .lat = lat, .lon = lon, .kind = kind, .count = 1,
				.accuracy_km = isfinite(acc) && acc >= 0 ? acc : NAN };
	snprintf(k, sizeof(k), "%s.country", pre);
	rp_copy(p->country, sizeof(p->country), rp_str(ev, k));
	snprintf(k, sizeof(k), "%s.city", pre);
	rp_copy(p->city, sizeof(p->city), rp_str(ev, k));
}

/* The light-speed measurement of a flow, kept per remote address (minimum). */
static void add_phys(struct rp_subject *s, const json_t *ev)
{
	double rtt = rp_num(ev, "physics.rtt_ms");
	const char *ip = rp_str(ev, "remote.ip");
	if (!isfinite(rtt) || !ip)
		return;
	struct rp_phys *p = NULL;
	for (size_t i = 0; i < s->n_phys && !p; i++)
		if (strcmp(s->phys[i].ip, ip) == 0)
			p = &s->phys[i];
	if (!p && s->n_phys == RP_MAX_PHYS) {
		s->phys_more++;
		return;
	}
	if (!p) {
		p = &s->phys[s->n_phys++];
		*p = (struct rp_phys){ .rtt_min = INFINITY };
		rp_copy(p->ip, sizeof(p->ip), ip);
		rp_copy(p->country, sizeof(p->country), rp_str(ev, "remote.country"));
		rp_copy(p->city, sizeof(p->city), rp_str(ev, "remote.city"));
	}
	p->flows++;
	if (rtt < p->rtt_min) {
		p->rtt_min = rtt;
		p->expected = rp_num(ev, "physics.expected_rtt_ms");
		p->distance = rp_num(ev, "physics.distance_km");
		p->excess = rp_num(ev, "physics.excess_ms");
	}
}

/* Score points, thinned to every other one when full so a long archive
 * keeps an even sketch of the whole span. */
static void add_score(struct rp_subject *s, int64_t t, double score)
{
	if (!isfinite(score))
		return;
	if (s->score_skip++ % s->score_stride)
		return;
	if (s->n_score == RP_MAX_SCORE) {
		for (size_t i = 0; i < RP_MAX_SCORE / 2; i++)
			s->score[i] = s->score[2 * i];
		s->n_score = RP_MAX_SCORE / 2;
		s->score_stride *= 2;
	}
	s->score[s->n_score++] = (struct rp_point){ t, score };
}

static void peak(struct rp_subject *s, const json_t *ev, double v, int64_t t, const char *lvl,
		 const char *list, const char *title_key)
{
	if (!isfinite(v) || v < s->peak)
		return;
	bool higher = v > s->peak;
	s->peak = v;
	s->peak_t = higher || !s->peak_t ? t : s->peak_t;
	set_if(s->level, sizeof(s->level), lvl);
	const json_t *arr = sl_jpath_get(ev, list);
	if (!json_array_size(arr))
		return;
	s->n_reasons = 0;
	size_t i;
	const json_t *it;
	json_array_foreach(arr, i, it) {
		if (s->n_reasons == RP_MAX_REASONS)
			break;
		struct rp_reason *w = &s->reasons[s->n_reasons++];
		rp_copy(w->title, sizeof(w->title), rp_str(it, title_key));
		w->score = rp_num(it, "score");
	}
}

/* The facts of a subject alert: which zone fit, and light-speed findings. */
static void alert_facts(struct rp_subject *s, const json_t *ev)
{
	const json_t *rules = sl_jpath_get(ev, "alert.rules");
	size_t i;
	const json_t *it;
	json_array_foreach(rules, i, it) {
		take_fit(s, it, "facts.activity.zone", "facts.activity.share",
			 "facts.activity.claimed_share");
		double rtt = rp_num(it, "facts.lightspeed.rtt_ms");
		if (isfinite(rtt)) {
			s->light_rtt = rtt;
			s->light_expected = rp_num(it, "facts.lightspeed.expected_rtt_ms");
			s->light_distance = rp_num(it, "facts.lightspeed.distance_km");
			rp_copy(s->light_ip, sizeof(s->light_ip), rp_str(it, "facts.lightspeed.ip"));
		}
	}
}

void rp_subject_event(struct sl_report *r, struct rp_subject *s, const json_t *ev,
		      const char *type, int64_t t)
{
	identity(s, ev);
	if (strcmp(type, "flow") == 0) {
		int64_t st;
		heat(r, s, rp_time_parse(rp_str(ev, "flow.start"), &st) ? st : t);
		add_place(s, ev, "remote", 'r');
		add_phys(s, ev);
		s->n_flows++;
		rp_subject_row(r, s, ev, 'f', t);
	} else if (strcmp(type, "signin") == 0) {
		heat(r, s, t);
		add_place(s, ev, "src.geo", 's');
		s->n_signins++;
		rp_subject_row(r, s, ev, 's', t);
	} else if (strcmp(type, "alert") == 0) {
		const char *scope = rp_str(ev, "alert.scope");
		if (scope && strcmp(scope, "subject") == 0) {
			double v = rp_num(ev, "alert.score");
			peak(s, ev, v, t, rp_str(ev, "alert.level"), "alert.rules", "title");
			add_score(s, t, v);
		}
		alert_facts(s, ev);
		s->n_alerts++;
		rp_subject_row(r, s, ev, 'a', t);
	} else if (strcmp(type, "subject") == 0) {
		int64_t pt = t;
		rp_time_parse(rp_str(ev, "subject.peak_at"), &pt);
		peak(s, ev, rp_num(ev, "subject.peak_score"), pt, NULL, "subject.top", "title");
		if (!s->level[0] || s->peak <= 0)
			set_if(s->level, sizeof(s->level), rp_str(ev, "subject.level"));
		add_score(s, t, rp_num(ev, "subject.score"));
	}
}

/* Business hours as the sensor counts them (activity.work_start/end, every
 * day): the report's own count over its heat map. */
double rp_business_share(const struct sl_report *r, const uint32_t *h)
{
	unsigned ws = r->opts.cfg ? r->opts.cfg->activity.work_start : 9;
	unsigned we = r->opts.cfg ? r->opts.cfg->activity.work_end : 18;
	uint64_t in = 0, all = 0;
	for (int d = 0; d < RP_DAYS; d++)
		for (unsigned hr = 0; hr < RP_HOURS; hr++) {
			uint32_t n = h[d * RP_HOURS + hr];
			all += n;
			in += (ws < we ? hr >= ws && hr < we : hr >= ws || hr < we) ? n : 0;
		}
	return all ? (double)in / (double)all : NAN;
}

/* The zone the events named as fitting best; else the best share here
 * (ties: the first configured zone). */
size_t rp_best_zone(const struct sl_report *r, const struct rp_subject *s)
{
	for (size_t i = 0; i < r->n_zones; i++)
		if (s->best_zone[0] && strcmp(sl_tz_name(r->zones[i]), s->best_zone) == 0)
			return 1 + i;
	size_t best = 0;
	double bf = -1;
	for (size_t i = 0; i < r->n_zones; i++) {
		double f = rp_business_share(r, s->heat[1 + i]);
		if (isfinite(f) && f > bf)
			bf = f, best = 1 + i;
	}
	return best;
}
