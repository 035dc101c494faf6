/* OpenVPN over UDP and TCP (each packet behind a 2-byte length): hard-reset
 * opcodes, the 8-byte session ids of both sides and the layout of the
 * control channel (plain, tls-auth with its HMAC size, tls-crypt), and the
 * TLS handshake the control channel carries (openvpn_ctl.c; its facts are
 * the flow's tls.* fields).  Spec: OpenVPN's protocol overview
 * (doc/doxygen/doc_protocol_overview.h in the OpenVPN source: "OpenVPN
 * Protocol"), and its tls-crypt description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/digest.h"
#include "sightline/proto.h"
#include "openvpn_ctl.h"
#include "tcp_reasm.h"

#define OV_MAX_TRIES 16   /* records looked at before giving up */
#define OV_ONE_SIDE_MIN 4 /* control packets of one side when the other is never seen */
#define OV_TWO_SIDE_MIN 2 /* control packets per side without a visible echo */
#define OV_ACK_MAX 8      /* ack array entries (reliable.h: RELIABLE_ACK_SIZE) */
#define OV_SID 8
#define OV_TIME_MIN 1000000000u /* net_time: a Unix time after 2001 */
#define OV_REC_MAX 4096   /* TCP: a record split across segments is joined up to this size */

/* Layouts of a control packet after opcode and session id. */
enum ov_layout {
	LY_PLAIN,   /* ack array, [remote session id], message packet id */
	LY_AUTH16,  /* tls-auth: HMAC, replay packet id, net_time, then as plain */
	LY_AUTH20,
	LY_AUTH32,
	LY_AUTH64,
	LY_CRYPT,   /* tls-crypt: replay packet id, net_time, 32-byte tag, ciphertext */
	LY_N,
};
static const uint8_t hmac_len[LY_N] = { 0, 16, 20, 32, 64, 0 };

enum ov_op {
	OP_RESET_CLIENT_V1 = 1,
	OP_RESET_SERVER_V1 = 2,
	OP_SOFT_RESET = 3,
	OP_CONTROL = 4,
	OP_ACK = 5,
	OP_DATA_V1 = 6,
	OP_RESET_CLIENT_V2 = 7,
	OP_RESET_SERVER_V2 = 8,
	OP_DATA_V2 = 9,
	OP_RESET_CLIENT_V3 = 10,
	OP_CONTROL_WKC = 11,
};

struct ov_layout_st {
	uint32_t replay;  /* last replay packet id (tls-auth, tls-crypt) */
	uint32_t time;    /* net_time of the first packet */
	uint32_t msg_max; /* highest message packet id (plain, tls-auth) */
};

struct ov_side {
	uint8_t sid[OV_SID];
	bool have_sid;
	uint8_t role;       /* 1 = sent a client reset, 2 = a server reset */
	uint8_t ok;         /* bit per enum ov_layout still consistent */
	uint8_t ctl;        /* control packets seen */
	struct ov_layout_st ly[LY_N];
};

/* TCP: one direction's stream of length-prefixed records. */
struct ov_stream {
	struct sl_reasm tcp;  /* TCP order */
	uint8_t len[2], len_have;
	uint16_t rec_len, rec_have; /* the record being joined */
	uint8_t *rec;         /* its bytes while it spans segments, else NULL */
	uint32_t skip;        /* bytes of a record too large to join, passed over */
};

struct ov_state {
	struct ov_side side[2];
	uint8_t first_op;
	uint8_t tries;
	bool identified;
	bool have_client_sid;
	uint8_t client_sid[OV_SID];
	bool new_ctl;           /* this packet carried control-channel bytes not seen before */
	const char *mode;
	struct sl_ovctl ctl;    /* the TLS handshake of the control channel */
	struct ov_stream st[2]; /* TCP only, indexed by enum sl_dir */
};

extern const struct sl_proto sl_proto_openvpn;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_reset(unsigned op)
{
	return op == OP_RESET_CLIENT_V1 || op == OP_RESET_CLIENT_V2 || op == OP_RESET_CLIENT_V3 ||
	       op == OP_RESET_SERVER_V1 || op == OP_RESET_SERVER_V2;
}

static bool is_client_reset(unsigned op)
{
	return op == OP_RESET_CLIENT_V1 || op == OP_RESET_CLIENT_V2 || op == OP_RESET_CLIENT_V3;
}

static bool is_control(unsigned op)
{
	return is_reset(op) || op == OP_SOFT_RESET || op == OP_CONTROL || op == OP_ACK ||
	       op == OP_CONTROL_WKC;
}

