/* The decoder's fast path (plain Ethernet, IPv4, TCP/UDP frames written
 * straight into the packet) against the layers' walk it short-cuts: the
 * same result, packet members and counters for random and damaged frames,
 * the decode fuzz seeds, the project's captures and the shared corpus. */
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sensor/decode/decode_priv.h"
#include "testhelp.h"

static struct sl_decoder *fast, *plain;
static unsigned frames, decoded, plain_ok, mismatches;

static struct sl_decode_config config(void)
{
	return (struct sl_decode_config){ .frag_max_datagrams = 64, .frag_timeout_sec = 30,
					  .decap_gre = true, .decap_vxlan = true,
					  .decap_gtpu = true, .vxlan_port = 4789 };
}

/* Pointers into the frame must be equal; pointers into each decoder's own
 * reassembly buffer must show the same n bytes. */
static bool same_ptr(const uint8_t *a, const uint8_t *b, const uint8_t *fr, size_t len, size_t n)
{
	if (!a || !b)
		return a == b;
	bool in_a = a >= fr && a <= fr + len, in_b = b >= fr && b <= fr + len;
	if (in_a || in_b)
		return a == b;
	return memcmp(a, b, n) == 0;
}

static bool same_addr(const struct sl_addr *a, const struct sl_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}

/* Every member the engine, flow table and parsers may read. */
static bool same_packet(const struct sl_packet *a, const struct sl_packet *b,
			const uint8_t *fr, size_t len)
{
	if (a->neighbour.valid != b->neighbour.valid)
		return false;
	if (a->neighbour.valid && (!same_addr(&a->neighbour.addr, &b->neighbour.addr) ||
				   memcmp(a->neighbour.mac, b->neighbour.mac, 6)))
		return false;
	bool ok = a->ts == b->ts && a->origin == b->origin && a->caplen == b->caplen &&
		  a->wirelen == b->wirelen && a->ip_len == b->ip_len &&
		  same_ptr(a->mac_src, b->mac_src, fr, len, 6) &&
		  same_ptr(a->mac_dst, b->mac_dst, fr, len, 6) && a->vlan[0] == b->vlan[0] &&
		  a->vlan[1] == b->vlan[1] && a->vlan_count == b->vlan_count &&
		  a->tunnel.type == b->tunnel.type && a->tunnel.depth == b->tunnel.depth &&
		  same_addr(&a->tunnel.src, &b->tunnel.src) &&
		  same_addr(&a->tunnel.dst, &b->tunnel.dst) && a->tunnel.id == b->tunnel.id &&
		  same_addr(&a->src, &b->src) && same_addr(&a->dst, &b->dst) &&
		  a->ip_version == b->ip_version && a->ttl == b->ttl && a->df == b->df &&
		  a->reassembled == b->reassembled && a->ip_id == b->ip_id &&
		  same_ptr(a->l3, b->l3, fr, len, 1) && a->proto == b->proto &&
		  a->sport == b->sport && a->dport == b->dport && a->l4_len == b->l4_len &&
		  same_ptr(a->l4, b->l4, fr, len, a->l4_len) && a->tcp_flags == b->tcp_flags &&
		  a->tcp_seq == b->tcp_seq && a->tcp_ack == b->tcp_ack &&
		  a->tcp_window == b->tcp_window && a->tcp_opts_len == b->tcp_opts_len &&
		  same_ptr(a->tcp_opts, b->tcp_opts, fr, len, a->tcp_opts_len) &&
		  a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
		  a->icmp_error == b->icmp_error && a->icmp_quoted == b->icmp_quoted &&
		  a->payload_len == b->payload_len &&
		  same_ptr(a->payload, b->payload, fr, len, a->payload_len);
	if (ok && a->icmp_quoted)
		ok = same_addr(&a->quote.src, &b->quote.src) &&
		     same_addr(&a->quote.dst, &b->quote.dst) && a->quote.proto == b->quote.proto &&
		     a->quote.sport == b->quote.sport && a->quote.dport == b->quote.dport;
	return ok;
}

/* One frame through both decoders (each packet pre-filled with other
 * garbage, so a member one path leaves unwritten shows). */
