/* Offering the first packets of each flow to the protocol parsers, and the
 * life of their per-flow state (see the contract in proto.h). */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "sightline/proto.h"

/* One parser's state for one flow; the parser's bytes follow the header.
 * One is made for every TCP flow's SYN, so the header is kept to 16 bytes:
 * the parser pointer, which field getters compare many times per flow, and
 * not its index, which only the per-flow paths need (sl_proto_index()). */
struct sl_pstate {
	struct sl_pstate *next;
	const struct sl_proto *proto;
	alignas(max_align_t) unsigned char data[];
};

_Static_assert(sizeof(struct sl_pstate) == 16, "state header: one per parser and flow");

/* The flow's parser record, one per flow a parser took an interest in (every
 * TCP flow with a SYN): 64 bytes, members ordered so no padding is left. */
struct sl_app {
	struct sl_pstate *states;
	uint64_t done, rejected; /* bit i: parser i finished / declined this flow */
	uint64_t has_state;      /* bit i: parser i's state is on the list */
	uint64_t rtt_us;
	const char *claim_app, *claim_category;
	bool has_rtt;
	uint8_t claim_evidence;  /* enum sl_proto_evidence of the product claim */
	bool counted;            /* made by the dispatcher: its bytes are in state_bytes */
};

_Static_assert(sizeof(struct sl_app) <= 64, "parser record: one per inspected flow");

#define BUDGET_TABLE 32 /* packet indexes whose probe budgets are tabled */

struct sl_dispatch {
	const struct sl_config *cfg;
	const struct sl_proto_hosts *hosts; /* the engine's hosts table, for the parsers */
	void **globals;
	struct sl_dispatch_stats st;
	const struct sl_proto *protos[64]; /* the registry, by index */
	/* Per-flow blocks: state of parser i, flows' parser records.  Carved
	 * from chunks (blocks.h): no malloc/free pair per parser of a short
	 * flow, and no allocator header on each of a flood's million. */
	struct sl_blocks blocks[64];
	struct sl_blocks app_blocks;
	uint64_t class_mask[3];   /* bit i: parser i takes TCP, UDP, other IP protocols */
	uint64_t all_packets;     /* bit i: parser i is offered packets without payload */
	uint8_t budgeted[3][64];  /* per class, the parsers declaring a probe budget */
	uint8_t n_budgeted[3];
	/* budget_at[c][i]: budgeted(d, c, i) worked out at creation for the
	 * packet indexes every flow meets, instead of a walk of the budgeted
	 * parsers twice per inspected packet */
	uint64_t budget_at[3][BUDGET_TABLE];
};

