/* Scenario time-steps: a capture whose clock steps back and forth, as when two captures
 * are joined end to end or a sensor's clock is set back, with flows on both sides of the
 * steps, for flow timeouts that must not depend on how the capture is shared by workers. */
#include "scenarios.h"

#include <errno.h>

/* One UDP exchange client -> server at *t (the answer `resp` bytes after 10 ms, none when
 * resp is 0); 48 bytes of request. */
static int udp_once(struct sl_pcapw *w, uint64_t t, const char *cli, uint16_t cport,
                    const char *srv, uint16_t sport, size_t resp)
{
	struct sl_conv_cfg cfg;
	uint8_t req[48] = { 0x23 }, ans[48] = { 0x24 };

	if (sl_scen_cfg(&cfg, cli, cport, srv, sport, 1, 4))
		return -EINVAL;
	struct sl_conv_msg m = { req, sizeof(req), resp ? ans : NULL, resp, 0, 100 };
	return sl_scen_udp(w, &cfg, &t, &m, 1);
}

/* 10.77.0.2:41000 -> 198.51.100.20:443: handshake, one exchange, client FIN. */
static int tls_like(struct sl_pcapw *w, uint64_t t)
{
	struct sl_conv_cfg cfg;
	uint8_t req[300], resp[900];

	if (sl_scen_cfg(&cfg, "10.77.0.2", 41000, "198.51.100.20", 443, 5, 40))
		return -EINVAL;
	sl_scen_tls_record(req, sizeof(req), 0x17, 21);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, 22);
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 200 };
	return sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
}

/*
 * Four segments, each written after the one before whatever its times:
 *   1. t0+500 s: DNS 10.77.0.2:40100 -> 192.0.2.53 answered; a TLS-like session.
 *   2. back to t0: NTP 10.77.0.10:123 -> 192.0.2.123 answered; at t0+10 s a lone datagram
 *      10.77.0.5:41005 -> 198.51.100.40:9000.
 *   3. forward to t0+600 s: DNS 10.77.0.3:40200 -> 192.0.2.53 answered.
 *   4. back to t0+2 s: the NTP exchange again; at t0+400 s the lone datagram's tuple again
 *      (390 s after its first datagram, past the 120 s UDP timeout in its own time).
 * The capture's clock (its latest time so far) never passes 500 s + 120 s, so the NTP
 * flow is one flow of four packets; the datagrams are two flows.
 */
int sl_scen_time_steps(struct sl_pcapw *w, uint64_t t0)
{
	int rc = udp_once(w, t0 + 500 * (uint64_t)SL_SEC, "10.77.0.2", 40100, "192.0.2.53", 53, 48);
	if (!rc)
		rc = tls_like(w, t0 + 500 * (uint64_t)SL_SEC + 500 * SL_MS);
	sl_pcapw_step(w);
	if (!rc)
		rc = udp_once(w, t0, "10.77.0.10", 123, "192.0.2.123", 123, 48);
	if (!rc)
		rc = udp_once(w, t0 + 10 * SL_SEC, "10.77.0.5", 41005, "198.51.100.40", 9000, 0);
	sl_pcapw_step(w);
	if (!rc)
		rc = udp_once(w, t0 + 600 * (uint64_t)SL_SEC, "10.77.0.3", 40200, "192.0.2.53", 53, 48);
	sl_pcapw_step(w);
	if (!rc)
		rc = udp_once(w, t0 + 2 * SL_SEC, "10.77.0.10", 123, "192.0.2.123", 123, 48);
	if (!rc)
		rc = udp_once(w, t0 + 400 * (uint64_t)SL_SEC, "10.77.0.5", 41005, "198.51.100.40", 9000, 0);
	return rc;
}
