/* NoMachine (NX) on TCP (default port 4000): the client opens with a
 * text line "NXSH-<version>\n" and the server answers "NXD-<version>\n",
 * after which both sides start TLS (the server certificate names
 * O=NoMachine).  Public description: the DESIGN.md advisory summary
 * ("NoMachine (NXSH-)") and nDPI's NoMachine test capture, where the
 * exchange is "NXSH-8.10.1\n" / "NXD-8.10.1\n".  Both lines must be
 * well-formed: prefix, a dotted version of digits, LF (CR LF tolerated).
 * NX also carries multimedia over UDP to the same port ("Use UDP
 * communication for multimedia data", NoMachine server settings).  No
 * specification is published; the layout below is what nDPI's capture
 * shows in both directions: a little-endian header of message type (u16,
 * small), 1 (u16), the datagram's own length (u16), then for the opening
 * types 1-3 a u32 sequence number rising from 0 per direction.  Two such
 * datagrams each way, every one consistent, identify the flow. */
#include <string.h>

#include "sightline/proto.h"
#include "tcp_reasm.h"

#define NX_LINE_MAX 32 /* "NXSH-" and a version are short */
#define NX_UDP_HDR 10  /* type, 1, length, sequence */
#define NX_UDP_TYPE_MAX 0x20
#define NX_UDP_PER_SIDE 2
#define NX_UDP_TRIES 16

extern const struct sl_proto sl_proto_nomachine;

struct nx_side {
	struct sl_reasm tcp;
	uint8_t len;
	bool done; /* a complete, valid line was read */
	char line[NX_LINE_MAX + 1];
};

struct nx_state {
	struct nx_side side[2];
	uint16_t overflows;
	bool identified;
	char version[2][NX_LINE_MAX]; /* per enum sl_dir */
	uint32_t udp_seq[2];          /* last opening-type sequence number */
	uint8_t udp_ok[2];            /* consistent datagrams per direction */
	uint8_t udp_tries;
};

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static const char *const prefix[2] = { "NXSH-", "NXD-" }; /* client, server */

static bool prefix_ok(const uint8_t *p, size_t n, enum sl_dir dir)
{
	size_t k = strlen(prefix[dir]);
	return memcmp(p, prefix[dir], n < k ? n : k) == 0;
}

/* The UDP header: small type, the constant 1, the datagram's length. */
static bool udp_framed(const uint8_t *p, size_t n)
{
	return n >= NX_UDP_HDR && le16(p) < NX_UDP_TYPE_MAX && le16(p + 2) == 1 && le16(p + 4) == n;
}

static bool nx_probe(const struct sl_proto_pkt *pp)
{
	if (pp->flow->proto == 17)
		return pp->index < 8 && udp_framed(pp->pkt->payload, pp->pkt->payload_len);
	return pp->index < 8 && pp->pkt->payload_len >= 3 &&
	       prefix_ok(pp->pkt->payload, pp->pkt->payload_len, pp->dir);
}

/* The version after the prefix: digits and dots, starting with a digit. */
static bool version_ok(const char *v, size_t n)
{
	if (!n || v[0] < '0' || v[0] > '9')
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] != '.' && (v[i] < '0' || v[i] > '9'))
			return false;
	return true;
}

/* Returns -1 when this side is not NX, 1 when its line is complete. */
static int side_line(struct nx_state *st, struct nx_side *s, enum sl_dir dir)
{
	if (!prefix_ok((const uint8_t *)s->line, s->len, dir))
		return -1;
	char *nl = memchr(s->line, '\n', s->len);
	if (!nl)
		return s->len < NX_LINE_MAX ? 0 : -1;
	size_t k = strlen(prefix[dir]), end = (size_t)(nl - s->line);
	if (end > k && s->line[end - 1] == '\r')
		end--;
	if (end < k || !version_ok(s->line + k, end - k))
		return -1;
	memcpy(st->version[dir], s->line + k, end - k);
	st->version[dir][end - k] = '\0';
	s->done = true;
	return 1;
}

