/* Declarations of the alert block sl_engine_alert_block() writes into the
 * alerts of a rule's match (flow and sign-in) and, in part, a subject's
 * alert: the schema and --list-fields are built from them, so a key added
 * to the writer is added here (tests/tools/validate_events.py fails on any
 * key the declarations do not name). */
#include "sightline/schema.h"

static const struct sl_field alert_fields[] = {
	{ "alert.scope", SL_FT_STRING, "what raised the alert: flow (a rule matched a flow), signin (a rule matched a sign-in) or subject (a subject's score reached a level)" },
	{ "alert.action", SL_FT_STRING, "always allowed: a passive sensor blocks nothing" },
	{ "alert.gid", SL_FT_UINT, "generator id: 1 for every sightline alert" },
	{ "alert.signature_id", SL_FT_UINT, "stable number of the rule (or, for subject alerts, of the level reached)" },
	{ "alert.rev", SL_FT_UINT, "revision of the rule" },
	{ "alert.signature", SL_FT_STRING, "the rule's title (its id when it has none); subject alerts: the score and level reached" },
	{ "alert.category", SL_FT_STRING, "the rule's family (hits in one family count once for the subject)" },
	{ "alert.level", SL_FT_STRING, "the rule's level: informational, low, medium, high or critical; subject alerts: the level the score reached" },
	{ "alert.severity", SL_FT_UINT, "Suricata's severity scale from the level: 1 high or critical, 2 medium, 3 low, 4 informational" },
	{ "alert.score", SL_FT_DOUBLE, "the rule's score 0-100; subject alerts: the subject's score (noisy-OR of its families)" },
	{ "alert.matched", SL_FT_STRING_LIST, "flow and sign-in alerts: the selections of the rule that held (outside any 'not')" },
};

const struct sl_field_table sl_alert_fields = {
	.module = "alert",
	.fields = alert_fields,
	.n = ARRAY_SIZE(alert_fields),
};
