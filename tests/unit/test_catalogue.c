/* Unit tests for the output layer: the JSON builder (escaping, nesting by
 * dotted path) and the field catalogue's invariants. */
#include <string.h>

#include "sightline/decode.h"
#include "sightline/field.h"
#include "sightline/json.h"
#include "sightline/schema.h"
#include "dnsbuild.h"
#include "protohelp.h"
#include "testhelp.h"

static void test_json_escaping(void)
{
	TEST("json: escaping per RFC 8259, numbers, nesting");
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_json_key(&j, "s");
	sl_json_str(&j, "a\"b\\c\n\x01\x7f");
	sl_json_key(&j, "n");
	sl_json_u64(&j, 18446744073709551615ULL);
	sl_json_key(&j, "i");
	sl_json_i64(&j, -5);
	sl_json_key(&j, "d");
	sl_json_double(&j, 1.0 / 0.0);
	sl_json_key(&j, "ms");
	sl_json_double(&j, 22.0 / 1000.0);
	sl_json_key(&j, "third");
	sl_json_double(&j, 1.0 / 3.0);
	sl_json_key(&j, "l");
	sl_json_open_array(&j);
	sl_json_u64(&j, 1);
	sl_json_u64(&j, 2);
	sl_json_close_array(&j);
	sl_json_key(&j, "b");
	sl_json_bool(&j, false);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\\u007f\",\"n\":18446744073709551615,"
			    "\"i\":-5,\"d\":null,\"ms\":0.022,\"third\":0.3333333333333333,"
			    "\"l\":[1,2],\"b\":false}");
	sl_json_finish(&j);
	sl_json_finish(NULL);
}

static void test_json_strn_in_array(void)
{
	TEST("json: counted strings get their commas like every other value");
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_json_key(&j, "c");
	sl_json_open_array(&j);
	sl_json_strn(&j, "USA", 2);
	sl_json_strn(&j, "KRX", 2);
	sl_json_close_array(&j);
	sl_json_key(&j, "k");
	sl_json_strn(&j, "vv", 1);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"c\":[\"US\",\"KR\"],\"k\":\"v\"}");
	sl_json_finish(&j);
}

static void test_json_utf8(void)
{
	TEST("json: valid UTF-8 passes, anything else becomes U+FFFD");
	struct sl_json j;
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_json_key(&j, "ok");
	sl_json_str(&j, "caf\xc3\xa9 \xec\x84\x9c\xec\x9a\xb8 \xf0\x9f\x92\xac");
	sl_json_key(&j, "bad");
	/* lone continuation, overlong '/', surrogate, truncated 3-byte, > U+10FFFF */
	sl_json_str(&j, "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80");
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"ok\":\"caf\xc3\xa9 \xec\x84\x9c\xec\x9a\xb8 \xf0\x9f\x92\xac\","
			    "\"bad\":\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|"
			    "\\ufffd\\ufffd\\ufffd\\ufffd\"}");
	sl_json_finish(&j);
}

static void test_json_paths(void)
{
	TEST("json: dotted paths open and close nested objects");
	struct sl_json j;
	sl_json_init(&j);
	for (int round = 0; round < 2; round++) { /* the buffer is reused */
		sl_json_begin(&j);
		static const char *const paths[] = { "a", "b.c", "b.d.e", "b.d.f", "b.g", "h.i", "j" };
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
			sl_json_path(&j, paths[i]);
			sl_json_u64(&j, i);
		}
		sl_json_end(&j);
		CHECK_EQ_STR(j.buf, "{\"a\":0,\"b\":{\"c\":1,\"d\":{\"e\":2,\"f\":3},\"g\":4},\"h\":{\"i\":5},\"j\":6}");
	}
	sl_json_finish(&j);
}

/* True when a has the object path p (the first plen bytes) as a prefix. */
static bool in_path(const char *a, const char *p, size_t plen)
{
	return strncmp(a, p, plen) == 0 && a[plen] == '.';
}

/* Names sharing an object path (at any depth) must be contiguous, or the
 * JSON would open the same object twice (a duplicate key). */
