/* Field table of subjects: subject.* (who the flow is charged to, what the
 * roster claims, farm signs, time of activity), physics.* (light-speed
 * check) and travel.* (impossible travel), read from the view that
 * sl_subjects_charge() attaches to the record. */
#include <math.h>
#include <stdio.h>

#include "sightline/subject.h"

#define VIEW(r) ((r)->subject)

/* Values are rounded for output: kilometres to 0.1, milliseconds to the
 * microsecond, fractions to 0.001; more digits would be noise. */
static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

static bool g_name(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r) || !VIEW(r)->claimed)
		return false;
	v->s = VIEW(r)->claimed->name;
	return true;
}

static bool g_mac(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_subject_view *s = VIEW(r);
	if (!s || !s->has_mac)
		return false;
	snprintf(v->buf, sizeof(v->buf), "%02x:%02x:%02x:%02x:%02x:%02x", s->mac[0], s->mac[1],
		 s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
	v->s = v->buf;
	return true;
}

static const struct sl_roster_entry *claimed(const struct sl_record *r)
{
	return VIEW(r) ? VIEW(r)->claimed : NULL;
}

static bool g_c_country(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed(r);
	if (!e || !e->country[0])
		return false;
	v->s = e->country;
	return true;
}

static bool g_c_city(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed(r);
	if (!e || !e->city)
		return false;
	v->s = e->city;
	return true;
}

static bool g_c_lat(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed(r);
	if (!e || isnan(e->lat))
		return false;
	v->d = e->lat;
	return true;
}

static bool g_c_lon(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed(r);
	if (!e || isnan(e->lon))
		return false;
	v->d = e->lon;
	return true;
}

static bool g_c_tz(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed(r);
	if (!e || !e->tz)
		return false;
	v->s = sl_tz_name(e->tz);
	return true;
}

static bool g_countries(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_subject_view *s = VIEW(r);
	if (!s || !s->n_countries)
		return false;
	for (v->n = 0; v->n < s->n_countries && v->n < SL_VALUE_LIST_MAX; v->n++)
		v->strs[v->n] = s->countries[v->n];
	return true;
}

static bool g_allowed(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r) || !VIEW(r)->claimed)
		return false;
	v->b = VIEW(r)->allowed;
	return true;
}

static bool g_act_hours(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r))
		return false;
	v->u = VIEW(r)->activity_hours;
	return true;
}

static bool g_act_claimed(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r) || !VIEW(r)->have_claimed_fit)
		return false;
	v->d = round_to(VIEW(r)->claimed_fit, 0.001);
	return true;
}

static bool g_act_zone(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r) || !VIEW(r)->have_activity || !VIEW(r)->best_zone)
		return false;
	v->s = VIEW(r)->best_zone;
	return true;
}

static bool g_act_fit(const struct sl_record *r, struct sl_value *v)
{
	if (!VIEW(r) || !VIEW(r)->have_activity || !VIEW(r)->best_zone)
		return false;
	v->d = round_to(VIEW(r)->best_fit, 0.001);
	return true;
}

static const void *view_of(const struct sl_record *r)
{
	return r->subject;
}

/* Declared fields read the subject view charged to the record (absent
 * when the flow has none). */
#define AT_VIEW SL_IN_FUNC(view_of)

