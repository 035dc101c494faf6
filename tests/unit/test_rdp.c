/* RDP detector: crafted X.224 Connection Request / Confirm, RDP_NEG_*,
 * the MCS Connect Initial's Client Core Data, SOCKS-wrapped RDP, and
 * negatives (other TPKT users, truncations, a failed SOCKS CONNECT). */
#include <stdio.h>
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

struct buf {
	uint8_t b[1024];
	size_t n;
};

static void put(struct buf *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put8(struct buf *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void le16(struct buf *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void le32(struct buf *w, uint32_t v)
{
	le16(w, (uint16_t)v);
	le16(w, (uint16_t)(v >> 16));
}

/* TPKT + X.224 CR/CC (code) with optional cookie and negotiation block. */
static void x224(struct buf *w, uint8_t code, const char *cookie, int neg_type, uint32_t val)
{
	size_t clen = cookie ? strlen(cookie) : 0;
	size_t li = 6 + clen + (neg_type ? 8 : 0);
	uint8_t hdr[] = { 3, 0, 0, (uint8_t)(li + 5), (uint8_t)li, code, 0, 0, 0x12, 0x34, 0 };
	w->n = 0;
	put(w, hdr, sizeof(hdr));
	if (cookie)
		put(w, cookie, clen);
	if (neg_type) {
		put8(w, (uint8_t)neg_type);
		put8(w, 0);
		le16(w, 8);
		le32(w, val);
	}
}

/* TPKT + X.224 Data + MCS Connect-Initial + GCC with TS_UD_CS_CORE. */
static void mcs_ci(struct buf *w, uint32_t kbd, uint32_t build, const char *name)
{
	struct buf core = { .n = 0 }, gcc = { .n = 0 }, ci = { .n = 0 };
	le16(&core, 0xC001);
	le16(&core, 216);
	le32(&core, 0x00080004);
	le16(&core, 1024);
	le16(&core, 768);
	le16(&core, 0xCA01);
	le16(&core, 0xAA03);
	le32(&core, kbd);
	le32(&core, build);
	for (size_t i = 0; i < 16; i++)
		le16(&core, i < strlen(name) ? (uint8_t)name[i] : 0);
	while (core.n < 216)
		put8(&core, 0);
	static const uint8_t g[] = { 0, 5, 0, 0x14, 0x7c, 0, 1, 0x81, 0x2a, 0, 8, 0, 0x10,
				     0, 1, 0xc0, 0, 'D', 'u', 'c', 'a', 0x80 };
	put(&gcc, g, sizeof(g));
	put8(&gcc, (uint8_t)core.n);
	put(&gcc, core.b, core.n);
	static const uint8_t sel[] = { 4, 1, 1, 4, 1, 1, 1, 1, 0xff, 0x30, 3, 2, 1, 0x22,
				       0x30, 3, 2, 1, 1, 0x30, 3, 2, 1, 0x7f };
	put(&ci, sel, sizeof(sel));
	put8(&ci, 4);
	put8(&ci, 0x82);
	put8(&ci, (uint8_t)(gcc.n >> 8));
	put8(&ci, (uint8_t)gcc.n);
	put(&ci, gcc.b, gcc.n);
	size_t total = 4 + 3 + 5 + ci.n;
	uint8_t h[] = { 3, 0, (uint8_t)(total >> 8), (uint8_t)total, 2, 0xf0, 0x80,
			0x7f, 0x65, 0x82, (uint8_t)(ci.n >> 8), (uint8_t)ci.n };
	w->n = 0;
	put(w, h, sizeof(h));
	put(w, ci.b, ci.n);
}

static bool is_rdp(struct ph *h)
{
	const char *a = ph_str(h, "app_proto");
	return a && strcmp(a, "rdp") == 0;
}

/* mstsc-style: cookie + NEG_REQ(SSL|HYBRID|HYBRID_EX), server picks HYBRID. */
static void test_nla(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50000, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: mstshash=alice\r\n", 1, 0x0B);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 2, 2);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	CHECK(is_rdp(&h));
	CHECK_EQ_STR(ph_str(&h, "app"), "rdp");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	CHECK_EQ_STR(ph_str(&h, "rdp.cookie"), "mstshash=alice");
	CHECK_EQ_STR(ph_str(&h, "rdp.requested_protocols"), "ssl,hybrid,hybrid_ex");
	CHECK_EQ_STR(ph_str(&h, "rdp.selected_protocol"), "hybrid");
	CHECK(ph_get(&h, "rdp.keyboard_layout") == NULL);
	CHECK(ph_get(&h, "rdp.via_socks") == NULL);
	ph_finish(&h);
}

/* Standard RDP security on a non-standard port: the Client Core Data. */
static void test_standard_security(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50001, "198.51.100.7", 443);
	x224(&w, 0xE0, "Cookie: mstshash=bob\r\n", 1, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 2, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	mcs_ci(&w, 0x412, 2600, "WS-KOREA");
	/* in two segments, to exercise reassembly */
	ph_feed(&h, SL_DIR_TOSERVER, w.b, 100);
	ph_feed(&h, SL_DIR_TOSERVER, w.b + 100, w.n - 100);
	CHECK(is_rdp(&h));
	CHECK_EQ_STR(ph_str(&h, "rdp.requested_protocols"), "rdp");
	CHECK_EQ_STR(ph_str(&h, "rdp.selected_protocol"), "rdp");
	CHECK_EQ_STR(ph_str(&h, "rdp.keyboard_layout"), "0x00000412");
	CHECK_EQ_STR(ph_str(&h, "rdp.keyboard_layout_name"), "ko-KR");
	CHECK_EQ_INT(ph_u64(&h, "rdp.client_build"), 2600);
	CHECK_EQ_STR(ph_str(&h, "rdp.client_name"), "WS-KOREA");
	ph_finish(&h);
}

/* Old client: CR without cookie or negotiation is weak alone, confirmed by
 * a CC; then the Core Data follows (US layout). */
static void test_bare_cr_confirmed(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50002, "198.51.100.7", 3389);
	x224(&w, 0xE0, NULL, 0, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	CHECK(h.flow.app_proto == 0);
	x224(&w, 0xD0, NULL, 0, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	mcs_ci(&w, 0x409, 7601, "PC1");
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	CHECK(is_rdp(&h));
	CHECK(ph_get(&h, "rdp.cookie") == NULL);
	CHECK(ph_get(&h, "rdp.requested_protocols") == NULL);
	CHECK_EQ_STR(ph_str(&h, "rdp.keyboard_layout_name"), "en-US");
	CHECK_EQ_STR(ph_str(&h, "rdp.client_name"), "PC1");
	ph_finish(&h);
}

/* Negotiation failure from the server (e.g. SSL_REQUIRED_BY_SERVER = 1). */
static void test_failure(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50003, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: msts=3640205228.15629.0000\r\n", 1, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 3, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	CHECK(is_rdp(&h));
	CHECK_EQ_STR(ph_str(&h, "rdp.cookie"), "msts=3640205228.15629.0000");
	CHECK_EQ_INT(ph_u64(&h, "rdp.negotiation_failure"), 1);
	CHECK(ph_get(&h, "rdp.selected_protocol") == NULL);
	ph_finish(&h);
}

/* SOCKS5 with user/password, then RDP in the same flow. */
static void test_socks5(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50004, "203.0.113.9", 1080);
	static const uint8_t greet[] = { 5, 2, 0, 2 };
	static const uint8_t choose[] = { 5, 2 };
	static const uint8_t auth[] = { 1, 1, 'u', 2, 'p', 'w' };
	static const uint8_t ok[] = { 1, 0 };
	static const uint8_t req[] = { 5, 1, 0, 3, 7, 'r', 'd', '.', 'c', 'o', 'r', 'p', 0x0d, 0x3d };
	static const uint8_t rep[] = { 5, 0, 0, 1, 10, 1, 2, 3, 0x9c, 0x40 };
	ph_feed(&h, SL_DIR_TOSERVER, greet, sizeof(greet));
	ph_feed(&h, SL_DIR_TOCLIENT, choose, sizeof(choose));
	ph_feed(&h, SL_DIR_TOSERVER, auth, sizeof(auth));
	ph_feed(&h, SL_DIR_TOCLIENT, ok, sizeof(ok));
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req));
	ph_feed(&h, SL_DIR_TOCLIENT, rep, sizeof(rep));
	x224(&w, 0xE0, "Cookie: mstshash=eve\r\n", 1, 3);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 2, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	CHECK(is_rdp(&h));
	CHECK_EQ_STR(ph_str(&h, "rdp.cookie"), "mstshash=eve");
	CHECK_EQ_STR(ph_str(&h, "rdp.selected_protocol"), "ssl");
	const struct sl_value *v = ph_get(&h, "rdp.via_socks");
	CHECK(v && v->b);
	ph_finish(&h);
}

/* SOCKS4a CONNECT by name, reply and CR in one client segment after it. */
static void test_socks4a(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50005, "203.0.113.9", 1080);
	static const uint8_t req[] = { 4, 1, 0x0d, 0x3d, 0, 0, 0, 1, 'x', 0, 'h', '.', 'e', 0 };
	static const uint8_t rep[] = { 0, 0x5a, 0, 0, 0, 0, 0, 0 };
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req));
	ph_feed(&h, SL_DIR_TOCLIENT, rep, sizeof(rep));
	x224(&w, 0xE0, "Cookie: mstshash=x\r\n", 0, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	CHECK(is_rdp(&h));
	CHECK_EQ_STR(ph_str(&h, "rdp.cookie"), "mstshash=x");
	ph_finish(&h);
}

