/* WireGuard over UDP: the four message types with their fixed sizes and
 * zero reserved bytes, the responder's receiver index matching the
 * initiator's sender index, transport messages addressed to the peer's
 * index with rising counters.  Spec: J. A. Donenfeld, "WireGuard: Next
 * Generation Kernel Network Tunnel", §5.4 (messages) and §5.4.6
 * (transport data: 16-byte header, payload padded to 16, 16-byte tag). */
#include <stdio.h>
#include <string.h>

#include "sightline/proto.h"

#define WG_MAX_TRIES 64  /* packets looked at (handshakes are counted meanwhile) */
#define WG_SIDE_MIN 2    /* transport messages per side without a handshake */

enum { WG_INIT = 1, WG_RESP = 2, WG_COOKIE = 3, WG_DATA = 4 };

struct wg_side {
	uint32_t sender;  /* own index from its initiation or response (wire order) */
	uint32_t rx;      /* receiver index of its transport messages */
	uint64_t ctr;     /* last transport counter */
	uint8_t data;     /* transport messages seen */
	bool has_sender;
};

struct wg_state {
	struct wg_side side[2];
	uint32_t init_sender; /* sender index of the last matched initiation */
	uint32_t handshakes;  /* responses matching an initiation */
	uint8_t tries;
	bool identified;
	bool has_init;
};

extern const struct sl_proto sl_proto_wireguard;

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Type 1-4, reserved bytes zero, the size the type dictates. */
static bool wg_framed(const uint8_t *p, size_t n)
{
	if (n < 4 || p[1] || p[2] || p[3])
		return false;
	switch (p[0]) {
	case WG_INIT: return n == 148;
	case WG_RESP: return n == 92;
	case WG_COOKIE: return n == 64;
	case WG_DATA: return n >= 32 && n % 16 == 0;
	default: return false;
	}
}

static bool wg_probe(const struct sl_proto_pkt *pp)
{
	return wg_framed(pp->pkt->payload, pp->pkt->payload_len);
}

static void identify(struct wg_state *s, struct sl_flow *f)
{
	if (s->identified)
		return;
	s->identified = true;
	sl_app_identify(f, &sl_proto_wireguard);
	sl_proto_claim_product(f, "wireguard", "vpn", SL_PROTO_BY_WIRE);
}

/* A transport message: addressed to the peer's index when the handshake
 * told us, else to the same index as this side's earlier ones; counters
 * rise (a 64-bit nonce far below 2^48 in practice). */
static bool wg_data(struct wg_side *me, const struct wg_side *peer, const uint8_t *p)
{
	uint32_t rx = rd32(p + 4);
	uint64_t ctr = le64(p + 8);
	if (peer->has_sender && rx != peer->sender)
		return false;
	if (ctr >> 48)
		return false;
	if (me->data && (rx != me->rx || ctr <= me->ctr))
		return false;
	me->rx = rx;
	me->ctr = ctr;
	if (me->data < 255)
		me->data++;
	return true;
}

/* One message; false when it contradicts what the flow showed so far. */
static bool wg_message(struct wg_state *s, const struct sl_proto_pkt *pp, const uint8_t *p)
{
	struct wg_side *me = &s->side[pp->dir], *peer = &s->side[!pp->dir];
	switch (p[0]) {
	case WG_INIT:
		me->sender = rd32(p + 4);
		me->has_sender = true;
		me->data = 0;
		return true;
	case WG_RESP:
		if (!peer->has_sender || rd32(p + 8) != peer->sender)
			return false;
		me->sender = rd32(p + 4);
		me->has_sender = true;
		me->data = 0;
		s->init_sender = peer->sender;
		s->has_init = true;
		s->handshakes++;
		identify(s, pp->flow);
		return true;
	case WG_COOKIE:
		return !peer->has_sender || rd32(p + 4) == peer->sender;
	default:
		if (!wg_data(me, peer, p))
			return false;
		if (me->data >= WG_SIDE_MIN && peer->data >= WG_SIDE_MIN)
			identify(s, pp->flow);
		return true;
	}
}

static enum sl_proto_verdict wg_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct wg_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	bool ok = wg_framed(p, pp->pkt->payload_len) && wg_message(s, pp, p);
	if (!ok && !s->identified)
		return SL_PROTO_NOT_MINE;
	if (++s->tries >= WG_MAX_TRIES)
		return s->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	return SL_PROTO_MORE;
}

/* Declared fields read the state once identified is set. */
#define AT_WG SL_IN_STATE_IF(sl_proto_wireguard, struct wg_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_HEX("wireguard.sender_index", "initiator's sender index of the last handshake, hex in wire order", AT_WG, struct wg_state, init_sender, 0, SL_IF(struct wg_state, has_init)),
	SL_FIELD_U("wireguard.handshakes", "handshake responses matching an initiation among the inspected packets",
	           AT_WG, struct wg_state, handshakes, SL_WITH_STATE),
};

static const struct sl_field_table wg_fields = { "wireguard", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_wireguard = {
	.name = "wireguard",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct wg_state),
	.probe = wg_probe,
	.packet = wg_packet,
	.fields = &wg_fields,
};
