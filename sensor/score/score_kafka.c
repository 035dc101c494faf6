/* `sightline score` over Kafka: a member of a consumer group (librdkafka's
 * balanced consumer) that scores the partitions it is given, restores their
 * subjects from the state topic when they arrive, and checkpoints them
 * (snapshots delivered, then offsets committed) periodically and when they
 * leave, so the fleet's scorers share the work and survive one's loss. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "sightline/output.h"
#include "sightline/extlib.h"
#include "score_kafka_priv.h"
#include "score_state.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct kpart *sl_kin_part(struct kin *k, const char *topic, int32_t p, bool add)
{
	for (size_t i = 0; i < k->n_parts; i++)
		if (k->parts[i].p == p && strcmp(k->parts[i].topic, topic) == 0)
			return &k->parts[i];
	if (!add)
		return NULL;
	struct kpart *n = realloc(k->parts, (k->n_parts + 1) * sizeof(*n));
	if (!n)
		return NULL;
	k->parts = n;
	n = &k->parts[k->n_parts++];
	*n = (struct kpart){ .p = p, .next = -1 };
	snprintf(n->topic, sizeof(n->topic), "%s", topic);
	return n;
}

int sl_kin_item_push(struct kpart *kp, struct kitem it)
{
	if (kp->head + kp->n == kp->cap) {
		if (kp->head) { /* slide the live items to the front first */
			memmove(kp->items, kp->items + kp->head, kp->n * sizeof(*kp->items));
			kp->head = 0;
		}
		if (kp->n == kp->cap) {
			size_t cap = kp->cap ? kp->cap * 2 : 1024;
			struct kitem *n = realloc(kp->items, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			kp->items = n;
			kp->cap = cap;
		}
	}
	kp->items[kp->head + kp->n++] = it;
	return 0;
}

/* ---- configuration ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kin *k = opaque;
	(void)rk;
	if (!m->err)
		return;
	k->delivery_failed++;
	snprintf(k->delivery_err, sizeof(k->delivery_err), "%s", rd_kafka_err2str(m->err));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kin *k = opaque;
	(void)rk;
	fprintf(stderr, "sightline score: kafka: %s (%s)\n", reason,
		rd_kafka_err2name((rd_kafka_resp_err_t)err));
	if (err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
	    err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
	    err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
		k->fatal = -EACCES;
		snprintf(k->err, sizeof(k->err), "kafka: %s", reason);
	}
}

static int conf_set(rd_kafka_conf_t *c, const char *key, const char *val, char *err, size_t len)
{
	char why[256];
	if (rd_kafka_conf_set(c, key, val, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, len, "scoring.input: %.64s=%.128s: %.200s", key, val, why);
	return -EINVAL;
}

/* A configuration for one of the three clients (the state writer, the
 * state reader, the group member); the user's properties go to each (a
 * consumer property in a producer is only warned about by librdkafka). */
static rd_kafka_conf_t *make_conf(struct kin *k, bool consumer, bool group, char *err,
				  size_t len)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	int rc = conf_set(c, "bootstrap.servers", k->in->brokers, err, len);
	char reader[300];
	/* the state reader only assigns itself partitions (it never joins or
	 * commits), but librdkafka's consumer API wants a group id */
	snprintf(reader, sizeof(reader), "%.255s.state-reader", k->in->group_id);
	if (!rc && consumer)
		rc = conf_set(c, "group.id", group ? k->in->group_id : reader, err, len);
	if (!rc && consumer) /* offsets are committed by checkpoints only, after the state */
		rc = conf_set(c, "enable.auto.commit", "false", err, len);
	if (!rc && group) /* a partition read to its end stops holding the others back */
		rc = conf_set(c, "enable.partition.eof", "true", err, len);
	if (!rc && group) /* same-numbered partitions of every topic to one member */
		rc = conf_set(c, "partition.assignment.strategy", "range", err, len);
	if (!rc && consumer)
		rc = conf_set(c, "auto.offset.reset", "earliest", err, len);
	if (!rc && k->in->properties && k->in->properties[0])
		rc = sl_kafka_conf_properties(c, k->in->properties, "scoring.input.properties", err,
					      len);
	if (rc) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_error_cb(c, on_error);
	return c;
}

