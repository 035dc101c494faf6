/* TLS handshakes that used to be missed (issue "Wire coverage", part 3):
 * the real ServerHello after a HelloRetryRequest and its dummy
 * ChangeCipherSpec, TLS 1.3 draft ServerHellos without session id and
 * compression, ALPN lists of any length, and a capture that starts at the
 * ServerHello.  Expected fingerprints are recomputed here from their texts
 * (JA3/JA3S: MD5 of the text; JA4: the JA4.md recipe). */
#include <stdlib.h>
#include <string.h>

#include "protohelp.h"
#include "sensor/proto/tls_hello.h"
#include "testhelp.h"
#include "tlsbuild.h"

extern const struct sl_proto sl_proto_tls;

#ifndef SL_TLS_ALPN_TEXT
#define SL_TLS_ALPN_TEXT 2048 /* lets this file build against code from before the constant */
#endif

static void digest_hex(const EVP_MD *md, const char *text, size_t keep, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(text, strlen(text), d, &n, md, NULL);
	for (size_t i = 0; i < keep && i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void md5_of(const char *text, char out[33])
{
	digest_hex(EVP_md5(), text, 16, out);
}

/* The first 12 hex digits of SHA-256 (JA4's b and c parts). */
static void sha12_of(const char *text, char out[13])
{
	digest_hex(EVP_sha256(), text, 6, out);
}

/* HelloRetryRequest (RFC 8446 §4.1.4): a ServerHello whose random is
 * SHA-256("HelloRetryRequest"), asking for secp256r1. */
static void hello_retry(struct buf *b)
{
	static const char *rnd = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";
	b->n = 0;
	put16(b, 0x0303);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(rnd + 2 * i, "%2x", &v);
		put8(b, v);
	}
	put8(b, 32);
	for (int i = 0; i < 32; i++)
		put8(b, 0xa0u + (unsigned)i); /* echo of the client's session id */
	put16(b, 0x1302);
	put8(b, 0);
	size_t at = open_len(b, 2);
	ext_bytes(b, 43, "0304");
	ext_bytes(b, 51, "0017");
	close_len(b, at, 2);
}

static void test_hello_retry(void)
{
	TEST("HelloRetryRequest + dummy ChangeCipherSpec: the real ServerHello is read");
	static struct buf cf, m, hs, p;
	char want[33];
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	client_flight(&cf, false, 16384);
	ph_feed(&h, SL_DIR_TOSERVER, cf.b, cf.n);
	/* HRR and the server's dummy CCS in one segment */
	hello_retry(&m);
	hs.n = p.n = 0;
	handshake(&hs, 2, m.b, m.n);
	records(&p, 22, hs.b, hs.n, 16384);
	records(&p, 20, (const uint8_t *)"\x01", 1, 16384);
	ph_feed(&h, SL_DIR_TOCLIENT, p.b, p.n);
	/* the client's dummy CCS, then its second ClientHello */
	p.n = 0;
	records(&p, 20, (const uint8_t *)"\x01", 1, 16384);
	putn(&p, cf.b, cf.n);
	ph_feed(&h, SL_DIR_TOSERVER, p.b, p.n);
	/* the real ServerHello, then encrypted records */
	server_hello(&m, 0x1302, 0x0304);
	hs.n = p.n = 0;
	handshake(&hs, 2, m.b, m.n);
	records(&p, 22, hs.b, hs.n, 16384);
	records(&p, 23, (const uint8_t *)"\xaa\xbb\xcc", 3, 16384);
	ph_feed(&h, SL_DIR_TOCLIENT, p.b, p.n);
	ph_feed(&h, SL_DIR_TOSERVER, "\x17\x03\x03\x00\x02\xaa\xbb", 7);
	md5_of("771,4866,43-51", want);
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.string"), "771,4866,43-51");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.hash"), want);
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.3");
	CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "1302");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3.hash"), "aa50c12a5dfa717d9d6ab34e97de79d5"); /* the first hello */
	CHECK(ph_get(&h, "tls.client_is_dest") == NULL);
	ph_finish(&h);
}

