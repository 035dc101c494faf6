/* Unit tests for the DTLS handshake parser (sensor/proto/dtls.c): the
 * HelloVerifyRequest exchange, cookie removal, JA3/JA4/JA3S, truncations.
 * Expected values were computed independently from the JA3 and JA4 texts:
 * JA3 "65277,49195-49199,0-16,," -> 5833d031b4053c78213b2a0339b324f2,
 * JA4 b = sha256("c02b,c02f")[:12] = b6f57f3be927, c = empty list ->
 * 000000000000, JA3S "65277,49195,65281" -> 475463012414e4f7120fa2ab37109e8f. */
#include <stdbool.h>
#include <stdlib.h>

#include "protohelp.h"
#include "testhelp.h"

struct b {
	uint8_t d[1024];
	size_t n;
};

static void u8(struct b *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void u16(struct b *b, unsigned v) { u8(b, v >> 8); u8(b, v & 0xff); }
static void u24(struct b *b, unsigned v) { u8(b, v >> 16); u16(b, v & 0xffff); }
static void raw(struct b *b, const void *p, size_t n) { if (n) memcpy(b->d + b->n, p, n); b->n += n; }

/* ClientHello body with a cookie, SNI media.example and ALPN webrtc. */
static void client_hello_body(struct b *m, const char *cookie)
{
	static const uint8_t zero[32];
	u16(m, 0xfefd);
	raw(m, zero, 32);
	u8(m, 0);                                   /* session id */
	u8(m, (unsigned)strlen(cookie));
	raw(m, cookie, strlen(cookie));
	u16(m, 4), u16(m, 0xc02b), u16(m, 0xc02f);  /* ciphers */
	u8(m, 1), u8(m, 0);                         /* compression */
	u16(m, 4 + 18 + 4 + 9);                     /* extensions */
	u16(m, 0), u16(m, 18), u16(m, 16), u8(m, 0), u16(m, 13), raw(m, "media.example", 13);
	u16(m, 16), u16(m, 9), u16(m, 7), u8(m, 6), raw(m, "webrtc", 6);
}

/* One DTLS record (epoch 0) holding one unfragmented handshake message. */
static void record(struct b *out, unsigned type, const struct b *body, unsigned seq)
{
	u8(out, 22), u16(out, 0xfefd), u16(out, 0), u16(out, 0), u16(out, 0), u16(out, seq);
	u16(out, (unsigned)(12 + body->n));
	u8(out, type), u24(out, (unsigned)body->n), u16(out, seq), u24(out, 0), u24(out, (unsigned)body->n);
	raw(out, body->d, body->n);
}

static void test_handshake(void)
{
	TEST("dtls: HelloVerifyRequest, second ClientHello with cookie, ServerHello");
	struct b ch1 = { 0 }, ch2 = { 0 }, hvr = { 0 }, sh = { 0 }, p = { 0 };
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 50000, "198.51.100.9", 3478);
	client_hello_body(&ch1, "");
	record(&p, 1, &ch1, 0);
	ph_feed(&h, SL_DIR_TOSERVER, p.d, p.n);
	u16(&hvr, 0xfefd), u8(&hvr, 4), raw(&hvr, "c00k", 4);
	p.n = 0, record(&p, 3, &hvr, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, p.d, p.n);
	client_hello_body(&ch2, "c00k");
	p.n = 0, record(&p, 1, &ch2, 1);
	ph_feed(&h, SL_DIR_TOSERVER, p.d, p.n);
	static const uint8_t zero[32];
	u16(&sh, 0xfefd), raw(&sh, zero, 32), u8(&sh, 0), u16(&sh, 0xc02b), u8(&sh, 0);
	u16(&sh, 5), u16(&sh, 0xff01), u16(&sh, 1), u8(&sh, 0);
	p.n = 0, record(&p, 2, &sh, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, p.d, p.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "dtls");
	CHECK_EQ_STR(ph_str(&h, "dtls.version"), "DTLS 1.2");
	CHECK_EQ_STR(ph_str(&h, "dtls.sni"), "media.example");
	CHECK_EQ_STR(ph_str(&h, "dtls.alpn"), "webrtc");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja3"), "5833d031b4053c78213b2a0339b324f2");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja4"), "dd2d0202wc_b6f57f3be927_000000000000");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja3s"), "475463012414e4f7120fa2ab37109e8f");
	CHECK_EQ_STR(ph_str(&h, "dtls.cipher"), "c02b");
	ph_finish(&h);
}

