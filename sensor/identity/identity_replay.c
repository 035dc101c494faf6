/* A sign-in file read once (replay, check): mapped whole, framed into
 * records, indexed by time, and delivered oldest first -- backwards when the
 * file was written newest first, as Graph and the admin consoles export. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity_priv.h"

/* Where one sign-in lies in the file; it is parsed again on delivery, so
 * memory stays at this much per record whatever the record's size. */
struct entry {
	size_t off;
	uint32_t len;
	bool keep;            /* in time order; false: counted as going backwards */
	uint64_t line;
	sl_time_us time;
};

struct replay {
	const char *buf;
	size_t len;
	void *map;            /* mmap of a regular file, else NULL */
	char *heap;           /* whole content of a pipe or device, else NULL */
	struct entry *idx;
	size_t n, cap, next;
	bool reverse;
};

static void replay_destroy(struct sl_identity_source *s)
{
	struct replay *r = s->impl;
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->len);
	free(r->heap);
	free(r->idx);
	free(r);
	s->impl = NULL;
}

/* Parse the record of entry e again into *out. */
static bool parse_entry(struct sl_identity_source *s, const struct entry *e, struct sl_signin *out)
{
	struct replay *r = s->impl;
	json_t *v = sl_id_load(s, r->buf + e->off, e->len, e->line);
	int got = v ? sl_id_record(s, v, e->line, out) : 0;
	json_decref(v);
	return got == 1;
}

static int replay_fill(struct sl_identity_source *s, struct sl_signin *out)
{
	struct replay *r = s->impl;
	while (r->next < r->n) {
		size_t i = r->reverse ? r->n - 1 - r->next : r->next;
		r->next++;
		if (r->idx[i].keep && parse_entry(s, &r->idx[i], out))
			return 1;
	}
	s->finished = true;
	free(r->idx); /* delivered: the index is no longer needed */
	r->idx = NULL;
	r->n = r->cap = r->next = 0;
	return 0;
}

static const struct id_ops replay_ops = {
	.kind = "file",
	.fill = replay_fill,
	.destroy = replay_destroy,
};

static const struct id_ops buffer_ops = {
	.kind = "buffer",
	.fill = replay_fill,
	.destroy = replay_destroy,
};

/* A span the framer could not take as a record. */
static void broken(struct sl_identity_source *s, const struct id_span *sp)
{
	struct replay *r = s->impl;
	struct id_problem pb = { .why = SL_IDENTITY_BAD_NOT_JSON };
	json_error_t e;
	size_t n = sp->len < s->opts.max_record ? sp->len : s->opts.max_record;
	json_t *v = n ? json_loadb(r->buf + sp->off, n, JSON_DECODE_ANY, &e) : NULL;
	char q[80];
	json_decref(v);
	if (sp->len == 0)
		snprintf(pb.text, sizeof(pb.text), "%s", "the file ends inside a JSON array or "
			 "Graph page: it was cut short");
	else if (v)
		snprintf(pb.text, sizeof(pb.text), "not JSON: brackets do not pair up ('%s')",
			 sl_id_quote(r->buf + sp->off, sp->len, 40, q, sizeof(q)));
	else
		snprintf(pb.text, sizeof(pb.text), "not JSON: %s at column %d%s ('%s')", e.text,
			 e.column, e.line > 1 ? " of the record's last line" : "",
			 sl_id_quote(r->buf + sp->off, sp->len, 40, q, sizeof(q)));
	if (sp->lost) {
		size_t l = strlen(pb.text);
		snprintf(pb.text + l, sizeof(pb.text) - l, "; the rest of the file (%zu bytes) cannot "
			 "be split into records and is skipped", r->len - sp->off);
	}
	sl_id_bad(s, sp->line, &pb);
}

/* Pass over the file: index sign-ins, count and describe the rest. */
static int index_records(struct sl_identity_source *s)
{
	struct replay *r = s->impl;
	struct id_framer f;
	struct id_span sp;
	struct sl_signin si;
	sl_id_framer_init(&f, r->buf, r->len);
	while (sl_id_framer_next(&f, &sp)) {
		if (sp.broken) {
			broken(s, &sp);
			continue;
		}
		json_t *v = sl_id_load(s, r->buf + sp.off, sp.len, sp.line);
		int got = v ? sl_id_record(s, v, sp.line, &si) : 0;
		json_decref(v);
		if (!got)
			continue;
		struct entry *grown = sl_grow(r->idx, &r->cap, r->n, sizeof(*r->idx), 256);
		if (!grown)
			return -ENOMEM;
		r->idx = grown;
		r->idx[r->n++] = (struct entry){ sp.off, (uint32_t)sp.len, true, sp.line, si.time };
	}
	return 0;
}

/* Newest first when more neighbours go down in time than up. */
static bool newest_first(const struct replay *r)
{
	size_t up = 0, down = 0;
	for (size_t i = 1; i < r->n; i++) {
		up += r->idx[i].time > r->idx[i - 1].time;
		down += r->idx[i].time < r->idx[i - 1].time;
	}
	return down > up;
}

