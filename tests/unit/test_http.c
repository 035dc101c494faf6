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
	CHECK_EQ_STR(ph_str(&h, "http.http_method"), "GET");
	CHECK_EQ_STR(ph_str(&h, "http.url"), "/login?next=%2F");
	CHECK_EQ_STR(ph_str(&h, "http.protocol"), "HTTP/1.1");
	CHECK_EQ_STR(ph_str(&h, "http.hostname"), "sso.corp.example");
	CHECK_EQ_STR(ph_str(&h, "http.http_user_agent"), "Mozilla/5.0 (X11)");
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
	CHECK_EQ_STR(ph_str(&h, "http.url"), "/login?next=%2F");
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
	CHECK_EQ_STR(ph_str(&h, "http.hostname"), "sso.corp.example");
	CHECK(ph_str(&h, "http.accept_language") == NULL);
	ph_finish(&h);
}

static void test_not_http(void)
{
	TEST("http: other protocols are not taken");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40003, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "SSH-2.0-OpenSSH_9.2\r\n", 21);
	ph_feed(&h, SL_DIR_TOSERVER, "getx / HTTP/1.1\r\n\r\n", 19);
	/* the SSH parser rightly claims this banner; HTTP must not (methods are
	 * case-sensitive tokens, RFC 9110 9.1: "getx" is none of them) */
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ssh");
	CHECK(ph_str(&h, "http.http_method") == NULL);
	ph_finish(&h);
	ph_init(&h, 6, "10.0.0.2", 40004, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "GET nothing-else\r\n\r\n", 20); /* no HTTP version */
	CHECK(ph_str(&h, "http.http_method") == NULL);
	ph_finish(&h);
}

/* method, target and Host of the request req over proto (6 or 17) to port. */
static void check_request(uint8_t proto, uint16_t port, const char *req_text, const char *method,
			  const char *uri, const char *host)
{
	struct ph h;
	ph_init(&h, proto, "10.0.0.2", 40100, proto == 17 ? "239.255.255.250" : "198.51.100.1",
		port);
	ph_feed(&h, SL_DIR_TOSERVER, req_text, strlen(req_text));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "http");
	CHECK_EQ_STR(ph_str(&h, "http.http_method"), method);
	CHECK_EQ_STR(ph_str(&h, "http.url"), uri);
	CHECK_EQ_STR(ph_str(&h, "http.hostname"), host);
	ph_finish(&h);
}

static void test_more_methods(void)
{
	TEST("http: WebDAV, UPnP (GENA over TCP, SSDP over UDP) and unregistered methods");
	check_request(6, 80, "PROPFIND /dav/ HTTP/1.1\r\nHost: files.corp.example\r\nDepth: 1\r\n\r\n",
		      "PROPFIND", "/dav/", "files.corp.example");
	check_request(6, 8080, "BASELINE-CONTROL /svn/x HTTP/1.1\r\nHost: svn.example\r\n\r\n",
		      "BASELINE-CONTROL", "/svn/x", "svn.example");
	check_request(6, 49152, "SUBSCRIBE /upnp/event/cm HTTP/1.1\r\nHOST: 10.0.0.9:49152\r\n"
		      "CALLBACK: <http://10.0.0.2:5000/>\r\nNT: upnp:event\r\n\r\n",
		      "SUBSCRIBE", "/upnp/event/cm", "10.0.0.9:49152");
	/* SSDP: one datagram is the whole request, blank line or not */
	check_request(17, 1900, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
		      "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n", "M-SEARCH", "*",
		      "239.255.255.250:1900");
	check_request(17, 1900, "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
		      "NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n", "NOTIFY", "*",
		      "239.255.255.250:1900");
	check_request(6, 80, "X-FROB /thing HTTP/1.0\r\nHost: h\r\n\r\n", "X-FROB", "/thing", "h");
	struct ph h; /* an unlisted method needs its whole request line in the first segment */
	ph_init(&h, 6, "10.0.0.2", 40101, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, "X-FROB /thing", 13);
	ph_feed(&h, SL_DIR_TOSERVER, " HTTP/1.0\r\n\r\n", 15);
	CHECK(ph_str(&h, "http.http_method") == NULL);
	ph_finish(&h);
	ph_init(&h, 17, "10.0.0.2", 40102, "198.51.100.1", 1900);
	ph_feed(&h, SL_DIR_TOSERVER, "HTTP/1.1 200 OK\r\n\r\n", 19); /* a response is not a request */
	CHECK(ph_str(&h, "http.http_method") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_one_segment();
	test_more_methods();
	test_segments_and_retransmission();
	test_gap_reports_what_arrived();
	test_not_http();
	return TEST_REPORT();
}
