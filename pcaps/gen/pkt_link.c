/* Packet builder, link half: Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD
 * loopback, GRE v0/v1 and VXLAN encapsulation, and sl_pb_frame() which combines them. */
#include "pkt.h"

#include "bytes.h"
#include "pcapw.h"

#include <errno.h>
#include <string.h>

enum { ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_TEB = 0x6558 };
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

int sl_pb_null(struct sl_pb *b, bool loop, int ipver)
{
	uint32_t af = ipver == 6 ? (loop ? 24 : 30) : 2;
	uint8_t *h = sl_pb_push(b, 4);

	if (!h)
		return -ENOSPC;
	if (loop)
		put32(h, af);
	else
		put_le32(h, af);     /* the files are little-endian, so "host order" is LE */
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
	default:
		return -EINVAL;
	}
	if (rc)
		return rc;
	*ipver = outer.src.family;
	return sl_pb_ip(b, &outer, t->kind == SL_TUN_VXLAN ? PROTO_UDP : PROTO_GRE);
}

/* Prepends the link header named by l->linktype for an IP datagram of version ipver. */
static int link_wrap(struct sl_pb *b, const struct sl_pb_link *l, bool from_client, int ipver)
{
	uint16_t et = ipver == 6 ? ETH_IPV6 : ETH_IPV4;
	const uint8_t *src = from_client ? l->client_mac : l->server_mac;
	const uint8_t *dst = from_client ? l->server_mac : l->client_mac;
	static const uint8_t zero[ETH_MIN_FRAME];

	switch (l->linktype) {
	case SL_LINKTYPE_ETHERNET: {
		struct sl_pb_eth e = { .tags = l->tags, .ntags = l->ntags };
		memcpy(e.src, src, 6);
		memcpy(e.dst, dst, 6);
		int rc = sl_pb_eth(b, &e, et);
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
		return sl_pb_null(b, l->linktype == SL_LINKTYPE_LOOP, ipver);
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
