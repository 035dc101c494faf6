/* Multicast DNS (UDP 5353, 224.0.0.251 / ff02::fb): the names a device
 * announces or asks for — its host name (pikvm.local), its services
 * (_http._tcp.local) and instances — which is how IP-KVMs and other LAN
 * gadgets show themselves.  Specs: RFC 6762 (mDNS), RFC 6763 (DNS-SD names),
 * RFC 1035 (message format, decoded by dns_msg.c). */
#include <string.h>
#include <strings.h>

#include "dns_msg.h"
#include "sightline/proto.h"

#define MDNS_PORT 5353
#define MDNS_NAMES_MAX 512 /* mdns.names, NUL included */

extern const struct sl_proto sl_proto_mdns;

struct mdns_state {
	bool identified;
	char names[MDNS_NAMES_MAX];
	char hostname[SL_DNS_TEXT_MAX];
};

static bool mdns_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	return (p->sport == MDNS_PORT || p->dport == MDNS_PORT) && p->payload_len >= SL_DNS_HDR_LEN;
}

static bool ends_with_local(const char *name)
{
	size_t n = strlen(name);
	return (n > 6 && strcasecmp(name + n - 6, ".local") == 0) ||
	       (n > 7 && strcasecmp(name + n - 7, ".local.") == 0);
}

static void add_name(struct mdns_state *s, const char *name)
{
	if (name[0] && strcmp(name, ".") != 0)
		sl_dns_list_add(s->names, sizeof(s->names), name, true);
}

/* Names a record carries: its owner, a PTR's target (service instance or
 * host), an SRV's target host; an A/AAAA owner under .local is a host name. */
static void record_names(struct mdns_state *s, const struct sl_dns_msg *m,
			 const struct sl_dns_rr *rr)
{
	char target[SL_DNS_TEXT_MAX];
	add_name(s, rr->name);
	if (rr->type == SL_DNS_T_PTR && sl_dns_rdata_name(m, rr, 0, target, sizeof(target)))
		add_name(s, target);
	else if (rr->type == SL_DNS_T_SRV && sl_dns_rdata_name(m, rr, 6, target, sizeof(target)))
		add_name(s, target);
	else if ((rr->type == SL_DNS_T_A || rr->type == SL_DNS_T_AAAA) && !s->hostname[0] &&
		 ends_with_local(rr->name))
		memcpy(s->hostname, rr->name, sizeof(s->hostname));
}

/* Every section is read; a malformed record ends the message but keeps what
 * came before.  False when not even the header and first question parse. */
static bool parse_message(struct mdns_state *s, const uint8_t *p, size_t len)
{
	struct sl_dns_msg m;
	char name[SL_DNS_TEXT_MAX];
	uint16_t type, qclass;
	struct sl_dns_rr rr;
	if (!sl_dns_msg_begin(&m, p, len))
		return false;
	m.utf8 = true;
	for (unsigned i = 0; i < m.h.qdcount; i++) {
		if (!sl_dns_question(&m, name, sizeof(name), &type, &qclass))
			return i > 0;
		add_name(s, name);
	}
	unsigned n = (unsigned)m.h.ancount + m.h.nscount + m.h.arcount;
	for (unsigned i = 0; i < n && sl_dns_rr(&m, &rr); i++)
		record_names(s, &m, &rr);
	return true;
}

static enum sl_proto_verdict mdns_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct mdns_state *s = state;
	bool ok = parse_message(s, pp->pkt->payload, pp->pkt->payload_len);
	if (!ok)
		return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	if (!s->identified) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_mdns);
	}
	return SL_PROTO_MORE;
}

/* Declared fields read the state once identified is set. */
#define AT_MDNS SL_IN_STATE_IF(sl_proto_mdns, struct mdns_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("mdns.names", "names asked for or announced: hosts, services, instances (comma-separated, at most 511 bytes)",
	             AT_MDNS, struct mdns_state, names, SL_NONZERO),
	SL_FIELD_STR("mdns.hostname", "a .local host name from an A or AAAA record, e.g. pikvm.local",
	             AT_MDNS, struct mdns_state, hostname, SL_NONZERO),
};

static const struct sl_field_table mdns_fields = { "mdns", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_mdns = {
	.name = "mdns",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct mdns_state),
	.probe = mdns_probe,
	.packet = mdns_packet,
	.fields = &mdns_fields,
};
