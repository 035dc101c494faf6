/* Link layers by libpcap DLT (header layouts: tcpdump.org/linktypes.html):
 * Ethernet II / IEEE 802.3 with IEEE 802.1Q and 802.1ad tags, BSD loopback,
 * raw IP, Linux cooked SLL/SLL2, PPP (RFC 1661/1662) and PPPoE (RFC 2516);
 * NFLOG, Cisco HDLC and MPLS live in link_more.c. */
#include "decode_priv.h"

enum {
	DLT_NULL_ = 0,
	DLT_EN10MB_ = 1,
	DLT_PPP_ = 9,
	DLT_RAW_ = 12,
	DLT_RAW_OPENBSD_ = 14,
	DLT_C_HDLC_ = 104,
	DLT_LOOP_ = 108,
	DLT_LINUX_SLL_ = 113,
	DLT_IPV4_ = 228,
	DLT_IPV6_ = 229,
	DLT_NFLOG_ = 239,
	DLT_LINUX_SLL2_ = 276,
};

#define ARPHRD_ETHER_ 1
#define ARPHRD_NETLINK_ 824

/* Raw IP: the version nibble is the only link information there is. */
static enum sl_decode_result decode_raw(struct sl_dctx *x, struct sl_cursor c)
{
	struct sl_cursor peek = c;
	uint8_t b;
	if (!sl_rd_u8(&peek, &b))
		return sl_dec_fail(x, SL_DEC_RAW_BAD_VERSION);
	if (b >> 4 == 4)
		return sl_decode_ipv4(x, c, false);
	if (b >> 4 == 6)
		return sl_decode_ipv6(x, c, false);
	return sl_dec_fail(x, SL_DEC_RAW_BAD_VERSION);
}

/*
 * PPP protocol field (RFC 1661 section 2): one byte when protocol-field
 * compression made it odd, two bytes otherwise.  Only IPv4 (0x0021) and IPv6
 * (0x0057) carry flows; LCP, IPCP and the rest are control traffic.
 */
static enum sl_decode_result decode_ppp_proto(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t hi, lo;
	uint16_t proto;
	if (!sl_rd_u8(&c, &hi))
		return sl_dec_fail(x, SL_DEC_PPP_TRUNCATED);
	if (hi & 1) {
		proto = hi;
	} else {
		if (!sl_rd_u8(&c, &lo))
			return sl_dec_fail(x, SL_DEC_PPP_TRUNCATED);
		proto = (uint16_t)(hi << 8 | lo);
	}
	if (proto == 0x0021)
		return sl_decode_ipv4(x, c, false);
	if (proto == 0x0057)
		return sl_decode_ipv6(x, c, false);
	return SL_DECODE_NOT_IP;
}

/* DLT_PPP: optional HDLC-like address/control bytes 0xff 0x03 (RFC 1662). */
static enum sl_decode_result decode_ppp(struct sl_dctx *x, struct sl_cursor c)
{
	struct sl_cursor peek = c;
	uint8_t a, ctl;
	if (sl_rd_u8(&peek, &a) && sl_rd_u8(&peek, &ctl) && a == 0xff && ctl == 0x03)
		c = peek;
	return decode_ppp_proto(x, c);
}

/*
 * PPPoE session stage (RFC 2516 section 4): VER/TYPE 0x11, CODE 0, session id,
 * payload length, then PPP.  The length trims Ethernet padding.
 */
static enum sl_decode_result decode_pppoe(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t vt, code;
	uint16_t sid, len;
	if (!sl_rd_u8(&c, &vt) || !sl_rd_u8(&c, &code) || !sl_rd_be16(&c, &sid) ||
	    !sl_rd_be16(&c, &len))
		return sl_dec_fail(x, SL_DEC_PPPOE_TRUNCATED);
	if (vt != 0x11 || code != 0)
		return SL_DECODE_NOT_IP;
	if (sl_cursor_left(&c) > len)
		c.end = c.p + len;
	sl_dec_count(x, SL_LAYER_PPPOE);
	return decode_ppp_proto(x, c);
}

/*
 * Ethertype dispatch shared by Ethernet, SLL, SLL2, Cisco HDLC and inner
 * Ethernet.  Up to two 802.1Q/802.1ad tags (TPID 0x8100, 0x88a8, or the
 * pre-standard 0x9100) are peeled; they are recorded only on the capture
 * link (depth 0), because the flow's "vlan" is the outer encapsulation.
 */
