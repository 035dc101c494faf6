/* Unit tests for the ESP detector (sensor/proto/esp.c): IP protocol 50 and
 * ESP in UDP 4500, both directions, and packets that break the rules. */
#include "protohelp.h"
#include "testhelp.h"

/* SPI, sequence number and 16 bytes of "ciphertext"; returns length. */
static size_t esp(uint8_t *b, uint32_t spi, uint32_t seq)
{
	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(spi >> (24 - 8 * i));
		b[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	for (int i = 8; i < 24; i++)
		b[i] = (uint8_t)(i * 37);
	return 24;
}

static void test_proto50_pair(void)
{
	TEST("esp: protocol 50, one packet each way");
	struct ph h;
	uint8_t b[32];
	ph_init(&h, 50, "10.0.0.2", 0, "198.51.100.1", 0);
	ph_feed(&h, SL_DIR_TOSERVER, b, esp(b, 0x2360b0e3, 1));
	CHECK(ph_str(&h, "app_proto") == NULL); /* one packet is not enough */
	h.ended = false;
	ph_feed(&h, SL_DIR_TOCLIENT, b, esp(b, 0xf0092cb5, 1));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "esp");
	CHECK_EQ_STR(ph_str(&h, "app"), "ipsec");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_INT(ph_u64(&h, "esp.spi_client"), 0x2360b0e3);
	CHECK_EQ_INT(ph_u64(&h, "esp.spi_server"), 0xf0092cb5);
	ph_finish(&h);
}

static void test_natt_one_way(void)
{
	TEST("esp: UDP 4500, IKE marker skipped, two growing packets one way");
	struct ph h;
	uint8_t b[32];
	static const uint8_t ike[12] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	ph_init(&h, 17, "10.0.0.2", 4500, "198.51.100.1", 4500);
	ph_feed(&h, SL_DIR_TOSERVER, ike, sizeof(ike));
	ph_feed(&h, SL_DIR_TOSERVER, b, esp(b, 0x1c0d7b38, 1));
	ph_feed(&h, SL_DIR_TOSERVER, b, esp(b, 0x1c0d7b38, 2));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "esp");
	CHECK(ph_get(&h, "esp.spi_server") == NULL);
	ph_finish(&h);
}

static void test_negative(void)
{
	TEST("esp: reserved SPI, zero or shrinking sequence, changed SPI, other ports");
	static const uint32_t spi2[] = { 0x1000, 0x1000, 0x1000, 0x2000, 0x1000 };
	static const uint32_t seq2[] = { 5, 5, 4, 6, 5 };
	static const uint32_t spi1[] = { 200, 0x1000, 0x1000, 0x1000, 0x1000 };
	static const uint32_t seq1[] = { 4, 0, 5, 5, 4 };
	uint8_t b[32];
	for (int k = 0; k < 5; k++) {
		struct ph h;
		if (k == 4) /* valid ESP shape, but UDP on another port */
			ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 4501);
		else
			ph_init(&h, 50, "10.0.0.2", 0, "198.51.100.1", 0);
		ph_feed(&h, SL_DIR_TOSERVER, b, esp(b, spi1[k], seq1[k]));
		ph_feed(&h, SL_DIR_TOSERVER, b, esp(b, spi2[k], seq2[k]));
		ph_feed(&h, SL_DIR_TOCLIENT, b, 5); /* truncated */
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

int main(void)
{
	test_proto50_pair();
	test_natt_one_way();
	test_negative();
	return TEST_REPORT();
}
