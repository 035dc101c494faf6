/* Loading a rule pack: reading files and directories, the pack's arena and
 * error reporting, field lookup with "did you mean", and the public
 * load/check/destroy entry points. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sightline/yaml_read.h"
#include "rules_priv.h"

#define RULE_FILE_MAX (1u << 20) /* a rule file is a few KiB; bigger is a wrong path */
#define CHUNK 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc_raw(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;
		if (!(c = malloc(sizeof(*c) + cap)))
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);
	return p ? memset(p, 0, n) : NULL;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	return p ? memcpy(p, s, n) : NULL;
}

void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}

void cerr(struct cctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
	struct sl_rule_error e = { .line = line, .col = col };
	va_list ap;
	snprintf(e.file, sizeof(e.file), "%s", c->file);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	c->errors++;
	if (c->report)
		c->report(c->rctx, &e);
}

/* Edit distance, bounded to short names (field names are < 64 bytes). */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[65];
	if (la > 64 || lb > 64)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The catalogue name nearest to name, if near enough to be a typo. */
static const char *nearest_field(const char *name)
{
	const struct sl_field_table *t;
	const char *best = NULL;
	unsigned bd = 4;
	for (size_t i = 0; (t = sl_catalogue_table(i)) != NULL; i++)
		for (size_t k = 0; k < t->n; k++) {
			unsigned d = distance(name, t->fields[k].name);
			if (d < bd) {
				bd = d;
				best = t->fields[k].name;
			}
		}
	return best;
}

const struct sl_field *field_lookup(struct cctx *c, const char *name, unsigned line, unsigned col)
{
	const struct sl_field *f = sl_catalogue_find(name);
	if (f)
		return f;
	/* A rule written before a rename still loads: silently matching
	 * nothing would hide the evidence it was written for. */
	char now[128];
	if (sl_field_renamed(name, now, sizeof(now))) {
		fprintf(stderr, "%s:%u:%u: warning: field '%s' is now '%s' (Suricata EVE's name "
			"and type); the rule reads '%s': rename it in the rule\n",
			c->file, line, col, name, now, now);
		return sl_catalogue_find(now);
	}
	const char *near = nearest_field(name);
	if (near)
		cerr(c, line, col, "unknown field '%.100s' (did you mean '%s'? see sightline "
		     "--list-fields)", name, near);
	else
		cerr(c, line, col, "unknown field '%.100s' (see sightline --list-fields for the "
		     "fields rules can test)", name);
	return NULL;
}

/* Compile every document of one text. */
static void load_text(struct cctx *c, const char *text, size_t len)
{
	struct ydocs d;
	unsigned line = 0, col = 0;
	char msg[400];
	if (ydocs_parse(text, len, &d, &line, &col, msg, sizeof(msg)) < 0) {
		cerr(c, line, col, "%s", msg);
		return;
	}
	if (d.n == 0)
		cerr(c, 1, 1, "the file holds no rule; write a rule (title, id, detection, ...) "
		     "or remove the file");
	for (size_t i = 0; i < d.n; i++)
		rule_compile(c, d.docs[i]);
	ydocs_free(&d);
}

static int load_file(struct cctx *c, const char *path)
{
	char *buf;
	size_t n;
	int rc = sl_yaml_file_read(path, RULE_FILE_MAX, &buf, &n);
	if (rc == -EFBIG) {
		cerr(c, 0, 0, "the file is larger than 1 MiB; is it really a rule file?");
		return 0;
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		cerr(c, 0, 0, "cannot open the rule file: %s", strerror(-rc));
		return rc;
	}
	load_text(c, buf, n);
	free(buf);
	return 0;
}

static bool rule_file_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 4 && !strcmp(n + l - 4, ".yml")) ||
			       (l > 5 && !strcmp(n + l - 5, ".yaml")));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yml / *.yaml of dir, in name order (so ids and errors come out
 * in the same order on every machine). */
