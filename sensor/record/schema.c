/* The JSON Schema of every event (sightline --schema), generated from the
 * declarations of the event kinds, and the check that holds every field
 * name to one JSON type across them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/schema.h"
#include "sl_build_config.h"

#define FIELDS_MAX 2048 /* names over all kinds: ~450 today */
#define DEPTH_MAX 16

/* ---- collecting ---- */

struct fieldset {
	const struct sl_field *f[FIELDS_MAX];
	size_t n;
	bool full;
};

/* Each name once: a kind may take a name from two tables (the subject
 * block from the catalogue, the rest from its writer's table). */
static void set_add(void *ctx, const struct sl_field *f)
{
	struct fieldset *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->f[i]->name, f->name))
			return;
	if (s->n == FIELDS_MAX) {
		s->full = true;
		return;
	}
	s->f[s->n++] = f;
}

/* Whether name a continues as an object or array below name b
 * ("tcp.syn.ttl" below "tcp.syn", "alert.rules[].id" below "alert.rules"). */
static bool below(const char *a, const char *b)
{
	size_t n = strlen(b);
	return !strncmp(a, b, n) && (a[n] == '.' || a[n] == '[');
}

/* One declared type per name, not merely one JSON type: a SIEM maps a
 * name once from the first value it sees, and an integer field later
 * given a fraction (uint here, double there) loses it. */
static bool same_type(const struct sl_field *a, const struct sl_field *b)
{
	return a->type == b->type;
}

