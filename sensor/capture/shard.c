/* Offline replay with workers: the reader thread hands each frame, by a
 * symmetric hash of its addresses and ports, to one worker's bounded
 * single-producer single-consumer ring; each worker thread drains its ring
 * into its own engine, so one flow always meets the same flow table. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "capture_priv.h"

#define RING_BYTES (4u << 20) /* per worker; a power of two above the largest record */
#define TICK_US 1000          /* packet time a worker may lag the capture before a tick */
#define TICK_DLT INT32_MIN    /* record without a frame: packet time reached ts */

/* One frame in a ring; the frame follows, padded to 8 bytes.  A header
 * with caplen RING_WRAP says "continue at offset 0". */
struct rec {
	sl_time_us ts;
	uint32_t caplen, wirelen;
	int32_t dlt;
	uint32_t size; /* header + padded frame */
};
#define RING_WRAP UINT32_MAX

struct ring {
	_Alignas(64) _Atomic uint64_t head; /* consumer position */
	_Alignas(64) _Atomic uint64_t tail; /* producer position */
	_Alignas(64) uint64_t cached_head;  /* producer's last view of head */
	uint64_t want_tail;                 /* producer: the tail and the room it waits for */
	uint32_t want_room;
	uint64_t woken;                     /* producer: tail when it last looked for a sleeper */
	_Atomic bool done;                  /* producer finished: drain and stop */
	_Atomic bool worker_waits;          /* the worker sleeps on cv: ring was empty */
	_Atomic bool reader_waits;          /* the reader sleeps on cv: ring was full */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sl_time_us sent;                    /* producer: latest time this worker was given */
	uint8_t *buf;
	struct sl_engine *w;
	pthread_t thread;
	bool started;
};

struct sl_shard {
	struct ring *rings;
	unsigned n;
};

#define SPINS 32                /* polls before sleeping */
#define WAKE_BYTES (RING_BYTES / 4) /* a sleeper is woken to this much work or room */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Sleep until ready(r) holds.  The sleeper announces itself in *flag and
 * checks again under the mutex; the other side publishes its progress and
 * then reads the flag (both sequentially consistent), so one of the two
 * always sees the other and no wake-up is lost.  Threads outnumber cores
 * here (a reader and N workers on N cores): sleeping, not yielding, lets
 * the busy ones run.
 */
static void wait_until(struct ring *r, _Atomic bool *flag, bool (*ready)(struct ring *))
{
	for (unsigned i = 0; i < SPINS; i++) {
		if (ready(r))
			return;
		cpu_relax();
	}
	pthread_mutex_lock(&r->mu);
	atomic_store(flag, true);
	while (!ready(r))
		pthread_cond_wait(&r->cv, &r->mu);
	atomic_store(flag, false);
	pthread_mutex_unlock(&r->mu);
}

/* Wake the other side if it sleeps (after publishing our progress).  The
 * reader does so once per WAKE_BYTES it hands a worker, not per frame: a
 * worker that keeps up would otherwise sleep and be woken, a system call
 * each way, for every frame; sl_shard_stop() wakes everyone at the end. */
static void wake(struct ring *r, _Atomic bool *flag)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(flag, memory_order_relaxed)) {
		pthread_mutex_lock(&r->mu);
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
}

static bool has_work(struct ring *r)
{
	return atomic_load(&r->head) != atomic_load(&r->tail) || atomic_load(&r->done);
}

static void *worker_main(void *arg)
{
	struct ring *r = arg;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	for (;;) {
		uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head == tail) {
			if (atomic_load(&r->done) && head == atomic_load(&r->tail))
				break;
			wait_until(r, &r->worker_waits, has_work);
			continue;
		}
		for (unsigned k = 1; head != tail; k++) {
			uint32_t off = (uint32_t)(head & (RING_BYTES - 1));
			const struct rec *h = (const struct rec *)(r->buf + off);
			if (RING_BYTES - off < sizeof(*h) || h->caplen == RING_WRAP) {
				head += RING_BYTES - off;
				continue;
			}
			if (h->dlt == TICK_DLT)
				sl_engine_tick(r->w, h->ts);
			else
				sl_engine_process(r->w, h->dlt, h->ts, (const uint8_t *)(h + 1),
						  h->caplen, h->wirelen);
			head += h->size;
			atomic_store_explicit(&r->head, head, memory_order_release);
			if (k % 64 == 0 && RING_BYTES - (tail - head) >= WAKE_BYTES)
				wake(r, &r->reader_waits);
		}
		wake(r, &r->reader_waits);
	}
	return NULL;
}

