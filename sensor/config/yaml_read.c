/* Bounded YAML reading for every loader: limits checked event by event, a
 * single-document composer that keeps node marks, and libyaml's errors
 * placed at LINE:COL (see include/sightline/yaml_read.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/yaml_read.h"

static int fail_at(struct sl_yaml_reader *r, yaml_mark_t m, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record where and why reading stopped; returns rc. */
static int fail_at(struct sl_yaml_reader *r, yaml_mark_t m, int rc, const char *fmt, ...)
{
	va_list ap;
	r->line = (unsigned)m.line + 1;
	r->col = (unsigned)m.column + 1;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int sl_yaml_reader_init(struct sl_yaml_reader *r, const char *text, size_t len,
			const struct sl_yaml_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->lim = *lim;
	if (r->lim.max_depth == 0 || r->lim.max_depth > SL_YAML_MAX_DEPTH)
		r->lim.max_depth = SL_YAML_MAX_DEPTH;
	r->text = text;
	r->len = len;
	if (!yaml_parser_initialize(&r->parser)) {
		snprintf(r->msg, sizeof(r->msg), "out of memory reading the %s", lim->what);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)text, len);
	return 0;
}

void sl_yaml_reader_finish(struct sl_yaml_reader *r)
{
	if (r && r->text)
		yaml_parser_delete(&r->parser);
	if (r)
		r->text = NULL;
}

/* libyaml's reader errors carry a byte offset rather than a mark. */
static yaml_mark_t mark_at(const struct sl_yaml_reader *r, size_t offset)
{
	yaml_mark_t m = { 0 };
	m.index = offset;
	for (size_t i = 0; i < offset && i < r->len; i++) {
		m.line += r->text[i] == '\n';
		m.column = r->text[i] == '\n' ? 0 : m.column + 1;
	}
	return m;
}

static int syntax_error(struct sl_yaml_reader *r)
{
	const yaml_parser_t *p = &r->parser;
	char ctx[160] = "";
	if (p->error == YAML_MEMORY_ERROR)
		return fail_at(r, (yaml_mark_t){ 0 }, -ENOMEM, "out of memory reading the %s",
			       r->lim.what);
	yaml_mark_t m = p->error == YAML_READER_ERROR ? mark_at(r, p->problem_offset)
						      : p->problem_mark;
	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at line %zu column %zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	bool tab = m.index < r->len && r->text[m.index] == '\t';
	return fail_at(r, m, -EINVAL, "YAML syntax error: %s%s%s",
		       p->problem ? p->problem : "unreadable input", ctx,
		       tab ? "; YAML does not allow tabs for indentation, use spaces" : "");
}

static const yaml_char_t *anchor_of(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.anchor;
	default: return NULL;
	}
}

/* The checks on an event that starts a node (scalar, alias, map, list). */
static int check_node(struct sl_yaml_reader *r, const yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	const struct sl_yaml_limits *l = &r->lim;
	if (r->documents > l->max_documents && l->max_documents == 1)
		return fail_at(r, m, -EINVAL, "only one YAML document is allowed; a second one "
			       "starts here");
	if (r->documents > l->max_documents)
		return fail_at(r, m, -EINVAL, "more than %u YAML documents in one %s; split it "
			       "into several files", l->max_documents, l->what);
	bool alias = ev->type == YAML_ALIAS_EVENT;
	if ((alias || anchor_of(ev)) && l->max_anchors == 0)
		return fail_at(r, m, -EINVAL, "anchors and aliases (&name, *name) are not "
			       "supported in a %s; write the value out", l->what);
	if (anchor_of(ev) && ++r->anchors > l->max_anchors)
		return fail_at(r, m, -EINVAL, "more than %u anchors (&name) in one %s",
			       l->max_anchors, l->what);
	bool opens = ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
	if (opens && ++r->depth > l->max_depth)
		return fail_at(r, m, -EINVAL, "maps and lists nested more than %u levels deep; a "
			       "%s needs only a few: is this the right file?", l->max_depth, l->what);
	return 0;
}

int sl_yaml_next(struct sl_yaml_reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev)) {
		memset(ev, 0, sizeof(*ev));
		return syntax_error(r);
	}
	int rc = 0;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		r->documents++; /* counted here, refused at its first node (the mark people see) */
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		r->depth--;
		break;
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		rc = check_node(r, ev);
		break;
	default:
		break;
	}
	if (rc < 0) {
		yaml_event_delete(ev);
		memset(ev, 0, sizeof(*ev));
	}
	return rc;
}

/* The composer's state: open collections with a pending map key, and the
 * anchors seen (at most lim.max_anchors, so the linear search is bounded). */
struct compose {
	struct sl_yaml_reader *r;
	yaml_document_t *doc;
	int open[SL_YAML_MAX_DEPTH + 1], key[SL_YAML_MAX_DEPTH + 1];
	unsigned n;
	struct anchor {
		char *name;
		int node;
		yaml_mark_t mark;
	} *anchors;
	unsigned n_anchors;
};