static int load_dir(struct cctx *c, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!rule_file_name(de->d_name))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(de->d_name)))
			rc = -ENOMEM;
		if (nn)
			names = nn;
		if (rc == 0)
			n++;
	}
	closedir(d);
	if (rc == 0 && n == 0) {
		c->file = dir;
		cerr(c, 0, 0, "no *.yml or *.yaml rule files in this directory");
	}
	qsort(names, n, sizeof(*names), cmp_names);
	char path[PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		c->file = path;
		if (rc == 0)
			rc = load_file(c, path) == -ENOMEM ? -ENOMEM : 0;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* After all files: link correlation rules to their bases. */
static void finish_pack(struct cctx *c)
{
	if (c->errors == 0)
		correlations_resolve(c);
	if (c->errors == 0)
		rules_stages_compute(c->pack);
}

static struct sl_rules *pack_new(void)
{
	return calloc(1, sizeof(struct sl_rules));
}

/* The bundled pack's directory: <exe dir>/rules/sigma, else SL_DATADIR/sigma. */
static const char *bundled(char *buf, size_t len)
{
	sl_find_bundled("sigma", buf, len);
	return buf;
}

static int load_path(struct cctx *c, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	c->file = path;
	int rc = S_ISDIR(st.st_mode) ? load_dir(c, path) : load_file(c, path);
	if (rc == 0) {
		c->file = path;
		finish_pack(c);
	}
	return rc;
}

struct first_err {
	struct sl_rule_error *err;
	bool have;
};

static void keep_first(void *ctx, const struct sl_rule_error *e)
{
	struct first_err *f = ctx;
	if (!f->have && f->err)
		*f->err = *e;
	f->have = true;
}

static int finish_load(struct sl_rules *p, struct cctx *c, int rc, struct sl_rules **out,
		       struct sl_rule_error *err)
{
	if (rc == 0 && c->errors)
		rc = -EINVAL;
	if (rc < 0 && err && c->errors == 0) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", c->file ? c->file : "");
		snprintf(err->msg, sizeof(err->msg), "cannot read the rules: %s", strerror(-rc));
	}
	if (rc < 0) {
		sl_rules_destroy(p);
		return rc;
	}
	*out = p;
	return 0;
}

int sl_rules_load(const char *path, struct sl_rules **out, struct sl_rule_error *err)
{
	char buf[PATH_MAX];
	struct first_err fe = { .err = err };
	struct sl_rules *p = pack_new();
	if (!p)
		return -ENOMEM;
	if (!path || !*path)
		path = bundled(buf, sizeof(buf));
	struct cctx c = { .pack = p, .file = path, .report = keep_first, .rctx = &fe };
	return finish_load(p, &c, load_path(&c, path), out, err);
}

int sl_rules_load_mem(const char *name, const char *buf, size_t len, struct sl_rules **out,
		      struct sl_rule_error *err)
{
	struct first_err fe = { .err = err };
	struct sl_rules *p = pack_new();
	if (!p)
		return -ENOMEM;
	struct cctx c = { .pack = p, .file = name, .report = keep_first, .rctx = &fe };
	load_text(&c, buf, len);
	finish_pack(&c);
	return finish_load(p, &c, 0, out, err);
}

int sl_rules_check(const char *path, void (*report)(void *ctx, const struct sl_rule_error *e),
		   void *ctx)
{
	char buf[PATH_MAX];
	struct sl_rules *p = pack_new();
	if (!p)
		return -ENOMEM;
	if (!path || !*path)
		path = bundled(buf, sizeof(buf));
	struct cctx c = { .pack = p, .file = path, .report = report, .rctx = ctx };
	int rc = load_path(&c, path);
	sl_rules_destroy(p);
	return rc < 0 ? rc : (int)c.errors;
}

void sl_rules_destroy(struct sl_rules *p)
{
	if (!p)
		return;
	rx_set_free(p->rx);
	if (p->links)
		for (size_t i = 0; i < p->n; i++)
			free(p->links[i]);
	free(p->links);
	free(p->n_links);
	free(p->rules);
	arena_free(&p->arena);
	free(p);
}

size_t sl_rules_count(const struct sl_rules *p)
{
	return p ? p->n : 0;
}

const struct sl_rule_info *sl_rules_info(const struct sl_rules *p, size_t i)
{
	return p && i < p->n ? &p->rules[i]->info : NULL;
}

const char *sl_rule_level_name(enum sl_rule_level l)
{
	static const char *const names[] = { "informational", "low", "medium", "high",
					      "critical" };
	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

void sl_rule_error_format(const struct sl_rule_error *e, char *buf, size_t len)
{
	if (e->line)
		snprintf(buf, len, "%s:%u:%u: %s", e->file, e->line, e->col, e->msg);
	else
		snprintf(buf, len, "%s%s%s", e->file, e->file[0] ? ": " : "", e->msg);
}
