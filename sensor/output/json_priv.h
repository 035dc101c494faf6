/* What the JSON builder's files share (json.c, json_fragment.c): room in
 * the buffer and the walk of nodes. */
#ifndef SENSOR_OUTPUT_JSON_PRIV_H
#define SENSOR_OUTPUT_JSON_PRIV_H

#include <string.h>

#include "sightline/json.h"

/* Make room for more bytes and the terminating NUL; false (and the event
 * marked failed) when memory runs out. */
bool sl_json_grow(struct sl_json *j, size_t more);

static inline bool reserve(struct sl_json *j, size_t more)
{
	return (j->len + more + 1 <= j->cap && !j->failed) || sl_json_grow(j, more);
}

/* A node's place in the tree: the top level is NULL, whichever node
 * stands for it. */
static inline const struct sl_json_node *tree(const struct sl_json_node *n)
{
	return n && n->depth ? n : NULL;
}

static inline unsigned depth_of(const struct sl_json_node *n)
{
	return n ? n->depth : 0;
}

/* Whether two nodes of one depth stand for one path: the same node, or
 * nodes of two writers' own sets (the flow writer's and the declared
 * tables' keys) naming the same objects. */
static inline bool same_path(const struct sl_json_node *a, const struct sl_json_node *b)
{
	return a == b || (a && b && a->len == b->len && memcmp(a->dotted, b->dotted, a->len) == 0);
}

/* j->path holds the open path's text only while no node stands for it
 * (j->path_node NULL): a move between nodes, made a dozen times in every
 * event, keeps the node alone, and the text is written out here when a
 * walk by names or a state set aside needs it. */
static inline void path_text(struct sl_json *j)
{
	const struct sl_json_node *n = j->path_node;
	if (n) {
		memcpy(j->path, n->dotted, n->len);
		j->path[n->len] = '\0';
	}
}

/* Move the objects open to node's (closing up to the shared ancestor,
 * opening the rest), as a key under node would. */
void sl_json_node_enter(struct sl_json *j, const struct sl_json_node *node);

#endif
