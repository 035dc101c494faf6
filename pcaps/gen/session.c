/* Conversation builder: turns "client says X, server answers Y" into timed TCP/UDP/ICMP
 * packets with consistent sequence numbers, acknowledgements, IP IDs and TCP timestamps. */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { CLIENT = 0, SERVER = 1 };
enum { LAST_NONE = -1 };
enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58 };
#define DEFAULT_MSS 536u        /* RFC 9293 3.7.1: assumed when no MSS option is sent */
#define TS_OPTION_BYTES 12u     /* NOP NOP TS on every non-SYN segment */
#define SYN_RTO_US 1000000u     /* RFC 6298 initial retransmission timeout */

struct sl_conv {
	struct sl_conv_cfg cfg;
	struct sl_pcapw *w;
	uint64_t start_us;
	uint64_t t_us;              /* sensor time of the last packet */
	int last;                   /* side of the last packet, or LAST_NONE */
	uint32_t next_seq[2];       /* next sequence number each side sends */
	uint16_t ip_id[2];
	uint32_t ts_recent[2];      /* latest TSval each side has received */
	bool ts_on;                 /* both sides list the timestamps option */
	size_t seg_max;             /* payload bytes per TCP segment */
	struct sl_pb pb;            /* scratch frame */
};

static const struct sl_conv_side *side_of(const struct sl_conv *c, int s)
{
	return s == CLIENT ? &c->cfg.client : &c->cfg.server;
}

static bool lists_option(const struct sl_conv_side *s, uint8_t kind)
{
	for (size_t i = 0; i < s->nsyn_opts; i++)
		if (s->syn_opts[i] == kind)
			return true;
	return false;
}

int sl_conv_create(struct sl_conv **out, const struct sl_conv_cfg *cfg, struct sl_pcapw *w,
                   uint64_t start_us)
{
	if (cfg->client.addr.family != cfg->server.addr.family ||
	    cfg->client.nsyn_opts > SL_CONV_MAX_OPTS || cfg->server.nsyn_opts > SL_CONV_MAX_OPTS)
		return -EINVAL;
	struct sl_conv *c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, offsetof(struct sl_conv, pb));
	c->cfg = *cfg;
	c->w = w;
	c->start_us = c->t_us = start_us;
	c->last = LAST_NONE;
	for (int s = CLIENT; s <= SERVER; s++) {
		c->next_seq[s] = side_of(c, s)->isn;
		c->ip_id[s] = side_of(c, s)->ip_id;
		/* A flow joined mid-stream has seen the peer's clock already. */
		c->ts_recent[s] = side_of(c, !s)->tsval;
	}
	c->ts_on = lists_option(&cfg->client, SL_TCPOPT_TS) && lists_option(&cfg->server, SL_TCPOPT_TS);
	uint32_t mc = cfg->client.mss ? cfg->client.mss : DEFAULT_MSS;
	uint32_t ms = cfg->server.mss ? cfg->server.mss : DEFAULT_MSS;
	c->seg_max = (mc < ms ? mc : ms) - (c->ts_on ? TS_OPTION_BYTES : 0);
	*out = c;
	return 0;
}

void sl_conv_destroy(struct sl_conv *c)
{
	free(c);
}

uint64_t sl_conv_time(const struct sl_conv *c)
{
	return c->t_us;
}

void sl_conv_idle(struct sl_conv *c, uint64_t us)
{
	c->t_us += us;
	c->last = LAST_NONE;
}

/* The timing rule (see sl_conv_create): answering the other side costs a round trip on
 * the sender's side of the sensor; following oneself costs the configured gap. */
static uint64_t next_time(const struct sl_conv *c, int s, uint32_t think_us)
{
	if (c->last == LAST_NONE)
		return c->t_us + think_us;
	if (c->last == s)
		return c->t_us + c->cfg.gap_us + think_us;
	uint32_t d = s == CLIENT ? c->cfg.client_delay_us : c->cfg.server_delay_us;
	return c->t_us + 2ull * d + think_us;
}

/* IP parameters of side s's next packet; consumes one IP ID step. */
static struct sl_pb_ip ip_of(struct sl_conv *c, int s)
{
	const struct sl_conv_side *me = side_of(c, s), *peer = side_of(c, !s);
	struct sl_pb_ip ip = {
		.src = me->addr, .dst = peer->addr, .ttl = me->ttl, .tos = me->tos, .df = me->df,
		.id = c->ip_id[s], .v4opts = me->v4opts, .v4opts_len = me->v4opts_len,
		.ext = me->ext, .next = me->next,
	};
	c->ip_id[s] = (uint16_t)(c->ip_id[s] + me->ip_id_step);
	return ip;
}