static void both(int dlt, const uint8_t *fr, size_t n, sl_time_us ts)
{
	struct sl_packet a, b;
	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees a read past it */
	if (!copy)
		abort();
	if (n)
		memcpy(copy, fr, n);
	enum sl_decode_result ra = sl_decode_packet(fast, dlt, copy, (uint32_t)n, (uint32_t)n + 4, ts, &a);
	enum sl_decode_result rb = sl_decode_packet_layers(plain, dlt, copy, (uint32_t)n,
							   (uint32_t)n + 4, ts, &b);
	frames++;
	bool ok = ra == rb && a.neighbour.valid == b.neighbour.valid &&
		  (ra != SL_DECODE_OK || same_packet(&a, &b, copy, n)) &&
		  memcmp(sl_decoder_counters(fast), sl_decoder_counters(plain),
			 sizeof(struct sl_decode_counters)) == 0;
	decoded += ra == SL_DECODE_OK;
	/* what the fast path takes: Ethernet, IPv4 without options, TCP/UDP */
	plain_ok += ra == SL_DECODE_OK && dlt == 1 && n >= 34 && copy[12] == 8 && copy[13] == 0 &&
		    copy[14] == 0x45 && !a.reassembled && !a.tunnel.type &&
		    (a.proto == 6 || a.proto == 17);
	if (!ok && mismatches++ < 5)
		fprintf(stderr, "  frame %u (dlt %d, %zu bytes): results %d / %d differ\n", frames,
			dlt, n, ra, rb);
	free(copy);
}

static uint32_t rnd_state = 0x2545f491u;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8), b[1] = (uint8_t)v;
}

/* A VXLAN (RFC 7348) or GTP-U G-PDU (3GPP TS 29.281) header on port, to
 * or from it, carrying an inner IPv4/UDP packet (Ethernet first for
 * VXLAN): the layers peel it, so the fast path must leave it to them. */
static void tunnel(uint8_t *udp, unsigned port)
{
	put16(udp + (rnd() % 2 ? 0 : 2), port);
	uint8_t *h = udp + 8, *ip = h + (port == 4789 ? 8 + 14 : 8);
	memset(h, 0, 8);
	if (port == 4789) {
		h[0] = 0x08; /* I flag */
		put16(h + 8 + 12, 0x0800);
	} else {
		h[0] = 0x30, h[1] = 0xff; /* version 1, PT, G-PDU */
		put16(h + 2, 40);
	}
	ip[0] = 0x45;
	put16(ip + 2, 28);
	put16(ip + 6, 0);
	ip[9] = 17;
	put16(ip + 24, 8);
}

/* A mostly plain frame with one thing or another wrong or unusual: each
 * of the fast path's tests is met on both of its sides. */
static size_t random_frame(uint8_t *b)
{
	for (size_t i = 0; i < 200; i++)
		b[i] = (uint8_t)rnd();
	static const unsigned types[] = { 0x0800, 0x0800, 0x0800, 0x0800, 0x86dd, 0x8100, 0x0806 };
	put16(b + 12, rnd() % 8 ? types[rnd() % 7] : rnd() & 0xffff);
	uint8_t *ip = b + 14;
	unsigned proto = (unsigned[]){ 6, 6, 17, 17, 1, 47, 50 }[rnd() % 7];
	size_t opt = rnd() % 6 ? 0 : (rnd() % 11) * 4, thl = proto == 6 ? 20 : 8;
	if (proto == 6 && rnd() % 3 == 0)
		thl += (rnd() % 11) * 4;
	unsigned tun = proto == 17 && rnd() % 3 == 0 ? 1 + rnd() % 2 : 0; /* VXLAN, GTP-U */
	size_t plen = tun ? 64 : rnd() % 80, total = 20 + opt + thl + plen;
	ip[0] = rnd() % 16 ? (uint8_t)(0x40 | (5 + opt / 4)) : (uint8_t)rnd();
	put16(ip + 2, rnd() % 8 ? (unsigned)total : rnd() % 160);
	put16(ip + 6, (unsigned[]){ 0, 0x4000, 0, 0x2000, 0x0003, rnd() & 0xffff }[rnd() % 6]);
	ip[9] = (uint8_t)proto;
	for (size_t i = 0; i < opt; i++)
		ip[20 + i] = rnd() % 4 ? 1 : (uint8_t)(rnd() % 3 ? 0 : rnd());
	uint8_t *l4 = ip + 20 + opt;
	static const unsigned ports[] = { 443, 53, 4789, 2152, 80, 0 };
	put16(l4, rnd() % 4 ? 1024 + rnd() % 60000 : ports[rnd() % 6]);
	put16(l4 + 2, rnd() % 4 ? rnd() % 1024 : ports[rnd() % 6]);
	if (tun)
		tunnel(l4, tun == 1 ? 4789 : 2152);
	if (proto == 6 && rnd() % 8)
		l4[12] = (uint8_t)(thl / 4 << 4 | (rnd() & 15));
	if (proto == 17 && rnd() % 8)
		put16(l4 + 4, (unsigned)(thl + plen) - (rnd() % 4 ? 0 : rnd() % 12));
	size_t n = 14 + total + (rnd() % 4 ? 0 : rnd() % 20); /* link padding */
	if (rnd() % 3 == 0)
		n = rnd() % (n + 1); /* a snap length anywhere */
	return n;
}

