/* Records one per line from a byte stream (followed files, stream-socket
 * connections, datagrams): complete lines are taken, a partial one waits
 * for the rest, an over-long one is counted and dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"

char *sl_id_lines_room(struct id_lines *lb, size_t n)
{
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len);
		lb->start = 0;
	}
	if (lb->cap - lb->len < n) {
		size_t cap = lb->len + n;
		char *grown = realloc(lb->buf, cap);
		if (!grown)
			return NULL;
		lb->buf = grown;
		lb->cap = cap;
	}
	return lb->buf + lb->len;
}

void sl_id_lines_commit(struct id_lines *lb, size_t n)
{
	lb->len += n;
}

/* Drop n bytes from the front. */
static void consume(struct id_lines *lb, size_t n)
{
	lb->start += n;
	lb->len -= n;
	if (lb->len == 0)
		lb->start = 0;
}

static void say_too_long(struct sl_identity_source *s, uint64_t line)
{
	struct id_problem pb = { .why = SL_IDENTITY_BAD_TOO_LONG };
	snprintf(pb.text, sizeof(pb.text), "line longer than identity.max_record (%u bytes)",
		 s->opts.max_record);
	sl_id_bad(s, line, &pb);
}

int sl_id_lines_next(struct sl_identity_source *s, struct id_lines *lb, uint64_t *line,
		     bool final)
{
	const char *p = lb->len ? lb->buf + lb->start : "";
	const char *nl = lb->len ? memchr(p, '\n', lb->len) : NULL;
	size_t n = nl ? (size_t)(nl - p) : lb->len;
	if (!nl && !(final && lb->len > 0)) {
		/* No end in sight within max_record bytes: said once, then
		 * dropped as it arrives, up to its end. */
		if (!lb->skipping && lb->len > s->opts.max_record) {
			say_too_long(s, *line);
			lb->skipping = true;
		}
		if (lb->skipping && lb->len > 0) {
			consume(lb, lb->len);
			return 1;
		}
		return 0;
	}
	if (lb->skipping)
		lb->skipping = false; /* the end of a line already counted */
	else if (n > s->opts.max_record)
		say_too_long(s, *line);
	else
		sl_id_unit_feed(s, p, n, *line);
	consume(lb, nl ? n + 1 : n);
	(*line)++;
	return 1;
}

void sl_id_lines_reset(struct id_lines *lb)
{
	lb->start = lb->len = 0;
	lb->skipping = false;
}

void sl_id_lines_finish(struct id_lines *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}
