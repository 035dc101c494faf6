/* The wire facts behind the generic signs of an obfuscated tunnel on TCP
 * (tunnel.obfuscated, decided in sensor/identify/obfs.c):
 *
 * Fully encrypted ("looks like nothing": obfs4, Shadowsocks, VMess): the
 * client's first data segment of a connection whose SYN was seen and where
 * the client spoke first, measured as Wu et al., "How the Great Firewall of
 * China Detects and Blocks Fully Encrypted Traffic" (USENIX Security 2023,
 * §4) measure it: set bits, printable bytes, the first six bytes, the
 * longest printable run, and the Shannon entropy.
 *
 * TLS in TLS (a proxy such as Trojan, VLESS or an HTTPS CONNECT tunnel that
 * carries the client's own TLS connection): Xue et al., "Fingerprinting
 * Obfuscated Proxy Traffic with Encapsulated TLS Handshakes" (USENIX
 * Security 2024) show the inner handshake's message sizes survive the outer
 * encryption.  We walk the outer TLS record headers of both directions
 * (RFC 8446 §5.1, RFC 5246 §6.2) and group application_data (type 23)
 * records into flights (consecutive records of one direction).  The
 * client's first flight is skipped when it is only a TLS 1.3 Finished
 * (one record of 53 or 69 bytes: 4 + 32/48 + 1 + 16).  When the client's
 * first application flight could be an inner ClientHello (obfs.h), the
 * server's next flight and the record opening the client's next flight are
 * kept; otherwise the walk stops there. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "obfs.h"
#include "sightline/cursor.h"
#include "sightline/proto.h"

#define OBFS_PREFIX 6            /* bytes of the first payload tested for printable */
#define TIT_MAX_RECORDS 64       /* records walked per direction before giving up */

extern const struct sl_proto sl_proto_obfs;

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
	struct sl_obfs_facts facts; /* first: identify/obfs.c reads them */
	bool tls, judged;
	uint32_t cli_isn;
	/* TLS in TLS */
	struct rec_walk w[2];
	uint8_t stage;           /* enum tit_stage */
	bool skipped_finished;
	uint32_t flight;         /* record-body bytes of the current flight */
	uint8_t flight_records;
};

/* The identify switches (copied at create): what is worth collecting. */
struct obfs_global {
	bool obfuscated, tls_in_tls;
};

/* ---- fully encrypted ------------------------------------------------------ */

static bool printable(uint8_t b)
{
	return b >= 0x20 && b <= 0x7e;
}

/* Set bits of each byte value: a table, for the target (baseline x86-64)
 * has no popcnt instruction and __builtin_popcount was a libgcc call per
 * byte. */
#define POP2(n) n, n + 1, n + 1, n + 2
#define POP4(n) POP2(n), POP2(n + 1), POP2(n + 1), POP2(n + 2)
#define POP6(n) POP4(n), POP4(n + 1), POP4(n + 1), POP4(n + 2)
static const uint8_t popcount8[256] = { POP6(0), POP6(1), POP6(1), POP6(2) };

#define TERM_MEMO 16 /* byte counts whose entropy term is kept per payload */

/* -q log2 q of the byte values of equal count c in a payload of n bytes:
 * most values of a short payload occur once or twice, and a term computed
 * once is the same double every time, so the sum is unchanged. */
static double term(uint32_t c, uint32_t n, double memo[TERM_MEMO], uint32_t *have)
{
	if (c >= TERM_MEMO) {
		double q = (double)c / n;
		return q * log2(q);
	}
	if (!(*have >> c & 1)) {
		double q = (double)c / n;
		memo[c] = q * log2(q);
		*have |= 1u << c;
	}
	return memo[c];
}

/* Set bits, printable bytes and the entropy from the byte histogram, whose
 * values seen are walked in ascending order (the order of the entropy's
 * sum) through a bit map; the longest printable run from the bytes. */
static void measure(struct sl_obfs_facts *s, const uint8_t *p, uint32_t n)
{
	uint32_t hist[256] = { 0 }, bits = 0, prn = 0, run = 0, best = 0, have = 0;
	uint64_t seen[4] = { 0 };
	double memo[TERM_MEMO], h = 0;
	for (uint32_t i = 0; i < n; i++) {
		hist[p[i]]++;
		seen[p[i] >> 6] |= 1ULL << (p[i] & 63);
		run = printable(p[i]) ? run + 1 : 0;
		best = run > best ? run : best;
	}
	for (int k = 0; k < 4; k++)
		for (uint64_t m = seen[k]; m; m &= m - 1) {
			int v = k * 64 + __builtin_ctzll(m);
			bits += hist[v] * popcount8[v];
			prn += printable((uint8_t)v) ? hist[v] : 0;
			h -= term(hist[v], n, memo, &have);
		}
	bool prefix = n >= OBFS_PREFIX;
	for (uint32_t i = 0; i < OBFS_PREFIX && i < n; i++)
		prefix = prefix && printable(p[i]);
	s->measured = true;
	s->len = n;
	s->bits = bits;
	s->printable = prn;
	s->run = best;
	s->prefix = prefix;
	s->entropy = h;
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
		if (s->flight < SL_OBFS_C1_MIN || s->flight > SL_OBFS_C1_MAX ||
		    s->flight_records > SL_OBFS_C1_RECORDS) {
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
		s->facts.answered = true;
		s->facts.s1 = s->flight;
		s->facts.c2 = len;
		s->stage = TIT_DONE;
		return;
	default:
		return;
	}
}

/* A record header h (5 bytes) of dir: false when it is not one and the
 * walk of that side is lost. */
static bool walk_header(struct obfs_state *s, enum sl_dir dir, const uint8_t *h)
{
	struct rec_walk *w = &s->w[dir];
	uint16_t len = (uint16_t)((h[3] << 8) | h[4]);
	if (h[0] < 20 || h[0] > 24 || h[1] != 3 || len > 16384 + 2048 ||
	    ++w->records > TIT_MAX_RECORDS) {
		w->lost = true;
		return false;
	}
	w->body_left = len;
	if (h[0] == 23)
		tit_record(s, dir, len);
	return true;
}

/* Record headers of in-order bytes; a record is counted once its header is
 * read (its body need not be seen).  A header whole in the segment is read
 * in place; only one cut by the segment's end is gathered byte by byte. */
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
		if (!w->hdr_len && n >= 5) {
			p += 5;
			n -= 5;
			if (!walk_header(s, dir, p - 5))
				return;
			continue;
		}
		w->hdr[w->hdr_len++] = *p++;
		n--;
		if (w->hdr_len < 5)
			continue;
		w->hdr_len = 0;
		if (!walk_header(s, dir, w->hdr))
			return;
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
	measure(&s->facts, p->payload, p->payload_len);
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

const struct sl_proto sl_proto_obfs = {
	.name = "obfs",
	.l4 = SL_L4_TCP,
	.all_packets = false,
	.state_size = sizeof(struct obfs_state),
	.create = obfs_create,
	.destroy = obfs_destroy,
	.probe = obfs_probe,
	.packet = obfs_packet,
};
