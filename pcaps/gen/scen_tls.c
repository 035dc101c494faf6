/* Synthetic handshakes sightline used to miss (issue #18, "Wire coverage", parts 3 and 5),
 * built from the specifications: a TLS 1.3 draft-18 ServerHello (draft-ietf-tls-tls13-18
 * §4.1.3: no session id, no compression), a ClientHello offering twelve ALPN names (RFC 7301),
 * a TLS 1.2 session first seen at the server's ServerHello (RFC 5246 §7.3), and a WebRTC port
 * pair multiplexing STUN (RFC 5389), DTLS 1.2 (RFC 6347) and SRTP (RFC 3711) as RFC 7983
 * describes, whose DTLS client is the peer that answered the first ICE check. */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"

#include <errno.h>
#include <string.h>

/* A throwaway self-signed EC P-256 certificate, O=Example Corp, CN=portal.corp.example,
 * made once with `openssl req -x509 -newkey ec ... -set_serial 4242 -outform DER`
 * (SHA-1 e9926cb75b92c6bd7b72de44f2c70642ab1aabe8). */
static const uint8_t portal_cert[] = {
	0x30, 0x82, 0x01, 0xac, 0x30, 0x82, 0x01, 0x53, 0xa0, 0x03, 0x02, 0x01,
	0x02, 0x02, 0x02, 0x10, 0x92, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x35, 0x31, 0x15, 0x30, 0x13, 0x06,
	0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0c, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x20, 0x43, 0x6f, 0x72, 0x70, 0x31, 0x1c, 0x30, 0x1a, 0x06, 0x03,
	0x55, 0x04, 0x03, 0x0c, 0x13, 0x70, 0x6f, 0x72, 0x74, 0x61, 0x6c, 0x2e,
	0x63, 0x6f, 0x72, 0x70, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x32, 0x30, 0x37, 0x30, 0x33,
	0x31, 0x30, 0x31, 0x35, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x32, 0x30,
	0x34, 0x30, 0x33, 0x31, 0x30, 0x31, 0x35, 0x5a, 0x30, 0x35, 0x31, 0x15,
	0x30, 0x13, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0c, 0x45, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x20, 0x43, 0x6f, 0x72, 0x70, 0x31, 0x1c, 0x30,
	0x1a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x13, 0x70, 0x6f, 0x72, 0x74,
	0x61, 0x6c, 0x2e, 0x63, 0x6f, 0x72, 0x70, 0x2e, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b, 0x62, 0x5f, 0x63, 0x9e, 0xaf,
	0xd3, 0x48, 0xe1, 0x5d, 0x4f, 0x30, 0x7e, 0xfc, 0xb2, 0x75, 0x6e, 0xcd,
	0x3b, 0xaa, 0x91, 0x25, 0xb7, 0x8b, 0xa2, 0x68, 0x50, 0x56, 0xb2, 0xbf,
	0xd9, 0x4e, 0x2d, 0xc6, 0x9d, 0xa1, 0xde, 0x70, 0x24, 0x38, 0xb4, 0x67,
	0xf9, 0xc8, 0x7f, 0xda, 0xdd, 0xae, 0x63, 0xe6, 0x9d, 0xd0, 0xad, 0x09,
	0xe5, 0x99, 0xab, 0xf6, 0x22, 0x43, 0x6d, 0x93, 0xf5, 0x66, 0xa3, 0x53,
	0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16, 0x04,
	0x14, 0x64, 0x03, 0x50, 0xa2, 0xa0, 0x75, 0xac, 0xbf, 0x86, 0x79, 0xa7,
	0x33, 0x7e, 0x6a, 0x1f, 0xd6, 0x4f, 0x3c, 0xa7, 0x0c, 0x30, 0x1f, 0x06,
	0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x64, 0x03,
	0x50, 0xa2, 0xa0, 0x75, 0xac, 0xbf, 0x86, 0x79, 0xa7, 0x33, 0x7e, 0x6a,
	0x1f, 0xd6, 0x4f, 0x3c, 0xa7, 0x0c, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d,
	0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30,
	0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03,
	0x47, 0x00, 0x30, 0x44, 0x02, 0x20, 0x35, 0xa0, 0xa5, 0x6a, 0x9e, 0x8a,
	0x26, 0xcc, 0x44, 0x61, 0xfc, 0x14, 0xe0, 0xf8, 0x31, 0x74, 0xdd, 0x76,
	0x91, 0x03, 0x21, 0x1a, 0xca, 0x3e, 0x0b, 0x58, 0xbf, 0x1f, 0x5d, 0x42,
	0xdb, 0xb7, 0x02, 0x20, 0x26, 0x2b, 0x32, 0xd6, 0x66, 0x07, 0x7b, 0xe5,
	0x3e, 0x95, 0x7c, 0x20, 0xf5, 0xc3, 0x7c, 0x9b, 0xce, 0xfe, 0x18, 0x7c,
	0xe0, 0xcb, 0xe4, 0xdf, 0x93, 0x06, 0x7b, 0x54, 0xae, 0xd7, 0xff, 0x6b,
};

