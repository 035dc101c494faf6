/* Synthetic scenarios for issue #4, built from public descriptions only:
 * obfuscated tunnels (Wu et al. 2023 fully-encrypted traffic; Xue et al.
 * 2024 TLS-in-TLS record sizes), Chrome Remote Desktop's signalling name
 * followed by WebRTC (RFC 5389 STUN, RFC 6347 DTLS), and IP-KVM web UIs
 * and mDNS names (PiKVM, TinyPilot, JetKVM). */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"

#include <errno.h>
#include <string.h>

/* ---- obfuscated tunnels ---- */

/* Records of type 23 (or `type`) with seeded bodies of the given lengths. */
static size_t records(uint8_t *out, uint8_t type, const uint16_t *lens, size_t n, uint64_t seed)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		sl_scen_tls_record(out + off, 5u + lens[i], type, seed + i);
		off += 5u + lens[i];
	}
	return off;
}

/* An outer TLS session: ClientHello / ServerHello + encrypted server flight
 * (TLS 1.3 shape: 2500 + 280 + 53), then three application exchanges whose
 * record sizes the caller gives. */
static int tls_session(struct sl_pcapw *w, uint64_t *t, uint16_t cport, const char *server,
                       const char *sni, const uint16_t *c1, size_t nc1, const uint16_t *s1,
                       size_t ns1, uint16_t c2, uint16_t s2)
{
	static uint8_t b[6][24000];
	static const uint16_t enc[] = { 2500, 280, 53 };
	static const uint16_t ccs = 1, fin = 53;
	struct sl_conv_cfg cfg;
	size_t n[6];

	n[0] = sl_scen_client_hello(b[0], sizeof(b[0]), sni, NULL);
	n[1] = sl_scen_server_hello(b[1]);
	n[1] += records(b[1] + n[1], 23, enc, 3, 100);
	n[2] = records(b[2], 20, &ccs, 1, 200);
	n[2] += records(b[2] + n[2], 23, &fin, 1, 201);
	n[2] += records(b[2] + n[2], 23, c1, nc1, 202);
	n[3] = records(b[3], 23, s1, ns1, 300);
	n[4] = records(b[4], 23, &c2, 1, 400);
	n[5] = records(b[5], 23, &s2, 1, 500);
	if (!n[0] || sl_scen_cfg(&cfg, "10.77.0.2", cport, server, 443, 5, 40))
		return -EINVAL;
	const struct sl_conv_msg m[] = {
		{ b[0], n[0], b[1], n[1], 0, 100 },
		{ b[2], n[2], b[3], n[3], 0, 40000 },
		{ b[4], n[4], b[5], n[5], 0, 30000 },
	};
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 3, SL_CLOSE_FIN_CLIENT);
}

/* (1) 600 random bytes first on 8388 (Shadowsocks' default port), answered
 * by random bytes; (2) a TLS session carrying an inner handshake; (3) a
 * plain HTTPS page. */
int sl_scen_obfs_tunnels(struct sl_pcapw *w, uint64_t t0)
{
	static uint8_t req[600], resp[320];
	static const uint16_t hello[] = { 540 }, flight[] = { 230, 3100, 1200 };
	static const uint16_t get[] = { 420 }, page[] = { 4000, 9000 };
	struct sl_rng r = { 0x0bf5 };
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	sl_rng_fill(&r, req, sizeof(req));
	sl_rng_fill(&r, resp, sizeof(resp));
	if (sl_scen_cfg(&cfg, "10.77.0.2", 42001, "203.0.113.80", 8388, 5, 60))
		return -EINVAL;
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 200 };
	int rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
	t += 500 * SL_MS;
	if (!rc)
		rc = tls_session(w, &t, 42002, "203.0.113.81", "cdn.example.net", hello, 1, flight, 3,
		                 86, 2000);
	t += 500 * SL_MS;
	if (!rc)
		rc = tls_session(w, &t, 42003, "203.0.113.82", "www.example.org", get, 1, page, 2,
		                 380, 6000);
	return rc;
}

/* ---- Chrome Remote Desktop ---- */

