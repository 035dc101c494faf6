/* A bounded walk over a MaxMind DB search tree that reports every data
 * record with the network it covers: how `mmdb build --asn` reads the
 * prefixes of each AS number out of GeoLite2-ASN or IPinfo Lite, and how
 * the sensor finds its own city at start. */
#include "mmdb_walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALK_BITS 128 /* deepest tree: one level per bit of an IPv6 address */
#define WALK_STACK (WALK_BITS + 4) /* pending siblings: one per level, plus a pair */

/*
 * A well-formed tree holds each node once on one path from the root; a
 * corrupt or hostile file may point a record back at an ancestor (a loop an
 * unbounded walk follows forever) or share subtrees (MaxMind's IPv4 aliases
 * do so legitimately).  `seen` lets each node be expanded at most once, so
 * the walk takes at most node_count steps whatever the file says, and
 * `on_path` tells a loop (refused) from a shared subtree (walked once, the
 * first time, which for the aliases is at ::/96, depth-first and left first).
 */
struct walk {
	const MMDB_s *db;
	uint32_t nodes, bits, base; /* base: 96 for an IPv4 tree, so prefixes are ::a.b.c.d/96+n */
	uint8_t *seen, *on_path;
	uint32_t path[WALK_BITS], top;
	struct pending {
		uint32_t node, level;
		uint8_t addr[16];
	} stack[WALK_STACK];
	uint32_t n;
	char *err;
	size_t errlen;
};

static bool bit(const uint8_t *set, uint32_t i)
{
	return set[i >> 3] >> (i & 7) & 1u;
}

static void set_bit(uint8_t *set, uint32_t i, bool on)
{
	if (on)
		set[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		set[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Refuse the file: "FILE: corrupt search tree: <what> <a> ... <b>". */
static int corrupt(struct walk *w, const char *what, uint32_t a, const char *what2, uint32_t b)
{
	snprintf(w->err, w->errlen, "%s: corrupt search tree: %s %u%s%u; the file is damaged or "
		 "not a MaxMind DB", w->db->filename ? w->db->filename : "database", what, a, what2,
		 b);
	return -EINVAL;
}

/* Queue the search node `child`, a record of `from` at `level`. */
static int push(struct walk *w, uint32_t from, uint64_t child64, uint32_t level,
		const uint8_t addr[16])
{
	uint32_t child = child64 > UINT32_MAX ? UINT32_MAX : (uint32_t)child64;
	if (child >= w->nodes)
		return corrupt(w, "node", from, " points past node_count to node ", child);
	if (bit(w->on_path, child))
		return corrupt(w, "a loop: a record of node", from, " points back to its ancestor ",
			       child);
	if (bit(w->seen, child))
		return 0;
	if (level + 1 >= w->bits || w->n >= WALK_STACK)
		return corrupt(w, "node", child, " lies deeper than the address bits, ", w->bits);
	set_bit(w->seen, child, true);
	struct pending *p = &w->stack[w->n++];
	p->node = child;
	p->level = level + 1;
	memcpy(p->addr, addr, 16);
	return 0;
}

/* The current branch now ends at node, `level` deep: the nodes below that
 * level on the previous branch are no longer its ancestors. */
static void enter(struct walk *w, uint32_t node, uint32_t level)
{
	while (w->top > level)
		set_bit(w->on_path, w->path[--w->top], false);
	w->path[w->top++] = node;
	set_bit(w->on_path, node, true);
}

/* One node: queue its search-node records, report its data records. */
static int expand(struct walk *w, const struct pending *p, mb_walk_fn fn, void *ctx)
{
	MMDB_search_node_s sn;
	if (MMDB_read_node((MMDB_s *)w->db, p->node, &sn) != MMDB_SUCCESS)
		return corrupt(w, "node", p->node, " cannot be read; nodes: ", w->nodes);
	const uint8_t type[2] = { sn.left_record_type, sn.right_record_type };
	const uint64_t rec[2] = { sn.left_record, sn.right_record };
	MMDB_entry_s entry[2] = { sn.left_record_entry, sn.right_record_entry };
	unsigned pos = w->base + p->level;
	for (int i = 1; i >= 0; i--) { /* right first onto the stack: left is walked first */
		uint8_t addr[16];
		int rc = 0;
		memcpy(addr, p->addr, 16);
		if (i)
			addr[pos >> 3] |= (uint8_t)(0x80u >> (pos & 7));
		if (type[i] == MMDB_RECORD_TYPE_SEARCH_NODE)
			rc = push(w, p->node, rec[i], p->level, addr);
		else if (type[i] == MMDB_RECORD_TYPE_DATA)
			rc = fn(ctx, addr, pos + 1, &entry[i]);
		else if (type[i] == MMDB_RECORD_TYPE_INVALID)
			rc = corrupt(w, "node", p->node, " has an invalid record (the root, or past the "
				     "data section): ",
				     (uint32_t)(rec[i] > UINT32_MAX ? UINT32_MAX : rec[i]));
		if (rc != 0)
			return rc;
	}
	return 0;
}

int mb_walk_mmdb(const MMDB_s *db, mb_walk_fn fn, void *ctx, char *err, size_t errlen)
{
	uint32_t nodes = db->metadata.node_count;
	size_t bytes = ((size_t)nodes + 8) / 8;
	struct walk *w = calloc(1, sizeof(*w));
	if (!w || !(w->seen = calloc(2, bytes))) {
		free(w);
		snprintf(err, errlen, "%s: out of memory walking the database", db->filename);
		return -ENOMEM;
	}
	w->on_path = w->seen + bytes;
	w->db = db;
	w->nodes = nodes;
	w->bits = db->metadata.ip_version == 4 ? 32 : WALK_BITS;
	w->base = db->metadata.ip_version == 4 ? 96 : 0;
	w->err = err;
	w->errlen = errlen;
	int rc = 0;
	if (nodes > 0) {
		w->stack[w->n++] = (struct pending){ 0, 0, { 0 } };
		set_bit(w->seen, 0, true);
	}
	while (rc == 0 && w->n > 0) {
		struct pending p = w->stack[--w->n];
		enter(w, p.node, p.level);
		rc = expand(w, &p, fn, ctx);
	}
	free(w->seen);
	free(w);
	return rc;
}
