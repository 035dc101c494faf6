/* Generic operations on the key table: lookup, "did you mean", setting a
 * value from text, building lists, defaults and release.  Used alike by the
 * YAML loader, --set and the embedded defaults. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static void *field_of(const struct sl_cfg_key *k, void *base)
{
	return (char *)base + k->offset;
}

const struct sl_cfg_key *sl_cfg_find(const struct sl_cfg_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].key, key) == 0)
			return &t->keys[i];
	return NULL;
}

bool sl_cfg_is_section(const struct sl_cfg_table *t, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->keys[i].key, path, n) == 0 && t->keys[i].key[n] == '.')
			return true;
	return false;
}

/* Levenshtein distance with two fixed rows; both strings are at most
 * SL_CFG_KEY_MAX bytes (callers check). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[2][SL_CFG_KEY_MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *prev = row[(i - 1) & 1], *cur = row[i & 1];
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	}
	return row[la & 1][lb];
}

static const char *last_part(const char *s, size_t len)
{
	const char *p = s + len;
	while (p > s && p[-1] != '.')
		p--;
	return p;
}

/*
 * Candidates are every key and every section (each prefix of a key up to a
 * dot).  The closest by edit distance wins when it is close enough to be a
 * typo; otherwise a candidate whose last part equals the typed last part
 * wins, which catches a right name at the wrong nesting ("max_flows" at the
 * top level -> "flow.max_flows").
 */
char *sl_cfg_suggest(const struct sl_cfg_table *t, const char *path, char *buf, size_t len)
{
	size_t lp = strlen(path), best = SIZE_MAX, best_len = 0, tail_len = 0;
	const char *best_key = NULL, *same_tail = NULL, *tail = last_part(path, lp);
	size_t lt = strlen(tail);
	snprintf(buf, len, "%s", "");
	if (lp > SL_CFG_KEY_MAX)
		return buf;
	for (size_t i = 0; i < t->n; i++) {
		const char *key = t->keys[i].key;
		for (size_t n = 1; key[n - 1] != '\0'; n++) {
			if (key[n] != '.' && key[n] != '\0')
				continue;
			size_t d = edit_distance(path, lp, key, n);
			if (d < best) {
				best = d;
				best_key = key;
				best_len = n;
			}
			const char *kt = last_part(key, n);
			if (!same_tail && (size_t)(key + n - kt) == lt && strncmp(kt, tail, lt) == 0) {
				same_tail = key;
				tail_len = n;
			}
		}
	}
	if (best_key && best <= 3 && best * 3 <= lp)
		snprintf(buf, len, " (did you mean '%.*s'?)", (int)best_len, best_key);
	else if (same_tail)
		snprintf(buf, len, " (did you mean '%.*s'?)", (int)tail_len, same_tail);
	return buf;
}

void sl_cfg_list_begin(struct sl_cfg_list *l, const struct sl_cfg_key *k)
{
	l->k = k;
	l->items = NULL;
	l->n = l->cap = 0;
}

int sl_cfg_list_add(struct sl_cfg_list *l, const char *text, char *why, size_t whylen)
{
	const struct sl_cfg_type_ops *ops = &sl_cfg_types[l->k->type];
	if (l->n >= l->k->max) {
		snprintf(why, whylen, "has more than %u entries", l->k->max);
		return -EINVAL;
	}
	uint8_t *p = sl_grow(l->items, &l->cap, l->n, ops->elem_size, 8);
	if (!p) {
		snprintf(why, whylen, "%s", "out of memory");
		return -ENOMEM;
	}
	l->items = p;
	memset(l->items + l->n * ops->elem_size, 0, ops->elem_size);
	if (ops->parse(l->k, text, true, l->items + l->n * ops->elem_size, why, whylen) < 0)
		return -EINVAL;
	l->n++;
	return 0;
}

void sl_cfg_list_commit(struct sl_cfg_list *l, void *base)
{
	sl_cfg_release(l->k, base);
	*(void **)field_of(l->k, base) = l->items;
	*(size_t *)((char *)base + l->k->count_offset) = l->n;
	l->items = NULL;
	l->n = l->cap = 0;
}

