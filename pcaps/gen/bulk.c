/* sl-pcapgen bulk: long, realistic sessions for the benchmark's mixed capture, so its
 * packets per flow look like real traffic rather than the scenarios' handful: TLS 1.3
 * (RFC 8446) browsing and downloads, QUIC v1 (RFC 9000/9001) with the RFC 9001 A.2 client
 * Initial, SSH (RFC 4253 banners, KEXINIT, then encrypted packets), DNS (RFC 1035) lookups
 * and plain HTTP/1.1 (RFC 9112) downloads. Sizes, delays and think times follow a seed. */
#include "bulk.h"

#include "bulk_priv.h"
#include "bytes.h"
#include "rng.h"
#include "scenarios.h"
#include "wr.h"
/* RFC 9001 Appendix A.2: a real, decryptable QUIC v1 client Initial (SNI example.com). */
#include "../../tests/unit/quic_vectors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_LEN 1400u             /* application-data record, header included */
#define BURST_MAX 4u              /* records (TLS) or segments (HTTP) per burst */
#define SEG_LEN 1448u             /* payload of a full segment: MSS 1460 less timestamps */
#define QUIC_LEN 1200u            /* short-header datagram of a busy QUIC connection */
#define DEFAULT_SESSIONS 200u
#define MAX_SESSIONS 300u        /* keeps one file under SL_PCAPW_MAX_BYTES (64 MiB in memory) */

/* One letter per session, cycled: TLS, DNS, QUIC, SSH, HTTP, in roughly real shares. */
static const char kinds[] = "TTDTQTDSTDQTHTDQTDST";

static const char *const tls_names[] = {
	"www.example.com", "cdn.example.net", "api.example.org", "static.example.com",
	"mail.example.com", "video.example.net", "docs.example.org", "updates.example.com",
};

static uint32_t pick(struct bulk *b, uint32_t lo, uint32_t hi)
{
	return sl_bulk_pick(b, lo, hi);
}

/* ---- TLS 1.3 ---- */

/* The extension block of a browser-like ClientHello (RFC 8446 §4.2; server_name RFC 6066,
 * ALPN RFC 7301, padding RFC 7685 up to a 512-byte handshake as common browsers do). */
static void hello_extensions(struct wr *w, struct sl_rng *r, const char *sni)
{
	static const uint8_t fixed[] = {
		0x00, 0x17, 0x00, 0x00,                         /* extended_master_secret */
		0xff, 0x01, 0x00, 0x01, 0x00,                   /* renegotiation_info */
		0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19,
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,             /* ec_point_formats */
		0x00, 0x23, 0x00, 0x00,                         /* session_ticket */
		0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',
		0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',   /* ALPN h2, http/1.1 */
		0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, /* status_request */
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
		0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01, /* signature_algorithms */
		0x00, 0x12, 0x00, 0x00,                         /* signed_certificate_timestamp */
		0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,             /* psk_key_exchange_modes */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, /* supported_versions */
		0x00, 0x1b, 0x00, 0x03, 0x02, 0x00, 0x02,       /* compress_certificate brotli */
	};
	size_t n = strlen(sni);

	w16(w, 0x0000);                                 /* server_name */
	w16(w, (uint16_t)(n + 5));
	w16(w, (uint16_t)(n + 3));
	w8(w, 0);
	w16(w, (uint16_t)n);
	w_bytes(w, sni, n);
	w_bytes(w, fixed, sizeof(fixed));
	w16(w, 0x0033);                                 /* key_share: x25519 */
	w16(w, 38);
	w16(w, 36);
	w16(w, 0x001d);
	w16(w, 32);
	w_rand(w, r, 32);
}

/* A TLS 1.3 ClientHello record naming `sni`: 15 suites, 32-byte session id, the
 * extensions above and a padding extension bringing the handshake to 512 bytes. */