/* Writes a handshake message header (type, 24-bit length) at p; returns 4. */
static size_t hs_hdr(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(len >> 16);
	put16(p + 2, (uint16_t)len);
	return 4;
}

/* Wraps the handshake bytes hs[0..n) in one TLS record at out (version 0x0303). */
static size_t tls_hs_record(uint8_t *out, const uint8_t *hs, size_t n)
{
	out[0] = 22;
	put16(out + 1, 0x0303);
	put16(out + 3, (uint16_t)n);
	memcpy(out + 5, hs, n);
	return 5 + n;
}

/* A TLS 1.3 ClientHello offering only draft 18 (supported_versions 0x7f12), with
 * key_share under its draft code point 40 and SNI; one handshake record. */
static size_t draft_client_hello(uint8_t *out)
{
	uint8_t hs[256], *b = hs + 4;
	size_t n = 0;
	struct sl_rng r = { 0x18 };
	put16(b, 0x0303), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	b[n++] = 0;                                     /* session id */
	put16(b + n, 4), put16(b + n + 2, 0x1301), put16(b + n + 4, 0x1303), n += 6;
	b[n++] = 1, b[n++] = 0;                         /* null compression */
	size_t ext = n;
	n += 2;
	static const char sni[] = "draft.corp.example";
	put16(b + n, 0x0000), put16(b + n + 2, 5 + 18), put16(b + n + 4, 3 + 18);
	b[n + 6] = 0, put16(b + n + 7, 18), memcpy(b + n + 9, sni, 18), n += 9 + 18;
	put16(b + n, 0x002b), put16(b + n + 2, 3), b[n + 4] = 2, put16(b + n + 5, 0x7f12), n += 7;
	put16(b + n, 0x000a), put16(b + n + 2, 4), put16(b + n + 4, 2), put16(b + n + 6, 0x001d), n += 8;
	put16(b + n, 0x000d), put16(b + n + 2, 4), put16(b + n + 4, 2), put16(b + n + 6, 0x0403), n += 8;
	put16(b + n, 40), put16(b + n + 2, 38), put16(b + n + 4, 36), put16(b + n + 6, 0x001d);
	put16(b + n + 8, 32), sl_rng_fill(&r, b + n + 10, 32), n += 42;
	put16(b + ext, (uint16_t)(n - ext - 2));
	hs_hdr(hs, 1, n);
	return tls_hs_record(out, hs, 4 + n);
}

/* The draft-18 ServerHello: version 0x7f12, random, cipher suite 0x1301, extensions
 * (key_share 40 with the server's x25519 share); no session id, no compression. */
