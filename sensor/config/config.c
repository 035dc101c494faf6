/* Public configuration API: defaults, --set overrides, the commented dump and
 * release, all driven by the key table in config_table.c.  The YAML loader
 * lives in config_yaml.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

int sl_config_init_defaults(struct sl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	int rc = sl_cfg_apply_defaults(&sl_cfg_root, cfg);
	if (rc < 0)
		sl_config_finish(cfg);
	return rc;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The first key under a section, to show how a key inside it is spelled. */
static const char *first_under(const struct sl_cfg_table *t, const char *section)
{
	size_t n = strlen(section);
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->keys[i].key, section, n) == 0 && t->keys[i].key[n] == '.')
			return t->keys[i].key;
	return "";
}

/*
 * --set takes the same text as a YAML value (unquoted), so a value that works
 * on the command line works in the file and the other way round.  Lists are
 * comma-separated and replace the whole list.
 */
int sl_config_set(struct sl_config *cfg, const char *assignment, char *err, size_t errlen)
{
	char key[SL_CFG_KEY_MAX + 1], why[SL_CFG_WHY_MAX], hint[SL_CFG_KEY_MAX + 32], ex[64];
	const char *eq = strchr(assignment, '=');
	size_t klen = eq ? (size_t)(eq - assignment) : 0;
	if (!eq || klen == 0) {
		set_err(err, errlen, "--set '%s': expected key=value, e.g. flow.max_flows=100000",
			sl_cfg_excerpt(assignment, ex, sizeof(ex)));
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)klen, assignment);
	const struct sl_cfg_key *k = klen <= SL_CFG_KEY_MAX ? sl_cfg_find(&sl_cfg_root, key) : NULL;
	if (!k && klen <= SL_CFG_KEY_MAX && sl_cfg_is_section(&sl_cfg_root, key)) {
		set_err(err, errlen, "--set %s: '%s' is a section, not a key; name a key inside it, "
			"e.g. '%s'", key, key, first_under(&sl_cfg_root, key));
		return -EINVAL;
	}
	if (!k) {
		set_err(err, errlen, "--set %s: unknown key%s", sl_cfg_excerpt(key, ex, sizeof(ex)),
			sl_cfg_suggest(&sl_cfg_root, key, hint, sizeof(hint)));
		return -EINVAL;
	}
	int rc = sl_cfg_set_text(k, cfg, eq + 1, true, why, sizeof(why));
	if (rc < 0)
		set_err(err, errlen, "--set %s: %s", key, why);
	return rc;
}

/* Apply one "key=value" of an entry being appended to list k. */
static int assign_entry_key(const struct sl_cfg_key *k, void *entry, const char *a,
			    char *err, size_t errlen)
{
	char key[SL_CFG_KEY_MAX + 1], why[SL_CFG_WHY_MAX], hint[SL_CFG_KEY_MAX + 32], ex[64];
	const char *eq = strchr(a, '=');
	size_t klen = eq ? (size_t)(eq - a) : 0;
	if (!eq || klen == 0 || klen > SL_CFG_KEY_MAX) {
		set_err(err, errlen, "%s: '%s': expected key=value", k->key,
			sl_cfg_excerpt(a, ex, sizeof(ex)));
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)klen, a);
	const struct sl_cfg_key *ek = sl_cfg_find(k->sub, key);
	if (!ek || ek->type == SL_CFG_MAP_LIST) {
		set_err(err, errlen, "%s: unknown key '%s'%s", k->key, sl_cfg_excerpt(key, ex, sizeof(ex)),
			sl_cfg_suggest(k->sub, key, hint, sizeof(hint)));
		return -EINVAL;
	}
	if (sl_cfg_set_text(ek, entry, eq + 1, true, why, sizeof(why)) < 0) {
		set_err(err, errlen, "%s: %s: %s", k->key, key, why);
		return -EINVAL;
	}
	return 0;
}

/* Build one entry of list k from assignments: defaults, values, checks. */
static int build_entry(const struct sl_cfg_key *k, void *entry, const char *const *assignments,
		       size_t n, char *err, size_t errlen)
{
	char why[SL_CFG_WHY_MAX];
	if (sl_cfg_apply_defaults(k->sub, entry) < 0)
		return set_err(err, errlen, "%s: bad defaults", k->key), -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (assign_entry_key(k, entry, assignments[i], err, errlen) < 0)
			return -EINVAL;
	for (size_t i = 0; i < k->sub->n; i++) {
		const struct sl_cfg_key *ek = &k->sub->keys[i];
		bool given = false;
		for (size_t j = 0; j < n && ek->required && !given; j++)
			given = strncmp(assignments[j], ek->key, strlen(ek->key)) == 0 &&
				assignments[j][strlen(ek->key)] == '=';
		if (ek->required && !given)
			return set_err(err, errlen, "%s: '%s' is missing: %s", k->key, ek->key,
				       ek->desc), -EINVAL;
	}
	if (k->sub->check && k->sub->check(entry, why, sizeof(why)) < 0)
		return set_err(err, errlen, "%s: %s", k->key, why), -EINVAL;
	return 0;
}

