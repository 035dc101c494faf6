/* Radmin (Famatech, default TCP 4899).  No specification is published; the
 * only public description of its first bytes is nDPI's Radmin dissector
 * (src/lib/protocols/radmin.c, 2024), whose checks show a message framing
 * of a 9-byte header -- 01 00 00 00, a length byte L, four more bytes --
 * followed by L bytes:
 *  - the client's 10-byte hello (L = 1, bytes 8-9 = 08 08), answered by a
 *    46-byte server message (L = 0x25, bytes 7-10 = 02 12 08 02, byte 13 =
 *    0x0A); or
 *  - 14-byte messages (L = 5, bytes 8-9 = 27 27) in both directions.
 * Either exchange, seen in both directions with this framing, identifies
 * the flow.  Written from that description, not from its code. */
#include <string.h>

#include "sightline/proto.h"

#define RADMIN_HDR 9
#define RADMIN_PKTS 6 /* the exchange is looked for in the first packets only */

extern const struct sl_proto sl_proto_radmin;

enum rad_msg { M_NONE, M_HELLO, M_HELLO_REPLY, M_SHORT };

struct radmin_state {
	bool hello, short_seen[2], identified;
};

/* The common header: magic 01 00 00 00 and L matching the segment size. */
static bool framed(const uint8_t *p, size_t n)
{
	return n >= RADMIN_HDR && p[0] == 1 && p[1] == 0 && p[2] == 0 && p[3] == 0 &&
	       (size_t)p[4] + RADMIN_HDR == n;
}

static enum rad_msg classify(const uint8_t *p, size_t n, enum sl_dir dir)
{
	if (!framed(p, n))
		return M_NONE;
	if (n == 10 && dir == SL_DIR_TOSERVER && p[8] == 8 && p[9] == 8)
		return M_HELLO;
	if (n == 46 && dir == SL_DIR_TOCLIENT && p[7] == 2 && p[8] == 0x12 && p[9] == 8 &&
	    p[10] == 2 && p[13] == 0x0A)
		return M_HELLO_REPLY;
	if (n == 14 && p[8] == 0x27 && p[9] == 0x27)
		return M_SHORT;
	return M_NONE;
}

static bool radmin_probe(const struct sl_proto_pkt *pp)
{
	enum rad_msg m = classify(pp->pkt->payload, pp->pkt->payload_len, pp->dir);
	return pp->index < RADMIN_PKTS && (m == M_HELLO || m == M_SHORT);
}

static void identify(struct radmin_state *st, struct sl_flow *f)
{
	st->identified = true;
	sl_app_identify(f, &sl_proto_radmin);
	sl_proto_claim_product(f, "radmin", "remote-access", SL_PROTO_BY_WIRE);
}

static enum sl_proto_verdict radmin_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct radmin_state *st = state;
	if (!pp->pkt->payload_len)
		return SL_PROTO_MORE;
	enum rad_msg m = classify(pp->pkt->payload, pp->pkt->payload_len, pp->dir);
	if (m == M_HELLO)
		st->hello = true;
	else if (m == M_SHORT)
		st->short_seen[pp->dir] = true;
	if ((m == M_HELLO_REPLY && st->hello) || (st->short_seen[0] && st->short_seen[1])) {
		identify(st, pp->flow);
		return SL_PROTO_DONE;
	}
	if (m == M_NONE || pp->index >= RADMIN_PKTS)
		return SL_PROTO_NOT_MINE;
	return SL_PROTO_MORE;
}

const struct sl_proto sl_proto_radmin = {
	.name = "radmin",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct radmin_state),
	.probe = radmin_probe,
	.packet = radmin_packet,
};
