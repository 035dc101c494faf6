/* TLS: ClientHello parsing, JA3/JA4 against published values, every
 * truncation of a hello, and the stream parser (segments, records, order,
 * ServerHello, certificate, round trip) through the real dispatcher. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "protohelp.h"
#include "sensor/proto/tls_hello.h"
#include "testhelp.h"
#include "tlsbuild.h"

#define CHECK_EQ(a, b) CHECK_EQ_INT(a, b)

extern const struct sl_proto sl_proto_tls;

/* ---- ClientHello parsing and fingerprints ----------------------------- */

static void test_parse_fields(void)
{
	TEST("ClientHello: every parsed field");
	static struct buf b;
	struct sl_tls_client_hello ch;
	build_chrome(&b, false);
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	CHECK_EQ_INT(ch.legacy_version, 0x0303);
	CHECK_EQ_INT(ch.supported_version_max, 0x0304);
	CHECK_EQ_INT(ch.n_ciphers, 16);
	CHECK_EQ_INT(ch.ciphers[0], 0x2a2a);
	CHECK_EQ_INT(ch.ciphers[15], 0x0035);
	CHECK_EQ_INT(ch.n_extensions, 18);
	CHECK_EQ_INT(ch.extensions[0], 0x1a1a);
	CHECK_EQ_INT(ch.extensions[17], 21);
	CHECK_EQ_INT(ch.n_groups, 4);
	CHECK_EQ_INT(ch.groups[0], 0xdada);
	CHECK_EQ_INT(ch.groups[3], 0x0018);
	CHECK_EQ_INT(ch.n_ec_point_formats, 1);
	CHECK_EQ_INT(ch.ec_point_formats[0], 0);
	CHECK_EQ_INT(ch.n_sig_algs, 8);
	CHECK_EQ_INT(ch.sig_algs[7], 0x0601);
	CHECK(ch.has_sni);
	CHECK_EQ_STR(ch.sni, "www.iit.cnr.it");
	CHECK_EQ_INT(ch.n_alpn, 2);
	CHECK_EQ_STR(ch.alpn, "h2,http/1.1");
	CHECK(!ch.alpn_cut);
	CHECK(!ch.ech && !ch.esni && !ch.truncated_lists);
}

