/* The fleet scorer's stats counters (stats.scorer.*), declared for the
 * schema, --list-fields and README beside their writer,
 * sl_scorer_write_stats() in score_apply.c, which names the same keys. */
#include "sightline/schema.h"

#define U(NAME, DESC) { "stats." NAME, SL_FT_UINT, DESC }

static const struct sl_field scorer_stats_fields[] = {
	U("scorer.events", "sightline score: events read"),
	U("scorer.applied", "sightline score: events applied to subjects"),
	U("scorer.duplicates", "sightline score: events dropped, their event_id seen before"),
	U("scorer.late", "sightline score: events dropped, older than the reorder window allows"),
	U("scorer.invalid", "sightline score: lines refused: not an event"),
	U("scorer.ignored", "sightline score: events not applied (stats, subject events; a flow event without addresses)"),
	U("scorer.unknown_rules", "sightline score: forwarded alerts of a rule the scorer's pack does not hold"),
	U("scorer.hits", "sightline score: rule hits applied to subjects"),
	U("scorer.flow_alerts", "sightline score: flow alerts of rules that read subject facts, judged by the scorer"),
	U("scorer.subject_alerts", "sightline score: subject alerts written"),
	U("scorer.summaries", "sightline score: subject summaries written"),
	U("scorer.queued", "sightline score: events in the reorder window"),
	U("scorer.open_flows", "sightline score: flows charged at an early alert whose flow event is still due"),
	U("scorer.global.facts", "sightline score: events whose address facts (subjects behind an address, accounts signed in from it) were taken, from every partition"),
	U("scorer.global.late", "sightline score: of those, facts that arrived after events of their time had been scored (a partition idle or at its end, then written to)"),
	U("scorer.global.addresses", "sightline score: outside addresses whose subjects are held for subject.egress_subjects"),
	U("scorer.global.evicted", "sightline score: addresses forgotten to stay within 4 x scoring.max_subjects"),
	U("scorer.kafka.messages", "sightline score over Kafka: messages taken from the event partitions"),
	U("scorer.kafka.partitions", "sightline score over Kafka: event partitions this scorer owns now"),
	U("scorer.kafka.lag", "sightline score over Kafka: messages behind the owned partitions' ends (when last idle)"),
	U("scorer.kafka.checkpoints", "sightline score over Kafka: partition checkpoints (state delivered, then offsets committed)"),
	U("scorer.kafka.state_records", "sightline score over Kafka: records written to the state topic"),
	U("scorer.kafka.state_bytes", "sightline score over Kafka: bytes of those records"),
	U("scorer.kafka.restored", "sightline score over Kafka: subjects restored from the state topic"),
	U("scorer.kafka.replayed_seen", "sightline score over Kafka: event ids restored with them, so replayed events are dropped as duplicates"),
};

const struct sl_field_table sl_scorer_stats_fields = {
	.module = "scorer",
	.fields = scorer_stats_fields,
	.n = ARRAY_SIZE(scorer_stats_fields),
};
