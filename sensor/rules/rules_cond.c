/* A detection's condition: tokenised and parsed (precedence not > and >
 * or; parentheses; "1 of sel_*", "all of them") into a tree over the
 * rule's selections, evaluated with short-circuit at match time. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules_priv.h"

#define COND_MAX 1024    /* characters in a condition */
#define TOK_MAX 256
#define DEPTH_MAX 32     /* nested parentheses and nots */

enum tok { T_WORD, T_LP, T_RP, T_END };

struct token {
	enum tok t;
	uint32_t off, len;
};

struct cparse {
	struct cctx *c;
	struct rule *r;
	const struct ynode *n;
	const char *s;
	struct token tok[TOK_MAX + 1];
	size_t ntok, pos;
	size_t nnodes, nofsel;
	unsigned depth;
	bool failed;
};

static void perr(struct cparse *p, uint32_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct cparse *p, uint32_t off, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* columns inside the string only when it sits on one line as written */
	unsigned col = p->n->col;
	if ((p->n->plain || p->n->quoted) && !strchr(p->s, '\n'))
		col += p->n->quoted + off;
	if (!p->failed)
		cerr(p->c, p->n->line, col, "%s", msg);
	p->failed = true;
}

static bool tokenize(struct cparse *p)
{
	const char *s = p->s;
	size_t i = 0;
	while (s[i]) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++;
			continue;
		}
		if (p->ntok == TOK_MAX) {
			perr(p, (uint32_t)i, "condition too long (more than 256 words)");
			return false;
		}
		struct token *t = &p->tok[p->ntok++];
		t->off = (uint32_t)i;
		t->t = s[i] == '(' ? T_LP : s[i] == ')' ? T_RP : T_WORD;
		if (t->t != T_WORD)
			i++;
		else
			while (s[i] && !strchr(" \t\n\r()", s[i]))
				i++;
		t->len = (uint32_t)(i - t->off);
	}
	p->tok[p->ntok] = (struct token){ .t = T_END, .off = (uint32_t)i };
	return true;
}

static const struct token *peek(const struct cparse *p)
{
	return &p->tok[p->pos];
}

static bool is_word(const struct cparse *p, const struct token *t, const char *w)
{
	return t->t == T_WORD && t->len == strlen(w) && !strncasecmp(p->s + t->off, w, t->len);
}

static uint32_t add_node(struct cparse *p, enum cop op, uint32_t a, uint32_t b)
{
	struct cnode *n = &p->r->nodes[p->nnodes];
	n->op = op;
	n->a = a;
	n->b = b;
	return (uint32_t)p->nnodes++;
}

static int find_sel(const struct rule *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->n_sels; i++)
		if (strlen(r->sels[i].name) == len && !strncmp(r->sels[i].name, name, len))
			return (int)i;
	return -1;
}

/* "1 of pattern" / "all of them": the selections the pattern names.  Sigma
 * leaves selections whose names start with '_' out of "them". */
static uint32_t quantifier(struct cparse *p, bool all)
{
	const struct token *t = peek(p);
	if (t->t != T_WORD) {
		perr(p, t->off, "'of' must be followed by a selection name, a pattern such as "
		     "sel_* or them");
		return 0;
	}
	char pat[128];
	snprintf(pat, sizeof(pat), "%.*s", (int)(t->len < 127 ? t->len : 127), p->s + t->off);
	bool them = is_word(p, t, "them");
	uint32_t off = (uint32_t)p->nofsel;
	for (size_t i = 0; i < p->r->n_sels; i++) {
		const char *nm = p->r->sels[i].name;
		if (them ? nm[0] != '_' : fnmatch(pat, nm, 0) == 0)
			p->r->ofsel[p->nofsel++] = (uint32_t)i;
	}
	if (p->nofsel == off)
		perr(p, t->off, "no selection matches '%s'; check the names in the detection", pat);
	p->pos++;
	uint32_t n = add_node(p, all ? COP_ALL_OF : COP_ONE_OF, 0, 0);
	p->r->nodes[n].off = off;
	p->r->nodes[n].cnt = (uint32_t)p->nofsel - off;
	return n;
}

static uint32_t parse_or(struct cparse *p);

