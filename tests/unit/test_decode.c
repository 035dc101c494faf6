/* Unit tests of the packet decoder: frames crafted byte by byte for every
 * link type, VLANs, IPv4 options, IPv6 extension headers, fragments, GRE,
 * VXLAN, and every truncation of two full frames (each copy malloc'ed to
 * its exact size, so the ASan build catches any read past the end). */
#include <stdlib.h>
#include <string.h>

#include "sightline/decode.h"
#include "testhelp.h"

/* ---- frame builders ---------------------------------------------------- */

struct fr {
	uint8_t b[4096];
	size_t n;
};

static void add(struct fr *f, const void *p, size_t n)
{
	if (n)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void add8(struct fr *f, unsigned v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void add16(struct fr *f, unsigned v)
{
	add8(f, v >> 8);
	add8(f, v);
}

static void add32(struct fr *f, uint32_t v)
{
	add16(f, v >> 16);
	add16(f, v & 0xffff);
}

static const uint8_t MAC_DST[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_SRC[6] = { 0xb8, 0x27, 0xeb, 0x11, 0x22, 0x33 };
static const uint8_t V6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 2 };
static const uint8_t TCP_OPTS[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				      0, 0, 0, 0, 1, 3, 3, 7 };
#define A4 0xc0a80001u /* 192.168.0.1 */
#define SL_DEC_MAX_MPLS_TEST 8 /* SL_DEC_MAX_MPLS in sensor/decode/decode_priv.h */
#define B4 0x0a000002u /* 10.0.0.2 */

static void mk_tcp(struct fr *f, unsigned sp, unsigned dp, const uint8_t *opts,
		   size_t optlen, const void *pl, size_t plen)
{
	add16(f, sp);
	add16(f, dp);
	add32(f, 0x11223344);
	add32(f, 0x55667788);
	add8(f, (unsigned)((20 + optlen) / 4) << 4);
	add8(f, 0x12); /* SYN ACK */
	add16(f, 65535);
	add16(f, 0);
	add16(f, 0);
	add(f, opts, optlen);
	add(f, pl, plen);
}

static void mk_udp(struct fr *f, unsigned sp, unsigned dp, const void *pl, size_t plen)
{
	add16(f, sp);
	add16(f, dp);
	add16(f, (unsigned)(8 + plen));
	add16(f, 0);
	add(f, pl, plen);
}

static void mk_ipv4_full(struct fr *f, unsigned proto, uint32_t src, uint32_t dst,
			 unsigned id, unsigned frag, const uint8_t *opts, size_t optlen,
			 const void *l4, size_t l4len)
{
	add8(f, 0x40 | (unsigned)((20 + optlen) / 4));
	add8(f, 0);
	add16(f, (unsigned)(20 + optlen + l4len));
	add16(f, id);
	add16(f, frag);
	add8(f, 64);
	add8(f, proto);
	add16(f, 0);
	add32(f, src);
	add32(f, dst);
	add(f, opts, optlen);
	add(f, l4, l4len);
}

static void mk_ipv4(struct fr *f, unsigned proto, uint32_t src, uint32_t dst,
		    const struct fr *l4)
{
	mk_ipv4_full(f, proto, src, dst, 0x1234, 0x4000, NULL, 0, l4->b, l4->n);
}

static void mk_ipv6(struct fr *f, unsigned nh, const uint8_t *src, const uint8_t *dst,
		    const void *rest, size_t len)
{
	add32(f, 0x60000000);
	add16(f, (unsigned)len);
	add8(f, nh);
	add8(f, 57);
	add(f, src, 16);
	add(f, dst, 16);
	add(f, rest, len);
}

static void mk_eth(struct fr *f, unsigned type, const struct fr *payload)
{
	add(f, MAC_DST, 6);
	add(f, MAC_SRC, 6);
	add16(f, type);
	add(f, payload->b, payload->n);
}

/* Ethernet + IPv4 (A4 -> B4) + TCP 40000 -> 443 with options and payload. */
static void mk_tcp_frame(struct fr *out, const char *payload)
{
	struct fr l4 = { 0 }, ip = { 0 };
	mk_tcp(&l4, 40000, 443, TCP_OPTS, sizeof(TCP_OPTS), payload, strlen(payload));
	mk_ipv4(&ip, 6, A4, B4, &l4);
	mk_eth(out, 0x0800, &ip);
}

/* ---- decoding helpers ---------------------------------------------------- */

static struct sl_decoder *dec;
static uint8_t *held; /* the last frame decoded; pointers in pkt refer to it */

static struct sl_decode_config default_cfg(void)
{
	struct sl_decode_config c = { .frag_max_datagrams = 8, .frag_timeout_sec = 30,
				      .decap_gre = true, .decap_vxlan = true, .decap_gtpu = true,
				      .vxlan_port = 4789 };
	return c;
}

/* Decode a heap copy of exactly n bytes, kept until the next call. */
static enum sl_decode_result run_on(struct sl_decoder *d, int dlt, const uint8_t *f,
				    size_t n, sl_time_us ts, struct sl_packet *p)
{
	free(held);
	held = n ? malloc(n) : NULL;
	if (n)
		memcpy(held, f, n);
	return sl_decode_packet(d, dlt, held, (uint32_t)n, (uint32_t)n, ts, p);
}

static enum sl_decode_result run(int dlt, const struct fr *f, struct sl_packet *p)
{
	return run_on(dec, dlt, f->b, f->n, 1000, p);
}

static uint64_t errors_total(const struct sl_decoder *d)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < SL_DEC__COUNT; i++)
		n += sl_decoder_counters(d)->reasons[i];
	return n;
}

/* The frame is an error of exactly this reason, counted once. */
static void expect_err(int line, int dlt, const struct fr *f, enum sl_decode_reason why)
{
	struct sl_packet p;
	uint64_t before = sl_decoder_counters(dec)->reasons[why], all = errors_total(dec);
	enum sl_decode_result r = run(dlt, f, &p);
	CHECK_EQ_INT(r, SL_DECODE_ERROR);
	CHECK_EQ_INT(sl_decoder_counters(dec)->reasons[why], before + 1);
	CHECK_EQ_INT(errors_total(dec), all + 1);
	if (r != SL_DECODE_ERROR || sl_decoder_counters(dec)->reasons[why] != before + 1)
		fprintf(stderr, "  (expected %s, from line %d)\n", sl_decode_reason_name(why), line);
}
#define EXPECT_ERR(dlt, f, why) expect_err(__LINE__, dlt, f, why)

static bool addr4_is(const struct sl_addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return a->family == 4 && memcmp(a->b, b, 4) == 0;
}

static bool addr6_is(const struct sl_addr *a, const uint8_t *v)
{
	return a->family == 6 && memcmp(a->b, v, 16) == 0;
}

/* A4:40000 -> B4:443 TCP as built by mk_tcp_frame. */
static void check_tcp_v4(const struct sl_packet *p, const char *payload)
{
	CHECK_EQ_INT(p->ip_version, 4);
	CHECK(addr4_is(&p->src, A4));
	CHECK(addr4_is(&p->dst, B4));
	CHECK_EQ_INT(p->proto, 6);
	CHECK_EQ_INT(p->sport, 40000);
	CHECK_EQ_INT(p->dport, 443);
	CHECK_EQ_INT(p->tcp_flags, SL_TCP_SYN | SL_TCP_ACK);
	CHECK_EQ_INT(p->tcp_seq, 0x11223344);
	CHECK_EQ_INT(p->tcp_ack, 0x55667788);
	CHECK_EQ_INT(p->tcp_window, 65535);
	CHECK_EQ_INT(p->tcp_opts_len, sizeof(TCP_OPTS));
	CHECK(p->tcp_opts && memcmp(p->tcp_opts, TCP_OPTS, sizeof(TCP_OPTS)) == 0);
	CHECK_EQ_INT(p->payload_len, strlen(payload));
	CHECK(p->payload && memcmp(p->payload, payload, strlen(payload)) == 0);
}

/* ---- tests ---------------------------------------------------------------- */

/* ---- one bounds check per fixed header, against field-by-field reads ---- */

/* What the decoder made of a frame, as the plain field-by-field reading of
 * RFC 791/9293/768 gives it (the decoder before the fixed headers were
 * taken in one check): the reason of a failure, or the fields. */
struct plain {
	int reason; /* -1: decoded */
	uint16_t sport, dport, window, ip_id, ip_len;
	uint32_t seq, ack, payload_off, payload_len;
	uint8_t flags, ttl, proto, opts_len;
	bool df;
};

static uint16_t be16_at(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)be16_at(b) << 16 | be16_at(b + 2);
}

static bool plain_options(const uint8_t *o, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (o[i] == 0)
			return true;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] - 2u > n - i - 2)
			return false;
		i += o[i + 1];
	}
	return true;
}

/* The transport of an IPv4 datagram at l4 (left captured bytes, wire bytes). */
static void plain_l4(const uint8_t *l4, size_t left, uint32_t wire, const uint8_t *base,
		     struct plain *o)
{
	o->payload_off = (uint32_t)(l4 - base);
	o->payload_len = (uint32_t)left;
	if (o->proto == 6) {
		if (left < 20) {
			o->reason = SL_DEC_TCP_TRUNCATED;
			return;
		}
		size_t hlen = (size_t)(l4[12] >> 4) * 4;
		o->reason = hlen < 20 ? SL_DEC_TCP_HLEN_TOO_SMALL : hlen > wire ? SL_DEC_TCP_HLEN_TOO_BIG
			  : hlen > left ? SL_DEC_TCP_TRUNCATED : -1;
		o->sport = be16_at(l4), o->dport = be16_at(l4 + 2);
		o->seq = be32_at(l4 + 4), o->ack = be32_at(l4 + 8);
		o->flags = l4[13], o->window = be16_at(l4 + 14);
		o->opts_len = (uint8_t)(hlen - 20);
		o->payload_off += (uint32_t)hlen;
		o->payload_len -= (uint32_t)hlen;
	} else if (o->proto == 17) {
		if (left < 8) {
			o->reason = SL_DEC_UDP_TRUNCATED;
			return;
		}
		uint16_t ulen = be16_at(l4 + 4);
		o->reason = ulen < 8 || ulen > wire ? SL_DEC_UDP_BAD_LEN : -1;
		o->sport = be16_at(l4), o->dport = be16_at(l4 + 2);
		o->payload_off += 8;
		o->payload_len = (uint32_t)(left - 8 < ulen - 8u ? left - 8 : ulen - 8u);
	}
}

/* Ethernet, IPv4 (never a fragment here), then plain_l4(). */
static void plain_decode(const uint8_t *b, size_t n, struct plain *o)
{
	memset(o, 0, sizeof(*o));
	o->reason = -1;
	if (n < 14) {
		o->reason = SL_DEC_ETH_TRUNCATED;
		return;
	}
	const uint8_t *ip = b + 14;
	size_t left = n - 14;
	size_t hlen = left ? (size_t)(ip[0] & 15) * 4 : 0;
	o->reason = !left ? SL_DEC_IPV4_TRUNCATED : ip[0] >> 4 != 4 ? SL_DEC_IPV4_BAD_VERSION
		  : hlen < 20 ? SL_DEC_IPV4_HLEN_TOO_SMALL : left < 20 ? SL_DEC_IPV4_TRUNCATED
		  : hlen > left ? SL_DEC_IPV4_HLEN_TOO_BIG : be16_at(ip + 2) < hlen ? SL_DEC_IPV4_BAD_TOTAL_LEN
		  : !plain_options(ip + 20, hlen - 20) ? SL_DEC_IPV4_BAD_OPTION : -1;
	if (o->reason >= 0)
		return;
	o->ip_len = be16_at(ip + 2), o->ip_id = be16_at(ip + 4);
	o->df = (ip[6] & 0x40) != 0, o->ttl = ip[8], o->proto = ip[9];
	uint32_t wire = o->ip_len - (uint32_t)hlen;
	left -= hlen;
	plain_l4(ip + hlen, left < wire ? left : wire, wire, b, o);
}

