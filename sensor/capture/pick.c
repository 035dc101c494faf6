/* Which worker a frame belongs to: a cheap, bounds-checked pre-parse of the
 * link (Ethernet, cooked, loopback, raw, Cisco HDLC, NFLOG), VLAN, MPLS,
 * PPPoE and IPv4/IPv6 headers, and a hash of the address pair and
 * protocol that is the same in both directions.  Ports are left out on
 * purpose: a fragment carries none, and a flow whose datagrams are partly
 * fragmented must still meet one decoder and one flow table.  Non-IP frames
 * and link types it does not know go to worker 0. */
#include <string.h>

#include "capture_priv.h"

#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE 0x8864

struct tuple {
	uint8_t a[16], b[16]; /* addresses, IPv4 in the first 4 bytes */
	uint8_t proto;
	bool ok;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void ipv4(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	if (end - p < 20 || (p[0] >> 4) != 4)
		return;
	t->proto = p[9];
	memcpy(t->a, p + 12, 4);
	memcpy(t->b, p + 16, 4);
	t->ok = true;
}

/* IPv6: the protocol after hop-by-hop, routing, destination options and
 * fragment headers (the decoder keys flows the same way). */
static void ipv6(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	if (end - p < 40 || (p[0] >> 4) != 6)
		return;
	uint8_t nh = p[6];
	memcpy(t->a, p + 8, 16);
	memcpy(t->b, p + 24, 16);
	p += 40;
	t->ok = true;
	for (int i = 0; i < 4 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
		if (end - p < 8)
			break;
		size_t len = nh == 44 ? 8u : (p[1] + 1u) * 8u;
		nh = p[0];
		if ((size_t)(end - p) < len)
			break;
		p += len;
	}
	t->proto = nh;
}

static void by_version(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	if (end > p && (p[0] >> 4) == 4)
		ipv4(t, p, end);
	else if (end > p && (p[0] >> 4) == 6)
		ipv6(t, p, end);
}

/* MPLS labels up to the bottom of the stack, then IP by its version. */
static void mpls(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	for (int i = 0; i < 8 && end - p >= 4; i++) {
		bool bottom = p[2] & 1;
		p += 4;
		if (bottom) {
			by_version(t, p, end);
			return;
		}
	}
}

/* PPPoE session header, then PPP's IPv4 (0x0021) or IPv6 (0x0057). */
static void pppoe(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	if (end - p < 8)
		return;
	uint16_t proto = be16(p + 6);
	if (proto == 0x0021)
		ipv4(t, p + 8, end);
	else if (proto == 0x0057)
		ipv6(t, p + 8, end);
}

static void by_ethertype(struct tuple *t, uint16_t et, const uint8_t *p, const uint8_t *end)
{
	for (int i = 0; i < 3 && (et == ETH_VLAN || et == ETH_QINQ); i++) {
		if (end - p < 4)
			return;
		et = be16(p + 2);
		p += 4;
	}
	if (et == ETH_IPV4)
		ipv4(t, p, end);
	else if (et == ETH_IPV6)
		ipv6(t, p, end);
	else if (et == ETH_MPLS || et == ETH_MPLS_MC)
		mpls(t, p, end);
	else if (et == ETH_PPPOE)
		pppoe(t, p, end);
}

/* NFLOG: TLVs (host-order length and type) up to the payload (type 9). */
static void nflog(struct tuple *t, const uint8_t *p, const uint8_t *end)
{
	if (end - p < 4)
		return;
	for (p += 4; end - p >= 4;) {
		uint16_t len, type;
		memcpy(&len, p, 2);
		memcpy(&type, p + 2, 2);
		if (len < 4 || len > end - p)
			return;
		if ((type & 0x3fff) == 9) {
			by_version(t, p + 4, p + len);
			return;
		}
		size_t step = (len + 3u) & ~3u;
		if (step > (size_t)(end - p))
			return;
		p += step;
	}
}

static void parse(struct tuple *t, int dlt, const uint8_t *p, const uint8_t *end)
{
	size_t n = (size_t)(end - p);
	switch (dlt) {
	case DLT_EN10MB:
		if (n >= 14)
			by_ethertype(t, be16(p + 12), p + 14, end);
		break;
	case DLT_LINUX_SLL:
		if (n >= 16)
			by_ethertype(t, be16(p + 14), p + 16, end);
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (n >= 20)
			by_ethertype(t, be16(p), p + 20, end);
		break;
#endif
	case DLT_NULL:
	case DLT_LOOP:
		if (n >= 4)
			by_version(t, p + 4, end);
		break;
	case DLT_C_HDLC:
		if (n >= 4)
			by_ethertype(t, be16(p + 2), p + 4, end);
		break;
	case DLT_NFLOG:
		nflog(t, p, end);
		break;
	case 12: /* DLT_RAW */
	case 14: /* DLT_RAW on OpenBSD */
	case DLT_IPV4:
	case DLT_IPV6:
		by_version(t, p, end);
		break;
	default:
		break;
	}
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static uint64_t endpoint(const uint8_t *a)
{
	uint64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return mix(mix(0, x), y);
}

int sl_shard_pick(int dlt, const uint8_t *frame, uint32_t caplen, unsigned n)
{
	struct tuple t = { .ok = false };
	if (!frame)
		return -1;
	parse(&t, dlt, frame, frame + caplen);
	if (!t.ok)
		return -1;
	/* Order-free combination of the two endpoints: both directions agree. */
	uint64_t x = endpoint(t.a), y = endpoint(t.b);
	uint64_t h = mix(mix(x < y ? x : y, x < y ? y : x), t.proto);
	h ^= h >> 33;
	return (int)(h % (n ? n : 1));
}
