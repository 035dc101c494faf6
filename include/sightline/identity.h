/* Identity sources: sign-in logs (Okta System Log, Microsoft Entra ID
 * sign-ins, configured JSON records) read from files, followed files or a
 * unix socket, each record turned into one struct sl_signin. */
#ifndef SIGHTLINE_IDENTITY_H
#define SIGHTLINE_IDENTITY_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>

#include "sightline/common.h"
#include "sightline/config.h"

enum sl_signin_outcome {
	SL_SIGNIN_UNKNOWN,
	SL_SIGNIN_SUCCESS,
	SL_SIGNIN_FAILURE,
	SL_SIGNIN__NOUTCOMES,
};

/* Sizes of the text fields of a sign-in, terminating NUL included.  The
 * account must fit (a longer one makes the record bad: a cut account would
 * name someone else); the other texts are cut at a character boundary. */
#define SL_SIGNIN_ACCOUNT_MAX 256
#define SL_SIGNIN_CODE_MAX 64
#define SL_SIGNIN_TEXT_MAX 256
#define SL_SIGNIN_UA_MAX 512

/*
 * One sign-in as a source gave it.  A plain value: copy it freely.  Only
 * `source` and `file` point elsewhere: borrowed from the source, valid until
 * it is destroyed.
 */
struct sl_signin {
	sl_time_us time;                             /* UTC, microseconds */
	char account[SL_SIGNIN_ACCOUNT_MAX];         /* as the source wrote it */
	char account_folded[SL_SIGNIN_ACCOUNT_MAX];  /* case-folded, for matching */
	struct sl_addr addr;                         /* IPv4-mapped IPv6 folded to IPv4 */
	enum sl_signin_outcome outcome;
	char outcome_code[SL_SIGNIN_CODE_MAX];       /* Okta outcome.result, Entra
						      * status.errorCode, json outcome */
	char outcome_reason[SL_SIGNIN_TEXT_MAX];     /* Okta outcome.reason, Entra
						      * status.failureReason; "" if none */
	char user_agent[SL_SIGNIN_UA_MAX];           /* "" when the record has none */
	char application[SL_SIGNIN_TEXT_MAX];        /* app signed in to; "" if none */
	char client_app[SL_SIGNIN_TEXT_MAX];         /* Entra clientAppUsed; "" if none */
	char event_type[SL_SIGNIN_TEXT_MAX];         /* Okta eventType, Entra signInEventTypes */
	enum sl_identity_format format;              /* of this record, never auto */
	const char *source;                          /* source name */
	const char *file;                            /* file or socket path */
	uint64_t line;                               /* line the record starts on; for a
						      * socket, the record's number */
};

/* Why a record was skipped.  Each has a counter and a name. */
enum sl_identity_bad {
	SL_IDENTITY_BAD_NOT_JSON,       /* the text is not JSON (or is cut short) */
	SL_IDENTITY_BAD_WRONG_TYPE,     /* not an object, or a field of the wrong JSON type */
	SL_IDENTITY_BAD_MISSING_FIELD,  /* time, account or address absent, null or empty */
	SL_IDENTITY_BAD_ADDRESS,        /* address is not an IPv4 or IPv6 address */
	SL_IDENTITY_BAD_TIME,           /* time is not RFC 3339 (or epoch, json) */
	SL_IDENTITY_BAD_TIME_BACKWARDS, /* older than a sign-in already read from the source */
	SL_IDENTITY_BAD_TOO_LONG,       /* record over identity.max_record, or account too long */
	SL_IDENTITY_BAD_UNKNOWN_FORMAT, /* format auto: neither Okta nor Entra ID fields */
	SL_IDENTITY__NBAD,
};

/* Counters of one source.  Read with sl_identity_source_stats(). */
struct sl_identity_stats {
	uint64_t records;        /* record candidates seen (good, skipped and bad) */
	uint64_t signins;        /* sign-ins delivered */
	uint64_t by_format[SL_IDENTITY__NFORMATS];   /* delivered, per record format */
	uint64_t outcome[SL_SIGNIN__NOUTCOMES];      /* delivered, per outcome */
	uint64_t skipped;        /* Okta events that are not sign-ins (other eventTypes) */
	uint64_t bad[SL_IDENTITY__NBAD];
	uint64_t messages_suppressed; /* bad records beyond identity.max_messages */
	uint64_t bytes;          /* bytes read */
	uint64_t rotations;      /* followed file: replaced by a new file */
	uint64_t truncations;    /* followed file: cut short in place (copytruncate) */
	uint64_t connections;    /* stream socket: connections accepted */
	uint64_t refused;        /* stream socket: connections over the limit, closed */
	uint64_t read_errors;    /* read(2)/recv(2) failures other than "try again" */
	sl_time_us first, last;  /* oldest and newest delivered sign-in; 0 before one */
	bool reversed;           /* replay: the file was newest first, read backwards */
};

