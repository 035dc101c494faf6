/* |re with bounded cost: PCRE2 patterns compiled once per pack (JIT where
 * the library has it) and matched under a match limit and a depth limit,
 * as Suricata does.  A match that reaches a limit is a non-match, counted.
 * glibc's regexec backtracks without bound over a backreference (one rule
 * and one 400-byte field: 108 s of CPU per flow, deaf to SIGTERM). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

/*
 * Options that keep the old POSIX-extended behaviour where the dialects
 * differ: `.` matches any byte including a newline, `$` only the very end;
 * no UTF mode (fields are bytes; (*UTF) in a pattern is refused), so
 * case-insensitivity is ASCII's, as REG_ICASE in the C locale was.
 */
#define RX_OPTIONS (PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP)
#define RX_HEAP_LIMIT_KIB 4096 /* backtracking memory of one interpretive match */

struct rx_set {
	pcre2_code **codes;
	size_t n, cap;
	pcre2_match_context *mctx; /* read-only while matching: shared by the workers */
	atomic_uint_least64_t limit_hits;
};

/* The pack's set, made on the first |re; NULL without memory. */
static struct rx_set *rx_set_of(struct sl_rules *p)
{
	if (p->rx)
		return p->rx;
	struct rx_set *s = calloc(1, sizeof(*s));
	if (!s || !(s->mctx = pcre2_match_context_create(NULL))) {
		free(s);
		return NULL;
	}
	atomic_init(&s->limit_hits, 0);
	pcre2_set_match_limit(s->mctx, SL_RULES_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, SL_RULES_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->mctx, RX_HEAP_LIMIT_KIB);
	p->rx = s;
	return s;
}

void rx_set_free(struct rx_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		pcre2_code_free(s->codes[i]);
	free(s->codes);
	pcre2_match_context_free(s->mctx);
	free(s);
}

bool rx_compile(struct cctx *c, const struct ynode *n, bool cased, struct mval *v)
{
	struct rx_set *s = rx_set_of(c->pack);
	pcre2_code **grown = s ? sl_grow(s->codes, &s->cap, s->n, sizeof(*grown), 8) : NULL;
	if (!grown)
		return false;
	s->codes = grown;
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)n->s, n->len, RX_OPTIONS |
				       (cased ? 0 : PCRE2_CASELESS), &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR why[160];
		pcre2_get_error_message(code, why, sizeof(why));
		CERR_AT(c, n, "bad regular expression '%.80s': %s at offset %zu (PCRE2 syntax)",
			n->s, (const char *)why, (size_t)at);
		return false;
	}
	/* JIT turns a match into machine code; without it (a library built
	 * without, or memory that may not be executable) the interpreter
	 * runs the same pattern under the same limits. */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	s->codes[s->n++] = re;
	v->kind = MV_RE;
	v->re = re;
	v->rx = s;
	return true;
}

/* One match-data block per thread that matches (capture workers, the
 * rules CLI), made on its first |re and freed when the thread ends: the
 * block keeps PCRE2's backtracking frames between matches, so a match
 * does not allocate, and two threads never share one. */
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_free(void *md)
{
	pcre2_match_data_free(md);
}

static void md_key_create(void)
{
	pthread_key_create(&md_key, md_free);
}

static pcre2_match_data *thread_match_data(void)
{
	pthread_once(&md_once, md_key_create);
	pcre2_match_data *md = pthread_getspecific(md_key);
	if (!md && (md = pcre2_match_data_create(1, NULL)) && pthread_setspecific(md_key, md)) {
		pcre2_match_data_free(md);
		md = NULL;
	}
	return md;
}

bool rx_match(const struct mval *k, const char *s, size_t n)
{
	pcre2_match_data *md = thread_match_data();
	int rc = md ? pcre2_match(k->re, (PCRE2_SPTR)s, n, 0, 0, md, k->rx->mctx)
		    : PCRE2_ERROR_NOMEMORY;
	if (rc >= 0)
		return true; /* 0: matched, with more groups than the one pair kept */
	if (rc != PCRE2_ERROR_NOMATCH)
		atomic_fetch_add_explicit(&k->rx->limit_hits, 1, memory_order_relaxed);
	return false;
}

void sl_rules_set_regex_limits(struct sl_rules *p, uint32_t match_limit, uint32_t depth_limit)
{
	if (!p || !p->rx)
		return;
	if (match_limit)
		pcre2_set_match_limit(p->rx->mctx, match_limit);
	if (depth_limit)
		pcre2_set_depth_limit(p->rx->mctx, depth_limit);
}

uint64_t sl_rules_regex_limit_hits(const struct sl_rules *p)
{
	return p && p->rx ? atomic_load_explicit(&p->rx->limit_hits, memory_order_relaxed) : 0;
}
