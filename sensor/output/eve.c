/* The EVE sink: one line in, every configured output gets a copy.  With no
 * outputs: list it is the single file of output.eve (or -o), written inline
 * exactly as before the outputs existed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/eve.h"
#include "sightline/schema.h"
#include "output_priv.h"

struct sl_eve {
	struct sl_output **outs;
	size_t n;
	char desc[512];
	struct sl_eve_stats st;
	void (*tap)(void *ctx, const char *line, size_t len);
	void *tap_ctx;
};

static int add(struct sl_eve *e, const struct sl_output_entry *cfg, char *err, size_t errlen)
{
	struct sl_output **no = realloc(e->outs, (e->n + 1) * sizeof(*no));
	if (!no)
		return -ENOMEM;
	e->outs = no;
	int rc = sl_output_open(cfg, &e->outs[e->n], err, errlen);
	if (rc < 0)
		return rc;
	struct sl_output_stats st;
	sl_output_stats(e->outs[e->n], &st);
	size_t used = strlen(e->desc);
	snprintf(e->desc + used, sizeof(e->desc) - used, "%s%s%s%s", e->n ? " and " : "",
		 strcmp(st.type, "file") && strcmp(st.type, "stdout") ? st.type : "",
		 strcmp(st.type, "file") && strcmp(st.type, "stdout") ? " " : "", st.destination);
	e->n++;
	return 0;
}

/* The file of -o / output.eve: inline, no queue, so replay output is
 * written in the capture thread as it always was. */
static int add_file(struct sl_eve *e, const char *path, char *err, size_t errlen)
{
	struct sl_output_entry f = { .type = SL_OUT_FILE, .path = (char *)path, .queue = 0 };
	return add(e, &f, err, errlen);
}

int sl_eve_create(const struct sl_config *cfg, const char *extra_file, struct sl_eve **out,
		  char *err, size_t errlen)
{
	struct sl_eve *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	int rc = 0;
	if (cfg->n_outputs == 0)
		rc = add_file(e, cfg->output.eve_path, err, errlen);
	for (size_t i = 0; rc == 0 && i < cfg->n_outputs; i++)
		rc = add(e, &cfg->outputs[i], err, errlen);
	if (rc == 0 && extra_file && cfg->n_outputs)
		rc = add_file(e, extra_file, err, errlen);
	if (rc < 0) {
		sl_eve_close(e);
		return rc;
	}
	*out = e;
	return 0;
}

int sl_eve_open(const char *path, struct sl_eve **out, char *err, size_t errlen)
{
	struct sl_eve *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	int rc = add_file(e, path, err, errlen);
	if (rc < 0) {
		sl_eve_close(e);
		return rc;
	}
	*out = e;
	return 0;
}

bool sl_eve_write(struct sl_eve *e, const char *line, size_t len)
{
	bool ok = true;
	e->st.events++;
	for (size_t i = 0; i < e->n; i++)
		ok &= sl_output_write(e->outs[i], line, len);
	if (e->tap)
		e->tap(e->tap_ctx, line, len);
	return ok;
}

void sl_eve_tap(struct sl_eve *e, void (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
	e->tap = fn;
	e->tap_ctx = ctx;
}

void sl_eve_flush(struct sl_eve *e)
{
	for (size_t i = 0; e && i < e->n; i++)
		sl_output_flush(e->outs[i]);
}

void sl_eve_sync(struct sl_eve *e)
{
	for (size_t i = 0; e && i < e->n; i++)
		sl_output_sync(e->outs[i]);
}

void sl_eve_reopen(struct sl_eve *e)
{
	for (size_t i = 0; i < e->n; i++)
		sl_output_reopen(e->outs[i]);
}

int sl_eve_handover(struct sl_eve *e, const struct sl_priv_target *to, char *err, size_t errlen)
{
	for (size_t i = 0; i < e->n; i++) {
		int rc = sl_output_handover(e->outs[i], to, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

size_t sl_eve_outputs(const struct sl_eve *e)
{
	return e->n;
}

void sl_eve_output_stats(struct sl_eve *e, size_t i, struct sl_output_stats *st)
{
	sl_output_stats(e->outs[i], st);
}

const char *sl_eve_path(const struct sl_eve *e)
{
	return e->desc;
}

const struct sl_eve_stats *sl_eve_stats(struct sl_eve *e)
{
	struct sl_output_stats st;
	e->st.write_errors = 0;
	for (size_t i = 0; i < e->n; i++) {
		sl_output_stats(e->outs[i], &st);
		e->st.write_errors += st.dropped;
		if (st.last_errno && st.dropped)
			e->st.last_errno = st.last_errno;
	}
	return &e->st;
}

/* What the output took but has not confirmed yet: sent and waiting for an
 * acknowledgement (TCP, RELP) or in a buffer (files). */
static uint64_t in_flight(const struct sl_output_stats *st)
{
	uint64_t settled = st->queued + st->delivered + st->dropped;
	return st->events > settled ? st->events - settled : 0;
}

/* stats.outputs[]: one object per output, written from its declarations
 * (output_fields.c). */
void sl_eve_stats_json(struct sl_eve *e, struct sl_json *j)
{
	struct sl_output_stats_row row;
	sl_fields_open_array(&sl_output_stats_fields, j);
	for (size_t i = 0; i < e->n; i++) {
		sl_output_stats(e->outs[i], &row.st);
		row.in_flight = in_flight(&row.st);
		row.reopen_errno = (uint64_t)row.st.reopen_errno;
		sl_fields_write_element(&sl_output_stats_fields, &row, j);
	}
	sl_json_close_array(j);
}

void sl_eve_drain(struct sl_eve *e)
{
	for (size_t i = 0; i < e->n; i++)
		sl_output_drain(e->outs[i]);
}

void sl_eve_close(struct sl_eve *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		sl_output_close(e->outs[i]);
	free(e->outs);
	free(e);
}
