/* Unit tests for the hosts table (include/sightline/hosts.h): each fact it
 * learns and the reads over it, and its parts -- the DNS names
 * (sensor/hosts/dns_cache.c), the DHCP clients (dhcp_table.c), the hosts
 * that named a signalling service (signalling.c) and the overlay peers
 * (peers.c). */
#include <stdio.h>
#include <string.h>

#include "sensor/hosts/dns_cache.h"
#include "sensor/hosts/hosts_priv.h"
#include "testhelp.h"

static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

static struct sl_addr addr(const char *text)
{
	struct sl_addr a;
	sl_addr_parse(text, &a);
	return a;
}

static struct sl_hosts *hosts_new(void)
{
	struct sl_config cfg;
	struct sl_hosts *h = NULL;
	char err[128];
	sl_config_init_defaults(&cfg);
	CHECK_EQ_INT(sl_hosts_create(&cfg, &h, err, sizeof(err)), 0);
	sl_config_finish(&cfg);
	return h;
}

static void test_facts(void)
{
	TEST("hosts: every kind of fact is learnt and read back; NULL tables learn nothing");
	struct sl_hosts *h = hosts_new();
	struct sl_host_fact f = { .kind = SL_HOST_DNS_NAME,
				  .dns = { addr("198.51.100.77"), "relay-1.net.anydesk.com" } };
	sl_hosts_learn(h, &f);
	CHECK_EQ_STR(sl_hosts_dns_name(h, &f.dns.addr), "relay-1.net.anydesk.com");
	struct sl_flow flow = { .cli = addr("10.77.0.2"), .srv = addr("198.51.100.77") };
	struct sl_record r = { .flow = &flow };
	sl_hosts_name_record(h, &r);
	CHECK_EQ_STR(r.dns_name[0], "");
	CHECK_EQ_STR(r.dns_name[1], "relay-1.net.anydesk.com");
	struct sl_value v;
	CHECK(sl_field_get(&sl_hosts_fields.fields[1], &r, &v) && strcmp(v.s, r.dns_name[1]) == 0);
	CHECK(!sl_field_get(&sl_hosts_fields.fields[0], &r, &v));

	f = (struct sl_host_fact){ .kind = SL_HOST_DHCP };
	memcpy(f.dhcp.mac, mac, 6);
	f.dhcp.ip = addr("10.77.0.50");
	snprintf(f.dhcp.hostname, sizeof(f.dhcp.hostname), "laptop-jdoe");
	sl_hosts_learn(h, &f);
	struct sl_dhcp_host host;
	CHECK(sl_hosts_dhcp_by_ip(h, &f.dhcp.ip, &host) && strcmp(host.hostname, "laptop-jdoe") == 0);
	CHECK(sl_hosts_dhcp_by_mac(h, mac, &host));
	CHECK_EQ_INT(sl_hosts_dhcp_count(h), 1);

	struct sl_packet p = { .src = addr("185.83.218.112"), .dst = addr("131.114.168.27"),
			       .sport = 655, .dport = 40000 };
	CHECK(!sl_hosts_has_overlay_peers(h) && !sl_hosts_overlay_channel(h, &p));
	f = (struct sl_host_fact){ .kind = SL_HOST_OVERLAY_PEER,
				   .peer = { addr("131.114.168.27"), addr("185.83.218.112"), 655 } };
	sl_hosts_learn(h, &f);
	CHECK(sl_hosts_has_overlay_peers(h) && sl_hosts_overlay_channel(h, &p));
	p.sport = 656; /* not the meta server's port */
	CHECK(!sl_hosts_overlay_channel(h, &p));

	sl_time_us t0 = 1772460000ULL * SL_US_PER_SEC;
	f = (struct sl_host_fact){ .kind = SL_HOST_SIGNALLING,
				   .signalling = { addr("10.77.0.2"), t0, t0 + SL_US_PER_SEC } };
	sl_hosts_learn(h, &f);
	CHECK(sl_hosts_signalled(h, &f.signalling.addr, t0 + 30 * SL_US_PER_SEC));
	CHECK(sl_hosts_signalled(h, &f.signalling.addr, t0 - 59 * SL_US_PER_SEC));
	CHECK(!sl_hosts_signalled(h, &f.signalling.addr, t0 - 61 * SL_US_PER_SEC));
	CHECK(!sl_hosts_signalled(h, &f.signalling.addr, t0 + 602 * SL_US_PER_SEC));
	struct sl_addr other = addr("10.77.0.3");
	CHECK(!sl_hosts_signalled(h, &other, t0));
	sl_hosts_destroy(h);

	sl_hosts_learn(NULL, &f); /* an engine without a table drops facts */
	CHECK(sl_hosts_dns_name(NULL, &other) == NULL);
	CHECK(!sl_hosts_dhcp_by_ip(NULL, &other, &host));
	CHECK(!sl_hosts_signalled(NULL, &other, t0));
	CHECK(!sl_hosts_overlay_channel(NULL, &p));
	sl_hosts_destroy(NULL);
}

