/* Reloads off the capture path: SIGHUP starts loading the configuration,
 * rule pack, roster and databases on a thread of their own; the capture
 * loop commits the result at its next safe point and never waits for the
 * load.  Implemented in sensor/engine/reloader.c. */
#ifndef SIGHTLINE_RELOAD_H
#define SIGHTLINE_RELOAD_H

#include <stdatomic.h>
#include <stddef.h>

#include "sightline/config.h"
#include "sightline/engine.h"

/*
 * Read the configuration for a reload into cfg (zeroed on entry), on the
 * loading thread.  Returns 0, or a negative errno with a sentence in err
 * ("" when the function reported the problem itself).  ctx is the one given
 * to sl_reloader_request().
 */
typedef int (*sl_reload_config_fn)(void *ctx, struct sl_config *cfg, char *err, size_t errlen);

struct sl_reloader;

/**
 * A reloader for e.  *wake is set (to 1) from the loading thread when a
 * load has finished: the capture loop then calls sl_reloader_commit() at
 * its next safe point (sl_capture_opts.wake and on_wake).  e and wake are
 * borrowed and must outlive the reloader.  Returns 0 or -ENOMEM.  Caller
 * owns *out; free with sl_reloader_destroy().
 */
int sl_reloader_create(struct sl_engine *e, atomic_int *wake, struct sl_reloader **out);

/**
 * Ask for a reload (SIGHUP): start loading now, or, while a load is
 * running, once more after it (the files may have changed since it began
 * reading).  load reads the configuration on the loading thread with ctx,
 * which the reloader owns from this call on and releases with free_ctx
 * (NULL: nothing to free), perhaps on that thread, perhaps after the
 * reloader is gone.  Returns 0, or a negative errno with err set when no
 * thread could be started (nothing changes then; ctx is released).
 */
int sl_reloader_request(struct sl_reloader *r, sl_reload_config_fn load, void *ctx,
			void (*free_ctx)(void *ctx), char *err, size_t errlen);

/**
 * Apply a finished load: swap its set into the engine (between packets,
 * holding the engine lock, as sl_capture_opts callbacks do), then start a
 * load asked for meanwhile.  Returns -EAGAIN when no load has finished;
 * otherwise 0 (err "" or a note) when the new set is in use, or the load's
 * negative errno with err saying why the running set was kept ("" when the
 * configuration function reported it).
 */
int sl_reloader_commit(struct sl_reloader *r, char *err, size_t errlen);

/** True while a load is running or waiting to be committed. */
bool sl_reloader_busy(const struct sl_reloader *r);

/**
 * Free the reloader.  A load still running is abandoned, not waited for
 * (SIGTERM must not wait on a slow disk): its thread finishes alone and
 * frees what it holds.  Accepts NULL.
 */
void sl_reloader_destroy(struct sl_reloader *r);

#endif
