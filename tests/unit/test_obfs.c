/* Unit tests for the obfuscated-tunnel signs (collected by sensor/proto/obfs.c,
 * decided by sensor/identify/obfs.c): the fully-encrypted exemptions and the
 * TLS-in-TLS record-size sequence. */
#include <math.h>
#include <stdio.h>

#include "dnsbuild.h"
#include "testhelp.h"

/* Deterministic bytes that look random (xorshift64*). */
static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

/* A TCP flow with its handshake, then the client's first payload. */
static void start(struct ph *h, const char *cfg_off, uint16_t port)
{
	ph_init(h, 6, "10.77.0.2", 40000, "203.0.113.9", port);
	if (cfg_off && strcmp(cfg_off, "obfuscated") == 0)
		h->cfg.identify.obfuscated = false;
	if (cfg_off && strcmp(cfg_off, "tls_in_tls") == 0)
		h->cfg.identify.tls_in_tls = false;
	if (cfg_off) /* the switches are read at create: make the dispatcher again */
		ph_redispatch(h);
	h->flags = SL_TCP_SYN;
	ph_feed(h, SL_DIR_TOSERVER, NULL, 0);
	h->flags = SL_TCP_SYN | SL_TCP_ACK;
	ph_feed(h, SL_DIR_TOCLIENT, NULL, 0);
	h->flags = SL_TCP_ACK;
	ph_feed(h, SL_DIR_TOSERVER, NULL, 0);
	h->flags = 0;
}

static const char *first_payload(const void *p, size_t n, const char *off)
{
	static char out[64];
	struct ph h;
	start(&h, off, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, n);
	const char *v = ph_str(&h, "tunnel.obfuscated");
	snprintf(out, sizeof(out), "%s", v ? v : "-");
	ph_finish(&h);
	return out;
}

static void test_random_flagged(void)
{
	TEST("obfs: a random first payload (Shadowsocks/obfs4 shape) is fully-encrypted");
	uint8_t p[600];
	fill_random(p, sizeof(p), 7);
	struct ph h;
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	ph_feed(&h, SL_DIR_TOCLIENT, p + 100, 200);
	CHECK_EQ_STR(ph_str(&h, "tunnel.obfuscated"), "fully-encrypted");
	CHECK(ph_f64(&h, "tunnel.entropy") > 7.5);
	double pc = ph_f64(&h, "tunnel.popcount");
	CHECK(pc > 3.8 && pc < 4.2);
	CHECK(ph_f64(&h, "tunnel.printable") < 0.5);
	CHECK(ph_str(&h, "tunnel.exempt") == NULL);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

/* The measures against a plain per-byte computation, on a payload whose
 * byte counts are both small and large (sensor/proto/obfs.c sums the
 * entropy over a bit map of the values seen, with terms kept per count). */
static void test_measures_exact(void)
{
	TEST("obfs: entropy, set bits and printable share match a per-byte reference");
	uint8_t p[700];
	fill_random(p, 400, 11);
	memset(p + 400, 'A', 200);
	memset(p + 600, 0xff, 100);
	uint32_t hist[256] = { 0 }, bits = 0, prn = 0;
	for (size_t i = 0; i < sizeof(p); i++) {
		hist[p[i]]++;
		for (int b = 0; b < 8; b++)
			bits += p[i] >> b & 1;
		prn += p[i] >= 0x20 && p[i] <= 0x7e;
	}
	double e = 0;
	for (int v = 0; v < 256; v++)
		if (hist[v]) {
			double q = (double)hist[v] / sizeof(p);
			e -= q * log2(q);
		}
	struct ph h;
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	/* the fields carry three decimals */
	CHECK(fabs(ph_f64(&h, "tunnel.entropy") - e) < 0.0006);
	CHECK(fabs(ph_f64(&h, "tunnel.popcount") - (double)bits / sizeof(p)) < 0.0006);
	CHECK(fabs(ph_f64(&h, "tunnel.printable") - (double)prn / sizeof(p)) < 0.0006);
	ph_finish(&h);
}

static void test_exemptions(void)
{
	TEST("obfs: HTTP, SSH banner, low entropy, printable prefix/half/run, short are exempt");
	uint8_t p[400];
	const char *http = "GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\r\n\r\n";
	CHECK_EQ_STR(first_payload(http, strlen(http), NULL), "-");
	const char *ssh = "SSH-2.0-OpenSSH_9.6\r\n";
	CHECK_EQ_STR(first_payload(ssh, strlen(ssh), NULL), "-");
	memset(p, 0, sizeof(p)); /* popcount 0 */
	CHECK_EQ_STR(first_payload(p, sizeof(p), NULL), "-");
	fill_random(p, sizeof(p), 9);
	memcpy(p, "ABCDEF", 6); /* Ex2 */
	CHECK_EQ_STR(first_payload(p, sizeof(p), NULL), "-");
	fill_random(p, sizeof(p), 9);
	memset(p + 100, 'k', 21); /* Ex4: 21 printable bytes in a row */
	p[99] = 0x80;
	p[121] = 0x81;
	CHECK_EQ_STR(first_payload(p, sizeof(p), NULL), "-");
	fill_random(p, 20, 9); /* under 32 bytes */
	CHECK_EQ_STR(first_payload(p, 20, NULL), "-");
	/* the same random bytes unchanged are flagged: the tests above really
	 * turned on the exemption, not on the generator */
	fill_random(p, sizeof(p), 9);
	CHECK_EQ_STR(first_payload(p, sizeof(p), NULL), "fully-encrypted");

	struct ph h;
	fill_random(p, sizeof(p), 9);
	memcpy(p, "ABCDEFG", 7);
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, 20);
	CHECK_EQ_STR(ph_str(&h, "tunnel.exempt"), "short");
	ph_finish(&h);
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	CHECK_EQ_STR(ph_str(&h, "tunnel.exempt"), "printable-prefix");
	ph_finish(&h);
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOSERVER, http, strlen(http));
	CHECK(ph_str(&h, "tunnel.exempt") == NULL); /* http identified: Ex5, no measures shown */
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "http");
	ph_finish(&h);
}

