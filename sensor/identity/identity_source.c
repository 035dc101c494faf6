/* What every identity source shares: opening by kind, the time-order check
 * and read-ahead behind next/peek, counting and describing bad records, and
 * turning one line of JSON into its records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"

static const char *const bad_names[SL_IDENTITY__NBAD] = {
	[SL_IDENTITY_BAD_NOT_JSON] = "not_json",
	[SL_IDENTITY_BAD_WRONG_TYPE] = "wrong_type",
	[SL_IDENTITY_BAD_MISSING_FIELD] = "missing_field",
	[SL_IDENTITY_BAD_ADDRESS] = "bad_address",
	[SL_IDENTITY_BAD_TIME] = "bad_time",
	[SL_IDENTITY_BAD_TIME_BACKWARDS] = "time_backwards",
	[SL_IDENTITY_BAD_TOO_LONG] = "too_long",
	[SL_IDENTITY_BAD_UNKNOWN_FORMAT] = "unknown_format",
};

const char *sl_identity_bad_name(enum sl_identity_bad why)
{
	return (unsigned)why < SL_IDENTITY__NBAD ? bad_names[why] : "?";
}

static void say(const struct sl_identity_source *s, const char *line)
{
	if (s->opts.message)
		s->opts.message(s->opts.ctx, line);
}

void sl_id_bad(struct sl_identity_source *s, uint64_t line, const struct id_problem *pb)
{
	char msg[ID_WHY_MAX + 4200];
	s->st.records++;
	s->st.bad[pb->why]++;
	if (s->messages >= s->opts.max_messages) {
		if (s->st.messages_suppressed++ == 0 && s->opts.max_messages > 0) {
			snprintf(msg, sizeof(msg), "%s: more bad records are counted, not described "
				 "(identity.max_messages is %u)", s->file, s->opts.max_messages);
			say(s, msg);
		}
		return;
	}
	s->messages++;
	if (line)
		snprintf(msg, sizeof(msg), "%s:%llu: %s (%s); record skipped", s->file,
			 (unsigned long long)line, pb->text, sl_identity_bad_name(pb->why));
	else
		snprintf(msg, sizeof(msg), "%s: %s (%s); record skipped", s->file, pb->text,
			 sl_identity_bad_name(pb->why));
	say(s, msg);
}

void sl_id_notice(struct sl_identity_source *s, const char *fmt, ...)
{
	char text[ID_WHY_MAX], msg[ID_WHY_MAX + 4200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", s->file, text);
	say(s, msg);
}

json_t *sl_id_load(struct sl_identity_source *s, const char *text, size_t n, uint64_t line)
{
	json_error_t e;
	struct id_problem pb = { .why = SL_IDENTITY_BAD_NOT_JSON };
	char q[80];
	if (n > s->opts.max_record) {
		pb.why = SL_IDENTITY_BAD_TOO_LONG;
		snprintf(pb.text, sizeof(pb.text), "record of %zu bytes, more than identity.max_record "
			 "(%u)", n, s->opts.max_record);
		sl_id_bad(s, line, &pb);
		return NULL;
	}
	/* Duplicate keys are refused: with two "userPrincipalName"s a reader
	 * could not tell whose sign-in it is. */
	json_t *v = json_loadb(text, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
	if (v)
		return v;
	if (e.line > 1)
		line += (uint64_t)e.line - 1;
	snprintf(pb.text, sizeof(pb.text), "not JSON: %s at column %d ('%s')", e.text, e.column,
		 sl_id_quote(text, n, 40, q, sizeof(q)));
	sl_id_bad(s, line, &pb);
	return NULL;
}

int sl_id_record(struct sl_identity_source *s, const json_t *v, uint64_t line,
		 struct sl_signin *out)
{
	struct id_problem pb;
	switch (sl_id_parse(&s->parser, v, out, &pb)) {
	case ID_SIGNIN:
		out->source = s->name;
		out->file = s->file;
		out->line = line;
		return 1;
	case ID_SKIPPED:
		s->st.records++;
		s->st.skipped++;
		return 0;
	case ID_BAD:
		sl_id_bad(s, line, &pb);
		return 0;
	}
	return 0;
}

size_t sl_id_syslog_prefix(const char *text, size_t n)
{
	size_t i = 0;
	if (n < 3 || text[0] != '<')
		return 0;
	for (i = 1; i < n && i < 5 && text[i] >= '0' && text[i] <= '9'; i++)
		;
	if (i == 1 || i >= n || text[i] != '>')
		return 0;
	/* the header ends where the JSON starts; a quote before it means the
	 * brace belongs to something else */
	for (; i < n && text[i] != '{' && text[i] != '['; i++)
		if (text[i] == '"')
			return 0;
	return i < n ? i : 0;
}

