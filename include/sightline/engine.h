/* The pipeline behind the capture front end: decode -> flow table ->
 * parsers -> identification -> events, with the hosts table, subjects and
 * rules, its workers and their lock, and reloads off the capture path.  The
 * engine owns all of it; it borrows the configuration and the EVE sink.
 * Implemented in sensor/engine/. */
#ifndef SIGHTLINE_ENGINE_H
#define SIGHTLINE_ENGINE_H

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>

#include "sightline/config.h"
#include "sightline/eve.h"
#include "sightline/flow.h"

struct sl_engine;
struct sl_json;
struct sl_rule_info;
struct sl_field_source;

/**
 * Append the "alert" object (EVE's action, gid, signature_id, rev,
 * signature, category, severity, metadata; sightline's rule_id, scope,
 * level, score, and the selections that held in src: matched) of rule's
 * match to j, an alert event being built.  src: what the rule fired on.
 * Shared by the engine and the fleet scorer (sensor/score), so both write
 * the same alerts.  Reads only; rule and src are borrowed for the call.
 */
void sl_engine_alert_block(struct sl_json *j, const char *scope, const struct sl_rule_info *rule,
			   const struct sl_field_source *src);

#define SL_ENGINE_MAX_WORKERS 64 /* capture.workers' upper bound */
#define SL_ENGINE_MAX_IFNAMES 4096 /* interface and file names kept for in_iface and
				    * pcap_filename (pairs of them) */

/* One row of the top-talkers table. */
struct sl_talker {
	struct sl_addr addr;
	uint64_t bytes;
	uint64_t flows;
};

struct sl_engine_stats {
	uint64_t packets;        /* frames handed to the engine */
	uint64_t bytes;          /* their wire length */
	uint64_t ip_packets;     /* decoded to a flow */
	uint64_t files;          /* capture files opened */
	uint64_t truncated_files;/* files that ended in a cut-short record */
	uint64_t damaged_files;  /* files with unreadable records part-way */
	uint64_t capture_drops;  /* live: kernel/interface drops from pcap_stats */
	uint64_t ring_drops;     /* packets lost to a full worker ring (never offline) */
	uint64_t time_backwards; /* packets stamped earlier than the packet before them in their file */
	sl_time_us prev_ts;      /* time of the previous packet */
	sl_time_us first_ts, last_ts;
};

/**
 * The header every event begins with: "host":"NAME", (JSON-escaped, no
 * braces, with the comma that follows), NAME being cfg's sensor.name, else
 * this machine's host name, else "unknown".  Writes it to hdr (cap bytes, not
 * NUL-terminated) and, when name is not NULL, NAME itself to name (name_cap
 * bytes; "" when it does not fit).  Returns the header's length, 0 when it
 * does not fit in cap.  cfg is borrowed for the call.
 */
size_t sl_engine_host_header(const struct sl_config *cfg, char *hdr, size_t cap, char *name,
			     size_t name_cap);

/**
 * Create an engine.  cfg and eve are borrowed and must outlive the engine.
 * Returns 0 or a negative errno with a sentence in err.
 * Caller owns *out; free with sl_engine_destroy().
 */
int sl_engine_create(const struct sl_config *cfg, struct sl_eve *eve,
		     struct sl_engine **out, char *err, size_t errlen);

/*
 * A reload (SIGHUP) in three steps, so the slow part never runs on the
 * capture path: begin (between packets: copy the engine's fixed settings),
 * load (on any thread, touching only the reload), commit (between packets:
 * swap).  Nothing of the running set changes before the commit; on an
 * error it stays.
 */
struct sl_reload;

/**
 * Start a reload of e: copies what loading needs of e's settings, so the
 * reload may be loaded on another thread and may outlive e.  Returns 0 or
 * -ENOMEM.  Caller owns *out; hand it to sl_engine_reload_commit() or free
 * it with sl_reload_destroy().
 */
int sl_engine_reload_begin(const struct sl_engine *e, struct sl_reload **out);

/**
 * Load and validate the rule pack, roster and IP-intelligence databases
 * that fresh names into r (not the databases when the engine has several
 * workers: they stay until a restart).  Touches only r; safe on any thread.
 * Returns 0, or a negative errno with "FILE:LINE:COL: sentence" (rules,
 * rosters) or "FILE: sentence" in err.  fresh is only read during the call.
 */
