/* Edge subject scenarios (the sensor at the company's ingress in Austin, beside the SSO,
 * code hosting, web and conferencing servers in 192.0.2.0/24): remote workers reaching it
 * from home lines, hotels, a VPN exit and a laptop farm's line, with handshake round trips
 * set per client. Ground truth: pcaps/scenarios/<name>/truth.yaml; story: pcaps/README.md. */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"
/* RFC 9001 Appendix A.2: a real, decryptable QUIC v1 client Initial (SNI example.com). */
#include "../../tests/unit/quic_vectors.h"

#include <errno.h>
#include <string.h>

#define MINUTE (60ull * SL_SEC)
#define HOUR (60ull * MINUTE)

/* A worker's line as the edge sees it: address, TTL after the hops, SYN MSS, and the
 * round trip sensor <-> client in microseconds (rtt.client_ms = rtt_us / 1000). */
struct line {
	const char *ip;
	uint8_t ttl;
	uint16_t mss;
	uint32_t rtt_us;
};

/* The company's servers sit one switch behind the sensor: 0.3 ms round trip, TTL 64. */
static int edge_cfg(struct sl_conv_cfg *cfg, const struct line *l, uint16_t cport,
                    const char *server, uint16_t sport)
{
	if (sl_scen_cfg(cfg, l->ip, cport, server, sport, 0, 0))
		return -EINVAL;
	sl_scen_windows_side(&cfg->client, l->ttl, l->mss);
	cfg->server.ttl = 64;
	cfg->client_delay_us = l->rtt_us / 2;
	cfg->server_delay_us = 150;
	return 0;
}

/* One visit: minutes after the capture start, which company service, which client port. */
struct visit {
	uint32_t at_min;
	const struct line *line;
	uint16_t cport;
	char service;                /* 's' SSO, 'g' code hosting, 'u' updates */
};

static int visit(struct sl_pcapw *w, uint64_t t0, const struct visit *v)
{
	static const struct { char c; const char *ip, *sni; unsigned records; } svc[] = {
		{ 's', "192.0.2.10", "sso.example.com", 3 },
		{ 'g', "192.0.2.15", "git.example.com", 5 },
		{ 'u', "192.0.2.12", "updates.example.com", 4 },
	};
	struct sl_conv_cfg cfg;
	uint64_t t = t0 + v->at_min * MINUTE;

	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		if (svc[i].c != v->service)
			continue;
		if (edge_cfg(&cfg, v->line, v->cport, svc[i].ip, 443))
			return -EINVAL;
		return sl_scen_tls_session(w, &cfg, &t, svc[i].sni, NULL, svc[i].records);
	}
	return -EINVAL;
}

static int visits(struct sl_pcapw *w, uint64_t t0, const struct visit *v, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = visit(w, t0, &v[i]);
	return rc;
}

/* ---- laptop-farm-edge: the farm's single line in Nashville ---- */

static const struct line farm_line = { "203.0.113.140", 115, 1460, 22000 };

/* The SSO sessions of the laptop-farm LAN capture after the farm router's NAT: same
 * minutes, arriving 11 ms later (half the farm <-> edge round trip), from one address. */
int sl_scen_laptop_farm_edge(struct sl_pcapw *w, uint64_t t0)
{
	static const struct { uint32_t at_s; uint16_t cport; } f[] = {
		{ 60, 50112 }, { 75, 50127 }, { 3660, 50133 }, { 3675, 50141 },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && !rc; i++) {
		struct sl_conv_cfg cfg;
		uint64_t t = t0 + f[i].at_s * (uint64_t)SL_SEC + 11 * SL_MS;
		if (edge_cfg(&cfg, &farm_line, f[i].cport, "192.0.2.10", 443))
			return -EINVAL;
		rc = sl_scen_tls_session(w, &cfg, &t, "sso.example.com", NULL, 2);
	}
	return rc;
}

/* ---- us-vpn-exit: 41 km away on the map, 180 ms away on the wire ---- */

