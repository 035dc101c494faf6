/* TCP/IP stack facts of both sides of the handshake (the client's SYN, the
 * server's SYN/ACK), the link MTU implied by the SYN's MSS, and the handshake
 * legs as the sensor sees them.  Specs: RFC 9293 (TCP header and options,
 * §3.1, §3.7.1 MSS), RFC 7323 (window scale, timestamps), RFC 2018 (SACK
 * permitted), RFC 791 (IPv4 TTL, DF, ID, options), RFC 8200 (IPv6 hop limit,
 * extension headers), RFC 6691 (MSS = MTU minus fixed IP and TCP headers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"

extern const struct sl_proto sl_proto_tcp;

/*
 * Option kinds are kept as a nibble stream: the kinds below take one nibble,
 * any other kind takes three (OPT_ESC, then its value).  A 40-byte option
 * area holds at most 40 kinds; 44 nibbles keep all 40 when they are common
 * (NOP/EOL/padding included), and a list heavy in unusual kinds that does
 * not fit is cut and rendered with a trailing "-...".
 */
#define OPT_KINDS_MAX 40
#define OPT_NIBBLES 44
#define OPT_ESC 15
/* Longest rendering: 40 kinds of up to "254-", plus "-..." and NUL. */
#define OPT_STR_MAX (OPT_KINDS_MAX * 4 + 8)

static const uint8_t common_kinds[OPT_ESC] = {
	0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 172, 253, 254,
};

/* Bits of struct side.bits. */
enum {
	S_SEEN = 0x01,  /* this side's SYN (SYN/ACK) was recorded */
	S_DF = 0x02,    /* IPv4 don't fragment */
	S_MSS = 0x04,   /* MSS option present (value in mss) */
	S_WS = 0x08,    /* window-scale option present (value in wscale) */
	S_SACK = 0x10,  /* SACK permitted */
	S_TS = 0x20,    /* timestamps option */
	S_IPOPT = 0x40, /* IPv4 options or IPv6 extension headers */
	S_CUT = 0x80,   /* option list did not fit the nibble store */
};

/* Bits of struct tcp_state.flags. */
enum {
	F_SERVER_LEG = 0x01, /* server_us measured */
	F_CLIENT_LEG = 0x02, /* client_us measured */
	F_SYNACK_T = 0x04,   /* synack_off_us holds the SYN/ACK time */
	F_SIMOPEN = 0x08,    /* simultaneous open: both sides sent a bare SYN */
};

/* What one handshake packet says about its sender's stack: 32 bytes. */
struct side {
	uint16_t window, mss, ip_id;
	uint8_t ttl, wscale;
	uint8_t bits;                 /* S_* */
	uint8_t nnib;                 /* nibbles used in opt */
	uint8_t opt[OPT_NIBBLES / 2]; /* option kinds, high nibble first */
};

/*
 * Per-flow state, allocated for every TCP flow that shows a SYN or SYN/ACK,
 * so a SYN flood costs this much per flow and no more: times are kept as one
 * absolute stamp and 32-bit microsecond offsets (71 minutes, far beyond any
 * handshake).
 */
struct tcp_state {
	sl_time_us t_syn;        /* last SYN before the SYN/ACK (or the SYN/ACK when no SYN) */
	uint32_t syn_seq;        /* that SYN's sequence number */
	uint32_t synack_seq;     /* the server's ISN */
	uint32_t server_us;      /* SYN -> SYN/ACK */
	uint32_t synack_off_us;  /* last SYN/ACK, relative to t_syn */
	uint32_t client_us;      /* SYN/ACK -> ACK */
	uint8_t flags;           /* F_* */
	struct side syn, synack;
};

_Static_assert(sizeof(struct tcp_state) <= 96, "TCP state must stay small: one per SYN");

_Static_assert(OPT_STR_MAX <= sizeof(((struct sl_value *)0)->buf), "options render in sl_value");

