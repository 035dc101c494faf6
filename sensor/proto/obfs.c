/* Generic signs of an obfuscated tunnel on TCP (tunnel.obfuscated): a
 * fully-encrypted first payload that no parser recognised, and the record
 * sizes of a TLS handshake carried inside an established TLS session.
 *
 * Fully encrypted ("looks like nothing": obfs4, Shadowsocks, VMess): the
 * exemption tests that Wu et al., "How the Great Firewall of China Detects
 * and Blocks Fully Encrypted Traffic" (USENIX Security 2023, §4) measured,
 * applied to the client's first data segment of a connection whose SYN was
 * seen and where the client spoke first.  The segment is exempt when
 *   Ex1  the mean number of set bits per byte is <= 3.4 or >= 4.6;
 *   Ex2  its first 6 bytes are printable ASCII (0x20-0x7e);
 *   Ex3  more than 50 % of its bytes are printable;
 *   Ex4  it holds a run of more than 20 printable bytes;
 *   Ex5  a protocol parser identified the flow (app_proto set);
 * and, our addition, when it is shorter than OBFS_MIN_LEN bytes (the paper
 * notes short payloads give a noisy popcount).  The Shannon entropy of the
 * segment (bits/byte) is recorded beside the popcount and printable share.
 *
 * TLS in TLS (a proxy such as Trojan, VLESS or an HTTPS CONNECT tunnel that
 * carries the client's own TLS connection): Xue et al., "Fingerprinting
 * Obfuscated Proxy Traffic with Encapsulated TLS Handshakes" (USENIX
 * Security 2024) show the inner handshake's message sizes survive the outer
 * encryption.  We walk the outer TLS record headers of both directions
 * (RFC 8446 §5.1, RFC 5246 §6.2) and group application_data (type 23)
 * records into flights (consecutive records of one direction).  The
 * client's first flight is skipped when it is only a TLS 1.3 Finished
 * (one record of 53 or 69 bytes: 4 + 32/48 + 1 + 16).  Then the flow is
 * flagged when, in order,
 *   C1  the client's first application flight is one or two records
 *       totalling 200-2200 bytes of record bodies (inner ClientHello
 *       200-1800 B, written at once, plus a proxy header and the outer
 *       overhead; an HTTP/2 client's first flight is three or more records:
 *       preface+SETTINGS, WINDOW_UPDATE, HEADERS),
 *   S1  the server's next flight totals 1000-10000 bytes (inner
 *       ServerHello, certificate chain, Finished; TLS 1.3 session tickets
 *       of the outer session may ride along; a web page is usually more),
 *   C2  the client's next flight opens with a record of 57-164 bytes: an
 *       inner Finished of 40-100 bytes (TLS 1.3: CCS + Finished 64/80 B;
 *       TLS 1.2: ClientKeyExchange + CCS + Finished ~ 93 B) plus the outer
 *       overhead of 17 (TLS 1.3 AEAD) to 64 bytes (TLS 1.2 CBC, framing).
 * A plain HTTPS request/response is usually followed by a second request
 * (larger than C2) or an HTTP/2 WINDOW_UPDATE/SETTINGS ack (smaller). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"

/* Tunables. */
#define OBFS_MIN_LEN 32          /* bytes: shorter first payloads are not judged */
#define OBFS_POP_LO 3.4          /* Ex1 bounds, mean set bits per byte */
#define OBFS_POP_HI 4.6
#define OBFS_PREFIX 6            /* Ex2 */
#define OBFS_RUN 20              /* Ex4 */
#define TIT_C1_MIN 200           /* record-body bytes of the client's first flight */
#define TIT_C1_MAX 2200
#define TIT_S1_MIN 1000          /* record-body bytes of the server's answer */
#define TIT_S1_MAX 10000
#define TIT_C1_RECORDS 2         /* records of the client's first flight */
#define TIT_C2_MIN (40 + 17)     /* the client's next record: inner Finished + overhead */
#define TIT_C2_MAX (100 + 64)
#define TIT_MAX_RECORDS 64       /* records walked per direction before giving up */

extern const struct sl_proto sl_proto_obfs;

