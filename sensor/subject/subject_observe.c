/* What one flow teaches about its subject: countries, the light-speed check
 * on the handshake RTT, impossible travel, hours of activity, remote-access
 * and VPN apps, and the egress address shared with other subjects. */
#include <math.h>
#include <string.h>

#include "sightline/enrich.h"
#include "sightline/identify.h"
#include "subject_priv.h"

#define FIBRE_KM_PER_MS 204.0 /* light in fibre: ~2/3 c */
#define EARTH_RADIUS_KM 6371.0

double sl_subject_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * EARTH_RADIUS_KM * atan2(sqrt(a), sqrt(1 - a > 0 ? 1 - a : 0));
}

static bool has_point(const struct sl_geo_result *g)
{
	return sl_geo_has(g, SL_GEO_LAT) && sl_geo_has(g, SL_GEO_LON);
}

static uint32_t accuracy(const struct sl_geo_result *g)
{
	return sl_geo_has(g, SL_GEO_ACCURACY_KM) ? g->accuracy_km : 0;
}

static void add_country(struct subject *x, const struct sl_geo_result *g)
{
	if (!sl_geo_has(g, SL_GEO_COUNTRY) || strlen(g->country) != 2)
		return;
	for (unsigned i = 0; i < x->n_countries; i++)
		if (memcmp(x->countries[i], g->country, 2) == 0)
			return;
	if (x->n_countries < SL_SUBJECT_COUNTRIES)
		memcpy(x->countries[x->n_countries++], g->country, 2);
}

/* The subject's minimum RTT towards addr, folding in this flow's sample
 * (count false: a view again of a flow counted before, the table untouched). */
static uint32_t min_rtt(struct subject *x, const struct sl_addr *addr, uint32_t us, bool count)
{
	for (unsigned i = 0; i < SUBJ_RTTS; i++)
		if (x->rtt[i].min_us && sl_addr_cmp(&x->rtt[i].addr, addr) == 0) {
			if (us < x->rtt[i].min_us && count)
				x->rtt[i].min_us = us;
			return us < x->rtt[i].min_us ? us : x->rtt[i].min_us;
		}
	if (!count)
		return us ? us : 1;
	struct subj_rtt *slot = &x->rtt[x->rtt_next++ % SUBJ_RTTS]; /* oldest goes */
	slot->addr = *addr;
	slot->min_us = us ? us : 1;
	return slot->min_us;
}

/*
 * Light-speed check.  The handshake leg that measures sensor <-> remote is
 * the one the remote side answers: SYN/ACK -> ACK (rtt.client_ms) when the
 * remote is the client, SYN -> SYN/ACK (rtt.server_ms) when it is the
 * server.  One-sided: an RTT far above the bound proves a longer path; a
 * short one proves nothing, so excess is reported as is, negative too.
 */
static void physics(struct sl_subjects *s, struct subject *x, const struct sl_record *r,
		    struct sl_subject_view *v, bool count)
{
	const struct sl_physics_config *pc = &s->cfg->physics;
	const struct sl_geo_result *g = r->remote >= 0 ? r->geo[r->remote] : NULL;
	if (!s->has_sensor || !has_point(g))
		return;
	double d = sl_subject_distance_km(s->sensor_lat, s->sensor_lon, g->lat, g->lon) - accuracy(g);
	v->have_distance = true;
	v->distance_km = d > 0 ? d : 0;
	v->expected_rtt_ms = 2 * v->distance_km / FIBRE_KM_PER_MS * pc->route_inflation +
			     pc->access_ms;
	const struct sl_field *leg = r->remote == 0 ? s->f_rtt_client : s->f_rtt_server;
	struct sl_value val;
	if (!leg || !sl_field_get(leg, r, &val) || !(val.d >= 0))
		return;
	const struct sl_addr *remote = r->remote == 0 ? &r->flow->cli : &r->flow->srv;
	uint32_t us = min_rtt(x, remote, val.d * 1000 < 4e9 ? (uint32_t)(val.d * 1000) : 4000000000u,
			     count);
	v->have_rtt = true;
	v->rtt_ms = us / 1000.0;
	v->excess_ms = v->rtt_ms - v->expected_rtt_ms;
	v->implied_extra_km = v->excess_ms > 0 ? v->excess_ms * FIBRE_KM_PER_MS / 2 /
							 pc->route_inflation
					       : 0;
}

/* Is place p the sighting of this flow (location g at time t)? */
static bool same_place(const struct subj_place *p, const struct sl_geo_result *g, sl_time_us t)
{
	return p->has && p->time == t && p->lat == g->lat && p->lon == g->lon;
}

