/* TeamViewer's own framing (TCP 5938, fallback 443/80, and UDP), and its HTTP
 * fallback (the DynGate tunnel).  Sources: nDPI's public TeamViewer dissector
 * description (protocols/teamviewer.c: TCP payloads begin 0x17 0x24, later
 * ones 0x11 0x30; UDP datagrams carry 0x00 at byte 0 and 0x17 0x24 at bytes
 * 11-12) and the project's reference capture (ndpi/teamviewer.pcap: the
 * server's first segment answers with 0x11 0x30, the UDP peer echoes the
 * same 13-byte pattern).  The HTTP fallback's request is
 * "GET /din.aspx?...client=DynGate..." with a User-Agent naming DynGate
 * (TeamViewer's HTTP tunnel, as public firewall/IDS rules describe it).
 *
 * Rules, all port-independent and needing both directions:
 *  - TCP: the client's first payload starts 17 24 and the server's first
 *    payload starts 17 24 or 11 30.
 *  - UDP: a datagram each way with 00 at byte 0 and 17 24 at bytes 11-12.
 *  - HTTP: the client's first segment is a request for /din.aspx or names
 *    DynGate, and the server answers "HTTP/1.".  app_proto stays http (the
 *    wire protocol); only the product is claimed. */
#include <string.h>

#include "sightline/proto.h"

#define TV_UDP_MIN 14   /* nDPI's bound: more than 13 bytes */
#define TV_PKTS_MAX 16  /* give up when the other side has not spoken by then */

extern const struct sl_proto sl_proto_teamviewer;

enum tv_kind { TV_TCP = 1, TV_UDP, TV_HTTP };

struct tv_state {
	uint8_t kind;      /* enum tv_kind, fixed by the first packet */
	bool seen[2];      /* a conforming payload per direction */
};

static bool tv_tcp_start(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x17 && p[1] == 0x24;
}

static bool tv_tcp_answer(const uint8_t *p, size_t n)
{
	return n >= 2 && ((p[0] == 0x17 && p[1] == 0x24) || (p[0] == 0x11 && p[1] == 0x30));
}

static bool tv_udp_frame(const uint8_t *p, size_t n)
{
	return n >= TV_UDP_MIN && p[0] == 0x00 && p[11] == 0x17 && p[12] == 0x24;
}

static bool has_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p, s, k) == 0;
}

/* The DynGate tunnel's request: GET/POST of /din.aspx, or any GET/POST
 * whose first segment (request line and headers) names DynGate. */
static bool tv_http_request(const uint8_t *p, size_t n)
{
	if (has_prefix(p, n, "GET /din.aspx") || has_prefix(p, n, "POST /din.aspx"))
		return true;
	if (!has_prefix(p, n, "GET ") && !has_prefix(p, n, "POST "))
		return false;
	return memmem(p, n, "DynGate", 7) != NULL;
}

static bool tv_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (pp->flow->proto == 17)
		return tv_udp_frame(p, n);
	return pp->dir == SL_DIR_TOSERVER && (tv_tcp_start(p, n) || tv_http_request(p, n));
}

static void tv_claim(const struct sl_proto_pkt *pp, bool wire_proto)
{
	if (wire_proto)
		sl_app_identify(pp->flow, &sl_proto_teamviewer);
	sl_proto_claim_product(pp->flow, "teamviewer", "remote-access", SL_PROTO_BY_WIRE);
}

/* The first payload fixed the kind; the other direction's first payload
 * must answer in kind.  UDP checks every datagram until both sides match. */
static enum sl_proto_verdict tv_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct tv_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (s->kind == 0)
		s->kind = pp->flow->proto == 17 ? TV_UDP : tv_tcp_start(p, n) ? TV_TCP : TV_HTTP;
	if (s->kind == TV_UDP) {
		if (!tv_udp_frame(p, n))
			return SL_PROTO_NOT_MINE;
		s->seen[pp->dir] = true;
	} else if (pp->dir == SL_DIR_TOSERVER) {
		s->seen[SL_DIR_TOSERVER] = true;
	} else {
		bool ok = s->kind == TV_TCP ? tv_tcp_answer(p, n) : has_prefix(p, n, "HTTP/1.");
		if (!ok || !s->seen[SL_DIR_TOSERVER])
			return SL_PROTO_NOT_MINE;
		s->seen[SL_DIR_TOCLIENT] = true;
	}
	if (s->seen[SL_DIR_TOSERVER] && s->seen[SL_DIR_TOCLIENT]) {
		tv_claim(pp, s->kind != TV_HTTP);
		return SL_PROTO_DONE;
	}
	return pp->index + 1 >= TV_PKTS_MAX ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

const struct sl_proto sl_proto_teamviewer = {
	.name = "teamviewer",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct tv_state),
	.probe = tv_probe,
	.packet = tv_packet,
};