/* SOCKS5 refused (rep 5): the flow is not RDP even if a CR follows. */
static void test_socks_refused(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50006, "203.0.113.9", 1080);
	static const uint8_t greet[] = { 5, 1, 0 };
	static const uint8_t choose[] = { 5, 0 };
	static const uint8_t req[] = { 5, 1, 0, 1, 10, 0, 0, 1, 0x0d, 0x3d };
	static const uint8_t rep[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };
	ph_feed(&h, SL_DIR_TOSERVER, greet, sizeof(greet));
	ph_feed(&h, SL_DIR_TOCLIENT, choose, sizeof(choose));
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req));
	ph_feed(&h, SL_DIR_TOCLIENT, rep, sizeof(rep));
	x224(&w, 0xE0, NULL, 0, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 0, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	CHECK(!is_rdp(&h));
	ph_finish(&h);
}

/* Other TPKT users: an ISO-on-TCP CR with TSAP parameters (S7-style), a
 * bare CR answered by garbage, and a CR whose LI disagrees with TPKT. */
static void test_negatives(void)
{
	struct ph h;
	struct buf w;
	static const uint8_t iso[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc0, 1, 0x0a,
				       0xc1, 2, 1, 0, 0xc2, 2, 1, 2 };
	ph_init(&h, 6, "10.0.0.2", 50007, "198.51.100.7", 102);
	ph_feed(&h, SL_DIR_TOSERVER, iso, sizeof(iso));
	CHECK(!is_rdp(&h));
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 50008, "198.51.100.7", 3389);
	x224(&w, 0xE0, NULL, 0, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	ph_feed(&h, SL_DIR_TOCLIENT, "HTTP/1.1 400 Bad\r\n\r\n", 20);
	CHECK(!is_rdp(&h));
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 50009, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: mstshash=a\r\n", 1, 3);
	w.b[4]++; /* LI one too many */
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	CHECK(!is_rdp(&h));
	ph_finish(&h);

	/* cookie without its CR LF */
	ph_init(&h, 6, "10.0.0.2", 50010, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: mstshash=abcd", 0, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	CHECK(!is_rdp(&h));
	ph_finish(&h);
}

/* A CR cut short: nothing is claimed until it is whole; a truncated MCS
 * Connect Initial leaves the Core Data fields absent. */
static void test_truncations(void)
{
	struct ph h;
	struct buf w;
	ph_init(&h, 6, "10.0.0.2", 50011, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: mstshash=alice\r\n", 1, 1);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, 10);
	CHECK(h.flow.app_proto == 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b + 10, w.n - 10);
	CHECK(h.flow.app_proto != 0);
	CHECK(is_rdp(&h));
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 50012, "198.51.100.7", 3389);
	x224(&w, 0xE0, "Cookie: mstshash=alice\r\n", 1, 0);
	ph_feed(&h, SL_DIR_TOSERVER, w.b, w.n);
	x224(&w, 0xD0, NULL, 2, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, w.b, w.n);
	mcs_ci(&w, 0x412, 1, "X");
	ph_feed(&h, SL_DIR_TOSERVER, w.b, 60);
	CHECK(is_rdp(&h));
	CHECK(ph_get(&h, "rdp.client_name") == NULL);
	CHECK(ph_get(&h, "rdp.keyboard_layout") == NULL);
	ph_finish(&h);
}

/* [MS-RDPEUDP] SYN (correlation id + SYNEX v3), padded to 1232, and SYN+ACK. */
static size_t udp_syn(uint8_t *b, uint32_t ack, uint16_t flags, uint32_t isn, uint16_t mtu,
		      size_t pad)
{
	struct buf w = { .n = 0 };
	uint8_t hdr[] = { (uint8_t)(ack >> 24), (uint8_t)(ack >> 16), (uint8_t)(ack >> 8),
			  (uint8_t)ack, 0, 0x40, (uint8_t)(flags >> 8), (uint8_t)flags,
			  (uint8_t)(isn >> 24), (uint8_t)(isn >> 16), (uint8_t)(isn >> 8),
			  (uint8_t)isn, (uint8_t)(mtu >> 8), (uint8_t)mtu, (uint8_t)(mtu >> 8),
			  (uint8_t)mtu };
	put(&w, hdr, sizeof(hdr));
	if (flags & 0x0800) {
		for (uint8_t i = 0; i < 16; i++)
			put8(&w, (uint8_t)(0xa0 + i));
		while (w.n < 48)
			put8(&w, 0);
	}
	static const uint8_t synex[] = { 0, 1, 1, 1 };
	put(&w, synex, sizeof(synex));
	memset(b, 0, pad);
	memcpy(b, w.b, w.n);
	return pad > w.n ? pad : w.n;
}

static void test_rdp_udp(void)
{
	static uint8_t b[1232];
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 54759, "198.51.100.7", 3389);
	size_t n = udp_syn(b, 0xFFFFFFFFu, 0x1801, 0xbbff5687, 1232, 1232);
	ph_feed(&h, SL_DIR_TOSERVER, b, n);
	n = udp_syn(b, 0xbbff5687, 0x1005, 0x4d677966, 1232, 1232);
	ph_feed(&h, SL_DIR_TOCLIENT, b, n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "rdp-udp");
	CHECK_EQ_STR(ph_str(&h, "app"), "rdp");
	const struct sl_value *v = ph_get(&h, "rdp_udp.confirmed");
	CHECK(v && v->b);
	CHECK_EQ_INT(ph_u64(&h, "rdp_udp.mtu"), 1232);
	CHECK_EQ_INT(ph_u64(&h, "rdp_udp.version"), 3);
	CHECK_EQ_STR(ph_str(&h, "rdp_udp.correlation_id"), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	ph_finish(&h);

	/* server acknowledging another number: not confirmed */
	ph_init(&h, 17, "10.0.0.2", 54760, "198.51.100.7", 3389);
	n = udp_syn(b, 0xFFFFFFFFu, 0x0001, 7, 1200, 1232);
	ph_feed(&h, SL_DIR_TOSERVER, b, n);
	n = udp_syn(b, 8, 0x0005, 9, 1200, 1232);
	ph_feed(&h, SL_DIR_TOCLIENT, b, n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "rdp-udp");
	v = ph_get(&h, "rdp_udp.confirmed");
	CHECK(v && !v->b);
	ph_finish(&h);

	/* negatives: MTU out of range, not padded, snSourceAck not -1 */
	static const struct {
		uint32_t ack;
		uint16_t mtu;
		size_t pad;
	} bad[] = { { 0xFFFFFFFFu, 1500, 1232 }, { 0xFFFFFFFFu, 1232, 60 }, { 5, 1232, 1232 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ph_init(&h, 17, "10.0.0.2", 54761, "198.51.100.7", 3389);
		n = udp_syn(b, bad[i].ack, 0x0001, 7, bad[i].mtu, bad[i].pad);
		ph_feed(&h, SL_DIR_TOSERVER, b, n);
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

/* A post-handshake RDP-UDP datagram (MS-RDPEUDP 2.2.2.1, 2.2.2.7, 2.2.2.4):
 * FEC header with ACK (and DATA when seq is set), a one-byte ACK vector
 * padded to 4, then the source payload header and 8 bytes of payload. */
static size_t udp_mid(uint8_t *b, uint32_t ack, bool data, uint32_t seq)
{
	static const uint8_t fixed[] = { 0x04, 0x00, 0, 0, 0x00, 0x01, 0x00, 0x00 };
	memcpy(b + 4, fixed, sizeof(fixed));
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(ack >> (24 - 8 * i));
	b[7] = data ? 0x0c : 0x04;
	if (!data)
		return 12;
	for (int i = 0; i < 4; i++)
		b[12 + i] = b[16 + i] = (uint8_t)(seq >> (24 - 8 * i));
	memset(b + 20, 0x17, 8);
	return 28;
}

/* Two datagrams each way as (ack, seq) pairs, the client's first; app_proto. */
static const char *mid_run(const uint32_t (*c)[2], const uint32_t (*s)[2], struct ph *h)
{
	uint8_t b[32];
	ph_init(h, 17, "10.8.37.100", 51652, "10.100.2.87", 3389);
	for (int i = 0; i < 2; i++) {
		ph_feed(h, SL_DIR_TOSERVER, b, udp_mid(b, c[i][0], c[i][1] != 0, c[i][1]));
		ph_feed(h, SL_DIR_TOCLIENT, b, udp_mid(b, s[i][0], s[i][1] != 0, s[i][1]));
	}
	return ph_str(h, "app_proto");
}

static void test_rdp_udp_mid(void)
{
	struct ph h;
	/* as in nDPI's rdp2.pcap: each side acks the other's snSourceStart */
	static const uint32_t cli[2][2] = { { 0x10976033, 0xe65f846d }, { 0x10976034, 0 } };
	static const uint32_t srv[2][2] = { { 0xe65f846d, 0x10976034 }, { 0xe65f846e, 0x10976035 } };
	static const uint32_t stray[2][2] = { { 0x55550000, 0xe65f846d }, { 0x55550001, 0 } };
	CHECK_EQ_STR(mid_run(cli, srv, &h), "rdp-udp");
	CHECK_EQ_STR(ph_str(&h, "app"), "rdp");
	CHECK(ph_get(&h, "rdp_udp.confirmed") == NULL); /* no handshake seen */
	ph_finish(&h);
	/* the client never acknowledges the server's numbers */
	CHECK(mid_run(stray, srv, &h) == NULL);
	ph_finish(&h);
	/* one side only */
	uint8_t b[32];
	ph_init(&h, 17, "10.8.37.100", 51652, "10.100.2.87", 3389);
	for (int i = 0; i < 4; i++)
		ph_feed(&h, SL_DIR_TOSERVER, b, udp_mid(b, 0x10976033, true, 0xe65f8460u + (uint32_t)i));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* a datagram that does not parse (ACK vector longer than the datagram) */
	ph_init(&h, 17, "10.8.37.100", 51652, "10.100.2.87", 3389);
	size_t n = udp_mid(b, 0x10976033, false, 0);
	b[9] = 0x40;
	ph_feed(&h, SL_DIR_TOSERVER, b, n);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_rdp_udp_mid();
	test_nla();
	test_standard_security();
	test_bare_cr_confirmed();
	test_failure();
	test_socks5();
	test_socks4a();
	test_socks_refused();
	test_negatives();
	test_truncations();
	test_rdp_udp();
	return TEST_REPORT();
}
