/* The lines a transport has sent but not yet seen confirmed, oldest first,
 * kept so they can be sent again on the next connection (TCP syslog, RELP).
 * One byte buffer and one record array, both compacted when their front
 * half is spent, so pushing and popping cost no allocation once warm. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output_priv.h"

#define MIN_BYTES 4096
#define MIN_RECS 64

void sl_held_finish(struct sl_held *h)
{
	if (!h)
		return;
	free(h->buf);
	free(h->recs);
	memset(h, 0, sizeof(*h));
}

/* Move the live part of both arrays to their start. */
static void compact(struct sl_held *h)
{
	size_t skip = h->n ? h->recs[h->first].off : h->used;
	memmove(h->buf, h->buf + skip, h->used - skip);
	h->used -= skip;
	memmove(h->recs, h->recs + h->first, h->n * sizeof(*h->recs));
	h->first = 0;
	for (size_t i = 0; i < h->n; i++)
		h->recs[i].off -= skip;
}

static int room(struct sl_held *h, size_t len)
{
	/* Compact only when at least half is spent, so each byte moves a
	 * bounded number of times; otherwise grow. */
	size_t spent = h->n ? h->recs[h->first].off : h->used;
	if ((h->used + len > h->cap && spent && 2 * spent >= h->used) ||
	    (h->first + h->n == h->rcap && h->first && 2 * h->first >= h->first + h->n))
		compact(h);
	if (h->used + len > h->cap) {
		size_t cap = h->cap ? h->cap : MIN_BYTES;
		while (cap < h->used + len)
			cap *= 2;
		char *nb = realloc(h->buf, cap);
		if (!nb)
			return -ENOMEM;
		h->buf = nb;
		h->cap = cap;
	}
	if (h->first + h->n == h->rcap) {
		size_t rcap = h->rcap ? h->rcap * 2 : MIN_RECS;
		struct sl_held_rec *nr = realloc(h->recs, rcap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		h->recs = nr;
		h->rcap = rcap;
	}
	return 0;
}

int sl_held_push(struct sl_held *h, const char *p, size_t len)
{
	if (len > UINT32_MAX || room(h, len) < 0)
		return -ENOMEM;
	struct sl_held_rec *r = &h->recs[h->first + h->n];
	r->off = h->used;
	r->len = (uint32_t)len;
	r->counted = false;
	memcpy(h->buf + h->used, p, len);
	h->used += len;
	h->n++;
	h->bytes += len;
	return 0;
}

struct sl_held_rec *sl_held_at(struct sl_held *h, size_t i)
{
	return &h->recs[h->first + i];
}

const char *sl_held_data(const struct sl_held *h, const struct sl_held_rec *r)
{
	return h->buf + r->off;
}

void sl_held_pop(struct sl_held *h, size_t k)
{
	for (size_t i = 0; i < k && h->n; i++) {
		h->bytes -= h->recs[h->first].len;
		h->first++;
		h->n--;
	}
	if (h->n == 0)
		h->first = h->used = 0;
}

void sl_held_drop_last(struct sl_held *h)
{
	if (!h->n)
		return;
	struct sl_held_rec *r = &h->recs[h->first + h->n - 1];
	h->used = r->off;
	h->bytes -= r->len;
	h->n--;
	if (h->n == 0)
		h->first = h->used = 0;
}
