/* Test harness for protocol parsers: one flow, packets fed through the real
 * dispatcher (probe, state, verdicts), what they teach applied to a hosts
 * table, and the identification steps at the end of its inspection and at
 * its end, in the engine's order (sensor/engine), and the flow record's
 * fields read back through the catalogue exactly as the JSON writer reads
 * them.
 *
 *   struct ph h;
 *   ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
 *   ph_feed(&h, SL_DIR_TOSERVER, "GET / HTTP/1.1\r\n...", n);
 *   CHECK_EQ_STR(ph_str(&h, "http.hostname"), "example.org");
 *   ph_finish(&h);
 *
 * For IP/TCP header facts (TTL, window, TCP options, IP id...) point h.tmpl
 * at a packet: each fed packet starts as a copy of it, then gets the flow's
 * addresses and ports, the time, sequence numbers, flags and payload.
 */
#ifndef SIGHTLINE_PROTOHELP_H
#define SIGHTLINE_PROTOHELP_H

#include <stdlib.h>
#include <string.h>

#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/proto.h"

struct ph {
	struct sl_config cfg;
	struct sl_dispatch *d;
	struct sl_identify *id;
	struct sl_hosts *hosts;
	struct sl_proto_hosts view; /* the dispatcher's way to hosts (no lock: one thread) */
	struct sl_flow flow;
	uint32_t seq[2];    /* next TCP sequence number per direction */
	sl_time_us now;
	uint8_t flags;      /* TCP flags for the next ph_feed (default PSH|ACK) */
	const struct sl_packet *tmpl; /* optional: header facts of the next packets */
	bool ended;
	struct sl_value v;
};

static inline void ph_learn(void *ctx, const struct sl_host_fact *fact)
{
	sl_hosts_learn(ctx, fact);
}

static inline bool ph_overlay(void *ctx, const struct sl_packet *p)
{
	return sl_hosts_overlay_channel(ctx, p);
}

static inline void ph_init(struct ph *h, uint8_t proto, const char *cli, uint16_t cport,
		    const char *srv, uint16_t sport)
{
	char err[256];
	memset(h, 0, sizeof(*h));
	sl_config_init_defaults(&h->cfg);
	free(h->cfg.identify.signatures); /* the source tree's, not an installed set */
	h->cfg.identify.signatures = strdup(SL_SOURCE_ROOT "/rules/products");
	if (sl_hosts_create(&h->cfg, &h->hosts, err, sizeof(err)) < 0)
		abort();
	h->view = (struct sl_proto_hosts){ .learn = ph_learn, .overlay_channel = ph_overlay,
					   .ctx = h->hosts };
	if (sl_dispatch_create(&h->cfg, &h->view, &h->d, err, sizeof(err)) < 0 ||
	    sl_identify_create(&h->cfg, &h->id, err, sizeof(err)) < 0)
		abort();
	sl_addr_parse(cli, &h->flow.cli);
	sl_addr_parse(srv, &h->flow.srv);
	h->flow.cport = cport;
	h->flow.sport = sport;
	h->flow.proto = proto;
	h->seq[0] = 1000;
	h->seq[1] = 50000;
	h->now = 1772460000ULL * SL_US_PER_SEC;
}

/* Feed a packet with payload (len may be 0) in direction dir, 1 ms after the
 * previous one (set h->now to place it elsewhere), with in-order sequence
 * numbers.  Returns the packet's seq. */
static inline uint32_t ph_feed_at(struct ph *h, enum sl_dir dir, const void *payload, size_t len,
			   uint32_t seq)
{
	struct sl_packet p;
	if (h->tmpl)
		p = *h->tmpl;
	else
		memset(&p, 0, sizeof(p));
	const struct sl_flow *f = &h->flow;
	p.src = dir == SL_DIR_TOSERVER ? f->cli : f->srv;
	p.dst = dir == SL_DIR_TOSERVER ? f->srv : f->cli;
	p.sport = dir == SL_DIR_TOSERVER ? f->cport : f->sport;
	p.dport = dir == SL_DIR_TOSERVER ? f->sport : f->cport;
	p.proto = f->proto;
	p.ip_version = f->cli.family;
	p.ts = h->now += 1000;
	p.tcp_flags = h->flags ? h->flags : (SL_TCP_PSH | SL_TCP_ACK);
	p.tcp_seq = seq;
	p.tcp_ack = h->seq[!dir];
	p.payload = payload;
	p.payload_len = (uint32_t)len;
	p.wirelen = (uint32_t)len + 54;
	h->flow.pkts[dir]++;
	h->flow.bytes[dir] += p.wirelen;
	if (h->flow.first == 0)
		h->flow.first = p.ts;
	h->flow.last = p.ts;
	if (sl_dispatch_packet(h->d, &h->flow, &p, dir)) {
		sl_identify_inspected(h->id, h->hosts, &h->flow, p.ts);
		sl_dispatch_inspection_end(h->d, &h->flow);
	}
	return seq;
}

/* As ph_feed_at at the direction's next sequence number; a SYN or FIN in
 * h->flags takes one sequence number, as on the wire. */
static inline uint32_t ph_feed(struct ph *h, enum sl_dir dir, const void *payload, size_t len)
{
	uint32_t seq = h->seq[dir];
	h->seq[dir] += (uint32_t)len + !!(h->flags & SL_TCP_SYN) + !!(h->flags & SL_TCP_FIN);
	return ph_feed_at(h, dir, payload, len, seq);
}

/* End the flow before reading fields: the parsers' flow_end hooks once,
 * the identification steps at every call (a test may read a field, feed
 * more packets and read again; the steps only add stronger claims). */
static inline void ph_end(struct ph *h)
{
	if (!h->ended)
		sl_dispatch_flow_end(h->d, &h->flow);
	sl_identify_flow_end(h->id, h->hosts, &h->flow, NULL);
	h->ended = true;
}

/* The flow's record as the engine makes it at flow end (DNS names copied). */
static inline struct sl_record ph_record(struct ph *h)
{
	struct sl_record r = { .flow = &h->flow, .event_type = "flow" };
	sl_hosts_name_record(h->hosts, &r);
	return r;
}

static inline const struct sl_value *ph_get(struct ph *h, const char *name)
{
	const struct sl_field *fd = sl_catalogue_find(name);
	ph_end(h);
	struct sl_record r = ph_record(h);
	if (!fd)
		abort(); /* a test naming an undeclared field is a bug in the test */
	memset(&h->v, 0, sizeof(h->v));
	return sl_field_get(fd, &r, &h->v) ? &h->v : NULL;
}

/* String field value, or NULL when absent. */
static inline const char *ph_str(struct ph *h, const char *name)
{
	const struct sl_value *v = ph_get(h, name);
	return v ? v->s : NULL;
}

/* Unsigned field value, or UINT64_MAX when absent. */
static inline uint64_t ph_u64(struct ph *h, const char *name)
{
	const struct sl_value *v = ph_get(h, name);
	return v ? v->u : UINT64_MAX;
}

/* Double field value, or -1 when absent. */
static inline double ph_f64(struct ph *h, const char *name)
{
	const struct sl_value *v = ph_get(h, name);
	return v ? v->d : -1.0;
}

static inline void ph_finish(struct ph *h)
{
	ph_end(h);
	sl_dispatch_flow_free(h->d, &h->flow);
	sl_dispatch_destroy(h->d);
	sl_identify_destroy(h->id);
	sl_hosts_destroy(h->hosts);
	sl_config_finish(&h->cfg);
}

#endif