/* Frames the datagram in c->pb and records it at time t as the latest packet of side s. */
static int finish(struct sl_conv *c, int s, uint64_t t)
{
	int rc = sl_pb_frame(&c->pb, &c->cfg.link, s == CLIENT);

	if (!rc)
		rc = sl_pcapw_add(c->w, t, sl_pb_data(&c->pb), c->pb.len);
	if (!rc) {
		c->t_us = t;
		c->last = s;
	}
	return rc;
}

/* Fills opts[] for a segment of side s: its SYN option list on SYN segments, NOP NOP TS
 * on the others once timestamps are on. Returns the number of options. */
static size_t tcp_options(struct sl_conv *c, int s, uint8_t flags, uint32_t tsval,
                          struct sl_pb_tcpopt *opts)
{
	const struct sl_conv_side *me = side_of(c, s);
	bool syn = flags & SL_TCP_SYN;
	uint32_t tsecr = syn && !(flags & SL_TCP_ACK) ? 0 : c->ts_recent[s];  /* RFC 7323 3.2 */
	size_t n = 0;

	if (!syn) {
		if (!c->ts_on)
			return 0;
		opts[n++].kind = SL_TCPOPT_NOP;
		opts[n++].kind = SL_TCPOPT_NOP;
		opts[n++] = (struct sl_pb_tcpopt){ .kind = SL_TCPOPT_TS, .v1 = tsval, .v2 = tsecr };
		return n;
	}
	for (size_t i = 0; i < me->nsyn_opts; i++) {
		struct sl_pb_tcpopt o = { .kind = me->syn_opts[i] };
		if (o.kind == SL_TCPOPT_MSS)
			o.v1 = me->mss;
		else if (o.kind == SL_TCPOPT_WSCALE)
			o.v1 = me->wscale;
		else if (o.kind == SL_TCPOPT_TS)
			o.v1 = tsval, o.v2 = tsecr;
		opts[n++] = o;
	}
	return n;
}

/* Emits one TCP segment from side s at sensor time t and advances that side's sequence
 * space (SYN and FIN count one each). ACK carries the peer's next sequence number. */
static int tcp_emit(struct sl_conv *c, int s, uint64_t t, uint8_t flags,
                    const uint8_t *data, size_t n)
{
	const struct sl_conv_side *me = side_of(c, s), *peer = side_of(c, !s);
	struct sl_pb_tcpopt opts[SL_CONV_MAX_OPTS];
	uint32_t tsval = me->tsval + (uint32_t)((t - c->start_us) / 1000u);
	struct sl_pb_tcp tcp = {
		.sport = me->port, .dport = peer->port, .seq = c->next_seq[s],
		.ack = (flags & SL_TCP_ACK) ? c->next_seq[!s] : 0, .flags = flags,
		.window = me->window, .opts = opts,
	};
	tcp.nopts = tcp_options(c, s, flags, tsval, opts);
	struct sl_pb_ip ip = ip_of(c, s);

	sl_pb_init(&c->pb);
	int rc = sl_pb_append(&c->pb, data, n);
	if (!rc)
		rc = sl_pb_tcp(&c->pb, &ip, &tcp);
	if (!rc)
		rc = sl_pb_ip(&c->pb, &ip, PROTO_TCP);
	if (!rc)
		rc = finish(c, s, t);
	if (rc)
		return rc;
	c->next_seq[s] += (uint32_t)n + !!(flags & SL_TCP_SYN) + !!(flags & SL_TCP_FIN);
	c->ts_recent[!s] = tsval;
	return 0;
}

int sl_conv_tcp_handshake(struct sl_conv *c)
{
	int rc = tcp_emit(c, CLIENT, next_time(c, CLIENT, 0), SL_TCP_SYN, NULL, 0);

	if (!rc)
		rc = tcp_emit(c, SERVER, next_time(c, SERVER, 0), SL_TCP_SYN | SL_TCP_ACK, NULL, 0);
	if (!rc)
		rc = tcp_emit(c, CLIENT, next_time(c, CLIENT, 0), SL_TCP_ACK, NULL, 0);
	return rc;
}

int sl_conv_tcp_syn_unanswered(struct sl_conv *c, unsigned retries)
{
	uint32_t isn = c->next_seq[CLIENT];
	uint64_t t = next_time(c, CLIENT, 0);
	uint64_t rto = SYN_RTO_US;
	int rc = tcp_emit(c, CLIENT, t, SL_TCP_SYN, NULL, 0);

	for (unsigned i = 0; i < retries && !rc; i++, rto *= 2) {
		c->next_seq[CLIENT] = isn;       /* a retransmission reuses the ISN */
		t += rto;
		rc = tcp_emit(c, CLIENT, t, SL_TCP_SYN, NULL, 0);
	}
	return rc;
}