/* Producer's room check; the reader sleeps on it when the ring is full. */
static bool has_room(struct ring *r)
{
	r->cached_head = atomic_load(&r->head);
	return RING_BYTES - (r->want_tail - r->cached_head) >= r->want_room;
}

/* Room for need contiguous bytes at the ring's tail, waiting for the
 * worker when it is full (replay never drops).  Returns the offset. */
static uint32_t reserve(struct ring *r, uint64_t *tail, uint32_t need)
{
	uint32_t off = (uint32_t)(*tail & (RING_BYTES - 1));
	uint32_t pad = RING_BYTES - off < need ? RING_BYTES - off : 0;
	if (RING_BYTES - (*tail - r->cached_head) < pad + need) {
		r->want_room = pad + need;
		r->want_tail = *tail;
		if (!has_room(r))
			wait_until(r, &r->reader_waits, has_room);
	}
	if (pad) {
		if (pad >= sizeof(struct rec))
			((struct rec *)(r->buf + off))->caplen = RING_WRAP;
		*tail += pad;
		off = 0;
	}
	return off;
}

static void push(struct ring *r, int dlt, sl_time_us ts, const uint8_t *frame, uint32_t caplen,
		 uint32_t wirelen)
{
	uint32_t size = (uint32_t)sizeof(struct rec) + ((caplen + 7u) & ~7u);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t off = reserve(r, &tail, size);
	struct rec *h = (struct rec *)(r->buf + off);
	*h = (struct rec){ .ts = ts, .caplen = caplen, .wirelen = wirelen, .dlt = dlt, .size = size };
	if (caplen)
		memcpy(h + 1, frame, caplen);
	atomic_store_explicit(&r->tail, tail + size, memory_order_release);
	if (tail + size - r->woken >= WAKE_BYTES) { /* a sleeping worker wakes to a batch */
		wake(r, &r->worker_waits);
		r->woken = tail + size;
	}
	if (ts > r->sent)
		r->sent = ts;
}

/*
 * The frame goes to its worker; every other worker whose share has been
 * quiet for TICK_US of packet time gets a tick, so its idle flows time out
 * when they would with one engine (expiry is driven by packet time, and a
 * worker only sees its own packets).
 */
void sl_shard_packet(struct sl_shard *s, int dlt, sl_time_us ts, const uint8_t *frame,
		     uint32_t caplen, uint32_t wirelen)
{
	int k = sl_shard_pick(dlt, frame, caplen, s->n);
	push(&s->rings[k < 0 ? 0 : k], dlt, ts, frame, caplen, wirelen);
	for (unsigned i = 0; k >= 0 && i < s->n; i++)
		if (ts > s->rings[i].sent + TICK_US)
			push(&s->rings[i], TICK_DLT, ts, NULL, 0, 0);
}

void sl_shard_stop(struct sl_shard *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		atomic_store(&s->rings[i].done, true);
		wake(&s->rings[i], &s->rings[i].worker_waits);
	}
	for (unsigned i = 0; i < s->n; i++) {
		if (s->rings[i].started)
			pthread_join(s->rings[i].thread, NULL);
		pthread_cond_destroy(&s->rings[i].cv);
		pthread_mutex_destroy(&s->rings[i].mu);
		free(s->rings[i].buf);
	}
	free(s->rings);
	free(s);
}

int sl_shard_start(struct sl_engine *e, struct sl_shard **out, char *err, size_t errlen)
{
	struct sl_shard *s = calloc(1, sizeof(*s));
	unsigned n = sl_engine_workers(e);
	if (!s || !(s->rings = calloc(n, sizeof(*s->rings)))) {
		free(s);
		return snprintf(err, errlen, "out of memory for the worker rings"), -ENOMEM;
	}
	s->n = n;
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_init(&s->rings[i].mu, NULL);
		pthread_cond_init(&s->rings[i].cv, NULL);
	}
	for (unsigned i = 0; i < n; i++) {
		struct ring *r = &s->rings[i];
		r->w = sl_engine_worker(e, i);
		r->buf = malloc(RING_BYTES);
		if (!r->buf || pthread_create(&r->thread, NULL, worker_main, r) != 0) {
			sl_shard_stop(s);
			return snprintf(err, errlen, "cannot start %u workers", n), -ENOMEM;
		}
		r->started = true;
	}
	*out = s;
	return 0;
}
