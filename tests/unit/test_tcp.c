/* Unit tests of the TCP handshake parser (sensor/proto/tcp.c): stack facts of
 * SYN and SYN/ACK, option lists with NOP/EOL/padding, MSS to link MTU, and
 * the handshake legs with retransmissions, fed through the real dispatcher. */
#include <math.h>

#include "protohelp.h"
#include "testhelp.h"

extern const struct sl_proto sl_proto_tcp;
extern const struct sl_proto sl_proto_http;

#define T0 (1772460000ULL * SL_US_PER_SEC)
#define SYN SL_TCP_SYN
#define SYNACK (SL_TCP_SYN | SL_TCP_ACK)
#define ACK SL_TCP_ACK

/* MSS 1460, SACK-permitted, timestamps, NOP, window scale 7 (Linux). */
static const uint8_t linux_opts[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
};
/* MSS, NOP, WS 6, NOP, NOP, TS, SACK-permitted, EOL, EOL (macOS). */
static const uint8_t macos_opts[] = {
	2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2, 0, 0,
};
/* MSS, NOP, WS 8, NOP, NOP, SACK-permitted (Windows). */
static const uint8_t windows_opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };

static void tmpl_init(struct sl_packet *t, uint8_t ttl, uint16_t window, const uint8_t *opts,
		      size_t n)
{
	memset(t, 0, sizeof(*t));
	t->ttl = ttl;
	t->df = true;
	t->ip_id = 0x1234;
	t->tcp_window = window;
	t->tcp_opts = opts;
	t->tcp_opts_len = (uint8_t)n;
}

/* Feed an empty segment with flags at time T0 + at_us. */
static void seg(struct ph *h, enum sl_dir dir, uint8_t flags, uint64_t at_us,
		const struct sl_packet *tmpl)
{
	h->flags = flags;
	h->tmpl = tmpl;
	h->now = T0 + at_us - 1000;
	ph_feed(h, dir, NULL, 0);
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_linux_handshake(void)
{
	TEST("tcp: Linux-like handshake, facts of both sides and both legs");
	struct ph h;
	struct sl_packet cli, srv;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	tmpl_init(&cli, 64, 64240, linux_opts, sizeof(linux_opts));
	tmpl_init(&srv, 113, 8192, windows_opts, sizeof(windows_opts));
	srv.df = false;
	srv.ip_id = 777;
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &cli);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 80000, &srv);
	seg(&h, SL_DIR_TOSERVER, ACK, 90123, &cli);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.ttl"), 64);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.initial_ttl"), 64);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.hops"), 0);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.df")->b, true);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.ip_id"), 0x1234);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.window"), 64240);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.mss"), 1460);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.wscale"), 7);
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.syn.options"), "2-4-8-1-3");
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.sack")->b, true);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.timestamps")->b, true);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.ip_options")->b, false);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.ttl"), 113);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.initial_ttl"), 128);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.hops"), 15);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.synack.df")->b, false);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.ip_id"), 777);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.window"), 8192);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.wscale"), 8);
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.synack.options"), "2-1-3-1-1-4");
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.synack.timestamps")->b, false);
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.link"), "Ethernet");
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.link_mtu"), 1500);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.simultaneous_open")->b, false);
	CHECK(near(ph_f64(&h, "rtt.server_ms"), 80.0));
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 10.123));
	CHECK(ph_get(&h, "rtt.app_ms") == NULL);
	CHECK(ph_get(&h, "rtt.gap_ms") == NULL);
	CHECK(ph_str(&h, "app_proto") == NULL); /* never identifies a protocol */
	ph_finish(&h);
}