/* Travel between the subject's previous location and this one.  Flows end
 * out of order, so the earlier of the two sightings is "from".  count
 * false: the flow was charged before and its own sighting may be the
 * latest; it travels from the one before, and nothing is remembered. */
static void travel(const struct sl_subjects *s, struct subject *x, const struct sl_geo_result *g,
		   sl_time_us t, struct sl_subject_view *v, bool count)
{
	if (!has_point(g))
		return;
	const struct subj_place *from = !count && same_place(&x->loc, g, t) ? &x->loc_prev : &x->loc;
	if (from->has) {
		double gc = sl_subject_distance_km(from->lat, from->lon, g->lat, g->lon);
		double secs = (double)(t > from->time ? t - from->time : from->time - t) / 1e6;
		v->have_travel = true;
		memcpy(v->travel_from_country, from->country, 2);
		v->travel_distance_km = gc;
		v->travel_hours = secs / 3600.0;
		v->travel_speed_kmh = gc / (secs > 1 ? secs : 1) * 3600.0;
		v->travel_impossible = v->travel_speed_kmh > s->cfg->physics.travel_kmh &&
				       gc > (double)from->acc_km + accuracy(g);
	}
	if (count && (!x->loc.has || t >= x->loc.time)) {
		x->loc_prev = x->loc;
		x->loc = (struct subj_place){ .has = true, .lat = g->lat, .lon = g->lon,
					      .acc_km = accuracy(g), .time = t };
		if (sl_geo_has(g, SL_GEO_COUNTRY))
			memcpy(x->loc.country, g->country, 2);
	}
}

/* Remember app in set (by pointer or name) and count those seen within decay. */
static unsigned note_app(struct subj_app *set, const char *app, sl_time_us now, uint64_t decay_us)
{
	if (app) {
		struct subj_app *slot = &set[0];
		for (unsigned i = 0; i < SUBJ_APPS; i++) {
			if (set[i].app && strcmp(set[i].app, app) == 0) {
				slot = &set[i];
				break;
			}
			if (!set[i].app || set[i].seen < slot->seen)
				slot = &set[i];
		}
		slot->app = app;
		slot->seen = slot->seen > now ? slot->seen : now;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < SUBJ_APPS; i++)
		n += set[i].app && set[i].seen + decay_us >= now;
	return n;
}

static void apps(struct sl_subjects *s, struct subject *x, const struct sl_record *r,
		 struct sl_subject_view *v)
{
	const char *app = NULL, *cat = NULL;
	enum sl_app_source src;
	bool known = sl_app_product(r->flow, &app, &cat, &src) && cat;
	bool ra = known && (strcmp(cat, "remote-access") == 0 || strcmp(cat, "ip-kvm") == 0);
	bool vpn = known && (strcmp(cat, "vpn") == 0 || strcmp(cat, "anonymizer") == 0);
	uint64_t decay = (uint64_t)s->cfg->scoring.decay_sec * SL_US_PER_SEC;
	v->remote_access_apps = note_app(x->ra, ra ? app : NULL, r->flow->last, decay);
	v->vpn_apps = note_app(x->vpn, vpn ? app : NULL, r->flow->last, decay);
}

/* Distinct subjects seen behind the remote address of this flow. */
static unsigned egress(struct sl_subjects *s, const struct subject *x, const struct sl_addr *a,
		       sl_time_us now)
{
	uint64_t h = sl_mix64(0x5ca1ab1eULL ^ a->b[0]);
	for (unsigned i = 1; i < 16; i++)
		h = sl_mix64(h ^ a->b[i] ^ (uint64_t)i << 8);
	size_t si = (size_t)(h & (s->egress_sets - 1));
	struct egress *set = &s->egress[si * EGRESS_WAYS], *e = &set[0];
	if (!(s->egress_fresh[si / 8] >> (si % 8) & 1)) {
		/* first touch a write: see sl_geo_cache_lookup() on why */
		memset(set, 0, EGRESS_WAYS * sizeof(*set));
		s->egress_fresh[si / 8] |= (uint8_t)(1u << (si % 8));
	}
	for (unsigned w = 0; w < EGRESS_WAYS; w++) {
		if (set[w].n && sl_addr_cmp(&set[w].addr, a) == 0) {
			e = &set[w];
			goto found;
		}
		if (set[w].seen < e->seen)
			e = &set[w];
	}
	memset(e, 0, sizeof(*e)); /* the least recently used way of the set */
	e->addr = *a;
found:
	e->seen = now > e->seen ? now : e->seen;
	for (unsigned i = 0; i < e->n; i++)
		if (e->subj[i] == x->hash)
			return e->n;
	if (e->n < EGRESS_SUBJECTS)
		e->subj[e->n++] = x->hash;
	return e->n;
}

