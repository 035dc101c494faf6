/* One flow record: its key, the symmetric hash, the choice of client, the
 * 53-bit flow id and TCP state tracking from SYN, FIN and RST. */
#include <string.h>

#include "flow_priv.h"

/* Bytes into h, 8 at a time: the flow id's hash, once per flow (its value
 * is in the output, so it stays as it is). */
static uint64_t hash_bytes(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = sl_flow_mix(h ^ w);
	}
	return h;
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
	h = sl_flow_mix(h ^ ((uint64_t)f->proto << 40 | (uint64_t)f->vlan[0] << 20 | f->vlan[1]));
	return h & ((1ULL << 53) - 1);
}

void sl_flow_init_from_packet(struct sl_flow *f, const struct sl_packet *p)
{
	bool swap = is_synack(p); /* first seen at SYN/ACK: the receiver opened */
	memset(f, 0, sizeof(*f));
	f->cli = swap ? p->dst : p->src;
	f->srv = swap ? p->src : p->dst;
	f->cport = sl_flow_port(p, !swap);
	f->sport = sl_flow_port(p, swap);
	f->proto = p->proto;
	f->icmp_type = p->icmp_type;
	f->icmp_code = p->icmp_code;
	f->vlan_count = p->vlan_count > 2 ? 2 : p->vlan_count;
	sl_flow_packet_vlans(p, f->vlan);
	f->tunnel = p->tunnel;
	f->src = p->origin;
	f->first = f->last = p->ts;
	f->state = SL_FLOW_NEW;
	f->flow_id = make_flow_id(f);
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