static void test_fingerprints_chrome(void)
{
	TEST("JA3/JA4 of Chrome's hello equal nDPI's labels (chrome.pcap)");
	static struct buf b;
	struct sl_tls_client_hello ch;
	char str[2048], md5[33], ja4[SL_JA4_LEN];
	build_chrome(&b, false);
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	sl_tls_ja3(&ch, str, sizeof(str), md5);
	CHECK_EQ_STR(str, "771,4867-4865-4866-52393-52392-49195-49199-49196-49200-49171-49172-156-157-47-53,"
			  "0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0");
	CHECK_EQ_STR(md5, "aa50c12a5dfa717d9d6ab34e97de79d5");
	sl_tls_ja4(&ch, 't', ja4);
	CHECK_EQ_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	sl_tls_ja4(&ch, 'q', ja4);
	CHECK_EQ_STR(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
	/* a buffer too small for the string still gives the full string's MD5 */
	sl_tls_ja3(&ch, str, 10, md5);
	CHECK_EQ_STR(str, "771,4867-");
	CHECK_EQ_STR(md5, "aa50c12a5dfa717d9d6ab34e97de79d5");
}

/* Parse a list of decimal values "a-b-c" into v. */
static size_t dec_list(const char *s, uint16_t *v)
{
	size_t n = 0;
	while (*s) {
		v[n++] = (uint16_t)strtoul(s, (char **)&s, 10);
		if (*s == '-')
			s++;
	}
	return n;
}

/* Suricata-verify tls13-draft28: the JA3 text and hash it expects; the
 * hello is rebuilt from the text (extension bodies do not enter JA3). */
static void test_ja3_suricata_draft28(void)
{
	TEST("JA3 of a hello rebuilt from Suricata's tls13-draft28 label");
	static struct buf b;
	uint16_t ciphers[64], exts[32];
	const char *want = "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-"
			   "52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-"
			   "49310-51,5-10-11-13-22-23-35-51-43-65281-0-45-41,23,0";
	size_t nc = dec_list("4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-"
			     "52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-"
			     "49310-51", ciphers);
	size_t ne = dec_list("5-10-11-13-22-23-35-51-43-65281-0-45-41", exts);
	static const uint16_t groups[] = { 23 };
	b.n = 0;
	hello_head(&b, 771, ciphers, nc);
	size_t at = open_len(&b, 2);
	for (size_t i = 0; i < ne; i++) {
		if (exts[i] == 10)
			ext_u16s(&b, 10, groups, 1, 2);
		else if (exts[i] == 11)
			ext_bytes(&b, 11, "0100");
		else if (exts[i] == 0)
			ext_sni(&b, "localhost");
		else
			ext_empty(&b, exts[i]);
	}
	close_len(&b, at, 2);
	struct sl_tls_client_hello ch;
	char str[1024], md5[33];
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	sl_tls_ja3(&ch, str, sizeof(str), md5);
	CHECK_EQ_STR(str, want);
	CHECK_EQ_STR(md5, "d00857e0c8e7a7f35e446508c6233460");
}

/* A TLS 1.0 hello without signature_algorithms (Suricata's
 * TLSv1-Extracted-MaliciousC2.pcap, fields per tshark).  JA4.md: without
 * signature algorithms the extension string is hashed with no trailing
 * underscore, giving c39ab67fec8e (Suricata writes ce66f3b797c1, the hash
 * with the underscore). */
static void test_ja4_no_sigalgs(void)
{
	TEST("JA4: no signature algorithms, no SNI, no ALPN (TLS 1.0)");
	static struct buf b;
	static const uint16_t ciphers[] = { 0xc00a, 0xc009, 0xc014, 0xc013, 0x0035, 0x002f, 0x000a };
	static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018 };
	b.n = 0;
	hello_head(&b, 0x0301, ciphers, ARRAY_SIZE(ciphers));
	size_t at = open_len(&b, 2);
	ext_bytes(&b, 5, "0100000000");
	ext_u16s(&b, 10, groups, 3, 2);
	ext_bytes(&b, 11, "0100");
	ext_empty(&b, 35);
	ext_empty(&b, 23);
	ext_bytes(&b, 65281, "00");
	close_len(&b, at, 2);
	struct sl_tls_client_hello ch;
	char ja4[SL_JA4_LEN], str[512], md5[33];
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	sl_tls_ja4(&ch, 't', ja4);
	CHECK_EQ_STR(ja4, "t10i070600_c50f5591e341_c39ab67fec8e");
	sl_tls_ja3(&ch, str, sizeof(str), md5);
	CHECK_EQ_STR(str, "769,49162-49161-49172-49171-53-47-10,5-10-11-35-23-65281,29-23-24,0");
	CHECK_EQ_STR(md5, "49ed2ef3f1321e5f044f1e71b0e6fdd5"); /* tshark's JA3 of that hello */
}

/* JA4 of a hello with the given first ALPN value (raw bytes). */
static void ja4_with_alpn(const uint8_t *alpn, size_t n, char out[SL_JA4_LEN])
{
	static struct buf b;
	static const uint16_t ciphers[] = { 0x1301 };
	struct sl_tls_client_hello ch;
	const uint8_t *names[] = { alpn };
	b.n = 0;
	hello_head(&b, 0x0303, ciphers, 1);
	size_t at = open_len(&b, 2);
	ext_alpn_raw(&b, names, &n, 1);
	close_len(&b, at, 2);
	if (sl_tls_parse_client_hello(b.b, b.n, &ch) < 0)
		abort();
	sl_tls_ja4(&ch, 't', out);
}

