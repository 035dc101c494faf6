/* Offering the first packets of each flow to the protocol parsers, and the
 * life of their per-flow state (see the contract in proto.h). */
#include <errno.h>
#include <malloc.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/proto.h"

/* One parser's state for one flow; the parser's bytes follow the header. */
struct sl_pstate {
	struct sl_pstate *next;
	uint16_t idx;
	alignas(max_align_t) unsigned char data[];
};

struct sl_app {
	uint64_t done, rejected; /* bit i: parser i finished / declined this flow */
	uint64_t has_state;      /* bit i: parser i's state is on the list */
	uint64_t rtt_us;
	bool has_rtt;
	uint8_t claim_evidence;  /* enum sl_proto_evidence of the product claim */
	const char *claim_app, *claim_category;
	struct sl_pstate *states;
	bool counted;            /* made by the dispatcher: its bytes are in state_bytes */
};

struct sl_dispatch {
	const struct sl_config *cfg;
	const struct sl_proto_hosts *hosts; /* the engine's hosts table, for the parsers */
	void **globals;
	struct sl_dispatch_stats st;
	uint8_t by_l4[3][64];     /* parsers for TCP, UDP and other IP protocols, in order */
	uint8_t n_by_l4[3];
};

static int l4_class(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

/* Each class's parsers in registry order, so a packet meets only those. */
static void index_l4(struct sl_dispatch *d)
{
	static const uint8_t bit[3] = { SL_L4_TCP, SL_L4_UDP, SL_L4_OTHER };
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < sl_proto_count(); i++)
			if (sl_proto_at(i)->l4 & bit[c])
				d->by_l4[c][d->n_by_l4[c]++] = (uint8_t)i;
}

int sl_dispatch_create(const struct sl_config *cfg, const struct sl_proto_hosts *hosts,
		       struct sl_dispatch **out, char *err, size_t errlen)
{
	size_t n = sl_proto_count();
	struct sl_dispatch *d = calloc(1, sizeof(*d));
	if (!d || !(d->globals = calloc(n ? n : 1, sizeof(void *)))) {
		free(d);
		return -ENOMEM;
	}
	d->cfg = cfg;
	d->hosts = hosts;
	_Static_assert(sizeof(d->by_l4[0]) >= 64, "one slot per parser bit");
	index_l4(d);
	for (size_t i = 0; i < n; i++) {
		const struct sl_proto *p = sl_proto_at(i);
		int rc = p->create ? p->create(cfg, &d->globals[i], err, errlen) : 0;
		if (rc < 0) {
			sl_dispatch_destroy(d);
			return rc;
		}
	}
	*out = d;
	return 0;
}

void sl_dispatch_destroy(struct sl_dispatch *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < sl_proto_count(); i++)
		if (sl_proto_at(i)->destroy && d->globals[i])
			sl_proto_at(i)->destroy(d->globals[i]);
	free(d->globals);
	free(d);
}

static struct sl_pstate *find(const struct sl_app *app, size_t idx)
{
	if (!app || !(app->has_state >> idx & 1)) /* most lookups: no walk */
		return NULL;
	for (struct sl_pstate *s = app->states; s; s = s->next)
		if (s->idx == idx)
			return s;
	return NULL;
}

/* What a block really takes from the allocator: its usable size and the
 * size word glibc keeps before it (malloc_usable_size(3)), so the figure
 * matches what the process grows by, not what was asked for. */
static uint64_t block_bytes(void *p)
{
	return malloc_usable_size(p) + sizeof(size_t);
}

static void count_bytes(struct sl_dispatch *d, uint64_t n)
{
	d->st.state_bytes += n;
	if (d->st.state_bytes > d->st.state_bytes_max)
		d->st.state_bytes_max = d->st.state_bytes;
}

/* Per-flow parser state is allocated once per flow and parser, only for
 * flows a parser's probe() accepted; a failure skips that parser for the
 * flow and is counted, never fatal. */
static struct sl_pstate *add_state(struct sl_dispatch *d, struct sl_flow *f, size_t idx)
{
	const struct sl_proto *p = sl_proto_at(idx);
	if (!f->app) {
		if (!(f->app = calloc(1, sizeof(*f->app)))) {
			d->st.alloc_failures++;
			return NULL;
		}
		f->app->counted = true;
		count_bytes(d, block_bytes(f->app));
	}
	struct sl_pstate *s = calloc(1, sizeof(*s) + p->state_size);
	if (!s) {
		d->st.alloc_failures++;
		return NULL;
	}
	s->idx = (uint16_t)idx;
	s->next = f->app->states;
	f->app->states = s;
	f->app->has_state |= 1ULL << idx;
	d->st.states++;
	count_bytes(d, block_bytes(s));
	return s;
}

static void drop_state(struct sl_dispatch *d, struct sl_flow *f, struct sl_pstate *s)
{
	const struct sl_proto *p = sl_proto_at(s->idx);
	struct sl_pstate **pp = &f->app->states;
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	f->app->has_state &= ~(1ULL << s->idx);
	if (p->release)
		p->release(s->data);
	d->st.state_bytes -= block_bytes(s);
	free(s);
}


/* Offer the packet to parser idx, which has not finished or declined the
 * flow (the caller checks).  True while it still wants packets. */
static bool offer(struct sl_dispatch *d, size_t idx, struct sl_proto_pkt *pp)
{
	const struct sl_proto *p = sl_proto_at(idx);
	struct sl_flow *f = pp->flow;
	uint64_t bit = 1ULL << idx;
	struct sl_pstate *s = find(f->app, idx);
	if (!s) {
		if (p->probe && !p->probe(pp))
			return true;
		if (!(s = add_state(d, f, idx)))
			return false;
	}
	switch (p->packet(s->data, pp)) {
	case SL_PROTO_MORE:
		return true;
	case SL_PROTO_DONE:
		f->app->done |= bit;
		return false;
	case SL_PROTO_NOT_MINE:
	default:
		f->app->rejected |= bit;
		drop_state(d, f, s);
		return false;
	}
}

