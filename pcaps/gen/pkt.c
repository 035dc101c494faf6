/* Packet builder, network half: buffer handling, checksums, L4 headers, IPv4/IPv6 with
 * options and extension headers, and fragmentation. Link headers live in pkt_link.c. */
#include "pkt.h"

#include "bytes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

enum { PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58 };

void sl_pb_init(struct sl_pb *b)
{
	b->head = SL_PB_HEADROOM;
	b->len = 0;
}

uint8_t *sl_pb_data(struct sl_pb *b)
{
	return b->buf + b->head;
}

int sl_pb_append(struct sl_pb *b, const void *p, size_t n)
{
	if (n > sizeof(b->buf) - b->head - b->len)
		return -ENOSPC;
	if (n)
		memcpy(b->buf + b->head + b->len, p, n);
	b->len += n;
	return 0;
}

uint8_t *sl_pb_push(struct sl_pb *b, size_t n)
{
	if (n > b->head)
		return NULL;
	b->head -= n;
	b->len += n;
	return b->buf + b->head;
}

int sl_pb_addr_parse(struct sl_pb_addr *out, const char *text)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -EINVAL;
}

/* ---- checksums ---------------------------------------------------------------------- */

/* Sums 16-bit big-endian words; an odd trailing byte is padded with zero (RFC 1071). Only
 * the last chunk of a checksummed range may have odd length. */
static uint64_t sum_words(uint64_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t sl_pb_csum(const uint8_t *p, size_t n)
{
	return fold(sum_words(0, p, n));
}

void sl_pb_ipv4_checksum(uint8_t *hdr, size_t hlen)
{
	put16(hdr + 10, 0);
	put16(hdr + 10, sl_pb_csum(hdr, hlen));
}

/* Pseudo-header sum: RFC 793 for IPv4 (src, dst, zero, proto, length), RFC 8200 8.1 for
 * IPv6 (src, final dst, 32-bit length, three zero bytes, next header). */
static uint64_t pseudo_sum(const struct sl_pb_ip *ip, uint8_t proto, size_t len)
{
	size_t alen = ip->src.family == 6 ? 16 : 4;
	uint64_t sum = sum_words(0, ip->src.a, alen);

	sum = sum_words(sum, ip->dst.a, alen);
	sum += proto;
	sum += (len >> 16) + (len & 0xffff);
	return sum;
}

/* Fills the 16-bit checksum at offset `at` of the L4 header now at the buffer start. */
static void l4_checksum(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t proto, size_t at,
                        bool zero_is_ffff)
{
	uint8_t *h = sl_pb_data(b);

	put16(h + at, 0);
	uint16_t c = fold(sum_words(pseudo_sum(ip, proto, b->len), h, b->len));
	if (c == 0 && zero_is_ffff)
		c = 0xffff;
	put16(h + at, c);
}

/* ---- transport headers -------------------------------------------------------------- */

/* Encodes the option list into out[40], padding with EOL to a 4-byte boundary. */
static int tcp_opts_encode(const struct sl_pb_tcpopt *o, size_t n, uint8_t *out, size_t *olen)
{
	uint8_t tmp[64];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t need = o[i].kind <= SL_TCPOPT_NOP ? 1 : o[i].kind == SL_TCPOPT_MSS ? 4
			: o[i].kind == SL_TCPOPT_WSCALE ? 3 : o[i].kind == SL_TCPOPT_SACKOK ? 2
			: o[i].kind == SL_TCPOPT_TS ? 10 : 2u + o[i].raw_len;
		if (len + need > 40)
			return -EMSGSIZE;
		uint8_t *p = tmp + len;
		p[0] = o[i].kind;
		if (need > 1)
			p[1] = (uint8_t)need;
		if (o[i].kind == SL_TCPOPT_MSS)
			put16(p + 2, (uint16_t)o[i].v1);
		else if (o[i].kind == SL_TCPOPT_WSCALE)
			p[2] = (uint8_t)o[i].v1;
		else if (o[i].kind == SL_TCPOPT_TS) {
			put32(p + 2, o[i].v1);
			put32(p + 6, o[i].v2);
		} else if (need > 2 && o[i].kind != SL_TCPOPT_SACKOK)
			memcpy(p + 2, o[i].raw, o[i].raw_len);
		len += need;
	}
	while (len % 4)
		tmp[len++] = SL_TCPOPT_EOL;
	memcpy(out, tmp, len);
	*olen = len;
	return 0;
}

int sl_pb_tcp(struct sl_pb *b, const struct sl_pb_ip *ip, const struct sl_pb_tcp *t)
{
	uint8_t opts[40];
	size_t olen;
	int rc = tcp_opts_encode(t->opts, t->nopts, opts, &olen);

	if (rc)
		return rc;
	uint8_t *h = sl_pb_push(b, 20 + olen);
	if (!h)
		return -ENOSPC;
	put16(h, t->sport);
	put16(h + 2, t->dport);
	put32(h + 4, t->seq);
	put32(h + 8, t->ack);
	h[12] = (uint8_t)((t->doff ? t->doff : (20 + olen) / 4) << 4);
	h[13] = t->flags;
	put16(h + 14, t->window);
	put16(h + 18, t->urg);
	memcpy(h + 20, opts, olen);
	l4_checksum(b, ip, PROTO_TCP, 16, false);
	return 0;
}