/* A ServerHello of TLS 1.3 draft 18 (draft-ietf-tls-tls13-18 §4.1.3):
 * version, random, cipher suite, extensions (key_share, then type 40). */
static void test_draft_server_hello(void)
{
	TEST("TLS 1.3 draft-18 ServerHello: no session id, no compression byte");
	static struct buf cf, m, hs, p;
	char want[33];
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	client_flight(&cf, false, 16384);
	ph_feed(&h, SL_DIR_TOSERVER, cf.b, cf.n);
	m.n = 0;
	put16(&m, 0x7f12);
	for (int i = 0; i < 32; i++)
		put8(&m, 0x40u + (unsigned)i);
	put16(&m, 0x1301);
	size_t at = open_len(&m, 2);
	ext_bytes(&m, 40, "001d0004aabbccdd");
	close_len(&m, at, 2);
	hs.n = p.n = 0;
	handshake(&hs, 2, m.b, m.n);
	records(&p, 22, hs.b, hs.n, 16384);
	ph_feed(&h, SL_DIR_TOCLIENT, p.b, p.n);
	md5_of("32530,4865,40", want);
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.3 draft 18");
	CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "1301");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.string"), "32530,4865,40");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.hash"), want);
	ph_finish(&h);
}

/* A TLS 1.3 ClientHello: two ciphers, SNI, ALPN names[0..n), one
 * signature algorithm, supported_versions 1.3. */
static void alpn_hello(struct buf *b, const char *const *names, size_t n)
{
	static const uint16_t ciphers[] = { 0x1301, 0x1302 }, sigs[] = { 0x0403 }, vers[] = { 0x0304 };
	static const uint8_t *raw[400];
	static size_t lens[400];
	for (size_t i = 0; i < n; i++) {
		raw[i] = (const uint8_t *)names[i];
		lens[i] = strlen(names[i]);
	}
	b->n = 0;
	hello_head(b, 0x0303, ciphers, ARRAY_SIZE(ciphers));
	size_t exts = open_len(b, 2);
	ext_sni(b, "a.example");
	ext_alpn_raw(b, raw, lens, n);
	ext_u16s(b, 13, sigs, 1, 2);
	size_t e = ext_open(b, 43);
	u16_list(b, vers, 1, 1);
	ext_close(b, e);
	close_len(b, exts, 2);
}

static void feed_hello(struct ph *h, const struct buf *ch)
{
	static struct buf hs, p;
	hs.n = p.n = 0;
	handshake(&hs, 1, ch->b, ch->n);
	records(&p, 22, hs.b, hs.n, 16384);
	ph_feed(h, SL_DIR_TOSERVER, p.b, p.n);
}