static uint32_t rnd_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A frame of mostly sane, sometimes damaged IPv4 and TCP/UDP headers. */
static void random_frame(struct fr *f)
{
	f->n = 0;
	add(f, MAC_DST, 6);
	add(f, MAC_SRC, 6);
	add16(f, 0x0800);
	unsigned proto = (unsigned[]){ 6, 17, 50 }[rnd() % 3];
	size_t optlen = rnd() % 4 ? 0 : (rnd() % 11) * 4;
	size_t thlen = proto == 6 ? 20 + (rnd() % 3 ? 0 : (rnd() % 11) * 4) : proto == 17 ? 8 : 0;
	size_t plen = rnd() % 64, ip_at = f->n;
	size_t total = 20 + optlen + thlen + plen;
	add8(f, rnd() % 16 ? 0x40 | (unsigned)(5 + optlen / 4) : rnd() & 0xff);
	add8(f, 0);
	add16(f, rnd() % 8 ? (unsigned)total : rnd() % 128);
	add16(f, rnd() & 0xffff);
	add16(f, rnd() % 2 ? 0x4000 : 0); /* DF or nothing: never a fragment */
	add8(f, rnd() & 0xff);
	add8(f, proto);
	add16(f, 0);
	add32(f, rnd());
	add32(f, rnd());
	for (size_t i = 0; i < optlen; i++)
		add8(f, rnd() % 4 ? 1 : rnd() % 3 ? 0 : rnd() & 0xff);
	size_t l4_at = f->n;
	for (size_t i = 0; i < thlen + plen; i++)
		add8(f, rnd() & 0xff);
	uint8_t *l4 = f->b + l4_at;
	uint16_t sport = (uint16_t)(1024 + rnd() % 60000), dport = (uint16_t)(rnd() % 1024);
	l4[0] = (uint8_t)(sport >> 8), l4[1] = (uint8_t)sport; /* no VXLAN or GTP-U port */
	if (thlen >= 4)
		l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
	if (proto == 6 && rnd() % 8)
		l4[12] = (uint8_t)(thlen / 4 << 4);
	if (proto == 17 && rnd() % 8)
		l4[4] = (uint8_t)((thlen + plen) >> 8), l4[5] = (uint8_t)(thlen + plen);
	(void)ip_at;
	if (rnd() % 3 == 0)
		f->n = rnd() % (f->n + 1); /* a snap length anywhere */
}

static void test_fixed_headers_random(void)
{
	TEST("fixed headers in one check: 200000 random frames against field-by-field reads");
	struct sl_decoder *d;
	struct sl_decode_config cfg = default_cfg();
	cfg.decap_gre = cfg.decap_vxlan = cfg.decap_gtpu = false;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), 0);
	unsigned bad = 0, ok = 0, failed = 0;
	for (unsigned i = 0; i < 200000 && bad < 5; i++) {
		struct fr f;
		struct sl_packet p;
		struct plain want;
		random_frame(&f);
		plain_decode(f.b, f.n, &want);
		uint64_t before = want.reason >= 0 ? sl_decoder_counters(d)->reasons[want.reason] : 0;
		uint64_t all = errors_total(d);
		enum sl_decode_result r = run_on(d, 1, f.b, f.n, 1000, &p);
		bool same;
		if (want.reason >= 0) {
			failed++;
			same = r == SL_DECODE_ERROR && errors_total(d) == all + 1 &&
			       sl_decoder_counters(d)->reasons[want.reason] == before + 1;
		} else {
			ok++;
			same = r == SL_DECODE_OK && p.ip_version == 4 && p.proto == want.proto &&
			       p.ttl == want.ttl && p.df == want.df && p.ip_id == want.ip_id &&
			       p.ip_len == want.ip_len && p.sport == want.sport &&
			       p.dport == want.dport && p.tcp_seq == want.seq &&
			       p.tcp_ack == want.ack && p.tcp_flags == want.flags &&
			       p.tcp_window == want.window && p.tcp_opts_len == want.opts_len &&
			       p.payload == held + want.payload_off &&
			       p.payload_len == want.payload_len && !p.neighbour.valid &&
			       !p.icmp_error && !p.reassembled && p.vlan_count == 0 &&
			       p.tunnel.type == 0;
		}
		if (!same) {
			bad++;
			fprintf(stderr, "  frame %u (%zu bytes): expected %s, got result %d\n", i, f.n,
				want.reason >= 0 ? sl_decode_reason_name(want.reason) : "decoded", r);
		}
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(ok > 50000 && failed > 20000); /* both sides were exercised */
	sl_decoder_destroy(d);
}

static void test_names_and_create(void)
{
	TEST("reason names, DLT set, create/destroy");
	CHECK_EQ_STR(sl_decode_reason_name(SL_DEC_IPV4_TRUNCATED), "ipv4.truncated");
	CHECK_EQ_STR(sl_decode_reason_name(SL_DEC_FRAG_TIMEOUT), "frag.timeout");
	CHECK_EQ_STR(sl_decode_reason_desc(SL_DEC_VLAN_TOO_DEEP), "more than two VLAN tags");
	CHECK_EQ_STR(sl_decode_reason_name(SL_DEC__COUNT), "unknown");
	for (unsigned i = 0; i < SL_DEC__COUNT; i++)
		CHECK(strlen(sl_decode_reason_name(i)) > 3 && strlen(sl_decode_reason_desc(i)) > 5);
	static const int yes[] = { 0, 1, 9, 12, 14, 104, 108, 113, 228, 229, 239, 276 };
	unsigned n = 0;
	for (int dlt = -1; dlt < 300; dlt++)
		n += sl_decode_dlt_supported(dlt);
	CHECK_EQ_INT(n, ARRAY_SIZE(yes));
	for (unsigned i = 0; i < ARRAY_SIZE(yes); i++)
		CHECK(sl_decode_dlt_supported(yes[i]));

	struct sl_decoder *d = (struct sl_decoder *)1;
	CHECK_EQ_INT(sl_decoder_create(NULL, &d), -22);
	CHECK(d == NULL);
	struct sl_decode_config c = default_cfg();
	c.frag_max_datagrams = 1u << 20;
	CHECK_EQ_INT(sl_decoder_create(&c, &d), -22);
	c = default_cfg();
	c.vxlan_port = 0;
	CHECK_EQ_INT(sl_decoder_create(&c, &d), -22);
	sl_decoder_destroy(NULL);
}

static void test_eth_ipv4_tcp(void)
{
	TEST("Ethernet + IPv4 + TCP with options");
	struct fr f = { 0 };
	struct sl_packet p;
	mk_tcp_frame(&f, "hello");
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_tcp_v4(&p, "hello");
	CHECK(p.mac_dst == held && p.mac_src == held + 6);
	CHECK(memcmp(p.mac_src, MAC_SRC, 6) == 0);
	CHECK_EQ_INT(p.vlan_count, 0);
	CHECK_EQ_INT(p.ttl, 64);
	CHECK(p.df);
	CHECK(!p.reassembled);
	CHECK_EQ_INT(p.ip_id, 0x1234);
	CHECK_EQ_INT(p.ip_len, 20 + 40 + 5);
	CHECK(p.l3 == held + 14);
	CHECK(p.l4 == held + 34);
	CHECK_EQ_INT(p.l4_len, 45);
	CHECK_EQ_INT(p.caplen, f.n);
	CHECK_EQ_INT(p.ts, 1000);
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_NONE);
}

static void test_padding_and_snaplen(void)
{
	TEST("Ethernet padding trimmed, snapped capture decoded");
	struct fr l4 = { 0 }, ip = { 0 }, f = { 0 };
	struct sl_packet p;
	mk_udp(&l4, 5353, 53, "ab", 2);
	mk_ipv4(&ip, 17, A4, B4, &l4);
	mk_eth(&f, 0x0800, &ip);
	while (f.n < 60)
		add8(&f, 0xee); /* minimum frame padding */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.payload_len, 2);
	CHECK_EQ_INT(p.l4_len, 10);
	CHECK_EQ_INT(p.ip_len, 30);

	struct fr t = { 0 };
	mk_tcp_frame(&t, "0123456789abcdef");
	t.n -= 10; /* snap length cut the payload */
	CHECK_EQ_INT(run(1, &t, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.payload_len, 6);
	CHECK_EQ_INT(p.ip_len, 20 + 40 + 16);
	CHECK_EQ_INT(p.l4_len, 46);
}

/* The same UDP 1111 -> 2222 "xyz" datagram over IPv4 and over IPv6. */
static void mk_udp_pair(struct fr *ip4, struct fr *ip6)
{
	struct fr l4 = { 0 };
	ip4->n = ip6->n = 0;
	mk_udp(&l4, 1111, 2222, "xyz", 3);
	mk_ipv4(ip4, 17, A4, B4, &l4);
	mk_ipv6(ip6, 17, V6_A, V6_B, l4.b, l4.n);
}

static void test_loopback_links(void)
{
	TEST("DLT_NULL and DLT_LOOP");
	struct fr ip4, ip6;
	struct sl_packet p;
	mk_udp_pair(&ip4, &ip6);

	struct fr f = { 0 };
	add(&f, "\x02\0\0\0", 4); /* DLT_NULL, little-endian writer, AF_INET */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(0, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4) && p.dport == 2222 && p.mac_src == NULL);
	f.n = 0;
	add(&f, "\0\0\0\x02", 4); /* DLT_NULL written by a big-endian host */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(0, &f, &p), SL_DECODE_OK);
	f.n = 0;
	add(&f, "\x1e\0\0\0", 4); /* AF_INET6 on Darwin (30) */
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(0, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A) && p.ttl == 57 && p.sport == 1111);
	f.n = 0;
	add(&f, "\x07\0\0\0", 4);
	add(&f, ip4.b, ip4.n);
	EXPECT_ERR(0, &f, SL_DEC_NULL_BAD_FAMILY);
	f.n = 3;
	EXPECT_ERR(0, &f, SL_DEC_NULL_TRUNCATED);

	uint8_t fams[] = { 24, 28, 30 };
	for (unsigned i = 0; i < sizeof(fams); i++) {
		f.n = 0;
		add32(&f, fams[i]); /* DLT_LOOP: network order */
		add(&f, ip6.b, ip6.n);
		CHECK_EQ_INT(run(108, &f, &p), SL_DECODE_OK);
		CHECK(addr6_is(&p.dst, V6_B));
	}
	f.n = 0;
	add32(&f, 2);
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(108, &f, &p), SL_DECODE_OK);
	uint64_t swapped = sl_decoder_counters(dec)->layers[SL_LAYER_LOOPBACK_SWAPPED];
	f.n = 0;
	add(&f, "\x02\0\0\0", 4); /* little-endian on DLT_LOOP: read, counted */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(108, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4));
	f.n = 0;
	add(&f, "\0\0\0\x1c", 4); /* FreeBSD AF_INET6 (28), big-endian, on DLT_NULL */
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(0, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A));
	CHECK_EQ_INT(sl_decoder_counters(dec)->layers[SL_LAYER_LOOPBACK_SWAPPED], swapped + 2);
	f.n = 0;
	add(&f, "\x0f\0\x08\0", 4); /* a Cisco HDLC header, 0x0008000f little-endian */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(0, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.dst, B4) && p.dport == 2222);
	f.n = 0;
	add(&f, "\x8f\0\x86\xdd", 4);
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(108, &f, &p), SL_DECODE_OK);
	f.n = 0;
	add(&f, "\x0f\0\x08\x06", 4); /* ARP's ethertype: not taken for HDLC */
	add(&f, ip4.b, ip4.n);
	EXPECT_ERR(0, &f, SL_DEC_NULL_BAD_FAMILY);

}

