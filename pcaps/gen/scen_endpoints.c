/* The "endpoints" scenario: a home LAN whose link plumbing must never make a subject (issue
 * #17): a DHCP lease from 0.0.0.0 (RFC 2131), a duplicate-address probe from :: (RFC 4862
 * 5.4), ARP (RFC 826), neighbour solicitations and advertisements with link-layer address
 * options (RFC 4861 4.3, 4.4, 4.6.1), one laptop seen by its IPv4, link-local and global
 * IPv6 addresses under one MAC, a server's port unreachable (RFC 792) and a router's
 * ICMPv6 time exceeded (RFC 4443 3.3), each quoting the packet it is about.  A's global address
 * is a long privacy-style one (RFC 8981), for the summary's columns. */
#include "scenarios.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct node {
	const char *v4, *ll, *gua;
	uint8_t mac[6];
};

/* The router (DHCP server, IPv6 router), laptop A (DHCP lease) and laptop B (ARP only). */
static const struct node router = { "10.77.40.1", "fe80::1", "2001:db8:40::1",
                                    { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x01 } };
static const struct node lap_a = { "10.77.40.10", "fe80::a", "2001:db8:40:0:5c1e:a1b2:c3d4:e5f6",
                                   { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x0a } };
static const struct node lap_b = { "10.77.40.11", NULL, "2001:db8:40::b",
                                   { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x0b } };

/* Wraps the IP datagram in b in Ethernet from smac to dmac, pads it to the 60-byte minimum
 * and adds it at t. */
static int eth_add(struct sl_pcapw *w, struct sl_pb *b, const uint8_t *smac, const uint8_t *dmac,
                   uint16_t ethertype, uint64_t t)
{
	static const uint8_t zero[60];
	struct sl_pb_eth e = { .ntags = 0 };

	memcpy(e.src, smac, 6);
	memcpy(e.dst, dmac, 6);
	int rc = sl_pb_eth(b, &e, ethertype);
	if (!rc && b->len < 60)
		rc = sl_pb_append(b, zero, 60 - b->len);
	return rc ? rc : sl_pcapw_add(w, t, sl_pb_data(b), b->len);
}

static int ip_of(struct sl_pb_ip *ip, const char *src, const char *dst, uint8_t ttl)
{
	memset(ip, 0, sizeof(*ip));
	ip->ttl = ttl;
	return sl_pb_addr_parse(&ip->src, src) || sl_pb_addr_parse(&ip->dst, dst) ? -EINVAL : 0;
}

/* Ethernet multicast for an IPv6 group (RFC 2464 7): 33:33 and its last four bytes. */
static void group_mac(const struct sl_pb_addr *g, uint8_t mac[6])
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, g->a + 12, 4);
}

/* A neighbour solicitation from src for target, to target's solicited-node group; with
 * `slla` its source link-layer address option (a probe from :: carries none). */
static int nd_ns(struct sl_pcapw *w, uint64_t t, const char *src, const char *target,
                 const uint8_t *mac, bool slla)
{
	struct sl_pb b;
	struct sl_pb_ip ip;
	struct sl_pb_addr tg;
	uint8_t body[28] = { 0 }, dmac[6];
	char group[48];

	if (sl_pb_addr_parse(&tg, target))
		return -EINVAL;
	snprintf(group, sizeof(group), "ff02::1:ff%02x:%02x%02x", tg.a[13], tg.a[14], tg.a[15]);
	if (ip_of(&ip, src, group, 255))
		return -EINVAL;
	memcpy(body + 4, tg.a, 16);
	body[20] = 1; /* source link-layer address, 8 bytes */
	body[21] = 1;
	memcpy(body + 22, mac, 6);
	sl_pb_init(&b);
	group_mac(&ip.dst, dmac);
	int rc = sl_pb_append(&b, body, slla ? 28 : 20);
	if (!rc)
		rc = sl_pb_icmp(&b, &ip, 135, 0);
	if (!rc)
		rc = sl_pb_ip(&b, &ip, 58);
	return rc ? rc : eth_add(w, &b, mac, dmac, 0x86dd, t);
}

