/* Radmin detector: the hello / reply and the 14-byte exchanges built to the
 * publicly described layout, and near misses that must not match. */
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

static const uint8_t hello[10] = { 1, 0, 0, 0, 1, 0, 0, 0, 8, 8 };
static const uint8_t shortm[14] = { 1, 0, 0, 0, 5, 0, 0, 0, 0x27, 0x27, 0, 0, 0, 0 };

static void reply(uint8_t b[46])
{
	memset(b, 0, 46);
	b[0] = 1, b[4] = 0x25, b[7] = 2, b[8] = 0x12, b[9] = 8, b[10] = 2, b[13] = 0x0A;
}

static const char *two(const void *c, size_t cn, const void *s, size_t sn, struct ph *h)
{
	ph_init(h, 6, "10.0.0.2", 51000, "198.51.100.9", 4899);
	ph_feed(h, SL_DIR_TOSERVER, c, cn);
	ph_feed(h, SL_DIR_TOCLIENT, s, sn);
	return ph_str(h, "app_proto");
}

int main(void)
{
	struct ph h;
	uint8_t r[46];
	reply(r);
	CHECK_EQ_STR(two(hello, 10, r, 46, &h), "radmin");
	CHECK_EQ_STR(ph_str(&h, "app"), "radmin");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	ph_finish(&h);
	CHECK_EQ_STR(two(shortm, 14, shortm, 14, &h), "radmin");
	ph_finish(&h);

	/* hello alone, a reply with the wrong byte 13, a length byte that
	 * disagrees with the size, 14-byte messages from one side only */
	ph_init(&h, 6, "10.0.0.2", 51000, "198.51.100.9", 4899);
	ph_feed(&h, SL_DIR_TOSERVER, hello, 10);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	r[13] = 0x0B;
	CHECK(two(hello, 10, r, 46, &h) == NULL);
	ph_finish(&h);
	reply(r);
	r[4] = 0x24;
	CHECK(two(hello, 10, r, 46, &h) == NULL);
	ph_finish(&h);
	CHECK(two(shortm, 14, "", 0, &h) == NULL);
	ph_feed(&h, SL_DIR_TOSERVER, shortm, 14);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	return TEST_REPORT();
}
