/* A forwarding sensor (scoring.mode forward): its events carry what the
 * fleet scorer needs to apply them once and in order (event_id,
 * sensor_time) and to keep one subject's events in one Kafka partition
 * (subject_key, also the message key); the rules only the scorer can judge
 * are left to it. */
#include <stdio.h>
#include <string.h>

#include "sightline/schema.h"
#include "engine_priv.h"

void sl_engine_forward_hits(struct sl_flow_out *o)
{
	size_t k = 0;
	for (size_t i = 0; i < o->n_hits; i++)
		if (!sl_rule_reads_subject(o->hits[i]))
			o->hits[k++] = o->hits[i];
	o->n_hits = k;
}

void sl_engine_meta(const struct sl_record *r, const char *type, sl_time_us clock,
		    struct sl_event_meta *m, char *keybuf, size_t keylen)
{
	*m = (struct sl_event_meta){ .type = type, .flow_id = r->flow->flow_id,
				     .last = r->flow->last, .clock = clock, .key = keybuf };
	if (r->subject && r->subject->id[0])
		sl_strcopy(keybuf, keylen, r->subject->id);
	else
		sl_addr_format(&r->flow->cli, keybuf, keylen);
}

/* The event's id: a hash of what makes it one event (the sensor, the flow,
 * its type, the rule of an alert, the flow's latest packet: an interim
 * record differs from the next), the same when a sensor replays it. */
static uint64_t event_id(const struct sl_engine *e, const struct sl_event_meta *m)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64, then mixed */
	const uint8_t *p = (const uint8_t *)e->host_hdr;
	for (size_t i = 0; i < e->host_len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (const char *t = m->type; *t; t++)
		h = (h ^ (uint8_t)*t) * 0x100000001b3ULL;
	h = sl_mix64(h ^ m->flow_id);
	h = sl_mix64(h ^ m->sid);
	return sl_mix64(h ^ m->last);
}

/* "event_id":"…","sensor_time":"…","subject_key":"…", into j, from their
 * declarations (header_fields.c). */
static void forward_header(const struct sl_engine *e, const struct sl_event_meta *m,
			   struct sl_json *j)
{
	struct sl_header_view v = { .sensor_time = m->clock, .subject_key = m->key };
	snprintf(v.event_id, sizeof(v.event_id), "%016llx", (unsigned long long)event_id(e, m));
	sl_json_begin(j);
	sl_fields_write(&sl_forward_fields, &v, j);
	sl_json_end(j);
}

void sl_engine_write_meta(struct sl_engine *e, const struct sl_json *j,
			  const struct sl_event_meta *m)
{
	if (!m || !sl_engine_forwarding(e)) {
		sl_engine_write(e, j);
		return;
	}
	struct sl_json h;
	sl_json_init(&h);
	forward_header(e, m, &h);
	if (h.failed || h.len < 2) {
		e->events_lost++;
	} else {
		h.buf[h.len - 1] = ','; /* {"event_id":...,"subject_key":"…", */
		sl_engine_write_with(e, j, h.buf + 1, h.len - 1);
	}
	sl_json_finish(&h);
}
