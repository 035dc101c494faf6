/* The lock regime: what the workers share (subjects, rules, correlation,
 * the EVE sink, the top talkers, the hosts table) is the lead's and is
 * touched only under the lead's lock, taken here; without workers it is
 * never taken.  Nothing below the engine locks. */
#include "engine_priv.h"

/* The lead's lock is held for short stretches by every worker at every
 * flow end: an adaptive mutex spins a little before sleeping, which saves
 * the two context switches of a futex wait for most of them. */
void sl_engine_lock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

void sl_engine_lock(struct sl_engine *e)
{
	if (e->n_workers > 1)
		pthread_mutex_lock(&e->lock);
}

void sl_engine_unlock(struct sl_engine *e)
{
	if (e->n_workers > 1)
		pthread_mutex_unlock(&e->lock);
}

/* A parser learnt something about a host: into the lead's table, under its
 * lock, in capture order among replay workers (ctx: the parser's engine). */
static void hosts_learn(void *ctx, const struct sl_host_fact *fact)
{
	struct sl_engine *e = sl_engine_lead(ctx);
	sl_engine_await_turn(ctx);
	sl_engine_lock(e);
	sl_hosts_learn(e->hosts, fact);
	if (fact->kind == SL_HOST_OVERLAY_PEER)
		atomic_store_explicit(&e->overlay_known, true, memory_order_relaxed);
	sl_engine_unlock(e);
}

/* tinc asks this of UDP packets while it probes: while no meta connection
 * is known, as on most networks, the answer costs no lock. */
static bool hosts_overlay_channel(void *ctx, const struct sl_packet *p)
{
	struct sl_engine *e = sl_engine_lead(ctx);
	if (!atomic_load_explicit(&e->overlay_known, memory_order_relaxed))
		return false;
	sl_engine_lock(e);
	bool channel = sl_hosts_overlay_channel(e->hosts, p);
	sl_engine_unlock(e);
	return channel;
}

int sl_engine_dispatch_create(struct sl_engine *w, char *err, size_t errlen)
{
	w->hosts_view = (struct sl_proto_hosts){ .learn = hosts_learn,
						 .overlay_channel = hosts_overlay_channel, .ctx = w };
	return sl_dispatch_create(w->cfg, &w->hosts_view, &w->dispatch, err, errlen);
}

unsigned sl_engine_workers(const struct sl_engine *e)
{
	return e->n_workers > 1 ? (unsigned)e->n_workers : 1;
}

struct sl_engine *sl_engine_worker(struct sl_engine *e, unsigned i)
{
	return i == 0 || i >= e->n_workers ? e : e->workers[i];
}

struct sl_engine *sl_engine_lead(struct sl_engine *w)
{
	return w->lead ? w->lead : w;
}
