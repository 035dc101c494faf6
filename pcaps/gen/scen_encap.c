/* Encapsulation scenarios: MPLS label stacks (RFC 3032), GTP-U user-plane tunnels (3GPP
 * TS 29.281) and PPPoE sessions (RFC 2516).  Each flow is small; the point is the framing. */
#include "scenarios.h"

#include <errno.h>
#include <string.h>

/* A handshake, one exchange and a FIN close. */
static int tcp_session(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: encap.example\r\n\r\n";
	static const char resp[] = "HTTP/1.1 204 No Content\r\n\r\n";
	struct sl_conv_msg m = { req, strlen(req), resp, strlen(resp), 0, 400 };
	int rc = sl_scen_tcp(w, cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);

	*t += SL_SEC;
	return rc;
}

static int udp_exchange(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	struct sl_conv_msg m = { "ping-encap", 10, "pong-encap", 10, 0, 200 };
	int rc = sl_scen_udp(w, cfg, t, &m, 1);

	*t += SL_SEC;
	return rc;
}

/* 10.77.11.2 -> 198.51.100.90:80 under two labels (transport 16, service 1001), then
 * 2001:db8:77::b -> [2001:db8:100::90]:9999 under one (2001). */
int sl_scen_decode_mpls(struct sl_pcapw *w, uint64_t t0)
{
	static const uint32_t two[] = { 16, 1001 }, one[] = { 2001 };
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, "10.77.11.2", 46000, "198.51.100.90", 80, 3, 20))
		return -EINVAL;
	cfg.link.mpls = two;
	cfg.link.nmpls = 2;
	int rc = tcp_session(w, &cfg, &t);
	if (rc || sl_scen_cfg(&cfg, "2001:db8:77::b", 46001, "2001:db8:100::90", 9999, 3, 20))
		return rc ? rc : -EINVAL;
	cfg.link.mpls = one;
	cfg.link.nmpls = 1;
	return udp_exchange(w, &cfg, &t);
}

/* A GTP echo request (type 1) or response (type 2) with sequence number seq: the path
 * keep-alive between the base station and the core, which carries no user packet. */
static int gtp_echo(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	static const uint8_t req[12] = { 0x32, 1, 0, 4, 0, 0, 0, 0, 0, 7, 0, 0 };
	static const uint8_t resp[14] = { 0x32, 2, 0, 6, 0, 0, 0, 0, 0, 7, 0, 0, 14, 0 };
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 100 };

	return sl_scen_udp(w, cfg, t, &m, 1);
}

/* Base station 10.77.8.1 and core 198.51.100.80 exchange G-PDUs on UDP 2152 (uplink TEID
 * 0x1001, downlink 0x2002): a UE 10.45.0.2's TCP session to 203.0.113.80:443, then its
 * IPv6 UDP to [2001:db8:100::80]:9999 with sequence numbers and a PDU session container;
 * then an echo request/response between the two ends. */
int sl_scen_decode_gtpu(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_pb_tunnel tun = { .kind = SL_TUN_GTPU, .teid_up = 0x1001, .teid_down = 0x2002 };
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_pb_addr_parse(&tun.outer_client, "10.77.8.1") ||
	    sl_pb_addr_parse(&tun.outer_server, "198.51.100.80") ||
	    sl_scen_cfg(&cfg, "10.45.0.2", 47000, "203.0.113.80", 443, 10, 20))
		return -EINVAL;
	cfg.client.mss = cfg.server.mss = 1358;  /* GTP-U over IPv4/UDP: 1500 - 40 - 36 - 66 */
	cfg.link.tunnel = &tun;
	int rc = tcp_session(w, &cfg, &t);
	if (rc || sl_scen_cfg(&cfg, "2001:db8:45::2", 47001, "2001:db8:100::80", 9999, 10, 20))
		return rc ? rc : -EINVAL;
	tun.gtp_ext = true;
	cfg.link.tunnel = &tun;
	if ((rc = udp_exchange(w, &cfg, &t)) != 0 ||
	    sl_scen_cfg(&cfg, "10.77.8.1", 2152, "198.51.100.80", 2152, 1, 1))
		return rc ? rc : -EINVAL;
	return gtp_echo(w, &cfg, &t);
}

/* A DSL customer 10.77.12.2 in PPPoE session 0x1234 (MSS 1452: 1500 less 8 bytes of
 * PPPoE and PPP): TCP to 198.51.100.95:443, then IPv6 UDP to [2001:db8:100::95]:9999. */
int sl_scen_decode_pppoe(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, "10.77.12.2", 48000, "198.51.100.95", 443, 8, 20))
		return -EINVAL;
	cfg.client.mss = 1452;
	cfg.link.pppoe_session = 0x1234;
	int rc = tcp_session(w, &cfg, &t);
	if (rc || sl_scen_cfg(&cfg, "2001:db8:77::c", 48001, "2001:db8:100::95", 9999, 8, 20))
		return rc ? rc : -EINVAL;
	cfg.link.pppoe_session = 0x1234;
	return udp_exchange(w, &cfg, &t);
}
