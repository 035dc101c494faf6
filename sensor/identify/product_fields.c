/* The fields of the flow's product (app, category, app_source; the claim
 * itself is the record's, sensor/record/product.c) and of the evidence
 * behind it (evidence.c). */
#include "identify_priv.h"
#include "sightline/identify.h"

/* Why computed: the product is decided across parsers and signatures (sl_app_product()). */
static bool g_app(const struct sl_record *r, struct sl_value *v)
{
	const char *category;
	enum sl_app_source src;
	return sl_app_product(r->flow, &v->s, &category, &src);
}

/* Why computed: the product's category, from the same decision. */
static bool g_category(const struct sl_record *r, struct sl_value *v)
{
	const char *app;
	enum sl_app_source src;
	return sl_app_product(r->flow, &app, &v->s, &src) && v->s;
}

/* Why computed: which kind of evidence decided the product, named. */
static bool g_app_source(const struct sl_record *r, struct sl_value *v)
{
	const char *app, *category;
	enum sl_app_source src;
	if (!sl_app_product(r->flow, &app, &category, &src))
		return false;
	v->s = sl_app_source_name(src);
	return true;
}

static const struct sl_field fields[] = {
	{ "app", SL_FT_STRING, "product on top of the wire protocol: anydesk, teamviewer, openvpn, nordvpn, tor, pikvm, ...", g_app },
	{ "category", SL_FT_STRING, "what the product is: remote-access, vpn, anonymizer, proxy or ip-kvm", g_category },
	{ "app_source", SL_FT_STRING, "how app was decided, strongest first: wire, certificate, sni, alpn, user-agent, ja4, dns, association, address-list, port", g_app_source },
	{ "evidence.tier", SL_FT_STRING, "strongest tier of the flow's evidence of a VPN, anonymiser or remote-access product: wire (its protocol), name (certificate, SNI, DNS, ALPN, JA4, user agent), tunnel-flag (an intel list or database flag on a tunnel-capable flow), flag (on another flow), service-flag (on a plain service flow: alone never a tunnel)", sl_evidence_get_tier },
	{ "evidence.flow", SL_FT_STRING, "what the flow could carry: tunnel-capable (a VPN protocol's handshake, an encrypted session of 5 minutes or more), plain-service (DNS, ICMP, NTP, mail, plain HTTP) or other; present with evidence.tier", sl_evidence_get_flow },
	{ "evidence.lists", SL_FT_STRING_LIST, "remote side: intel lists that hold the address itself (an address line)", sl_evidence_get_lists },
	{ "evidence.as_lists", SL_FT_STRING_LIST, "remote side: intel lists that hold only its AS number (the network hosts such services; weaker than an address line)", sl_evidence_get_as_lists },
	{ "evidence.flags", SL_FT_STRING_LIST, "remote side: database flags of an anonymising service that are true (anon.vpn, anon.tor, anon.proxy, anon.residential_proxy)", sl_evidence_get_flags },
};

const struct sl_field_table sl_identify_product_fields = { "identify", fields, ARRAY_SIZE(fields) };
