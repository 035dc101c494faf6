/* A librdkafka mock cluster in a process of its own, so that separate
 * sensor and scorer processes share one "Kafka" on loopback in the fleet
 * tests: N brokers, topics created with P partitions, the bootstrap
 * servers printed on stdout, running until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: mockcluster [-b BROKERS] [-p PARTITIONS] TOPIC[:PARTITIONS]...\n"
			"Starts a librdkafka mock cluster, creates the topics, prints the\n"
			"bootstrap servers on stdout and runs until SIGTERM.\n");
}

/* Create "name" or "name:partitions" (default p partitions). */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec, int p)
{
	char name[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, spec, n);
	name[n] = '\0';
	if (colon)
		p = atoi(colon + 1);
	if (p < 1)
		return -1;
	rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, p, 1);
	if (e) {
		fprintf(stderr, "mockcluster: topic %s: %s\n", name, rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int brokers = 1, parts = 4, c;
	char err[512];
	while ((c = getopt(argc, argv, "b:p:h")) != -1) {
		if (c == 'b')
			brokers = atoi(optarg);
		else if (c == 'p')
			parts = atoi(optarg);
		else
			return usage(), c == 'h' ? 0 : 2;
	}
	if (brokers < 1 || parts < 1)
		return usage(), 2;
	/* The mock cluster lives inside a client instance; a producer is the
	 * lightest one (it never connects unless asked to produce). */
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "mockcluster: %s\n", err);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "mockcluster: librdkafka could not create a mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (create_topic(mc, argv[i], parts) < 0) {
			fprintf(stderr, "mockcluster: bad topic \"%s\"\n", argv[i]);
			goto err;
		}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (!stop)
		pause();
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
err:
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 1;
}