static size_t client_hello(uint8_t *out, size_t cap, struct sl_rng *r, const char *sni)
{
	static const uint8_t suites[] = {
		0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30,
		0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f,
		0x00, 0x35,
	};
	struct wr w = { out, 0, cap, false };

	w_bytes(&w, "\x16\x03\x01", 3);
	size_t rec = w_open(&w, 2);
	w8(&w, 1);
	size_t hs = w_open(&w, 3);
	w16(&w, 0x0303);
	w_rand(&w, r, 32);                              /* random */
	w8(&w, 32);
	w_rand(&w, r, 32);                              /* legacy_session_id */
	w16(&w, sizeof(suites));
	w_bytes(&w, suites, sizeof(suites));
	w_bytes(&w, "\x01\x00", 2);
	size_t ext = w_open(&w, 2);
	hello_extensions(&w, r, sni);
	size_t body = w.n - hs - 3;
	if (body + 4 < 512 - 4) {                       /* padding extension (21) */
		size_t pad = 512 - 4 - 4 - body;
		w16(&w, 0x0015);
		w16(&w, (uint16_t)pad);
		for (size_t i = 0; i < pad; i++)
			w8(&w, 0);
	}
	w_close(&w, ext, 2);
	w_close(&w, hs, 3);
	w_close(&w, rec, 2);
	return w.bad ? 0 : w.n;
}

/* The server's first flight: a TLS 1.3 ServerHello (supported_versions 0x0304, x25519
 * key share) echoing the client's session id, ChangeCipherSpec, then the encrypted
 * EncryptedExtensions..Certificate record and the CertificateVerify+Finished record. */
static size_t server_flight(uint8_t *out, size_t cap, struct sl_rng *r, const uint8_t *hello,
                            uint32_t cert_len)
{
	struct wr w = { out, 0, cap, false };

	w_bytes(&w, "\x16\x03\x03", 3);
	size_t rec = w_open(&w, 2);
	w8(&w, 2);
	size_t hs = w_open(&w, 3);
	w16(&w, 0x0303);
	w_rand(&w, r, 32);
	w8(&w, 32);
	w_bytes(&w, hello + 5 + 4 + 2 + 32 + 1, 32);    /* legacy_session_id_echo */
	w_bytes(&w, "\x13\x01\x00", 3);                 /* TLS_AES_128_GCM_SHA256, null */
	w_bytes(&w, "\x00\x2e\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x24\x00\x1d\x00\x20", 16);
	w_rand(&w, r, 32);
	w_close(&w, hs, 3);
	w_close(&w, rec, 2);
	w_bytes(&w, "\x14\x03\x03\x00\x01\x01", 6);
	size_t n = w.n;
	if (w.bad || n + cert_len + 286 > cap)
		return 0;
	sl_scen_tls_record(out + n, cert_len, 0x17, sl_rng_next(r));
	sl_scen_tls_record(out + n + cert_len, 286, 0x17, sl_rng_next(r));
	return n + cert_len + 286;
}

/* `records` application-data records in bursts of 2..4, each burst answered with an ACK;
 * about one burst in eight goes the other way (an upload within the session). */
static int tls_data(struct bulk *b, struct sl_conv *c, uint32_t records, bool upload)
{
	uint8_t burst[BURST_MAX * REC_LEN];

	while (records) {
		uint32_t k = pick(b, 2, BURST_MAX);
		k = k < records ? k : records;
		for (uint32_t i = 0; i < k; i++)
			sl_scen_tls_record(burst + i * REC_LEN, REC_LEN, 0x17, sl_rng_next(&b->rng));
		bool up = upload || pick(b, 0, 7) == 0;
		struct sl_conv_msg m = { up ? burst : NULL, up ? k * REC_LEN : 0,
		                         up ? NULL : burst, up ? 0 : k * REC_LEN, 0, pick(b, 0, 300) };
		int rc = sl_conv_tcp_exchange(c, &m);
		if (rc)
			return rc;
		records -= k;
	}
	return 0;
}

/* Records of one transaction: mostly small pages, one in eight a large download; a
 * visit's are few. */
static uint32_t tls_size(struct bulk *b)
{
	if (b->brief)
		return pick(b, 1, 8);
	return pick(b, 0, 7) ? pick(b, 4, 50) : pick(b, 150, 500);
}

/* Handshake, TLS 1.3 hellos, the client's second flight with its first request, then one
 * to three request/response transactions (one or two in a visit) with think time between,
 * client FIN. */
