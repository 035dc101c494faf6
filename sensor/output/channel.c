/* A channel runs one transport for one output: inline (file, stdout with
 * queue 0) or from its own writer thread behind a bounded queue, so a
 * destination that is slow or down never blocks capture.  Lines beyond the
 * bound are counted as dropped; a lost connection is retried with backoff. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output_priv.h"

struct slot {
	char *buf;
	size_t len, cap;
};

struct channel {
	const struct sl_transport_ops *ops;
	void *t;
	const char *type;
	char dest[256];
	uint32_t cap;              /* queue bound; 0 = inline */
	uint32_t flush_timeout_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *slots;
	uint32_t head, count;
	struct slot inhand;        /* taken by the writer, not yet sent */
	bool has_inhand;
	bool stopping, reopen_req, connected, ever_connected;
	bool drained;              /* sl_channel_drain() ran: lines are refused */
	struct timespec deadline;  /* stopping: give up on the destination after this */
	struct sl_output_stats st;
};

static void add_tx(struct channel *c, const struct sl_tx *tx)
{
	c->st.delivered += tx->delivered;
	c->st.dropped += tx->lost;
	if (tx->err)
		c->st.last_errno = tx->err;
}

static struct timespec after_ms(uint32_t ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L)
		t.tv_sec++, t.tv_nsec -= 1000000000L;
	return t;
}

static bool past(const struct timespec *d)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec > d->tv_sec || (t.tv_sec == d->tv_sec && t.tv_nsec >= d->tv_nsec);
}

static bool copy_line(struct slot *s, const char *line, size_t len)
{
	if (len > s->cap) {
		char *nb = realloc(s->buf, len);
		if (!nb)
			return false;
		s->buf = nb;
		s->cap = len;
	}
	memcpy(s->buf, line, len);
	s->len = len;
	return true;
}

/* Called with the lock held; drops it around the transport call. */
static void try_connect(struct channel *c, uint32_t *backoff)
{
	char err[256] = "";
	pthread_mutex_unlock(&c->mu);
	int rc = c->ops->connect(c->t, err, sizeof(err));
	pthread_mutex_lock(&c->mu);
	if (rc == 0) {
		c->connected = true;
		c->st.reconnects += c->ever_connected;
		c->ever_connected = true;
		*backoff = SL_OUT_BACKOFF_MIN_MS;
		return;
	}
	c->st.last_errno = -rc;
	struct timespec until = after_ms(*backoff);
	if (c->stopping && c->deadline.tv_sec && (until.tv_sec > c->deadline.tv_sec))
		until = c->deadline;
	while (!past(&until) && !(c->stopping && past(&c->deadline)))
		if (pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT)
			break;
	*backoff = *backoff * 2 > SL_OUT_BACKOFF_MAX_MS ? SL_OUT_BACKOFF_MAX_MS : *backoff * 2;
}

/* Lock held.  Close the transport (reopen, lost connection). */
static void drop_connection(struct channel *c)
{
	struct sl_tx tx = { 0 };
	pthread_mutex_unlock(&c->mu);
	c->ops->disconnect(c->t, &tx);
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	c->connected = false;
}

/*
 * Count a reopen (lock held when there is a writer thread).  One that
 * failed is said on stderr the moment it happens, not only at exit: the
 * operator's logrotate just ran; one that works after failures says so.
 */
static void note_reopen(struct channel *c, int rc, const char *err)
{
	if (rc < 0) {
		c->st.reopen_failures++;
		c->st.reopen_errno = -rc;
		fprintf(stderr, "sightline: %s\n", err);
		return;
	}
	if (c->st.reopen_errno)
		fprintf(stderr, "sightline: %s: reopened; events go to the new file again\n", c->dest);
	c->st.reopens++;
	c->st.reopen_errno = 0;
}

/* Lock held.  SIGHUP on a connected transport that can switch in place. */
static void reopen_in_place(struct channel *c)
{
	struct sl_tx tx = { 0 };
	char err[1024] = "";
	pthread_mutex_unlock(&c->mu);
	int rc = c->ops->reopen_now(c->t, &tx, err, sizeof(err));
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	note_reopen(c, rc, err);
}

