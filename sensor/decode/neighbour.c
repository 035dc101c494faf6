/* What a frame says about the link beyond its own flow: the packet an ICMP
 * or ICMPv6 error quotes (RFC 792, RFC 4443 section 2.4), and the address
 * to hardware address bindings of ARP (RFC 826) and IPv6 neighbour
 * discovery's link-layer address options (RFC 4861 sections 4.1-4.4). */
#include <string.h>

#include "decode_priv.h"

enum {
	ARP_HTYPE_ETHER = 1,
	ND_RS = 133,
	ND_RA = 134,
	ND_NS = 135,
	ND_NA = 136,
	ND_OPT_SLLA = 1, /* source link-layer address */
	ND_OPT_TLLA = 2, /* target link-layer address */
};

bool sl_dec_icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == SL_IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return proto == SL_IPPROTO_ICMPV6 && type >= 1 && type <= 4;
}

/* The quoted transport header's ports; ICMP's type and code stand for them. */
static void quote_ports(struct sl_cursor c, struct sl_icmp_quote *q)
{
	uint8_t type, code;
	switch (q->proto) {
	case SL_IPPROTO_TCP:
	case SL_IPPROTO_UDP:
	case SL_IPPROTO_SCTP:
		if (!sl_rd_be16(&c, &q->sport) || !sl_rd_be16(&c, &q->dport))
			q->sport = q->dport = 0;
		break;
	case SL_IPPROTO_ICMP:
	case SL_IPPROTO_ICMPV6:
		if (sl_rd_u8(&c, &type) && sl_rd_u8(&c, &code)) {
			q->sport = type;
			q->dport = code;
		}
		break;
	default:
		break;
	}
}

/* A quoted IPv4 header (at least 20 bytes, as RFC 792 requires); a
 * non-first fragment quotes no transport header. */
static bool quote_v4(struct sl_cursor c, struct sl_icmp_quote *q)
{
	uint8_t vihl, proto;
	uint16_t frag;
	const uint8_t *src, *dst;
	if (!sl_rd_u8(&c, &vihl) || vihl >> 4 != 4 || (vihl & 15) < 5 || !sl_rd_skip(&c, 5) ||
	    !sl_rd_be16(&c, &frag) || !sl_rd_skip(&c, 1) || !sl_rd_u8(&c, &proto) ||
	    !sl_rd_skip(&c, 2) || !sl_rd_bytes(&c, 4, &src) || !sl_rd_bytes(&c, 4, &dst))
		return false;
	q->src.family = q->dst.family = 4;
	memcpy(q->src.b, src, 4);
	memcpy(q->dst.b, dst, 4);
	q->proto = proto;
	if ((frag & 0x1fff) == 0 && sl_rd_skip(&c, ((size_t)(vihl & 15) - 5) * 4))
		quote_ports(c, q);
	return true;
}

/* A quoted IPv6 header and the extension headers a sender puts before the
 * transport (hop-by-hop, routing, destination options, fragment). */
static bool quote_v6(struct sl_cursor c, struct sl_icmp_quote *q)
{
	uint8_t vtc, nh, len;
	const uint8_t *src, *dst;
	if (!sl_rd_u8(&c, &vtc) || vtc >> 4 != 6 || !sl_rd_skip(&c, 5) || !sl_rd_u8(&c, &nh) ||
	    !sl_rd_skip(&c, 1) || !sl_rd_bytes(&c, 16, &src) || !sl_rd_bytes(&c, 16, &dst))
		return false;
	q->src.family = q->dst.family = 6;
	memcpy(q->src.b, src, 16);
	memcpy(q->dst.b, dst, 16);
	for (unsigned n = 0; n < SL_DEC_MAX_EXTHDR && (nh == 0 || nh == 43 || nh == 60 || nh == 44);
	     n++) {
		uint8_t next;
		uint16_t off;
		bool more; /* the transport header follows in the quote */
		if (!sl_rd_u8(&c, &next) || !sl_rd_u8(&c, &len))
			break;
		if (nh == 44)
			more = sl_rd_be16(&c, &off) && (off & 0xfff8) == 0 && sl_rd_skip(&c, 4);
		else
			more = sl_rd_skip(&c, (size_t)len * 8 + 6);
		nh = next;
		if (!more) {
			q->proto = nh;
			return true;
		}
	}
	q->proto = nh;
	quote_ports(c, q);
	return true;
}

/*
 * c holds the ICMP message after type, code and checksum.  Both versions
 * put four bytes (unused, MTU, pointer or gateway) before the quote.
 */
