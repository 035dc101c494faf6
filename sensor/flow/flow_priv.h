/* Internals shared by the flow table files: keying, hashing and per-packet
 * accounting of one flow record. */
#ifndef SIGHTLINE_FLOW_PRIV_H
#define SIGHTLINE_FLOW_PRIV_H

#include <string.h>

#include "sightline/flow.h"

/* The matching reply/request type of an ICMP (proto 1) or ICMPv6 (58)
 * type per the Community ID table, or -1 when the message is one-way. */
int sl_icmp_counterpart(uint8_t proto, uint8_t type);

/*
 * Keying and hashing run for every packet, so they are inline here: as
 * calls into flow.c (hash, two endpoint hashes, the ports worked out again
 * for every record of the chain) they were 150 instructions a packet.
 */

/* 64-bit finaliser (splitmix64): cheap and well mixed. */
static inline uint64_t sl_flow_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* One endpoint (address and port) into 64 bits, seeded: fixed-size reads
 * (one word for IPv4, two for IPv6) and two multiply-xorshift rounds, so
 * that a port or address step on one side cannot cancel one on the other
 * in the symmetric sum below. */
static inline uint64_t sl_flow_hash_endpoint(uint64_t seed, const struct sl_addr *a,
					     uint16_t port)
{
	uint64_t w0 = 0, w1 = 0;
	if (a->family == 4) {
		uint32_t v;
		memcpy(&v, a->b, 4);
		w0 = v;
	} else if (a->family == 6) {
		memcpy(&w0, a->b, 8);
		memcpy(&w1, a->b + 8, 8);
	}
	uint64_t x = (w0 ^ seed) * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 32;
	x += w1 ^ ((uint64_t)port << 8 | a->family);
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

/* Two IPv4 endpoints: each address and port is one 48-bit word, and the
 * smaller word goes first, which makes the hash symmetric without an
 * endpoint hash per side (those were 60 instructions a packet); three
 * multiplies and the finaliser spread it (test_flow: chain lengths). */
static inline uint64_t sl_flow_hash_v4(const struct sl_addr *a, uint16_t pa,
				       const struct sl_addr *b, uint16_t pb, uint64_t shared,
				       uint64_t seed)
{
	uint32_t va, vb;
	memcpy(&va, a->b, 4);
	memcpy(&vb, b->b, 4);
	uint64_t ea = (uint64_t)va << 16 | pa, eb = (uint64_t)vb << 16 | pb;
	uint64_t lo = ea < eb ? ea : eb, hi = ea ^ eb ^ lo;
	uint64_t x = (lo ^ seed) * 0x9e3779b97f4a7c15ULL;
	x ^= hi * 0xbf58476d1ce4e5b9ULL;
	x ^= (shared ^ seed) * 0x94d049bb133111ebULL;
	return sl_flow_mix(x);
}

/* Other endpoints (IPv6, or no address): a seeded hash of each side,
 * summed.  Out of line, so the IPv4 case stays a few instructions inline. */
static __attribute__((noinline, unused)) uint64_t
sl_flow_hash_sides(const struct sl_addr *a, uint16_t pa, const struct sl_addr *b, uint16_t pb,
		   uint64_t shared, uint64_t seed)
{
	uint64_t ha = sl_flow_hash_endpoint(seed, a, pa), hb = sl_flow_hash_endpoint(seed, b, pb);
	return sl_flow_mix((ha + hb) ^ sl_flow_mix(shared ^ seed));
}

/* Order-independent combination of both endpoints plus the shared fields. */
static inline __attribute__((always_inline)) uint64_t
sl_flow_hash_key(const struct sl_addr *a, uint16_t pa, const struct sl_addr *b, uint16_t pb,
		 uint8_t proto, const uint16_t vlan[2], uint64_t seed)
{
	uint64_t shared = ((uint64_t)proto << 32) | ((uint64_t)vlan[0] << 16) | vlan[1];
	if (a->family == 4 && b->family == 4)
		return sl_flow_hash_v4(a, pa, b, pb, shared, seed);
	return sl_flow_hash_sides(a, pa, b, pb, shared, seed);
}

/* Ports of the flow key.  ICMP has none; like Community ID, it keys on the
 * type and its counterpart (echo 8 -> reply 0 and back) so a request and its
 * reply share a flow while an unrelated message (a port unreachable, a
 * neighbour solicitation) between the same hosts gets its own.  One-way
 * types key on type and code. */
static inline uint16_t sl_flow_port(const struct sl_packet *p, bool src)
{
	if (p->proto == 1 || p->proto == 58) {
		int peer = sl_icmp_counterpart(p->proto, p->icmp_type);
		if (src)
			return p->icmp_type;
		return peer < 0 ? (uint16_t)(0x100 | p->icmp_code) : (uint16_t)peer;
	}
	return src ? p->sport : p->dport;
}

static inline void sl_flow_packet_vlans(const struct sl_packet *p, uint16_t v[2])
{
	v[0] = p->vlan_count > 0 ? p->vlan[0] : 0;
	v[1] = p->vlan_count > 1 ? p->vlan[1] : 0;
}

/* A packet's key as the table compares it, worked out once per packet. */
struct sl_flow_pkey {
	uint16_t ps, pd; /* sl_flow_port() of source and destination */
	uint16_t vlan[2];
};

static inline void sl_flow_pkey(const struct sl_packet *p, struct sl_flow_pkey *k)
{
	k->ps = sl_flow_port(p, true);
	k->pd = sl_flow_port(p, false);
	sl_flow_packet_vlans(p, k->vlan);
}

/* Symmetric seeded hash of a packet's flow key (same for both directions). */
static inline uint64_t sl_flow_hash_pkey(const struct sl_packet *p, const struct sl_flow_pkey *k,
					 uint64_t seed)
{
	return sl_flow_hash_key(&p->src, k->ps, &p->dst, k->pd, p->proto, k->vlan, seed);
}

static inline uint64_t sl_flow_hash_packet(const struct sl_packet *p, uint64_t seed)
{
	struct sl_flow_pkey k;
	sl_flow_pkey(p, &k);
	return sl_flow_hash_pkey(p, &k, seed);
}

/* The same hash computed from a stored flow. */
static inline uint64_t sl_flow_hash_flow(const struct sl_flow *f, uint64_t seed)
{
	return sl_flow_hash_key(&f->cli, f->cport, &f->srv, f->sport, f->proto, f->vlan, seed);
}

/* Direction of p (key k) within f (0 to server, 1 to client) or -1 if p is
 * not f's. */
static inline int sl_flow_match_pkey(const struct sl_flow *f, const struct sl_packet *p,
				     const struct sl_flow_pkey *k)
{
	if (f->proto != p->proto || f->vlan[0] != k->vlan[0] || f->vlan[1] != k->vlan[1])
		return -1;
	if (f->cport == k->ps && f->sport == k->pd && sl_addr_eq(&f->cli, &p->src) &&
	    sl_addr_eq(&f->srv, &p->dst))
		return SL_DIR_TOSERVER;
	if (f->cport == k->pd && f->sport == k->ps && sl_addr_eq(&f->cli, &p->dst) &&
	    sl_addr_eq(&f->srv, &p->src))
		return SL_DIR_TOCLIENT;
	return -1;
}

static inline int sl_flow_match(const struct sl_flow *f, const struct sl_packet *p)
{
	struct sl_flow_pkey k;
	sl_flow_pkey(p, &k);
	return sl_flow_match_pkey(f, p, &k);
}

/* Fill a fresh record from the flow's first packet (client choice, flow id). */
void sl_flow_init_from_packet(struct sl_flow *f, const struct sl_packet *p);

/* True when p starts a new connection on the tuple of a closed TCP flow
 * (inline, like the accounting below: both run for every packet). */
static inline bool sl_flow_is_reuse(const struct sl_flow *f, const struct sl_packet *p)
{
	return p->proto == 6 && f->state == SL_FLOW_CLOSED &&
	       (p->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_SYN;
}

static inline void sl_flow_tcp_track(struct sl_flow *f, const struct sl_packet *p, enum sl_dir dir)
{
	uint8_t fl = p->tcp_flags;
	f->tcp_flags[dir] |= fl;
	if (fl & SL_TCP_RST) {
		f->state = SL_FLOW_CLOSED;
		if (f->reason == SL_END_NONE)
			f->reason = SL_END_RST;
		return;
	}
	if (fl & SL_TCP_FIN) {
		f->fin[dir] = true;
		if (f->state != SL_FLOW_CLOSED)
			f->state = SL_FLOW_CLOSING;
		if (f->fin[0] && f->fin[1] && f->state != SL_FLOW_CLOSED) {
			f->state = SL_FLOW_CLOSED;
			f->reason = SL_END_FIN;
		}
		return;
	}
	/* Established once both sides spoke and this is not a handshake
	 * segment: covers the third ACK and flows picked up mid-stream. */
	if (f->state == SL_FLOW_NEW && f->pkts[0] && f->pkts[1] && !(fl & SL_TCP_SYN) &&
	    (fl & SL_TCP_ACK))
		f->state = SL_FLOW_ESTABLISHED;
}

/* Count p and advance the TCP/UDP state of f. */
static inline void sl_flow_account(struct sl_flow *f, const struct sl_packet *p, enum sl_dir dir)
{
	f->pkts[dir]++;
	f->bytes[dir] += p->wirelen;
	if (p->ts > f->last)
		f->last = p->ts;
	if (p->proto == 6)
		sl_flow_tcp_track(f, p, dir);
	else if (f->state == SL_FLOW_NEW && f->pkts[0] && f->pkts[1])
		f->state = SL_FLOW_ESTABLISHED;
}

#endif
