/* Bounded flow table: a slab of fixed records, chained buckets indexed by a
 * symmetric seeded hash, and one age list per timeout and eviction class so
 * expiry and eviction are O(1) and driven only by the capture's clock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow_priv.h"
#include "sightline/flow.h"

#define NIL UINT32_MAX

/* One record per concurrent flow, all of them resident at a full table:
 * a million flows cost a megabyte per byte here (README: bytes_per_flow). */
_Static_assert(sizeof(struct sl_flow) <= 240, "flow record: keep members packed");

/*
 * Age lists.  A flow sits on one list at a time, chosen from its protocol
 * and state; every list holds flows with one timeout, in the order the
 * capture clock last saw them, so expiry and eviction look only at heads.
 * Flows of one packet (TCP: no completed handshake) have lists of their own
 * so that a full table gives them up first (embryonic), then TCP flows
 * already closed, and only then established sessions.
 */
enum tclass {
	TC_TCP_NEW, TC_UDP_ONE, TC_ICMP_ONE, TC_OTHER_ONE, /* embryonic */
	TC_TCP_CLOSED,                                    /* closed: FIN both ways or RST */
	TC_TCP_EST, TC_UDP, TC_ICMP, TC_OTHER,            /* established */
	TC__COUNT
};

enum rank { RANK_EMBRYONIC, RANK_CLOSED, RANK_ESTABLISHED, RANK__COUNT };

/* Lists [first, last) of each eviction rank, in the order a full table
 * takes from them. */
static const struct {
	uint8_t first, last;
} ranks[RANK__COUNT] = {
	[RANK_EMBRYONIC] = { TC_TCP_NEW, TC_TCP_CLOSED },
	[RANK_CLOSED] = { TC_TCP_CLOSED, TC_TCP_EST },
	[RANK_ESTABLISHED] = { TC_TCP_EST, TC__COUNT },
};

static enum rank rank_of(uint8_t tc)
{
	return tc < TC_TCP_CLOSED ? RANK_EMBRYONIC : tc == TC_TCP_CLOSED ? RANK_CLOSED
									  : RANK_ESTABLISHED;
}

struct age_list {
	uint32_t head, tail; /* head = least recently active */
};

struct sl_flow_table {
	struct sl_flow_config cfg;
	uint64_t seed;
	sl_flow_end_fn on_end;
	void *ctx;
	struct sl_flow *slab;
	uint32_t *buckets;   /* index + 1 of the chain head; 0 = empty (calloc'd) */
	uint32_t mask;
	uint32_t free_head;  /* records returned by ended flows */
	uint32_t fresh;      /* records below this were handed out at least once */
	struct age_list lists[TC__COUNT];
	sl_time_us timeout[TC__COUNT];
	sl_time_us now;      /* the capture clock: latest packet time of the capture */
	/* No list head is due before this time (a lower bound): expiry, asked on
	 * every packet, looks at the heads only once the clock reaches it. */
	sl_time_us next_due;
	struct sl_flow_stats stats;
};

static uint32_t idx_of(const struct sl_flow_table *t, const struct sl_flow *f)
{
	return (uint32_t)(f - t->slab);
}

/* Inline, both: every packet of a flow that is not already the newest of
 * its list moves it (a third of the long mix's packets), and the two calls
 * cost as much as the moves. */
static inline __attribute__((always_inline)) void list_unlink(struct sl_flow_table *t,
							    struct sl_flow *f)
{
	struct age_list *l = &t->lists[f->tclass];
	if (f->lprev != NIL)
		t->slab[f->lprev].lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NIL)
		t->slab[f->lnext].lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NIL;
}

static inline __attribute__((always_inline)) void list_append(struct sl_flow_table *t,
							    struct sl_flow *f, uint8_t tc)
{
	struct age_list *l = &t->lists[tc];
	uint32_t i = idx_of(t, f);
	f->tclass = tc;
	f->lnext = NIL;
	f->lprev = l->tail;
	if (l->tail != NIL) {
		t->slab[l->tail].lnext = i;
	} else {
		l->head = i;
		/* a new head: its due time may come before the bound */
		if (f->seen + t->timeout[tc] < t->next_due)
			t->next_due = f->seen + t->timeout[tc];
	}
	l->tail = i;
}

