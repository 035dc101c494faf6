/* Host-side subject scenarios (the sensor on a LAN, laptops named by their DHCP leases):
 * a laptop farm whose two company laptops are driven through AnyDesk relays abroad, and an
 * office where IT support's sanctioned TeamViewer sits beside an unsanctioned one.
 * Ground truth: pcaps/scenarios/<name>/truth.yaml; story and addresses: pcaps/README.md. */
#include "scenarios.h"

#include <errno.h>
#include <string.h>

/* A laptop on a LAN: its lease, its address and the router it talks through. */
struct lan_host {
	const char *ip;
	uint8_t mac[6];
	const char *hostname;
	uint32_t xid;
};

struct lan {
	const char *router;
	uint8_t router_mac[6];
};

static int lease(struct sl_pcapw *w, uint64_t t, const struct lan *l, const struct lan_host *h)
{
	struct sl_scen_dhcp d = { .mac = h->mac, .router_mac = l->router_mac, .xid = h->xid,
	                          .hostname = h->hostname };

	if (sl_pb_addr_parse(&d.ip, h->ip) || sl_pb_addr_parse(&d.router, l->router))
		return -EINVAL;
	return sl_scen_dhcp_lease(w, &t, &d);
}

/* A flow from a Windows laptop on the LAN (seen at TTL 128, 0.5 ms away) to server:sport,
 * the far side `server_ms` one way from the sensor, framed laptop MAC <-> router MAC. */
static int lan_cfg(struct sl_conv_cfg *cfg, const struct lan *l, const struct lan_host *h,
                   uint16_t cport, const char *server, uint16_t sport, uint32_t server_ms)
{
	if (sl_scen_cfg(cfg, h->ip, cport, server, sport, 0, server_ms))
		return -EINVAL;
	sl_scen_windows_side(&cfg->client, 128, 1460);
	cfg->client_delay_us = 250;
	memcpy(cfg->link.client_mac, h->mac, 6);
	memcpy(cfg->link.server_mac, l->router_mac, 6);
	return 0;
}

static int lan_tls(struct sl_pcapw *w, uint64_t t, const struct lan *l, const struct lan_host *h,
                   uint16_t cport, const char *server, uint16_t sport, uint32_t server_ms,
                   const char *sni, const char *alpn, unsigned records)
{
	struct sl_conv_cfg cfg;

	if (lan_cfg(&cfg, l, h, cport, server, sport, server_ms))
		return -EINVAL;
	return sl_scen_tls_session(w, &cfg, &t, sni, alpn, records);
}

/* ---- laptop-farm: the farm's LAN in Nashville ---- */

static const struct lan farm = { "10.77.30.1", { 0x02, 0x00, 0x5e, 0x30, 0x00, 0x01 } };
static const struct lan_host asmith = { "10.77.30.11", { 0x02, 0x00, 0x5e, 0x30, 0x00, 0x11 },
                                        "laptop-asmith", 0x5f300011 };
static const struct lan_host bjones = { "10.77.30.12", { 0x02, 0x00, 0x5e, 0x30, 0x00, 0x12 },
                                        "laptop-bjones", 0x5f300012 };

/* One round of the farm's day for one laptop: the operator's AnyDesk session through a
 * relay abroad, then the company SSO over the farm's single residential line. */
static int farm_round(struct sl_pcapw *w, uint64_t t, const struct lan_host *h, uint16_t cport,
                      const char *relay, uint16_t rport, const char *sni, const char *alpn)
{
	int rc = lan_tls(w, t, &farm, h, cport, relay, rport, 95, sni, alpn, 6);

	if (!rc)
		rc = lan_tls(w, t + 40 * SL_SEC, &farm, h, (uint16_t)(cport + 1), "192.0.2.10", 443,
		             11, "sso.example.com", NULL, 2);
	return rc;
}

int sl_scen_laptop_farm(struct sl_pcapw *w, uint64_t t0)
{
	static const char *ad_a = "relay-3f2a1c.net.anydesk.com", *ad_b = "relay-7b9e04.net.anydesk.com";
	const uint64_t hour = 3600ull * SL_SEC;
	int rc = lease(w, t0, &farm, &asmith);

	if (!rc)
		rc = lease(w, t0 + 3 * SL_SEC, &farm, &bjones);
	if (!rc)
		rc = farm_round(w, t0 + 20 * SL_SEC, &asmith, 49701, "198.51.100.141", 6568, ad_a,
		                "anydesk/8.0.9/windows");
	if (!rc)
		rc = farm_round(w, t0 + 35 * SL_SEC, &bjones, 49801, "198.51.100.142", 443, ad_b, NULL);
	if (!rc)
		rc = farm_round(w, t0 + hour + 20 * SL_SEC, &asmith, 49703, "198.51.100.141", 6568,
		                ad_a, "anydesk/8.0.9/windows");
	if (!rc)
		rc = farm_round(w, t0 + hour + 35 * SL_SEC, &bjones, 49803, "198.51.100.142", 443,
		                ad_b, NULL);
	return rc;
}

/* ---- sanctioned-support: the company office LAN in Austin ---- */

static const struct lan office = { "10.77.40.1", { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x01 } };
static const struct lan_host gwhite = { "10.77.40.21", { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x21 },
                                        "laptop-gwhite", 0x5f400021 };
static const struct lan_host hpark = { "10.77.40.22", { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x22 },
                                       "laptop-hpark", 0x5f400022 };

/* A TeamViewer session from h: TCP 5938 to the router .160, then 1 s later the UDP frame
 * pair to .161 (both in Frankfurt, 60 ms one way). */
static int tv_session(struct sl_pcapw *w, uint64_t t, const struct lan_host *h, uint16_t cport)
{
	struct sl_conv_cfg cfg;

	if (lan_cfg(&cfg, &office, h, cport, "198.51.100.160", 5938, 60))
		return -EINVAL;
	int rc = sl_scen_teamviewer_tcp(w, &cfg, &t);
	t += SL_SEC;
	if (!rc && lan_cfg(&cfg, &office, h, (uint16_t)(cport + 1), "198.51.100.161", 5938, 60))
		return -EINVAL;
	return rc ? rc : sl_scen_teamviewer_udp(w, &cfg, &t);
}

int sl_scen_sanctioned_support(struct sl_pcapw *w, uint64_t t0)
{
	const uint64_t min = 60ull * SL_SEC;
	int rc = lease(w, t0, &office, &gwhite);

	if (!rc)
		rc = lease(w, t0 + 5 * SL_SEC, &office, &hpark);
	if (!rc)
		rc = lan_tls(w, t0 + 62 * min, &office, &gwhite, 52101, "192.0.2.10", 443, 1,
		             "sso.example.com", NULL, 2);
	if (!rc)
		rc = lan_tls(w, t0 + 65 * min, &office, &hpark, 53101, "192.0.2.10", 443, 1,
		             "sso.example.com", NULL, 2);
	if (!rc)
		rc = tv_session(w, t0 + 70 * min, &gwhite, 52001);
	if (!rc)
		rc = tv_session(w, t0 + 150 * min, &hpark, 53001);
	if (!rc)
		rc = tv_session(w, t0 + 220 * min, &gwhite, 52003);
	return rc;
}
