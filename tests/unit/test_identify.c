/* Unit tests for the identification stage (include/sightline/identify.h):
 * product claims (stronger evidence wins, weaker never overrides), the
 * fixed order of the steps -- the parsers' framing, IP-KVM, names,
 * association -- rather than the parsers' registry order, and
 * identification from the hosts table alone, without a dispatcher. */
#include "dnsbuild.h"
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

/* The parsers' framing claims through the dispatcher: by wire beats by
 * port, the first of equal claims stays; the identification takes the
 * claim with its strength. */
static void test_framing_claim(void)
{
	TEST("identify: the parsers' product claim, by port or by wire, is weighed as such");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "10.77.0.2", 40000, "192.0.2.53", 53);
	mb_query(&m, 1, "example.org", 1);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n); /* the DNS parser's state: the flow's block */
	sl_proto_claim_product(&h.flow, "anydesk", "remote-access", SL_PROTO_BY_PORT);
	CHECK_EQ_STR(ph_str(&h, "app_source"), "port");
	sl_proto_claim_product(&h.flow, "teamviewer", "remote-access", SL_PROTO_BY_WIRE);
	sl_proto_claim_product(&h.flow, "rustdesk", "remote-access", SL_PROTO_BY_WIRE); /* equal: later */
	CHECK_EQ_STR(ph_str(&h, "app"), "teamviewer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	const char *app, *cat;
	enum sl_proto_evidence ev;
	CHECK(sl_proto_product_claim(&h.flow, &app, &cat, &ev) && ev == SL_PROTO_BY_WIRE);
	ph_finish(&h);
}

/* A Tor directory request is a wire claim of the names step; a parser's
 * framing claim of the same strength comes first and stays, whatever the
 * parsers' order in the registry. */
static void test_step_order(void)
{
	TEST("identify: of equal claims the parsers' framing (step 1) beats names (step 3)");
	static const char req[] = "GET /tor/status-vote/current/consensus.z HTTP/1.0\r\n"
				  "Host: 198.51.100.1\r\n\r\n";
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	CHECK_EQ_STR(ph_str(&h, "app"), "tor"); /* names alone */
	ph_finish(&h);
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	sl_proto_claim_product(&h.flow, "teamviewer", "remote-access", SL_PROTO_BY_WIRE);
	CHECK_EQ_STR(ph_str(&h, "app"), "teamviewer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);
}

/* Identification reads the hosts table, not a dispatcher: a flow no
 * parser took is named by the DNS answer its server got. */
static void test_hosts_only(void)
{
	TEST("identify: a flow no parser took is named from the hosts table alone");
	struct sl_config cfg;
	struct sl_identify *id = NULL;
	struct sl_hosts *hosts = NULL;
	char err[128];
	sl_config_init_defaults(&cfg);
	free(cfg.identify.signatures);
	cfg.identify.signatures = strdup(SL_SOURCE_ROOT "/rules/products");
	CHECK_EQ_INT(sl_identify_create(&cfg, &id, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_hosts_create(&cfg, &hosts, err, sizeof(err)), 0);
	struct sl_flow f = { .proto = 6, .sport = 443, .last = 1772460000ULL * SL_US_PER_SEC };
	sl_addr_parse("10.77.0.2", &f.cli);
	sl_addr_parse("198.51.100.77", &f.srv);
	sl_identify_flow_end(id, hosts, &f, NULL);
	const char *app, *cat;
	enum sl_app_source src;
	CHECK(!sl_app_product(&f, &app, &cat, &src));
	struct sl_host_fact fact = { .kind = SL_HOST_DNS_NAME,
				     .dns = { f.srv, "relay-1.net.anydesk.com" } };
	sl_hosts_learn(hosts, &fact);
	sl_identify_flow_end(id, hosts, &f, NULL);
	CHECK(sl_app_product(&f, &app, &cat, &src));
	CHECK_EQ_STR(app, "anydesk");
	CHECK_EQ_STR(sl_app_source_name(src), "dns");
	sl_identify_destroy(id);
	sl_hosts_destroy(hosts);
	sl_identify_destroy(NULL);
	sl_config_finish(&cfg);
}

int main(void)
{
	test_precedence();
	test_framing_claim();
	test_step_order();
	test_hosts_only();
	return TEST_REPORT();
}
