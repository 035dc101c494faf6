/* Field tables of the flow record: the EVE header (timestamp, ids, 5-tuple,
 * encapsulation), and the Community ID, the flow block and the TCP flags
 * seen.  Fields are declared where the flow keeps them; the four getters
 * left compute a value the flow does not hold (each says why). */
#include <string.h>

#include "sightline/field.h"

#define FLOW(r) ((r)->flow)

/* Why computed: a sparse name table with the number as text for the rest. */
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

/* Why computed: a hash of the 5-tuple. */
static bool g_community_id(const struct sl_record *r, struct sl_value *v)
{
	sl_flow_community_id(FLOW(r), r->community_seed, v->buf);
	v->s = v->buf;
	return true;
}

/* Why computed: a difference of two times, in whole seconds. */
static bool g_age(const struct sl_record *r, struct sl_value *v)
{
	v->u = (FLOW(r)->last - FLOW(r)->first) / SL_US_PER_SEC;
	return true;
}

/* Why computed: the OR of both directions' flags, in two hex digits by
 * hand (snprintf() cost more than the rest of the flow's own fields). */
static bool g_tcp_flags(const struct sl_record *r, struct sl_value *v)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t fl = FLOW(r)->tcp_flags[0] | FLOW(r)->tcp_flags[1];
	if (FLOW(r)->proto != 6)
		return false;
	v->buf[0] = hex[fl >> 4];
	v->buf[1] = hex[fl & 15];
	v->buf[2] = '\0';
	v->s = v->buf;
	return true;
}

/* Where the flow's first packet was read (NULL: nowhere known, as for the
 * stand-in flow of a sign-in). */
static const void *flow_src(const struct sl_record *r)
{
	return r->flow->src;
}

/* Presence by the IP protocol: ports for TCP, UDP and SCTP, type and code
 * for ICMP and ICMPv6, flags for TCP. */
#define PORTS SL_IF_ONE_OF(struct sl_flow, proto, 6, 17, 132)
#define ICMP SL_IF_ONE_OF(struct sl_flow, proto, 1, 58)
#define TCP SL_IF_ONE_OF(struct sl_flow, proto, 6)

static const char *const tunnel_names[] = {
	[SL_TUNNEL_GRE] = "gre", [SL_TUNNEL_VXLAN] = "vxlan", [SL_TUNNEL_GTPU] = "gtpu",
};

static const struct sl_field head[] = {
	SL_FIELD_TIME("timestamp", "time of the event: for a flow, its last packet (ISO-8601, UTC, microseconds)", SL_IN_FLOW, struct sl_flow, last, SL_ALWAYS, .settle = SL_SETTLE_END),
	SL_FIELD_U("flow_id", "53-bit flow identifier, stable across replays of the same capture", SL_IN_FLOW, struct sl_flow, flow_id, SL_ALWAYS),
	SL_FIELD_STRP("in_iface", "capture interface of the flow's first packet: the live interface, or the pcapng interface's name (if_name); absent for classic pcap", SL_IN_FUNC(flow_src), struct sl_flow_src, iface, SL_NONZERO),
	SL_FIELD_STRP("pcap_filename", "replay: the capture file of the flow's first packet, as given (-r FILE, or found under -r DIR)", SL_IN_FUNC(flow_src), struct sl_flow_src, file, SL_NONZERO),
	SL_FIELD_STRP("event_type", "flow, alert, subject, signin or stats", SL_IN_RECORD, struct sl_record, event_type, SL_ALWAYS),
	SL_FIELD_IP("src_ip", "client address: the side that sent the SYN, else the first packet's source", SL_IN_FLOW, struct sl_flow, cli, SL_ALWAYS),
	SL_FIELD_U("src_port", "client port (TCP, UDP, SCTP)", SL_IN_FLOW, struct sl_flow, cport, PORTS),
	SL_FIELD_IP("dest_ip", "server address", SL_IN_FLOW, struct sl_flow, srv, SL_ALWAYS),
	SL_FIELD_U("dest_port", "server port (TCP, UDP, SCTP)", SL_IN_FLOW, struct sl_flow, sport, PORTS),
	{ "proto", SL_FT_STRING, "IP protocol: TCP, UDP, ICMP, IPv6-ICMP, SCTP, GRE, ESP, AH or the number", g_proto },
	SL_FIELD_U("icmp_type", "type of the flow's first ICMP/ICMPv6 message", SL_IN_FLOW, struct sl_flow, icmp_type, ICMP),
	SL_FIELD_U("icmp_code", "code of the flow's first ICMP/ICMPv6 message", SL_IN_FLOW, struct sl_flow, icmp_code, ICMP),
	SL_FIELD_LIST("vlan", "802.1Q/802.1ad VLAN ids, outermost first", SL_IN_FLOW, struct sl_flow, vlan, vlan_count, SL_NONZERO),
	SL_FIELD_ENUM("tunnel.type", "outermost encapsulation removed to reach this flow: gre, vxlan or gtpu", SL_IN_FLOW, struct sl_flow, tunnel.type, tunnel_names, SL_NONZERO),
	SL_FIELD_IP("tunnel.src_ip", "outer source address of the encapsulation", SL_IN_FLOW, struct sl_flow, tunnel.src, SL_IF(struct sl_flow, tunnel.type)),
	SL_FIELD_IP("tunnel.dest_ip", "outer destination address of the encapsulation", SL_IN_FLOW, struct sl_flow, tunnel.dst, SL_IF(struct sl_flow, tunnel.type)),
	SL_FIELD_U("tunnel.id", "VXLAN VNI, GRE key or GTP-U TEID", SL_IN_FLOW, struct sl_flow, tunnel.id, SL_IF_NONZERO(struct sl_flow, tunnel.type)),
	SL_FIELD_U("tunnel.depth", "number of encapsulations removed", SL_IN_FLOW, struct sl_flow, tunnel.depth, SL_IF(struct sl_flow, tunnel.type)),
};

