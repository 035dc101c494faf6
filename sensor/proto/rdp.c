/* RDP over TCP on any port, also behind a SOCKS CONNECT: the client's X.224
 * Connection Request (cookie, RDP_NEG_REQ), the server's Connection Confirm
 * (RDP_NEG_RSP / RDP_NEG_FAILURE) and, under standard RDP security, the
 * Client Core Data of the MCS Connect Initial (keyboard layout, build, name).
 * Specs: RFC 1006 §6 (TPKT), ITU-T X.224 §13.3-13.4 (CR/CC TPDU),
 * [MS-RDPBCGR] 2.2.1.1-2.2.1.4 and 2.2.1.3.2 (TS_UD_CS_CORE), T.125 (MCS
 * Connect-Initial, BER), T.124 (GCC, h221 key "Duca"); SOCKS: RFC 1928,
 * RFC 1929 (user/password), SOCKS4/4a (Ying-Da Lee's protocol notes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"
#include "tcp_reasm.h"

#define RDP_BUF 2048        /* in-order bytes kept per side: CR/CC and the MCS Connect Initial */
#define RDP_COOKIE_MAX 64   /* longest cookie / routing token kept */
#define RDP_NAME_CHARS 16   /* clientName: 32 bytes of UTF-16LE */
#define TS_UD_CS_CORE 0xC001

extern const struct sl_proto sl_proto_rdp;

enum { R_NEED = 0, R_OK = 1, R_BAD = -1 }; /* parse results */

struct rdp_side {
	struct sl_reasm tcp;
	uint8_t *buf; /* first RDP_BUF in-order bytes, while still wanted */
	uint16_t len;
	uint16_t off; /* bytes already parsed */
	uint8_t stage;
};

enum c_stage { C_SOCKS, C_CR, C_MCS, C_END };
enum s_stage { S_SOCKS, S_CC, S_END };

struct rdp_state {
	struct rdp_side side[2];
	uint16_t overflows;
	bool via_socks, socks4;
	bool identified, cr_strong, cc_seen;
	bool has_req, has_sel, has_fail, has_core;
	uint8_t socks5_method;
	uint32_t requested, selected, fail_code;
	uint32_t kbd, build;
	char cookie[RDP_COOKIE_MAX + 1];
	char client_name[RDP_NAME_CHARS * 3 + 1];
};

/* Client's first bytes: a TPKT carrying an X.224 CR (03 00 .. .. LI E0), or
 * a SOCKS5 greeting (05 nmethods methods) / SOCKS4 CONNECT (04 01). */
static bool rdp_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (pp->dir != SL_DIR_TOSERVER || n < 2)
		return false;
	if (p[0] == 3 && p[1] == 0)
		return n < 6 || p[5] == 0xE0;
	if (pp->index > 4)
		return false;
	if (p[0] == 5)
		return p[1] >= 1 && p[1] <= 16 && n >= 2u + p[1];
	return p[0] == 4 && p[1] == 1 && n >= 9;
}

/* SOCKS5 address (RFC 1928 §5): ATYP, address, port. */
static int socks5_addr(struct sl_cursor *c)
{
	uint8_t atyp, l = 0;
	if (!sl_rd_u8(c, &atyp))
		return R_NEED;
	if (atyp == 3 && !sl_rd_u8(c, &l))
		return R_NEED;
	size_t n = atyp == 1 ? 4 : atyp == 4 ? 16 : atyp == 3 && l ? l : 0;
	if (!n)
		return R_BAD;
	return sl_rd_skip(c, n + 2) ? R_OK : R_NEED;
}

/* A NUL-terminated string of at most 255 bytes (SOCKS4 USERID, 4a host). */
static int socks4_str(struct sl_cursor *c)
{
	for (size_t i = 0; i < 256; i++) {
		uint8_t b;
		if (!sl_rd_u8(c, &b))
			return R_NEED;
		if (!b)
			return R_OK;
	}
	return R_BAD;
}

/* Client side of SOCKS: SOCKS4(a) CONNECT, or the SOCKS5 greeting, an
 * optional RFC 1929 user/password request and a CONNECT request. */