static const struct sl_field fields[] = {
	SL_FIELD_STR("subject.id", "who the flow is charged to (a real endpoint: never an unspecified, broadcast or multicast address, nor the sender of an ICMP error): roster name, else the host's MAC (its IPv4, link-local and global IPv6 addresses tied to it by DHCP, ARP or neighbour discovery: one subject), else the address",
		     AT_VIEW, struct sl_subject_view, id, SL_WITH_STATE),
	{ "subject.name", SL_FT_STRING, "roster name of the subject", g_name },
	SL_FIELD_STRP("subject.kind", "roster (a roster entry matched), host (known by its MAC from DHCP, ARP or neighbour discovery) or address",
		     AT_VIEW, struct sl_subject_view, kind, SL_WITH_STATE),
	{ "subject.mac", SL_FT_STRING, "MAC address DHCP gave for the subject's address", g_mac },
	SL_FIELD_STR("subject.hostname", "host name the subject sent in DHCP",
		     AT_VIEW, struct sl_subject_view, hostname, SL_NONZERO),
	{ "subject.claimed.country", SL_FT_STRING, "country the roster claims for the subject (ISO alpha-2)", g_c_country },
	{ "subject.claimed.city", SL_FT_STRING, "city the roster claims", g_c_city },
	{ "subject.claimed.lat", SL_FT_DOUBLE, "claimed latitude, degrees", g_c_lat },
	{ "subject.claimed.lon", SL_FT_DOUBLE, "claimed longitude, degrees", g_c_lon },
	{ "subject.claimed.timezone", SL_FT_STRING, "claimed IANA time zone", g_c_tz },
	{ "subject.countries", SL_FT_STRING_LIST, "countries the subject's own address has been located in (first 8)", g_countries },
	{ "subject.allowed", SL_FT_BOOL, "the flow's app or remote address is on the subject's roster allow-list", g_allowed },
	{ "subject.activity.hours", SL_FT_UINT, "distinct hours of the day (UTC) the subject started flows in", g_act_hours },
	{ "subject.activity.claimed_fit", SL_FT_DOUBLE, "share 0-1 of the subject's activity inside business hours of its claimed zone (after activity.min_hours hours)", g_act_claimed },
	{ "subject.activity.best_zone", SL_FT_STRING, "the activity.reference_zones zone whose business hours fit the subject's activity best", g_act_zone },
	{ "subject.activity.best_fit", SL_FT_DOUBLE, "share 0-1 of activity inside business hours of best_zone", g_act_fit },
	SL_FIELD_U("subject.egress_subjects", "distinct subjects seen behind this flow's remote address, or the roster entries listing it when it is the subject's own (several people behind one egress: a laptop farm sign); the link's own plumbing (neighbour and router discovery, MLD, DHCP, DHCPv6) never counts",
		   AT_VIEW, struct sl_subject_view, egress_subjects, SL_WITH_STATE),
	SL_FIELD_U("subject.remote_access_apps_count", "distinct remote-access and IP-KVM apps of the subject within scoring.decay (their names: subject events, remote_access_apps)",
		   AT_VIEW, struct sl_subject_view, remote_access_apps, SL_WITH_STATE),
	SL_FIELD_U("subject.vpn_apps_count", "distinct VPN and anonymizer apps of the subject within scoring.decay (their names: subject events, vpn_apps)",
		   AT_VIEW, struct sl_subject_view, vpn_apps, SL_WITH_STATE),
	SL_FIELD_DOUBLE("physics.distance_km", "great circle from the sensor to the remote side minus its accuracy radius, km (not below 0)",
			AT_VIEW, struct sl_subject_view, distance_km, 0.1, SL_IF(struct sl_subject_view, have_distance)),
	SL_FIELD_DOUBLE("physics.expected_rtt_ms", "fastest plausible RTT: 2 d / 204 km/ms x physics.route_inflation + physics.access_ms",
			AT_VIEW, struct sl_subject_view, expected_rtt_ms, 0.001, SL_IF(struct sl_subject_view, have_distance)),
	SL_FIELD_DOUBLE("physics.rtt_ms", "minimum TCP handshake leg sensor-remote-sensor seen for this subject and remote address, ms",
			AT_VIEW, struct sl_subject_view, rtt_ms, 0.001, SL_IF(struct sl_subject_view, have_rtt)),
	SL_FIELD_DOUBLE("physics.excess_ms", "rtt_ms - expected_rtt_ms; large and positive: the path is longer than the address's place allows",
			AT_VIEW, struct sl_subject_view, excess_ms, 0.001, SL_IF(struct sl_subject_view, have_rtt)),
	SL_FIELD_DOUBLE("physics.implied_extra_km", "distance the excess RTT would cover: max(0, excess) x 204 / 2 / route_inflation, km",
			AT_VIEW, struct sl_subject_view, implied_extra_km, 0.1, SL_IF(struct sl_subject_view, have_rtt)),
	SL_FIELD_STR("travel.from_country", "country of the subject's previous location",
		     AT_VIEW, struct sl_subject_view, travel_from_country, SL_IF_NONZERO(struct sl_subject_view, have_travel)),
	SL_FIELD_DOUBLE("travel.distance_km", "great circle between the subject's previous location and this one, km",
			AT_VIEW, struct sl_subject_view, travel_distance_km, 0.1, SL_IF(struct sl_subject_view, have_travel)),
	SL_FIELD_DOUBLE("travel.hours", "hours between the two sightings",
			AT_VIEW, struct sl_subject_view, travel_hours, 0.001, SL_IF(struct sl_subject_view, have_travel)),
	SL_FIELD_DOUBLE("travel.speed_kmh", "distance / hours (a sighting less than a second apart counts as one second)",
			AT_VIEW, struct sl_subject_view, travel_speed_kmh, 0.1, SL_IF(struct sl_subject_view, have_travel)),
	SL_FIELD_BOOL("travel.impossible", "speed above physics.travel_kmh and distance beyond both accuracy radii",
		      AT_VIEW, struct sl_subject_view, travel_impossible, SL_IF(struct sl_subject_view, have_travel)),
};

/* A subject's facts take in the whole flow (its product, hours, last
 * packet): the flow is charged to its subject when it ends. */
const struct sl_field_table sl_subject_fields = { "subject", fields, ARRAY_SIZE(fields),
						 .settle = SL_SETTLE_END };