static rd_kafka_t *client(struct kin *k, rd_kafka_type_t type, bool group,
			  void (*rebalance)(rd_kafka_t *, rd_kafka_resp_err_t,
					    rd_kafka_topic_partition_list_t *, void *))
{
	char why[256];
	rd_kafka_conf_t *c = make_conf(k, type == RD_KAFKA_CONSUMER, group, k->err, sizeof(k->err));
	if (!c)
		return NULL;
	if (rebalance)
		rd_kafka_conf_set_rebalance_cb(c, rebalance);
	if (type == RD_KAFKA_PRODUCER) {
		rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
		/* state records are small and must leave quickly at a checkpoint */
		conf_set(c, "linger.ms", "5", why, sizeof(why));
	}
	rd_kafka_t *rk = rd_kafka_new(type, c, why, sizeof(why));
	if (!rk)
		snprintf(k->err, sizeof(k->err), "kafka client: %s", why);
	return rk;
}

/* ---- the group: partitions arriving and leaving ---- */

/* Distinct partition numbers of list (each is checkpointed or restored once
 * for every topic). */
static size_t numbers(const rd_kafka_topic_partition_list_t *l, int32_t *out)
{
	size_t n = 0;
	for (int i = 0; i < l->cnt; i++) {
		size_t k = 0;
		while (k < n && out[k] != l->elems[i].partition)
			k++;
		if (k == n)
			out[n++] = l->elems[i].partition;
	}
	return n;
}

static void fail(struct kin *k, int rc, const char *what)
{
	if (k->fatal)
		return;
	k->fatal = rc;
	char why[400];
	snprintf(why, sizeof(why), "%.399s", k->err);
	snprintf(k->err, sizeof(k->err), "%s: %.400s", what, why);
}

static void open_queues(struct kin *k, const rd_kafka_topic_partition_list_t *l)
{
	for (int i = 0; i < l->cnt; i++) {
		struct kpart *kp = sl_kin_part(k, l->elems[i].topic, l->elems[i].partition, false);
		if (kp && !kp->q && (kp->q = rd_kafka_queue_get_partition(k->rk, kp->topic, kp->p)))
			rd_kafka_queue_forward(kp->q, NULL);
	}
}

/* Arriving: restore each partition's subjects, then read from the
 * committed offsets (the assignment's offsets are left unset for that). */
static void assigned(struct kin *k, rd_kafka_topic_partition_list_t *l)
{
	int32_t *nums = malloc(((size_t)l->cnt + 1) * sizeof(*nums));
	size_t n = nums ? numbers(l, nums) : 0;
	for (size_t i = 0; i < n && !k->fatal; i++) {
		int rc = sl_kin_restore(k, nums[i]);
		if (rc < 0)
			fail(k, rc, "restoring a partition");
	}
	for (int i = 0; i < l->cnt; i++) {
		struct kpart *kp = sl_kin_part(k, l->elems[i].topic, l->elems[i].partition, true);
		if (!kp) {
			snprintf(k->err, sizeof(k->err), "out of memory for the partition table");
			fail(k, -ENOMEM, "assignment");
			continue;
		}
		kp->owned = true;
		kp->next = -1;
		kp->head = kp->n = 0;
	}
	k->st.partitions += (uint64_t)l->cnt;
	free(nums);
	/* each partition read from its own queue, to merge them in event
	 * time; taken before the assignment starts fetching (and after, for
	 * one librdkafka did not know yet) */
	open_queues(k, l);
	rd_kafka_assign(k->rk, l);
	open_queues(k, l);
}

static void release_queue(struct kpart *kp)
{
	for (size_t i = 0; i < kp->n_early; i++)
		rd_kafka_message_destroy(kp->early[i]);
	kp->n_early = 0;
	if (kp->next_msg)
		rd_kafka_message_destroy(kp->next_msg);
	if (kp->q)
		rd_kafka_queue_destroy(kp->q);
	kp->next_msg = NULL;
	kp->q = NULL;
	kp->at_end = kp->started = false;
}

/* Leaving: checkpoint each partition, then let go of its subjects and of
 * its events still waiting (the next owner reads them again). */
