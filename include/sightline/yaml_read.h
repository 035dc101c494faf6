/* Bounded YAML reading shared by every YAML loader (configuration, roster,
 * rules): libyaml events checked against limits on nesting depth, document
 * count and anchors before anything is built, and libyaml's own errors
 * placed at LINE:COL.  Implemented in sensor/config/yaml_read.c. */
#ifndef SIGHTLINE_YAML_READ_H
#define SIGHTLINE_YAML_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/*
 * Why limits: libyaml's scanner checks every open flow level at each token,
 * so n levels of nesting cost n^2 (80,000 levels: 16 s), and a composed
 * document is walked recursively by the loaders.  No sightline file needs
 * more than a handful of levels, so reading stops at the first event past
 * a limit, having scanned only that far.
 */
#define SL_YAML_MAX_DEPTH 32 /* maps and lists inside each other; files need <= 8 */

struct sl_yaml_limits {
	const char *what;        /* "configuration", "roster", "rule file": for messages */
	unsigned max_depth;      /* open maps and lists, at most SL_YAML_MAX_DEPTH */
	unsigned max_documents;  /* documents in the stream ("---" separated) */
	unsigned max_anchors;    /* &anchors in the stream; 0 refuses anchors and aliases */
};

/* A reader over one text.  After an error, line and col (1-based; 0 when
 * unknown) and msg (one sentence, no position) say where and why. */
struct sl_yaml_reader {
	yaml_parser_t parser;
	struct sl_yaml_limits lim;
	const char *text;        /* borrowed: the caller's buffer */
	size_t len;
	unsigned depth, documents, anchors;
	unsigned line, col;
	char msg[400];
};

/**
 * Start reading text (len bytes, borrowed until sl_yaml_reader_finish()).
 * lim is copied.  Returns 0 or -ENOMEM.  Finish with sl_yaml_reader_finish()
 * in either case.
 */
int sl_yaml_reader_init(struct sl_yaml_reader *r, const char *text, size_t len,
			const struct sl_yaml_limits *lim);

/** Release the reader's parser.  Accepts a zeroed reader. */
void sl_yaml_reader_finish(struct sl_yaml_reader *r);

/**
 * The next event of the stream, within the limits.  Returns 0 with *ev
 * filled (the caller owns it: yaml_event_delete()), or -EINVAL (syntax
 * error or a limit passed) / -ENOMEM with r->line, r->col and r->msg set
 * and nothing in *ev.
 */
int sl_yaml_next(struct sl_yaml_reader *r, yaml_event_t *ev);

/**
 * Read the whole stream as at most one document (lim.max_documents is
 * taken as 1) into doc, a libyaml document whose nodes keep their marks;
 * an empty stream gives a document without a root.  Aliases are resolved
 * as libyaml's loader does, so a node may be reached twice (or from inside
 * itself).  Returns 0, or a negative errno with the position and sentence
 * in r.  On success the caller owns doc: yaml_document_delete().
 */
int sl_yaml_load_single(struct sl_yaml_reader *r, yaml_document_t *doc);

/**
 * Read a whole YAML file of at most max bytes into *text (malloc'd, the
 * caller frees it; not NUL-terminated) and its length into *len.  Returns
 * 0, -EFBIG when the file is larger than max (nothing in *text), -ENOMEM,
 * or the negative errno of opening it.
 */
int sl_yaml_file_read(const char *path, size_t max, char **text, size_t *len);

#endif