/* Lock held.  Send the line in hand; keep it when the link is down or busy. */
static void send_inhand(struct channel *c)
{
	struct sl_tx tx = { 0 };
	pthread_mutex_unlock(&c->mu);
	int rc = c->ops->send(c->t, c->inhand.buf, c->inhand.len, &tx);
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	if (rc == 0)
		c->has_inhand = false;
	else if (rc == -ENOTCONN)
		drop_connection(c);
	if (rc < 0 && c->stopping && past(&c->deadline)) {
		c->st.dropped++; /* the destination did not take it in time */
		c->st.last_errno = c->st.last_errno ? c->st.last_errno : ETIMEDOUT;
		c->has_inhand = false;
	}
}

/* Lock held.  Idle: push buffered lines out, then sleep until there is work. */
static void idle(struct channel *c)
{
	if (c->ops->flush) {
		struct sl_tx tx = { 0 };
		pthread_mutex_unlock(&c->mu);
		c->ops->flush(c->t, &tx);
		pthread_mutex_lock(&c->mu);
		add_tx(c, &tx);
	}
	if (!c->count && !c->stopping && !c->reopen_req)
		pthread_cond_wait(&c->cv, &c->mu);
}

/*
 * The writer thread.  It owns the transport.  It connects eagerly (so
 * `connected` in stats means something), takes one line at a time out of
 * the queue by swapping buffers (no copy, no allocation under the lock) and
 * gives up on an unreachable destination only when stopping and past the
 * flush timeout.
 */
