/* tinc VPN meta connection over TCP: each side opens with its ID request,
 * "0 <name> <major>[.<minor>]\n" (request 0 = ID, names of letters, digits
 * and underscores, protocol major 17), and tinc 1.0 follows with a METAKEY
 * request ("1 ...").  Both sides' ID lines are required.  Spec: tinc's
 * protocol documentation ("The meta-protocol", tinc manual §6.2 and
 * doc/PROTOCOL in the tinc source).  tinc's UDP data packets are encrypted
 * and carry no framing to check: they are left alone. */
#include <string.h>

#include "sightline/proto.h"

#define TINC_LINE_MAX 64  /* an ID line: "0 " + name + " 17.x\n" */
#define TINC_NAME_MAX 40
#define TINC_MAJOR 17
#define TINC_MAX_TRIES 8

struct tinc_side {
	char name[TINC_NAME_MAX + 1];
	char version[12];
	bool id;
};

struct tinc_state {
	struct tinc_side side[2];
	uint8_t tries;
	bool identified;
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

static bool tinc_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	return pp->pkt->payload_len >= 6 && p[0] == '0' && p[1] == ' ' && name_char(p[2]);
}

static enum sl_proto_verdict tinc_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct tinc_state *s = state;
	struct tinc_side *me = &s->side[pp->dir];
	if (++s->tries > TINC_MAX_TRIES)
		return SL_PROTO_NOT_MINE;
	if (me->id)
		return SL_PROTO_MORE; /* retransmission or the next request */
	if (!parse_id(pp->pkt->payload, pp->pkt->payload_len, me))
		return SL_PROTO_NOT_MINE;
	me->id = true;
	if (!s->side[!pp->dir].id)
		return SL_PROTO_MORE;
	s->identified = true;
	sl_app_identify(pp->flow, &sl_proto_tinc);
	sl_app_set_product(pp->flow, "tinc", "vpn", SL_SRC_WIRE);
	return SL_PROTO_DONE;
}

static const struct tinc_side *side_of(const struct sl_record *r, enum sl_dir d)
{
	const struct tinc_state *s = sl_record_state(r, &sl_proto_tinc);
	return s && s->identified ? &s->side[d] : NULL;
}

static bool g_cname(const struct sl_record *r, struct sl_value *v)
{
	const struct tinc_side *sd = side_of(r, SL_DIR_TOSERVER);
	v->s = sd ? sd->name : NULL;
	return v->s != NULL;
}

static bool g_sname(const struct sl_record *r, struct sl_value *v)
{
	const struct tinc_side *sd = side_of(r, SL_DIR_TOCLIENT);
	v->s = sd ? sd->name : NULL;
	return v->s != NULL;
}

static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct tinc_side *sd = side_of(r, SL_DIR_TOSERVER);
	v->s = sd ? sd->version : NULL;
	return v->s != NULL;
}

static const struct sl_field fields[] = {
	{ "tinc.client_name", SL_FT_STRING, "node name in the client's ID request", g_cname },
	{ "tinc.server_name", SL_FT_STRING, "node name in the server's ID request", g_sname },
	{ "tinc.version", SL_FT_STRING, "protocol version in the client's ID request: 17 (tinc 1.0) or 17.x (1.1)", g_version },
};

static const struct sl_field_table tinc_fields = { "tinc", fields, ARRAY_SIZE(fields) };

const struct sl_proto sl_proto_tinc = {
	.name = "tinc",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct tinc_state),
	.probe = tinc_probe,
	.packet = tinc_packet,
	.fields = &tinc_fields,
};