/* The exit in Georgetown, TX; the tunnel lowers the MSS to 1380 (WireGuard, MTU 1420). */
static const struct line vpn_line = { "198.51.100.150", 110, 1380, 180000 };

int sl_scen_us_vpn_exit(struct sl_pcapw *w, uint64_t t0)
{
	static const struct visit v[] = {
		{ 65, &vpn_line, 61001, 's' }, { 80, &vpn_line, 61002, 'g' },
		{ 225, &vpn_line, 61003, 's' }, { 330, &vpn_line, 61004, 'g' },
		{ 430, &vpn_line, 61005, 's' },
	};
	return visits(w, t0, v, sizeof(v) / sizeof(v[0]));
}

/* ---- honest-worker: a Dallas home line, 12 ms away ---- */

static const struct line dallas_line = { "203.0.113.160", 115, 1460, 12000 };

static size_t hex_bytes(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < cap; hex += 2) {
		unsigned v = 0;
		for (int i = 0; i < 2; i++) {
			char c = hex[i];
			v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* HTTP/3 to www: the RFC 9001 client Initial, answered by a 1-RTT-shaped datagram (short
 * header, fixed bit set), then three more short-header exchanges 300 ms apart. */
static int quic_visit(struct sl_pcapw *w, uint64_t t, uint16_t cport)
{
	uint8_t initial[1200], resp[1252], small[60];
	struct sl_rng r = { cport };
	struct sl_conv_cfg cfg;
	size_t n = hex_bytes(initial, sizeof(initial), rfc9001_packet_hex);

	if (n != sizeof(initial) || edge_cfg(&cfg, &dallas_line, cport, "192.0.2.13", 443))
		return -EINVAL;
	sl_rng_fill(&r, resp, sizeof(resp));
	sl_rng_fill(&r, small, sizeof(small));
	resp[0] = 0x41;
	small[0] = 0x43;
	const struct sl_conv_msg m[] = {
		{ initial, n, resp, sizeof(resp), 0, 1000 },
		{ small, sizeof(small), resp, sizeof(resp), 300 * SL_MS, 500 },
		{ small, sizeof(small), resp, sizeof(resp), 300 * SL_MS, 500 },
		{ small, sizeof(small), small, sizeof(small), 300 * SL_MS, 500 },
	};
	return sl_scen_udp(w, &cfg, &t, m, sizeof(m) / sizeof(m[0]));
}

/* A video call on the company's conferencing server: a STUN Binding request and its
 * success response with XOR-MAPPED-ADDRESS (RFC 8489 §5, §14.2), then eight Opus-like RTP
 * packets each way 20 ms apart (RFC 3550 header, payload type 111) on the same ports. */
static int call_visit(struct sl_pcapw *w, uint64_t t, uint16_t cport)
{
	static const uint8_t txid[12] = { 0x6b, 0x1f, 0x02, 0x9c, 0x44, 0xd1, 0x7e, 0x30,
	                                  0x58, 0xa3, 0x0b, 0xe2 };
	uint8_t req[20], resp[32], rtp[8][92];
	struct sl_conv_msg m[9];
	struct sl_conv_cfg cfg;
	struct sl_rng r = { cport };

	if (edge_cfg(&cfg, &dallas_line, cport, "192.0.2.11", 3478))
		return -EINVAL;
	put16(req, 0x0001);
	put16(req + 2, 0);
	put32(req + 4, 0x2112a442);
	memcpy(req + 8, txid, 12);
	memcpy(resp, req, 20);
	put16(resp, 0x0101);
	put16(resp + 2, 12);
	put16(resp + 20, 0x0020);                           /* XOR-MAPPED-ADDRESS */
	put16(resp + 22, 8);
	put16(resp + 24, 0x0001);                           /* IPv4 */
	put16(resp + 26, (uint16_t)(cport ^ 0x2112));
	put32(resp + 28, (203u << 24 | 0u << 16 | 113u << 8 | 160u) ^ 0x2112a442u);
	m[0] = (struct sl_conv_msg){ req, sizeof(req), resp, sizeof(resp), 0, 100 };
	for (unsigned i = 0; i < 8; i++) {
		rtp[i][0] = 0x80;
		rtp[i][1] = 111;
		put16(rtp[i] + 2, (uint16_t)(4000 + i));
		put32(rtp[i] + 4, 160000u + 960u * i);
		put32(rtp[i] + 8, 0x5eed0001u);
		sl_rng_fill(&r, rtp[i] + 12, sizeof(rtp[i]) - 12);
		m[1 + i] = (struct sl_conv_msg){ rtp[i], sizeof(rtp[i]), rtp[i], sizeof(rtp[i]),
		                                 20 * SL_MS, 0 };
	}
	return sl_scen_udp(w, &cfg, &t, m, 9);
}

int sl_scen_honest_worker(struct sl_pcapw *w, uint64_t t0)
{
	static const struct visit v[] = {
		{ 65, &dallas_line, 62001, 's' }, { 225, &dallas_line, 62004, 'u' },
		{ 320, &dallas_line, 62005, 's' }, { 460, &dallas_line, 62007, 'g' },
	};
	int rc = visits(w, t0, v, sizeof(v) / sizeof(v[0]));

	if (!rc)
		rc = quic_visit(w, t0 + 67 * MINUTE, 62002);
	if (!rc)
		rc = call_visit(w, t0 + 150 * MINUTE, 62003);
	if (!rc)
		rc = quic_visit(w, t0 + 461 * MINUTE, 62006);
	return rc;
}

/* ---- traveller: Atlanta then New York 5 h later; New York then Seoul 2 h later ---- */

static const struct line atlanta_home = { "203.0.113.170", 115, 1460, 24000 };
static const struct line nyc_hotel = { "203.0.113.171", 113, 1460, 40000 };
static const struct line nyc_home = { "203.0.113.180", 113, 1460, 40000 };
static const struct line seoul_line = { "203.0.113.181", 104, 1460, 160000 };

int sl_scen_traveller(struct sl_pcapw *w, uint64_t t0)
{
	static const struct visit v[] = {
		{ 10, &atlanta_home, 63001, 's' }, { 40, &atlanta_home, 63002, 'g' },
		{ 310, &nyc_hotel, 63003, 's' }, { 390, &nyc_hotel, 63004, 'g' },
		{ 435, &nyc_hotel, 63005, 's' },
		{ 20, &nyc_home, 64001, 's' }, { 60, &nyc_home, 64002, 'g' },
		{ 140, &seoul_line, 64003, 's' }, { 170, &seoul_line, 64004, 'g' },
	};
	return visits(w, t0, v, sizeof(v) / sizeof(v[0]));
}

/* ---- pyongyang-hours: a Houston line used 09:20-17:20 KST, three days running ---- */

static const struct line houston_line = { "203.0.113.190", 116, 1460, 10000 };

/* Sessions at 09:20, 10:40, 11:50, 13:30, 14:45, 16:10, 17:20 KST (UTC+9), that is
 * 00:20 .. 08:20 UTC on 3, 4 and 5 March 2026 (18:20 .. 02:20 in Houston, CST). */
int sl_scen_pyongyang_hours(struct sl_pcapw *w, uint64_t t0)
{
	static const uint32_t kst_min[] = { 9 * 60 + 20, 10 * 60 + 40, 11 * 60 + 50, 13 * 60 + 30,
	                                    14 * 60 + 45, 16 * 60 + 10, 17 * 60 + 20 };
	const uint32_t first_day = 10 * 60 - 9 * 60; /* t0 is 14:00Z; 00:00Z next day is +10 h */
	int rc = 0;

	for (uint32_t day = 0; day < 3 && !rc; day++) {
		for (size_t i = 0; i < sizeof(kst_min) / sizeof(kst_min[0]) && !rc; i++) {
			struct visit v = { first_day + day * 24 * 60 + kst_min[i], &houston_line,
			                   (uint16_t)(65001 + day * 10 + i), i % 2 ? 'g' : 's' };
			rc = visit(w, t0, &v);
		}
	}
	return rc;
}