static void revoked(struct kin *k, rd_kafka_topic_partition_list_t *l)
{
	int32_t *nums = malloc(((size_t)l->cnt + 1) * sizeof(*nums));
	size_t n = nums ? numbers(l, nums) : 0;
	for (size_t i = 0; i < n; i++) {
		int rc = k->fatal ? 0 : sl_kin_checkpoint(k, nums[i]);
		if (rc < 0) /* safe: nothing is committed before its state */
			fprintf(stderr, "sightline score: checkpoint of partition %d on revocation: %s; "
				"its next owner replays from the previous commit and drops what was "
				"applied as duplicates\n", (int)nums[i], k->err);
		sl_kin_give_back(k, nums[i]);
		sl_score_state_drop(k->s, nums[i]);
	}
	for (int i = 0; i < l->cnt; i++) {
		struct kpart *kp = sl_kin_part(k, l->elems[i].topic, l->elems[i].partition, false);
		if (kp && kp->owned) {
			kp->owned = false;
			kp->n = kp->head = 0;
			k->st.partitions--;
		}
		if (kp)
			release_queue(kp); /* the next owner reads the unread message */
	}
	free(nums);
	rd_kafka_assign(k->rk, NULL);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *l, void *opaque)
{
	struct kin *k = opaque;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		assigned(k, l);
	} else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		revoked(k, l);
	} else {
		fprintf(stderr, "sightline score: kafka: rebalance failed: %s\n",
			rd_kafka_err2str(err));
		rd_kafka_assign(rk, NULL);
	}
}

/* ---- the loop ---- */

void sl_score_kafka_attach(struct sl_scorer *s, const struct sl_score_kafka_stats *st)
{
	s->kafka = st;
}

static void take(struct kin *k, const rd_kafka_message_t *m)
{
	char err[512];
	struct kpart *kp = sl_kin_part(k, rd_kafka_topic_name(m->rkt), m->partition, false);
	if (!kp || !kp->owned)
		return; /* fetched before its revocation: the next owner reads it */
	uint64_t seq = k->s->seq;
	k->st.messages++;
	int rc = sl_scorer_event(k->s, m->payload, m->len, m->partition, err, sizeof(err));
	if (rc == -ENOMEM) {
		snprintf(k->err, sizeof(k->err), "%s", err);
		k->fatal = rc;
		return;
	}
	if (rc == -EINVAL && k->s->st.invalid <= 10)
		fprintf(stderr, "sightline score: %s [%d] offset %lld: %s%s\n",
			rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, err,
			k->s->st.invalid == 10 ? " (no more such messages shown)" : "");
	struct kitem it = { .offset = m->offset, .seq = seq, .key = k->s->last_key,
			    .queued = rc == SL_SCORER_QUEUED };
	if (rc == -EINVAL) /* nothing to carry over: an invalid message stays invalid */
		it.key = 0;
	if (sl_kin_item_push(kp, it) < 0) {
		snprintf(k->err, sizeof(k->err), "out of memory for partition offsets");
		k->fatal = -ENOMEM;
	}
	kp->next = m->offset + 1;
}

/* Messages behind the ends of the owned partitions, from the fetch
 * positions and the cached high watermarks; false while that is not known
 * (fetching has not started).  Asks the group coordinator: call it when
 * idle, not per message. */
static bool lag(struct kin *k, uint64_t *total)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
	bool known = true;
	*total = 0;
	for (size_t i = 0; i < k->n_parts; i++)
		if (k->parts[i].owned)
			rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].p);
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(l);
	/* a partition nothing was read from yet has no position: its
	 * committed offset is where reading starts */
	if (rd_kafka_position(k->rk, l) || rd_kafka_committed(k->rk, c, 5000))
		known = false;
	for (int i = 0; known && i < l->cnt; i++) {
		int64_t lo = 0, hi = 0, at = l->elems[i].offset;
		if (at < 0)
			at = c->elems[i].offset;
		if (rd_kafka_get_watermark_offsets(k->rk, l->elems[i].topic,
						   l->elems[i].partition, &lo, &hi)) {
			known = false;
			break;
		}
		if (at < 0) /* nothing committed either: from the start */
			at = lo;
		*total += hi > at ? (uint64_t)(hi - at) : 0;
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_topic_partition_list_destroy(c);
	if (known)
		k->st.lag = *total;
	return known;
}

/* Checkpoint every owned partition (the periodic one). */
static void checkpoint_all(struct kin *k)
{
	int32_t done[1024];
	size_t n = 0;
	for (size_t i = 0; i < k->n_parts && !k->fatal; i++) {
		struct kpart *kp = &k->parts[i];
		size_t j = 0;
		while (j < n && done[j] != kp->p)
			j++;
		/* unchanged since its last checkpoint: nothing taken since */
		if (!kp->owned || !kp->n || j < n || n == ARRAY_SIZE(done))
			continue;
		done[n++] = kp->p;
		int rc = sl_kin_checkpoint(k, kp->p);
		if (rc < 0) /* not fatal: the next checkpoint tries again */
			fprintf(stderr, "sightline score: checkpoint: %s\n", k->err);
	}
}

