/* Loading a reload on its own thread (include/sightline/engine.h): one job
 * at a time, handed between its thread and the capture loop through an
 * atomic state, so neither ever waits for the other. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/engine.h"

enum { JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

/* One load.  While RUNNING its thread owns everything but `state`; the
 * thread moves it to DONE (the reloader then joins it and takes over) unless
 * the reloader has moved it to ABANDONED first (the thread then frees it). */
struct job {
	atomic_int state;
	pthread_t thread;
	atomic_int *wake;
	struct sl_reload *set;
	sl_reload_config_fn load;
	void *ctx;
	void (*free_ctx)(void *ctx);
	int rc;
	char err[1024];
};

/* A reload asked for while a job ran: started after that job is committed. */
struct request {
	bool pending;
	sl_reload_config_fn load;
	void *ctx;
	void (*free_ctx)(void *ctx);
};

struct sl_reloader {
	struct sl_engine *e;
	atomic_int *wake;
	struct job *job;      /* running, or done and not yet committed; NULL when idle */
	struct request next;
};

static void release(void (*free_ctx)(void *ctx), void *ctx)
{
	if (free_ctx)
		free_ctx(ctx);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	sl_reload_destroy(j->set);
	release(j->free_ctx, j->ctx);
	free(j);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct sl_config fresh;
	memset(&fresh, 0, sizeof(fresh));
	j->rc = j->load(j->ctx, &fresh, j->err, sizeof(j->err));
	if (j->rc == 0)
		j->rc = sl_reload_load(j->set, &fresh, j->err, sizeof(j->err));
	sl_config_finish(&fresh);
	int running = JOB_RUNNING;
	if (atomic_compare_exchange_strong(&j->state, &running, JOB_DONE))
		atomic_store(j->wake, 1); /* the reloader joins this thread before it goes */
	else
		job_free(j); /* abandoned: nobody else will */
	return NULL;
}

/*
 * Start a job.  The thread starts with every signal blocked, so SIGHUP and
 * SIGTERM keep reaching the capture thread's handlers and never interrupt
 * a read of the files being loaded.
 */
static int job_start(struct sl_reloader *r, sl_reload_config_fn load, void *ctx,
		     void (*free_ctx)(void *ctx), char *err, size_t errlen)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc = j ? sl_engine_reload_begin(r->e, &j->set) : -ENOMEM;
	if (rc == 0) {
		sigset_t all, old;
		atomic_init(&j->state, JOB_RUNNING);
		j->wake = r->wake;
		j->load = load;
		sigfillset(&all);
		j->ctx = ctx;
		j->free_ctx = free_ctx;
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = -pthread_create(&j->thread, NULL, job_main, j);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rc == 0) {
		r->job = j;
		return 0;
	}
	snprintf(err, errlen, "cannot start loading: %s", strerror(-rc));
	if (j)
		j->free_ctx = NULL; /* ctx is released below, once */
	job_free(j);
	release(free_ctx, ctx);
	return rc;
}

int sl_reloader_create(struct sl_engine *e, atomic_int *wake, struct sl_reloader **out)
{
	struct sl_reloader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->e = e;
	r->wake = wake;
	*out = r;
	return 0;
}

int sl_reloader_request(struct sl_reloader *r, sl_reload_config_fn load, void *ctx,
			void (*free_ctx)(void *ctx), char *err, size_t errlen)
{
	err[0] = '\0';
	if (!r->job)
		return job_start(r, load, ctx, free_ctx, err, errlen);
	if (r->next.pending)
		release(r->next.free_ctx, r->next.ctx); /* the newer request covers it */
	r->next = (struct request){ .pending = true, .load = load, .ctx = ctx,
				    .free_ctx = free_ctx };
	return 0;
}

/* After a commit: the request that came in while the job ran. */
static void start_next(struct sl_reloader *r, char *err, size_t errlen)
{
	struct request q = r->next;
	char why[256];
	if (!q.pending)
		return;
	r->next.pending = false;
	if (job_start(r, q.load, q.ctx, q.free_ctx, why, sizeof(why)) < 0) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, "%sthe reload asked for meanwhile did not "
			 "start: %s", used ? "; " : "", why);
	}
}

int sl_reloader_commit(struct sl_reloader *r, char *err, size_t errlen)
{
	struct job *j = r->job;
	err[0] = '\0';
	if (!j || atomic_load(&j->state) != JOB_DONE)
		return -EAGAIN;
	pthread_join(j->thread, NULL);
	r->job = NULL;
	int rc = j->rc;
	if (rc == 0) {
		rc = sl_engine_reload_commit(r->e, j->set, err, errlen);
		j->set = NULL;
	} else {
		snprintf(err, errlen, "%s", j->err);
	}
	job_free(j);
	start_next(r, err, errlen);
	return rc;
}

bool sl_reloader_busy(const struct sl_reloader *r)
{
	return r && r->job;
}

void sl_reloader_destroy(struct sl_reloader *r)
{
	if (!r)
		return;
	struct job *j = r->job;
	int running = JOB_RUNNING;
	if (j && atomic_compare_exchange_strong(&j->state, &running, JOB_ABANDONED)) {
		pthread_detach(j->thread); /* it frees the job when its load ends */
	} else if (j) {
		pthread_join(j->thread, NULL);
		job_free(j);
	}
	if (r->next.pending)
		release(r->next.free_ctx, r->next.ctx);
	free(r);
}
