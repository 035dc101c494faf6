/* Field table of IP intelligence: src.geo.*, dest.geo.* and remote.* (the
 * geo block of the side outside home_networks), read from the merged
 * lookup results the engine attaches to the record.  One column list
 * generates the three groups. */
#include "sightline/enrich.h"
#include "sightline/field.h"

/* Which result a group reads: the client's, the server's, or the remote one. */
enum { SIDE_SRC, SIDE_DEST, SIDE_REMOTE };

static const struct sl_geo_result *side_result(const struct sl_record *r, int side)
{
	if (side == SIDE_REMOTE)
		return r->remote < 0 ? NULL : r->geo[r->remote];
	return r->geo[side];
}

static bool geo_get(const struct sl_record *r, int side, enum sl_geo_field f, struct sl_value *v)
{
	const struct sl_geo_result *g = side_result(r, side);
	if (!sl_geo_has(g, f))
		return false;
	switch (f) {
	case SL_GEO_COUNTRY: v->s = g->country; break;
	case SL_GEO_COUNTRY_NAME: v->s = g->country_name; break;
	case SL_GEO_REGISTERED_COUNTRY: v->s = g->registered_country; break;
	case SL_GEO_CITY: v->s = g->city; break;
	case SL_GEO_LAT: v->d = g->lat; break;
	case SL_GEO_LON: v->d = g->lon; break;
	case SL_GEO_ACCURACY_KM: v->u = g->accuracy_km; break;
	case SL_GEO_TIMEZONE: v->s = g->timezone; break;
	case SL_GEO_ASN: v->u = g->asn; break;
	case SL_GEO_AS_ORG: v->s = g->as_org; break;
	case SL_GEO_AS_DOMAIN: v->s = g->as_domain; break;
	case SL_GEO_ISP: v->s = g->isp; break;
	case SL_GEO_CONNECTION_TYPE: v->s = g->connection_type; break;
	case SL_GEO_ANON_PROVIDER: v->s = g->provider; break;
	case SL_GEO_ANON_CONFIDENCE: v->u = g->confidence; break;
	case SL_GEO_ANON_LAST_SEEN: v->s = g->last_seen; break;
	case SL_GEO_INTEL:
		for (v->n = 0; v->n < g->n_intel && v->n < SL_VALUE_LIST_MAX; v->n++)
			v->strs[v->n] = g->intel[v->n];
		return v->n > 0;
	default: v->b = g->flags >> f & 1u; break; /* the anon.* flags */
	}
	return true;
}

static bool g_remote_ip(const struct sl_record *r, struct sl_value *v)
{
	if (r->remote < 0)
		return false;
	v->ip = r->remote == 0 ? r->flow->cli : r->flow->srv;
	return true;
}