/* Inspection stops with parsers still waiting (e.g. a handshake cut off
 * by the limit): let them drop their scratch buffers now rather than hold
 * them until the flow ends. */
void sl_dispatch_inspection_end(struct sl_dispatch *d, struct sl_flow *f)
{
	(void)d;
	for (struct sl_pstate *s = f->app ? f->app->states : NULL; s; s = s->next) {
		const struct sl_proto *p = sl_proto_at(s->idx);
		if (p->inspect_end && !((f->app->done | f->app->rejected) & (1ULL << s->idx)))
			p->inspect_end(s->data);
	}
}

/* The flow's inspection is over: it is only counted from now on. */
static bool inspection_over(struct sl_flow *f)
{
	f->inspect_done = true;
	return true;
}

bool sl_dispatch_packet(struct sl_dispatch *d, struct sl_flow *f, const struct sl_packet *pkt,
			enum sl_dir dir)
{
	if (f->inspect_done)
		return false;
	uint64_t index = f->pkts[0] + f->pkts[1] - 1;
	/* other IP protocols (ESP, GRE...) are datagrams: the UDP limit */
	uint32_t limit = f->proto == 6 ? d->cfg->inspect.tcp_packets : d->cfg->inspect.udp_packets;
	if (index >= limit)
		return inspection_over(f);
	struct sl_proto_pkt pp = { .pkt = pkt, .flow = f, .dir = dir, .index = index,
				   .hosts = d->hosts };
	bool wanted = false;
	int c = l4_class(f->proto);
	for (size_t k = 0; k < d->n_by_l4[c]; k++) {
		size_t i = d->by_l4[c][k];
		if (f->app && ((f->app->done | f->app->rejected) >> i & 1))
			continue;
		if (!pkt->payload_len && !sl_proto_at(i)->all_packets) {
			wanted = true; /* it waits for payload */
			continue;
		}
		pp.global = d->globals[i];
		wanted |= offer(d, i, &pp);
	}
	return !wanted && inspection_over(f);
}

bool sl_dispatch_identified_done(const struct sl_flow *f)
{
	return f->app && f->app_proto && (f->app->done >> (f->app_proto - 1) & 1);
}

void sl_dispatch_flow_end(struct sl_dispatch *d, struct sl_flow *f)
{
	for (struct sl_pstate *s = f->app ? f->app->states : NULL; s; s = s->next) {
		const struct sl_proto *p = sl_proto_at(s->idx);
		if (p->flow_end)
			p->flow_end(s->data, f, d->globals[s->idx]);
	}
}

void sl_dispatch_flow_free(struct sl_dispatch *d, struct sl_flow *f)
{
	if (!f->app)
		return;
	while (f->app->states)
		drop_state(d, f, f->app->states);
	if (f->app->counted)
		d->st.state_bytes -= block_bytes(f->app);
	free(f->app);
	f->app = NULL;
}

const struct sl_dispatch_stats *sl_dispatch_stats(const struct sl_dispatch *d)
{
	return &d->st;
}

void sl_app_identify(struct sl_flow *f, const struct sl_proto *p)
{
	int i = sl_proto_index(p);
	if (f->app_proto == 0 && i >= 0)
		f->app_proto = (uint8_t)(i + 1);
}

void sl_app_set_rtt(struct sl_flow *f, uint64_t us)
{
	if (f->app && !f->app->has_rtt) {
		f->app->rtt_us = us;
		f->app->has_rtt = true;
	}
}

/* The strongest claim stays; of equal ones the first. */
void sl_proto_claim_product(struct sl_flow *f, const char *app, const char *category,
			    enum sl_proto_evidence ev)
{
	if (!f->app || ev <= f->app->claim_evidence)
		return;
	f->app->claim_app = app;
	f->app->claim_category = category;
	f->app->claim_evidence = (uint8_t)ev;
}

bool sl_proto_product_claim(const struct sl_flow *f, const char **app, const char **category,
			    enum sl_proto_evidence *ev)
{
	if (!f->app || !f->app->claim_evidence)
		return false;
	*app = f->app->claim_app;
	*category = f->app->claim_category;
	*ev = (enum sl_proto_evidence)f->app->claim_evidence;
	return true;
}

bool sl_app_rtt(const struct sl_flow *f, uint64_t *us)
{
	if (!f->app || !f->app->has_rtt)
		return false;
	*us = f->app->rtt_us;
	return true;
}

const void *sl_flow_state(const struct sl_flow *f, const struct sl_proto *p)
{
	int i = sl_proto_index(p);
	struct sl_pstate *s = i >= 0 ? find(f->app, (size_t)i) : NULL;
	return s ? s->data : NULL;
}

const void *sl_record_state(const struct sl_record *r, const struct sl_proto *p)
{
	return sl_flow_state(r->flow, p);
}

uint64_t sl_record_states(const struct sl_record *r)
{
	return r->flow->app ? r->flow->app->has_state : 0;
}

void sl_proto_learn(const struct sl_proto_pkt *pp, const struct sl_host_fact *fact)
{
	if (pp->hosts && pp->hosts->learn)
		pp->hosts->learn(pp->hosts->ctx, fact);
}

bool sl_proto_overlay_channel(const struct sl_proto_pkt *pp)
{
	return pp->hosts && pp->hosts->overlay_channel &&
	       pp->hosts->overlay_channel(pp->hosts->ctx, pp->pkt);
}