static void test_peer_ring(void)
{
	TEST("overlay peers: a ring of the latest SL_OVERLAY_PEERS meta connections");
	struct sl_overlay_peers g = { .used = 0 };
	struct sl_addr cli = addr("10.0.0.1"), srv = addr("10.0.1.1");
	sl_overlay_peers_add(&g, &cli, &srv, 655);
	for (int i = 0; i < SL_OVERLAY_PEERS; i++) {
		struct sl_addr c = addr("10.0.0.2");
		c.b[3] = (uint8_t)(2 + i);
		sl_overlay_peers_add(&g, &c, &srv, 655);
	}
	CHECK_EQ_INT(g.used, SL_OVERLAY_PEERS);
	struct sl_packet p = { .src = cli, .dst = srv, .sport = 40000, .dport = 655 };
	CHECK(!sl_overlay_peers_channel(&g, &p)); /* the first one was overwritten */
	p.src.b[3] = 2 + SL_OVERLAY_PEERS - 1;
	CHECK(sl_overlay_peers_channel(&g, &p));
}

static void test_cache_eviction(void)
{
	TEST("dns cache: hit, miss, update, LRU eviction when a set is full");
	struct sl_dns_cache *c;
	struct sl_addr a[9];
	CHECK_EQ_INT(sl_dns_cache_create(8, &c), 0); /* one set of 8 */
	for (int i = 0; i < 9; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		sl_addr_parse(ip, &a[i]);
	}
	for (int i = 0; i < 8; i++)
		sl_dns_cache_put(c, &a[i], i == 0 ? "zero.example" : "n.example");
	CHECK_EQ_STR(sl_dns_cache_get(c, &a[0]), "zero.example"); /* refreshes a[0] */
	sl_dns_cache_put(c, &a[8], "eight.example");             /* evicts a[1], the LRU */
	CHECK(sl_dns_cache_get(c, &a[1]) == NULL);
	CHECK_EQ_STR(sl_dns_cache_get(c, &a[0]), "zero.example");
	CHECK_EQ_STR(sl_dns_cache_get(c, &a[8]), "eight.example");
	sl_dns_cache_put(c, &a[8], "renamed.example");
	CHECK_EQ_STR(sl_dns_cache_get(c, &a[8]), "renamed.example");
	const struct sl_dns_cache_stats *st = sl_dns_cache_stats(c);
	CHECK_EQ_INT(st->capacity, 8);
	CHECK_EQ_INT(st->inserts, 9);
	CHECK_EQ_INT(st->evictions, 1);
	CHECK_EQ_INT(st->updates, 1);
	CHECK_EQ_INT(st->misses, 1);
	sl_dns_cache_destroy(c);
	CHECK_EQ_INT(sl_dns_cache_create(0, &c), 0); /* disabled: stores nothing */
	sl_dns_cache_put(c, &a[0], "x");
	CHECK(sl_dns_cache_get(c, &a[0]) == NULL);
	sl_dns_cache_destroy(c);
	sl_dns_cache_destroy(NULL);
}

