/* VNC / RFB: both ProtocolVersion banners, the security handshake (offered
 * types, the chosen one, the result) and the ServerInit's desktop name.
 * Spec: RFC 6143 §7.1.1 (ProtocolVersion), §7.1.2 (Security, including the
 * 3.3 form), §7.1.3 (SecurityResult), §7.2.2 (VNC Authentication), §7.3
 * (ClientInit / ServerInit), §8.1.2 and the IANA "RFB Security Types"
 * registry for type numbers.  The side that sends the first banner is the
 * RFB server; in a reverse connection (viewer listening, e.g. port 5500)
 * that is the TCP client. */
#include <stdio.h>
#include <string.h>

#include "sightline/proto.h"
#include "tcp_reasm.h"

#define VNC_BUF 320      /* per side: handshake messages are small */
#define VNC_NAME_MAX 255 /* desktop name bytes kept */
#define VNC_TYPES_MAX 16 /* offered security types kept */
#define SEC_NONE 1
#define SEC_VNC 2

extern const struct sl_proto sl_proto_vnc;

enum { R_NEED = 0, R_OK = 1, R_BAD = -1 };

/* RFB server stream: banner, security, [challenge], [result], ServerInit. */
enum s_stage { S_VER, S_SEC, S_CHALLENGE, S_RESULT, S_INIT, S_END };
/* RFB client stream: banner, [choice], [response], ClientInit. */
enum c_stage { C_VER, C_CHOICE, C_RESPONSE, C_INIT, C_END };

struct vnc_side {
	struct sl_reasm tcp;
	uint16_t len;
	uint8_t stage;
	uint8_t buf[VNC_BUF];
};

struct vnc_state {
	struct vnc_side side[2]; /* indexed by RFB role: 0 = server, 1 = client */
	uint16_t overflows;
	bool srv_known;          /* a banner was seen: srv_dir is valid */
	uint8_t srv_dir;         /* enum sl_dir of the RFB server */
	bool identified, chosen_known, result_known, result_ok, has_init;
	uint8_t minor;           /* 3, 7 or 8: the version in force */
	uint8_t ntypes, chosen;
	uint8_t types[VNC_TYPES_MAX];
	uint16_t width, height;
	char ver[2][8];          /* "003.008" per role */
	char name[VNC_NAME_MAX + 1];
};

/* "RFB xxx.yyy\n" with digits; n < 12 only has to match as far as it goes. */
static bool banner_ok(const uint8_t *p, size_t n)
{
	static const char pat[] = "RFB 999.999\n";
	for (size_t i = 0; i < n && i < 12; i++) {
		bool digit = pat[i] == '9';
		if (digit ? (p[i] < '0' || p[i] > '9') : p[i] != (uint8_t)pat[i])
			return false;
	}
	return true;
}