static inline uint8_t class_of(const struct sl_flow *f)
{
	bool one = f->pkts[0] + f->pkts[1] <= 1;
	switch (f->proto) {
	case 6:
		return f->state == SL_FLOW_NEW      ? TC_TCP_NEW
		       : f->state == SL_FLOW_CLOSED ? TC_TCP_CLOSED
						    : TC_TCP_EST;
	case 17: return one ? TC_UDP_ONE : TC_UDP;
	case 1:
	case 58: return one ? TC_ICMP_ONE : TC_ICMP;
	default: return one ? TC_OTHER_ONE : TC_OTHER;
	}
}

/* Its timeout passed on the capture clock: it ends as a timeout whenever it
 * is next looked at (expiry, its own next packet, eviction or the flush),
 * so when that happens changes nothing in what is reported. */
static bool is_due(const struct sl_flow_table *t, const struct sl_flow *f)
{
	return f->seen + t->timeout[f->tclass] <= t->now;
}

static uint32_t bucket_of(const struct sl_flow_table *t, const struct sl_packet *p,
			  const struct sl_flow_pkey *k)
{
	return (uint32_t)sl_flow_hash_pkey(p, k, t->seed) & t->mask;
}

/* Buckets hold index + 1 so that zeroed (lazily mapped) memory means empty;
 * chain links inside records hold plain indices with NIL as the end. */
static uint32_t head_of(const struct sl_flow_table *t, uint32_t b)
{
	return t->buckets[b] ? t->buckets[b] - 1 : NIL;
}

static void bucket_remove(struct sl_flow_table *t, struct sl_flow *f, uint32_t b)
{
	uint32_t i = idx_of(t, f), h = head_of(t, b);
	if (h == i) {
		t->buckets[b] = f->hnext == NIL ? 0 : f->hnext + 1;
		return;
	}
	while (h != NIL && t->slab[h].hnext != i)
		h = t->slab[h].hnext;
	if (h != NIL)
		t->slab[h].hnext = f->hnext;
}

/* Count an ending flow.  A flow already closed by FIN or RST keeps that
 * reason; one that makes room so is counted apart, since nothing of it is
 * lost, and evictions are exactly the flows that end as "evicted". */
static void count_end(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_reason why)
{
	if (f->reason == SL_END_NONE)
		f->reason = (uint8_t)why;
	else if (why == SL_END_EVICTED)
		t->stats.closed_reclaimed++;
	t->stats.ended[f->reason]++;
	if (f->reason != SL_END_EVICTED)
		return;
	t->stats.evictions++;
	if (rank_of(f->tclass) == RANK_EMBRYONIC)
		t->stats.evicted_embryonic++;
	else
		t->stats.evicted_established++;
}

/* End a flow: report it, then return its record to the free list. */
static void flow_end(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_reason why)
{
	count_end(t, f, why);
	t->stats.active--;
	t->on_end(t->ctx, f);
	list_unlink(t, f);
	bucket_remove(t, f, (uint32_t)sl_flow_hash_flow(f, t->seed) & t->mask);
	f->hnext = t->free_head;
	t->free_head = idx_of(t, f);
}

