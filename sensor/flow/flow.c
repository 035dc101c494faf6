/* One flow record: its key, the symmetric hash, the choice of client, the
 * 53-bit flow id and TCP state tracking from SYN, FIN and RST. */
#include <string.h>

#include "flow_priv.h"

/* 64-bit finaliser (splitmix64): cheap and well mixed. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes into h, 8 at a time: the flow id's hash, once per flow (its value
 * is in the output, so it stays as it is). */
static uint64_t hash_bytes(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = mix(h ^ w);
	}
	return h;
}

/* One endpoint (address and port) into 64 bits, seeded: fixed-size reads
 * (one word for IPv4, two for IPv6) and two multiply-xorshift rounds, so
 * that a port or address step on one side cannot cancel one on the other
 * in the symmetric sum below.  This runs for every packet. */
static uint64_t hash_endpoint(uint64_t seed, const struct sl_addr *a, uint16_t port)
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

/* Order-independent combination of both endpoints plus the shared fields. */
static uint64_t hash_key(const struct sl_addr *a, uint16_t pa, const struct sl_addr *b,
			 uint16_t pb, uint8_t proto, const uint16_t vlan[2], uint64_t seed)
{
	uint64_t ha = hash_endpoint(seed, a, pa), hb = hash_endpoint(seed, b, pb);
	uint64_t shared = ((uint64_t)proto << 32) | ((uint64_t)vlan[0] << 16) | vlan[1];
	return mix((ha + hb) ^ mix(shared ^ seed));
}

/* Ports of the flow key.  ICMP has none; like Community ID, it keys on the
 * type and its counterpart (echo 8 -> reply 0 and back) so a request and its
 * reply share a flow while an unrelated message (a port unreachable, a
 * neighbour solicitation) between the same hosts gets its own.  One-way
 * types key on type and code. */
static uint16_t flow_port(const struct sl_packet *p, bool src)
{
	if (p->proto == 1 || p->proto == 58) {
		int peer = sl_icmp_counterpart(p->proto, p->icmp_type);
		if (src)
			return p->icmp_type;
		return peer < 0 ? (uint16_t)(0x100 | p->icmp_code) : (uint16_t)peer;
	}
	return src ? p->sport : p->dport;
}

static void packet_vlans(const struct sl_packet *p, uint16_t v[2])
{
	v[0] = p->vlan_count > 0 ? p->vlan[0] : 0;
	v[1] = p->vlan_count > 1 ? p->vlan[1] : 0;
}

uint64_t sl_flow_hash_packet(const struct sl_packet *p, uint64_t seed)
{
	uint16_t v[2];
	packet_vlans(p, v);
	return hash_key(&p->src, flow_port(p, true), &p->dst, flow_port(p, false),
			p->proto, v, seed);
}

uint64_t sl_flow_hash_flow(const struct sl_flow *f, uint64_t seed)
{
	return hash_key(&f->cli, f->cport, &f->srv, f->sport, f->proto, f->vlan, seed);
}

/* Equal family and significant bytes, compared in words here: a call to
 * memcmp for 4 or 16 bytes, twice a packet, was 4 % of the flow lookup. */
static bool addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == 4) {
		uint32_t x, y;
		memcpy(&x, a->b, 4);
		memcpy(&y, b->b, 4);
		return x == y;
	}
	if (a->family != 6)
		return true;
	uint64_t x0, x1, y0, y1;
	memcpy(&x0, a->b, 8);
	memcpy(&x1, a->b + 8, 8);
	memcpy(&y0, b->b, 8);
	memcpy(&y1, b->b + 8, 8);
	return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

int sl_flow_match(const struct sl_flow *f, const struct sl_packet *p)
{
	uint16_t v[2];
	packet_vlans(p, v);
	if (f->proto != p->proto || f->vlan[0] != v[0] || f->vlan[1] != v[1])
		return -1;
	uint16_t ps = flow_port(p, true), pd = flow_port(p, false);
	if (f->cport == ps && f->sport == pd && addr_eq(&f->cli, &p->src) &&
	    addr_eq(&f->srv, &p->dst))
		return SL_DIR_TOSERVER;
	if (f->cport == pd && f->sport == ps && addr_eq(&f->cli, &p->dst) &&
	    addr_eq(&f->srv, &p->src))
		return SL_DIR_TOCLIENT;
	return -1;
}

static bool is_synack(const struct sl_packet *p)
{
	return p->proto == 6 && (p->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK)) == (SL_TCP_SYN | SL_TCP_ACK);
}

/* A stable id from the client-oriented tuple and the first packet time, with
 * a fixed key: the same capture always yields the same ids, whatever the hash
 * seed.  53 bits so SIEMs that parse JSON numbers as doubles keep it exact. */
static uint64_t make_flow_id(const struct sl_flow *f)
{
	uint64_t h = hash_bytes(0x736c666c6f776964ULL ^ f->first, f->cli.b, 16);
	h = hash_bytes(h ^ ((uint64_t)f->cport << 16 | f->sport), f->srv.b, 16);
	h = mix(h ^ ((uint64_t)f->proto << 40 | (uint64_t)f->vlan[0] << 20 | f->vlan[1]));
	return h & ((1ULL << 53) - 1);
}

void sl_flow_init_from_packet(struct sl_flow *f, const struct sl_packet *p)
{
	bool swap = is_synack(p); /* first seen at SYN/ACK: the receiver opened */
	memset(f, 0, sizeof(*f));
	f->cli = swap ? p->dst : p->src;
	f->srv = swap ? p->src : p->dst;
	f->cport = flow_port(p, !swap);
	f->sport = flow_port(p, swap);
	f->proto = p->proto;
	f->icmp_type = p->icmp_type;
	f->icmp_code = p->icmp_code;
	f->vlan_count = p->vlan_count > 2 ? 2 : p->vlan_count;
	packet_vlans(p, f->vlan);
	f->tunnel = p->tunnel;
	f->src = p->origin;
	f->first = f->last = p->ts;
	f->state = SL_FLOW_NEW;
	f->flow_id = make_flow_id(f);
}

bool sl_flow_is_reuse(const struct sl_flow *f, const struct sl_packet *p)
{
	return p->proto == 6 && f->state == SL_FLOW_CLOSED &&
	       (p->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_SYN;
}

static void tcp_track(struct sl_flow *f, const struct sl_packet *p, enum sl_dir dir)
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

void sl_flow_account(struct sl_flow *f, const struct sl_packet *p, enum sl_dir dir)
{
	f->pkts[dir]++;
	f->bytes[dir] += p->wirelen;
	if (p->ts > f->last)
		f->last = p->ts;
	if (p->proto == 6)
		tcp_track(f, p, dir);
	else if (f->state == SL_FLOW_NEW && f->pkts[0] && f->pkts[1])
		f->state = SL_FLOW_ESTABLISHED;
}

const char *const sl_flow_state_names[4] = { "new", "established", "closing", "closed" };
const char *const sl_flow_reason_names[6] = { NULL, "fin", "rst", "timeout", "evicted",
					      "shutdown" };

const char *sl_flow_state_name(enum sl_flow_state s)
{
	return (unsigned)s < ARRAY_SIZE(sl_flow_state_names) ? sl_flow_state_names[s] : "unknown";
}

const char *sl_flow_reason_name(enum sl_flow_reason r)
{
	if (r == SL_END_NONE)
		return "none";
	return (unsigned)r < ARRAY_SIZE(sl_flow_reason_names) ? sl_flow_reason_names[r] : "unknown";
}