static int socks_client(struct rdp_state *st, struct sl_cursor *c)
{
	uint8_t ver, x, cmd, rsv;
	const uint8_t *ip;
	if (!sl_rd_u8(c, &ver) || !sl_rd_u8(c, &x))
		return R_NEED;
	if (ver == 4) {
		st->socks4 = true;
		if (x != 1)
			return R_BAD;
		if (!sl_rd_skip(c, 2) || !sl_rd_bytes(c, 4, &ip))
			return R_NEED;
		int r = socks4_str(c);
		if (r != R_OK || !(ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0))
			return r;
		return socks4_str(c);
	}
	if (ver != 5 || !x || !sl_rd_skip(c, x) || !sl_rd_u8(c, &ver))
		return x ? R_NEED : R_BAD;
	if (ver == 1) { /* RFC 1929: VER ULEN UNAME PLEN PASSWD */
		uint8_t ul, pl;
		if (!sl_rd_u8(c, &ul) || !sl_rd_skip(c, ul) || !sl_rd_u8(c, &pl) ||
		    !sl_rd_skip(c, pl) || !sl_rd_u8(c, &ver))
			return R_NEED;
	}
	if (ver != 5)
		return R_BAD;
	if (!sl_rd_u8(c, &cmd) || !sl_rd_u8(c, &rsv))
		return R_NEED;
	if (cmd != 1 || rsv != 0)
		return R_BAD;
	return socks5_addr(c);
}

/* Server side of SOCKS: the method choice, the user/password status when
 * method 2 was chosen, and a "succeeded" reply; SOCKS4: 00 5A port ip. */
static int socks_server(struct rdp_state *st, struct sl_cursor *c)
{
	uint8_t a, b, rsv;
	if (!sl_rd_u8(c, &a) || !sl_rd_u8(c, &b))
		return R_NEED;
	if (st->socks4)
		return a == 0 && b == 0x5A ? (sl_rd_skip(c, 6) ? R_OK : R_NEED) : R_BAD;
	if (a != 5 || b == 0xFF)
		return R_BAD;
	if (b == 2) {
		if (!sl_rd_u8(c, &a) || !sl_rd_u8(c, &b))
			return R_NEED;
		if (a != 1 || b != 0)
			return R_BAD;
	}
	if (!sl_rd_u8(c, &a) || !sl_rd_u8(c, &b) || !sl_rd_u8(c, &rsv))
		return R_NEED;
	if (a != 5 || b != 0 || rsv != 0)
		return R_BAD;
	return socks5_addr(c);
}

/* RFC 1006 TPKT header: version 3, reserved 0, length (header included);
 * the whole packet must be present.  *body is what follows the header. */
static int tpkt(struct sl_cursor *c, struct sl_cursor *body)
{
	uint8_t v, r;
	uint16_t len;
	if (!sl_rd_u8(c, &v) || !sl_rd_u8(c, &r) || !sl_rd_be16(c, &len))
		return R_NEED;
	if (v != 3 || r != 0 || len < 7)
		return R_BAD;
	return sl_rd_sub(c, len - 4u, body) ? R_OK : R_NEED;
}

/* X.224 CR/CC fixed part: LI (the rest of the TPDU), code, DST-REF,
 * SRC-REF, class 0 (RDP uses class 0 without options). */
static bool x224_fixed(struct sl_cursor *b, uint8_t code)
{
	uint8_t li, cd, cls;
	return sl_rd_u8(b, &li) && li == sl_cursor_left(b) && li >= 6 && sl_rd_u8(b, &cd) &&
	       cd == code && sl_rd_skip(b, 4) && sl_rd_u8(b, &cls) && (cls & 0xF0) == 0;
}

/* [MS-RDPBCGR] 2.2.1.1: "Cookie: mstshash=NAME" or a routing token
 * "Cookie: msts=..." ending in CR LF; printable characters only. */
static bool cr_cookie(struct rdp_state *st, struct sl_cursor *b)
{
	const uint8_t *p = b->p;
	size_t n = sl_cursor_left(b);
	if (n < 10 || memcmp(p, "Cookie: ", 8) != 0)
		return n == 0 || p[0] == 1;
	for (size_t i = 8; i + 1 < n; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n') {
			size_t k = i - 8 < RDP_COOKIE_MAX ? i - 8 : RDP_COOKIE_MAX;
			memcpy(st->cookie, p + 8, k);
			st->cookie[k] = '\0';
			return sl_rd_skip(b, i + 2);
		}
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	}
	return false;
}

/* RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE share one layout: type,
 * flags, length 8 (little-endian), a 32-bit value.  A CR may carry an
 * RDP_NEG_CORRELATION_INFO (type 6, 36 bytes) after its request. */
static bool neg_block(struct sl_cursor *b, uint8_t want, uint32_t *val, bool *present)
{
	uint8_t type, flags;
	uint16_t len;
	if (!sl_cursor_left(b))
		return true;
	if (!sl_rd_u8(b, &type) || !sl_rd_u8(b, &flags) || !sl_rd_le16(b, &len) || len != 8 ||
	    !sl_rd_le32(b, val))
		return false;
	*present = type == want;
	return *present;
}

static int parse_cr(struct rdp_state *st, struct sl_cursor *c)
{
	struct sl_cursor b;
	int r = tpkt(c, &b);
	if (r != R_OK)
		return r;
	if (!x224_fixed(&b, 0xE0) || !cr_cookie(st, &b) ||
	    !neg_block(&b, 1, &st->requested, &st->has_req))
		return R_BAD;
	if (sl_cursor_left(&b) && !(sl_cursor_left(&b) == 36 && b.p[0] == 6))
		return R_BAD;
	st->cr_strong = st->cookie[0] || st->has_req;
	return R_OK;
}

static int parse_cc(struct rdp_state *st, struct sl_cursor *c)
{
	struct sl_cursor b;
	int r = tpkt(c, &b);
	if (r != R_OK)
		return r;
	if (!x224_fixed(&b, 0xD0))
		return R_BAD;
	if (sl_cursor_left(&b) == 8 && b.p[0] == 3)
		return neg_block(&b, 3, &st->fail_code, &st->has_fail) ? R_OK : R_BAD;
	return neg_block(&b, 2, &st->selected, &st->has_sel) && !sl_cursor_left(&b) ? R_OK
										   : R_BAD;
}

/* BER tag and definite length (T.125 is BER-encoded). */
static bool ber_tl(struct sl_cursor *c, uint8_t tag, uint32_t *len)
{
	uint8_t t, l, x;
	if (!sl_rd_u8(c, &t) || t != tag || !sl_rd_u8(c, &l))
		return false;
	*len = l;
	if (l < 0x80)
		return true;
	if (l < 0x81 || l > 0x82)
		return false;
	*len = 0;
	for (uint8_t i = 0; i < (l & 0x7F); i++) {
		if (!sl_rd_u8(c, &x))
			return false;
		*len = *len << 8 | x;
	}
	return true;
}

/* UTF-16LE (BMP) to UTF-8 up to the first NUL; other code units become '?'. */
static void utf16_name(char *out, const uint8_t *p, size_t chars)
{
	size_t w = 0;
	for (size_t i = 0; i < chars; i++) {
		unsigned u = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
		if (!u)
			break;
		if (u < 0x20 || u == 0x7f || (u >= 0xD800 && u < 0xE000)) {
			out[w++] = '?';
		} else if (u < 0x80) {
			out[w++] = (char)u;
		} else if (u < 0x800) {
			out[w++] = (char)(0xC0 | u >> 6);
			out[w++] = (char)(0x80 | (u & 0x3F));
		} else {
			out[w++] = (char)(0xE0 | u >> 12);
			out[w++] = (char)(0x80 | ((u >> 6) & 0x3F));
			out[w++] = (char)(0x80 | (u & 0x3F));
		}
	}
	out[w] = '\0';
}

/* GCC Conference Create Request user data: after the h221 key "Duca"
 * (client to server) and a PER length come TS_UD blocks; the first is
 * normally TS_UD_CS_CORE ([MS-RDPBCGR] 2.2.1.3.2): header, version,
 * desktop width/height, colorDepth, SASSequence, keyboardLayout,
 * clientBuild, clientName[32]. */
