/* Field table of subjects: subject.* (who the flow is charged to, what the
 * roster claims, farm signs, time of activity), physics.* (light-speed
 * check) and travel.* (impossible travel), read from the view that
 * sl_subjects_charge() attaches to the record. */

#include "sightline/subject.h"

static const void *view_of(const struct sl_record *r)
{
	return r->subject;
}

/* Declared fields read the subject view charged to the record (absent
 * when the flow has none). */
#define AT_VIEW SL_IN_FUNC(view_of)
/* ... and only when the view's member G (a pointer) is set */
#define AT_VIEW_IF(G) SL_IN_FUNC_IF(view_of, struct sl_subject_view, G)

/* The roster entry the subject matched (NULL: not on the roster). */
static const void *claimed_of(const struct sl_record *r)
{
	return r->subject ? r->subject->claimed : NULL;
}

#define AT_CLAIMED SL_IN_FUNC(claimed_of)

/* Why computed: the zone's name is behind the opaque struct sl_tz. */
static bool g_c_tz(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_roster_entry *e = claimed_of(r);
	if (!e || !e->tz)
		return false;
	v->s = sl_tz_name(e->tz);
	return true;
}

/* Values are rounded for output: kilometres to 0.1, milliseconds to the
 * microsecond, fractions to 0.001; more digits would be noise. */

static const struct sl_field fields[] = {
	SL_FIELD_STR("subject.id", "who the flow is charged to (a real endpoint: never an unspecified, broadcast or multicast address, nor the sender of an ICMP error): roster name, else the host's MAC (its IPv4, link-local and global IPv6 addresses tied to it by DHCP, ARP or neighbour discovery: one subject), else the address",
		     AT_VIEW, struct sl_subject_view, id, SL_WITH_STATE),
	SL_FIELD_STR("subject.name", "roster name of the subject", AT_CLAIMED, struct sl_roster_entry, name, SL_WITH_STATE),
	SL_FIELD_STRP("subject.kind", "roster (a roster entry matched), host (known by its MAC from DHCP, ARP or neighbour discovery) or address",
		     AT_VIEW, struct sl_subject_view, kind, SL_WITH_STATE),
	SL_FIELD_HEX("subject.mac", "MAC address DHCP gave for the subject's address", AT_VIEW, struct sl_subject_view, mac, ':', SL_IF(struct sl_subject_view, has_mac)),
	SL_FIELD_STR("subject.hostname", "host name the subject sent in DHCP",
		     AT_VIEW, struct sl_subject_view, hostname, SL_NONZERO),
	SL_FIELD_STR("subject.claimed.country", "country the roster claims for the subject (ISO alpha-2)", AT_CLAIMED, struct sl_roster_entry, country, SL_NONZERO),
	SL_FIELD_STRP("subject.claimed.city", "city the roster claims", AT_CLAIMED, struct sl_roster_entry, city, SL_WITH_STATE),
	SL_FIELD_DOUBLE("subject.claimed.lat", "claimed latitude, degrees", AT_CLAIMED, struct sl_roster_entry, lat, 0, SL_IF_NUMBER),
	SL_FIELD_DOUBLE("subject.claimed.lon", "claimed longitude, degrees", AT_CLAIMED, struct sl_roster_entry, lon, 0, SL_IF_NUMBER),
	{ "subject.claimed.timezone", SL_FT_STRING, "claimed IANA time zone", g_c_tz },
	SL_FIELD_STRS("subject.countries", "countries the subject's own address has been located in (first 8)", AT_VIEW, struct sl_subject_view, countries, n_countries, SL_NONZERO),
	SL_FIELD_BOOL("subject.allowed", "the flow's app or remote address is on the subject's roster allow-list", AT_VIEW_IF(claimed), struct sl_subject_view, allowed, SL_WITH_STATE),
	SL_FIELD_U("subject.activity.hours", "distinct hours of the day (UTC) the subject started flows in", AT_VIEW, struct sl_subject_view, activity_hours, SL_WITH_STATE),
	SL_FIELD_DOUBLE("subject.activity.claimed_fit", "share 0-1 of the subject's activity inside business hours of its claimed zone (after activity.min_hours hours)", AT_VIEW, struct sl_subject_view, claimed_fit, 0.001, SL_IF(struct sl_subject_view, have_claimed_fit)),
	SL_FIELD_STRP("subject.activity.best_zone", "the activity.reference_zones zone whose business hours fit the subject's activity best", AT_VIEW, struct sl_subject_view, best_zone, SL_IF(struct sl_subject_view, have_activity)),
	SL_FIELD_DOUBLE("subject.activity.best_fit", "share 0-1 of activity inside business hours of best_zone", AT_VIEW_IF(best_zone), struct sl_subject_view, best_fit, 0.001, SL_IF(struct sl_subject_view, have_activity)),
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
