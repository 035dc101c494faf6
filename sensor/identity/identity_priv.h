/* Private to sensor/identity: the source object shared by the replay, follow
 * and socket readers, the record parser, the text helpers and the framer. */
#ifndef SENSOR_IDENTITY_IDENTITY_PRIV_H
#define SENSOR_IDENTITY_IDENTITY_PRIV_H

#include <jansson.h>
#include <stdarg.h>

#include "sightline/identity.h"

/* Longest reason sentence of one bad record (the message adds FILE:LINE). */
#define ID_WHY_MAX 400

/* Records examined for the format of a file read once before its content
 * is declared no known format. */
#define ID_SNIFF_RECORDS 16

/* Connections a stream socket serves at once; more are closed and counted. */
#define ID_MAX_CLIENTS 16

/* Bytes asked of read(2) at a time (followed files, stream sockets). */
#define ID_READ_CHUNK 65536

/* How records of one source are parsed: its format and, for json, paths. */
struct id_parser {
	enum sl_identity_format format;
	enum sl_identity_time_format time_format;
	char *fields[SL_IDENTITY__NFIELDS]; /* owned copies; NULL when not given */
	char **success, **failure;          /* owned lists of outcome values */
	size_t n_success, n_failure;
};

enum id_verdict { ID_SIGNIN, ID_SKIPPED, ID_BAD };

/* Why a record was bad: the counter and the sentence for the message. */
struct id_problem {
	enum sl_identity_bad why;
	char text[ID_WHY_MAX];
};

/* Reading one kind of source: each returns the next parsed sign-in in
 * delivery order (1) or none now (0); the caller checks time order. */
struct id_ops {
	const char *kind;
	int (*fill)(struct sl_identity_source *s, struct sl_signin *out);
	size_t (*pollfds)(const struct sl_identity_source *s, struct pollfd *fds, size_t max);
	void (*destroy)(struct sl_identity_source *s); /* the reader's own state */
};

struct sl_identity_source {
	const struct id_ops *ops;
	void *impl;                   /* the reader's state */
	char *name, *file;            /* owned */
	struct id_parser parser;
	struct sl_identity_opts opts; /* max_record resolved */
	struct sl_identity_stats st;
	struct sl_signin pending;     /* read ahead by peek */
	bool has_pending, finished;
	sl_time_us newest;            /* latest sign-in delivered (time order check) */
	bool have_newest;
	uint64_t messages;            /* bad-record messages emitted */
	/* Line-by-line readers: the JSON value of the current line and the
	 * next of its elements (a line may hold an array or a Graph page). */
	json_t *unit;
	size_t unit_next;
	uint64_t unit_line;
};

/* ---- identity_text.c: times, addresses, accounts, bounded copies ---- */

/** Parse an RFC 3339 date-time with offset (fraction digits beyond 6 are
 * dropped).  Returns 0 with *out in UTC microseconds, or -EINVAL. */
int sl_id_parse_rfc3339(const char *s, size_t n, sl_time_us *out);

/** Epoch time v in the unit tf (auto: seconds below 1e11, milliseconds below
 * 1e14, else microseconds).  Returns 0 or -EINVAL (negative, out of range). */
int sl_id_epoch(double v, enum sl_identity_time_format tf, sl_time_us *out);

/** Parse an address as sign-in logs write it: IPv4, IPv6, either with a port
 * ("192.0.2.1:443", "[2001:db8::1]:443"); IPv4-mapped IPv6 becomes IPv4.
 * Returns 0 or -EINVAL. */
int sl_id_parse_addr(const char *s, size_t n, struct sl_addr *out);

/** Simple case folding of UTF-8 text (ASCII, Latin-1, Latin Extended-A,
 * Greek, Cyrillic; other characters unchanged) into out (cap bytes, at least
 * n + 1).  Folding keeps byte lengths. */
void sl_id_fold(const char *in, size_t n, char *out, size_t cap);

/** Copy src[0..n) into dst (cap bytes) with a NUL, cut at a UTF-8 character
 * boundary when it does not fit.  Returns whether it fitted whole. */
bool sl_id_copy(char *dst, size_t cap, const char *src, size_t n);

/** Quote untrusted text for a message: at most max bytes, control bytes as
 * \xNN, "..." when cut.  Writes into buf (cap bytes); returns buf. */
const char *sl_id_quote(const char *s, size_t n, size_t max, char *buf, size_t cap);

/* ---- identity_parse.c: one JSON record to one sign-in ---- */

/** Fill p from a source's configuration.  Returns 0 or -ENOMEM. */
int sl_id_parser_init(struct id_parser *p, const struct sl_identity_source_config *sc);

/** Release what p owns.  Accepts a zeroed parser. */
void sl_id_parser_finish(struct id_parser *p);

/** The format a record's fields show (okta or entra), or auto when they
 * show neither. */
enum sl_identity_format sl_id_classify(const json_t *v);

/**
 * Turn one record into *out (its source, file and line are the caller's).
 * ID_SKIPPED: an Okta event that is not a sign-in.  ID_BAD: *pb says why.
 */
enum id_verdict sl_id_parse(const struct id_parser *p, const json_t *v, struct sl_signin *out,
			    struct id_problem *pb);