/* Which of the paper's exemptions spared the first payload. */
enum obfs_exempt { EX_NONE, EX_SHORT, EX_POPCOUNT, EX_PREFIX, EX_HALF, EX_RUN };

/* One direction's outer TLS record walk: headers only, nothing buffered. */
struct rec_walk {
	uint32_t next_seq;
	bool synced, lost;
	uint8_t hdr[5], hdr_len;
	uint16_t body_left;
	uint16_t records;
};

enum tit_stage { TIT_OFF, TIT_WAIT_C1, TIT_IN_C1, TIT_IN_S1, TIT_DONE };

struct obfs_state {
	bool measured, tls, judged;
	uint32_t cli_isn;
	uint8_t exempt;          /* enum obfs_exempt */
	uint16_t first_len;
	double entropy, popcount, printable;
	bool fully_encrypted, tls_in_tls;
	/* TLS in TLS */
	struct rec_walk w[2];
	uint8_t stage;           /* enum tit_stage */
	bool skipped_finished;
	uint32_t flight;         /* record-body bytes of the current flight */
	uint8_t flight_records;
};

/* The identify switches (copied at create). */
struct obfs_global {
	bool obfuscated, tls_in_tls;
};

/* ---- fully encrypted ------------------------------------------------------ */

static bool printable(uint8_t b)
{
	return b >= 0x20 && b <= 0x7e;
}

/* Popcount, printable share and longest printable run; entropy from the
 * byte histogram. */
static void measure(struct obfs_state *s, const uint8_t *p, uint32_t n)
{
	uint32_t hist[256] = { 0 }, bits = 0, prn = 0, run = 0, best = 0;
	for (uint32_t i = 0; i < n; i++) {
		hist[p[i]]++;
		bits += (uint32_t)__builtin_popcount(p[i]);
		run = printable(p[i]) ? run + 1 : 0;
		prn += printable(p[i]);
		best = run > best ? run : best;
	}
	double h = 0;
	for (int i = 0; i < 256; i++)
		if (hist[i]) {
			double q = (double)hist[i] / n;
			h -= q * log2(q);
		}
	bool prefix = n >= OBFS_PREFIX;
	for (uint32_t i = 0; i < OBFS_PREFIX && i < n; i++)
		prefix = prefix && printable(p[i]);
	s->measured = true;
	s->first_len = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
	s->entropy = h;
	s->popcount = (double)bits / n;
	s->printable = (double)prn / n;
	s->exempt = n < OBFS_MIN_LEN                                    ? EX_SHORT
		    : s->popcount <= OBFS_POP_LO || s->popcount >= OBFS_POP_HI ? EX_POPCOUNT
		    : prefix                                                ? EX_PREFIX
		    : 2 * prn > n                                           ? EX_HALF
		    : best > OBFS_RUN                                       ? EX_RUN
									    : EX_NONE;
}

/* ---- TLS in TLS ------------------------------------------------------------ */

/* One complete application_data record of length len from dir. */
static void tit_record(struct obfs_state *s, enum sl_dir dir, uint16_t len)
{
	bool cli = dir == SL_DIR_TOSERVER;
	switch (s->stage) {
	case TIT_WAIT_C1:
		if (!cli)
			return; /* the outer server's encrypted handshake or tickets */
		if (!s->skipped_finished && (len == 53 || len == 69)) {
			s->skipped_finished = true; /* TLS 1.3 client Finished */
			return;
		}
		s->stage = TIT_IN_C1;
		s->flight = len;
		s->flight_records = 1;
		return;
	case TIT_IN_C1:
		if (cli) {
			s->flight += len;
			s->flight_records++;
			return;
		}
		if (s->flight < TIT_C1_MIN || s->flight > TIT_C1_MAX ||
		    s->flight_records > TIT_C1_RECORDS) {
			s->stage = TIT_DONE;
			return;
		}
		s->stage = TIT_IN_S1;
		s->flight = len;
		return;
	case TIT_IN_S1:
		if (!cli) {
			s->flight += len;
			return;
		}
		s->tls_in_tls = s->flight >= TIT_S1_MIN && s->flight <= TIT_S1_MAX &&
				len >= TIT_C2_MIN && len <= TIT_C2_MAX;
		s->stage = TIT_DONE;
		return;
	default:
		return;
	}
}

