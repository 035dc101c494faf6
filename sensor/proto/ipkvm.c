/* Wire facts for IP-KVM appliances seen from the LAN (PiKVM, TinyPilot,
 * JetKVM; decided in sensor/identify/ipkvm.c): on web and mDNS flows, and on
 * flows to a Raspberry Pi, whether either side's hardware address is a
 * Raspberry Pi's -- Raspberry Pi Ltd / Foundation in the IEEE OUI registry:
 * B8:27:EB, DC:A6:32, E4:5F:01, D8:3A:DD, 2C:CF:67.  A Pi is only a fact
 * (dest.mac_vendor), never a product by itself; it makes PiKVM's generic
 * /api/ paths count.  The first IPKVM_PKTS_MAX packets are looked at, the
 * window in which the appliance's names and certificates show. */
#include <string.h>

#include "sightline/proto.h"

#define IPKVM_PKTS_MAX 16 /* packets looked at */

extern const struct sl_proto sl_proto_ipkvm;

static const uint8_t pi_ouis[][3] = {
	{ 0xb8, 0x27, 0xeb }, { 0xdc, 0xa6, 0x32 }, { 0xe4, 0x5f, 0x01 },
	{ 0xd8, 0x3a, 0xdd }, { 0x2c, 0xcf, 0x67 },
};

struct ipkvm_state {
	bool pi_client;   /* the client's hardware address is a Raspberry Pi's (mDNS announcer) */
	bool pi_server;   /* the server's hardware address is a Raspberry Pi's */
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

static enum sl_proto_verdict ipkvm_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ipkvm_state *s = state;
	s->pi_server |= is_pi(server_mac(pp));
	s->pi_client |= is_pi(client_mac(pp));
	return pp->index >= IPKVM_PKTS_MAX ? SL_PROTO_DONE : SL_PROTO_MORE;
}

#define AT_IPKVM SL_IN_STATE(sl_proto_ipkvm)

/* A hardware address's maker, by whether it is a Raspberry Pi's. */
static const char *const vendor_names[] = { NULL, "raspberry-pi" };

static const struct sl_field fields[] = {
	SL_FIELD_ENUM("src.mac_vendor", "maker of the client's hardware address when it tells something (raspberry-pi: Raspberry Pi OUIs), on web and mDNS flows",
		      AT_IPKVM, struct ipkvm_state, pi_client, vendor_names, SL_NONZERO),
	SL_FIELD_ENUM("dest.mac_vendor", "the same for the server's hardware address",
		      AT_IPKVM, struct ipkvm_state, pi_server, vendor_names, SL_NONZERO),
};

static const struct sl_field_table ipkvm_fields = { "ipkvm", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_ipkvm = {
	.name = "ipkvm",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.all_packets = false,
	.state_size = sizeof(struct ipkvm_state),
	.probe = ipkvm_probe,
	.packet = ipkvm_packet,
	.fields = &ipkvm_fields,
};
