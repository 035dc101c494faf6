/* Reading a declared field, inline: shared by sl_field_read() and the
 * flow-event writer (catalogue.c), so the rule matcher and the JSON output
 * apply one presence rule. */
#ifndef SENSOR_RECORD_FIELD_READ_H
#define SENSOR_RECORD_FIELD_READ_H

#include <math.h>
#include <string.h>

#include "sightline/field.h"

/* An unsigned member of 1..8 bytes; memcpy because a declaration may point
 * into a packed or oddly aligned member. */
static inline uint64_t read_uint(const uint8_t *p, unsigned size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	switch (size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

/* Fill v from the member at p; return whether the value is non-zero. */
static inline bool read_value(const struct sl_field_at *at, const uint8_t *p, struct sl_value *v)
{
	switch (at->kind) {
	case SL_AK_U8: case SL_AK_U16: case SL_AK_U32: case SL_AK_U64:
		v->u = read_uint(p, 1u << (at->kind - SL_AK_U8));
		return v->u != 0;
	case SL_AK_BOOL:
		v->b = *(const bool *)(const void *)p;
		return v->b;
	case SL_AK_CHARS:
		v->s = (const char *)p;
		return v->s[0] != '\0';
	case SL_AK_STRP:
		memcpy(&v->s, p, sizeof(v->s));
		return v->s && v->s[0];
	case SL_AK_IP:
		memcpy(&v->ip, p, sizeof(v->ip));
		return v->ip.family != 0;
	case SL_AK_TIME:
		memcpy(&v->t, p, sizeof(v->t));
		return v->t != 0;
	case SL_AK_DOUBLE:
		memcpy(&v->d, p, sizeof(v->d));
		if (at->unit > 0)
			v->d = round(v->d / at->unit) * at->unit;
		return v->d != 0;
	case SL_AK_BIT:
		v->b = (read_uint(p, at->vsize) & at->vmask) != 0;
		return v->b;
	case SL_AK_TEXTOFF: {
		uint16_t o;
		const char *text;
		memcpy(&o, p, sizeof(o));
		memcpy(&text, p - at->off + at->aux_off, sizeof(text));
		v->s = o && text ? text + o - 1 : NULL;
		return v->s != NULL;
	}
	}
	return false;
}

/* sl_field_read() of the declaration at from base b: inline, for the event
 * writer's loop. */
static inline bool field_read_at(const struct sl_field_at *at, const uint8_t *b,
				 struct sl_value *v)
{
	if (at->gate_size && !read_uint(b + at->gate_off, at->gate_size))
		return false;
	if (at->when == SL_WHEN_FLAG || at->when == SL_WHEN_FLAG_NONZERO) {
		uint64_t x = read_uint(b + at->flag_off, at->flag_size) & at->flag_mask;
		if (at->flag_mask == UINT64_MAX ? x == 0 : x != at->flag_mask)
			return false;
	}
	bool nonzero = read_value(at, b + at->off, v);
	/* A string pointer that is NULL has no value to show, whatever the rule. */
	if ((at->kind == SL_AK_STRP || at->kind == SL_AK_TEXTOFF) && !v->s)
		return false;
	return nonzero || at->when == SL_WHEN_STATE || at->when == SL_WHEN_FLAG;
}

#endif
