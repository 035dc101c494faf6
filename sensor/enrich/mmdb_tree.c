/* The mmdb builder's prefix trie: nodes live in 1 MiB arena blocks (no
 * malloc per node), IPv4 sits at ::/96 with ::ffff:0:0/96 and 2002::/16 as
 * aliases, and two preorder walks number the nodes and write the search tree
 * (MaxMind DB spec v2.0, "Binary Search Tree Section"). */
#include "mmdb_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NODES (1u << MB_BLOCK_BITS)
#define MAX_DEPTH 129 /* nodes on a root-to-leaf path of a 128-bit trie */

static inline struct mb_node *node(const struct mb_trie *t, uint32_t i)
{
	return &t->blocks[i >> MB_BLOCK_BITS][i & (BLOCK_NODES - 1)];
}

static int node_new(struct mb_trie *t, uint32_t *idx)
{
	if (t->n >= MB_MAX_ENTRIES)
		return -E2BIG;
	if (t->n == t->nblocks * BLOCK_NODES) {
		struct mb_node **nb = realloc(t->blocks, (t->nblocks + 1) * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		t->blocks = nb;
		nb[t->nblocks] = malloc(BLOCK_NODES * sizeof(struct mb_node));
		if (!nb[t->nblocks])
			return -ENOMEM;
		t->nblocks++;
	}
	*idx = (uint32_t)t->n++;
	*node(t, *idx) = (struct mb_node){.aux = MB_NONE, .data = MB_NONE};
	return 0;
}

/* Find or create the node for addr/plen.  Aliased regions never receive
 * prefixes (the loader folds them into IPv4), so meeting an alias on the
 * way is an internal error, not a silent graft. */
static int walk(struct mb_trie *t, const uint8_t a[16], unsigned plen, uint32_t *out)
{
	uint32_t cur = 0;
	for (unsigned i = 0; i < plen; i++) {
		if (node(t, cur)->aux == MB_ALIAS)
			return -EINVAL;
		unsigned bit = (a[i >> 3] >> (7 - (i & 7))) & 1u;
		uint32_t nx = node(t, cur)->child[bit];
		if (!nx) {
			int rc = node_new(t, &nx);
			if (rc < 0)
				return rc;
			node(t, cur)->child[bit] = nx;
		}
		cur = nx;
	}
	*out = cur;
	return 0;
}

/* The root plus the fixed paths: the IPv4 root at ::/96 (so libmaxminddb's
 * IPv4 lookups, which walk 96 zero bits, land there) and the two alias
 * points MaxMind's own databases use, IPv4-mapped ::ffff:0:0/96 and 6to4
 * 2002::/16, which will point at the IPv4 root. */
int mb_trie_init(struct mb_trie *t)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t sixtofour[16] = {0x20, 0x02};
	uint32_t root, a;
	*t = (struct mb_trie){0};
	int rc = node_new(t, &root);
	if (rc == 0)
		rc = walk(t, zero, 96, &t->v4root);
	if (rc == 0 && (rc = walk(t, mapped, 96, &a)) == 0)
		node(t, a)->aux = MB_ALIAS;
	if (rc == 0 && (rc = walk(t, sixtofour, 16, &a)) == 0)
		node(t, a)->aux = MB_ALIAS;
	return rc;
}

void mb_trie_finish(struct mb_trie *t)
{
	for (size_t i = 0; i < t->nblocks; i++)
		free(t->blocks[i]);
	free(t->blocks);
	*t = (struct mb_trie){0};
}

int mb_fold_alias(uint8_t a[16], unsigned *plen)
{
	static const uint8_t zero[10];
	if (*plen >= 96 && memcmp(a, zero, 10) == 0 &&
	    ((a[10] == 0 && a[11] == 0) || (a[10] == 0xff && a[11] == 0xff))) {
		a[10] = a[11] = 0;
		return 0;
	}
	if (*plen < 16 || a[0] != 0x20 || a[1] != 0x02)
		return 0;
	if (*plen > 48)
		return -EINVAL;
	uint8_t v4[4];
	memcpy(v4, a + 2, 4);
	memset(a, 0, 16);
	memcpy(a + 12, v4, 4);
	*plen = 96 + (*plen - 16);
	return 0;
}

int mb_add(struct mb *b, uint32_t list, const uint8_t addr[16], unsigned plen,
	   uint32_t kv_off, uint32_t kv_n)
{
	if (b->n_entries >= MB_MAX_ENTRIES)
		return -E2BIG;
	if (mb_grow(&b->entries, &b->entries_cap, b->n_entries + 1, sizeof(*b->entries)) < 0)
		return -ENOMEM;
	uint32_t idx;
	int rc = walk(&b->trie, addr, plen, &idx);
	if (rc < 0)
		return rc;
	struct mb_node *n = node(&b->trie, idx);
	uint32_t id = (uint32_t)b->n_entries++;
	b->entries[id] = (struct mb_entry){list, kv_off, kv_n, n->aux};
	n->aux = id;
	return 0;
}