static void put_nib(struct side *sd, unsigned v)
{
	unsigned i = sd->nnib++;
	sd->opt[i / 2] |= (uint8_t)((i & 1) ? v : v << 4);
}

static unsigned get_nib(const struct side *sd, unsigned i)
{
	return (i & 1) ? sd->opt[i / 2] & 0x0f : sd->opt[i / 2] >> 4;
}

/* Append one kind; false (and S_CUT) when the store is full. */
static bool put_kind(struct side *sd, uint8_t kind)
{
	int code = -1;
	for (int i = 0; i < OPT_ESC && code < 0; i++)
		if (common_kinds[i] == kind)
			code = i;
	unsigned need = code < 0 ? 3 : 1;
	if (sd->nnib + need > OPT_NIBBLES) {
		sd->bits |= S_CUT;
		return false;
	}
	if (code >= 0) {
		put_nib(sd, (unsigned)code);
	} else {
		put_nib(sd, OPT_ESC);
		put_nib(sd, kind >> 4);
		put_nib(sd, kind & 0x0f);
	}
	return true;
}

/* The values sightline keeps: MSS, window scale, SACK-permitted and
 * timestamps, each only with its specified length (RFC 9293, 7323, 2018). */
static void option_value(struct side *sd, uint8_t kind, struct sl_cursor body, size_t len)
{
	if (kind == 2 && len == 2 && sl_rd_be16(&body, &sd->mss))
		sd->bits |= S_MSS;
	else if (kind == 3 && len == 1 && sl_rd_u8(&body, &sd->wscale))
		sd->bits |= S_WS;
	else if (kind == 4 && len == 0)
		sd->bits |= S_SACK;
	else if (kind == 8 && len == 8)
		sd->bits |= S_TS;
}

/*
 * Walk the option area (RFC 9293 §3.1): EOL (0) and NOP (1) are one byte,
 * every other kind has a length byte that counts the kind and itself.  Every
 * kind is listed in wire order; after EOL the rest of the area is padding,
 * and each padding byte is listed as well (normally "0"), because how much
 * padding a stack leaves differs between stacks.  A length below 2 or past
 * the area ends the walk once that kind is listed.
 */
static void parse_options(struct side *sd, const uint8_t *opts, size_t len)
{
	if (!opts || !len)
		return;
	struct sl_cursor c = sl_cursor_make(opts, len);
	bool eol = false;
	uint8_t kind, olen;
	for (unsigned n = 0; n < OPT_KINDS_MAX && sl_rd_u8(&c, &kind); n++) {
		if (!put_kind(sd, kind))
			return;
		if (eol || kind <= 1) {
			eol |= kind == 0;
			continue;
		}
		if (!sl_rd_u8(&c, &olen) || olen < 2 || sl_cursor_left(&c) < (size_t)olen - 2)
			return;
		option_value(sd, kind, sl_cursor_make(c.p, (size_t)olen - 2), (size_t)olen - 2);
		sl_rd_skip(&c, (size_t)olen - 2);
	}
	if (sl_cursor_left(&c))
		sd->bits |= S_CUT;
}

/* IPv4 options or IPv6 extension headers lie between the fixed IP header
 * and the transport header the decoder found: no packet byte is read. */
static bool ip_options_present(const struct sl_packet *p)
{
	if (!p->l3 || !p->l4 || p->l4 <= p->l3)
		return false;
	size_t hlen = (size_t)(p->l4 - p->l3);
	return hlen > (p->ip_version == 6 ? 40u : 20u);
}

static void record_side(struct side *sd, const struct sl_packet *p)
{
	memset(sd, 0, sizeof(*sd));
	sd->bits = S_SEEN;
	sd->ttl = p->ttl;
	sd->window = p->tcp_window;
	if (p->ip_version == 4) {
		sd->ip_id = p->ip_id;
		if (p->df)
			sd->bits |= S_DF;
	}
	if (ip_options_present(p))
		sd->bits |= S_IPOPT;
	parse_options(sd, p->tcp_opts, p->tcp_opts_len);
}