int sl_reload_load(struct sl_reload *r, const struct sl_config *fresh, char *err,
		   size_t errlen);

/**
 * Swap the set loaded into r into e.  Subjects keep their scores; rule hits
 * already charged keep pointing at the pack they came from, which is kept
 * until sl_engine_destroy().  Correlation windows start afresh.  Call between
 * packets, holding the engine lock as sl_capture_opts callbacks do.  Takes
 * ownership of r in every case.  Returns 0 (err "" or notes for the user:
 * the databases were kept; which changed keys a reload does not apply and
 * keep their running values until a restart) or -ENOMEM with err set, the
 * running set kept.
 */
int sl_engine_reload_commit(struct sl_engine *e, struct sl_reload *r, char *err,
			    size_t errlen);

/** Free a reload that was not committed.  Accepts NULL. */
void sl_reload_destroy(struct sl_reload *r);

/** Free the engine.  Does not flush: call sl_engine_finish() first.  Accepts NULL. */
void sl_engine_destroy(struct sl_engine *e);

/**
 * Split the engine into n workers (n <= 1: nothing to do) before the first
 * packet: the lead becomes worker 0, and n - 1 more engines get their own
 * decoder, parsers, geo cache and a flow table of cfg->flow.max_flows / n
 * flows (the lead's table is rebuilt at that size); subjects, rules,
 * correlation, the top talkers and the EVE sink stay in the lead and are
 * used under its lock once per ended flow.  Returns 0 or a negative errno
 * with a sentence in err; the workers are freed with the lead.
 */
int sl_engine_add_workers(struct sl_engine *e, unsigned n, char *err, size_t errlen);

/** Number of engines packets may be given to (1 without workers). */
unsigned sl_engine_workers(const struct sl_engine *e);

/** Worker i (< sl_engine_workers(); 0 is e itself).  Borrowed from e. */
struct sl_engine *sl_engine_worker(struct sl_engine *e, unsigned i);

/**
 * Open the sign-in sources of cfg->identity (none: nothing to do) and their
 * binding tables: followed files and sockets when live, else files read
 * once, one copy per worker (each binds by its own packets' clock).
 * message receives the sources' sentences (bad records, rotations).  Call
 * after sl_engine_add_workers().  Returns 0 or a negative errno with err
 * naming the source; what was opened is freed with the engine.
 */
int sl_engine_identity_open(struct sl_engine *e, bool live,
			    void (*message)(void *ctx, const char *line), void *ctx, char *err,
			    size_t errlen);

/** True when sl_engine_identity_open() opened sign-in sources. */
bool sl_engine_has_identity(const struct sl_engine *e);

/**
 * Read w's sign-ins up to time until (SL_IDENTITY_ANY_TIME: all that are
 * ready) and bind them.  In replay, call with each frame's time before the
 * frame is given, on every reader, so packets and sign-ins meet in time
 * order; live, on the lead whenever its poll descriptors are readable (and
 * every second for followed files).  On the lead each sign-in also becomes
 * a signin event, matched by the sign-in rules and scored (under the lock).
 */
void sl_engine_signins(struct sl_engine *w, sl_time_us until);

/** The lead's sign-in poll descriptors (sl_identity_pollfds()); at most
 * max.  Owned by the engine. */
size_t sl_engine_identity_pollfds(const struct sl_engine *e, struct pollfd *fds, size_t max);

/**
 * Hold the lead's lock while another thread touches what the workers share
 * (the EVE sink on SIGHUP or when idle).  No-op without workers.
 */
void sl_engine_lock(struct sl_engine *e);

/** Release the lock of sl_engine_lock(). */
void sl_engine_unlock(struct sl_engine *e);

/**
 * Name the capture interface of the frames given to e from now on (a
 * pcapng interface's if_name, the interface of a live capture; NULL or ""
 * for none): a flow that starts with one of them carries it as in_iface.
 * name is copied; e keeps each distinct name once, until it is destroyed,
 * up to SL_ENGINE_MAX_IFNAMES names (flows started after that get none).
 * Returns 0, or -ENOMEM (flows then get none).
 */