static bool grouped(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (const char *dot = strchr(names[i], '.'); dot; dot = strchr(dot + 1, '.')) {
			size_t plen = (size_t)(dot - names[i]);
			size_t k = n;
			while (k-- > i + 1 && !in_path(names[k], names[i], plen))
				;
			for (size_t m = i + 1; m < k; m++)
				if (!in_path(names[m], names[i], plen))
					return false;
		}
	return true;
}

static void test_catalogue(void)
{
	TEST("catalogue: unique names, grouped prefixes, getters, descriptions");
	const char *names[1024]; /* catalogue.c MAX_FIELDS */
	size_t n = 0;
	for (size_t t = 0; t < sl_catalogue_tables(); t++) {
		const struct sl_field_table *tab = sl_catalogue_table(t);
		for (size_t i = 0; i < tab->n && n < ARRAY_SIZE(names); i++) {
			const struct sl_field *f = &tab->fields[i];
			CHECK((f->get != NULL) != (f->at.base != SL_AT_COMPUTED) && f->desc && f->desc[0]);
			CHECK(sl_catalogue_find(f->name) == f); /* unique */
			names[n++] = f->name;
		}
	}
	CHECK(n > 20);
	size_t ne;
	const struct sl_field *const *order = sl_catalogue_emit_order(&ne);
	const char *emitted[1024];
	CHECK_EQ_INT(ne, n);
	for (size_t i = 0; i < ne && i < ARRAY_SIZE(emitted); i++)
		emitted[i] = order[i]->name;
	CHECK(grouped(emitted, ne));
	CHECK(sl_catalogue_find("flow.pkts_toserver") != NULL);
	CHECK(sl_catalogue_find("flow.pkts") == NULL);
	CHECK(sl_catalogue_table(sl_catalogue_tables()) == NULL);
}

static void test_grouping_helper(void)
{
	TEST("grouped(): detects a split object at any depth");
	const char *ok[] = { "a", "t.x", "t.s.a", "t.s.b", "t.y", "z" };
	const char *split_top[] = { "t.x", "a", "t.y" };
	const char *split_deep[] = { "t.s.a", "t.x", "t.s.b" };
	CHECK(grouped(ok, ARRAY_SIZE(ok)));
	CHECK(!grouped(split_top, ARRAY_SIZE(split_top)));
	CHECK(!grouped(split_deep, ARRAY_SIZE(split_deep)));
}

static void test_decode_reasons_grouped(void)
{
	TEST("decode reasons: names unique and grouped by prefix");
	const char *names[SL_DEC__COUNT];
	for (int r = 0; r < SL_DEC__COUNT; r++) {
		names[r] = sl_decode_reason_name((enum sl_decode_reason)r);
		for (int k = 0; k < r; k++)
			CHECK(strcmp(names[k], names[r]) != 0);
	}
	CHECK(grouped(names, SL_DEC__COUNT));
}

/* A table flagged from_state is skipped for flows its parser never took:
 * hold every flagged table to that, on a flow with no parser state whose
 * record carries DNS names (so a field read from elsewhere would show). */
static void test_from_state_tables(void)
{
	TEST("from_state tables: no field without the parser's state");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_end(&h);
	struct sl_record r = { .flow = &h.flow, .event_type = "flow" };
	strcpy(r.dns_name[0], "client.example");
	strcpy(r.dns_name[1], "server.example");
	size_t flagged = 0, wrong = 0;
	for (size_t k = 0; k < sl_proto_count(); k++) {
		const struct sl_field_table *t = sl_proto_at(k)->fields;
		if (!t || !t->from_state)
			continue;
		flagged++;
		for (size_t i = 0; i < t->n; i++) {
			struct sl_value v;
			memset(&v, 0, sizeof(v));
			if (sl_field_get(&t->fields[i], &r, &v) && wrong++ < 5)
				fprintf(stderr, "%s is present without %s state\n", t->fields[i].name,
					t->module);
		}
	}
	CHECK_EQ_INT(wrong, 0);
	CHECK(flagged >= 20);
	/* the control: the hosts table's names come from the record */
	const struct sl_field *f = sl_catalogue_find("dest.dns_name");
	struct sl_value v;
	CHECK(f && sl_field_get(f, &r, &v) && strcmp(v.s, "server.example") == 0);
	ph_finish(&h);
}