/* STUN binding request (tx id byte 0 = id) or its success response. */
static void stun_msg(struct b *out, bool response, unsigned id)
{
	out->n = 0;
	u16(out, response ? 0x0101 : 0x0001), u16(out, 0), u16(out, 0x2112), u16(out, 0xa442);
	for (int i = 0; i < 12; i++)
		u8(out, i ? (unsigned)i : id);
}

/* WebRTC (RFC 8842, RFC 7983): the flow's first datagram is an ICE check
 * from A; B is the DTLS client (a=setup:active) and its ClientHello comes
 * first, consent checks and SRTP arrive between the hellos. */
static void test_webrtc_multiplexed(void)
{
	TEST("dtls: WebRTC port pair: STUN and SRTP between the hellos, DTLS client is dest");
	struct b ch = { 0 }, sh = { 0 }, p = { 0 }, m = { 0 };
	struct ph h;
	static const uint8_t srtp[16] = { 0x80, 0x6f, 0x00, 0x01 };
	ph_init(&h, 17, "10.77.0.2", 43002, "198.51.100.41", 12400);
	stun_msg(&m, false, 1), ph_feed(&h, SL_DIR_TOSERVER, m.d, m.n);
	stun_msg(&m, true, 1), ph_feed(&h, SL_DIR_TOCLIENT, m.d, m.n);
	client_hello_body(&ch, "");
	record(&p, 1, &ch, 0);
	ph_feed(&h, SL_DIR_TOCLIENT, p.d, p.n);             /* B: ClientHello */
	stun_msg(&m, false, 2), ph_feed(&h, SL_DIR_TOSERVER, m.d, m.n);
	stun_msg(&m, true, 2), ph_feed(&h, SL_DIR_TOCLIENT, m.d, m.n);
	ph_feed(&h, SL_DIR_TOCLIENT, srtp, sizeof(srtp));
	static const uint8_t zero[32];
	u16(&sh, 0xfefd), raw(&sh, zero, 32), u8(&sh, 0), u16(&sh, 0xc02b), u8(&sh, 0);
	u16(&sh, 5), u16(&sh, 0xff01), u16(&sh, 1), u8(&sh, 0);
	p.n = 0, record(&p, 2, &sh, 0);
	ph_feed(&h, SL_DIR_TOSERVER, p.d, p.n);             /* A: ServerHello */
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "stun");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja3"), "5833d031b4053c78213b2a0339b324f2");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja4"), "dd2d0202wc_b6f57f3be927_000000000000");
	CHECK_EQ_STR(ph_str(&h, "dtls.ja3s"), "475463012414e4f7120fa2ab37109e8f");
	CHECK_EQ_INT(ph_get(&h, "dtls.client_is_dest")->b, 1);
	ph_finish(&h);
}

static void test_truncations_and_noise(void)
{
	TEST("dtls: every truncation of the first record, and non-DTLS bytes");
	struct b ch = { 0 }, p = { 0 };
	client_hello_body(&ch, "xyz");
	record(&p, 1, &ch, 0);
	for (size_t cut = 0; cut < p.n; cut++) {
		struct ph h;
		uint8_t *copy = cut ? malloc(cut) : NULL;
		if (cut)
			memcpy(copy, p.d, cut);
		ph_init(&h, 17, "10.0.0.2", 50001, "198.51.100.9", 443);
		ph_feed(&h, SL_DIR_TOSERVER, copy, cut);
		CHECK(ph_str(&h, "dtls.ja3") == NULL);
		ph_finish(&h);
		free(copy);
	}
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 50002, "198.51.100.9", 443);
	p.d[1] = 0x03, p.d[2] = 0x03; /* TLS version: not DTLS */
	ph_feed(&h, SL_DIR_TOSERVER, p.d, p.n);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_handshake();
	test_truncations_and_noise();
	test_webrtc_multiplexed();
	return TEST_REPORT();
}