static bool vnc_probe(const struct sl_proto_pkt *pp)
{
	return pp->index < 8 && pp->pkt->payload_len >= 4 &&
	       banner_ok(pp->pkt->payload, pp->pkt->payload_len);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* RFC 6143 §7.1.1: versions other than 3.3, 3.7 and 3.8 are to be taken
 * as 3.3, except that later versions are 3.8 (e.g. Apple's 3.889). */
static uint8_t effective_minor(const char *srv, const char *cli)
{
	const char *v = strcmp(srv, cli) < 0 ? srv : cli;
	if (strcmp(v, "003.007") == 0)
		return 7;
	return strcmp(v, "003.008") >= 0 ? 8 : 3;
}

static void take_banner(struct vnc_state *st, int role, const uint8_t *p)
{
	memcpy(st->ver[role], p + 4, 7);
	st->ver[role][7] = '\0';
}

/* Security: 3.3 = the server's u32 type; 3.7+ = u8 count and the types,
 * or count 0 and a reason (the connection then fails). */
static int srv_security(struct vnc_state *st, const uint8_t *p, size_t n, size_t *used)
{
	if (st->minor == 3) {
		if (n < 4)
			return R_NEED;
		uint32_t t = be32(p);
		if (t > 255)
			return R_BAD;
		st->chosen = (uint8_t)t;
		st->chosen_known = true;
		*used = 4;
		return R_OK;
	}
	if (n < 1 || n < 1u + p[0])
		return R_NEED;
	st->ntypes = p[0] < VNC_TYPES_MAX ? p[0] : VNC_TYPES_MAX;
	memcpy(st->types, p + 1, st->ntypes);
	*used = 1u + p[0];
	return R_OK;
}

/* ServerInit: width, height, PIXEL_FORMAT (16), name-length, name. */
static int srv_init(struct vnc_state *st, const uint8_t *p, size_t n)
{
	if (n < 24)
		return R_NEED;
	uint32_t len = be32(p + 20);
	size_t keep = len < VNC_NAME_MAX ? len : VNC_NAME_MAX;
	if (n < 24 + keep)
		return R_NEED;
	st->width = (uint16_t)(p[0] << 8 | p[1]);
	st->height = (uint16_t)(p[2] << 8 | p[3]);
	for (size_t i = 0; i < keep; i++)
		st->name[i] = p[24 + i] < 0x20 || p[24 + i] == 0x7f ? '?' : (char)p[24 + i];
	st->name[keep] = '\0';
	st->has_init = true;
	return R_OK;
}

/* Whether a SecurityResult follows the chosen type (§7.1.3): always in
 * 3.8; in 3.7 and 3.3 not after None. */
static bool result_expected(const struct vnc_state *st)
{
	return st->minor == 8 || st->chosen != SEC_NONE;
}

/* One step of the server stream; *used bytes are consumed on R_OK. */
static int srv_step(struct vnc_state *st, struct vnc_side *s, size_t *used)
{
	const uint8_t *p = s->buf;
	size_t n = s->len;
	switch (s->stage) {
	case S_VER:
		if (n < 12)
			return R_NEED;
		if (!banner_ok(p, 12))
			return R_BAD;
		take_banner(st, 0, p);
		*used = 12;
		return R_OK;
	case S_SEC:
		if (!st->ver[1][0])
			return R_NEED; /* the client's version decides the form */
		return srv_security(st, p, n, used);
	case S_CHALLENGE:
		if (!st->chosen_known)
			return R_NEED;
		if (st->chosen != SEC_NONE && st->chosen != SEC_VNC)
			s->stage = S_END - 1; /* its own exchange follows: not read */
		*used = st->chosen == SEC_VNC ? 16 : 0;
		return n >= *used ? R_OK : R_NEED;
	case S_RESULT:
		if (!result_expected(st)) {
			*used = 0;
			st->result_ok = true;
			return R_OK;
		}
		if (n < 4)
			return R_NEED;
		st->result_known = true;
		st->result_ok = be32(p) == 0;
		*used = 4;
		return R_OK;
	default:
		*used = 0;
		return srv_init(st, p, n);
	}
}

/* The type-specific exchange of types other than None and VNC
 * Authentication is not followed: the server stream stops after Security. */
static void srv_advance(struct vnc_state *st, struct vnc_side *s)
{
	s->stage++;
	if (s->stage == S_INIT && !st->result_ok)
		s->stage = S_END;
	if (s->stage == S_SEC + 1 && st->minor != 3 && st->ntypes == 0)
		s->stage = S_END; /* count 0: failure reason follows */
}

static int cli_step(struct vnc_state *st, struct vnc_side *s, size_t *used)
{
	const uint8_t *p = s->buf;
	size_t n = s->len;
	switch (s->stage) {
	case C_VER:
		if (n < 12)
			return R_NEED;
		if (!banner_ok(p, 12))
			return R_BAD;
		take_banner(st, 1, p);
		if (st->ver[0][0])
			st->minor = effective_minor(st->ver[0], st->ver[1]);
		*used = 12;
		return R_OK;
	case C_CHOICE:
		if (!st->minor)
			return R_NEED;
		*used = st->minor == 3 ? 0 : 1;
		if (n < *used)
			return R_NEED;
		if (*used) {
			st->chosen = p[0];
			st->chosen_known = true;
		}
		return R_OK;
	case C_RESPONSE:
		if (!st->chosen_known)
			return R_NEED;
		if (st->chosen != SEC_NONE && st->chosen != SEC_VNC)
			s->stage = C_END - 1;
		*used = st->chosen == SEC_VNC ? 16 : 0;
		return n >= *used ? R_OK : R_NEED;
	default:
		*used = 1; /* ClientInit: shared-flag */
		return n >= 1 ? R_OK : R_NEED;
	}
}

/* Run both streams as far as their bytes and each other's progress allow. */
static int parse(struct vnc_state *st)
{
	bool progress = true;
	while (progress) {
		progress = false;
		for (int role = 0; role < 2; role++) {
			struct vnc_side *s = &st->side[role];
			size_t used = 0;
			if (s->stage == (role ? C_END : S_END))
				continue;
			int r = role ? cli_step(st, s, &used) : srv_step(st, s, &used);
			if (r == R_BAD)
				return R_BAD;
			if (r == R_NEED)
				continue;
			memmove(s->buf, s->buf + used, s->len - used);
			s->len = (uint16_t)(s->len - used);
			if (role)
				s->stage++;
			else
				srv_advance(st, s);
			progress = true;
		}
	}
	return R_OK;
}

struct deliver_ctx {
	struct vnc_side *s;
};

static int deliver(void *ctx, const uint8_t *p, size_t n)
{
	struct vnc_side *s = ((struct deliver_ctx *)ctx)->s;
	size_t k = n < (size_t)(VNC_BUF - s->len) ? n : (size_t)(VNC_BUF - s->len);
	memcpy(s->buf + s->len, p, k);
	s->len = (uint16_t)(s->len + k);
	return 0;
}

/* The first bytes of a side: the server's banner is checked before it is
 * taken; a side that does not open with a banner is not RFB. */
static bool first_bytes_ok(struct vnc_state *st, const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (!st->srv_known) {
		if (!banner_ok(p->payload, p->payload_len))
			return false;
		st->srv_known = true;
		st->srv_dir = (uint8_t)pp->dir;
	}
	return true;
}

static enum sl_proto_verdict vnc_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct vnc_state *st = state;
	const struct sl_packet *p = pp->pkt;
	if (p->tcp_flags & SL_TCP_ACK && st->srv_known) /* where the peer's stream starts */
		sl_reasm_hint(&st->side[pp->dir != st->srv_dir ? 0 : 1].tcp, p->tcp_ack);
	if (!p->payload_len)
		return SL_PROTO_MORE;
	if (!first_bytes_ok(st, pp))
		return SL_PROTO_NOT_MINE;
	struct vnc_side *s = &st->side[pp->dir == st->srv_dir ? 0 : 1];
	struct deliver_ctx ctx = { s };
	if (sl_reasm_packet(&s->tcp, p->tcp_seq, p->payload, p->payload_len, true, deliver, &ctx,
			    &st->overflows) < 0 ||
	    parse(st) == R_BAD)
		return st->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	if (!st->identified && st->ver[0][0] && st->ver[1][0]) {
		st->identified = true;
		sl_app_identify(pp->flow, &sl_proto_vnc);
		sl_proto_claim_product(pp->flow, "vnc", "remote-access", SL_PROTO_BY_WIRE);
	}
	if (st->side[0].stage == S_END && st->side[1].stage == C_END)
		return SL_PROTO_DONE;
	return SL_PROTO_MORE;
}

static void vnc_inspect_end(void *state)
{
	struct vnc_state *st = state;
	sl_reasm_finish(&st->side[0].tcp);
	sl_reasm_finish(&st->side[1].tcp);
}

static const struct vnc_state *state_of(const struct sl_record *r)
{
	const struct vnc_state *st = sl_record_state(r, &sl_proto_vnc);
	return st && st->identified ? st : NULL;
}

/* IANA RFB security types (RFC 6143 §8.1.2 and the registry). */
static const char *sec_name(uint8_t t)
{
	switch (t) {
	case 0: return "invalid";
	case 1: return "none";
	case 2: return "vnc";
	case 5: return "ra2";
	case 6: return "ra2ne";
	case 16: return "tight";
	case 17: return "ultra";
	case 18: return "tls";
	case 19: return "vencrypt";
	case 20: return "sasl";
	case 21: return "md5";
	case 22: return "xvp";
	case 30: return "apple-dh";
	default: return NULL;
	}
}

static size_t put_type(char *out, size_t cap, size_t w, uint8_t t)
{
	const char *nm = sec_name(t);
	int k = nm ? snprintf(out + w, cap - w, "%s%s", w ? "," : "", nm)
		   : snprintf(out + w, cap - w, "%s%u", w ? "," : "", t);
	return k > 0 && (size_t)k < cap - w ? w + (size_t)k : w;
}

/* Computed fields: the security types are written by name, the result as a
 * word and "reverse" from which side spoke RFB first, not stored as such. */
static bool g_types(const struct sl_record *r, struct sl_value *v)
{
	const struct vnc_state *st = state_of(r);
	if (!st || !st->ntypes)
		return false;
	size_t w = 0;
	v->buf[0] = '\0';
	for (size_t i = 0; i < st->ntypes; i++)
		w = put_type(v->buf, sizeof(v->buf), w, st->types[i]);
	v->s = v->buf;
	return true;
}

/* Why computed: a security type number named, or written as a number. */
static bool g_type(const struct sl_record *r, struct sl_value *v)
{
	const struct vnc_state *st = state_of(r);
	if (!st || !st->chosen_known)
		return false;
	v->buf[0] = '\0';
	put_type(v->buf, sizeof(v->buf), 0, st->chosen);
	v->s = v->buf;
	return true;
}

/* Declared fields read the state once the flow is identified as RFB. */
#define AT_VNC SL_IN_STATE_IF(sl_proto_vnc, struct vnc_state, identified)

static const char *const result_names[] = { "failed", "ok" }; /* by result_ok */

static const struct sl_field fields[] = {
	SL_FIELD_STR("vnc.server_version", "RFB ProtocolVersion of the server, e.g. 003.008",
		     AT_VNC, struct vnc_state, ver[0], SL_WITH_STATE),
	SL_FIELD_STR("vnc.client_version", "RFB ProtocolVersion the client answered",
		     AT_VNC, struct vnc_state, ver[1], SL_WITH_STATE),
	{ "vnc.security_types", SL_FT_STRING, "security types the server offered (3.7+): none, vnc, ra2, tight, vencrypt, ... (comma-joined)", g_types },
	{ "vnc.security_type", SL_FT_STRING, "security type in use (the client's choice; the server's in 3.3)", g_type },
	SL_FIELD_ENUM("vnc.auth_result", "SecurityResult: ok or failed", AT_VNC, struct vnc_state, result_ok, result_names, SL_IF(struct vnc_state, result_known)),
	SL_FIELD_STR("vnc.desktop_name", "desktop name from ServerInit (None or VNC authentication only)",
		     AT_VNC, struct vnc_state, name, SL_IF(struct vnc_state, has_init)),
	SL_FIELD_U("vnc.width", "framebuffer width from ServerInit",
		   AT_VNC, struct vnc_state, width, SL_IF(struct vnc_state, has_init)),
	SL_FIELD_U("vnc.height", "framebuffer height from ServerInit",
		   AT_VNC, struct vnc_state, height, SL_IF(struct vnc_state, has_init)),
	SL_FIELD_EQ("vnc.reverse", "reverse connection: the RFB server opened the TCP connection", AT_VNC, struct vnc_state, srv_dir, SL_DIR_TOSERVER, SL_NONZERO),
};

static const struct sl_field_table vnc_fields = { "vnc", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_vnc = {
	.name = "vnc",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct vnc_state),
	.probe = vnc_probe,
	.packet = vnc_packet,
	.inspect_end = vnc_inspect_end,
	.release = vnc_inspect_end,
	.fields = &vnc_fields,
};
