/* Scenario tunnel-mss: one TCP handshake per MSS plateau a tunnel or access link leaves in
 * the client's SYN (RFC 6691: MSS = MTU - 40 for IPv4, - 60 for IPv6), over IPv4 and IPv6. */
#include "scenarios.h"

#include <errno.h>

/* Link MTUs: Ethernet, PPPoE, WireGuard (wg-quick default and the common 1400), GRE/IPsec,
 * IPIP/SIT, PPTP, and 1440 (a generic tunnel). IPv4 SYNs carry MSS 1460, 1452, 1380, 1360,
 * 1436, 1440, 1450, 1400; the IPv6 SYNs the same MTUs less 60. */
static const uint16_t mtus[] = { 1500, 1492, 1420, 1400, 1476, 1480, 1490, 1440 };

/* 10.77.8.2:46000+i -> 198.51.100.80:443 and [2001:db8:77::8]:46100+i ->
 * [2001:db8:100::80]:443, c 5 ms, s 20 ms, handshake only (the flows end at shutdown). */
int sl_scen_tunnel_mss(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;

	for (size_t v6 = 0; v6 < 2; v6++) {
		for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
			struct sl_conv_cfg cfg;
			uint16_t port = (uint16_t)(46000 + 100 * v6 + i);
			if (sl_scen_cfg(&cfg, v6 ? "2001:db8:77::8" : "10.77.8.2", port,
			                v6 ? "2001:db8:100::80" : "198.51.100.80", 443, 5, 20))
				return -EINVAL;
			cfg.client.mss = (uint16_t)(mtus[i] - (v6 ? 60 : 40));
			int rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, NULL, 0, SL_SCEN_NO_CLOSE);
			if (rc)
				return rc;
			t += 100 * SL_MS;
		}
	}
	return 0;
}