/* The options of one SYN rendered as a kind list. */
static const char *syn_options(struct ph *h, const uint8_t *opts, size_t n)
{
	struct sl_packet t;
	ph_init(h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	tmpl_init(&t, 64, 65535, opts, n);
	seg(h, SL_DIR_TOSERVER, SYN, 0, &t);
	return ph_str(h, "tcp_stack.syn.options");
}

static void test_option_lists(void)
{
	TEST("tcp: option kinds in wire order, NOP, EOL and padding included");
	struct ph h;
	CHECK_EQ_STR(syn_options(&h, macos_opts, sizeof(macos_opts)), "2-1-3-1-1-8-4-0-0");
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.wscale"), 6);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.sack")->b, true);
	ph_finish(&h);

	static const uint8_t pad[] = { 2, 4, 0x05, 0x8c, 0, 0x41, 0, 0 }; /* junk after EOL */
	CHECK_EQ_STR(syn_options(&h, pad, sizeof(pad)), "2-0-65-0-0");
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.mss"), 1420);
	ph_finish(&h);

	static const uint8_t rare[] = { 30, 4, 0, 0, 34, 2, 69, 3, 0, 1, 1, 1 }; /* MPTCP, TFO, ENO */
	CHECK_EQ_STR(syn_options(&h, rare, sizeof(rare)), "30-34-69-1-1-1");
	CHECK(ph_get(&h, "tcp_stack.syn.mss") == NULL);
	CHECK(ph_get(&h, "tcp_stack.syn.wscale") == NULL);
	CHECK(ph_get(&h, "tcp_stack.link") == NULL);
	CHECK(ph_get(&h, "tcp_stack.link_mtu") == NULL);
	ph_finish(&h);

	static const uint8_t badlen[] = { 1, 2, 1, 0x05, 0xb4 }; /* MSS with length 1 */
	CHECK_EQ_STR(syn_options(&h, badlen, sizeof(badlen)), "1-2");
	CHECK(ph_get(&h, "tcp_stack.syn.mss") == NULL);
	ph_finish(&h);

	static const uint8_t wrongsize[] = { 2, 6, 0x05, 0xb4, 0, 0, 3, 4, 7, 0 }; /* sizes off */
	CHECK_EQ_STR(syn_options(&h, wrongsize, sizeof(wrongsize)), "2-3");
	CHECK(ph_get(&h, "tcp_stack.syn.mss") == NULL);
	CHECK(ph_get(&h, "tcp_stack.syn.wscale") == NULL);
	ph_finish(&h);

	CHECK_EQ_STR(syn_options(&h, NULL, 0), "");
	ph_finish(&h);
}

static void test_option_bounds(void)
{
	TEST("tcp: 40 one-byte kinds kept whole; unusual kinds cut with -...");
	struct ph h;
	uint8_t nops[40], rare[40];
	char want[128] = "";
	memset(nops, 1, sizeof(nops));
	for (int i = 0; i < 40; i++)
		strcat(want, i ? "-1" : "1");
	CHECK_EQ_STR(syn_options(&h, nops, sizeof(nops)), want); /* 79 characters */
	ph_finish(&h);

	for (int i = 0; i < 40; i += 2) {
		rare[i] = 99;
		rare[i + 1] = 2;
	}
	want[0] = '\0';
	for (int i = 0; i < 14; i++) /* 14 x 3 nibbles fit the 44-nibble store */
		strcat(want, i ? "-99" : "99");
	strcat(want, "-...");
	CHECK_EQ_STR(syn_options(&h, rare, sizeof(rare)), want);
	ph_finish(&h);

	uint8_t big[60];
	memset(big, 1, sizeof(big)); /* more than 40 kinds (a fuzzer's header) */
	const char *s = syn_options(&h, big, sizeof(big));
	CHECK(s && strlen(s) == 79 + 4 && strcmp(s + 79, "-...") == 0);
	ph_finish(&h);
}

