/* Field table of IP intelligence: src.geo.*, dest.geo.* and remote.* (the
 * geo block of the side outside home_networks), read from the merged
 * lookup results the engine attaches to the record.  One column list
 * declares the three groups. */
#include "sightline/enrich.h"
#include "sightline/field.h"

/* The result each group reads: the client's, the server's, or the remote
 * side's (NULL: nothing known, or no remote side). */
static const void *geo_src(const struct sl_record *r)
{
	return r->geo[0];
}

static const void *geo_dest(const struct sl_record *r)
{
	return r->geo[1];
}

static const void *geo_remote(const struct sl_record *r)
{
	return r->remote < 0 ? NULL : r->geo[r->remote];
}

/* A result's serial: the event writer keeps each group's text per result. */
static uint64_t geo_serial(const void *base)
{
	return ((const struct sl_geo_result *)base)->serial;
}

/* The remote side's address: the client's or the server's, by r->remote. */
struct side_addr {
	struct sl_addr ip;
};

static const void *remote_addr(const struct sl_record *r)
{
	return r->remote < 0 ? NULL : r->remote == 0 ? &r->flow->cli : &r->flow->srv;
}

#define PREFIX_src "src.geo."
#define PREFIX_dest "dest.geo."
#define PREFIX_remote "remote."
#define WHO_src "client: "
#define WHO_dest "server: "
#define WHO_remote "remote side: "

/* A column of group side: known when a database gave it (bit f of have);
 * the anon.* flags hold their value in flags under the same bit. */
#define GEO_HAS(f) SL_IF_BIT(struct sl_geo_result, have, 1u << (f))
#define GSTR(side, f, name, m, desc)                                                        \
	SL_FIELD_STR(PREFIX_##side name, WHO_##side desc, SL_IN_FUNC_STAMPED(geo_##side, geo_serial),            \
		     struct sl_geo_result, m, GEO_HAS(f)),
#define GU(side, f, name, m, desc)                                                          \
	SL_FIELD_U(PREFIX_##side name, WHO_##side desc, SL_IN_FUNC_STAMPED(geo_##side, geo_serial),              \
		   struct sl_geo_result, m, GEO_HAS(f)),
#define GDBL(side, f, name, m, desc)                                                        \
	SL_FIELD_DOUBLE(PREFIX_##side name, WHO_##side desc, SL_IN_FUNC_STAMPED(geo_##side, geo_serial),         \
			struct sl_geo_result, m, 0, GEO_HAS(f)),
#define GFLAG(side, f, name, desc)                                                          \
	SL_FIELD_BIT(PREFIX_##side name, WHO_##side desc, SL_IN_FUNC_STAMPED(geo_##side, geo_serial),            \
		     struct sl_geo_result, flags, 1u << (f), GEO_HAS(f)),

/* The columns, one group per side. */
#define GEO_GROUP(side)                                                                            \
	GSTR(side, SL_GEO_COUNTRY, "country", country, "country, ISO 3166-1 alpha-2 code")         \
	GSTR(side, SL_GEO_COUNTRY_NAME, "country_name", country_name, "country name (English)")    \
	GSTR(side, SL_GEO_REGISTERED_COUNTRY, "registered_country", registered_country,            \
	     "country the network is registered in (ISO code); differs from country for a hop abroad") \
	GSTR(side, SL_GEO_CITY, "city", city, "city (English)")                                    \
	GDBL(side, SL_GEO_LAT, "lat", lat, "latitude, degrees")                                    \
	GDBL(side, SL_GEO_LON, "lon", lon, "longitude, degrees")                                   \
	GU(side, SL_GEO_ACCURACY_KM, "accuracy_km", accuracy_km,                                   \
	   "radius in km around lat/lon where the address most likely is")                         \
	GSTR(side, SL_GEO_TIMEZONE, "timezone", timezone, "IANA time zone of the location")        \
	GU(side, SL_GEO_ASN, "asn", asn, "autonomous system number")                               \
	GSTR(side, SL_GEO_AS_ORG, "as_org", as_org, "organisation of the AS")                      \
	GSTR(side, SL_GEO_AS_DOMAIN, "as_domain", as_domain, "domain of the AS organisation")      \
	GSTR(side, SL_GEO_ISP, "isp", isp, "internet service provider")                            \
	GSTR(side, SL_GEO_CONNECTION_TYPE, "connection_type", connection_type,                     \
	     "Cable/DSL, Cellular, Corporate or Satellite (GeoIP2 Connection-Type)")               \
	GFLAG(side, SL_GEO_ANON_ANY, "anon.any",                                                   \
	      "an anonymizer of some kind (present only when a database says)")                    \
	GFLAG(side, SL_GEO_ANON_VPN, "anon.vpn", "a VPN provider's exit")                          \
	GFLAG(side, SL_GEO_ANON_HOSTING, "anon.hosting", "a hosting or cloud provider's address")  \
	GFLAG(side, SL_GEO_ANON_PROXY, "anon.proxy", "a public proxy")                             \
	GFLAG(side, SL_GEO_ANON_RESIDENTIAL_PROXY, "anon.residential_proxy",                       \
	      "a residential proxy exit (someone's home line resold)")                             \
	GFLAG(side, SL_GEO_ANON_TOR, "anon.tor", "a Tor exit node")                                \
	GSTR(side, SL_GEO_ANON_PROVIDER, "anon.provider", provider,                                \
	     "the anonymizer's provider (GeoIP2 Anonymous Plus)")                                  \
	GU(side, SL_GEO_ANON_CONFIDENCE, "anon.confidence", confidence,                            \
	   "confidence 1-99 that the address anonymizes (Anonymous Plus)")                         \
	GSTR(side, SL_GEO_ANON_LAST_SEEN, "anon.last_seen", last_seen,                             \
	     "date the network was last seen anonymizing (Anonymous Plus)")                        \
	SL_FIELD_STRS(PREFIX_##side "intel",                                                       \
		      WHO_##side "names of the intel lists that hold the address or its AS (rules/intel)", \
		      SL_IN_FUNC_STAMPED(geo_##side, geo_serial), struct sl_geo_result, intel, n_intel,                  \
		      SL_IF_BIT_NONZERO(struct sl_geo_result, have, 1u << SL_GEO_INTEL)),

static const struct sl_field fields[] = {
	GEO_GROUP(src)
	GEO_GROUP(dest)
	SL_FIELD_IP("remote.ip", "the side outside home_networks (the server when both are)",
		    SL_IN_FUNC(remote_addr), struct side_addr, ip, SL_WITH_STATE),
	GEO_GROUP(remote)
};

/* Places depend on the addresses alone: settled at the handshake. */
const struct sl_field_table sl_geo_fields = { "geo", fields, ARRAY_SIZE(fields),
					     .settle = SL_SETTLE_HANDSHAKE };
