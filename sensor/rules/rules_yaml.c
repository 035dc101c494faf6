/* A small YAML loader for rule files: the bounded reader's events into a
 * tree of nodes that keep their marks (line, column), so every later error
 * can point at the exact place.  Anchors and aliases are refused: rules do
 * not need them, and refusing them rules out alias bombs and cycles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rules_priv.h"
#include "sightline/yaml_read.h"

/* Rules nest 6 levels; a file may hold a collection of rules, one per
 * document, but no rule needs anchors. */
static const struct sl_yaml_limits rule_limits = {
	.what = "rule file", .max_depth = SL_YAML_MAX_DEPTH, .max_documents = 1024,
	.max_anchors = 0,
};

/* Nodes, their text and their kid arrays come from an arena (rules_load.c)
 * freed together with the documents: one malloc per 16 KiB instead of three
 * per node (a rule file is a few hundred nodes; the loaders drop the tree at
 * once).  The documents keep the arena's chunk list in their void *mem. */

struct yload {
	struct sl_yaml_reader r;
	struct arena mem;
	unsigned *line, *col;
	char *msg;
	size_t msglen;
};

static int fail_at(struct yload *y, unsigned line, unsigned col, const char *what)
{
	*y->line = line;
	*y->col = col;
	snprintf(y->msg, y->msglen, "%s", what);
	return -EINVAL;
}

static int fail(struct yload *y, yaml_mark_t m, const char *what)
{
	return fail_at(y, (unsigned)m.line + 1, (unsigned)m.column + 1, what);
}

/* The next event within the limits, or the reader's error as ours. */
static int next_event(struct yload *y, yaml_event_t *ev)
{
	int rc = sl_yaml_next(&y->r, ev);
	if (rc < 0 && rc != -ENOMEM)
		return fail_at(y, y->r.line, y->r.col, y->r.msg);
	return rc;
}

/* n bytes (not cleared) from the load's arena, or NULL. */
static void *yalloc(struct yload *y, size_t n)
{
	return arena_alloc_raw(&y->mem, n);
}

static void chunks_free(void *head)
{
	struct arena a = { .head = head };
	arena_free(&a);
}

/* Kids grow at powers of two; the array left behind stays in its chunk
 * until the documents are freed (at most as much again). */
static int add_kid(struct yload *y, struct ynode *n, struct ynode *k)
{
	if ((n->n & (n->n - 1)) == 0 || n->n == 0) {
		size_t cap = n->n ? n->n * 2 : 4;
		struct ynode **nk = yalloc(y, cap * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		if (n->n)
			memcpy(nk, n->kids, n->n * sizeof(*nk));
		n->kids = nk;
	}
	n->kids[n->n++] = k;
	return 0;
}

static struct ynode *new_node(struct yload *y, enum ynode_type t, yaml_mark_t m)
{
	struct ynode *n = yalloc(y, sizeof(*n));
	if (n) {
		*n = (struct ynode){ .type = t };
		n->line = (unsigned)m.line + 1;
		n->col = (unsigned)m.column + 1;
	}
	return n;
}

static int load_node(struct yload *y, yaml_event_t *ev, struct ynode **out);

static struct ynode *scalar_node(struct yload *y, const yaml_event_t *ev)
{
	struct ynode *n = new_node(y, YN_SCALAR, ev->start_mark);
	if (!n || !(n->s = yalloc(y, ev->data.scalar.length + 1)))
		return NULL;
	memcpy(n->s, ev->data.scalar.value, ev->data.scalar.length);
	n->s[ev->data.scalar.length] = '\0';
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->quoted = (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		     ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
		    ev->start_mark.line == ev->end_mark.line;
	return n;
}

/* Keys of one map must differ: YAML says so, and a repeated key in a rule
 * is a mistake whose second half would otherwise silently win. */
static int check_duplicate(struct yload *y, const struct ynode *map, const struct ynode *key)
{
	if (key->type != YN_SCALAR)
		return fail_at(y, key->line, key->col,
			       "a map key must be plain text, not a map or a list");
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->kids[i]->s, key->s) == 0) {
			char text[300];
			snprintf(text, sizeof(text), "duplicate key '%.100s' (first on line %u); "
				 "merge the two entries", key->s, map->kids[i]->line);
			return fail_at(y, key->line, key->col, text);
		}
	return 0;
}

