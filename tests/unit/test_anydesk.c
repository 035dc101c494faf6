/* Unit tests for the AnyDesk LAN-discovery detector (sensor/proto/anydesk.c). */
#include "protohelp.h"
#include "testhelp.h"

static const uint8_t beacon[] = { 0x3e, 0xd1, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
				  'l', 'a', 'p', 't', 'o', 'p', '-', '7' };

static void test_multicast(void)
{
	TEST("anydesk: discovery to 239.255.102.18:50001 is wire evidence");
	struct ph h;
	ph_init(&h, 17, "10.77.0.21", 50001, "239.255.102.18", 50001);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);

	ph_init(&h, 17, "10.77.0.21", 40123, "239.255.102.18", 50003);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	ph_finish(&h);
}

static void test_broadcast_is_port_only(void)
{
	TEST("anydesk: the broadcast variant names the product by port only");
	struct ph h;
	ph_init(&h, 17, "10.77.0.21", 50001, "255.255.255.255", 50001);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "port");
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

static void test_negative(void)
{
	TEST("anydesk: other groups, other ports, empty datagrams, unicast on 50001");
	struct ph h;
	ph_init(&h, 17, "10.77.0.21", 50001, "239.255.102.19", 50001);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 17, "10.77.0.21", 50001, "239.255.102.18", 50004);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 17, "10.77.0.21", 50001, "239.255.102.18", 50001);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, 0);
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 17, "10.77.0.21", 40000, "198.51.100.9", 50001);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	ph_feed(&h, SL_DIR_TOCLIENT, beacon, sizeof(beacon));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.77.0.21", 40000, "198.51.100.9", 6568);
	ph_feed(&h, SL_DIR_TOSERVER, beacon, sizeof(beacon));
	ph_feed(&h, SL_DIR_TOCLIENT, beacon, sizeof(beacon));
	CHECK(ph_str(&h, "app") == NULL); /* the port alone claims nothing here */
	ph_finish(&h);
}

int main(void)
{
	test_multicast();
	test_broadcast_is_port_only();
	test_negative();
	return TEST_REPORT();
}
