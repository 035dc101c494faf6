/* Account <-> address bindings: a table of sign-in intervals chained by
 * address and by account, so a flow's outside address and a sign-in's
 * account each find theirs in a few steps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/binding.h"

#define BUCKETS 4096 /* per index; chains stay short for tens of thousands */

struct bentry {
	bool used;
	char account[SL_SIGNIN_ACCOUNT_MAX];
	char folded[SL_SIGNIN_ACCOUNT_MAX];
	char source[SL_BINDING_SOURCE_MAX];
	struct sl_addr addr;
	sl_time_us since, until;
	uint32_t next_addr, next_acct; /* chain links: index + 1, 0 = end */
};

struct sl_bindings {
	sl_time_us ttl;
	uint32_t max, cap;
	struct bentry *e;
	uint32_t by_addr[BUCKETS], by_acct[BUCKETS]; /* chain heads: index + 1 */
	uint32_t free_head;                          /* free list through next_addr */
	sl_time_us latest;                           /* newest sign-in time fed */
	struct sl_bindings_stats st;
};

static uint32_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h % BUCKETS;
}

static uint32_t addr_bucket(const struct sl_addr *a)
{
	return hash_bytes(a->b, sl_addr_len(a));
}

static uint32_t acct_bucket(const char *folded)
{
	return hash_bytes(folded, strlen(folded));
}

int sl_bindings_create(sl_time_us ttl, uint32_t max, struct sl_bindings **out)
{
	if (!ttl || !max)
		return -EINVAL;
	struct sl_bindings *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ttl = ttl;
	b->max = max;
	*out = b;
	return 0;
}

void sl_bindings_destroy(struct sl_bindings *b)
{
	if (!b)
		return;
	free(b->e);
	free(b);
}

/* Take entry i out of the chain whose head is *head (link: which field). */
static void unlink_from(struct sl_bindings *b, uint32_t *head, uint32_t i, bool by_addr)
{
	for (uint32_t *p = head; *p; p = by_addr ? &b->e[*p - 1].next_addr : &b->e[*p - 1].next_acct)
		if (*p == i + 1) {
			*p = by_addr ? b->e[i].next_addr : b->e[i].next_acct;
			return;
		}
}

static void release(struct sl_bindings *b, uint32_t i)
{
	struct bentry *x = &b->e[i];
	unlink_from(b, &b->by_addr[addr_bucket(&x->addr)], i, true);
	unlink_from(b, &b->by_acct[acct_bucket(x->folded)], i, false);
	x->used = false;
	x->next_addr = b->free_head;
	b->free_head = i + 1;
	b->st.held--;
}

/*
 * A full table first forgets bindings that ended more than a ttl ago (a
 * flow still being written may look one up a little after it ended), then,
 * if none did, the one that ends first: a live binding lost, and counted.
 */
static void make_room(struct sl_bindings *b)
{
	uint32_t first = UINT32_MAX;
	for (uint32_t i = 0; i < b->cap; i++) {
		if (!b->e[i].used)
			continue;
		if (b->e[i].until + b->ttl <= b->latest)
			release(b, i);
		else if (first == UINT32_MAX || b->e[i].until < b->e[first].until)
			first = i;
	}
	if (!b->free_head && first != UINT32_MAX) {
		b->st.evicted++;
		release(b, first);
	}
}

/* A free slot, growing the array up to max; UINT32_MAX when out of memory. */
static uint32_t take_slot(struct sl_bindings *b)
{
	if (!b->free_head && b->cap < b->max) {
		uint32_t ncap = b->cap ? (b->cap > b->max / 2 ? b->max : b->cap * 2) : 64;
		ncap = ncap > b->max ? b->max : ncap;
		struct bentry *n = realloc(b->e, (size_t)ncap * sizeof(*n));
		if (n) {
			memset(n + b->cap, 0, (size_t)(ncap - b->cap) * sizeof(*n));
			for (uint32_t i = ncap; i > b->cap; i--) {
				n[i - 1].next_addr = b->free_head;
				b->free_head = i;
			}
			b->e = n;
			b->cap = ncap;
		}
	}
	if (!b->free_head && b->cap)
		make_room(b);
	if (!b->free_head)
		return UINT32_MAX;
	uint32_t i = b->free_head - 1;
	b->free_head = b->e[i].next_addr;
	b->st.held++;
	return i;
}

/*
 * The account's bindings meet a new sign-in at time t: one in force ends
 * at t (moved, when it was another address); one that starts later (a
 * sign-in met out of order) caps the new binding's end instead.
 */
