/* The DHCP clients of the hosts table: hosts in 8-way sets keyed by MAC,
 * and an address → MAC index of the same shape.  Fixed memory,
 * allocated at create; a full set forgets the host learned least recently.
 * The hash is fixed so that a replay forgets the same hosts every time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hosts_priv.h"
#include "pages.h"

#define WAYS 8

struct host_slot {
	struct sl_dhcp_host h;
	uint64_t stamp; /* 0: empty */
};

struct ip_slot {
	struct sl_addr ip;
	uint8_t mac[6];
	uint64_t stamp; /* 0: empty */
};

struct sl_dhcp_table {
	uint32_t nsets;
	uint32_t count;
	size_t n;                /* slots in each array: nsets * WAYS */
	uint64_t clock;
	struct host_slot *hosts; /* nsets * WAYS */
	struct ip_slot *ips;     /* nsets * WAYS */
};

int sl_dhcp_table_create(uint32_t max_hosts, struct sl_dhcp_table **out)
{
	struct sl_dhcp_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->nsets = (uint32_t)(((uint64_t)max_hosts + WAYS - 1) / WAYS);
	size_t n = t->n = (size_t)t->nsets * WAYS;
	if (n && (!(t->hosts = sl_pages_alloc(n * sizeof(*t->hosts))) ||
		  !(t->ips = sl_pages_alloc(n * sizeof(*t->ips))))) {
		sl_dhcp_table_destroy(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void sl_dhcp_table_destroy(struct sl_dhcp_table *t)
{
	if (!t)
		return;
	sl_pages_free(t->hosts, t->n * sizeof(*t->hosts));
	sl_pages_free(t->ips, t->n * sizeof(*t->ips));
	free(t);
}

static size_t set_index(const struct sl_dhcp_table *t, uint64_t h)
{
	return (size_t)(((sl_mix64(h) >> 32) * t->nsets) >> 32) * WAYS;
}

static uint64_t mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	memcpy(&k, mac, 6);
	return k;
}

static uint64_t ip_key(const struct sl_addr *a)
{
	uint64_t lo, hi;
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	return lo ^ sl_mix64(hi ^ a->family);
}

static struct host_slot *find_host(const struct sl_dhcp_table *t, const uint8_t mac[6])
{
	struct host_slot *set = &t->hosts[set_index(t, mac_key(mac))];
	for (struct host_slot *s = set; s < set + WAYS; s++)
		if (s->stamp && memcmp(s->h.mac, mac, 6) == 0)
			return s;
	return NULL;
}

static struct ip_slot *find_ip(const struct sl_dhcp_table *t, const struct sl_addr *ip)
{
	struct ip_slot *set = &t->ips[set_index(t, ip_key(ip))];
	for (struct ip_slot *s = set; s < set + WAYS; s++)
		if (s->stamp && sl_addr_cmp(&s->ip, ip) == 0)
			return s;
	return NULL;
}

/* A new host's slot: the set's empty or least recently learned one. */
static struct host_slot *claim_host(struct sl_dhcp_table *t, const uint8_t mac[6])
{
	struct host_slot *set = &t->hosts[set_index(t, mac_key(mac))], *v = set;
	for (struct host_slot *s = set + 1; s < set + WAYS; s++)
		if (s->stamp < v->stamp)
			v = s;
	if (!v->stamp)
		t->count++;
	memset(v, 0, sizeof(*v));
	memcpy(v->h.mac, mac, 6);
	return v;
}

static void index_ip(struct sl_dhcp_table *t, const struct sl_addr *ip, const uint8_t mac[6])
{
	struct ip_slot *s = find_ip(t, ip);
	if (!s) {
		struct ip_slot *set = &t->ips[set_index(t, ip_key(ip))];
		s = set;
		for (struct ip_slot *x = set + 1; x < set + WAYS; x++)
			if (x->stamp < s->stamp)
				s = x;
		s->ip = *ip;
	}
	memcpy(s->mac, mac, 6);
	s->stamp = ++t->clock;
}

void sl_dhcp_table_learn(struct sl_dhcp_table *t, const struct sl_dhcp_host *h)
{
	if (!t->nsets)
		return;
	struct host_slot *s = find_host(t, h->mac);
	if (!s)
		s = claim_host(t, h->mac);
	if (h->ip.family) {
		s->h.ip = h->ip;
		index_ip(t, &h->ip, h->mac);
	}
	if (h->hostname[0])
		memcpy(s->h.hostname, h->hostname, sizeof(s->h.hostname));
	if (h->vendor_class[0])
		memcpy(s->h.vendor_class, h->vendor_class, sizeof(s->h.vendor_class));
	s->h.hostname[SL_DHCP_STR_MAX - 1] = '\0';
	s->h.vendor_class[SL_DHCP_STR_MAX - 1] = '\0';
	s->h.last_seen = h->last_seen;
	s->stamp = ++t->clock;
}

bool sl_dhcp_lookup_mac(const struct sl_dhcp_table *t, const uint8_t mac[6],
			struct sl_dhcp_host *out)
{
	const struct host_slot *s = t && t->nsets ? find_host(t, mac) : NULL;
	if (!s)
		return false;
	*out = s->h;
	return true;
}

bool sl_dhcp_lookup_ip(const struct sl_dhcp_table *t, const struct sl_addr *ip,
		       struct sl_dhcp_host *out)
{
	const struct ip_slot *s = t && t->nsets && ip->family ? find_ip(t, ip) : NULL;
	struct sl_dhcp_host h;
	if (!s || !sl_dhcp_lookup_mac(t, s->mac, &h) || sl_addr_cmp(&h.ip, ip) != 0)
		return false;
	*out = h;
	return true;
}

uint32_t sl_dhcp_table_count(const struct sl_dhcp_table *t)
{
	return t ? t->count : 0;
}
