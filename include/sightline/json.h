/* A small JSON line builder for EVE events: one reusable growable buffer,
 * comma handling by nesting depth, and dotted paths that open and close
 * nested objects ("flow.pkts_toserver" -> {"flow":{"pkts_toserver":...}}). */
#ifndef SIGHTLINE_JSON_H
#define SIGHTLINE_JSON_H

#include <string.h>

#include "sightline/common.h"

#define SL_JSON_MAX_DEPTH 8

struct sl_json_node;

struct sl_json {
	char *buf;
	size_t len, cap;
	bool failed;                     /* an allocation failed: the event is dropped */
	uint8_t depth;
	bool need_comma[SL_JSON_MAX_DEPTH + 1];
	/* dotted-path state: the object path currently open, e.g. "flow.tcp";
	 * its text is kept only while path_node is NULL (a node has it) */
	char path[128];
	uint8_t path_len, path_depth;
	/* the node of that path when a writer of nodes opened it
	 * (sl_json_node_key), NULL: not known */
	const struct sl_json_node *path_node;
};

/* Room a node's opening text and a node key are kept in: ',' '"' name '"'
 * ':' and, for a node, '{'. */
#define SL_JSON_KEY_ROOM 48

/*
 * An object path worked out once by a writer that writes the same paths
 * in every event (the record's writer): its parent node, its depth and
 * its opening text, so that moving between two paths walks the nodes and
 * copies texts instead of comparing and escaping names.
 */
struct sl_json_node {
	const struct sl_json_node *up; /* the path without its last component; NULL at the top */
	const char *dotted;            /* the path, len bytes; borrowed */
	uint8_t len, depth;            /* depth: components (0: the top level) */
	uint8_t open_len;
	char open[SL_JSON_KEY_ROOM];   /* ,"last":{ */
};

/** Prepare an empty builder (no allocation yet).  Release with sl_json_finish(). */
void sl_json_init(struct sl_json *j);
/** Free the buffer.  Accepts NULL or a zeroed builder. */
void sl_json_finish(struct sl_json *j);
/** Start a new top-level object, reusing the buffer. */
void sl_json_begin(struct sl_json *j);
/** Close every open object; the line (without newline) is j->buf[0..len). */
void sl_json_end(struct sl_json *j);

/**
 * Start a new top-level object as a copy of src's finished line, its closing
 * brace removed and the first occurrence of from replaced by to, so that more
 * keys can follow (an alert that repeats a flow event).  Returns false, with
 * j unchanged, when src failed or holds no from.  src is only read.
 */
bool sl_json_begin_edit(struct sl_json *j, const struct sl_json *src, const char *from,
			const char *to);

/** Write a key at the current level (opens no objects). */
void sl_json_key(struct sl_json *j, const char *key);
/**
 * Position at a dotted path: closes objects not shared with the previous path
 * and opens the missing ones, then writes the last component as the key.
 * Callers must emit paths grouped by prefix (an object is never reopened).
 */
void sl_json_path(struct sl_json *j, const char *dotted);
/**
 * sl_json_path() with its parts worked out once by the caller: plen is the
 * length of the parent path (dotted up to its last dot, 0 at the top) and
 * key[0..klen) the leaf already written as a JSON key, quotes and colon
 * included (the event writer keeps these for every field of the catalogue).
 */
void sl_json_path_key(struct sl_json *j, const char *dotted, size_t plen, const char *key,
		      size_t klen);
/**
 * Fill node n for dotted[0..len) below up (the node of the path without
 * its last component, NULL when len is 0 or it has one).  The top level is
 * a node too (len 0, up NULL).  false when the path cannot be a node (its
 * last name needs escaping or is too long, or it is deeper than a line
 * nests): write its fields with sl_json_path().  n keeps dotted and up,
 * borrowed: both must outlive every event written with n.
 */
bool sl_json_node_init(struct sl_json_node *n, const struct sl_json_node *up,
		       const char *dotted, size_t len);
/**
 * A plain leaf as a key room holds it: ,"leaf": in ckey (SL_JSON_KEY_ROOM
 * bytes, the rest zeroed); returns its length, 0 when leaf[0..n) needs
 * escaping or does not fit (write that key another way).
 */
size_t sl_json_key_text(char *ckey, const char *leaf, size_t n);
/**
 * sl_json_path_key() for a field under node's path with its key kept as
 * ckey[0..cklen) (sl_json_key_text(), the room read whole): the objects
 * open move to node's by the nodes (closing up to the shared ancestor,
 * then copying each opening text), and within one object the key is one
 * copy.  Byte for byte what sl_json_path() writes.  node and ckey are
 * borrowed for the call.
 */
static inline void sl_json_node_key(struct sl_json *j, const struct sl_json_node *node,
				    const char *ckey, size_t cklen);
/** sl_json_node_key() when the objects open are not node's or the buffer
 * must grow: the part kept out of line. */
void sl_json_node_key_slow(struct sl_json *j, const struct sl_json_node *node,
			   const char *ckey, size_t cklen);