static void test_ja4_alpn_rules(void)
{
	TEST("JA4: ALPN characters, the non-alphanumeric rule (JA4.md examples)");
	static const struct { const char *alpn; size_t n; const char *want; } cases[] = {
		{ "h2", 2, "h2" }, { "http/1.1", 8, "h1" }, { "x", 1, "xx" }, { "", 0, "00" },
		{ "\xab", 1, "ab" }, { "\xab\xcd", 2, "ad" }, { "\x30\xab", 2, "3b" },
		{ "\x30\x31\xab\xcd", 4, "3d" }, { "\x30\xab\xcd\x31", 4, "01" },
	};
	char ja4[SL_JA4_LEN];
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ja4_with_alpn((const uint8_t *)cases[i].alpn, cases[i].n, ja4);
		char got[3] = { ja4[8], ja4[9], 0 };
		CHECK_EQ_STR(got, cases[i].want);
	}
	/* "t12i0101" + alpn: one cipher, one extension (ALPN), no SNI; the
	 * extension list without ALPN is empty, so part c is all zeros */
	ja4_with_alpn((const uint8_t *)"h2", 2, ja4);
	CHECK_EQ_STR(ja4, "t12i0101h2_0f2cb44170f4_000000000000");
}

static void test_ja4_counts_and_versions(void)
{
	TEST("JA4: counts capped at 99, empty lists, DTLS and SSL versions");
	static struct buf b;
	static uint16_t many[120];
	struct sl_tls_client_hello ch;
	char ja4[SL_JA4_LEN];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (uint16_t)(0x0100 + i);
	b.n = 0;
	hello_head(&b, 0x0300, many, ARRAY_SIZE(many));
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0); /* SSLv3: no extensions */
	sl_tls_ja4(&ch, 't', ja4);
	CHECK_EQ(strncmp(ja4, "ts3i9900", 8), 0);
	CHECK_EQ_STR(ja4 + 24, "000000000000");
	/* no ciphers at all: part b is zeros */
	b.n = 0;
	hello_head(&b, 0x0303, NULL, 0);
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	sl_tls_ja4(&ch, 't', ja4);
	CHECK_EQ_STR(ja4, "t12i000000_000000000000_000000000000");
	/* DTLS: 0xfefc is newer than 0xfefd */
	static const uint16_t dv[] = { 0xfefd, 0xfefc };
	b.n = 0;
	hello_head(&b, 0xfefd, dv, 0);
	size_t at = open_len(&b, 2), e = ext_open(&b, 43);
	u16_list(&b, dv, 2, 1);
	ext_close(&b, e);
	close_len(&b, at, 2);
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), 0);
	CHECK_EQ_INT(ch.supported_version_max, 0xfefc);
	sl_tls_ja4(&ch, 'd', ja4);
	CHECK_EQ(strncmp(ja4, "dd3i0001", 8), 0);
}

/* Every prefix of a whole hello must be rejected, read only inside its own
 * exact-size copy (ASan would flag one byte more).  The one exception is
 * the prefix ending at the compression methods: that is a complete
 * extension-less ClientHello (RFC 5246 §7.4.1.2), accepted by design. */
static void test_truncations(void)
{
	TEST("ClientHello: every truncation is -EINVAL, no read past the end");
	static struct buf b;
	struct sl_tls_client_hello ch;
	build_chrome(&b, false);
	size_t head_end = 2 + 32 + 1 + 32 + 2 + 16 * 2 + 1 + 1;
	int bad = 0, accepted = 0;
	for (size_t len = 0; len <= b.n; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, b.b, len);
		int rc = sl_tls_parse_client_hello(copy, len, &ch);
		free(copy);
		if (len == b.n || len == head_end)
			accepted += rc == 0;
		else
			bad += rc != -EINVAL;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(accepted, 2);
	/* a session id longer than 32 and an odd cipher length are malformed */
	b.b[34] = 33;
	CHECK_EQ_INT(sl_tls_parse_client_hello(b.b, b.n, &ch), -EINVAL);
}

