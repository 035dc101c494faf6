/* The own writers of events built without a record (alert blocks, subject,
 * sign-in and stats events, headers): declared tables written field by
 * field, their keys made once per thread. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sightline/field.h"
#include "sightline/json.h"
#include "field_read.h"
#include "record_priv.h"

/* The counters of an SL_FIELD_COUNTS declaration, one key each: the
 * name's prefix up to its '*', then the entry's name. */
static void write_counts(const struct sl_field *f, const uint8_t *base, struct sl_json *j)
{
	const struct sl_field_at *at = &f->at;
	const char *star = strchr(f->name, '*');
	int keep = star ? (int)(star - f->name) : (int)strlen(f->name);
	char path[128];
	for (unsigned i = at->aux_off; i < (unsigned)at->aux_off + at->n_names; i++) {
		snprintf(path, sizeof(path), "%.*s%s", keep, f->name, at->name_fn(i));
		sl_json_path(j, path);
		sl_json_u64(j, read_uint(base + at->off + (size_t)i * at->vsize, at->vsize));
	}
}

/*
 * The own writers' keys (sl_fields_write*: alert blocks, subject and
 * sign-in events, headers), made once per thread on first use like the
 * flow writer's: a key is then one copy and a change of object a walk of
 * nodes, instead of sl_json_path() comparing and escaping the names of
 * every field of every event.  Looked up by the address of the path, a
 * declaration's name (or the part of it inside an array's element): the
 * tables are static, so the names (which the nodes borrow) live as long
 * as the process.  Never evicted: when full, keys go by sl_json_path().
 */
#define OWN_KEYS 512   /* a power of two; the own tables hold ~300 names */
#define OWN_NODES 128  /* distinct object paths among them; ~40 today */
#define OWN_PROBES 8
struct own_key {
	const char *path;                /* NULL: empty */
	const struct sl_json_node *node; /* NULL: written by sl_json_path() */
	uint8_t klen;
	char key[SL_JSON_KEY_ROOM];
};
struct own_keys {
	struct own_key k[OWN_KEYS];
	struct sl_json_node n[OWN_NODES];
	size_t nn;
};
static _Thread_local struct own_keys own;

/* The thread's node of path name[0..len) (made with its parents), NULL
 * when it cannot be one or the nodes are full. */
static const struct sl_json_node *own_node(const char *name, size_t len)
{
	if (!own.nn && sl_json_node_init(&own.n[0], NULL, "", 0))
		own.nn = 1;
	if (len == 0)
		return &own.n[0];
	for (size_t k = 1; k < own.nn; k++)
		if (own.n[k].len == len && memcmp(own.n[k].dotted, name, len) == 0)
			return &own.n[k];
	const char *dot = memrchr(name, '.', len);
	const struct sl_json_node *up = own_node(name, dot ? (size_t)(dot - name) : 0);
	if (!up || own.nn == OWN_NODES || !sl_json_node_init(&own.n[own.nn], up, name, len))
		return NULL;
	return &own.n[own.nn++];
}

static void own_fill(struct own_key *e, const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *leaf = dot ? dot + 1 : path;
	e->path = path;
	e->node = own_node(path, dot ? (size_t)(dot - path) : 0);
	e->klen = (uint8_t)sl_json_key_text(e->key, leaf, strlen(leaf));
	if (!e->klen)
		e->node = NULL;
}

/* The thread's key of a path that lives as long as the process, NULL
 * when the keys are full.  Inline: once per field of every own event. */
static inline __attribute__((always_inline)) const struct own_key *own_key(const char *path)
{
	size_t h = (size_t)(((uint64_t)(uintptr_t)path * 0x9e3779b97f4a7c15ULL) >> 40);
	for (size_t probe = 0; probe < OWN_PROBES; probe++) {
		struct own_key *e = &own.k[(h + probe) % OWN_KEYS];
		if (!e->path)
			own_fill(e, path);
		if (e->path == path)
			return e;
	}
	return NULL;
}

/* sl_json_path(j, path) for a path that lives as long as the process.
 * Inline: once per field of every own event. */
static inline __attribute__((always_inline)) void own_path(struct sl_json *j, const char *path)
{
	const struct own_key *e = own_key(path);
	if (e && e->node)
		sl_json_node_key(j, e->node, e->key, e->klen);
	else
		sl_json_path(j, path);
}

/* A list of string pointers whole (an alert's tags) under path, the field
 * present by its rule (v holds at most SL_VALUE_LIST_MAX of them). */
