/* Produce EVE lines from standard input to a Kafka topic, each keyed by its
 * subject_key as a forwarding sensor's Kafka output keys it (librdkafka's
 * default partitioner, as there), for the fleet tests that need a stream
 * in a chosen order; at the end it says how many were delivered and what each
 * partition holds (low and high watermarks).
 * Usage: kafkaproduce BOOTSTRAPS TOPIC < events.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

/* The value of "subject_key":"..." in line (no escapes in keys we write). */
static const char *key_of(const char *line, size_t *n)
{
	static const char tag[] = "\"subject_key\":\"";
	const char *p = strstr(line, tag);
	if (!p)
		return *n = 0, NULL;
	p += strlen(tag);
	const char *q = strchr(p, '"');
	*n = q ? (size_t)(q - p) : 0;
	return q ? p : NULL;
}

/* Delivery reports: a message the cluster refused is counted and named,
 * never lost silently (rd_kafka_flush() succeeds once nothing is queued,
 * whether what left was delivered or not). */
static size_t delivered, failed;
static char first_error[256];

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (!m->err) {
		delivered++;
		return;
	}
	if (!failed++)
		snprintf(first_error, sizeof(first_error), "%s", rd_kafka_err2str(m->err));
}

/* What the topic holds now, partition by partition: a broker may have
 * deleted the oldest messages already (retention, or the mock cluster's
 * bound on a partition's log), and a consumer from "earliest" never sees
 * them.  One "partition P: low L high H" line each on stderr. */
static void watermarks(rd_kafka_t *p, const char *topic)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(p, topic, NULL);
	if (!t || rd_kafka_metadata(p, 0, t, &md, 10000) || md->topic_cnt != 1) {
		fprintf(stderr, "kafkaproduce: no metadata of %s\n", topic);
	} else {
		for (int i = 0; i < md->topics[0].partition_cnt; i++) {
			int64_t lo = -1, hi = -1;
			int32_t id = md->topics[0].partitions[i].id;
			rd_kafka_query_watermark_offsets(p, topic, id, &lo, &hi, 10000);
			fprintf(stderr, "kafkaproduce: partition %d: low %lld high %lld\n", (int)id,
				(long long)lo, (long long)hi);
		}
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	if (t)
		rd_kafka_topic_destroy(t);
}

int main(int argc, char **argv)
{
	char err[512], *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	if (argc != 3)
		return fprintf(stderr, "usage: kafkaproduce BOOTSTRAPS TOPIC < lines\n"), 2;
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (rd_kafka_conf_set(c, "bootstrap.servers", argv[1], err, sizeof(err)) ||
	    rd_kafka_conf_set(c, "linger.ms", "1", err, sizeof(err)))
		return fprintf(stderr, "kafkaproduce: %s\n", err), 1;
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!p)
		return fprintf(stderr, "kafkaproduce: %s\n", err), 1;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		size_t klen;
		const char *key = key_of(line, &klen);
		rd_kafka_resp_err_t e;
		while ((e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_KEY(key, klen),
					      RD_KAFKA_V_VALUE(line, (size_t)len),
					      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(p, 100); /* a full local queue waits, it is no error */
		if (e)
			return fprintf(stderr, "kafkaproduce: %s\n", rd_kafka_err2str(e)), 1;
		n++;
		rd_kafka_poll(p, 0);
	}
	free(line);
	int left = rd_kafka_flush(p, 30000) ? 1 : 0;
	watermarks(p, argv[2]);
	rd_kafka_destroy(p);
	fprintf(stderr, "kafkaproduce: %zu messages, %zu delivered, %zu failed%s%s%s\n", n,
		delivered, failed, failed ? " (" : "", first_error, failed ? ")" : "");
	return left || failed || delivered != n;
}