/** The Graph page elements ({"value": [...]}) or array elements v holds, or
 * NULL when v is one record.  Borrowed from v. */
json_t *sl_id_elements(const json_t *v);

/* ---- identity_source.c: the parts every reader shares ---- */

/** Count a bad record and describe it (the first opts.max_messages).
 * line 0 leaves the line out. */
void sl_id_bad(struct sl_identity_source *s, uint64_t line, const struct id_problem *pb);

/** Describe something about the source as a whole ("FILE: sentence"). */
void sl_id_notice(struct sl_identity_source *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Parse JSON text [text, text+n) of a record candidate that starts on
 * line.  Returns the value (caller owns it; json_decref()), or NULL after
 * counting and describing it as not JSON. */
json_t *sl_id_load(struct sl_identity_source *s, const char *text, size_t n, uint64_t line);

/**
 * One record value of the source: parse it and, for a sign-in, set its
 * source, file and line.  Skipped and bad records are counted here.
 * Returns 1 for a sign-in in *out, else 0.
 */
int sl_id_record(struct sl_identity_source *s, const json_t *v, uint64_t line,
		 struct sl_signin *out);

/** Line-by-line readers: take the line [text, text+n) starting on line as
 * the current unit (a syslog header before the JSON is passed over). */
void sl_id_unit_feed(struct sl_identity_source *s, const char *text, size_t n, uint64_t line);

/** The next sign-in of the current unit (1), or 0 once it is used up. */
int sl_id_unit_take(struct sl_identity_source *s, struct sl_signin *out);

/** Length of a syslog header ("<14>Mar  5 ... tag: ") before JSON on a
 * line, or 0 when the line starts with JSON or has no such header. */
size_t sl_id_syslog_prefix(const char *text, size_t n);

/** Allocate a source with its name, file, parser and options; the reader
 * sets ops and impl.  Returns NULL with err set. */
struct sl_identity_source *sl_id_source_new(const struct sl_identity_source_config *sc,
					    const char *file, const struct sl_identity_opts *o,
					    char *err, size_t errlen);

/* ---- identity_lines.c: records one per line from a byte stream ---- */

/* Bytes received and not yet taken: buf[start, start+len). */
struct id_lines {
	char *buf;
	size_t start, len, cap;
	bool skipping;          /* dropping an over-long line up to its end */
};

/** Room for n more bytes after the held ones (moved to the front, buffer
 * grown as needed); write them there, then sl_id_lines_commit().  NULL when
 * memory runs out. */
char *sl_id_lines_room(struct id_lines *lb, size_t n);

/** Add n bytes written into the room. */
void sl_id_lines_commit(struct id_lines *lb, size_t n);

/**
 * Take the next complete line as the source's current unit (*line is its
 * number, then incremented); with final, also a last line without newline
 * (end of file or connection).  A line longer than max_record is counted as
 * too long and dropped.  Returns 1 when a line was taken or dropped, 0 when
 * none is complete.
 */
int sl_id_lines_next(struct sl_identity_source *s, struct id_lines *lb, uint64_t *line,
		     bool final);

/** Forget what is held (a truncated file starts again). */
void sl_id_lines_reset(struct id_lines *lb);

/** Free the buffer.  Accepts a zeroed one. */
void sl_id_lines_finish(struct id_lines *lb);

/* ---- the readers; each returns 0 or a negative errno with err ---- */

/** identity_replay.c: a file read once (mmap) or a caller's buffer. */
int sl_id_replay_open_file(struct sl_identity_source *s, char *err, size_t errlen);
int sl_id_replay_open_buffer(struct sl_identity_source *s, const void *data, size_t len,
			     char *err, size_t errlen);

/** identity_follow.c: a file followed like tail -F. */
int sl_id_follow_open(struct sl_identity_source *s, enum sl_identity_start start,
		      char *err, size_t errlen);

/** identity_socket.c: a unix stream or datagram socket. */
int sl_id_socket_open(struct sl_identity_source *s, enum sl_identity_socket_type type,
		      char *err, size_t errlen);

/* ---- identity_frame.c: record spans of a whole document ---- */

/* Where the framer stands in a document. */
struct id_framer {
	const char *buf;
	size_t len, pos;
	uint64_t line;          /* line number at pos (1-based) */
	int ctx;                /* top level, array, Graph page (private) */
	bool in_page;           /* the array is a page's "value" */
	bool expect_sep;        /* a value was read: ',' or a closing bracket next */
	bool dead;              /* the structure was lost: the rest is skipped */
};

/* One record candidate: [off, off+len) starting on line. */
struct id_span {
	size_t off, len;
	uint64_t line;
	bool broken;   /* cut short or structurally wrong: report as not JSON */
	bool lost;     /* ... and the rest of the document could not be framed */
};

/** Start framing buf[0..len) (a UTF-8 byte-order mark is passed over). */
void sl_id_framer_init(struct id_framer *f, const char *buf, size_t len);

/** The next record candidate: 1 with *sp set, 0 at the end. */
int sl_id_framer_next(struct id_framer *f, struct id_span *sp);

#endif
