/* The event kinds and their schema: one type per name, every kind with its
 * header, hand-written fields declared without getters, and a schema that
 * names each kind's fields. */
#include <stdlib.h>
#include <string.h>

#include "sightline/schema.h"
#include "testhelp.h"

struct seen {
	bool timestamp, event_type, scope;
	size_t n;
};

static void note(void *ctx, const struct sl_field *f)
{
	struct seen *s = ctx;
	s->timestamp |= !strcmp(f->name, "timestamp");
	s->event_type |= !strcmp(f->name, "event_type");
	s->scope |= !strcmp(f->name, "alert.scope");
	s->n++;
}

static void test_kinds(void)
{
	CHECK(sl_event_kinds() >= 7);
	CHECK(sl_event_kind_at(sl_event_kinds()) == NULL);
	for (size_t i = 0; i < sl_event_kinds(); i++) {
		const struct sl_event_kind *k = sl_event_kind_at(i);
		struct seen s = { 0 };
		sl_event_kind_fields(k, note, &s);
		CHECK(s.timestamp && s.event_type);
		CHECK(!k->scope || s.scope); /* an alert kind declares its scope */
		CHECK(s.n > 2);
	}
}

/* Fields written by hand have no getter or place: nothing may read them
 * as if they were record fields. */
static void test_own_tables(void)
{
	const struct sl_field_table *tabs[] = { &sl_alert_fields, &sl_subject_alert_fields,
						&sl_subject_event_fields, &sl_stats_fields,
						&sl_output_stats_fields };
	for (size_t t = 0; t < ARRAY_SIZE(tabs); t++)
		for (size_t i = 0; i < tabs[t]->n; i++) {
			const struct sl_field *f = &tabs[t]->fields[i];
			CHECK(f->get == NULL && f->at.base == SL_AT_COMPUTED);
			CHECK(f->desc && f->desc[0]);
		}
}

static void test_check_and_print(void)
{
	char err[256] = "";
	CHECK_EQ_INT(sl_schema_check(err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "schema: %s\n", err);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_EQ_INT(sl_schema_print(out, err, sizeof(err)), 0);
	fclose(out);
	CHECK(strstr(buf, "\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"") != NULL);
	CHECK(strstr(buf, "\"alert-subject\": {") != NULL);
	/* the counts and the lists of names are two fields, one type each */
	CHECK(strstr(buf, "\"remote_access_apps_count\": {") != NULL);
	CHECK(strstr(buf, "\"remote_access_apps\": {") != NULL);
	free(buf);
}

int main(void)
{
	test_kinds();
	test_own_tables();
	test_check_and_print();
	return TEST_REPORT();
}