/* to - from in microseconds, when it is not negative and fits 32 bits. */
static bool delta_us(sl_time_us from, sl_time_us to, uint32_t *out)
{
	if (to < from || to - from > UINT32_MAX)
		return false;
	*out = (uint32_t)(to - from);
	return true;
}

/*
 * The client's SYN.  A retransmitted SYN replaces the earlier one, facts and
 * time: a retransmission means the earlier SYN, or its SYN/ACK, was lost, so
 * the SYN/ACK that finally comes answers the last SYN, and timing from the
 * first would add the retransmission timeout (1 s, then 2 s, ...) to the
 * server leg.  The leg is too short only when the SYN/ACK to an earlier SYN
 * was merely delayed past that timeout; the SYN/ACK must also acknowledge
 * the last SYN's sequence number.  A bare SYN from the server's side is a
 * simultaneous open (RFC 9293 §3.5): no client/server legs exist then.
 */
static enum sl_proto_verdict on_syn(struct tcp_state *s, const struct sl_proto_pkt *pp)
{
	if (pp->dir == SL_DIR_TOCLIENT) {
		s->flags |= F_SIMOPEN;
		return SL_PROTO_DONE;
	}
	if (s->synack.bits & S_SEEN)
		return SL_PROTO_MORE; /* crossed the SYN/ACK; the ACK is still to come */
	record_side(&s->syn, pp->pkt);
	s->t_syn = pp->pkt->ts;
	s->syn_seq = pp->pkt->tcp_seq;
	return SL_PROTO_MORE;
}

/*
 * The server's SYN/ACK.  The first one gives the server's facts and ends the
 * server leg (when it acknowledges the last SYN).  A retransmitted SYN/ACK
 * (same ISN) moves the start of the client leg: the client's ACK answers the
 * last one that reached it.  A flow first seen at its SYN/ACK still gets the
 * server's facts and the client leg.
 */
static enum sl_proto_verdict on_synack(struct tcp_state *s, const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (pp->dir != SL_DIR_TOCLIENT)
		return SL_PROTO_MORE;
	if (!(s->synack.bits & S_SEEN)) {
		record_side(&s->synack, p);
		s->synack_seq = p->tcp_seq;
		if (!(s->syn.bits & S_SEEN))
			s->t_syn = p->ts;
		else if (p->tcp_ack == s->syn_seq + 1 && delta_us(s->t_syn, p->ts, &s->server_us))
			s->flags |= F_SERVER_LEG;
	} else if (p->tcp_seq != s->synack_seq) {
		return SL_PROTO_MORE;
	}
	s->flags &= (uint8_t)~F_SYNACK_T;
	if (delta_us(s->t_syn, p->ts, &s->synack_off_us))
		s->flags |= F_SYNACK_T;
	return SL_PROTO_MORE;
}

/*
 * A client segment after the SYN/ACK.  The handshake's own ACK is a bare
 * acknowledgement of the server's ISN + 1; it ends the client leg.  A client
 * segment that carries data, or acknowledges more than the SYN/ACK, means
 * that ACK was missed (or piggybacked): its time would include the
 * application's think time, so the leg is left unmeasured.
 */
static enum sl_proto_verdict on_client_ack(struct tcp_state *s, const struct sl_packet *p)
{
	if (!(s->synack.bits & S_SEEN))
		return SL_PROTO_MORE;
	int32_t d = (int32_t)(p->tcp_ack - (s->synack_seq + 1));
	if (d < 0)
		return SL_PROTO_MORE; /* an old or unrelated acknowledgement */
	if (d == 0 && !p->payload_len && (s->flags & F_SYNACK_T) &&
	    delta_us(s->t_syn + s->synack_off_us, p->ts, &s->client_us))
		s->flags |= F_CLIENT_LEG;
	return SL_PROTO_DONE;
}

