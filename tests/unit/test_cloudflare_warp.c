/* Cloudflare WARP detector: WireGuard transport messages carrying the same
 * client id both ways (as in nDPI's cloudflare-warp.pcap), and the near
 * misses: plain WireGuard, a changed client id, falling counters. */
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

/* A transport message of n bytes: type, client id, receiver, counter. */
static void msg(uint8_t *b, size_t n, uint8_t type, const uint8_t id[3], uint32_t rx, uint64_t ctr)
{
	memset(b, 0x5a, n);
	b[0] = type;
	memcpy(b + 1, id, 3);
	memcpy(b + 4, &rx, 4);
	for (int i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(ctr >> (8 * i));
}

static const uint8_t cid[3] = { 0x02, 0x78, 0x00 };

/* Client and server send two data messages each; app_proto or NULL. */
static const char *run(const uint8_t sid[3], uint8_t type, uint64_t c2, struct ph *h)
{
	uint8_t b[84];
	ph_init(h, 17, "192.168.1.84", 60555, "162.159.192.7", 2408);
	msg(b, 84, type, cid, 0x00ee8468, 1);
	ph_feed(h, SL_DIR_TOSERVER, b, sizeof(b));
	msg(b, 84, type, sid, 0x01839068, 0);
	ph_feed(h, SL_DIR_TOCLIENT, b, sizeof(b));
	msg(b, 72, type, cid, 0x00ee8468, c2);
	ph_feed(h, SL_DIR_TOSERVER, b, 72);
	msg(b, 84, type, sid, 0x01839068, 1);
	ph_feed(h, SL_DIR_TOCLIENT, b, sizeof(b));
	return ph_str(h, "app_proto");
}

int main(void)
{
	struct ph h;
	static const uint8_t zero[3], other[3] = { 0x02, 0x78, 0x01 };
	CHECK_EQ_STR(run(cid, 0xc4, 2, &h), "cloudflare-warp");
	CHECK_EQ_STR(ph_str(&h, "app"), "cloudflare-warp");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);
	CHECK_EQ_STR(run(cid, 0x04, 2, &h), "cloudflare-warp"); /* older clients: plain type */
	ph_finish(&h);

	CHECK(run(other, 0xc4, 2, &h) == NULL); /* client ids differ */
	ph_finish(&h);
	CHECK(run(cid, 0xc4, 1, &h) == NULL);   /* counter repeats */
	ph_finish(&h);
	CHECK(run(cid, 0x84, 2, &h) == NULL);   /* not a WireGuard type byte */
	ph_finish(&h);

	/* plain WireGuard (zero reserved bytes) is not WARP */
	uint8_t b[64];
	ph_init(&h, 17, "192.168.1.84", 60555, "198.51.100.7", 51820);
	for (uint64_t i = 0; i < 3; i++) {
		msg(b, 64, 4, zero, 0x11223344, i);
		ph_feed(&h, SL_DIR_TOSERVER, b, sizeof(b));
		msg(b, 64, 4, zero, 0x55667788, i);
		ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
	}
	const char *ap = ph_str(&h, "app_proto");
	CHECK(ap == NULL || strcmp(ap, "cloudflare-warp") != 0);
	ph_finish(&h);
	return TEST_REPORT();
}
