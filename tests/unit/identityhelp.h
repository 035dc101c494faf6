/* Shared by the identity unit tests: run a source to its end and keep what
 * it delivered, said and counted. */
#ifndef SIGHTLINE_TESTS_IDENTITYHELP_H
#define SIGHTLINE_TESTS_IDENTITYHELP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/identity.h"

#define RUN_MAX 64

struct run {
	int rc;
	char err[2048];
	struct sl_signin si[RUN_MAX];
	size_t n;
	char msgs[16384];
	unsigned n_msgs;
	struct sl_identity_stats st;
};

static inline void collect(void *ctx, const char *line)
{
	struct run *r = ctx;
	size_t used = strlen(r->msgs);
	snprintf(r->msgs + used, sizeof(r->msgs) - used, "%s\n", line);
	r->n_msgs++;
}

static inline struct sl_identity_opts run_opts(struct run *r)
{
	struct sl_identity_opts o = { .max_messages = 100, .max_record = 1u << 20,
				      .message = collect, .ctx = r };
	return o;
}

/* Take every sign-in s has now into r. */
static inline void drain(struct run *r, struct sl_identity_source *s)
{
	while (r->n < RUN_MAX && sl_identity_source_next(s, &r->si[r->n]))
		r->n++;
	r->st = *sl_identity_source_stats(s);
}

/* Read data once as source config sc would, into r. */
static inline int run_buf(struct run *r, const char *data, size_t len,
		   const struct sl_identity_source_config *sc)
{
	struct sl_identity_opts o = run_opts(r);
	struct sl_identity_source *s;
	memset(r, 0, sizeof(*r));
	o = run_opts(r);
	r->rc = sl_identity_source_open_buffer("t.json", data, len, sc, &o, &s, r->err,
					       sizeof(r->err));
	if (r->rc == 0) {
		drain(r, s);
		sl_identity_source_destroy(s);
	}
	return r->rc;
}

static inline int run_str(struct run *r, const char *text, const struct sl_identity_source_config *sc)
{
	return run_buf(r, text, strlen(text), sc);
}

static inline uint64_t bad_sum(const struct sl_identity_stats *st)
{
	uint64_t n = 0;
	for (int i = 0; i < SL_IDENTITY__NBAD; i++)
		n += st->bad[i];
	return n;
}

/* A whole file of the source tree (tests/identity/...); caller frees. */
static inline char *slurp(const char *rel, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", SL_SOURCE_ROOT, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

#endif