/* Record headers of in-order bytes; a record is counted once its header is
 * read (its body need not be seen). */
static void walk_bytes(struct obfs_state *s, enum sl_dir dir, const uint8_t *p, uint32_t n)
{
	struct rec_walk *w = &s->w[dir];
	while (n && !w->lost && s->stage != TIT_DONE) {
		if (w->body_left) {
			uint32_t k = w->body_left < n ? w->body_left : n;
			w->body_left = (uint16_t)(w->body_left - k);
			p += k;
			n -= k;
			continue;
		}
		w->hdr[w->hdr_len++] = *p++;
		n--;
		if (w->hdr_len < 5)
			continue;
		w->hdr_len = 0;
		uint16_t len = (uint16_t)((w->hdr[3] << 8) | w->hdr[4]);
		if (w->hdr[0] < 20 || w->hdr[0] > 24 || w->hdr[1] != 3 || len > 16384 + 2048 ||
		    ++w->records > TIT_MAX_RECORDS) {
			w->lost = true;
			return;
		}
		w->body_left = len;
		if (w->hdr[0] == 23)
			tit_record(s, dir, len);
	}
}

/* Keep to the stream in order without buffering: a retransmitted prefix is
 * cut off, a gap (lost or reordered segment) ends the walk of that side. */
static void walk_segment(struct obfs_state *s, const struct sl_proto_pkt *pp)
{
	struct rec_walk *w = &s->w[pp->dir];
	const uint8_t *p = pp->pkt->payload;
	uint32_t n = pp->pkt->payload_len, seq = pp->pkt->tcp_seq;
	if (!w->synced) {
		w->synced = true;
		w->next_seq = seq;
	}
	int32_t ahead = (int32_t)(seq - w->next_seq);
	if (ahead > 0) {
		w->lost = true;
		return;
	}
	uint32_t dup = (uint32_t)-ahead;
	if (dup >= n)
		return;
	w->next_seq = seq + n;
	walk_bytes(s, pp->dir, p + dup, n - dup);
}

/* ---- parser callbacks ------------------------------------------------------ */

/* Offered payload packets only: the first one of a flow whose client SYN
 * the TCP parser saw takes it (and is judged at once), so a flow that never
 * carries data costs no state here. */
static bool obfs_probe(const struct sl_proto_pkt *pp)
{
	const struct obfs_global *g = pp->global;
	uint32_t isn;
	return g && (g->obfuscated || g->tls_in_tls) && sl_tcp_client_isn(pp->flow, &isn);
}

/* The client's first data segment decides what is worth following: a TLS
 * record for the TLS-in-TLS walk, anything else for the payload tests. */
static enum sl_proto_verdict first_data(struct obfs_state *s, const struct sl_proto_pkt *pp,
					const struct obfs_global *g)
{
	const struct sl_packet *p = pp->pkt;
	if (pp->dir != SL_DIR_TOSERVER || p->tcp_seq != s->cli_isn + 1)
		return SL_PROTO_NOT_MINE; /* server spoke first, or the start was lost */
	s->judged = true;
	s->tls = p->payload_len >= 3 && p->payload[0] == 22 && p->payload[1] == 3;
	if (s->tls) {
		if (!g->tls_in_tls)
			return SL_PROTO_NOT_MINE;
		s->stage = TIT_WAIT_C1;
		walk_segment(s, pp);
		return SL_PROTO_MORE;
	}
	if (!g->obfuscated)
		return SL_PROTO_NOT_MINE;
	measure(s, p->payload, p->payload_len);
	return SL_PROTO_DONE;
}

static enum sl_proto_verdict obfs_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct obfs_state *s = state;
	const struct sl_packet *p = pp->pkt;
	if (!p->payload_len)
		return SL_PROTO_MORE;
	if (!s->judged) {
		if (!sl_tcp_client_isn(pp->flow, &s->cli_isn))
			return SL_PROTO_NOT_MINE;
		return first_data(s, pp, pp->global);
	}
	walk_segment(s, pp);
	if (s->stage == TIT_DONE || (s->w[0].lost && s->w[1].lost))
		return SL_PROTO_DONE;
	return SL_PROTO_MORE;
}

