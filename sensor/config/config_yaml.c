/* The YAML side of the configuration: the bounded reader builds a node
 * tree, and one walker matches its nested maps against the key table,
 * reporting every problem as FILE:LINE:COL and a sentence. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_priv.h"
#include "sightline/yaml_read.h"

/* Largest configuration file read (a config is a few KiB; this only keeps a
 * wrong -c argument, such as a pcap, from being slurped whole). */
#define CONFIG_FILE_MAX (4u << 20)

struct loader {
	yaml_document_t *doc;
	const char *name;   /* file name for messages */
	char *err;
	size_t errlen;
	const char *ctx;    /* "databases[2]: " inside a list entry, else "" */
};

static void put_err(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_err(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	if (!ld->err || ld->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
}

/* libyaml marks are 0-based; people count from 1. */
#define MARK_FMT "%s:%zu:%zu: "
#define MARK_ARGS(ld, m) (ld)->name, (m).line + 1, (m).column + 1

static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
	char ex[64];
	if (n->type == YAML_MAPPING_NODE)
		return "a map";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	snprintf(buf, len, "'%s'", sl_cfg_excerpt((const char *)n->data.scalar.value, ex,
						 sizeof(ex)));
	return buf;
}

/* An unquoted empty value or "~": YAML's way of writing nothing. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (v[0] == '\0' || strcmp(v, "~") == 0);
}

/* The text of a scalar node; NUL inside ("\0" escapes) would silently cut
 * the value, so it is an error. */
static int scalar_text(struct loader *ld, const yaml_node_t *n, const char *key,
		       const char **out)
{
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) == n->data.scalar.length)
		return 0;
	put_err(ld, MARK_FMT "%s: the value contains a NUL character", MARK_ARGS(ld, n->start_mark),
		key);
	return -EINVAL;
}

/* A list key: the YAML value must be a sequence of single values. */
static int apply_list(struct loader *ld, const struct sl_cfg_key *k, void *base,
		      const yaml_node_t *val)
{
	char why[SL_CFG_WHY_MAX], d[80];
	struct sl_cfg_list l;
	if (val->type != YAML_SEQUENCE_NODE) {
		put_err(ld, MARK_FMT "%s%s: expected a list (e.g. [a, b], or [] for none), got %s",
			MARK_ARGS(ld, val->start_mark), ld->ctx, k->key, describe(val, d, sizeof(d)));
		return -EINVAL;
	}
	sl_cfg_list_begin(&l, k);
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
		const char *text;
		int rc = -EINVAL;
		if (item->type != YAML_SCALAR_NODE)
			put_err(ld, MARK_FMT "%s%s: each entry must be a single value, got %s",
				MARK_ARGS(ld, item->start_mark), ld->ctx, k->key,
				describe(item, d, sizeof(d)));
		else if ((rc = scalar_text(ld, item, k->key, &text)) == 0 &&
			 (rc = sl_cfg_list_add(&l, text, why, sizeof(why))) < 0)
			put_err(ld, MARK_FMT "%s%s: %s", MARK_ARGS(ld, item->start_mark), ld->ctx,
				k->key, why);
		if (rc < 0) {
			sl_cfg_list_abort(&l);
			return rc;
		}
	}
	sl_cfg_list_commit(&l, base);
	return 0;
}

static int walk_map(struct loader *ld, const struct sl_cfg_table *t, void *base,
		    const yaml_node_t *map, const char *prefix);
static int apply_map_list(struct loader *ld, const struct sl_cfg_key *k, void *base,
			  const yaml_node_t *val);

static int apply_value(struct loader *ld, const struct sl_cfg_key *k, void *base,
		       const yaml_node_t *val)
{
	char why[SL_CFG_WHY_MAX], d[80];
	const struct sl_cfg_type_ops *ops = &sl_cfg_types[k->type];
	const char *text;
	if (k->type == SL_CFG_MAP_LIST)
		return apply_map_list(ld, k, base, val);
	if (ops->elem_size)
		return apply_list(ld, k, base, val);
	if (val->type != YAML_SCALAR_NODE) {
		put_err(ld, MARK_FMT "%s%s: expected a single value (%s), got %s",
			MARK_ARGS(ld, val->start_mark), ld->ctx, k->key, ops->name,
			describe(val, d, sizeof(d)));
		return -EINVAL;
	}
	if (scalar_text(ld, val, k->key, &text) < 0)
		return -EINVAL;
	bool plain = val->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (sl_cfg_set_text(k, base, text, plain, why, sizeof(why)) < 0) {
		put_err(ld, MARK_FMT "%s%s: %s", MARK_ARGS(ld, val->start_mark), ld->ctx, k->key, why);
		return -EINVAL;
	}
	return 0;
}

/* The required keys of an entry table that the YAML map does not give. */
static const struct sl_cfg_key *missing_required(struct loader *ld, const struct sl_cfg_table *t,
						 const yaml_node_t *map)
{
	for (size_t i = 0; i < t->n; i++) {
		bool found = false;
		if (!t->keys[i].required)
			continue;
		for (const yaml_node_pair_t *pair = map->data.mapping.pairs.start;
		     pair < map->data.mapping.pairs.top && !found; pair++) {
			const yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
			found = strcmp((const char *)key->data.scalar.value, t->keys[i].key) == 0;
		}
		if (!found)
			return &t->keys[i];
	}
	return NULL;
}

