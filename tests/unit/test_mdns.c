/* Unit tests for the mDNS parser (sensor/proto/mdns.c). */
#include "dnsbuild.h"
#include "testhelp.h"

/* pikvm.local A 10.77.0.60 (cache-flush class), as a device announces it. */
static void announce_a(struct mb *m)
{
	mb_hdr(m, 0, 0x8400, 0, 1, 0, 0);
	mb_name(m, "pikvm.local");
	mb_u16(m, 1);
	mb_u16(m, 0x8001);
	mb_u32(m, 120);
	mb_u16(m, 4);
	mb_bytes(m, "\x0a\x4d\x00\x3c", 4);
}

/* _http._tcp.local PTR "PiKVM Web._http._tcp.local", its SRV to
 * pikvm.local:443, and an AAAA for the host in the additional section. */
static void announce_service(struct mb *m)
{
	mb_hdr(m, 0, 0x8400, 0, 2, 0, 1);
	size_t svc = mb_name(m, "_http._tcp.local");
	mb_u16(m, 12);
	mb_u16(m, 1);
	mb_u32(m, 4500);
	mb_u16(m, 12);
	size_t inst = mb_name_ptr(m, "PiKVM Web", (int)svc);
	mb_u16(m, (uint16_t)(0xc000 | inst));
	mb_u16(m, 33);
	mb_u16(m, 0x8001);
	mb_u32(m, 120);
	mb_u16(m, 6 + 8);
	mb_bytes(m, "\x00\x00\x00\x00\x01\xbb", 6);
	size_t host = mb_name_ptr(m, "pikvm", (int)svc + 11); /* "local" of the service */
	mb_u16(m, (uint16_t)(0xc000 | host));
	mb_u16(m, 28);
	mb_u16(m, 0x8001);
	mb_u32(m, 120);
	mb_u16(m, 16);
	mb_bytes(m, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x3c", 16);
}

static void test_host_announcement(void)
{
	TEST("mdns: pikvm.local A announcement");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "10.77.0.60", 5353, "224.0.0.251", 5353);
	announce_a(&m);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "mdns");
	CHECK_EQ_STR(ph_str(&h, "mdns.hostname"), "pikvm.local");
	CHECK_EQ_STR(ph_str(&h, "mdns.names"), "pikvm.local");
	CHECK(ph_str(&h, "dns.rrname") == NULL); /* 5353 is not the DNS parser's */
	ph_finish(&h);
}

static void test_service(void)
{
	TEST("mdns: _http._tcp PTR, SRV and AAAA; later packets add names once");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "10.77.0.60", 5353, "224.0.0.251", 5353);
	announce_service(&m);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	announce_a(&m);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "mdns.names"),
		     "_http._tcp.local,PiKVM Web._http._tcp.local,pikvm.local");
	CHECK_EQ_STR(ph_str(&h, "mdns.hostname"), "pikvm.local");
	ph_finish(&h);
}

static void test_query(void)
{
	TEST("mdns: a query names what it asks for; no host name");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "10.77.0.2", 5353, "224.0.0.251", 5353);
	mb_hdr(&m, 0, 0, 2, 0, 0, 0);
	mb_question(&m, "_http._tcp.local", 12);
	mb_question(&m, "Caf\xc3\xa9,2._ipp._tcp.local", 255);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "mdns.names"), "_http._tcp.local,Caf\xc3\xa9\\,2._ipp._tcp.local");
	CHECK(ph_str(&h, "mdns.hostname") == NULL);
	ph_finish(&h);
}

static void test_malformed(void)
{
	TEST("mdns: garbage on 5353 is declined; every cut of an announcement is safe");
	struct ph h;
	ph_init(&h, 17, "10.77.0.2", 5353, "224.0.0.251", 5353);
	ph_feed(&h, SL_DIR_TOSERVER, "\0\0\0\0\0\x01\0\0\0\0\0\0\xc0\x0c", 14);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	struct mb m;
	announce_service(&m);
	for (size_t len = 0; len <= m.n; len++) {
		ph_init(&h, 17, "10.77.0.60", 5353, "224.0.0.251", 5353);
		ph_feed_copy(&h, SL_DIR_TOSERVER, m.b, len);
		const char *full = "_http._tcp.local,PiKVM Web._http._tcp.local,pikvm.local";
		const char *names = ph_str(&h, "mdns.names");
		CHECK((ph_str(&h, "app_proto") != NULL) == (len >= 12));
		CHECK(!names || strncmp(full, names, strlen(names)) == 0); /* whole names only */
		if (len == m.n)
			CHECK_EQ_STR(ph_str(&h, "mdns.hostname"), "pikvm.local");
		ph_finish(&h);
	}
}

int main(void)
{
	test_host_announcement();
	test_service();
	test_query();
	test_malformed();
	return TEST_REPORT();
}
