/* Reading a declared field: the value at its declared place in the parser's
 * state, the flow or the record, present by its declared rule. */
#include <math.h>
#include <string.h>

#include "sightline/field.h"
#include "sightline/proto.h"

/* An unsigned member of 1..8 bytes; memcpy because a declaration may point
 * into a packed or oddly aligned member. */
static uint64_t read_uint(const uint8_t *p, unsigned size)
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

static const unsigned kind_size[] = {
	[SL_AK_U8] = 1, [SL_AK_U16] = 2, [SL_AK_U32] = 4, [SL_AK_U64] = 8,
};

/* Fill v from the member at p; return whether the value is non-zero. */
static bool read_value(const struct sl_field_at *at, const uint8_t *p, struct sl_value *v)
{
	switch (at->kind) {
	case SL_AK_U8: case SL_AK_U16: case SL_AK_U32: case SL_AK_U64:
		v->u = read_uint(p, kind_size[at->kind]);
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

bool sl_field_read(const struct sl_field *f, const void *base, struct sl_value *v)
{
	const struct sl_field_at *at = &f->at;
	const uint8_t *b = base;
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

bool sl_field_get(const struct sl_field *f, const struct sl_record *r, struct sl_value *v)
{
	const void *base = NULL;
	switch (f->at.base) {
	case SL_AT_COMPUTED: return f->get(r, v);
	case SL_AT_STATE: base = sl_record_state(r, f->at.proto); break;
	case SL_AT_FLOW: base = r->flow; break;
	case SL_AT_RECORD: base = r; break;
	case SL_AT_FUNC: base = f->at.base_fn(r); break;
	}
	return base && sl_field_read(f, base, v);
}
