/* Benchmark input: a large mixed capture built from small ones.  Each pass
 * over the inputs is one "copy" whose IP addresses are rewritten by a
 * per-copy bijection (so every copy's flows are distinct flows, and both
 * directions of a flow stay one flow) and whose timestamps follow the
 * previous copy's.  Only Ethernet inputs are used; the output is Ethernet.  It stops
 * after the input that brings it to the size asked (megabytes of file, or packets).
 *   mkmix --mb N | --packets N OUT.pcap INPUT.pcap...
 * The flow count grows with the copies; addresses keep their first two
 * bytes, so private ranges stay private and home_networks still apply, and
 * the IPv4 and TCP/UDP checksums are patched to match (RFC 1624). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct input {
	struct pcap_pkthdr *hdr;
	u_char **data;
	size_t n;
	int64_t span_us; /* latest minus first timestamp */
};

static int64_t ts_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* Load an Ethernet capture into memory; false when unreadable or another link type. */
static int load(const char *path, struct input *in)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "mkmix: %s\n", err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		return 0;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (in->n == cap) {
			cap = cap ? cap * 2 : 64;
			in->hdr = realloc(in->hdr, cap * sizeof(*in->hdr));
			in->data = realloc(in->data, cap * sizeof(*in->data));
			if (!in->hdr || !in->data)
				abort();
		}
		in->hdr[in->n] = *h;
		in->data[in->n] = malloc(h->caplen);
		if (!in->data[in->n])
			abort();
		memcpy(in->data[in->n], d, h->caplen);
		in->n++;
	}
	pcap_close(p);
	/* Up to the latest time, not the last record's: an input whose clock steps back
	 * (pcaps/gen-out/time-steps.pcap) must not pull the next one back in time. */
	for (size_t k = 1; k < in->n; k++) {
		int64_t span = ts_us(&in->hdr[k].ts) - ts_us(&in->hdr[0].ts);
		if (span > in->span_us)
			in->span_us = span;
	}
	return in->n ? 1 : 0;
}

/* RFC 1624 eqn. 3: the checksum at c after one 16-bit word changed from m to m2. */
static void csum_fix(u_char *c, uint16_t m, uint16_t m2)
{
	uint32_t hc = (uint32_t)(c[0] << 8 | c[1]);
	uint32_t sum = (~hc & 0xffff) + (~m & 0xffff) + m2;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	uint16_t out = (uint16_t)~sum;
	c[0] = (u_char)(out >> 8);
	c[1] = (u_char)out;
}

/* XORs x into the 16-bit word at w and patches the checksums that cover it (the IPv4
 * header's at ipc, the TCP/UDP one at l4c; either may be NULL). */
static void patch(u_char *w, uint16_t x, u_char *ipc, u_char *l4c)
{
	uint16_t m = (uint16_t)(w[0] << 8 | w[1]), m2 = m ^ x;
	w[0] = (u_char)(m2 >> 8);
	w[1] = (u_char)m2;
	if (ipc)
		csum_fix(ipc, m, m2);
	if (l4c)
		csum_fix(l4c, m, m2);
}

/* Where the TCP, UDP or ICMPv6 checksum (those covering the addresses) of the header at
 * l4 is, when the packet holds it (first fragments only); a UDP checksum of 0 is none. */
static u_char *l4_checksum(u_char *pkt, uint32_t caplen, uint32_t l4, uint8_t proto)
{
	uint32_t at = proto == 6 ? l4 + 16 : proto == 17 ? l4 + 6 : proto == 58 ? l4 + 2 : 0;
	if (!at || caplen < at + 2 || (proto == 17 && !pkt[at] && !pkt[at + 1]))
		return NULL;
	return pkt + at;
}

/* XOR the copy number into bytes 2-3 of an IPv4 address (IPv6: bytes 12-13), a
 * bijection per copy that leaves the network's first two bytes alone, keeping the IPv4
 * header and TCP/UDP checksums right (tunnelled inner headers stay as they were). */