/* One entry of a list of maps: defaults, the map's keys, required keys, the
 * table's whole-entry check; errors are placed at the entry. */
static int apply_entry(struct loader *ld, const struct sl_cfg_key *k, void *entry,
		       const yaml_node_t *item)
{
	const struct sl_cfg_table *t = k->sub;
	char why[SL_CFG_WHY_MAX], d[80];
	const struct sl_cfg_key *miss;
	if (item->type != YAML_MAPPING_NODE) {
		put_err(ld, MARK_FMT "%seach entry must be a map of keys such as '%s:', got %s",
			MARK_ARGS(ld, item->start_mark), ld->ctx, t->keys[0].key,
			describe(item, d, sizeof(d)));
		return -EINVAL;
	}
	if (sl_cfg_apply_defaults(t, entry) < 0)
		return -EINVAL;
	int rc = walk_map(ld, t, entry, item, "");
	if (rc < 0)
		return rc;
	if ((miss = missing_required(ld, t, item)) != NULL) {
		put_err(ld, MARK_FMT "%s'%s' is missing: %s", MARK_ARGS(ld, item->start_mark),
			ld->ctx, miss->key, miss->desc);
		return -EINVAL;
	}
	if (t->check && t->check(entry, why, sizeof(why)) < 0) {
		put_err(ld, MARK_FMT "%s%s", MARK_ARGS(ld, item->start_mark), ld->ctx, why);
		return -EINVAL;
	}
	return 0;
}

/*
 * A list of maps (databases:): every item is walked against the key's entry
 * table into a fresh array that replaces the old list only when all items
 * are good, so a failure leaves the earlier value in place.
 */
static int apply_map_list(struct loader *ld, const struct sl_cfg_key *k, void *base,
			  const yaml_node_t *val)
{
	char d[80], ctx[SL_CFG_KEY_MAX + 32];
	size_t n = 0;
	int rc = 0;
	if (is_null(val)) {
		sl_cfg_release(k, base);
		return 0;
	}
	if (val->type != YAML_SEQUENCE_NODE) {
		put_err(ld, MARK_FMT "%s: expected a list of maps (- %s: ...), or [] for none, got %s",
			MARK_ARGS(ld, val->start_mark), k->key, k->sub->keys[0].key,
			describe(val, d, sizeof(d)));
		return -EINVAL;
	}
	size_t count = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
	if (count > k->max) {
		put_err(ld, MARK_FMT "%s: has more than %u entries", MARK_ARGS(ld, val->start_mark),
			k->key, k->max);
		return -EINVAL;
	}
	uint8_t *items = calloc(count ? count : 1, k->elem_size);
	if (!items)
		return -ENOMEM;
	const char *outer = ld->ctx;
	for (; n < count && rc == 0; n++) {
		snprintf(ctx, sizeof(ctx), "%s[%zu]: ", k->key, n);
		ld->ctx = ctx;
		rc = apply_entry(ld, k, items + n * k->elem_size,
				 yaml_document_get_node(ld->doc, val->data.sequence.items.start[n]));
	}
	ld->ctx = outer;
	if (rc < 0) {
		sl_cfg_entries_free(k, items, n);
		return rc;
	}
	sl_cfg_release(k, base);
	*(uint8_t **)((char *)base + k->offset) = items;
	*(size_t *)((char *)base + k->count_offset) = n;
	return 0;
}

/* A section key ("flow", "flow.timeouts"): its value is a nested map, or
 * nothing at all (every sub-key commented out). */
static int walk_section(struct loader *ld, const struct sl_cfg_table *t, void *base,
			const yaml_node_t *val, const char *path)
{
	char d[80];
	if (val->type == YAML_MAPPING_NODE)
		return walk_map(ld, t, base, val, path);
	if (is_null(val))
		return 0;
	put_err(ld, MARK_FMT "%s%s: expected a map of keys under '%s', got %s",
		MARK_ARGS(ld, val->start_mark), ld->ctx, path, path, describe(val, d, sizeof(d)));
	return -EINVAL;
}

/* Checks on a key node before it is looked up: a plain name, no dots (the
 * file nests; dotted names are the --set spelling), not given twice. */