/* ---- the stream parser through the dispatcher ------------------------- */

static void check_client_fields(struct ph *h)
{
	CHECK_EQ_INT(h->flow.app_proto, sl_proto_index(&sl_proto_tls) + 1);
	CHECK_EQ_STR(ph_str(h, "tls.sni"), "www.iit.cnr.it");
	CHECK_EQ_STR(ph_str(h, "tls.alpn"), "h2,http/1.1");
	CHECK_EQ_STR(ph_str(h, "tls.ciphers"), "2a2a,1303,1301,1302,cca9,cca8,c02b,c02f,c02c,c030,c013,c014,009c,009d,002f,0035");
	CHECK_EQ_STR(ph_str(h, "tls.extensions"), "1a1a,0000,0017,ff01,000a,000b,0023,0010,0005,000d,0012,0033,002d,002b,001b,4469,aaaa,0015");
	CHECK_EQ_STR(ph_str(h, "tls.sig_algs"), "0403,0804,0401,0503,0805,0501,0806,0601");
	CHECK_EQ_STR(ph_str(h, "tls.supported_versions"), "1a1a,0304,0303,0302,0301");
	CHECK_EQ_INT(ph_get(h, "tls.ech")->b, 0);
	CHECK_EQ_STR(ph_str(h, "tls.ja3.hash"), "aa50c12a5dfa717d9d6ab34e97de79d5");
	CHECK_EQ_STR(ph_str(h, "tls.ja4"), "t13d1516h2_8daaf6152771_e5627efa2ab1");
	CHECK(ph_str(h, "tls.ja3.string") != NULL);
}

/* Feed data in pieces cut at the given offsets (ascending, < n). */
static void feed_cuts(struct ph *h, enum sl_dir dir, const uint8_t *p, size_t n,
		      const size_t *cuts, size_t ncuts)
{
	size_t from = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		ph_feed(h, dir, p + from, to - from);
		from = to;
	}
}

static void test_stream_tls12(void)
{
	TEST("stream: TLS 1.2 hello in 3 segments, server flight, certificate, round trip");
	static struct buf cf, sf;
	char sha1[41];
	struct ph h;
	uint64_t rtt = 0;
	client_flight(&cf, true, 16384);
	CHECK(cf.n > 1800); /* a post-quantum hello: more than one segment */
	tls12_flight(&sf, NULL, sha1);
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	size_t ccuts[] = { 700, 1400 }, scuts[] = { sf.n / 2 };
	feed_cuts(&h, SL_DIR_TOSERVER, cf.b, cf.n, ccuts, 2);
	feed_cuts(&h, SL_DIR_TOCLIENT, sf.b, sf.n, scuts, 1);
	h.now += 5000;
	ph_feed(&h, SL_DIR_TOSERVER, "\x16\x03\x03\x00\x01\x10", 6); /* ClientKeyExchange flight */
	CHECK(sl_app_rtt(&h.flow, &rtt));
	CHECK_EQ_INT(rtt, 6000);
	check_client_fields(&h);
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.2");
	CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "c02f");
	CHECK_EQ_STR(ph_str(&h, "tls.alpn_server"), "h2");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.string"), "771,49199,65281-0-11-16-23");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.hash"), "5d79edf64e03689ff559a54e9d9487bc");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.subject"), "CN=AnyNet Relay,O=philandro Software GmbH");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.issuer"), "CN=AnyNet Relay,O=philandro Software GmbH");
	CHECK_EQ_INT(ph_get(&h, "tls.cert.self_signed")->b, 1);
	CHECK_EQ_STR(ph_str(&h, "tls.cert.sha1"), sha1);
	CHECK_EQ_STR(ph_str(&h, "tls.cert.not_before"), "2025-01-01T00:00:00Z");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.not_after"), "2035-01-01T12:00:00Z");
	CHECK(ph_get(&h, "tls.buffer_overflows") == NULL);
	ph_finish(&h);
}

