/* Reading a declared field: the value at its declared place in the parser's
 * state, the flow or the record, present by its declared rule. */
#include "sightline/field.h"
#include "sightline/proto.h"
#include "field_read.h"

bool sl_field_read(const struct sl_field *f, const void *base, struct sl_value *v)
{
	if (f->at.kind == SL_AK_COUNTS)
		return false; /* many values: sl_fields_write() writes them */
	return field_read_at(&f->at, base, v);
}

bool sl_field_get(const struct sl_field *f, const struct sl_record *r, struct sl_value *v)
{
	const void *base = NULL;
	bool present;
	if (r->event_get && r->event_get(r, f, v, &present))
		return present;
	switch (f->at.base) {
	case SL_AT_COMPUTED: return f->get(r, v);
	case SL_AT_STATE: base = sl_record_state(r, f->at.proto); break;
	case SL_AT_FLOW: base = r->flow; break;
	case SL_AT_RECORD: base = r; break;
	case SL_AT_FUNC: base = f->at.base_fn(r); break;
	case SL_AT_OWN: return false; /* not in a record */
	}
	return base && sl_field_read(f, base, v);
}
