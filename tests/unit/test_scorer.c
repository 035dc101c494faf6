/* The fleet scorer's API (include/sightline/scorer.h), as the Kafka input
 * drives it: verdicts for queued, duplicate, late and ignored events,
 * errors for input that is no event, the reorder window, the partition a
 * subject's events came from, and the subject table it scores. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sightline/scorer.h"
#include "sightline/subject.h"
#include "../../sensor/score/score_priv.h"
#include "../../sensor/score/score_state.h"
#include "testhelp.h"

/* A forwarded flow event of client cli at hh:mm:ss, id its event_id. */
static int feed(struct sl_scorer *s, const char *id, const char *cli, const char *t, int part,
		char *err, size_t errlen)
{
	char line[1024];
	int n = snprintf(line, sizeof(line),
			 "{\"host\":\"s1\",\"event_id\":\"%s\",\"sensor_time\":\"2026-03-02T%s.000000+0000\","
			 "\"subject_key\":\"%s\",\"timestamp\":\"2026-03-02T%s.000000+0000\","
			 "\"flow_id\":%u,\"event_type\":\"flow\",\"src_ip\":\"%s\",\"src_port\":50000,"
			 "\"dest_ip\":\"192.0.2.10\",\"dest_port\":443,\"proto\":\"TCP\","
			 "\"flow\":{\"start\":\"2026-03-02T%s.000000+0000\"}}",
			 id, t, cli, t, (unsigned)(id[0] * 131 + id[1]), cli, t);
	return sl_scorer_event(s, line, (size_t)n, part, err, errlen);
}