/* STUN header (RFC 5389 §6): type, attribute length, cookie, transaction id. */
static size_t stun_hdr(uint8_t *p, uint16_t type, uint16_t len, uint8_t id)
{
	put16(p, type);
	put16(p + 2, len);
	put32(p + 4, 0x2112A442u);
	for (int i = 0; i < 12; i++)
		p[8 + i] = (uint8_t)(id + i);
	return 20;
}

/* Binding success response with XOR-MAPPED-ADDRESS (§15.2) of pub:port. */
static size_t stun_success(uint8_t *p, uint8_t id, const uint8_t pub[4], uint16_t port)
{
	size_t n = stun_hdr(p, 0x0101, 12, id);
	put16(p + n, 0x0020);
	put16(p + n + 2, 8);
	put16(p + n + 4, 0x0001);
	put16(p + n + 6, (uint16_t)(port ^ 0x2112));
	put32(p + n + 8, ((uint32_t)pub[0] << 24 | (uint32_t)pub[1] << 16 | (uint32_t)pub[2] << 8 |
	                  pub[3]) ^ 0x2112A442u);
	return n + 12;
}

/* One STUN binding exchange from host:cport to server:sport. */
static int stun_binding(struct sl_pcapw *w, uint64_t *t, const char *host, uint16_t cport,
                        const char *server, uint16_t sport, uint8_t id, const uint8_t pub[4])
{
	uint8_t q[32], r[40];
	struct sl_conv_cfg cfg;
	size_t qn = stun_hdr(q, 0x0001, 0, id), rn = stun_success(r, id, pub, cport);

	if (sl_scen_cfg(&cfg, host, cport, server, sport, 5, 20))
		return -EINVAL;
	struct sl_conv_msg m = { q, qn, r, rn, 0, 100 };
	return sl_scen_udp(w, &cfg, t, &m, 1);
}

/* The WebRTC media path: ICE check answered, then DTLS handshake-shaped
 * records (content type 22, version DTLS 1.2, epoch 0) both ways. */
static int webrtc_media(struct sl_pcapw *w, uint64_t *t, const char *host, uint16_t cport,
                        const char *peer, uint16_t pport)
{
	uint8_t q[32], r[40], d1[220], d2[900];
	static const uint8_t pub[4] = { 192, 0, 2, 77 };
	struct sl_conv_cfg cfg;
	struct sl_rng rng = { 0xd7 };

	sl_rng_fill(&rng, d1, sizeof(d1));
	sl_rng_fill(&rng, d2, sizeof(d2));
	for (int i = 0; i < 2; i++) {
		uint8_t *d = i ? d2 : d1;
		size_t len = i ? sizeof(d2) : sizeof(d1);
		d[0] = 22;
		put16(d + 1, 0xfefd);
		memset(d + 3, 0, 8);                     /* epoch 0, sequence 0 */
		put16(d + 11, (uint16_t)(len - 13));
	}
	if (sl_scen_cfg(&cfg, host, cport, peer, pport, 5, 20))
		return -EINVAL;
	const struct sl_conv_msg m[] = {
		{ q, stun_hdr(q, 0x0001, 0, 0x40), r, stun_success(r, 0x40, pub, cport), 0, 100 },
		{ d1, sizeof(d1), d2, sizeof(d2), 2000, 100 },
	};
	return sl_scen_udp(w, &cfg, t, m, 2);
}

/* Host 10.77.0.2 names CRD's signalling service, then does STUN and WebRTC
 * media; host 10.77.0.3 only does STUN (a video call). */
int sl_scen_rat_crd(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t pub2[4] = { 192, 0, 2, 77 }, pub3[4] = { 192, 0, 2, 78 };
	uint8_t req[512], resp[64];
	size_t qn = sl_scen_client_hello(req, sizeof(req), "remotedesktop-pa.googleapis.com", NULL);
	size_t rn = sl_scen_server_hello(resp);
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (!qn || sl_scen_cfg(&cfg, "10.77.0.2", 43001, "198.51.100.22", 443, 5, 40))
		return -EINVAL;
	struct sl_conv_msg m = { req, qn, resp, rn, 0, 100 };
	int rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
	t += 2 * SL_SEC;
	if (!rc)
		rc = stun_binding(w, &t, "10.77.0.2", 43002, "198.51.100.40", 19302, 0x10, pub2);
	t += 500 * SL_MS;
	if (!rc)
		rc = webrtc_media(w, &t, "10.77.0.2", 43002, "198.51.100.41", 12400);
	t += 1 * SL_SEC;
	if (!rc)
		rc = stun_binding(w, &t, "10.77.0.3", 43003, "198.51.100.40", 19302, 0x20, pub3);
	return rc;
}

