/* Unit tests for the L2TP detector (sensor/proto/l2tp.c): v2 and v3
 * control messages with AVPs, a v2 data message, and malformed look-alikes. */
#include "protohelp.h"
#include "testhelp.h"

struct mbuf {
	uint8_t b[256];
	size_t n;
};

static void put(struct mbuf *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void avp(struct mbuf *m, uint16_t attr, const void *val, size_t n)
{
	uint8_t h[6] = { (uint8_t)(0x80 | ((6 + n) >> 8)), (uint8_t)(6 + n), 0, 0,
			 (uint8_t)(attr >> 8), (uint8_t)attr };
	put(m, h, 6);
	put(m, val, n);
}

/* Control message of version ver and type t with Host Name and Vendor Name. */
static void control(struct mbuf *m, uint8_t ver, uint8_t t, const char *host)
{
	static const uint8_t hdr[12] = { 0xc8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t type[2] = { 0, t };
	m->n = 0;
	put(m, hdr, 12);
	m->b[1] = ver;
	avp(m, 0, type, 2);
	avp(m, 7, host, strlen(host));
	avp(m, 8, "Linux", 5);
	m->b[2] = (uint8_t)(m->n >> 8);
	m->b[3] = (uint8_t)m->n;
}

static void test_control(void)
{
	TEST("l2tp: v2 SCCRQ and SCCRP, names from the AVPs");
	struct ph h;
	struct mbuf m;
	ph_init(&h, 17, "10.0.0.2", 1701, "198.51.100.1", 1701);
	control(&m, 2, 1, "lns-client");
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	control(&m, 2, 2, "lns");
	ph_feed(&h, SL_DIR_TOCLIENT, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "l2tp");
	CHECK_EQ_STR(ph_str(&h, "app"), "l2tp");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_INT(ph_u64(&h, "l2tp.version"), 2);
	CHECK_EQ_STR(ph_str(&h, "l2tp.message_type"), "SCCRQ");
	CHECK_EQ_STR(ph_str(&h, "l2tp.hostname"), "lns-client");
	CHECK_EQ_STR(ph_str(&h, "l2tp.vendor"), "Linux");
	ph_finish(&h);

	TEST("l2tp: v3 control message");
	ph_init(&h, 17, "10.0.0.2", 1701, "198.51.100.1", 1701);
	control(&m, 3, 1, "pe1");
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	CHECK_EQ_INT(ph_u64(&h, "l2tp.version"), 3);
	ph_finish(&h);
}

static void test_data(void)
{
	TEST("l2tp: v2 data message with offset, carrying LCP");
	static const uint8_t d[] = { 0x03, 0x02, 0x4a, 0x32, 0xd3, 0x5e, 0x00, 0x00,
				     0xff, 0x03, 0xc0, 0x21, 0x09, 0x48, 0x00, 0x0c };
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 1701, "198.51.100.1", 1701);
	ph_feed(&h, SL_DIR_TOSERVER, d, sizeof(d));
	ph_feed(&h, SL_DIR_TOCLIENT, d, 1); /* a later one-byte datagram (found by fuzzing) */
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "l2tp");
	CHECK(ph_get(&h, "l2tp.message_type") == NULL);
	ph_finish(&h);
}

static void test_negative(void)
{
	TEST("l2tp: broken flags, lengths, AVPs, ZLB alone, random bytes");
	struct mbuf m;
	for (int k = 0; k < 8; k++) {
		struct ph h;
		control(&m, 2, 1, "x");
		switch (k) {
		case 0: m.b[0] |= 0x02; break;      /* offset in a control message */
		case 1: m.b[3] += 1; break;             /* length disagrees */
		case 2: m.b[12 + 1] = 7; break;         /* message type AVP of length 7 */
		case 3: m.b[12 + 5] = 9; break;         /* first AVP is not message type */
		case 4: m.b[21] = 0xff; break;          /* host name AVP runs past the end */
		case 5: m.b[1] = 4; break;              /* version 4 */
		case 6: m.n = 12; m.b[3] = 12; break;   /* ZLB ack without a typed message */
		case 7:
			for (size_t i = 0; i < sizeof(m.b); i++)
				m.b[i] = (uint8_t)(i * 59 + 11);
			break;
		}
		ph_init(&h, 17, "10.0.0.2", 1701, "198.51.100.1", 1701);
		ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
		ph_feed(&h, SL_DIR_TOCLIENT, m.b, 9); /* truncated */
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

int main(void)
{
	test_control();
	test_data();
	test_negative();
	return TEST_REPORT();
}
