/* A YAML text as a tree of nodes that keep their marks (line, column), so a
 * loader can point every error at its place: used by the rule pack and the
 * product signatures.  Implemented in sensor/rules/rules_yaml.c. */
#ifndef SIGHTLINE_YAML_TREE_H
#define SIGHTLINE_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_type { YN_SCALAR, YN_MAP, YN_SEQ };

struct ynode {
	enum ynode_type type;
	unsigned line, col;    /* 1-based start of the node */
	char *s;               /* scalar text, NUL-terminated (may hold NULs: len) */
	size_t len;
	bool plain;            /* plain scalar: may mean null, a bool or a number */
	bool quoted;           /* single- or double-quoted on one line */
	struct ynode **kids;   /* map: key, value, key, value...; seq: items */
	size_t n;              /* entries in kids */
};

/* Every document of a YAML text, in order.  Free with ydocs_free(). */
struct ydocs {
	struct ynode **docs;
	size_t n;
	void *mem;             /* the nodes' storage, private to the parser */
};

/**
 * Parse text (len bytes; anchors and aliases refused) into out.  On error
 * fills *line, *col and msg (msglen bytes) and returns -EINVAL; -ENOMEM
 * when out of memory.  Caller owns *out; free with ydocs_free().
 */
int ydocs_parse(const char *text, size_t len, struct ydocs *out, unsigned *line, unsigned *col,
		char *msg, size_t msglen);
/** Free the documents.  Accepts a zeroed struct. */
void ydocs_free(struct ydocs *d);
/** The value of key in map n, or NULL.  Borrowed from n. */
const struct ynode *ymap_get(const struct ynode *n, const char *key);
/** A plain null: ~, null, Null, NULL or empty. */
bool ynode_is_null(const struct ynode *n);

#endif