int sl_pb_udp(struct sl_pb *b, const struct sl_pb_ip *ip, uint16_t sport, uint16_t dport)
{
	if (b->len + 8 > 65535)
		return -EMSGSIZE;
	uint8_t *h = sl_pb_push(b, 8);
	if (!h)
		return -ENOSPC;
	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, (uint16_t)b->len);
	l4_checksum(b, ip, PROTO_UDP, 6, true);
	return 0;
}

int sl_pb_icmp_echo(struct sl_pb *b, const struct sl_pb_ip *ip, bool reply, uint16_t id, uint16_t seq)
{
	bool v6 = ip->src.family == 6;
	uint8_t *h = sl_pb_push(b, 8);

	if (!h)
		return -ENOSPC;
	h[0] = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
	h[1] = 0;
	put16(h + 4, id);
	put16(h + 6, seq);
	if (v6) {
		l4_checksum(b, ip, PROTO_ICMPV6, 2, false);
	} else {
		put16(h + 2, 0);
		put16(h + 2, sl_pb_csum(h, b->len));
	}
	return 0;
}

int sl_pb_icmp(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t type, uint8_t code)
{
	uint8_t *h = sl_pb_push(b, 4);

	if (!h)
		return -ENOSPC;
	h[0] = type;
	h[1] = code;
	if (ip->src.family == 6) {
		l4_checksum(b, ip, PROTO_ICMPV6, 2, false);
	} else {
		put16(h + 2, 0);
		put16(h + 2, sl_pb_csum(h, b->len));
	}
	return 0;
}

/* CRC32c (Castagnoli, reflected polynomial 0x82f63b78), bitwise: SCTP packets are few. */
static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

int sl_pb_sctp(struct sl_pb *b, uint16_t sport, uint16_t dport, uint32_t vtag)
{
	uint8_t *h = sl_pb_push(b, 12);

	if (!h)
		return -ENOSPC;
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, vtag);
	memset(h + 8, 0, 4);
	/* RFC 9260 appendix A: the reflected CRC goes out least significant byte first. */
	uint32_t c = crc32c(h, b->len);
	h[8] = (uint8_t)c;
	h[9] = (uint8_t)(c >> 8);
	h[10] = (uint8_t)(c >> 16);
	h[11] = (uint8_t)(c >> 24);
	return 0;
}

/* ---- IP ----------------------------------------------------------------------------- */

static int ipv4_push(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t proto)
{
	size_t optlen = (ip->v4opts_len + 3) & ~(size_t)3;

	if (optlen > 40 || (ip->dst.family != 4))
		return optlen > 40 ? -EMSGSIZE : -EINVAL;
	size_t hlen = 20 + optlen;
	if (b->len + hlen > 65535)
		return -EMSGSIZE;
	uint8_t *h = sl_pb_push(b, hlen);
	if (!h)
		return -ENOSPC;
	h[0] = (uint8_t)(0x40 | hlen / 4);
	h[1] = ip->tos;
	put16(h + 2, (uint16_t)b->len);
	put16(h + 4, ip->id);
	put16(h + 6, ip->df ? 0x4000 : 0);
	h[8] = ip->ttl ? ip->ttl : 64;
	h[9] = proto;
	memcpy(h + 12, ip->src.a, 4);
	memcpy(h + 16, ip->dst.a, 4);
	memset(h + 20, 0, optlen);
	if (ip->v4opts_len)
		memcpy(h + 20, ip->v4opts, ip->v4opts_len);
	sl_pb_ipv4_checksum(h, hlen);
	return 0;
}

/* Prepends one extension header whose Next Header is nh. Option headers are padded to a
 * multiple of 8 with Pad1 or PadN (RFC 8200 4.2); others must already be aligned. */
static int ext_push(struct sl_pb *b, const struct sl_pb_ext *e, uint8_t nh)
{
	bool options = e->type == 0 || e->type == 60;
	size_t raw = 2 + e->len;
	size_t pad = options ? (8 - raw % 8) % 8 : 0;
	size_t total = raw + pad;

	if (total % 8 || total > 2048)
		return -EINVAL;
	uint8_t *h = sl_pb_push(b, total);
	if (!h)
		return -ENOSPC;
	h[0] = nh;
	h[1] = (uint8_t)(total / 8 - 1);
	if (e->len)
		memcpy(h + 2, e->body, e->len);
	if (pad == 1) {
		h[raw] = 0;                    /* Pad1 */
	} else if (pad > 1) {
		h[raw] = 1;                    /* PadN */
		h[raw + 1] = (uint8_t)(pad - 2);
		memset(h + raw + 2, 0, pad - 2);
	}
	return 0;
}