static void test_table(void)
{
	TEST("dhcp table: merge, moved address, eviction of the least recently learned");
	struct sl_dhcp_table *t;
	struct sl_dhcp_host h, out;
	CHECK_EQ_INT(sl_dhcp_table_create(8, &t), 0);
	memset(&h, 0, sizeof(h));
	memcpy(h.mac, mac, 6);
	snprintf(h.hostname, sizeof(h.hostname), "pikvm");
	sl_addr_parse("10.77.0.60", &h.ip);
	sl_dhcp_table_learn(t, &h);
	memset(h.hostname, 0, sizeof(h.hostname));
	snprintf(h.vendor_class, sizeof(h.vendor_class), "dhcpcd-9.4.1");
	sl_addr_parse("10.77.0.61", &h.ip);
	sl_dhcp_table_learn(t, &h); /* same MAC: merged, moved */
	CHECK(sl_dhcp_lookup_mac(t, mac, &out));
	CHECK_EQ_STR(out.hostname, "pikvm");
	CHECK_EQ_STR(out.vendor_class, "dhcpcd-9.4.1");
	struct sl_addr old;
	sl_addr_parse("10.77.0.60", &old);
	CHECK(!sl_dhcp_lookup_ip(t, &old, &out)); /* the host moved */
	CHECK(sl_dhcp_lookup_ip(t, &h.ip, &out));
	for (uint8_t i = 1; i <= 8; i++) {
		struct sl_dhcp_host o = { .mac = { 0x02, 0, 0, 0, 1, i } };
		sl_dhcp_table_learn(t, &o);
	}
	CHECK_EQ_INT(sl_dhcp_table_count(t), 8);
	CHECK(!sl_dhcp_lookup_mac(t, mac, &out)); /* the oldest went */
	const uint8_t last[6] = { 0x02, 0, 0, 0, 1, 8 };
	CHECK(sl_dhcp_lookup_mac(t, last, &out));
	sl_dhcp_table_destroy(t);
	CHECK_EQ_INT(sl_dhcp_table_create(0, &t), 0);
	sl_dhcp_table_learn(t, &h);
	CHECK(!sl_dhcp_lookup_mac(t, mac, &out));
	CHECK_EQ_INT(sl_dhcp_table_count(t), 0);
	sl_dhcp_table_destroy(t);
	sl_dhcp_table_destroy(NULL);
	CHECK(!sl_dhcp_lookup_mac(NULL, mac, &out));
}

static void test_neighbours(void)
{
	TEST("hosts: ARP/ND bindings give an address's MAC; a DHCP lease comes first");
	struct sl_hosts *h = hosts_new();
	static const uint8_t other[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x99 };
	struct sl_host_fact f = { .kind = SL_HOST_NEIGHBOUR };
	uint8_t got[6];
	f.neighbour.addr = addr("fe80::2");
	memcpy(f.neighbour.mac, mac, 6);
	sl_hosts_learn(h, &f);
	CHECK(sl_hosts_mac_of(h, &f.neighbour.addr, got) && memcmp(got, mac, 6) == 0);
	struct sl_addr v4 = addr("10.77.0.50");
	CHECK(!sl_hosts_mac_of(h, &v4, got));
	f.neighbour.addr = v4; /* ARP says other; the DHCP lease says mac */
	memcpy(f.neighbour.mac, other, 6);
	sl_hosts_learn(h, &f);
	CHECK(sl_hosts_mac_of(h, &v4, got) && memcmp(got, other, 6) == 0);
	struct sl_host_fact d = { .kind = SL_HOST_DHCP };
	memcpy(d.dhcp.mac, mac, 6);
	d.dhcp.ip = v4;
	sl_hosts_learn(h, &d);
	CHECK(sl_hosts_mac_of(h, &v4, got) && memcmp(got, mac, 6) == 0);
	f.neighbour.addr = addr("fe80::2"); /* the address moved to another host */
	sl_hosts_learn(h, &f);
	CHECK(sl_hosts_mac_of(h, &f.neighbour.addr, got) && memcmp(got, other, 6) == 0);
	CHECK(!sl_hosts_mac_of(NULL, &v4, got));
	sl_hosts_destroy(h);
}

int main(void)
{
	test_neighbours();
	test_facts();
	test_peer_ring();
	test_cache_eviction();
	test_table();
	return TEST_REPORT();
}