static int find_anchor(const struct compose *c, const char *name)
{
	for (unsigned i = 0; i < c->n_anchors; i++)
		if (strcmp(c->anchors[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Remember &name for later aliases; libyaml refuses a repeated one too. */
static int add_anchor(struct compose *c, const yaml_event_t *ev, int node)
{
	const char *name = (const char *)anchor_of(ev);
	if (!name)
		return 0;
	int prev = find_anchor(c, name);
	if (prev >= 0)
		return fail_at(c->r, ev->start_mark, -EINVAL, "YAML syntax error: found duplicate "
			       "anchor '&%.60s' (first on line %zu)", name,
			       c->anchors[prev].mark.line + 1);
	struct anchor *a = &c->anchors[c->n_anchors];
	if (c->n_anchors >= c->r->lim.max_anchors || !(a->name = strdup(name)))
		return -ENOMEM; /* the reader already refused more than max_anchors */
	a->node = node;
	a->mark = ev->start_mark;
	c->n_anchors++;
	return 0;
}

/* Add the node ev starts to the document; 0 with *id, or an error. */
static int add_node(struct compose *c, const yaml_event_t *ev, int *id)
{
	yaml_document_t *d = c->doc;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*id = yaml_document_add_scalar(d, ev->data.scalar.tag, ev->data.scalar.value,
					       (int)ev->data.scalar.length, ev->data.scalar.style);
		break;
	case YAML_SEQUENCE_START_EVENT:
		*id = yaml_document_add_sequence(d, ev->data.sequence_start.tag,
						 ev->data.sequence_start.style);
		break;
	case YAML_MAPPING_START_EVENT:
		*id = yaml_document_add_mapping(d, ev->data.mapping_start.tag,
						ev->data.mapping_start.style);
		break;
	default: {
		int a = find_anchor(c, (const char *)ev->data.alias.anchor);
		if (a < 0)
			return fail_at(c->r, ev->start_mark, -EINVAL,
				       "YAML syntax error: found undefined alias");
		*id = c->anchors[a].node;
		return 0;
	}
	}
	if (!*id)
		return -ENOMEM;
	d->nodes.start[*id - 1].start_mark = ev->start_mark;
	d->nodes.start[*id - 1].end_mark = ev->end_mark;
	return add_anchor(c, ev, *id);
}

/* Hang node id under the innermost open collection (nothing for the root). */
static int attach(struct compose *c, int id)
{
	if (c->n == 0)
		return 0;
	int parent = c->open[c->n - 1];
	if (c->doc->nodes.start[parent - 1].type == YAML_SEQUENCE_NODE)
		return yaml_document_append_sequence_item(c->doc, parent, id) ? 0 : -ENOMEM;
	if (!c->key[c->n - 1]) {
		c->key[c->n - 1] = id;
		return 0;
	}
	int key = c->key[c->n - 1];
	c->key[c->n - 1] = 0;
	return yaml_document_append_mapping_pair(c->doc, parent, key, id) ? 0 : -ENOMEM;
}

/* One event of the document; the reader has checked depth and anchors. */
static int compose_event(struct compose *c, const yaml_event_t *ev)
{
	int id = 0, rc;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		return yaml_document_initialize(c->doc, NULL, NULL, NULL, 1, 1) ? 0 : -ENOMEM;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		c->n--;
		c->doc->nodes.start[c->open[c->n] - 1].end_mark = ev->end_mark;
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		rc = add_node(c, ev, &id);
		rc = rc ? rc : attach(c, id);
		if (rc == 0 && ev->type != YAML_SCALAR_EVENT && ev->type != YAML_ALIAS_EVENT) {
			c->open[c->n] = id;
			c->key[c->n++] = 0;
		}
		return rc;
	default:
		return 0;
	}
}

int sl_yaml_load_single(struct sl_yaml_reader *r, yaml_document_t *doc)
{
	struct compose c = { .r = r, .doc = doc };
	int rc = 0;
	bool done = false;
	memset(doc, 0, sizeof(*doc));
	r->lim.max_documents = 1;
	if (r->lim.max_anchors && !(c.anchors = calloc(r->lim.max_anchors, sizeof(*c.anchors))))
		rc = -ENOMEM;
	while (rc == 0 && !done) {
		yaml_event_t ev;
		rc = sl_yaml_next(r, &ev);
		if (rc < 0)
			break;
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = r->documents <= 1 ? compose_event(&c, &ev) : 0;
		yaml_event_delete(&ev);
	}
	for (unsigned i = 0; i < c.n_anchors; i++)
		free(c.anchors[i].name);
	free(c.anchors);
	if (rc == -ENOMEM && !r->msg[0])
		snprintf(r->msg, sizeof(r->msg), "out of memory reading the %s", r->lim.what);
	if (rc < 0) {
		yaml_document_delete(doc);
		memset(doc, 0, sizeof(*doc));
	}
	return rc;
}

int sl_yaml_file_read(const char *path, size_t max, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	char *buf = malloc(max + 1); /* one byte more tells a file over max */
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	*text = buf;
	*len = n;
	return 0;
}
