/* Link-type scenarios: the same small traffic (a TCP handshake and one UDP datagram)
 * under each link-layer header the decoder must accept. */
#include "scenarios.h"

#include <errno.h>

/* TCP handshake on family tcp_v6 ? IPv6 : IPv4, then one UDP datagram on udp_v6's family.
 * Client 10.77.7.2 / 2001:db8:77::7, server 198.51.100.70 / 2001:db8:100::70.  swapped:
 * a loopback header's family in the other byte order. */
static int link_swapped(struct sl_pcapw *w, uint64_t t0, uint32_t linktype, bool tcp_v6,
                        bool udp_v6, bool swapped)
{
	static const char *const c[2] = { "10.77.7.2", "2001:db8:77::7" };
	static const char *const s[2] = { "198.51.100.70", "2001:db8:100::70" };
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, c[tcp_v6], 45000, s[tcp_v6], 443, 5, 15))
		return -EINVAL;
	cfg.link.linktype = linktype;
	cfg.link.ifindex = 2;
	cfg.link.null_swapped = swapped;
	int rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, NULL, 0, SL_SCEN_NO_CLOSE);
	if (rc || sl_scen_cfg(&cfg, c[udp_v6], 45001, s[udp_v6], 9999, 5, 15))
		return rc ? rc : -EINVAL;
	cfg.link.linktype = linktype;
	cfg.link.ifindex = 2;
	cfg.link.null_swapped = swapped;
	t += 100 * SL_MS;
	struct sl_conv_msg m = { "datagram", 8, NULL, 0, 0, 0 };
	return sl_scen_udp(w, &cfg, &t, &m, 1);
}

static int link_scenario(struct sl_pcapw *w, uint64_t t0, uint32_t linktype, bool tcp_v6,
                         bool udp_v6)
{
	return link_swapped(w, t0, linktype, tcp_v6, udp_v6, false);
}

int sl_scen_link_chdlc(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_C_HDLC, false, true);
}

/* Darwin's utun writes DLT_NULL's family in network order. */
int sl_scen_link_null_swapped(struct sl_pcapw *w, uint64_t t0)
{
	return link_swapped(w, t0, SL_LINKTYPE_NULL, false, true, true);
}

int sl_scen_link_loop_swapped(struct sl_pcapw *w, uint64_t t0)
{
	return link_swapped(w, t0, SL_LINKTYPE_LOOP, false, true, true);
}

int sl_scen_link_sll(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_LINUX_SLL, false, true);
}

int sl_scen_link_sll2(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_LINUX_SLL2, false, true);
}

int sl_scen_link_null(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_NULL, false, true);
}

int sl_scen_link_loop(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_LOOP, false, true);
}

int sl_scen_link_raw(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_RAW, false, true);
}

int sl_scen_link_ipv4(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_IPV4, false, false);
}

int sl_scen_link_ipv6(struct sl_pcapw *w, uint64_t t0)
{
	return link_scenario(w, t0, SL_LINKTYPE_IPV6, true, true);
}
