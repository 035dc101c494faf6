/* What the record stage's writers share inside sensor/record: the one way
 * a value in hand is written (the flow writer's and the own tables'). */
#ifndef SENSOR_RECORD_RECORD_PRIV_H
#define SENSOR_RECORD_RECORD_PRIV_H

#include "sightline/field.h"
#include "sightline/json.h"

/* v of JSON type type as a value at j's current place (its key written
 * before).  v is borrowed for the call. */
void sl_record_emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v);

/* A time or an address as a JSON string value at j's current place, its
 * text remembered by this thread (value_text.c): byte for byte what
 * sl_json_str() writes of sl_time_format(t, buf, room) (room >= 32; the
 * text is cut at room - 1 bytes, as there: a year past 9999 does not fit
 * SL_TIME_STRLEN) or of sl_addr_format(a, buf, SL_ADDR_STRLEN). */
void sl_record_put_time(struct sl_json *j, sl_time_us t, size_t room);
void sl_record_put_ip(struct sl_json *j, const struct sl_addr *a);

/* An enum's name as a JSON string: '"', the name, '"' (text NULL for an
 * absent name). */
struct sl_quoted_name {
	const char *text;
	uint16_t len;
};
/* The quoted texts of names[0..n), made once at start-up (before
 * threads; static for the process), or NULL when a name needs escaping or
 * the pool is full: then write the names with sl_json_str(). */
const struct sl_quoted_name *sl_record_name_texts(const char *const *names, size_t n);

/* A kept fragment (fragments.c): text[0..len) written below node at,
 * ending at node end (sl_json_fragment_end()); len 0: the fields wrote
 * nothing for that base. */
struct sl_fragment {
	const char *text;
	size_t len;
	const struct sl_json_node *at, *end;
};

/* The fragment this thread keeps for a group of fields what (its writer's
 * static description: a plan step, a key order) and a base named stamp:
 * true and *out filled (out->text borrowed until this thread keeps
 * another) or false. */
bool sl_fragment_find(uint64_t stamp, const void *what, struct sl_fragment *out);
/* Keep a copy of f (its text and nodes) for stamp (non-zero) and what, for
 * this thread.  Returns the copy of the text (borrowed, as
 * sl_fragment_find()'s), or NULL when it is too long to keep. */
const char *sl_fragment_keep(uint64_t stamp, const void *what, const struct sl_fragment *f);
/* A fragment this thread has not kept yet: write(ctx, j) writes the group
 * of fields below at in place (sl_json_fragment_begin() .. _end(), so j
 * ends as it was), and the text is kept for stamp and what.  True and *f
 * filled (f->text as sl_fragment_keep()'s); false when it cannot be kept:
 * j failed meanwhile, a field was not written by nodes, or it is too
 * long.  The two event writers (catalogue.c's plans, fields_write.c's
 * orders) make theirs through this. */
bool sl_fragment_make(struct sl_json *j, const struct sl_json_node *at, uint64_t stamp,
		      const void *what, void (*write)(struct sl_json *j, const void *ctx),
		      const void *ctx, struct sl_fragment *f);
/* Whether fragments are kept: false only under the test hook
 * SIGHTLINE_TEST_NO_FRAGMENTS (the tests compare the kept texts with the
 * fields written one by one).  Read first at start-up (the catalogue's
 * order), before threads. */
bool sl_fragments_on(void);

#endif