static void test_raw_links(void)
{
	TEST("raw IP link types");
	struct fr ip4, ip6, f = { 0 };
	struct sl_packet p;
	mk_udp_pair(&ip4, &ip6);
	CHECK_EQ_INT(run(12, &ip4, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.dst, B4) && p.l3 == held);
	CHECK_EQ_INT(run(14, &ip6, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A));
	CHECK_EQ_INT(run(228, &ip4, &p), SL_DECODE_OK);
	CHECK_EQ_INT(run(229, &ip6, &p), SL_DECODE_OK);
	EXPECT_ERR(228, &ip6, SL_DEC_IPV4_BAD_VERSION);
	EXPECT_ERR(229, &ip4, SL_DEC_IPV6_BAD_VERSION);
	f.n = 0;
	add8(&f, 0x50);
	EXPECT_ERR(12, &f, SL_DEC_RAW_BAD_VERSION);
	f.n = 0;
	EXPECT_ERR(12, &f, SL_DEC_RAW_BAD_VERSION);
	EXPECT_ERR(105, &ip4, SL_DEC_LINK_UNSUPPORTED);

}

static void test_cooked_links(void)
{
	TEST("Linux cooked SLL and SLL2");
	struct fr ip4, ip6, f = { 0 };
	struct sl_packet p;
	mk_udp_pair(&ip4, &ip6);
	/* Linux cooked v1: outgoing, ARPHRD_ETHER, 6-byte address */
	add16(&f, 4);
	add16(&f, 1);
	add16(&f, 6);
	add(&f, MAC_SRC, 6);
	add16(&f, 0);
	add16(&f, 0x86dd);
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(113, &f, &p), SL_DECODE_OK);
	CHECK(p.mac_src == held + 6 && p.mac_dst == NULL && p.dport == 2222);
	f.n = 15;
	EXPECT_ERR(113, &f, SL_DEC_SLL_TRUNCATED);

	f.n = 0; /* Linux cooked v2 */
	add16(&f, 0x0800);
	add16(&f, 0);
	add32(&f, 3);
	add16(&f, 1);
	add8(&f, 0);
	add8(&f, 6);
	add(&f, MAC_SRC, 6);
	add16(&f, 0);
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(276, &f, &p), SL_DECODE_OK);
	CHECK(p.mac_src == held + 12 && addr4_is(&p.src, A4));
	f.n = 19;
	EXPECT_ERR(276, &f, SL_DEC_SLL2_TRUNCATED);
	f.n = 0;
	add16(&f, 0x0806); /* ARP over SLL2 */
	add(&f, "\0\0\0\0\0\x03\0\x01\0\x06", 10);
	add(&f, MAC_SRC, 6);
	add16(&f, 0);
	CHECK_EQ_INT(run(276, &f, &p), SL_DECODE_NOT_IP);
}

static void test_ppp(void)
{
	TEST("PPP and PPPoE");
	struct fr l4 = { 0 }, ip4 = { 0 }, ip6 = { 0 }, f = { 0 };
	struct sl_packet p;
	mk_udp(&l4, 1111, 2222, "xyz", 3);
	mk_ipv4(&ip4, 17, A4, B4, &l4);
	mk_ipv6(&ip6, 17, V6_A, V6_B, l4.b, l4.n);

	add(&f, "\xff\x03\x00\x21", 4); /* HDLC-like framing */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(9, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4));
	f.n = 0;
	add(&f, "\x00\x57", 2); /* no address/control */
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(9, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A));
	f.n = 0;
	add8(&f, 0x21); /* protocol-field compression */
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(9, &f, &p), SL_DECODE_OK);
	f.n = 0;
	add(&f, "\xff\x03\xc0\x21\x01\x01\x00\x04", 8); /* LCP */
	CHECK_EQ_INT(run(9, &f, &p), SL_DECODE_NOT_IP);
	f.n = 3;
	EXPECT_ERR(9, &f, SL_DEC_PPP_TRUNCATED);

	struct fr s = { 0 }, e = { 0 }; /* PPPoE session frame with padding */
	add8(&s, 0x11);
	add8(&s, 0);
	add16(&s, 0x0042);
	add16(&s, (unsigned)(2 + ip4.n));
	add16(&s, 0x0021);
	add(&s, ip4.b, ip4.n);
	add(&s, "\0\0\0\0\0\0", 6);
	mk_eth(&e, 0x8864, &s);
	uint64_t pppoe = sl_decoder_counters(dec)->layers[SL_LAYER_PPPOE];
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.dst, B4) && p.dport == 2222 && p.payload_len == 3);
	CHECK_EQ_INT(sl_decoder_counters(dec)->layers[SL_LAYER_PPPOE], pppoe + 1);
	e.n = 14 + 5;
	EXPECT_ERR(1, &e, SL_DEC_PPPOE_TRUNCATED);
	e.n = 14 + 7;
	EXPECT_ERR(1, &e, SL_DEC_PPP_TRUNCATED);
	e.n = 0;
	s.b[0] = 0x12;
	mk_eth(&e, 0x8864, &s);
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_NOT_IP);
}

/* Ethernet whose tags are given as (TPID, VID) pairs, then IPv4 UDP. */
static void mk_tagged(struct fr *f, const unsigned *tags, unsigned n)
{
	struct fr l4 = { 0 }, ip = { 0 };
	mk_udp(&l4, 1111, 2222, "v", 1);
	mk_ipv4(&ip, 17, A4, B4, &l4);
	add(f, MAC_DST, 6);
	add(f, MAC_SRC, 6);
	for (unsigned i = 0; i < n; i++) {
		add16(f, tags[2 * i]);
		add16(f, 0xe000 | tags[2 * i + 1]); /* priority bits are not the VID */
	}
	add16(f, 0x0800);
	add(f, ip.b, ip.n);
}

static void test_vlan(void)
{
	TEST("802.1Q, QinQ, too deep, non-IP");
	struct fr f = { 0 };
	struct sl_packet p;
	unsigned one[] = { 0x8100, 100 };
	mk_tagged(&f, one, 1);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.vlan_count, 1);
	CHECK_EQ_INT(p.vlan[0], 100);
	CHECK_EQ_INT(p.dport, 2222);

	unsigned qinq[] = { 0x88a8, 200, 0x8100, 300 };
	f.n = 0;
	mk_tagged(&f, qinq, 2);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.vlan_count, 2);
	CHECK_EQ_INT(p.vlan[0], 200);
	CHECK_EQ_INT(p.vlan[1], 300);
	CHECK(addr4_is(&p.src, A4));

	unsigned old[] = { 0x9100, 7, 0x8100, 4095 };
	f.n = 0;
	mk_tagged(&f, old, 2);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.vlan[0], 7);
	CHECK_EQ_INT(p.vlan[1], 4095);

	unsigned three[] = { 0x88a8, 1, 0x8100, 2, 0x8100, 3 };
	f.n = 0;
	mk_tagged(&f, three, 3);
	EXPECT_ERR(1, &f, SL_DEC_VLAN_TOO_DEEP);
	f.n = 0;
	mk_tagged(&f, one, 1);
	f.n = 17;
	EXPECT_ERR(1, &f, SL_DEC_VLAN_TRUNCATED);
	f.n = 13;
	EXPECT_ERR(1, &f, SL_DEC_ETH_TRUNCATED);

	uint64_t not_ip = sl_decoder_counters(dec)->not_ip;
	struct fr arp = { 0 }, body = { 0 };
	add(&body, "\0\x01\x08\0\x06\x04\0\x01", 8);
	mk_eth(&arp, 0x0806, &body);
	CHECK_EQ_INT(run(1, &arp, &p), SL_DECODE_NOT_IP);
	arp.n = 0;
	mk_eth(&arp, 0x88cc, &body); /* LLDP */
	CHECK_EQ_INT(run(1, &arp, &p), SL_DECODE_NOT_IP);
	arp.n = 0;
	mk_eth(&arp, 0x0026, &body); /* 802.3 length field (LLC) */
	CHECK_EQ_INT(run(1, &arp, &p), SL_DECODE_NOT_IP);
	f.n = 0;
	add(&f, arp.b, 12);
	add16(&f, 0x8100);
	add16(&f, 5);
	add16(&f, 0x0806);
	add(&f, body.b, body.n);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_NOT_IP);
	CHECK_EQ_INT(sl_decoder_counters(dec)->not_ip, not_ip + 4);
}

static void v4_with_opts(struct fr *f, const uint8_t *opts, size_t n)
{
	struct fr l4 = { 0 }, ip = { 0 };
	mk_udp(&l4, 1, 2, "o", 1);
	mk_ipv4_full(&ip, 17, A4, B4, 9, 0, opts, n, l4.b, l4.n);
	f->n = 0;
	mk_eth(f, 0x0800, &ip);
}

static void test_ipv4_header(void)
{
	TEST("IPv4 options and header checks");
	struct fr f = { 0 };
	struct sl_packet p;
	/* NOP, NOP, Record Route (len 7), End of List, padding */
	static const uint8_t good[12] = { 1, 1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0 };
	v4_with_opts(&f, good, sizeof(good));
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.l4 == p.l3 + 32);
	CHECK_EQ_INT(p.dport, 2);
	CHECK(!p.df);
	static const uint8_t after_eol[4] = { 0, 0x44, 0xff, 0xff }; /* junk after EOL is padding */
	v4_with_opts(&f, after_eol, 4);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);

	static const uint8_t len1[4] = { 7, 1, 0, 0 };
	static const uint8_t too_long[4] = { 1, 7, 8, 4 };
	static const uint8_t no_len[4] = { 1, 1, 1, 0x44 };
	v4_with_opts(&f, len1, 4);
	EXPECT_ERR(1, &f, SL_DEC_IPV4_BAD_OPTION);
	v4_with_opts(&f, too_long, 4);
	EXPECT_ERR(1, &f, SL_DEC_IPV4_BAD_OPTION);
	v4_with_opts(&f, no_len, 4);
	EXPECT_ERR(1, &f, SL_DEC_IPV4_BAD_OPTION);

	v4_with_opts(&f, NULL, 0);
	f.b[14] = 0x44;
	EXPECT_ERR(1, &f, SL_DEC_IPV4_HLEN_TOO_SMALL);
	f.b[14] = 0x4f; /* 60 bytes of header, 29 captured */
	EXPECT_ERR(1, &f, SL_DEC_IPV4_HLEN_TOO_BIG);
	f.b[14] = 0x55;
	EXPECT_ERR(1, &f, SL_DEC_IPV4_BAD_VERSION);
	f.b[14] = 0x45;
	f.b[16] = 0;
	f.b[17] = 19;
	EXPECT_ERR(1, &f, SL_DEC_IPV4_BAD_TOTAL_LEN);
	f.b[17] = 20; /* no transport bytes: UDP header missing */
	EXPECT_ERR(1, &f, SL_DEC_UDP_TRUNCATED);
	f.n = 14 + 19;
	EXPECT_ERR(1, &f, SL_DEC_IPV4_TRUNCATED);
}