static size_t draft_server_hello(uint8_t *out)
{
	uint8_t hs[128], *b = hs + 4;
	size_t n = 0;
	struct sl_rng r = { 0x1812 };
	put16(b, 0x7f12), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	put16(b + n, 0x1301), n += 2;
	put16(b + n, 40), n += 2;                       /* extensions length */
	put16(b + n, 40), put16(b + n + 2, 36), put16(b + n + 4, 0x001d), put16(b + n + 6, 32);
	sl_rng_fill(&r, b + n + 8, 32), n += 40;
	hs_hdr(hs, 2, n);
	return tls_hs_record(out, hs, 4 + n);
}

/* A TLS 1.2 server's first flight: ServerHello (suite 0xc02f, renegotiation_info,
 * extended_master_secret, ALPN h2), Certificate (portal_cert), ServerHelloDone. */
static size_t server_flight(uint8_t *out)
{
	uint8_t hs[1024];
	size_t n = 0;
	struct sl_rng r = { 0x5e12 };
	size_t sh = n + 4;
	put16(hs + sh, 0x0303);
	sl_rng_fill(&r, hs + sh + 2, 32);
	hs[sh + 34] = 32;
	sl_rng_fill(&r, hs + sh + 35, 32);
	put16(hs + sh + 67, 0xc02f);
	hs[sh + 69] = 0;
	static const uint8_t exts[] = { 0x00, 0x12, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00,
	                                0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32 };
	memcpy(hs + sh + 70, exts, sizeof(exts));
	n += hs_hdr(hs + n, 2, 70 + sizeof(exts)) + 70 + sizeof(exts);
	size_t cl = sizeof(portal_cert);
	n += hs_hdr(hs + n, 11, 3 + 3 + cl);
	hs[n] = 0, put16(hs + n + 1, (uint16_t)(3 + cl));
	hs[n + 3] = 0, put16(hs + n + 4, (uint16_t)cl);
	memcpy(hs + n + 6, portal_cert, cl), n += 6 + cl;
	n += hs_hdr(hs + n, 14, 0);
	return tls_hs_record(out, hs, n);
}

/* A ClientHello offering TLS 1.3 and 1.2 with twelve ALPN names, SNI
 * alpn.corp.example, x25519 and one signature algorithm. */
static size_t alpn_client_hello(uint8_t *out)
{
	static const char *const names[] = { "h2", "http/1.1", "spdy/3.1", "h2-14", "h2-16", "h3",
	                                     "h3-29", "webrtc", "c-webrtc", "stun.turn", "ftp", "imap" };
	uint8_t hs[512], *b = hs + 4;
	size_t n = 0;
	struct sl_rng r = { 0xa1 };
	put16(b, 0x0303), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	b[n++] = 0;
	put16(b + n, 6), put16(b + n + 2, 0x1301), put16(b + n + 4, 0x1302), put16(b + n + 6, 0xc02f);
	n += 8;
	b[n++] = 1, b[n++] = 0;
	size_t ext = n;
	n += 2;
	static const char sni[] = "alpn.corp.example";
	put16(b + n, 0x0000), put16(b + n + 2, 5 + 17), put16(b + n + 4, 3 + 17);
	b[n + 6] = 0, put16(b + n + 7, 17), memcpy(b + n + 9, sni, 17), n += 9 + 17;
	size_t al = n;
	n += 6;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t k = strlen(names[i]);
		b[n++] = (uint8_t)k;
		memcpy(b + n, names[i], k), n += k;
	}
	put16(b + al, 0x0010), put16(b + al + 2, (uint16_t)(n - al - 4));
	put16(b + al + 4, (uint16_t)(n - al - 6));
	put16(b + n, 0x000a), put16(b + n + 2, 4), put16(b + n + 4, 2), put16(b + n + 6, 0x001d), n += 8;
	put16(b + n, 0x000d), put16(b + n + 2, 4), put16(b + n + 4, 2), put16(b + n + 6, 0x0403), n += 8;
	put16(b + n, 0x002b), put16(b + n + 2, 5), b[n + 4] = 4;
	put16(b + n + 5, 0x0304), put16(b + n + 7, 0x0303), n += 9;
	put16(b + ext, (uint16_t)(n - ext - 2));
	hs_hdr(hs, 1, n);
	return tls_hs_record(out, hs, 4 + n);
}