/* ---- IP-KVM ---- */

static const uint8_t pi_mac[6] = { 0xdc, 0xa6, 0x32, 0x12, 0x34, 0x56 };   /* Raspberry Pi */
static const uint8_t jet_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x62 };
static const uint8_t mdns_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

/* One HTTP request on the LAN from the laptop to server (its MAC given). */
static int lan_http(struct sl_pcapw *w, uint64_t *t, uint16_t cport, const char *server,
                    const uint8_t *mac, const char *req)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct sl_conv_cfg cfg;

	if (sl_scen_cfg(&cfg, "10.77.0.2", cport, server, 80, 1, 1))
		return -EINVAL;
	memcpy(cfg.link.server_mac, mac, 6);
	cfg.server.ttl = 64;
	struct sl_conv_msg m = { req, strlen(req), ok, sizeof(ok) - 1, 0, 2000 };
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
}

/* name A addr, announced to 224.0.0.251 from addr with its MAC. */
static int announce(struct sl_pcapw *w, uint64_t *t, const char *from, const uint8_t *mac,
                    const char *name, const uint8_t addr[4])
{
	uint8_t p[256];
	struct sl_conv_cfg cfg;
	size_t n = sl_scen_dns(p, sizeof(p), 0, name, addr);

	if (!n || sl_scen_cfg(&cfg, from, 5353, "224.0.0.251", 5353, 1, 1))
		return -EINVAL;
	put16(p + 2, 0x8400);                     /* authoritative response (RFC 6762 §18) */
	cfg.client.ttl = 255;
	cfg.client.df = false;
	memcpy(cfg.link.client_mac, mac, 6);
	memcpy(cfg.link.server_mac, mdns_mac, 6);
	struct sl_conv_msg m = { p, n, NULL, 0, 0, 0 };
	return sl_scen_udp(w, &cfg, t, &m, 1);
}

int sl_scen_ipkvm(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t a60[4] = { 10, 77, 0, 60 }, a62[4] = { 10, 77, 0, 62 };
	uint8_t tiny_mac[6] = { 0xd8, 0x3a, 0xdd, 0x00, 0x00, 0x61 };
	uint64_t t = t0;
	int rc = announce(w, &t, "10.77.0.60", pi_mac, "pikvm.local", a60);

	t += 100 * SL_MS;
	if (!rc)
		rc = announce(w, &t, "10.77.0.62", jet_mac, "jetkvm.local", a62);
	t += 1 * SL_SEC;
	if (!rc)
		rc = lan_http(w, &t, 44001, "10.77.0.60", pi_mac,
		              "POST /api/auth/login HTTP/1.1\r\nHost: 10.77.0.60\r\n"
		              "Content-Length: 0\r\n\r\n");
	t += 200 * SL_MS;
	if (!rc)
		rc = lan_http(w, &t, 44002, "10.77.0.61", tiny_mac,
		              "GET / HTTP/1.1\r\nHost: tinypilot.local\r\n\r\n");
	t += 200 * SL_MS;
	if (!rc)
		rc = lan_http(w, &t, 44003, "10.77.0.62", jet_mac,
		              "POST /auth/login-local HTTP/1.1\r\nHost: 10.77.0.62\r\n"
		              "Content-Length: 0\r\n\r\n");
	t += 200 * SL_MS;
	if (!rc)
		rc = lan_http(w, &t, 44004, "10.77.0.63", pi_mac,
		              "GET /index.html HTTP/1.1\r\nHost: 10.77.0.63\r\n\r\n");
	return rc;
}
