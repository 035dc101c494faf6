/* Declaration of what sl_engine_write() puts first in every event, whoever
 * wrote the rest: the sensor's name, and a forwarding sensor's event id,
 * clock and subject key, each over struct sl_header_view, from which its
 * writer, the schema and --list-fields work. */
#include "sightline/schema.h"

static const struct sl_field header_fields[] = {
	SL_FIELD_STRP("host", "the sensor's name: sensor.name, else the machine's host name (Suricata's sensor-name); on every event",
		      SL_IN_OWN, struct sl_header_view, host, SL_ALWAYS),
};

const struct sl_field_table sl_header_fields = {
	.module = "header",
	.fields = header_fields,
	.n = ARRAY_SIZE(header_fields),
};

/* The head of the events written without a record: the same names as
 * the catalogue's flow head, which describes them. */
static const struct sl_field event_head_fields[] = {
	SL_FIELD_TIME("timestamp", "when the event happened", SL_IN_OWN, struct sl_event_head, timestamp, SL_ALWAYS),
	SL_FIELD_STRP("event_type", "the kind of event", SL_IN_OWN, struct sl_event_head, event_type, SL_ALWAYS),
	SL_FIELD_STR("community_id", "the Community ID of the flow that raised a subject alert", SL_IN_OWN,
		     struct sl_event_head, community_id, SL_NONZERO),
};

/* timestamp and event_type; with community_id: a subject alert's */
const struct sl_field_table sl_event_head_fields = {
	.module = "event-head",
	.fields = event_head_fields,
	.n = 2,
};

const struct sl_field_table sl_event_head_cid_fields = {
	.module = "event-head",
	.fields = event_head_fields,
	.n = ARRAY_SIZE(event_head_fields),
};

/* What a forwarding sensor (scoring.mode forward) puts after host in its
 * flow, alert and sign-in events (sensor/engine/forward.c). */
static const struct sl_field forward_fields[] = {
	SL_FIELD_STR("event_id", "scoring.mode forward: the event's unique id (16 hex digits, a hash of host, flow_id, event type, the alert's rule and the flow's latest packet time), the same when the capture is replayed; the fleet scorer drops a repeated id",
		     SL_IN_OWN, struct sl_header_view, event_id, SL_ALWAYS),
	SL_FIELD_TIME("sensor_time", "scoring.mode forward: the sensor's capture clock when it wrote the event, the order `sightline score` applies a fleet's events in",
		      SL_IN_OWN, struct sl_header_view, sensor_time, SL_ALWAYS),
	SL_FIELD_STRP("subject_key", "scoring.mode forward: who the event is charged to (subject.id: the roster name, else the host's MAC or address; the client address when nobody), also the Kafka message key, so one subject's events share a partition",
		      SL_IN_OWN, struct sl_header_view, subject_key, SL_ALWAYS),
};

const struct sl_field_table sl_forward_fields = {
	.module = "forward",
	.fields = forward_fields,
	.n = ARRAY_SIZE(forward_fields),
};
