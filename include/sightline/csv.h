/* A small RFC 4180 CSV record reader shared by every loader that takes CSV
 * (intel lists for the mmdb builder, rosters): quoted fields with commas,
 * doubled quotes and line breaks in any column, a quoted section inside a
 * field (key="a, b" reads as key=a, b), CRLF or LF, a UTF-8 BOM, file:line
 * errors. */
#ifndef SIGHTLINE_CSV_H
#define SIGHTLINE_CSV_H

#include <stddef.h>

/* Flags for sl_csv_open() and sl_csv_open_mem(). */
enum {
	SL_CSV_SKIP_COMMENTS = 1u << 0, /* skip lines whose first byte is '#' */
	SL_CSV_SKIP_BLANK = 1u << 1,    /* skip empty lines */
};

/* Limits that bound the reader's memory whatever the input. */
#define SL_CSV_MAX_RECORD_BYTES (1u << 20) /* one record, all fields */
#define SL_CSV_MAX_FIELDS 4096u            /* fields in one record */

struct sl_csv;

/* One record.  Everything it points to is borrowed: valid until the next
 * sl_csv_next() or sl_csv_destroy() on the same reader. */
struct sl_csv_record {
	size_t n_fields;           /* at least 1 */
	const char *const *fields; /* NUL-terminated field texts, quotes removed */
	const size_t *lens;        /* byte length of each field */
	unsigned long line;        /* 1-based line where the record starts */
};

/**
 * Open the CSV file at path for reading with the SL_CSV_* flags.  Returns 0
 * and sets *out, or a negative errno with "PATH: sentence" in err.  Caller
 * owns *out; free with sl_csv_destroy().
 */
int sl_csv_open(const char *path, unsigned flags, struct sl_csv **out,
		char *err, size_t errlen);

/**
 * Read CSV from memory; name is used in error messages (copied).  data is
 * borrowed and must stay valid until sl_csv_destroy().  Returns 0 or -ENOMEM.
 * Caller owns *out; free with sl_csv_destroy().
 */
int sl_csv_open_mem(const void *data, size_t len, const char *name,
		    unsigned flags, struct sl_csv **out);

/**
 * Read the next record into *rec.  Returns 1 when *rec holds a record, 0 at
 * the end of input, or a negative errno (-EINVAL for malformed CSV, -E2BIG
 * over the limits above, -EIO) with "NAME:LINE: sentence" in err; after an
 * error the reader only accepts sl_csv_destroy().  *rec is borrowed until
 * the next call.
 */
int sl_csv_next(struct sl_csv *csv, struct sl_csv_record *rec, char *err,
		size_t errlen);

/**
 * The name given at open (the path for files).  Borrowed; valid until
 * sl_csv_destroy().
 */
const char *sl_csv_name(const struct sl_csv *csv);

/** Close the reader and free it.  Accepts NULL. */
void sl_csv_destroy(struct sl_csv *csv);

#endif
