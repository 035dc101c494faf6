/* RFC 4180 CSV reader: a byte-at-a-time state machine over a 64 KiB read
 * buffer (or a caller's memory), building each record in one reusable
 * buffer so memory stays bounded by SL_CSV_MAX_RECORD_BYTES.  A quoted
 * section may also start inside a field (key="a, b"). */
#include "sightline/csv.h"
#include "sightline/common.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536
#define CH_EOF (-1)
#define CH_ERR (-2)

struct sl_csv {
	FILE *f;
	char *name;
	unsigned flags;
	const uint8_t *buf; /* chunk or caller memory */
	size_t pos, len;
	bool eof, first, skip_lf, failed;
	unsigned long line; /* line of the next byte */
	uint8_t *chunk;
	char *rec; /* field bytes, each field NUL-terminated */
	size_t rec_len, rec_cap;
	size_t *offs, *lens; /* per field */
	const char **ptrs;
	size_t nf, fcap;
};

enum state { S_FIELD, S_UNQUOTED, S_QUOTED, S_QUOTE_SEEN };

static struct sl_csv *csv_alloc(const char *name, unsigned flags)
{
	struct sl_csv *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	c->flags = flags;
	c->first = true;
	c->line = 1;
	if (!c->name) {
		free(c);
		return NULL;
	}
	return c;
}

int sl_csv_open(const char *path, unsigned flags, struct sl_csv **out,
		char *err, size_t errlen)
{
	struct sl_csv *c = csv_alloc(path, flags);
	if (!c)
		goto err_nomem;
	c->chunk = malloc(CHUNK);
	if (!c->chunk)
		goto err_nomem;
	c->f = fopen(path, "rb");
	if (!c->f) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		sl_csv_destroy(c);
		return -e;
	}
	c->buf = c->chunk;
	*out = c;
	return 0;
err_nomem:
	sl_csv_destroy(c);
	snprintf(err, errlen, "%s: out of memory", path);
	return -ENOMEM;
}

int sl_csv_open_mem(const void *data, size_t len, const char *name,
		    unsigned flags, struct sl_csv **out)
{
	struct sl_csv *c = csv_alloc(name, flags);
	if (!c)
		return -ENOMEM;
	c->buf = data;
	c->len = len;
	c->eof = true; /* nothing to refill */
	*out = c;
	return 0;
}

void sl_csv_destroy(struct sl_csv *csv)
{
	if (!csv)
		return;
	if (csv->f)
		fclose(csv->f);
	free(csv->name);
	free(csv->chunk);
	free(csv->rec);
	free(csv->offs);
	free(csv->lens);
	free(csv->ptrs);
	free(csv);
}

const char *sl_csv_name(const struct sl_csv *csv)
{
	return csv->name;
}

/* Next input byte, CH_EOF or CH_ERR.  The BOM check happens on the first
 * byte so both file and memory input skip it the same way. */
static int getch(struct sl_csv *c)
{
	if (c->pos == c->len) {
		if (c->eof)
			return CH_EOF;
		c->len = fread(c->chunk, 1, CHUNK, c->f);
		c->pos = 0;
		if (c->len < CHUNK) {
			c->eof = true;
			if (ferror(c->f))
				return CH_ERR;
		}
		if (c->len == 0)
			return CH_EOF;
	}
	if (c->first) {
		c->first = false;
		if (c->len - c->pos >= 3 && memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3) == 0)
			c->pos += 3;
		return getch(c);
	}
	return c->buf[c->pos++];
}

static int push_byte(struct sl_csv *c, char ch)
{
	if (c->rec_len == c->rec_cap && c->rec_cap >= SL_CSV_MAX_RECORD_BYTES)
		return -E2BIG;
	char *n = sl_grow(c->rec, &c->rec_cap, c->rec_len, 1, 256);
	if (!n)
		return -ENOMEM;
	c->rec = n;
	c->rec[c->rec_len++] = ch;
	return 0;
}

/* Close the field being built: NUL-terminate it and record its offset. */
static int end_field(struct sl_csv *c, size_t start)
{
	if (c->nf == c->fcap) {
		if (c->fcap >= SL_CSV_MAX_FIELDS)
			return -E2BIG;
		size_t ncap = c->fcap ? c->fcap * 2 : 16;
		size_t *o = realloc(c->offs, ncap * sizeof(*o));
		if (o)
			c->offs = o;
		size_t *l = realloc(c->lens, ncap * sizeof(*l));
		if (l)
			c->lens = l;
		const char **p = realloc(c->ptrs, ncap * sizeof(*p));
		if (p)
			c->ptrs = p;
		if (!o || !l || !p)
			return -ENOMEM;
		c->fcap = ncap;
	}
	c->offs[c->nf] = start;
	c->lens[c->nf] = c->rec_len - start;
	c->nf++;
	return push_byte(c, '\0');
}

