/* Capture order across replay workers: what a flow does to shared state
 * (its charge to a subject, its hits, a sign-in's, what the hosts table
 * learns and tells) happens in the order of the frame that caused it, so
 * --workers N replays a capture the same way run after run. */
#include "engine_priv.h"

void sl_engine_order_replay(struct sl_engine *e)
{
	for (size_t i = 0; i < e->n_workers; i++) {
		struct sl_engine *w = e->workers[i];
		atomic_store(&w->frames_done, 0);
		atomic_store(&w->wake_at, UINT64_MAX);
		w->index = (unsigned)i;
		if (!w->order_init) {
			pthread_mutex_init(&w->order_lock, NULL);
			pthread_cond_init(&w->order_cond, NULL);
			w->order_init = true;
		}
	}
	e->ordered = e->n_workers > 1;
	/* One worker waits for nobody and nobody for it: its progress is not
	 * kept (a sequentially consistent store, an exchange, per frame). */
	if (e->ordered)
		return;
	atomic_store(&e->frames_done, UINT64_MAX); /* the lead, which is the worker */
	for (size_t i = 0; i < e->n_workers; i++)
		atomic_store(&e->workers[i]->frames_done, UINT64_MAX);
}

void sl_engine_order_finish(struct sl_engine *w)
{
	if (!w->order_init)
		return;
	pthread_cond_destroy(&w->order_cond);
	pthread_mutex_destroy(&w->order_lock);
	w->order_init = false;
}

/* w's progress reached what someone waits for (wake_at): wake them. */
void sl_engine_order_wake(struct sl_engine *w)
{
	pthread_mutex_lock(&w->order_lock);
	atomic_store(&w->wake_at, UINT64_MAX);
	pthread_cond_broadcast(&w->order_cond);
	pthread_mutex_unlock(&w->order_lock);
}

void sl_engine_replay_done(struct sl_engine *w)
{
	sl_engine_order_progress(w, UINT64_MAX);
}

/*
 * Spins before a waiter sleeps: about 0.1 ms of PAUSEs.  The other worker
 * reads the same frames and is rarely further behind than that; a sleep
 * and wake-up costs tens of microseconds each, and with 256 spins the
 * short-flow mix made ~41 k of them: --workers 2 ran at 0.49x one worker
 * (1.35 s vs 2.79 s wall), at 4096 about 1.0x (1.6-1.9 s vs 1.5-1.6 s).
 */
#define ORDER_SPINS 4096

/* Until v has finished need frames: a spin (see ORDER_SPINS), then asleep
 * on v's condition, so a worker descheduled for long costs its waiter no
 * CPU. */
static void wait_for(struct sl_engine *v, uint64_t need)
{
	for (unsigned i = 0; i < ORDER_SPINS; i++) {
		if (atomic_load_explicit(&v->frames_done, memory_order_acquire) >= need)
			return;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	pthread_mutex_lock(&v->order_lock);
	while (atomic_load(&v->frames_done) < need) {
		uint64_t cur = atomic_load(&v->wake_at);
		while (need < cur && !atomic_compare_exchange_weak(&v->wake_at, &cur, need))
			;
		if (atomic_load(&v->frames_done) >= need)
			break;
		pthread_cond_wait(&v->order_cond, &v->order_lock);
	}
	pthread_mutex_unlock(&v->order_lock);
}

/*
 * Worker w is at frame k of the capture (it has finished k frames).  Its
 * turn comes once every other worker v finished the frames before k, and
 * frame k too when v comes first (lower index): one total order, (frame,
 * worker), the same every run.  No cycle: v waiting on w at the same
 * frame needs w's lower index, and then w does not wait on v.
 */
void sl_engine_await_turn(struct sl_engine *w)
{
	struct sl_engine *e = sl_engine_lead(w);
	if (!e->ordered)
		return;
	uint64_t k = atomic_load_explicit(&w->frames_done, memory_order_relaxed);
	if (k == UINT64_MAX)
		return; /* its reader finished: the others finished or end no flow first */
	for (size_t i = 0; i < e->n_workers; i++) {
		struct sl_engine *v = e->workers[i];
		uint64_t need = k + (v->index < w->index);
		if (v != w && atomic_load_explicit(&v->frames_done, memory_order_acquire) < need)
			wait_for(v, need);
	}
}
