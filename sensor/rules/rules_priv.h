/* Internals of the rule pack: the YAML node tree with marks, the compiled
 * form of rules (matchers, condition tree, correlation), the pack's arena
 * and the error context shared by the loader's files. */
#ifndef SENSOR_RULES_RULES_PRIV_H
#define SENSOR_RULES_RULES_PRIV_H

#include <stdarg.h>
#include <stdatomic.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sightline/field.h"
#include "sightline/rules.h"
#include "sightline/yaml_tree.h"

/* ---- YAML node tree: sightline/yaml_tree.h (rules_yaml.c) ---- */

/* ---- arena: everything compiled lives until the pack is destroyed ---- */

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed; NULL on out of memory */
void *arena_alloc_raw(struct arena *a, size_t n); /* not cleared; NULL on out of memory */
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

/* ---- compiled detection ---- */

enum mop {
	MOP_EQ, MOP_CONTAINS, MOP_STARTSWITH, MOP_ENDSWITH, MOP_RE, MOP_CIDR,
	MOP_GT, MOP_GTE, MOP_LT, MOP_LTE, MOP_EXISTS, MOP_FIELDREF,
};

enum mval_kind { MV_NULL, MV_STR, MV_NUM, MV_BOOL, MV_ADDR, MV_CIDR, MV_RE, MV_FIELD };

/* One constant of a matcher, converted at load to the form it is compared in. */
struct mval {
	enum mval_kind kind;
	const char *s;    /* MV_STR: lowered unless cased */
	size_t len;
	double d;         /* MV_NUM */
	int64_t i;        /* MV_NUM when is_int */
	bool is_int;
	bool b;           /* MV_BOOL, and exists' wish */
	struct sl_addr addr;      /* MV_ADDR (string constant that is an address) */
	struct sl_cidr cidr;      /* MV_CIDR */
	const pcre2_code *re;     /* MV_RE, owned by the pack's regex set */
	struct rx_set *rx;        /* MV_RE: that set (limits, counter) */
	const struct sl_field *ref; /* MV_FIELD */
};

/* "field|modifiers: value(s)". */
struct matcher {
	const struct sl_field *f;
	enum mop op;
	bool all;     /* every value must match (|all) */
	bool cased;   /* case-sensitive text comparison (|cased) */
	struct mval *vals;
	size_t n_vals;
	/* The result when f is absent, which most flows' fields are: 0 not
	 * worked out (the values are walked), 1 false, 2 true (rules_stage.c). */
	uint8_t if_absent;
};

/* A selection: any of its alternatives (a list of maps), each alternative
 * all of its matchers (a map). */
struct alt {
	struct matcher *m;
	size_t n;
};
struct selection {
	const char *name;
	bool positive;  /* named outside any `not`: shown in `matched` when it holds */
	struct alt *alts;
	size_t n_alts;
};

enum cop { COP_SEL, COP_NOT, COP_AND, COP_OR, COP_ONE_OF, COP_ALL_OF };

/* A node of the condition tree; children are indexes into the rule's nodes. */
struct cnode {
	enum cop op;
	uint32_t a, b;      /* NOT: a; AND/OR: a, b; SEL: a = selection */
	uint32_t off, cnt;  /* ONE_OF/ALL_OF: selections ofsel[off..off+cnt) */
};

#define CORR_MAX 16 /* largest threshold / listed rules of a correlation */

enum corr_type { CORR_EVENT_COUNT, CORR_VALUE_COUNT, CORR_TEMPORAL };

struct corr_ref {
	const char *text;
	unsigned line, col;
};

struct correlation {
	enum corr_type type;
	struct corr_ref *refs;      /* as written; resolved into bases */
	uint32_t *bases;            /* rule indexes */
	size_t n_refs;
	const struct sl_field **group_by;
	size_t n_group_by;
	sl_time_us timespan;
	uint32_t threshold;         /* count >= threshold fires */
	const struct sl_field *field; /* value_count: the field whose values count */
};

/* One embedded example: field values and whether the rule must match. */
struct ex_field {
	const struct sl_field *f;
	bool absent;
	struct sl_value v;
};
struct example {
	bool want_match;
	unsigned line, col;
	struct ex_field *fields;
	size_t n;
};

struct rule {
	struct sl_rule_info info;
	const char *name;          /* optional, for correlation references */
	unsigned id_line, id_col, name_line, name_col;
	struct selection *sels;
	size_t n_sels;
	struct cnode *nodes;
	uint32_t root;
	uint32_t *ofsel;
	struct correlation *corr;  /* NULL for a detection rule */
	struct example *examples;
	size_t n_examples;
	/* What a flow must have for the rule to match at all (rules_stage.c):
	 * state of these parsers (bit per registry index; their fields are
	 * absent without it), and a product (app, category). */
	uint64_t need_parsers;
	bool need_product;
	/* The matchers on the flow's own facts (no places, nothing from the
	 * shared tables) that every match needs true, as one selection: false
	 * on a record of the flow alone, and the rule cannot match. */
	struct selection pre;
	/* Which of the prefixes the per-flow path asks sl_rule_reads() about
	 * (rules_explain.c) the rule reads, worked out at load: bit i for
	 * prefix i, RULE_READS_KNOWN once worked out. */
	uint8_t reads;
};

