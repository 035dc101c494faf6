/* The stats event's counters, each declared once with where it lives in
 * the struct sl_stats_view that stats_event() (report.c) gathers: its
 * writer (sl_fields_write()), the schema and --list-fields all walk this
 * table, so a counter is added here and in the view, nowhere else.
 * Counters named by an enumeration (decoder errors by reason) are one
 * declaration with a '*' key. */
#include <string.h>

#include "sightline/engine.h"
#include "sightline/schema.h"
#include "engine_priv.h"

#define U(NAME, DESC, M) SL_FIELD_U("stats." NAME, DESC, SL_IN_OWN, struct sl_stats_view, M, SL_ALWAYS)
/* stats.identity.*: only with identity sources */
#define I(NAME, DESC, M)                                                      \
	SL_FIELD_U("stats." NAME, DESC, SL_IN_OWN, struct sl_stats_view, M,    \
		   SL_IF(struct sl_stats_view, identity))
#define C(NAME, DESC, M, FIRST, N, NAMEFN)                                    \
	SL_FIELD_COUNTS("stats." NAME, DESC, SL_IN_OWN, struct sl_stats_view, M, \
			FIRST, N, NAMEFN, SL_ALWAYS)

static const char *layer_name(unsigned i)
{
	return sl_decode_layer_name((enum sl_decode_layer)i);
}

static const char *reason_name(unsigned i)
{
	return sl_decode_reason_name((enum sl_decode_reason)i);
}

static const char *end_name(unsigned i)
{
	return sl_flow_reason_name((enum sl_flow_reason)i);
}

