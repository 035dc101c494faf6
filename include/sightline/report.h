/* The HTML report: one self-contained page (inline CSS, SVG and script, no
 * network requests) summarising EVE event files in one streaming pass, for
 * `sightline report` and `sightline -r ... --report FILE`.
 * Implemented in sensor/report/. */
#ifndef SIGHTLINE_REPORT_H
#define SIGHTLINE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "sightline/config.h"

/* Defaults of the per-page bounds (struct sl_report_opts). */
#define SL_REPORT_SUBJECTS_SHOWN 100  /* subject sections written, by peak score */
#define SL_REPORT_ROWS 200            /* evidence timeline rows per subject */

struct sl_report_opts {
	/* Sensor location, physics and activity settings (reference zones,
	 * business hours).  Borrowed for the report's life; NULL: defaults. */
	const struct sl_config *cfg;
	const char *config_name;   /* where cfg came from, shown; NULL: defaults */
	size_t subjects_shown;     /* 0: SL_REPORT_SUBJECTS_SHOWN */
	size_t rows;               /* 0: SL_REPORT_ROWS */
	const char *tzdir;         /* zoneinfo directory; NULL: $TZDIR or the system's */
};

struct sl_report;

/**
 * Create an empty report.  Loads the reference time zones of
 * activity.reference_zones; a zone that cannot be loaded is -ENOENT/-EINVAL
 * with one sentence in err (errlen bytes).  Returns 0 or a negative errno.
 * Caller owns *out; free with sl_report_destroy().  opts is copied; opts->cfg
 * is borrowed until sl_report_destroy().
 */
int sl_report_create(const struct sl_report_opts *opts, struct sl_report **out, char *err,
		     size_t errlen);

/** Free a report.  Accepts NULL. */
void sl_report_destroy(struct sl_report *r);

/**
 * Read one file of events (JSON lines, nested or flattened fields; "-" is
 * standard input) and add them to the report.  Lines that are not JSON
 * objects are counted as bad and skipped; the first few are named in the
 * page and through warn (may be NULL) as "FILE:LINE: why".  Returns 0, or a
 * negative errno with "FILE: why" in err when the file cannot be read or
 * holds no event at all.  name labels the input (NULL: path).
 */
int sl_report_add_file(struct sl_report *r, const char *path, const char *name,
		       void (*warn)(const char *line), char *err, size_t errlen);

/**
 * Add events from an open stream (borrowed; read to its end).  Same returns
 * as sl_report_add_file().
 */
int sl_report_add_stream(struct sl_report *r, FILE *in, const char *name,
			 void (*warn)(const char *line), char *err, size_t errlen);

/**
 * Add one event line (len bytes, no NUL needed, trailing newline allowed)
 * of the input called name (the first call with a new name starts it), as
 * a running sensor hands them over (sl_eve_tap()).  A line that is not a
 * JSON object is counted as bad (nothing is kept of it).  Returns 0.
 */
int sl_report_add_line(struct sl_report *r, const char *name, const char *line, size_t len);

/**
 * Write the page to out (borrowed).  The same events in the same order give
 * the same bytes.  Returns 0 or -EIO with a sentence in err.
 */
int sl_report_write(const struct sl_report *r, FILE *out, char *err, size_t errlen);

/**
 * Write the page to path ("-": standard output) through a temporary file in
 * the same directory renamed into place, so a reader never sees half a page.
 * Returns 0 or a negative errno with "PATH: why" in err.
 */
int sl_report_write_file(const struct sl_report *r, const char *path, char *err, size_t errlen);

/** Events read so far (all inputs). */
unsigned long long sl_report_events(const struct sl_report *r);

/**
 * `sightline report [options] EVE.json... -o report.html`: argv[0] is
 * "report".  Returns the process exit code (0, 1 runtime, 2 usage/input).
 */
int sl_report_main(int argc, char **argv);

#endif
