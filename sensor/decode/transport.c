/* Transport headers: TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792), ICMPv6
 * (RFC 4443; errors are read for the packet they quote, neighbour discovery
 * for its link-layer addresses: neighbour.c) and the SCTP common header (RFC 9260).  Any other protocol is
 * still a flow, with ports 0 and its bytes as the payload. */
#include "decode_priv.h"

/*
 * The data offset is checked against the segment length on the wire
 * (HLEN_TOO_BIG: the header claims more than the packet has) before the
 * captured length (TRUNCATED: the capture cut the options short).
 */
static enum sl_decode_result decode_tcp(struct sl_dctx *x, struct sl_cursor c,
					uint32_t wire_len)
{
	struct sl_packet *pkt = x->pkt;
	const uint8_t *b;
	if (!sl_rd_bytes(&c, 20, &b)) /* the fixed header, checked once */
		return sl_dec_fail(x, SL_DEC_TCP_TRUNCATED);
	sl_dec_tcp_fixed(pkt, b);
	uint8_t doff = b[12], flags = b[13];
	size_t hlen = (size_t)(doff >> 4) * 4;
	if (hlen < 20)
		return sl_dec_fail(x, SL_DEC_TCP_HLEN_TOO_SMALL);
	if (hlen > wire_len)
		return sl_dec_fail(x, SL_DEC_TCP_HLEN_TOO_BIG);
	const uint8_t *opts;
	if (!sl_rd_bytes(&c, hlen - 20, &opts))
		return sl_dec_fail(x, SL_DEC_TCP_TRUNCATED);
	pkt->tcp_flags = flags;
	pkt->tcp_opts = hlen > 20 ? opts : NULL;
	pkt->tcp_opts_len = (uint8_t)(hlen - 20);
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)sl_cursor_left(&c);
	return SL_DECODE_OK;
}

/*
 * The UDP length must cover the header and fit in the IP payload on the
 * wire; it then bounds the payload (bytes after it are not UDP's).
 */
static enum sl_decode_result decode_udp(struct sl_dctx *x, struct sl_cursor c,
					uint32_t wire_len)
{
	struct sl_packet *pkt = x->pkt;
	const uint8_t *b;
	if (!sl_rd_bytes(&c, 8, &b)) /* the header, checked once */
		return sl_dec_fail(x, SL_DEC_UDP_TRUNCATED);
	pkt->sport = sl_get_be16(b);
	pkt->dport = sl_get_be16(b + 2);
	uint16_t ulen = sl_get_be16(b + 4);
	if (ulen < 8 || ulen > wire_len)
		return sl_dec_fail(x, SL_DEC_UDP_BAD_LEN);
	if (sl_cursor_left(&c) > ulen - 8u)
		c.end = c.p + (ulen - 8u);
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)sl_cursor_left(&c);
	/* RFC 7348 sends both directions to the VXLAN port, but some VTEPs
	 * answer from it; the source-port case is decoded only when the header
	 * is exactly a VXLAN header (sl_decode_vxlan's strict mode). */
	if (x->d->cfg.decap_vxlan && pkt->dport == x->d->cfg.vxlan_port)
		return sl_decode_vxlan(x, c, false);
	if (x->d->cfg.decap_vxlan && pkt->sport == x->d->cfg.vxlan_port)
		return sl_decode_vxlan(x, c, true);
	if (x->d->cfg.decap_gtpu && (pkt->dport == SL_GTPU_PORT || pkt->sport == SL_GTPU_PORT))
		return sl_decode_gtpu(x, c);
	return SL_DECODE_OK;
}

/* ICMP and ICMPv6 share type, code, checksum; the payload follows those. */
static enum sl_decode_result decode_icmp(struct sl_dctx *x, struct sl_cursor c)
{
	struct sl_packet *pkt = x->pkt;
	uint16_t csum;
	if (!sl_rd_u8(&c, &pkt->icmp_type) || !sl_rd_u8(&c, &pkt->icmp_code) ||
	    !sl_rd_be16(&c, &csum))
		return sl_dec_fail(x, SL_DEC_ICMP_TRUNCATED);
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)sl_cursor_left(&c);
	pkt->icmp_error = sl_dec_icmp_is_error(pkt->proto, pkt->icmp_type);
	if (pkt->icmp_error)
		pkt->icmp_quoted = sl_dec_icmp_quote(pkt->proto, c, &pkt->quote);
	else
		sl_dec_nd(pkt, c);
	return SL_DECODE_OK;
}

/* SCTP common header: ports, verification tag, checksum (12 bytes). */
static enum sl_decode_result decode_sctp(struct sl_dctx *x, struct sl_cursor c)
{
	struct sl_packet *pkt = x->pkt;
	uint32_t vtag, csum;
	if (!sl_rd_be16(&c, &pkt->sport) || !sl_rd_be16(&c, &pkt->dport) ||
	    !sl_rd_be32(&c, &vtag) || !sl_rd_be32(&c, &csum))
		return sl_dec_fail(x, SL_DEC_SCTP_TRUNCATED);
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)sl_cursor_left(&c);
	return SL_DECODE_OK;
}

/*
 * Fill the L4 fields.  The transport fields start zeroed so a layer that
 * reached here through a tunnel fallback never mixes two packets' values.
 */
enum sl_decode_result sl_decode_l4(struct sl_dctx *x, uint8_t proto,
				   struct sl_cursor c, uint32_t wire_len)
{
	struct sl_packet *pkt = x->pkt;
	pkt->proto = proto;
	pkt->sport = pkt->dport = 0;
	pkt->tcp_flags = 0;
	pkt->tcp_seq = pkt->tcp_ack = 0;
	pkt->tcp_window = 0;
	pkt->tcp_opts = NULL;
	pkt->tcp_opts_len = 0;
	pkt->icmp_type = pkt->icmp_code = 0;
	pkt->icmp_error = pkt->icmp_quoted = false;
	pkt->neighbour.valid = false;
	pkt->l4 = c.p;
	pkt->l4_len = (uint32_t)sl_cursor_left(&c);
	pkt->payload = c.p;
	pkt->payload_len = pkt->l4_len;
	switch (proto) {
	case SL_IPPROTO_TCP:
		return decode_tcp(x, c, wire_len);
	case SL_IPPROTO_UDP:
		return decode_udp(x, c, wire_len);
	case SL_IPPROTO_ICMP:
	case SL_IPPROTO_ICMPV6:
		return decode_icmp(x, c);
	case SL_IPPROTO_SCTP:
		return decode_sctp(x, c);
	case SL_IPPROTO_GRE:
		return x->d->cfg.decap_gre ? sl_decode_gre(x, c) : SL_DECODE_OK;
	default:
		return SL_DECODE_OK;
	}
}