/* Sends one message from side s as MSS-sized segments; the first waits think_us. */
static int tcp_send(struct sl_conv *c, int s, const uint8_t *p, size_t n, uint32_t think_us)
{
	for (size_t off = 0; off < n; off += c->seg_max) {
		size_t chunk = n - off < c->seg_max ? n - off : c->seg_max;
		uint8_t flags = SL_TCP_ACK | (off + chunk == n ? SL_TCP_PSH : 0);
		int rc = tcp_emit(c, s, next_time(c, s, off ? 0 : think_us), flags, p + off, chunk);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_conv_tcp_exchange(struct sl_conv *c, const struct sl_conv_msg *m)
{
	int rc = tcp_send(c, CLIENT, m->req, m->req_len, m->client_think_us);

	if (rc)
		return rc;
	if (m->resp_len) {
		rc = tcp_send(c, SERVER, m->resp, m->resp_len, m->server_think_us);
		if (!rc)
			rc = tcp_emit(c, CLIENT, next_time(c, CLIENT, 0), SL_TCP_ACK, NULL, 0);
	} else if (m->req_len) {
		rc = tcp_emit(c, SERVER, next_time(c, SERVER, 0), SL_TCP_ACK, NULL, 0);
	}
	return rc;
}

int sl_conv_tcp_close(struct sl_conv *c, enum sl_conv_close how)
{
	const uint8_t fa = SL_TCP_FIN | SL_TCP_ACK;
	int first = how == SL_CLOSE_FIN_CLIENT || how == SL_CLOSE_RST_CLIENT ? CLIENT : SERVER;
	int rc;

	if (how == SL_CLOSE_RST_CLIENT || how == SL_CLOSE_RST_SERVER)
		return tcp_emit(c, first, next_time(c, first, 0), SL_TCP_RST | SL_TCP_ACK, NULL, 0);
	rc = tcp_emit(c, first, next_time(c, first, 0), fa, NULL, 0);
	if (!rc)
		rc = tcp_emit(c, !first, next_time(c, !first, 0), fa, NULL, 0);
	if (!rc)
		rc = tcp_emit(c, first, next_time(c, first, 0), SL_TCP_ACK, NULL, 0);
	return rc;
}

static int udp_emit(struct sl_conv *c, int s, uint32_t think_us, const void *p, size_t n)
{
	const struct sl_conv_side *me = side_of(c, s), *peer = side_of(c, !s);
	struct sl_pb_ip ip = ip_of(c, s);

	sl_pb_init(&c->pb);
	int rc = sl_pb_append(&c->pb, p, n);
	if (!rc)
		rc = sl_pb_udp(&c->pb, &ip, me->port, peer->port);
	if (!rc)
		rc = sl_pb_ip(&c->pb, &ip, PROTO_UDP);
	return rc ? rc : finish(c, s, next_time(c, s, think_us));
}

int sl_conv_udp_exchange(struct sl_conv *c, const struct sl_conv_msg *m)
{
	int rc = udp_emit(c, CLIENT, m->client_think_us, m->req, m->req_len);

	if (!rc && m->resp_len)
		rc = udp_emit(c, SERVER, m->server_think_us, m->resp, m->resp_len);
	return rc;
}

static int icmp_emit(struct sl_conv *c, int s, uint16_t id, uint16_t seq, const void *p, size_t n)
{
	struct sl_pb_ip ip = ip_of(c, s);
	bool v6 = ip.src.family == 6;

	sl_pb_init(&c->pb);
	int rc = sl_pb_append(&c->pb, p, n);
	if (!rc)
		rc = sl_pb_icmp_echo(&c->pb, &ip, s == SERVER, id, seq);
	if (!rc)
		rc = sl_pb_ip(&c->pb, &ip, v6 ? PROTO_ICMPV6 : PROTO_ICMP);
	return rc ? rc : finish(c, s, next_time(c, s, 0));
}

int sl_conv_icmp_echo(struct sl_conv *c, uint16_t id, uint16_t seq, const void *data,
                      size_t len, bool answered)
{
	int rc = icmp_emit(c, CLIENT, id, seq, data, len);

	if (!rc && answered)
		rc = icmp_emit(c, SERVER, id, seq, data, len);
	return rc;
}
