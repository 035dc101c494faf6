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

/* What a forwarding sensor (scoring.mode forward) puts after host in its
 * flow, alert and sign-in events (sensor/engine/forward.c). */
static const struct sl_field forward_fields[] = {
	{ "event_id", SL_FT_STRING, "scoring.mode forward: the event's unique id (16 hex digits, a hash of host, flow_id, event type, the alert's rule and the flow's latest packet time), the same when the capture is replayed; the fleet scorer drops a repeated id" },
	{ "sensor_time", SL_FT_TIME, "scoring.mode forward: the sensor's capture clock when it wrote the event, the order `sightline score` applies a fleet's events in" },
	{ "subject_key", SL_FT_STRING, "scoring.mode forward: who the event is charged to (subject.id: the roster name, else the host's MAC or address; the client address when nobody), also the Kafka message key, so one subject's events share a partition" },
};

const struct sl_field_table sl_forward_fields = {
	.module = "forward",
	.fields = forward_fields,
	.n = ARRAY_SIZE(forward_fields),
};