static int l4_class(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

/* Parsers of class c that may still be probed at packet index although
 * they refused both first payloads: those whose declared budget is not
 * spent (proto.h: probe_budget). */
static uint64_t budget_walk(const struct sl_dispatch *d, int c, uint64_t index)
{
	uint64_t m = 0;
	for (size_t k = 0; k < d->n_budgeted[c]; k++)
		if (index < d->protos[d->budgeted[c][k]]->probe_budget)
			m |= 1ULL << d->budgeted[c][k];
	return m;
}

/* Each class's parsers as a bit set (bit i: registry index i, so a walk of
 * the bits meets them in registry order). */
static void index_l4(struct sl_dispatch *d)
{
	static const uint8_t bit[3] = { SL_L4_TCP, SL_L4_UDP, SL_L4_OTHER };
	for (size_t i = 0; i < sl_proto_count(); i++) {
		d->protos[i] = sl_proto_at(i);
		if (d->protos[i]->all_packets)
			d->all_packets |= 1ULL << i;
	}
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < sl_proto_count(); i++) {
			if (!(d->protos[i]->l4 & bit[c]))
				continue;
			d->class_mask[c] |= 1ULL << i;
			if (d->protos[i]->probe_budget)
				d->budgeted[c][d->n_budgeted[c]++] = (uint8_t)i;
		}
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
	index_l4(d);
	for (int c = 0; c < 3; c++)
		for (uint64_t i = 0; i < BUDGET_TABLE; i++)
			d->budget_at[c][i] = budget_walk(d, c, i);
	sl_blocks_init(&d->app_blocks, sizeof(struct sl_app));
	for (size_t i = 0; i < n; i++)
		sl_blocks_init(&d->blocks[i], sizeof(struct sl_pstate) + sl_proto_at(i)->state_size);
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

/* Chunks go back to the system. */
static void drain_blocks(struct sl_dispatch *d)
{
	for (size_t i = 0; i < 64; i++)
		sl_blocks_finish(&d->blocks[i]);
	sl_blocks_finish(&d->app_blocks);
}

void sl_dispatch_destroy(struct sl_dispatch *d)
{
	if (!d)
		return;
	drain_blocks(d);
	for (size_t i = 0; i < sl_proto_count(); i++)
		if (sl_proto_at(i)->destroy && d->globals[i])
			sl_proto_at(i)->destroy(d->globals[i]);
	free(d->globals);
	free(d);
}

static struct sl_pstate *find(const struct sl_dispatch *d, const struct sl_app *app, size_t idx)
{
	if (!app || !(app->has_state >> idx & 1)) /* most lookups: no walk */
		return NULL;
	for (struct sl_pstate *s = app->states; s; s = s->next)
		if (s->proto == d->protos[idx])
			return s;
	return NULL;
}

static void count_bytes(struct sl_dispatch *d, uint64_t n)
{
	d->st.state_bytes += n;
	if (d->st.state_bytes > d->st.state_bytes_max)
		d->st.state_bytes_max = d->st.state_bytes;
}

/* Per-flow parser state is made once per flow and parser, only for flows
 * a parser's probe() accepted; a failure skips that parser for the flow
 * and is counted, never fatal. */
static struct sl_pstate *add_state(struct sl_dispatch *d, struct sl_flow *f, size_t idx)
{
	if (!f->app) {
		f->app = sl_blocks_take(&d->app_blocks);
		if (!f->app) {
			d->st.alloc_failures++;
			return NULL;
		}
		f->app->counted = true;
		count_bytes(d, d->app_blocks.size);
	}
	struct sl_pstate *s = sl_blocks_take(&d->blocks[idx]);
	if (!s) {
		d->st.alloc_failures++;
		return NULL;
	}
	s->proto = d->protos[idx];
	s->next = f->app->states;
	f->app->states = s;
	f->app->has_state |= 1ULL << idx;
	d->st.states++;
	count_bytes(d, d->blocks[idx].size);
	return s;
}

/* Drop s, the state of parser idx. */
static void drop_state(struct sl_dispatch *d, struct sl_flow *f, struct sl_pstate *s, size_t idx)
{
	struct sl_pstate **pp = &f->app->states;
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	f->app->has_state &= ~(1ULL << idx);
	if (s->proto->release)
		s->proto->release(s->data);
	d->st.state_bytes -= d->blocks[idx].size;
	sl_blocks_give(&d->blocks[idx], s);
}

/* The registry index of the parser s belongs to. */
static size_t idx_of(const struct sl_pstate *s)
{
	return (size_t)sl_proto_index(s->proto);
}

/* Offer the packet to parser idx, which has not finished or declined the
 * flow (the caller checks).  True while it still wants packets; a probe()
 * that says no is a "no" for this packet only (the caller decides when the
 * parser has had its chance). */
static bool offer(struct sl_dispatch *d, size_t idx, struct sl_proto_pkt *pp)
{
	const struct sl_proto *p = d->protos[idx];
	struct sl_flow *f = pp->flow;
	uint64_t bit = 1ULL << idx;
	struct sl_pstate *s = find(d, f->app, idx);
	d->st.offers++;
	if (!s) {
		if (p->probe && !p->probe(pp)) {
			d->st.declines++;
			return true;
		}
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
		d->st.declines++;
		f->app->rejected |= bit;
		drop_state(d, f, s, idx);
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
		const struct sl_proto *p = s->proto;
		if (p->inspect_end && !((f->app->done | f->app->rejected) >> idx_of(s) & 1))
			p->inspect_end(s->data);
	}
}

/* The flow's inspection is over: it is only counted from now on. */
static bool inspection_over(struct sl_flow *f)
{
	f->inspect_done = true;
	return true;
}

/* The same, from the table for the first packets. */
static uint64_t budgeted(const struct sl_dispatch *d, int c, uint64_t index)
{
	return index < BUDGET_TABLE ? d->budget_at[c][index] : budget_walk(d, c, index);
}

/* Parsers of class c that may be probed by a packet at index going in
 * direction dir (2: either) of a flow whose first payloads so far are
 * firsts (bit per direction): only the first payload of each direction is
 * asked, then only parsers with a budget left. */
static uint64_t probeable(const struct sl_dispatch *d, int c, uint8_t firsts, unsigned dir,
			  uint64_t index)
{
	bool asked = dir < 2 ? firsts >> dir & 1 : firsts == 3;
	return asked ? budgeted(d, c, index) : d->class_mask[c];
}

/* Parsers of class c that have neither finished nor declined f and hold
 * state or may be probed (as probeable()). */
static uint64_t in_play(const struct sl_dispatch *d, const struct sl_flow *f, int c,
			unsigned dir, uint64_t index)
{
	const struct sl_app *a = f->app;
	uint64_t gone = a ? a->done | a->rejected : 0, held = a ? a->has_state : 0;
	return d->class_mask[c] & ~gone & (held | probeable(d, c, f->inspect_firsts, dir, index));
}

/* Offers go only to the parsers in play (a bit walk in registry order), so
 * a packet costs in proportion to the parsers still interested. */
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
	int c = l4_class(f->proto);
	uint64_t todo = in_play(d, f, c, dir, index);
	if (!pkt->payload_len)
		todo &= d->all_packets; /* the others wait for payload */
	while (todo) {
		size_t i = (size_t)__builtin_ctzll(todo);
		todo &= todo - 1;
		pp.global = d->globals[i];
		offer(d, i, &pp);
	}
	if (pkt->payload_len)
		f->inspect_firsts |= (uint8_t)(1u << dir);
	if (in_play(d, f, c, 2, index + 1))
		return false;
	if (index + 1 < limit)
		d->st.inspections_decided++;
	return inspection_over(f);
}