static void test_stream_records_and_order(void)
{
	TEST("stream: hello across 2 records and 3 segments, delivered out of order");
	static struct buf cf, sf;
	char sha1[41];
	struct ph h;
	client_flight(&cf, true, 1000); /* two records: 1000 + the rest */
	tls12_flight(&sf, "Test CA", sha1);
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	uint32_t s0 = h.seq[0];
	/* segments [0,600) [600,1500) [1500,n): sent first, third, first again, second */
	ph_feed_at(&h, SL_DIR_TOSERVER, cf.b, 600, s0);
	ph_feed_at(&h, SL_DIR_TOSERVER, cf.b + 1500, cf.n - 1500, s0 + 1500);
	ph_feed_at(&h, SL_DIR_TOSERVER, cf.b, 600, s0);
	ph_feed_at(&h, SL_DIR_TOSERVER, cf.b + 600, 900, s0 + 600);
	h.seq[0] = s0 + (uint32_t)cf.n;
	/* the server's second segment arrives before its first */
	uint32_t t0 = h.seq[1], half = (uint32_t)sf.n / 2;
	CHECK(sf.n > 600);
	ph_feed_at(&h, SL_DIR_TOCLIENT, sf.b + half, sf.n - half, t0 + half);
	ph_feed_at(&h, SL_DIR_TOCLIENT, sf.b, half, t0);
	h.seq[1] = t0 + (uint32_t)sf.n;
	check_client_fields(&h);
	CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "c02f");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.issuer"), "CN=Test CA");
	CHECK_EQ_INT(ph_get(&h, "tls.cert.self_signed")->b, 0);
	CHECK_EQ_STR(ph_str(&h, "tls.cert.sha1"), sha1);
	ph_finish(&h);
}

static void test_stream_tls13(void)
{
	TEST("stream: TLS 1.3 and a draft version, round trip from the server's last packet");
	static struct buf cf, sh, hs, sf;
	static const struct { unsigned v; const char *name; } versions[] = {
		{ 0x0304, "TLS 1.3" }, { 0x7f1c, "TLS 1.3 draft 28" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		struct ph h;
		uint64_t rtt = 0;
		client_flight(&cf, false, 16384);
		server_hello(&sh, 0x1302, versions[i].v);
		hs.n = sf.n = 0;
		handshake(&hs, 2, sh.b, sh.n);
		records(&sf, 22, hs.b, hs.n, 16384);
		records(&sf, 20, (const uint8_t *)"\x01", 1, 16384);
		ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
		ph_feed(&h, SL_DIR_TOSERVER, cf.b, cf.n);
		ph_feed(&h, SL_DIR_TOCLIENT, sf.b, sf.n);
		ph_feed(&h, SL_DIR_TOCLIENT, "\x17\x03\x03\x00\x02\xaa\xbb", 7); /* encrypted flight */
		h.now += 2000;
		ph_feed(&h, SL_DIR_TOSERVER, "\x14\x03\x03\x00\x01\x01", 6);
		CHECK(sl_app_rtt(&h.flow, &rtt));
		CHECK_EQ_INT(rtt, 3000);
		CHECK_EQ_STR(ph_str(&h, "tls.version"), versions[i].name);
		CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "1302");
		CHECK(ph_str(&h, "tls.cert.subject") == NULL);
		CHECK(ph_str(&h, "tls.ja3s.hash") != NULL);
		ph_finish(&h);
	}
}

