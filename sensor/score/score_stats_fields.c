/* The fleet scorer's stats counters (stats.scorer.*), each declared once
 * with where it lives in the struct sl_scorer_stats_view that
 * sl_scorer_write_stats() (score_apply.c) gathers: its writer
 * (sl_fields_write()), the schema, --list-fields and README walk this
 * table. */
#include "sightline/schema.h"
#include "score_priv.h"

#define SV struct sl_scorer_stats_view
#define U(NAME, DESC, M) SL_FIELD_U("stats." NAME, DESC, SL_IN_OWN, SV, st.M, SL_ALWAYS)
/* stats.scorer.global.*: the address facts (score_global.c) */
#define G(NAME, DESC, M) SL_FIELD_U("stats." NAME, DESC, SL_IN_OWN, SV, g.M, SL_ALWAYS)
/* stats.scorer.kafka.*: only when the scorer reads Kafka */
#define K(NAME, DESC, M) SL_FIELD_U("stats." NAME, DESC, SL_IN_OWN, SV, k.M, SL_IF(SV, kafka))

static const struct sl_field scorer_stats_fields[] = {
	U("scorer.events", "sightline score: events read", events),
	U("scorer.applied", "sightline score: events applied to subjects", applied),
	U("scorer.duplicates", "sightline score: events dropped, their event_id seen before", duplicates),
	U("scorer.late", "sightline score: events dropped, older than the reorder window allows", late),
	U("scorer.invalid", "sightline score: lines refused: not an event", invalid),
	U("scorer.ignored", "sightline score: events not applied (stats, subject events; a flow event without addresses)", ignored),
	U("scorer.unknown_rules", "sightline score: forwarded alerts of a rule the scorer's pack does not hold", unknown_rules),
	U("scorer.hits", "sightline score: rule hits applied to subjects", hits),
	U("scorer.flow_alerts", "sightline score: flow alerts of rules that read subject facts, judged by the scorer", flow_alerts),
	U("scorer.subject_alerts", "sightline score: subject alerts written", subject_alerts),
	U("scorer.summaries", "sightline score: subject summaries written", summaries),
	U("scorer.queued", "sightline score: events in the reorder window", queued),
	U("scorer.open_flows", "sightline score: flows charged at an early alert whose flow event is still due", open_flows),
	G("scorer.global.facts", "sightline score: events whose address facts (subjects behind an address, accounts signed in from it) were taken, from every partition", facts),
	G("scorer.global.late", "sightline score: of those, facts that arrived after events of their time had been scored (a partition idle or at its end, then written to)", late),
	G("scorer.global.addresses", "sightline score: outside addresses whose subjects are held for subject.egress_subjects", addresses),
	G("scorer.global.evicted", "sightline score: addresses forgotten to stay within 4 x scoring.max_subjects", evicted),
	G("scorer.global.duplicates", "sightline score over Kafka: alerts the reader of every partition dropped, their event_id read before (a sensor's resent copy: its hits reach the correlations once)", duplicates),
	K("scorer.kafka.messages", "sightline score over Kafka: messages taken from the event partitions", messages),
	K("scorer.kafka.partitions", "sightline score over Kafka: event partitions this scorer owns now", partitions),
	K("scorer.kafka.lag", "sightline score over Kafka: messages behind the owned partitions' ends (when last idle)", lag),
	K("scorer.kafka.checkpoints", "sightline score over Kafka: partition checkpoints (state delivered, then offsets committed)", checkpoints),
	K("scorer.kafka.state_records", "sightline score over Kafka: records written to the state topic", state_records),
	K("scorer.kafka.state_bytes", "sightline score over Kafka: bytes of those records", state_bytes),
	K("scorer.kafka.restored", "sightline score over Kafka: subjects restored from the state topic", restored),
	K("scorer.kafka.replayed_seen", "sightline score over Kafka: event ids restored with them, so replayed events are dropped as duplicates", replayed_seen),
	K("scorer.kafka.tombstones", "sightline score over Kafka: state records deleted (null value) for subjects evicted from a full table, so a restore does not bring them back", tombstones),
};

const struct sl_field_table sl_scorer_stats_fields = {
	.module = "scorer",
	.fields = scorer_stats_fields,
	.n = ARRAY_SIZE(scorer_stats_fields),
};