int sl_schema_check(char *err, size_t errlen)
{
	static struct fieldset all; /* --schema and the tests run it once, before any thread */
	static const struct sl_field *first[FIELDS_MAX];
	static const char *where[FIELDS_MAX];
	size_t n = 0;
	for (size_t k = 0; k < sl_event_kinds(); k++) {
		const struct sl_event_kind *kind = sl_event_kind_at(k);
		all.n = 0;
		all.full = false;
		sl_event_kind_fields(kind, set_add, &all);
		for (size_t i = 0; i < all.n && n < FIELDS_MAX; i++) {
			const struct sl_field *f = all.f[i];
			size_t j = 0;
			while (j < n && strcmp(first[j]->name, f->name))
				j++;
			if (j < n && !same_type(first[j], f)) {
				snprintf(err, errlen, "field %s is %s in %s events and %s in %s events",
					 f->name, sl_ftype_name(first[j]->type), where[j],
					 sl_ftype_name(f->type), kind->event_type);
				return -EINVAL;
			}
			if (j == n) {
				first[n] = f;
				where[n++] = kind->event_type;
			}
		}
		if (all.full || n == FIELDS_MAX) {
			snprintf(err, errlen, "more than %d fields: raise FIELDS_MAX", FIELDS_MAX);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (below(first[i]->name, first[j]->name)) {
				snprintf(err, errlen, "field %s is a value and %s puts an object under it",
					 first[j]->name, first[i]->name);
				return -EINVAL;
			}
	return 0;
}

/* ---- writing: a small pretty printer ---- */

struct pw {
	FILE *out;
	int depth;
	bool more[DEPTH_MAX]; /* the open container has a member already */
};

static void put_str(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void newline(struct pw *w)
{
	fprintf(w->out, "\n%*s", 2 * w->depth, "");
}

/* A member's key (in an object; NULL in an array), after a comma when it
 * is not the first. */
static void member(struct pw *w, const char *key, size_t klen)
{
	if (w->more[w->depth])
		fputc(',', w->out);
	w->more[w->depth] = true;
	newline(w);
	if (key) {
		put_str(w->out, key, klen);
		fputs(": ", w->out);
	}
}

static void open_c(struct pw *w, const char *key, size_t klen, char c)
{
	member(w, key, klen);
	fputc(c, w->out);
	if (w->depth + 1 < DEPTH_MAX)
		w->more[++w->depth] = false;
}

static void close_c(struct pw *w, char c)
{
	bool had = w->more[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (had)
		newline(w);
	fputc(c, w->out);
}

#define OPEN(w, key) open_c(w, key, strlen(key), '{')

static void put_kv(struct pw *w, const char *key, const char *value)
{
	member(w, key, strlen(key));
	put_str(w->out, value, strlen(value));
}

static void put_raw(struct pw *w, const char *key, const char *raw)
{
	member(w, key, key ? strlen(key) : 0);
	fputs(raw, w->out);
}

/* ---- one kind's definition ---- */

/* Length of the path segment of name starting at pos ("rules[]" counts
 * its brackets). */
static size_t seg_len(const char *name, size_t pos)
{
	const char *dot = strchr(name + pos, '.');
	return dot ? (size_t)(dot - name) - pos : strlen(name + pos);
}

/* Names ordered segment by segment, so every object's members are
 * contiguous whatever characters the keys hold. */
static int cmp_path(const void *a, const void *b)
{
	const char *x = (*(const struct sl_field *const *)a)->name;
	const char *y = (*(const struct sl_field *const *)b)->name;
	for (; *x && *x == *y; x++, y++)
		;
	unsigned cx = *x == '.' ? 1 : (unsigned char)*x, cy = *y == '.' ? 1 : (unsigned char)*y;
	return (int)cx - (int)cy;
}

static const char *time_pattern =
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{6}\\\\+0000$";

/* The schema of a value of type t (no braces: the caller opened them). */
static void value_schema(struct pw *w, enum sl_ftype t)
{
	char pat[160];
	switch (t) {
	case SL_FT_STRING: put_kv(w, "type", "string"); break;
	case SL_FT_UINT: put_kv(w, "type", "integer"); put_raw(w, "minimum", "0"); break;
	case SL_FT_INT: put_kv(w, "type", "integer"); break;
	case SL_FT_DOUBLE: put_kv(w, "type", "number"); break;
	case SL_FT_BOOL: put_kv(w, "type", "boolean"); break;
	case SL_FT_IP:
		put_kv(w, "type", "string");
		put_raw(w, "anyOf", "[{\"format\": \"ipv4\"}, {\"format\": \"ipv6\"}]");
		break;
	case SL_FT_TIME:
		put_kv(w, "type", "string");
		snprintf(pat, sizeof(pat), "\"%s\"", time_pattern);
		put_raw(w, "pattern", pat);
		break;
	case SL_FT_UINT_LIST:
		put_kv(w, "type", "array");
		put_raw(w, "items", "{\"type\": \"integer\", \"minimum\": 0}");
		break;
	case SL_FT_STRING_LIST:
		put_kv(w, "type", "array");
		put_raw(w, "items", "{\"type\": \"string\"}");
		break;
	}
}

/* A leaf: its type and description; the event type and an alert's scope
 * are fixed by the kind. */
static void leaf(struct pw *w, const struct sl_event_kind *k, const struct sl_field *f,
		 const char *key, size_t klen)
{
	open_c(w, key, klen, '{');
	put_kv(w, "description", f->desc);
	value_schema(w, f->type);
	if (!strcmp(f->name, "event_type"))
		put_kv(w, "const", k->event_type);
	if (k->scope && !strcmp(f->name, "alert.scope"))
		put_kv(w, "const", k->scope);
	close_c(w, '}');
}

static void object(struct pw *w, const struct sl_event_kind *k, const struct sl_field **fs,
		   size_t n, size_t pos, const char *key, size_t klen);

/* The member for the group fs[0..n) sharing the segment at pos: a leaf,
 * an object, or an array of objects ("x[]"). */
static void group(struct pw *w, const struct sl_event_kind *k, const struct sl_field **fs,
		  size_t n, size_t pos)
{
	const char *name = fs[0]->name;
	size_t len = seg_len(name, pos);
	bool array = len > 2 && !strncmp(name + pos + len - 2, "[]", 2);
	size_t klen = array ? len - 2 : len;
	if (n == 1 && name[pos + len] == '\0') {
		leaf(w, k, fs[0], name + pos, klen);
		return;
	}
	if (!array) {
		object(w, k, fs, n, pos + len + 1, name + pos, klen);
		return;
	}
	open_c(w, name + pos, klen, '{');
	put_kv(w, "type", "array");
	object(w, k, fs, n, pos + len + 1, "items", 5);
	close_c(w, '}');
}

static void required(struct pw *w, const struct sl_event_kind *k, const char *path, size_t pos)
{
	if (pos == 0)
		put_raw(w, "required", k->scope ? "[\"timestamp\", \"event_type\", \"alert\"]" :
						  "[\"timestamp\", \"event_type\"]");
	else if (k->scope && pos == 6 && !strncmp(path, "alert.", 6))
		put_raw(w, "required", "[\"scope\"]");
}

/* An object whose members are the names of fs[0..n) from pos on, closed
 * to any other key but a '*' segment's (counters named by an enumeration). */
static void object(struct pw *w, const struct sl_event_kind *k, const struct sl_field **fs,
		   size_t n, size_t pos, const char *key, size_t klen)
{
	const struct sl_field **any = NULL;
	size_t n_any = 0;
	open_c(w, key, klen, '{');
	put_kv(w, "type", "object");
	required(w, k, fs[0]->name, pos);
	OPEN(w, "properties");
	for (size_t i = 0; i < n;) {
		size_t len = seg_len(fs[i]->name, pos), j = i + 1;
		while (j < n && seg_len(fs[j]->name, pos) == len &&
		       !strncmp(fs[j]->name + pos, fs[i]->name + pos, len))
			j++;
		if (len == 1 && fs[i]->name[pos] == '*')
			any = &fs[i], n_any = j - i;
		else
			group(w, k, &fs[i], j - i, pos);
		i = j;
	}
	close_c(w, '}');
	if (!any)
		put_raw(w, "additionalProperties", "false");
	else if (n_any == 1 && any[0]->name[pos + 1] == '\0')
		leaf(w, k, any[0], "additionalProperties", 20);
	else
		object(w, k, any, n_any, pos + 2, "additionalProperties", 20);
	close_c(w, '}');
}

static void kind_def(struct pw *w, const struct sl_event_kind *k, struct fieldset *s)
{
	char name[64];
	snprintf(name, sizeof(name), "%s%s%s", k->event_type, k->scope ? "-" : "",
		 k->scope ? k->scope : "");
	s->n = 0;
	sl_event_kind_fields(k, set_add, s);
	qsort(s->f, s->n, sizeof(s->f[0]), cmp_path);
	object(w, k, s->f, s->n, 0, name, strlen(name));
}

/* ---- the document ---- */

/* "if event_type is flow (and alert.scope is X) then #/$defs/flow-X". */
static void selector(struct pw *w, const struct sl_event_kind *k)
{
	char buf[512];
	open_c(w, NULL, 0, '{');
	put_kv(w, "description", k->desc);
	if (k->scope)
		snprintf(buf, sizeof(buf),
			 "{\"required\": [\"event_type\", \"alert\"], \"properties\": {\"event_type\": "
			 "{\"const\": \"%s\"}, \"alert\": {\"required\": [\"scope\"], \"properties\": "
			 "{\"scope\": {\"const\": \"%s\"}}}}}", k->event_type, k->scope);
	else
		snprintf(buf, sizeof(buf), "{\"required\": [\"event_type\"], \"properties\": "
			 "{\"event_type\": {\"const\": \"%s\"}}}", k->event_type);
	put_raw(w, "if", buf);
	snprintf(buf, sizeof(buf), "{\"$ref\": \"#/$defs/%s%s%s\"}", k->event_type,
		 k->scope ? "-" : "", k->scope ? k->scope : "");
	put_raw(w, "then", buf);
	close_c(w, '}');
}

/* The enumerations of event types and alert scopes, from the kinds. */
static void enums(struct pw *w, bool scopes)
{
	char buf[512], item[64];
	size_t len = 1;
	memcpy(buf, "[", 2);
	for (size_t i = 0; i < sl_event_kinds(); i++) {
		const struct sl_event_kind *k = sl_event_kind_at(i);
		const char *v = scopes ? k->scope : k->event_type;
		if (!v)
			continue;
		snprintf(item, sizeof(item), "\"%s\"", v);
		if (strstr(buf, item) || len >= sizeof(buf))
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len > 1 ? ", " : "", item);
	}
	member(w, scopes ? "scope" : "event_type", scopes ? 5 : 10);
	fprintf(w->out, "{\"enum\": %s]}", buf);
}

int sl_schema_print(FILE *out, char *err, size_t errlen)
{
	static struct fieldset s;
	int rc = sl_schema_check(err, errlen);
	if (rc < 0)
		return rc;
	struct pw w = { .out = out, .depth = 1 };
	fputc('{', out);
	put_kv(&w, "$schema", "https://json-schema.org/draft/2020-12/schema");
	put_kv(&w, "title", "sightline events");
	put_kv(&w, "description", "Every event sightline " SL_VERSION " writes, one JSON object "
	       "per line; generated by sightline --schema from the field declarations "
	       "(sightline --list-fields).");
	put_kv(&w, "type", "object");
	put_raw(&w, "required", "[\"timestamp\", \"event_type\"]");
	OPEN(&w, "properties");
	enums(&w, false);
	OPEN(&w, "alert");
	OPEN(&w, "properties");
	enums(&w, true);
	close_c(&w, '}');
	close_c(&w, '}');
	close_c(&w, '}');
	open_c(&w, "allOf", 5, '[');
	for (size_t i = 0; i < sl_event_kinds(); i++)
		selector(&w, sl_event_kind_at(i));
	open_c(&w, NULL, 0, '{');
	put_kv(&w, "description", "an alert says what raised it (alert.scope)");
	put_raw(&w, "if", "{\"required\": [\"event_type\"], \"properties\": {\"event_type\": "
		"{\"const\": \"alert\"}}}");
	put_raw(&w, "then", "{\"required\": [\"alert\"], \"properties\": {\"alert\": "
		"{\"required\": [\"scope\"]}}}");
	close_c(&w, '}');
	close_c(&w, ']');
	OPEN(&w, "$defs");
	for (size_t i = 0; i < sl_event_kinds(); i++)
		kind_def(&w, sl_event_kind_at(i), &s);
	close_c(&w, '}');
	fputs("\n}\n", out);
	return ferror(out) ? -EIO : 0;
}
