/* What the fleet scorer needs of librdkafka 2.0.2's mock cluster, checked
 * alone: two balanced consumers in one group split a topic's partitions
 * (the rebalance callback sees the assignment), offsets they commit are
 * stored by the group coordinator, and a later member of the group reads
 * them back (rd_kafka_committed) instead of starting over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define PARTS 4
#define MSGS 200

static int assigned[2];

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *p,
		      void *opaque)
{
	int *n = opaque;
	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		*n = p->cnt;
		rd_kafka_assign(rk, p);
	} else {
		*n = 0;
		rd_kafka_commit(rk, NULL, 0);
		rd_kafka_assign(rk, NULL);
	}
}

static rd_kafka_t *member(const char *boot, int *n)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", boot, err, sizeof(err));
	rd_kafka_conf_set(c, "group.id", "groupcheck", err, sizeof(err));
	rd_kafka_conf_set(c, "auto.offset.reset", "earliest", err, sizeof(err));
	rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof(err));
	rd_kafka_conf_set(c, "session.timeout.ms", "6000", err, sizeof(err));
	rd_kafka_conf_set_rebalance_cb(c, rebalance);
	rd_kafka_conf_set_opaque(c, n);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!rk)
		return fprintf(stderr, "consumer: %s\n", err), NULL;
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(t, "events", RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(rk, t);
	rd_kafka_topic_partition_list_destroy(t);
	return rk;
}

static int produce(const char *boot)
{
	char err[256], key[16], val[32];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", boot, err, sizeof(err));
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!p)
		return -1;
	for (int i = 0; i < MSGS; i++) {
		snprintf(key, sizeof(key), "k%d", i % 17);
		int n = snprintf(val, sizeof(val), "%d", i);
		rd_kafka_producev(p, RD_KAFKA_V_TOPIC("events"), RD_KAFKA_V_KEY(key, strlen(key)),
				  RD_KAFKA_V_VALUE(val, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				  RD_KAFKA_V_END);
	}
	int left = rd_kafka_flush(p, 10000) ? -1 : 0;
	rd_kafka_destroy(p);
	return left;
}

int main(void)
{
	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	rd_kafka_mock_cluster_t *mc = host ? rd_kafka_mock_cluster_new(host, 3) : NULL;
	if (!mc)
		return printf("SKIP: librdkafka has no mock cluster\n"), 77;
	rd_kafka_mock_topic_create(mc, "events", PARTS, 1);
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	if (produce(boot) < 0)
		return printf("FAIL: produce\n"), 1;
	rd_kafka_t *a = member(boot, &assigned[0]), *b = member(boot, &assigned[1]);
	int got = 0, split = 0;
	for (int round = 0; round < 600 && got < MSGS; round++) {
		rd_kafka_t *m = round % 2 ? b : a;
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(m, 50);
		if (msg && !msg->err)
			got++;
		if (msg)
			rd_kafka_message_destroy(msg);
		if (assigned[0] > 0 && assigned[1] > 0 && assigned[0] + assigned[1] == PARTS)
			split = 1;
	}
	printf("consumed %d of %d; split %d+%d\n", got, MSGS, assigned[0], assigned[1]);
	if (!split || got != MSGS)
		return printf("FAIL: the group did not split the partitions or lost messages\n"), 1;
	rd_kafka_commit(a, NULL, 0);
	rd_kafka_commit(b, NULL, 0);
	rd_kafka_consumer_close(a);
	rd_kafka_consumer_close(b);
	rd_kafka_destroy(a);
	rd_kafka_destroy(b);
	/* A new member reads the offsets the group committed. */
	int n3 = 0;
	rd_kafka_t *c = member(boot, &n3);
	rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(PARTS);
	for (int p = 0; p < PARTS; p++)
		rd_kafka_topic_partition_list_add(q, "events", p);
	rd_kafka_resp_err_t e = rd_kafka_committed(c, q, 10000);
	int64_t sum = 0;
	for (int p = 0; p < q->cnt; p++)
		sum += q->elems[p].offset > 0 ? q->elems[p].offset : 0;
	printf("committed offsets sum %lld (%s)\n", (long long)sum, rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(q);
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
	if (e || sum != MSGS)
		return printf("FAIL: committed offsets were not kept\n"), 1;
	printf("PASS\n");
	return 0;
}