int sl_engine_set_iface(struct sl_engine *e, const char *name);

/**
 * Name the capture file the frames given to e come from from now on (NULL
 * for none, as live), with no interface until sl_engine_set_iface() names
 * one: a flow that starts with them carries it as pcap_filename.  Copied
 * and kept as sl_engine_set_iface() keeps names (the two count together).
 * Returns 0, or -ENOMEM (flows then get neither).
 */
int sl_engine_set_file(struct sl_engine *e, const char *path);

/* One frame of the capture, as the capture stage hands it over. */
struct sl_frame {
	int dlt;                 /* its link type (DLT_*) */
	sl_time_us ts;           /* the capture's timestamp: packet time */
	const uint8_t *data;     /* caplen bytes, borrowed for the call */
	uint32_t caplen, wirelen;
};

/* The clock a tick follows. */
enum sl_clock {
	SL_CLOCK_PACKET, /* capture timestamps (replay; a worker's share of the capture) */
	SL_CLOCK_WALL,   /* the wall clock (live, between batches of frames and when idle) */
};

/**
 * The one way frames enter the engine: a frame for worker w (the engine
 * itself without workers) is decoded, charged to its flow and offered to
 * the flow's parsers while the flow is inspected; flows that end on the
 * way become events.  f and what it points to are borrowed for the call.
 * With workers, each worker is fed by one thread only.  Never fails: bad
 * frames are counted.  The capture's own counters (sl_engine_stats()) are
 * the capture stage's to keep.
 */
void sl_engine_packet(struct sl_engine *w, const struct sl_frame *f);

/**
 * The one way time enters the engine without a frame: clock reached now.
 * Give it to each worker after every frame of the capture (offline workers
 * read every frame: theirs or another's), and live, to every worker from
 * its own capture thread between batches and at least every 200 ms of a
 * quiet interface.  SL_CLOCK_PACKET moves w's capture clock to now, and
 * flows whose timeout passed on it end (looked for once per millisecond
 * of it), so each worker's flows end as one engine's would; SL_CLOCK_WALL
 * moves it too (live frames carry the kernel's receive time, the same
 * clock) and ends every flow that is due, so an idle flow is written
 * within its timeout without another frame.  On the lead, a stats event is
 * written when stats.interval passes on the given clock (at multiples of
 * the interval, so a replay writes them at the same packet times; a gap
 * longer than the interval gives one event, not a burst).
 */
void sl_engine_tick(struct sl_engine *w, sl_time_us now, enum sl_clock clock);

/**
 * Replay with workers, where every worker is given every frame of the
 * capture (sl_engine_packet() for its own, then sl_engine_tick() with
 * SL_CLOCK_PACKET for each): call on the lead before the first frame.  What
 * a flow does to shared state then happens in the order of the frames that
 * caused it, worker by worker within a frame, so the subjects' state, and
 * what rules read of it, are the same run after run.  Each worker's reader
 * must call sl_engine_replay_done() when it stops, or the others wait for it.
 */
void sl_engine_order_replay(struct sl_engine *e);

/** Worker w's reader read its last frame (or stopped, or never started):
 * the other workers stop waiting for it. */
void sl_engine_replay_done(struct sl_engine *w);

/**
 * End of input (or a signal): flush every open flow (of every worker, whose
 * threads must have stopped), write the stats event, flush the sink.  Call
 * once, on the lead.
 */
void sl_engine_finish(struct sl_engine *e);

/**
 * e's capture counters (frames, bytes, first and last time, time going
 * backwards, files, drops), which the capture stage keeps: the lead's for
 * an offline capture (its reader 0 counts every frame in capture order),
 * each worker's own for a live one.  Borrowed.
 */
struct sl_engine_stats *sl_engine_stats(struct sl_engine *e);

/** Print the human end-of-run summary (sorts the top-talkers table); wall_sec is the run's wall-clock time. */
void sl_engine_summary(struct sl_engine *e, double wall_sec, FILE *out);

/*
 * Reloads off the capture path: SIGHUP starts loading the configuration,
 * rule pack, roster and databases on a thread of their own
 * (sensor/engine/reloader.c); the capture loop commits the result at its
 * next safe point and never waits for the load.
 */

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
