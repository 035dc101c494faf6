/* Cloudflare WARP's WireGuard (UDP 2408, also 500/1701/4500).  WARP speaks
 * WireGuard (Donenfeld, "WireGuard", §5.4: type byte, three reserved bytes,
 * receiver index, 64-bit little-endian counter) but puts the account's
 * 3-byte client id into the reserved bytes, which plain WireGuard keeps
 * zero (Cloudflare's WARP configuration exposes it as "client_id"; public
 * WARP tooling writes it into "reserved"), and newer clients also set the
 * type byte's two high bits (0xC4 for transport data).  Transport messages
 * with the same non-zero client id in both directions, each side addressed
 * to one receiver index with rising counters, identify WARP. */
#include <string.h>

#include "sightline/proto.h"

#define WARP_DATA 4
#define WARP_TYPE_MASK 0x3f
#define WARP_HIGH_BITS 0xc0
#define WARP_MIN_DATA 32  /* 16-byte header and the 16-byte tag */
#define WARP_PER_SIDE 2
#define WARP_TRIES 32

extern const struct sl_proto sl_proto_cloudflare_warp;

struct warp_side {
	uint32_t rx;
	uint64_t ctr;
	uint8_t data;
};

struct warp_state {
	struct warp_side side[2];
	uint8_t client_id[3];
	uint8_t tries;
	bool has_id;
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A WireGuard message type 1-4, with or without WARP's high bits. */
static unsigned msg_type(uint8_t b)
{
	unsigned hi = b & WARP_HIGH_BITS, t = b & WARP_TYPE_MASK;
	return (hi == 0 || hi == WARP_HIGH_BITS) && t >= 1 && t <= 4 ? t : 0;
}

/* Transport data carrying a client id (non-zero reserved bytes). */
static bool warp_data(const uint8_t *p, size_t n)
{
	return n >= WARP_MIN_DATA && msg_type(p[0]) == WARP_DATA && (p[1] | p[2] | p[3]);
}

static bool warp_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	return n >= 4 && msg_type(p[0]) && (msg_type(p[0]) != WARP_DATA || warp_data(p, n));
}

/* One transport message: same client id as before, this side's receiver
 * index unchanged and its counter rising. */
static bool data_ok(struct warp_state *s, struct warp_side *me, const uint8_t *p)
{
	uint32_t rx;
	uint64_t ctr = le64(p + 8);
	memcpy(&rx, p + 4, 4);
	if (s->has_id && memcmp(s->client_id, p + 1, 3) != 0)
		return false;
	if ((ctr >> 48) || (me->data && (rx != me->rx || ctr <= me->ctr)))
		return false;
	memcpy(s->client_id, p + 1, 3);
	s->has_id = true;
	me->rx = rx;
	me->ctr = ctr;
	if (me->data < 255)
		me->data++;
	return true;
}

static enum sl_proto_verdict warp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct warp_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (n < 4 || !msg_type(p[0]))
		return SL_PROTO_NOT_MINE;
	if (msg_type(p[0]) == WARP_DATA) {
		if (!warp_data(p, n) || !data_ok(s, &s->side[pp->dir], p))
			return SL_PROTO_NOT_MINE;
		if (s->side[0].data >= WARP_PER_SIDE && s->side[1].data >= WARP_PER_SIDE) {
			sl_app_identify(pp->flow, &sl_proto_cloudflare_warp);
			sl_proto_claim_product(pp->flow, "cloudflare-warp", "vpn", SL_PROTO_BY_WIRE);
			return SL_PROTO_DONE;
		}
	}
	return ++s->tries >= WARP_TRIES ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

const struct sl_proto sl_proto_cloudflare_warp = {
	.name = "cloudflare-warp",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct warp_state),
	.probe = warp_probe,
	.packet = warp_packet,
};
