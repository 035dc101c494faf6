/* Produce EVE lines from standard input to a Kafka topic, each keyed by its
 * subject_key as a forwarding sensor's Kafka output keys it (librdkafka's
 * default partitioner, as there), for the fleet tests that need a stream
 * in a chosen order.  Usage: kafkaproduce BOOTSTRAPS TOPIC < events.json */
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
		rd_kafka_resp_err_t e = rd_kafka_producev(
			p, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_KEY(key, klen),
			RD_KAFKA_V_VALUE(line, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_END);
		if (e)
			return fprintf(stderr, "kafkaproduce: %s\n", rd_kafka_err2str(e)), 1;
		n++;
		rd_kafka_poll(p, 0);
	}
	free(line);
	int left = rd_kafka_flush(p, 30000) ? 1 : 0;
	rd_kafka_destroy(p);
	fprintf(stderr, "kafkaproduce: %zu messages%s\n", n, left ? ", NOT all delivered" : "");
	return left;
}
