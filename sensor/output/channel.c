/* A channel runs one transport for one output: inline (file, stdout with
 * queue 0) or from its own writer thread behind a bounded queue, so a
 * destination that is slow or down never blocks capture.  Lines beyond the
 * bound are counted as dropped; a lost connection is retried with backoff.
 * sl_channel_sync() waits (bounded) until what was written is confirmed, so
 * the final stats event can report what really arrived. */
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
	pthread_cond_t cv;         /* wakes the writer */
	pthread_cond_t synced_cv;  /* wakes sl_channel_sync() */
	struct slot *slots;
	uint32_t head, count;
	struct slot inhand;        /* taken by the writer, not yet sent */
	bool has_inhand;
	bool stopping, reopen_req, connected, ever_connected;
	bool closed_by_sync;       /* the transport closed to confirm: not a lost connection */
	bool unconfirmed;          /* lines sent since the transport last confirmed them all */
	bool drained;              /* sl_channel_drain() ran: lines are refused */
	uint64_t sync_req, sync_done; /* sl_channel_sync() generations asked and served */
	bool has_deadline;
	struct timespec deadline;
	bool holding;              /* the transport may buffer lines sent since its last flush */
	struct timespec flush_due; /* holding: flush by then (SL_OUT_HOLD_MS after the first) */  /* sync or stop: give up on the destination after this */
	struct sl_output_stats st;
};

static void add_tx(struct channel *c, const struct sl_tx *tx)
{
	c->st.delivered += tx->delivered;
	c->st.delivered -= tx->retracted < c->st.delivered ? tx->retracted : c->st.delivered;
	c->st.dropped += tx->lost;
	c->st.resent += tx->resent;
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
		c->st.reconnects += c->ever_connected && !c->closed_by_sync;
		c->ever_connected = true;
		c->closed_by_sync = false;
		c->unconfirmed = true; /* the transport may have sent lines it kept */
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
	c->ops->disconnect(c->t, false, &tx);
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
	if (rc == 0) {
		c->has_inhand = false, c->unconfirmed = true;
		if (!c->holding)
			c->holding = true, c->flush_due = after_ms(SL_OUT_HOLD_MS);
	} else if (rc == -ENOTCONN)
		drop_connection(c);
	if (rc < 0 && c->stopping && past(&c->deadline)) {
		c->st.dropped++; /* the destination did not take it in time */
		c->st.last_errno = c->st.last_errno ? c->st.last_errno : ETIMEDOUT;
		c->has_inhand = false;
	}
}

/* Lock held.  Idle: push buffered lines out, then sleep until there is
 * work, or briefly when the transport still waits for confirmations. */
static void idle(struct channel *c)
{
	int more = 0;
	c->holding = false;
	if (c->ops->flush) {
		struct sl_tx tx = { 0 };
		pthread_mutex_unlock(&c->mu);
		more = c->ops->flush(c->t, &tx);
		pthread_mutex_lock(&c->mu);
		add_tx(c, &tx);
	}
	if (more < 0) {
		drop_connection(c);
		return;
	}
	if (c->count || c->stopping || c->reopen_req || c->sync_req != c->sync_done)
		return;
	if (more == 0) {
		pthread_cond_wait(&c->cv, &c->mu);
		return;
	}
	struct timespec soon = after_ms(SL_OUT_CONFIRM_POLL_MS);
	pthread_cond_timedwait(&c->cv, &c->mu, &soon);
}

static uint32_t ms_left(const struct timespec *d)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	long long ms = (long long)(d->tv_sec - t.tv_sec) * 1000 + (d->tv_nsec - t.tv_nsec) / 1000000;
	return ms > 0 ? (uint32_t)ms : 0;
}

/* Lock held.  Everything sent is confirmed (or nothing was sent): a sync
 * waiting for it may return. */
static void confirmed(struct channel *c)
{
	c->unconfirmed = false;
	c->sync_done = c->sync_req;
	pthread_cond_broadcast(&c->synced_cv);
}