static sl_time_us end_earlier(struct sl_bindings *b, const struct sl_signin *si)
{
	sl_time_us until = si->time + b->ttl;
	for (uint32_t k = b->by_acct[acct_bucket(si->account_folded)]; k; k = b->e[k - 1].next_acct) {
		struct bentry *x = &b->e[k - 1];
		if (strcmp(x->folded, si->account_folded) != 0)
			continue;
		if (x->since > si->time) {
			until = x->since < until ? x->since : until;
		} else if (x->until > si->time) {
			b->st.moved += sl_addr_cmp(&x->addr, &si->addr) != 0;
			x->until = si->time;
		}
	}
	return until;
}

/* Distinct accounts among addr's bindings in force at t, and the latest of them. */
static unsigned active_on(const struct sl_bindings *b, const struct sl_addr *addr, sl_time_us t,
			  const struct bentry **latest)
{
	unsigned n = 0;
	*latest = NULL;
	for (uint32_t k = b->by_addr[addr_bucket(addr)]; k; k = b->e[k - 1].next_addr) {
		const struct bentry *x = &b->e[k - 1];
		if (sl_addr_cmp(&x->addr, addr) != 0 || x->since > t || x->until <= t)
			continue;
		bool again = false; /* the same account twice (out-of-order sign-ins) */
		for (uint32_t j = b->by_addr[addr_bucket(addr)]; j != k && !again; j = b->e[j - 1].next_addr) {
			const struct bentry *y = &b->e[j - 1];
			again = sl_addr_cmp(&y->addr, addr) == 0 && y->since <= t && y->until > t &&
				strcmp(y->folded, x->folded) == 0;
		}
		n += !again;
		if (!*latest || x->since > (*latest)->since)
			*latest = x;
	}
	return n;
}

unsigned sl_bindings_signin(struct sl_bindings *b, const struct sl_signin *si)
{
	if (si->outcome != SL_SIGNIN_SUCCESS || !si->account_folded[0] || !si->addr.family) {
		b->st.ignored++;
		return 0;
	}
	b->latest = si->time > b->latest ? si->time : b->latest;
	sl_time_us until = end_earlier(b, si);
	uint32_t i = take_slot(b);
	if (i == UINT32_MAX) {
		b->st.evicted++; /* no memory for it: as lost as an evicted one */
		return 0;
	}
	struct bentry *x = &b->e[i];
	x->used = true;
	snprintf(x->account, sizeof(x->account), "%s", si->account);
	snprintf(x->folded, sizeof(x->folded), "%s", si->account_folded);
	snprintf(x->source, sizeof(x->source), "%s", si->source ? si->source : "");
	x->addr = si->addr;
	x->since = si->time;
	x->until = until;
	uint32_t ab = addr_bucket(&x->addr), cb = acct_bucket(x->folded);
	x->next_addr = b->by_addr[ab];
	b->by_addr[ab] = i + 1;
	x->next_acct = b->by_acct[cb];
	b->by_acct[cb] = i + 1;
	b->st.signins++;
	const struct bentry *latest;
	unsigned n = active_on(b, &si->addr, si->time, &latest);
	b->st.shared += n >= 2;
	return n;
}

bool sl_bindings_lookup(const struct sl_bindings *b, const struct sl_addr *addr, sl_time_us t,
			struct sl_binding *out)
{
	const struct bentry *x;
	unsigned n = b && addr->family ? active_on(b, addr, t, &x) : 0;
	if (!n)
		return false;
	memcpy(out->account, x->account, sizeof(out->account));
	memcpy(out->source, x->source, sizeof(out->source));
	out->addr = x->addr;
	out->since = x->since;
	out->until = x->until;
	out->accounts = n;
	return true;
}

const struct sl_bindings_stats *sl_bindings_stats(const struct sl_bindings *b)
{
	return &b->st;
}

void sl_bindings_signin_view(const struct sl_bindings *b, const struct sl_signin *si,
			     unsigned bound, struct sl_binding *out)
{
	if (!sl_bindings_lookup(b, &si->addr, si->time, out))
		memset(out, 0, sizeof(*out));
	snprintf(out->account, sizeof(out->account), "%s", si->account);
	snprintf(out->source, sizeof(out->source), "%s", si->source ? si->source : "");
	out->addr = si->addr;
	out->since = si->time;
	out->accounts = bound > out->accounts ? bound : out->accounts;
}
