/* Unit tests for IP-KVM identification (sensor/identify/ipkvm.c, from the
 * facts of sensor/proto/ipkvm.c): web UI paths, host names, mDNS names and
 * Raspberry Pi hardware addresses. */
#include "dnsbuild.h"
#include "testhelp.h"

static const uint8_t pi_mac[6] = { 0xdc, 0xa6, 0x32, 0x01, 0x02, 0x03 };
static const uint8_t laptop_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

/* One HTTP request to 10.77.0.60:port and its answer; the request's frame
 * is addressed to server_mac. */
static void http_flow(struct ph *h, const uint8_t *server_mac, const char *uri, const char *host)
{
	static struct sl_packet t;
	char req[256];
	ph_init(h, 6, "10.77.0.2", 40000, "10.77.0.60", 80);
	memset(&t, 0, sizeof(t));
	t.mac_src = laptop_mac;
	t.mac_dst = server_mac;
	h->tmpl = &t;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", uri, host);
	ph_feed(h, SL_DIR_TOSERVER, req, strlen(req));
	h->tmpl = NULL;
	ph_feed(h, SL_DIR_TOCLIENT, "HTTP/1.1 200 OK\r\n\r\n", 19);
}

static void check_app(struct ph *h, const char *app, const char *source)
{
	if (!app)
		CHECK(ph_str(h, "app") == NULL);
	if (app) {
		CHECK_EQ_STR(ph_str(h, "app"), app);
		CHECK_EQ_STR(ph_str(h, "category"), "ip-kvm");
		CHECK_EQ_STR(ph_str(h, "app_source"), source);
	}
	ph_finish(h);
}

static void test_web_ui(void)
{
	TEST("ipkvm: PiKVM /kvm/, PiKVM API on a Pi, JetKVM login, TinyPilot host name");
	struct ph h;
	http_flow(&h, laptop_mac, "/kvm/", "10.77.0.60");
	check_app(&h, "pikvm", "wire");
	http_flow(&h, pi_mac, "/api/auth/login", "10.77.0.60");
	CHECK_EQ_STR(ph_str(&h, "dest.mac_vendor"), "raspberry-pi");
	CHECK(ph_str(&h, "src.mac_vendor") == NULL);
	check_app(&h, "pikvm", "wire");
	http_flow(&h, pi_mac, "/auth/login-local", "10.77.0.61");
	check_app(&h, "jetkvm", "wire");
	http_flow(&h, laptop_mac, "/", "tinypilot.local");
	check_app(&h, "tinypilot", "sni");
}

static void test_not_kvm(void)
{
	TEST("ipkvm: a generic /api/auth/login off a Pi, a Pi serving a page: no product");
	struct ph h;
	http_flow(&h, laptop_mac, "/api/auth/login", "app.example.org");
	check_app(&h, NULL, NULL);
	http_flow(&h, pi_mac, "/index.html", "10.77.0.60");
	CHECK_EQ_STR(ph_str(&h, "dest.mac_vendor"), "raspberry-pi");
	check_app(&h, NULL, NULL);
	http_flow(&h, laptop_mac, "/", "pikvm.example.org"); /* a public web site */
	check_app(&h, NULL, NULL);
	http_flow(&h, laptop_mac, "/", "pikvmfan.lan");
	check_app(&h, NULL, NULL);
	http_flow(&h, laptop_mac, "/", "PiKVM-1a2b:443");
	check_app(&h, "pikvm", "sni");
}

static void test_mdns(void)
{
	TEST("ipkvm: mDNS announcements of jetkvm.local and pikvm.local from a Pi");
	static struct sl_packet t;
	struct ph h;
	struct mb m;
	static const uint8_t ip[4] = { 10, 77, 0, 61 };
	ph_init(&h, 17, "10.77.0.61", 5353, "224.0.0.251", 5353);
	mb_answer_a(&m, 0, "jetkvm.local", ip);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "mdns.hostname"), "jetkvm.local");
	check_app(&h, "jetkvm", "dns");
	ph_init(&h, 17, "10.77.0.60", 5353, "224.0.0.251", 5353);
	memset(&t, 0, sizeof(t));
	t.mac_src = pi_mac;
	h.tmpl = &t;
	mb_answer_a(&m, 0, "pikvm.local", ip);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "src.mac_vendor"), "raspberry-pi");
	check_app(&h, "pikvm", "dns");
	ph_init(&h, 17, "10.77.0.2", 5353, "224.0.0.251", 5353);
	mb_query(&m, 0, "pikvm.local", 1); /* a laptop asking is not the device */
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	check_app(&h, NULL, NULL);
}

int main(void)
{
	test_web_ui();
	test_not_kvm();
	test_mdns();
	return TEST_REPORT();
}