static int ipv6_push(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t proto)
{
	uint8_t nh = proto;

	if (ip->dst.family != 6)
		return -EINVAL;
	for (size_t i = ip->next; i-- > 0;) {
		int rc = ext_push(b, &ip->ext[i], nh);
		if (rc)
			return rc;
		nh = ip->ext[i].type;
	}
	if (b->len > 65535)
		return -EMSGSIZE;
	uint16_t plen = (uint16_t)b->len;
	uint8_t *h = sl_pb_push(b, 40);
	if (!h)
		return -ENOSPC;
	h[0] = (uint8_t)(0x60 | ip->tos >> 4);
	h[1] = (uint8_t)((ip->tos & 0x0f) << 4 | ((ip->flow_label >> 16) & 0x0f));
	put16(h + 2, (uint16_t)ip->flow_label);
	put16(h + 4, plen);
	h[6] = nh;
	h[7] = ip->ttl ? ip->ttl : 64;
	memcpy(h + 8, ip->src.a, 16);
	memcpy(h + 24, ip->dst.a, 16);
	return 0;
}

int sl_pb_ip(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t proto)
{
	if (ip->src.family == 4)
		return ipv4_push(b, ip, proto);
	if (ip->src.family == 6)
		return ipv6_push(b, ip, proto);
	return -EINVAL;
}

/* ---- fragmentation ------------------------------------------------------------------ */

/* Copies into out[40] the IPv4 options that RFC 791 says every fragment repeats (copy flag
 * 0x80 set), padded with EOL; stops at EOL or at a malformed length. Returns the length. */
static size_t copied_options(const uint8_t *opt, size_t n, uint8_t *out)
{
	size_t len = 0, i = 0;

	while (i < n && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			break;
		if (opt[i] & 0x80) {
			memcpy(out + len, opt + i, opt[i + 1]);
			len += opt[i + 1];
		}
		i += opt[i + 1];
	}
	while (len % 4)
		out[len++] = 0;
	return len;
}

int sl_pb_ipv4_fragment(struct sl_pb *out, const uint8_t *dg, size_t len,
                        size_t off, size_t n, bool more)
{
	if (len < 20 || dg[0] >> 4 != 4 || off % 8 || off / 8 > 0x1fff)
		return -EINVAL;
	size_t hlen = (size_t)(dg[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len || off + n > len - hlen)
		return -EINVAL;
	uint8_t opts[40];
	size_t optlen = off == 0 ? hlen - 20 : copied_options(dg + 20, hlen - 20, opts);

	sl_pb_init(out);
	int rc = sl_pb_append(out, dg + hlen + off, n);
	if (rc)
		return rc;
	uint8_t *h = sl_pb_push(out, 20 + optlen);
	if (!h)
		return -ENOSPC;
	memcpy(h, dg, 20);
	memcpy(h + 20, off == 0 ? dg + 20 : opts, optlen);
	h[0] = (uint8_t)(0x40 | (20 + optlen) / 4);
	put16(h + 2, (uint16_t)out->len);
	put16(h + 6, (uint16_t)((get16(dg + 6) & 0x4000) | (more ? 0x2000 : 0) | off / 8));
	sl_pb_ipv4_checksum(h, 20 + optlen);
	return 0;
}

/* Finds the end of the IPv6 unfragmentable part (RFC 8200 4.5): the fixed header plus
 * hop-by-hop, routing, and destination options that precede a routing header. Sets *nh_at
 * to the offset of the Next Header byte that must point at the new fragment header. */
static int v6_unfragmentable(const uint8_t *dg, size_t len, size_t *end, size_t *nh_at)
{
	size_t pos = 40, at = 6;

	*end = 40;
	*nh_at = 6;
	while (dg[at] == 0 || dg[at] == 43 || dg[at] == 60) {
		if (pos + 2 > len)
			return -EINVAL;
		size_t elen = ((size_t)dg[pos + 1] + 1) * 8;
		if (pos + elen > len)
			return -EINVAL;
		bool keep = dg[at] != 60 || dg[pos] == 43;
		if (!keep)
			break;
		*end = pos + elen;
		*nh_at = pos;
		at = pos;
		pos += elen;
	}
	return 0;
}

int sl_pb_ipv6_fragment(struct sl_pb *out, const uint8_t *dg, size_t len, uint32_t ident,
                        size_t off, size_t n, bool more)
{
	size_t end, nh_at;

	if (len < 40 || dg[0] >> 4 != 6 || off % 8 || off / 8 > 0x1fff)
		return -EINVAL;
	int rc = v6_unfragmentable(dg, len, &end, &nh_at);
	if (rc)
		return rc;
	if (off + n > len - end)
		return -EINVAL;
	sl_pb_init(out);
	rc = sl_pb_append(out, dg + end + off, n);
	if (rc)
		return rc;
	uint8_t *f = sl_pb_push(out, 8);
	uint8_t *h = f ? sl_pb_push(out, end) : NULL;
	if (!h)
		return -ENOSPC;
	f[0] = dg[nh_at];
	f[1] = 0;
	put16(f + 2, (uint16_t)(off | (more ? 1 : 0)));
	put32(f + 4, ident);
	memcpy(h, dg, end);
	h[nh_at] = 44;
	put16(h + 4, (uint16_t)(out->len - 40));
	return 0;
}