static void test_known_protocol(void)
{
	TEST("obfs: a random-looking payload a parser identifies (TeamViewer 17 24) is exempt");
	uint8_t p[300], q[300];
	fill_random(p, sizeof(p), 11);
	fill_random(q, sizeof(q), 12);
	p[0] = q[0] = 0x17;
	p[1] = q[1] = 0x24;
	struct ph h;
	start(&h, NULL, 5938);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	ph_feed(&h, SL_DIR_TOCLIENT, q, sizeof(q));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "teamviewer");
	CHECK(ph_str(&h, "tunnel.obfuscated") == NULL);
	ph_finish(&h);
}

static void test_server_first_and_midstream(void)
{
	TEST("obfs: server speaks first, or no SYN seen: not judged");
	uint8_t p[300];
	fill_random(p, sizeof(p), 13);
	struct ph h;
	start(&h, NULL, 8388);
	ph_feed(&h, SL_DIR_TOCLIENT, p, 100);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	CHECK(ph_str(&h, "tunnel.obfuscated") == NULL);
	ph_finish(&h);
	ph_init(&h, 6, "10.77.0.2", 40000, "203.0.113.9", 8388);
	ph_feed(&h, SL_DIR_TOSERVER, p, sizeof(p));
	CHECK(ph_str(&h, "tunnel.obfuscated") == NULL);
	ph_finish(&h);
}

static void test_switch_off(void)
{
	TEST("obfs: identify.obfuscated off: random payload not flagged");
	uint8_t p[600];
	fill_random(p, sizeof(p), 7);
	CHECK_EQ_STR(first_payload(p, sizeof(p), "obfuscated"), "-");
	CHECK_EQ_STR(first_payload(p, sizeof(p), "tls_in_tls"), "fully-encrypted");
}