/*
 * The link's own plumbing: address resolution and configuration (IPv6
 * neighbour and router discovery, MLD, DHCP and DHCPv6).  Every host on a
 * LAN talks it with the router, so it says nothing about who shares an
 * egress (a neighbour advertisement to a laptop is not a second subject
 * behind the laptop's address).
 */
bool sl_subject_link_plumbing(const struct sl_flow *f)
{
	if (f->proto == 58)
		return (f->icmp_type >= 130 && f->icmp_type <= 137) || f->icmp_type == 143;
	if (f->proto != 17)
		return false;
	const uint16_t ports[2] = { f->cport, f->sport };
	for (int i = 0; i < 2; i++)
		if (ports[i] == 67 || ports[i] == 68 || ports[i] == 546 || ports[i] == 547)
			return true;
	return false;
}

static bool allowed(const struct subject *x, const struct sl_record *r)
{
	const struct sl_roster_entry *e = x->claimed;
	const char *app, *cat;
	enum sl_app_source src;
	if (!e)
		return false;
	if (sl_app_product(r->flow, &app, &cat, &src))
		for (size_t i = 0; i < e->n_allow_apps; i++)
			if (strcmp(e->allow_apps[i], app) == 0)
				return true;
	const struct sl_addr *remote = r->remote == 0 ? &r->flow->cli
				     : r->remote == 1 ? &r->flow->srv : NULL;
	for (size_t i = 0; remote && i < e->n_allow_nets; i++)
		if (sl_cidr_contains(&e->allow_nets[i], remote))
			return true;
	return false;
}

/* Count a flow start once per minute: a burst of parallel connections is
 * one moment of activity, not hundreds. */
static void activity(struct subject *x, sl_time_us start)
{
	uint64_t minute = start / (60 * SL_US_PER_SEC);
	if (minute == x->last_minute && x->flows > 1)
		return;
	x->last_minute = minute;
	x->hours[(minute / 60) % 24]++;
}

static void fill_identity(struct sl_subjects *s, const struct subject *x,
			  struct sl_subject_view *v)
{
	sl_subj_id_kept(x, &s->memo[x - s->subj].id, v->id, sizeof(v->id));
	v->kind = sl_subj_kind_name(x);
	v->claimed = x->claimed;
	v->has_mac = x->has_mac;
	memcpy(v->mac, x->mac, 6);
	memcpy(v->hostname, x->hostname, sizeof(v->hostname));
	v->n_countries = x->n_countries;
	for (unsigned i = 0; i < x->n_countries; i++) {
		memcpy(v->countries[i], x->countries[i], 2);
		v->countries[i][2] = '\0';
	}
}

/* Counting the flow: once per flow, when it is charged.  Countries, apps
 * and the egress table are sets, so a view again adds nothing twice. */
void sl_subj_observe(struct sl_subjects *s, struct subject *x, const struct sl_record *r,
		     int self_side, bool count)
{
	struct sl_subject_view *v = &s->view;
	const struct sl_flow *f = r->flow;
	memset(v, 0, sizeof(*v));
	v->subject = x;
	v->subject_gen = x->gen;
	if (count) {
		x->flows++;
		if (!x->first || f->first < x->first)
			x->first = f->first;
	}
	x->last = f->last > x->last ? f->last : x->last;
	const struct sl_geo_result *own = r->geo[self_side];
	add_country(x, own);
	travel(s, x, own, f->first, v, count);
	physics(s, x, r, v, count);
	if (count)
		activity(x, f->first);
	apps(s, x, r, v);
	if (r->remote >= 0 && !sl_subject_link_plumbing(f)) {
		const struct sl_addr *ra = r->remote == 0 ? &f->cli : &f->srv;
		v->egress_subjects = egress(s, x, ra, f->last);
		/* The subject's own address at the edge: people the roster ties to
		 * it count too, since the wire cannot tell them apart. */
		unsigned listed = r->remote == self_side ? sl_roster_claimants(s->roster, ra) : 0;
		v->egress_subjects = listed > v->egress_subjects ? listed : v->egress_subjects;
	}
	v->allowed = allowed(x, r);
	fill_identity(s, x, v);
	sl_subj_activity(s, x, x->last, &s->memo[x - s->subj].fits, v);
}