void sl_cfg_list_abort(struct sl_cfg_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

/* Trim blanks from both ends of [p, p+n) into out; false when it does not fit. */
static bool trimmed_item(const char *p, size_t n, char *out, size_t outlen)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* A list given as text: comma-separated, blanks around entries ignored, an
 * empty or blank text is an empty list, an empty entry is an error.  Used by
 * defaults and --set. */
static int set_list_text(const struct sl_cfg_key *k, void *base, const char *text,
			 char *why, size_t whylen)
{
	struct sl_cfg_list l;
	char item[SL_CFG_WHY_MAX];
	int rc = 0;
	sl_cfg_list_begin(&l, k);
	bool blank = text[strspn(text, " \t")] == '\0';
	for (const char *p = text; !blank && rc == 0; p++) {
		size_t n = strcspn(p, ",");
		if (!trimmed_item(p, n, item, sizeof(item))) {
			snprintf(why, whylen, "has an entry longer than %zu bytes", sizeof(item) - 1);
			rc = -EINVAL;
		} else if (item[0] == '\0') {
			snprintf(why, whylen, "%s", "has an empty entry (two commas in a row?)");
			rc = -EINVAL;
		} else {
			rc = sl_cfg_list_add(&l, item, why, whylen);
		}
		p += n;
		if (*p == '\0')
			break;
	}
	if (rc == 0)
		sl_cfg_list_commit(&l, base);
	sl_cfg_list_abort(&l);
	return rc;
}

/* A list of maps has no one-line text form: only "nothing" (the default,
 * or --set key= to empty it) is accepted; entries come from the file. */
static int set_map_list_text(const struct sl_cfg_key *k, void *base, const char *text,
			     char *why, size_t whylen)
{
	if (text[strspn(text, " \t")] != '\0') {
		snprintf(why, whylen, "is a list of maps; write its entries in the configuration "
			 "file (-c), --set can only empty it ('%s=')", k->key);
		return -EINVAL;
	}
	sl_cfg_release(k, base);
	return 0;
}

int sl_cfg_set_text(const struct sl_cfg_key *k, void *base, const char *text, bool plain,
		    char *why, size_t whylen)
{
	const struct sl_cfg_type_ops *ops = &sl_cfg_types[k->type];
	if (k->type == SL_CFG_MAP_LIST)
		return set_map_list_text(k, base, text, why, whylen);
	if (ops->elem_size)
		return set_list_text(k, base, text, why, whylen);
	return ops->parse(k, text, plain, field_of(k, base), why, whylen);
}

int sl_cfg_apply_defaults(const struct sl_cfg_table *t, void *base)
{
	char why[SL_CFG_WHY_MAX];
	for (size_t i = 0; i < t->n; i++) {
		if (t->keys[i].required)
			continue;
		if (sl_cfg_set_text(&t->keys[i], base, t->keys[i].def, true, why, sizeof(why)) < 0)
			return -EINVAL;
	}
	return 0;
}

void sl_cfg_entries_free(const struct sl_cfg_key *k, uint8_t *items, size_t n)
{
	for (size_t e = 0; items && e < n; e++)
		for (size_t i = 0; i < k->sub->n; i++)
			sl_cfg_release(&k->sub->keys[i], items + e * k->elem_size);
	free(items);
}

void sl_cfg_map_list_release(const struct sl_cfg_key *k, void *base)
{
	uint8_t **items = field_of(k, base);
	size_t *n = (size_t *)((char *)base + k->count_offset);
	sl_cfg_entries_free(k, *items, *n);
	*items = NULL;
	*n = 0;
}

void sl_cfg_release(const struct sl_cfg_key *k, void *base)
{
	const struct sl_cfg_type_ops *ops = &sl_cfg_types[k->type];
	if (k->type == SL_CFG_MAP_LIST) {
		sl_cfg_map_list_release(k, base);
	} else if (ops->elem_size) {
		void **items = field_of(k, base);
		free(*items);
		*items = NULL;
		*(size_t *)((char *)base + k->count_offset) = 0;
	} else if (ops->release) {
		ops->release(field_of(k, base));
	}
}