static int check_key(struct loader *ld, const yaml_node_t *map, const yaml_node_pair_t *pair,
		     const char *prefix, const char **name)
{
	const yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
	char ex[64];
	if (key->type != YAML_SCALAR_NODE) {
		put_err(ld, MARK_FMT "a key must be a plain name, not a list or map",
			MARK_ARGS(ld, key->start_mark));
		return -EINVAL;
	}
	if (scalar_text(ld, key, "key", name) < 0)
		return -EINVAL;
	if (strchr(*name, '.')) {
		put_err(ld, MARK_FMT "key '%s' has a dot: in the file write each part as a nested map "
			"(dotted names are for --set)", MARK_ARGS(ld, key->start_mark),
			sl_cfg_excerpt(*name, ex, sizeof(ex)));
		return -EINVAL;
	}
	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
		const yaml_node_t *prev = yaml_document_get_node(ld->doc, q->key);
		if (strcmp((const char *)prev->data.scalar.value, *name) == 0) {
			put_err(ld, MARK_FMT "%skey '%s%s%s' is given twice (first at line %zu)",
				MARK_ARGS(ld, key->start_mark), ld->ctx, prefix, *prefix ? "." : "",
				sl_cfg_excerpt(*name, ex, sizeof(ex)), prev->start_mark.line + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Match one YAML map against the table.  prefix is the dotted path of the
 * map ("" at the top).  Recursion only follows paths that are sections of the
 * table, so its depth is bounded by the deepest key whatever the input
 * (aliases included).
 */
static int walk_map(struct loader *ld, const struct sl_cfg_table *t, void *base,
		    const yaml_node_t *map, const char *prefix)
{
	for (const yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(ld->doc, pair->value);
		char path[SL_CFG_KEY_MAX + 2], hint[SL_CFG_KEY_MAX + 32], ex[64];
		const char *name;
		int rc;
		if ((rc = check_key(ld, map, pair, prefix, &name)) < 0)
			return rc;
		int n = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
		const struct sl_cfg_key *k = n <= SL_CFG_KEY_MAX ? sl_cfg_find(t, path) : NULL;
		if (k)
			rc = apply_value(ld, k, base, val);
		else if (n <= SL_CFG_KEY_MAX && sl_cfg_is_section(t, path))
			rc = walk_section(ld, t, base, val, path);
		else {
			put_err(ld, MARK_FMT "%sunknown key '%s'%s", MARK_ARGS(ld, key->start_mark),
				ld->ctx, sl_cfg_excerpt(path, ex, sizeof(ex)),
				sl_cfg_suggest(t, path, hint, sizeof(hint)));
			rc = -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int apply_root(struct loader *ld, struct sl_config *cfg)
{
	char d[80];
	const yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	if (!root || is_null(root))
		return 0;
	if (root->type == YAML_MAPPING_NODE)
		return walk_map(ld, &sl_cfg_root, cfg, root, "");
	put_err(ld, MARK_FMT "the top level must be a map of keys such as 'flow:', got %s",
		MARK_ARGS(ld, root->start_mark), describe(root, d, sizeof(d)));
	return -EINVAL;
}

/* Bounds of a configuration file: a handful of levels and anchors. */
static const struct sl_yaml_limits config_limits = {
	.what = "configuration", .max_depth = SL_YAML_MAX_DEPTH, .max_documents = 1,
	.max_anchors = 256,
};

int sl_config_load_string(struct sl_config *cfg, const char *yaml, size_t len,
			  const char *name, char *err, size_t errlen)
{
	struct loader ld = { .name = name ? name : "config", .err = err, .errlen = errlen,
			     .ctx = "" };
	struct sl_yaml_reader r;
	yaml_document_t doc;
	put_err(&ld, "%s", "");
	int rc = sl_yaml_reader_init(&r, yaml, len, &config_limits);
	if (rc == 0)
		rc = sl_yaml_load_single(&r, &doc);
	if (rc < 0) {
		if (r.line)
			put_err(&ld, "%s:%u:%u: %s", ld.name, r.line, r.col, r.msg);
		else
			put_err(&ld, "%s: %s", ld.name, r.msg);
		sl_yaml_reader_finish(&r);
		return rc;
	}
	ld.doc = &doc;
	rc = apply_root(&ld, cfg);
	yaml_document_delete(&doc);
	sl_yaml_reader_finish(&r);
	return rc;
}

/* Read a whole file into a fresh buffer that grows as needed (the file may
 * be a pipe); the caller frees it.  Returns 0 or a negative errno. */
static int read_file(FILE *f, char **out, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *buf = NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 16384;
			if (cap > CONFIG_FILE_MAX + 1)
				cap = CONFIG_FILE_MAX + 1;
			char *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0 && n <= CONFIG_FILE_MAX);
	*out = buf;
	*len = n;
	if (ferror(f))
		return errno ? -errno : -EIO;
	return n > CONFIG_FILE_MAX ? -EFBIG : 0;
}

int sl_config_load_file(struct sl_config *cfg, const char *path, char *err, size_t errlen)
{
	struct loader ld = { .name = path, .err = err, .errlen = errlen, .ctx = "" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		put_err(&ld, "%s: %s", path, strerror(e));
		return -e;
	}
	int rc = read_file(f, &text, &len);
	fclose(f);
	if (rc == -EFBIG)
		put_err(&ld, "%s: larger than 4 MiB; is this a configuration file?", path);
	else if (rc < 0)
		put_err(&ld, "%s: %s", path, strerror(-rc));
	else
		rc = sl_config_load_string(cfg, text, len, path, err, errlen);
	free(text);
	return rc;
}
