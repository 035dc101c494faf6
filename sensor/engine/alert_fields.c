/* The alert block of the alerts of a rule's match (flow and sign-in) and,
 * in part, of a subject's alert: declared once over struct sl_alert_view,
 * from which sl_alert_write() writes each form in its key order and the
 * schema and --list-fields are built. */
#include "sightline/schema.h"

#define AV struct sl_alert_view

/* Indexes of the declarations, for the writers' key orders. */
enum {
	A_SCOPE, A_ACTION, A_GID, A_SID, A_REV, A_SIGNATURE, A_CATEGORY, A_LEVEL, A_SEVERITY,
	A_SCORE, A_TAGS, A_REFS, A_MLEVEL, A_MSCORE, A_MFAMILY, A_RULE_ID, A_MATCHED, A_N
};

static const struct sl_field alert_fields[A_N] = {
	[A_SCOPE] = SL_FIELD_STRP("alert.scope", "what raised the alert: flow (a rule matched a flow), signin (a rule matched a sign-in) or subject (a subject's score reached a level)", SL_IN_OWN, AV, scope, SL_ALWAYS),
	[A_ACTION] = SL_FIELD_STRP("alert.action", "always allowed: a passive sensor blocks nothing", SL_IN_OWN, AV, action, SL_ALWAYS),
	[A_GID] = SL_FIELD_U("alert.gid", "generator id: 1 for every sightline alert", SL_IN_OWN, AV, gid, SL_ALWAYS),
	[A_SID] = SL_FIELD_U("alert.signature_id", "stable number of the rule (or, for subject alerts, of the level reached)", SL_IN_OWN, AV, signature_id, SL_ALWAYS),
	[A_REV] = SL_FIELD_U("alert.rev", "revision of the rule", SL_IN_OWN, AV, rev, SL_ALWAYS),
	[A_SIGNATURE] = SL_FIELD_STRP("alert.signature", "the rule's title (its id when it has none); subject alerts: fixed text per level reached", SL_IN_OWN, AV, signature, SL_ALWAYS),
	[A_CATEGORY] = SL_FIELD_STRP("alert.category", "the rule's family (hits in one family count once for the subject)", SL_IN_OWN, AV, category, SL_ALWAYS),
	[A_LEVEL] = SL_FIELD_STRP("alert.level", "the rule's level: informational, low, medium, high or critical; subject alerts: the level the score reached", SL_IN_OWN, AV, level, SL_ALWAYS),
	[A_SEVERITY] = SL_FIELD_U("alert.severity", "Suricata's severity scale from the level: 1 high or critical, 2 medium, 3 low, 4 informational", SL_IN_OWN, AV, severity, SL_ALWAYS),
	[A_SCORE] = SL_FIELD_DECIMALS("alert.score", "the rule's score 0-100; subject alerts: the subject's score (noisy-OR of its families)", SL_IN_OWN, AV, score, 1, SL_ALWAYS),
	[A_TAGS] = SL_FIELD_STRPP("alert.metadata.tags", "rule alerts: the rule's tags (EVE's metadata: lists of text)", SL_IN_OWN, AV, tags, n_tags, SL_NONZERO),
	[A_REFS] = SL_FIELD_STRPP("alert.metadata.references", "rule alerts: the rule's references", SL_IN_OWN, AV, references, n_references, SL_NONZERO),
	[A_MLEVEL] = SL_FIELD_STRPS("alert.metadata.level", "rule alerts: the rule's level, as a one-item list", SL_IN_OWN, AV, meta_level, n_meta, SL_NONZERO),
	[A_MSCORE] = SL_FIELD_STRPS("alert.metadata.score", "rule alerts: the rule's score, as a one-item list of text", SL_IN_OWN, AV, meta_score, n_meta, SL_NONZERO),
	[A_MFAMILY] = SL_FIELD_STRPS("alert.metadata.family", "rule alerts: the rule's family, as a one-item list", SL_IN_OWN, AV, meta_family, n_meta, SL_NONZERO),
	[A_RULE_ID] = SL_FIELD_STRP("alert.rule_id", "rule alerts: the rule's own id (its YAML id, e.g. a UUID)", SL_IN_OWN, AV, rule_id, SL_ALWAYS),
	[A_MATCHED] = SL_FIELD_STRPS("alert.matched", "flow and sign-in alerts: the selections of the rule that held (outside any 'not')", SL_IN_OWN, AV, matched, n_matched, SL_IF(AV, has_matched)),
};

/* The key order of each form: EVE's keys first in both; a subject alert
 * names its scope before them. */
static const uint8_t rule_order[] = {
	A_ACTION, A_GID, A_SID, A_REV, A_SIGNATURE, A_CATEGORY, A_SEVERITY, A_TAGS, A_REFS,
	A_MLEVEL, A_MSCORE, A_MFAMILY, A_RULE_ID, A_SCOPE, A_LEVEL, A_SCORE, A_MATCHED,
};
/* rule_order cut before alert.matched, the only part a flow changes */
static const uint8_t rule_head[] = {
	A_ACTION, A_GID, A_SID, A_REV, A_SIGNATURE, A_CATEGORY, A_SEVERITY, A_TAGS, A_REFS,
	A_MLEVEL, A_MSCORE, A_MFAMILY, A_RULE_ID, A_SCOPE, A_LEVEL, A_SCORE,
};
static const uint8_t rule_tail[] = { A_MATCHED };
_Static_assert(sizeof(rule_head) + sizeof(rule_tail) == sizeof(rule_order), "head, tail: the order");
static const uint8_t subject_order[] = {
	A_SCOPE, A_ACTION, A_GID, A_SID, A_REV, A_SIGNATURE, A_CATEGORY, A_SEVERITY, A_LEVEL,
	A_SCORE,
};

void sl_alert_write(const struct sl_alert_view *v, enum sl_alert_form form, struct sl_json *j)
{
	if (form == SL_ALERT_RULE)
		sl_fields_write_order(&sl_alert_fields, rule_order, ARRAY_SIZE(rule_order), v, j);
	else
		sl_fields_write_order(&sl_alert_fields, subject_order, ARRAY_SIZE(subject_order), v,
				      j);
}

void sl_alert_write_rule(const struct sl_alert_view *v, uint64_t stamp, struct sl_json *j)
{
	sl_fields_write_kept(&sl_alert_fields, rule_head, ARRAY_SIZE(rule_head), v, stamp, j);
	sl_fields_write_order(&sl_alert_fields, rule_tail, ARRAY_SIZE(rule_tail), v, j);
}

const struct sl_field_table sl_alert_fields = {
	.module = "alert",
	.fields = alert_fields,
	.n = ARRAY_SIZE(alert_fields),
};