static void core_data(struct rdp_state *st, const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i + 4 <= n && i < 64 && memcmp(p + i, "Duca", 4) != 0)
		i++;
	if (i + 4 > n || i >= 64)
		return;
	struct sl_cursor c = sl_cursor_make(p + i + 4, n - i - 4);
	uint8_t l;
	uint16_t type, blen, w, h;
	uint32_t ver;
	const uint8_t *name;
	if (!sl_rd_u8(&c, &l) || ((l & 0x80) && !sl_rd_skip(&c, 1)))
		return;
	if (!sl_rd_le16(&c, &type) || type != TS_UD_CS_CORE || !sl_rd_le16(&c, &blen) ||
	    blen < 132 || !sl_rd_le32(&c, &ver) || !sl_rd_le16(&c, &w) || !sl_rd_le16(&c, &h) ||
	    !sl_rd_skip(&c, 4) || !sl_rd_le32(&c, &st->kbd) || !sl_rd_le32(&c, &st->build) ||
	    !sl_rd_bytes(&c, 32, &name))
		return;
	utf16_name(st->client_name, name, RDP_NAME_CHARS);
	st->has_core = true;
}

/* Standard RDP security: the client's next TPKT is an X.224 Data TPDU
 * (02 F0 80) carrying the MCS Connect-Initial (BER application 101):
 * calling/called domain selectors, upward flag, three domain parameter
 * sequences, then userData (the GCC Conference Create Request). */
static int parse_mcs(struct rdp_state *st, struct sl_cursor *c)
{
	struct sl_cursor b;
	int r = tpkt(c, &b);
	if (r != R_OK)
		return r;
	static const uint8_t tags[6] = { 0x04, 0x04, 0x01, 0x30, 0x30, 0x30 };
	uint8_t dt[3];
	uint32_t len;
	if (!sl_rd_u8(&b, &dt[0]) || !sl_rd_u8(&b, &dt[1]) || !sl_rd_u8(&b, &dt[2]) ||
	    dt[0] != 2 || dt[1] != 0xF0 || !(dt[2] & 0x80) || !sl_rd_u8(&b, &dt[0]) ||
	    dt[0] != 0x7F || !ber_tl(&b, 0x65, &len))
		return R_BAD;
	for (size_t i = 0; i < 6; i++)
		if (!ber_tl(&b, tags[i], &len) || !sl_rd_skip(&b, len))
			return R_BAD;
	if (!ber_tl(&b, 0x04, &len) || len > sl_cursor_left(&b))
		return R_BAD;
	core_data(st, b.p, len);
	return R_OK;
}

static void identify(struct rdp_state *st, struct sl_flow *f)
{
	if (st->identified)
		return;
	st->identified = true;
	sl_app_identify(f, &sl_proto_rdp);
	sl_proto_claim_product(f, "rdp", "remote-access", SL_PROTO_BY_WIRE);
}

/* Parse what the client's buffer holds, stage by stage. */
static int client_parse(struct rdp_state *st, struct rdp_side *s, struct sl_flow *f)
{
	for (;;) {
		struct sl_cursor c = sl_cursor_make(s->buf + s->off, s->len - s->off);
		int r;
		if (s->stage == C_SOCKS) {
			if (sl_cursor_left(&c) && s->buf[s->off] == 3) {
				s->stage = C_CR;
				continue;
			}
			st->via_socks = true;
			r = socks_client(st, &c);
		} else if (s->stage == C_CR) {
			r = parse_cr(st, &c);
			if (r == R_OK && st->cr_strong)
				identify(st, f);
		} else if (s->stage == C_MCS) {
			r = st->cc_seen ? parse_mcs(st, &c) : R_NEED;
		} else {
			return R_OK;
		}
		if (r != R_OK)
			return r;
		s->off = (uint16_t)(s->len - sl_cursor_left(&c));
		s->stage++;
	}
}

static int server_parse(struct rdp_state *st, struct rdp_side *s, struct sl_flow *f)
{
	while (s->stage != S_END) {
		struct sl_cursor c = sl_cursor_make(s->buf + s->off, s->len - s->off);
		int r;
		if (s->stage == S_SOCKS && !st->via_socks) {
			s->stage = S_CC;
			continue;
		}
		r = s->stage == S_SOCKS ? socks_server(st, &c) : parse_cc(st, &c);
		if (r != R_OK)
			return r;
		if (s->stage == S_CC) {
			st->cc_seen = true;
			identify(st, f);
		}
		s->off = (uint16_t)(s->len - sl_cursor_left(&c));
		s->stage++;
	}
	return R_OK;
}

struct deliver_ctx {
	struct rdp_state *st;
	enum sl_dir dir;
};

