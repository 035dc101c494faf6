/* The pipeline behind the capture front end: decode -> flow table -> events.
 * The engine owns the decoder, the flow table and the JSON builder; it
 * borrows the configuration and the EVE sink. */
#ifndef SIGHTLINE_ENGINE_H
#define SIGHTLINE_ENGINE_H

#include <stdio.h>

#include "sightline/config.h"
#include "sightline/eve.h"
#include "sightline/flow.h"

struct sl_engine;

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
	uint64_t time_backwards; /* packets stamped earlier than the packet before them in their file */
	sl_time_us prev_ts;      /* time of the previous packet */
	sl_time_us first_ts, last_ts;
};

/**
 * Create an engine.  cfg and eve are borrowed and must outlive the engine.
 * Returns 0 or a negative errno with a sentence in err.
 * Caller owns *out; free with sl_engine_destroy().
 */
int sl_engine_create(const struct sl_config *cfg, struct sl_eve *eve,
		     struct sl_engine **out, char *err, size_t errlen);

/**
 * Swap in the rule pack, roster and IP-intelligence databases that fresh
 * names (SIGHUP).  Everything is loaded and validated before anything
 * changes: on an error the running set stays and err says why ("FILE:LINE:COL:
 * sentence" for rules and rosters).  Subjects keep their scores; rule hits
 * already charged keep pointing at the pack they came from, which is kept
 * until sl_engine_destroy().  Correlation windows start afresh.  Other keys
 * of fresh need a restart and are ignored.  fresh is only read during the
 * call.  Call between packets.  Returns 0 or a negative errno.
 */
int sl_engine_reload(struct sl_engine *e, const struct sl_config *fresh, char *err,
		     size_t errlen);

/** Free the engine.  Does not flush: call sl_engine_finish() first.  Accepts NULL. */
void sl_engine_destroy(struct sl_engine *e);

/**
 * Process one frame of link type dlt.  ts is the capture timestamp.  frame is
 * borrowed for the call.  Never fails: bad packets are counted.
 */
void sl_engine_packet(struct sl_engine *e, int dlt, sl_time_us ts,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

/**
 * End of input (or a signal): flush every open flow, write the stats event,
 * flush the sink.  Call once.
 */
void sl_engine_finish(struct sl_engine *e);

/**
 * Write a stats event now (periodic stats).  ts is its timestamp: packet
 * time when replaying, the wall clock live; 0 means the last packet's time.
 */
void sl_engine_stats_event(struct sl_engine *e, sl_time_us ts);

/** Mutable counters for the capture front end (files, drops).  Borrowed. */
struct sl_engine_stats *sl_engine_stats(struct sl_engine *e);

/** Print the human end-of-run summary (sorts the top-talkers table); wall_sec is the run's wall-clock time. */
void sl_engine_summary(struct sl_engine *e, double wall_sec, FILE *out);

#endif
