/* Unit tests for the WireGuard detector (sensor/proto/wireguard.c):
 * messages laid out per the WireGuard paper §5.4, fed through the real
 * dispatcher in both directions; mismatched indexes, wrong sizes, random
 * bytes and a lone direction must stay unnamed. */
#include "protohelp.h"
#include "testhelp.h"

static const uint8_t IIDX[4] = { 0xc5, 0x41, 0xfd, 0xbf };
static const uint8_t RIDX[4] = { 0x10, 0x20, 0x30, 0x40 };

static size_t msg(uint8_t *o, uint8_t type, const uint8_t *a, const uint8_t *b, uint64_t ctr,
		  size_t len)
{
	memset(o, 0, len);
	for (size_t i = 4; i < len; i++)
		o[i] = (uint8_t)(i * 29 + 7);
	o[0] = type;
	memcpy(o + 4, a, 4);
	if (type == 2)
		memcpy(o + 8, b, 4);
	if (type == 4)
		for (int i = 0; i < 8; i++)
			o[8 + i] = (uint8_t)(ctr >> (8 * i));
	return len;
}

static void feed(struct ph *h, enum sl_dir d, uint8_t type, const uint8_t *a, const uint8_t *b,
		 uint64_t ctr, size_t len)
{
	uint8_t buf[1024];
	ph_feed(h, d, buf, msg(buf, type, a, b, ctr, len));
}

static void test_handshake(void)
{
	struct ph h;
	ph_init(&h, 17, "10.9.0.1", 43462, "10.9.0.2", 51820);
	feed(&h, SL_DIR_TOSERVER, 1, IIDX, NULL, 0, 148);
	feed(&h, SL_DIR_TOCLIENT, 2, RIDX, IIDX, 0, 92);
	feed(&h, SL_DIR_TOSERVER, 4, RIDX, NULL, 0, 32);
	feed(&h, SL_DIR_TOCLIENT, 4, IIDX, NULL, 0, 128);
	feed(&h, SL_DIR_TOSERVER, 1, RIDX, NULL, 0, 148);
	feed(&h, SL_DIR_TOCLIENT, 2, IIDX, RIDX, 0, 92);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "wireguard");
	CHECK_EQ_STR(ph_str(&h, "app"), "wireguard");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	CHECK_EQ_STR(ph_str(&h, "wireguard.sender_index"), "10203040");
	CHECK_EQ_INT(ph_u64(&h, "wireguard.handshakes"), 2);
	ph_finish(&h);
}

/* Transport messages only (capture started mid-session): two per side. */
static void transport_only(int per_side, const char *want)
{
	struct ph h;
	ph_init(&h, 17, "192.168.0.14", 36116, "139.162.192.157", 51820);
	for (int i = 0; i < per_side; i++) {
		feed(&h, SL_DIR_TOSERVER, 4, RIDX, NULL, 100 + (uint64_t)i, 96);
		feed(&h, SL_DIR_TOCLIENT, 4, IIDX, NULL, 7 + (uint64_t)i, 800);
	}
	const char *got = ph_str(&h, "app_proto");
	if (want)
		CHECK_EQ_STR(got, want);
	else
		CHECK(got == NULL);
	if (want)
		CHECK(ph_str(&h, "wireguard.sender_index") == NULL);
	ph_finish(&h);
}

static void test_negative(void)
{
	struct ph h;
	/* response to another index */
	ph_init(&h, 17, "10.9.0.1", 43462, "10.9.0.2", 51820);
	feed(&h, SL_DIR_TOSERVER, 1, IIDX, NULL, 0, 148);
	feed(&h, SL_DIR_TOCLIENT, 2, RIDX, RIDX, 0, 92);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* initiations from one side only (an unanswered peer) */
	ph_init(&h, 17, "10.9.0.1", 43462, "10.9.0.2", 51820);
	for (int i = 0; i < 5; i++)
		feed(&h, SL_DIR_TOSERVER, 1, IIDX, NULL, 0, 148);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* wrong sizes: truncated initiation and response */
	ph_init(&h, 17, "10.9.0.1", 43462, "10.9.0.2", 51820);
	feed(&h, SL_DIR_TOSERVER, 1, IIDX, NULL, 0, 147);
	feed(&h, SL_DIR_TOCLIENT, 2, RIDX, IIDX, 0, 91);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* transport counters going backwards; receiver index changing */
	ph_init(&h, 17, "10.9.0.1", 43462, "10.9.0.2", 51820);
	feed(&h, SL_DIR_TOSERVER, 4, RIDX, NULL, 9, 32);
	feed(&h, SL_DIR_TOCLIENT, 4, IIDX, NULL, 9, 32);
	feed(&h, SL_DIR_TOSERVER, 4, RIDX, NULL, 3, 32);
	feed(&h, SL_DIR_TOCLIENT, 4, RIDX, NULL, 10, 32);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

static uint32_t rnd = 777;
static uint8_t next_byte(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return (uint8_t)(rnd >> 16);
}

/* Random datagrams on 51820, even with a valid type and zero reserved bytes. */
static void test_random(void)
{
	for (int round = 0; round < 50; round++) {
		struct ph h;
		ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 51820);
		for (int i = 0; i < 12; i++) {
			uint8_t b[160];
			size_t n = 32 + 16 * (next_byte() % 8);
			for (size_t k = 0; k < n; k++)
				b[k] = next_byte();
			b[0] = (uint8_t)(1 + round % 4), b[1] = b[2] = b[3] = 0;
			if (b[0] == 1 && n > 148)
				n = 148;
			ph_feed(&h, (i & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, b, n);
		}
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

int main(void)
{
	test_handshake();
	transport_only(1, NULL);
	transport_only(2, "wireguard");
	test_negative();
	test_random();
	return TEST_REPORT();
}