static void test_sslv2_and_garbage(void)
{
	TEST("stream: SSLv2-compatible hello is passed over; non-TLS after the probe is declined");
	static struct buf sh, hs, sf;
	static uint8_t v2[2 + 9 + 21 + 16] = { 0x80, 9 + 21 + 16, 1, 3, 1, 0, 21, 0, 0, 0, 16 };
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, v2, sizeof(v2));
	server_hello(&sh, 0x002f, 0);
	sh.b[0] = 3, sh.b[1] = 1; /* TLS 1.0 */
	hs.n = sf.n = 0;
	handshake(&hs, 2, sh.b, sh.n);
	records(&sf, 22, hs.b, hs.n, 16384);
	ph_feed(&h, SL_DIR_TOCLIENT, sf.b, sf.n);
	CHECK_EQ_INT(h.flow.app_proto, sl_proto_index(&sl_proto_tls) + 1);
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.0");
	CHECK(ph_str(&h, "tls.ja3.hash") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, "\x16\x03\x01\x00\x06\x01\x00\x00\x02\x03\x03", 11);
	CHECK_EQ_INT(h.flow.app_proto, 0);
	CHECK(ph_str(&h, "tls.version") == NULL);
	ph_finish(&h);
}

static void test_overflow(void)
{
	TEST("stream: a 70 000-byte handshake message is passed over and counted");
	static struct buf sh, hs, sf, cf;
	static uint8_t big[70000];
	struct ph h;
	uint64_t rtt = 0;
	client_flight(&cf, false, 16384);
	server_hello(&sh, 0xc02f, 0);
	hs.n = sf.n = 0;
	handshake(&hs, 2, sh.b, sh.n);
	handshake(&hs, 12, big, sizeof(big));
	handshake(&hs, 14, NULL, 0);
	records(&sf, 22, hs.b, hs.n, 16384);
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, cf.b, cf.n);
	for (size_t off = 0; off < sf.n; off += 1400)
		ph_feed(&h, SL_DIR_TOCLIENT, sf.b + off, sf.n - off < 1400 ? sf.n - off : 1400);
	ph_feed(&h, SL_DIR_TOSERVER, "\x16\x03\x03\x00\x01\x10", 6);
	CHECK_EQ_INT(ph_u64(&h, "tls.buffer_overflows"), 1);
	CHECK(sl_app_rtt(&h.flow, &rtt)); /* ServerHelloDone after it was still seen */
	CHECK_EQ_INT(rtt, 1000);
	ph_finish(&h);
}

/* One server flight to a fresh flow; its certificate fields into subj/sha1. */
static void cert_flow(const struct buf *sf, char issuer[64], char sha1[41])
{
	static struct buf cf;
	struct ph h;
	client_flight(&cf, false, 16384);
	ph_init(&h, 6, "10.0.0.2", 40001, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, cf.b, cf.n);
	ph_feed(&h, SL_DIR_TOCLIENT, sf->b, sf->n);
	const char *i = ph_str(&h, "tls.cert.issuer"), *d = ph_str(&h, "tls.cert.sha1");
	snprintf(issuer, 64, "%s", i ? i : "(none)");
	snprintf(sha1, 41, "%s", d ? d : "(none)");
	ph_finish(&h);
}

/* Certificates seen before come from the parser's cache: the same facts,
 * and never another certificate's. */
static void test_cert_cache(void)
{
	TEST("certificate cache: X, Y, X again and Y again keep their own facts");
	static struct buf x, y;
	char sx[41], sy[41], iss[64], sha[41];
	tls12_flight(&x, NULL, sx);
	tls12_flight(&y, "Test CA", sy);
	for (int round = 0; round < 2; round++) {
		cert_flow(&x, iss, sha);
		CHECK_EQ_STR(iss, "CN=AnyNet Relay,O=philandro Software GmbH");
		CHECK_EQ_STR(sha, sx);
		cert_flow(&y, iss, sha);
		CHECK_EQ_STR(iss, "CN=Test CA");
		CHECK_EQ_STR(sha, sy);
	}
}

/* ---- JA3 text and JA4 sort against the plain ways, random hellos ---- */

