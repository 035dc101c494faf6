/* Unit tests for the DHCP parser (sensor/proto/dhcp.c) and what it tells
 * the hosts table (include/sightline/hosts.h). */
#include "dnsbuild.h"
#include "testhelp.h"

static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t params[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };

/* BOOTP fixed part (RFC 2131 §2) with the magic cookie; options follow. */
static void dhcp_fixed(struct mb *m, uint8_t op, const uint8_t *ciaddr, const uint8_t *yiaddr)
{
	memset(m->b, 0, 240);
	m->b[0] = op;
	m->b[1] = 1;
	m->b[2] = 6;
	memcpy(m->b + 4, "\x3a\x5c\x10\x01", 4);
	if (ciaddr)
		memcpy(m->b + 12, ciaddr, 4);
	if (yiaddr)
		memcpy(m->b + 16, yiaddr, 4);
	memcpy(m->b + 28, mac, 6);
	memcpy(m->b + 236, "\x63\x82\x53\x63", 4);
	m->n = 240;
}

static void opt(struct mb *m, uint8_t code, const void *v, size_t len)
{
	mb_u8(m, code);
	mb_u8(m, (uint8_t)len);
	mb_bytes(m, v, len);
}

static void client_msg(struct mb *m, uint8_t type, bool with_request)
{
	dhcp_fixed(m, 1, NULL, NULL);
	opt(m, 53, &type, 1);
	opt(m, 61, "\x01\x02\x00\x5e\x10\x00\x02", 7);
	if (with_request)
		opt(m, 50, "\x0a\x4d\x00\x32", 4);
	opt(m, 12, "laptop-jdoe", 11);
	opt(m, 60, "MSFT 5.0", 8);
	opt(m, 55, params, sizeof(params));
	mb_u8(m, 255);
}

static void server_msg(struct mb *m, uint8_t type)
{
	dhcp_fixed(m, 2, NULL, (const uint8_t *)"\x0a\x4d\x00\x32");
	opt(m, 53, &type, 1);
	opt(m, 54, "\x0a\x4d\x00\x01", 4);
	opt(m, 51, "\x00\x00\x0e\x10", 4);
	mb_u8(m, 255);
}

static void test_client_flow(void)
{
	TEST("dhcp: DISCOVER and REQUEST from 0.0.0.0:68");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "0.0.0.0", 68, "255.255.255.255", 67);
	client_msg(&m, 1, false);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	client_msg(&m, 3, true);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "dhcp");
	CHECK_EQ_STR(ph_str(&h, "dhcp.message_types"), "DISCOVER,REQUEST");
	CHECK_EQ_STR(ph_str(&h, "dhcp.client_mac"), "02:00:5e:10:00:02");
	CHECK_EQ_STR(ph_str(&h, "dhcp.hostname"), "laptop-jdoe");
	CHECK_EQ_STR(ph_str(&h, "dhcp.vendor_class"), "MSFT 5.0");
	CHECK_EQ_STR(ph_str(&h, "dhcp.client_id"), "01:02:00:5e:10:00:02");
	CHECK_EQ_STR(ph_str(&h, "dhcp.param_list"), "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	const struct sl_value *v = ph_get(&h, "dhcp.requested_ip");
	char ip[SL_ADDR_STRLEN];
	CHECK(v && strcmp(sl_addr_format(&v->ip, ip, sizeof(ip)), "10.77.0.50") == 0);
	CHECK(ph_get(&h, "dhcp.assigned_ip") == NULL);
	ph_finish(&h);
}

static void test_server_flow_and_table(void)
{
	TEST("dhcp: OFFER and ACK assign the address; the host table joins both flows");
	struct ph c, s;
	struct mb m;
	char ip[SL_ADDR_STRLEN];
	ph_init(&c, 17, "0.0.0.0", 68, "255.255.255.255", 67);
	client_msg(&m, 1, false);
	ph_feed(&c, SL_DIR_TOSERVER, m.b, m.n);
	ph_init_shared(&s, &c, 17, "10.77.0.1", 67, "255.255.255.255", 68);
	server_msg(&m, 2);
	ph_feed(&s, SL_DIR_TOSERVER, m.b, m.n);
	const struct sl_hosts *t = s.hosts;
	struct sl_dhcp_host host;
	struct sl_addr a;
	sl_addr_parse("10.77.0.50", &a);
	CHECK(!sl_hosts_dhcp_by_ip(t, &a, &host)); /* only offered so far */
	server_msg(&m, 5);
	ph_feed(&s, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&s, "dhcp.message_types"), "OFFER,ACK");
	const struct sl_value *v = ph_get(&s, "dhcp.assigned_ip");
	CHECK(v && strcmp(sl_addr_format(&v->ip, ip, sizeof(ip)), "10.77.0.50") == 0);
	CHECK(ph_str(&s, "dhcp.hostname") == NULL); /* the server sent none */
	CHECK(sl_hosts_dhcp_by_ip(t, &a, &host));
	CHECK_EQ_STR(host.hostname, "laptop-jdoe");
	CHECK_EQ_STR(host.vendor_class, "MSFT 5.0");
	CHECK(memcmp(host.mac, mac, 6) == 0);
	CHECK(host.last_seen == s.now);
	CHECK(sl_hosts_dhcp_by_mac(t, mac, &host));
	CHECK_EQ_STR(sl_addr_format(&host.ip, ip, sizeof(ip)), "10.77.0.50");
	CHECK_EQ_INT(sl_hosts_dhcp_count(t), 1);
	ph_finish_shared(&s);
	ph_finish(&c);
}

static void test_odd_messages(void)
{
	TEST("dhcp: overload, NUL-padded name, truncated options, not DHCP");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "0.0.0.0", 68, "255.255.255.255", 67);
	dhcp_fixed(&m, 1, (const uint8_t *)"\x0a\x4d\x00\x33", NULL);
	memcpy(m.b + 108, "\x0c\x06kvm\x01\x00\x00\xff", 9); /* option 12 in the file field */
	opt(&m, 53, "\x08", 1);
	opt(&m, 52, "\x01", 1);
	char vendor[30] = "long-vendor";
	opt(&m, 60, vendor, sizeof(vendor));                   /* cut below: runs past the end */
	ph_feed_copy(&h, SL_DIR_TOSERVER, m.b, m.n - 19);
	CHECK_EQ_STR(ph_str(&h, "dhcp.message_types"), "INFORM");
	CHECK_EQ_STR(ph_str(&h, "dhcp.hostname"), "kvm?");
	CHECK(ph_str(&h, "dhcp.vendor_class") == NULL);
	ph_finish(&h);
	for (size_t len = 0; len < 260; len++) { /* every cut of a message */
		client_msg(&m, 3, true);
		ph_init(&h, 17, "0.0.0.0", 68, "255.255.255.255", 67);
		ph_feed_copy(&h, SL_DIR_TOSERVER, m.b, len);
		CHECK((ph_str(&h, "app_proto") != NULL) == (len >= 240));
		ph_finish(&h);
	}
	ph_init(&h, 17, "10.77.0.2", 68, "10.77.0.1", 67);
	client_msg(&m, 1, false);
	m.b[239] = 0x64; /* wrong cookie */
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK(ph_str(&h, "app_proto") == NULL);
	CHECK(ph_str(&h, "dhcp.hostname") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_client_flow();
	test_server_flow_and_table();
	test_odd_messages();
	return TEST_REPORT();
}
