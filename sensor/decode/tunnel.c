/* Tunnel decapsulation: GRE (RFC 2784, key and sequence number per RFC 2890)
 * carrying IPv4, IPv6 or transparent Ethernet, VXLAN (RFC 7348) and GTP-U
 * (3GPP TS 29.281, the mobile core's user plane).  GRE version 1 (PPTP's
 * enhanced GRE, RFC 2637) is left as a protocol-47 flow. */
#include "decode_priv.h"

#define GRE_C 0x80       /* checksum present */
#define GRE_K 0x20       /* key present (RFC 2890) */
#define GRE_S 0x10       /* sequence number present (RFC 2890) */
#define GRE_RFC1701 0x4c /* routing, strict route, recursion: RFC 2784 says discard */
#define VXLAN_I 0x08     /* VNI valid */
#define GTP_V1_PT 0x30   /* version 1 (top three bits 001) and PT 1 (GTP, not GTP') */
#define GTP_OPT 0x07     /* E, S, PN: the 4 optional bytes are present */
#define GTP_E 0x04       /* extension headers follow */
#define GTP_GPDU 255     /* message type of a G-PDU: a user packet */

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
		if (type == SL_TUNNEL_GTPU)
			sl_dec_count(x, SL_LAYER_GTPU);
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

/* GTP-U extension headers: each a length in 4-byte units (covering the
 * length and next-type bytes), its content, and the next type; 0 ends. */
static bool gtp_extensions(struct sl_cursor *c, uint8_t next)
{
	for (unsigned n = 0; next != 0; n++) {
		uint8_t units;
		if (n == SL_DEC_MAX_GTP_EXT || !sl_rd_u8(c, &units) || units == 0 ||
		    !sl_rd_skip(c, units * 4u - 2u) || !sl_rd_u8(c, &next))
			return false;
	}
	return true;
}

/*
 * GTP-U header: flags (version, PT, E, S, PN), message type, length of
 * what follows the first 8 bytes, TEID; with any of E, S, PN, a sequence
 * number, N-PDU number and next extension type.  Only a G-PDU carries a
 * user packet; echo, error indication and end marker stay UDP, as does
 * GTP' (PT 0) and anything whose inner packet is not IP.  A short datagram
 * that does not even start like GTPv1 is some other use of the port.
 */
enum sl_decode_result sl_decode_gtpu(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t flags, type, next = 0;
	uint16_t len;
	uint32_t teid;
	if (!sl_rd_u8(&c, &flags) || (flags & 0xf0) != GTP_V1_PT)
		return SL_DECODE_OK;
	if (!sl_rd_u8(&c, &type) || !sl_rd_be16(&c, &len) || !sl_rd_be32(&c, &teid))
		return sl_dec_fail(x, SL_DEC_GTPU_TRUNCATED);
	if (type != GTP_GPDU)
		return SL_DECODE_OK;
	if (sl_cursor_left(&c) > len)
		c.end = c.p + len;
	if ((flags & GTP_OPT) && (!sl_rd_skip(&c, 3) || !sl_rd_u8(&c, &next)))
		return sl_dec_fail(x, SL_DEC_GTPU_TRUNCATED);
	if ((flags & GTP_E) && !gtp_extensions(&c, next))
		return sl_dec_fail(x, SL_DEC_GTPU_TRUNCATED);
	struct sl_cursor peek = c;
	uint8_t v;
	if (!sl_rd_u8(&peek, &v) || (v >> 4 != 4 && v >> 4 != 6))
		return SL_DECODE_OK;
	return decap(x, SL_TUNNEL_GTPU, teid, v >> 4 == 4 ? SL_ETH_IPV4 : SL_ETH_IPV6, c);
}
