/* Synthetic remote-access tool sessions, built from public descriptions of
 * their wire formats (not recorded from the products): TeamViewer's 17 24 /
 * 11 30 framing on TCP and its 13-byte UDP frame (nDPI's dissector
 * description), AnyDesk's LAN discovery to 239.255.102.18 (payload format not
 * public: opaque bytes), and RustDesk's rendezvous and relay messages
 * (rendezvous.proto field numbers, bytes_codec framing). */
#include "scenarios.h"

#include <errno.h>
#include <string.h>

/* ---- TeamViewer ---- */

static const uint8_t tv_hello[] = { 0x17, 0x24, 0x0a, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x48, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00 };
static const uint8_t tv_cont_s[] = { 0x11, 0x30, 0x36, 0x00, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00,
				     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00 };
static const uint8_t tv_cont_c[] = { 0x11, 0x30, 0x3c, 0x00, 0x1e, 0x04, 0x00, 0x00, 0x01, 0x00,
				     0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00 };
static const uint8_t tv_udp[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				  0x03, 0x17, 0x24, 0x47, 0x50, 0x00, 0x05, 0x00, 0x00, 0x00 };

int sl_scen_teamviewer_tcp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	const struct sl_conv_msg tcp[] = {
		{ tv_hello, sizeof(tv_hello), tv_cont_s, sizeof(tv_cont_s), 0, 0 },
		{ tv_cont_c, sizeof(tv_cont_c), tv_cont_s, sizeof(tv_cont_s), 5 * SL_MS, 0 },
	};
	return sl_scen_tcp(w, cfg, t, SL_SCEN_HANDSHAKE, tcp, 2, SL_CLOSE_FIN_CLIENT);
}

int sl_scen_teamviewer_udp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	const struct sl_conv_msg udp[] = {
		{ tv_udp, sizeof(tv_udp), tv_udp, sizeof(tv_udp), 0, 0 },
	};
	return sl_scen_udp(w, cfg, t, udp, 1);
}

int sl_scen_rat_teamviewer(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, "10.77.0.2", 40300, "198.51.100.80", 5938, 2, 30))
		return -EINVAL;
	int rc = sl_scen_teamviewer_tcp(w, &cfg, &t);
	t += SL_SEC;
	if (!rc && sl_scen_cfg(&cfg, "10.77.0.2", 40301, "198.51.100.81", 5938, 2, 30))
		return -EINVAL;
	return rc ? rc : sl_scen_teamviewer_udp(w, &cfg, &t);
}

/* ---- AnyDesk ---- */

static const uint8_t ad_group_mac[6] = { 0x01, 0x00, 0x5e, 0x7f, 0x66, 0x12 }; /* 239.255.102.18 */
static const uint8_t ad_laptop_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

int sl_scen_rat_anydesk_discovery(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t beacon[] = { 0x3e, 0xd1, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
					  'l', 'a', 'p', 't', 'o', 'p', '-', '7' };
	struct sl_conv_cfg cfg;
	uint64_t t = t0;
	const struct sl_conv_msg m[] = {
		{ beacon, sizeof(beacon), NULL, 0, 0, 0 },
		{ beacon, sizeof(beacon), NULL, 0, 5 * SL_SEC, 0 },
	};

	if (sl_scen_cfg(&cfg, "10.77.0.2", 50001, "239.255.102.18", 50001, 1, 1))
		return -EINVAL;
	cfg.client.ttl = 1;
	cfg.client.df = false;
	memcpy(cfg.link.client_mac, ad_laptop_mac, 6);
	memcpy(cfg.link.server_mac, ad_group_mac, 6);
	return sl_scen_udp(w, &cfg, &t, m, 2);
}

/* ---- RustDesk ---- */

struct pbuf {
	uint8_t b[256];
	size_t n;
};

static void pb_varint(struct pbuf *m, uint64_t v)
{
	do {
		uint8_t b = (uint8_t)(v & 0x7f);
		v >>= 7;
		m->b[m->n++] = (uint8_t)(b | (v ? 0x80 : 0));
	} while (v);
}