static void test_transport(void)
{
	TEST("TCP, UDP, ICMP, ICMPv6, SCTP, other protocols");
	struct fr l4 = { 0 }, ip = { 0 }, f = { 0 };
	struct sl_packet p;

	mk_tcp(&l4, 1, 2, NULL, 0, "", 0);
	l4.b[12] = 0x40; /* data offset 4 */
	mk_ipv4(&ip, 6, A4, B4, &l4);
	EXPECT_ERR(12, &ip, SL_DEC_TCP_HLEN_TOO_SMALL);
	ip.n = l4.n = 0;
	mk_tcp(&l4, 1, 2, NULL, 0, "abcd", 4);
	l4.b[12] = 0x70; /* 28-byte header in a 24-byte segment */
	mk_ipv4(&ip, 6, A4, B4, &l4);
	EXPECT_ERR(12, &ip, SL_DEC_TCP_HLEN_TOO_BIG);
	ip.n = l4.n = 0;
	mk_tcp(&l4, 1, 2, TCP_OPTS, sizeof(TCP_OPTS), "", 0);
	mk_ipv4(&ip, 6, A4, B4, &l4);
	ip.n -= 4; /* options cut by the snap length */
	EXPECT_ERR(12, &ip, SL_DEC_TCP_TRUNCATED);

	ip.n = l4.n = 0;
	mk_udp(&l4, 1, 2, "abc", 3);
	l4.b[5] = 7;
	mk_ipv4(&ip, 17, A4, B4, &l4);
	EXPECT_ERR(12, &ip, SL_DEC_UDP_BAD_LEN);
	ip.b[20 + 5] = 12; /* longer than the 11-byte IP payload */
	EXPECT_ERR(12, &ip, SL_DEC_UDP_BAD_LEN);
	ip.b[20 + 5] = 9; /* shorter: the extra byte is not UDP payload */
	CHECK_EQ_INT(run(12, &ip, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.payload_len, 1);
	CHECK_EQ_INT(p.l4_len, 11);

	ip.n = l4.n = 0;
	add(&l4, "\x08\x00\xf7\xff\0\x01\0\x01", 8); /* echo request */
	mk_ipv4(&ip, 1, A4, B4, &l4);
	CHECK_EQ_INT(run(12, &ip, &p), SL_DECODE_OK);
	CHECK(p.proto == 1 && p.icmp_type == 8 && p.icmp_code == 0 && p.sport == 0);
	CHECK_EQ_INT(p.payload_len, 4);
	ip.n -= 5;
	EXPECT_ERR(12, &ip, SL_DEC_ICMP_TRUNCATED);

	f.n = 0;
	mk_ipv6(&f, 58, V6_A, V6_B, "\x87\x00\x12\x34\0\0\0\0", 8); /* neighbour solicitation */
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 58 && p.icmp_type == 135 && p.icmp_code == 0);

	ip.n = l4.n = 0;
	add(&l4, "\x0b\x59\x0b\x5a\xde\xad\xbe\xef\0\0\0\0\x01", 13);
	mk_ipv4(&ip, 132, A4, B4, &l4);
	CHECK_EQ_INT(run(12, &ip, &p), SL_DECODE_OK);
	CHECK(p.proto == 132 && p.sport == 2905 && p.dport == 2906 && p.payload_len == 1);
	ip.n -= 2;
	EXPECT_ERR(12, &ip, SL_DEC_SCTP_TRUNCATED);

	ip.n = 0; /* ESP: a flow with ports 0 */
	mk_ipv4_full(&ip, 50, A4, B4, 1, 0, NULL, 0, "\0\0\x10\x01\0\0\0\x07", 8);
	CHECK_EQ_INT(run(12, &ip, &p), SL_DECODE_OK);
	CHECK(p.proto == 50 && p.sport == 0 && p.dport == 0 && p.l4_len == 8);
	CHECK(p.payload == p.l4 && p.payload_len == 8);
}

/* IPv6 extension header in the 8-byte-unit layout, padded with zeros. */
static void add_ext(struct fr *f, unsigned next, unsigned units)
{
	add8(f, next);
	add8(f, units);
	for (unsigned i = 2; i < (units + 1) * 8; i++)
		add8(f, 0);
}

static void test_ipv6_chain(void)
{
	TEST("IPv6 extension headers");
	struct fr chain = { 0 }, l4 = { 0 }, f = { 0 }, e = { 0 };
	struct sl_packet p;
	mk_tcp(&l4, 50000, 22, NULL, 0, "SSH-", 4);
	add_ext(&chain, 43, 0);        /* hop-by-hop -> routing */
	add_ext(&chain, 60, 1);        /* routing (16 bytes) -> destination options */
	add_ext(&chain, 51, 0);        /* destination options -> AH */
	add8(&chain, 135);             /* AH: 24 bytes (len 4 = 6 words - 2) -> mobility */
	add8(&chain, 4);
	for (unsigned i = 2; i < 24; i++)
		add8(&chain, 0xaa);
	add_ext(&chain, 6, 0);         /* mobility -> TCP */
	add(&chain, l4.b, l4.n);
	mk_ipv6(&f, 0, V6_A, V6_B, chain.b, chain.n);
	mk_eth(&e, 0x86dd, &f);
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.proto, 6);
	CHECK_EQ_INT(p.sport, 50000);
	CHECK_EQ_INT(p.dport, 22);
	CHECK(p.l4 == held + 14 + 40 + 8 + 16 + 8 + 24 + 8);
	CHECK_EQ_INT(p.payload_len, 4);
	CHECK_EQ_INT(p.ip_len, 40 + chain.n);
	CHECK_EQ_INT(p.ttl, 57);

	e.n = 14 + 40 + 8 + 16 + 8 + 20; /* inside AH */
	EXPECT_ERR(1, &e, SL_DEC_IPV6_EXTHDR_TRUNCATED);

	chain.n = f.n = 0;
	for (unsigned i = 0; i < 9; i++)
		add_ext(&chain, 60, 0);
	mk_ipv6(&f, 60, V6_A, V6_B, chain.b, chain.n);
	EXPECT_ERR(229, &f, SL_DEC_IPV6_EXTHDR_TOO_MANY);

	f.n = 0;
	mk_ipv6(&f, 59, V6_A, V6_B, "\0\0\0\0", 4); /* no next header */
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 59 && p.l4_len == 4);

	chain.n = f.n = l4.n = 0; /* atomic fragment (RFC 6946) is not reassembled */
	mk_udp(&l4, 7, 8, "a", 1);
	add8(&chain, 17);
	add8(&chain, 0);
	add16(&chain, 0);
	add32(&chain, 0xabcdef);
	add(&chain, l4.b, l4.n);
	mk_ipv6(&f, 44, V6_A, V6_B, chain.b, chain.n);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 17 && p.dport == 8 && !p.reassembled);

	f.n = 39;
	EXPECT_ERR(229, &f, SL_DEC_IPV6_TRUNCATED);
}

/* ---- fragments ----------------------------------------------------------- */

/* A UDP datagram of 8 + 56 bytes whose payload bytes are i * 3. */
static void mk_datagram(struct fr *l4)
{
	uint8_t pl[56];
	for (unsigned i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 3);
	l4->n = 0;
	mk_udp(l4, 4000, 5000, pl, sizeof(pl));
}

static void v4_frag(struct fr *out, const struct fr *l4, unsigned id, unsigned off,
		    unsigned len, bool more)
{
	struct fr ip = { 0 };
	mk_ipv4_full(&ip, 17, A4, B4, id, (more ? 0x2000 : 0) | off / 8, NULL, 0,
		     l4->b + off, len);
	out->n = 0;
	mk_eth(out, 0x0800, &ip);
}

static void v6_frag(struct fr *out, const struct fr *l4, uint32_t id, unsigned off,
		    unsigned len, bool more)
{
	struct fr rest = { 0 };
	add8(&rest, 17);
	add8(&rest, 0);
	add16(&rest, off | (more ? 1 : 0));
	add32(&rest, id);
	add(&rest, l4->b + off, len);
	out->n = 0;
	mk_ipv6(out, 44, V6_A, V6_B, rest.b, rest.n);
}

/* The reassembled datagram is the whole original UDP datagram. */
static void check_whole(const struct sl_packet *p, const struct fr *l4, int version)
{
	CHECK(p->reassembled);
	CHECK_EQ_INT(p->ip_version, version);
	CHECK_EQ_INT(p->proto, 17);
	CHECK_EQ_INT(p->sport, 4000);
	CHECK_EQ_INT(p->dport, 5000);
	CHECK_EQ_INT(p->payload_len, 56);
	CHECK(p->payload && memcmp(p->payload, l4->b + 8, 56) == 0);
	CHECK_EQ_INT(p->ip_len, (version == 4 ? 20 : 40) + 64);
	CHECK(p->l4 == p->l3 + (version == 4 ? 20 : 40));
}

typedef void (*frag_fn)(struct fr *, const struct fr *, unsigned, unsigned, unsigned, bool);

static void v6_frag_u(struct fr *out, const struct fr *l4, unsigned id, unsigned off,
		      unsigned len, bool more)
{
	v6_frag(out, l4, id, off, len, more);
}

/* Feed pieces (offset, length) in the given order; only the last may finish. */
static void feed(int dlt, frag_fn mk, unsigned id, const unsigned (*pieces)[2], unsigned n,
		 const struct fr *l4, int version)
{
	struct fr f;
	struct sl_packet p;
	uint32_t frames = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned off = pieces[i][0], len = pieces[i][1];
		mk(&f, l4, id, off, len, off + len < 64);
		frames += (uint32_t)f.n;
		enum sl_decode_result r = run(dlt, &f, &p);
		CHECK_EQ_INT(r, i + 1 < n ? SL_DECODE_FRAG_HELD : SL_DECODE_OK);
	}
	check_whole(&p, l4, version);
	CHECK_EQ_INT(p.wirelen, frames); /* the flow is charged every fragment's frame */
}

/* sl_decode_peek(): the outermost IP header through the same link layers,
 * the protocol past the IPv6 extension headers (a fragment's own), no
 * reassembly, no counters, and no IP header is no answer. */
static void test_peek(void)
{
	TEST("peek: outermost IP pair and protocol, extension headers, fragments, no counters");
	struct fr chain = { 0 }, l4 = { 0 }, f = { 0 }, e = { 0 };
	struct sl_decode_peek ip;
	mk_tcp(&l4, 50000, 22, NULL, 0, "SSH-", 4);
	add_ext(&chain, 51, 0);        /* hop-by-hop -> AH */
	add8(&chain, 6);               /* AH (24 bytes) -> TCP */
	add8(&chain, 4);
	for (unsigned i = 2; i < 24; i++)
		add8(&chain, 0xaa);
	add(&chain, l4.b, l4.n);
	mk_ipv6(&f, 0, V6_A, V6_B, chain.b, chain.n);
	mk_eth(&e, 0x86dd, &f);
	CHECK(sl_decode_peek(1, e.b, (uint32_t)e.n, &ip));
	CHECK(addr6_is(&ip.src, V6_A) && addr6_is(&ip.dst, V6_B) && ip.proto == 6);
	e.n = 14 + 40 + 8 + 10; /* cut inside AH: the decoder refuses it, so does peek */
	CHECK(!sl_decode_peek(1, e.b, (uint32_t)e.n, &ip));
	/* a later fragment: its own protocol, nothing held */
	chain.n = f.n = 0;
	add8(&chain, 17);
	add8(&chain, 0);
	add16(&chain, 24 | 1);
	add32(&chain, 9);
	add(&chain, l4.b, 16);
	mk_ipv6(&f, 44, V6_A, V6_B, chain.b, chain.n);
	CHECK(sl_decode_peek(229, f.b, (uint32_t)f.n, &ip) && ip.proto == 17);
	/* ARP is not IP; an unknown link type is not read */
	static const uint8_t arp[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06 };
	CHECK(!sl_decode_peek(1, arp, sizeof(arp), &ip));
	CHECK(!sl_decode_peek(4242, f.b, (uint32_t)f.n, &ip));
	CHECK(!sl_decode_peek(1, NULL, 0, &ip));
	/* the decoder's counters are untouched: a decoder that decoded nothing */
	const struct sl_decode_counters *c = sl_decoder_counters(dec);
	uint64_t before = c->not_ip + c->fragments;
	CHECK(!sl_decode_peek(1, arp, sizeof(arp), &ip));
	CHECK_EQ_INT(c->not_ip + c->fragments, before);
}