/* Lock held, queue empty.  Ask the transport to confirm what it sent. */
static void confirm(struct channel *c)
{
	struct sl_tx tx = { 0 };
	int rc = 0;
	uint32_t wait = c->has_deadline ? ms_left(&c->deadline) : 0;
	pthread_mutex_unlock(&c->mu);
	if (c->ops->sync)
		rc = c->ops->sync(c->t, wait, &tx);
	else if (c->ops->flush)
		rc = c->ops->flush(c->t, &tx) < 0 ? -ENOTCONN : 0;
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	if (rc == SL_TX_CLOSED)
		c->connected = false, c->closed_by_sync = true;
	if (rc >= 0)
		confirmed(c);
	else if (rc == -ENOTCONN)
		drop_connection(c);
	else if (past(&c->deadline))
		c->sync_done = c->sync_req, pthread_cond_broadcast(&c->synced_cv);
}

/* Lock held.  Move the next queued line into hand (buffers are swapped:
 * no copy, no allocation under the lock). */
static void take_line(struct channel *c)
{
	struct slot tmp = c->inhand;
	c->inhand = c->slots[c->head];
	c->slots[c->head] = tmp;
	c->head = (c->head + 1) % c->cap;
	c->count--;
	c->has_inhand = true;
}

/* Lock held: the writer gives up, counting what it still holds as lost. */
static void writer_end(struct channel *c)
{
	c->st.dropped += c->count + c->has_inhand;
	if (c->count + c->has_inhand && !c->st.last_errno)
		c->st.last_errno = ETIMEDOUT;
	c->count = 0;
	c->has_inhand = false;
	pthread_mutex_unlock(&c->mu);
	struct sl_tx tx = { 0 };
	if (c->connected && c->ops->flush)
		c->ops->flush(c->t, &tx);
	c->ops->disconnect(c->t, true, &tx); /* counts what it could not confirm as lost */
	pthread_mutex_lock(&c->mu);
	add_tx(c, &tx);
	c->connected = false;
	confirmed(c);
}

/*
 * The writer thread.  It owns the transport.  It connects eagerly (so
 * `connected` in stats means something), sends one line at a time, and
 * when the queue is empty and a sync or the stop asks for it, has the
 * transport confirm what it sent (reconnecting and resending when the
 * connection was lost meanwhile).  It gives up on an unreachable
 * destination only when stopping and past the flush timeout.
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
		bool want_sync = c->stopping || c->sync_req != c->sync_done;
		if (!work && want_sync && !c->unconfirmed)
			confirmed(c);
		if (c->stopping && ((!work && !c->unconfirmed) || past(&c->deadline)))
			break;
		if (!c->connected)
			try_connect(c, &backoff);
		else if (work && c->holding && past(&c->flush_due))
			idle(c); /* a busy queue never idles: push what the transport holds */
		else if (work && !c->has_inhand)
			take_line(c);
		else if (work)
			send_inhand(c);
		else if (want_sync && c->unconfirmed)
			confirm(c);
		else
			idle(c);
	}
	writer_end(c);
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
	pthread_cond_destroy(&c->synced_cv);
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
	pthread_cond_init(&c->synced_cv, &ca);
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
	c->ops->disconnect(c->t, false, &tx);
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

/* Lock held (queued channels).  Stop and sync share one deadline, so the
 * exit waits flush_timeout once, not once for each. */
static void set_deadline(struct channel *c)
{
	if (c->has_deadline)
		return;
	c->deadline = after_ms(c->flush_timeout_ms);
	c->has_deadline = true;
}

/*
 * Wait until every line written so far is confirmed by the destination
 * (written to the file, acknowledged by the peer) or counted as lost, at
 * most flush_timeout from the first sync or drain.  The outputs' counters
 * are then final up to here: the last stats event reports what arrived.
 */
void sl_channel_sync(void *state)
{
	struct channel *c = state;
	if (c->drained)
		return;
	if (c->cap == 0) {
		sl_channel_flush(c);
		return;
	}
	pthread_mutex_lock(&c->mu);
	set_deadline(c);
	uint64_t want = ++c->sync_req;
	pthread_cond_signal(&c->cv);
	while (c->sync_done < want && !past(&c->deadline))
		pthread_cond_timedwait(&c->synced_cv, &c->mu, &c->deadline);
	pthread_mutex_unlock(&c->mu);
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
		set_deadline(c);
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	} else if (c->connected) {
		struct sl_tx tx = { 0 };
		if (c->ops->flush)
			c->ops->flush(c->t, &tx);
		c->ops->disconnect(c->t, true, &tx);
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
