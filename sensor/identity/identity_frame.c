/* Record spans of a whole sign-in export (RFC 8259 structure only; jansson
 * parses each span): JSON lines, a JSON array, a Microsoft Graph page
 * {"value": [...]}, or pretty-printed objects one after another.  Brackets
 * are counted, not parsed, so one damaged record costs only itself. */
#include <string.h>

#include "identity_priv.h"

enum { FX_TOP, FX_ARRAY, FX_PAGE };

#define SCAN_FAIL ((size_t)-1)

void sl_id_framer_init(struct id_framer *f, const char *buf, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	f->line = 1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		f->pos = 3; /* Windows tools (the Entra portal download) write a BOM */
}

/* Move to `to`, counting the lines passed. */
static void advance(struct id_framer *f, size_t to)
{
	for (const char *p = f->buf + f->pos, *end = f->buf + to;
	     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		f->line++;
	f->pos = to;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_blank(const struct id_framer *f, size_t i)
{
	while (i < f->len && is_blank(f->buf[i]))
		i++;
	return i;
}

static void skip_ws(struct id_framer *f)
{
	advance(f, skip_blank(f, f->pos));
}

/* Index after the string that opens at i, or SCAN_FAIL with *stop where it
 * broke (end of input, or a raw line break, which JSON strings never hold). */
static size_t scan_string(const struct id_framer *f, size_t i, size_t *stop)
{
	for (i++; i < f->len; i++) {
		if (f->buf[i] == '\\')
			i++;
		else if (f->buf[i] == '"')
			return i + 1;
		else if (f->buf[i] == '\n')
			break;
	}
	*stop = i < f->len ? i : f->len;
	return SCAN_FAIL;
}

/* Index after the object or array that opens at i.  With one_line a line
 * break outside strings ends it unfinished (a JSON-lines record). */
static size_t scan_container(const struct id_framer *f, size_t i, bool one_line, size_t *stop)
{
	size_t depth = 0;
	for (; i < f->len; i++) {
		char c = f->buf[i];
		if (c == '"') {
			size_t e = scan_string(f, i, stop);
			if (e == SCAN_FAIL)
				return SCAN_FAIL;
			i = e - 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		} else if (c == '\n' && one_line) {
			*stop = i;
			return SCAN_FAIL;
		}
	}
	*stop = f->len;
	return SCAN_FAIL;
}

/* Index after a scalar (number, true, false, null, or stray text) at i. */
static size_t scan_scalar(const struct id_framer *f, size_t i, size_t *stop)
{
	if (f->buf[i] == '"')
		return scan_string(f, i, stop);
	while (i < f->len && f->buf[i] != ',' && f->buf[i] != ']' && f->buf[i] != '}' &&
	       !is_blank(f->buf[i]))
		i++;
	return i;
}

/* Index after any value at i. */
static size_t scan_value(const struct id_framer *f, size_t i, size_t *stop)
{
	if (f->buf[i] == '{' || f->buf[i] == '[')
		return scan_container(f, i, false, stop);
	return scan_scalar(f, i, stop);
}

static size_t line_end(const struct id_framer *f, size_t i)
{
	const char *nl = memchr(f->buf + i, '\n', f->len - i);
	return nl ? (size_t)(nl - f->buf) : f->len;
}

/* The key of the object member at i (a '"'), as [*k, *k + *kn). */
static size_t member_key(const struct id_framer *f, size_t i, const char **k, size_t *kn,
			 size_t *stop)
{
	size_t e = scan_string(f, i, stop);
	if (e != SCAN_FAIL) {
		*k = f->buf + i + 1;
		*kn = e - i - 2;
	}
	return e;
}

/* An object whose first key is "value" or "@odata.*" is a Graph page. */
static bool page_starts(const struct id_framer *f, size_t i)
{
	const char *k;
	size_t kn, stop;
	i = skip_blank(f, i + 1);
	if (i >= f->len || f->buf[i] != '"' || member_key(f, i, &k, &kn, &stop) == SCAN_FAIL)
		return false;
	return (kn == 5 && memcmp(k, "value", 5) == 0) || (kn > 7 && memcmp(k, "@odata.", 7) == 0);
}

/* A span [from, to) for the caller. */
static int span(struct id_framer *f, struct id_span *sp, size_t from, size_t to, bool broken)
{
	sp->off = from;
	sp->len = to - from;
	sp->line = f->line;
	sp->broken = broken;
	sp->lost = false;
	return 1;
}

/* The structure is lost: report from `from` up to where it broke, then
 * nothing more. */
static int lost(struct id_framer *f, struct id_span *sp, size_t from, size_t stop)
{
	span(f, sp, from, stop > from ? stop : from, true);
	sp->lost = true;
	f->dead = true;
	return 1;
}

/* An object or stray text at the top level. */
static int top_value(struct id_framer *f, struct id_span *sp)
{
	size_t i = f->pos, stop, eol = line_end(f, i), end;
	size_t hdr = sl_id_syslog_prefix(f->buf + i, eol - i);
	if (f->buf[i] == '[' || (f->buf[i] == '{' && page_starts(f, i))) {
		f->ctx = f->buf[i] == '[' ? FX_ARRAY : FX_PAGE;
		f->in_page = false;
		f->expect_sep = false;
		advance(f, i + 1);
		return 0;
	}
	if (hdr) { /* a syslog line: the JSON after its header */
		advance(f, i + hdr);
		return 0;
	}
	if (f->buf[i] != '{') { /* text to the end of the line: jansson says what it is */
		span(f, sp, i, eol > i && f->buf[eol - 1] == '\r' ? eol - 1 : eol, false);
		advance(f, eol);
		return 1;
	}
	/* "{" with more on its line opens a JSON-lines record, which must end
	 * on that line; a lone "{" opens a pretty-printed one. */
	bool one_line = skip_blank(f, i + 1) < eol;
	if ((end = scan_container(f, i, one_line, &stop)) != SCAN_FAIL) {
		span(f, sp, i, end, false);
		advance(f, end);
		return 1;
	}
	if (!one_line)
		return lost(f, sp, i, stop);
	span(f, sp, i, eol, true);
	advance(f, eol);
	return 1;
}

static void close_array(struct id_framer *f)
{
	f->ctx = f->in_page ? FX_PAGE : FX_TOP;
	f->expect_sep = f->in_page;
	f->in_page = false;
	advance(f, f->pos + 1);
}

/* Inside an array: an element, a comma or the closing bracket. */
static int in_array(struct id_framer *f, struct id_span *sp)
{
	size_t i = f->pos, stop, end;
	char c = f->buf[i];
	if (c == ']') {
		close_array(f);
		return 0;
	}
	if (f->expect_sep) {
		if (c != ',')
			return lost(f, sp, i, line_end(f, i));
		f->expect_sep = false;
		advance(f, i + 1);
		return 0;
	}
	if (c == ',')
		return lost(f, sp, i, line_end(f, i));
	if ((end = scan_value(f, i, &stop)) == SCAN_FAIL)
		return lost(f, sp, i, stop);
	f->expect_sep = true;
	span(f, sp, i, end, false);
	advance(f, end);
	return 1;
}

/* Inside a Graph page: members are passed over, except "value": [ ... ]. */
static int in_page(struct id_framer *f, struct id_span *sp)
{
	size_t i = f->pos, stop, kn, end;
	const char *k;
	if (f->buf[i] == '}' || (f->expect_sep && f->buf[i] == ',')) {
		f->ctx = f->buf[i] == '}' ? FX_TOP : FX_PAGE;
		f->expect_sep = false;
		advance(f, i + 1);
		return 0;
	}
	if (f->expect_sep || f->buf[i] != '"' || (end = member_key(f, i, &k, &kn, &stop)) == SCAN_FAIL)
		return lost(f, sp, i, line_end(f, i));
	i = skip_blank(f, end);
	if (i >= f->len || f->buf[i] != ':')
		return lost(f, sp, f->pos, line_end(f, f->pos));
	i = skip_blank(f, i + 1);
	if (i < f->len && kn == 5 && memcmp(k, "value", 5) == 0 && f->buf[i] == '[') {
		f->ctx = FX_ARRAY;
		f->in_page = true;
		f->expect_sep = false;
		advance(f, i + 1);
		return 0;
	}
	if (i >= f->len || (end = scan_value(f, i, &stop)) == SCAN_FAIL)
		return lost(f, sp, f->pos, i >= f->len ? f->len : stop);
	f->expect_sep = true;
	advance(f, end);
	return 0;
}

int sl_id_framer_next(struct id_framer *f, struct id_span *sp)
{
	while (!f->dead) {
		int got;
		skip_ws(f);
		if (f->pos >= f->len) {
			if (f->ctx == FX_TOP)
				return 0;
			/* the input ends inside an array or page: cut short */
			return lost(f, sp, f->len, f->len);
		}
		if (f->ctx == FX_TOP)
			got = top_value(f, sp);
		else if (f->ctx == FX_ARRAY)
			got = in_array(f, sp);
		else
			got = in_page(f, sp);
		if (got)
			return 1;
	}
	return 0;
}
