/* Reading JSON input (parsed by jansson): values at dotted field paths such as
 * "actor.alternateId" or "target.0.displayName", shared by every stage that
 * takes JSON records (sign-in logs now; the fleet scorer and reports later). */
#ifndef SIGHTLINE_JSONPATH_H
#define SIGHTLINE_JSONPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Most dotted parts a path may have; deeper paths are refused at load. */
#define SL_JPATH_MAX_PARTS 8

/**
 * The value at a dotted path inside root, or NULL when any part is absent.
 * A part under an array is a decimal index ("target.0.displayName").  At each
 * object, a key that itself contains dots is tried before the path is split
 * there, so flattened exports ({"source.ip": ...}, as ECS-style SIEM exports
 * write them) and nested ones ({"source": {"ip": ...}}) both resolve.  A JSON
 * null counts as present; callers decide what null means.
 * Borrowed: owned by root, valid while root is.
 */
json_t *sl_jpath_get(const json_t *root, const char *path);

/**
 * True when path is usable with sl_jpath_get(): non-empty dotted parts, none
 * empty, at most SL_JPATH_MAX_PARTS of them.  For configuration checks.
 */
bool sl_jpath_valid(const char *path);

/**
 * How a value's type is named in messages: "a string", "a number", "an
 * object", "an array", "true or false", "null"; "nothing" for NULL.
 * Borrowed: a string constant.
 */
const char *sl_jpath_type_name(const json_t *v);

#endif
