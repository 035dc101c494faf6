/* STUN over UDP (WebRTC's ICE checks and server-reflexive discovery, TURN
 * allocations).  Spec: RFC 5389 §6 (20-byte header: two zero bits, message
 * type, length a multiple of 4 covering the attributes, magic cookie
 * 0x2112A442, 96-bit transaction id), §15 (attributes: type, length, value
 * padded to 4), §15.2 (XOR-MAPPED-ADDRESS), §15.10 (SOFTWARE).
 * Identified only when both directions agree: a request from one side and a
 * success or error response from the other echoing its transaction id.
 * STUN names no product: WebRTC video calls use it as much as remote
 * desktops do (see assoc.c for Chrome Remote Desktop). */
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"

#define STUN_COOKIE 0x2112A442u
#define STUN_PKTS_MAX 12 /* give up when no answer came by then */
#define STUN_TXIDS 4     /* outstanding requests remembered */

extern const struct sl_proto sl_proto_stun;

enum { CLASS_REQUEST = 0, CLASS_INDICATION = 1, CLASS_SUCCESS = 2, CLASS_ERROR = 3 };

struct stun_state {
	uint8_t txid[STUN_TXIDS][12];
	uint8_t ntx;
	bool identified;
	bool has_mapped;
	uint16_t seen;
	struct sl_addr mapped;   /* XOR-MAPPED-ADDRESS of the first success response */
	char software[64];
};

struct stun_hdr {
	uint16_t method;
	uint8_t cls;
	const uint8_t *txid;
	struct sl_cursor attrs;
};

/* The fixed header and an attribute block that exactly fills the length. */
static bool parse_hdr(const uint8_t *p, size_t n, struct stun_hdr *h)
{
	struct sl_cursor c = sl_cursor_make(p, n);
	uint16_t type, len;
	uint32_t cookie;
	if (!sl_rd_be16(&c, &type) || !sl_rd_be16(&c, &len) || !sl_rd_be32(&c, &cookie) ||
	    !sl_rd_bytes(&c, 12, &h->txid))
		return false;
	if ((type & 0xc000) || (len & 3) || cookie != STUN_COOKIE || len != sl_cursor_left(&c))
		return false;
	h->cls = (uint8_t)(((type >> 4) & 1) | ((type >> 7) & 2));
	h->method = (uint16_t)((type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80));
	return sl_rd_sub(&c, len, &h->attrs);
}

static bool stun_probe(const struct sl_proto_pkt *pp)
{
	struct stun_hdr h;
	return parse_hdr(pp->pkt->payload, pp->pkt->payload_len, &h);
}

/* XOR-MAPPED-ADDRESS (RFC 5389 §15.2): family, port and address XOR-ed
 * with the cookie (and, for IPv6, the transaction id). */
static void xor_mapped(struct stun_state *s, struct sl_cursor v, const uint8_t *txid)
{
	uint8_t fam, x[16];
	const uint8_t *a;
	if (!sl_rd_skip(&v, 1) || !sl_rd_u8(&v, &fam) || !sl_rd_skip(&v, 2))
		return;
	size_t alen = fam == 1 ? 4 : fam == 2 ? 16 : 0;
	if (!alen || !sl_rd_bytes(&v, alen, &a))
		return;
	static const uint8_t cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };
	for (size_t i = 0; i < alen && i < sizeof(x); i++)
		x[i] = a[i] ^ (i < 4 ? cookie[i] : txid[i - 4]);
	memset(&s->mapped, 0, sizeof(s->mapped));
	s->mapped.family = fam == 1 ? 4 : 6;
	memcpy(s->mapped.b, x, alen);
	s->has_mapped = true;
}

static void attributes(struct stun_state *s, const struct stun_hdr *h)
{
	struct sl_cursor c = h->attrs, v;
	uint16_t type, len;
	while (sl_rd_be16(&c, &type) && sl_rd_be16(&c, &len) && sl_rd_sub(&c, len, &v) &&
	       sl_rd_skip(&c, (4u - (len & 3)) & 3)) {
		if (type == 0x8022 && !s->software[0]) {
			size_t k = len < sizeof(s->software) - 1 ? len : sizeof(s->software) - 1;
			for (size_t i = 0; i < k; i++) {
				uint8_t b = v.p[i];
				s->software[i] = b >= 0x20 && b < 0x7f ? (char)b : '?';
			}
			s->software[k] = '\0';
		} else if (type == 0x0020 && h->cls == CLASS_SUCCESS && !s->has_mapped) {
			xor_mapped(s, v, h->txid);
		}
	}
}

static bool known_txid(const struct stun_state *s, const uint8_t *txid)
{
	for (uint8_t i = 0; i < s->ntx; i++)
		if (memcmp(s->txid[i], txid, 12) == 0)
			return true;
	return false;
}

/* What to answer when no more STUN is needed or expected yet. */
static enum sl_proto_verdict stun_wait(const struct stun_state *s, const struct sl_proto_pkt *pp)
{
	if (s->identified && s->has_mapped)
		return SL_PROTO_DONE;
	return pp->index < STUN_PKTS_MAX || s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
}

/* Requests are remembered with the side that sent them (bit 2i + dir of
 * seen for slot i); a response must echo a remembered transaction id and
 * come from the other side.  Both sides of ICE send requests, so any one
 * answered request of the flow is enough.  WebRTC multiplexes DTLS, SRTP
 * and TURN channel data on the same port pair: a datagram whose first byte
 * is not STUN's (RFC 7983 §7: 0..3) is passed over, so a DTLS handshake
 * starting before the STUN answer does not hide it. */
static enum sl_proto_verdict stun_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct stun_state *s = state;
	struct stun_hdr h;
	if (pp->pkt->payload_len && pp->pkt->payload[0] > 3)
		return stun_wait(s, pp);
	if (!parse_hdr(pp->pkt->payload, pp->pkt->payload_len, &h))
		return s->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	attributes(s, &h);
	if (h.cls == CLASS_REQUEST && !known_txid(s, h.txid) && s->ntx < STUN_TXIDS) {
		memcpy(s->txid[s->ntx], h.txid, 12);
		s->seen |= (uint16_t)(1u << (s->ntx * 2 + pp->dir));
		s->ntx++;
	} else if ((h.cls == CLASS_SUCCESS || h.cls == CLASS_ERROR) && !s->identified) {
		for (uint8_t i = 0; i < s->ntx; i++)
			if (memcmp(s->txid[i], h.txid, 12) == 0 &&
			    (s->seen & (1u << (i * 2 + !pp->dir)))) {
				s->identified = true;
				sl_app_identify(pp->flow, &sl_proto_stun);
			}
	}
	return stun_wait(s, pp);
}

/* Declared fields read the state once identified is set. */
#define AT_STUN SL_IN_STATE_IF(sl_proto_stun, struct stun_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("stun.software", "SOFTWARE attribute of a STUN message (the agent's name and version)",
	             AT_STUN, struct stun_state, software, SL_NONZERO),
	SL_FIELD_IP("stun.mapped_ip", "XOR-MAPPED-ADDRESS of the first success response: the client's address as the STUN server saw it (its public NAT address)",
	            AT_STUN, struct stun_state, mapped, SL_IF(struct stun_state, has_mapped)),
};

static const struct sl_field_table stun_fields = { "stun", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_stun = {
	.name = "stun",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct stun_state),
	.probe = stun_probe,
	.packet = stun_packet,
	.fields = &stun_fields,
};