/* The client's second flight of a TLS 1.2 session: ClientKeyExchange (x25519),
 * ChangeCipherSpec, and its encrypted Finished (filler). */
static size_t client_second_flight(uint8_t *f)
{
	static const uint8_t cke[] = { 0x16, 0x03, 0x03, 0x00, 0x25, 0x10, 0x00, 0x00, 0x21, 0x20 };
	struct sl_rng r = { 0xcc };
	memcpy(f, cke, sizeof(cke));
	sl_rng_fill(&r, f + sizeof(cke), 32);
	memcpy(f + 42, "\x14\x03\x03\x00\x01\x01", 6);
	sl_scen_tls_record(f + 48, 45, 0x16, 0x46);
	return 93;
}

/* (1) TLS 1.3 draft 18; (2) twelve ALPN names; (3) a TLS 1.2 session whose first
 * packet is the server's ServerHello flight (the capture began after the ClientHello). */
int sl_scen_tls_missed(struct sl_pcapw *w, uint64_t t0)
{
	static uint8_t q[2048], s[2048], f[128], a1[300], a2[300], fin[51];
	struct sl_conv_cfg cfg;
	uint64_t t = t0;
	int rc;

	if (sl_scen_cfg(&cfg, "10.77.0.2", 44101, "198.51.100.130", 443, 5, 20))
		return -EINVAL;
	struct sl_conv_msg m1[] = { { q, draft_client_hello(q), s, draft_server_hello(s), 0, 200 } };
	rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, m1, 1, SL_CLOSE_FIN_CLIENT);
	t += SL_SEC;
	if (!rc)
		rc = sl_scen_cfg(&cfg, "10.77.0.2", 44102, "198.51.100.131", 443, 5, 20);
	struct sl_conv_msg m2[] = { { q, alpn_client_hello(q), s, sl_scen_server_hello(s), 0, 200 } };
	if (!rc)
		rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, m2, 1, SL_CLOSE_FIN_CLIENT);
	t += SL_SEC;
	if (!rc)
		rc = sl_scen_cfg(&cfg, "10.77.0.2", 44103, "198.51.100.132", 443, 5, 20);
	memcpy(fin, "\x14\x03\x03\x00\x01\x01", 6);
	sl_scen_tls_record(fin + 6, sizeof(fin) - 6, 0x16, 0x47);
	sl_scen_tls_record(a1, sizeof(a1), 0x17, 0xa1);
	sl_scen_tls_record(a2, sizeof(a2), 0x17, 0xa2);
	struct sl_conv_msg m3[] = {
		{ NULL, 0, s, server_flight(s), 0, 0 },
		{ f, client_second_flight(f), fin, sizeof(fin), 0, 300 },
		{ a1, sizeof(a1), a2, sizeof(a2), SL_SEC, 2000 },
	};
	if (!rc)
		rc = sl_scen_tcp(w, &cfg, &t, 0, m3, 3, SL_CLOSE_FIN_CLIENT);
	return rc;
}

/* ---- WebRTC: STUN, DTLS and SRTP on one port pair ---- */

/* One UDP datagram of the conversation cfg from the client (or server) side at t. */
static int udp_at(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, bool from_client, uint64_t t,
                  const uint8_t *p, size_t n)
{
	const struct sl_conv_side *me = from_client ? &cfg->client : &cfg->server;
	const struct sl_conv_side *peer = from_client ? &cfg->server : &cfg->client;
	struct sl_pb_ip ip = { .src = me->addr, .dst = peer->addr, .ttl = me->ttl, .df = me->df,
	                       .id = (uint16_t)(t / 1000) };
	struct sl_pb b;
	sl_pb_init(&b);
	int rc = sl_pb_append(&b, p, n);
	if (!rc)
		rc = sl_pb_udp(&b, &ip, me->port, peer->port);
	if (!rc)
		rc = sl_pb_ip(&b, &ip, 17);
	return rc ? rc : sl_scen_emit(w, &b, &cfg->link, from_client, t);
}

