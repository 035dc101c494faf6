/* IPv4 (RFC 791): header and option checks (option format, RFC 791 section
 * 3.1), trimming of link padding by the total length, and hand-off to
 * fragment reassembly (frag.c) or the transport layer. */
#include <string.h>

#include "decode_priv.h"

struct v4hdr {
	size_t hlen;
	uint16_t total, id, frag;
	uint8_t ttl, proto;
	const uint8_t *src, *dst;
};

#define V4_DF 0x4000
#define V4_MF 0x2000
#define V4_OFFSET 0x1fff

/*
 * Options: End of List (0) stops the walk, No-Op (1) is one byte, any other
 * option carries a length that counts its own type and length bytes, so it
 * is at least 2 and must fit inside the header.
 */
static bool options_valid(struct sl_cursor o)
{
	uint8_t type, len;
	while (sl_rd_u8(&o, &type)) {
		if (type == 0)
			return true;
		if (type == 1)
			continue;
		if (!sl_rd_u8(&o, &len) || len < 2 || !sl_rd_skip(&o, len - 2u))
			return false;
	}
	return true;
}

/*
 * Read and check the header; on success c is positioned after the options.
 * The fixed 20 bytes are taken in one bounds check; the reasons and their
 * order are those of reading field by field: an empty window is truncated,
 * then the version, then a length below 20, then a short fixed header.
 */
static enum sl_decode_result read_header(struct sl_dctx *x, struct sl_cursor *c,
					 struct v4hdr *h)
{
	size_t captured = sl_cursor_left(c);
	struct sl_cursor peek = *c;
	uint8_t vihl;
	const uint8_t *b;
	if (!sl_rd_u8(&peek, &vihl))
		return sl_dec_fail(x, SL_DEC_IPV4_TRUNCATED);
	if (vihl >> 4 != 4)
		return sl_dec_fail(x, SL_DEC_IPV4_BAD_VERSION);
	h->hlen = (size_t)(vihl & 0x0f) * 4;
	if (h->hlen < 20)
		return sl_dec_fail(x, SL_DEC_IPV4_HLEN_TOO_SMALL);
	if (!sl_rd_bytes(c, 20, &b))
		return sl_dec_fail(x, SL_DEC_IPV4_TRUNCATED);
	h->total = sl_get_be16(b + 2);
	h->id = sl_get_be16(b + 4);
	h->frag = sl_get_be16(b + 6);
	h->ttl = b[8];
	h->proto = b[9];
	h->src = b + 12;
	h->dst = b + 16;
	if (h->hlen > captured)
		return sl_dec_fail(x, SL_DEC_IPV4_HLEN_TOO_BIG);
	if (h->total < h->hlen)
		return sl_dec_fail(x, SL_DEC_IPV4_BAD_TOTAL_LEN);
	if (h->hlen == 20)
		return SL_DECODE_OK;
	struct sl_cursor opts;
	if (!sl_rd_sub(c, h->hlen - 20, &opts) || !options_valid(opts))
		return sl_dec_fail(x, SL_DEC_IPV4_BAD_OPTION);
	return SL_DECODE_OK;
}

static void fill_packet(struct sl_packet *pkt, const struct v4hdr *h, const uint8_t *l3)
{
	pkt->ip_version = 4;
	pkt->ttl = h->ttl;
	pkt->df = (h->frag & V4_DF) != 0;
	pkt->ip_id = h->id;
	pkt->l3 = l3;
	pkt->ip_len = h->total;
	memset(&pkt->src, 0, sizeof(pkt->src));
	memset(&pkt->dst, 0, sizeof(pkt->dst));
	memcpy(pkt->src.b, h->src, 4);
	memcpy(pkt->dst.b, h->dst, 4);
	pkt->src.family = 4;
	pkt->dst.family = 4;
}

/* Hand a fragment to the table; a completed datagram is decoded afresh.
 * Out of line: its locals would give every datagram's decoding a
 * stack-protected frame. */
static __attribute__((noinline)) enum sl_decode_result fragment(struct sl_dctx *x, const struct v4hdr *h,
				      const uint8_t *l3, struct sl_cursor payload)
{
	struct sl_frag f = {
		.family = 4,
		.proto = h->proto,
		.more = (h->frag & V4_MF) != 0,
		.id = h->id,
		.offset = (uint32_t)(h->frag & V4_OFFSET) * 8,
		.hdr = l3,
		.hdr_len = h->hlen,
		.data = payload,
		.wire_len = (uint32_t)(h->total - h->hlen),
	};
	struct sl_cursor whole;
	enum sl_decode_result r = sl_frag_input(x, &f, &whole);
	if (r != SL_DECODE_OK)
		return r;
	x->pkt->reassembled = true;
	return sl_decode_ipv4(x, whole, true);
}

/*
 * A capture shorter than the total length is fine (snap length): the
 * transport is decoded from what was captured.  Bytes beyond the total
 * length are link padding and are cut off.  A rebuilt datagram has its
 * fragment fields cleared, so seeing them again means corruption.
 */
enum sl_decode_result sl_decode_ipv4(struct sl_dctx *x, struct sl_cursor c, bool reassembled)
{
	const uint8_t *l3 = c.p;
	struct v4hdr h;
	enum sl_decode_result r = read_header(x, &c, &h);
	if (r != SL_DECODE_OK)
		return r;
	fill_packet(x->pkt, &h, l3);
	if (x->peek) {
		x->peek->src = x->pkt->src;
		x->peek->dst = x->pkt->dst;
		x->peek->proto = h.proto;
		if (!(h.frag & (V4_MF | V4_OFFSET)))
			sl_dec_peek_icmp(x, h.proto, c);
		return SL_DECODE_OK;
	}
	uint32_t wire = (uint32_t)(h.total - h.hlen);
	if (sl_cursor_left(&c) > wire)
		c.end = c.p + wire;
	if (h.frag & (V4_MF | V4_OFFSET)) {
		if (reassembled)
			return sl_dec_fail(x, SL_DEC_FRAG_NESTED);
		return fragment(x, &h, l3, c);
	}
	return sl_decode_l4(x, h.proto, c, wire);
}
