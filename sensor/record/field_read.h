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

/* Bytes as lowercase hex into out (sep between them unless 0); out holds
 * 3 * n + 1.  Returns out. */
static inline const char *hex_bytes(const uint8_t *p, size_t n, char sep, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	for (size_t k = 0; k < n; k++) {
		if (k && sep)
			out[w++] = sep;
		out[w++] = hex[p[k] >> 4];
		out[w++] = hex[p[k] & 15];
	}
	out[w] = '\0';
	return out;
}

/* The entries a counted member (HEX, LIST, STRS) holds, at most max. */
static inline size_t counted(const struct sl_field_at *at, const uint8_t *p, size_t max)
{
	if (!at->aux_size)
		return max;
	uint64_t n = read_uint(p - at->off + at->aux_off, at->aux_size);
	return n < max ? (size_t)n : max;
}

/* A number as at->digits hex digits after at->prefix, into v->buf. */
static inline bool hex_number(const struct sl_field_at *at, uint64_t x, struct sl_value *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	for (const char *q = at->prefix; q && *q; q++)
		v->buf[w++] = *q;
	for (unsigned k = at->digits; k-- > 0;)
		v->buf[w++] = hex[(x >> (4 * k)) & 15];
	v->buf[w] = '\0';
	v->s = v->buf;
	return x != 0;
}

/* x to d decimals: round(x * 10^d) / 10^d, with 10^d exact. */
static inline double to_decimals(double x, unsigned d)
{
	double scale = 1;
	while (d-- > 0)
		scale *= 10;
	return round(x * scale) / scale;
}

/* Fill v->d with a ratio member / member (or / at->unit); NAN when the
 * divisor is 0.  Returns whether the ratio is non-zero. */
static inline bool read_ratio(const struct sl_field_at *at, const uint8_t *p, struct sl_value *v)
{
	double num = (double)read_uint(p, at->vsize);
	double den = at->aux_size ? (double)read_uint(p - at->off + at->aux_off, at->aux_size)
				  : at->unit;
	if (den == 0) {
		v->d = NAN;
		return false;
	}
	v->d = at->digits ? to_decimals(num / den, at->digits) : num / den;
	return v->d != 0;
}

/* The array a STRPP member at p points to. */
static inline const char *const *strings_at(const uint8_t *p)
{
	const char *const *a;
	memcpy(&a, p, sizeof(a));
	return a;
}

/* Fill v from a list member (LIST, STRS, STRPS, STRPP) at p; return whether it has entries. */
static inline bool read_list(const struct sl_field_at *at, const uint8_t *p, struct sl_value *v)
{
	v->n = (unsigned)counted(at, p, SL_VALUE_LIST_MAX);
	for (unsigned k = 0; k < v->n; k++) {
		if (at->kind == SL_AK_LIST)
			v->list[k] = read_uint(p + k * at->vsize, at->vsize);
		else if (at->kind == SL_AK_STRPS)
			memcpy(&v->strs[k], p + k * at->vsize, sizeof(v->strs[k]));
		else if (at->kind == SL_AK_STRPP)
			v->strs[k] = strings_at(p)[k];
		else
			v->strs[k] = (const char *)p + k * at->vsize;
	}
	return v->n > 0;
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
		else if (at->digits)
			v->d = to_decimals(v->d, at->digits);
		return v->d != 0;
	case SL_AK_RATIO:
		return read_ratio(at, p, v);
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
	case SL_AK_ENUM: {
		uint64_t x = read_uint(p, at->vsize);
		v->s = x < at->n_names ? at->names[x] : NULL;
		return x != 0;
	}
	case SL_AK_EQ:
		v->b = read_uint(p, at->vsize) == at->vmask;
		return v->b;
	case SL_AK_HEX: {
		size_t n = counted(at, p, at->vsize);
		if (3 * n + 1 > sizeof(v->buf)) /* never: checked by tests/unit/test_record.c */
			n = (sizeof(v->buf) - 1) / 3;
		v->s = hex_bytes(p, n, at->sep, v->buf);
		return n > 0;
	}
	case SL_AK_HEXNUM:
		return hex_number(at, read_uint(p, at->vsize), v);
	case SL_AK_LIST: case SL_AK_STRS: case SL_AK_STRPS: case SL_AK_STRPP:
		return read_list(at, p, v);
	case SL_AK_COUNTS: /* many values: never read one at a time */
		return false;
	}
	return false;
}

/* Whether the has-bit or member test of at's presence rule (if it has one)
 * lets the field be read from base b. */
static inline bool flag_open(const struct sl_field_at *at, const uint8_t *b)
{
	if (at->when == SL_WHEN_ONE_OF) {
		uint64_t x = read_uint(b + at->flag_off, at->flag_size);
		for (uint64_t set = at->flag_mask; set; set >>= 8)
			if ((set & 0xff) && (set & 0xff) == x)
				return true;
		return false;
	}
	if (at->when == SL_WHEN_FLAG || at->when == SL_WHEN_FLAG_NONZERO) {
		uint64_t x = read_uint(b + at->flag_off, at->flag_size) & at->flag_mask;
		if (at->flag_mask == UINT64_MAX ? x == 0 : x != at->flag_mask)
			return false;
	}
	return true;
}

/* The value of at from base b, once its gate and has-bit are open (the
 * event writer has checked both), by the rest of its presence rule.
 * Always inline: once per field of every event (flow plan and own
 * writers), and a call's entry and exit were ~30 of its instructions. */
static inline __attribute__((always_inline)) bool value_present(const struct sl_field_at *at, const uint8_t *b,
				 struct sl_value *v)
{
	bool nonzero = read_value(at, b + at->off, v);
	/* A string pointer that is NULL (or a number without a name) has no
	 * value to show, whatever the rule. */
	if ((at->kind == SL_AK_STRP || at->kind == SL_AK_TEXTOFF || at->kind == SL_AK_ENUM) &&
	    !v->s)
		return false;
	if (at->kind == SL_AK_RATIO && isnan(v->d))
		return false; /* divided by zero: no value */
	if (at->when == SL_WHEN_NUMBER)
		return !isnan(v->d);
	return nonzero || at->when == SL_WHEN_STATE || at->when == SL_WHEN_FLAG ||
	       at->when == SL_WHEN_ONE_OF;
}

/* sl_field_read() of the declaration at from base b: inline, for the event
 * writer's loop. */
static inline bool field_read_at(const struct sl_field_at *at, const uint8_t *b,
				 struct sl_value *v)
{
	if (at->gate_size && !read_uint(b + at->gate_off, at->gate_size))
		return false;
	return flag_open(at, b) && value_present(at, b, v);
}

#endif