bool sl_dispatch_identified_done(const struct sl_flow *f)
{
	return f->app && f->app_proto && (f->app->done >> (f->app_proto - 1) & 1);
}

bool sl_dispatch_end_pending(const struct sl_flow *f)
{
	for (const struct sl_pstate *s = f->app ? f->app->states : NULL; s; s = s->next)
		if (s->proto->flow_end && !((f->app->done | f->app->rejected) >> idx_of(s) & 1))
			return true;
	return false;
}

void sl_dispatch_flow_end(struct sl_dispatch *d, struct sl_flow *f)
{
	for (struct sl_pstate *s = f->app ? f->app->states : NULL; s; s = s->next) {
		const struct sl_proto *p = s->proto;
		if (p->flow_end)
			p->flow_end(s->data, f, d->globals[idx_of(s)]);
	}
}

void sl_dispatch_flow_free(struct sl_dispatch *d, struct sl_flow *f)
{
	if (!f->app)
		return;
	while (f->app->states)
		drop_state(d, f, f->app->states, idx_of(f->app->states));
	if (f->app->counted) {
		d->st.state_bytes -= d->app_blocks.size;
		sl_blocks_give(&d->app_blocks, f->app);
	} else {
		free(f->app);
	}
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

/* Field getters and parsers that read another's facts call this many
 * times per flow: a walk of the flow's few states by parser beats finding
 * the parser's index first. */
const void *sl_flow_state(const struct sl_flow *f, const struct sl_proto *p)
{
	for (struct sl_pstate *s = f->app ? f->app->states : NULL; s; s = s->next)
		if (s->proto == p)
			return s->data;
	return NULL;
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
