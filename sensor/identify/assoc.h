/* Products decided by association (private to sensor/identify): a host that
 * just named a product's signalling service, and the media flows it opens
 * next.  One bounded table of hosts, owned by the identification stage. */
#ifndef SIGHTLINE_IDENTIFY_ASSOC_H
#define SIGHTLINE_IDENTIFY_ASSOC_H

#include "sightline/flow.h"

#define SL_ASSOC_HOSTS 1024                      /* hosts remembered (LRU beyond) */
#define SL_ASSOC_WINDOW_US (600ull * SL_US_PER_SEC) /* media may follow the name this long */
#define SL_ASSOC_SLACK_US (60ull * SL_US_PER_SEC)   /* ... or start this much before it */

struct sl_assoc;

/** A table of SL_ASSOC_HOSTS hosts.  Returns 0 or -ENOMEM.  Caller owns
 * *out; free with sl_assoc_destroy(). */
int sl_assoc_create(struct sl_assoc **out);
/** Free the table.  Accepts NULL. */
void sl_assoc_destroy(struct sl_assoc *a);

/**
 * Offer flow f (products already claimed; at inspection end or flow end;
 * seen_until = the latest packet time known): a Chrome Remote Desktop flow
 * named by DNS, SNI, certificate or wire marks its client; a STUN or DTLS
 * flow of a marked host (either end) that starts within the window gets
 * app chrome-remote-desktop with source SL_SRC_ASSOCIATION.
 */
void sl_assoc_flow(struct sl_assoc *a, struct sl_flow *f, sl_time_us seen_until);

#endif