static int subscribe(struct kin *k)
{
	char *topics = strdup(k->in->topics), *save = NULL;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
	for (char *t = topics ? strtok_r(topics, ", ", &save) : NULL; t;
	     t = strtok_r(NULL, ", ", &save))
		rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
	free(topics);
	rd_kafka_resp_err_t e = l->cnt ? rd_kafka_subscribe(k->rk, l) : RD_KAFKA_RESP_ERR__INVALID_ARG;
	rd_kafka_topic_partition_list_destroy(l);
	if (e)
		snprintf(k->err, sizeof(k->err), "subscribing to scoring.input.topics \"%s\": %s",
			 k->in->topics, rd_kafka_err2str(e));
	return e ? -EINVAL : 0;
}

/* A message that reached the group's queue before its partition's own
 * queue was split off: queued in order ahead of the partition's queue.
 * Returns m when it cannot be kept (the caller destroys it; it is read
 * again from the commit by whoever owns the partition next). */
static rd_kafka_message_t *stash(struct kin *k, rd_kafka_message_t *m)
{
	struct kpart *kp = sl_kin_part(k, rd_kafka_topic_name(m->rkt), m->partition, false);
	if (!kp || !kp->owned)
		return m;
	if (kp->n_early == kp->cap_early) {
		size_t cap = kp->cap_early ? kp->cap_early * 2 : 64;
		rd_kafka_message_t **n = realloc(kp->early, cap * sizeof(*n));
		if (!n) {
			snprintf(k->err, sizeof(k->err), "out of memory for early messages");
			k->fatal = -ENOMEM;
			return m;
		}
		kp->early = n;
		kp->cap_early = cap;
	}
	kp->early[kp->n_early++] = m;
	return NULL;
}

/* The partition's next message: an early one first, else its queue's. */
static rd_kafka_message_t *next_of(struct kpart *kp)
{
	if (!kp->n_early)
		return rd_kafka_consume_queue(kp->q, 0);
	rd_kafka_message_t *m = kp->early[0];
	memmove(kp->early, kp->early + 1, --kp->n_early * sizeof(*kp->early));
	return m;
}

/* Fetch the next message of every owned partition that has none waiting. */
static void fetch(struct kin *k)
{
	for (size_t i = 0; i < k->n_parts; i++) {
		struct kpart *kp = &k->parts[i];
		if (!kp->owned || !kp->q || kp->next_msg)
			continue;
		rd_kafka_message_t *m = next_of(kp);
		if (!m)
			continue;
		kp->started = true;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			kp->at_end = true;
			sl_scorer_partition_more(k->s, kp->p, false);
		} else if (m->err) {
			fprintf(stderr, "sightline score: kafka: %s [%d]: %s\n", kp->topic, (int)kp->p,
				rd_kafka_message_errstr(m));
		} else {
			kp->next_msg = m;
			kp->next_t = sl_score_quick_time(m->payload, m->len);
			kp->at_end = false;
			sl_scorer_partition_more(k->s, kp->p, true);
			continue;
		}
		rd_kafka_message_destroy(m);
	}
}

/*
 * The partition whose waiting message is oldest in event time, when every
 * other owned partition has one waiting too or has been read to its end
 * (or waited for MERGE_WAIT_MS): the partitions are merged in event time as
 * the files of `score -r` are, so that one read ahead of another does not
 * make the other's events late.  NULL: nothing to take yet.
 */
static struct kpart *oldest(struct kin *k, int64_t *blocked_since)
{
	struct kpart *best = NULL;
	bool waiting = false, unstarted = false;
	for (size_t i = 0; i < k->n_parts; i++) {
		struct kpart *kp = &k->parts[i];
		if (!kp->owned || !kp->q)
			continue;
		if (!kp->next_msg) {
			waiting |= !kp->at_end;
			unstarted |= !kp->started;
		} else if (!best || kp->next_t < best->next_t) {
			best = kp;
		}
	}
	if (!best || !waiting) {
		*blocked_since = 0;
		return best;
	}
	if (!*blocked_since)
		*blocked_since = now_ms();
	if (now_ms() - *blocked_since < (unstarted ? START_WAIT_MS : MERGE_WAIT_MS))
		return NULL;
	return best;
}