/* tcp_stack.link for an MSS in a SYN of the given family. */
static void check_link(const char *cli, const char *srv, unsigned mss, const char *label,
		       unsigned mtu)
{
	struct ph h;
	struct sl_packet t;
	uint8_t opt[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	ph_init(&h, 6, cli, 40000, srv, 443);
	tmpl_init(&t, 64, 65535, opt, sizeof(opt));
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.link_mtu"), mtu);
	const char *got = ph_str(&h, "tcp_stack.link");
	if (label)
		CHECK_EQ_STR(got, label);
	else
		CHECK(got == NULL);
	if ((label && (!got || strcmp(got, label))) || (!label && got))
		fprintf(stderr, "   (%s, MSS %u)\n", cli, mss);
	ph_finish(&h);
}

static void test_link_table(void)
{
	TEST("tcp: MSS to link MTU and label, every table row, IPv4 and IPv6");
	static const struct { unsigned mtu; const char *label; } rows[] = {
		{ 1500, "Ethernet" }, { 1492, "PPPoE/DSL" }, { 1454, "PPPoE/DSL" },
		{ 1452, "PPPoE/DSL" }, { 1420, "typical WireGuard" }, { 1400, "typical WireGuard" },
		{ 1476, "IPsec or GRE" }, { 1480, "IPIP or SIT" }, { 1490, "PPTP" },
		{ 1470, "Google" }, { 1496, "VLAN" }, { 1240, "GIF" }, { 1280, "GIF" },
		{ 576, "modem" }, { 256, "AX.25 radio modem" }, { 552, "SLIP" },
		{ 1656, "Ericsson HIS modem" }, { 9000, "jumbo Ethernet" }, { 3924, "loopback" },
		{ 16384, "loopback" }, { 16436, "loopback" },
		/* the generic range 1300-1460 (IPv4 MSS 1260-1420) and its edges */
		{ 1300, "generic tunnel or VPN" }, { 1440, "generic tunnel or VPN" },
		{ 1450, "generic tunnel or VPN" }, { 1460, "generic tunnel or VPN" },
		{ 1376, "generic tunnel or VPN" }, { 1299, NULL }, { 1461, NULL },
		{ 1260, NULL }, { 1499, NULL }, { 1501, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		check_link("10.0.0.2", "198.51.100.1", rows[i].mtu - 40, rows[i].label, rows[i].mtu);
		check_link("2001:db8::2", "2001:db8:1::1", rows[i].mtu - 60, rows[i].label,
			   rows[i].mtu);
	}
	/* The IPv4 MSS plateaus, spelled out. */
	check_link("10.0.0.2", "198.51.100.1", 1460, "Ethernet", 1500);
	check_link("10.0.0.2", "198.51.100.1", 1452, "PPPoE/DSL", 1492);
	check_link("10.0.0.2", "198.51.100.1", 1380, "typical WireGuard", 1420);
	check_link("10.0.0.2", "198.51.100.1", 1360, "typical WireGuard", 1400);
	check_link("10.0.0.2", "198.51.100.1", 1436, "IPsec or GRE", 1476);
	check_link("10.0.0.2", "198.51.100.1", 1440, "IPIP or SIT", 1480);
	check_link("10.0.0.2", "198.51.100.1", 1450, "PPTP", 1490);
	check_link("10.0.0.2", "198.51.100.1", 1400, "generic tunnel or VPN", 1440);
	check_link("2001:db8::2", "2001:db8:1::1", 1440, "Ethernet", 1500);
	check_link("2001:db8::2", "2001:db8:1::1", 1220, "GIF", 1280);
	check_link("10.0.0.2", "198.51.100.1", 1220, NULL, 1260); /* dig's MSS: no link */
}

static void test_syn_retransmission(void)
{
	TEST("tcp: retransmitted SYN, the last one before the SYN/ACK times the leg");
	struct ph h;
	struct sl_packet a, b, srv;
	static const uint8_t fewer[] = { 2, 4, 0x05, 0xb4 };
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	tmpl_init(&a, 64, 64240, linux_opts, sizeof(linux_opts));
	tmpl_init(&b, 64, 64240, fewer, sizeof(fewer)); /* options dropped on retry */
	b.ip_id = 0x1235;
	tmpl_init(&srv, 54, 65160, linux_opts, sizeof(linux_opts));
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &a);
	h.seq[0]--; /* a retransmission reuses the ISN */
	seg(&h, SL_DIR_TOSERVER, SYN, 1000000, &a);
	h.seq[0]--;
	seg(&h, SL_DIR_TOSERVER, SYN, 3000000, &b);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 3030250, &srv);
	seg(&h, SL_DIR_TOSERVER, ACK, 3035250, &a);
	CHECK(near(ph_f64(&h, "rtt.server_ms"), 30.25));
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 5.0));
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.syn.options"), "2");
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.ip_id"), 0x1235);
	ph_finish(&h);
}

