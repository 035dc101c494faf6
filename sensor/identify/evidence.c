/* Evidence tiers (README "Evidence tiers"): how strongly a flow's facts say
 * "VPN, anonymiser or remote access", strongest first -- the product named
 * by its own protocol on the wire, a name (certificate, SNI, DNS, ALPN,
 * JA4, user agent), an address-list or database flag on a flow that could
 * carry a tunnel, the same flag on any other flow, and last a flag on a
 * plain service flow (DNS, ICMP, NTP, mail, plain HTTP), which alone says
 * nothing about a tunnel.  Lists matched only through the address's AS
 * number are told apart from address lines: an AS list says "this network
 * hosts VPN exits", not "this flow is one". */
#include <string.h>

#include "identify_priv.h"
#include "sightline/enrich.h"
#include "sightline/proto.h"

/* A session of an encrypted protocol this long could be a tunnel (seconds). */
#define LONG_SESSION_SEC 300

static const char *app_proto_name(const struct sl_flow *f)
{
	const struct sl_proto *p = f->app_proto ? sl_proto_at(f->app_proto - 1u) : NULL;
	return p ? p->name : NULL;
}

static bool in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* Mail, DNS, NTP and plain web ports (IANA): a flow to them that no
 * tunnel protocol claimed is that service. */
static bool service_port(uint16_t port)
{
	static const uint16_t ports[] = { 25, 53, 80, 110, 123, 143, 465, 587, 993, 995 };
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (port == ports[i])
			return true;
	return false;
}

enum sl_evidence_flow sl_evidence_flow_kind(const struct sl_flow *f)
{
	static const char *const tunnels[] = {
		"openvpn", "wireguard", "ike", "esp", "l2tp", "pptp", "pptp-gre", "sstp",
		"softether", "tinc", "tailscale", "zerotier", "cloudflare-warp", "obfs",
	};
	static const char *const services[] = { "dns", "mdns", "dhcp", "http" };
	static const char *const encrypted[] = { "tls", "quic", "ssh", "dtls" };
	const char *proto = app_proto_name(f);
	if (in(proto, tunnels, ARRAY_SIZE(tunnels)))
		return SL_EVIDENCE_TUNNEL;
	if (f->proto == 1 || f->proto == 58 || in(proto, services, ARRAY_SIZE(services)))
		return SL_EVIDENCE_SERVICE;
	if (service_port(f->sport))
		return SL_EVIDENCE_SERVICE;
	bool long_session = f->last - f->first >= (sl_time_us)LONG_SESSION_SEC * SL_US_PER_SEC;
	if ((in(proto, encrypted, ARRAY_SIZE(encrypted)) || !proto) && long_session)
		return SL_EVIDENCE_TUNNEL;
	return SL_EVIDENCE_OTHER;
}

static const struct sl_geo_result *remote_geo(const struct sl_record *r)
{
	return r->remote >= 0 ? r->geo[r->remote] : NULL;
}

/* The remote side's database flags that name an anonymising service. */
static size_t anon_flags(const struct sl_geo_result *g, const char **out)
{
	static const struct { enum sl_geo_field f; const char *name; } flags[] = {
		{ SL_GEO_ANON_VPN, "anon.vpn" }, { SL_GEO_ANON_TOR, "anon.tor" },
		{ SL_GEO_ANON_PROXY, "anon.proxy" },
		{ SL_GEO_ANON_RESIDENTIAL_PROXY, "anon.residential_proxy" },
	};
	size_t n = 0;
	for (size_t i = 0; g && i < ARRAY_SIZE(flags); i++)
		if (sl_geo_has(g, flags[i].f) && (g->flags >> flags[i].f & 1u))
			out[n++] = flags[i].name;
	return n;
}

/* The remote lists matched by an address line (as_lines false) or only
 * through the AS number (true). */
static size_t lists(const struct sl_geo_result *g, bool as_lines, const char **out)
{
	size_t n = 0;
	for (unsigned i = 0; g && i < g->n_intel && n < SL_VALUE_LIST_MAX; i++)
		if (((g->intel_as >> i) & 1u) == as_lines)
			out[n++] = g->intel[i];
	return n;
}

/* The strongest tier of the flow's evidence, or NULL when it has none. */
static const char *tier(const struct sl_record *r)
{
	const char *app, *cat, *flags[4], *names[SL_VALUE_LIST_MAX];
	enum sl_app_source src = SL_SRC_NONE;
	bool product = sl_app_product(r->flow, &app, &cat, &src);
	if (product && src == SL_SRC_WIRE)
		return "wire";
	if (product && src > SL_SRC_ADDRESS_LIST)
		return "name";
	const struct sl_geo_result *g = remote_geo(r);
	if (!product && !anon_flags(g, flags) && !lists(g, false, names) && !lists(g, true, names))
		return NULL;
	switch (sl_evidence_flow_kind(r->flow)) {
	case SL_EVIDENCE_TUNNEL: return "tunnel-flag";
	case SL_EVIDENCE_SERVICE: return "service-flag";
	default: return "flag";
	}
}

bool sl_evidence_get_tier(const struct sl_record *r, struct sl_value *v)
{
	return (v->s = tier(r)) != NULL;
}

bool sl_evidence_get_flow(const struct sl_record *r, struct sl_value *v)
{
	static const char *const kinds[] = { "other", "tunnel-capable", "plain-service" };
	if (!tier(r))
		return false;
	v->s = kinds[sl_evidence_flow_kind(r->flow)];
	return true;
}

bool sl_evidence_get_lists(const struct sl_record *r, struct sl_value *v)
{
	v->n = lists(remote_geo(r), false, v->strs);
	return v->n > 0;
}

bool sl_evidence_get_as_lists(const struct sl_record *r, struct sl_value *v)
{
	v->n = lists(remote_geo(r), true, v->strs);
	return v->n > 0;
}

bool sl_evidence_get_flags(const struct sl_record *r, struct sl_value *v)
{
	const char *flags[4];
	v->n = anon_flags(remote_geo(r), flags);
	for (size_t i = 0; i < v->n; i++)
		v->strs[i] = flags[i];
	return v->n > 0;
}