/* The next datagram of the path, 25 ms after the one before. */
static int next_datagram(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t,
                         bool from_client, const uint8_t *p, size_t n)
{
	*t += 25 * SL_MS;
	return udp_at(w, cfg, from_client, *t, p, n);
}

/* STUN Binding request (0x0001) or success response (0x0101, XOR-MAPPED-ADDRESS
 * 192.0.2.90:43010), transaction id bytes id, id+1, ... (RFC 5389 §6, §15.2). */
static size_t stun_msg(uint8_t *p, bool response, uint8_t id)
{
	put16(p, response ? 0x0101 : 0x0001);
	put16(p + 2, response ? 12 : 0);
	put32(p + 4, 0x2112A442u);
	for (int i = 0; i < 12; i++)
		p[8 + i] = (uint8_t)(id + i);
	if (!response)
		return 20;
	put16(p + 20, 0x0020), put16(p + 22, 8), put16(p + 24, 0x0001);
	put16(p + 26, (uint16_t)(43010 ^ 0x2112));
	put32(p + 28, 0xc000025au ^ 0x2112A442u);
	return 32;
}

/* A DTLS record header (RFC 6347 §4.1) at p for a body of n bytes; returns 13. */
static size_t dtls_rec(uint8_t *p, uint8_t type, uint16_t version, uint16_t epoch, uint16_t seq,
                       size_t n)
{
	p[0] = type;
	put16(p + 1, version);
	put16(p + 3, epoch);
	put32(p + 5, 0);
	put16(p + 9, seq);
	put16(p + 11, (uint16_t)n);
	return 13;
}

/* A DTLS handshake message (§4.2.2: type, length, message_seq, fragment offset 0,
 * fragment length = length) holding body[0..n), in its own epoch-0 record. */
static size_t dtls_hs(uint8_t *p, uint16_t rec_version, uint16_t rec_seq, uint8_t type,
                      uint16_t msg_seq, const uint8_t *body, size_t n)
{
	size_t h = dtls_rec(p, 22, rec_version, 0, rec_seq, 12 + n);
	hs_hdr(p + h, type, n);
	put16(p + h + 4, msg_seq);
	p[h + 6] = 0, put16(p + h + 7, 0);
	p[h + 9] = (uint8_t)(n >> 16), put16(p + h + 10, (uint16_t)n);
	if (n) /* an empty body (ServerHelloDone) may come as NULL */
		memcpy(p + h + 12, body, n);
	return h + 12 + n;
}

/* A WebRTC DTLS 1.2 ClientHello body: no SNI, twelve suites, extended master secret,
 * renegotiation_info, groups, point formats, session ticket, signature algorithms and
 * use_srtp (RFC 5764 §4.1.1) with four protection profiles. */
static size_t webrtc_client_hello(uint8_t *b)
{
	static const uint8_t suites[] = { 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x09,
	                                  0xc0, 0x13, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d,
	                                  0x00, 0x2f, 0x00, 0x35 };
	static const uint8_t exts[] = {
		0x00, 0x17, 0x00, 0x00,                                     /* extended_master_secret */
		0xff, 0x01, 0x00, 0x01, 0x00,                               /* renegotiation_info */
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* ec_point_formats */
		0x00, 0x23, 0x00, 0x00,                                     /* session_ticket */
		0x00, 0x0d, 0x00, 0x14, 0x00, 0x12, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
		0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01, 0x02, 0x01,
		0x00, 0x0e, 0x00, 0x0b, 0x00, 0x08, 0x00, 0x07, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02, 0x00,
	};
	struct sl_rng r = { 0xd715 };
	size_t n = 0;
	put16(b, 0xfefd), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	b[n++] = 0;                                     /* session id */
	b[n++] = 0;                                     /* cookie */
	put16(b + n, sizeof(suites)), n += 2;
	memcpy(b + n, suites, sizeof(suites)), n += sizeof(suites);
	b[n++] = 1, b[n++] = 0;
	put16(b + n, sizeof(exts)), n += 2;
	memcpy(b + n, exts, sizeof(exts));
	return n + sizeof(exts);
}

