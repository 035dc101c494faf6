/* Unit tests for the DHCP parser (sensor/proto/dhcp.c) and the host table
 * of include/sightline/dhcp.h (sensor/proto/dhcp_table.c). */
#include "dnsbuild.h"
#include "sightline/dhcp.h"
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
	CHECK_EQ_STR(ph_str(&h, "dhcp.type"), "DISCOVER,REQUEST");
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
	struct sl_record r = { .flow = &s.flow, .dispatch = s.d, .event_type = "flow" };
	const struct sl_dhcp_table *t = sl_dhcp_table_of(&r);
	struct sl_dhcp_host host;
	struct sl_addr a;
	sl_addr_parse("10.77.0.50", &a);
	CHECK(t != NULL);
	CHECK(!sl_dhcp_lookup_ip(t, &a, &host)); /* only offered so far */
	server_msg(&m, 5);
	ph_feed(&s, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&s, "dhcp.type"), "OFFER,ACK");
	const struct sl_value *v = ph_get(&s, "dhcp.assigned_ip");
	CHECK(v && strcmp(sl_addr_format(&v->ip, ip, sizeof(ip)), "10.77.0.50") == 0);
	CHECK(ph_str(&s, "dhcp.hostname") == NULL); /* the server sent none */
	CHECK(sl_dhcp_lookup_ip(t, &a, &host));
	CHECK_EQ_STR(host.hostname, "laptop-jdoe");
	CHECK_EQ_STR(host.vendor_class, "MSFT 5.0");
	CHECK(memcmp(host.mac, mac, 6) == 0);
	CHECK(host.last_seen == s.now);
	CHECK(sl_dhcp_lookup_mac(t, mac, &host));
	CHECK_EQ_STR(sl_addr_format(&host.ip, ip, sizeof(ip)), "10.77.0.50");
	CHECK_EQ_INT(sl_dhcp_table_count(t), 1);
	ph_finish_shared(&s);
	ph_finish(&c);
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
	CHECK_EQ_STR(ph_str(&h, "dhcp.type"), "INFORM");
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
	test_table();
	test_odd_messages();
	return TEST_REPORT();
}
