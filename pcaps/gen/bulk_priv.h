/* What the bulk sessions (bulk.c) offer the other benchmark mode (short.c): the writer
 * state and one session written from explicit endpoints (internal header). */
#ifndef PCAPS_GEN_BULK_PRIV_H
#define PCAPS_GEN_BULK_PRIV_H

#include "pcapw.h"
#include "pkt.h"
#include "rng.h"

#include <stdbool.h>
#include <stdint.h>

struct bulk {
	struct sl_pcapw *w;
	struct sl_rng rng;
	struct sl_pb pb;              /* scratch for hand-built UDP datagrams */
	bool brief;                   /* a visit, not a session: a page or two, a login and a
	                               * few commands, a few QUIC bursts, a small download */
};

/* One session's kind and endpoints. */
struct sl_bulk_flow {
	char kind;                    /* 'T' TLS 1.3, 'Q' QUIC, 'S' SSH, 'H' HTTP, 'D' DNS */
	unsigned i;                   /* session number: picks the name, path or query */
	const char *client, *server;  /* addresses, as sl_pb_addr_parse() reads them */
	uint16_t cport, sport;
	const char *sni;              /* TLS: the name; NULL takes one of bulk's by `i` */
};

/** A number from lo to hi inclusive, drawn from b's generator. */
static inline uint32_t sl_bulk_pick(struct bulk *b, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(sl_rng_next(&b->rng) % (hi - lo + 1));
}

/**
 * Writes session f starting at t into b->w: the client one switch from the sensor, the
 * server 2..60 ms away (both drawn from b's generator). Returns 0 or -errno.
 */
int sl_bulk_flow_write(struct bulk *b, const struct sl_bulk_flow *f, uint64_t t);

#endif