static int tls_session(struct bulk *b, struct sl_conv *c, const char *sni)
{
	uint8_t hello[600], flight[6000], second[6 + 58 + 700], req[700];
	size_t hn = client_hello(hello, sizeof(hello), &b->rng, sni);
	size_t fn = hn ? server_flight(flight, sizeof(flight), &b->rng, hello, pick(b, 2500, 4800)) : 0;
	uint32_t qn = pick(b, 120, 600);

	if (!fn)
		return -EINVAL;
	memcpy(second, "\x14\x03\x03\x00\x01\x01", 6);
	sl_scen_tls_record(second + 6, 58, 0x17, sl_rng_next(&b->rng));
	sl_scen_tls_record(second + 64, qn, 0x17, sl_rng_next(&b->rng));
	struct sl_conv_msg m[2] = {
		{ hello, hn, flight, fn, 0, pick(b, 300, 3000) },
		{ second, 64 + qn, NULL, 0, 0, 0 },
	};
	int rc = sl_conv_tcp_handshake(c);
	for (size_t i = 0; i < 2 && !rc; i++)
		rc = sl_conv_tcp_exchange(c, &m[i]);
	bool upload = pick(b, 0, 9) == 0;
	rc = rc ? rc : tls_data(b, c, tls_size(b), upload);
	for (uint32_t n = pick(b, 0, b->brief ? 1 : 2); n && !rc; n--) {
		qn = pick(b, 120, 600);
		sl_scen_tls_record(req, qn, 0x17, sl_rng_next(&b->rng));
		struct sl_conv_msg q = { req, qn, NULL, 0, pick(b, 50, 2000) * SL_MS, 0 };
		rc = sl_conv_tcp_exchange(c, &q);
		rc = rc ? rc : tls_data(b, c, tls_size(b), false);
	}
	return rc ? rc : sl_conv_tcp_close(c, SL_CLOSE_FIN_CLIENT);
}

/* ---- SSH ---- */

/* An SSH binary packet (RFC 4253 §6) around payload[0..n): length, padding length,
 * payload, 4..11 bytes of random padding to a multiple of 8. */
static void ssh_packet(struct wr *w, struct sl_rng *r, const uint8_t *payload, size_t n)
{
	size_t pad = 8 - (4 + 1 + n) % 8;
	pad += pad < 4 ? 8 : 0;
	uint8_t len[4];
	put32(len, (uint32_t)(1 + n + pad));
	w_bytes(w, len, 4);
	w8(w, (uint8_t)pad);
	w_bytes(w, payload, n);
	w_rand(w, r, pad);
}

static void name_list(struct wr *w, const char *s)
{
	uint8_t len[4];
	put32(len, (uint32_t)strlen(s));
	w_bytes(w, len, 4);
	w_bytes(w, s, strlen(s));
}