bool sl_tcp_client_isn(const struct sl_flow *f, uint32_t *isn)
{
	const struct tcp_state *s = sl_flow_state(f, &sl_proto_tcp);
	if (!s || !(s->syn.bits & S_SEEN) || (s->flags & F_SIMOPEN))
		return false;
	*isn = s->syn_seq;
	return true;
}

/* Any SYN (SYN or SYN/ACK) starts the handshake this module measures. */
static bool tcp_probe(const struct sl_proto_pkt *pp)
{
	return (pp->pkt->tcp_flags & SL_TCP_SYN) != 0;
}

static enum sl_proto_verdict tcp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct tcp_state *s = state;
	uint8_t fl = pp->pkt->tcp_flags;
	if (fl & (SL_TCP_RST | SL_TCP_FIN))
		return SL_PROTO_DONE; /* the handshake is over, complete or not */
	if ((fl & SL_TCP_SYN) && !(fl & SL_TCP_ACK))
		return on_syn(s, pp);
	if (fl & SL_TCP_SYN)
		return on_synack(s, pp);
	if (pp->dir == SL_DIR_TOSERVER && (fl & SL_TCP_ACK))
		return on_client_ack(s, pp->pkt);
	return SL_PROTO_MORE;
}

/* ---- link MTU from the SYN's MSS ---- */

/*
 * Link MTU = MSS + 40 (IPv4) or + 60 (IPv6): the fixed IP and TCP headers
 * (RFC 6691; p0f v3 does the same, MIN_TCP4/MIN_TCP6).  Labels by MTU:
 *  - p0f v3 p0f.fp, section [mtu] (Michal Zalewski, 2012): 576 and 1500
 *    "Ethernet or modem"; 1452, 1454, 1492 "DSL"; 1240, 1280 "GIF";
 *    1300, 1400, 1420, 1440, 1450, 1460 "generic tunnel or VPN"; 1476
 *    "IPSec or GRE"; 1480 "IPIP or SIT"; 1490 "PPTP"; 256 "AX.25 radio
 *    modem"; 552 "SLIP"; 1470 "Google"; 1496 "VLAN"; 1656 "Ericsson HIS
 *    modem"; 9000 "jumbo Ethernet"; 3924, 16384, 16436 "loopback".
 *  - The Fingerprints issue's MSS plateaus (IPv4 MSS, so MTU − 40): 1460
 *    Ethernet; 1452 PPPoE/DSL (MTU 1492); 1380 and 1360 typical WireGuard
 *    (MTU 1420, 1400: wg-quick's default 1420 and the common 1400); 1436
 *    IPsec or GRE (1476); 1440 IPIP/SIT (1480); 1450 PPTP (1490); and
 *    "generic tunnel or VPN" for any MTU in 1300–1460 (IPv4 MSS 1260–1420)
 *    that matches nothing more specific.
 * Where both name an MTU the more specific label wins (1500 is
 * "Ethernet", 1400/1420 "typical WireGuard", the DSL values "PPPoE/DSL").
 */
static const struct {
	uint16_t mtu;
	const char *label;
} mtu_table[] = {
	{ 1500, "Ethernet" },
	{ 1492, "PPPoE/DSL" },
	{ 1454, "PPPoE/DSL" },
	{ 1452, "PPPoE/DSL" },
	{ 1420, "typical WireGuard" },
	{ 1400, "typical WireGuard" },
	{ 1476, "IPsec or GRE" },
	{ 1480, "IPIP or SIT" },
	{ 1490, "PPTP" },
	{ 1470, "Google" },
	{ 1496, "VLAN" },
	{ 1240, "GIF" },
	{ 1280, "GIF" },
	{ 576, "modem" },
	{ 256, "AX.25 radio modem" },
	{ 552, "SLIP" },
	{ 1656, "Ericsson HIS modem" },
	{ 9000, "jumbo Ethernet" },
	{ 3924, "loopback" },
	{ 16384, "loopback" },
	{ 16436, "loopback" },
};