static uint32_t primary(struct cparse *p)
{
	const struct token *t = peek(p);
	if (t->t == T_LP) {
		p->pos++;
		uint32_t n = parse_or(p);
		if (peek(p)->t != T_RP)
			perr(p, t->off, "this '(' is never closed; add ')'");
		p->pos++;
		return n;
	}
	if (t->t == T_RP || t->t == T_END) {
		if (t->t == T_RP)
			perr(p, t->off, "unexpected ')': a selection or '(' was expected");
		else
			perr(p, t->off, "the condition ends too early; a selection was expected");
		return 0;
	}
	const char *w = p->s + t->off;
	if (is_word(p, &p->tok[p->pos + 1], "of")) {
		bool all = is_word(p, t, "all");
		if (!all && !is_word(p, t, "1") && !is_word(p, t, "any"))
			perr(p, t->off, "'%.*s of' is not supported; write '1 of' or 'all of'",
			     (int)t->len, w);
		p->pos += 2;
		return quantifier(p, all);
	}
	if (is_word(p, t, "and") || is_word(p, t, "or") || is_word(p, t, "of")) {
		perr(p, t->off, "unexpected '%.*s': a selection was expected before it", (int)t->len,
		     w);
		return 0;
	}
	int sel = find_sel(p->r, w, t->len);
	if (sel < 0)
		perr(p, t->off, "unknown selection '%.*s' in the condition; define it under "
		     "detection or fix the name", (int)(t->len < 60 ? t->len : 60), w);
	p->pos++;
	return add_node(p, COP_SEL, sel < 0 ? 0 : (uint32_t)sel, 0);
}

static uint32_t unary(struct cparse *p)
{
	if (++p->depth > DEPTH_MAX) {
		perr(p, peek(p)->off, "condition nested too deeply (more than 32 levels)");
		return 0;
	}
	uint32_t n;
	if (is_word(p, peek(p), "not")) {
		p->pos++;
		n = add_node(p, COP_NOT, unary(p), 0);
	} else {
		n = primary(p);
	}
	p->depth--;
	return n;
}

static uint32_t parse_and(struct cparse *p)
{
	uint32_t n = unary(p);
	while (!p->failed && is_word(p, peek(p), "and")) {
		p->pos++;
		uint32_t b = unary(p);
		n = add_node(p, COP_AND, n, b);
	}
	return n;
}

static uint32_t parse_or(struct cparse *p)
{
	if (++p->depth > DEPTH_MAX) {
		perr(p, peek(p)->off, "condition nested too deeply (more than 32 levels)");
		return 0;
	}
	uint32_t n = parse_and(p);
	while (!p->failed && is_word(p, peek(p), "or")) {
		p->pos++;
		uint32_t b = parse_and(p);
		n = add_node(p, COP_OR, n, b);
	}
	p->depth--;
	return n;
}

bool condition_compile(struct cctx *c, struct rule *r, const struct ynode *cond)
{
	if (cond->type != YN_SCALAR || cond->len == 0 || cond->len > COND_MAX ||
	    strlen(cond->s) != cond->len) {
		CERR_AT(c, cond, "'condition' must be one line of text such as 'selection and not "
			"filter' (at most 1024 characters)");
		return false;
	}
	struct cparse p = { .c = c, .r = r, .n = cond, .s = cond->s };
	if (!tokenize(&p))
		return false;
	/* each token makes at most one node; each "of" at most every selection */
	size_t ofs = 0;
	for (size_t i = 0; i < p.ntok; i++)
		ofs += is_word(&p, &p.tok[i], "of");
	r->nodes = arena_alloc(&c->pack->arena, (p.ntok + 1) * sizeof(*r->nodes));
	r->ofsel = arena_alloc(&c->pack->arena, (ofs * r->n_sels + 1) * sizeof(*r->ofsel));
	if (!r->nodes || !r->ofsel)
		return false;
	r->root = parse_or(&p);
	const struct token *t = peek(&p);
	if (!p.failed && t->t == T_RP)
		perr(&p, t->off, "unbalanced ')': no '(' opens it");
	else if (!p.failed && t->t != T_END)
		perr(&p, t->off, "unexpected '%.*s' after a complete condition; join parts with "
		     "and / or", (int)(t->len < 60 ? t->len : 60), p.s + t->off);
	if (!p.failed)
		cond_mark_positive(r, r->root, true);
	return !p.failed;
}

bool cond_eval(const struct rule *r, uint32_t node, const struct reval *e)
{
	const struct cnode *n = &r->nodes[node];
	switch (n->op) {
	case COP_SEL: return selection_eval_in(&r->sels[n->a], e);
	case COP_NOT: return !cond_eval(r, n->a, e);
	case COP_AND: return cond_eval(r, n->a, e) && cond_eval(r, n->b, e);
	case COP_OR: return cond_eval(r, n->a, e) || cond_eval(r, n->b, e);
	case COP_ONE_OF:
		for (uint32_t i = 0; i < n->cnt; i++)
			if (selection_eval_in(&r->sels[r->ofsel[n->off + i]], e))
				return true;
		return false;
	case COP_ALL_OF:
		for (uint32_t i = 0; i < n->cnt; i++)
			if (!selection_eval_in(&r->sels[r->ofsel[n->off + i]], e))
				return false;
		return true;
	}
	return false;
}