static void test_verdicts(struct sl_scorer *s)
{
	TEST("queued, duplicate, late, ignored; errors name what is wrong");
	char err[256];
	CHECK_EQ_INT(feed(s, "a1", "203.0.113.5", "14:00:00", 3, err, sizeof(err)), SL_SCORER_QUEUED);
	CHECK_EQ_INT(feed(s, "a1", "203.0.113.5", "14:00:00", 3, err, sizeof(err)),
		     SL_SCORER_DUPLICATE);
	CHECK_EQ_INT(feed(s, "a2", "203.0.113.6", "14:00:03", 4, err, sizeof(err)), SL_SCORER_QUEUED);
	CHECK_EQ_INT(feed(s, "a3", "203.0.113.5", "14:00:20", 3, err, sizeof(err)), SL_SCORER_QUEUED);
	/* 14:00:10 is older than 14:00:20 less the 5 s window */
	CHECK_EQ_INT(feed(s, "a4", "203.0.113.7", "14:00:10", 3, err, sizeof(err)), SL_SCORER_LATE);
	const char stats[] = "{\"timestamp\":\"2026-03-02T23:00:00.000000+0000\",\"event_type\":\"stats\"}";
	CHECK_EQ_INT(sl_scorer_event(s, stats, sizeof(stats) - 1, 3, err, sizeof(err)),
		     SL_SCORER_IGNORED);
	CHECK_EQ_INT(sl_scorer_event(s, "nope", 4, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not JSON") != NULL);
	CHECK_EQ_INT(sl_scorer_event(s, "{\"a\":1}", 7, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "no event_type") != NULL);
	const struct sl_scorer_stats *st = sl_scorer_stats(s);
	CHECK_EQ_INT(st->events, 6);
	CHECK_EQ_INT(st->duplicates, 1);
	CHECK_EQ_INT(st->late, 1);
	CHECK_EQ_INT(st->ignored, 1);
	CHECK_EQ_INT(st->invalid, 2);
}

static void test_window(struct sl_scorer *s)
{
	TEST("drain applies what left the window, final applies the rest");
	const struct sl_scorer_stats *st = sl_scorer_stats(s);
	sl_scorer_drain(s, false); /* 14:00:00 and :03 are older than :20 less 5 s */
	CHECK_EQ_INT(st->applied, 2);
	CHECK_EQ_INT(st->queued, 1);
	CHECK_EQ_INT(sl_scorer_subject_partition(s, "203.0.113.5"), 3);
	CHECK_EQ_INT(sl_scorer_subject_partition(s, "203.0.113.6"), 4);
	CHECK_EQ_INT(sl_scorer_subject_partition(s, "198.51.100.1"), -1);
	sl_scorer_drain(s, true);
	CHECK_EQ_INT(st->applied, 3);
	CHECK_EQ_INT(st->queued, 0);
	CHECK_EQ_INT(sl_subjects_stats(sl_scorer_subjects(s))->tracked, 2);
	CHECK(sl_subjects_score(sl_scorer_subjects(s), "203.0.113.5", 0) >= 0);
}

/* A forwarded event of type type (flow or alert) of flow fid at hh:mm:ss. */
static int feed_type(struct sl_scorer *s, const char *id, const char *type, unsigned fid,
		     const char *t, int part)
{
	char line[1024], err[256];
	int n = snprintf(line, sizeof(line),
			 "{\"host\":\"s2\",\"event_id\":\"%s\",\"sensor_time\":\"2026-03-03T%s.000000+0000\","
			 "\"timestamp\":\"2026-03-03T%s.000000+0000\",\"flow_id\":%u,"
			 "\"event_type\":\"%s\",\"src_ip\":\"203.0.113.9\",\"src_port\":50000,"
			 "\"dest_ip\":\"192.0.2.10\",\"dest_port\":443,\"proto\":\"TCP\"}",
			 id, t, t, fid, type);
	return sl_scorer_event(s, line, (size_t)n, part, err, sizeof(err));
}

static void test_lagging_partition(struct sl_scorer *s)
{
	TEST("a partition behind the others keeps a flow's moment whole until read past it");
	const struct sl_scorer_stats *st = sl_scorer_stats(s);
	uint64_t applied = st->applied;
	/* partition 5 is an hour ahead; partition 6 (taken over) replays 10:00 */
	sl_scorer_partition_more(s, 5, true);
	sl_scorer_partition_more(s, 6, true);
	CHECK_EQ_INT(feed_type(s, "l1", "flow", 7, "11:00:00", 5), SL_SCORER_QUEUED);
	CHECK_EQ_INT(feed_type(s, "l2", "alert", 8, "10:00:00", 6), SL_SCORER_QUEUED);
	sl_scorer_drain(s, false);
	/* the alert is past the window, but its flow event (next in partition 6)
	 * is not read yet: released alone, the moment would be split */
	CHECK_EQ_INT(st->queued, 2);
	CHECK_EQ_INT(st->applied, applied);
	CHECK_EQ_INT(feed_type(s, "l3", "flow", 8, "10:00:00", 6), SL_SCORER_QUEUED);
	sl_scorer_drain(s, false);
	CHECK_EQ_INT(st->queued, 3);
	/* read past the moment: alert and flow go together */
	CHECK_EQ_INT(feed_type(s, "l4", "flow", 9, "10:00:30", 6), SL_SCORER_QUEUED);
	sl_scorer_drain(s, false);
	CHECK_EQ_INT(st->applied, applied + 2);
	CHECK_EQ_INT(st->queued, 2);
	/* read to its end: its last moment goes too */
	sl_scorer_partition_more(s, 6, false);
	sl_scorer_drain(s, false);
	CHECK_EQ_INT(st->applied, applied + 3);
	CHECK_EQ_INT(st->queued, 1);
	sl_scorer_drain(s, true);
	CHECK_EQ_INT(st->queued, 0);
}

/* A partition revoked from a scorer that holds nothing yet (no event ever
 * queued: the reorder window never allocated): discarding and dropping it
 * is a no-op.  Under UBSan the sort of the empty window was a null pointer
 * passed to qsort() (seen as a scorer exiting 1 at its consumer's close). */
static void test_revoke_empty(void)
{
	struct sl_config cfg = { 0 };
	struct sl_scorer *s = NULL;
	char err[512];
	TEST("revoking a partition of a scorer that queued nothing");
	if (sl_config_init_defaults(&cfg) < 0 ||
	    sl_config_set(&cfg, "rules.enabled=false", err, sizeof(err)) < 0)
		return;
	CHECK_EQ_INT(sl_scorer_create(&cfg, &s, err, sizeof(err)), 0);
	if (s) {
		CHECK_EQ_INT((int)sl_score_state_discard(s, 3), 0);
		CHECK_EQ_INT((int)sl_score_state_drop(s, 3), 0);
	}
	sl_scorer_destroy(s);
	sl_config_finish(&cfg);
}

int main(void)
{
	struct sl_config cfg = { 0 };
	struct sl_scorer *s = NULL;
	char err[512];
	if (sl_config_init_defaults(&cfg) < 0 ||
	    sl_config_set(&cfg, "rules.enabled=false", err, sizeof(err)) < 0 ||
	    sl_config_set(&cfg, "home_networks=192.0.2.0/24", err, sizeof(err)) < 0)
		return 1;
	int rc = sl_scorer_create(&cfg, &s, err, sizeof(err));
	CHECK_EQ_INT(rc, 0);
	if (rc == 0) {
		test_verdicts(s);
		test_window(s);
		test_lagging_partition(s);
	} else {
		fprintf(stderr, "%s\n", err);
	}
	sl_scorer_destroy(s);
	sl_scorer_destroy(NULL);
	sl_config_finish(&cfg);
	test_revoke_empty();
	return TEST_REPORT();
}
