/* Unit tests for the TeamViewer detector (sensor/proto/teamviewer.c). */
#include "protohelp.h"
#include "testhelp.h"

/* Crafted from the public framing: 17 24 <cmd> ... and 11 30 <cmd> ... */
static const uint8_t tcp_hello[] = { 0x17, 0x24, 0x0a, 0x20, 0, 0, 0, 0, 0, 0, 0, 0,
				     0x00, 0x48, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00 };
static const uint8_t tcp_cont[] = { 0x11, 0x30, 0x36, 0x00, 0x18, 0, 0, 0, 0x01, 0, 0, 0,
				    0, 0, 0, 0, 0x1b, 0, 0, 0 };
static const uint8_t udp_frame[] = { 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x17, 0x24,
				     0x47, 0x50, 0x00, 0x05, 0, 0, 0 };

static void check_tv(struct ph *h, const char *app_proto)
{
	if (app_proto)
		CHECK_EQ_STR(ph_str(h, "app_proto"), app_proto);
	CHECK_EQ_STR(ph_str(h, "app"), "teamviewer");
	CHECK_EQ_STR(ph_str(h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(h, "app_source"), "wire");
}

static void test_tcp_both_ways(void)
{
	TEST("teamviewer: 17 24 from the client, 11 30 back, on 5938");
	struct ph h;
	ph_init(&h, 6, "10.0.2.15", 35732, "198.51.100.170", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	ph_feed(&h, SL_DIR_TOCLIENT, tcp_cont, sizeof(tcp_cont));
	check_tv(&h, "teamviewer");
	ph_finish(&h);
}

static void test_tcp_on_443(void)
{
	TEST("teamviewer: same framing on the 443 fallback, 17 24 answered by 17 24");
	struct ph h;
	ph_init(&h, 6, "10.0.2.15", 35733, "198.51.100.170", 443);
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	ph_feed(&h, SL_DIR_TOCLIENT, tcp_hello, sizeof(tcp_hello));
	check_tv(&h, "teamviewer");
	ph_finish(&h);
}

static void test_tcp_one_side(void)
{
	TEST("teamviewer: client framing alone (server silent or different) is not enough");
	struct ph h;
	ph_init(&h, 6, "10.0.2.15", 35734, "198.51.100.170", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	CHECK(ph_str(&h, "app") == NULL);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.2.15", 35735, "198.51.100.170", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, sizeof(tcp_hello));
	ph_feed(&h, SL_DIR_TOCLIENT, "\x16\x03\x03\x00\x10", 5);
	ph_feed(&h, SL_DIR_TOCLIENT, tcp_cont, sizeof(tcp_cont));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

static void test_random_and_truncated(void)
{
	TEST("teamviewer: random bytes on 5938 and one-byte truncations are not TeamViewer");
	struct ph h;
	uint8_t rnd[64];
	uint32_t x = 0x9e3779b9;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		x = x * 1103515245u + 12345u;
		rnd[i] = (uint8_t)(x >> 24);
	}
	rnd[0] = 0x42;
	ph_init(&h, 6, "10.0.2.15", 35736, "198.51.100.170", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, rnd, sizeof(rnd));
	ph_feed(&h, SL_DIR_TOCLIENT, tcp_cont, sizeof(tcp_cont));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.2.15", 35737, "198.51.100.170", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, tcp_hello, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, tcp_cont, 1);
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 17, "10.0.2.15", 34417, "198.51.100.241", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, udp_frame, 13); /* one byte short of the frame */
	ph_feed(&h, SL_DIR_TOCLIENT, udp_frame, sizeof(udp_frame));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 17, "10.0.2.15", 34418, "198.51.100.241", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, rnd, sizeof(rnd));
	ph_feed(&h, SL_DIR_TOCLIENT, rnd, sizeof(rnd));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

static void test_udp(void)
{
	TEST("teamviewer: UDP frame each way (any port); one direction alone is not enough");
	struct ph h;
	ph_init(&h, 17, "10.0.2.15", 34417, "198.51.100.241", 36037);
	ph_feed(&h, SL_DIR_TOSERVER, udp_frame, sizeof(udp_frame));
	ph_feed(&h, SL_DIR_TOCLIENT, udp_frame, sizeof(udp_frame));
	check_tv(&h, "teamviewer");
	ph_finish(&h);

	ph_init(&h, 17, "10.0.2.15", 34419, "198.51.100.241", 5938);
	ph_feed(&h, SL_DIR_TOSERVER, udp_frame, sizeof(udp_frame));
	ph_feed(&h, SL_DIR_TOSERVER, udp_frame, sizeof(udp_frame));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

static void test_http_dyngate(void)
{
	TEST("teamviewer: HTTP fallback GET /din.aspx ... DynGate answered by HTTP/1.1");
	static const char req[] = "GET /din.aspx?s=00000000&id=0&client=DynGate&p=10000001 HTTP/1.1\r\n"
				  "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; DynGate)\r\n"
				  "Host: 198.51.100.170\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct ph h;
	ph_init(&h, 6, "10.0.2.15", 35740, "198.51.100.170", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	ph_feed(&h, SL_DIR_TOCLIENT, resp, sizeof(resp) - 1);
	check_tv(&h, "http");
	ph_finish(&h);

	ph_init(&h, 6, "10.0.2.15", 35741, "198.51.100.170", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	ph_feed(&h, SL_DIR_TOCLIENT, resp, sizeof(resp) - 1);
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_tcp_both_ways();
	test_tcp_on_443();
	test_tcp_one_side();
	test_random_and_truncated();
	test_udp();
	test_http_dyngate();
	return TEST_REPORT();
}