/* Entry at delivery position d. */
static struct entry *at(const struct replay *r, size_t d)
{
	return &r->idx[r->reverse ? r->n - 1 - d : d];
}

/* Say why entry e, out of time order, is skipped: it is earlier than the
 * sign-in kept before it (prev) or later than the one kept after it (next). */
static void out_of_order(struct sl_identity_source *s, const struct entry *e, const struct entry *prev,
			 const struct entry *next)
{
	struct id_problem pb = { .why = SL_IDENTITY_BAD_TIME_BACKWARDS };
	char t[SL_TIME_STRLEN], o[SL_TIME_STRLEN];
	sl_time_format(e->time, t, sizeof(t));
	if (prev && (e->time < prev->time || !next))
		snprintf(pb.text, sizeof(pb.text), "sign-in time %s is before %s of the sign-in on "
			 "line %llu, read before it (records must come in time order)", t,
			 sl_time_format(prev->time, o, sizeof(o)), (unsigned long long)prev->line);
	else
		snprintf(pb.text, sizeof(pb.text), "sign-in time %s is after %s of the sign-in on "
			 "line %llu, read after it (records must come in time order)", t,
			 sl_time_format(next->time, o, sizeof(o)), (unsigned long long)next->line);
	sl_id_bad(s, e->line, &pb);
}

/*
 * Keep the longest run of sign-ins, in delivery order, whose times never go
 * down (patience method, O(n log n)); the others are counted as going
 * backwards.  One stray timestamp then costs one record, not every record
 * after it.
 */
static int keep_in_order(struct sl_identity_source *s)
{
	struct replay *r = s->impl;
	size_t *tails = malloc((r->n + 1) * sizeof(size_t)), *prev = malloc((r->n + 1) * sizeof(size_t));
	size_t len = 0;
	if (!tails || !prev) {
		free(tails);
		free(prev);
		return -ENOMEM;
	}
	for (size_t d = 0; d < r->n; d++) {
		size_t lo = 0, hi = len;
		while (lo < hi) { /* first tail later than this time */
			size_t mid = (lo + hi) / 2;
			if (at(r, tails[mid])->time > at(r, d)->time)
				hi = mid;
			else
				lo = mid + 1;
		}
		prev[d] = lo ? tails[lo - 1] : SIZE_MAX;
		tails[lo] = d;
		len += lo == len;
		at(r, d)->keep = false;
	}
	for (size_t d = len ? tails[len - 1] : SIZE_MAX; d != SIZE_MAX; d = prev[d])
		at(r, d)->keep = true;
	free(tails);
	free(prev);
	const struct entry *kept = NULL;
	for (size_t d = 0, next = 0; d < r->n; d++) {
		if (at(r, d)->keep) {
			kept = at(r, d);
			continue;
		}
		for (next = next > d ? next : d; next < r->n && !at(r, next)->keep; next++)
			;
		out_of_order(s, at(r, d), kept, next < r->n ? at(r, next) : NULL);
	}
	return 0;
}

/* What the first bytes look like, for the unknown-format message. */
static void describe_start(const struct replay *r, const struct id_span *sp, char *out,
			   size_t cap)
{
	char q[96];
	const char *p = r->buf + sp->off;
	size_t n = sp->len < 60 ? sp->len : 60;
	json_t *v = json_loadb(p, sp->len, JSON_DECODE_ANY, NULL);
	if (json_is_object(v)) {
		size_t o = (size_t)snprintf(out, cap, "a JSON object with keys");
		const char *key;
		json_t *val;
		unsigned shown = 0;
		json_object_foreach(v, key, val) {
			if (shown++ == 6 || o >= cap)
				break;
			o += (size_t)snprintf(out + o, cap - o, "%s %s", shown > 1 ? "," : "",
					      sl_id_quote(key, strlen(key), 30, q, sizeof(q)));
		}
	} else if (v) {
		snprintf(out, cap, "%s", json_is_string(v) ? "a JSON string" : "a JSON number or "
			 "constant");
	} else if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b) {
		snprintf(out, cap, "%s", "gzip-compressed data: decompress the export first");
	} else if (memchr(p, '\0', n)) {
		snprintf(out, cap, "%s", "binary data (a capture or an archive?)");
	} else if (memchr(p, ',', n) && !memchr(p, '{', n)) {
		snprintf(out, cap, "comma-separated text ('%s'): export the log as JSON, not CSV",
			 sl_id_quote(p, n, 60, q, sizeof(q)));
	} else {
		snprintf(out, cap, "not JSON ('%s')", sl_id_quote(p, n, 60, q, sizeof(q)));
	}
	json_decref(v);
}

/* Does record v show the source's format?  Its fields must be there,
 * even when their values are bad (those are counted later, record by
 * record). */
