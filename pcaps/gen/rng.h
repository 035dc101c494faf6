/* Seeded splitmix64 generator (Steele, Lea, Flood 2014) for filler bytes: the same seed
 * always gives the same bytes, so captures stay reproducible. Internal header. */
#ifndef PCAPS_GEN_RNG_H
#define PCAPS_GEN_RNG_H

#include <stddef.h>
#include <stdint.h>

struct sl_rng {
	uint64_t state;
};

static inline uint64_t sl_rng_next(struct sl_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void sl_rng_fill(struct sl_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0) {
			uint64_t v = sl_rng_next(r);
			for (size_t k = 0; k < 8 && i + k < n; k++)
				p[i + k] = (uint8_t)(v >> (8 * k));
		}
	}
}

#endif