/* In-order bytes: append to the side's buffer (bounded). */
static int deliver(void *ctx, const uint8_t *p, size_t n)
{
	struct deliver_ctx *d = ctx;
	struct rdp_side *s = &d->st->side[d->dir];
	if (!s->buf && !(s->buf = malloc(RDP_BUF)))
		return -1;
	size_t k = n < (size_t)(RDP_BUF - s->len) ? n : (size_t)(RDP_BUF - s->len);
	memcpy(s->buf + s->len, p, k);
	s->len = (uint16_t)(s->len + k);
	return 0;
}

static void side_free(struct rdp_side *s)
{
	free(s->buf);
	s->buf = NULL;
	sl_reasm_finish(&s->tcp);
}

/* The client needs its MCS Connect Initial only under standard RDP
 * security (no negotiation, or protocol 0 selected). */
static bool want_mcs(const struct rdp_state *st)
{
	return !st->has_fail && (!st->has_sel || st->selected == 0);
}

/* Parse the side's buffer; a buffer full without a complete message is
 * not RDP (or not worth more). */
static int rdp_parse(struct rdp_state *st, struct rdp_side *s, const struct sl_proto_pkt *pp)
{
	int r = pp->dir == SL_DIR_TOSERVER ? client_parse(st, s, pp->flow)
					   : server_parse(st, s, pp->flow);
	return r == R_NEED && s->len == RDP_BUF ? R_BAD : r;
}

/* Done once the server confirmed and the client has nothing more to
 * tell: its Connect Initial was read, or it will be encrypted. */
static enum sl_proto_verdict verdict(const struct rdp_state *st)
{
	const struct rdp_side *c = &st->side[SL_DIR_TOSERVER];
	if (st->cc_seen && (c->stage == C_END || (c->stage == C_MCS && !want_mcs(st))))
		return SL_PROTO_DONE;
	return SL_PROTO_MORE;
}

static enum sl_proto_verdict rdp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct rdp_state *st = state;
	struct rdp_side *s = &st->side[pp->dir];
	const struct sl_packet *p = pp->pkt;
	struct deliver_ctx ctx = { st, pp->dir };
	if (p->tcp_flags & SL_TCP_ACK)
		sl_reasm_hint(&st->side[!pp->dir].tcp, p->tcp_ack);
	bool over = s->stage == (pp->dir == SL_DIR_TOSERVER ? C_END : S_END);
	if (p->payload_len && !over) {
		if (sl_reasm_packet(&s->tcp, p->tcp_seq, p->payload, p->payload_len, true, deliver,
				    &ctx, &st->overflows) < 0)
			return st->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
		if (s->buf && rdp_parse(st, s, pp) == R_BAD)
			return st->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	}
	return verdict(st);
}

static void rdp_inspect_end(void *state)
{
	struct rdp_state *st = state;
	side_free(&st->side[0]);
	side_free(&st->side[1]);
}

static const struct rdp_state *state_of(const struct sl_record *r)
{
	const struct rdp_state *st = sl_record_state(r, &sl_proto_rdp);
	return st && st->identified ? st : NULL;
}

/* [MS-RDPBCGR] 2.2.1.1.1 requestedProtocols / selectedProtocol bits. */
static const char *const proto_names[] = { "ssl", "hybrid", "rdstls", "hybrid_ex", "rdsaad" };

static void protocols_str(uint32_t v, char *out, size_t cap)
{
	size_t w = 0;
	out[0] = '\0';
	if (!v) {
		snprintf(out, cap, "rdp");
		return;
	}
	for (unsigned i = 0; i < 32; i++) {
		if (!(v & (1u << i)))
			continue;
		int k = i < ARRAY_SIZE(proto_names)
				? snprintf(out + w, cap - w, "%s%s", w ? "," : "", proto_names[i])
				: snprintf(out + w, cap - w, "%s0x%x", w ? "," : "", 1u << i);
		if (k < 0 || (size_t)k >= cap - w)
			return;
		w += (size_t)k;
	}
}

/* Why computed: protocol bits named and comma-joined. */
static bool g_req(const struct sl_record *r, struct sl_value *v)
{
	const struct rdp_state *st = state_of(r);
	if (!st || !st->has_req)
		return false;
	protocols_str(st->requested, v->buf, sizeof(v->buf));
	v->s = v->buf;
	return true;
}

