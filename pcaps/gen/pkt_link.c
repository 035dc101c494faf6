/* Packet builder, link half: Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD
 * loopback, Cisco HDLC, MPLS, PPPoE, GRE v0/v1, VXLAN and GTP-U encapsulation, and
 * sl_pb_frame() which combines them. */
#include "pkt.h"

#include "bytes.h"
#include "pcapw.h"

#include <errno.h>
#include <string.h>

enum { ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_TEB = 0x6558, ETH_MPLS = 0x8847,
       ETH_PPPOE = 0x8864 };
enum { GTPU_PORT = 2152 };
enum { PROTO_UDP = 17, PROTO_GRE = 47 };
enum { VXLAN_PORT = 4789, ETH_MIN_FRAME = 60, ARPHRD_ETHER = 1 };
enum { SLL_HOST = 0, SLL_OUTGOING = 4 };

int sl_pb_eth(struct sl_pb *b, const struct sl_pb_eth *e, uint16_t ethertype)
{
	uint8_t *h = sl_pb_push(b, 14 + 4 * e->ntags);

	if (!h)
		return -ENOSPC;
	memcpy(h, e->dst, 6);
	memcpy(h + 6, e->src, 6);
	h += 12;
	for (size_t i = 0; i < e->ntags; i++, h += 4) {
		put16(h, e->tags[i].tpid);
		put16(h + 2, e->tags[i].tci);
	}
	put16(h, ethertype);
	return 0;
}

int sl_pb_gre(struct sl_pb *b, uint16_t proto, bool with_key, uint32_t key)
{
	uint8_t *h = sl_pb_push(b, with_key ? 8 : 4);

	if (!h)
		return -ENOSPC;
	h[0] = with_key ? 0x20 : 0x00;   /* K bit (RFC 2890) */
	h[1] = 0x00;                     /* version 0 */
	put16(h + 2, proto);
	if (with_key)
		put32(h + 4, key);
	return 0;
}

int sl_pb_gre_v1(struct sl_pb *b, uint16_t call_id, bool with_seq, uint32_t seq,
                 bool with_ack, uint32_t ack)
{
	size_t payload = b->len;

	if (payload > 0xffff)
		return -EMSGSIZE;
	uint8_t *h = sl_pb_push(b, 8 + (with_seq ? 4 : 0) + (with_ack ? 4 : 0));
	if (!h)
		return -ENOSPC;
	h[0] = (uint8_t)(0x20 | (with_seq ? 0x10 : 0));  /* K always, S optional */
	h[1] = (uint8_t)((with_ack ? 0x80 : 0) | 0x01);   /* A optional, version 1 */
	put16(h + 2, 0x880b);
	put16(h + 4, (uint16_t)payload);
	put16(h + 6, call_id);
	h += 8;
	if (with_seq) {
		put32(h, seq);
		h += 4;
	}
	if (with_ack)
		put32(h, ack);
	return 0;
}

int sl_pb_vxlan(struct sl_pb *b, uint32_t vni)
{
	uint8_t *h = sl_pb_push(b, 8);

	if (!h)
		return -ENOSPC;
	memset(h, 0, 8);
	h[0] = 0x08;                     /* I flag: VNI valid */
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
	return 0;
}

int sl_pb_sll(struct sl_pb *b, uint16_t pkttype, const uint8_t mac[6], uint16_t proto)
{
	uint8_t *h = sl_pb_push(b, 16);

	if (!h)
		return -ENOSPC;
	put16(h, pkttype);
	put16(h + 2, ARPHRD_ETHER);
	put16(h + 4, 6);
	memcpy(h + 6, mac, 6);
	memset(h + 12, 0, 2);
	put16(h + 14, proto);
	return 0;
}

int sl_pb_sll2(struct sl_pb *b, uint16_t proto, uint32_t ifindex, uint8_t pkttype,
               const uint8_t mac[6])
{
	uint8_t *h = sl_pb_push(b, 20);

	if (!h)
		return -ENOSPC;
	put16(h, proto);
	put16(h + 2, 0);
	put32(h + 4, ifindex);
	put16(h + 8, ARPHRD_ETHER);
	h[10] = pkttype;
	h[11] = 6;
	memcpy(h + 12, mac, 6);
	memset(h + 18, 0, 2);
	return 0;
}

