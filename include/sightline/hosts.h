/* What is known about hosts across flows: the names DNS answers gave their
 * addresses, what DHCP said about the LAN's clients (hardware address,
 * host name, vendor class, address), the addresses ARP and neighbour
 * discovery bound to hardware addresses, the hosts that named a remote-access
 * product's signalling service lately, and the peers of overlay-network
 * meta connections.  One table, owned by the engine: the parsers report
 * what a packet taught them as a typed fact, which the engine applies with
 * sl_hosts_learn() under its lock; identification, subjects and the flow
 * record read it through the calls below, under the same lock.  All memory
 * is fixed at create; learning never allocates.  Implemented in
 * sensor/hosts/. */
#ifndef SIGHTLINE_HOSTS_H
#define SIGHTLINE_HOSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "sightline/common.h"
#include "sightline/config.h"
#include "sightline/decode.h"
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

enum sl_host_fact_kind {
	SL_HOST_DNS_NAME,     /* a DNS answer gave addr the name the client asked for */
	SL_HOST_DHCP,         /* what one DHCP message said about a client */
	SL_HOST_OVERLAY_PEER, /* a tinc meta connection between cli and srv, on srv's port */
	SL_HOST_SIGNALLING,   /* addr named a remote-access product's signalling service
			       * (Chrome Remote Desktop) during [first, last] */
	SL_HOST_NEIGHBOUR,    /* ARP or neighbour discovery: addr is at hardware address mac */
};

/* One thing a packet (or a flow's identification) taught about hosts.
 * Everything it points to is borrowed for the sl_hosts_learn() call. */
struct sl_host_fact {
	enum sl_host_fact_kind kind;
	union {
		struct {
			struct sl_addr addr;
			const char *name;   /* cut to 255 bytes when kept */
		} dns;
		struct sl_dhcp_host dhcp; /* fields set replace the stored ones (ip family
					   * non-zero, strings non-empty); last_seen is taken */
		struct {
			struct sl_addr cli, srv;
			uint16_t port;     /* the meta server's port: tinc's UDP channel uses it too */
		} peer;
		struct {
			struct sl_addr addr;
			sl_time_us first, last;
		} signalling;
		struct {
			struct sl_addr addr;
			uint8_t mac[6];
			sl_time_us last_seen;
		} neighbour;
	};
};

struct sl_hosts;

/**
 * A table sized by cfg (dns.cache_entries names, dhcp.max_hosts clients
 * and four times as many ARP/ND address bindings; fixed sizes for the rest), all memory allocated here.  cfg is only read
 * during the call.  Returns 0 or -ENOMEM with a sentence in err.  Caller
 * owns *out; free with sl_hosts_destroy().
 */
int sl_hosts_create(const struct sl_config *cfg, struct sl_hosts **out, char *err, size_t errlen);

/** Free the table.  Accepts NULL. */
void sl_hosts_destroy(struct sl_hosts *h);

/**
 * Apply one fact: the one way anything is added.  A full part of the table
 * forgets what it learnt longest ago (in the set the fact hashes to).
 * Accepts h NULL (the fact is dropped).
 */
void sl_hosts_learn(struct sl_hosts *h, const struct sl_host_fact *f);

/**
 * The name the latest DNS answer gave a, or NULL.  Marks it recently used
 * (an unused name is the first forgotten).  Borrowed: valid until the next
 * sl_hosts_learn().  Accepts h NULL.
 */
const char *sl_hosts_dns_name(struct sl_hosts *h, const struct sl_addr *a);

/**
 * Copy into r->dns_name the names DNS answers gave r->flow's client [0] and
 * server [1] ("" for none), so that the flow event can be written after
 * the lock is released (src.dns_name, dest.dns_name).  Accepts h NULL.
 */
void sl_hosts_name_record(struct sl_hosts *h, struct sl_record *r);

/**
 * The DHCP client whose last address is ip: copied into *out (owned by the
 * caller); false when no client holds ip now (never seen, or it has since
 * moved to another address).  Accepts h NULL.
 */
bool sl_hosts_dhcp_by_ip(const struct sl_hosts *h, const struct sl_addr *ip,
			 struct sl_dhcp_host *out);

/** The DHCP client with hardware address mac, copied into *out.  Accepts h NULL. */
bool sl_hosts_dhcp_by_mac(const struct sl_hosts *h, const uint8_t mac[6],
			  struct sl_dhcp_host *out);

/**
 * The hardware address of the host that holds ip on the link, into mac:
 * DHCP's lease first, else the latest ARP or neighbour-discovery binding.
 * A host's IPv4, link-local and global IPv6 addresses all lead to its one
 * MAC, which is how they make one subject.  False when none is known.
 * Accepts h NULL.
 */
bool sl_hosts_mac_of(const struct sl_hosts *h, const struct sl_addr *ip, uint8_t mac[6]);

/** DHCP clients known now. */
uint32_t sl_hosts_dhcp_count(const struct sl_hosts *h);

/** Whether any overlay peers are known: while none are, no packet is a channel. */
bool sl_hosts_has_overlay_peers(const struct sl_hosts *h);

/**
 * Whether p runs between the two hosts of a known overlay meta connection,
 * with the meta server's port on the meta server's side (tinc's UDP data
 * channel).  Accepts h NULL.
 */
bool sl_hosts_overlay_channel(const struct sl_hosts *h, const struct sl_packet *p);

/**
 * Whether host a named a product's signalling service close enough to
 * start (a flow's first packet time) for a media flow it opens to belong
 * to that session: from a minute before the first such flow to ten
 * minutes after the last.  Accepts h NULL.
 */
bool sl_hosts_signalled(const struct sl_hosts *h, const struct sl_addr *a, sl_time_us start);

/* The flow record's names from DNS: src.dns_name, dest.dns_name, read from
 * the copy sl_hosts_name_record() made (sensor/hosts/hosts.c). */
extern const struct sl_field_table sl_hosts_fields;

#endif