void sl_id_unit_feed(struct sl_identity_source *s, const char *text, size_t n, uint64_t line)
{
	size_t skip = sl_id_syslog_prefix(text, n);
	json_decref(s->unit);
	s->unit = NULL;
	s->unit_next = 0;
	s->unit_line = line;
	while (n > skip && (text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == skip)
		return; /* a blank line */
	s->unit = sl_id_load(s, text + skip, n - skip, line);
}

int sl_id_unit_take(struct sl_identity_source *s, struct sl_signin *out)
{
	while (s->unit) {
		json_t *elems = sl_id_elements(s->unit);
		json_t *rec = elems ? json_array_get(elems, s->unit_next) : s->unit;
		int got = 0;
		if (rec && (elems || s->unit_next == 0))
			got = sl_id_record(s, rec, s->unit_line, out);
		if (!rec || !elems) {
			json_decref(s->unit);
			s->unit = NULL;
		}
		s->unit_next++;
		if (got)
			return 1;
	}
	return 0;
}

struct sl_identity_source *sl_id_source_new(const struct sl_identity_source_config *sc,
					    const char *file, const struct sl_identity_opts *o,
					    char *err, size_t errlen)
{
	struct sl_identity_source *s = calloc(1, sizeof(*s));
	if (!s)
		goto err_mem;
	s->opts = *o;
	if (s->opts.max_record == 0)
		s->opts.max_record = 1u << 20;
	s->file = strdup(file);
	s->name = strdup(sc->name ? sc->name : file);
	if (!s->file || !s->name || sl_id_parser_init(&s->parser, sc) < 0)
		goto err_source;
	return s;
err_source:
	sl_identity_source_destroy(s);
err_mem:
	snprintf(err, errlen, "%s: out of memory", file);
	return NULL;
}

/* A file source reads once or follows, as the mode and the run decide. */
static bool follows(const struct sl_identity_source_config *sc, const struct sl_identity_opts *o)
{
	return sc->mode == SL_IDENTITY_MODE_FOLLOW || (sc->mode == SL_IDENTITY_MODE_AUTO && o->live);
}

int sl_identity_source_open(const struct sl_identity_source_config *sc,
			    const struct sl_identity_opts *o, struct sl_identity_source **out,
			    char *err, size_t errlen)
{
	int rc;
	*out = NULL;
	if (!sc->path == !sc->socket) {
		snprintf(err, errlen, "identity source: give a path or a socket");
		return -EINVAL;
	}
	struct sl_identity_source *s = sl_id_source_new(sc, sc->path ? sc->path : sc->socket, o,
							 err, errlen);
	if (!s)
		return -ENOMEM;
	if (sc->socket)
		rc = sl_id_socket_open(s, sc->socket_type, err, errlen);
	else if (follows(sc, o))
		rc = sl_id_follow_open(s, sc->start, err, errlen);
	else
		rc = sl_id_replay_open_file(s, err, errlen);
	if (rc < 0) {
		sl_identity_source_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

int sl_identity_source_open_buffer(const char *name, const void *data, size_t len,
				   const struct sl_identity_source_config *sc,
				   const struct sl_identity_opts *o,
				   struct sl_identity_source **out, char *err, size_t errlen)
{
	*out = NULL;
	struct sl_identity_source *s = sl_id_source_new(sc, name, o, err, errlen);
	if (!s)
		return -ENOMEM;
	int rc = sl_id_replay_open_buffer(s, data, len, err, errlen);
	if (rc < 0) {
		sl_identity_source_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sl_identity_source_destroy(struct sl_identity_source *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->destroy)
		s->ops->destroy(s);
	json_decref(s->unit);
	sl_id_parser_finish(&s->parser);
	free(s->name);
	free(s->file);
	free(s);
}

/* A sign-in older than one already delivered would, once bindings exist,
 * undo a newer binding: it is refused rather than applied out of order. */
static bool in_order(struct sl_identity_source *s, const struct sl_signin *si)
{
	char then[SL_TIME_STRLEN], newest[SL_TIME_STRLEN];
	struct id_problem pb = { .why = SL_IDENTITY_BAD_TIME_BACKWARDS };
	if (!s->have_newest || si->time >= s->newest)
		return true;
	snprintf(pb.text, sizeof(pb.text), "sign-in time %s is before %s of a sign-in read earlier "
		 "from this source (records must come in time order)",
		 sl_time_format(si->time, then, sizeof(then)),
		 sl_time_format(s->newest, newest, sizeof(newest)));
	sl_id_bad(s, si->line, &pb);
	return false;
}

/* Fill the read-ahead slot with the next in-order sign-in. */
static bool fill_pending(struct sl_identity_source *s)
{
	while (!s->has_pending && !s->finished) {
		if (s->ops->fill(s, &s->pending) <= 0)
			return false;
		s->has_pending = in_order(s, &s->pending);
		s->st.records += s->has_pending; /* a bad one was counted with its reason */
	}
	return s->has_pending;
}

int sl_identity_source_next(struct sl_identity_source *s, struct sl_signin *out)
{
	if (!fill_pending(s))
		return 0;
	*out = s->pending;
	s->has_pending = false;
	s->newest = out->time;
	s->have_newest = true;
	s->st.signins++;
	s->st.by_format[out->format]++;
	s->st.outcome[out->outcome]++;
	if (s->st.first == 0)
		s->st.first = out->time;
	s->st.last = out->time;
	return 1;
}

int sl_identity_source_peek_time(struct sl_identity_source *s, sl_time_us *t)
{
	if (!fill_pending(s))
		return 0;
	*t = s->pending.time;
	return 1;
}

bool sl_identity_source_finished(const struct sl_identity_source *s)
{
	return s->finished && !s->has_pending;
}

size_t sl_identity_source_pollfds(const struct sl_identity_source *s, struct pollfd *fds,
				  size_t max)
{
	return s->ops->pollfds ? s->ops->pollfds(s, fds, max) : 0;
}

const struct sl_identity_stats *sl_identity_source_stats(const struct sl_identity_source *s)
{
	return &s->st;
}

const char *sl_identity_source_name(const struct sl_identity_source *s)
{
	return s->name;
}

const char *sl_identity_source_kind(const struct sl_identity_source *s)
{
	return s->ops->kind;
}