int sl_flow_table_create(const struct sl_flow_config *cfg, uint64_t hash_seed,
			 sl_flow_end_fn on_end, void *ctx, struct sl_flow_table **out)
{
	if (!cfg || !on_end || cfg->max_flows == 0 || cfg->max_flows > (1u << 30))
		return -EINVAL;
	struct sl_flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	uint32_t nb = 1;
	while (nb < cfg->max_flows * 2u)
		nb <<= 1;
	/* calloc of large blocks maps zero pages lazily: memory is only
	 * touched as flows are created, so a big cap costs nothing up front. */
	t->slab = calloc(cfg->max_flows, sizeof(*t->slab));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->slab || !t->buckets) {
		sl_flow_table_destroy(t);
		return -ENOMEM;
	}
	t->cfg = *cfg;
	t->seed = hash_seed;
	t->on_end = on_end;
	t->ctx = ctx;
	t->mask = nb - 1;
	t->free_head = NIL;
	for (int c = 0; c < TC__COUNT; c++)
		t->lists[c].head = t->lists[c].tail = NIL;
	const uint32_t secs[TC__COUNT] = {
		[TC_TCP_NEW] = cfg->timeout_tcp_new, [TC_TCP_EST] = cfg->timeout_tcp_established,
		[TC_TCP_CLOSED] = cfg->timeout_tcp_closed,
		[TC_UDP_ONE] = cfg->timeout_udp, [TC_UDP] = cfg->timeout_udp,
		[TC_ICMP_ONE] = cfg->timeout_icmp, [TC_ICMP] = cfg->timeout_icmp,
		[TC_OTHER_ONE] = cfg->timeout_other, [TC_OTHER] = cfg->timeout_other,
	};
	for (int c = 0; c < TC__COUNT; c++)
		t->timeout[c] = (sl_time_us)secs[c] * SL_US_PER_SEC;
	t->stats.capacity = cfg->max_flows;
	/* Buckets are touched at random, so at any real load all their pages
	 * are resident: each flow of a full table carries its share. */
	t->stats.table_bytes_per_flow = sizeof(struct sl_flow) +
					((size_t)nb * sizeof(*t->buckets) + cfg->max_flows - 1) /
						cfg->max_flows;
	*out = t;
	return 0;
}

void sl_flow_table_destroy(struct sl_flow_table *t)
{
	if (!t)
		return;
	free(t->slab);
	free(t->buckets);
	free(t);
}

/* The capture clock never goes back: a capture merged from several, or
 * files read one after the other, may step back in time, and a flow's
 * idle time is measured on this clock, not on its own packets' times. */
static void clock_to(struct sl_flow_table *t, sl_time_us now)
{
	if (now > t->now)
		t->now = now;
}

/* Expire idle flows whose class timeout passed; at most budget.  Returns
 * how many it ended.  Each list is ordered by last activity (appended at
 * the clock, which never goes back), so when no head is due nothing is: the
 * earliest head's due time then bounds when to look again.  A head that
 * leaves its list is followed by a later one, and a new head (an empty
 * list gets a flow) lowers the bound in list_append(). */
static uint32_t expire(struct sl_flow_table *t, uint32_t budget)
{
	if (t->now < t->next_due)
		return 0;
	uint32_t ended = 0;
	sl_time_us next = UINT64_MAX;
	for (int c = 0; c < TC__COUNT; c++) {
		while (ended < budget && t->lists[c].head != NIL) {
			struct sl_flow *f = &t->slab[t->lists[c].head];
			if (!is_due(t, f)) {
				if (f->seen + t->timeout[c] < next)
					next = f->seen + t->timeout[c];
				break;
			}
			flow_end(t, f, SL_END_TIMEOUT);
			ended++;
		}
		if (ended == budget) { /* stopped short: look again next time */
			next = 0;
			break;
		}
	}
	t->next_due = next;
	return ended;
}

uint32_t sl_flow_table_advance(struct sl_flow_table *t, sl_time_us now)
{
	clock_to(t, now);
	return expire(t, t->cfg.expire_batch);
}

/* The least recently seen flow at the head of lists [first, last), or NULL. */
static struct sl_flow *oldest_of(struct sl_flow_table *t, int first, int last)
{
	struct sl_flow *oldest = NULL;
	for (int c = first; c < last; c++) {
		uint32_t h = t->lists[c].head;
		if (h != NIL && (!oldest || t->slab[h].seen < oldest->seen))
			oldest = &t->slab[h];
	}
	return oldest;
}

/*
 * Table full: make room for one flow.  A flow whose timeout already passed
 * goes first, as the timeout it is; else the least recently seen embryonic
 * flow (a SYN never answered, a lone datagram: what a flood is made of),
 * then a TCP flow already closed (it keeps its reason), and only then an
 * established session, so a flood cannot push a live session out while it
 * has flows of its own to give up.  At most 2 * TC__COUNT heads are looked at.
 */
static void evict_one(struct sl_flow_table *t)
{
	if (expire(t, 1))
		return;
	for (int r = 0; r < RANK__COUNT; r++) {
		struct sl_flow *f = oldest_of(t, ranks[r].first, ranks[r].last);
		if (f) {
			flow_end(t, f, SL_END_EVICTED);
			return;
		}
	}
}