static void test_random(void)
{
	TEST("fast path: 300000 random frames against the layers");
	uint8_t b[256];
	unsigned before = decoded, fast_before = plain_ok;
	for (unsigned i = 0; i < 300000; i++) {
		size_t n = random_frame(b);
		both(1, b, n, 1000 + (sl_time_us)i * 1000); /* held datagrams expire */
	}
	CHECK_EQ_INT(mismatches, 0);
	fprintf(stderr, "  %u decoded, %u of them plain\n", decoded - before, plain_ok - fast_before);
	/* the fast path and its refusals both met */
	CHECK(decoded - before > 40000 && plain_ok - fast_before > 20000);
	CHECK(frames - decoded > 100000);
}

/* The frames of a capture, in order, with their link type and times. */
static void replay_capture(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p)
		return; /* not a capture (README, expected results) */
	struct pcap_pkthdr *h;
	const u_char *data;
	int dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1)
		both(dlt, data, h->caplen,
		     (sl_time_us)h->ts.tv_sec * SL_US_PER_SEC + (sl_time_us)h->ts.tv_usec);
	pcap_close(p);
}

/* Every file under dir; fuzz seeds (first byte: the link type's index in
 * fuzz_decode's list) when seeds is set, captures otherwise. */
static void walk(const char *dir, bool seeds)
{
	static const int dlts[] = { 1, 0, 108, 12, 14, 228, 229, 113, 276, 9, 104, 239 };
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(path, seeds);
		} else if (!seeds) {
			replay_capture(path);
		} else {
			FILE *f = fopen(path, "rb");
			uint8_t buf[65536];
			size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
			if (f)
				fclose(f);
			if (n > 0 && !(buf[0] & 0x80)) /* multi-frame seeds: their own harness */
				both(dlts[buf[0] % (sizeof(dlts) / sizeof(dlts[0]))], buf + 1, n - 1,
				     frames * 1000);
		}
	}
	if (d)
		closedir(d);
}

static void test_seeds_and_captures(void)
{
	TEST("fast path: decode fuzz seeds, project captures, shared corpus");
	unsigned start = frames;
	walk(SL_SOURCE_ROOT "/tests/fuzz/seeds/decode", true);
	walk(SL_SOURCE_ROOT "/pcaps", false);
	unsigned own = frames - start;
	walk(SL_SOURCE_ROOT "/../shared/corpus", false); /* absent: nothing to add */
	fprintf(stderr, "  %u frames (%u of this project's), %u decoded\n", frames - start, own,
		decoded);
	CHECK_EQ_INT(mismatches, 0);
	CHECK(own > 1000);
}

int main(void)
{
	struct sl_decode_config cfg = config();
	if (sl_decoder_create(&cfg, &fast) != 0 || sl_decoder_create(&cfg, &plain) != 0)
		return 1;
	test_random();
	test_seeds_and_captures();
	sl_decoder_destroy(fast);
	sl_decoder_destroy(plain);
	return TEST_REPORT();
}
