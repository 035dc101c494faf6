/* Link layers by libpcap DLT (header layouts: tcpdump.org/linktypes.html):
 * Ethernet II / IEEE 802.3 with IEEE 802.1Q and 802.1ad tags, BSD loopback,
 * raw IP, Linux cooked SLL/SLL2, PPP (RFC 1661/1662) and PPPoE (RFC 2516). */
#include "decode_priv.h"

enum {
	DLT_NULL_ = 0,
	DLT_EN10MB_ = 1,
	DLT_PPP_ = 9,
	DLT_RAW_ = 12,
	DLT_RAW_OPENBSD_ = 14,
	DLT_LOOP_ = 108,
	DLT_LINUX_SLL_ = 113,
	DLT_IPV4_ = 228,
	DLT_IPV6_ = 229,
	DLT_LINUX_SLL2_ = 276,
};

#define ARPHRD_ETHER_ 1
#define ARPHRD_NETLINK_ 824

static enum sl_decode_result decode_ethertype(struct sl_dctx *x, uint16_t type,
					      struct sl_cursor c);

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
	return decode_ppp_proto(x, c);
}

/*
 * Ethertype dispatch shared by Ethernet, SLL, SLL2 and inner Ethernet.  Up
 * to two 802.1Q/802.1ad tags (TPID 0x8100, 0x88a8, or the pre-standard
 * 0x9100) are peeled; they are recorded only on the capture link (depth 0),
 * because the flow's "vlan" is the outer encapsulation.
 */
static enum sl_decode_result decode_ethertype(struct sl_dctx *x, uint16_t type,
					      struct sl_cursor c)
{
	for (unsigned tags = 0;; tags++) {
		switch (type) {
		case SL_ETH_IPV4:
			return sl_decode_ipv4(x, c, false);
		case SL_ETH_IPV6:
			return sl_decode_ipv6(x, c, false);
		case 0x8864:
			return decode_pppoe(x, c);
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			break;
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
	return decode_ethertype(x, type, c);
}

/*
 * BSD loopback: a 4-byte address family, in the writer's host order for
 * DLT_NULL (a value above 0xffff means the other byte order wrote it) and
 * network order for DLT_LOOP.  IPv6 is 24, 28 or 30 depending on the BSD.
 */
static enum sl_decode_result decode_loopback(struct sl_dctx *x, struct sl_cursor c,
					     bool network_order)
{
	uint32_t fam;
	if (!(network_order ? sl_rd_be32(&c, &fam) : sl_rd_le32(&c, &fam)))
		return sl_dec_fail(x, SL_DEC_NULL_TRUNCATED);
	if (!network_order && fam > 0xffff)
		fam = (fam >> 24) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) | (fam << 24);
	switch (fam) {
	case 2:
		return sl_decode_ipv4(x, c, false);
	case 24:
	case 28:
	case 30:
		return sl_decode_ipv6(x, c, false);
	default:
		return sl_dec_fail(x, SL_DEC_NULL_BAD_FAMILY);
	}
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
	return decode_ethertype(x, proto, c);
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
	return decode_ethertype(x, proto, c);
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
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (links[i].dlt == dlt)
			return links[i].decode(x, c);
	return sl_dec_fail(x, SL_DEC_LINK_UNSUPPORTED);
}