/* The header is known from the first packets: settled at the handshake. */
const struct sl_field_table sl_flow_head_fields = { "flow", head, ARRAY_SIZE(head),
						   .settle = SL_SETTLE_HANDSHAKE };

/* EVE's tcp booleans: true when the flag was seen in either direction,
 * absent otherwise (as Suricata writes them).  The two per-direction bytes
 * are read as one member, so the mask holds the bit in both. */
#define TCP_FLAG(NAME, BIT, WHAT)                                             \
	SL_FIELD_BIT(NAME, WHAT " flag seen in either direction (EVE; absent when not seen)", \
		     SL_IN_FLOW, struct sl_flow, tcp_flags, (BIT) | ((BIT) << 8), SL_NONZERO)

static const struct sl_field fields[] = {
	{ "community_id", SL_FT_STRING, "Community ID v1 of the flow (seed: community_id.seed)", g_community_id, SL_SETTLE_HANDSHAKE },
	SL_FIELD_U("flow.pkts_toserver", "packets client to server", SL_IN_FLOW, struct sl_flow, pkts[SL_DIR_TOSERVER], SL_ALWAYS),
	SL_FIELD_U("flow.pkts_toclient", "packets server to client", SL_IN_FLOW, struct sl_flow, pkts[SL_DIR_TOCLIENT], SL_ALWAYS),
	SL_FIELD_U("flow.bytes_toserver", "bytes client to server, link layer included (as Suricata); a reassembled datagram counts every fragment's frame", SL_IN_FLOW, struct sl_flow, bytes[SL_DIR_TOSERVER], SL_ALWAYS),
	SL_FIELD_U("flow.bytes_toclient", "bytes server to client, link layer included", SL_IN_FLOW, struct sl_flow, bytes[SL_DIR_TOCLIENT], SL_ALWAYS),
	SL_FIELD_TIME("flow.start", "first packet time", SL_IN_FLOW, struct sl_flow, first, SL_ALWAYS, .settle = SL_SETTLE_HANDSHAKE),
	SL_FIELD_TIME("flow.end", "last packet time", SL_IN_FLOW, struct sl_flow, last, SL_ALWAYS),
	{ "flow.age", SL_FT_UINT, "seconds from first to last packet", g_age },
	SL_FIELD_ENUM("flow.state", "new, established, closing or closed (TCP); new or established otherwise", SL_IN_FLOW, struct sl_flow, state, sl_flow_state_names, SL_ALWAYS),
	SL_FIELD_ENUM("flow.reason", "why the flow ended: fin, rst, timeout, evicted or shutdown", SL_IN_FLOW, struct sl_flow, reason, sl_flow_reason_names, SL_NONZERO),
	SL_FIELD_U("flow.icmp_errors", "ICMP/ICMPv6 errors (unreachable, time exceeded, packet too big, ...) that quoted a packet of this flow; they make no flow of their own",
		   SL_IN_FLOW, struct sl_flow, icmp_errors, SL_NONZERO),
	SL_FIELD_U("flow.icmp_error.type", "type of the first ICMP/ICMPv6 error quoting this flow (ICMP 3 unreachable, 11 time exceeded; ICMPv6 1 unreachable, 2 packet too big, 3 time exceeded)",
		   SL_IN_FLOW, struct sl_flow, icmp_error_type, SL_IF(struct sl_flow, icmp_errors)),
	SL_FIELD_U("flow.icmp_error.code", "code of that error (ICMP 3/3, ICMPv6 1/4: port unreachable)",
		   SL_IN_FLOW, struct sl_flow, icmp_error_code, SL_IF(struct sl_flow, icmp_errors)),
	SL_FIELD_BOOL("flow.interim", "true on an interim record of a flow still open (written every flow.update_interval, counters so far); absent on the final record", SL_IN_RECORD, struct sl_record, interim, SL_NONZERO),
	{ "tcp.tcp_flags", SL_FT_STRING, "TCP flags seen in either direction, OR-ed, as hex", g_tcp_flags },
	SL_FIELD_HEXNUM("tcp.tcp_flags_ts", "TCP flags seen client to server, as hex", SL_IN_FLOW, struct sl_flow, tcp_flags[SL_DIR_TOSERVER], 2, NULL, TCP),
	SL_FIELD_HEXNUM("tcp.tcp_flags_tc", "TCP flags seen server to client, as hex", SL_IN_FLOW, struct sl_flow, tcp_flags[SL_DIR_TOCLIENT], 2, NULL, TCP),
	TCP_FLAG("tcp.fin", 0x01, "FIN"),
	TCP_FLAG("tcp.syn", 0x02, "SYN"),
	TCP_FLAG("tcp.rst", 0x04, "RST"),
	TCP_FLAG("tcp.psh", 0x08, "PSH"),
	TCP_FLAG("tcp.ack", 0x10, "ACK"),
	TCP_FLAG("tcp.urg", 0x20, "URG"),
	TCP_FLAG("tcp.ecn", 0x40, "ECE (ECN-Echo)"),
	TCP_FLAG("tcp.cwr", 0x80, "CWR"),
};

/* Counters, state and flags keep changing until the flow ends. */
const struct sl_field_table sl_flow_fields = { "flow", fields, ARRAY_SIZE(fields),
					      .settle = SL_SETTLE_END };