/* Inline, for the common case (the same object as the key before, room in
 * the buffer): one flag, one fixed-size copy. */
static inline void sl_json_node_key(struct sl_json *j, const struct sl_json_node *node,
				    const char *ckey, size_t cklen)
{
	if (j->path_node != node || j->failed || j->len + SL_JSON_KEY_ROOM + 1 > j->cap) {
		sl_json_node_key_slow(j, node, ckey, cklen);
		return;
	}
	size_t skip = !j->need_comma[j->depth];
	memcpy(j->buf + j->len, ckey + skip, SL_JSON_KEY_ROOM - 1);
	j->len += cklen - skip;
	j->need_comma[j->depth] = false;
}
/** Position inside the object at dotted path (opened as sl_json_path()
 * opens parents), writing no key: an object written even when empty. */
void sl_json_path_object(struct sl_json *j, const char *dotted);
/* A dotted-path state set aside while an array's element is written with
 * paths of its own (sl_json_path_enter/leave). */
struct sl_json_scope {
	char path[128];
	uint8_t path_len, path_depth;
	const struct sl_json_node *path_node;
};
/** Set j's dotted-path state aside in sc: the paths written next are
 * relative to the current level (an object the caller opened). */
void sl_json_path_enter(struct sl_json *j, struct sl_json_scope *sc);
/** Close the objects paths opened since sl_json_path_enter(j, sc), then
 * take the state set aside in sc back. */
void sl_json_path_leave(struct sl_json *j, const struct sl_json_scope *sc);
/*
 * Fragments: the text a writer of nodes writes for a group of fields below
 * one node, kept and copied into later events instead of written field by
 * field again (the event writer keeps the geo block of a place this way).
 * A fragment is written as if node's object were open with a value in it
 * already, so it starts with a comma, which sl_json_fragment_put() drops
 * when the object is empty; it ends at the node of its last field.
 */
struct sl_json_mark {
	size_t len;
	uint8_t depth, path_len, path_depth;
	bool failed;
	const struct sl_json_node *path_node;
	bool need_comma[SL_JSON_MAX_DEPTH + 1];
	char path[128];
};
/**
 * Whether a fragment below node can be put at j's place byte for byte:
 * the objects open are node's, its ancestors' or another branch's, never
 * one below node, which the fragment would open again.  j is only read.
 */
bool sl_json_fragment_fits(const struct sl_json *j, const struct sl_json_node *node);
/**
 * Start writing a fragment below node at the end of j, writing nothing:
 * j's state is set aside in m and j stands in node's object after a value.
 * Write the fields (sl_json_node_key() and values), then call
 * sl_json_fragment_end().  node must be one of j's nodes (fits).
 */
void sl_json_fragment_begin(struct sl_json *j, const struct sl_json_node *node,
			    struct sl_json_mark *m);
/**
 * Finish a fragment begun with m: *text and the returned length are its
 * text, *end the node its last field left open (NULL when a field was not
 * written by nodes: then the fragment cannot be kept).  j is put back as
 * it was at sl_json_fragment_begin(), the text dropped from the line;
 * *text is borrowed from j's buffer until j's next write.  Returns 0 (and
 * *end NULL) when j failed meanwhile.
 */
size_t sl_json_fragment_end(struct sl_json *j, const struct sl_json_mark *m, const char **text,
			    const struct sl_json_node **end);
/**
 * Put a fragment written below node (sl_json_fragment_end()'s text, len
 * bytes, and end) at j's place (sl_json_fragment_fits()): the objects open
 * move to node's, then the text follows (its first byte, a comma, dropped
 * when node's object is still empty), and j is left as writing the
 * fragment's fields one by one would have left it.  text is borrowed for
 * the call; len > 0.
 */
void sl_json_fragment_put(struct sl_json *j, const struct sl_json_node *node, const char *text,
			  size_t len, const struct sl_json_node *end);
/** Close objects opened by sl_json_path() back to the top level. */
void sl_json_path_reset(struct sl_json *j);

void sl_json_str(struct sl_json *j, const char *s);         /* escaped per RFC 8259 */
void sl_json_strn(struct sl_json *j, const char *s, size_t n);
/**
 * A value already in JSON form, text[0..n) copied as it is after the
 * separator: a string quoted and escaped by the caller (the event writer's
 * enum names, checked once at start-up).  text is borrowed for the call.
 */
void sl_json_raw(struct sl_json *j, const char *text, size_t n);
void sl_json_u64(struct sl_json *j, uint64_t v);
void sl_json_i64(struct sl_json *j, int64_t v);
void sl_json_double(struct sl_json *j, double v);           /* non-finite -> null */
void sl_json_bool(struct sl_json *j, bool v);
void sl_json_null(struct sl_json *j);
void sl_json_open_object(struct sl_json *j);
void sl_json_close_object(struct sl_json *j);
void sl_json_open_array(struct sl_json *j);
void sl_json_close_array(struct sl_json *j);

#endif
