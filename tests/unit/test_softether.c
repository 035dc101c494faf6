/* Unit tests for the SoftEther detector (sensor/proto/softether.c): the
 * clear HTTP connect request, the NAT traversal reply on UDP 5004, and
 * near misses. */
#include "protohelp.h"
#include "testhelp.h"

static const char CONNECT[] = "POST /vpnsvc/connect.cgi HTTP/1.1\r\nHost: vpn.example\r\n"
			      "Content-Type: image/jpeg\r\nContent-Length: 100\r\n\r\n";

static const char *tcp_app(const char *req)
{
	static char got[32];
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, req, strlen(req));
	const char *a = ph_str(&h, "app");
	snprintf(got, sizeof(got), "%s", a ? a : "-");
	ph_finish(&h);
	return got;
}

static const char *udp_app(const char *reply, size_t n)
{
	static char got[32];
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 51381, "198.51.100.1", 5004);
	ph_feed(&h, SL_DIR_TOSERVER, "\x09", 1);
	ph_feed(&h, SL_DIR_TOCLIENT, reply, n);
	const char *a = ph_str(&h, "app_proto");
	snprintf(got, sizeof(got), "%s", a ? a : "-");
	ph_finish(&h);
	return got;
}

int main(void)
{
	TEST("softether: HTTP connect with the image/jpeg watermark");
	CHECK_EQ_STR(tcp_app(CONNECT), "softether");
	TEST("softether: plain POSTs and other content types are not");
	CHECK_EQ_STR(tcp_app("POST /vpnsvc/connect.cgi HTTP/1.1\r\nContent-Type: text/html\r\n\r\n"), "-");
	CHECK_EQ_STR(tcp_app("POST /upload HTTP/1.1\r\nContent-Type: image/jpeg\r\n\r\n"), "-");
	TEST("softether: NAT-T reply on UDP 5004, and near misses");
	CHECK_EQ_STR(udp_app("IP=90.186.132.133,PORT=51381", 28), "softether");
	CHECK_EQ_STR(udp_app("IP=90.186.132,PORT=51381", 24), "-");
	CHECK_EQ_STR(udp_app("IP=90.186.132.133,PORT=51381x", 29), "-");
	CHECK_EQ_STR(udp_app("IP=90.186.1324.1,PORT=1", 23), "-");
	CHECK_EQ_STR(udp_app("\x80\x60\x12\x34\x00\x00\x00\x01\xde\xad\xbe\xef", 12), "-");
	return TEST_REPORT();
}