static void test_missing_synack(void)
{
	TEST("tcp: unanswered SYN keeps its facts, no legs, no server side");
	struct ph h;
	struct sl_packet a;
	ph_init(&h, 6, "10.0.0.2", 40000, "192.0.2.99", 8443);
	tmpl_init(&a, 128, 65535, windows_opts, sizeof(windows_opts));
	for (int i = 0; i < 3; i++) {
		seg(&h, SL_DIR_TOSERVER, SYN, (uint64_t)i * 1000000, &a);
		h.seq[0]--;
	}
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.syn.options"), "2-1-3-1-1-4");
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.initial_ttl"), 128);
	CHECK(ph_get(&h, "tcp_stack.synack.ttl") == NULL);
	CHECK(ph_get(&h, "tcp_stack.synack.options") == NULL);
	CHECK(ph_get(&h, "rtt.server_ms") == NULL);
	CHECK(ph_get(&h, "rtt.client_ms") == NULL);
	CHECK_EQ_STR(ph_str(&h, "tcp_stack.link"), "Ethernet");
	ph_finish(&h);
}

static void test_synack_variants(void)
{
	TEST("tcp: SYN/ACK first, SYN/ACK retransmitted, wrong ack, RST");
	struct ph h;
	struct sl_packet t;
	tmpl_init(&t, 60, 65535, linux_opts, sizeof(linux_opts));

	/* Flow first seen at the SYN/ACK: server facts and the client leg. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 0, &t);
	seg(&h, SL_DIR_TOSERVER, ACK, 7000, &t);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.ttl"), 60);
	CHECK(ph_get(&h, "tcp_stack.syn.ttl") == NULL);
	CHECK(ph_get(&h, "tcp_stack.link") == NULL);
	CHECK(ph_get(&h, "rtt.server_ms") == NULL);
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 7.0));
	ph_finish(&h);

	/* Retransmitted SYN/ACK: the ACK answers the last one. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 20000, &t);
	h.seq[1]--;
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 1020000, &t);
	seg(&h, SL_DIR_TOSERVER, ACK, 1026000, &t);
	CHECK(near(ph_f64(&h, "rtt.server_ms"), 20.0));
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 6.0));
	ph_finish(&h);

	/* A SYN/ACK acknowledging something else: facts, but no server leg. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	h.seq[0] += 5;
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 20000, &t);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.synack.ttl"), 60);
	CHECK(ph_get(&h, "rtt.server_ms") == NULL);
	ph_finish(&h);

	/* Refused: RST/ACK answers the SYN, the parser stops. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SL_TCP_RST | ACK, 20000, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 30000, &t); /* not offered any more */
	CHECK(ph_get(&h, "tcp_stack.synack.ttl") == NULL);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.ttl"), 60);
	ph_finish(&h);
}