static void *writer(void *arg)
{
	struct channel *c = arg;
	uint32_t backoff = SL_OUT_BACKOFF_MIN_MS;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (c->reopen_req) {
			c->reopen_req = false;
			if (c->connected && c->ops->reopen_now) {
				reopen_in_place(c);
				continue;
			}
			if (c->connected)
				drop_connection(c);
			c->ever_connected = false; /* a reopen is not a reconnect */
		}
		bool work = c->has_inhand || c->count;
		if (c->stopping && (!work || past(&c->deadline)))
			break;
		if (!c->connected) {
			try_connect(c, &backoff);
			continue;
		}
		if (!c->has_inhand && c->count) {
			struct slot tmp = c->inhand;
			c->inhand = c->slots[c->head];
			c->slots[c->head] = tmp;
			c->head = (c->head + 1) % c->cap;
			c->count--;
			c->has_inhand = true;
		}
		if (c->has_inhand)
			send_inhand(c);
		else
			idle(c);
	}
	c->st.dropped += c->count + c->has_inhand;
	if (c->count + c->has_inhand && !c->st.last_errno)
		c->st.last_errno = ETIMEDOUT;
	c->count = 0;
	c->has_inhand = false;
	pthread_mutex_unlock(&c->mu);
	struct sl_tx tx = { 0 };
	if (c->connected) {
		if (c->ops->flush)
			c->ops->flush(c->t, &tx);
		c->ops->disconnect(c->t, &tx);
	}
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	c->connected = false;
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void channel_free(struct channel *c)
{
	for (uint32_t i = 0; c->slots && i < c->cap; i++)
		free(c->slots[i].buf);
	free(c->slots);
	free(c->inhand.buf);
	c->ops->destroy(c->t);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* Inline channels connect now so a bad path is a start-up error. */
static int start(struct channel *c, char *err, size_t errlen)
{
	if (c->cap == 0) {
		int rc = c->ops->connect(c->t, err, errlen);
		c->connected = c->ever_connected = rc == 0;
		return rc;
	}
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (!c->slots)
		return snprintf(err, errlen, "out of memory for a queue of %u events", c->cap), -ENOMEM;
	int rc = pthread_create(&c->thread, NULL, writer, c);
	if (rc)
		snprintf(err, errlen, "cannot start the writer thread of %s: %s", c->dest, strerror(rc));
	return -rc;
}

int sl_channel_open(const struct sl_transport_ops *ops, void *t, const char *type,
		    const char *destination, const struct sl_output_entry *cfg, void **state,
		    char *err, size_t errlen)
{
	struct channel *c = calloc(1, sizeof(*c));
	if (!c) {
		ops->destroy(t);
		return -ENOMEM;
	}
	c->ops = ops;
	c->t = t;
	c->type = type;
	c->cap = cfg->queue;
	c->flush_timeout_ms = cfg->flush_timeout_ms;
	snprintf(c->dest, sizeof(c->dest), "%s", destination);
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = start(c, err, errlen);
	if (rc < 0) {
		channel_free(c);
		return rc;
	}
	*state = c;
	return 0;
}

/* Inline: the transport is called right here (a local file or stdout). */
static bool write_inline(struct channel *c, const char *line, size_t len)
{
	struct sl_tx tx = { 0 };
	char err[256];
	int crc = 0;
	if (!c->connected)
		c->connected = (crc = c->ops->connect(c->t, err, sizeof(err))) == 0;
	int rc = c->connected ? c->ops->send(c->t, line, len, &tx) : crc;
	if (rc < 0) {
		tx.lost++;
		if (!tx.err) /* the transport's own errno: why the open failed, not a guess */
			tx.err = -rc;
	}
	add_tx(c, &tx);
	return tx.lost == 0;
}

bool sl_channel_write(void *state, const char *line, size_t len)
{
	struct channel *c = state;
	c->st.events++;
	if (c->drained) {
		c->st.dropped++;
		return false;
	}
	if (c->cap == 0)
		return write_inline(c, line, len);
	pthread_mutex_lock(&c->mu);
	bool ok = c->count + c->has_inhand < c->cap; /* the line in hand counts too */
	if (ok) {
		struct slot *s = &c->slots[(c->head + c->count) % c->cap];
		ok = copy_line(s, line, len);
		c->count += ok;
	}
	c->st.dropped += !ok;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

void sl_channel_reopen(void *state)
{
	struct channel *c = state;
	if (!c->ops->reopen)
		return;
	if (c->cap) {
		pthread_mutex_lock(&c->mu);
		c->reopen_req = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	struct sl_tx tx = { 0 };
	char err[1024];
	if (c->connected && c->ops->reopen_now) {
		int rc = c->ops->reopen_now(c->t, &tx, err, sizeof(err));
		add_tx(c, &tx);
		note_reopen(c, rc, err);
		return;
	}
	c->ops->disconnect(c->t, &tx);
	int rc = c->ops->connect(c->t, err, sizeof(err));
	c->connected = rc == 0;
	add_tx(c, &tx);
	if (rc < 0)
		c->st.last_errno = -rc;
}

int sl_channel_handover(void *state, const struct sl_priv_target *to, char *err, size_t errlen)
{
	struct channel *c = state;
	return c->ops->handover ? c->ops->handover(c->t, to, err, errlen) : 0;
}

void sl_channel_flush(void *state)
{
	struct channel *c = state;
	struct sl_tx tx = { 0 };
	if (c->cap || !c->connected || !c->ops->flush)
		return;
	c->ops->flush(c->t, &tx);
	add_tx(c, &tx);
}

void sl_channel_stats(void *state, struct sl_output_stats *st)
{
	struct channel *c = state;
	if (c->cap)
		pthread_mutex_lock(&c->mu);
	*st = c->st;
	st->queued = c->count + c->has_inhand;
	st->connected = c->connected;
	if (c->cap)
		pthread_mutex_unlock(&c->mu);
	st->type = c->type;
	snprintf(st->destination, sizeof(st->destination), "%s", c->dest);
}

/* Stop taking lines, deliver what is queued (bounded by flush_timeout),
 * close the transport.  The counters stay readable until close. */
void sl_channel_drain(void *state)
{
	struct channel *c = state;
	if (c->drained)
		return;
	c->drained = true;
	if (c->cap) {
		pthread_mutex_lock(&c->mu);
		c->stopping = true;
		c->deadline = after_ms(c->flush_timeout_ms);
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	} else if (c->connected) {
		struct sl_tx tx = { 0 };
		if (c->ops->flush)
			c->ops->flush(c->t, &tx);
		c->ops->disconnect(c->t, &tx);
		add_tx(c, &tx);
		c->connected = false;
	}
}

void sl_channel_close(void *state)
{
	struct channel *c = state;
	if (!c)
		return;
	sl_channel_drain(c);
	channel_free(c);
}
