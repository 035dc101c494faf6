/* DHCP (BOOTP with the magic cookie): message type, client MAC, host name,
 * vendor class, client identifier, requested and assigned address, and the
 * parameter request list, whose order is a well-known OS fingerprint.  Every
 * message also tells the hosts table (include/sightline/hosts.h) about its
 * client.  Specs:
 * RFC 2131 (protocol, message layout), RFC 2132 (options 12, 50, 52, 53, 55,
 * 60, 61), RFC 951 (BOOTP). */
#include <stdio.h>
#include <string.h>

#include "sightline/hosts.h"
#include "sightline/proto.h"

#define DHCP_FIXED 236          /* op .. file: the BOOTP fixed part */
#define DHCP_COOKIE 0x63825363u
#define DHCP_TYPES_MAX 8

extern const struct sl_proto sl_proto_dhcp;

/* An option's value, borrowed from the packet for the call. */
struct opt {
	const uint8_t *p;
	uint8_t len;
	bool present;
};

/* What one message says. */
struct dhcp_msg {
	uint8_t op, type, overload;
	bool has_mac;
	uint8_t mac[6];
	struct sl_addr ciaddr, yiaddr, requested;
	struct opt hostname, vendor, client_id, params;
};

struct dhcp_state {
	bool identified;
	uint8_t ntypes;
	uint8_t types[DHCP_TYPES_MAX]; /* distinct message types, in order seen */
	bool has_mac;
	uint8_t mac[6];
	struct sl_addr assigned, requested;
	char hostname[256];
	char vendor_class[256];
	char client_id[3 * 64];
	char param_list[4 * 255];
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* BOOTP request or reply, a hardware address that fits chaddr, and the
 * DHCP magic cookie: four fixed bytes at a fixed offset, so no port is
 * needed to tell DHCP apart. */
static bool dhcp_valid(const uint8_t *p, size_t len)
{
	return len >= DHCP_FIXED + 4 && (p[0] == 1 || p[0] == 2) && p[2] <= 16 &&
	       be32(p + DHCP_FIXED) == DHCP_COOKIE;
}

static bool dhcp_probe(const struct sl_proto_pkt *pp)
{
	return dhcp_valid(pp->pkt->payload, pp->pkt->payload_len);
}

static void v4(struct sl_addr *a, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	if (p[0] | p[1] | p[2] | p[3]) {
		memcpy(a->b, p, 4);
		a->family = 4;
	}
}

static void take(struct opt *o, const uint8_t *p, uint8_t len)
{
	if (!o->present) { /* the first instance counts (RFC 3396 splitting is not joined) */
		o->p = p;
		o->len = len;
		o->present = true;
	}
}

/* Walk one options area [p, end): pad, end, and code-length-value. */
static void parse_options(struct dhcp_msg *m, const uint8_t *p, const uint8_t *end)
{
	while (p < end && *p != 255) {
		uint8_t code = *p++;
		if (code == 0)
			continue;
		if (p >= end || *p > end - p - 1)
			return; /* truncated option: keep what came before */
		uint8_t len = *p++;
		switch (code) {
		case 12: take(&m->hostname, p, len); break;
		case 50: if (len == 4) v4(&m->requested, p); break;
		case 52: if (len == 1) m->overload = p[0]; break;
		case 53: if (len == 1) m->type = p[0]; break;
		case 55: take(&m->params, p, len); break;
		case 60: take(&m->vendor, p, len); break;
		case 61: take(&m->client_id, p, len); break;
		default: break;
		}
		p += len;
	}
}

static void parse_msg(struct dhcp_msg *m, const uint8_t *p, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->op = p[0];
	m->has_mac = p[1] == 1 && p[2] == 6; /* Ethernet */
	memcpy(m->mac, p + 28, 6);
	v4(&m->ciaddr, p + 12);
	v4(&m->yiaddr, p + 16);
	parse_options(m, p + DHCP_FIXED + 4, p + len);
	if (m->overload & 1) /* RFC 2132 §9.3: options continue in file, then sname */
		parse_options(m, p + 108, p + 236);
	if (m->overload & 2)
		parse_options(m, p + 44, p + 108);
}

/* Option text: trailing NULs dropped, control bytes shown as '?'. */
static void opt_text(char *dst, size_t cap, const struct opt *o)
{
	size_t n = o->len;
	while (n && o->p[n - 1] == 0)
		n--;
	if (n > cap - 1)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = o->p[i] < 0x20 || o->p[i] == 0x7f ? '?' : (char)o->p[i];
	dst[n] = '\0';
}

static void opt_hex(char *dst, size_t cap, const struct opt *o)
{
	size_t used = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < o->len && used + 4 <= cap; i++)
		used += (size_t)snprintf(dst + used, cap - used, i ? ":%02x" : "%02x", o->p[i]);
}

static void opt_codes(char *dst, size_t cap, const struct opt *o)
{
	size_t used = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < o->len && used + 5 <= cap; i++)
		used += (size_t)snprintf(dst + used, cap - used, i ? ",%u" : "%u", o->p[i]);
}

static void keep_type(struct dhcp_state *s, uint8_t type)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (s->types[i] == type)
			return;
	if (type && s->ntypes < DHCP_TYPES_MAX)
		s->types[s->ntypes++] = type;
}

/* The flow's fields: the first value of each, except the assigned address,
 * which an ACK overrides (an OFFER's yiaddr is only a proposal). */