/* The answering ServerHello body: suite 0xc02b, renegotiation_info, extended master
 * secret, point formats, use_srtp with profile 0x0007. */
static size_t webrtc_server_hello(uint8_t *b)
{
	static const uint8_t exts[] = { 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00,
	                                0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
	                                0x00, 0x0e, 0x00, 0x05, 0x00, 0x02, 0x00, 0x07, 0x00 };
	struct sl_rng r = { 0xd716 };
	size_t n = 0;
	put16(b, 0xfefd), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	b[n++] = 0;
	put16(b + n, 0xc02b), n += 2;
	b[n++] = 0;
	put16(b + n, sizeof(exts)), n += 2;
	memcpy(b + n, exts, sizeof(exts));
	return n + sizeof(exts);
}

/* SRTP (RFC 3711): RTP header version 2, payload type 111, then filler. */
static size_t srtp(uint8_t *p, uint16_t seq, uint32_t ssrc)
{
	struct sl_rng r = { ssrc + seq };
	p[0] = 0x80, p[1] = 0x6f;
	put16(p + 2, seq);
	put32(p + 4, (uint32_t)seq * 960u);
	put32(p + 8, ssrc);
	sl_rng_fill(&r, p + 12, 148);
	return 160;
}

/* A peer-to-peer WebRTC media path 10.77.0.2:43010 <-> 198.51.100.42:12401: ICE checks
 * both ways, then the answering peer (B, the flow's server side) opens DTLS as client
 * (a=setup:active), a consent check between the hellos, the rest of the handshake, and
 * SRTP both ways. */
int sl_scen_webrtc_dtls(struct sl_pcapw *w, uint64_t t0)
{
	uint8_t p[1200], body[512];
	struct sl_conv_cfg cfg;
	uint64_t t = t0;
	int rc = sl_scen_cfg(&cfg, "10.77.0.2", 43010, "198.51.100.42", 12401, 5, 20);
	rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, stun_msg(p, false, 0x50));
	rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, stun_msg(p, true, 0x50));
	rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, stun_msg(p, false, 0x60));
	rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, stun_msg(p, true, 0x60));
	rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, dtls_hs(p, 0xfeff, 0, 1, 0, body, webrtc_client_hello(body)));
	rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, stun_msg(p, false, 0x70));
	rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, stun_msg(p, true, 0x70));
	size_t n = dtls_hs(p, 0xfefd, 0, 2, 0, body, webrtc_server_hello(body));
	n += dtls_hs(p + n, 0xfefd, 1, 14, 1, NULL, 0);
	rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, n);
	struct sl_rng r = { 0xf1 };
	uint8_t cke[33] = { 32 };
	sl_rng_fill(&r, cke + 1, 32);
	n = dtls_hs(p, 0xfefd, 1, 16, 1, cke, sizeof(cke));
	n += dtls_rec(p + n, 20, 0xfefd, 0, 2, 1), p[n++] = 1;
	n += dtls_rec(p + n, 22, 0xfefd, 1, 0, 40), sl_rng_fill(&r, p + n, 40), n += 40;
	rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, n);
	n = dtls_rec(p, 20, 0xfefd, 0, 2, 1), p[n++] = 1;
	n += dtls_rec(p + n, 22, 0xfefd, 1, 0, 40), sl_rng_fill(&r, p + n, 40), n += 40;
	rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, n);
	for (uint16_t i = 0; i < 4; i++) {
		rc = rc ? rc : next_datagram(w, &cfg, &t, true, p, srtp(p, (uint16_t)(100 + i), 0x1234abcd));
		rc = rc ? rc : next_datagram(w, &cfg, &t, false, p, srtp(p, (uint16_t)(700 + i), 0x9876fedc));
	}
	return rc;
}