enum sl_decode_result sl_decode_ethertype(struct sl_dctx *x, uint16_t type, struct sl_cursor c)
{
	for (unsigned tags = 0;; tags++) {
		switch (type) {
		case SL_ETH_IPV4:
			return sl_decode_ipv4(x, c, false);
		case SL_ETH_IPV6:
			return sl_decode_ipv6(x, c, false);
		case SL_ETH_PPPOE:
			return decode_pppoe(x, c);
		case SL_ETH_MPLS:
		case SL_ETH_MPLS_MC:
			return sl_decode_mpls(x, c);
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			break;
		case SL_ETH_ARP:
			sl_dec_arp(x, c); /* not IP, but it names a host */
			return SL_DECODE_NOT_IP;
		default:
			return SL_DECODE_NOT_IP;
		}
		if (tags == SL_DEC_MAX_VLAN)
			return sl_dec_fail(x, SL_DEC_VLAN_TOO_DEEP);
		uint16_t tci;
		if (!sl_rd_be16(&c, &tci) || !sl_rd_be16(&c, &type))
			return sl_dec_fail(x, SL_DEC_VLAN_TRUNCATED);
		if (x->depth == 0) {
			x->pkt->vlan[tags] = tci & 0x0fff;
			x->pkt->vlan_count = (uint8_t)(tags + 1);
		}
	}
}

/* Ethernet II header; an 802.3 length (< 0x0600) lands in NOT_IP. */
enum sl_decode_result sl_decode_ethernet(struct sl_dctx *x, struct sl_cursor c)
{
	const uint8_t *dst, *src;
	uint16_t type;
	if (!sl_rd_bytes(&c, 6, &dst) || !sl_rd_bytes(&c, 6, &src) ||
	    !sl_rd_be16(&c, &type))
		return sl_dec_fail(x, SL_DEC_ETH_TRUNCATED);
	x->pkt->mac_dst = dst;
	x->pkt->mac_src = src;
	if (type == SL_ETH_IPV4) /* most frames: straight to IPv4 */
		return sl_decode_ipv4(x, c, false);
	return sl_decode_ethertype(x, type, c);
}

/* BSD address families: AF_INET, and AF_INET6 as NetBSD/OpenBSD (24),
 * FreeBSD (28) and Darwin (30) number it.  0 for anything else. */
static unsigned loop_family(uint32_t v)
{
	return v == 2 ? 4 : v == 24 || v == 28 || v == 30 ? 6 : 0;
}

/*
 * BSD loopback: a 4-byte address family, in the writer's host order for
 * DLT_NULL and network order for DLT_LOOP, but writers get it wrong both
 * ways (Darwin's utun writes DLT_NULL in network order), so the other byte
 * order is read too and counted.  A header that is a Cisco HDLC one
 * (address 0x0f/0x8f, control 0, then the ethertype: the word 0x0008000f
 * read little-endian), which some routers' captures carry under DLT_NULL
 * and which Wireshark reads through its ethertype, is decoded as such.
 */
static enum sl_decode_result decode_loopback(struct sl_dctx *x, struct sl_cursor c,
					     bool network_order)
{
	struct sl_cursor peek = c;
	uint32_t be, le;
	if (!sl_rd_be32(&peek, &be))
		return sl_dec_fail(x, SL_DEC_NULL_TRUNCATED);
	le = __builtin_bswap32(be);
	unsigned fam = loop_family(network_order ? be : le);
	if (!fam && (fam = loop_family(network_order ? le : be)) != 0)
		sl_dec_count(x, SL_LAYER_LOOPBACK_SWAPPED);
	if (fam == 4)
		return sl_decode_ipv4(x, peek, false);
	if (fam == 6)
		return sl_decode_ipv6(x, peek, false);
	uint16_t et = (uint16_t)be;
	if (((be >> 24) == 0x0f || (be >> 24) == 0x8f) && ((be >> 16) & 0xff) == 0 &&
	    (et == SL_ETH_IPV4 || et == SL_ETH_IPV6))
		return sl_decode_chdlc(x, c);
	return sl_dec_fail(x, SL_DEC_NULL_BAD_FAMILY);
}

