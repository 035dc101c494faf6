/* The event kinds sightline writes and the fields of each, from the
 * declarations: the catalogue's record fields a kind takes and the tables
 * of fields its own writer adds.  --list-fields prints them. */
#include <string.h>

#include "sightline/binding.h"
#include "sightline/schema.h"

/* The header every event carries, whatever writes it: the fields a kind
 * that is no record (a subject's events, stats) takes from the catalogue.
 * A field added to every event is one more name here. */
static bool header_field(const struct sl_field *f)
{
	static const char *const names[] = { "timestamp", "event_type" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(f->name, names[i]))
			return true;
	return false;
}

static bool in_table(const struct sl_field *f, const struct sl_field_table *t)
{
	return f >= t->fields && f < t->fields + t->n;
}

/* A flow (and its alerts) carries the whole catalogue but a sign-in's own
 * fields, which only a sign-in fills. */
static bool flow_field(const struct sl_field *f)
{
	return !in_table(f, &sl_signin_fields);
}

/* A subject's alert: the header, the Community ID of the flow that raised
 * it (none for a sign-in), and the subject block. */
static bool subject_alert_field(const struct sl_field *f)
{
	return header_field(f) || !strcmp(f->name, "community_id") || sl_subject_block_field(f);
}

static bool subject_event_field(const struct sl_field *f)
{
	return header_field(f) || sl_subject_summary_field(f);
}

static const struct sl_field_table *const forwarded_own[] = { &sl_header_fields,
							      &sl_forward_fields };
static const struct sl_field_table *const alert_own[] = { &sl_header_fields, &sl_forward_fields,
							  &sl_alert_fields };
/* The subject block's own table repeats catalogue names (which describe
 * them: the catalogue comes first), so the schema check holds its writer's
 * declarations to the catalogue's types. */
static const struct sl_field_table *const subject_alert_own[] = { &sl_header_fields,
								 &sl_event_head_cid_fields,
								 &sl_alert_fields,
								 &sl_subject_alert_fields,
								 &sl_subject_block_fields };
static const struct sl_field_table *const subject_own[] = { &sl_header_fields,
							    &sl_event_head_fields,
							    &sl_subject_block_fields,
							    &sl_subject_summary_fields,
							    &sl_subject_top_fields,
							    &sl_subject_event_fields };
static const struct sl_field_table *const stats_own[] = { &sl_header_fields,
							  &sl_event_head_fields, &sl_stats_fields,
							  &sl_output_stats_fields,
							  &sl_scorer_stats_fields };

#define OWN(T) .own = (T), .n_own = ARRAY_SIZE(T)

static const struct sl_event_kind kinds[] = {
	{ "flow", NULL, "a flow ended, or is still open after flow.update_interval (flow.interim)",
	  flow_field, OWN(forwarded_own) },
	{ "alert", "flow", "a rule of scope flow matched a flow: the flow's fields as the rule saw them",
	  flow_field, OWN(alert_own) },
	{ "signin", NULL, "a sign-in read from an identity source", sl_signin_event_field,
	  OWN(forwarded_own) },
	{ "alert", "subject-hit", "scoring.mode forward: a rule of scope subject matched a flow, "
	  "for the fleet scorer (a local sensor only scores it): the flow's fields as the rule saw them",
	  flow_field, OWN(alert_own) },
	{ "alert", "signin", "a rule matched a sign-in: the sign-in's fields",
	  sl_signin_event_field, OWN(alert_own) },
	{ "alert", "subject", "a subject's score first reached a level",
	  subject_alert_field, OWN(subject_alert_own) },
	{ "subject", NULL, "a subject's summary, every scoring.summary_interval and at the end",
	  subject_event_field, OWN(subject_own) },
	{ "stats", NULL, "counters, at the end and every stats.interval", header_field,
	  OWN(stats_own) },
};

size_t sl_event_kinds(void)
{
	return ARRAY_SIZE(kinds);
}

const struct sl_event_kind *sl_event_kind_at(size_t i)
{
	return i < ARRAY_SIZE(kinds) ? &kinds[i] : NULL;
}

void sl_event_kind_fields(const struct sl_event_kind *k,
			  void (*fn)(void *ctx, const struct sl_field *f), void *ctx)
{
	const struct sl_field_table *tab;
	for (size_t t = 0; k->record && (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++)
			if (k->record(&tab->fields[i]))
				fn(ctx, &tab->fields[i]);
	for (size_t t = 0; t < k->n_own; t++)
		for (size_t i = 0; i < k->own[t]->n; i++)
			fn(ctx, &k->own[t]->fields[i]);
}

/*
 * --list-fields: each name once, in the order the kinds first carry it
 * (the catalogue first), with the event types carrying it.  A name two
 * kinds declare is one field (sl_schema_check() holds them to one type).
 */
#define LIST_MAX 2048
#define TYPES_MAX 16 /* distinct event_type values */

struct listing {
	const struct sl_field *f[LIST_MAX];
	uint16_t types[LIST_MAX]; /* bit k: event type types_seen[k] */
	size_t n;
	const char *type_name[TYPES_MAX];
	size_t n_types;
	unsigned cur; /* the bit of the kind being walked */
};

static void list_add(void *ctx, const struct sl_field *f)
{
	struct listing *l = ctx;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->f[i]->name, f->name)) {
			l->types[i] |= (uint16_t)l->cur;
			return;
		}
	if (l->n == LIST_MAX)
		return;
	l->f[l->n] = f;
	l->types[l->n++] = (uint16_t)l->cur;
}

static unsigned type_bit(struct listing *l, const char *event_type)
{
	size_t k = 0;
	while (k < l->n_types && strcmp(l->type_name[k], event_type))
		k++;
	if (k == l->n_types && k < TYPES_MAX)
		l->type_name[l->n_types++] = event_type;
	return 1u << k;
}

/* "flow,alert,signin": the event types of bits, in kind order. */
static void types_text(const struct listing *l, unsigned bits, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t t = 0; t < l->n_types && k < len; t++)
		if (bits & (1u << t))
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "", l->type_name[t]);
}

void sl_fields_print(FILE *out)
{
	static struct listing l; /* --list-fields runs once, before any thread */
	char types[128];
	int wname = 5, wtypes = 6;
	l.n = 0;
	l.n_types = 0;
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		l.cur = type_bit(&l, kinds[k].event_type);
		sl_event_kind_fields(&kinds[k], list_add, &l);
	}
	for (size_t i = 0; i < l.n; i++) {
		int n = (int)strlen(l.f[i]->name);
		types_text(&l, l.types[i], types, sizeof(types));
		wname = n > wname ? n : wname;
		wtypes = (int)strlen(types) > wtypes ? (int)strlen(types) : wtypes;
	}
	fprintf(out, "%-*s %-8s %-*s %s\n", wname, "FIELD", "TYPE", wtypes, "EVENTS", "DESCRIPTION");
	for (size_t i = 0; i < l.n; i++) {
		types_text(&l, l.types[i], types, sizeof(types));
		fprintf(out, "%-*s %-8s %-*s %s\n", wname, l.f[i]->name, sl_ftype_name(l.f[i]->type),
			wtypes, types, l.f[i]->desc);
	}
}