static int deliver(void *ctx, const uint8_t *p, size_t n)
{
	struct nx_side *s = ctx;
	size_t k = n < (size_t)(NX_LINE_MAX - s->len) ? n : (size_t)(NX_LINE_MAX - s->len);
	memcpy(s->line + s->len, p, k);
	s->len = (uint8_t)(s->len + k);
	return 0;
}

static void identify(struct nx_state *st, struct sl_flow *f)
{
	st->identified = true;
	sl_app_identify(f, &sl_proto_nomachine);
	sl_proto_claim_product(f, "nomachine", "remote-access", SL_PROTO_BY_WIRE);
}

/* One UDP datagram: framed, and an opening message's sequence number
 * rises (from 0 for a direction's first). */
static enum sl_proto_verdict nx_udp(struct nx_state *st, const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	if (!udp_framed(p, pp->pkt->payload_len))
		return SL_PROTO_NOT_MINE;
	unsigned type = le16(p);
	if (type >= 1 && type <= 3) {
		uint32_t seq = (uint32_t)le16(p + 6) | (uint32_t)le16(p + 8) << 16;
		bool first = st->udp_ok[pp->dir] == 0;
		if (first ? seq != 0 : seq <= st->udp_seq[pp->dir])
			return SL_PROTO_NOT_MINE;
		st->udp_seq[pp->dir] = seq;
	} else if (st->udp_ok[pp->dir] == 0) {
		return SL_PROTO_NOT_MINE; /* a direction opens with types 1-3 */
	}
	st->udp_ok[pp->dir]++;
	if (st->udp_ok[0] >= NX_UDP_PER_SIDE && st->udp_ok[1] >= NX_UDP_PER_SIDE) {
		identify(st, pp->flow);
		return SL_PROTO_DONE;
	}
	return ++st->udp_tries >= NX_UDP_TRIES ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

static enum sl_proto_verdict nx_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct nx_state *st = state;
	struct nx_side *s = &st->side[pp->dir];
	const struct sl_packet *p = pp->pkt;
	if (pp->flow->proto == 17)
		return nx_udp(st, pp);
	if (p->tcp_flags & SL_TCP_ACK)
		sl_reasm_hint(&st->side[!pp->dir].tcp, p->tcp_ack);
	if (!p->payload_len || s->done)
		return SL_PROTO_MORE;
	if (sl_reasm_packet(&s->tcp, p->tcp_seq, p->payload, p->payload_len, true, deliver, s,
			    &st->overflows) < 0 ||
	    (s->len && side_line(st, s, pp->dir) < 0))
		return SL_PROTO_NOT_MINE;
	if (st->side[0].done && st->side[1].done) {
		identify(st, pp->flow);
		return SL_PROTO_DONE;
	}
	return SL_PROTO_MORE;
}

static void nx_inspect_end(void *state)
{
	struct nx_state *st = state;
	sl_reasm_finish(&st->side[0].tcp);
	sl_reasm_finish(&st->side[1].tcp);
}

/* Declared fields read the state once identified. */
#define AT_NX SL_IN_STATE_IF(sl_proto_nomachine, struct nx_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("nomachine.client_version", "version in the client's NXSH- line, e.g. 8.10.1",
	             AT_NX, struct nx_state, version[SL_DIR_TOSERVER], SL_NONZERO),
	SL_FIELD_STR("nomachine.server_version", "version in the server's NXD- line",
	             AT_NX, struct nx_state, version[SL_DIR_TOCLIENT], SL_NONZERO),
};

static const struct sl_field_table nx_fields = { "nomachine", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_nomachine = {
	.name = "nomachine",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct nx_state),
	.probe = nx_probe,
	.packet = nx_packet,
	.inspect_end = nx_inspect_end,
	.release = nx_inspect_end,
	.fields = &nx_fields,
};
