/* Bookkeeping for the mmdb builder: growable buffers, string interning,
 * dotted-key paths with their parents, list names and the key=value pool. */
#include "mmdb_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Grow *arr (of elem-sized items, capacity *cap) to hold at least need. */
static int grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*(void **)arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*(void **)arr = n;
	*cap = ncap;
	return 0;
}

int mb_buf_put(struct mb_buf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX / 2 - b->len)
		return -E2BIG;
	int rc = grow(&b->p, &b->cap, b->len + n, 1);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void mb_buf_free(struct mb_buf *b)
{
	free(b->p);
	*b = (struct mb_buf){0};
}

/* FNV-1a: small, fast enough for interning and record dedup, and fixed so
 * that builds are reproducible (no per-process seed is needed: inputs are
 * operator files, not attacker-timed traffic). */
uint64_t mb_hash(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

static int strtab_rehash(struct mb_strtab *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = malloc(nslots * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memset(slots, 0xff, nslots * sizeof(*slots));
	for (uint32_t id = 0; id < t->n; id++) {
		size_t i = mb_hash(mb_str(t, id), t->len[id]) & (nslots - 1);
		while (slots[i] != MB_NONE)
			i = (i + 1) & (nslots - 1);
		slots[i] = id;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

int mb_str_intern(struct mb_strtab *t, const char *s, size_t len, uint32_t *id)
{
	if ((t->n + 1) * 2 > t->nslots && strtab_rehash(t) < 0)
		return -ENOMEM;
	size_t mask = t->nslots - 1, i = mb_hash(s, len) & mask;
	for (; t->slots[i] != MB_NONE; i = (i + 1) & mask) {
		uint32_t j = t->slots[i];
		if (t->len[j] == len && memcmp(mb_str(t, j), s, len) == 0) {
			*id = j;
			return 0;
		}
	}
	if (t->n >= MB_MAX_ENTRIES || t->bytes.len + len + 1 > UINT32_MAX)
		return -E2BIG;
	size_t cap = t->cap;
	if (grow(&t->off, &cap, t->n + 1, sizeof(*t->off)) < 0)
		return -ENOMEM;
	cap = t->cap;
	if (grow(&t->len, &cap, t->n + 1, sizeof(*t->len)) < 0)
		return -ENOMEM;
	t->cap = cap;
	uint32_t off = (uint32_t)t->bytes.len;
	if (mb_buf_put(&t->bytes, s, len) < 0 || mb_buf_put(&t->bytes, "", 1) < 0)
		return -ENOMEM;
	t->off[t->n] = off;
	t->len[t->n] = (uint32_t)len;
	t->slots[i] = (uint32_t)t->n;
	*id = (uint32_t)t->n++;
	return 0;
}

void mb_strtab_free(struct mb_strtab *t)
{
	mb_buf_free(&t->bytes);
	free(t->off);
	free(t->len);
	free(t->slots);
	*t = (struct mb_strtab){0};
}

/* Intern a dotted key and, recursively, its parents, so that conflicts
 * ("a" versus "a.b") and nesting are answered by walking parent ids.  The
 * loader bounds the number of components, which bounds the recursion. */
int mb_key_intern(struct mb *b, const char *path, size_t len, uint32_t *id)
{
	size_t before = b->keynames.n;
	int rc = mb_str_intern(&b->keynames, path, len, id);
	if (rc < 0 || *id < before)
		return rc;
	if (grow(&b->keys, &b->keys_cap, b->keynames.n, sizeof(*b->keys)) < 0)
		return -ENOMEM;
	uint32_t me = *id;
	b->keys[me] = (struct mb_key){.parent = MB_NONE, .cls_file = MB_NONE};
	size_t dot = len;
	while (dot > 0 && path[dot - 1] != '.')
		dot--;
	if (dot == 0)
		return 0;
	uint32_t pid;
	rc = mb_key_intern(b, path, dot - 1, &pid);
	if (rc < 0)
		return rc;
	b->keys[me].parent = pid;
	b->keys[me].comp = (uint32_t)dot;
	b->keys[me].depth = (uint16_t)(b->keys[pid].depth + 1);
	return 0;
}

uint32_t mb_key_ancestor(const struct mb *b, uint32_t key, unsigned depth)
{
	while (b->keys[key].depth > depth)
		key = b->keys[key].parent;
	return key;
}

/* Two keys conflict when one is the other or an ancestor of it: a record
 * cannot hold both "country" as a value and "country.iso_code". */
bool mb_keys_conflict(const struct mb *b, uint32_t a, uint32_t c)
{
	unsigned da = b->keys[a].depth, dc = b->keys[c].depth;
	if (da > dc)
		a = mb_key_ancestor(b, a, dc);
	else
		c = mb_key_ancestor(b, c, da);
	return a == c;
}

int mb_list_add(struct mb *b, const char *name, size_t len, uint32_t *id)
{
	uint32_t sid;
	int rc = mb_str_intern(&b->strs, name, len, &sid);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < b->n_lists; i++) {
		if (b->lists[i] == sid) {
			*id = (uint32_t)i;
			return 0;
		}
	}
	if (grow(&b->lists, &b->lists_cap, b->n_lists + 1, sizeof(*b->lists)) < 0)
		return -ENOMEM;
	b->lists[b->n_lists] = sid;
	*id = (uint32_t)b->n_lists++;
	return 0;
}

int mb_kv_push(struct mb *b, const struct mb_kv *kv)
{
	if (b->n_kvs >= MB_MAX_ENTRIES)
		return -E2BIG;
	if (grow(&b->kvs, &b->kvs_cap, b->n_kvs + 1, sizeof(*b->kvs)) < 0)
		return -ENOMEM;
	b->kvs[b->n_kvs++] = *kv;
	return 0;
}

int mb_init(struct mb *b)
{
	*b = (struct mb){0};
	int rc = mb_trie_init(&b->trie);
	if (rc == 0)
		rc = mb_key_intern(b, "label", 5, &b->key_label);
	if (rc == 0)
		rc = mb_key_intern(b, "lists", 5, &b->key_lists);
	if (rc == 0)
		rc = mb_key_intern(b, "as_lists", 8, &b->key_as_lists);
	if (rc < 0)
		mb_finish(b);
	return rc;
}

void mb_finish(struct mb *b)
{
	mb_strtab_free(&b->strs);
	mb_strtab_free(&b->keynames);
	free(b->keys);
	free(b->lists);
	free(b->kvs);
	free(b->entries);
	free(b->asrefs);
	mb_trie_finish(&b->trie);
	mb_buf_free(&b->data);
	free(b->dedup);
	free(b->rec);
	free(b->rec_lists);
	free(b->rec_addr);
	free(b->chain);
	mb_buf_free(&b->enc);
	*b = (struct mb){0};
}

int mb_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	return grow(arr, cap, need, elem);
}
