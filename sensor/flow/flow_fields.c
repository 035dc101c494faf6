/* Field tables of the flow record: the EVE header (timestamp, ids, 5-tuple,
 * encapsulation), and the Community ID, the flow block and the TCP flags
 * seen.  Each getter reads the ended flow. */
#include <string.h>

#include "sightline/field.h"

#define FLOW(r) ((r)->flow)

static bool g_timestamp(const struct sl_record *r, struct sl_value *v)
{
	v->t = FLOW(r)->last;
	return true;
}

static bool g_flow_id(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->flow_id;
	return true;
}

static bool g_in_iface(const struct sl_record *r, struct sl_value *v)
{
	v->s = FLOW(r)->iface;
	return v->s != NULL;
}

static bool g_event_type(const struct sl_record *r, struct sl_value *v)
{
	v->s = r->event_type;
	return v->s != NULL;
}

static bool g_src_ip(const struct sl_record *r, struct sl_value *v)
{
	v->ip = FLOW(r)->cli;
	return true;
}

static bool has_ports(const struct sl_flow *f)
{
	return f->proto == 6 || f->proto == 17 || f->proto == 132;
}

static bool g_src_port(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->cport;
	return has_ports(FLOW(r));
}

static bool g_dest_ip(const struct sl_record *r, struct sl_value *v)
{
	v->ip = FLOW(r)->srv;
	return true;
}

static bool g_dest_port(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->sport;
	return has_ports(FLOW(r));
}

static bool g_proto(const struct sl_record *r, struct sl_value *v)
{
	static const struct { uint8_t n; const char *s; } names[] = {
		{ 1, "ICMP" }, { 6, "TCP" }, { 17, "UDP" }, { 47, "GRE" }, { 50, "ESP" },
		{ 51, "AH" }, { 58, "IPv6-ICMP" }, { 132, "SCTP" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].n == FLOW(r)->proto) {
			v->s = names[i].s;
			return true;
		}
	snprintf(v->buf, sizeof(v->buf), "%u", FLOW(r)->proto);
	v->s = v->buf;
	return true;
}

static bool is_icmp(const struct sl_flow *f)
{
	return f->proto == 1 || f->proto == 58;
}

static bool g_icmp_type(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->icmp_type;
	return is_icmp(FLOW(r));
}

static bool g_icmp_code(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->icmp_code;
	return is_icmp(FLOW(r));
}

static bool g_icmp_errors(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->icmp_errors;
	return v->u != 0;
}

static bool g_icmp_error_type(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->icmp_error_type;
	return FLOW(r)->icmp_errors != 0;
}

static bool g_icmp_error_code(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->icmp_error_code;
	return FLOW(r)->icmp_errors != 0;
}

static bool g_vlan(const struct sl_record *r, struct sl_value *v)
{
	v->n = FLOW(r)->vlan_count;
	for (unsigned i = 0; i < v->n; i++)
		v->list[i] = FLOW(r)->vlan[i];
	return v->n > 0;
}

static bool g_tunnel_type(const struct sl_record *r, struct sl_value *v)
{
	uint8_t t = FLOW(r)->tunnel.type;
	v->s = t == SL_TUNNEL_GRE ? "gre" : t == SL_TUNNEL_VXLAN ? "vxlan" :
	       t == SL_TUNNEL_GTPU ? "gtpu" : NULL;
	return v->s != NULL;
}

static bool g_tunnel_src(const struct sl_record *r, struct sl_value *v)
{
	v->ip = FLOW(r)->tunnel.src;
	return FLOW(r)->tunnel.type != SL_TUNNEL_NONE;
}

static bool g_tunnel_dst(const struct sl_record *r, struct sl_value *v)
{
	v->ip = FLOW(r)->tunnel.dst;
	return FLOW(r)->tunnel.type != SL_TUNNEL_NONE;
}

static bool g_tunnel_id(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->tunnel.id;
	return FLOW(r)->tunnel.type != SL_TUNNEL_NONE && FLOW(r)->tunnel.id != 0;
}