/* An OpenSSH-like SSH_MSG_KEXINIT (RFC 4253 §7.1) of the client or the server. */
static size_t kexinit(uint8_t *out, size_t cap, struct sl_rng *r, bool server)
{
	static const char enc[] = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
	                          "aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
	static const char mac[] = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
	                          "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	                          "hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	                          "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
	static const char kex[] = "curve25519-sha256,curve25519-sha256@libssh.org,"
	                          "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	                          "diffie-hellman-group-exchange-sha256,"
	                          "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	                          "diffie-hellman-group14-sha256";
	uint8_t body[1200];
	struct wr p = { body, 0, sizeof(body), false };
	struct wr w = { out, 0, cap, false };
	char kx[400];

	snprintf(kx, sizeof(kx), "%s,%s", kex, server ? "kex-strict-s-v00@openssh.com"
	                                              : "ext-info-c,kex-strict-c-v00@openssh.com");
	w8(&p, 20);
	w_rand(&p, r, 16);                              /* cookie */
	name_list(&p, kx);
	name_list(&p, server ? "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519"
	                     : "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
	for (int i = 0; i < 2; i++)
		name_list(&p, enc);
	for (int i = 0; i < 2; i++)
		name_list(&p, mac);
	for (int i = 0; i < 2; i++)
		name_list(&p, "none,zlib@openssh.com");
	name_list(&p, "");
	name_list(&p, "");
	w_bytes(&p, "\0\0\0\0\0", 5);                   /* first_kex_packet_follows, reserved */
	if (p.bad)
		return 0;
	ssh_packet(&w, r, body, p.n);
	return w.bad ? 0 : w.n;
}

/* An SSH packet of message `type` with n - 1 random payload bytes after it (NEWKEYS is
 * type 21, n 1), or with type 0 an encrypted packet of n random bytes, length field and
 * MAC included. */
static size_t ssh_opaque(uint8_t *out, size_t cap, struct sl_rng *r, uint8_t type, size_t n)
{
	struct wr w = { out, 0, cap, false };
	uint8_t body[64];

	if (!type) {
		w_rand(&w, r, n);
		return w.bad ? 0 : w.n;
	}
	if (n == 0 || n > sizeof(body))
		return 0;
	body[0] = type;
	sl_rng_fill(r, body + 1, n - 1);
	ssh_packet(&w, r, body, n);
	return w.bad ? 0 : w.n;
}

/* An SSH string (RFC 4251 §5) of n bytes: `text` when given, else random. */
static void ssh_string(struct wr *w, struct sl_rng *r, const char *text, size_t n)
{
	uint8_t len[4];
	put32(len, (uint32_t)n);
	w_bytes(w, len, 4);
	if (text)
		w_bytes(w, text, n);
	else
		w_rand(w, r, n);
}

/* The curve25519 exchange (RFC 5656 §4, RFC 8731): the client's SSH_MSG_KEX_ECDH_INIT
 * with its public key, or the server's SSH_MSG_KEX_ECDH_REPLY with an ssh-ed25519 host
 * key (RFC 8709), its public key and signature. */
static size_t ssh_ecdh(uint8_t *out, size_t cap, struct sl_rng *r, bool server)
{
	uint8_t body[256];
	struct wr p = { body, 0, sizeof(body), false };
	struct wr w = { out, 0, cap, false };

	w8(&p, server ? 31 : 30);
	if (server) {
		w_bytes(&p, "\0\0\0\x33", 4);                /* K_S: the host key blob */
		ssh_string(&p, r, "ssh-ed25519", 11);
		ssh_string(&p, r, NULL, 32);
	}
	ssh_string(&p, r, NULL, 32);                    /* Q_C or Q_S */
	if (server) {
		w_bytes(&p, "\0\0\0\x53", 4);                /* the exchange hash signature */
		ssh_string(&p, r, "ssh-ed25519", 11);
		ssh_string(&p, r, NULL, 64);
	}
	if (p.bad)
		return 0;
	ssh_packet(&w, r, body, p.n);
	return w.bad ? 0 : w.n;
}

/* Banners, KEXINITs, curve25519 exchange and NEWKEYS, then an interactive shell (small
 * keystroke echoes, think time between) or a file copy (bulk upload), client FIN; a
 * visit runs a dozen commands at most. */
static int ssh_session(struct bulk *b, struct sl_conv *c)
{
	static const char cb[] = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n";
	static const char sb[] = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n";
	uint8_t ck[1200], sk[1200], ci[64], sr[320], nk[128], sn[64], x[BURST_MAX * REC_LEN];
	struct sl_rng *r = &b->rng;
	size_t ckn = kexinit(ck, sizeof(ck), r, false), skn = kexinit(sk, sizeof(sk), r, true);
	size_t cin = ssh_ecdh(ci, sizeof(ci), r, false);
	size_t srn = ssh_ecdh(sr, sizeof(sr), r, true);
	size_t nkn = ssh_opaque(nk, sizeof(nk), r, 21, 1);
	size_t snn = ssh_opaque(sn, sizeof(sn), r, 21, 1);

	if (!ckn || !skn || !cin || !srn || !nkn || !snn)
		return -EINVAL;
	memcpy(sr + srn, sn, snn);
	nkn += ssh_opaque(nk + nkn, sizeof(nk) - nkn, r, 0, 60);
	size_t xn = ssh_opaque(x, sizeof(x), r, 0, 60);
	const struct sl_conv_msg m[] = {
		{ cb, sizeof(cb) - 1, sb, sizeof(sb) - 1, 0, 2000 },
		{ ck, ckn, sk, skn, 0, 500 },
		{ ci, cin, sr, srn + snn, 0, 3000 },
		{ nk, nkn, x, xn, 0, 200 },
	};
	int rc = sl_conv_tcp_handshake(c);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]) && !rc; i++)
		rc = sl_conv_tcp_exchange(c, &m[i]);
	bool copy = pick(b, 0, 3) == 0;
	uint32_t n = b->brief ? pick(b, 1, 12) : copy ? pick(b, 30, 150) : pick(b, 20, 200);
	for (; n && !rc; n--) {
		uint8_t key[64];
		size_t kn = ssh_opaque(key, sizeof(key), r, 0, 36);
		xn = ssh_opaque(x, sizeof(x), r, 0, copy ? BURST_MAX * REC_LEN : pick(b, 36, 600));
		struct sl_conv_msg k = copy ? (struct sl_conv_msg){ x, xn, NULL, 0, 0, 0 }
		                            : (struct sl_conv_msg){ key, kn, x, xn, pick(b, 80, 900) * SL_MS, 300 };
		rc = sl_conv_tcp_exchange(c, &k);
	}
	return rc ? rc : sl_conv_tcp_close(c, SL_CLOSE_FIN_CLIENT);
}

