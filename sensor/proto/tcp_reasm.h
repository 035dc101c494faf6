/* In-order delivery of one direction of a TCP stream for the protocol
 * parsers: segments are handed on in sequence order, retransmitted bytes are
 * dropped, and segments that arrive early wait in a small window that exists
 * only while something is waiting.  Private to sensor/proto. */
#ifndef SIGHTLINE_PROTO_TCP_REASM_H
#define SIGHTLINE_PROTO_TCP_REASM_H

#include "sightline/common.h"

#define SL_REASM_WINDOW (16 * 1024) /* bytes past the next expected one that may wait */
#define SL_REASM_RANGES 4           /* disjoint early pieces that may wait */

struct sl_reasm_range {
	uint32_t lo, hi; /* [lo, hi) as offsets from next_seq */
};

/* One direction.  Zero-initialised is ready; free with sl_reasm_finish(). */
struct sl_reasm {
	uint32_t next_seq;  /* next expected sequence number */
	uint32_t hint_seq;  /* where the stream starts, as the peer's ACK said */
	bool started, hinted;
	uint8_t n_rng;
	uint8_t *win;       /* SL_REASM_WINDOW bytes while pieces wait, else NULL */
	struct sl_reasm_range rng[SL_REASM_RANGES];
};

/* Receives in-order bytes; a negative return stops delivery and is passed
 * back to the caller of sl_reasm_packet(). */
typedef int (*sl_reasm_deliver_fn)(void *ctx, const uint8_t *p, size_t n);

/**
 * Suggest where the stream starts: the peer's acknowledgement number.  Used
 * only before the first segment, so that a first segment arriving early is
 * held rather than taken as the start.
 */
void sl_reasm_hint(struct sl_reasm *r, uint32_t ack);

/**
 * Offer one segment.  In-order bytes (and any waiting pieces they make
 * contiguous) go to deliver(ctx, ...); an early segment waits when hold is
 * true.  *overflows counts segments (or parts) dropped because the window or
 * its range slots were full, or memory ran out.  Returns 0 or deliver's
 * negative code.  Borrowed: p is only read during the call.
 */
int sl_reasm_packet(struct sl_reasm *r, uint32_t seq, const uint8_t *p, uint32_t n, bool hold,
		    sl_reasm_deliver_fn deliver, void *ctx, uint16_t *overflows);

/** True when a segment at seq of n bytes carries bytes not delivered yet. */
bool sl_reasm_is_new(const struct sl_reasm *r, uint32_t seq, uint32_t n);

/** Free the waiting window (the position is kept).  Accepts a zeroed r. */
void sl_reasm_finish(struct sl_reasm *r);

#endif