static void test_frag_ipv4(void)
{
	TEST("IPv4 fragments");
	struct fr l4, f;
	struct sl_packet p;
	mk_datagram(&l4);
	const struct sl_decode_counters *c = sl_decoder_counters(dec);
	uint64_t frags = c->fragments, done = c->reassembled;

	static const unsigned in_order[][2] = { { 0, 24 }, { 24, 24 }, { 48, 16 } };
	feed(1, v4_frag, 100, in_order, 3, &l4, 4);
	CHECK_EQ_INT(c->fragments, frags + 3);
	CHECK_EQ_INT(c->reassembled, done + 1);

	static const unsigned reverse[][2] = { { 48, 16 }, { 24, 24 }, { 0, 24 } };
	feed(1, v4_frag, 101, reverse, 3, &l4, 4);
	static const unsigned dup[][2] = { { 0, 24 }, { 24, 24 }, { 24, 24 }, { 0, 24 }, { 48, 16 } };
	feed(1, v4_frag, 102, dup, 5, &l4, 4);
	/* overlaps with identical bytes are not conflicts in IPv4 */
	static const unsigned same[][2] = { { 0, 32 }, { 24, 32 }, { 48, 16 } };
	feed(1, v4_frag, 103, same, 3, &l4, 4);

	/* a conflicting overlap drops the datagram, and its later fragments */
	v4_frag(&f, &l4, 104, 0, 24, true);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_FRAG_HELD);
	struct fr evil = l4;
	evil.b[20] ^= 0xff;
	v4_frag(&f, &evil, 104, 16, 16, true);
	EXPECT_ERR(1, &f, SL_DEC_FRAG_BAD_OFFSET);
	v4_frag(&f, &l4, 104, 24, 40, false);
	EXPECT_ERR(1, &f, SL_DEC_FRAG_DROPPED);

	/* the datagram's end is fixed by its last fragment */
	v4_frag(&f, &l4, 105, 48, 16, false);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_FRAG_HELD);
	v4_frag(&f, &l4, 105, 40, 16, false);
	EXPECT_ERR(1, &f, SL_DEC_FRAG_BAD_OFFSET);

	v4_frag(&f, &l4, 106, 0, 12, true);
	EXPECT_ERR(1, &f, SL_DEC_FRAG_BAD_LEN);
	struct fr big = { 0 }, ip = { 0 };
	mk_ipv4_full(&ip, 17, A4, B4, 107, 0x2000 | 8190, NULL, 0, l4.b, 24);
	mk_eth(&big, 0x0800, &ip);
	EXPECT_ERR(1, &big, SL_DEC_FRAG_BAD_OFFSET);
	v4_frag(&f, &l4, 108, 0, 24, true);
	f.n -= 1;
	EXPECT_ERR(1, &f, SL_DEC_FRAG_TRUNCATED);

	/* non-first fragments alone never become a packet */
	v4_frag(&f, &l4, 109, 24, 24, true);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_FRAG_HELD);
	v4_frag(&f, &l4, 109, 48, 16, false);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_FRAG_HELD);
	CHECK_EQ_INT(p.sport, 0);
	/* the same id on another VLAN is another datagram */
	unsigned tags[] = { 0x8100, 9 };
	struct fr tagged = { 0 };
	v4_frag(&f, &l4, 109, 0, 24, true);
	add(&tagged, f.b, 12);
	add16(&tagged, tags[0]);
	add16(&tagged, tags[1]);
	add(&tagged, f.b + 12, f.n - 12);
	CHECK_EQ_INT(run(1, &tagged, &p), SL_DECODE_FRAG_HELD);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_whole(&p, &l4, 4);
	CHECK(p.df == false && p.ip_id == 109 && p.ttl == 64);
}

static void test_frag_ipv6(void)
{
	TEST("IPv6 fragments (RFC 5722 overlaps)");
	struct fr l4, f;
	struct sl_packet p;
	mk_datagram(&l4);
	static const unsigned in_order[][2] = { { 0, 24 }, { 24, 24 }, { 48, 16 } };
	feed(229, v6_frag_u, 200, in_order, 3, &l4, 6);
	static const unsigned reverse[][2] = { { 48, 16 }, { 24, 24 }, { 0, 24 } };
	feed(229, v6_frag_u, 201, reverse, 3, &l4, 6);
	static const unsigned dup[][2] = { { 24, 24 }, { 0, 24 }, { 24, 24 }, { 48, 16 } };
	feed(229, v6_frag_u, 202, dup, 4, &l4, 6);

	/* any overlap that is not an exact duplicate drops the datagram, even
	 * with identical bytes */
	v6_frag(&f, &l4, 203, 0, 32, true);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD);
	v6_frag(&f, &l4, 203, 24, 24, true);
	EXPECT_ERR(229, &f, SL_DEC_FRAG_BAD_OFFSET);
	v6_frag(&f, &l4, 203, 32, 32, false);
	EXPECT_ERR(229, &f, SL_DEC_FRAG_DROPPED);
	/* a fragment covering two earlier ones is an overlap too */
	v6_frag(&f, &l4, 204, 0, 16, true);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD);
	v6_frag(&f, &l4, 204, 16, 16, true);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD);
	v6_frag(&f, &l4, 204, 0, 32, true);
	EXPECT_ERR(229, &f, SL_DEC_FRAG_BAD_OFFSET);
	/* an exact duplicate with different bytes is an overlap */
	v6_frag(&f, &l4, 205, 0, 16, true);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD);
	struct fr evil = l4;
	evil.b[9] ^= 1;
	v6_frag(&f, &evil, 205, 0, 16, true);
	EXPECT_ERR(229, &f, SL_DEC_FRAG_BAD_OFFSET);

	v6_frag(&f, &l4, 206, 8, 24, true);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD); /* non-first alone */
	CHECK_EQ_INT(p.dport, 0);

	/* unfragmentable hop-by-hop header before the fragment header */
	struct fr rest = { 0 };
	add_ext(&rest, 44, 0);
	add8(&rest, 17);
	add8(&rest, 0);
	add16(&rest, 0 | 1);
	add32(&rest, 207);
	add(&rest, l4.b, 32);
	f.n = 0;
	mk_ipv6(&f, 0, V6_A, V6_B, rest.b, rest.n);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_FRAG_HELD);
	v6_frag(&f, &l4, 207, 32, 32, false);
	CHECK_EQ_INT(run(229, &f, &p), SL_DECODE_OK);
	check_whole(&p, &l4, 6);
	CHECK(addr6_is(&p.src, V6_A) && p.ttl == 57);
}

static void test_frag_limits(void)
{
	TEST("fragment timeout; a full table drops its oldest datagram, not the newest");
	struct sl_decode_config cfg = default_cfg();
	cfg.frag_max_datagrams = 2;
	cfg.frag_timeout_sec = 30;
	struct sl_decoder *d;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), 0);
	struct fr l4, f;
	struct sl_packet p;
	mk_datagram(&l4);
	const struct sl_decode_counters *c = sl_decoder_counters(d);
	sl_time_us t0 = 1700000000ull * SL_US_PER_SEC;

	v4_frag(&f, &l4, 1, 0, 24, true);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0, &p), SL_DECODE_FRAG_HELD);
	v4_frag(&f, &l4, 2, 0, 24, true);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + 1, &p), SL_DECODE_FRAG_HELD);
	v4_frag(&f, &l4, 3, 0, 24, true); /* full: datagram 1, the oldest, makes room */
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + 2, &p), SL_DECODE_FRAG_HELD);
	CHECK_EQ_INT(c->reasons[SL_DEC_FRAG_EVICTED], 1);
	CHECK_EQ_INT(c->reasons[SL_DEC_FRAG_TABLE_FULL], 0);
	v4_frag(&f, &l4, 3, 24, 40, false); /* and datagram 3 completes */
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + 3, &p), SL_DECODE_OK);
	CHECK(p.reassembled && p.payload_len == 56 && p.payload[55] == (uint8_t)(55 * 3));
	CHECK_EQ_INT(c->frag_datagrams_max, 2);
	CHECK_EQ_INT(c->frag_datagrams_cap, 2);

	/* 30 s is still in time; 30 s and a bit is not */
	v4_frag(&f, &l4, 2, 24, 24, true);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + 1 + 30 * SL_US_PER_SEC, &p), SL_DECODE_FRAG_HELD);
	CHECK_EQ_INT(c->reasons[SL_DEC_FRAG_TIMEOUT], 0);
	v4_frag(&f, &l4, 2, 48, 16, false);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + 2 + 30 * SL_US_PER_SEC, &p),
		     SL_DECODE_FRAG_HELD); /* datagram 2 expired: this starts anew */
	CHECK_EQ_INT(c->reasons[SL_DEC_FRAG_TIMEOUT], 1);
	CHECK_EQ_INT(c->reassembled, 1);
	sl_decoder_destroy(d);

	cfg.frag_max_datagrams = 0; /* reassembly off */
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), 0);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0, &p), SL_DECODE_ERROR);
	CHECK_EQ_INT(sl_decoder_counters(d)->reasons[SL_DEC_FRAG_TABLE_FULL], 1);
	sl_decoder_destroy(d);
	cfg.frag_memory_mb = 1025;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), -22);
}

static void test_frag_memory(void)
{
	TEST("fragment memory: held by the chunk, the oldest datagram makes room");
	struct sl_decode_config cfg = default_cfg();
	cfg.frag_max_datagrams = 4096;
	cfg.frag_memory_mb = 1;
	struct sl_decoder *d;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), 0);
	const struct sl_decode_counters *c = sl_decoder_counters(d);
	uint64_t cap = c->frag_bytes_cap;
	CHECK(cap > 900000 && cap <= 1u << 20);
	static uint8_t big[3000];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	struct fr l4 = { 0 }, f;
	struct sl_packet p;
	mk_udp(&l4, 4000, 5000, big, sizeof(big));
	sl_time_us t0 = 1700000000ull * SL_US_PER_SEC;
	/* Each datagram holds bytes in two 2 KiB chunks ([0,24) and [2048,2072)):
	 * the memory holds cap / 4 KiB of them; the next ones take the oldest's. */
	unsigned fit = (unsigned)(cap / 4096), n = fit + 10;
	for (unsigned id = 1; id <= n; id++) {
		v4_frag(&f, &l4, id, 0, 24, true);
		run_on(d, 1, f.b, f.n, t0 + id, &p);
		v4_frag(&f, &l4, id, 2048, 24, true);
		CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + id, &p), SL_DECODE_FRAG_HELD);
	}
	CHECK(c->reasons[SL_DEC_FRAG_EVICTED] >= 10 && c->reasons[SL_DEC_FRAG_EVICTED] <= 12);
	CHECK(c->frag_bytes_max <= cap && c->frag_bytes_max >= cap - 4 * 2048);
	/* the newest datagram completes, whole and correct */
	for (unsigned off = 24; off < 2048; off += 1000)
		v4_frag(&f, &l4, n, off, off + 1000 > 2048 ? 2048 - off : 1000, true),
			run_on(d, 1, f.b, f.n, t0 + n, &p);
	v4_frag(&f, &l4, n, 2072, (unsigned)l4.n - 2072, false);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, t0 + n, &p), SL_DECODE_OK);
	CHECK(p.reassembled && p.payload_len == sizeof(big) && memcmp(p.payload, big, sizeof(big)) == 0);
	CHECK_EQ_INT(c->reasons[SL_DEC_FRAG_TABLE_FULL], 0);
	sl_decoder_destroy(d);
}