/* Records of `len` body bytes (type 23 unless given), concatenated. */
static size_t records(uint8_t *out, uint8_t type, const uint16_t *lens, size_t n)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		out[off] = type;
		out[off + 1] = 3;
		out[off + 2] = 3;
		out[off + 3] = (uint8_t)(lens[i] >> 8);
		out[off + 4] = (uint8_t)lens[i];
		fill_random(out + off + 5, lens[i], lens[i]);
		off += 5 + lens[i];
	}
	return off;
}

/* An outer TLS 1.3 session: ClientHello, server flight, client CCS +
 * Finished (53), then the application records c1, s1 (several) and c2. */
static const char *tls_session(uint16_t c1, const uint16_t *s1, size_t ns1, uint16_t c2,
			       const char *off)
{
	static char out[64];
	static uint8_t buf[40000];
	struct ph h;
	start(&h, off, 443);
	uint16_t l = 300;
	size_t n = records(buf, 22, &l, 1);
	ph_feed(&h, SL_DIR_TOSERVER, buf, n);
	uint16_t sf[] = { 90 };
	n = records(buf, 22, sf, 1);
	uint16_t enc[] = { 30, 2500, 280, 53 };
	n += records(buf + n, 23, enc, 4);
	ph_feed(&h, SL_DIR_TOCLIENT, buf, n);
	l = 1;
	n = records(buf, 20, &l, 1);
	uint16_t fin_c1[] = { 53, c1 };
	n += records(buf + n, 23, fin_c1, 2);
	ph_feed(&h, SL_DIR_TOSERVER, buf, n);
	for (size_t i = 0; i < ns1; i++) {
		n = records(buf, 23, &s1[i], 1);
		ph_feed(&h, SL_DIR_TOCLIENT, buf, n);
	}
	n = records(buf, 23, &c2, 1);
	ph_feed(&h, SL_DIR_TOSERVER, buf, n);
	const char *v = ph_str(&h, "tunnel.obfuscated");
	snprintf(out, sizeof(out), "%s", v ? v : "-");
	ph_finish(&h);
	return out;
}

static void test_tls_in_tls(void)
{
	TEST("obfs: inner ClientHello, server flight, inner Finished inside TLS: tls-in-tls");
	const uint16_t inner_flight[] = { 230, 3100, 1200 }; /* tickets + inner SH..Fin */
	CHECK_EQ_STR(tls_session(540, inner_flight, 3, 86, NULL), "tls-in-tls");
	CHECK_EQ_STR(tls_session(540, inner_flight, 3, 86, "tls_in_tls"), "-");
	CHECK_EQ_STR(tls_session(540, inner_flight, 3, 86, "obfuscated"), "tls-in-tls");
	/* plain HTTPS: a request, a response, then a second request */
	const uint16_t page[] = { 4000, 9000 };
	/* Firefox HTTP/2 (ndpi/443-firefox.pcap): three first records, 14 KB back, 143 B next */
	const uint16_t h2_first[] = { 25, 1316, 1316, 1316, 1316, 1316, 1316, 1316, 1316, 1316, 1316, 87 };
	CHECK_EQ_STR(tls_session(430, h2_first, 12, 143, NULL), "-");
	const uint16_t big_cert[] = { 250, 9000, 1200 }; /* a chain past 10000 B */
	CHECK_EQ_STR(tls_session(540, big_cert, 3, 86, NULL), "-");
	CHECK_EQ_STR(tls_session(420, page, 2, 380, NULL), "-");
	/* HTTP/2: then a WINDOW_UPDATE / SETTINGS ack record */
	CHECK_EQ_STR(tls_session(420, page, 2, 40, NULL), "-");
	/* a tiny first request (C1 under 200) */
	CHECK_EQ_STR(tls_session(120, inner_flight, 3, 86, NULL), "-");
	/* a small server answer (S1 under 1000) */
	const uint16_t small[] = { 400 };
	CHECK_EQ_STR(tls_session(540, small, 1, 86, NULL), "-");
}

int main(void)
{
	test_random_flagged();
	test_measures_exact();
	test_exemptions();
	test_known_protocol();
	test_server_first_and_midstream();
	test_switch_off();
	test_tls_in_tls();
	return TEST_REPORT();
}