static void rewrite(u_char *pkt, uint32_t caplen, uint32_t copy)
{
	uint32_t off = 14;
	uint16_t et = caplen >= 14 ? (uint16_t)(pkt[12] << 8 | pkt[13]) : 0;
	while ((et == 0x8100 || et == 0x88a8) && caplen >= off + 4) {
		et = (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
		off += 4;
	}
	uint16_t x = (uint16_t)copy;
	if (et == 0x0800 && caplen >= off + 20) {
		bool first = !((pkt[off + 6] & 0x1f) | pkt[off + 7]);
		u_char *l4c = first ? l4_checksum(pkt, caplen, off + (pkt[off] & 0x0fu) * 4, pkt[off + 9])
		                    : NULL;
		for (uint32_t a = off + 12; a <= off + 16; a += 4)
			patch(pkt + a + 2, x, pkt + off + 10, l4c);
	} else if (et == 0x86dd && caplen >= off + 40) {
		u_char *l4c = l4_checksum(pkt, caplen, off + 40, pkt[off + 6]);
		for (uint32_t a = off + 8; a <= off + 24; a += 16)
			patch(pkt + a + 12, x, NULL, l4c);
	}
}

/* The size asked for: --mb N (bytes of file) or --packets N; false on a usage error. */
static bool limit(int argc, char **argv, uint64_t *bytes, uint64_t *pkts)
{
	char *end = NULL;
	if (argc < 5)
		return false;
	uint64_t n = strtoull(argv[2], &end, 10);
	if (!n || *end)
		return false;
	*bytes = !strcmp(argv[1], "--mb") ? n * 1000000ULL : UINT64_MAX;
	*pkts = !strcmp(argv[1], "--packets") ? n : UINT64_MAX;
	return *bytes != UINT64_MAX || *pkts != UINT64_MAX;
}

int main(int argc, char **argv)
{
	uint64_t target, target_pkts;
	if (!limit(argc, argv, &target, &target_pkts)) {
		fprintf(stderr, "usage: mkmix --mb N | --packets N OUT.pcap INPUT.pcap...\n");
		return 2;
	}
	const char *path = argv[3];
	struct input *ins = calloc((size_t)argc, sizeof(*ins));
	size_t nin = 0;
	for (int i = 4; i < argc; i++) {
		int rc = load(argv[i], &ins[nin]);
		if (rc < 0)
			return 1;
		nin += rc > 0;
	}
	if (!nin) {
		fprintf(stderr, "mkmix: no Ethernet capture among the inputs\n");
		return 1;
	}
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *out = pcap_dump_open(dead, path);
	if (!out) {
		fprintf(stderr, "mkmix: %s\n", pcap_geterr(dead));
		return 1;
	}
	uint64_t bytes = 24, pkts = 0;
	int64_t base = 1767225600LL * 1000000; /* 2026-01-01T00:00:00Z */
	u_char *buf = malloc(262144);
	uint32_t copy = 0;
	while (bytes < target && pkts < target_pkts && copy < 65536) {
		for (size_t i = 0; i < nin && bytes < target && pkts < target_pkts; i++) {
			struct input *in = &ins[i];
			int64_t first = ts_us(&in->hdr[0].ts);
			for (size_t k = 0; k < in->n; k++) {
				struct pcap_pkthdr h = in->hdr[k];
				int64_t t = base + ts_us(&h.ts) - first;
				h.ts.tv_sec = (time_t)(t / 1000000);
				h.ts.tv_usec = (suseconds_t)(t % 1000000);
				memcpy(buf, in->data[k], h.caplen);
				rewrite(buf, h.caplen, copy);
				pcap_dump((u_char *)out, &h, buf);
				bytes += 16 + h.caplen;
				pkts++;
			}
			base += in->span_us + 1000; /* the next input starts 1 ms later */
		}
		copy++;
	}
	/* pcap_dump() reports nothing: a full disk shows at the flush. */
	int bad = pcap_dump_flush(out) != 0 || ferror(pcap_dump_file(out));
	if (bad)
		fprintf(stderr, "mkmix: %s: write failed: %s\n", path, strerror(errno));
	pcap_dump_close(out);
	pcap_close(dead);
	free(buf);
	for (size_t i = 0; i < nin; i++) {
		for (size_t k = 0; k < ins[i].n; k++)
			free(ins[i].data[k]);
		free(ins[i].hdr);
		free(ins[i].data);
	}
	free(ins);
	if (bad)
		return 1;
	printf("%s: %llu packets, %.1f MB, %u copies of %zu Ethernet inputs\n", path,
	       (unsigned long long)pkts, bytes / 1e6, copy, nin);
	return 0;
}
