/* A bounds-checked byte writer over a caller's buffer, shared by the generator's message
 * builders (bulk.c, short.c): an overflow sets `bad` instead of writing (internal header). */
#ifndef PCAPS_GEN_WR_H
#define PCAPS_GEN_WR_H

#include "rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wr {
	uint8_t *p;
	size_t n, cap;
	bool bad;
};

static inline void w_bytes(struct wr *w, const void *b, size_t n)
{
	if (w->bad || w->n + n > w->cap) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->n, b, n);
	w->n += n;
}

static inline void w16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	w_bytes(w, b, 2);
}

static inline void w8(struct wr *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

/* Writes a placeholder length of `width` bytes; returns its offset for w_close(). */
static inline size_t w_open(struct wr *w, size_t width)
{
	static const uint8_t zero[4];
	size_t at = w->n;
	w_bytes(w, zero, width);
	return at;
}

/* Fills the length opened at `at` with the bytes written since. */
static inline void w_close(struct wr *w, size_t at, size_t width)
{
	if (w->bad)
		return;
	size_t len = w->n - at - width;
	for (size_t i = 0; i < width; i++)
		w->p[at + i] = (uint8_t)(len >> (8 * (width - 1 - i)));
}

static inline void w_rand(struct wr *w, struct sl_rng *r, size_t n)
{
	if (w->bad || w->n + n > w->cap) {
		w->bad = true;
		return;
	}
	sl_rng_fill(r, w->p + w->n, n);
	w->n += n;
}

#endif
