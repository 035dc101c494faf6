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
 *  - Raspberry Pi Ltd / Foundation hardware addresses (IEEE OUI registry):
 *    B8:27:EB, DC:A6:32, E4:5F:01, D8:3A:DD, 2C:CF:67.  A Pi is only a
 *    fact (dest.mac_vendor), never a product by itself; it makes PiKVM's
 *    generic /api/ paths count.
 * Products are claimed from the other parsers' fields (http.*, tls.cert.*,
 * mdns.hostname) read through the catalogue while the flow is inspected;
 * this parser runs after them in the registry, so each packet's facts are
 * already there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sightline/proto.h"

extern const struct sl_proto sl_proto_tls, sl_proto_http, sl_proto_mdns;

#define IPKVM_PKTS_MAX 16 /* packets looked at for names before giving up */

extern const struct sl_proto sl_proto_ipkvm;

static const uint8_t pi_ouis[][3] = {
	{ 0xb8, 0x27, 0xeb }, { 0xdc, 0xa6, 0x32 }, { 0xe4, 0x5f, 0x01 },
	{ 0xd8, 0x3a, 0xdd }, { 0x2c, 0xcf, 0x67 },
};

enum { F_URI, F_HOST, F_SUBJECT, F_ISSUER, F_MDNS, F__COUNT };

struct ipkvm_global {
	const struct sl_field *f[F__COUNT];
};

struct ipkvm_state {
	bool pi_client;   /* the client's hardware address is a Raspberry Pi's (mDNS announcer) */
	bool pi_server;   /* the server's hardware address is a Raspberry Pi's */
	bool claimed;
};

static bool is_pi(const uint8_t *mac)
{
	for (size_t i = 0; mac && i < ARRAY_SIZE(pi_ouis); i++)
		if (memcmp(mac, pi_ouis[i], 3) == 0)
			return true;
	return false;
}

/* The server's (or client's) hardware address as seen in this packet, or NULL. */
static const uint8_t *server_mac(const struct sl_proto_pkt *pp)
{
	return pp->dir == SL_DIR_TOSERVER ? pp->pkt->mac_dst : pp->pkt->mac_src;
}

static const uint8_t *client_mac(const struct sl_proto_pkt *pp)
{
	return pp->dir == SL_DIR_TOSERVER ? pp->pkt->mac_src : pp->pkt->mac_dst;
}

static bool web_port(uint16_t port)
{
	return port == 80 || port == 443 || port == 8080 || port == 8443;
}

static bool ipkvm_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_flow *f = pp->flow;
	if (f->proto == 17)
		return f->sport == 5353 || f->cport == 5353;
	return web_port(f->sport) || is_pi(server_mac(pp));
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

static const char *field_str(const struct ipkvm_global *g, int id, const struct sl_record *r,
			     struct sl_value *v)
{
	v->s = NULL;
	v->n = 0;
	return g->f[id] && g->f[id]->get(r, v) && v->s && v->s[0] ? v->s : NULL;
}

/* The names and certificates claim() reads come from these parsers: a flow
 * none of them took has nothing to claim yet (checked per packet, cheaply). */
static bool has_sources(const struct sl_flow *f)
{
	return sl_flow_state(f, &sl_proto_tls) || sl_flow_state(f, &sl_proto_http) ||
	       sl_flow_state(f, &sl_proto_mdns);
}

/* Certificates first (strongest), then the web UI's own paths, then names. */
static bool claim(const struct ipkvm_state *s, const struct ipkvm_global *g, struct sl_flow *f)
{
	struct sl_record r = { .flow = f, .event_type = "flow" };
	struct sl_value v;
	const char *p;
	for (int id = F_SUBJECT; id <= F_ISSUER; id++) {
		const char *dn = field_str(g, id, &r, &v);
		const char *app = !dn ? NULL
				  : strstr(dn, "O=PiKVM") || strstr(dn, "O=PIKVM") ? "pikvm"
				  : strstr(dn, "CN=tinypilot")                     ? "tinypilot"
										   : NULL;
		if (app) {
			sl_app_set_product(f, app, "ip-kvm", SL_SRC_CERTIFICATE);
			return true;
		}
	}
	const char *uri = field_str(g, F_URI, &r, &v);
	const char *app = prefix(uri, "/auth/login-local") ? "jetkvm"
			  : prefix(uri, "/kvm/") || (s->pi_server && (prefix(uri, "/api/auth/") ||
								     prefix(uri, "/api/streamer") ||
								     prefix(uri, "/api/hid")))
			  ? "pikvm"
			  : NULL;
	if (app) {
		sl_app_set_product(f, app, "ip-kvm", SL_SRC_WIRE);
		return true;
	}
	if ((p = product_of_name(field_str(g, F_HOST, &r, &v)))) {
		sl_app_set_product(f, p, "ip-kvm", SL_SRC_SNI);
		return true;
	}
	if ((p = product_of_name(field_str(g, F_MDNS, &r, &v)))) {
		sl_app_set_product(f, p, "ip-kvm", SL_SRC_DNS);
		return true;
	}
	return false;
}

static enum sl_proto_verdict ipkvm_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ipkvm_state *s = state;
	s->pi_server |= is_pi(server_mac(pp));
	s->pi_client |= is_pi(client_mac(pp));
	if (!s->claimed && pp->global && has_sources(pp->flow))
		s->claimed = claim(s, pp->global, pp->flow);
	return s->claimed || pp->index >= IPKVM_PKTS_MAX ? SL_PROTO_DONE : SL_PROTO_MORE;
}

static int ipkvm_create(const struct sl_config *cfg, void **global, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	static const char *const names[F__COUNT] = { "http.uri", "http.host", "tls.cert.subject",
						     "tls.cert.issuer", "mdns.hostname" };
	struct ipkvm_global *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (int i = 0; i < F__COUNT; i++)
		g->f[i] = sl_catalogue_find(names[i]);
	*global = g;
	return 0;
}

static void ipkvm_destroy(void *global)
{
	free(global);
}

static bool g_src_vendor(const struct sl_record *r, struct sl_value *v)
{
	const struct ipkvm_state *s = sl_record_state(r, &sl_proto_ipkvm);
	v->s = s && s->pi_client ? "raspberry-pi" : NULL;
	return v->s != NULL;
}

static bool g_dest_vendor(const struct sl_record *r, struct sl_value *v)
{
	const struct ipkvm_state *s = sl_record_state(r, &sl_proto_ipkvm);
	v->s = s && s->pi_server ? "raspberry-pi" : NULL;
	return v->s != NULL;
}

static const struct sl_field fields[] = {
	{ "src.mac_vendor", SL_FT_STRING,
	  "maker of the client's hardware address when it tells something (raspberry-pi: Raspberry Pi OUIs), on web and mDNS flows", g_src_vendor },
	{ "dest.mac_vendor", SL_FT_STRING, "the same for the server's hardware address", g_dest_vendor },
};

static const struct sl_field_table ipkvm_fields = { "ipkvm", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_ipkvm = {
	.name = "ipkvm",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.all_packets = false,
	.state_size = sizeof(struct ipkvm_state),
	.create = ipkvm_create,
	.destroy = ipkvm_destroy,
	.probe = ipkvm_probe,
	.packet = ipkvm_packet,
	.fields = &ipkvm_fields,
};