/** Counter name of a bad-record reason ("not_json", "missing_field", ...).
 * Borrowed: a string constant. */
const char *sl_identity_bad_name(enum sl_identity_bad why);

/** Name of a format ("auto", "okta", "entra", "json").  Borrowed constant. */
const char *sl_identity_format_name(enum sl_identity_format f);
/* The same names indexed by the enum, for field declarations (SL_FIELD_ENUM).
 * Static. */
extern const char *const sl_identity_format_names[SL_IDENTITY__NFORMATS];

/** Case-fold s as sign-ins' account_folded is (ASCII and the Latin
 * letters of two-byte UTF-8) into out (cap bytes, always terminated). */
void sl_identity_fold(const char *s, char *out, size_t cap);

/** Name of an outcome ("success", "failure", "unknown").  Borrowed constant. */
const char *sl_signin_outcome_name(enum sl_signin_outcome o);
/* The same names indexed by the enum (SL_FIELD_ENUM).  Static. */
extern const char *const sl_signin_outcome_names[3];

/* How sources are read and where their messages go. */
struct sl_identity_opts {
	bool live;              /* mode auto follows files (live) or reads them once */
	uint32_t max_messages;  /* bad records described per source; then only counted */
	uint32_t max_record;    /* longest record in bytes; 0: the config default (1 MiB) */
	/* One line per call, without newline: "FILE:LINE: sentence" for a bad
	 * record, "FILE: sentence" for a notice.  NULL: nothing is said.  Called
	 * from inside sl_identity_*_next() and the open functions. */
	void (*message)(void *ctx, const char *line);
	void *ctx;
};

struct sl_identity_source;

/**
 * Open one source as configured.  A file read once (replay) is read whole
 * here, so its format is known (an error when no record of a known format
 * starts it) and its order too (a file written newest first, as Graph and
 * the admin consoles export, is delivered oldest first).  A followed file
 * that does not exist yet is waited for.  A socket is created (a stale one
 * left by a dead process is replaced; a live one or any other file is an
 * error).  Returns 0, -EINVAL for an unknown format or bad settings, or a
 * negative errno when the file or socket cannot be used; the sentence is in
 * err.  Caller owns the result; free with sl_identity_source_destroy().
 */
int sl_identity_source_open(const struct sl_identity_source_config *sc,
			    const struct sl_identity_opts *o, struct sl_identity_source **out,
			    char *err, size_t errlen);

/**
 * Open a source that reads data[0..len) once, as a replayed file holding
 * those bytes would be read; name stands for the file name in messages.
 * sc->path and sc->socket are ignored.  data is borrowed: it must stay valid
 * and unchanged until the source is destroyed.  Returns as
 * sl_identity_source_open().  Caller owns the result; free with
 * sl_identity_source_destroy().
 */
int sl_identity_source_open_buffer(const char *name, const void *data, size_t len,
				   const struct sl_identity_source_config *sc,
				   const struct sl_identity_opts *o,
				   struct sl_identity_source **out, char *err, size_t errlen);

/** Close the source (a socket's file is removed).  Accepts NULL. */
void sl_identity_source_destroy(struct sl_identity_source *s);

/**
 * The next sign-in, without blocking.  Bad records and other events met on
 * the way are counted (and described through opts.message) and passed over.
 * Returns 1 when *out was filled, 0 when no sign-in is ready now: a replay
 * source that is finished (sl_identity_source_finished()), or a followed
 * file or socket with nothing new (call again when its poll descriptors are
 * readable, or every second or so for a followed file, which has none).
 */
int sl_identity_source_next(struct sl_identity_source *s, struct sl_signin *out);

/**
 * Time of the sign-in the next sl_identity_source_next() will return,
 * reading ahead without consuming it: 1 with *t set, or 0 when none is
 * ready (as above).  For merging sign-ins with packets in time order.
 */
int sl_identity_source_peek_time(struct sl_identity_source *s, sl_time_us *t);

/** True once a source read once has delivered all it holds (never for a
 * followed file or a socket). */
bool sl_identity_source_finished(const struct sl_identity_source *s);

/**
 * Descriptors to wait on for readable input (POLLIN): a socket's listener,
 * its connections or its datagram socket.  Fills at most max entries of fds
 * and returns how many it filled (0 for files).  The descriptors stay owned
 * by the source; do not close them.
 */
