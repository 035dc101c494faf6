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
