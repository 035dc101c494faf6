/* IP-KVM appliances seen from the LAN (PiKVM, TinyPilot, JetKVM): a remote
 * hand on a machine's keyboard, video and mouse that no endpoint agent sees.
 * Evidence, from public descriptions of each product:
 *  - PiKVM (pikvm/kvmd, docs.pikvm.org): kvmd-nginx serves the web UI under
 *    /kvm/ and the API under /api/ (/api/auth/login, /api/streamer,
 *    /api/hid); kvmd-gencert's default self-signed certificate carries
 *    O=PiKVM (Internet scans report it on most exposed units); the default
 *    host name is pikvm (pikvm.local over mDNS).
 *  - TinyPilot (tiny-pilot/tinypilot): default host name tinypilot, its
 *    self-signed certificate CN=tinypilot.
 *  - JetKVM (jetkvm/kvm): web UI over HTTP with /auth/login-local and the
 *    /webrtc/session signalling endpoint; mDNS name jetkvm.local.
 *  - A server whose hardware address is a Raspberry Pi's (dest.mac_vendor,
 *    from the collector of sensor/proto/ipkvm.c) makes PiKVM's generic
 *    /api/ paths count.
 * Claimed from the parsers' fields (http.*, tls.cert.*, mdns.hostname) of
 * the flows the collector looked at (web and mDNS flows, flows to a Pi). */
#include <string.h>
#include <strings.h>

#include "identify_priv.h"
#include "sightline/proto.h"

extern const struct sl_proto sl_proto_tls, sl_proto_http, sl_proto_mdns, sl_proto_ipkvm;

int sl_identify_ipkvm_init(struct sl_identify_ipkvm *k)
{
	static const char *const names[SL_IPKVM_F__COUNT] = {
		"http.url", "http.hostname", "tls.cert.subject", "tls.cert.issuer", "mdns.hostname",
		"dest.mac_vendor",
	};
	for (int i = 0; i < SL_IPKVM_F__COUNT; i++)
		if (!(k->f[i] = sl_catalogue_find(names[i])))
			return -ENOENT;
	return 0;
}

/* A local host name with the product's default name: the first label is
 * the name or the name and "-..." (pikvm, pikvm-1a2b.local), and nothing
 * or a local suffix follows (a public name like pikvm.example.org is a web
 * site, not the device). */
static const char *product_of_name(const char *name)
{
	static const char *const names[] = { "pikvm", "tinypilot", "jetkvm" };
	static const char *const local[] = { "", ".local", ".local.", ".lan", ".home", ".internal" };
	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(name, names[i], n) != 0 || (name[n] && name[n] != '.' && name[n] != '-'))
			continue;
		const char *rest = name + n + strcspn(name + n, ".:");
		size_t rlen = strcspn(rest, ":");
		for (size_t k = 0; k < ARRAY_SIZE(local); k++)
			if (rlen == strlen(local[k]) && strncasecmp(rest, local[k], rlen) == 0)
				return names[i];
	}
	return NULL;
}

static bool prefix(const char *s, const char *p)
{
	return s && strncmp(s, p, strlen(p)) == 0;
}

static const char *field_str(const struct sl_identify_ipkvm *k, int id, const struct sl_record *r,
			     struct sl_value *v)
{
	v->s = NULL;
	v->n = 0;
	return sl_field_get(k->f[id], r, v) && v->s && v->s[0] ? v->s : NULL;
}

/* The names and certificates claim() reads come from these parsers: a flow
 * none of them took has nothing to claim. */
static bool has_sources(const struct sl_flow *f)
{
	return sl_flow_state(f, &sl_proto_tls) || sl_flow_state(f, &sl_proto_http) ||
	       sl_flow_state(f, &sl_proto_mdns);
}

/* The appliance's certificate. */
static bool claim_cert(const struct sl_identify_ipkvm *k, const struct sl_record *r,
		       struct sl_flow *f)
{
	struct sl_value v;
	for (int id = SL_IPKVM_F_SUBJECT; id <= SL_IPKVM_F_ISSUER; id++) {
		const char *dn = field_str(k, id, r, &v);
		const char *app = !dn ? NULL
				  : strstr(dn, "O=PiKVM") || strstr(dn, "O=PIKVM") ? "pikvm"
				  : strstr(dn, "CN=tinypilot")                     ? "tinypilot"
										   : NULL;
		if (app) {
			sl_app_set_product(f, app, "ip-kvm", SL_SRC_CERTIFICATE);
			return true;
		}
	}
	return false;
}

/* Certificates first (strongest), then the web UI's own paths, then names. */
static void claim(const struct sl_identify_ipkvm *k, const struct sl_record *r, struct sl_flow *f)
{
	struct sl_value v;
	const char *p;
	if (claim_cert(k, r, f))
		return;
	bool pi_server = field_str(k, SL_IPKVM_F_VENDOR, r, &v) != NULL;
	const char *uri = field_str(k, SL_IPKVM_F_URI, r, &v);
	const char *app = prefix(uri, "/auth/login-local") ? "jetkvm"
			  : prefix(uri, "/kvm/") || (pi_server && (prefix(uri, "/api/auth/") ||
								   prefix(uri, "/api/streamer") ||
								   prefix(uri, "/api/hid")))
			  ? "pikvm"
			  : NULL;
	if (app)
		sl_app_set_product(f, app, "ip-kvm", SL_SRC_WIRE);
	else if ((p = product_of_name(field_str(k, SL_IPKVM_F_HOST, r, &v))))
		sl_app_set_product(f, p, "ip-kvm", SL_SRC_SNI);
	else if ((p = product_of_name(field_str(k, SL_IPKVM_F_MDNS, r, &v))))
		sl_app_set_product(f, p, "ip-kvm", SL_SRC_DNS);
}

void sl_identify_ipkvm(const struct sl_identify_ipkvm *k, const struct sl_record *r,
		       struct sl_flow *f)
{
	if (sl_flow_state(f, &sl_proto_ipkvm) && has_sources(f))
		claim(k, r, f);
}
