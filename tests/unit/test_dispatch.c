/* Unit tests for the dispatcher: the offering of non-TCP/UDP flows
 * (SL_L4_OTHER) and the end of inspection. */
#include "protohelp.h"
#include "testhelp.h"

/* ESP (IP protocol 50) reaches parsers that ask for SL_L4_OTHER, within
 * the UDP inspection limit. */
static void test_l4_other(void)
{
	TEST("dispatch: other IP protocols go to SL_L4_OTHER parsers, UDP limit applies");
	static const uint8_t a[12] = { 0, 0, 0x10, 0, 0, 0, 0, 1, 9, 9, 9, 9 };
	static const uint8_t b[12] = { 0, 0, 0x20, 0, 0, 0, 0, 1, 9, 9, 9, 9 };
	for (int limit = 1; limit <= 2; limit++) {
		struct ph h;
		ph_init(&h, 50, "10.0.0.2", 0, "198.51.100.1", 0);
		h.cfg.inspect.udp_packets = (uint32_t)limit;
		ph_feed(&h, SL_DIR_TOSERVER, a, sizeof(a));
		ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
		if (limit == 1)
			CHECK(ph_str(&h, "app_proto") == NULL && h.flow.inspect_done);
		else
			CHECK_EQ_STR(ph_str(&h, "app_proto"), "esp");
		ph_finish(&h);
	}
	struct ph h;
	ph_init(&h, 1, "10.0.0.2", 0, "198.51.100.1", 0); /* ICMP: offered, nobody takes it */
	ph_feed(&h, SL_DIR_TOSERVER, a, sizeof(a));
	ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_l4_other();
	return TEST_REPORT();
}
