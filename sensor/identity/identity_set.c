/* Every configured identity source as one stream of sign-ins, merged in
 * time order (ties to the source configured first), with their poll
 * descriptors gathered for the engine's loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "identity_priv.h"

struct sl_identity {
	struct sl_identity_source **src;
	size_t n;
};

int sl_identity_create(const struct sl_identity_config *cfg, bool live,
		       void (*message)(void *ctx, const char *line), void *ctx,
		       struct sl_identity **out, char *err, size_t errlen)
{
	struct sl_identity_opts o = { .live = live, .max_messages = cfg->max_messages,
				      .max_record = cfg->max_record, .message = message,
				      .ctx = ctx };
	struct sl_identity *id = calloc(1, sizeof(*id));
	*out = NULL;
	if (!id || !(id->src = calloc(cfg->n_sources ? cfg->n_sources : 1, sizeof(*id->src)))) {
		free(id);
		snprintf(err, errlen, "identity sources: out of memory");
		return -ENOMEM;
	}
	for (; id->n < cfg->n_sources; id->n++) {
		int rc = sl_identity_source_open(&cfg->sources[id->n], &o, &id->src[id->n], err,
						 errlen);
		if (rc < 0) {
			sl_identity_destroy(id);
			return rc;
		}
	}
	*out = id;
	return 0;
}

void sl_identity_destroy(struct sl_identity *id)
{
	if (!id)
		return;
	for (size_t i = 0; i < id->n; i++)
		sl_identity_source_destroy(id->src[i]);
	free(id->src);
	free(id);
}

/* The source whose next sign-in comes first, or NULL. */
static struct sl_identity_source *earliest(struct sl_identity *id, sl_time_us *when)
{
	struct sl_identity_source *best = NULL;
	for (size_t i = 0; i < id->n; i++) {
		sl_time_us t;
		if (sl_identity_source_peek_time(id->src[i], &t) && (!best || t < *when)) {
			best = id->src[i];
			*when = t;
		}
	}
	return best;
}

int sl_identity_next(struct sl_identity *id, sl_time_us until, struct sl_signin *out)
{
	sl_time_us t = 0;
	struct sl_identity_source *s = earliest(id, &t);
	if (!s || t > until)
		return 0;
	return sl_identity_source_next(s, out);
}

int sl_identity_next_time(struct sl_identity *id, sl_time_us *t)
{
	return earliest(id, t) != NULL;
}

bool sl_identity_finished(const struct sl_identity *id)
{
	for (size_t i = 0; i < id->n; i++)
		if (!sl_identity_source_finished(id->src[i]))
			return false;
	return true;
}

size_t sl_identity_pollfds(const struct sl_identity *id, struct pollfd *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < id->n && n < max; i++)
		n += sl_identity_source_pollfds(id->src[i], fds + n, max - n);
	return n;
}

size_t sl_identity_count(const struct sl_identity *id)
{
	return id->n;
}

struct sl_identity_source *sl_identity_source_at(const struct sl_identity *id, size_t i)
{
	return i < id->n ? id->src[i] : NULL;
}
