/* JSON fragments: a group of fields written once below a node, kept by
 * the caller and put into later lines as the fields would have been. */
#include "json_priv.h"

/* Whether node a lies strictly below b's path. */
static bool below(const struct sl_json_node *a, const struct sl_json_node *b)
{
	a = tree(a);
	if (!a || a->depth <= depth_of(tree(b)))
		return false;
	while (a && a->depth > depth_of(tree(b)))
		a = tree(a->up);
	return same_path(a, tree(b));
}

bool sl_json_fragment_fits(const struct sl_json *j, const struct sl_json_node *node)
{
	if (j->failed)
		return false;
	if (!j->path_node) /* objects opened by names: only the top level is known */
		return j->path_len == 0 && j->path_depth == 0;
	return !below(j->path_node, node);
}

void sl_json_fragment_begin(struct sl_json *j, const struct sl_json_node *node,
			    struct sl_json_mark *m)
{
	path_text(j);
	m->len = j->len;
	m->depth = j->depth;
	m->failed = j->failed;
	m->path_len = j->path_len;
	m->path_depth = j->path_depth;
	m->path_node = j->path_node;
	memcpy(m->need_comma, j->need_comma, sizeof(m->need_comma));
	memcpy(m->path, j->path, sizeof(m->path));
	/* node's object, open, with something in it, at the depth it has when
	 * the path moves there: the top level's depth plus node's */
	j->depth = (uint8_t)(j->depth - j->path_depth + node->depth);
	j->need_comma[j->depth] = true;
	j->path_len = node->len; /* j->path stays stale: path_text() */
	j->path_depth = node->depth;
	j->path_node = node;
}

size_t sl_json_fragment_end(struct sl_json *j, const struct sl_json_mark *m, const char **text,
			    const struct sl_json_node **end)
{
	size_t n = j->failed ? 0 : j->len - m->len;
	*text = j->buf ? j->buf + m->len : NULL;
	*end = n ? j->path_node : NULL;
	j->len = m->len;
	j->depth = m->depth;
	j->failed |= m->failed;
	j->path_len = m->path_len;
	j->path_depth = m->path_depth;
	j->path_node = m->path_node;
	memcpy(j->need_comma, m->need_comma, sizeof(j->need_comma));
	memcpy(j->path, m->path, sizeof(j->path));
	return n;
}

void sl_json_fragment_put(struct sl_json *j, const struct sl_json_node *node, const char *text,
			  size_t len, const struct sl_json_node *end)
{
	if (j->path_node != node)
		sl_json_node_enter(j, node);
	if (!reserve(j, len))
		return;
	size_t skip = !j->need_comma[j->depth];
	memcpy(j->buf + j->len, text + skip, len - skip);
	j->len += len - skip;
	/* every object from node's down to end's holds something now */
	unsigned top = j->depth, down = depth_of(tree(end)) - depth_of(tree(node));
	for (unsigned k = 0; k <= down; k++)
		j->need_comma[top + k] = true;
	j->depth = (uint8_t)(top + down);
	j->path_len = end->len; /* j->path stays stale: path_text() */
	j->path_depth = end->depth;
	j->path_node = end;
}
