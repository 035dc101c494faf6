/* Unit tests for the IKE detector (sensor/proto/ike.c): crafted IKEv1 and
 * IKEv2 messages on UDP 500 and 4500, both directions, and look-alikes that
 * must not be taken. */
#include "protohelp.h"
#include "testhelp.h"

static const uint8_t SPI_I[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
static const uint8_t VID_NATT[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
				      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };

/* Header + one SA payload (8 bytes) + one Vendor ID payload (NAT-T).  With
 * marker, prefixed with the four zero bytes of UDP 4500.  Returns length. */
static size_t build(uint8_t *b, bool marker, uint8_t ver, uint8_t xchg, bool reply)
{
	size_t o = marker ? 4 : 0;
	uint8_t sa = ver == 0x10 ? 1 : 33, vid = ver == 0x10 ? 13 : 43;
	memset(b, 0, 28 + 8 + 20 + 4);
	memcpy(b + o, SPI_I, 8);
	if (reply)
		b[o + 8] = 0x99;
	b[o + 16] = sa;
	b[o + 17] = ver;
	b[o + 18] = xchg;
	b[o + 19] = reply ? 0x20 : 0x08;
	uint32_t len = 28 + 8 + 20;
	b[o + 27] = (uint8_t)len;
	uint8_t *p = b + o + 28;
	p[0] = vid; /* SA payload, 4 bytes of body */
	p[3] = 8;
	p += 8;
	p[0] = 0;   /* Vendor ID, last */
	p[3] = 20;
	memcpy(p + 4, VID_NATT, 16);
	return o + len;
}

static void test_v2_pair(void)
{
	TEST("ike: IKEv2 IKE_SA_INIT request and reply on 500");
	struct ph h;
	uint8_t b[128];
	ph_init(&h, 17, "10.0.0.2", 500, "198.51.100.1", 500);
	ph_feed(&h, SL_DIR_TOSERVER, b, build(b, false, 0x20, 34, false));
	ph_feed(&h, SL_DIR_TOCLIENT, b, build(b, false, 0x20, 34, true));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ike");
	CHECK_EQ_STR(ph_str(&h, "app"), "ipsec");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_INT(ph_u64(&h, "ike.version"), 2);
	CHECK_EQ_INT(ph_u64(&h, "ike.exchange_type"), 34);
	CHECK_EQ_STR(ph_str(&h, "ike.exchange_type_verbose"), "IKE_SA_INIT");
	CHECK_EQ_STR(ph_str(&h, "ike.spi_initiator"), "1122334455667788");
	CHECK_EQ_STR(ph_str(&h, "ike.vendor_ids"), "4a131c81070358455c5728f20e95452f");
	CHECK_EQ_STR(ph_str(&h, "ike.vendors"), "RFC 3947 NAT-T");
	CHECK(ph_get(&h, "ike.responder_seen")->b);
	ph_finish(&h);
}

static void test_v1_natt(void)
{
	TEST("ike: IKEv1 main mode behind the non-ESP marker on 4500");
	struct ph h;
	uint8_t b[128];
	ph_init(&h, 17, "10.0.0.2", 4500, "198.51.100.1", 4500);
	ph_feed(&h, SL_DIR_TOSERVER, b, build(b, true, 0x10, 2, false));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ike");
	CHECK_EQ_INT(ph_u64(&h, "ike.version"), 1);
	CHECK_EQ_INT(ph_u64(&h, "ike.exchange_type"), 2);
	CHECK_EQ_STR(ph_str(&h, "ike.exchange_type_verbose"), "main");
	CHECK(!ph_get(&h, "ike.responder_seen")->b);
	ph_finish(&h);
}

/* Each corruption of a valid message must make it not IKE. */
static void test_negative(void)
{
	TEST("ike: broken headers, truncations and random bytes are not IKE");
	uint8_t b[128];
	for (int k = 0; k < 8; k++) {
		struct ph h;
		size_t n = build(b, k == 5, 0x20, 34, false);
		switch (k) {
		case 0: memset(b, 0, 8); break;       /* zero initiator SPI */
		case 1: b[17] = 0x30; break;          /* version 3 */
		case 2: b[18] = 2; break;             /* v1 exchange in a v2 header */
		case 3: b[27] = 99; break;            /* length disagrees */
		case 4: b[28 + 3] = 200; break;       /* payload runs past the end */
		case 5: b[0] = 1; break;              /* 4500 without the zero marker */
		case 6: n -= 1; b[27] -= 1; break;    /* chain does not end at length */
		case 7:                               /* random bytes */
			for (size_t i = 0; i < sizeof(b); i++)
				b[i] = (uint8_t)(i * 131 + 7);
			n = 100;
			break;
		}
		ph_init(&h, 17, "10.0.0.2", k == 5 ? 4500 : 500, "198.51.100.1", k == 5 ? 4500 : 500);
		ph_feed(&h, SL_DIR_TOSERVER, b, n);
		ph_feed(&h, SL_DIR_TOSERVER, b, 20); /* truncated */
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

int main(void)
{
	test_v2_pair();
	test_v1_natt();
	test_negative();
	return TEST_REPORT();
}
