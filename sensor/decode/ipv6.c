/* IPv6 (RFC 8200): fixed header, the extension-header chain (hop-by-hop,
 * routing, fragment, destination options; AH per RFC 4302; mobility per
 * RFC 6275) and hand-off to fragment reassembly or the transport layer. */
#include <string.h>

#include "decode_priv.h"

enum {
	NH_HOPOPTS = 0,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_AH = 51,
	NH_DSTOPTS = 60,
	NH_MOBILITY = 135,
};

/* Where the walk is: the header that brought us here and the bytes left. */
struct v6walk {
	const uint8_t *fixed; /* the 40-byte fixed header */
	struct sl_cursor c;   /* captured bytes from the current header on */
	uint32_t wire;        /* the same on the wire */
	bool reassembled;
};

/*
 * An extension header in the common layout: next header, length, body.  AH
 * counts its length in 4-byte units minus 2, the others in 8-byte units
 * minus 1.  The whole header must be captured to be skipped.
 */
static enum sl_decode_result skip_ext(struct sl_dctx *x, struct v6walk *w,
				      uint8_t type, uint8_t *next)
{
	uint8_t len;
	if (!sl_rd_u8(&w->c, next) || !sl_rd_u8(&w->c, &len))
		return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TRUNCATED);
	size_t size = type == NH_AH ? ((size_t)len + 2) * 4 : ((size_t)len + 1) * 8;
	if (!sl_rd_skip(&w->c, size - 2))
		return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TRUNCATED);
	w->wire -= (uint32_t)size; /* captured <= wire, so no wrap */
	return SL_DECODE_OK;
}

/*
 * Fragment header: an atomic fragment (offset 0, M clear; RFC 6946) is just
 * skipped; a real one goes to the table and, once complete, the rebuilt
 * datagram (fixed header + fragmentable part) is decoded from the top.
 */
static enum sl_decode_result fragment(struct sl_dctx *x, struct v6walk *w,
				      uint8_t *next, bool *done)
{
	uint8_t reserved;
	uint16_t offflags;
	uint32_t id;
	*done = false;
	if (!sl_rd_u8(&w->c, next) || !sl_rd_u8(&w->c, &reserved) ||
	    !sl_rd_be16(&w->c, &offflags) || !sl_rd_be32(&w->c, &id))
		return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TRUNCATED);
	w->wire -= 8;
	if ((offflags & 0xfff9) == 0)
		return SL_DECODE_OK;
	*done = true;
	if (w->reassembled)
		return sl_dec_fail(x, SL_DEC_FRAG_NESTED);
	struct sl_frag f = {
		.family = 6,
		.next = *next,
		.more = (offflags & 1) != 0,
		.id = id,
		.offset = offflags & 0xfff8,
		.hdr = w->fixed,
		.hdr_len = 40,
		.data = w->c,
		.wire_len = w->wire,
	};
	struct sl_cursor whole;
	enum sl_decode_result r = sl_frag_input(x, &f, &whole);
	if (r != SL_DECODE_OK)
		return r;
	x->pkt->reassembled = true;
	return sl_decode_ipv6(x, whole, true);
}

/* Peeking: the protocol after the extension headers the walk below skips;
 * at a fragment header, the fragment's own (every fragment carries it). */
static enum sl_decode_result peek_walk(struct sl_dctx *x, struct v6walk *w, uint8_t nh)
{
	x->peek->src = x->pkt->src;
	x->peek->dst = x->pkt->dst;
	for (unsigned n = 0;; n++) {
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS && nh != NH_MOBILITY &&
		    nh != NH_AH && nh != NH_FRAGMENT)
			break;
		if (n == SL_DEC_MAX_EXTHDR)
			return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TOO_MANY);
		if (nh == NH_FRAGMENT) {
			if (!sl_rd_u8(&w->c, &nh))
				return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TRUNCATED);
			x->peek->proto = nh;
			return SL_DECODE_OK;
		}
		enum sl_decode_result r = skip_ext(x, w, nh, &nh);
		if (r != SL_DECODE_OK)
			return r;
	}
	x->peek->proto = nh;
	sl_dec_peek_icmp(x, nh, w->c);
	return SL_DECODE_OK;
}

/* Walk at most SL_DEC_MAX_EXTHDR extension headers, then the transport. */
static enum sl_decode_result walk(struct sl_dctx *x, struct v6walk *w, uint8_t nh)
{
	for (unsigned n = 0;; n++) {
		enum sl_decode_result r;
		bool done = false;
		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_MOBILITY:
		case NH_AH:
			if (n == SL_DEC_MAX_EXTHDR)
				return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TOO_MANY);
			r = skip_ext(x, w, nh, &nh);
			break;
		case NH_FRAGMENT:
			if (n == SL_DEC_MAX_EXTHDR)
				return sl_dec_fail(x, SL_DEC_IPV6_EXTHDR_TOO_MANY);
			r = fragment(x, w, &nh, &done);
			break;
		default:
			return sl_decode_l4(x, nh, w->c, w->wire);
		}
		if (r != SL_DECODE_OK || done)
			return r;
	}
}

static void fill_packet(struct sl_packet *pkt, uint8_t hlim, uint16_t plen,
			const uint8_t *l3, const uint8_t *src, const uint8_t *dst)
{
	pkt->ip_version = 6;
	pkt->ttl = hlim;
	pkt->df = false;
	pkt->ip_id = 0;
	pkt->l3 = l3;
	pkt->ip_len = 40u + plen;
	memcpy(pkt->src.b, src, 16);
	memcpy(pkt->dst.b, dst, 16);
	pkt->src.family = 6;
	pkt->dst.family = 6;
}

/*
 * Fixed header, then the chain.  The payload length bounds the packet (the
 * rest is link padding); a shorter capture is decoded as far as it goes.
 */
enum sl_decode_result sl_decode_ipv6(struct sl_dctx *x, struct sl_cursor c, bool reassembled)
{
	const uint8_t *l3 = c.p, *src, *dst;
	uint8_t vtc, nh, hlim;
	uint16_t plen;
	if (!sl_rd_u8(&c, &vtc))
		return sl_dec_fail(x, SL_DEC_IPV6_TRUNCATED);
	if (vtc >> 4 != 6)
		return sl_dec_fail(x, SL_DEC_IPV6_BAD_VERSION);
	if (!sl_rd_skip(&c, 3) || !sl_rd_be16(&c, &plen) || !sl_rd_u8(&c, &nh) ||
	    !sl_rd_u8(&c, &hlim) || !sl_rd_bytes(&c, 16, &src) || !sl_rd_bytes(&c, 16, &dst))
		return sl_dec_fail(x, SL_DEC_IPV6_TRUNCATED);
	fill_packet(x->pkt, hlim, plen, l3, src, dst);
	if (sl_cursor_left(&c) > plen)
		c.end = c.p + plen;
	struct v6walk w = { .fixed = l3, .c = c, .wire = plen, .reassembled = reassembled };
	return x->peek ? peek_walk(x, &w, nh) : walk(x, &w, nh);
}