static void pb_bytes(struct pbuf *m, unsigned field, const void *p, size_t n)
{
	pb_varint(m, (uint64_t)field << 3 | 2);
	pb_varint(m, n);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void pb_uint(struct pbuf *m, unsigned field, uint64_t v)
{
	pb_varint(m, (uint64_t)field << 3);
	pb_varint(m, v);
}

/* RendezvousMessage{member = inner}; on TCP behind bytes_codec's header:
 * little-endian length << 2, low bits = header bytes - 1, the shortest that
 * fits (one byte up to 63, two up to 16383: enough for these messages). */
static struct pbuf rz_msg(unsigned member, const struct pbuf *inner, int tcp)
{
	struct pbuf top = { .n = 0 }, out = { .n = 0 };

	pb_bytes(&top, member, inner->b, inner->n);
	if (!tcp)
		return top;
	if (top.n <= 0x3f) {
		out.b[out.n++] = (uint8_t)(top.n << 2);
	} else {
		out.b[out.n++] = (uint8_t)(top.n << 2 | 1);
		out.b[out.n++] = (uint8_t)(top.n >> 6);
	}
	memcpy(out.b + out.n, top.b, top.n);
	out.n += top.n;
	return out;
}

static int rd_udp_register(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	struct pbuf reg = { .n = 0 }, ok = { .n = 0 };

	pb_bytes(&reg, 1, "123456789", 9);      /* RegisterPeer.id */
	pb_uint(&reg, 2, 3);                    /* serial */
	pb_uint(&ok, 2, 1);                     /* RegisterPeerResponse.request_pk */
	struct pbuf a = rz_msg(6, &reg, 0), b = rz_msg(7, &ok, 0);
	const struct sl_conv_msg m[] = { { a.b, a.n, b.b, b.n, 0, 0 } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40400, "198.51.100.90", 21116, 2, 40))
		return -EINVAL;
	return sl_scen_udp(w, &cfg, t, m, 1);
}

static int rd_tcp_punch_hole(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	struct pbuf req = { .n = 0 }, resp = { .n = 0 };

	pb_bytes(&req, 1, "987654321", 9);      /* PunchHoleRequest.id */
	pb_uint(&req, 2, 1);                    /* nat_type ASYMMETRIC */
	pb_bytes(&resp, 1, "\xc6\x33\x64\x5b\x52\x09", 6); /* socket_addr (mangled) */
	pb_bytes(&resp, 4, "198.51.100.91", 13); /* relay_server */
	pb_uint(&resp, 5, 1);                   /* nat_type */
	struct pbuf a = rz_msg(8, &req, 1), b = rz_msg(11, &resp, 1);
	const struct sl_conv_msg m[] = { { a.b, a.n, b.b, b.n, 0, 0 } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40401, "198.51.100.90", 21116, 2, 40))
		return -EINVAL;
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 1, SL_CLOSE_FIN_CLIENT);
}

static int rd_tcp_relay(struct sl_pcapw *w, uint64_t *t)
{
	static const uint8_t peer[] = { 7 << 2, 0x1a, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct sl_conv_cfg cfg;
	struct pbuf req = { .n = 0 };

	pb_bytes(&req, 1, "987654321", 9);      /* RequestRelay.id */
	pb_bytes(&req, 2, "0b5e3b6e-7c1f-4b43-9a55-2f0e6c1d7a10", 36); /* uuid */
	pb_bytes(&req, 4, "198.51.100.91", 13); /* relay_server */
	struct pbuf a = rz_msg(18, &req, 1);
	const struct sl_conv_msg m[] = { { a.b, a.n, peer, sizeof(peer), 0, 20 * SL_MS } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40402, "198.51.100.91", 21117, 2, 45))
		return -EINVAL;
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 1, SL_CLOSE_FIN_CLIENT);
}

int sl_scen_rat_rustdesk(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;
	int rc = rd_udp_register(w, &t);

	t += SL_SEC;
	if (!rc)
		rc = rd_tcp_punch_hole(w, &t);
	t += 100 * SL_MS;
	if (!rc)
		rc = rd_tcp_relay(w, &t);
	return rc;
}

/* ---- NoMachine, Radmin, tinc, WireGuard ---- */

/* Fills a message with deterministic non-zero filler after its fixed head. */
static void fill(uint8_t *p, size_t from, size_t n, uint8_t seed)
{
	for (size_t i = from; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i) | 1;
}

/* NoMachine: "NXSH-<version>\n" answered by "NXD-<version>\n" (the text
 * lines before TLS), TCP 4000.  Radmin: the 10-byte hello and 46-byte
 * answer of nDPI's description (9-byte header 01 00 00 00 L ...), TCP 4899. */