static void test_alpn_lists(void)
{
	TEST("ALPN: twelve names kept whole with JA3/JA4; a long first name; a cut is marked");
	static const char *twelve[] = { "h2", "http/1.1", "spdy/3.1", "h2-14", "h2-16", "h3",
		"h3-29", "webrtc", "c-webrtc", "stun.turn", "ftp", "imap" };
	static struct buf ch;
	static char long_name[102], names_buf[300][12];
	static const char *many[300];
	char ja3[33], b[13], c[13], ja4[64];
	struct ph h;

	alpn_hello(&ch, twelve, ARRAY_SIZE(twelve));
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	feed_hello(&h, &ch);
	CHECK_EQ_STR(ph_str(&h, "tls.alpn"),
		     "h2,http/1.1,spdy/3.1,h2-14,h2-16,h3,h3-29,webrtc,c-webrtc,stun.turn,ftp,imap");
	CHECK(ph_get(&h, "tls.alpn_truncated") == NULL);
	md5_of("771,4865-4866,0-16-13-43,,", ja3);
	sha12_of("1301,1302", b);
	sha12_of("000d,002b_0403", c);
	snprintf(ja4, sizeof(ja4), "t13d0204h2_%s_%s", b, c);
	CHECK_EQ_STR(ph_str(&h, "tls.ja3.hash"), ja3);
	CHECK_EQ_STR(ph_str(&h, "tls.ja4"), ja4);
	ph_finish(&h);

	/* JA4 reads the last character of the whole first name */
	memset(long_name, 'a', 100);
	long_name[100] = 'z';
	const char *one[] = { long_name };
	alpn_hello(&ch, one, 1);
	ph_init(&h, 6, "10.0.0.2", 40001, "198.51.100.1", 443);
	feed_hello(&h, &ch);
	snprintf(ja4, sizeof(ja4), "t13d0204az_%s_%s", b, c);
	CHECK_EQ_STR(ph_str(&h, "tls.ja4"), ja4);
	CHECK_EQ_STR(ph_str(&h, "tls.alpn"), long_name);
	ph_finish(&h);

	/* 300 names of 10 bytes: 3299 bytes joined, more than tls.alpn keeps */
	for (int i = 0; i < 300; i++) {
		snprintf(names_buf[i], sizeof(names_buf[i]), "proto-%04d", i);
		many[i] = names_buf[i];
	}
	alpn_hello(&ch, many, 300);
	ph_init(&h, 6, "10.0.0.2", 40002, "198.51.100.1", 443);
	feed_hello(&h, &ch);
	const char *kept = ph_str(&h, "tls.alpn");
	CHECK(kept && strlen(kept) < SL_TLS_ALPN_TEXT && strlen(kept) > SL_TLS_ALPN_TEXT - 12);
	CHECK(kept && strncmp(kept, "proto-0000,proto-0001,", 22) == 0);
	CHECK(kept && strlen(kept) % 11 == 10); /* whole names only */
	CHECK_EQ_INT(ph_get(&h, "tls.alpn_truncated")->b, 1);
	CHECK(ph_str(&h, "tls.ja3.hash") != NULL);
	snprintf(ja4, sizeof(ja4), "t13d0204p0_%s_%s", b, c);
	CHECK_EQ_STR(ph_str(&h, "tls.ja4"), ja4);
	ph_finish(&h);
}

/* The capture begins with the server's TLS 1.2 flight: the flow's first
 * packet (its "client" side) is the TLS server. */
static void test_starts_at_server_hello(void)
{
	TEST("capture starting at the ServerHello: roles from the messages, server facts kept");
	static struct buf sf;
	char sha1[41];
	struct ph h;
	uint64_t rtt = 0;
	tls12_flight(&sf, NULL, sha1);
	ph_init(&h, 6, "198.51.100.1", 443, "10.0.0.2", 40000);
	ph_feed(&h, SL_DIR_TOSERVER, sf.b, sf.n);
	h.now += 4000;
	ph_feed(&h, SL_DIR_TOCLIENT, "\x16\x03\x03\x00\x01\x10", 6); /* ClientKeyExchange */
	ph_feed(&h, SL_DIR_TOCLIENT, "\x14\x03\x03\x00\x01\x01", 6);
	CHECK_EQ_INT(h.flow.app_proto, sl_proto_index(&sl_proto_tls) + 1);
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.hash"), "5d79edf64e03689ff559a54e9d9487bc");
	CHECK_EQ_STR(ph_str(&h, "tls.cipher"), "c02f");
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.2");
	CHECK_EQ_STR(ph_str(&h, "tls.alpn_server"), "h2");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.sha1"), sha1);
	CHECK_EQ_INT(ph_get(&h, "tls.client_is_dest")->b, 1);
	CHECK(ph_str(&h, "tls.ja3.hash") == NULL);
	CHECK(sl_app_rtt(&h.flow, &rtt));
	CHECK_EQ_INT(rtt, 5000);
	ph_finish(&h);
}

int main(void)
{
	test_hello_retry();
	test_draft_server_hello();
	test_alpn_lists();
	test_starts_at_server_hello();
	return TEST_REPORT();
}