static const struct sl_field stats_fields[] = {
	U("capture.files", "capture files read (replay)", t.st.files),
	U("capture.packets", "packets read", t.st.packets),
	U("capture.bytes", "bytes of the packets read (as captured)", t.st.bytes),
	U("capture.truncated_files", "capture files that ended in the middle of a record", t.st.truncated_files),
	U("capture.damaged_files", "capture files with a damaged record (read up to it)", t.st.damaged_files),
	U("capture.kernel_drops", "packets the kernel dropped (live, pcap_stats)", t.st.capture_drops),
	U("capture.ring_drops", "packets dropped between the capture and the workers (live)", t.st.ring_drops),
	U("capture.time_backwards", "packets earlier than the packet before them (merged captures, clock steps)", t.st.time_backwards),
	U("decoder.ip", "IPv4 and IPv6 packets decoded", t.st.ip_packets),
	U("decoder.not_ip", "packets carrying no IP (ARP, LLDP, ...)", t.dec.not_ip),
	U("decoder.fragments", "IP fragments seen", t.dec.fragments),
	U("decoder.reassembled", "datagrams reassembled from fragments", t.dec.reassembled),
	U("decoder.decapsulated", "packets taken out of a tunnel (GRE, VXLAN, GTP-U, ...)", t.dec.decapsulated),
	U("decoder.reassembly.datagrams_max", "most datagrams in reassembly at once", t.dec.frag_datagrams_max),
	U("decoder.reassembly.datagrams_capacity", "datagrams the reassembly table holds", t.dec.frag_datagrams_cap),
	U("decoder.reassembly.bytes_max", "most bytes in reassembly at once", t.dec.frag_bytes_max),
	U("decoder.reassembly.bytes_capacity", "bytes the reassembly buffers hold", t.dec.frag_bytes_cap),
	C("decoder.layers.*", "packets that went through a link or tunnel layer, by layer (pppoe, mpls, ...)",
	  t.dec.layers, 0, SL_LAYER__COUNT, layer_name),
	C("decoder.errors.*.*", "malformed packets by layer and reason (eth.truncated, ipv4.hlen_too_small, ...)",
	  t.dec.reasons, 0, SL_DEC__COUNT, reason_name),
	U("flow.created", "flows created", t.flow.created),
	U("flow.active", "flows in the table now", t.flow.active),
	U("flow.active_max", "most flows in the table at once", t.flow.active_max),
	U("flow.capacity", "flows the table holds (flow.max_flows)", t.flow.capacity),
	U("flow.evictions", "flows pushed out of a full table (equals flow.ended.evicted)", t.flow.evictions),
	U("flow.evicted_embryonic", "evicted flows without a handshake, or of one packet", t.flow.evicted_embryonic),
	U("flow.evicted_established", "evicted established flows", t.flow.evicted_established),
	U("flow.closed_reclaimed", "closed TCP flows ended early to make room", t.flow.closed_reclaimed),
	U("flow.icmp_errors", "ICMP errors counted on the flow they quote", t.flow.icmp_errors),
	U("flow.icmp_errors_unmatched", "ICMP errors quoting no flow the sensor holds (dropped)", t.flow.icmp_errors_unmatched),
	U("flow.bytes_per_flow", "memory one flow costs at the busiest moment: table record, buckets and parser state, bytes", flow_bytes),
	U("flow.table_bytes_per_flow", "the flow table's part of bytes_per_flow (record and buckets)", table_bytes),
	C("flow.ended.*", "flows ended, by reason (fin, rst, timeout, evicted, shutdown: flow.reason)",
	  t.flow.ended, SL_END_FIN, SL_END_SHUTDOWN - SL_END_FIN + 1, end_name),
	U("parsers.states", "per-flow parser states allocated", t.disp.states),
	U("parsers.state_bytes_max", "most bytes of parser state at once", t.disp.state_bytes_max),
	U("parsers.alloc_failures", "parser states that could not be allocated (the parser skipped the flow)", t.disp.alloc_failures),
	U("parsers.offers", "packets offered to a protocol parser (one per parser and packet)", t.disp.offers),
	U("parsers.declines", "offers a parser answered with no", t.disp.declines),
	U("parsers.inspections_decided", "flows whose inspection ended because no parser wanted more", t.disp.inspections_decided),
	U("rules.loaded", "rules loaded", rules_loaded),
	U("rules.hits", "rule matches", rule_hits),
	U("rules.flow_alerts", "alerts of flow-scope rules on flows", flow_alerts),
	U("rules.signin_alerts", "alerts of rules on sign-ins", signin_alerts),
	U("rules.correlation_evictions", "correlation groups forgotten to stay within their limit", corr_evictions),
	U("rules.regex_limit_hits", "regular-expression matches stopped at their match limit", regex_limit_hits),
	U("subjects.tracked", "subjects in the table", subj.tracked),
	U("subjects.evictions", "subjects forgotten to make room", subj.evictions),
	U("subjects.hits", "rule hits charged to subjects", subj.hits),
	U("subjects.hits_allowed", "hits zeroed by a roster allow-list", subj.hits_allowed),
	U("subjects.hits_dropped", "hits not kept: no room (rule slots or evidence pool full)", subj.hits_dropped),
	U("subjects.alerts", "subject alerts", subj.alerts),
	U("subjects.not_endpoints", "flows charged to nobody: an unspecified, broadcast or multicast address", subj.not_endpoints),
	I("identity.signins", "sign-ins read from the identity sources", signins),
	I("identity.bad_records", "records of the identity sources that could not be read", bad_records),
	I("identity.events", "signin events written", signin_events),
	I("identity.unrostered", "successful sign-ins of accounts no roster entry lists", unrostered),
	I("identity.bindings", "successful sign-ins that bound an account to their address", bind.signins),
	I("identity.bindings_held", "bindings held now (live and recently ended)", bind.held),
	I("identity.bindings_moved", "bindings cut short by the account signing in elsewhere", bind.moved),
	I("identity.bindings_shared", "sign-ins that left two or more accounts on one address", bind.shared),
	I("identity.bindings_evicted", "live bindings dropped to stay within identity.max_bindings", bind.evicted),
	U("geo.lookups", "IP-intelligence lookups", t.geo.lookups),
	U("geo.cache_hits", "lookups answered by the cache", t.geo.hits),
	U("geo.cache_evictions", "cache entries replaced", t.geo.evictions),
	U("memory.rss_bytes", "resident memory of the process, bytes", rss_bytes),
	U("output.events", "events handed to the outputs", out.events),
	U("output.write_errors", "events an output failed to write", out.write_errors),
	U("output.events_lost", "events lost before any output (too large for the event buffer)", events_lost),
};

const struct sl_field_table sl_stats_fields = {
	.module = "stats",
	.fields = stats_fields,
	.n = ARRAY_SIZE(stats_fields),
};

/* The rest of the view stays zero: only the subjects' part is read. */
void sl_stats_write_subjects(const struct sl_subjects_stats *ss, struct sl_json *j)
{
	struct sl_stats_view v;
	memset(&v, 0, sizeof(v));
	v.subj = *ss;
	sl_fields_write_under(&sl_stats_fields, "stats.subjects.", &v, j);
}
