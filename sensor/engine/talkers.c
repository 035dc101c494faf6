/* Top talkers for the end-of-run summary.  Bounded and O(1) per ended flow:
 * each address has two candidate slots; a newcomer takes an empty or
 * matching slot, else replaces the lighter occupant when it is heavier.
 * Exact while fewer hosts than slots; approximate (heavy hitters kept) above. */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

static uint64_t addr_hash(const struct sl_addr *a, uint64_t salt)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ salt;
	for (unsigned i = 0; i < sl_addr_len(a); i++)
		h = (h ^ a->b[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

void sl_talkers_add(struct sl_talkers *tk, const struct sl_addr *a, uint64_t bytes)
{
	size_t s[2] = { addr_hash(a, 1) % SL_TALKERS_MAX, addr_hash(a, 2) % SL_TALKERS_MAX };
	for (int k = 0; k < 2; k++) {
		struct sl_talker *t = &tk->t[s[k]];
		if (t->flows && sl_addr_cmp(&t->addr, a) == 0) {
			t->bytes += bytes;
			t->flows++;
			return;
		}
	}
	for (int k = 0; k < 2; k++) {
		struct sl_talker *t = &tk->t[s[k]];
		if (!t->flows) {
			t->addr = *a, t->bytes = bytes, t->flows = 1;
			tk->n++;
			return;
		}
	}
	struct sl_talker *light = tk->t[s[0]].bytes <= tk->t[s[1]].bytes ? &tk->t[s[0]] : &tk->t[s[1]];
	if (bytes > light->bytes)
		light->addr = *a, light->bytes = bytes, light->flows = 1;
}

static int cmp_talker(const void *pa, const void *pb)
{
	const struct sl_talker *a = pa, *b = pb;
	if (a->flows != 0 && b->flows == 0)
		return -1;
	if (a->flows == 0 && b->flows != 0)
		return 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return sl_addr_cmp(&a->addr, &b->addr);
}

void sl_talkers_sort(struct sl_talkers *tk)
{
	qsort(tk->t, SL_TALKERS_MAX, sizeof(tk->t[0]), cmp_talker);
}
