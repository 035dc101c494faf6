/* Dotted field paths into jansson values: the one lookup every JSON reader
 * uses, so "a.b.0.c" means the same thing in every configuration. */
#include <stdlib.h>
#include <string.h>

#include "sightline/jsonpath.h"

/* A decimal array index without sign or leading zeros, below 2^31. */
static bool parse_index(const char *p, size_t n, size_t *out)
{
	size_t v = 0;
	if (n == 0 || n > 9 || (n > 1 && p[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (size_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

/* One part [p, p+n) applied to v: an object key or an array index. */
static json_t *step(const json_t *v, const char *p, size_t n)
{
	size_t idx;
	if (json_is_object(v))
		return json_object_getn(v, p, n);
	if (json_is_array(v) && parse_index(p, n, &idx))
		return json_array_get(v, idx);
	return NULL;
}

/*
 * Resolve [path, path+n) under v.  The whole remainder is tried as one key
 * first, then each split point from the left; depth is bounded by the number
 * of dots, which callers keep at SL_JPATH_MAX_PARTS.
 */
static json_t *resolve(const json_t *v, const char *path, size_t n)
{
	json_t *whole = step(v, path, n);
	if (whole)
		return whole;
	for (size_t i = 0; i < n; i++) {
		if (path[i] != '.')
			continue;
		json_t *child = step(v, path, i);
		json_t *found = child ? resolve(child, path + i + 1, n - i - 1) : NULL;
		if (found)
			return found;
	}
	return NULL;
}

json_t *sl_jpath_get(const json_t *root, const char *path)
{
	if (!root || !path || !sl_jpath_valid(path))
		return NULL;
	return resolve(root, path, strlen(path));
}

bool sl_jpath_valid(const char *path)
{
	size_t n = strlen(path);
	unsigned parts = 1;
	if (n == 0 || path[0] == '.' || path[n - 1] == '.' || strstr(path, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		parts += path[i] == '.';
	return parts <= SL_JPATH_MAX_PARTS;
}

const char *sl_jpath_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	case JSON_NULL: return "null";
	}
	return "a value";
}