bool sl_dec_icmp_quote(uint8_t proto, struct sl_cursor c, struct sl_icmp_quote *q)
{
	memset(q, 0, sizeof(*q));
	if (!sl_rd_skip(&c, 4))
		return false;
	return proto == SL_IPPROTO_ICMP ? quote_v4(c, q) : quote_v6(c, q);
}

/* Peeking: an error goes where the flow it quotes goes (workers). */
void sl_dec_peek_icmp(struct sl_dctx *x, uint8_t proto, struct sl_cursor c)
{
	uint8_t type;
	struct sl_icmp_quote q;
	if ((proto != SL_IPPROTO_ICMP && proto != SL_IPPROTO_ICMPV6) || !sl_rd_u8(&c, &type) ||
	    !sl_dec_icmp_is_error(proto, type) || !sl_rd_skip(&c, 3) ||
	    !sl_dec_icmp_quote(proto, c, &q))
		return;
	x->peek->src = q.src;
	x->peek->dst = q.dst;
	x->peek->proto = q.proto;
}

/* A unicast hardware address of a host: not zero, no group bit. */
static bool host_mac(const uint8_t *m)
{
	static const uint8_t zero[6];
	return !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

/* An address a host can hold: not unspecified, multicast or broadcast. */
static bool host_addr(const struct sl_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == 4)
		return memcmp(a->b, zero, 4) != 0 && (a->b[0] & 0xf0) != 0xe0 &&
		       !(a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255);
	return memcmp(a->b, zero, 16) != 0 && a->b[0] != 0xff;
}

static void bind(struct sl_packet *pkt, const struct sl_addr *a, const uint8_t *mac)
{
	if (!host_mac(mac) || !host_addr(a))
		return;
	pkt->neighbour.valid = true;
	pkt->neighbour.addr = *a;
	memcpy(pkt->neighbour.mac, mac, 6);
}

/* ARP over Ethernet for IPv4: the sender's binding.  A probe (sender
 * 0.0.0.0, RFC 5227) binds nothing.  Malformed ARP is just not IP. */
void sl_dec_arp(struct sl_dctx *x, struct sl_cursor c)
{
	uint16_t htype, ptype, oper;
	uint8_t hlen, plen;
	const uint8_t *sha, *spa;
	if (!x->d || !sl_rd_be16(&c, &htype) || !sl_rd_be16(&c, &ptype) || !sl_rd_u8(&c, &hlen) ||
	    !sl_rd_u8(&c, &plen) || !sl_rd_be16(&c, &oper) || htype != ARP_HTYPE_ETHER ||
	    ptype != SL_ETH_IPV4 || hlen != 6 || plen != 4 || !sl_rd_bytes(&c, 6, &sha) ||
	    !sl_rd_bytes(&c, 4, &spa))
		return;
	struct sl_addr a = { .family = 4 };
	memcpy(a.b, spa, 4);
	bind(x->pkt, &a, sha);
}

/* The first link-layer address option of kind want in an ND message's options. */
static const uint8_t *nd_option(struct sl_cursor c, uint8_t want)
{
	uint8_t type, len;
	const uint8_t *mac;
	while (sl_rd_u8(&c, &type) && sl_rd_u8(&c, &len) && len) {
		struct sl_cursor body;
		if (!sl_rd_sub(&c, (size_t)len * 8 - 2, &body))
			return NULL;
		if (type == want && sl_rd_bytes(&body, 6, &mac))
			return mac;
	}
	return NULL;
}

/*
 * Neighbour discovery: solicitations and router messages bind their source
 * (never "::", a duplicate-address probe) to its source link-layer option;
 * an advertisement binds its target to the target link-layer option.  c
 * holds the message after type, code and checksum.
 */
void sl_dec_nd(struct sl_packet *pkt, struct sl_cursor c)
{
	const uint8_t *target, *mac;
	struct sl_addr a = { .family = 6 };
	size_t fixed = pkt->icmp_type == ND_RA ? 12 : pkt->icmp_type == ND_RS ? 4 : 20;
	if (pkt->proto != SL_IPPROTO_ICMPV6 || pkt->icmp_type < ND_RS || pkt->icmp_type > ND_NA ||
	    !sl_rd_bytes(&c, fixed, &target))
		return;
	if (pkt->icmp_type == ND_NA) {
		memcpy(a.b, target + 4, 16);
		if ((mac = nd_option(c, ND_OPT_TLLA)) != NULL)
			bind(pkt, &a, mac);
		return;
	}
	if ((mac = nd_option(c, ND_OPT_SLLA)) != NULL)
		bind(pkt, &pkt->src, mac);
}
