/* Internals shared by the flow table files: keying, hashing and per-packet
 * accounting of one flow record. */
#ifndef SIGHTLINE_FLOW_PRIV_H
#define SIGHTLINE_FLOW_PRIV_H

#include "sightline/flow.h"

/* Symmetric seeded hash of a packet's flow key (same for both directions). */
uint64_t sl_flow_hash_packet(const struct sl_packet *p, uint64_t seed);
/* The same hash computed from a stored flow. */
uint64_t sl_flow_hash_flow(const struct sl_flow *f, uint64_t seed);
/* Direction of p within f (0 to server, 1 to client) or -1 if p is not f's. */
int sl_flow_match(const struct sl_flow *f, const struct sl_packet *p);
/* Fill a fresh record from the flow's first packet (client choice, flow id). */
void sl_flow_init_from_packet(struct sl_flow *f, const struct sl_packet *p);
/* True when p starts a new connection on the tuple of a closed TCP flow. */
bool sl_flow_is_reuse(const struct sl_flow *f, const struct sl_packet *p);
/* Count p and advance the TCP/UDP state of f. */
void sl_flow_account(struct sl_flow *f, const struct sl_packet *p, enum sl_dir dir);

/* The matching reply/request type of an ICMP (proto 1) or ICMPv6 (58)
 * type per the Community ID table, or -1 when the message is one-way. */
int sl_icmp_counterpart(uint8_t proto, uint8_t type);

#endif