static int fail(struct sl_csv *c, int rc, unsigned long line, const char *what,
		char *err, size_t errlen)
{
	c->failed = true;
	snprintf(err, errlen, "%s:%lu: %s", c->name, line, what);
	return rc;
}

/* Skip a comment line up to and including its terminator. */
static void skip_line(struct sl_csv *c)
{
	int ch;
	while ((ch = getch(c)) >= 0 && ch != '\n' && ch != '\r')
		;
	if (ch == '\r')
		c->skip_lf = true;
	c->line++;
}

/* One byte of record text.  Returns 1 when the record is complete, 0 to go
 * on, or a negative errno with *why set.  ch < 0 means end of input. */
static int step(struct sl_csv *c, enum state *st, size_t *fstart, int ch,
		const char **why)
{
	bool term = ch == '\n' || ch == '\r' || ch == CH_EOF;
	switch (*st) {
	case S_QUOTED:
		if (ch == CH_EOF) {
			*why = "unterminated quoted field";
			return -EINVAL;
		}
		if (ch == '"') {
			*st = S_QUOTE_SEEN;
			return 0;
		}
		if (ch == '\n')
			c->line++;
		return push_byte(c, (char)ch);
	case S_QUOTE_SEEN:
		if (ch == '"') {
			*st = S_QUOTED;
			return push_byte(c, '"');
		}
		if (ch != ',' && !term) {
			*why = "unexpected character after a closing quote";
			return -EINVAL;
		}
		break;
	case S_FIELD:
	case S_UNQUOTED:
		/* A quote opens a quoted section at the start of a field (RFC
		 * 4180) and also after text in it, so a key=value column can
		 * quote just its value: key="a, b" reads as key=a, b. */
		if (ch == '"') {
			*st = S_QUOTED;
			return 0;
		}
		if (ch != ',' && !term) {
			*st = S_UNQUOTED;
			return push_byte(c, (char)ch);
		}
		break;
	}
	int rc = end_field(c, *fstart);
	if (rc < 0)
		return rc;
	*st = S_FIELD;
	*fstart = c->rec_len;
	if (!term)
		return 0;
	if (ch == '\r')
		c->skip_lf = true;
	if (ch != CH_EOF)
		c->line++;
	return 1;
}

/* Read one physical record, setting *line to where it starts.  Returns 1,
 * 0 at end of input, or a negative errno with err filled. */
static int read_record(struct sl_csv *c, unsigned long *line, char *err,
		       size_t errlen)
{
	enum state st = S_FIELD;
	size_t fstart = 0;
	unsigned long qline = 0;
	bool any = false;
	c->rec_len = 0;
	c->nf = 0;
	for (;;) {
		int ch = getch(c);
		if (ch == CH_ERR)
			return fail(c, -EIO, c->line, "read error", err, errlen);
		if (c->skip_lf) {
			c->skip_lf = false;
			if (ch == '\n')
				continue;
		}
		if (!any) {
			if (ch == CH_EOF)
				return 0;
			*line = c->line;
			if (ch == '#' && (c->flags & SL_CSV_SKIP_COMMENTS)) {
				skip_line(c);
				continue;
			}
			any = true;
		}
		if (ch == 0)
			return fail(c, -EINVAL, c->line, "NUL byte in input", err, errlen);
		if (ch == '"' && (st == S_FIELD || st == S_UNQUOTED))
			qline = c->line;
		unsigned long here = c->line;
		const char *why = "out of memory";
		int rc = step(c, &st, &fstart, ch, &why);
		if (rc == 1)
			return 1;
		if (rc == -E2BIG)
			why = "record too long or too many fields";
		if (rc < 0)
			return fail(c, rc, st == S_QUOTED ? qline : here, why, err, errlen);
	}
}

int sl_csv_next(struct sl_csv *csv, struct sl_csv_record *rec, char *err,
		size_t errlen)
{
	if (csv->failed)
		return -EINVAL;
	for (;;) {
		unsigned long line = 0;
		int rc = read_record(csv, &line, err, errlen);
		if (rc <= 0)
			return rc;
		if (csv->nf == 1 && csv->lens[0] == 0 && (csv->flags & SL_CSV_SKIP_BLANK))
			continue;
		for (size_t i = 0; i < csv->nf; i++)
			csv->ptrs[i] = csv->rec + csv->offs[i];
		rec->n_fields = csv->nf;
		rec->fields = csv->ptrs;
		rec->lens = csv->lens;
		rec->line = line;
		return 1;
	}
}