static void write_strings(const struct sl_field *f, const char *path, const uint8_t *base,
			  struct sl_json *j)
{
	const uint8_t *p = base + f->at.off;
	size_t n = counted(&f->at, p, SIZE_MAX);
	own_path(j, path);
	sl_json_open_array(j);
	for (size_t k = 0; k < n; k++) {
		const char *s;
		if (f->at.kind == SL_AK_STRPP)
			s = strings_at(p)[k];
		else
			memcpy(&s, p + k * f->at.vsize, sizeof(s));
		sl_json_str(j, s);
	}
	sl_json_close_array(j);
}

/* One declared field of an event's own writer under path (its dotted name,
 * or the part inside its array's element: either lives as long as the
 * declaration). */
static void write_field(const struct sl_field *f, const char *path, const void *base,
			struct sl_json *j)
{
	struct sl_value v;
	if (f->at.kind == SL_AK_COUNTS) {
		write_counts(f, base, j);
	} else if (field_read_at(&f->at, base, &v)) {
		if (f->at.kind == SL_AK_STRPS || f->at.kind == SL_AK_STRPP) {
			write_strings(f, path, base, j);
			return;
		}
		own_path(j, path);
		if (f->type == SL_FT_STRING) /* most values: no second switch */
			sl_json_str(j, v.s);
		else if (f->type == SL_FT_UINT)
			sl_json_u64(j, v.u);
		else
			sl_record_emit_value(j, f->type, &v);
	}
}

/* The part of a declared name inside its innermost array's element:
 * "alert.rules[].facts.place.claimed_city" -> "facts.place.claimed_city". */
static const char *in_element(const char *name)
{
	const char *q;
	while ((q = strstr(name, "[].")) != NULL)
		name = q + 3;
	return name;
}

void sl_fields_write(const struct sl_field_table *t, const void *base, struct sl_json *j)
{
	for (size_t i = 0; i < t->n; i++)
		write_field(&t->fields[i], t->fields[i].name, base, j);
}

void sl_fields_write_order(const struct sl_field_table *t, const uint8_t *order, size_t n,
			   const void *base, struct sl_json *j)
{
	for (size_t i = 0; i < n; i++)
		if (order[i] < t->n)
			write_field(&t->fields[order[i]], t->fields[order[i]].name, base, j);
}

/* The node all of t->fields[order[0..n)] lie below, by their keys, or NULL
 * (a key not a node's, counters, nothing in common below the top). */
static const struct sl_json_node *kept_node(const struct sl_field_table *t, const uint8_t *order,
					    size_t n)
{
	const struct sl_json_node *at = NULL;
	for (size_t i = 0; i < n; i++) {
		if (order[i] >= t->n || t->fields[order[i]].at.kind == SL_AK_COUNTS)
			return NULL;
		const struct own_key *e = own_key(t->fields[order[i]].name);
		const struct sl_json_node *a = e ? e->node : NULL, *b = at;
		if (!a)
			return NULL;
		while (i && a && b && a != b) {
			if (a->depth >= b->depth)
				a = a->depth ? a->up : NULL;
			else
				b = b->depth ? b->up : NULL;
		}
		at = a;
		if (!at || !at->depth)
			return NULL;
	}
	return at;
}

/* An order of a table's fields for one base (write_order()). */
struct order_ctx {
	const struct sl_field_table *t;
	const uint8_t *order;
	size_t n;
	const void *base;
};

/* The order's fields one by one (sl_fragment_make()'s writer). */
static void write_order(struct sl_json *j, const void *ctx)
{
	const struct order_ctx *oc = ctx;
	sl_fields_write_order(oc->t, oc->order, oc->n, oc->base, j);
}

/* The kept text of order's fields for stamp, written now when this thread
 * has none (f->len 0: none of them present); false when it cannot be kept. */
static bool kept_text(const struct sl_field_table *t, const uint8_t *order, size_t n,
		      const void *base, uint64_t stamp, struct sl_json *j, struct sl_fragment *f)
{
	if (sl_fragment_find(stamp, order, f))
		return true;
	const struct sl_json_node *at = kept_node(t, order, n);
	if (!at || !sl_json_fragment_fits(j, at))
		return false;
	struct order_ctx oc = { t, order, n, base };
	return sl_fragment_make(j, at, stamp, order, write_order, &oc, f);
}

void sl_fields_write_kept(const struct sl_field_table *t, const uint8_t *order, size_t n,
			  const void *base, uint64_t stamp, struct sl_json *j)
{
	struct sl_fragment f;
	if (!stamp || !sl_fragments_on() || !kept_text(t, order, n, base, stamp, j, &f) ||
	    !sl_json_fragment_fits(j, f.at)) {
		sl_fields_write_order(t, order, n, base, j);
		return;
	}
	if (f.len)
		sl_json_fragment_put(j, f.at, f.text, f.len, f.end);
}

