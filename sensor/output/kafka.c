/* The Kafka output, through librdkafka's producer.  librdkafka keeps its own
 * queue: it is bounded by queue.buffering.max.messages (the entry's queue),
 * a full queue is a counted drop, delivery reports count what the brokers
 * acknowledged and what failed, and a thread of ours serves them with
 * rd_kafka_poll() so the capture thread only ever enqueues. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "sightline/extlib.h"
#include "output_priv.h"

struct kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	pthread_t poller;
	atomic_bool stop;
	bool drained;
	uint32_t flush_timeout_ms;
	char dest[256];
	atomic_uint_fast64_t events, delivered, dropped, reconnects;
	atomic_int last_errno;
	atomic_bool connected, ever_connected;
};

/* Delivery report, called from rd_kafka_poll()/flush() in our threads. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka *k = opaque;
	(void)rk;
	if (m->err) {
		k->dropped++;
		k->last_errno = EIO;
		return;
	}
	k->delivered++;
	if (!k->connected && k->ever_connected)
		k->reconnects++;
	k->connected = k->ever_connected = true;
}

/* librdkafka reports when it has lost every broker; it reconnects itself. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka *k = opaque;
	(void)rk;
	(void)reason;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT)
		k->connected = false;
}

static void *poll_loop(void *arg)
{
	struct kafka *k = arg;
	while (!k->stop)
		rd_kafka_poll(k->rk, 100);
	return NULL;
}

static int set_as(rd_kafka_conf_t *conf, const char *what, const char *key, const char *val,
		  char *err, size_t errlen)
{
	char why[512];
	if (rd_kafka_conf_set(conf, key, val, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "%s: property %s=%s: %s", what, key, val, why);
	return -EINVAL;
}

static int set(rd_kafka_conf_t *conf, const char *key, const char *val, char *err, size_t errlen)
{
	return set_as(conf, "kafka output", key, val, err, errlen);
}

/* "k=v,k=v"; a part without '=' continues the previous value ("debug=a,b"). */
int sl_kafka_conf_properties(struct rd_kafka_conf_s *conf, const char *props, const char *what,
			     char *err, size_t errlen)
{
	char *copy = strdup(props), *save = NULL, *key = NULL, val[4096] = "";
	int rc = copy ? 0 : -ENOMEM;
	for (char *part = copy ? strtok_r(copy, ",", &save) : NULL; part && rc == 0;
	     part = strtok_r(NULL, ",", &save)) {
		while (*part == ' ')
			part++;
		char *eq = strchr(part, '=');
		if (!eq && key) {
			size_t n = strlen(val);
			snprintf(val + n, sizeof(val) - n, ",%s", part);
			continue;
		}
		if (key)
			rc = set_as(conf, what, key, val, err, errlen);
		if (!eq) {
			snprintf(err, errlen, "%s: property '%s' is not key=value", what, part);
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		key = part;
		snprintf(val, sizeof(val), "%s", eq + 1);
	}
	if (rc == 0 && key)
		rc = set_as(conf, what, key, val, err, errlen);
	free(copy);
	return rc;
}

static rd_kafka_conf_t *make_conf(const struct sl_output_entry *cfg, struct kafka *k,
				  char *err, size_t errlen)
{
	static const char *const acks[] = { "all", "0", "1" };
	static const char *const comp[] = { "none", "gzip", "snappy", "lz4", "zstd" };
	char q[16];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	snprintf(q, sizeof(q), "%u", cfg->queue);
	if (set(conf, "bootstrap.servers", cfg->brokers, err, errlen) < 0 ||
	    set(conf, "acks", acks[cfg->acks], err, errlen) < 0 ||
	    set(conf, "compression.type", comp[cfg->compression], err, errlen) < 0 ||
	    set(conf, "queue.buffering.max.messages", q, err, errlen) < 0 ||
	    /* librdkafka batches for linger.ms: pinned to its 5 ms default (an
	     * alert must leave within a second); the user's properties may still
	     * change it */
	    set(conf, "queue.buffering.max.ms", "5", err, errlen) < 0 ||
	    (cfg->properties &&
	     sl_kafka_conf_properties(conf, cfg->properties, "kafka output", err, errlen) < 0)) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	return conf;
}

static void kafka_free(struct kafka *k)
{
	if (k->rkt)
		rd_kafka_topic_destroy(k->rkt);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	free(k);
}

static int kafka_open(const struct sl_output_entry *cfg, void **state, char *err, size_t errlen)
{
	char why[512];
	int rc = sl_rdkafka_open(why, sizeof(why));
	if (rc < 0)
		return snprintf(err, errlen, "kafka output: %s", why), rc;
	struct kafka *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->flush_timeout_ms = cfg->flush_timeout_ms;
	snprintf(k->dest, sizeof(k->dest), "%s/%s", cfg->brokers, cfg->topic);
	rd_kafka_conf_t *conf = make_conf(cfg, k, err, errlen);
	if (!conf) {
		free(k);
		return -EINVAL;
	}
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!k->rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka output %s: %s", k->dest, why);
		free(k);
		return -EINVAL;
	}
	k->rkt = rd_kafka_topic_new(k->rk, cfg->topic, NULL);
	rc = k->rkt ? pthread_create(&k->poller, NULL, poll_loop, k) : ENOMEM;
	if (rc) {
		snprintf(err, errlen, "kafka output %s: cannot start: %s", k->dest, strerror(rc));
		kafka_free(k);
		return -rc;
	}
	*state = k;
	return 0;
}

