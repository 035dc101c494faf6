/* Unit tests for capture-list expansion (name order, recursion, hidden
 * entries, files recognised by magic number, the errors for named files)
 * and for the workers' sharding of frames (sensor/capture/pick.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensor/capture/capture_priv.h"
#include "sightline/capture.h"
#include "testhelp.h"

static char dir[64];

static void put(const char *name, const void *bytes, size_t n)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (n)
		fwrite(bytes, 1, n, f);
	fclose(f);
}

static const uint8_t pcap_le[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
static const uint8_t pcapng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0 };

static const char *base(const char *p)
{
	return p + strlen(dir) + 1;
}

static void test_expand_dir(void)
{
	TEST("capture: directories in name order, recursive, by magic");
	char sub[128], err[256];
	snprintf(sub, sizeof(sub), "%s/b-sub", dir);
	mkdir(sub, 0700);
	put("c.cap", pcap_le, sizeof(pcap_le));
	put("a.txt", pcapng, sizeof(pcapng)); /* a capture despite its name */
	put("b-sub/x.pcap", pcap_le, sizeof(pcap_le));
	put("d.pcap", "not a capture", 13);   /* passed over inside a directory */
	put(".hidden.pcap", pcap_le, sizeof(pcap_le));
	struct sl_capture_list l;
	const char *in[] = { dir };
	CHECK(sl_capture_expand(in, 1, &l, err, sizeof(err)) == 0);
	CHECK_EQ_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ_STR(base(l.paths[0]), "a.txt");
		CHECK_EQ_STR(base(l.paths[1]), "b-sub/x.pcap");
		CHECK_EQ_STR(base(l.paths[2]), "c.cap");
	}
	CHECK_EQ_INT(l.skipped, 1);
	CHECK_EQ_INT(l.total_bytes, 3 * 8);
	sl_capture_list_finish(&l);
	sl_capture_list_finish(NULL);
}

static void test_named_errors(void)
{
	TEST("capture: a named file that is not a capture is an error");
	char p[128], err[256];
	struct sl_capture_list l;
	const char *in[] = { p };
	snprintf(p, sizeof(p), "%s/d.pcap", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "d.pcap: not a pcap or pcapng capture") != NULL);
	put("empty", "", 0);
	snprintf(p, sizeof(p), "%s/empty", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "empty file") != NULL);
	put("short", "\xd4\xc3", 2);
	snprintf(p, sizeof(p), "%s/short", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "too short") != NULL);
	snprintf(p, sizeof(p), "%s/missing", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "missing: No such file") != NULL);
	CHECK_EQ_INT(l.n, 0);
}

static void test_magic(void)
{
	TEST("capture: magic numbers");
	CHECK(sl_capture_is_capture_magic(pcap_le, 4));
	CHECK(sl_capture_is_capture_magic((const uint8_t *)"\xa1\xb2\x3c\x4d", 4)); /* ns, big endian */
	CHECK(sl_capture_is_capture_magic(pcapng, 4));
	CHECK(!sl_capture_is_capture_magic((const uint8_t *)"{\"ti", 4));
	CHECK(!sl_capture_is_capture_magic(pcap_le, 3));
}

/* An IPv4 header from a to b (last octets) carrying proto, after hdr
 * bytes of link header; returns the frame's length. */
static size_t ip4_frame(uint8_t *f, const uint8_t *hdr, size_t hl, uint8_t a, uint8_t b,
			uint8_t proto, uint16_t frag)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 6, 0, 0,
					10, 0, 0, 0, 198, 51, 100, 0 };
	if (hl)
		memcpy(f, hdr, hl);
	memcpy(f + hl, ip, 20);
	f[hl + 6] = (uint8_t)(frag >> 8);
	f[hl + 7] = (uint8_t)frag;
	f[hl + 9] = proto;
	f[hl + 15] = a;
	f[hl + 19] = b;
	memset(f + hl + 20, 0, 8);
	return hl + 28;
}

/* Every link type the decoder reads is sharded by its IP pair: both
 * directions and every fragment of a datagram meet one worker, and flows
 * spread over the workers.  pick.c once parsed links itself and sent every
 * PPP frame to worker 0. */
static void test_shard_links(void)
{
	TEST("shard: the decoder's link layers (Ethernet, PPP, raw); fragments agree, flows spread");
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	static const uint8_t ppp[4] = { 0xff, 0x03, 0x00, 0x21 };
	static const struct { int dlt; const uint8_t *hdr; size_t len; } links[] = {
		{ 1, eth, sizeof(eth) },  /* DLT_EN10MB */
		{ 9, ppp, sizeof(ppp) },  /* DLT_PPP */
		{ 12, NULL, 0 },          /* DLT_RAW */
	};
	uint8_t f[128];
	for (size_t l = 0; l < ARRAY_SIZE(links); l++) {
		unsigned used = 0;
		for (uint8_t h = 1; h <= 16; h++) {
			size_t n = ip4_frame(f, links[l].hdr, links[l].len, h, 7, 6, 0);
			int first = sl_shard_pick(links[l].dlt, f, (uint32_t)n, 4);
			n = ip4_frame(f, links[l].hdr, links[l].len, h, 7, 6, 0x0010); /* a later fragment */
			int later = sl_shard_pick(links[l].dlt, f, (uint32_t)n, 4);
			CHECK(first >= 0 && first < 4 && first == later);
			used |= 1u << (first < 0 ? 0 : first);
		}
		CHECK(used != 1u); /* spread, not all on worker 0 */
	}
	static const uint8_t arp[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x06 };
	CHECK_EQ_INT(sl_shard_pick(1, arp, sizeof(arp), 4), -1); /* not IP: worker 0 */
	CHECK_EQ_INT(sl_shard_pick(1, NULL, 0, 4), -1);
}

/* Both directions of a flow: the address pair is taken order-free. */
static void test_shard_directions(void)
{
	TEST("shard: both directions of an address pair meet one worker");
	uint8_t f[64], g[64];
	for (uint8_t h = 1; h <= 32; h++) {
		size_t n = ip4_frame(f, NULL, 0, h, 9, 17, 0);
		memcpy(g, f, n);
		memcpy(g + 12, f + 16, 4); /* source and destination swapped */
		memcpy(g + 16, f + 12, 4);
		CHECK_EQ_INT(sl_shard_pick(12, f, (uint32_t)n, 3), sl_shard_pick(12, g, (uint32_t)n, 3));
	}
}

int main(void)
{
	test_shard_links();
	test_shard_directions();
	snprintf(dir, sizeof(dir), "/tmp/sl-test-capture-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_magic();
	test_expand_dir();
	test_named_errors();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_REPORT();
}