static uint16_t rand_u16(unsigned *seed)
{
	static const uint16_t common[] = { 0x0a0a, 0x1a1a, 0xfafa, 0, 5, 10, 11, 13, 16, 23, 35,
					   43, 45, 51, 0x1301, 0xc02b, 0xff01, 65535 };
	unsigned r = (unsigned)rand_r(seed);
	return r & 1 ? common[(r >> 1) % ARRAY_SIZE(common)] : (uint16_t)(r >> 3);
}

static void rand_list(unsigned *seed, uint16_t *v, uint16_t *n, unsigned max)
{
	*n = (uint16_t)((unsigned)rand_r(seed) % (max + 1));
	for (unsigned i = 0; i < *n; i++)
		v[i] = rand_u16(seed);
}

static void rand_hello(unsigned *seed, struct sl_tls_client_hello *ch)
{
	memset(ch, 0, sizeof(*ch));
	unsigned big = rand_r(seed) % 8 == 0 ? 300 : 40; /* past the insertion sort's 64 */
	ch->legacy_version = rand_u16(seed);
	rand_list(seed, ch->ciphers, &ch->n_ciphers, big);
	rand_list(seed, ch->extensions, &ch->n_extensions, big);
	rand_list(seed, ch->groups, &ch->n_groups, 12);
	rand_list(seed, ch->sig_algs, &ch->n_sig_algs, 20);
	ch->n_ec_point_formats = (uint16_t)((unsigned)rand_r(seed) % 4);
	for (unsigned i = 0; i < ch->n_ec_point_formats; i++)
		ch->ec_point_formats[i] = (uint8_t)rand_r(seed);
	ch->has_sni = rand_r(seed) & 1;
}

/* JA3 the plain way: snprintf per number, MD5 of the whole text. */
static void ref_ja3(const struct sl_tls_client_hello *ch, char *text, size_t cap, char md5[33])
{
	static char full[20000];
	size_t n = (size_t)snprintf(full, sizeof(full), "%u,", ch->legacy_version);
	const uint16_t *lists[] = { ch->ciphers, ch->extensions, ch->groups };
	const unsigned counts[] = { ch->n_ciphers, ch->n_extensions, ch->n_groups };
	for (int l = 0; l < 4; l++) {
		bool first = true;
		unsigned cnt = l < 3 ? counts[l] : ch->n_ec_point_formats;
		for (unsigned i = 0; i < cnt; i++) {
			unsigned v = l < 3 ? lists[l][i] : ch->ec_point_formats[i];
			if (l < 3 && (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff))
				continue; /* GREASE (RFC 8701) */
			n += (size_t)snprintf(full + n, sizeof(full) - n, "%s%u", first ? "" : "-", v);
			first = false;
		}
		if (l < 3)
			full[n++] = ',', full[n] = '\0';
	}
	size_t k = n < cap - 1 ? n : cap - 1; /* what a buffer of cap bytes keeps */
	memcpy(text, full, k);
	text[k] = '\0';
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned ml = 0;
	EVP_Digest(full, n, md, &ml, EVP_md5(), NULL);
	for (unsigned i = 0; i < 16; i++)
		snprintf(md5 + 2 * i, 3, "%02x", md[i]);
}

static int cmp_u16_ref(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* JA4's hash part the plain way: GREASE out (and SNI/ALPN when skip),
 * sorted by qsort() when sort, snprintf'd "%04x" joined by ',', SHA-256 of
 * the text, its first 12 hex digits. */
static size_t ref_list_text(const uint16_t *v, size_t n, bool sort, bool skip, char *out)
{
	uint16_t k[SL_TLS_LIST_MAX];
	size_t m = 0, len = 0;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] & 0x0f0f) == 0x0a0a && (v[i] >> 8) == (v[i] & 0xff)) &&
		    !(skip && (v[i] == 0 || v[i] == 0x10)))
			k[m++] = v[i];
	if (sort)
		qsort(k, m, 2, cmp_u16_ref);
	for (size_t i = 0; i < m; i++)
		len += (size_t)sprintf(out + len, "%s%04x", i ? "," : "", k[i]);
	return len;
}

