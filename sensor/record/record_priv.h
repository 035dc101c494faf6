/* What the record stage's writers share inside sensor/record: the one way
 * a value in hand is written (the flow writer's and the own tables'). */
#ifndef SENSOR_RECORD_RECORD_PRIV_H
#define SENSOR_RECORD_RECORD_PRIV_H

#include "sightline/field.h"
#include "sightline/json.h"

/* v of JSON type type as a value at j's current place (its key written
 * before).  v is borrowed for the call. */
void sl_record_emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v);

#endif
