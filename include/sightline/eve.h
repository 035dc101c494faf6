/* The EVE JSON line sink: a regular file or stdout.  Write failures (disk
 * full, closed pipe) are counted and never stop the sensor. */
#ifndef SIGHTLINE_EVE_H
#define SIGHTLINE_EVE_H

#include "sightline/common.h"

struct sl_eve;

struct sl_eve_stats {
	uint64_t events;       /* lines handed to the writer */
	uint64_t bytes;        /* bytes that reached the file */
	uint64_t write_errors; /* lines lost to a failed write (events - write_errors arrived) */
	int last_errno;        /* errno of the last failed write, 0 if none */
};

/**
 * Open path for appending ("-" is stdout).  A missing directory or a
 * permission problem is -errno with "PATH: reason; what to do" in err.
 * Caller owns *out; free with sl_eve_close().
 */
int sl_eve_open(const char *path, struct sl_eve **out, char *err, size_t errlen);

/**
 * Queue one line (a newline is added); it reaches the file when the buffer
 * fills or on sl_eve_flush().  Returns false when a write failed during the
 * call (lines lost then are counted in write_errors).
 */
bool sl_eve_write(struct sl_eve *e, const char *line, size_t len);

/** Push buffered lines to the file; counts a failure like sl_eve_write(). */
void sl_eve_flush(struct sl_eve *e);

/** Path given at open ("-" for stdout).  Borrowed. */
const char *sl_eve_path(const struct sl_eve *e);

/** Borrowed: valid until sl_eve_close(). */
const struct sl_eve_stats *sl_eve_stats(const struct sl_eve *e);

/** Flush and close.  Accepts NULL. */
void sl_eve_close(struct sl_eve *e);

#endif
