/* Scenario decode-frag: IKE-like UDP/500 datagrams of 3000 bytes split into IP fragments
 * in order, in reverse, over IPv6, overlapping, and a tail fragment that never completes. */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IKE_PORT 500
#define BIG_PAYLOAD 3000u
#define V4_FRAG 1480u       /* 1500-byte MTU minus the 20-byte header */
#define V6_FRAG 1232u       /* 1280-byte minimum MTU minus 40 and the 8-byte fragment header */
#define FRAG_GAP_US 50u

struct frag_ctx {
	struct sl_pcapw *w;
	struct sl_pb_link link;
	struct sl_pb dg;        /* the whole datagram */
	struct sl_pb frag;      /* one fragment at a time */
	uint64_t t;
};

/* Builds a UDP/500 datagram holding an IKEv2 IKE_AUTH message (RFC 7296 3.1, 3.14) of n
 * bytes: header, then one Encrypted (SK) payload whose body is seeded filler, the shape of
 * the certificate-laden messages that get fragmented in practice. SPIs derive from `spi`. */
static int ike_datagram(struct sl_pb *b, const struct sl_pb_ip *ip, size_t n, uint64_t spi,
                        bool response)
{
	uint8_t msg[BIG_PAYLOAD];
	struct sl_rng r = { spi ^ (response ? 0x5253u : 0x5251u) };

	if (n < 32 || n > sizeof(msg))
		return -EINVAL;
	sl_rng_fill(&r, msg, n);
	put32(msg, (uint32_t)(spi >> 32));
	put32(msg + 4, (uint32_t)spi);
	put32(msg + 8, 0x5e5e0000u);
	put32(msg + 12, (uint32_t)spi ^ 0xa5a5a5a5u);
	msg[16] = 46;                            /* next payload: SK */
	msg[17] = 0x20;                          /* version 2.0 */
	msg[18] = 35;                            /* IKE_AUTH */
	msg[19] = response ? 0x20 : 0x08;        /* Response, or Initiator */
	put32(msg + 20, 1);                      /* message ID */
	put32(msg + 24, (uint32_t)n);
	msg[28] = response ? 36 : 35;            /* first inner payload: IDr / IDi */
	msg[29] = 0;
	put16(msg + 30, (uint16_t)(n - 28));
	sl_pb_init(b);
	int rc = sl_pb_append(b, msg, n);
	if (!rc)
		rc = sl_pb_udp(b, ip, IKE_PORT, IKE_PORT);
	return rc ? rc : sl_pb_ip(b, ip, 17);
}

static int ip_pair(struct sl_pb_ip *ip, const char *src, const char *dst, uint16_t id)
{
	*ip = (struct sl_pb_ip){ .ttl = 64, .id = id };
	return sl_pb_addr_parse(&ip->src, src) || sl_pb_addr_parse(&ip->dst, dst) ? -EINVAL : 0;
}

/* Emits fragment [off, off+n) of the datagram in x->dg, then steps the clock. */
static int emit_frag(struct frag_ctx *x, size_t off, size_t n, bool more, uint32_t ident)
{
	const uint8_t *d = sl_pb_data(&x->dg);
	int rc = (d[0] >> 4) == 6
		? sl_pb_ipv6_fragment(&x->frag, d, x->dg.len, ident, off, n, more)
		: sl_pb_ipv4_fragment(&x->frag, d, x->dg.len, off, n, more);

	if (!rc)
		rc = sl_scen_emit(x->w, &x->frag, &x->link, true, x->t);
	x->t += FRAG_GAP_US;
	return rc;
}

/* Fragments the datagram in x->dg into `size`-byte pieces; reverse sends the last first. */
static int split(struct frag_ctx *x, size_t hdr, size_t size, bool reverse, uint32_t ident)
{
	size_t body = x->dg.len - hdr;
	size_t count = (body + size - 1) / size;

	for (size_t k = 0; k < count; k++) {
		size_t i = reverse ? count - 1 - k : k;
		size_t off = i * size;
		size_t n = body - off < size ? body - off : size;
		int rc = emit_frag(x, off, n, i + 1 < count, ident);
		if (rc)
			return rc;
	}
	return 0;
}

/* The server's short unfragmented answer to a reassembled request. */
static int answer(struct frag_ctx *x, const struct sl_pb_ip *req, uint64_t spi)
{
	struct sl_pb_ip ip = { .src = req->dst, .dst = req->src, .ttl = 54, .id = (uint16_t)(req->id + 0x100) };
	int rc = ike_datagram(&x->frag, &ip, 120, spi, true);

	if (!rc)
		rc = sl_scen_emit(x->w, &x->frag, &x->link, false, x->t + 30 * SL_MS);
	x->t += SL_SEC;
	return rc;
}