/* ---- HTTP ---- */

/* A GET of a file (up to 13 kB in a visit) answered 200 with Content-Length, the body in
 * bursts of 2..4 full segments each acknowledged, client FIN. */
static int http_session(struct bulk *b, struct sl_conv *c, unsigned i)
{
	uint8_t buf[700 + BURST_MAX * SEG_LEN];
	char req[400];
	uint32_t body = (b->brief ? pick(b, 0, 12) : pick(b, 100, 600)) * 1000;
	body += pick(b, 0, 999);
	int qn = snprintf(req, sizeof(req),
	                  "GET /files/pkg-%u.tar.gz HTTP/1.1\r\nHost: downloads.example.net\r\n"
	                  "User-Agent: Wget/1.21.4\r\nAccept: */*\r\nAccept-Encoding: identity\r\n"
	                  "Connection: Keep-Alive\r\n\r\n", i);
	int hn = snprintf((char *)buf, 700,
	                  "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/gzip\r\n"
	                  "Content-Length: %u\r\nAccept-Ranges: bytes\r\n\r\n", body);
	uint32_t k = SEG_LEN * pick(b, 2, BURST_MAX) - (uint32_t)hn;
	k = k < body ? k : body;
	sl_rng_fill(&b->rng, buf + hn, k);
	struct sl_conv_msg m = { req, (size_t)qn, buf, hn + k, 0, pick(b, 1000, 20000) };
	int rc = sl_conv_tcp_handshake(c);
	rc = rc ? rc : sl_conv_tcp_exchange(c, &m);
	for (body -= k; body && !rc; body -= k) {
		k = SEG_LEN * pick(b, 2, BURST_MAX);
		k = k < body ? k : body;
		sl_rng_fill(&b->rng, buf, k);
		m = (struct sl_conv_msg){ NULL, 0, buf, k, 0, pick(b, 0, 200) };
		rc = sl_conv_tcp_exchange(c, &m);
	}
	return rc ? rc : sl_conv_tcp_close(c, SL_CLOSE_FIN_CLIENT);
}

/* ---- UDP: QUIC and DNS ---- */

/* Both directions of a UDP flow built by hand (QUIC bursts are not request/answer). */
struct udp_flow {
	struct sl_pb_ip ip[2];        /* [0] client to server, [1] back */
	uint16_t port[2];
	struct sl_pb_link link;
};

static void udp_flow_init(struct udp_flow *f, const struct sl_conv_cfg *cfg)
{
	memset(f, 0, sizeof(*f));
	f->ip[0] = (struct sl_pb_ip){ .src = cfg->client.addr, .dst = cfg->server.addr,
	                              .ttl = cfg->client.ttl, .df = true, .id = cfg->client.ip_id };
	f->ip[1] = (struct sl_pb_ip){ .src = cfg->server.addr, .dst = cfg->client.addr,
	                              .ttl = cfg->server.ttl, .df = true, .id = cfg->server.ip_id };
	f->port[0] = cfg->client.port;
	f->port[1] = cfg->server.port;
	f->link = cfg->link;
}

static int udp_send(struct bulk *b, struct udp_flow *f, int side, const uint8_t *p, size_t n,
                    uint64_t t)
{
	sl_pb_init(&b->pb);
	int rc = sl_pb_append(&b->pb, p, n);
	rc = rc ? rc : sl_pb_udp(&b->pb, &f->ip[side], f->port[side], f->port[!side]);
	rc = rc ? rc : sl_pb_ip(&b->pb, &f->ip[side], 17);
	f->ip[side].id++;
	return rc ? rc : sl_scen_emit(b->w, &b->pb, &f->link, side == 0, t);
}

static size_t hex_bytes(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < cap; hex += 2) {
		unsigned v = 0;
		for (int i = 0; i < 2; i++) {
			char ch = hex[i];
			v = v << 4 | (unsigned)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
		}
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* A QUIC datagram of n bytes with first byte `first`: a long header (version 1) when its
 * top bit is set, else a short (1-RTT) one. The client's connection ID is empty (as in the
 * RFC 9001 Initial), the server's is 8 bytes, so only packets to the server carry a DCID.
 * The rest is random, as protected packets look. */
