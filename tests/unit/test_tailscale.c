/* Unit tests for the Tailscale disco detector (sensor/proto/tailscale.c):
 * disco messages built per tailscale.com/disco's layout (magic, sender key,
 * nonce, box), both directions and one; changing keys, short messages and
 * random bytes must stay unnamed. */
#include <stdio.h>

#include "protohelp.h"
#include "testhelp.h"

static size_t disco(uint8_t *o, uint8_t keyseed, size_t boxlen)
{
	memcpy(o, "TS\xf0\x9f\x92\xac", 6);
	for (int i = 0; i < 32; i++)
		o[6 + i] = (uint8_t)(keyseed + i * 3);
	for (size_t i = 38; i < 62 + boxlen; i++)
		o[i] = (uint8_t)(i * 13 + keyseed);
	return 62 + boxlen;
}

static void feed(struct ph *h, enum sl_dir d, uint8_t keyseed, size_t boxlen)
{
	uint8_t b[256];
	ph_feed(h, d, b, disco(b, keyseed, boxlen));
}

static const char *run(const uint8_t *dirs, const uint8_t *keys, const size_t *lens, int n)
{
	static char got[80];
	struct ph h;
	ph_init(&h, 17, "192.168.88.3", 41641, "18.196.71.179", 41641);
	for (int i = 0; i < n; i++)
		feed(&h, dirs[i] ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, keys[i], lens[i]);
	const char *ap = ph_str(&h, "app_proto");
	snprintf(got, sizeof(got), "%s", ap ? ap : "-");
	if (ap) {
		CHECK_EQ_STR(ph_str(&h, "app"), "tailscale");
		CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
		const char *k = ph_str(&h, "tailscale.disco_key");
		CHECK(k == NULL || strlen(k) == 64);
		if (!dirs[0])
			CHECK(k != NULL && strncmp(k, "05080b0e", 8) == 0);
	}
	ph_finish(&h);
	return got;
}

int main(void)
{
	static const size_t L[] = { 56, 56, 74, 56, 56 };
	/* ping and pong, each side under its own key */
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 1 }, (const uint8_t[]){ 5, 9 }, L, 2), "tailscale");
	/* one side, three pings under one key, no answer */
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 0, 0 }, (const uint8_t[]){ 5, 5, 5 }, L, 3), "tailscale");
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 0 }, (const uint8_t[]){ 5, 5 }, L, 2), "-");
	/* a side changing its key; both sides with the same key */
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 0, 0 }, (const uint8_t[]){ 5, 6, 5 }, L, 3), "-");
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 1 }, (const uint8_t[]){ 5, 5 }, L, 2), "-");
	/* truncated: box shorter than its tag and type/version */
	static const size_t S[] = { 17, 17, 17, 17 };
	CHECK_EQ_STR(run((const uint8_t[]){ 0, 1, 0, 1 }, (const uint8_t[]){ 5, 9, 5, 9 }, S, 4), "-");
	/* random datagrams */
	uint32_t rnd = 99;
	for (int round = 0; round < 30; round++) {
		struct ph h;
		ph_init(&h, 17, "10.0.0.2", 41641, "198.51.100.1", 41641);
		for (int i = 0; i < 8; i++) {
			uint8_t b[160];
			for (size_t k = 0; k < sizeof(b); k++)
				b[k] = (uint8_t)((rnd = rnd * 1103515245u + 12345u) >> 16);
			ph_feed(&h, (i & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, b, sizeof(b));
		}
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
	return TEST_REPORT();
}