/* Every owned partition read to its end, nothing waiting to be taken. */
static bool caught_up(const struct kin *k)
{
	bool any = false;
	for (size_t i = 0; i < k->n_parts; i++) {
		const struct kpart *kp = &k->parts[i];
		if (!kp->owned)
			continue;
		if (!kp->at_end || kp->next_msg || kp->n_early)
			return false;
		any = true;
	}
	return any;
}

/* A stats event every stats.interval seconds of the wall clock (a scorer
 * runs live): the lag asked anew, the event pushed out at once. */
static void stats_due(struct kin *k, int64_t *last_stats)
{
	uint32_t every = k->s->cfg->stats_interval;
	uint64_t behind;
	if (!every || now_ms() - *last_stats < (int64_t)every * 1000)
		return;
	lag(k, &behind);
	sl_scorer_write_stats(k->s, false);
	sl_eve_flush(k->s->eve);
	*last_stats = now_ms();
}

static void periodic(struct kin *k, int64_t *last_ckpt, int64_t *last_stats)
{
	sl_scorer_drain(k->s, false);
	rd_kafka_poll(k->prod, 0);
	if (now_ms() - *last_ckpt >= (int64_t)k->in->snapshot_interval * 1000) {
		checkpoint_all(k);
		*last_ckpt = now_ms();
	}
	stats_due(k, last_stats);
}

static void loop(struct kin *k)
{
	int64_t last_ckpt = now_ms(), last_msg = now_ms(), last_stats = now_ms(), blocked = 0;
	while (!stopping && !k->fatal) {
		/* rebalances and client errors arrive here; messages come from
		 * the partitions' own queues */
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, 0);
		if (m && !m->err)
			m = stash(k, m);
		if (m && m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			fprintf(stderr, "sightline score: kafka: %s\n", rd_kafka_message_errstr(m));
		if (m)
			rd_kafka_message_destroy(m);
		fetch(k);
		struct kpart *kp = oldest(k, &blocked);
		if (kp) {
			take(k, kp->next_msg);
			rd_kafka_message_destroy(kp->next_msg);
			kp->next_msg = NULL;
			last_msg = now_ms();
		} else {
			nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL); /* nothing yet */
		}
		sl_kin_global_poll(k); /* the address facts, before what they hold back */
		periodic(k, &last_ckpt, &last_stats);
		uint64_t behind;
		if (k->in->idle_exit && now_ms() - last_msg >= (int64_t)k->in->idle_exit * 1000 &&
		    caught_up(k) && sl_kin_global_caught_up(k) && lag(k, &behind) && behind == 0)
			break;
	}
}

static void kin_finish(struct kin *k)
{
	sl_kin_global_close(k);
	if (k->reader) {
		rd_kafka_consumer_close(k->reader);
		rd_kafka_destroy(k->reader);
	}
	for (size_t i = 0; i < k->n_parts; i++)
		release_queue(&k->parts[i]);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	if (k->prod) {
		rd_kafka_flush(k->prod, KAFKA_TIMEOUT_MS);
		rd_kafka_destroy(k->prod);
	}
	for (size_t i = 0; i < k->n_parts; i++) {
		free(k->parts[i].items);
		free(k->parts[i].early);
	}
	free(k->parts);
}

int sl_score_kafka_run(struct sl_scorer *s, const struct sl_config *cfg, char *err,
		       size_t errlen)
{
	struct kin k = { .s = s, .in = &cfg->scoring.input };
	int rc = sl_rdkafka_open(err, errlen);
	if (rc < 0)
		return rc;
	stopping = 0;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	if (!(k.prod = client(&k, RD_KAFKA_PRODUCER, false, NULL)) ||
	    !(k.reader = client(&k, RD_KAFKA_CONSUMER, false, NULL)) ||
	    !(k.rk = client(&k, RD_KAFKA_CONSUMER, true, on_rebalance))) {
		rc = -EINVAL;
		goto out;
	}
	rd_kafka_poll_set_consumer(k.rk);
	if ((rc = sl_kin_global_open(&k)) < 0)
		goto out;
	sl_score_kafka_attach(s, &k.st);
	if ((rc = subscribe(&k)) < 0)
		goto out;
	loop(&k);
	/* Leaving: apply what is still waiting (these partitions are ours
	 * until the group hears otherwise), then the revocation checkpoints it. */
	if (!k.fatal)
		sl_scorer_drain(s, true);
	rd_kafka_consumer_close(k.rk); /* revokes: checkpoints, commits */
	rc = k.fatal;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s", k.err);
	sl_score_kafka_attach(s, NULL);
	kin_finish(&k);
	return rc;
}
