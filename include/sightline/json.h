/* A small JSON line builder for EVE events: one reusable growable buffer,
 * comma handling by nesting depth, and dotted paths that open and close
 * nested objects ("flow.pkts_toserver" -> {"flow":{"pkts_toserver":...}}). */
#ifndef SIGHTLINE_JSON_H
#define SIGHTLINE_JSON_H

#include "sightline/common.h"

#define SL_JSON_MAX_DEPTH 8

struct sl_json {
	char *buf;
	size_t len, cap;
	bool failed;                     /* an allocation failed: the event is dropped */
	uint8_t depth;
	bool need_comma[SL_JSON_MAX_DEPTH + 1];
	/* dotted-path state: the object path currently open, e.g. "flow.tcp" */
	char path[128];
	uint8_t path_len, path_depth;
};

/** Prepare an empty builder (no allocation yet).  Release with sl_json_finish(). */
void sl_json_init(struct sl_json *j);
/** Free the buffer.  Accepts NULL or a zeroed builder. */
void sl_json_finish(struct sl_json *j);
/** Start a new top-level object, reusing the buffer. */
void sl_json_begin(struct sl_json *j);
/** Close every open object; the line (without newline) is j->buf[0..len). */
void sl_json_end(struct sl_json *j);

/**
 * Start a new top-level object as a copy of src's finished line, its closing
 * brace removed and the first occurrence of from replaced by to, so that more
 * keys can follow (an alert that repeats a flow event).  Returns false, with
 * j unchanged, when src failed or holds no from.  src is only read.
 */
bool sl_json_begin_edit(struct sl_json *j, const struct sl_json *src, const char *from,
			const char *to);

/** Write a key at the current level (opens no objects). */
void sl_json_key(struct sl_json *j, const char *key);
/**
 * Position at a dotted path: closes objects not shared with the previous path
 * and opens the missing ones, then writes the last component as the key.
 * Callers must emit paths grouped by prefix (an object is never reopened).
 */
void sl_json_path(struct sl_json *j, const char *dotted);
/**
 * sl_json_path() with its parts worked out once by the caller: plen is the
 * length of the parent path (dotted up to its last dot, 0 at the top) and
 * key[0..klen) the leaf already written as a JSON key, quotes and colon
 * included (the event writer keeps these for every field of the catalogue).
 */
void sl_json_path_key(struct sl_json *j, const char *dotted, size_t plen, const char *key,
		      size_t klen);
/** Position inside the object at dotted path (opened as sl_json_path()
 * opens parents), writing no key: an object written even when empty. */
void sl_json_path_object(struct sl_json *j, const char *dotted);
/* A dotted-path state set aside while an array's element is written with
 * paths of its own (sl_json_path_enter/leave). */
struct sl_json_scope {
	char path[128];
	uint8_t path_len, path_depth;
};
/** Set j's dotted-path state aside in sc: the paths written next are
 * relative to the current level (an object the caller opened). */
void sl_json_path_enter(struct sl_json *j, struct sl_json_scope *sc);
/** Close the objects paths opened since sl_json_path_enter(j, sc), then
 * take the state set aside in sc back. */
void sl_json_path_leave(struct sl_json *j, const struct sl_json_scope *sc);
/** Close objects opened by sl_json_path() back to the top level. */
void sl_json_path_reset(struct sl_json *j);

void sl_json_str(struct sl_json *j, const char *s);         /* escaped per RFC 8259 */
void sl_json_strn(struct sl_json *j, const char *s, size_t n);
void sl_json_u64(struct sl_json *j, uint64_t v);
void sl_json_i64(struct sl_json *j, int64_t v);
void sl_json_double(struct sl_json *j, double v);           /* non-finite -> null */
void sl_json_bool(struct sl_json *j, bool v);
void sl_json_null(struct sl_json *j);
void sl_json_open_object(struct sl_json *j);
void sl_json_close_object(struct sl_json *j);
void sl_json_open_array(struct sl_json *j);
void sl_json_close_array(struct sl_json *j);

#endif