/* Random 8-byte-aligned pieces of a 3,000-byte datagram (two 2 KiB chunks),
 * some overlapping with the same bytes, in random order: the datagram
 * completes exactly when the last missing block arrives, whole.  Checks the
 * block maps' run counting and setting at every bit position and across a
 * chunk's edge. */
static void test_frag_random_pieces(void)
{
	TEST("IPv4 fragments: random pieces and overlaps complete exactly when covered");
	static uint8_t pl[3000];
	for (unsigned i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 13 + 5);
	struct fr l4 = { 0 }, f;
	struct sl_packet p;
	mk_udp(&l4, 4000, 5000, pl, sizeof(pl));
	const unsigned total = (unsigned)l4.n, blocks = (total + 7) / 8;
	unsigned seed = 99, bad = 0;
	for (unsigned round = 0; round < 300; round++) {
		unsigned pieces[64][2], n = 0;
		for (unsigned off = 0; off < total && n < 48;) { /* a partition ... */
			seed = seed * 1103515245u + 12345u;
			unsigned len = 8 * (1 + (seed >> 16) % 40);
			len = off + len > total ? total - off : len;
			pieces[n][0] = off, pieces[n][1] = len, n++;
			off += len;
		}
		if (pieces[n - 1][0] + pieces[n - 1][1] < total) /* 48 pieces fell short */
			pieces[n][0] = pieces[n - 1][0] + pieces[n - 1][1],
			pieces[n][1] = total - pieces[n][0], n++;
		for (unsigned k = 0; k < 6; k++) { /* ... and overlaps repeating its bytes */
			seed = seed * 1103515245u + 12345u;
			unsigned off = 8 * ((seed >> 16) % blocks);
			unsigned len = 8 * (1 + (seed >> 8) % 60);
			pieces[n][0] = off, pieces[n][1] = off + len > total ? total - off : len, n++;
		}
		for (unsigned i = n - 1; i > 0; i--) { /* shuffled */
			seed = seed * 1103515245u + 12345u;
			unsigned j = (seed >> 16) % (i + 1), t0 = pieces[i][0], t1 = pieces[i][1];
			pieces[i][0] = pieces[j][0], pieces[i][1] = pieces[j][1];
			pieces[j][0] = t0, pieces[j][1] = t1;
		}
		uint8_t have[(3008 + 7) / 8] = { 0 };
		unsigned covered = 0;
		for (unsigned i = 0; i < n; i++) {
			unsigned off = pieces[i][0], len = pieces[i][1];
			for (unsigned b = off / 8; b <= (off + len - 1) / 8; b++)
				covered += !have[b], have[b] = 1;
			v4_frag(&f, &l4, 5000 + round, off, len, off + len < total);
			enum sl_decode_result r = run(1, &f, &p);
			bool whole = covered == blocks;
			bad += r != (whole ? SL_DECODE_OK : SL_DECODE_FRAG_HELD);
			if (whole) {
				bad += !p.reassembled || p.payload_len != sizeof(pl) ||
				       memcmp(p.payload, pl, sizeof(pl)) != 0;
				break;
			}
		}
	}
	CHECK_EQ_INT(bad, 0);
}

/* ---- tunnels ------------------------------------------------------------- */

static void mk_gre(struct fr *out, unsigned flags, unsigned proto, uint32_t key,
		   const struct fr *inner)
{
	add16(out, flags);
	add16(out, proto);
	if (flags & 0x8000)
		add32(out, 0);
	if (flags & 0x2000)
		add32(out, key);
	if (flags & 0x1000)
		add32(out, 77);
	add(out, inner->b, inner->n);
}

/* Inner IPv4 TCP flow 192.168.0.1:40000 -> 10.0.0.2:443. */
static void mk_inner_v4(struct fr *ip)
{
	struct fr l4 = { 0 };
	ip->n = 0;
	mk_tcp(&l4, 40000, 443, TCP_OPTS, sizeof(TCP_OPTS), "in", 2);
	mk_ipv4(ip, 6, A4, B4, &l4);
}

#define OUT_A 0x01020304u
#define OUT_B 0x05060708u

static void test_gre(void)
{
	TEST("GRE decapsulation");
	struct fr inner, g = { 0 }, outer = { 0 }, f = { 0 };
	struct sl_packet p;
	uint64_t decap = sl_decoder_counters(dec)->decapsulated;
	mk_inner_v4(&inner);
	mk_gre(&g, 0x2000 | 0x8000 | 0x1000, 0x0800, 0xcafe, &inner); /* C, K, S */
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	mk_eth(&f, 0x0800, &outer);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_tcp_v4(&p, "in");
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_GRE);
	CHECK_EQ_INT(p.tunnel.depth, 1);
	CHECK_EQ_INT(p.tunnel.id, 0xcafe);
	CHECK(addr4_is(&p.tunnel.src, OUT_A) && addr4_is(&p.tunnel.dst, OUT_B));
	CHECK(p.l3 == held + 14 + 20 + 16);
	CHECK_EQ_INT(sl_decoder_counters(dec)->decapsulated, decap + 1);

	/* transparent Ethernet bridging with an inner IPv6 UDP flow */
	struct fr l4 = { 0 }, ip6 = { 0 }, eth = { 0 };
	mk_udp(&l4, 3478, 19302, "stun", 4);
	mk_ipv6(&ip6, 17, V6_A, V6_B, l4.b, l4.n);
	eth.n = 0;
	add(&eth, MAC_SRC, 6); /* swapped roles: inner MACs are distinct */
	add(&eth, MAC_DST, 6);
	add16(&eth, 0x86dd);
	add(&eth, ip6.b, ip6.n);
	g.n = outer.n = f.n = 0;
	mk_gre(&g, 0x2000, 0x6558, 42, &eth);
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	mk_eth(&f, 0x0800, &outer);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A) && p.sport == 3478 && p.dport == 19302);
	CHECK(p.tunnel.type == SL_TUNNEL_GRE && p.tunnel.id == 42 && p.tunnel.depth == 1);
	CHECK(p.mac_src == held + 14 + 20 + 8 + 6 && memcmp(p.mac_src, MAC_DST, 6) == 0);

}

static void test_gre_not_decapsulated(void)
{
	TEST("GRE left as a flow");
	struct fr inner, g = { 0 }, outer = { 0 }, f = { 0 };
	struct sl_packet p;
	mk_inner_v4(&inner);
	/* version 1 (PPTP) stays a protocol-47 flow */
	mk_gre(&g, 0x3001, 0x880b, 0x00080001, &inner);
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	mk_eth(&f, 0x0800, &outer);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 47 && p.sport == 0 && addr4_is(&p.src, OUT_A));
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_NONE);

	/* an undecodable inner packet leaves the outer flow, uncounted */
	struct fr junk = inner;
	junk.b[0] = 0x42; /* IHL 2 */
	g.n = outer.n = 0;
	mk_gre(&g, 0, 0x0800, 0, &junk);
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	uint64_t errs = errors_total(dec);
	CHECK_EQ_INT(run(12, &outer, &p), SL_DECODE_OK);
	CHECK(p.proto == 47 && addr4_is(&p.dst, OUT_B) && p.tunnel.type == SL_TUNNEL_NONE);
	CHECK(p.l4 == held + 20 && p.l4_len == g.n);
	CHECK_EQ_INT(errors_total(dec), errs);
	junk = inner; /* inner IP fine, inner TCP data offset past the segment */
	junk.b[20 + 12] = 0xf0;
	g.n = outer.n = f.n = 0;
	mk_gre(&g, 0x2000, 0x0800, 5, &junk);
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	mk_eth(&f, 0x0800, &outer);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 47 && addr4_is(&p.src, OUT_A) && addr4_is(&p.dst, OUT_B));
	CHECK(p.sport == 0 && p.tcp_seq == 0 && p.l3 == held + 14 && p.tunnel.depth == 0);
	CHECK(p.mac_src == held + 6);
	CHECK_EQ_INT(errors_total(dec), errs);

	outer.n = 0;
	mk_ipv4_full(&outer, 47, OUT_A, OUT_B, 1, 0, NULL, 0, "\x20\x00\x08", 3);
	EXPECT_ERR(12, &outer, SL_DEC_GRE_TRUNCATED);
	outer.n = 0; /* key flag set, key missing */
	mk_ipv4_full(&outer, 47, OUT_A, OUT_B, 1, 0, NULL, 0, "\x20\x00\x08\x00\x01", 5);
	EXPECT_ERR(12, &outer, SL_DEC_GRE_TRUNCATED);

	/* with decapsulation off, GRE is just a flow */
	struct sl_decode_config cfg = default_cfg();
	cfg.decap_gre = false;
	struct sl_decoder *d;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &d), 0);
	g.n = outer.n = f.n = 0;
	mk_gre(&g, 0x2000, 0x0800, 0xcafe, &inner);
	mk_ipv4(&outer, 47, OUT_A, OUT_B, &g);
	mk_eth(&f, 0x0800, &outer);
	CHECK_EQ_INT(run_on(d, 1, f.b, f.n, 1, &p), SL_DECODE_OK);
	CHECK(p.proto == 47 && p.tunnel.type == SL_TUNNEL_NONE && addr4_is(&p.src, OUT_A));
	sl_decoder_destroy(d);
}

/* n nested GRE layers around the inner IPv4 TCP packet, as raw IP. */
static void mk_nested(struct fr *out, unsigned n)
{
	struct fr cur, g;
	mk_inner_v4(&cur);
	for (unsigned i = 0; i < n; i++) {
		g.n = 0;
		mk_gre(&g, 0x2000, 0x0800, i + 1, &cur);
		cur.n = 0;
		mk_ipv4(&cur, 47, OUT_A + n - 1 - i, OUT_B, &g);
	}
	*out = cur;
}

static void test_nesting(void)
{
	TEST("tunnel nesting limit");
	struct fr f;
	struct sl_packet p;
	mk_nested(&f, 4);
	CHECK_EQ_INT(run(12, &f, &p), SL_DECODE_OK);
	CHECK_EQ_INT(p.tunnel.depth, 4);
	CHECK_EQ_INT(p.tunnel.id, 4); /* the outermost key */
	CHECK(addr4_is(&p.tunnel.src, OUT_A));
	CHECK(addr4_is(&p.src, A4) && p.dport == 443);
	mk_nested(&f, 5);
	EXPECT_ERR(12, &f, SL_DEC_TUNNEL_TOO_DEEP);
}

static void mk_vxlan_frame_ports(struct fr *f, unsigned flags, unsigned sport, unsigned dport);

static void mk_vxlan_frame(struct fr *f, unsigned flags, unsigned port)
{
	mk_vxlan_frame_ports(f, flags, 55555, port);
}