static void keep_fields(struct dhcp_state *s, const struct dhcp_msg *m)
{
	keep_type(s, m->type);
	if (!s->has_mac && m->has_mac) {
		s->has_mac = true;
		memcpy(s->mac, m->mac, 6);
	}
	if (m->op == 2 && m->yiaddr.family && (m->type == 5 || !s->assigned.family))
		s->assigned = m->yiaddr;
	if (!s->requested.family)
		s->requested = m->requested;
	if (!s->hostname[0] && m->hostname.present)
		opt_text(s->hostname, sizeof(s->hostname), &m->hostname);
	if (!s->vendor_class[0] && m->vendor.present)
		opt_text(s->vendor_class, sizeof(s->vendor_class), &m->vendor);
	if (!s->client_id[0] && m->client_id.present)
		opt_hex(s->client_id, sizeof(s->client_id), &m->client_id);
	if (!s->param_list[0] && m->params.present)
		opt_codes(s->param_list, sizeof(s->param_list), &m->params);
}

/* Host facts come from the client's own messages (name, vendor class, and
 * ciaddr when it already holds an address) and from the server's ACK (the
 * address it assigned). */
static void learn(const struct sl_proto_pkt *pp, const struct dhcp_msg *m, sl_time_us ts)
{
	struct sl_host_fact fact = { .kind = SL_HOST_DHCP };
	struct sl_dhcp_host h;
	if (!m->has_mac)
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.mac, m->mac, 6);
	h.last_seen = ts;
	if (m->op == 1) {
		h.ip = m->ciaddr;
		if (m->hostname.present)
			opt_text(h.hostname, sizeof(h.hostname), &m->hostname);
		if (m->vendor.present)
			opt_text(h.vendor_class, sizeof(h.vendor_class), &m->vendor);
	} else if (m->type == 5) {
		h.ip = m->yiaddr;
	} else {
		return;
	}
	fact.dhcp = h;
	sl_proto_learn(pp, &fact);
}

static enum sl_proto_verdict dhcp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct dhcp_state *s = state;
	const struct sl_packet *p = pp->pkt;
	struct dhcp_msg m;
	if (!dhcp_valid(p->payload, p->payload_len))
		return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	parse_msg(&m, p->payload, p->payload_len);
	keep_fields(s, &m);
	learn(pp, &m, p->ts);
	if (!s->identified) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_dhcp);
	}
	return SL_PROTO_MORE;
}

static const char *type_name(uint8_t t)
{
	static const char *const names[] = {
		NULL, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
		"INFORM", "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN",
		"LEASEACTIVE",
	};
	return t < ARRAY_SIZE(names) ? names[t] : NULL;
}

/* Why computed: message types named and comma-joined, numbers for unknown ones. */
static bool g_type(const struct sl_record *r, struct sl_value *v)
{
	const struct dhcp_state *s = sl_record_state(r, &sl_proto_dhcp);
	size_t used = 0;
	v->buf[0] = '\0';
	for (size_t i = 0; s && i < s->ntypes; i++) {
		char num[8];
		const char *n = type_name(s->types[i]);
		if (!n)
			n = (snprintf(num, sizeof(num), "%u", s->types[i]), num);
		if (used + strlen(n) + 2 > sizeof(v->buf))
			break;
		used += (size_t)snprintf(v->buf + used, sizeof(v->buf) - used, used ? ",%s" : "%s", n);
	}
	v->s = v->buf;
	return used > 0;
}

/* Declared fields read the parser's state. */
#define AT_DHCP SL_IN_STATE(sl_proto_dhcp)

static const struct sl_field fields[] = {
	{ "dhcp.message_types", SL_FT_STRING, "DHCP message types of the flow in order seen, e.g. DISCOVER,REQUEST (option 53)", g_type },
	SL_FIELD_HEX("dhcp.client_mac", "client hardware address (chaddr)", AT_DHCP, struct dhcp_state, mac, ':', SL_IF(struct dhcp_state, has_mac)),
	SL_FIELD_STR("dhcp.hostname", "host name the client sent (option 12)",
		     AT_DHCP, struct dhcp_state, hostname, SL_NONZERO),
	SL_FIELD_STR("dhcp.vendor_class", "vendor class identifier, e.g. MSFT 5.0, android-dhcp-14 (option 60)",
		     AT_DHCP, struct dhcp_state, vendor_class, SL_NONZERO),
	SL_FIELD_STR("dhcp.client_id", "client identifier as colon-separated hex, type byte first (option 61)",
		     AT_DHCP, struct dhcp_state, client_id, SL_NONZERO),
	SL_FIELD_IP("dhcp.requested_ip", "address the client asked for (option 50)",
		    AT_DHCP, struct dhcp_state, requested, SL_NONZERO),
	SL_FIELD_IP("dhcp.assigned_ip", "address the server offered or acknowledged (yiaddr; an ACK's wins)",
		    AT_DHCP, struct dhcp_state, assigned, SL_NONZERO),
	SL_FIELD_STR("dhcp.param_list", "parameter request list in the client's order, e.g. 1,3,6,15 (option 55; an OS fingerprint)",
		     AT_DHCP, struct dhcp_state, param_list, SL_NONZERO),
};

static const struct sl_field_table dhcp_fields = { "dhcp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_dhcp = {
	.name = "dhcp",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct dhcp_state),
	.probe = dhcp_probe,
	.packet = dhcp_packet,
	.fields = &dhcp_fields,
};