/* In order (ID 0x3001) and reversed (ID 0x3002), each answered; IPv6 (ident 0xc0ffee). */
static int whole_sets(struct frag_ctx *x)
{
	static const struct { const char *src, *dst; uint16_t id; bool reverse; } v4[] = {
		{ "10.77.0.2", "198.51.100.50", 0x3001, false },
		{ "10.77.0.3", "198.51.100.50", 0x3002, true },
	};
	struct sl_pb_ip ip;

	for (size_t i = 0; i < 2; i++) {
		int rc = ip_pair(&ip, v4[i].src, v4[i].dst, v4[i].id);
		if (!rc)
			rc = ike_datagram(&x->dg, &ip, BIG_PAYLOAD, 0x1ce0000000000010ull + i, false);
		if (!rc)
			rc = split(x, 20, V4_FRAG, v4[i].reverse, 0);
		if (!rc)
			rc = answer(x, &ip, 0x1ce0000000000010ull + i);
		if (rc)
			return rc;
	}
	int rc = ip_pair(&ip, "2001:db8:77::2", "2001:db8:100::50", 0);
	if (!rc)
		rc = ike_datagram(&x->dg, &ip, BIG_PAYLOAD, 0x1ce0000000000012ull, false);
	if (!rc)
		rc = split(x, 40, V6_FRAG, false, 0x00c0ffee);
	x->t += SL_SEC;
	return rc;
}

/* Overlap (ID 0x3004): a 64-byte UDP datagram sent as [0,40) and [32,64); the 8 shared
 * bytes are identical. Lone tail (ID 0x3005): bytes [2960,3008) of a 3000-byte datagram,
 * MF clear, with no first fragment ever sent. */
static int broken_sets(struct frag_ctx *x)
{
	struct sl_pb_ip ip;
	int rc = ip_pair(&ip, "10.77.0.4", "198.51.100.50", 0x3004);

	if (!rc)
		rc = ike_datagram(&x->dg, &ip, 56, 0x1ce0000000000013ull, false);
	if (!rc)
		rc = emit_frag(x, 0, 40, true, 0);
	if (!rc)
		rc = emit_frag(x, 32, 32, false, 0);
	x->t += SL_SEC;
	if (!rc)
		rc = ip_pair(&ip, "10.77.0.5", "198.51.100.50", 0x3005);
	if (!rc)
		rc = ike_datagram(&x->dg, &ip, BIG_PAYLOAD, 0x1ce0000000000014ull, false);
	if (!rc)
		rc = emit_frag(x, 2 * V4_FRAG, BIG_PAYLOAD + 8 - 2 * V4_FRAG, false, 0);
	return rc;
}

int sl_scen_decode_frag(struct sl_pcapw *w, uint64_t t0)
{
	struct frag_ctx *x = malloc(sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->w = w;
	x->t = t0;
	sl_scen_link_ethernet(&x->link);
	int rc = whole_sets(x);
	if (!rc)
		rc = broken_sets(x);
	free(x);
	return rc;
}

/*
 * Scenario decode-frag-load: remote workers' IKEv2 at a VPN gateway's edge, some behind a
 * path that drops non-first fragments (the reason RFC 7383 exists).  17 clients
 * 10.77.20.1-17 send a 3000-byte IKE_AUTH to 198.51.100.51:500 and retransmit it 1, 2 and 4 s
 * later (a new IP ID each time); only the first fragment of each reaches the sensor: 68
 * datagrams in 8 s that never complete.  Then 10 clients 10.77.21.1-10 on clean paths send
 * theirs whole, 1 s apart, each answered.  A reassembly table that keeps what it holds until
 * it times out, and refuses newcomers when full, loses the ten that complete.
 */
static int stuck_clients(struct frag_ctx *x)
{
	static const uint32_t retry_ms[] = { 0, 1000, 2000, 4000 };
	uint64_t t0 = x->t;
	int rc = 0;

	for (unsigned r = 0; r < 4 && !rc; r++)
		for (unsigned c = 1; c <= 17 && !rc; c++) {
			char src[32];
			struct sl_pb_ip ip;
			snprintf(src, sizeof(src), "10.77.20.%u", c);
			x->t = t0 + (uint64_t)retry_ms[r] * SL_MS + c * 40 * SL_MS;
			rc = ip_pair(&ip, src, "198.51.100.51", (uint16_t)(0x4000 + r * 0x100 + c));
			if (!rc)
				rc = ike_datagram(&x->dg, &ip, BIG_PAYLOAD, 0x57c0000000000000ull + c, false);
			if (!rc)
				rc = emit_frag(x, 0, V4_FRAG, true, 0);
		}
	x->t = t0 + 6 * SL_SEC;
	return rc;
}

static int clean_clients(struct frag_ctx *x)
{
	for (unsigned c = 1; c <= 10; c++) {
		char src[32];
		struct sl_pb_ip ip;
		snprintf(src, sizeof(src), "10.77.21.%u", c);
		int rc = ip_pair(&ip, src, "198.51.100.51", (uint16_t)(0x5000 + c));
		if (!rc)
			rc = ike_datagram(&x->dg, &ip, BIG_PAYLOAD, 0x57c1000000000000ull + c, false);
		if (!rc)
			rc = split(x, 20, V4_FRAG, false, 0);
		if (!rc)
			rc = answer(x, &ip, 0x57c1000000000000ull + c);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_scen_decode_frag_load(struct sl_pcapw *w, uint64_t t0)
{
	struct frag_ctx *x = malloc(sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->w = w;
	x->t = t0;
	sl_scen_link_ethernet(&x->link);
	int rc = stuck_clients(x);
	if (!rc)
		rc = clean_clients(x);
	free(x);
	return rc;
}