/* A reset is always key_id 0 and at least opcode, session id, an empty ack
 * array and a message packet id long. */
static bool reset_record(const uint8_t *p, size_t n)
{
	return n >= 14 && n <= 1600 && is_reset(p[0] >> 3) && (p[0] & 7) == 0;
}

static bool ov_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (pp->pkt->proto != 6)
		return reset_record(p, n);
	if (n < 3)
		return false;
	size_t rl = (size_t)p[0] << 8 | p[1];
	return rl <= n - 2 + 1600 && reset_record(p + 2, rl < n - 2 ? rl : n - 2);
}

/* Parse record p[0..n) under layout ly.  Returns false when it does not fit;
 * *remote is set to the remote session id when the ack array carries one. */
static bool parse_layout(const uint8_t *p, size_t n, enum ov_layout ly, struct ov_layout_st *st,
			 bool first, const uint8_t **remote)
{
	unsigned op = p[0] >> 3;
	size_t off = 1 + OV_SID + hmac_len[ly];
	*remote = NULL;
	if (ly != LY_PLAIN) {
		if (off + 8 > n)
			return false;
		uint32_t replay = be32(p + off), t = be32(p + off + 4);
		if (t < OV_TIME_MIN || (!first && (replay <= st->replay || t != st->time)))
			return false;
		st->replay = replay;
		st->time = t;
		off += 8;
		if (ly == LY_CRYPT) /* tag, then at least an ack count and an id */
			return off + 32 + 5 <= n;
	}
	if (off >= n || p[off] > OV_ACK_MAX)
		return false;
	size_t acks = p[off++];
	off += 4 * acks;
	if (acks) {
		if (off + OV_SID > n)
			return false;
		*remote = p + off;
		off += OV_SID;
	}
	if (op == OP_ACK)
		return acks > 0 && off == n;
	if (off + 4 > n)
		return false;
	uint32_t msg = be32(p + off);
	if (is_reset(op) ? msg != 0 : (!first && msg > st->msg_max + 1))
		return false;
	if (first || msg > st->msg_max)
		st->msg_max = msg;
	return true;
}

/* The mode the layouts that still fit on every side that spoke point to. */
static const char *mode_of(uint8_t ok)
{
	if (ok & (1u << LY_CRYPT))
		return "tls-crypt";
	for (int ly = LY_AUTH16; ly <= LY_AUTH64; ly++)
		if (ok & (1u << ly))
			return "tls-auth";
	return ok & 1u ? "plain" : "unknown";
}

static void identify(struct ov_state *s, struct sl_flow *f, const char *mode)
{
	s->identified = true;
	s->mode = mode;
	sl_app_identify(f, &sl_proto_openvpn);
	sl_proto_claim_product(f, "openvpn", "vpn", SL_PROTO_BY_WIRE);
}

/* Check the other side's session id in this record's ack array under
 * every layout still fitting: the server's reset/ACK echoing the client's
 * session id is the strongest sign. */
static void check_layouts(struct ov_state *s, struct ov_side *me, const struct ov_side *other,
			  const uint8_t *p, size_t n, bool full, bool first, struct sl_flow *f)
{
	for (int ly = 0; ly < LY_N && full; ly++) {
		const uint8_t *remote;
		if (!(me->ok & (1u << ly)))
			continue;
		if (!parse_layout(p, n, (enum ov_layout)ly, &me->ly[ly], first, &remote)) {
			me->ok &= (uint8_t)~(1u << ly);
			continue;
		}
		if (remote && !s->have_client_sid && me->role == 2) {
			memcpy(s->client_sid, remote, OV_SID);
			s->have_client_sid = true;
		}
		if (!s->identified && remote && other->have_sid &&
		    memcmp(remote, other->sid, OV_SID) == 0)
			identify(s, f, ly == LY_PLAIN ? "plain" : "tls-auth");
	}
}

/* A P_CONTROL_V1 packet: its piece of the TLS stream, under each layout
 * still possible on this side (tls-crypt encrypts it: out of reach). */
static void control_tls(struct ov_state *s, const struct sl_proto_pkt *pp, const struct ov_side *me,
			const uint8_t *p, size_t n)
{
	size_t cand[LY_N], ncand = 0;
	for (int ly = LY_PLAIN; ly <= LY_AUTH64; ly++)
		if (me->ok & (1u << ly))
			cand[ncand++] = 1 + OV_SID + hmac_len[ly] + (ly == LY_PLAIN ? 0 : 8);
	if (sl_ovctl_control(&s->ctl, pp, p, n, cand, ncand))
		s->new_ctl = true;
}