static struct sl_flow *lookup(struct sl_flow_table *t, const struct sl_packet *p,
			      const struct sl_flow_pkey *k, uint32_t b, enum sl_dir *dir)
{
	for (uint32_t i = head_of(t, b); i != NIL; i = t->slab[i].hnext) {
		struct sl_flow *f = &t->slab[i];
		int d = sl_flow_match_pkey(f, p, k);
		if (d >= 0) {
			*dir = (enum sl_dir)d;
			return f;
		}
	}
	return NULL;
}

static struct sl_flow *create(struct sl_flow_table *t, const struct sl_packet *p,
			      const struct sl_flow_pkey *k, uint32_t b, enum sl_dir *dir)
{
	if (t->free_head == NIL && t->fresh == t->cfg.max_flows)
		evict_one(t);
	uint32_t i;
	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = t->slab[i].hnext;
	} else {
		i = t->fresh++;
	}
	struct sl_flow *f = &t->slab[i];
	sl_flow_init_from_packet(f, p);
	f->seen = t->now;
	f->hnext = head_of(t, b);
	t->buckets[b] = i + 1;
	f->lprev = f->lnext = NIL;
	list_append(t, f, class_of(f));
	t->stats.created++;
	if (++t->stats.active > t->stats.active_max)
		t->stats.active_max = t->stats.active;
	*dir = (enum sl_dir)sl_flow_match_pkey(f, p, k); /* to client when first seen at SYN/ACK */
	return f;
}

/*
 * The packet's flow, or NULL when it has none: a flow of the same tuple
 * that timed out (whether or not expiry reached it yet) or that a new SYN
 * reuses ends first.  A packet that comes a timeout after the flow's latest
 * one in the flow's own time also starts anew, though the capture clock may
 * not have moved that far (its time stepped back): both tests read only the
 * flow and the clock, so they hold whichever worker holds the flow.
 */
static struct sl_flow *find(struct sl_flow_table *t, const struct sl_packet *p,
			    const struct sl_flow_pkey *k, uint32_t b, enum sl_dir *dir)
{
	struct sl_flow *f = lookup(t, p, k, b, dir);
	if (f && (is_due(t, f) || p->ts >= f->last + t->timeout[f->tclass])) {
		flow_end(t, f, SL_END_TIMEOUT);
		return NULL;
	}
	if (f && sl_flow_is_reuse(f, p)) {
		flow_end(t, f, SL_END_NONE);
		return NULL;
	}
	return f;
}

/*
 * An ICMP error is about the flow whose packet it quotes: a server's port
 * unreachable, a router's time exceeded.  Its sender took no part in that
 * conversation, so the error is counted there and makes no flow (and no
 * subject) of its own.  The flow's own counters and idle time stay as they
 * were: the error is not one of its packets.
 */
static void icmp_error(struct sl_flow_table *t, const struct sl_packet *p)
{
	struct sl_packet q = *p;
	enum sl_dir dir;
	struct sl_flow *f = NULL;
	if (p->icmp_quoted) {
		q.src = p->quote.src;
		q.dst = p->quote.dst;
		q.proto = p->quote.proto;
		q.sport = p->quote.sport;
		q.dport = p->quote.dport;
		q.icmp_type = (uint8_t)p->quote.sport;
		q.icmp_code = (uint8_t)p->quote.dport;
		q.tcp_flags = 0;
		struct sl_flow_pkey k;
		sl_flow_pkey(&q, &k);
		f = lookup(t, &q, &k, bucket_of(t, &q, &k), &dir);
	}
	if (!f) {
		t->stats.icmp_errors_unmatched++;
		return;
	}
	t->stats.icmp_errors++;
	if (!f->icmp_errors) {
		f->icmp_error_type = p->icmp_type;
		f->icmp_error_code = p->icmp_code;
	}
	if (f->icmp_errors < UINT16_MAX)
		f->icmp_errors++;
}