void sl_fields_write_under(const struct sl_field_table *t, const char *prefix, const void *base,
			   struct sl_json *j)
{
	size_t n_prefix = strlen(prefix);
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->fields[i].name, prefix, n_prefix) == 0)
			write_field(&t->fields[i], t->fields[i].name, base, j);
}

/* The array's key (the first name up to its last "[]") or the object's
 * path (the first name without its leaf) of t, into path[128]. */
static void table_path(const struct sl_field_table *t, bool array, char *path)
{
	const char *name = t->n ? t->fields[0].name : "";
	if (array) {
		const char *end = name, *q;
		while ((q = strstr(end + 1, "[]")) != NULL)
			end = q;
		if (end == name || strncmp(end, "[]", 2) != 0)
			end = name + strlen(name);
		snprintf(path, 128, "%.*s", (int)(end - name), name);
		return;
	}
	name = in_element(name);
	const char *dot = strrchr(name, '.');
	snprintf(path, 128, "%.*s", dot ? (int)(dot - name) : 0, name);
}

/* Per thread, like the own keys: each table's array key or object path,
 * and each name's part inside its element, worked out on first use (the
 * subject alert's rules[] open an array and objects per rule, and every
 * name's part was a search for "[]." per field per event). */
#define OWN_TABLES 64 /* a power of two; a dozen tables open arrays or objects */
#define OWN_RELS 512
struct own_table {
	const struct sl_field_table *t; /* NULL: empty */
	bool array;
	const char *rel;                /* in_element(path) */
	char path[128];
};
struct own_rel {
	const char *name, *rel;
};
static _Thread_local struct own_table own_tables[OWN_TABLES];
static _Thread_local struct own_rel own_rels[OWN_RELS];

static size_t own_hash(const void *p)
{
	return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL) >> 40);
}

/* t's path (table_path()), NULL when the table of them is full. */
static const struct own_table *own_table(const struct sl_field_table *t, bool array)
{
	size_t h = own_hash(t) + array;
	for (size_t probe = 0; probe < OWN_PROBES; probe++) {
		struct own_table *e = &own_tables[(h + probe) % OWN_TABLES];
		if (!e->t) {
			e->t = t;
			e->array = array;
			table_path(t, array, e->path);
			e->rel = in_element(e->path);
		}
		if (e->t == t && e->array == array)
			return e;
	}
	return NULL;
}

/* in_element(name) for a declaration's name. */
static const char *own_element(const char *name)
{
	size_t h = own_hash(name);
	for (size_t probe = 0; probe < OWN_PROBES; probe++) {
		struct own_rel *e = &own_rels[(h + probe) % OWN_RELS];
		if (!e->name) {
			e->name = name;
			e->rel = in_element(name);
		}
		if (e->name == name)
			return e->rel;
	}
	return in_element(name);
}

void sl_fields_open_array(const struct sl_field_table *t, struct sl_json *j)
{
	const struct own_table *e = own_table(t, true);
	if (e) {
		own_path(j, e->rel);
	} else {
		char path[128];
		table_path(t, true, path);
		sl_json_path(j, in_element(path));
	}
	sl_json_open_array(j);
}

void sl_fields_open_object(const struct sl_field_table *t, struct sl_json *j)
{
	const struct own_table *e = own_table(t, false);
	char path[128];
	if (!e)
		table_path(t, false, path);
	sl_json_path_object(j, e ? e->path : path);
}

void sl_fields_write_rel(const struct sl_field_table *t, const void *base, struct sl_json *j)
{
	for (size_t i = 0; i < t->n; i++)
		write_field(&t->fields[i], own_element(t->fields[i].name), base, j);
}

void sl_fields_write_element(const struct sl_field_table *t, const void *base, struct sl_json *j)
{
	struct sl_json_scope sc;
	sl_json_open_object(j);
	sl_json_path_enter(j, &sc);
	sl_fields_write_rel(t, base, j);
	sl_json_path_leave(j, &sc);
	sl_json_close_object(j);
}

void sl_fields_write_keys(const struct sl_field_table *t, const void *base, struct sl_json *j)
{
	struct sl_value v;
	for (size_t i = 0; i < t->n; i++) {
		const struct sl_field *f = &t->fields[i];
		const char *leaf = strrchr(f->name, '.');
		if (field_read_at(&f->at, base, &v)) {
			sl_json_key(j, leaf ? leaf + 1 : f->name);
			sl_record_emit_value(j, f->type, &v);
		}
	}
}