/* Link-layer address of a cooked header, kept as mac_src when it is one. */
static void cooked_addr(struct sl_dctx *x, uint16_t hatype, uint8_t halen,
			const uint8_t *addr)
{
	if (hatype == ARPHRD_ETHER_ && halen == 6)
		x->pkt->mac_src = addr;
}

/* Linux cooked v1: type, ARPHRD, address length, 8 address bytes, protocol. */
static enum sl_decode_result decode_sll(struct sl_dctx *x, struct sl_cursor c)
{
	uint16_t pkttype, hatype, halen, proto;
	const uint8_t *addr;
	if (!sl_rd_be16(&c, &pkttype) || !sl_rd_be16(&c, &hatype) ||
	    !sl_rd_be16(&c, &halen) || !sl_rd_bytes(&c, 8, &addr) ||
	    !sl_rd_be16(&c, &proto))
		return sl_dec_fail(x, SL_DEC_SLL_TRUNCATED);
	if (hatype == ARPHRD_NETLINK_)
		return SL_DECODE_NOT_IP;
	cooked_addr(x, hatype, (uint8_t)(halen > 8 ? 0 : halen), addr);
	return sl_decode_ethertype(x, proto, c);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, length, address. */
static enum sl_decode_result decode_sll2(struct sl_dctx *x, struct sl_cursor c)
{
	uint16_t proto, reserved, hatype;
	uint32_t ifindex;
	uint8_t pkttype, halen;
	const uint8_t *addr;
	if (!sl_rd_be16(&c, &proto) || !sl_rd_be16(&c, &reserved) ||
	    !sl_rd_be32(&c, &ifindex) || !sl_rd_be16(&c, &hatype) ||
	    !sl_rd_u8(&c, &pkttype) || !sl_rd_u8(&c, &halen) ||
	    !sl_rd_bytes(&c, 8, &addr))
		return sl_dec_fail(x, SL_DEC_SLL2_TRUNCATED);
	if (hatype == ARPHRD_NETLINK_)
		return SL_DECODE_NOT_IP;
	cooked_addr(x, hatype, halen, addr);
	return sl_decode_ethertype(x, proto, c);
}

static enum sl_decode_result decode_null(struct sl_dctx *x, struct sl_cursor c)
{
	return decode_loopback(x, c, false);
}

static enum sl_decode_result decode_loop(struct sl_dctx *x, struct sl_cursor c)
{
	return decode_loopback(x, c, true);
}

static enum sl_decode_result decode_ipv4_only(struct sl_dctx *x, struct sl_cursor c)
{
	return sl_decode_ipv4(x, c, false);
}

static enum sl_decode_result decode_ipv6_only(struct sl_dctx *x, struct sl_cursor c)
{
	return sl_decode_ipv6(x, c, false);
}

/* The one list of decoded link types: dispatch and sl_decode_dlt_supported(). */
static const struct {
	int dlt;
	enum sl_decode_result (*decode)(struct sl_dctx *x, struct sl_cursor c);
} links[] = {
	{ DLT_EN10MB_, sl_decode_ethernet },
	{ DLT_NULL_, decode_null },
	{ DLT_LOOP_, decode_loop },
	{ DLT_RAW_, decode_raw },
	{ DLT_RAW_OPENBSD_, decode_raw },
	{ DLT_IPV4_, decode_ipv4_only },
	{ DLT_IPV6_, decode_ipv6_only },
	{ DLT_LINUX_SLL_, decode_sll },
	{ DLT_LINUX_SLL2_, decode_sll2 },
	{ DLT_PPP_, decode_ppp },
	{ DLT_C_HDLC_, sl_decode_chdlc },
	{ DLT_NFLOG_, sl_decode_nflog },
};

bool sl_decode_dlt_supported(int dlt)
{
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (links[i].dlt == dlt)
			return true;
	return false;
}

enum sl_decode_result sl_decode_link(struct sl_dctx *x, int dlt, struct sl_cursor c)
{
	if (dlt == DLT_EN10MB_) /* nearly every capture: no table walk */
		return sl_decode_ethernet(x, c);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (links[i].dlt == dlt)
			return links[i].decode(x, c);
	return sl_dec_fail(x, SL_DEC_LINK_UNSUPPORTED);
}