/* Ex5 needs the final verdict of every other parser: judged at flow end. */
static void obfs_flow_end(void *state, const struct sl_flow *flow, void *global)
{
	(void)global;
	struct obfs_state *s = state;
	s->fully_encrypted = s->measured && s->exempt == EX_NONE && flow->app_proto == 0;
}

static int obfs_create(const struct sl_config *cfg, void **global, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct obfs_global *g = malloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->obfuscated = cfg->identify.obfuscated;
	g->tls_in_tls = cfg->identify.tls_in_tls;
	*global = g;
	return 0;
}

static void obfs_destroy(void *global)
{
	free(global);
}

/* ---- fields ------------------------------------------------------------------ */

static const struct obfs_state *get_state(const struct sl_record *r)
{
	return sl_record_state(r, &sl_proto_obfs);
}

/* The payload measures are shown for flows no parser identified: there
 * they explain why the flow was or was not flagged. */
static const struct obfs_state *measured(const struct sl_record *r)
{
	const struct obfs_state *s = get_state(r);
	return s && s->measured && r->flow->app_proto == 0 ? s : NULL;
}

static bool g_obfuscated(const struct sl_record *r, struct sl_value *v)
{
	const struct obfs_state *s = get_state(r);
	v->s = !s ? NULL : s->fully_encrypted ? "fully-encrypted" : s->tls_in_tls ? "tls-in-tls" : NULL;
	return v->s != NULL;
}

static bool g_entropy(const struct sl_record *r, struct sl_value *v)
{
	const struct obfs_state *s = measured(r);
	v->d = s ? round(s->entropy * 1000) / 1000 : 0;
	return s != NULL;
}

static bool g_popcount(const struct sl_record *r, struct sl_value *v)
{
	const struct obfs_state *s = measured(r);
	v->d = s ? round(s->popcount * 1000) / 1000 : 0;
	return s != NULL;
}

static bool g_printable(const struct sl_record *r, struct sl_value *v)
{
	const struct obfs_state *s = measured(r);
	v->d = s ? round(s->printable * 1000) / 1000 : 0;
	return s != NULL;
}

static bool g_exempt(const struct sl_record *r, struct sl_value *v)
{
	static const char *const names[] = { NULL, "short", "popcount", "printable-prefix",
					     "printable-half", "printable-run" };
	const struct obfs_state *s = measured(r);
	v->s = s ? names[s->exempt] : NULL;
	return v->s != NULL;
}

static const struct sl_field fields[] = {
	{ "tunnel.obfuscated", SL_FT_STRING,
	  "generic sign of an obfuscated tunnel: fully-encrypted (unidentified first payload passes none of the GFW exemptions) or tls-in-tls (record sizes of a TLS handshake inside TLS)", g_obfuscated },
	{ "tunnel.entropy", SL_FT_DOUBLE,
	  "Shannon entropy (bits/byte) of the client's first payload, for TCP flows no parser identified", g_entropy },
	{ "tunnel.popcount", SL_FT_DOUBLE,
	  "mean set bits per byte of that payload (random data: about 4; exempt outside 3.4-4.6)", g_popcount },
	{ "tunnel.printable", SL_FT_DOUBLE, "share of that payload's bytes that are printable ASCII (0x20-0x7e)", g_printable },
	{ "tunnel.exempt", SL_FT_STRING,
	  "why that payload is not fully-encrypted: short, popcount, printable-prefix, printable-half, printable-run", g_exempt },
};

static const struct sl_field_table obfs_fields = { "obfs", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_obfs = {
	.name = "obfs",
	.l4 = SL_L4_TCP,
	.all_packets = false,
	.state_size = sizeof(struct obfs_state),
	.create = obfs_create,
	.destroy = obfs_destroy,
	.probe = obfs_probe,
	.packet = obfs_packet,
	.flow_end = obfs_flow_end,
	.fields = &obfs_fields,
};