size_t sl_identity_source_pollfds(const struct sl_identity_source *s, struct pollfd *fds,
				  size_t max);

/** Counters.  Borrowed; valid until the source is destroyed, and updated by
 * every call on it. */
const struct sl_identity_stats *sl_identity_source_stats(const struct sl_identity_source *s);

/** The source's name (configured name, else its path).  Borrowed; valid
 * until the source is destroyed. */
const char *sl_identity_source_name(const struct sl_identity_source *s);

/** What the source reads: "file", "followed file", "stream socket",
 * "datagram socket" or "buffer".  Borrowed constant. */
const char *sl_identity_source_kind(const struct sl_identity_source *s);

/* Every configured source, merged in time order. */
struct sl_identity;

/**
 * Open every source of cfg (identity.sources) with its limits
 * (identity.max_messages, identity.max_record) and the mode live decides.
 * On failure nothing stays open and err names the source: returns as
 * sl_identity_source_open().  Caller owns the result; free with
 * sl_identity_destroy().
 */
int sl_identity_create(const struct sl_identity_config *cfg, bool live,
		       void (*message)(void *ctx, const char *line), void *ctx,
		       struct sl_identity **out, char *err, size_t errlen);

/** Close every source.  Accepts NULL. */
void sl_identity_destroy(struct sl_identity *id);

/* `until` of sl_identity_next() that takes any time. */
#define SL_IDENTITY_ANY_TIME UINT64_MAX

/**
 * The earliest ready sign-in of all sources whose time is at most until
 * (SL_IDENTITY_ANY_TIME for no limit); ties go to the source configured
 * first, so a replay gives the same order every run.  Returns 1 with *out
 * filled, or 0 when none is ready by then.
 */
int sl_identity_next(struct sl_identity *id, sl_time_us until, struct sl_signin *out);

/** Time of the sign-in sl_identity_next() would return first (1 with *t
 * set), or 0 when none is ready. */
int sl_identity_next_time(struct sl_identity *id, sl_time_us *t);

/** True when every source is a finished replay (nothing more will come). */
bool sl_identity_finished(const struct sl_identity *id);

/** Poll descriptors of every source, as sl_identity_source_pollfds(). */
size_t sl_identity_pollfds(const struct sl_identity *id, struct pollfd *fds, size_t max);

/** Number of sources. */
size_t sl_identity_count(const struct sl_identity *id);

/** Source i (0 <= i < sl_identity_count()), in configuration order.
 * Borrowed; valid until the set is destroyed. */
struct sl_identity_source *sl_identity_source_at(const struct sl_identity *id, size_t i);

/* How sl_identity_check() treats sockets. */
struct sl_identity_check_opts {
	unsigned listen_sec;                 /* listen on socket sources this long (wall
					      * clock); 0: sockets are named, not read */
	const volatile sig_atomic_t *stop;   /* set (by a signal handler) to stop listening
					      * early; NULL: none */
};

/**
 * Read every source of cfg once and report, for a user testing exports
 * before deployment: per source its format(s), sign-ins by outcome, events
 * passed over, bad records by reason, the time span, on out; bad-record
 * messages on msgs as they are met (identity.max_messages per source).
 * Followed files are read once, like files; sockets are listened on for
 * co->listen_sec seconds (co may be NULL: not at all).  Returns 0 when every
 * record was read, -EBADMSG when some were bad, and -EINVAL (or a negative
 * errno) when a source is not a known format or cannot be read or created,
 * with the reason on msgs.
 */
int sl_identity_check(const struct sl_config *cfg, const struct sl_identity_check_opts *co,
		      FILE *out, FILE *msgs);

/**
 * `sightline identity ...` (argv[0] is "identity"): `check [-c CONFIG]
 * [--set K=V] [--format F] [--wait SECONDS] [FILE...]` runs
 * sl_identity_check() on the config's sources plus FILEs (SIGINT and
 * SIGTERM end the wait); `--help` explains.  Returns the process exit
 * status: 0 good, 1 bad records, 2 usage, configuration, unreadable or
 * unknown-format input.
 */
int sl_identity_main(int argc, char **argv);

/**
 * Parse an RFC 3339 date-time with offset ("2026-03-02T14:00:27.917950+0000",
 * "...Z", "+00:00"; fraction digits past six dropped), as sign-in logs and
 * EVE events write them, from s (n bytes).  0 with *out in UTC
 * microseconds, or -EINVAL.  Reads only.
 */
int sl_identity_parse_time(const char *s, size_t n, sl_time_us *out);

#endif
