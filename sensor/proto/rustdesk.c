/* RustDesk rendezvous (hbbs: 21115/tcp NAT test, 21116/tcp+udp) and relay
 * (hbbr: 21117/tcp).  Sources: RustDesk's public protocol,
 * libs/hbb_common/protos/rendezvous.proto (RendezvousMessage is a single
 * oneof, fields 6 register_peer ... 28 http_proxy_response, every member a
 * message: wire type 2) and libs/hbb_common/src/bytes_codec.rs (TCP frames:
 * a 1-4 byte little-endian header whose low two bits are the header length
 * minus one and whose remaining bits are the payload length, always the
 * shortest header that fits); UDP datagrams carry the message bare.  E.g.
 * the NAT test 14 a2 01 02 08 01 = header 5<<2, field 20 (test_nat_request)
 * of 2 bytes holding serial = 1.  Protobuf encoding: developers.google.com
 * /protocol-buffers/docs/encoding (varints, tags, wire types).
 *
 * Rule, port-independent: the first payload of each direction is one
 * RendezvousMessage (a TCP one in a complete, shortest-header frame inside
 * that segment) whose inner message walks as well-formed protobuf.  On the
 * relay the client's first message is request_relay (18) and what comes
 * back is the other peer's first message (message.proto, not a
 * RendezvousMessage): there the server side needs a well-formed frame of
 * well-formed protobuf. */
#include <string.h>

#include "sightline/proto.h"

#define RZ_FIELD_MIN 6         /* register_peer */
#define RZ_FIELD_MAX 28        /* http_proxy_response */
#define RZ_REQUEST_RELAY 18
#define RZ_INNER_FIELD_MAX 16  /* the largest rendezvous message has 11 fields */
#define RZ_PEER_FIELD_MAX 63   /* message.proto's Message, relayed: looser */
#define RZ_PKTS_MAX 16

extern const struct sl_proto sl_proto_rustdesk;

struct rz_state {
	bool seen[2];   /* this direction's first payload validated */
	bool relay;     /* the client asked for a relay */
};

static bool pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* [p, end) is a sequence of well-formed fields numbered 1..max_field, with
 * no groups (wire types 3/4) and no length running past the end. */
static bool pb_fields(const uint8_t *p, const uint8_t *end, unsigned max_field)
{
	while (p < end) {
		uint64_t tag, v;
		if (!pb_varint(&p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > max_field)
			return false;
		switch (tag & 7) {
		case 0:
			if (!pb_varint(&p, end, &v))
				return false;
			break;
		case 1:
		case 5: {
			size_t w = (tag & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < w)
				return false;
			p += w;
			break;
		}
		case 2:
			if (!pb_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return false;
			p += v;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* One RendezvousMessage filling [p, p+n) exactly: its one oneof member
 * (a message) and that member's fields.  *which gets the member number. */
static bool rz_message(const uint8_t *p, size_t n, unsigned *which)
{
	const uint8_t *end = p + n;
	uint64_t tag, len;
	if (!pb_varint(&p, end, &tag) || (tag & 7) != 2 || (tag >> 3) < RZ_FIELD_MIN ||
	    (tag >> 3) > RZ_FIELD_MAX)
		return false;
	if (!pb_varint(&p, end, &len) || len != (uint64_t)(end - p))
		return false;
	*which = (unsigned)(tag >> 3);
	return pb_fields(p, end, RZ_INNER_FIELD_MAX);
}

/* bytes_codec framing: the first frame of the segment, complete and with
 * the shortest header its length allows.  Body in [*body, *body + *blen). */
static bool rz_frame(const uint8_t *p, size_t n, const uint8_t **body, size_t *blen)
{
	static const uint32_t hmax[4] = { 0x3f, 0x3fff, 0x3fffff, 0x3fffffff };
	if (n == 0)
		return false;
	size_t hl = (size_t)(p[0] & 3) + 1;
	if (n < hl)
		return false;
	uint32_t h = 0;
	for (size_t i = 0; i < hl; i++)
		h |= (uint32_t)p[i] << (8 * i);
	uint32_t len = h >> 2;
	if (len > hmax[hl - 1] || (hl > 1 && len <= hmax[hl - 2]) || len > n - hl)
		return false;
	*body = p + hl;
	*blen = len;
	return true;
}

/* This direction's first payload: a (framed, on TCP) RendezvousMessage, or
 * on a relay's server side any framed protobuf. */
static bool rz_valid(struct rz_state *s, const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload, *body = p;
	size_t blen = pp->pkt->payload_len;
	unsigned which = 0;
	if (pp->flow->proto == 6 && !rz_frame(p, blen, &body, &blen))
		return false;
	if (s->relay && pp->dir == SL_DIR_TOCLIENT)
		return blen > 0 && pb_fields(body, body + blen, RZ_PEER_FIELD_MAX);
	if (!rz_message(body, blen, &which))
		return false;
	if (pp->dir == SL_DIR_TOSERVER && which == RZ_REQUEST_RELAY && pp->flow->proto == 6)
		s->relay = true;
	return true;
}

static bool rz_probe(const struct sl_proto_pkt *pp)
{
	struct rz_state s = { 0 };
	return rz_valid(&s, pp);
}

static enum sl_proto_verdict rz_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct rz_state *s = state;
	if (!s->seen[pp->dir]) {
		if (!rz_valid(s, pp))
			return SL_PROTO_NOT_MINE;
		s->seen[pp->dir] = true;
	}
	if (s->seen[SL_DIR_TOSERVER] && s->seen[SL_DIR_TOCLIENT]) {
		sl_app_identify(pp->flow, &sl_proto_rustdesk);
		sl_proto_claim_product(pp->flow, "rustdesk", "remote-access", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	return pp->index + 1 >= RZ_PKTS_MAX ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

const struct sl_proto sl_proto_rustdesk = {
	.name = "rustdesk",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct rz_state),
	.probe = rz_probe,
	.packet = rz_packet,
};