/* Not any kind's record(): sl_catalogue_emit_if() walks it field by field. */
static bool any_but_signin(const struct sl_field *f)
{
	return strncmp(f->name, "signin.", 7) != 0;
}

struct count_ctx {
	size_t n;
};

static void count_field(void *ctx, const struct sl_field *f)
{
	(void)f;
	((struct count_ctx *)ctx)->n++;
}

/* Each event kind that carries catalogue fields has a compiled writer of
 * exactly its fields, in runs far fewer than its fields; and what the flow
 * writer writes for a flow is what the field-by-field walk writes. */
static void test_writer_plans(void)
{
	TEST("writer plans: one per kind, its fields in runs, same text as a field walk");
	size_t planned = 0;
	for (size_t k = 0; k < sl_event_kinds(); k++) {
		const struct sl_event_kind *kind = sl_event_kind_at(k);
		if (!kind->record)
			continue;
		struct sl_event_kind only = *kind;
		only.n_own = 0; /* the catalogue's fields alone */
		struct count_ctx c = { 0 };
		sl_event_kind_fields(&only, count_field, &c);
		size_t runs;
		size_t n = sl_catalogue_plan_size(kind->record, &runs);
		fprintf(stderr, "writer of %s%s%s: %zu fields in %zu runs\n", kind->event_type,
			kind->scope ? " " : "", kind->scope ? kind->scope : "", n, runs);
		CHECK_EQ_INT(n, c.n);
		CHECK(runs > 0 && runs <= n);
		if (n > 50) /* the flow's: most fields come in runs */
			CHECK(runs * 2 < n);
		planned++;
	}
	CHECK(planned >= 2); /* flow (and its alerts), signin */
	size_t runs, all;
	sl_catalogue_emit_order(&all);
	CHECK(sl_catalogue_plan_size(any_but_signin, &runs) == 0);
	static const char get[] = "GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	ph_feed(&h, SL_DIR_TOSERVER, get, sizeof(get) - 1);
	ph_end(&h);
	struct sl_record r = { .flow = &h.flow, .event_type = "flow", .remote = 1 };
	struct sl_json a, b;
	sl_json_init(&a);
	sl_json_init(&b);
	sl_json_begin(&a);
	sl_catalogue_emit(&r, &a);
	sl_json_end(&a);
	sl_json_begin(&b);
	sl_catalogue_emit_if(&r, &b, any_but_signin);
	sl_json_end(&b);
	CHECK_EQ_STR(a.buf, b.buf);
	CHECK(strstr(a.buf, "\"http\":{") && strstr(a.buf, "\"remote\":{\"ip\":\"198.51.100.1\""));
	sl_json_finish(&a);
	sl_json_finish(&b);
	ph_finish(&h);
}

/* The flow writer against the field walk (sl_field_get(), one value
 * through emit_value()'s kinds: the writer's own reading of strings,
 * names, booleans, times and addresses must agree with it) for one record. */
static int plan_differs(const struct sl_record *r, struct sl_json *a, struct sl_json *b)
{
	sl_json_begin(a);
	sl_catalogue_emit(r, a);
	sl_json_end(a);
	sl_json_begin(b);
	sl_catalogue_emit_if(r, b, any_but_signin);
	sl_json_end(b);
	if (strcmp(a->buf, b->buf) == 0)
		return 0;
	fprintf(stderr, "plan:  %s\nfield: %s\n", a->buf, b->buf);
	return 1;
}

/* Flows of several parsers, each in every state and end reason (and a
 * number past the names), with and without ICMP errors, interim, each
 * side remote: the writer's straight-from-member kinds cover present,
 * absent, zero, false and unnamed values. */
