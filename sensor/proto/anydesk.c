/* AnyDesk on the wire: its LAN discovery.  AnyDesk's sessions are TLS (TCP
 * 6568, fallback 443/80) whose only product-specific traits are names —
 * the ALPN "anydesk/<version>/<os>", the "AnyNet Relay" / "AnyDesk Client"
 * certificates, *.net.anydesk.com — which nDPI also matches by name (its
 * AnyDesk entry has no dissector of its own: the TLS dissector's ALPN and
 * certificate matching, nDPI PRs #1735 and #1778), so those claims belong to
 * the name-based identification, not here.  What is left on the wire is the
 * discovery AnyDesk clients multicast on the LAN: UDP to the group
 * 239.255.102.18, ports 50001-50003 (AnyDesk's firewall documentation and
 * the project's DESIGN.md).  The group is AnyDesk's own (administratively
 * scoped, not shared with other software), so a datagram to it on those
 * ports is claimed as wire evidence.  The same datagram sent to the limited
 * broadcast 255.255.255.255 carries only the port number: it is claimed with
 * source "port", never more.  The payload format is not public and is not
 * checked beyond being non-empty. */
#include <string.h>

#include "sightline/proto.h"

#define AD_PORT_LO 50001
#define AD_PORT_HI 50003

extern const struct sl_proto sl_proto_anydesk;

enum ad_kind { AD_NONE, AD_MULTICAST, AD_BROADCAST };

struct ad_state {
	uint8_t kind;
};

static const uint8_t ad_group[4] = { 239, 255, 102, 18 };
static const uint8_t ad_bcast[4] = { 255, 255, 255, 255 };

static enum ad_kind ad_classify(const struct sl_packet *p)
{
	if (p->dst.family != 4 || p->payload_len == 0 || p->dport < AD_PORT_LO ||
	    p->dport > AD_PORT_HI)
		return AD_NONE;
	if (memcmp(p->dst.b, ad_group, 4) == 0)
		return AD_MULTICAST;
	if (memcmp(p->dst.b, ad_bcast, 4) == 0)
		return AD_BROADCAST;
	return AD_NONE;
}

static bool ad_probe(const struct sl_proto_pkt *pp)
{
	return ad_classify(pp->pkt) != AD_NONE;
}

/* One datagram decides: the group is wire evidence, the broadcast only a
 * port guess (app_proto is left alone then). */
static enum sl_proto_verdict ad_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ad_state *s = state;
	enum ad_kind k = ad_classify(pp->pkt);
	if (k == AD_NONE)
		return SL_PROTO_NOT_MINE;
	s->kind = (uint8_t)k;
	if (k == AD_MULTICAST) {
		sl_app_identify(pp->flow, &sl_proto_anydesk);
		sl_proto_claim_product(pp->flow, "anydesk", "remote-access", SL_PROTO_BY_WIRE);
	} else {
		sl_proto_claim_product(pp->flow, "anydesk", "remote-access", SL_PROTO_BY_PORT);
	}
	return SL_PROTO_DONE;
}

const struct sl_proto sl_proto_anydesk = {
	.name = "anydesk",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct ad_state),
	.probe = ad_probe,
	.packet = ad_packet,
};
