/* The hosts that named a remote-access product's signalling service, with
 * the span of those flows: a bounded table of hosts in sets of WAYS, the
 * one marked longest ago given up when a set is full.  Media flows the
 * same host opens within the window belong to the session
 * (sensor/identify/assoc.c decides which). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hosts_priv.h"

#define WAYS 4

struct host {
	struct sl_addr addr;
	bool used;
	sl_time_us first, last; /* span of the naming flows seen from this host */
};

struct sl_signal_table {
	struct host h[SL_SIGNAL_HOSTS];
};

_Static_assert(SL_SIGNAL_HOSTS % WAYS == 0, "whole sets");

int sl_signal_table_create(struct sl_signal_table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void sl_signal_table_destroy(struct sl_signal_table *t)
{
	free(t);
}

/* FNV-1a over the address picks a set of WAYS entries. */
static struct host *set_of(const struct sl_signal_table *t, const struct sl_addr *x)
{
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < sl_addr_len(x); i++)
		h = (h ^ x->b[i]) * 16777619u;
	return (struct host *)&t->h[(h % (SL_SIGNAL_HOSTS / WAYS)) * WAYS];
}

static struct host *find(const struct sl_signal_table *t, const struct sl_addr *x)
{
	struct host *s = set_of(t, x);
	for (int i = 0; i < WAYS; i++)
		if (s[i].used && s[i].addr.family == x->family &&
		    memcmp(s[i].addr.b, x->b, sl_addr_len(x)) == 0)
			return &s[i];
	return NULL;
}

void sl_signal_table_note(struct sl_signal_table *t, const struct sl_addr *x, sl_time_us first,
			  sl_time_us last)
{
	struct host *e = find(t, x);
	if (!e) {
		struct host *s = set_of(t, x);
		e = &s[0];
		for (int i = 0; i < WAYS && e->used; i++)
			if (!s[i].used || s[i].last < e->last)
				e = &s[i];
		*e = (struct host){ .addr = *x, .used = true, .first = first, .last = last };
		return;
	}
	e->first = first < e->first ? first : e->first;
	e->last = last > e->last ? last : e->last;
}

bool sl_signal_table_recent(const struct sl_signal_table *t, const struct sl_addr *x,
			    sl_time_us start)
{
	const struct host *e = find(t, x);
	return e && start + SL_SIGNAL_SLACK_US >= e->first && start <= e->last + SL_SIGNAL_WINDOW_US;
}