static void mk_vxlan_frame_ports(struct fr *f, unsigned flags, unsigned sport, unsigned dport)
{
	struct fr inner, eth = { 0 }, vx = { 0 }, udp = { 0 }, outer = { 0 };
	mk_inner_v4(&inner);
	add(&eth, MAC_SRC, 6);
	add(&eth, MAC_DST, 6);
	add16(&eth, 0x8100);
	add16(&eth, 55); /* inner tag: skipped, not recorded */
	add16(&eth, 0x0800);
	add(&eth, inner.b, inner.n);
	add8(&vx, flags);
	add(&vx, "\0\0\0", 3);
	add(&vx, "\x12\x34\x56\0", 4);
	add(&vx, eth.b, eth.n);
	mk_udp(&udp, sport, dport, vx.b, vx.n);
	mk_ipv4(&outer, 17, OUT_A, OUT_B, &udp);
	f->n = 0;
	mk_eth(f, 0x0800, &outer);
}

static void test_vxlan(void)
{
	TEST("VXLAN decapsulation");
	struct fr f;
	struct sl_packet p;
	mk_vxlan_frame(&f, 0x08, 4789);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_tcp_v4(&p, "in");
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_VXLAN);
	CHECK_EQ_INT(p.tunnel.id, 0x123456);
	CHECK_EQ_INT(p.tunnel.depth, 1);
	CHECK(addr4_is(&p.tunnel.src, OUT_A) && addr4_is(&p.tunnel.dst, OUT_B));
	CHECK_EQ_INT(p.vlan_count, 0);
	CHECK(memcmp(p.mac_src, MAC_DST, 6) == 0);

	mk_vxlan_frame(&f, 0x00, 4789); /* I flag clear: a UDP flow */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 17 && p.dport == 4789 && p.tunnel.type == SL_TUNNEL_NONE);
	mk_vxlan_frame(&f, 0x08, 4789);
	f.b[14 + 20 + 8 + 8 + 12] = 0x08; /* inner ethertype ARP: outer UDP flow */
	f.b[14 + 20 + 8 + 8 + 13] = 0x06;
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 17 && p.dport == 4789 && p.tunnel.type == SL_TUNNEL_NONE);
	CHECK(p.mac_src == held + 6 && p.vlan_count == 0 && addr4_is(&p.src, OUT_A));
	mk_vxlan_frame(&f, 0x08, 4790); /* not the VXLAN port */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 17 && p.dport == 4790);

	/* Answers from the VXLAN port are decapsulated when the header is exact. */
	mk_vxlan_frame_ports(&f, 0x08, 4789, 49320);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_tcp_v4(&p, "in");
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_VXLAN);
	mk_vxlan_frame_ports(&f, 0x0c, 4789, 49320); /* extra flag bits: not taken */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.proto == 17 && p.sport == 4789 && p.tunnel.type == SL_TUNNEL_NONE);
	struct fr shortu = { 0 }, shortip = { 0 };
	uint64_t errs = errors_total(dec);
	mk_udp(&shortu, 4789, 1, "\x08\0\0", 3); /* short, from the port: plain UDP */
	mk_ipv4(&shortip, 17, OUT_A, OUT_B, &shortu);
	CHECK_EQ_INT(run(12, &shortip, &p), SL_DECODE_OK);
	CHECK_EQ_INT(errors_total(dec), errs);

	struct fr udp = { 0 }, ip = { 0 };
	mk_udp(&udp, 1, 4789, "\x08\0\0", 3);
	mk_ipv4(&ip, 17, OUT_A, OUT_B, &udp);
	EXPECT_ERR(12, &ip, SL_DEC_VXLAN_TRUNCATED);
}

/* ---- truncation sweeps --------------------------------------------------- */

/* Every prefix: an error before the end of the headers, the right packet after. */
static void sweep(int dlt, const struct fr *f, size_t hdr_end, int version)
{
	unsigned bad = 0;
	for (size_t cut = 0; cut <= f->n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, f->b, cut);
		struct sl_packet p;
		enum sl_decode_result r =
			sl_decode_packet(dec, dlt, copy, (uint32_t)cut, (uint32_t)f->n, 5, &p);
		bool ok;
		if (cut < hdr_end)
			ok = r == SL_DECODE_ERROR || r == SL_DECODE_NOT_IP;
		else
			ok = r == SL_DECODE_OK && p.ip_version == version &&
			     p.payload_len == cut - hdr_end && p.payload == copy + hdr_end &&
			     (version == 4 ? p.sport == 40000 && p.tcp_opts_len == 20
					   : p.sport == 1111 && p.vlan[0] == 100);
		if (!ok && bad++ < 5)
			fprintf(stderr, "  cut %zu of %zu: result %d\n", cut, f->n, r);
		free(copy);
	}
	CHECK_EQ_INT(bad, 0);
}

static void test_truncation(void)
{
	TEST("every truncation of Ethernet+IPv4+TCP and VLAN+IPv6+UDP");
	struct fr f = { 0 };
	mk_tcp_frame(&f, "0123456789");
	sweep(1, &f, 14 + 20 + 40, 4);

	struct fr l4 = { 0 }, ip6 = { 0 }, v = { 0 };
	mk_udp(&l4, 1111, 2222, "payload!", 8);
	mk_ipv6(&ip6, 17, V6_A, V6_B, l4.b, l4.n);
	add(&v, MAC_DST, 6);
	add(&v, MAC_SRC, 6);
	add16(&v, 0x8100);
	add16(&v, 100);
	add16(&v, 0x86dd);
	add(&v, ip6.b, ip6.n);
	sweep(1, &v, 14 + 4 + 40 + 8, 6);
}

static uint64_t layer(enum sl_decode_layer l)
{
	return sl_decoder_counters(dec)->layers[l];
}

static void test_chdlc(void)
{
	TEST("Cisco HDLC");
	struct fr ip4, ip6, f = { 0 };
	struct sl_packet p;
	uint64_t n = layer(SL_LAYER_CHDLC);
	mk_udp_pair(&ip4, &ip6);
	add(&f, "\x0f\x00\x08\x00", 4);
	add(&f, ip4.b, ip4.n);
	CHECK_EQ_INT(run(104, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4) && p.dport == 2222 && p.mac_src == NULL && p.l3 == held + 4);
	f.n = 0;
	add(&f, "\x8f\x00\x86\xdd", 4);
	add(&f, ip6.b, ip6.n);
	CHECK_EQ_INT(run(104, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.dst, V6_B));
	CHECK_EQ_INT(layer(SL_LAYER_CHDLC), n + 2);
	f.n = 0;
	add(&f, "\x8f\x00\x80\x35\0\0\0\x02", 8); /* SLARP keepalive */
	CHECK_EQ_INT(run(104, &f, &p), SL_DECODE_NOT_IP);
	f.n = 3;
	EXPECT_ERR(104, &f, SL_DEC_CHDLC_TRUNCATED);
}

/* An NFLOG record of family fam: a prefix TLV, then the payload TLV of
 * (type 9) holding pkt; TLV headers in host order, as the reader hands them. */
static void mk_nflog(struct fr *f, unsigned fam, const struct fr *pkt)
{
	uint16_t h[2];
	f->n = 0;
	add8(f, fam);
	add8(f, 0);
	add16(f, 5); /* nflog group */
	h[0] = 4 + 6, h[1] = 10; /* NFULA_PREFIX "abcde\0", padded */
	add(f, h, 4);
	add(f, "abcde\0\0\0", 8);
	h[0] = (uint16_t)(4 + pkt->n), h[1] = 9;
	add(f, h, 4);
	add(f, pkt->b, pkt->n);
}

static void test_nflog(void)
{
	TEST("NFLOG");
	struct fr ip4, ip6, f = { 0 };
	struct sl_packet p;
	uint64_t n = layer(SL_LAYER_NFLOG);
	mk_udp_pair(&ip4, &ip6);
	mk_nflog(&f, 2, &ip4);
	CHECK_EQ_INT(run(239, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4) && p.sport == 1111 && p.l3 == held + 20);
	mk_nflog(&f, 10, &ip6);
	CHECK_EQ_INT(run(239, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A) && p.payload_len == 3);
	CHECK_EQ_INT(layer(SL_LAYER_NFLOG), n + 2);
	mk_nflog(&f, 7, &ip4); /* AF_BRIDGE: not IP */
	CHECK_EQ_INT(run(239, &f, &p), SL_DECODE_NOT_IP);
	f.n = 16; /* logged without the packet: the prefix TLV only */
	CHECK_EQ_INT(run(239, &f, &p), SL_DECODE_NOT_IP);
	f.n = 3;
	EXPECT_ERR(239, &f, SL_DEC_NFLOG_TRUNCATED);
	mk_nflog(&f, 2, &ip4);
	f.n -= 5; /* the payload TLV claims more than there is */
	EXPECT_ERR(239, &f, SL_DEC_NFLOG_TRUNCATED);
	mk_nflog(&f, 2, &ip4);
	f.b[4] = 2, f.b[5] = 0; /* a TLV shorter than its own header */
	EXPECT_ERR(239, &f, SL_DEC_NFLOG_TRUNCATED);
}

/* Ethernet, n MPLS labels (the last with bottom of stack), then rest. */
static void mk_mpls(struct fr *f, unsigned n, bool bottom, const struct fr *rest)
{
	struct fr s = { 0 };
	for (unsigned i = 0; i < n; i++)
		add32(&s, (100u + i) << 12 | (i + 1 == n && bottom ? 0x100u : 0) | 64);
	add(&s, rest->b, rest->n);
	f->n = 0;
	mk_eth(f, 0x8847, &s);
}

static void test_mpls(void)
{
	TEST("MPLS label stacks");
	struct fr ip4, ip6, f = { 0 }, cw = { 0 };
	struct sl_packet p;
	uint64_t n = layer(SL_LAYER_MPLS);
	mk_udp_pair(&ip4, &ip6);
	mk_mpls(&f, 2, true, &ip4);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(addr4_is(&p.src, A4) && p.dport == 2222 && p.l3 == held + 14 + 8);
	mk_mpls(&f, 1, true, &ip6);
	f.b[12] = 0x88, f.b[13] = 0x48; /* multicast MPLS */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A));
	struct fr h = { 0 }; /* Cisco HDLC carrying MPLS */
	add(&h, "\x0f\x00\x88\x47\x00\x06\x41\x40", 8);
	add(&h, ip4.b, ip4.n);
	CHECK_EQ_INT(run(104, &h, &p), SL_DECODE_OK);
	CHECK_EQ_INT(layer(SL_LAYER_MPLS), n + 3);
	add32(&cw, 0); /* pseudowire control word, then Ethernet */
	add(&cw, MAC_DST, 6);
	mk_mpls(&f, 1, true, &cw);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_NOT_IP);
	mk_mpls(&f, 3, false, &ip4);
	f.n = 14 + 12; /* no bottom-of-stack entry before the end */
	EXPECT_ERR(1, &f, SL_DEC_MPLS_TRUNCATED);
	f.n = 14 + 6;
	EXPECT_ERR(1, &f, SL_DEC_MPLS_TRUNCATED);
	mk_mpls(&f, SL_DEC_MAX_MPLS_TEST + 1, true, &ip4);
	EXPECT_ERR(1, &f, SL_DEC_MPLS_TOO_DEEP);
	mk_mpls(&f, SL_DEC_MAX_MPLS_TEST, true, &ip4);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
}

/* IPv4 OUT_A -> OUT_B UDP 2152 -> 2152, GTP-U flags/type/TEID, optional
 * bytes opt (4 or 0) and ext (extension headers), then inner. */
static void mk_gtpu(struct fr *f, unsigned flags, unsigned type, const uint8_t *opt,
		    size_t optlen, const uint8_t *ext, size_t extlen, const struct fr *inner)
{
	struct fr g = { 0 }, u = { 0 }, ip = { 0 };
	add8(&g, flags);
	add8(&g, type);
	add16(&g, (unsigned)(optlen + extlen + inner->n));
	add32(&g, 0x0badcafe);
	add(&g, opt, optlen);
	add(&g, ext, extlen);
	add(&g, inner->b, inner->n);
	mk_udp(&u, 2152, 2152, g.b, g.n);
	mk_ipv4(&ip, 17, OUT_A, OUT_B, &u);
	f->n = 0;
	mk_eth(f, 0x0800, &ip);
}