static bool g_tunnel_depth(const struct sl_record *r, struct sl_value *v)
{
	v->u = FLOW(r)->tunnel.depth;
	return FLOW(r)->tunnel.type != SL_TUNNEL_NONE;
}

static bool g_community_id(const struct sl_record *r, struct sl_value *v)
{
	sl_flow_community_id(FLOW(r), r->community_seed, v->buf);
	v->s = v->buf;
	return true;
}

#define COUNTER(fn, member, idx)                                              \
	static bool fn(const struct sl_record *r, struct sl_value *v)         \
	{                                                                     \
		v->u = FLOW(r)->member[idx];                                  \
		return true;                                                  \
	}
COUNTER(g_pkts_ts, pkts, SL_DIR_TOSERVER)
COUNTER(g_pkts_tc, pkts, SL_DIR_TOCLIENT)
COUNTER(g_bytes_ts, bytes, SL_DIR_TOSERVER)
COUNTER(g_bytes_tc, bytes, SL_DIR_TOCLIENT)

static bool g_start(const struct sl_record *r, struct sl_value *v)
{
	v->t = FLOW(r)->first;
	return true;
}

static bool g_end(const struct sl_record *r, struct sl_value *v)
{
	v->t = FLOW(r)->last;
	return true;
}

static bool g_age(const struct sl_record *r, struct sl_value *v)
{
	v->u = (FLOW(r)->last - FLOW(r)->first) / SL_US_PER_SEC;
	return true;
}

static bool g_state(const struct sl_record *r, struct sl_value *v)
{
	v->s = sl_flow_state_name((enum sl_flow_state)FLOW(r)->state);
	return true;
}

static bool g_reason(const struct sl_record *r, struct sl_value *v)
{
	v->s = sl_flow_reason_name((enum sl_flow_reason)FLOW(r)->reason);
	return FLOW(r)->reason != SL_END_NONE;
}

static bool g_interim(const struct sl_record *r, struct sl_value *v)
{
	v->b = true;
	return r->interim;
}

/* Two hex digits by hand: three of these per TCP flow event, where
 * snprintf() cost more than the rest of the flow's own fields. */
static bool tcp_flags_hex(const struct sl_record *r, struct sl_value *v, uint8_t fl)
{
	static const char hex[] = "0123456789abcdef";
	if (FLOW(r)->proto != 6)
		return false;
	v->buf[0] = hex[fl >> 4];
	v->buf[1] = hex[fl & 15];
	v->buf[2] = '\0';
	v->s = v->buf;
	return true;
}

static bool g_tcp_flags(const struct sl_record *r, struct sl_value *v)
{
	return tcp_flags_hex(r, v, FLOW(r)->tcp_flags[0] | FLOW(r)->tcp_flags[1]);
}

static bool g_tcp_flags_ts(const struct sl_record *r, struct sl_value *v)
{
	return tcp_flags_hex(r, v, FLOW(r)->tcp_flags[0]);
}

static bool g_tcp_flags_tc(const struct sl_record *r, struct sl_value *v)
{
	return tcp_flags_hex(r, v, FLOW(r)->tcp_flags[1]);
}