#define RULE_READS_KNOWN 0x80u

/* For each base rule, the correlation rules that list it. */
struct feed_link {
	uint32_t corr;  /* correlation rule index */
	uint32_t pos;   /* position of the base in its list (temporal) */
};

struct sl_rules {
	struct arena arena;
	struct rule **rules;
	size_t n, cap;
	struct rx_set *rx;        /* the |re patterns; NULL when there are none */
	struct feed_link **links; /* per rule; n_links[i] entries */
	uint32_t *n_links;
	uint8_t stages;           /* bit s: a detection rule has stage s (rules_stage.c) */
	uint8_t shared_stages;    /* bit s: one of them reads what shared tables give a
				   * record (host names, bindings, the subject) */
	/* the flow-event detection rules of each stage, in pack order (a
	 * stage's matching walks only its own); NULL: out of memory at load,
	 * every rule is walked */
	const struct rule **of_stage[SL_SETTLE_END + 1];
	uint32_t n_of_stage[SL_SETTLE_END + 1];
};

/* ---- compile context and errors ---- */

struct cctx {
	struct sl_rules *pack;
	const char *file;
	void (*report)(void *ctx, const struct sl_rule_error *e);
	void *rctx;
	unsigned errors;
};

void cerr(struct cctx *c, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define CERR_AT(c, node, ...) cerr((c), (node)->line, (node)->col, __VA_ARGS__)

/* Compile one document into a rule (rules_compile.c); false on errors. */
bool rule_compile(struct cctx *c, const struct ynode *doc);
/* Compile a detection map into r (rules_detect.c). */
bool detection_compile(struct cctx *c, struct rule *r, const struct ynode *det);
/* Compile a condition string over r's selections (rules_cond.c). */
bool condition_compile(struct cctx *c, struct rule *r, const struct ynode *cond);
/* Compile a correlation map into r (rules_corr.c). */
bool correlation_compile(struct cctx *c, struct rule *r, const struct ynode *corr);
/* Resolve every correlation's rule references (after all files). */
bool correlations_resolve(struct cctx *c);
/* Compile tests: {match, nomatch} (rules_test.c). */
bool examples_compile(struct cctx *c, struct rule *r, const struct ynode *tests);
/* A catalogue field by name, or an error with a suggestion at node. */
const struct sl_field *field_lookup(struct cctx *c, const char *name, unsigned line, unsigned col);
/* |re (rules_regex.c): compile n's pattern into v (MV_RE), kept in the
 * pack's set; false with an error at n when it does not compile. */
bool rx_compile(struct cctx *c, const struct ynode *n, bool cased, struct mval *v);
/* Does s[0..n) match k's pattern?  A match stopped by a limit is false,
 * counted in the set.  Allocates only the thread's first match data. */
bool rx_match(const struct mval *k, const char *s, size_t n);
/* Free a pack's set.  Accepts NULL. */
void rx_set_free(struct rx_set *s);

/* Set every rule's info.stage and the pack's stages (rules_stage.c); after
 * the whole pack compiled. */
void rules_stages_compute(struct sl_rules *p);

/* What an evaluation reads: src, or the record rec directly when not NULL
 * (then src is rec's: sl_rules_record_source()); v and w the room for the
 * values of a matcher's field and of its |fieldref, reused matcher after
 * matcher (one stack-protected frame a pass, not one a matcher). */
struct reval {
	const struct sl_field_source *src;
	const struct sl_record *rec;
	struct sl_value *v, *w;
};

/* Evaluate one detection rule against src (rules_match.c). */
bool rule_eval(const struct rule *r, const struct sl_field_source *src);
/* rule_eval() within a pass. */
bool rule_eval_in(const struct rule *r, const struct reval *e);
/* Evaluate a condition tree node. */
bool cond_eval(const struct rule *r, uint32_t node, const struct reval *e);
/* Mark the selections under node (positive: outside any `not`) that an
 * alert's `matched` may name (rules_explain.c); after the condition compiled. */
void cond_mark_positive(struct rule *r, uint32_t node, bool positive);
/* r->reads worked out from r's matchers (rules_explain.c). */
void rule_reads_compute(struct rule *r);
/* Evaluate a selection. */
bool selection_eval(const struct selection *s, const struct sl_field_source *src);
/* selection_eval() within a pass. */
bool selection_eval_in(const struct selection *s, const struct reval *e);

/* ASCII lower case, independent of the locale. */
static inline char lower_ascii(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
}

#endif