struct sl_flow *sl_flow_table_packet(struct sl_flow_table *t, const struct sl_packet *p,
				     sl_time_us now, enum sl_dir *dir)
{
	clock_to(t, now > p->ts ? now : p->ts);
	expire(t, t->cfg.expire_batch);
	if (p->icmp_error) {
		icmp_error(t, p);
		return NULL;
	}
	struct sl_flow_pkey k;
	sl_flow_pkey(p, &k);
	uint32_t b = bucket_of(t, p, &k);
	struct sl_flow *f = find(t, p, &k, b, dir);
	if (!f)
		f = create(t, p, &k, b, dir);
	sl_flow_account(f, p, *dir);
	f->seen = t->now;
	uint8_t tc = class_of(f);
	if (tc != f->tclass || t->lists[tc].tail != idx_of(t, f)) { /* already last: stays */
		list_unlink(t, f);
		list_append(t, f, tc);
	}
	return f;
}

static int cmp_first(const void *a, const void *b, void *slab)
{
	const struct sl_flow *fa = &((struct sl_flow *)slab)[*(const uint32_t *)a];
	const struct sl_flow *fb = &((struct sl_flow *)slab)[*(const uint32_t *)b];
	if (fa->first != fb->first)
		return fa->first < fb->first ? -1 : 1;
	return fa->flow_id < fb->flow_id ? -1 : fa->flow_id > fb->flow_id;
}

/* At the end of input a flow whose timeout passed timed out, whether or not
 * expiry (bounded per packet) reached it: the reason must not depend on
 * how the capture was shared among workers. */
static void end_at_flush(struct sl_flow_table *t, struct sl_flow *f)
{
	flow_end(t, f, is_due(t, f) ? SL_END_TIMEOUT : SL_END_SHUTDOWN);
}

void sl_flow_table_flush(struct sl_flow_table *t)
{
	size_t n = 0, cap = t->stats.active;
	uint32_t *order = malloc((cap ? cap : 1) * sizeof(*order));
	if (!order) {
		/* Out of memory at shutdown: still end every flow, in list order. */
		for (int c = 0; c < TC__COUNT; c++)
			while (t->lists[c].head != NIL)
				end_at_flush(t, &t->slab[t->lists[c].head]);
		return;
	}
	for (int c = 0; c < TC__COUNT; c++)
		for (uint32_t i = t->lists[c].head; i != NIL && n < cap; i = t->slab[i].lnext)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), cmp_first, t->slab);
	for (size_t k = 0; k < n; k++)
		end_at_flush(t, &t->slab[order[k]]);
	free(order);
}

struct slot {
	uint32_t table, idx;
};

static int cmp_slot(const void *a, const void *b, void *tables)
{
	struct sl_flow_table *const *ts = tables;
	const struct slot *sa = a, *sb = b;
	const struct sl_flow *fa = &ts[sa->table]->slab[sa->idx];
	const struct sl_flow *fb = &ts[sb->table]->slab[sb->idx];
	if (fa->first != fb->first)
		return fa->first < fb->first ? -1 : 1;
	return fa->flow_id < fb->flow_id ? -1 : fa->flow_id > fb->flow_id;
}

/* Workers' tables together, in the one order a single table would use,
 * so what the flows' ends feed (subjects, correlation) sees them in the
 * same sequence whatever the number of workers. */
void sl_flow_table_flush_all(struct sl_flow_table *const *tables, size_t n_tables)
{
	size_t n = 0, cap = 0;
	sl_time_us now = 0;
	for (size_t k = 0; k < n_tables; k++) {
		cap += tables[k]->stats.active;
		now = tables[k]->now > now ? tables[k]->now : now;
	}
	for (size_t k = 0; k < n_tables; k++)
		clock_to(tables[k], now); /* one clock decides what timed out */
	struct slot *order = malloc((cap ? cap : 1) * sizeof(*order));
	if (!order) {
		for (size_t k = 0; k < n_tables; k++)
			sl_flow_table_flush(tables[k]);
		return;
	}
	for (size_t k = 0; k < n_tables; k++) {
		const struct sl_flow_table *t = tables[k];
		for (int c = 0; c < TC__COUNT; c++)
			for (uint32_t i = t->lists[c].head; i != NIL && n < cap; i = t->slab[i].lnext)
				order[n++] = (struct slot){ (uint32_t)k, i };
	}
	qsort_r(order, n, sizeof(*order), cmp_slot, (void *)tables);
	for (size_t k = 0; k < n; k++)
		end_at_flush(tables[order[k].table], &tables[order[k].table]->slab[order[k].idx]);
	free(order);
}

const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t)
{
	return &t->stats;
}
