/* The scorer's reader of every partition (a GlobalKTable in Kafka Streams'
 * terms): outside the group, assigned all partitions of the event topics
 * from their beginning, it feeds the address facts that subjects of other
 * scorers' partitions make (who else is behind an address, which accounts
 * signed in from it), and holds the scoring back until they are complete
 * for the time being scored.  Rebuilt from the topics on every start, so a
 * scorer that takes over knows them as the one that died did. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sightline/jsonpath.h"
#include "sightline/output.h"
#include "score_kafka_priv.h"

#define GLOBAL_BATCH 1000        /* messages taken per poll */
#define GLOBAL_RECHECK_MS 10000  /* partitions of the topics looked up again this often */

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set(rd_kafka_conf_t *c, const char *key, const char *val, struct kin *k)
{
	char why[256];
	if (rd_kafka_conf_set(c, key, val, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(k->err, sizeof(k->err), "scoring.input: %.64s=%.128s: %.200s", key, val, why);
	return -EINVAL;
}

/* It never joins the group nor commits: it assigns itself every partition
 * (librdkafka's consumer wants a group id all the same). */
static rd_kafka_conf_t *global_conf(struct kin *k)
{
	char gid[300];
	snprintf(gid, sizeof(gid), "%.255s.global-reader", k->in->group_id);
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	int rc = set(c, "bootstrap.servers", k->in->brokers, k);
	if (!rc)
		rc = set(c, "group.id", gid, k);
	if (!rc)
		rc = set(c, "enable.auto.commit", "false", k);
	if (!rc) /* a partition read to its end holds nothing back */
		rc = set(c, "enable.partition.eof", "true", k);
	if (!rc && k->in->properties && k->in->properties[0])
		rc = sl_kafka_conf_properties(c, k->in->properties, "scoring.input.properties",
					      k->err, sizeof(k->err));
	if (rc) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	return c;
}

static struct kglobal *gpart(struct kin *k, const char *topic, int32_t p, bool add)
{
	for (size_t i = 0; i < k->n_gparts; i++)
		if (k->gparts[i].p == p && !strcmp(k->gparts[i].topic, topic))
			return &k->gparts[i];
	if (!add)
		return NULL;
	struct kglobal *n = realloc(k->gparts, (k->n_gparts + 1) * sizeof(*n));
	if (!n)
		return NULL;
	k->gparts = n;
	n = &n[k->n_gparts++];
	*n = (struct kglobal){ .p = p };
	snprintf(n->topic, sizeof(n->topic), "%s", topic);
	return n;
}

/* The partitions of topic not assigned yet, added to l from their start. */
static void topic_partitions(struct kin *k, const char *topic, rd_kafka_topic_partition_list_t *l)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->global, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	if (!rkt)
		return;
	if (rd_kafka_metadata(k->global, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    md->topic_cnt == 1 && !md->topics[0].err) {
		for (int i = 0; i < md->topics[0].partition_cnt; i++) {
			int32_t p = md->topics[0].partitions[i].id;
			if (gpart(k, topic, p, false) || !gpart(k, topic, p, true))
				continue;
			rd_kafka_topic_partition_list_add(l, topic, p)->offset =
				RD_KAFKA_OFFSET_BEGINNING;
		}
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

/* Assign the partitions of every event topic not assigned yet (a topic
 * created or grown after the scorer started is taken when seen). */
static void discover(struct kin *k)
{
	char *topics = strdup(k->in->topics), *save = NULL;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
	for (char *t = topics ? strtok_r(topics, ", ", &save) : NULL; t;
	     t = strtok_r(NULL, ", ", &save))
		topic_partitions(k, t, l);
	free(topics);
	if (l->cnt) {
		rd_kafka_error_t *e = rd_kafka_incremental_assign(k->global, l);
		if (e) {
			fprintf(stderr, "sightline score: kafka: reading every partition: %s\n",
				rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	k->global_checked = ms_now();
}

int sl_kin_global_open(struct kin *k)
{
	char why[256];
	rd_kafka_conf_t *c = global_conf(k);
	if (!c)
		return -EINVAL;
	k->global = rd_kafka_new(RD_KAFKA_CONSUMER, c, why, sizeof(why));
	if (!k->global) {
		snprintf(k->err, sizeof(k->err), "kafka client (reader of every partition): %s", why);
		return -EINVAL;
	}
	k->s->global.external = true;
	k->global_since = ms_now();
	discover(k);
	return 0;
}

/* A forwarded rule hit, for the correlations (which count hits of every
 * subject: several laptops driven remotely on one LAN). */
static bool hit_of_interest(const struct sl_scorer *s, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "event_type"));
	const char *scope = json_string_value(sl_jpath_get(ev, "alert.scope"));
	return s->corr && type && !strcmp(type, "alert") && scope &&
	       (!strcmp(scope, "flow") || !strcmp(scope, "subject-hit") || !strcmp(scope, "signin"));
}

/* The scorer's own partitions read to their end (none owned: so too). */
static bool own_at_end(const struct kin *k)
{
	for (size_t i = 0; i < k->n_parts; i++) {
		const struct kpart *kp = &k->parts[i];
		if (kp->owned && (!kp->at_end || kp->next_msg || kp->n_early))
			return false;
	}
	return true;
}

/* One message of the reader: its partition's clock, then its facts. */
static void take_global(struct kin *k, rd_kafka_message_t *m)
{
	struct kglobal *g = gpart(k, rd_kafka_topic_name(m->rkt), m->partition, false);
	if (!g)
		return;
	g->started = true;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		g->at_end = true;
		return;
	}
	if (m->err)
		return; /* the group's own consumer reports the partition's errors */
	g->at_end = false;
	json_t *ev = json_loadb(m->payload, m->len, 0, NULL);
	sl_time_us t;
	if (json_is_object(ev) && sl_score_event_time(ev, &t)) {
		g->newest = t > g->newest ? t : g->newest;
		sl_score_global_feed(k->s, ev, t);
		if (hit_of_interest(k->s, ev) && t >= k->s->applied_until &&
		    sl_score_global_push(k->s, json_incref(ev), t) < 0) {
			snprintf(k->err, sizeof(k->err), "out of memory for the reorder window");
			k->fatal = -ENOMEM;
		}
	}
	json_decref(ev);
}

/*
 * Facts are complete up to the oldest partition's latest event less the
 * reorder window (what a partition may still bring older than its latest);
 * a partition read to its end holds nothing back, nor one never heard from
 * START_WAIT_MS after the start (named once on stderr).
 */
static sl_time_us horizon(struct kin *k)
{
	sl_time_us h = UINT64_MAX;
	uint64_t window = (uint64_t)k->s->cfg->scoring.reorder_window * SL_US_PER_SEC;
	bool waited = ms_now() - k->global_since >= START_WAIT_MS;
	for (size_t i = 0; i < k->n_gparts; i++) {
		const struct kglobal *g = &k->gparts[i];
		if (g->at_end || (!g->started && waited)) {
			if (!g->started && !k->global_gave_up) {
				fprintf(stderr, "sightline score: kafka: %s [%d] not heard from in %d s: "
					"scoring goes on without its address facts\n", g->topic,
					(int)g->p, START_WAIT_MS / 1000);
				k->global_gave_up = true;
			}
			continue;
		}
		sl_time_us at = g->newest > window ? g->newest - window : 0;
		h = at < h ? at : h;
	}
	return h;
}

void sl_kin_global_poll(struct kin *k)
{
	if (!k->global)
		return;
	if (ms_now() - k->global_checked >= GLOBAL_RECHECK_MS)
		discover(k);
	for (int i = 0; i < GLOBAL_BATCH; i++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->global, 0);
		if (!m)
			break;
		take_global(k, m);
		rd_kafka_message_destroy(m);
	}
	k->s->global.horizon = horizon(k);
	k->s->global.own_at_end = own_at_end(k);
}

bool sl_kin_global_caught_up(const struct kin *k)
{
	bool waited = ms_now() - k->global_since >= START_WAIT_MS;
	for (size_t i = 0; k->global && i < k->n_gparts; i++)
		if (!k->gparts[i].at_end && (k->gparts[i].started || !waited))
			return false;
	return true;
}

void sl_kin_global_close(struct kin *k)
{
	if (k->global) {
		rd_kafka_consumer_close(k->global);
		rd_kafka_destroy(k->global);
	}
	k->global = NULL;
	k->s->global.external = false;
	k->s->global.horizon = UINT64_MAX;
	free(k->gparts);
	k->gparts = NULL;
	k->n_gparts = 0;
}