int sl_pb_null(struct sl_pb *b, bool loop, bool swapped, int ipver)
{
	uint32_t af = ipver == 6 ? (loop ? 24 : 30) : 2;
	uint8_t *h = sl_pb_push(b, 4);

	if (!h)
		return -ENOSPC;
	if (loop != swapped)
		put32(h, af);
	else
		put_le32(h, af);     /* the files are little-endian, so "host order" is LE */
	return 0;
}

int sl_pb_chdlc(struct sl_pb *b, uint16_t ethertype)
{
	uint8_t *h = sl_pb_push(b, 4);

	if (!h)
		return -ENOSPC;
	h[0] = 0x0f;                 /* unicast */
	h[1] = 0x00;
	put16(h + 2, ethertype);
	return 0;
}

int sl_pb_mpls(struct sl_pb *b, const uint32_t *labels, size_t n)
{
	uint8_t *h = sl_pb_push(b, 4 * n);

	if (!h)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		put32(h + 4 * i, (labels[i] & 0xfffff) << 12 | (i + 1 == n ? 0x100u : 0) | 64);
	return 0;
}

int sl_pb_pppoe(struct sl_pb *b, uint16_t session, uint16_t ppp_proto)
{
	size_t len = b->len + 2;
	uint8_t *h = sl_pb_push(b, 8);

	if (!h || len > 0xffff)
		return h ? -EMSGSIZE : -ENOSPC;
	h[0] = 0x11;                 /* version 1, type 1 */
	h[1] = 0x00;                 /* session data */
	put16(h + 2, session);
	put16(h + 4, (uint16_t)len);
	put16(h + 6, ppp_proto);
	return 0;
}

int sl_pb_gtpu(struct sl_pb *b, uint32_t teid, bool ext, uint16_t seq)
{
	size_t payload = b->len;
	uint8_t *h = sl_pb_push(b, ext ? 16 : 8);

	if (!h || payload + 8 > 0xffff)
		return h ? -EMSGSIZE : -ENOSPC;
	h[0] = ext ? 0x36 : 0x30;    /* version 1, PT 1; E and S with ext */
	h[1] = 255;                  /* G-PDU */
	put16(h + 2, (uint16_t)(payload + (ext ? 8 : 0)));
	put32(h + 4, teid);
	if (ext) {
		put16(h + 8, seq);
		h[10] = 0;           /* N-PDU number */
		h[11] = 0x85;        /* next: PDU session container (TS 38.415) */
		h[12] = 1;           /* 4 bytes */
		h[13] = 0x10;        /* PDU type 1 (uplink) */
		h[14] = 9;           /* QFI */
		h[15] = 0;           /* no further extension */
	}
	return 0;
}

/* Wraps the inner datagram in the tunnel's encapsulation and outer IP header; *ipver
 * becomes the outer IP version for the link layer. Outer IPv4 headers carry DF and ID 0
 * (as Linux tunnels send them), so nothing depends on state outside the call. */
static int tunnel_wrap(struct sl_pb *b, const struct sl_pb_tunnel *t, bool from_client, int *ipver)
{
	struct sl_pb_ip outer = {
		.src = from_client ? t->outer_client : t->outer_server,
		.dst = from_client ? t->outer_server : t->outer_client,
		.ttl = 64, .df = true,
	};
	struct sl_pb_eth inner = { .ntags = 0 };
	uint16_t inner_type = *ipver == 6 ? ETH_IPV6 : ETH_IPV4;
	int rc;

	memcpy(inner.src, from_client ? t->inner_client_mac : t->inner_server_mac, 6);
	memcpy(inner.dst, from_client ? t->inner_server_mac : t->inner_client_mac, 6);
	switch (t->kind) {
	case SL_TUN_GRE:
		rc = sl_pb_gre(b, inner_type, t->gre_key_present, t->gre_key);
		break;
	case SL_TUN_GRE_TEB:
		rc = sl_pb_eth(b, &inner, inner_type);
		if (!rc)
			rc = sl_pb_gre(b, ETH_TEB, t->gre_key_present, t->gre_key);
		break;
	case SL_TUN_VXLAN:
		rc = sl_pb_eth(b, &inner, inner_type);
		if (!rc)
			rc = sl_pb_vxlan(b, t->vni);
		if (!rc)
			rc = sl_pb_udp(b, &outer, from_client ? t->udp_sport : VXLAN_PORT,
			               from_client ? VXLAN_PORT : t->udp_sport);
		break;
	case SL_TUN_GTPU:
		rc = sl_pb_gtpu(b, from_client ? t->teid_up : t->teid_down, t->gtp_ext,
		                (uint16_t)b->len);
		if (!rc)
			rc = sl_pb_udp(b, &outer, GTPU_PORT, GTPU_PORT);
		break;
	default:
		return -EINVAL;
	}
	if (rc)
		return rc;
	*ipver = outer.src.family;
	return sl_pb_ip(b, &outer, t->kind == SL_TUN_VXLAN || t->kind == SL_TUN_GTPU ? PROTO_UDP
	                                                                          : PROTO_GRE);
}

