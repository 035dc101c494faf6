/* Address -> hardware address bindings from ARP and IPv6 neighbour
 * discovery: 8-way sets keyed by address, fixed memory allocated at create,
 * a full set forgetting the binding refreshed least recently.  The hash is
 * fixed so that a replay forgets the same bindings every time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hosts_priv.h"
#include "pages.h"

#define WAYS 8

struct slot {
	struct sl_addr addr;
	uint8_t mac[6];
	uint64_t stamp; /* 0: empty */
};

struct sl_neighbour_table {
	uint32_t nsets;
	size_t n;
	uint64_t clock;
	struct slot *slots;
};

int sl_neighbour_table_create(uint32_t max_bindings, struct sl_neighbour_table **out)
{
	struct sl_neighbour_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->nsets = (uint32_t)(((uint64_t)max_bindings + WAYS - 1) / WAYS);
	t->n = (size_t)t->nsets * WAYS;
	if (t->n && !(t->slots = sl_pages_alloc(t->n * sizeof(*t->slots)))) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void sl_neighbour_table_destroy(struct sl_neighbour_table *t)
{
	if (!t)
		return;
	sl_pages_free(t->slots, t->n * sizeof(*t->slots));
	free(t);
}

static struct slot *set_of(const struct sl_neighbour_table *t, const struct sl_addr *a)
{
	uint64_t lo, hi;
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	uint64_t h = sl_mix64(lo ^ sl_mix64(hi ^ a->family));
	return &t->slots[(size_t)(((h >> 32) * t->nsets) >> 32) * WAYS];
}

static struct slot *find(const struct sl_neighbour_table *t, const struct sl_addr *a)
{
	struct slot *set = set_of(t, a);
	for (struct slot *s = set; s < set + WAYS; s++)
		if (s->stamp && sl_addr_cmp(&s->addr, a) == 0)
			return s;
	return NULL;
}

/* The latest binding wins: an address given to another host (a new DHCP
 * lease, a moved IPv6 address) follows the host that announces it now. */
void sl_neighbour_table_learn(struct sl_neighbour_table *t, const struct sl_addr *a,
			      const uint8_t mac[6])
{
	if (!t->nsets || !a->family)
		return;
	struct slot *s = find(t, a);
	if (!s) {
		struct slot *set = set_of(t, a);
		s = set;
		for (struct slot *x = set + 1; x < set + WAYS; x++)
			if (x->stamp < s->stamp)
				s = x;
		s->addr = *a;
	}
	memcpy(s->mac, mac, 6);
	s->stamp = ++t->clock;
}

bool sl_neighbour_table_lookup(const struct sl_neighbour_table *t, const struct sl_addr *a,
			       uint8_t mac[6])
{
	const struct slot *s = t && t->nsets && a->family ? find(t, a) : NULL;
	if (!s)
		return false;
	memcpy(mac, s->mac, 6);
	return true;
}