/* Once identified, the parser stays for the TLS handshake of the control
 * channel (none to read under tls-crypt). */
static enum sl_proto_verdict after_identified(const struct ov_state *s)
{
	bool crypt = s->mode && !strcmp(s->mode, "tls-crypt");
	return crypt || sl_ovctl_done(&s->ctl) ? SL_PROTO_DONE : SL_PROTO_MORE;
}

/* One OpenVPN record (n bytes present of a record of full bytes). */
static enum sl_proto_verdict record(struct ov_state *s, const struct sl_proto_pkt *pp,
				    const uint8_t *p, size_t n, bool full)
{
	struct ov_side *me = &s->side[pp->dir], *other = &s->side[!pp->dir];
	unsigned op = n ? p[0] >> 3 : 0;
	bool data = op == OP_DATA_V1 || op == OP_DATA_V2;
	if (n < 1 + OV_SID || !is_control(op)) {
		if (s->identified) /* data packets: the handshake is over */
			return data ? SL_PROTO_DONE : SL_PROTO_MORE;
		return me->have_sid && data ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	}
	bool first = !me->have_sid;
	if (first) {
		if (!reset_record(p, full ? n : 14))
			return SL_PROTO_NOT_MINE;
		memcpy(me->sid, p + 1, OV_SID);
		me->have_sid = true;
		me->role = is_client_reset(op) ? 1 : 2;
		me->ok = (1u << LY_N) - 1;
		if (me->role == 1) {
			memcpy(s->client_sid, me->sid, OV_SID);
			s->have_client_sid = true;
		}
		if (!s->first_op)
			s->first_op = (uint8_t)op;
		if (other->have_sid && other->role == me->role)
			return SL_PROTO_NOT_MINE;
	} else if (memcmp(me->sid, p + 1, OV_SID) != 0) {
		return s->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	}
	if (me->ctl < 255)
		me->ctl++;
	check_layouts(s, me, other, p, n, full, first, pp->flow);
	if (op == OP_CONTROL && full)
		control_tls(s, pp, me, p, n);
	if (!me->ok && !s->identified)
		return SL_PROTO_NOT_MINE;
	if (s->identified)
		return after_identified(s);
	bool both = other->have_sid && me->ctl >= OV_TWO_SIDE_MIN && other->ctl >= OV_TWO_SIDE_MIN;
	bool alone = pp->flow->pkts[!pp->dir] == 0 && me->ctl >= OV_ONE_SIDE_MIN;
	uint8_t ok = me->ok & (other->have_sid ? other->ok : 0xff);
	if ((both || alone) && ok)
		identify(s, pp->flow, mode_of(ok));
	return s->identified ? after_identified(s) : SL_PROTO_MORE;
}

struct ov_deliver {
	struct ov_state *s;
	const struct sl_proto_pkt *pp;
	enum sl_proto_verdict v;
};

/* A record too large to join: its head is checked as far as this segment
 * goes, the rest passed over. */
static size_t oversized(struct ov_deliver *c, struct ov_stream *st, const uint8_t *p, size_t n)
{
	size_t k = st->rec_len < n ? st->rec_len : n;
	c->v = record(c->s, c->pp, p, k, k == st->rec_len);
	st->skip = (uint32_t)(st->rec_len - k);
	st->len_have = 0;
	return k;
}

/* Bytes of the record being read: handled in place when the segment holds
 * it whole, else joined in st->rec.  Returns the bytes used. */
static size_t record_bytes(struct ov_deliver *c, struct ov_stream *st, const uint8_t *p, size_t n)
{
	size_t need = (size_t)st->rec_len - st->rec_have;
	if (!st->rec && n >= need) {
		c->v = record(c->s, c->pp, p, need, true);
		st->len_have = 0;
		return need;
	}
	if (!st->rec && (st->rec_len > OV_REC_MAX || !(st->rec = malloc(OV_REC_MAX))))
		return oversized(c, st, p, n);
	size_t k = need < n ? need : n;
	memcpy(st->rec + st->rec_have, p, k);
	st->rec_have = (uint16_t)(st->rec_have + k);
	if (st->rec_have == st->rec_len) {
		c->v = record(c->s, c->pp, st->rec, st->rec_len, true);
		free(st->rec);
		st->rec = NULL;
		st->len_have = 0;
	}
	return k;
}

/* TCP: in-order bytes of one direction (from sl_reasm_packet()), cut into
 * the records each 2-byte length announces. */