/* The solicited advertisement (S and O flags) of target with its link-layer address. */
static int nd_na(struct sl_pcapw *w, uint64_t t, const char *target, const uint8_t *mac,
                 const char *to, const uint8_t *to_mac)
{
	struct sl_pb b;
	struct sl_pb_ip ip;
	uint8_t body[28] = { 0x60 };

	if (ip_of(&ip, target, to, 255))
		return -EINVAL;
	memcpy(body + 4, ip.src.a, 16);
	body[20] = 2; /* target link-layer address, 8 bytes */
	body[21] = 1;
	memcpy(body + 22, mac, 6);
	sl_pb_init(&b);
	int rc = sl_pb_append(&b, body, sizeof(body));
	if (!rc)
		rc = sl_pb_icmp(&b, &ip, 136, 0);
	if (!rc)
		rc = sl_pb_ip(&b, &ip, 58);
	return rc ? rc : eth_add(w, &b, mac, to_mac, 0x86dd, t);
}

/* ARP who-has the router's address from B (broadcast), and the router's reply. */
static int arp(struct sl_pcapw *w, uint64_t t)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct sl_pb_addr b_ip, r_ip;

	if (sl_pb_addr_parse(&b_ip, lap_b.v4) || sl_pb_addr_parse(&r_ip, router.v4))
		return -EINVAL;
	for (int reply = 0; reply <= 1; reply++) {
		const struct node *from = reply ? &router : &lap_b, *to = reply ? &lap_b : &router;
		uint8_t m[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, (uint8_t)(reply ? 2 : 1) };
		struct sl_pb b;
		memcpy(m + 8, from->mac, 6);
		memcpy(m + 14, (reply ? &r_ip : &b_ip)->a, 4);
		if (reply)
			memcpy(m + 18, to->mac, 6);
		memcpy(m + 24, (reply ? &b_ip : &r_ip)->a, 4);
		sl_pb_init(&b);
		int rc = sl_pb_append(&b, m, sizeof(m));
		if (!rc)
			rc = eth_add(w, &b, from->mac, reply ? to->mac : bcast, 0x0806,
			             t + (uint64_t)reply * 300);
		if (rc)
			return rc;
	}
	return 0;
}

/* A UDP datagram src:sport -> dst:dport with 32 filler bytes, and the ICMP error `from`
 * sends back about it after 20 ms, quoting all of it, as Linux does for a datagram this
 * small (RFC 792 asks for the IP header and 8 bytes at least; RFC 1812 4.3.2.3 and RFC
 * 4443 2.4 for as much as fits). */
static int udp_and_error(struct sl_pcapw *w, uint64_t t, const struct node *n, const char *src,
                         uint16_t sport, const char *dst, uint16_t dport, uint8_t ttl,
                         const char *from, uint8_t type, uint8_t code)
{
	struct sl_pb dg, err;
	struct sl_pb_ip ip, back;

	if (ip_of(&ip, src, dst, ttl) || ip_of(&back, from, src, 54))
		return -EINVAL;
	int rc = sl_scen_udp_datagram(&dg, &ip, sport, dport, 32, 0x17);
	uint8_t unused[4] = { 0 };
	sl_pb_init(&err);
	if (!rc)
		rc = sl_pb_append(&err, unused, 4);
	if (!rc)
		rc = sl_pb_append(&err, sl_pb_data(&dg), dg.len);
	if (!rc)
		rc = sl_pb_icmp(&err, &back, type, code);
	if (!rc)
		rc = sl_pb_ip(&err, &back, back.src.family == 4 ? 1 : 58);
	if (!rc)
		rc = eth_add(w, &dg, n->mac, router.mac, back.src.family == 4 ? 0x0800 : 0x86dd, t);
	return rc ? rc : eth_add(w, &err, router.mac, n->mac,
	                         back.src.family == 4 ? 0x0800 : 0x86dd, t + 20 * SL_MS);
}

