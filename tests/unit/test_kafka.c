/* The Kafka output against librdkafka's in-process mock cluster: every
 * line written comes back, in order, through a consumer; a forwarding
 * sensor's lines are keyed by their subject_key, so one subject's events
 * share a partition; with the broker down the queue bound holds and every
 * event is counted as dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "sightline/output.h"
#include "testhelp.h"

#define N 50

static rd_kafka_t *consumer(const char *bootstraps, const char *topic)
{
	char err[256], group[64];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	snprintf(group, sizeof(group), "sightline-test-%s", topic); /* a group of its own */
	rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, err, sizeof(err));
	rd_kafka_conf_set(c, "group.id", group, err, sizeof(err));
	rd_kafka_conf_set(c, "auto.offset.reset", "earliest", err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!rk)
		return NULL;
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(t, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(rk, t);
	rd_kafka_topic_partition_list_destroy(t);
	return rk;
}

/* Write N lines through the output, then read them back in order. */
static void roundtrip(rd_kafka_mock_cluster_t *mc)
{
	char err[512] = "", line[64];
	struct sl_output *o = NULL;
	struct sl_output_entry e = {
		.type = SL_OUT_KAFKA, .brokers = (char *)rd_kafka_mock_cluster_bootstraps(mc),
		.topic = "events", .compression = 1 /* gzip */, .queue = 1000,
		.flush_timeout_ms = 10000, .properties = "linger.ms=1,client.id=sightline,test", /* the comma continues client.id */
	};
	CHECK_EQ_INT(sl_output_open(&e, &o, err, sizeof(err)), 0);
	if (!o)
		return fprintf(stderr, "%s\n", err), (void)0;
	for (int i = 0; i < N; i++) {
		int n = snprintf(line, sizeof(line), "{\"event_type\":\"flow\",\"n\":%d}", i);
		CHECK(sl_output_write(o, line, (size_t)n));
	}
	sl_output_drain(o);
	struct sl_output_stats st;
	sl_output_stats(o, &st);
	CHECK_EQ_INT(st.events, N);
	CHECK_EQ_INT(st.delivered, N);
	CHECK_EQ_INT(st.dropped, 0);
	CHECK(st.connected);
	CHECK_EQ_STR(st.type, "kafka");
	sl_output_close(o);

	rd_kafka_t *c = consumer(e.brokers, "events");
	CHECK(c != NULL);
	int got = 0, in_order = 0;
	for (int tries = 0; c && got < N && tries < 60; tries++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
		if (!m)
			continue;
		if (!m->err) {
			int n = snprintf(line, sizeof(line), "{\"event_type\":\"flow\",\"n\":%d}", got);
			in_order += m->len == (size_t)n && memcmp(m->payload, line, m->len) == 0;
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	CHECK_EQ_INT(got, N);
	CHECK_EQ_INT(in_order, N);
	if (c) {
		rd_kafka_consumer_close(c);
		rd_kafka_destroy(c);
	}
}

#define SUBJECTS 6
#define PER_SUBJECT 8

/* Forwarded lines (scoring.mode forward: subject_key after host and
 * event_id) carry their subject as the message key: every line of one
 * subject in one partition of a 4-partition topic; a line with no
 * subject_key (stats) has no key. */
static void keyed(rd_kafka_mock_cluster_t *mc)
{
	char err[512] = "", line[160];
	struct sl_output *o = NULL;
	struct sl_output_entry e = {
		.type = SL_OUT_KAFKA, .brokers = (char *)rd_kafka_mock_cluster_bootstraps(mc),
		.topic = "fleet", .queue = 1000, .flush_timeout_ms = 10000,
	};
	CHECK_EQ_INT(sl_output_open(&e, &o, err, sizeof(err)), 0);
	if (!o)
		return;
	for (int i = 0; i < SUBJECTS * PER_SUBJECT; i++) {
		int n = snprintf(line, sizeof(line), "{\"host\":\"s\",\"event_id\":\"%04x\","
				 "\"subject_key\":\"Person \\\"%d\\\"\",\"event_type\":\"flow\"}", i,
				 i % SUBJECTS);
		CHECK(sl_output_write(o, line, (size_t)n));
	}
	CHECK(sl_output_write(o, "{\"host\":\"s\",\"event_type\":\"stats\"}", 34));
	sl_output_drain(o);
	sl_output_close(o);
	rd_kafka_t *c = consumer(e.brokers, "fleet");
	int part_of[SUBJECTS], got = 0, keyed_right = 0, same_part = 0, unkeyed = 0;
	for (int i = 0; i < SUBJECTS; i++)
		part_of[i] = -1;
	for (int tries = 0; c && got < SUBJECTS * PER_SUBJECT + 1 && tries < 60; tries++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
		if (!m)
			continue;
		int subj;
		char want[32];
		const char *p = m->err ? NULL : memmem(m->payload, m->len, "Person \\\"", 9);
		if (!m->err && !p) {
			unkeyed += m->key == NULL;
			got++;
		} else if (p && sscanf(p + 9, "%d", &subj) == 1 && subj >= 0 && subj < SUBJECTS) {
			int n = snprintf(want, sizeof(want), "Person \\\"%d\\\"", subj);
			keyed_right += m->key_len == (size_t)n && memcmp(m->key, want, (size_t)n) == 0;
			if (part_of[subj] < 0)
				part_of[subj] = m->partition;
			same_part += part_of[subj] == m->partition;
			got++;
		}
		rd_kafka_message_destroy(m);
	}
	CHECK_EQ_INT(got, SUBJECTS * PER_SUBJECT + 1);
	CHECK_EQ_INT(keyed_right, SUBJECTS * PER_SUBJECT);
	CHECK_EQ_INT(same_part, SUBJECTS * PER_SUBJECT);
	CHECK_EQ_INT(unkeyed, 1);
	if (c) {
		rd_kafka_consumer_close(c);
		rd_kafka_destroy(c);
	}
}

/* Broker down: 5 fit in librdkafka's queue, the rest are dropped at once,
 * and the 5 are counted as dropped when the flush timeout ends. */
static void broker_down(rd_kafka_mock_cluster_t *mc)
{
	char err[512] = "";
	struct sl_output *o = NULL;
	struct sl_output_entry e = {
		.type = SL_OUT_KAFKA, .brokers = (char *)rd_kafka_mock_cluster_bootstraps(mc),
		.topic = "events", .queue = 5, .flush_timeout_ms = 300,
	};
	rd_kafka_mock_broker_set_down(mc, 1);
	CHECK_EQ_INT(sl_output_open(&e, &o, err, sizeof(err)), 0);
	if (!o)
		return;
	int accepted = 0;
	for (int i = 0; i < 20; i++)
		accepted += sl_output_write(o, "{\"event_type\":\"stats\"}", 23);
	CHECK_EQ_INT(accepted, 5);
	struct sl_output_stats st;
	sl_output_stats(o, &st);
	CHECK_EQ_INT(st.dropped, 15);
	CHECK(st.queued >= 5);
	sl_output_drain(o);
	sl_output_stats(o, &st);
	CHECK_EQ_INT(st.delivered, 0);
	CHECK_EQ_INT(st.dropped, 20);
	sl_output_close(o);
	rd_kafka_mock_broker_set_up(mc, 1);
}

int main(void)
{
	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	CHECK(host != NULL);
	rd_kafka_mock_cluster_t *mc = host ? rd_kafka_mock_cluster_new(host, 1) : NULL;
	CHECK(mc != NULL);
	if (mc) {
		CHECK_EQ_INT(rd_kafka_mock_topic_create(mc, "events", 1, 1), 0);
		roundtrip(mc);
		CHECK_EQ_INT(rd_kafka_mock_topic_create(mc, "fleet", 4, 1), 0);
		keyed(mc);
		broker_down(mc);
		rd_kafka_mock_cluster_destroy(mc);
	}
	if (host)
		rd_kafka_destroy(host);
	return TEST_REPORT();
}
