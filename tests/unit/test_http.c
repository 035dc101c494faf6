/* Unit tests for the HTTP/1.x request parser (sensor/proto/http.c). */
#include "protohelp.h"
#include "testhelp.h"

static const char req[] =
	"GET /login?next=%2F HTTP/1.1\r\n"
	"Host: sso.corp.example\r\n"
	"user-agent:  Mozilla/5.0 (X11) \r\n"
	"Accept-Language: ko-KR,ko;q=0.9\r\n"
	"\r\n";

static void test_one_segment(void)
{
	TEST("http: request in one segment");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "http");
	CHECK_EQ_STR(ph_str(&h, "http.method"), "GET");
	CHECK_EQ_STR(ph_str(&h, "http.uri"), "/login?next=%2F");
	CHECK_EQ_STR(ph_str(&h, "http.protocol"), "HTTP/1.1");
	CHECK_EQ_STR(ph_str(&h, "http.host"), "sso.corp.example");
	CHECK_EQ_STR(ph_str(&h, "http.user_agent"), "Mozilla/5.0 (X11)");
	CHECK_EQ_STR(ph_str(&h, "http.accept_language"), "ko-KR,ko;q=0.9");
	ph_finish(&h);
}

static void test_segments_and_retransmission(void)
{
	TEST("http: head split over segments, with a retransmission");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40001, "198.51.100.1", 8080);
	uint32_t s0 = ph_feed(&h, SL_DIR_TOSERVER, req, 20);
	ph_feed_at(&h, SL_DIR_TOSERVER, req, 20, s0); /* retransmitted: ignored */
	ph_feed(&h, SL_DIR_TOCLIENT, "", 0);
	ph_feed(&h, SL_DIR_TOSERVER, req + 20, 30);
	CHECK_EQ_INT(h.flow.app_proto, 0); /* head not complete yet: not identified */
	ph_feed(&h, SL_DIR_TOSERVER, req + 50, sizeof(req) - 1 - 50);
	CHECK_EQ_STR(ph_str(&h, "http.uri"), "/login?next=%2F");
	CHECK_EQ_STR(ph_str(&h, "http.accept_language"), "ko-KR,ko;q=0.9");
	ph_finish(&h);
}

static void test_gap_reports_what_arrived(void)
{
	TEST("http: a sequence gap ends reassembly with the lines that arrived");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40002, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, 55); /* request line and Host */
	h.seq[0] += 10;                        /* a lost segment */
	ph_feed(&h, SL_DIR_TOSERVER, req + 65, 10);
	CHECK_EQ_STR(ph_str(&h, "http.host"), "sso.corp.example");
	CHECK(ph_str(&h, "http.accept_language") == NULL);
	ph_finish(&h);
}

static void test_not_http(void)
{
	TEST("http: other protocols are not taken");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40003, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "SSH-2.0-OpenSSH_9.2\r\n", 21);
	ph_feed(&h, SL_DIR_TOSERVER, "GETX / HTTP/1.1\r\n\r\n", 19);
	/* the SSH parser rightly claims this banner; HTTP must not */
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ssh");
	CHECK(ph_str(&h, "http.method") == NULL);
	ph_finish(&h);
	ph_init(&h, 6, "10.0.0.2", 40004, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "GET nothing-else\r\n\r\n", 20); /* no HTTP version */
	CHECK(ph_str(&h, "http.method") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_one_segment();
	test_segments_and_retransmission();
	test_gap_reports_what_arrived();
	test_not_http();
	return TEST_REPORT();
}
