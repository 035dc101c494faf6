/* Unit tests for the PPTP detectors (sensor/proto/pptp.c): the control
 * connection on TCP 1723 (request and reply) and enhanced GRE. */
#include "protohelp.h"
#include "testhelp.h"

/* A control message of type t with its RFC 2637 length; names for SCCRQ/RP. */
static size_t ctrl(uint8_t *b, uint16_t t, const char *host, const char *vendor)
{
	size_t len = t == 7 ? 168 : t == 8 ? 32 : 156;
	memset(b, 0, len);
	b[0] = (uint8_t)(len >> 8);
	b[1] = (uint8_t)len;
	b[3] = 1;
	memcpy(b + 4, "\x1a\x2b\x3c\x4d", 4);
	b[9] = (uint8_t)t;
	b[12] = 1; /* protocol version 1.0 */
	if (t == 1 || t == 2) {
		memcpy(b + 28, host, strlen(host));
		memcpy(b + 92, vendor, strlen(vendor));
	}
	return len;
}

static void test_control(void)
{
	TEST("pptp: SCCRQ answered by SCCRP, then an outgoing call in one segment pair");
	struct ph h;
	uint8_t b[400];
	ph_init(&h, 6, "10.0.0.2", 41366, "198.51.100.1", 1723);
	ph_feed(&h, SL_DIR_TOSERVER, b, ctrl(b, 1, "laptop", "cananian"));
	CHECK(ph_str(&h, "app_proto") == NULL); /* a request alone is not enough */
	h.ended = false;
	ph_feed(&h, SL_DIR_TOCLIENT, b, ctrl(b, 2, "", "Microsoft"));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "pptp");
	CHECK_EQ_STR(ph_str(&h, "app"), "pptp");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_STR(ph_str(&h, "pptp.hostname"), "laptop");
	CHECK_EQ_STR(ph_str(&h, "pptp.vendor"), "cananian");
	CHECK_EQ_STR(ph_str(&h, "pptp.server_vendor"), "Microsoft");
	ph_finish(&h);
}

static void test_control_negative(void)
{
	TEST("pptp: bad cookie, wrong length, reply without request, random bytes");
	uint8_t b[400], c[400];
	for (int k = 0; k < 5; k++) {
		struct ph h;
		size_t n = ctrl(b, 1, "x", "y"), m = ctrl(c, 2, "", "z");
		switch (k) {
		case 0: b[7] ^= 1; break;              /* magic cookie */
		case 1: b[1] = 150; n = 150; break;    /* SCCRQ of the wrong length */
		case 2: b[9] = 7; break;               /* OCRQ answered by SCCRP */
		case 3: c[3] = 2; break;               /* reply not a control message */
		case 4:
			for (size_t i = 0; i < n; i++)
				b[i] = c[i] = (uint8_t)(i * 97 + 3);
			break;
		}
		ph_init(&h, 6, "10.0.0.2", 41366, "198.51.100.1", 1723);
		ph_feed(&h, SL_DIR_TOSERVER, b, n);
		ph_feed(&h, SL_DIR_TOCLIENT, c, m);
		ph_feed(&h, SL_DIR_TOCLIENT, c, 12); /* truncated */
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

/* Enhanced GRE: K and S set, version 1, PPP, payload length, call id, seq. */
static size_t gre(uint8_t *b, bool ppp)
{
	static const uint8_t hdr[12] = { 0x30, 0x01, 0x88, 0x0b, 0, 8, 0, 5, 0, 0, 0, 1 };
	memcpy(b, hdr, 12);
	memcpy(b + 12, ppp ? "\xff\x03\xc0\x21" : "\x21\x45\x00\x00", 4);
	memset(b + 16, 0, 4);
	return 20;
}

static void test_gre(void)
{
	TEST("pptp-gre: one PPP frame in enhanced GRE; broken headers are not");
	uint8_t b[32];
	for (int k = 0; k < 5; k++) {
		struct ph h;
		size_t n = gre(b, k != 1);
		if (k == 2)
			b[1] = 0x00; /* GRE version 0 */
		if (k == 3)
			b[5] = 9;    /* payload length disagrees */
		if (k == 4)
			b[0] = 0xb0; /* checksum present */
		ph_init(&h, 47, "10.0.0.2", 0, "198.51.100.1", 0);
		ph_feed(&h, SL_DIR_TOSERVER, b, n);
		if (k == 0) {
			CHECK_EQ_STR(ph_str(&h, "app_proto"), "pptp-gre");
			CHECK_EQ_STR(ph_str(&h, "app"), "pptp");
		} else if (k == 1) { /* compressed PPP: needs a second packet */
			CHECK(ph_str(&h, "app_proto") == NULL);
			h.ended = false;
			ph_feed(&h, SL_DIR_TOCLIENT, b, n);
			CHECK_EQ_STR(ph_str(&h, "app_proto"), "pptp-gre");
		} else {
			ph_feed(&h, SL_DIR_TOCLIENT, b, n);
			CHECK(ph_str(&h, "app_proto") == NULL);
		}
		ph_finish(&h);
	}
}

static void test_gre_short(void)
{
	TEST("pptp-gre: a packet shorter than a GRE header after a valid one");
	uint8_t b[32];
	struct ph h;
	size_t n = gre(b, false);
	ph_init(&h, 47, "10.0.0.2", 0, "198.51.100.1", 0);
	ph_feed(&h, SL_DIR_TOSERVER, b, n);
	ph_feed(&h, SL_DIR_TOSERVER, b, 3);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_gre_short();
	test_control();
	test_control_negative();
	test_gre();
	return TEST_REPORT();
}