static void test_writer_ops(void)
{
	TEST("flow writer: every kind written straight from the member as the field walk");
	static const char get[] = "GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
	static const char banner[] = "SSH-2.0-OpenSSH_9.6\r\n";
	struct mb q, ans;
	mb_query(&q, 0x1234, "sso.corp.example", 1);
	mb_answer_a(&ans, 0x1234, "sso.corp.example", (const uint8_t[]){ 198, 51, 100, 20 });
	struct sl_json a, b;
	sl_json_init(&a);
	sl_json_init(&b);
	unsigned bad = 0, runs = 0;
	for (int kind = 0; kind < 4; kind++) {
		struct ph h;
		if (kind == 0) {
			ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
			ph_feed(&h, SL_DIR_TOSERVER, get, sizeof(get) - 1);
		} else if (kind == 1) {
			ph_init(&h, 17, "10.77.0.2", 41938, "198.51.100.20", 53);
			ph_feed(&h, SL_DIR_TOSERVER, q.b, q.n);
			ph_feed(&h, SL_DIR_TOCLIENT, ans.b, ans.n);
		} else if (kind == 2) {
			ph_init(&h, 6, "2001:db8::2", 50022, "2001:db8::22", 22);
			ph_feed(&h, SL_DIR_TOSERVER, banner, sizeof(banner) - 1);
			ph_feed(&h, SL_DIR_TOCLIENT, banner, sizeof(banner) - 1);
		} else {
			ph_init(&h, 17, "10.0.0.9", 5000, "203.0.113.9", 5001);
			ph_feed(&h, SL_DIR_TOSERVER, "x", 1);
		}
		ph_end(&h);
		for (unsigned v = 0; v < 7 * 7 * 2 * 2 * 3; v++) {
			unsigned x = v;
			h.flow.state = (uint8_t)(x % 7), x /= 7;
			h.flow.reason = (uint8_t)(x % 7), x /= 7;
			h.flow.icmp_errors = (uint16_t)(x % 2 ? 3 : 0), x /= 2;
			h.flow.icmp_error_type = (uint8_t)(h.flow.icmp_errors ? 3 : 0);
			struct sl_record r = { .flow = &h.flow, .event_type = "flow",
					       .interim = x % 2, .remote = (int8_t)((int)(x / 2) - 1) };
			bad += plan_differs(&r, &a, &b);
			runs++;
		}
		ph_finish(&h);
	}
	fprintf(stderr, "%u records compared\n", runs);
	CHECK_EQ_INT(bad, 0);
	sl_json_finish(&a);
	sl_json_finish(&b);
}

/* sl_catalogue_find() (a hash index) against a scan of the catalogue:
 * every name finds its first field, names that are none find nothing. */
static void test_find_by_name(void)
{
	TEST("catalogue: lookup by name finds the first field of that name");
	const struct sl_field_table *tab;
	int bad = 0, n = 0;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++) {
		for (size_t i = 0; i < tab->n; i++, n++) {
			const char *name = tab->fields[i].name;
			const struct sl_field *first = NULL;
			for (size_t t2 = 0; !first && sl_catalogue_table(t2); t2++)
				for (size_t k = 0; !first && k < sl_catalogue_table(t2)->n; k++)
					if (!strcmp(sl_catalogue_table(t2)->fields[k].name, name))
						first = &sl_catalogue_table(t2)->fields[k];
			if (sl_catalogue_find(name) != first && bad++ < 5)
				fprintf(stderr, "find(%s) is not its first field\n", name);
		}
	}
	CHECK(n > 300);
	CHECK_EQ_INT(bad, 0);
	CHECK(sl_catalogue_find("flow.no_such_field") == NULL);
	CHECK(sl_catalogue_find("") == NULL);
	CHECK(sl_catalogue_find("flow") == NULL);
}

int main(void)
{
	test_find_by_name();
	test_from_state_tables();
	test_writer_plans();
	test_writer_ops();
	test_json_escaping();
	test_json_utf8();
	test_json_strn_in_array();
	test_json_paths();
	test_catalogue();
	test_grouping_helper();
	test_decode_reasons_grouped();
	return TEST_REPORT();
}