static int rat_text_tools(struct sl_pcapw *w, uint64_t *t)
{
	static const char nx_c[] = "NXSH-8.10.1\n", nx_s[] = "NXD-8.10.1\n";
	uint8_t rh[10] = { 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x08 };
	uint8_t rs[46] = { 0x01, 0x00, 0x00, 0x00, 0x25, 0x00, 0x00, 0x02, 0x12, 0x08, 0x02 };
	struct sl_conv_cfg cfg;

	fill(rs, 11, sizeof(rs), 0x40);
	rs[13] = 0x0a;
	const struct sl_conv_msg nx[] = { { nx_c, sizeof(nx_c) - 1, nx_s, sizeof(nx_s) - 1, 0, 0 } };
	const struct sl_conv_msg ra[] = { { rh, sizeof(rh), rs, sizeof(rs), 0, 0 } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40500, "198.51.100.95", 4000, 2, 30))
		return -EINVAL;
	int rc = sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, nx, 1, SL_CLOSE_FIN_CLIENT);
	*t += SL_SEC;
	if (!rc && sl_scen_cfg(&cfg, "10.77.0.2", 40501, "198.51.100.96", 4899, 2, 30))
		return -EINVAL;
	return rc ? rc : sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, ra, 1, SL_CLOSE_FIN_CLIENT);
}

/* NoMachine, Radmin: see rat_text_tools(). */
int sl_scen_rat_tools(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;

	return rat_text_tools(w, &t);
}

/* tinc 1.0 meta connection, TCP 655: both ID lines ("0 name 17\n"), then
 * the client's METAKEY request start. */
static int vpn_tinc(struct sl_pcapw *w, uint64_t *t)
{
	static const char id_c[] = "0 laptop7 17\n", id_s[] = "0 farmgw 17\n";
	static const char mk[] = "1 94 64 0 0 A1B2C3D4E5F60718293A4B5C6D7E8F90\n";
	struct sl_conv_cfg cfg;
	const struct sl_conv_msg m[] = {
		{ id_c, sizeof(id_c) - 1, id_s, sizeof(id_s) - 1, 0, 0 },
		{ mk, sizeof(mk) - 1, NULL, 0, 0, 0 },
	};

	if (sl_scen_cfg(&cfg, "10.77.0.2", 40600, "198.51.100.97", 655, 2, 35))
		return -EINVAL;
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 2, SL_CLOSE_FIN_CLIENT);
}

/* WireGuard, UDP 51820: handshake initiation (type 1, 148 bytes, sender
 * index 0x1a2b3c4d), response (type 2, 92 bytes, receiver = that index),
 * then two transport messages each way (type 4, counters 0 and 1, 32
 * bytes: 16 of padded payload and the 16-byte tag). */
static int vpn_wireguard(struct sl_pcapw *w, uint64_t *t)
{
	uint8_t init[148] = { 1, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a };
	uint8_t resp[92] = { 2, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x4d, 0x3c, 0x2b, 0x1a };
	uint8_t dc[2][48], ds[2][48];
	struct sl_conv_cfg cfg;

	fill(init, 8, sizeof(init), 0x11);
	fill(resp, 12, sizeof(resp), 0x22);
	for (int i = 0; i < 2; i++) {
		static const uint8_t to_s[4] = { 0x88, 0x77, 0x66, 0x55 }, to_c[4] = { 0x4d, 0x3c, 0x2b, 0x1a };
		memset(dc[i], 0, 16);
		memset(ds[i], 0, 16);
		dc[i][0] = ds[i][0] = 4;
		memcpy(dc[i] + 4, to_s, 4);
		memcpy(ds[i] + 4, to_c, 4);
		dc[i][8] = ds[i][8] = (uint8_t)i;
		fill(dc[i], 16, 48, (uint8_t)(0x33 + i));
		fill(ds[i], 16, 48, (uint8_t)(0x44 + i));
	}
	const struct sl_conv_msg m[] = {
		{ init, sizeof(init), resp, sizeof(resp), 0, 0 },
		{ dc[0], 48, ds[0], 48, 0, 0 },
		{ dc[1], 48, ds[1], 48, 500 * SL_MS, 0 },
	};
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40700, "198.51.100.98", 51820, 2, 40))
		return -EINVAL;
	return sl_scen_udp(w, &cfg, t, m, 3);
}

/* tinc and WireGuard: see vpn_tinc() and vpn_wireguard(). */
int sl_scen_vpn_tunnels(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;
	int rc = vpn_tinc(w, &t);

	t += SL_SEC;
	return rc ? rc : vpn_wireguard(w, &t);
}
