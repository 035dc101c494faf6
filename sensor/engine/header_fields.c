/* Declaration of what sl_engine_write() puts first in every event, whoever
 * wrote the rest: the sensor's name.  The schema and --list-fields are
 * built from it (tests/tools/validate_events.py fails on any key the
 * declarations do not name). */
#include "sightline/schema.h"

static const struct sl_field header_fields[] = {
	{ "host", SL_FT_STRING, "the sensor's name: sensor.name, else the machine's host name (Suricata's sensor-name); on every event" },
};

const struct sl_field_table sl_header_fields = {
	.module = "header",
	.fields = header_fields,
	.n = ARRAY_SIZE(header_fields),
};