static void quic_datagram(uint8_t *p, size_t n, struct sl_rng *r, uint8_t first, bool to_server)
{
	sl_rng_fill(r, p, n);
	p[0] = first;
	if (first & 0x80) {
		put32(p + 1, 1);
		p[5] = to_server ? 8 : 0;               /* DCID length, DCID, SCID length, SCID */
		memset(p + 6, 0x5c, 8);
		p[to_server ? 14 : 6] = to_server ? 0 : 8;
		size_t at = 15;
		if ((first & 0x30) == 0)                /* Initial: empty token */
			p[at++] = 0;
		put16(p + at, (uint16_t)(0x4000 | (n - at - 2))); /* Length, 2-byte varint */
	} else if (to_server) {
		memset(p + 1, 0x5c, 8);
	}
}

/* The RFC 9001 Initial, the server's Initial+Handshake datagrams, the client's
 * handshake completion, then server bursts of 2..6 full datagrams each answered by
 * a short client ACK datagram one client round trip later (20..400 datagrams; 2..16 in a
 * visit). */
static int quic_session(struct bulk *b, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	uint8_t p[QUIC_LEN];
	struct udp_flow f;
	uint64_t srtt = 2ull * cfg->server_delay_us, crtt = 2ull * cfg->client_delay_us + 200;
	int rc;

	udp_flow_init(&f, cfg);
	if (hex_bytes(p, sizeof(p), rfc9001_packet_hex) != QUIC_LEN)
		return -EINVAL;
	rc = udp_send(b, &f, 0, p, QUIC_LEN, *t);
	*t += srtt + 1000;
	for (int i = 0; i < 2 && !rc; i++, *t += 60) {
		quic_datagram(p, QUIC_LEN, &b->rng, i ? 0xe1 : 0xc1, false);
		rc = udp_send(b, &f, 1, p, QUIC_LEN, *t);
	}
	*t += crtt;
	quic_datagram(p, QUIC_LEN, &b->rng, 0xe1, true);
	rc = rc ? rc : udp_send(b, &f, 0, p, QUIC_LEN, *t);
	for (uint32_t n = b->brief ? pick(b, 2, 16) : pick(b, 20, 400); n && !rc;) {
		uint32_t k = pick(b, 2, 6);
		k = k < n ? k : n;
		*t += srtt + pick(b, 0, 500);
		for (uint32_t i = 0; i < k && !rc; i++, *t += 40) {
			quic_datagram(p, QUIC_LEN, &b->rng, (uint8_t)(0x40 | (n & 3)), false);
			rc = udp_send(b, &f, 1, p, QUIC_LEN, *t);
		}
		*t += crtt;
		quic_datagram(p, QUIC_LEN, &b->rng, 0x41, true);
		rc = rc ? rc : udp_send(b, &f, 0, p, pick(b, 40, 60), *t);
		n -= k;
	}
	return rc;
}

/* One A lookup answered by the resolver a server round trip later. */
static int dns_session(struct bulk *b, const struct sl_conv_cfg *cfg, uint64_t *t, unsigned i)
{
	static const char *const extra[] = { "time.example.org", "login.example.com",
	                                     "telemetry.example.net", "ntp.example.com" };
	size_t nt = sizeof(tls_names) / sizeof(tls_names[0]);
	const char *name = i % 3 ? tls_names[i % nt] : extra[i % 4];
	uint8_t addr[4] = { 192, 0, 2, (uint8_t)(100 + i % 8) }, q[128], r[160];
	uint16_t id = (uint16_t)sl_rng_next(&b->rng);
	size_t qn = sl_scen_dns(q, sizeof(q), id, name, NULL);
	size_t rn = sl_scen_dns(r, sizeof(r), id, name, addr);

	if (!qn || !rn)
		return -EINVAL;
	struct sl_conv_msg m = { q, qn, r, rn, 0, pick(b, 200, 30000) };
	return sl_scen_udp(b->w, cfg, t, &m, 1);
}

/* ---- sessions ---- */

/* Session f's settings: the client one switch away, the server 2..60 ms away. */
static int session_cfg(struct bulk *b, struct sl_conv_cfg *cfg, const struct sl_bulk_flow *f)
{
	uint32_t client_ms = pick(b, 0, 2), server_ms = pick(b, 2, 60);
	int rc = sl_scen_cfg(cfg, f->client, f->cport, f->server, f->sport, client_ms, server_ms);
	cfg->gap_us = 30;
	return rc;
}