int sl_config_append(struct sl_config *cfg, const char *list, const char *const *assignments,
		     size_t n, char *err, size_t errlen)
{
	const struct sl_cfg_key *k = sl_cfg_find(&sl_cfg_root, list);
	if (!k || k->type != SL_CFG_MAP_LIST)
		return set_err(err, errlen, "'%s' is not a list of maps", list), -EINVAL;
	uint8_t **items = (uint8_t **)((char *)cfg + k->offset);
	size_t *count = (size_t *)((char *)cfg + k->count_offset);
	if (*count >= k->max)
		return set_err(err, errlen, "%s: has more than %u entries", list, k->max), -EINVAL;
	uint8_t *entry = calloc(1, k->elem_size);
	if (!entry)
		return set_err(err, errlen, "out of memory"), -ENOMEM;
	int rc = build_entry(k, entry, assignments, n, err, errlen);
	uint8_t *grown = rc == 0 ? realloc(*items, (*count + 1) * k->elem_size) : NULL;
	if (rc == 0 && !grown)
		rc = -ENOMEM, set_err(err, errlen, "out of memory");
	if (rc < 0) {
		sl_cfg_entries_free(k, entry, 1);
		return rc;
	}
	memcpy(grown + *count * k->elem_size, entry, k->elem_size);
	free(entry);
	*items = grown;
	(*count)++;
	return 0;
}

static void indent(FILE *out, size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		fputs("  ", out);
}

/* Number of leading dotted parts two keys share, sections only (the last
 * part of a key is its name, never a section). */
static size_t shared_sections(const char *a, const char *b)
{
	size_t depth = 0;
	for (size_t i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '.')
			depth++;
	return depth;
}

/* "# description (unit, min..max, default X)" above each key; a list of
 * maps also lists the keys one entry takes. */
static void dump_comment(FILE *out, const struct sl_cfg_key *k, size_t depth)
{
	indent(out, depth);
	fprintf(out, "# %s (", k->desc);
	if (k->type == SL_CFG_U16 || k->type == SL_CFG_U32)
		fprintf(out, "%s%s%u..%u, ", k->unit, *k->unit ? ", " : "", k->min, k->max);
	if (k->type == SL_CFG_DOUBLE)
		fprintf(out, "%s, %g..%g, ", k->unit, k->dmin, k->dmax);
	if (k->type == SL_CFG_MAP_LIST)
		fprintf(out, "list of maps, default [])\n");
	else if (sl_cfg_types[k->type].elem_size)
		fprintf(out, "list, default [%s])\n", k->def);
	else
		fprintf(out, "default %s)\n", *k->def ? k->def : k->type == SL_CFG_DOUBLE ? "unset" : "empty");
	for (size_t i = 0; k->type == SL_CFG_MAP_LIST && i < k->sub->n; i++) {
		indent(out, depth);
		fprintf(out, "#   %s%s: %s\n", i ? "  " : "- ", k->sub->keys[i].key, k->sub->keys[i].desc);
	}
}

/* Where the dump stands: base indentation, whether the next line opens a
 * list entry ("- "), and whether keys get comments (not inside entries). */
struct dumper {
	FILE *out;
	size_t base;
	bool dash;
	bool comments;
};

static void start_line(struct dumper *d, size_t level)
{
	if (d->dash) {
		indent(d->out, d->base - 1);
		fputs("- ", d->out);
		d->dash = false;
	} else {
		indent(d->out, d->base + level);
	}
}

static void dump_table(struct dumper *d, const struct sl_cfg_table *t, const void *base);

static void dump_value(struct dumper *d, const struct sl_cfg_key *k, const void *base,
		       size_t level)
{
	const struct sl_cfg_type_ops *ops = &sl_cfg_types[k->type];
	const char *field = (const char *)base + k->offset;
	FILE *out = d->out;
	if (k->type != SL_CFG_MAP_LIST && !ops->elem_size) {
		fputc(' ', out);
		ops->format(k, field, out);
		fputc('\n', out);
		return;
	}
	const uint8_t *items = *(const uint8_t *const *)field;
	size_t n = *(const size_t *)((const char *)base + k->count_offset);
	size_t size = k->type == SL_CFG_MAP_LIST ? k->elem_size : ops->elem_size;
	fputs(n ? "\n" : " []\n", out);
	for (size_t i = 0; i < n; i++) {
		if (k->type == SL_CFG_MAP_LIST) {
			struct dumper sub = { out, d->base + level + 2, true, false };
			dump_table(&sub, k->sub, items + i * size);
			continue;
		}
		indent(out, d->base + level + 1);
		fputs("- ", out);
		ops->format(k, items + i * size, out);
		fputc('\n', out);
	}
}