#define GENERIC_TUNNEL_MTU_MIN 1300
#define GENERIC_TUNNEL_MTU_MAX 1460

static const char *link_label(unsigned mtu)
{
	for (size_t i = 0; i < ARRAY_SIZE(mtu_table); i++)
		if (mtu_table[i].mtu == mtu)
			return mtu_table[i].label;
	if (mtu >= GENERIC_TUNNEL_MTU_MIN && mtu <= GENERIC_TUNNEL_MTU_MAX)
		return "generic tunnel or VPN";
	return NULL;
}

/* ---- field getters ---- */

static const struct tcp_state *state_of(const struct sl_record *r)
{
	return sl_record_state(r, &sl_proto_tcp);
}

static const struct side *side_of(const struct sl_record *r, bool synack)
{
	const struct tcp_state *s = state_of(r);
	const struct side *sd = s ? (synack ? &s->synack : &s->syn) : NULL;
	return sd && (sd->bits & S_SEEN) ? sd : NULL;
}

static unsigned initial_ttl(unsigned ttl)
{
	return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/* Render the kind list ("2-4-8-1-3") into dst, whole kinds only; a list
 * that was cut, or does not fit dst, ends in "-...". */
/* "-" (unless first) and kind in decimal into item; returns its length.
 * Written by hand: this runs for every option of every handshake at flow
 * end, and snprintf() cost more than the rest of the event. */
static int option_item(char *item, bool first, unsigned kind)
{
	char digits[3];
	int k = 0, nd = 0;
	if (!first)
		item[k++] = '-';
	do
		digits[nd++] = (char)('0' + kind % 10);
	while ((kind /= 10) && nd < 3);
	while (nd)
		item[k++] = digits[--nd];
	return k;
}

static void render_options(const struct side *sd, char *dst, size_t size)
{
	size_t n = 0;
	bool cut = (sd->bits & S_CUT) != 0;
	for (unsigned i = 0; i < sd->nnib;) {
		unsigned kind = get_nib(sd, i++);
		if (kind == OPT_ESC) {
			kind = (get_nib(sd, i) << 4) | get_nib(sd, i + 1);
			i += 2;
		} else {
			kind = common_kinds[kind];
		}
		char item[8];
		int k = option_item(item, n == 0, kind & 0xff);
		if (n + (size_t)k + sizeof("-...") > size) {
			cut = true;
			break;
		}
		memcpy(dst + n, item, (size_t)k);
		n += (size_t)k;
	}
	if (cut)
		n += (size_t)snprintf(dst + n, size - n, "%s...", n ? "-" : "");
	dst[n] = '\0';
}

static bool f_initial_ttl(const struct side *sd, const struct sl_record *r, struct sl_value *v)
{
	(void)r;
	v->u = initial_ttl(sd->ttl);
	return true;
}

static bool f_hops(const struct side *sd, const struct sl_record *r, struct sl_value *v)
{
	(void)r;
	v->u = initial_ttl(sd->ttl) - sd->ttl;
	return true;
}

static bool f_df(const struct side *sd, const struct sl_record *r, struct sl_value *v)
{
	v->b = (sd->bits & S_DF) != 0;
	return r->flow->cli.family == 4;
}

static bool f_ip_id(const struct side *sd, const struct sl_record *r, struct sl_value *v)
{
	v->u = sd->ip_id;
	return r->flow->cli.family == 4;
}

static bool f_options(const struct side *sd, const struct sl_record *r, struct sl_value *v)
{
	(void)r;
	render_options(sd, v->buf, OPT_STR_MAX);
	v->s = v->buf;
	return true;
}

/* g_syn_<name> and g_synack_<name> from f_<name>: the side's fields that
 * are computed (initial TTL and hops from the TTL, the IPv4-only ones, the
 * option list rendered); the rest are declared in SIDE_FIELDS. */
#define SIDE_GETTERS(name)                                                       \
	static bool g_syn_##name(const struct sl_record *r, struct sl_value *v)    \
	{                                                                        \
		const struct side *sd = side_of(r, false);                       \
		return sd && f_##name(sd, r, v);                                 \
	}                                                                        \
	static bool g_synack_##name(const struct sl_record *r, struct sl_value *v) \
	{                                                                        \
		const struct side *sd = side_of(r, true);                        \
		return sd && f_##name(sd, r, v);                                 \
	}
SIDE_GETTERS(initial_ttl)
SIDE_GETTERS(hops)
SIDE_GETTERS(df)
SIDE_GETTERS(ip_id)
SIDE_GETTERS(options)

static bool syn_mtu(const struct sl_record *r, unsigned *mtu)
{
	const struct side *sd = side_of(r, false);
	if (!sd || !(sd->bits & S_MSS))
		return false;
	*mtu = sd->mss + (r->flow->cli.family == 6 ? 60u : 40u);
	return true;
}

/* Why computed: a label of the MTU the SYN's MSS implies. */
static bool g_link(const struct sl_record *r, struct sl_value *v)
{
	unsigned mtu;
	v->s = syn_mtu(r, &mtu) ? link_label(mtu) : NULL;
	return v->s != NULL;
}

/* Why computed: the MSS plus the IP and TCP headers of the family. */
static bool g_link_mtu(const struct sl_record *r, struct sl_value *v)
{
	unsigned mtu;
	if (!syn_mtu(r, &mtu))
		return false;
	v->u = mtu;
	return true;
}

static bool leg_ms(const struct sl_record *r, unsigned flag, struct sl_value *v)
{
	const struct tcp_state *s = state_of(r);
	if (!s || !(s->flags & flag))
		return false;
	v->d = (flag == F_SERVER_LEG ? s->server_us : s->client_us) / 1000.0;
	return true;
}

/* Why computed: whichever parser measured an application round trip. */
static bool g_app_ms(const struct sl_record *r, struct sl_value *v)
{
	uint64_t us;
	if (!sl_app_rtt(r->flow, &us))
		return false;
	v->d = (double)us / 1000.0;
	return true;
}

/* Why computed: a difference of two round trips. */
static bool g_gap_ms(const struct sl_record *r, struct sl_value *v)
{
	struct sl_value app, tcp;
	if (!g_app_ms(r, &app) || !leg_ms(r, F_CLIENT_LEG, &tcp))
		return false;
	v->d = app.d - tcp.d;
	return true;
}

/* One side's fields; M is the side's member (syn or synack), present once
 * its packet was recorded (S_SEEN) and the option, if any, was in it. */
#define SIDE_HAS(M, BIT) SL_IF_BIT(struct tcp_state, M.bits, BIT)
#define SIDE_FIELDS(pfx, who, g, M)                                                                \
	SL_FIELD_U(pfx ".ttl", "IP TTL (IPv6 hop limit) of the " who " as the sensor saw it", SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.ttl, SIDE_HAS(M, S_SEEN)), \
	{ pfx ".initial_ttl", SL_FT_UINT, "likely initial TTL of the " who ": the smallest of 32, 64, 128, 255 not below ttl", g##initial_ttl }, \
	{ pfx ".hops", SL_FT_UINT, "initial_ttl - ttl of the " who ": routers between its sender and the sensor", g##hops }, \
	{ pfx ".df", SL_FT_BOOL, "IPv4 don't-fragment flag of the " who " (IPv4 only)", g##df }, \
	{ pfx ".ip_id", SL_FT_UINT, "IPv4 identification of the " who " (IPv4 only)", g##ip_id }, \
	SL_FIELD_U(pfx ".window", "TCP window field of the " who " (unscaled)", SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.window, SIDE_HAS(M, S_SEEN)), \
	SL_FIELD_U(pfx ".mss", "MSS option value of the " who, SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.mss, SIDE_HAS(M, S_SEEN | S_MSS)), \
	SL_FIELD_U(pfx ".wscale", "window-scale option value (shift) of the " who, SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.wscale, SIDE_HAS(M, S_SEEN | S_WS)), \
	{ pfx ".options", SL_FT_STRING, "TCP option kinds of the " who " in wire order, NOP (1), EOL (0) and padding after EOL included, e.g. 2-1-3-1-1-8-4-0-0; up to 40 kinds, a cut list ends in -...", g##options }, \
	SL_FIELD_BIT(pfx ".sack", "SACK-permitted option present in the " who, SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.bits, S_SACK, SIDE_HAS(M, S_SEEN)), \
	SL_FIELD_BIT(pfx ".timestamps", "timestamps option present in the " who, SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.bits, S_TS, SIDE_HAS(M, S_SEEN)), \
	SL_FIELD_BIT(pfx ".ip_options", "IPv4 options or IPv6 extension headers present on the " who, SL_IN_STATE(sl_proto_tcp), struct tcp_state, M.bits, S_IPOPT, SIDE_HAS(M, S_SEEN))

static const struct sl_field fields[] = {
	SIDE_FIELDS("tcp_stack.syn", "client's SYN", g_syn_, syn),
	SIDE_FIELDS("tcp_stack.synack", "server's SYN/ACK", g_synack_, synack),
	{ "tcp_stack.link", SL_FT_STRING,
	  "link type implied by tcp_stack.link_mtu (p0f v3 MTU table plus tunnel plateaus): Ethernet, PPPoE/DSL, typical WireGuard, IPsec or GRE, IPIP or SIT, PPTP, generic tunnel or VPN, ...",
	  g_link },
	{ "tcp_stack.link_mtu", SL_FT_UINT, "link MTU implied by the SYN's MSS: MSS + 40 (IPv4) or + 60 (IPv6)", g_link_mtu },
	SL_FIELD_BIT("tcp_stack.simultaneous_open", "both sides sent a bare SYN (RFC 9293 simultaneous open); no RTT legs then",
	             SL_IN_STATE(sl_proto_tcp), struct tcp_state, flags, F_SIMOPEN, SL_WITH_STATE),
	SL_FIELD_SCALED("rtt.server_ms", "TCP handshake leg sensor-server-sensor: last SYN to SYN/ACK, ms with microsecond precision",
			SL_IN_STATE(sl_proto_tcp), struct tcp_state, server_us, 1000.0, SL_IF_BIT(struct tcp_state, flags, F_SERVER_LEG)),
	SL_FIELD_SCALED("rtt.client_ms", "TCP handshake leg sensor-client-sensor: SYN/ACK to the client's ACK, ms with microsecond precision",
			SL_IN_STATE(sl_proto_tcp), struct tcp_state, client_us, 1000.0, SL_IF_BIT(struct tcp_state, flags, F_CLIENT_LEG)),
	{ "rtt.app_ms", SL_FT_DOUBLE, "application-handshake round trip measured by the TLS/SSH parser (e.g. ServerHello to the client's next flight), ms", g_app_ms },
	{ "rtt.gap_ms", SL_FT_DOUBLE,
	  "rtt.app_ms - rtt.client_ms: a TCP-terminating proxy or relay in the path answers the TCP handshake itself, so the TCP leg is short while the application round trip still travels to the real client: a large gap is the sign",
	  g_gap_ms },
};

static const struct sl_field_table tcp_fields = { "tcp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_tcp = {
	.name = "tcp",
	.l4 = SL_L4_TCP,
	.all_packets = true,
	.state_size = sizeof(struct tcp_state),
	.probe = tcp_probe,
	.packet = tcp_packet,
	.fields = &tcp_fields,
};