static void test_client_ack(void)
{
	TEST("tcp: the client leg ends at the bare ACK, not at data");
	struct ph h;
	struct sl_packet t;
	tmpl_init(&t, 64, 65535, linux_opts, sizeof(linux_opts));

	/* The handshake ACK was missed: the first client segment carries data. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 40000, &t);
	h.flags = SL_TCP_PSH | ACK;
	h.now = T0 + 60000;
	ph_feed(&h, SL_DIR_TOSERVER, "hello", 5);
	CHECK(near(ph_f64(&h, "rtt.server_ms"), 40.0));
	CHECK(ph_get(&h, "rtt.client_ms") == NULL);
	ph_finish(&h);

	/* An ACK that does not acknowledge the SYN/ACK is skipped. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 40000, &t);
	h.seq[1] -= 10;
	seg(&h, SL_DIR_TOSERVER, ACK, 45000, &t);
	h.seq[1] += 10;
	seg(&h, SL_DIR_TOSERVER, ACK, 52000, &t);
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 12.0));
	ph_finish(&h);
}

static void test_simultaneous_open(void)
{
	TEST("tcp: simultaneous open is flagged and has no legs");
	struct ph h;
	struct sl_packet t;
	tmpl_init(&t, 64, 65535, linux_opts, sizeof(linux_opts));
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 40001);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYN, 100, &t);
	seg(&h, SL_DIR_TOSERVER, SYNACK, 30000, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 30100, &t);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.simultaneous_open")->b, true);
	CHECK(ph_get(&h, "rtt.server_ms") == NULL);
	CHECK(ph_get(&h, "rtt.client_ms") == NULL);
	ph_finish(&h);
}

static void test_app_rtt(void)
{
	TEST("tcp: rtt.app_ms and rtt.gap_ms from a parser's app RTT");
	struct ph h;
	struct sl_packet t;
	tmpl_init(&t, 64, 65535, linux_opts, sizeof(linux_opts));
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 2000, &t);
	seg(&h, SL_DIR_TOSERVER, ACK, 2500, &t); /* a relay answers in 0.5 ms */
	sl_app_set_rtt(&h.flow, 145250);          /* the TLS round trip: 145.25 ms */
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 0.5));
	CHECK(near(ph_f64(&h, "rtt.app_ms"), 145.25));
	CHECK(near(ph_f64(&h, "rtt.gap_ms"), 144.75));
	ph_finish(&h);

	/* App RTT without a measured client leg: no gap. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	sl_app_set_rtt(&h.flow, 1000);
	CHECK(near(ph_f64(&h, "rtt.app_ms"), 1.0));
	CHECK(ph_get(&h, "rtt.gap_ms") == NULL);
	ph_finish(&h);
}

static void test_ipv6_and_ttl(void)
{
	TEST("tcp: IPv6 hop limit, no DF/IP id, extension headers; initial TTL buckets");
	struct ph h;
	struct sl_packet t;
	uint8_t hdr[64] = { 0 };
	tmpl_init(&t, 57, 64800, linux_opts, sizeof(linux_opts));
	t.l3 = hdr;
	t.l4 = hdr + 48; /* 8 bytes of hop-by-hop header */
	ph_init(&h, 6, "2001:db8::2", 40000, "2001:db8:1::1", 443);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.ttl"), 57);
	CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.hops"), 7);
	CHECK(ph_get(&h, "tcp_stack.syn.df") == NULL);
	CHECK(ph_get(&h, "tcp_stack.syn.ip_id") == NULL);
	CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.ip_options")->b, true);
	ph_finish(&h);

	static const struct { uint8_t ttl; unsigned init; } b[] = {
		{ 0, 32 }, { 30, 32 }, { 32, 32 }, { 33, 64 }, { 64, 64 }, { 65, 128 },
		{ 128, 128 }, { 129, 255 }, { 250, 255 }, { 255, 255 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
		tmpl_init(&t, b[i].ttl, 1024, NULL, 0);
		t.l3 = hdr;
		t.l4 = hdr + 24; /* an IPv4 header with 4 bytes of options */
		seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
		CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.initial_ttl"), b[i].init);
		CHECK_EQ_INT(ph_u64(&h, "tcp_stack.syn.hops"), b[i].init - b[i].ttl);
		CHECK_EQ_INT(ph_get(&h, "tcp_stack.syn.ip_options")->b, true);
		ph_finish(&h);
	}
}

static void test_registry_and_size(void)
{
	TEST("tcp: first in the registry, small state, leaves app_proto to others");
	CHECK(sl_proto_at(0) == &sl_proto_tcp);
	CHECK(sl_proto_tcp.all_packets);
	CHECK(sl_proto_tcp.state_size <= 96);
	struct ph h;
	struct sl_packet t;
	static const char req[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
	tmpl_init(&t, 64, 65535, linux_opts, sizeof(linux_opts));
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	seg(&h, SL_DIR_TOSERVER, SYN, 0, &t);
	seg(&h, SL_DIR_TOCLIENT, SYNACK, 1000, &t);
	seg(&h, SL_DIR_TOSERVER, ACK, 2000, &t);
	h.flags = SL_TCP_PSH | ACK;
	h.tmpl = NULL;
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "http");
	CHECK_EQ_STR(ph_str(&h, "http.hostname"), "a.example");
	CHECK(near(ph_f64(&h, "rtt.client_ms"), 1.0));
	ph_finish(&h);

	/* A flow joined mid-stream never gets TCP state. */
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	h.flags = SL_TCP_PSH | ACK;
	ph_feed(&h, SL_DIR_TOSERVER, "x", 1);
	struct sl_record r = { .flow = &h.flow };
	CHECK(sl_record_state(&r, &sl_proto_tcp) == NULL); /* other parsers (ipkvm on 80) may hold some */
	CHECK(ph_get(&h, "tcp_stack.simultaneous_open") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_linux_handshake();
	test_option_lists();
	test_option_bounds();
	test_link_table();
	test_syn_retransmission();
	test_missing_synack();
	test_synack_variants();
	test_client_ack();
	test_simultaneous_open();
	test_app_rtt();
	test_ipv6_and_ttl();
	test_registry_and_size();
	return TEST_REPORT();
}
