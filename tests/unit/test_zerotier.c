/* Unit tests for the ZeroTier detector (sensor/proto/zerotier.c): headers
 * and a cleartext HELLO laid out per ZeroTier's packet description, both
 * directions and one; reserved addresses, mismatched address pairs, bad
 * HELLOs, truncations and random bytes must stay unnamed. */
#include "protohelp.h"
#include "testhelp.h"

static const uint8_t A[5] = { 0x89, 0xe9, 0x2c, 0xee, 0x5d };
static const uint8_t B[5] = { 0x77, 0x8c, 0xde, 0x71, 0x90 };
static const uint8_t R[5] = { 0xff, 0x01, 0x02, 0x03, 0x04 };

/* A header from src to dst; hello: cipher 0, verb HELLO, version, identity. */
static size_t pkt(uint8_t *o, const uint8_t *dst, const uint8_t *src, bool hello, uint8_t ver,
		  const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		o[i] = (uint8_t)(i * 53 + 17);
	memcpy(o + 8, dst, 5);
	memcpy(o + 13, src, 5);
	o[18] = hello ? 0x00 : 0x08; /* cipher suite 0 (none) or 1 */
	if (hello) {
		o[27] = 0x01;
		o[28] = ver;
		memcpy(o + 41, id, 5);
		o[46] = 0;
	}
	return len;
}

static void feed(struct ph *h, enum sl_dir d, const uint8_t *dst, const uint8_t *src, bool hello,
		 uint8_t ver, const uint8_t *id, size_t len)
{
	uint8_t b[300];
	ph_feed(h, d, b, pkt(b, dst, src, hello, ver, id, len));
}

static void check_named(struct ph *h, bool named)
{
	const char *ap = ph_str(h, "app_proto");
	if (named) {
		CHECK_EQ_STR(ap, "zerotier");
		CHECK_EQ_STR(ph_str(h, "app"), "zerotier");
		CHECK_EQ_STR(ph_str(h, "category"), "vpn");
	} else {
		CHECK(ap == NULL);
	}
	ph_finish(h);
}

static void test_hello_ok(void)
{
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, A, 180);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 120);
	CHECK_EQ_STR(ph_str(&h, "zerotier.client_address"), "89e92cee5d");
	CHECK_EQ_STR(ph_str(&h, "zerotier.server_address"), "778cde7190");
	CHECK_EQ_INT(ph_u64(&h, "zerotier.proto_version"), 12);
	check_named(&h, true);
	/* repeated HELLOs, never answered */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, A, 180);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, A, 180);
	check_named(&h, true);
	/* one HELLO alone is not enough */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, A, 180);
	check_named(&h, false);
}

static void test_swapped(void)
{
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 60);
	CHECK_EQ_STR(ph_str(&h, "zerotier.client_address"), "89e92cee5d");
	CHECK(ph_str(&h, "zerotier.proto_version") == NULL);
	check_named(&h, true);
}

static void test_negative(void)
{
	struct ph h;
	/* the reply does not swap the addresses */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOCLIENT, B, A, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 100);
	check_named(&h, false);
	/* reserved 0xff address */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, R, A, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOCLIENT, A, R, false, 0, NULL, 100);
	feed(&h, SL_DIR_TOSERVER, R, A, false, 0, NULL, 100);
	check_named(&h, false);
	/* HELLO with an identity of another node; with version 2 */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, B, 180);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 100);
	check_named(&h, false);
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 2, A, 180);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 100);
	check_named(&h, false);
	/* truncated: shorter than a header; HELLO cut before its identity */
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 27);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 27);
	feed(&h, SL_DIR_TOSERVER, B, A, false, 0, NULL, 27);
	check_named(&h, false);
	ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
	feed(&h, SL_DIR_TOSERVER, B, A, true, 12, A, 100);
	feed(&h, SL_DIR_TOCLIENT, A, B, false, 0, NULL, 100);
	check_named(&h, false);
}

static void test_random(void)
{
	uint32_t rnd = 4242;
	for (int round = 0; round < 50; round++) {
		struct ph h;
		ph_init(&h, 17, "10.0.0.2", 9993, "198.51.100.1", 9993);
		for (int i = 0; i < 10; i++) {
			uint8_t b[120];
			for (size_t k = 0; k < sizeof(b); k++)
				b[k] = (uint8_t)((rnd = rnd * 1103515245u + 12345u) >> 16);
			ph_feed(&h, (i & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, b, sizeof(b));
		}
		check_named(&h, false);
	}
}

int main(void)
{
	test_hello_ok();
	test_swapped();
	test_negative();
	test_random();
	return TEST_REPORT();
}
