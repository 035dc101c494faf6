/* Internals of the scorer's Kafka input (score_kafka.c, the consumer and
 * its loop; score_kafka_ckpt.c, checkpoints and restores of partitions). */
#ifndef SIGHTLINE_SCORE_KAFKA_PRIV_H
#define SIGHTLINE_SCORE_KAFKA_PRIV_H

#include <librdkafka/rdkafka.h>

#include "sightline/extlib.h"

#include "score_kafka.h"
#include "score_priv.h"

#define KAFKA_TIMEOUT_MS 30000 /* a delivery, commit or state read that takes longer fails */
#define MERGE_WAIT_MS 1000   /* a partition with nothing fetched holds the others back this long */
#define START_WAIT_MS 15000  /* ... and one not heard from since its assignment this long */
#define SEEN_TAIL 1024       /* committed event ids kept per partition for deduplication */
#define PART_KEY "sightline.partition" /* the state record of a partition's event ids */

/* One event taken from a partition, until its offset is committed. */
struct kitem {
	int64_t offset;
	uint64_t seq;      /* the scorer's arrival number (pending or not) */
	uint64_t key;      /* its event id key (carried over a failover when applied) */
	bool queued;       /* went into the reorder window (not dropped) */
};

/* One partition of one event topic this scorer owns or owned. */
struct kpart {
	char topic[256];
	int32_t p;
	bool owned;
	int64_t next;      /* offset after the last one taken; -1: none yet */
	struct kitem *items; /* taken and not committed, in offset order */
	size_t head, n, cap;
	/* time-aligned reading: the partition's own queue and its oldest
	 * message not taken yet (NULL: none fetched), and whether the last
	 * fetch reached the partition's end */
	rd_kafka_queue_t *q;
	rd_kafka_message_t *next_msg;
	sl_time_us next_t;
	bool at_end;
	bool started;      /* a message or the end seen since it was assigned */
	/* messages that reached the group's queue instead (fetched before the
	 * partition's queue was split off), taken before its own queue's */
	rd_kafka_message_t **early;
	size_t n_early, cap_early;
};

/* One partition of an event topic as the reader of every partition sees it
 * (score_kafka_global.c). */
struct kglobal {
	char topic[256];
	int32_t p;
	sl_time_us newest; /* the latest event time read from it */
	bool at_end;       /* read to its end (nothing newer there yet) */
	bool started;      /* a message or its end seen */
};

struct kin {
	struct sl_scorer *s;
	const struct sl_score_input_config *in;
	rd_kafka_t *rk, *prod, *reader;
	struct kpart *parts;
	size_t n_parts;
	struct sl_score_kafka_stats st;
	uint64_t delivery_failed;
	char delivery_err[256];
	/* the reader of every partition of the event topics, for the address
	 * facts every scorer needs whole (score_kafka_global.c) */
	rd_kafka_t *global;
	struct kglobal *gparts;
	size_t n_gparts;
	int64_t global_since, global_checked; /* ms: opened, partitions last looked up */
	bool global_gave_up;                   /* warned of a partition never heard from */
	int fatal;         /* a fatal error: stop (negative errno) */
	char err[512];
};

struct kpart *sl_kin_part(struct kin *k, const char *topic, int32_t p, bool add);
int sl_kin_item_push(struct kpart *kp, struct kitem it);

/* score_kafka_ckpt.c: partition number p of every event topic, checkpointed:
 * its subjects' snapshots and its applied event ids delivered to partition
 * p of the state topic, then the offsets committed.  Returns 0 or a
 * negative errno with a sentence in k->err (nothing committed). */
int sl_kin_checkpoint(struct kin *k, int32_t p);
/* Partition number p leaves: its events still waiting are dropped and their
 * ids forgotten (whoever reads them next applies them). */
void sl_kin_give_back(struct kin *k, int32_t p);
/* Partition p of the state topic read to its end; the latest record of
 * each key restored (subjects; the partition's event ids marked seen). */
int sl_kin_restore(struct kin *k, int32_t p);

/* score_kafka_global.c: a consumer outside the group assigned every
 * partition of the event topics from their beginning, feeding the scorer's
 * address facts (its own partitions' too), and the time up to which they
 * are complete.  open: 0 or a negative errno with a sentence in k->err. */
int sl_kin_global_open(struct kin *k);
/* Take what it has fetched (a bounded number), then set the horizon. */
void sl_kin_global_poll(struct kin *k);
/* Every partition read to its end. */
bool sl_kin_global_caught_up(const struct kin *k);
void sl_kin_global_close(struct kin *k);

#endif