#define KEY_LOOK 1024 /* the subject key sits in the head of the line (after host) */

/*
 * The message key: a forwarding sensor's subject_key, which the engine puts
 * right after host and event_id (sensor/engine/forward.c), as the JSON
 * string's bytes (escapes and all: the same subject, the same key).  The
 * key decides the partition (librdkafka's default partitioner hashes it),
 * so every event of one subject reaches one scorer.  NULL: no key (a local
 * sensor's events, stats), spread as before.
 */
static const char *line_key(const char *line, size_t len, size_t *klen)
{
	static const char tag[] = "\"subject_key\":\"";
	size_t look = len < KEY_LOOK ? len : KEY_LOOK;
	const char *p = memmem(line, look, tag, sizeof(tag) - 1);
	if (!p)
		return NULL;
	p += sizeof(tag) - 1;
	const char *end = line + len;
	for (const char *q = p; q < end; q++) {
		if (*q == '\\') {
			q++;
			continue;
		}
		if (*q == '"') {
			*klen = (size_t)(q - p);
			return p;
		}
	}
	return NULL;
}

/* Enqueue only: librdkafka copies the line; a full queue is a counted drop. */
static bool kafka_write(void *state, const char *line, size_t len)
{
	struct kafka *k = state;
	size_t klen = 0;
	const char *key = line_key(line, len, &klen);
	k->events++;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__STATE;
	if (!k->drained)
		err = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->rkt),
					RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					RD_KAFKA_V_VALUE((void *)line, len),
					RD_KAFKA_V_KEY(key, key ? klen : 0), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return true;
	k->dropped++;
	k->last_errno = k->drained ? ESHUTDOWN : err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? ENOBUFS : EIO;
	return false;
}

static void kafka_nothing(void *state)
{
	(void)state; /* librdkafka sends by itself and has no file to reopen */
}

/* Wait for the brokers to acknowledge what is queued; the delivery reports
 * served meanwhile count it. */
static void kafka_sync(void *state)
{
	struct kafka *k = state;
	if (!k->drained)
		rd_kafka_flush(k->rk, (int)k->flush_timeout_ms);
}

static void kafka_stats(void *state, struct sl_output_stats *st)
{
	struct kafka *k = state;
	memset(st, 0, sizeof(*st));
	st->type = "kafka";
	snprintf(st->destination, sizeof(st->destination), "%s", k->dest);
	st->events = k->events;
	st->queued = k->drained ? 0 : (uint64_t)rd_kafka_outq_len(k->rk);
	st->delivered = k->delivered;
	st->dropped = k->dropped;
	st->reconnects = k->reconnects;
	st->connected = k->connected;
	st->last_errno = k->last_errno;
}

/* Wait up to flush_timeout for acknowledgements, then purge the rest: their
 * delivery reports (served by the last flush) count them as dropped. */
static void kafka_drain(void *state)
{
	struct kafka *k = state;
	if (k->drained)
		return;
	k->stop = true;
	pthread_join(k->poller, NULL);
	rd_kafka_flush(k->rk, (int)k->flush_timeout_ms);
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_flush(k->rk, 1000);
	k->drained = true;
}

static void kafka_close(void *state)
{
	kafka_drain(state);
	kafka_free(state);
}

const struct sl_output_ops sl_output_kafka = {
	"kafka", kafka_open, kafka_write, kafka_nothing, kafka_nothing, kafka_sync,
	kafka_stats, kafka_drain, kafka_close,
};