void sl_subj_hours(const struct subject *x, struct subj_hours *z)
{
	z->n = 0;
	z->all = 0;
	for (unsigned h = 0; h < 24; h++) {
		if (!x->hours[h])
			continue;
		z->h[z->n] = (uint8_t)h;
		z->c[z->n++] = x->hours[h];
		z->all += x->hours[h];
	}
}

/* Share of activity inside [ws, we) minutes of local time for a zone at
 * offset off (seconds).  Each UTC hour bucket counts at its middle (h:30),
 * so half-hour zones (Pyongyang 2015-2018, India) land in one local hour.
 * The local minute of hour 0's middle is found once; hour h's is 60 h
 * later, modulo a day (below 2 * 1440, so one subtraction). */
double sl_subj_fit(const struct subj_hours *z, int32_t off, uint16_t ws, uint16_t we)
{
	uint64_t in = 0;
	int base = ((30 + off / 60) % 1440 + 1440) % 1440;
	for (unsigned k = 0; k < z->n; k++) {
		int lm = base + z->h[k] * 60;
		if (lm >= 1440)
			lm -= 1440;
		bool inside = ws < we ? lm >= ws && lm < we : lm >= ws || lm < we;
		in += inside ? z->c[k] : 0;
	}
	return z->all ? (double)in / (double)z->all : 0;
}

/* Hours of the day with activity. */
static unsigned active_hours(const struct subject *x)
{
	unsigned n = 0;
	for (unsigned h = 0; h < 24; h++)
		n += x->hours[h] != 0;
	return n;
}

/* sl_subj_fit() of x's hours at offset off in [ws, we): memo's k-th fit
 * when it is of the same hours and arguments, else worked out (x's hours
 * into *z the first time: z->all is UINT64_MAX until then) and kept. */
static double fit_at(const struct subject *x, struct subj_hours *z, struct subj_fits *memo,
		     unsigned k, int32_t off, uint16_t ws, uint16_t we)
{
	bool kept = memo && k < SUBJ_FITS;
	if (kept && (memo->have >> k & 1u) && memo->f[k].off == off && memo->f[k].ws == ws &&
	    memo->f[k].we == we)
		return memo->f[k].fit;
	if (z->all == UINT64_MAX)
		sl_subj_hours(x, z);
	double fit = sl_subj_fit(z, off, ws, we);
	if (kept) {
		memo->f[k].off = off;
		memo->f[k].ws = ws;
		memo->f[k].we = we;
		memo->f[k].fit = fit;
		memo->have |= (uint8_t)(1u << k);
	}
	return fit;
}

/*
 * Time-of-activity verdicts at time now: zone offsets are those in force at
 * now (a subject's history spanning a DST change is off by an hour for the
 * older part, which business-hour windows absorb).
 */
void sl_subj_activity(const struct sl_subjects *s, const struct subject *x, sl_time_us now,
		      struct subj_fits *memo, struct sl_subject_view *v)
{
	const struct sl_activity_config *ac = &s->cfg->activity;
	int64_t t = (int64_t)(now / SL_US_PER_SEC);
	struct subj_hours z; /* filled by fit_at() when a fit is not kept */
	z.all = UINT64_MAX;
	v->activity_hours = active_hours(x);
	v->have_activity = v->activity_hours >= ac->min_hours;
	if (!v->have_activity)
		return;
	if (memo && memcmp(memo->hours, x->hours, sizeof(x->hours)) != 0) {
		memcpy(memo->hours, x->hours, sizeof(x->hours)); /* other hours: none kept */
		memo->have = 0;
	}
	if (x->claimed && x->claimed->tz) {
		v->have_claimed_fit = true;
		v->claimed_fit = fit_at(x, &z, memo, 0, sl_tz_offset(x->claimed->tz, t),
					x->claimed->work_start, x->claimed->work_end);
	}
	v->best_fit = -1;
	for (size_t i = 0; i < s->n_zones; i++) {
		double f = fit_at(x, &z, memo, (unsigned)i + 1, sl_tz_offset(s->zones[i], t),
				  (uint16_t)(ac->work_start * 60), (uint16_t)(ac->work_end * 60));
		if (f > v->best_fit) {
			v->best_fit = f;
			v->best_zone = sl_tz_name(s->zones[i]);
		}
	}
	if (!v->best_zone)
		v->best_fit = 0;
}
