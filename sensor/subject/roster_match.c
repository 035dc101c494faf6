/* Roster lookups on the flow path: sorted indexes of exact addresses and
 * MACs (binary search), then prefixes and host names by scan, so a roster of
 * thousands costs a few comparisons per flow for the common exact keys. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sightline/identity.h"
#include "subject_priv.h"

static unsigned full_prefix(const struct sl_cidr *c)
{
	return c->addr.family == 4 ? 32u : 128u;
}

static int cmp_ip(const void *a, const void *b)
{
	return sl_addr_cmp(&((const struct sl_roster_ip *)a)->addr,
			   &((const struct sl_roster_ip *)b)->addr);
}

static int cmp_mac(const void *a, const void *b)
{
	return memcmp(((const struct sl_roster_mac *)a)->mac, ((const struct sl_roster_mac *)b)->mac,
		      6);
}

/* Build the exact-address and MAC indexes once the entries are final. */
int sl_roster_index(struct sl_roster *r)
{
	size_t nip = 0, nmac = 0;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < r->entries[i].n_nets; k++)
			nip += r->entries[i].nets[k].prefix == full_prefix(&r->entries[i].nets[k]);
		nmac += r->entries[i].n_macs;
	}
	r->by_ip = calloc(nip + 1, sizeof(*r->by_ip));
	r->by_mac = calloc(nmac + 1, sizeof(*r->by_mac));
	if (!r->by_ip || !r->by_mac)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct sl_roster_entry *e = &r->entries[i];
		for (size_t k = 0; k < e->n_nets; k++) {
			if (e->nets[k].prefix == full_prefix(&e->nets[k]))
				r->by_ip[r->n_ip++] = (struct sl_roster_ip){ e->nets[k].addr,
									    (uint32_t)i };
			else
				r->n_prefixes++;
		}
		for (size_t k = 0; k < e->n_macs; k++) {
			memcpy(r->by_mac[r->n_mac].mac, e->macs[k], 6);
			r->by_mac[r->n_mac++].entry = (uint32_t)i;
		}
	}
	/* Equal keys keep roster order (the index is the tie-break): the first
	 * entry that lists an address wins. */
	qsort(r->by_ip, r->n_ip, sizeof(*r->by_ip), cmp_ip);
	qsort(r->by_mac, r->n_mac, sizeof(*r->by_mac), cmp_mac);
	return 0;
}

/* Index of the first by_ip element >= ip (n_ip when none). */
static size_t lower_bound(const struct sl_roster *r, const struct sl_addr *ip)
{
	size_t lo = 0, hi = r->n_ip;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sl_addr_cmp(&r->by_ip[mid].addr, ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct sl_roster_entry *by_ip(const struct sl_roster *r, const struct sl_addr *ip)
{
	size_t lo = lower_bound(r, ip);
	if (lo == r->n_ip || sl_addr_cmp(&r->by_ip[lo].addr, ip) != 0)
		return NULL;
	uint32_t best = r->by_ip[lo].entry;
	for (size_t k = lo + 1; k < r->n_ip && sl_addr_cmp(&r->by_ip[k].addr, ip) == 0; k++)
		best = r->by_ip[k].entry < best ? r->by_ip[k].entry : best;
	return &r->entries[best];
}

/*
 * Distinct entries that list ip exactly.  HR's or the SSO log's addresses:
 * two people tied to one home line are a laptop-farm sign the edge cannot
 * see on the wire (TLS hides who logs in), so the egress count takes it in.
 */
unsigned sl_roster_claimants(const struct sl_roster *r, const struct sl_addr *ip)
{
	size_t lo = r ? lower_bound(r, ip) : 0;
	unsigned n = 0;
	for (size_t k = lo; r && k < r->n_ip && sl_addr_cmp(&r->by_ip[k].addr, ip) == 0; k++) {
		size_t j = lo;
		while (j < k && r->by_ip[j].entry != r->by_ip[k].entry)
			j++;
		n += j == k; /* an entry listing the address twice counts once */
	}
	return n;
}

static const struct sl_roster_entry *by_prefix(const struct sl_roster *r,
					       const struct sl_addr *ip)
{
	const struct sl_roster_entry *best = NULL;
	int best_len = -1;
	for (size_t i = 0; i < r->n && r->n_prefixes; i++)
		for (size_t k = 0; k < r->entries[i].n_nets; k++) {
			const struct sl_cidr *c = &r->entries[i].nets[k];
			if (c->prefix < full_prefix(c) && (int)c->prefix > best_len &&
			    sl_cidr_contains(c, ip)) {
				best = &r->entries[i];
				best_len = c->prefix;
			}
		}
	return best;
}

static const struct sl_roster_entry *by_mac(const struct sl_roster *r, const uint8_t *mac)
{
	struct sl_roster_mac key;
	memcpy(key.mac, mac, 6);
	const struct sl_roster_mac *m = bsearch(&key, r->by_mac, r->n_mac, sizeof(key), cmp_mac);
	return m ? &r->entries[m->entry] : NULL;
}

const struct sl_roster_entry *sl_roster_match(const struct sl_roster *r,
					      const struct sl_addr *ip, const uint8_t *mac,
					      const char *hostname)
{
	const struct sl_roster_entry *e = NULL;
	if (!r)
		return NULL;
	if (ip && ip->family && (e = by_ip(r, ip)) == NULL)
		e = by_prefix(r, ip);
	if (!e && mac)
		e = by_mac(r, mac);
	for (size_t i = 0; !e && hostname && hostname[0] && i < r->n; i++)
		for (size_t k = 0; k < r->entries[i].n_hostnames; k++)
			if (strcasecmp(r->entries[i].hostnames[k], hostname) == 0) {
				e = &r->entries[i];
				break;
			}
	return e;
}

/* Accounts are few per person and looked up only for bound flows and
 * sign-ins, not every packet: a scan is enough. */
const struct sl_roster_entry *sl_roster_match_account(const struct sl_roster *r,
						      const char *account)
{
	char folded[SL_ROSTER_NAME_MAX];
	if (!r || !account || !account[0] || strlen(account) >= sizeof(folded))
		return NULL;
	sl_identity_fold(account, folded, sizeof(folded));
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->entries[i].n_accounts; k++)
			if (strcmp(r->entries[i].accounts[k], folded) == 0)
				return &r->entries[i];
	return NULL;
}