struct number_walk {
	struct mb *b;
	uint32_t heads[MAX_DEPTH + 1]; /* entry chains on the current path */
	size_t sp;
};

/* Pass 1, preorder: give each node the data offset of the record for the
 * covering set ending at it (computed only where a prefix ends, inherited
 * elsewhere) and number the nodes that have children.  The IPv4 root starts
 * a fresh covering set: an IPv6 ::/0 must not leak into IPv4 space. */
static int number(struct number_walk *w, uint32_t idx, uint32_t inherited, size_t base)
{
	struct mb_trie *t = &w->b->trie;
	struct mb_node *n = node(t, idx);
	if (n->aux == MB_ALIAS)
		return 0;
	if (idx == t->v4root) {
		base = w->sp;
		inherited = MB_NONE;
	}
	bool pushed = n->aux != MB_NONE;
	uint32_t data = inherited;
	if (pushed) {
		w->heads[w->sp++] = n->aux;
		int rc = mb_data_for(w->b, w->heads + base, w->sp - base, &data);
		if (rc < 0)
			return rc;
	}
	n->data = data;
	n->aux = MB_NONE;
	if (n->child[0] | n->child[1]) {
		if (w->b->next_num >= MB_MAX_ENTRIES)
			return -E2BIG;
		n->aux = w->b->next_num++;
		for (unsigned bit = 0; bit < 2; bit++) {
			int rc = n->child[bit] ? number(w, n->child[bit], data, base) : 0;
			if (rc < 0)
				return rc;
		}
	}
	if (pushed)
		w->sp--;
	return 0;
}

int mb_tree_number(struct mb *b)
{
	struct number_walk *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->b = b;
	b->next_num = 0;
	int rc = number(w, 0, MB_NONE, 0);
	b->node_count = b->next_num;
	free(w);
	return rc;
}

struct write_walk {
	struct mb *b;
	unsigned rs;
	const struct mb_sink *sink;
	size_t len;
	uint8_t buf[1u << 16];
};

static uint32_t data_value(const struct mb *b, uint32_t data)
{
	return data == MB_NONE ? b->node_count : b->node_count + 16u + data;
}

/* The record value for one side of a numbered node: the child's node
 * number, or the data (or "empty") for the address block it stands for. */
static uint32_t record_value(const struct mb *b, const struct mb_node *n, unsigned bit)
{
	if (!n->child[bit])
		return data_value(b, n->data);
	const struct mb_node *c = node(&b->trie, n->child[bit]);
	if (c->aux == MB_ALIAS)
		c = node(&b->trie, b->trie.v4root);
	if (c->child[0] | c->child[1])
		return c->aux;
	return data_value(b, c->data);
}

static void put_be(uint8_t *p, uint32_t v, unsigned nbytes)
{
	for (unsigned i = 0; i < nbytes; i++)
		p[i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
}

/* Node layouts from the spec: 24 and 32 bits are two big-endian records;
 * 28 bits keeps the low 24 bits of each record at the ends and packs both
 * top nibbles (left record's first) into the middle byte. */
static int emit_node(struct write_walk *w, uint32_t l, uint32_t r)
{
	if (w->len + 8 > sizeof(w->buf)) {
		int rc = w->sink->write(w->sink->ctx, w->buf, w->len);
		if (rc < 0)
			return rc;
		w->len = 0;
	}
	uint8_t *p = w->buf + w->len;
	if (w->rs == 24 || w->rs == 32) {
		unsigned nb = w->rs / 8;
		put_be(p, l, nb);
		put_be(p + nb, r, nb);
		w->len += 2 * nb;
	} else {
		put_be(p, l & 0xffffff, 3);
		p[3] = (uint8_t)(((l >> 24) & 0x0f) << 4 | ((r >> 24) & 0x0f));
		put_be(p + 4, r & 0xffffff, 3);
		w->len += 7;
	}
	return 0;
}

/* Pass 2: the same preorder as pass 1, so nodes come out in number order. */
static int write_nodes(struct write_walk *w, uint32_t idx)
{
	const struct mb_node *n = node(&w->b->trie, idx);
	if (n->aux == MB_ALIAS || !(n->child[0] | n->child[1]))
		return 0;
	int rc = emit_node(w, record_value(w->b, n, 0), record_value(w->b, n, 1));
	for (unsigned bit = 0; bit < 2 && rc == 0; bit++)
		if (n->child[bit])
			rc = write_nodes(w, n->child[bit]);
	return rc;
}

int mb_tree_write(struct mb *b, unsigned record_size, const struct mb_sink *s)
{
	struct write_walk *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct write_walk){.b = b, .rs = record_size, .sink = s};
	int rc = write_nodes(w, 0);
	if (rc == 0 && w->len)
		rc = s->write(s->ctx, w->buf, w->len);
	free(w);
	return rc;
}
