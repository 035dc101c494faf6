/* What the record stage's writers share inside sensor/record: the one way
 * a value in hand is written (the flow writer's and the own tables'). */
#ifndef SENSOR_RECORD_RECORD_PRIV_H
#define SENSOR_RECORD_RECORD_PRIV_H

#include "sightline/field.h"
#include "sightline/json.h"

/* v of JSON type type as a value at j's current place (its key written
 * before).  v is borrowed for the call. */
void sl_record_emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v);

/* A kept fragment (fragments.c): text[0..len) written below a run's node,
 * ending at node end (sl_json_fragment_end()); len 0: the run wrote
 * nothing for that base. */
struct sl_fragment {
	const char *text;
	size_t len;
	const struct sl_json_node *end;
};

/* The fragment this thread keeps for run (a plan step's run id) and a base
 * named stamp: true and *out filled (out->text borrowed until this thread
 * keeps another) or false. */
bool sl_fragment_find(uint64_t stamp, uint16_t run, struct sl_fragment *out);
/* Keep a copy of text[0..len) and end for stamp (non-zero) and run, for
 * this thread.  Returns the copy (borrowed, as sl_fragment_find()'s), or
 * NULL when the text is too long to keep. */
const char *sl_fragment_keep(uint64_t stamp, uint16_t run, const char *text, size_t len,
			     const struct sl_json_node *end);
/* Forget every fragment this thread keeps (tests). */
void sl_fragment_drop_all(void);

#endif