/* A DNS question over link-local addresses from A to the router, and its answer. */
static int ll_dns(struct sl_pcapw *w, uint64_t t)
{
	static const uint8_t answer[4] = { 192, 0, 2, 10 };
	uint8_t q[128], a[160];
	size_t nq = sl_scen_dns(q, sizeof(q), 0x4a10, "sso.example.com", NULL);
	size_t na = sl_scen_dns(a, sizeof(a), 0x4a10, "sso.example.com", answer);
	struct sl_pb b;
	struct sl_pb_ip ip;
	int rc = nq && na ? 0 : -ENOSPC;

	for (int back = 0; back <= 1 && !rc; back++) {
		const struct node *from = back ? &router : &lap_a, *to = back ? &lap_a : &router;
		if (ip_of(&ip, from->ll, to->ll, 64))
			return -EINVAL;
		sl_pb_init(&b);
		rc = sl_pb_append(&b, back ? a : q, back ? na : nq);
		if (!rc)
			rc = sl_pb_udp(&b, &ip, back ? 53 : 53001, back ? 53001 : 53);
		if (!rc)
			rc = sl_pb_ip(&b, &ip, 17);
		if (!rc)
			rc = eth_add(w, &b, from->mac, to->mac, 0x86dd, t + (uint64_t)back * 2 * SL_MS);
	}
	return rc;
}

/* A short TLS session from a laptop on the LAN through the router. */
static int tls(struct sl_pcapw *w, uint64_t t, const struct node *n, const char *src,
               uint16_t cport, const char *server, const char *sni)
{
	struct sl_conv_cfg cfg;

	if (sl_scen_cfg(&cfg, src, cport, server, 443, 0, 12))
		return -EINVAL;
	cfg.client_delay_us = 250;
	memcpy(cfg.link.client_mac, n->mac, 6);
	memcpy(cfg.link.server_mac, router.mac, 6);
	return sl_scen_tls_session(w, &cfg, &t, sni, NULL, 2);
}

/* The link comes up: A's lease and probes, everyone's neighbours. */
static int plumbing(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_scen_dhcp d = { .mac = lap_a.mac, .router_mac = router.mac, .xid = 0x5f40000a,
	                          .hostname = "laptop-amiller" };
	uint64_t t = t0;

	if (sl_pb_addr_parse(&d.ip, lap_a.v4) || sl_pb_addr_parse(&d.router, router.v4))
		return -EINVAL;
	int rc = sl_scen_dhcp_lease(w, &t, &d);
	if (!rc)
		rc = nd_ns(w, t0 + 1 * SL_SEC, "::", lap_a.ll, lap_a.mac, false);
	if (!rc)
		rc = nd_ns(w, t0 + 1100 * SL_MS, lap_a.ll, router.ll, lap_a.mac, true);
	if (!rc)
		rc = nd_na(w, t0 + 1101 * SL_MS, router.ll, router.mac, lap_a.ll, lap_a.mac);
	if (!rc)
		rc = nd_ns(w, t0 + 1200 * SL_MS, lap_a.gua, router.gua, lap_a.mac, true);
	if (!rc)
		rc = nd_na(w, t0 + 1201 * SL_MS, router.gua, router.mac, lap_a.gua, lap_a.mac);
	if (!rc)
		rc = arp(w, t0 + 1300 * SL_MS);
	if (!rc)
		rc = nd_ns(w, t0 + 1400 * SL_MS, lap_b.gua, router.gua, lap_b.mac, true);
	if (!rc)
		rc = nd_na(w, t0 + 1401 * SL_MS, router.gua, router.mac, lap_b.gua, lap_b.mac);
	return rc;
}

int sl_scen_endpoints(struct sl_pcapw *w, uint64_t t0)
{
	int rc = plumbing(w, t0);

	if (!rc)
		rc = ll_dns(w, t0 + 2 * SL_SEC);
	if (!rc)
		rc = tls(w, t0 + 3 * SL_SEC, &lap_a, lap_a.v4, 50010, "192.0.2.10", "sso.example.com");
	if (!rc)
		rc = tls(w, t0 + 8 * SL_SEC, &lap_a, lap_a.gua, 50011, "2001:db8:51::30",
		         "git.example.com");
	if (!rc)
		rc = udp_and_error(w, t0 + 13 * SL_SEC, &lap_a, lap_a.v4, 50012, "198.51.100.50",
		                   33434, 64, "198.51.100.50", 3, 3);
	if (!rc)
		rc = tls(w, t0 + 14 * SL_SEC, &lap_b, lap_b.v4, 50020, "192.0.2.10", "sso.example.com");
	if (!rc)
		rc = udp_and_error(w, t0 + 19 * SL_SEC, &lap_b, lap_b.gua, 50021, "2001:db8:51::30",
		                   33435, 1, "2001:db8:ff::1", 3, 0);
	return rc;
}