/* Children of a map or sequence until its end event. */
static int load_children(struct yload *y, struct ynode *n)
{
	yaml_event_type_t end = n->type == YN_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	for (;;) {
		yaml_event_t ev;
		int rc = next_event(y, &ev);
		if (rc < 0)
			return rc;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		struct ynode *k = NULL;
		rc = load_node(y, &ev, &k);
		if (rc == 0 && n->type == YN_MAP && (n->n % 2) == 0)
			rc = check_duplicate(y, n, k);
		if (rc == 0)
			rc = add_kid(y, n, k);
		if (rc < 0)
			return rc;
	}
}

/* Build the node that starts with ev (consumed here).  The reader has
 * refused anchors, aliases and nesting past the limit, so recursion is
 * bounded by SL_YAML_MAX_DEPTH. */
static int load_node(struct yload *y, yaml_event_t *ev, struct ynode **out)
{
	yaml_mark_t m = ev->start_mark;
	struct ynode *n = NULL;
	int rc = 0;
	if (ev->type == YAML_SCALAR_EVENT)
		rc = (n = scalar_node(y, ev)) ? 0 : -ENOMEM;
	else if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) {
		n = new_node(y, ev->type == YAML_MAPPING_START_EVENT ? YN_MAP : YN_SEQ, m);
		rc = n ? 0 : -ENOMEM;
	} else
		rc = fail(y, m, "unexpected YAML structure");
	yaml_event_delete(ev);
	if (rc == 0 && n->type != YN_SCALAR)
		rc = load_children(y, n);
	if (rc < 0)
		return rc; /* n stays in the chunks, freed with them */
	*out = n;
	return 0;
}

static int add_doc(struct ydocs *d, struct ynode *n)
{
	struct ynode **nd = realloc(d->docs, (d->n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	d->docs = nd;
	d->docs[d->n++] = n;
	return 0;
}

/* Stream: documents of one root node each, until the stream ends. */
static int load_stream(struct yload *y, struct ydocs *out)
{
	for (;;) {
		yaml_event_t ev;
		int rc = next_event(y, &ev);
		if (rc < 0)
			return rc;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT || t == YAML_NO_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
		    t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		struct ynode *n = NULL;
		if ((rc = load_node(y, &ev, &n)) == 0)
			rc = add_doc(out, n);
		if (rc < 0)
			return rc;
	}
}

int ydocs_parse(const char *text, size_t len, struct ydocs *out, unsigned *line, unsigned *col,
		char *msg, size_t msglen)
{
	memset(out, 0, sizeof(*out));
	struct yload y = { .line = line, .col = col, .msg = msg, .msglen = msglen };
	int rc = sl_yaml_reader_init(&y.r, text, len, &rule_limits);
	if (rc == 0)
		rc = load_stream(&y, out);
	out->mem = y.mem.head;
	sl_yaml_reader_finish(&y.r);
	if (rc == -ENOMEM) {
		*line = *col = 0;
		snprintf(msg, msglen, "out of memory reading the rule file");
	}
	if (rc < 0)
		ydocs_free(out);
	return rc;
}

void ydocs_free(struct ydocs *d)
{
	chunks_free(d->mem);
	free(d->docs);
	d->mem = NULL;
	d->docs = NULL;
	d->n = 0;
}

const struct ynode *ymap_get(const struct ynode *n, const char *key)
{
	if (!n || n->type != YN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < n->n; i += 2)
		if (strcmp(n->kids[i]->s, key) == 0)
			return n->kids[i + 1];
	return NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	if (n->type != YN_SCALAR || !n->plain)
		return false;
	return n->s[0] == '\0' || !strcmp(n->s, "~") || !strcmp(n->s, "null") ||
	       !strcmp(n->s, "Null") || !strcmp(n->s, "NULL");
}
