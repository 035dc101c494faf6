/* The tables behind include/sightline/hosts.h (private to sensor/hosts and
 * its tests): DHCP clients, the hosts that named a signalling service, and
 * the overlay peers.  The DNS names have their own header (dns_cache.h). */
#ifndef SIGHTLINE_HOSTS_PRIV_H
#define SIGHTLINE_HOSTS_PRIV_H

#include "sightline/hosts.h"

/* ---- DHCP clients (dhcp_table.c) ---- */

struct sl_dhcp_table;

/*
 * A table of max_hosts clients (rounded up to a multiple of 8; 0 gives a
 * table that stores nothing).  All memory is allocated here; learning never
 * allocates.  When a set of 8 is full, the host learned least recently in it
 * is forgotten.  Returns 0 or -ENOMEM.  Caller owns *out; free with
 * sl_dhcp_table_destroy().
 */
int sl_dhcp_table_create(uint32_t max_hosts, struct sl_dhcp_table **out);

/* Free the table.  Accepts NULL. */
void sl_dhcp_table_destroy(struct sl_dhcp_table *t);

/*
 * Merge what one message said about host h->mac: fields that are set in h
 * (ip family non-zero, non-empty strings) replace the stored ones, the rest
 * are kept; last_seen is taken from h.  h is borrowed for the call.
 */
void sl_dhcp_table_learn(struct sl_dhcp_table *t, const struct sl_dhcp_host *h);

/* Look a client up by MAC; on success copies the entry into *out (the
 * caller owns the copy; the table may change afterwards).  Accepts t NULL. */
bool sl_dhcp_lookup_mac(const struct sl_dhcp_table *t, const uint8_t mac[6],
			struct sl_dhcp_host *out);

/* The client whose last address is ip, copied into *out; false when no
 * client holds ip now.  Accepts t NULL. */
bool sl_dhcp_lookup_ip(const struct sl_dhcp_table *t, const struct sl_addr *ip,
		       struct sl_dhcp_host *out);

/* Hosts stored now.  Accepts NULL. */
uint32_t sl_dhcp_table_count(const struct sl_dhcp_table *t);

/* ---- ARP and neighbour-discovery bindings (neighbours.c) ---- */

struct sl_neighbour_table;

/* A table of max_bindings addresses (rounded up to a multiple of 8; 0
 * stores nothing), all memory allocated here.  Returns 0 or -ENOMEM.
 * Caller owns *out; free with sl_neighbour_table_destroy(). */
int sl_neighbour_table_create(uint32_t max_bindings, struct sl_neighbour_table **out);

/* Free the table.  Accepts NULL. */
void sl_neighbour_table_destroy(struct sl_neighbour_table *t);

/* Address a is at hardware address mac now (replacing what it was at). */
void sl_neighbour_table_learn(struct sl_neighbour_table *t, const struct sl_addr *a,
			      const uint8_t mac[6]);

/* The hardware address a was last bound to, into mac.  Accepts t NULL. */
bool sl_neighbour_table_lookup(const struct sl_neighbour_table *t, const struct sl_addr *a,
			       uint8_t mac[6]);

/* ---- hosts that named a signalling service (signalling.c) ---- */

#define SL_SIGNAL_HOSTS 1024                       /* hosts remembered (LRU beyond) */
#define SL_SIGNAL_WINDOW_US (600ull * SL_US_PER_SEC) /* media may follow the name this long */
#define SL_SIGNAL_SLACK_US (60ull * SL_US_PER_SEC)   /* ... or start this much before it */

struct sl_signal_table;

/* A table of SL_SIGNAL_HOSTS hosts.  Returns 0 or -ENOMEM.  Caller owns
 * *out; free with sl_signal_table_destroy(). */
int sl_signal_table_create(struct sl_signal_table **out);

/* Free the table.  Accepts NULL. */
void sl_signal_table_destroy(struct sl_signal_table *t);

/* Host x named the service over [first, last]; a full set gives up the
 * host marked longest ago. */
void sl_signal_table_note(struct sl_signal_table *t, const struct sl_addr *x, sl_time_us first,
			  sl_time_us last);

/* Whether a flow of x starting at start falls in x's window. */
bool sl_signal_table_recent(const struct sl_signal_table *t, const struct sl_addr *x,
			    sl_time_us start);

/* ---- overlay peers (peers.c) ---- */

#define SL_OVERLAY_PEERS 64 /* meta connections remembered for their UDP channel */

/* Meta connections seen: the hosts and the meta server's port (a ring; an
 * older entry is overwritten by a newer one). */
struct sl_overlay_peer {
	struct sl_addr cli, srv;
	uint16_t port;
};

struct sl_overlay_peers {
	struct sl_overlay_peer e[SL_OVERLAY_PEERS];
	unsigned next, used;
};

/* Remember a meta connection. */
void sl_overlay_peers_add(struct sl_overlay_peers *g, const struct sl_addr *cli,
			  const struct sl_addr *srv, uint16_t port);

/* Whether p runs between the hosts of a remembered meta connection, with
 * the meta server's port on the meta server's side. */
bool sl_overlay_peers_channel(const struct sl_overlay_peers *g, const struct sl_packet *p);

#endif
