/* Unit tests for the dispatcher's per-flow product claims (app, category,
 * app_source): stronger evidence wins, weaker never overrides. */
#include "protohelp.h"
#include "testhelp.h"

static void test_precedence(void)
{
	TEST("app: a stronger source overrides, a weaker or equal one does not");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 5938);
	CHECK(ph_str(&h, "app") == NULL);
	h.ended = false;
	sl_app_set_product(&h.flow, "teamviewer", "remote-access", SL_SRC_PORT);
	CHECK_EQ_STR(ph_str(&h, "app"), "teamviewer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "port");
	sl_app_set_product(&h.flow, "anydesk", "remote-access", SL_SRC_SNI);
	sl_app_set_product(&h.flow, "nordvpn", "vpn", SL_SRC_DNS);       /* weaker: ignored */
	sl_app_set_product(&h.flow, "splashtop", "remote-access", SL_SRC_SNI); /* equal: first kept */
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "sni");
	sl_app_set_product(&h.flow, "openvpn", "vpn", SL_SRC_WIRE);
	CHECK_EQ_STR(ph_str(&h, "app"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	CHECK_EQ_STR(sl_app_source_name(SL_SRC_ADDRESS_LIST), "address-list");
	ph_finish(&h);
}

int main(void)
{
	test_precedence();
	return TEST_REPORT();
}
