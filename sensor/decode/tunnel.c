/* Tunnel decapsulation: GRE (RFC 2784, key and sequence number per RFC 2890)
 * carrying IPv4, IPv6 or transparent Ethernet, and VXLAN (RFC 7348).  GRE
 * version 1 (PPTP's enhanced GRE, RFC 2637) is left as a protocol-47 flow. */
#include "decode_priv.h"

#define GRE_C 0x80       /* checksum present */
#define GRE_K 0x20       /* key present (RFC 2890) */
#define GRE_S 0x10       /* sequence number present (RFC 2890) */
#define GRE_RFC1701 0x4c /* routing, strict route, recursion: RFC 2784 says discard */
#define VXLAN_I 0x08     /* VNI valid */

/*
 * Decode the inner payload as the packet.  Only an inner packet that decodes
 * (OK, or a fragment held for reassembly) replaces the outer one.  Anything
 * else restores the outer packet, which stays a plain GRE/UDP flow: a tunnel
 * whose content we cannot parse (encrypted, unusual, or corrupted on purpose)
 * is still traffic between two endpoints, and dropping it would let a sender
 * hide a flow simply by mangling the inner header.  The inner failure is not
 * counted, since the packet was not dropped.  TUNNEL_TOO_DEEP is the one
 * inner failure that propagates: deep nesting is itself the anomaly, and
 * falling back would hand the caller a flow four tunnels down.
 */
static enum sl_decode_result decap(struct sl_dctx *x, uint8_t type, uint32_t id,
				   uint16_t ethertype, struct sl_cursor inner)
{
	if (x->depth >= SL_DEC_MAX_TUNNEL)
		return sl_dec_fail(x, SL_DEC_TUNNEL_TOO_DEEP);
	struct sl_packet outer = *x->pkt;
	unsigned level = x->depth++;
	enum sl_decode_result r;
	if (ethertype == SL_ETH_TEB)
		r = sl_decode_ethernet(x, inner);
	else if (ethertype == SL_ETH_IPV4)
		r = sl_decode_ipv4(x, inner, false);
	else
		r = sl_decode_ipv6(x, inner, false);
	x->depth = level;
	if (r == SL_DECODE_OK || r == SL_DECODE_FRAG_HELD) {
		struct sl_tunnel *t = &x->pkt->tunnel;
		if (level == 0) {
			t->type = type;
			t->src = outer.src;
			t->dst = outer.dst;
			t->id = id;
			x->d->counters.decapsulated++;
		}
		if (t->depth < level + 1)
			t->depth = (uint8_t)(level + 1);
		return r;
	}
	if (r == SL_DECODE_ERROR && x->reason == SL_DEC_TUNNEL_TOO_DEEP)
		return r;
	*x->pkt = outer;
	return SL_DECODE_OK;
}

/*
 * GRE header: C, K, S flags and version, protocol type, then the optional
 * checksum+reserved, key and sequence words in that order.  Anything that is
 * not version 0 with a payload we decode stays a GRE flow.
 */
enum sl_decode_result sl_decode_gre(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t f0, f1;
	uint16_t proto;
	uint32_t key = 0;
	if (!sl_rd_u8(&c, &f0) || !sl_rd_u8(&c, &f1) || !sl_rd_be16(&c, &proto))
		return sl_dec_fail(x, SL_DEC_GRE_TRUNCATED);
	if ((f1 & 0x07) != 0 || (f0 & GRE_RFC1701) != 0)
		return SL_DECODE_OK;
	if ((f0 & GRE_C) && !sl_rd_skip(&c, 4))
		return sl_dec_fail(x, SL_DEC_GRE_TRUNCATED);
	if ((f0 & GRE_K) && !sl_rd_be32(&c, &key))
		return sl_dec_fail(x, SL_DEC_GRE_TRUNCATED);
	if ((f0 & GRE_S) && !sl_rd_skip(&c, 4))
		return sl_dec_fail(x, SL_DEC_GRE_TRUNCATED);
	if (proto != SL_ETH_IPV4 && proto != SL_ETH_IPV6 && proto != SL_ETH_TEB)
		return SL_DECODE_OK;
	return decap(x, SL_TUNNEL_GRE, key, proto, c);
}

/* VXLAN header: flags (I = VNI valid), 24 reserved bits, VNI, 8 reserved. */
enum sl_decode_result sl_decode_vxlan(struct sl_dctx *x, struct sl_cursor c, bool strict)
{
	uint8_t flags, reserved8;
	uint32_t reserved24, vni;
	if (!sl_rd_u8(&c, &flags) || !sl_rd_be24(&c, &reserved24) ||
	    !sl_rd_be24(&c, &vni) || !sl_rd_u8(&c, &reserved8))
		return strict ? SL_DECODE_OK : sl_dec_fail(x, SL_DEC_VXLAN_TRUNCATED);
	if (!(flags & VXLAN_I))
		return SL_DECODE_OK;
	if (strict && (flags != VXLAN_I || reserved24 || reserved8))
		return SL_DECODE_OK;
	return decap(x, SL_TUNNEL_VXLAN, vni, SL_ETH_TEB, c);
}