/* JA4 the plain way: its a part from sl_tls_ja4() (tested against the
 * published labels), b and c made here from the hello. */
static void ref_ja4(const struct sl_tls_client_hello *ch, char out[SL_JA4_LEN])
{
	static char text[2][6 * SL_TLS_LIST_MAX * 2];
	size_t nb = ref_list_text(ch->ciphers, ch->n_ciphers, true, false, text[0]);
	size_t nc = ref_list_text(ch->extensions, ch->n_extensions, true, true, text[1]);
	if (nc) {
		text[1][nc++] = '_';
		nc += ref_list_text(ch->sig_algs, ch->n_sig_algs, false, false, text[1] + nc);
		if (text[1][nc - 1] == '_')
			nc--; /* no signature algorithms: no '_' */
	}
	sl_tls_ja4(ch, 't', out);
	for (int h = 0; h < 2; h++) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned ml = 0;
		char *dst = out + 11 + 13 * h;
		size_t n = h ? nc : nb;
		EVP_Digest(text[h], n, md, &ml, EVP_sha256(), NULL);
		for (int i = 0; i < 6; i++)
			snprintf(dst + 2 * i, 3, "%02x", n ? md[i] : 0);
		dst[12] = h ? '\0' : '_';
	}
}

/* JA3 text and hash equal snprintf's and MD5's, whole and cut to random
 * buffer sizes; JA4 equals the plain way's, and that of the same hello with
 * its ciphers and extensions sorted by qsort() first (JA4 hashes them
 * sorted).  The hellos are drawn from a pool of 64, so that most repeat
 * one seen before and come from the memo of hashes, and some evict. */
static void test_random_ja3_ja4(void)
{
	TEST("JA3 equals snprintf+MD5, JA4 plain SHA-256 and qsort, over 3000 hellos, repeats among them");
	static struct sl_tls_client_hello pool[64], sorted;
	unsigned seed = 3, bad3 = 0, bad4 = 0;
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++)
		rand_hello(&seed, &pool[i]);
	for (int i = 0; i < 3000; i++) {
		const struct sl_tls_client_hello *ch = &pool[(unsigned)rand_r(&seed) % ARRAY_SIZE(pool)];
		size_t cap = rand_r(&seed) % 3 ? 8192 : (size_t)rand_r(&seed) % 200;
		char text[8192], want[8192], md5[33], want_md5[33];
		sl_tls_ja3(ch, text, cap, md5);
		ref_ja3(ch, want, cap ? cap : 1, want_md5);
		bad3 += strcmp(md5, want_md5) != 0 || (cap && strcmp(text, want) != 0);
		sorted = *ch;
		qsort(sorted.ciphers, sorted.n_ciphers, 2, cmp_u16_ref);
		qsort(sorted.extensions, sorted.n_extensions, 2, cmp_u16_ref);
		char j1[SL_JA4_LEN], j2[SL_JA4_LEN], j3[SL_JA4_LEN];
		sl_tls_ja4(ch, 't', j1);
		sl_tls_ja4(&sorted, 't', j2);
		ref_ja4(ch, j3);
		bad4 += strcmp(j1, j2) != 0 || strcmp(j1, j3) != 0;
	}
	CHECK_EQ_INT(bad3, 0);
	CHECK_EQ_INT(bad4, 0);
}

int main(void)
{
	test_random_ja3_ja4();
	test_parse_fields();
	test_fingerprints_chrome();
	test_ja3_suricata_draft28();
	test_ja4_no_sigalgs();
	test_ja4_alpn_rules();
	test_ja4_counts_and_versions();
	test_truncations();
	test_stream_tls12();
	test_stream_records_and_order();
	test_stream_tls13();
	test_sslv2_and_garbage();
	test_overflow();
	test_cert_cache();
	return TEST_REPORT();
}
