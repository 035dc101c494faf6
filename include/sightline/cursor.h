/* Bounds-checked packet readers.  Every byte sightline reads from a packet
 * goes through these: a read that would pass the end fails and leaves the
 * cursor where it was, so callers bail out with a counted reason. */
#ifndef SIGHTLINE_CURSOR_H
#define SIGHTLINE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A read window [p, end).  Borrowed: the bytes belong to the packet. */
struct sl_cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static inline struct sl_cursor sl_cursor_make(const uint8_t *p, size_t len)
{
	struct sl_cursor c = { p, p + len };
	return c;
}

static inline size_t sl_cursor_left(const struct sl_cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool sl_rd_skip(struct sl_cursor *c, size_t n)
{
	if (sl_cursor_left(c) < n)
		return false;
	c->p += n;
	return true;
}

static inline bool sl_rd_u8(struct sl_cursor *c, uint8_t *v)
{
	if (sl_cursor_left(c) < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static inline bool sl_rd_be16(struct sl_cursor *c, uint16_t *v)
{
	if (sl_cursor_left(c) < 2)
		return false;
	*v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	return true;
}

static inline bool sl_rd_le16(struct sl_cursor *c, uint16_t *v)
{
	if (sl_cursor_left(c) < 2)
		return false;
	*v = (uint16_t)((c->p[1] << 8) | c->p[0]);
	c->p += 2;
	return true;
}

static inline bool sl_rd_be24(struct sl_cursor *c, uint32_t *v)
{
	if (sl_cursor_left(c) < 3)
		return false;
	*v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
	c->p += 3;
	return true;
}

static inline bool sl_rd_be32(struct sl_cursor *c, uint32_t *v)
{
	if (sl_cursor_left(c) < 4)
		return false;
	*v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
	     ((uint32_t)c->p[2] << 8) | c->p[3];
	c->p += 4;
	return true;
}

static inline bool sl_rd_le32(struct sl_cursor *c, uint32_t *v)
{
	if (sl_cursor_left(c) < 4)
		return false;
	*v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
	     ((uint32_t)c->p[1] << 8) | c->p[0];
	c->p += 4;
	return true;
}

/* Borrow n bytes: *out points into the packet, valid as long as it is. */
static inline bool sl_rd_bytes(struct sl_cursor *c, size_t n, const uint8_t **out)
{
	if (sl_cursor_left(c) < n)
		return false;
	*out = c->p;
	c->p += n;
	return true;
}

/* Big-endian values inside bytes already borrowed with sl_rd_bytes(): a
 * fixed-size header is checked once and its fields read from it, instead of
 * one bounds check per field.  b must hold 2 (4) bytes. */
static inline uint16_t sl_get_be16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t sl_get_be32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Split off a sub-cursor of n bytes (e.g. one TLS record) and advance. */
static inline bool sl_rd_sub(struct sl_cursor *c, size_t n, struct sl_cursor *sub)
{
	const uint8_t *b;
	if (!sl_rd_bytes(c, n, &b))
		return false;
	*sub = sl_cursor_make(b, n);
	return true;
}

#endif