static int tcp_deliver(void *ctx, const uint8_t *p, size_t n)
{
	struct ov_deliver *c = ctx;
	struct ov_stream *st = &c->s->st[c->pp->dir];
	while (n && c->v == SL_PROTO_MORE) {
		size_t k;
		if (st->skip) {
			k = st->skip < n ? st->skip : n;
			st->skip -= (uint32_t)k;
		} else if (st->len_have < 2) {
			st->len[st->len_have++] = p[0];
			k = 1;
			st->rec_len = (uint16_t)(st->len[0] << 8 | st->len[1]);
			st->rec_have = 0;
		} else {
			k = record_bytes(c, st, p, n);
		}
		p += k;
		n -= k;
	}
	return c->v == SL_PROTO_MORE ? 0 : -1;
}

static enum sl_proto_verdict tcp_records(struct ov_state *s, const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	struct ov_deliver c = { s, pp, SL_PROTO_MORE };
	if (p->tcp_flags & SL_TCP_ACK) /* where the peer's stream starts */
		sl_reasm_hint(&s->st[!pp->dir].tcp, p->tcp_ack);
	sl_reasm_packet(&s->st[pp->dir].tcp, p->tcp_seq, p->payload, p->payload_len, true, tcp_deliver,
			&c, &s->ctl.tls.overflows);
	return c.v;
}

static void free_buffers(struct ov_state *s)
{
	sl_ovctl_free_buffers(&s->ctl);
	for (int i = 0; i < 2; i++) {
		sl_reasm_finish(&s->st[i].tcp);
		free(s->st[i].rec);
		s->st[i].rec = NULL;
	}
}

static void ov_inspect_end(void *state)
{
	free_buffers(state);
}

static void ov_release(void *state)
{
	struct ov_state *s = state;
	free_buffers(s);
	sl_ovctl_release(&s->ctl);
}

const struct sl_tls_session *sl_openvpn_tls_session(const struct sl_flow *f)
{
	const struct ov_state *s = sl_flow_state(f, &sl_proto_openvpn);
	return s ? &s->ctl.tls : NULL;
}

static enum sl_proto_verdict ov_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ov_state *s = state;
	enum sl_proto_verdict v;
	if (!s->identified && ++s->tries > OV_MAX_TRIES)
		return SL_PROTO_NOT_MINE;
	s->new_ctl = false;
	if (pp->pkt->proto == 6)
		v = tcp_records(s, pp);
	else
		v = record(s, pp, pp->pkt->payload, pp->pkt->payload_len, true);
	if (s->identified)
		sl_tls_session_packet(&s->ctl.tls, pp, s->new_ctl);
	if (v != SL_PROTO_MORE)
		free_buffers(s);
	return v;
}

/* Opcodes by number (RFC-less: OpenVPN's ssl_pkt.h). */
static const char *const op_names[] = {
		NULL, "P_CONTROL_HARD_RESET_CLIENT_V1", "P_CONTROL_HARD_RESET_SERVER_V1",
		"P_CONTROL_SOFT_RESET_V1", "P_CONTROL_V1", "P_ACK_V1", "P_DATA_V1",
		"P_CONTROL_HARD_RESET_CLIENT_V2", "P_CONTROL_HARD_RESET_SERVER_V2", "P_DATA_V2",
		"P_CONTROL_HARD_RESET_CLIENT_V3", "P_CONTROL_WKC_V1",
};

/* Declared fields read the state once identified. */
#define AT_OV SL_IN_STATE_IF(sl_proto_openvpn, struct ov_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_ENUM("openvpn.opcode_first", "opcode of the first OpenVPN packet seen, e.g. P_CONTROL_HARD_RESET_CLIENT_V2", AT_OV, struct ov_state, first_op, op_names, SL_WITH_STATE),
	SL_FIELD_HEX("openvpn.session_id", "the client's 8-byte session id, hex", AT_OV, struct ov_state, client_sid, 0, SL_IF(struct ov_state, have_client_sid)),
	SL_FIELD_STRP("openvpn.mode", "control channel protection: plain, tls-auth, tls-crypt or unknown",
	              AT_OV, struct ov_state, mode, SL_WITH_STATE),
};

static const struct sl_field_table ov_fields = { "openvpn", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_openvpn = {
	.name = "openvpn",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct ov_state),
	.probe = ov_probe,
	.packet = ov_packet,
	.inspect_end = ov_inspect_end,
	.release = ov_release,
	.fields = &ov_fields,
};
