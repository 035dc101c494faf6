/* The one list of output types, and the sl_output_* calls that dispatch to
 * the type's operations. */
#include <errno.h>
#include <stdlib.h>

#include "output_priv.h"

static const struct sl_output_ops *const types[SL_OUT__NTYPES] = {
	[SL_OUT_FILE] = &sl_output_file,
	[SL_OUT_STDOUT] = &sl_output_stdout,
	[SL_OUT_UNIX_STREAM] = &sl_output_unix_stream,
	[SL_OUT_UNIX_DGRAM] = &sl_output_unix_dgram,
	[SL_OUT_SYSLOG] = &sl_output_syslog,
	[SL_OUT_KAFKA] = &sl_output_kafka,
	[SL_OUT_RELP] = &sl_output_relp,
};

struct sl_output {
	const struct sl_output_ops *ops;
	void *state;
};

int sl_output_open(const struct sl_output_entry *cfg, struct sl_output **out,
		   char *err, size_t errlen)
{
	if (cfg->type >= SL_OUT__NTYPES)
		return -EINVAL;
	struct sl_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->ops = types[cfg->type];
	int rc = o->ops->open(cfg, &o->state, err, errlen);
	if (rc < 0) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

bool sl_output_write(struct sl_output *o, const char *line, size_t len)
{
	return o->ops->write(o->state, line, len);
}

void sl_output_reopen(struct sl_output *o)
{
	o->ops->reopen(o->state);
}

int sl_output_handover(struct sl_output *o, const struct sl_priv_target *to, char *err,
		       size_t errlen)
{
	return o->ops->handover ? o->ops->handover(o->state, to, err, errlen) : 0;
}

void sl_output_flush(struct sl_output *o)
{
	o->ops->flush(o->state);
}

void sl_output_sync(struct sl_output *o)
{
	o->ops->sync(o->state);
}

void sl_output_stats(struct sl_output *o, struct sl_output_stats *st)
{
	o->ops->stats(o->state, st);
}

void sl_output_drain(struct sl_output *o)
{
	o->ops->drain(o->state);
}

void sl_output_close(struct sl_output *o)
{
	if (!o)
		return;
	o->ops->close(o->state);
	free(o);
}