static bool fits(const struct id_parser *p, const json_t *v)
{
	struct id_problem pb;
	struct sl_signin si;
	enum sl_identity_format seen = sl_id_classify(v);
	if (p->format == SL_IDENTITY_FORMAT_AUTO)
		return seen != SL_IDENTITY_FORMAT_AUTO;
	if (p->format != SL_IDENTITY_FORMAT_JSON)
		return seen == p->format;
	if (sl_id_parse(p, v, &si, &pb) != ID_BAD)
		return true;
	return pb.why == SL_IDENTITY_BAD_TIME || pb.why == SL_IDENTITY_BAD_ADDRESS ||
	       pb.why == SL_IDENTITY_BAD_TOO_LONG;
}

/*
 * Before any message: does the start of the file hold a record of the
 * configured (or any known) format?  Up to ID_SNIFF_RECORDS candidates are
 * tried; none fitting means the wrong file or format, said once instead of
 * as thousands of bad records.
 */
static int sniff(struct sl_identity_source *s, char *err, size_t errlen)
{
	struct replay *r = s->impl;
	struct id_framer f;
	struct id_span sp, first = { 0 };
	unsigned seen = 0;
	char what[400];
	sl_id_framer_init(&f, r->buf, r->len);
	while (seen < ID_SNIFF_RECORDS && sl_id_framer_next(&f, &sp)) {
		if (seen++ == 0)
			first = sp;
		json_t *v = sp.broken ? NULL : json_loadb(r->buf + sp.off, sp.len, JSON_DECODE_ANY, NULL);
		bool ok = v && fits(&s->parser, v);
		json_decref(v);
		if (ok)
			return 0;
	}
	if (seen == 0)
		return 0; /* empty: no sign-ins, not an error */
	describe_start(r, &first, what, sizeof(what));
	if (s->parser.format == SL_IDENTITY_FORMAT_AUTO)
		snprintf(err, errlen, "%s:%llu: not a known sign-in log format: it starts with %s; "
			 "expected Okta System Log events (published, eventType, actor.alternateId, "
			 "client.ipAddress) or Entra ID sign-ins (createdDateTime, userPrincipalName, "
			 "ipAddress), as JSON lines, a JSON array or a Graph page {\"value\": [...]}; "
			 "for other JSON records set format: json and its fields in identity.sources",
			 s->file, (unsigned long long)first.line, what);
	else
		snprintf(err, errlen, "%s: none of the first %u records is a usable %s sign-in (the "
			 "first, line %llu, is %s): is the format right?", s->file, seen,
			 sl_identity_format_name(s->parser.format), (unsigned long long)first.line,
			 what);
	return -EINVAL;
}

/* Sniff, index and order the mapped content. */
static int prepare(struct sl_identity_source *s, char *err, size_t errlen)
{
	struct replay *r = s->impl;
	int rc = sniff(s, err, errlen);
	if (rc < 0)
		return rc;
	s->st.bytes = r->len;
	if ((rc = index_records(s)) < 0) {
		snprintf(err, errlen, "%s: out of memory indexing sign-ins", s->file);
		return rc;
	}
	r->reverse = s->st.reversed = newest_first(r);
	if (keep_in_order(s) < 0) {
		snprintf(err, errlen, "%s: out of memory ordering sign-ins", s->file);
		return -ENOMEM;
	}
	return 0;
}

int sl_id_replay_open_buffer(struct sl_identity_source *s, const void *data, size_t len,
			     char *err, size_t errlen)
{
	struct replay *r = calloc(1, sizeof(*r));
	if (!r)
		return snprintf(err, errlen, "%s: out of memory", s->file), -ENOMEM;
	r->buf = data ? data : "";
	r->len = data ? len : 0;
	s->impl = r;
	s->ops = &buffer_ops;
	return prepare(s, err, errlen);
}

/* A pipe or device has no size to map: read it whole. */
static int slurp(int fd, struct replay *r)
{
	size_t cap = 0;
	for (;;) {
		char *grown = sl_grow(r->heap, &cap, r->len, 1, 1 << 16);
		if (!grown)
			return -ENOMEM;
		r->heap = grown;
		ssize_t got = read(fd, r->heap + r->len, cap - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		r->len += (size_t)got;
	}
	r->buf = r->heap;
	return 0;
}

/* Map or read the file's content into r. */
static int load(int fd, struct replay *r)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return slurp(fd, r);
	r->len = (size_t)st.st_size;
	if (r->len == 0)
		return 0;
	r->map = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->buf = r->map;
	return 0;
}

int sl_id_replay_open_file(struct sl_identity_source *s, char *err, size_t errlen)
{
	struct replay *r = calloc(1, sizeof(*r));
	if (!r)
		return snprintf(err, errlen, "%s: out of memory", s->file), -ENOMEM;
	s->impl = r;
	s->ops = &replay_ops;
	int fd = open(s->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open the sign-in log: %s", s->file, strerror(e));
		return -e;
	}
	int rc = load(fd, r);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the sign-in log: %s", s->file, strerror(-rc));
		return rc;
	}
	if (!r->buf)
		r->buf = "";
	return prepare(s, err, errlen);
}
