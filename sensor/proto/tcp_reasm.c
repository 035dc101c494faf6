/* In-order delivery of a TCP direction with a bounded out-of-order window
 * (RFC 9293 §3.10.7.4: segments are processed in sequence order; bytes
 * before the next expected one are duplicates).  See tcp_reasm.h. */
#include <stdlib.h>
#include <string.h>

#include "tcp_reasm.h"

void sl_reasm_hint(struct sl_reasm *r, uint32_t ack)
{
	if (!r->started) {
		r->hint_seq = ack;
		r->hinted = true;
	}
}

void sl_reasm_finish(struct sl_reasm *r)
{
	free(r->win);
	r->win = NULL;
	r->n_rng = 0;
}

bool sl_reasm_is_new(const struct sl_reasm *r, uint32_t seq, uint32_t n)
{
	return !r->started || (int32_t)(seq + n - r->next_seq) > 0;
}

/* Slide the window after the stream advanced by k bytes. */
static void advance(struct sl_reasm *r, uint32_t k)
{
	uint8_t n = 0;
	r->next_seq += k;
	if (!r->win)
		return;
	if (k < SL_REASM_WINDOW)
		memmove(r->win, r->win + k, SL_REASM_WINDOW - k);
	for (uint8_t i = 0; i < r->n_rng; i++) {
		struct sl_reasm_range g = r->rng[i];
		if (g.hi <= k)
			continue;
		g.lo = g.lo > k ? g.lo - k : 0;
		g.hi -= k;
		r->rng[n++] = g;
	}
	r->n_rng = n;
	if (!n)
		sl_reasm_finish(r);
}

/* Keep a segment that starts off bytes past the next expected one, merging
 * it with the waiting pieces it touches. */
static void store(struct sl_reasm *r, uint32_t off, const uint8_t *p, uint32_t n, uint16_t *overflows)
{
	if (off >= SL_REASM_WINDOW || (!r->win && !(r->win = malloc(SL_REASM_WINDOW)))) {
		(*overflows)++;
		return;
	}
	if (n > SL_REASM_WINDOW - off) {
		n = SL_REASM_WINDOW - off;
		(*overflows)++;
	}
	struct sl_reasm_range g = { off, off + n };
	uint8_t k = 0;
	for (uint8_t i = 0; i < r->n_rng; i++) {
		if (r->rng[i].lo <= g.hi && g.lo <= r->rng[i].hi) {
			g.lo = r->rng[i].lo < g.lo ? r->rng[i].lo : g.lo;
			g.hi = r->rng[i].hi > g.hi ? r->rng[i].hi : g.hi;
		} else {
			r->rng[k++] = r->rng[i];
		}
	}
	if (k == SL_REASM_RANGES) { /* no slot: the merged pieces stay, this one goes */
		(*overflows)++;
		return;
	}
	memcpy(r->win + off, p, n);
	uint8_t at = k;
	while (at > 0 && r->rng[at - 1].lo > g.lo) {
		r->rng[at] = r->rng[at - 1];
		at--;
	}
	r->rng[at] = g;
	r->n_rng = (uint8_t)(k + 1);
}

/* Deliver n in-order bytes, then every waiting piece that now follows. */
static int deliver_run(struct sl_reasm *r, const uint8_t *p, uint32_t n, sl_reasm_deliver_fn deliver,
		       void *ctx)
{
	int rc = deliver(ctx, p, n);
	advance(r, n);
	while (rc >= 0 && r->n_rng && r->rng[0].lo == 0) {
		uint32_t k = r->rng[0].hi;
		rc = deliver(ctx, r->win, k);
		advance(r, k);
	}
	return rc < 0 ? rc : 0;
}

int sl_reasm_packet(struct sl_reasm *r, uint32_t seq, const uint8_t *p, uint32_t n, bool hold,
		    sl_reasm_deliver_fn deliver, void *ctx, uint16_t *overflows)
{
	if (!r->started) {
		r->started = true;
		r->next_seq = r->hinted && seq - r->hint_seq < SL_REASM_WINDOW ? r->hint_seq : seq;
	}
	uint32_t ahead = seq - r->next_seq, behind = r->next_seq - seq;
	if (ahead && ahead < 0x80000000u) {
		if (hold)
			store(r, ahead, p, n, overflows);
		return 0;
	}
	if (!ahead)
		behind = 0;
	if (behind >= n)
		return 0; /* all of it delivered before: a retransmission */
	return deliver_run(r, p + behind, n - behind, deliver, ctx);
}