static int tcp_session(struct bulk *b, const struct sl_bulk_flow *f, uint64_t t)
{
	size_t nt = sizeof(tls_names) / sizeof(tls_names[0]);
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	int rc = session_cfg(b, &cfg, f);

	rc = rc ? rc : sl_conv_create(&c, &cfg, b->w, t);
	if (rc)
		return rc;
	rc = f->kind == 'T' ? tls_session(b, c, f->sni ? f->sni : tls_names[f->i % nt])
	   : f->kind == 'S' ? ssh_session(b, c) : http_session(b, c, f->i);
	sl_conv_destroy(c);
	return rc;
}

int sl_bulk_flow_write(struct bulk *b, const struct sl_bulk_flow *f, uint64_t t)
{
	struct sl_conv_cfg cfg;

	if (f->kind == 'Q')
		return session_cfg(b, &cfg, f) ? -EINVAL : quic_session(b, &cfg, &t);
	if (f->kind == 'D')
		return session_cfg(b, &cfg, f) ? -EINVAL : dns_session(b, &cfg, &t, f->i);
	return tcp_session(b, f, t);
}

/* Session i of the bulk capture: its kind from the cycle, a client on 10.20.0.0/16 with
 * a port of its own (so every session is its own flow), the kind's server. */
static int one_session(struct bulk *b, unsigned i, uint64_t t)
{
	static const char *const ssh_hosts[] = { "198.51.100.22", "198.51.100.23" };
	char client[32], server[32];
	struct sl_bulk_flow f = { kinds[i % (sizeof(kinds) - 1)], i, client, server,
	                          (uint16_t)(32768 + (i * 2731u) % 28000), 443 };

	snprintf(client, sizeof(client), "10.20.%u.%u", (i / 200) % 256, 10 + i % 200);
	snprintf(server, sizeof(server), f.kind == 'T' ? "192.0.2.%u" : "198.51.100.%u", 100 + i % 8);
	if (f.kind == 'Q')
		f.server = "192.0.2.80";
	else if (f.kind == 'D')
		f.server = "192.0.2.53", f.sport = 53;
	else if (f.kind == 'S')
		f.server = ssh_hosts[i % 2], f.sport = 22;
	else if (f.kind == 'H')
		f.sport = 80;
	return sl_bulk_flow_write(b, &f, t);
}

/* Options into *sessions, *seed; returns the output path or NULL on a usage error. */
static const char *parse_args(int argc, char **argv, unsigned long *sessions,
                              unsigned long long *seed)
{
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (!strcmp(argv[i], "--sessions") && i + 1 < argc)
			*sessions = strtoul(argv[++i], &end, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			*seed = strtoull(argv[++i], &end, 10);
		else if (argv[i][0] == '-' || out)
			return NULL;
		else
			out = argv[i];
		if (end && (*end || end == argv[i]))
			return NULL;
	}
	return out;
}

int sl_bulk_main(int argc, char **argv)
{
	unsigned long sessions = DEFAULT_SESSIONS;
	unsigned long long seed = 1;
	const char *out = parse_args(argc, argv, &sessions, &seed);
	if (!out || sessions == 0 || sessions > MAX_SESSIONS) {
		fprintf(stderr, "usage: sl-pcapgen bulk [--sessions N] [--seed S] OUT.pcap\n"
		        "  (N from 1 to %u, default %u; default seed 1)\n", MAX_SESSIONS,
		        DEFAULT_SESSIONS);
		return 2;
	}
	struct bulk *b = calloc(1, sizeof(*b));
	int rc = b ? sl_pcapw_create(&b->w, SL_LINKTYPE_ETHERNET, 0) : -ENOMEM;
	uint64_t t = SL_SCEN_EPOCH_US;
	if (b)
		b->rng.state = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned i = 0; i < sessions && !rc; i++) {
		t += pick(b, 0, 200) * SL_MS;
		rc = one_session(b, i, t);
	}
	rc = rc ? rc : sl_pcapw_save(b->w, out);
	if (rc)
		fprintf(stderr, "sl-pcapgen: bulk -> %s: %s\n", out, strerror(-rc));
	if (b)
		sl_pcapw_destroy(b->w);
	free(b);
	return rc ? 1 : 0;
}
