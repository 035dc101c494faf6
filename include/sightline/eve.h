/* The EVE JSON line sink the engine writes to: it fans every line out to
 * each configured output (file, stdout, unix sockets, syslog, Kafka).
 * Losses (disk full, a destination down past its queue) are counted per
 * output and never stop the sensor. */
#ifndef SIGHTLINE_EVE_H
#define SIGHTLINE_EVE_H

#include "sightline/common.h"
#include "sightline/config.h"
#include "sightline/json.h"
#include "sightline/output.h"

struct sl_eve;

struct sl_eve_stats {
	uint64_t events;       /* lines handed to the sink */
	uint64_t write_errors; /* lines lost, summed over the outputs */
	int last_errno;        /* errno of the last failure of any output, 0 if none */
};

/**
 * One file output at path, appended ("-" is stdout), written inline.  A
 * missing directory or a permission problem is -errno with "PATH: reason;
 * what to do" in err.  Caller owns *out; free with sl_eve_close().
 */
int sl_eve_open(const char *path, struct sl_eve **out, char *err, size_t errlen);

/**
 * The outputs cfg names: each entry of cfg->outputs, or, when there are
 * none, the file cfg->output.eve_path.  extra_file (or NULL) adds one more
 * file output (the -o of the command line next to an outputs: list).
 * Fails as sl_eve_open() does on the first output that cannot be opened.
 * Caller owns *out; free with sl_eve_close().
 */
int sl_eve_create(const struct sl_config *cfg, const char *extra_file, struct sl_eve **out,
		  char *err, size_t errlen);

/**
 * Hand one line (without newline) to every output; each copies it.  Never
 * blocks on a network destination.  Returns false when some output dropped
 * it or failed during the call (counted).
 */
bool sl_eve_write(struct sl_eve *e, const char *line, size_t len);

/**
 * Also hand every line written from now on to fn (NULL: stop), in the
 * writer's thread, after the outputs.  For the HTML report of a run
 * (--report).  ctx is borrowed until the tap is removed or e closed.
 */
void sl_eve_tap(struct sl_eve *e, void (*fn)(void *ctx, const char *line, size_t len), void *ctx);

/** Push buffered lines out (inline outputs write; queued ones are woken). */
void sl_eve_flush(struct sl_eve *e);

/**
 * Wait until every output has confirmed what it was given (files written,
 * peers' acknowledgements received) or counted it as dropped, each at most
 * its flush_timeout (shared with the drain).  The final stats event is
 * written after this, so its counters cover every event before it.
 */
void sl_eve_sync(struct sl_eve *e);

/** Reopen file outputs (SIGHUP, after logrotate moved them). */
void sl_eve_reopen(struct sl_eve *e);

/**
 * Before the switch to user `to` (sl_priv_drop()): prepare every output
 * for what it will do as that user (see sl_output_handover()).  Returns 0,
 * or -errno with the first output's "PATH: what is wrong; what to do".
 */
int sl_eve_handover(struct sl_eve *e, const struct sl_priv_target *to, char *err, size_t errlen);

/** Number of outputs. */
size_t sl_eve_outputs(const struct sl_eve *e);

/** Counters of output i (< sl_eve_outputs()). */
void sl_eve_output_stats(struct sl_eve *e, size_t i, struct sl_output_stats *st);

/**
 * Add "stats.outputs" to the event j is building: an array with one object
 * per output (type, destination, events, queued, in_flight, delivered,
 * dropped, resent, reconnects, reopens, reopen_failures, reopen_errno,
 * connected).  Call it after the other stats.* keys.
 */
void sl_eve_stats_json(struct sl_eve *e, struct sl_json *j);

/** Description of the outputs for people ("eve.json", "stdout and syslog tcp:..."). Borrowed. */
const char *sl_eve_path(const struct sl_eve *e);

/** Totals over the outputs, refreshed by the call.  Borrowed: valid until the next call. */
const struct sl_eve_stats *sl_eve_stats(struct sl_eve *e);

/**
 * Deliver what every output has queued (each waits at most its
 * flush_timeout for a destination that is down) and close them; counters
 * stay readable.  Later lines are dropped and counted.
 */
void sl_eve_drain(struct sl_eve *e);

/** Drain if not done, then free.  Accepts NULL. */
void sl_eve_close(struct sl_eve *e);

#endif
