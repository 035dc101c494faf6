/* The scorer's Kafka input (sensor/score/score_kafka.c): `sightline score`
 * with scoring.input.brokers set, a member of scoring.input.group_id. */
#ifndef SIGHTLINE_SCORE_KAFKA_H
#define SIGHTLINE_SCORE_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "sightline/config.h"

struct sl_scorer;

/* Counters of the Kafka input for the scorer's stats event. */
struct sl_score_kafka_stats {
	uint64_t messages;       /* messages taken from the event partitions */
	uint64_t partitions;     /* event partitions owned now */
	uint64_t lag;            /* messages behind the partitions' ends (last known) */
	uint64_t checkpoints;    /* partition checkpoints done (state written, offsets committed) */
	uint64_t state_records;  /* state records written */
	uint64_t state_bytes;    /* their bytes */
	uint64_t restored;       /* subjects restored from the state topic */
	uint64_t replayed_seen;  /* event ids restored with them (replays to drop) */
	uint64_t tombstones;     /* state records deleted: subjects evicted from the table */
};

/* The stats event of s shows st (borrowed; NULL: none) under "kafka". */
void sl_score_kafka_attach(struct sl_scorer *s, const struct sl_score_kafka_stats *st);

/*
 * Consume cfg->scoring.input.topics as a member of its group until SIGTERM
 * or SIGINT (or idle_exit), feeding s; partitions are restored when
 * assigned and checkpointed every snapshot_interval and when revoked.
 * Returns 0 after a clean leave (state written, offsets committed), or a
 * negative errno with a sentence in err.  s and cfg are borrowed.
 */
int sl_score_kafka_run(struct sl_scorer *s, const struct sl_config *cfg, char *err,
		       size_t errlen);

#endif
