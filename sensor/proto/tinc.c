/* tinc VPN meta connection over TCP: each side opens with its ID request,
 * "0 <name> <major>[.<minor>]\n" (request 0 = ID, names of letters, digits
 * and underscores, protocol major 17), and tinc 1.0 follows with a METAKEY
 * request ("1 ...").  Both sides' ID lines are required.  Spec: tinc's
 * protocol documentation ("The meta-protocol", tinc manual §6.2 and
 * doc/PROTOCOL in the tinc source).  tinc's UDP data packets are encrypted
 * and carry no framing to check, but they travel between the same two
 * daemons, each sending from its own listening port, and the meta
 * server's UDP port is the TCP port it accepted the meta connection on
 * (tinc manual §4.4 "Port": one port for TCP and UDP).  So a UDP flow
 * between the two hosts of an identified meta connection (the hosts table
 * keeps them: include/sightline/hosts.h), on the meta server's port and
 * with packets both ways, is tinc's data channel. */
#include <string.h>

#include "sightline/flow.h"
#include "sightline/hosts.h"
#include "sightline/proto.h"

#define TINC_LINE_MAX 64  /* an ID line: "0 " + name + " 17.x\n" */
#define TINC_NAME_MAX 40
#define TINC_MAJOR 17
#define TINC_MAX_TRIES 8
#define TINC_UDP_MIN 12   /* bytes: 1.0's sequence number and MAC, 1.1's SPTPS header */

struct tinc_side {
	char name[TINC_NAME_MAX + 1];
	char version[12];
	bool id;
};

struct tinc_state {
	struct tinc_side side[2];
	uint8_t tries;
	bool identified;
	bool udp_seen[2]; /* data channel: packets per direction */
};

extern const struct sl_proto sl_proto_tinc;

static bool name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "17" or "17.<digits>" from p[0..n); copied into out. */
static bool parse_version(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	if (n < 2 || n >= outlen || p[0] != '1' || p[1] != '7')
		return false;
	if (n > 2 && (p[2] != '.' || n == 3))
		return false;
	for (size_t i = 3; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* The ID request at the start of p[0..n): "0 name version\n". */
static bool parse_id(const uint8_t *p, size_t n, struct tinc_side *s)
{
	if (n > TINC_LINE_MAX)
		n = TINC_LINE_MAX;
	const uint8_t *nl = memchr(p, '\n', n);
	if (!nl || n < 6 || p[0] != '0' || p[1] != ' ')
		return false;
	size_t len = (size_t)(nl - p), i = 2;
	if (len && p[len - 1] == '\r')
		len--;
	while (i < len && name_char(p[i]))
		i++;
	if (i == 2 || i - 2 > TINC_NAME_MAX || i >= len || p[i] != ' ')
		return false;
	if (!parse_version(p + i + 1, len - i - 1, s->version, sizeof(s->version)))
		return false;
	memcpy(s->name, p + 2, i - 2);
	s->name[i - 2] = '\0';
	return true;
}

/* An identified meta connection: its UDP channel may follow. */
static void remember(const struct sl_proto_pkt *pp)
{
	const struct sl_flow *f = pp->flow;
	struct sl_host_fact fact = { .kind = SL_HOST_OVERLAY_PEER,
				     .peer = { .cli = f->cli, .srv = f->srv, .port = f->sport } };
	sl_proto_learn(pp, &fact);
}

static bool tinc_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	if (pp->flow->proto == 17)
		return pp->pkt->payload_len >= TINC_UDP_MIN && sl_proto_overlay_channel(pp);
	return pp->pkt->payload_len >= 6 && p[0] == '0' && p[1] == ' ' && name_char(p[2]);
}

static void identify(struct tinc_state *s, struct sl_flow *f)
{
	s->identified = true;
	sl_app_identify(f, &sl_proto_tinc);
	sl_proto_claim_product(f, "tinc", "vpn", SL_PROTO_BY_WIRE);
}

/* The data channel: the probe placed it; packets both ways confirm it. */
static enum sl_proto_verdict tinc_udp(struct tinc_state *s, const struct sl_proto_pkt *pp)
{
	if (pp->pkt->payload_len < TINC_UDP_MIN)
		return SL_PROTO_NOT_MINE;
	s->udp_seen[pp->dir] = true;
	if (s->udp_seen[0] && s->udp_seen[1]) {
		identify(s, pp->flow);
		return SL_PROTO_DONE;
	}
	return ++s->tries > TINC_MAX_TRIES ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

static enum sl_proto_verdict tinc_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct tinc_state *s = state;
	struct tinc_side *me = &s->side[pp->dir];
	if (pp->flow->proto == 17)
		return tinc_udp(s, pp);
	if (++s->tries > TINC_MAX_TRIES)
		return SL_PROTO_NOT_MINE;
	if (me->id)
		return SL_PROTO_MORE; /* retransmission or the next request */
	if (!parse_id(pp->pkt->payload, pp->pkt->payload_len, me))
		return SL_PROTO_NOT_MINE;
	me->id = true;
	if (!s->side[!pp->dir].id)
		return SL_PROTO_MORE;
	identify(s, pp->flow);
	remember(pp);
	return SL_PROTO_DONE;
}

/* Declared fields read a side of the state once identified and once the
 * side sent its ID line (UDP has none). */
#define AT_TINC SL_IN_STATE_IF(sl_proto_tinc, struct tinc_state, identified)
#define TINC_ID(d) SL_IF(struct tinc_state, side[d].id)

static const struct sl_field fields[] = {
	SL_FIELD_STR("tinc.client_name", "node name in the client's ID request",
	             AT_TINC, struct tinc_state, side[SL_DIR_TOSERVER].name, TINC_ID(SL_DIR_TOSERVER)),
	SL_FIELD_STR("tinc.server_name", "node name in the server's ID request",
	             AT_TINC, struct tinc_state, side[SL_DIR_TOCLIENT].name, TINC_ID(SL_DIR_TOCLIENT)),
	SL_FIELD_STR("tinc.version", "protocol version in the client's ID request: 17 (tinc 1.0) or 17.x (1.1)",
	             AT_TINC, struct tinc_state, side[SL_DIR_TOSERVER].version, TINC_ID(SL_DIR_TOSERVER)),
};

static const struct sl_field_table tinc_fields = { "tinc", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_tinc = {
	.name = "tinc",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct tinc_state),
	.probe = tinc_probe,
	.packet = tinc_packet,
	.fields = &tinc_fields,
};
