/* Capture order across replay workers: what a flow does to shared state
 * (its charge to a subject, its hits, a sign-in's) happens in the order of
 * the frame that caused it, so --workers N replays a capture the same way
 * run after run. */
#include <sched.h>
#include <time.h>

#include "engine_priv.h"

void sl_engine_order_replay(struct sl_engine *e)
{
	for (size_t i = 0; i < e->n_workers; i++) {
		atomic_store(&e->workers[i]->frames_done, 0);
		e->workers[i]->index = (unsigned)i;
	}
	e->ordered = e->n_workers > 1;
}

void sl_engine_replay_done(struct sl_engine *w)
{
	atomic_store_explicit(&w->frames_done, UINT64_MAX, memory_order_release);
}

void sl_engine_frame_done(struct sl_engine *w)
{
	uint64_t k = atomic_load_explicit(&w->frames_done, memory_order_relaxed);
	if (k != UINT64_MAX)
		atomic_store_explicit(&w->frames_done, k + 1, memory_order_release);
}

/* Wait a little longer each time: spin, then give the core away (two
 * workers on two shared cores), then sleep, so a worker descheduled for
 * long costs the waiter no CPU. */
static void backoff(unsigned *round)
{
	if (*round < 64) {
		__asm__ __volatile__("" ::: "memory");
	} else if (*round < 256) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 20000 };
		nanosleep(&ts, NULL);
	}
	(*round)++;
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
		return; /* its reader finished: every other one did too, or ends no flow first */
	for (size_t i = 0; i < e->n_workers; i++) {
		struct sl_engine *v = e->workers[i];
		uint64_t need = k + (v->index < w->index);
		unsigned round = 0;
		while (v != w && atomic_load_explicit(&v->frames_done, memory_order_acquire) < need)
			backoff(&round);
	}
}