/* Inside list entries an empty string is the default: leave it out. */
static bool skip_in_entry(const struct dumper *d, const struct sl_cfg_key *k, const void *base)
{
	return !d->comments && k->type == SL_CFG_STRING &&
	       *(char *const *)((const char *)base + k->offset) == NULL;
}

/*
 * Keys are written in table order; a section is opened when a key's leading
 * parts differ from the previous key's, so keys of one section must be
 * adjacent in the table (a duplicate section would fail to load back, which
 * the round-trip test catches).
 */
static void dump_table(struct dumper *d, const struct sl_cfg_table *t, const void *base)
{
	const char *prev = "";
	for (size_t i = 0; i < t->n; i++) {
		const struct sl_cfg_key *k = &t->keys[i];
		if (skip_in_entry(d, k, base))
			continue;
		size_t depth = shared_sections(prev, k->key), level = 0;
		if (depth == 0 && d->comments)
			fputc('\n', d->out);
		const char *part = k->key;
		for (const char *dot; (dot = strchr(part, '.')); part = dot + 1, level++) {
			if (level < depth)
				continue;
			start_line(d, level);
			fprintf(d->out, "%.*s:\n", (int)(dot - part), part);
		}
		if (d->comments)
			dump_comment(d->out, k, d->base + level);
		start_line(d, level);
		fprintf(d->out, "%s:", part);
		dump_value(d, k, base, level);
		prev = k->key;
	}
}

void sl_config_dump(const struct sl_config *cfg, FILE *out)
{
	struct dumper d = { out, 0, false, true };
	fputs("# sightline configuration in effect (sightline --dump-config).\n"
	      "# Each key: description (unit, range, default).\n", out);
	dump_table(&d, &sl_cfg_root, cfg);
}

/* One key's value as the dump writes it, its lines joined by '\x1f' so the
 * value stays on the fingerprint's line. */
static void fingerprint_key(FILE *out, const struct sl_cfg_key *k, const void *base)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m) {
		struct dumper d = { m, 0, false, false };
		dump_value(&d, k, base, 0);
		fclose(m);
	}
	fprintf(out, "%s\t", k->key);
	for (size_t i = 0; text && i < len; i++)
		fputc(text[i] == '\n' ? '\x1f' : text[i], out);
	fputc('\n', out);
	free(text);
}

char *sl_config_fingerprint(const struct sl_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < sl_cfg_root.n; i++)
		fingerprint_key(out, &sl_cfg_root.keys[i], cfg);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* key is p itself or lies under the section p ("sensor.location" covers
 * sensor.location.city). */
static bool under(const char *key, size_t klen, const char *p)
{
	size_t n = strlen(p);
	return klen >= n && !strncmp(key, p, n) && (klen == n || key[n] == '.');
}

static bool kept(const char *key, size_t klen, const char *const *keep)
{
	for (size_t i = 0; keep && keep[i]; i++)
		if (under(key, klen, keep[i]))
			return true;
	return false;
}

/* Append ", key" (or "key" first) to buf while a later "..." still fits;
 * then "..." once, and nothing more. */
static void list_key(char *buf, size_t len, size_t n, const char *key, size_t klen)
{
	size_t used = strlen(buf), sep = n ? 2 : 0;
	if (used >= 3 && !strcmp(buf + used - 3, "..."))
		return;
	if (used + sep + klen + 4 <= len)
		snprintf(buf + used, len - used, "%s%.*s", sep ? ", " : "", (int)klen, key);
	else if (used + 4 <= len)
		memcpy(buf + used, "...", 4);
}

size_t sl_config_changed(const char *a, const char *b, const char *const *keep, char *buf,
			 size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = '\0';
	while (a && b && *a && *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		if (!ea || !eb)
			break;
		size_t klen = strcspn(a, "\t");
		bool same = ea - a == eb - b && !memcmp(a, b, (size_t)(ea - a));
		if (!same && !kept(a, klen, keep)) {
			if (len)
				list_key(buf, len, n, a, klen);
			n++;
		}
		a = ea + 1;
		b = eb + 1;
	}
	return n;
}

void sl_config_finish(struct sl_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < sl_cfg_root.n; i++)
		sl_cfg_release(&sl_cfg_root.keys[i], cfg);
	memset(cfg, 0, sizeof(*cfg));
}

bool sl_config_is_home(const struct sl_config *cfg, const struct sl_addr *a)
{
	for (size_t i = 0; i < cfg->n_home_networks; i++)
		if (sl_cidr_contains(&cfg->home_networks[i], a))
			return true;
	return false;
}
