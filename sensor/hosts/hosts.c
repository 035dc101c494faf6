/* The hosts table (include/sightline/hosts.h): its parts, the one call that
 * feeds them, the reads, and the flow record's DNS-name fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "hosts_priv.h"

struct sl_hosts {
	struct sl_dns_cache *names;     /* address -> name, from DNS answers */
	struct sl_dhcp_table *dhcp;     /* LAN clients, from DHCP */
	struct sl_neighbour_table *neigh; /* address -> MAC, from ARP and ND */
	struct sl_signal_table *signal; /* hosts that named a signalling service */
	struct sl_overlay_peers peers;  /* tinc meta connections */
};

int sl_hosts_create(const struct sl_config *cfg, struct sl_hosts **out, char *err, size_t errlen)
{
	struct sl_hosts *h = calloc(1, sizeof(*h));
	if (!h)
		return snprintf(err, errlen, "hosts: out of memory"), -ENOMEM;
	if (sl_dns_cache_create(cfg->dns.cache_entries, &h->names) < 0) {
		snprintf(err, errlen, "dns: no memory for a cache of %u names", cfg->dns.cache_entries);
		goto err;
	}
	if (sl_dhcp_table_create(cfg->dhcp.max_hosts, &h->dhcp) < 0) {
		snprintf(err, errlen, "dhcp: no memory for a table of %u hosts", cfg->dhcp.max_hosts);
		goto err;
	}
	if (sl_neighbour_table_create(cfg->dhcp.max_hosts * 4u, &h->neigh) < 0) {
		snprintf(err, errlen, "dhcp: no memory for %u ARP/ND bindings",
			 cfg->dhcp.max_hosts * 4u);
		goto err;
	}
	if (sl_signal_table_create(&h->signal) < 0) {
		snprintf(err, errlen, "hosts: out of memory");
		goto err;
	}
	*out = h;
	return 0;
err:
	sl_hosts_destroy(h);
	return -ENOMEM;
}

void sl_hosts_destroy(struct sl_hosts *h)
{
	if (!h)
		return;
	sl_dns_cache_destroy(h->names);
	sl_dhcp_table_destroy(h->dhcp);
	sl_neighbour_table_destroy(h->neigh);
	sl_signal_table_destroy(h->signal);
	free(h);
}

void sl_hosts_learn(struct sl_hosts *h, const struct sl_host_fact *f)
{
	if (!h)
		return;
	switch (f->kind) {
	case SL_HOST_DNS_NAME:
		sl_dns_cache_put(h->names, &f->dns.addr, f->dns.name);
		break;
	case SL_HOST_DHCP:
		sl_dhcp_table_learn(h->dhcp, &f->dhcp);
		break;
	case SL_HOST_OVERLAY_PEER:
		sl_overlay_peers_add(&h->peers, &f->peer.cli, &f->peer.srv, f->peer.port);
		break;
	case SL_HOST_SIGNALLING:
		sl_signal_table_note(h->signal, &f->signalling.addr, f->signalling.first,
				     f->signalling.last);
		break;
	case SL_HOST_NEIGHBOUR:
		sl_neighbour_table_learn(h->neigh, &f->neighbour.addr, f->neighbour.mac);
		break;
	}
}

const char *sl_hosts_dns_name(struct sl_hosts *h, const struct sl_addr *a)
{
	return h ? sl_dns_cache_get(h->names, a) : NULL;
}

/* The name is the latest one known when the flow ended; later answers do
 * not rewrite the event. */
void sl_hosts_name_record(struct sl_hosts *h, struct sl_record *r)
{
	for (int side = 0; side < 2; side++) {
		const char *name = sl_hosts_dns_name(h, side ? &r->flow->srv : &r->flow->cli);
		sl_strcopy(r->dns_name[side], sizeof(r->dns_name[side]), name);
	}
}

bool sl_hosts_dhcp_by_ip(const struct sl_hosts *h, const struct sl_addr *ip,
			 struct sl_dhcp_host *out)
{
	return h && sl_dhcp_lookup_ip(h->dhcp, ip, out);
}

bool sl_hosts_dhcp_by_mac(const struct sl_hosts *h, const uint8_t mac[6],
			  struct sl_dhcp_host *out)
{
	return h && sl_dhcp_lookup_mac(h->dhcp, mac, out);
}

bool sl_hosts_mac_of(const struct sl_hosts *h, const struct sl_addr *ip, uint8_t mac[6])
{
	struct sl_dhcp_host d;
	if (!h)
		return false;
	if (sl_dhcp_lookup_ip(h->dhcp, ip, &d)) {
		memcpy(mac, d.mac, 6);
		return true;
	}
	return sl_neighbour_table_lookup(h->neigh, ip, mac);
}

uint32_t sl_hosts_dhcp_count(const struct sl_hosts *h)
{
	return h ? sl_dhcp_table_count(h->dhcp) : 0;
}

bool sl_hosts_has_overlay_peers(const struct sl_hosts *h)
{
	return h && h->peers.used > 0;
}

bool sl_hosts_overlay_channel(const struct sl_hosts *h, const struct sl_packet *p)
{
	return h && sl_overlay_peers_channel(&h->peers, p);
}

bool sl_hosts_signalled(const struct sl_hosts *h, const struct sl_addr *a, sl_time_us start)
{
	return h && sl_signal_table_recent(h->signal, a, start);
}

/* The names are copied into the record (dns_name) under the engine lock. */
#define AT_RECORD SL_IN_RECORD

static const struct sl_field fields[] = {
	SL_FIELD_STR("src.dns_name", "name a DNS answer seen earlier gave the client address (latest known when the flow ended)",
	             AT_RECORD, struct sl_record, dns_name[0], SL_NONZERO),
	SL_FIELD_STR("dest.dns_name", "name a DNS answer seen earlier gave the server address, as the client asked it, CNAMEs followed back (latest known when the flow ended)",
	             AT_RECORD, struct sl_record, dns_name[1], SL_NONZERO),
};

const struct sl_field_table sl_hosts_fields = { "hosts", fields, ARRAY_SIZE(fields) };
