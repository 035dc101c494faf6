/* Less common link layers and the MPLS shim (tcpdump.org/linktypes.html):
 * Linux NFLOG (firewall logging, LINKTYPE_NFLOG), Cisco HDLC
 * (LINKTYPE_C_HDLC) and MPLS label stacks (RFC 3032) after their
 * ethertype, on any link. */
#include <string.h>

#include "decode_priv.h"

#define NFULA_PAYLOAD 9 /* the TLV holding the logged packet */
#define NF_AF_INET 2
#define NF_AF_INET6 10

enum sl_decode_result sl_decode_ip_guess(struct sl_dctx *x, struct sl_cursor c)
{
	struct sl_cursor peek = c;
	uint8_t b;
	if (!sl_rd_u8(&peek, &b))
		return SL_DECODE_NOT_IP;
	if (b >> 4 == 4)
		return sl_decode_ipv4(x, c, false);
	if (b >> 4 == 6)
		return sl_decode_ipv6(x, c, false);
	return SL_DECODE_NOT_IP;
}

/* A TLV's 16-bit fields are in host byte order: the reader (libpcap, or
 * sensor/capture/pcapng.c) swapped them if the file came from a host of
 * the other order. */
static bool rd_host16(struct sl_cursor *c, uint16_t *v)
{
	const uint8_t *p;
	if (!sl_rd_bytes(c, 2, &p))
		return false;
	memcpy(v, p, 2);
	return true;
}

/*
 * NFLOG: address family, version, resource id (the nflog group), then TLVs
 * (length including the 4-byte TLV header, type; values padded to 4
 * bytes).  The packet is the NFULA_PAYLOAD TLV's value, a bare IPv4 or
 * IPv6 packet by the family.  A record with no payload TLV (logged without
 * the packet) is not IP.
 */
enum sl_decode_result sl_decode_nflog(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t family, version;
	uint16_t group;
	if (!sl_rd_u8(&c, &family) || !sl_rd_u8(&c, &version) || !sl_rd_be16(&c, &group))
		return sl_dec_fail(x, SL_DEC_NFLOG_TRUNCATED);
	while (sl_cursor_left(&c) > 0) {
		uint16_t len, type;
		struct sl_cursor value;
		if (!rd_host16(&c, &len) || !rd_host16(&c, &type) || len < 4 ||
		    !sl_rd_sub(&c, len - 4u, &value))
			return sl_dec_fail(x, SL_DEC_NFLOG_TRUNCATED);
		if ((type & 0x3fff) == NFULA_PAYLOAD) { /* without the netlink flag bits */
			sl_dec_count(x, SL_LAYER_NFLOG);
			if (family == NF_AF_INET)
				return sl_decode_ipv4(x, value, false);
			if (family == NF_AF_INET6)
				return sl_decode_ipv6(x, value, false);
			return SL_DECODE_NOT_IP;
		}
		sl_rd_skip(&c, (4 - len % 4) % 4); /* padding; the last TLV may lack it */
	}
	return SL_DECODE_NOT_IP;
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an
 * ethertype (IPv4, IPv6, MPLS; SLARP and CDP are not IP). */
enum sl_decode_result sl_decode_chdlc(struct sl_dctx *x, struct sl_cursor c)
{
	uint8_t addr, ctl;
	uint16_t type;
	if (!sl_rd_u8(&c, &addr) || !sl_rd_u8(&c, &ctl) || !sl_rd_be16(&c, &type))
		return sl_dec_fail(x, SL_DEC_CHDLC_TRUNCATED);
	sl_dec_count(x, SL_LAYER_CHDLC);
	return sl_decode_ethertype(x, type, c);
}

/*
 * MPLS label stack entries (label 20 bits, traffic class 3, bottom of stack
 * 1, TTL 8) up to the one with the bottom-of-stack bit.  Nothing on the
 * wire names what follows; IPv4 or IPv6 is taken from the version nibble
 * as routers and tcpdump do.  A pseudowire (control word, nibble 0) or
 * anything else is not IP.
 */
enum sl_decode_result sl_decode_mpls(struct sl_dctx *x, struct sl_cursor c)
{
	for (unsigned n = 0;; n++) {
		uint32_t entry;
		if (n == SL_DEC_MAX_MPLS)
			return sl_dec_fail(x, SL_DEC_MPLS_TOO_DEEP);
		if (!sl_rd_be32(&c, &entry))
			return sl_dec_fail(x, SL_DEC_MPLS_TRUNCATED);
		if (entry & 0x100u)
			break;
	}
	sl_dec_count(x, SL_LAYER_MPLS);
	return sl_decode_ip_guess(x, c);
}