static const struct sl_field head[] = {
	{ "timestamp", SL_FT_TIME, "time of the event: for a flow, its last packet (ISO-8601, UTC, microseconds)", g_timestamp, SL_SETTLE_END },
	{ "flow_id", SL_FT_UINT, "53-bit flow identifier, stable across replays of the same capture", g_flow_id },
	{ "in_iface", SL_FT_STRING, "capture interface of the flow's first packet: the live interface, or the pcapng interface's name (if_name); absent for classic pcap", g_in_iface },
	{ "event_type", SL_FT_STRING, "flow, alert, subject, signin or stats", g_event_type },
	{ "src_ip", SL_FT_IP, "client address: the side that sent the SYN, else the first packet's source", g_src_ip },
	{ "src_port", SL_FT_UINT, "client port (TCP, UDP, SCTP)", g_src_port },
	{ "dest_ip", SL_FT_IP, "server address", g_dest_ip },
	{ "dest_port", SL_FT_UINT, "server port (TCP, UDP, SCTP)", g_dest_port },
	{ "proto", SL_FT_STRING, "IP protocol: TCP, UDP, ICMP, IPv6-ICMP, SCTP, GRE, ESP, AH or the number", g_proto },
	{ "icmp_type", SL_FT_UINT, "type of the flow's first ICMP/ICMPv6 message", g_icmp_type },
	{ "icmp_code", SL_FT_UINT, "code of the flow's first ICMP/ICMPv6 message", g_icmp_code },
	{ "vlan", SL_FT_UINT_LIST, "802.1Q/802.1ad VLAN ids, outermost first", g_vlan },
	{ "tunnel.type", SL_FT_STRING, "outermost encapsulation removed to reach this flow: gre, vxlan or gtpu", g_tunnel_type },
	{ "tunnel.src_ip", SL_FT_IP, "outer source address of the encapsulation", g_tunnel_src },
	{ "tunnel.dest_ip", SL_FT_IP, "outer destination address of the encapsulation", g_tunnel_dst },
	{ "tunnel.id", SL_FT_UINT, "VXLAN VNI, GRE key or GTP-U TEID", g_tunnel_id },
	{ "tunnel.depth", SL_FT_UINT, "number of encapsulations removed", g_tunnel_depth },
};

/* The header is known from the first packets: settled at the handshake. */
const struct sl_field_table sl_flow_head_fields = { "flow", head, ARRAY_SIZE(head),
						   .settle = SL_SETTLE_HANDSHAKE };

static const struct sl_field fields[] = {
	{ "community_id", SL_FT_STRING, "Community ID v1 of the flow (seed: community_id.seed)", g_community_id, SL_SETTLE_HANDSHAKE },
	{ "flow.pkts_toserver", SL_FT_UINT, "packets client to server", g_pkts_ts },
	{ "flow.pkts_toclient", SL_FT_UINT, "packets server to client", g_pkts_tc },
	{ "flow.bytes_toserver", SL_FT_UINT, "bytes client to server, link layer included (as Suricata); a reassembled datagram counts every fragment's frame", g_bytes_ts },
	{ "flow.bytes_toclient", SL_FT_UINT, "bytes server to client, link layer included", g_bytes_tc },
	{ "flow.start", SL_FT_TIME, "first packet time", g_start, SL_SETTLE_HANDSHAKE },
	{ "flow.end", SL_FT_TIME, "last packet time", g_end },
	{ "flow.age", SL_FT_UINT, "seconds from first to last packet", g_age },
	{ "flow.state", SL_FT_STRING, "new, established, closing or closed (TCP); new or established otherwise", g_state },
	{ "flow.reason", SL_FT_STRING, "why the flow ended: fin, rst, timeout, evicted or shutdown", g_reason },
	{ "flow.icmp_errors", SL_FT_UINT, "ICMP/ICMPv6 errors (unreachable, time exceeded, packet too big, ...) that quoted a packet of this flow; they make no flow of their own", g_icmp_errors },
	{ "flow.icmp_error.type", SL_FT_UINT, "type of the first ICMP/ICMPv6 error quoting this flow (ICMP 3 unreachable, 11 time exceeded; ICMPv6 1 unreachable, 2 packet too big, 3 time exceeded)", g_icmp_error_type },
	{ "flow.icmp_error.code", SL_FT_UINT, "code of that error (ICMP 3/3, ICMPv6 1/4: port unreachable)", g_icmp_error_code },
	{ "flow.interim", SL_FT_BOOL, "true on an interim record of a flow still open (written every flow.update_interval, counters so far); absent on the final record", g_interim },
	{ "tcp.tcp_flags", SL_FT_STRING, "TCP flags seen in either direction, OR-ed, as hex", g_tcp_flags },
	{ "tcp.tcp_flags_ts", SL_FT_STRING, "TCP flags seen client to server, as hex", g_tcp_flags_ts },
	{ "tcp.tcp_flags_tc", SL_FT_STRING, "TCP flags seen server to client, as hex", g_tcp_flags_tc },
};

/* Counters, state and flags keep changing until the flow ends. */
const struct sl_field_table sl_flow_fields = { "flow", fields, ARRAY_SIZE(fields),
					      .settle = SL_SETTLE_END };