/* MPLS labels or PPPoE (not both) between the datagram and its link header; *et becomes
 * the ethertype the link header names. */
static int shims(struct sl_pb *b, const struct sl_pb_link *l, int ipver, uint16_t *et)
{
	if (l->nmpls && l->pppoe_session)
		return -EINVAL;
	if (l->nmpls) {
		*et = ETH_MPLS;
		return sl_pb_mpls(b, l->mpls, l->nmpls);
	}
	if (l->pppoe_session) {
		*et = ETH_PPPOE;
		return sl_pb_pppoe(b, l->pppoe_session, ipver == 6 ? 0x0057 : 0x0021);
	}
	return 0;
}

/* Prepends the link header named by l->linktype for an IP datagram of version ipver. */
static int link_wrap(struct sl_pb *b, const struct sl_pb_link *l, bool from_client, int ipver)
{
	uint16_t et = ipver == 6 ? ETH_IPV6 : ETH_IPV4;
	const uint8_t *src = from_client ? l->client_mac : l->server_mac;
	const uint8_t *dst = from_client ? l->server_mac : l->client_mac;
	static const uint8_t zero[ETH_MIN_FRAME];
	int rc = shims(b, l, ipver, &et);

	if (rc)
		return rc;
	switch (l->linktype) {
	case SL_LINKTYPE_ETHERNET: {
		struct sl_pb_eth e = { .tags = l->tags, .ntags = l->ntags };
		memcpy(e.src, src, 6);
		memcpy(e.dst, dst, 6);
		rc = sl_pb_eth(b, &e, et);
		if (!rc && l->pad_ethernet && b->len < ETH_MIN_FRAME)
			rc = sl_pb_append(b, zero, ETH_MIN_FRAME - b->len);
		return rc;
	}
	case SL_LINKTYPE_LINUX_SLL:
		return sl_pb_sll(b, from_client ? SLL_OUTGOING : SLL_HOST, src, et);
	case SL_LINKTYPE_LINUX_SLL2:
		return sl_pb_sll2(b, et, l->ifindex, from_client ? SLL_OUTGOING : SLL_HOST, src);
	case SL_LINKTYPE_NULL:
	case SL_LINKTYPE_LOOP:
		return sl_pb_null(b, l->linktype == SL_LINKTYPE_LOOP, l->null_swapped, ipver);
	case SL_LINKTYPE_C_HDLC:
		return sl_pb_chdlc(b, et);
	case SL_LINKTYPE_RAW:
		return 0;
	case SL_LINKTYPE_IPV4:
		return ipver == 4 ? 0 : -EINVAL;
	case SL_LINKTYPE_IPV6:
		return ipver == 6 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

int sl_pb_frame(struct sl_pb *b, const struct sl_pb_link *l, bool from_client)
{
	int ipver = b->len ? sl_pb_data(b)[0] >> 4 : 0;

	if (ipver != 4 && ipver != 6)
		return -EINVAL;
	if (l->tunnel && l->tunnel->kind != SL_TUN_NONE) {
		int rc = tunnel_wrap(b, l->tunnel, from_client, &ipver);
		if (rc)
			return rc;
	}
	return link_wrap(b, l, from_client, ipver);
}
