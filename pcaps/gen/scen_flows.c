/* Scenario flows-basic: the flow-table basics (how flows start, end and time out) on
 * Ethernet, with handshake timings chosen so the expected RTTs are exact. */
#include "scenarios.h"

#include <errno.h>
#include <string.h>

#define LATE_GAP_US (700ull * SL_SEC)   /* beyond any default flow timeout */

/* 10.77.0.2:40000 -> 198.51.100.20:443, client leg 5 ms one way, server leg 40 ms:
 * SYN -> SYN/ACK = 80 ms (rtt.server_ms), SYN/ACK -> ACK = 10 ms (rtt.client_ms). */
static int tls_like_fin(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	uint8_t req[517], resp[1800];

	if (sl_scen_cfg(&cfg, "10.77.0.2", 40000, "198.51.100.20", 443, 5, 40))
		return -EINVAL;
	sl_scen_tls_record(req, sizeof(req), 0x17, 1);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, 2);
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 200 };
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
}

/* 10.77.0.2:40001 -> 198.51.100.21:80, one HTTP request and answer, then the client
 * resets. Delays 5 ms / 20 ms: rtt.server_ms 40, rtt.client_ms 10. */
static int http_rst(struct sl_pcapw *w, uint64_t *t)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: www.example.net\r\n"
	                          "User-Agent: sl-pcapgen\r\nAccept: */*\r\n\r\n";
	static const char resp[] = "HTTP/1.1 204 No Content\r\nServer: gen\r\n\r\n";
	struct sl_conv_cfg cfg;

	if (sl_scen_cfg(&cfg, "10.77.0.2", 40001, "198.51.100.21", 80, 5, 20))
		return -EINVAL;
	struct sl_conv_msg m = { req, strlen(req), resp, strlen(resp), 0, 1000 };
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_RST_CLIENT);
}

/* 10.77.0.3:51515 -> 203.0.113.7:22 joined mid-stream: data both ways, no SYN, no close. */
static int midstream(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	uint8_t a[96], b[144];

	if (sl_scen_cfg(&cfg, "10.77.0.3", 51515, "203.0.113.7", 22, 2, 30))
		return -EINVAL;
	sl_scen_tls_record(a, sizeof(a), 0x00, 3);   /* opaque bytes: SSH packets are encrypted */
	sl_scen_tls_record(b, sizeof(b), 0x00, 4);
	struct sl_conv_msg m[2] = {
		{ a, sizeof(a), b, sizeof(b), 0, 100 },
		{ a, sizeof(a), b, sizeof(b), 500 * SL_MS, 100 },
	};
	return sl_scen_tcp(w, &cfg, t, 0, m, 2, SL_SCEN_NO_CLOSE);
}

/* 10.77.0.2:40002 -> 192.0.2.99:8443: SYN plus two retransmissions (+1 s, +3 s). */
static int syn_only(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	struct sl_conv *c;

	if (sl_scen_cfg(&cfg, "10.77.0.2", 40002, "192.0.2.99", 8443, 5, 40))
		return -EINVAL;
	int rc = sl_conv_create(&c, &cfg, w, *t);
	if (rc)
		return rc;
	rc = sl_conv_tcp_syn_unanswered(c, 2);
	*t = sl_conv_time(c);
	sl_conv_destroy(c);
	return rc;
}

/* 10.77.0.2:53000 -> 192.0.2.53:53 DNS A query and answer; then a lone datagram
 * 10.77.0.2:41000 -> 198.51.100.30:9999 that nobody answers. */
static int udp_flows(struct sl_pcapw *w, uint64_t *t)
{
	static const uint8_t addr[4] = { 198, 51, 100, 20 };
	struct sl_conv_cfg cfg;
	uint8_t q[64], r[96];
	size_t qn = sl_scen_dns(q, sizeof(q), 0x5a17, "portal.example.com", NULL);
	size_t rn = sl_scen_dns(r, sizeof(r), 0x5a17, "portal.example.com", addr);

	if (!qn || !rn || sl_scen_cfg(&cfg, "10.77.0.2", 53000, "192.0.2.53", 53, 5, 10))
		return -EINVAL;
	struct sl_conv_msg m = { q, qn, r, rn, 0, 300 };
	int rc = sl_scen_udp(w, &cfg, t, &m, 1);
	if (rc || sl_scen_cfg(&cfg, "10.77.0.2", 41000, "198.51.100.30", 9999, 5, 40))
		return rc ? rc : -EINVAL;
	*t += SL_SEC;
	struct sl_conv_msg lone = { "ping?", 5, NULL, 0, 0, 0 };
	return sl_scen_udp(w, &cfg, t, &lone, 1);
}

/* ICMP echo 10.77.0.2 -> 198.51.100.20 (id 0x1234, seq 1) answered after 90 ms. */
static int icmp_echo(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	uint8_t data[32];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x10 + i);
	if (sl_scen_cfg(&cfg, "10.77.0.2", 0, "198.51.100.20", 0, 5, 40))
		return -EINVAL;
	int rc = sl_conv_create(&c, &cfg, w, *t);
	if (rc)
		return rc;
	rc = sl_conv_icmp_echo(c, 0x1234, 1, data, sizeof(data), true);
	*t = sl_conv_time(c);
	sl_conv_destroy(c);
	return rc;
}

/* [2001:db8:77::2]:40010 -> [2001:db8:100::20]:443, same delays as the IPv4 session. */
static int ipv6_fin(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	uint8_t req[300], resp[1200];

	if (sl_scen_cfg(&cfg, "2001:db8:77::2", 40010, "2001:db8:100::20", 443, 5, 40))
		return -EINVAL;
	cfg.client.mss = 1440;
	cfg.server.mss = 1440;
	sl_scen_tls_record(req, sizeof(req), 0x17, 5);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, 6);
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 200 };
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_SERVER);
}

/* One unrelated datagram 700 s later (10.77.0.9:123 -> 192.0.2.123:123) moves packet time
 * past every idle timeout, so flows still open expire in packet time. */
static int late_packet(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_conv_cfg cfg;
	uint8_t ntp[48] = { 0x23 };      /* LI 0, version 4, mode 3 (client) */

	if (sl_scen_cfg(&cfg, "10.77.0.9", 123, "192.0.2.123", 123, 1, 10))
		return -EINVAL;
	*t += LATE_GAP_US;
	struct sl_conv_msg m = { ntp, sizeof(ntp), NULL, 0, 0, 0 };
	return sl_scen_udp(w, &cfg, t, &m, 1);
}

int sl_scen_flows_basic(struct sl_pcapw *w, uint64_t t0)
{
	int (*const steps[])(struct sl_pcapw *, uint64_t *) = {
		tls_like_fin, http_rst, midstream, syn_only, udp_flows, icmp_echo, ipv6_fin, late_packet,
	};
	uint64_t t = t0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int rc = steps[i](w, &t);
		if (rc)
			return rc;
		t += SL_SEC;
	}
	return 0;
}