/* The columns: field, name under the group's prefix, type, description. */
#define GEO_COLUMNS(X, side, idx)                                                              \
	X(side, idx, SL_GEO_COUNTRY, "country", SL_FT_STRING, "country, ISO 3166-1 alpha-2 code")   \
	X(side, idx, SL_GEO_COUNTRY_NAME, "country_name", SL_FT_STRING, "country name (English)")  \
	X(side, idx, SL_GEO_REGISTERED_COUNTRY, "registered_country", SL_FT_STRING,                \
	  "country the network is registered in (ISO code); differs from country for a hop abroad") \
	X(side, idx, SL_GEO_CITY, "city", SL_FT_STRING, "city (English)")                          \
	X(side, idx, SL_GEO_LAT, "lat", SL_FT_DOUBLE, "latitude, degrees")                         \
	X(side, idx, SL_GEO_LON, "lon", SL_FT_DOUBLE, "longitude, degrees")                        \
	X(side, idx, SL_GEO_ACCURACY_KM, "accuracy_km", SL_FT_UINT,                                \
	  "radius in km around lat/lon where the address most likely is")                          \
	X(side, idx, SL_GEO_TIMEZONE, "timezone", SL_FT_STRING, "IANA time zone of the location")  \
	X(side, idx, SL_GEO_ASN, "asn", SL_FT_UINT, "autonomous system number")                    \
	X(side, idx, SL_GEO_AS_ORG, "as_org", SL_FT_STRING, "organisation of the AS")              \
	X(side, idx, SL_GEO_AS_DOMAIN, "as_domain", SL_FT_STRING, "domain of the AS organisation") \
	X(side, idx, SL_GEO_ISP, "isp", SL_FT_STRING, "internet service provider")                 \
	X(side, idx, SL_GEO_CONNECTION_TYPE, "connection_type", SL_FT_STRING,                      \
	  "Cable/DSL, Cellular, Corporate or Satellite (GeoIP2 Connection-Type)")                  \
	X(side, idx, SL_GEO_ANON_ANY, "anon.any", SL_FT_BOOL,                                      \
	  "an anonymizer of some kind (present only when a database says)")                        \
	X(side, idx, SL_GEO_ANON_VPN, "anon.vpn", SL_FT_BOOL, "a VPN provider's exit")             \
	X(side, idx, SL_GEO_ANON_HOSTING, "anon.hosting", SL_FT_BOOL,                              \
	  "a hosting or cloud provider's address")                                                 \
	X(side, idx, SL_GEO_ANON_PROXY, "anon.proxy", SL_FT_BOOL, "a public proxy")                \
	X(side, idx, SL_GEO_ANON_RESIDENTIAL_PROXY, "anon.residential_proxy", SL_FT_BOOL,          \
	  "a residential proxy exit (someone's home line resold)")                                 \
	X(side, idx, SL_GEO_ANON_TOR, "anon.tor", SL_FT_BOOL, "a Tor exit node")                   \
	X(side, idx, SL_GEO_ANON_PROVIDER, "anon.provider", SL_FT_STRING,                          \
	  "the anonymizer's provider (GeoIP2 Anonymous Plus)")                                     \
	X(side, idx, SL_GEO_ANON_CONFIDENCE, "anon.confidence", SL_FT_UINT,                        \
	  "confidence 1-99 that the address anonymizes (Anonymous Plus)")                          \
	X(side, idx, SL_GEO_ANON_LAST_SEEN, "anon.last_seen", SL_FT_STRING,                        \
	  "date the network was last seen anonymizing (Anonymous Plus)")                           \
	X(side, idx, SL_GEO_INTEL, "intel", SL_FT_STRING_LIST,                                     \
	  "names of the intel lists that hold the address or its AS (rules/intel)")

#define GETTER(side, idx, f, name, type, desc)                                     \
	static bool g_##side##_##f(const struct sl_record *r, struct sl_value *v) \
	{                                                                          \
		return geo_get(r, idx, f, v);                                      \
	}

GEO_COLUMNS(GETTER, src, SIDE_SRC)
GEO_COLUMNS(GETTER, dest, SIDE_DEST)
GEO_COLUMNS(GETTER, remote, SIDE_REMOTE)

#define PREFIX_src "src.geo."
#define PREFIX_dest "dest.geo."
#define PREFIX_remote "remote."
#define WHO_src "client: "
#define WHO_dest "server: "
#define WHO_remote "remote side: "

#define ROW(side, idx, f, name, type, desc) { PREFIX_##side name, type, WHO_##side desc, g_##side##_##f },

static const struct sl_field fields[] = {
	GEO_COLUMNS(ROW, src, SIDE_SRC)
	GEO_COLUMNS(ROW, dest, SIDE_DEST)
	{ "remote.ip", SL_FT_IP, "the side outside home_networks (the server when both are)",
	  g_remote_ip },
	GEO_COLUMNS(ROW, remote, SIDE_REMOTE)
};

/* Places depend on the addresses alone: settled at the handshake. */
const struct sl_field_table sl_geo_fields = { "geo", fields, ARRAY_SIZE(fields),
					     .settle = SL_SETTLE_HANDSHAKE };
