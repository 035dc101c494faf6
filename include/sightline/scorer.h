/* The fleet scorer (`sightline score`): subjects, subject-scope and
 * correlation rules, physics, activity and the roster run over the flow and
 * alert events forwarding sensors wrote (files, or Kafka partitions fed by
 * the caller), applied in event time through a bounded reorder window, with
 * duplicate events dropped by event_id.  Implemented in sensor/score/. */
#ifndef SIGHTLINE_SCORER_H
#define SIGHTLINE_SCORER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sightline/config.h"

struct sl_eve;
struct sl_subjects;
struct sl_scorer;

/* What sl_scorer_event() made of one event. */
enum sl_scorer_verdict {
	SL_SCORER_QUEUED = 0,    /* held in the reorder window, applied by sl_scorer_drain() */
	SL_SCORER_DUPLICATE = 1, /* its event_id was seen before: dropped, counted (ids
				  * are held for the events not yet applied and those of
				  * the window behind them; an older repeat is late) */
	SL_SCORER_LATE = 2,      /* older than the window allows: dropped, counted */
	SL_SCORER_IGNORED = 3,   /* a type the scorer does not apply (stats, subject): counted */
};

/* Counters for the stats event and the end-of-run summary. */
struct sl_scorer_stats {
	uint64_t events;          /* events read (every line that parsed as an event) */
	uint64_t applied;         /* events applied to subjects */
	uint64_t duplicates;      /* dropped: event_id seen before */
	uint64_t late;            /* dropped: older than the newest event less the window */
	uint64_t invalid;         /* refused: not JSON, no event_type or timestamp */
	uint64_t ignored;         /* event types the scorer does not apply (stats, subject) */
	uint64_t unknown_rules;   /* alert events naming a rule the scorer's pack lacks */
	uint64_t hits;            /* rule hits applied (forwarded and evaluated here) */
	uint64_t flow_alerts;     /* flow alerts of rules only the scorer judges (subject facts) */
	uint64_t subject_alerts;  /* subject alerts written */
	uint64_t summaries;       /* subject summaries written */
	uint64_t queued;          /* events in the reorder window now */
	uint64_t open_flows;      /* flows charged by an alert whose flow event is still due */
};

/**
 * Create a scorer for cfg: the subject table (and roster), the rule pack
 * and its correlation state, the IP-intelligence databases (the sensor's
 * location for physics), all as a local sensor loads them.  cfg is borrowed
 * and must outlive the scorer.  Nothing is written until sl_scorer_set_eve()
 * names where.  Returns 0, or a negative errno with a sentence in err
 * (errlen bytes).  Caller owns *out; free with sl_scorer_destroy().
 */
int sl_scorer_create(const struct sl_config *cfg, struct sl_scorer **out, char *err,
		     size_t errlen);

/** Free the scorer (events still queued are dropped: call sl_scorer_drain(s, true)
 * first).  Accepts NULL. */
void sl_scorer_destroy(struct sl_scorer *s);

/**
 * Where subject alerts, summaries and the final stats go: eve is borrowed
 * and must outlive the scorer (NULL: nowhere).  Every event names the
 * scorer as its host (sensor.name, else the machine's name).
 */
void sl_scorer_set_eve(struct sl_scorer *s, struct sl_eve *eve);

/**
 * Take one event (one line of EVE JSON, len bytes, no NUL needed).  part is
 * the source partition (-1 for files), remembered for the subject the event
 * is charged to.  Returns SL_SCORER_QUEUED (0), SL_SCORER_DUPLICATE (1),
 * SL_SCORER_LATE (2) or SL_SCORER_IGNORED (3: stats and subject events,
 * which neither advance the window nor count as late), each counted; or a
 * negative errno for input that is
 * no event (-EINVAL, a sentence in err: "not JSON: ...", "no event_type")
 * or no memory (-ENOMEM).  json is only read during the call.
 */
int sl_scorer_event(struct sl_scorer *s, const char *json, size_t len, int part, char *err,
		    size_t errlen);

/**
 * Apply the events that left the reorder window (older than the newest
 * event less scoring.reorder_window), in event time, writing the subject
 * alerts and the summaries that fell due; an event of a partition that has
 * more to read (sl_scorer_partition_more()) also waits until its partition
 * was read past its moment, so a flow's events of one moment stay one batch
 * when that partition lags the others.  final: apply every queued event,
 * then write the final summaries (end of input, or before shutting down).
 */
void sl_scorer_drain(struct sl_scorer *s, bool final);

/**
 * Tell the scorer whether partition part has more to read (more: a message
 * fetched and not given to sl_scorer_event() yet, or its end not reached)
 * or was read to its end.  A partition never told counts as read to its end.
 * Nothing is noted without memory for the partition's clock.
 */
void sl_scorer_partition_more(struct sl_scorer *s, int part, bool more);

/** The subject table.  Borrowed; valid until sl_scorer_destroy(). */
struct sl_subjects *sl_scorer_subjects(struct sl_scorer *s);

/**
 * The partition the events of subject_id (as in subject.id) came from: the
 * part of the latest event applied to it; -1 when unknown (never seen, or
 * only from files).
 */
int sl_scorer_subject_partition(const struct sl_scorer *s, const char *subject_id);

/** Counters.  Borrowed; valid until sl_scorer_destroy(). */
const struct sl_scorer_stats *sl_scorer_stats(const struct sl_scorer *s);

/**
 * Write a `stats` event of the scorer (its counters under "scorer" and the
 * subject table's) to its eve, at event time now.  For the periodic and
 * final stats of whoever drives the scorer.
 */
void sl_scorer_write_stats(struct sl_scorer *s, bool final);

/**
 * `sightline score [-c CONFIG] [--set K=V] -r EVENTS.json... [-o OUT]`
 * (argv[0] is "score"): score event files ("-": standard input).  Prints
 * errors ("line N of FILE: ...") and the summary on stderr; returns the
 * exit code: 0 done, 1 runtime error, 2 usage or configuration error.
 */
int sl_score_main(int argc, char **argv);

#endif