/* Why computed: one protocol bit named, absent when several are set. */
static bool g_sel(const struct sl_record *r, struct sl_value *v)
{
	const struct rdp_state *st = state_of(r);
	if (!st || !st->has_sel || (st->selected & (st->selected - 1)))
		return false;
	protocols_str(st->selected, v->buf, sizeof(v->buf));
	v->s = v->buf;
	return true;
}

/* A language hint: the LANGID (low 16 bits) of the keyboard layout. */
static const char *kbd_name(uint32_t kbd)
{
	static const struct {
		uint16_t id;
		const char *name;
	} names[] = {
		{ 0x0409, "en-US" }, { 0x0809, "en-GB" }, { 0x0407, "de-DE" }, { 0x040C, "fr-FR" },
		{ 0x0410, "it-IT" }, { 0x0C0A, "es-ES" }, { 0x040A, "es-ES" }, { 0x080A, "es-MX" },
		{ 0x0416, "pt-BR" }, { 0x0816, "pt-PT" }, { 0x0413, "nl-NL" }, { 0x0415, "pl-PL" },
		{ 0x0419, "ru-RU" }, { 0x0422, "uk-UA" }, { 0x041F, "tr-TR" }, { 0x0411, "ja-JP" },
		{ 0x0412, "ko-KR" }, { 0x0804, "zh-CN" }, { 0x0404, "zh-TW" }, { 0x0439, "hi-IN" },
		{ 0x042A, "vi-VN" }, { 0x041E, "th-TH" }, { 0x0401, "ar-SA" }, { 0x040D, "he-IL" },
		{ 0x0429, "fa-IR" }, { 0x041D, "sv-SE" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].id == (kbd & 0xFFFF))
			return names[i].name;
	return NULL;
}

/* Why computed: a search of the language-id table. */
static bool g_kbd_name(const struct sl_record *r, struct sl_value *v)
{
	const struct rdp_state *st = state_of(r);
	v->s = st && st->has_core ? kbd_name(st->kbd) : NULL;
	return v->s != NULL;
}

/* Declared fields read the state once identified is set. */
#define AT_RDP SL_IN_STATE_IF(sl_proto_rdp, struct rdp_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("rdp.cookie", "X.224 Connection Request cookie or routing token, e.g. mstshash=NAME",
	             AT_RDP, struct rdp_state, cookie, SL_NONZERO),
	{ "rdp.requested_protocols", SL_FT_STRING, "RDP_NEG_REQ protocols: rdp, ssl, hybrid, rdstls, hybrid_ex, rdsaad (comma-joined)", g_req },
	{ "rdp.selected_protocol", SL_FT_STRING, "protocol the server selected in RDP_NEG_RSP", g_sel },
	SL_FIELD_U("rdp.negotiation_failure", "RDP_NEG_FAILURE failureCode from the server",
	           AT_RDP, struct rdp_state, fail_code, SL_IF(struct rdp_state, has_fail)),
	SL_FIELD_HEXNUM("rdp.keyboard_layout", "client keyboard layout (hex), standard RDP security only", AT_RDP, struct rdp_state, kbd, 8, "0x", SL_IF(struct rdp_state, has_core)),
	{ "rdp.keyboard_layout_name", SL_FT_STRING, "locale of the keyboard layout's language id, e.g. ko-KR", g_kbd_name },
	SL_FIELD_U("rdp.client_build", "client build number from the Client Core Data",
	           AT_RDP, struct rdp_state, build, SL_IF(struct rdp_state, has_core)),
	SL_FIELD_STR("rdp.client_name", "client computer name from the Client Core Data",
	             AT_RDP, struct rdp_state, client_name, SL_IF_NONZERO(struct rdp_state, has_core)),
	SL_FIELD_BOOL("rdp.via_socks", "the RDP connection followed a SOCKS4/5 CONNECT in the same flow",
	              AT_RDP, struct rdp_state, via_socks, SL_NONZERO),
};

static const struct sl_field_table rdp_fields = { "rdp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_rdp = {
	.name = "rdp",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct rdp_state),
	.probe = rdp_probe,
	.packet = rdp_packet,
	.inspect_end = rdp_inspect_end,
	.release = rdp_inspect_end,
	.fields = &rdp_fields,
};