static void test_gtpu(void)
{
	TEST("GTP-U decapsulation");
	struct fr ip4, ip6, inner, f = { 0 };
	struct sl_packet p;
	uint64_t n = layer(SL_LAYER_GTPU);
	mk_udp_pair(&ip4, &ip6);
	mk_inner_v4(&inner);
	mk_gtpu(&f, 0x30, 255, NULL, 0, NULL, 0, &inner);
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	check_tcp_v4(&p, "in");
	CHECK_EQ_INT(p.tunnel.type, SL_TUNNEL_GTPU);
	CHECK_EQ_INT(p.tunnel.id, 0x0badcafe);
	CHECK(addr4_is(&p.tunnel.src, OUT_A) && addr4_is(&p.tunnel.dst, OUT_B));
	static const uint8_t seq_ext[4] = { 0, 1, 0, 0x85 }, ext[4] = { 1, 0x10, 0x01, 0 };
	mk_gtpu(&f, 0x36, 255, seq_ext, 4, ext, 4, &ip6); /* S, E: PDU session container */
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(addr6_is(&p.src, V6_A) && p.dport == 2222 && p.tunnel.type == SL_TUNNEL_GTPU);
	CHECK(p.l3 == held + 14 + 20 + 8 + 16);
	CHECK_EQ_INT(layer(SL_LAYER_GTPU), n + 2);
	struct fr echo = { 0 };
	add32(&echo, 0); /* echo request: sequence number, then nothing */
	mk_gtpu(&f, 0x32, 1, echo.b, 4, NULL, 0, &(struct fr){ .n = 0 });
	CHECK_EQ_INT(run(1, &f, &p), SL_DECODE_OK);
	CHECK(p.tunnel.type == SL_TUNNEL_NONE && p.sport == 2152 && p.dport == 2152);
	mk_gtpu(&f, 0x36, 255, seq_ext, 4, ext, 4, &ip6);
	f.n = 14 + 20 + 8 + 10; /* cut inside the optional fields; IP and UDP lengths agree */
	f.b[14 + 2] = 0, f.b[14 + 3] = 20 + 8 + 10;
	f.b[14 + 20 + 4] = 0, f.b[14 + 20 + 5] = 8 + 10;
	EXPECT_ERR(1, &f, SL_DEC_GTPU_TRUNCATED);
	mk_gtpu(&f, 0x36, 255, seq_ext, 4, (const uint8_t[4]){ 0, 0, 0, 0 }, 4, &ip6);
	EXPECT_ERR(1, &f, SL_DEC_GTPU_TRUNCATED); /* an extension of length 0 */
	struct fr short_gtp = { 0 }, u = { 0 }, ip = { 0 };
	mk_udp(&u, 2152, 2152, "\x30\xff\x00", 3);
	mk_ipv4(&ip, 17, OUT_A, OUT_B, &u);
	mk_eth(&short_gtp, 0x0800, &ip);
	EXPECT_ERR(1, &short_gtp, SL_DEC_GTPU_TRUNCATED);
	u.n = ip.n = short_gtp.n = 0;
	mk_udp(&u, 2152, 40000, "hi", 2); /* not GTP: some other use of the port */
	mk_ipv4(&ip, 17, OUT_A, OUT_B, &u);
	mk_eth(&short_gtp, 0x0800, &ip);
	CHECK_EQ_INT(run(1, &short_gtp, &p), SL_DECODE_OK);
	CHECK(p.tunnel.type == SL_TUNNEL_NONE && p.payload_len == 2);

	struct sl_decode_config cfg = default_cfg();
	struct sl_decoder *off;
	cfg.decap_gtpu = false;
	CHECK_EQ_INT(sl_decoder_create(&cfg, &off), 0);
	mk_gtpu(&f, 0x30, 255, NULL, 0, NULL, 0, &inner);
	CHECK_EQ_INT(run_on(off, 1, f.b, f.n, 1000, &p), SL_DECODE_OK);
	CHECK(p.tunnel.type == SL_TUNNEL_NONE && p.dport == 2152);
	sl_decoder_destroy(off);
}

/* An ICMP error's body: four unused bytes, then the quoted packet. */
static void mk_icmp_error(struct fr *f, unsigned type, unsigned code, const struct fr *quote)
{
	add8(f, type);
	add8(f, code);
	add16(f, 0);
	add32(f, 0);
	add(f, quote->b, quote->n);
}

static void test_icmp_errors(void)
{
	TEST("ICMP/ICMPv6 errors: the quoted packet is read, and peek follows it");
	struct fr udp = { 0 }, inner = { 0 }, icmp = { 0 }, ip = { 0 }, e = { 0 };
	struct sl_packet p;
	struct sl_decode_peek pk;
	mk_udp(&udp, 40514, 5141, "nobody", 6);
	mk_ipv4(&inner, 17, A4, B4, &udp);
	inner.n = 28; /* RFC 792's minimum: the header and 8 bytes */
	mk_icmp_error(&icmp, 3, 3, &inner);
	mk_ipv4(&ip, 1, B4, A4, &icmp);
	mk_eth(&e, 0x0800, &ip);
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_OK);
	CHECK(p.icmp_error && p.icmp_quoted && p.icmp_type == 3 && p.icmp_code == 3);
	CHECK(addr4_is(&p.quote.src, A4) && addr4_is(&p.quote.dst, B4));
	CHECK(p.quote.proto == 17 && p.quote.sport == 40514 && p.quote.dport == 5141);
	CHECK(sl_decode_peek(1, e.b, (uint32_t)e.n, &pk));
	CHECK(addr4_is(&pk.src, A4) && addr4_is(&pk.dst, B4) && pk.proto == 17);
	/* an echo is no error; an error too short to quote a header is still one */
	struct fr echo = { 0 }, cut = { 0 };
	add32(&echo, 0x08000000);
	add32(&echo, 0x00010001);
	ip.n = e.n = 0;
	mk_ipv4(&ip, 1, A4, B4, &echo);
	mk_eth(&e, 0x0800, &ip);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && !p.icmp_error && !p.neighbour.valid);
	inner.n = 12;
	mk_icmp_error(&cut, 11, 0, &inner);
	ip.n = e.n = 0;
	mk_ipv4(&ip, 1, B4, A4, &cut);
	mk_eth(&e, 0x0800, &ip);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && p.icmp_error && !p.icmp_quoted);
	/* ICMPv6 time exceeded quoting a TCP segment behind a hop-by-hop header */
	struct fr tcp = { 0 }, chain = { 0 }, in6 = { 0 }, err6 = { 0 }, f6 = { 0 };
	mk_tcp(&tcp, 50000, 443, NULL, 0, "", 0);
	add_ext(&chain, 6, 0);
	add(&chain, tcp.b, tcp.n);
	mk_ipv6(&in6, 0, V6_A, V6_B, chain.b, chain.n);
	mk_icmp_error(&err6, 3, 0, &in6);
	e.n = 0;
	mk_ipv6(&f6, 58, V6_B, V6_A, err6.b, err6.n);
	mk_eth(&e, 0x86dd, &f6);
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_OK);
	CHECK(p.icmp_error && p.icmp_quoted && p.quote.proto == 6);
	CHECK(addr6_is(&p.quote.src, V6_A) && p.quote.sport == 50000 && p.quote.dport == 443);
	CHECK(sl_decode_peek(1, e.b, (uint32_t)e.n, &pk) && addr6_is(&pk.src, V6_A) && pk.proto == 6);
}

static void test_neighbours(void)
{
	TEST("ARP and neighbour discovery bind addresses to hardware addresses");
	static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x0b };
	struct fr arp = { 0 }, e = { 0 };
	struct sl_packet p;
	add32(&arp, 0x00010800);
	add32(&arp, 0x06040001);
	add(&arp, mac_b, 6);
	add32(&arp, B4);
	add(&arp, (const uint8_t[6]){ 0 }, 6);
	add32(&arp, A4);
	mk_eth(&e, 0x0806, &arp);
	CHECK_EQ_INT(run(1, &e, &p), SL_DECODE_NOT_IP);
	CHECK(p.neighbour.valid && addr4_is(&p.neighbour.addr, B4));
	CHECK(memcmp(p.neighbour.mac, mac_b, 6) == 0);
	e.b[14 + 14] = e.b[14 + 15] = e.b[14 + 16] = e.b[14 + 17] = 0; /* a probe: 0.0.0.0 */
	CHECK(run(1, &e, &p) == SL_DECODE_NOT_IP && !p.neighbour.valid);
	/* NS from A with a source link-layer option; NA for B with a target one */
	static const uint8_t group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 };
	struct fr ns = { 0 }, na = { 0 }, f = { 0 };
	add32(&ns, 0x87000000);
	add32(&ns, 0);
	add(&ns, V6_B, 16);
	add16(&ns, 0x0101);
	add(&ns, MAC_SRC, 6);
	mk_ipv6(&f, 58, V6_A, group, ns.b, ns.n);
	e.n = 0;
	mk_eth(&e, 0x86dd, &f);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && p.neighbour.valid);
	CHECK(addr6_is(&p.neighbour.addr, V6_A) && memcmp(p.neighbour.mac, MAC_SRC, 6) == 0);
	static const uint8_t unspecified[16];
	f.n = e.n = 0;
	mk_ipv6(&f, 58, unspecified, group, ns.b, 24); /* duplicate-address probe: no option */
	mk_eth(&e, 0x86dd, &f);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && !p.neighbour.valid);
	add32(&na, 0x88000000);
	add32(&na, 0x60000000);
	add(&na, V6_B, 16);
	add16(&na, 0x0201);
	add(&na, mac_b, 6);
	f.n = e.n = 0;
	mk_ipv6(&f, 58, V6_B, V6_A, na.b, na.n);
	mk_eth(&e, 0x86dd, &f);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && p.neighbour.valid);
	CHECK(addr6_is(&p.neighbour.addr, V6_B) && memcmp(p.neighbour.mac, mac_b, 6) == 0);
	f.n = e.n = 0;
	na.b[na.n - 7] = 0; /* option length 0: malformed, nothing bound */
	mk_ipv6(&f, 58, V6_B, V6_A, na.b, na.n);
	mk_eth(&e, 0x86dd, &f);
	CHECK(run(1, &e, &p) == SL_DECODE_OK && !p.neighbour.valid);
}

int main(void)
{
	struct sl_decode_config cfg = default_cfg();
	if (sl_decoder_create(&cfg, &dec) != 0)
		return 1;
	test_names_and_create();
	test_eth_ipv4_tcp();
	test_padding_and_snaplen();
	test_loopback_links();
	test_raw_links();
	test_cooked_links();
	test_ppp();
	test_vlan();
	test_ipv4_header();
	test_transport();
	test_ipv6_chain();
	test_peek();
	test_icmp_errors();
	test_neighbours();
	test_frag_ipv4();
	test_frag_ipv6();
	test_frag_limits();
	test_frag_memory();
	test_frag_random_pieces();
	test_gre();
	test_gre_not_decapsulated();
	test_nesting();
	test_vxlan();
	test_chdlc();
	test_nflog();
	test_mpls();
	test_gtpu();
	test_truncation();
	test_fixed_headers_random();
	sl_decoder_destroy(dec);
	free(held);
	return TEST_REPORT();
}
