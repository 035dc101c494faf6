/* What DHCP told us about the hosts of the LAN: a bounded table keyed by
 * client MAC (host name, vendor class, last address), with an index from
 * address to MAC.  The DHCP parser (sensor/proto/dhcp.c) fills it; subject
 * attribution reads it to name the device behind an address. */
#ifndef SIGHTLINE_DHCP_H
#define SIGHTLINE_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#include "sightline/common.h"
#include "sightline/field.h"

#define SL_DHCP_STR_MAX 64 /* bytes kept of host name and vendor class, NUL included */

/* One DHCP client as last seen. */
struct sl_dhcp_host {
	uint8_t mac[6];                     /* client hardware address (chaddr) */
	struct sl_addr ip;                  /* last address: ACK yiaddr, or ciaddr of a client
					     * that holds one; family 0 when none seen yet */
	char hostname[SL_DHCP_STR_MAX];     /* option 12 from the client; "" if none */
	char vendor_class[SL_DHCP_STR_MAX]; /* option 60 from the client; "" if none */
	sl_time_us last_seen;               /* packet time of the last message about it */
};

struct sl_dhcp_table;

/**
 * A table of max_hosts clients (rounded up to a multiple of 8; 0 gives a
 * table that stores nothing).  All memory is allocated here; learning never
 * allocates.  When a set of 8 is full, the host learned least recently in it
 * is forgotten.  Returns 0 or -ENOMEM.  Caller owns *out; free with
 * sl_dhcp_table_destroy().
 */
int sl_dhcp_table_create(uint32_t max_hosts, struct sl_dhcp_table **out);

/** Free the table.  Accepts NULL. */
void sl_dhcp_table_destroy(struct sl_dhcp_table *t);

/**
 * Merge what one message said about host h->mac: fields that are set in h
 * (ip family non-zero, non-empty strings) replace the stored ones, the rest
 * are kept; last_seen is taken from h.  h is borrowed for the call.
 */
void sl_dhcp_table_learn(struct sl_dhcp_table *t, const struct sl_dhcp_host *h);

/**
 * Look a client up by MAC.  On success copies the entry into *out (the
 * caller owns the copy; the table may change afterwards) and returns true.
 */
bool sl_dhcp_lookup_mac(const struct sl_dhcp_table *t, const uint8_t mac[6],
			struct sl_dhcp_host *out);

/**
 * Look up the client whose last address is ip.  On success copies the entry
 * into *out (owned by the caller) and returns true; false when no client
 * holds ip now (never seen, or the client has since moved to another
 * address).
 */
bool sl_dhcp_lookup_ip(const struct sl_dhcp_table *t, const struct sl_addr *ip,
		       struct sl_dhcp_host *out);

/** Hosts stored now. */
uint32_t sl_dhcp_table_count(const struct sl_dhcp_table *t);

/**
 * The table the DHCP parser of r's dispatcher fills, or NULL when there is
 * none (no dispatcher).  Borrowed: valid until the dispatcher is destroyed;
 * read it only from the thread that runs that dispatcher.
 */
const struct sl_dhcp_table *sl_dhcp_table_of(const struct sl_record *r);

#endif
