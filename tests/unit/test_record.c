/* Unit tests for the record stage's declared fields: each storage kind and
 * presence rule read by sl_field_read(), and every declaration of the
 * catalogue inside the struct it names. */
#include <stdlib.h>
#include <string.h>

#include "sightline/field.h"
#include "sightline/proto.h"
#include "testhelp.h"

struct demo {
	bool ok;
	uint8_t bits, u8;
	uint16_t u16, off;
	uint32_t u32;
	uint64_t u64;
	char text[16];
	const char *strp;
	char *buf;
	struct sl_addr ip;
	sl_time_us t;
	double d;
};

#define AT_DEMO SL_IN_RECORD /* base passed by hand below */
#define AT_DEMO_IF SL_IN_RECORD, .at.gate_off = offsetof(struct demo, ok), .at.gate_size = 1

static const struct sl_field demo[] = {
	SL_FIELD_U("u8", "", AT_DEMO, struct demo, u8, SL_NONZERO),
	SL_FIELD_U("u16", "", AT_DEMO, struct demo, u16, SL_WITH_STATE),
	SL_FIELD_U("u32", "", AT_DEMO, struct demo, u32, SL_IF(struct demo, u8)),
	SL_FIELD_U("u64", "", AT_DEMO, struct demo, u64, SL_IF_NONZERO(struct demo, u8)),
	SL_FIELD_STR("text", "", AT_DEMO, struct demo, text, SL_NONZERO),
	SL_FIELD_STRP("strp", "", AT_DEMO, struct demo, strp, SL_WITH_STATE),
	SL_FIELD_IP("ip", "", AT_DEMO, struct demo, ip, SL_NONZERO),
	SL_FIELD_TIME("t", "", AT_DEMO, struct demo, t, SL_NONZERO),
	SL_FIELD_BIT("bit", "", AT_DEMO, struct demo, bits, 0x10, SL_IF_BIT(struct demo, bits, 0x01)),
	SL_FIELD_U("both", "", AT_DEMO, struct demo, u16, SL_IF_BIT(struct demo, bits, 0x03)),
	SL_FIELD_TEXT("textoff", "", AT_DEMO, struct demo, off, buf, SL_NONZERO),
	SL_FIELD_DOUBLE("d", "", AT_DEMO, struct demo, d, 0.001, SL_WITH_STATE),
	SL_FIELD_U("gated", "", AT_DEMO_IF, struct demo, u32, SL_WITH_STATE),
};

static bool rd(const struct demo *b, size_t i, struct sl_value *v)
{
	memset(v, 0, sizeof(*v));
	return sl_field_read(&demo[i], b, v);
}

static void test_kinds(void)
{
	TEST("record: declared kinds and presence rules");
	struct demo b;
	struct sl_value v;
	memset(&b, 0, sizeof(b));
	CHECK(!rd(&b, 0, &v));                 /* u8 zero: absent */
	CHECK(rd(&b, 1, &v) && v.u == 0);      /* with state: zero is written */
	CHECK(!rd(&b, 2, &v));                 /* flag u8 clear */
	CHECK(!rd(&b, 4, &v));                 /* empty text */
	CHECK(!rd(&b, 5, &v));                 /* NULL pointer: absent even with state */
	CHECK(!rd(&b, 6, &v) && !rd(&b, 7, &v));
	CHECK(!rd(&b, 8, &v));                 /* has-bit 0x01 clear */
	CHECK(!rd(&b, 10, &v));                /* text offset 0: absent */
	CHECK(!rd(&b, 12, &v));                /* gate closed */
	b.u8 = 7;
	b.u16 = 0xbeef;
	b.u32 = 0xdeadbeef;
	b.u64 = 0x123456789abcULL;
	CHECK(rd(&b, 0, &v) && v.u == 7);
	CHECK(rd(&b, 1, &v) && v.u == 0xbeef);
	CHECK(rd(&b, 2, &v) && v.u == 0xdeadbeef);
	CHECK(rd(&b, 3, &v) && v.u == 0x123456789abcULL);
	b.u64 = 0;
	CHECK(!rd(&b, 3, &v));                 /* flag set, value zero */
	strcpy(b.text, "hello");
	CHECK(rd(&b, 4, &v) && strcmp(v.s, "hello") == 0 && v.s == b.text);
	b.strp = "";
	CHECK(rd(&b, 5, &v) && strcmp(v.s, "") == 0); /* with state: "" is a value */
	b.ip.family = 4;
	b.ip.b[0] = 10;
	CHECK(rd(&b, 6, &v) && v.ip.family == 4 && v.ip.b[0] == 10);
	b.t = 1234567;
	CHECK(rd(&b, 7, &v) && v.t == 1234567);
	b.bits = 0x01;
	CHECK(rd(&b, 8, &v) && !v.b);          /* present, false */
	CHECK(!rd(&b, 9, &v));                 /* needs both 0x01 and 0x02 */
	b.bits = 0x13;
	CHECK(rd(&b, 8, &v) && v.b);
	CHECK(rd(&b, 9, &v) && v.u == 0xbeef);
	char text[] = "abc\0def";
	b.buf = text;
	b.off = 5;
	CHECK(rd(&b, 10, &v) && strcmp(v.s, "def") == 0);
	b.d = 1.23456;
	CHECK(rd(&b, 11, &v) && v.d > 1.2349 && v.d < 1.2351);
	b.ok = true;
	CHECK(rd(&b, 12, &v) && v.u == 0xdeadbeef);
}

/* The bytes a declaration reads, from its base. */
static size_t end_of(const struct sl_field_at *at)
{
	static const size_t size[] = {
		[SL_AK_U8] = 1, [SL_AK_U16] = 2, [SL_AK_U32] = 4, [SL_AK_U64] = 8,
		[SL_AK_BOOL] = sizeof(bool), [SL_AK_CHARS] = 1, [SL_AK_STRP] = sizeof(char *),
		[SL_AK_IP] = sizeof(struct sl_addr), [SL_AK_TIME] = sizeof(sl_time_us),
		[SL_AK_BIT] = 0, [SL_AK_TEXTOFF] = 2, [SL_AK_DOUBLE] = sizeof(double),
	};
	size_t e = at->off + (at->kind == SL_AK_BIT ? at->vsize : size[at->kind]);
	if (at->flag_size && at->flag_off + at->flag_size > e)
		e = at->flag_off + at->flag_size;
	if (at->gate_size && at->gate_off + at->gate_size > e)
		e = at->gate_off + at->gate_size;
	return e;
}

static void test_catalogue_declarations(void)
{
	TEST("record: every declaration inside its struct; most fields declared");
	size_t declared = 0, computed = 0, bad = 0;
	for (size_t t = 0; t < sl_catalogue_tables(); t++) {
		const struct sl_field_table *tab = sl_catalogue_table(t);
		for (size_t i = 0; i < tab->n; i++) {
			const struct sl_field *f = &tab->fields[i];
			const struct sl_field_at *at = &f->at;
			if (at->base == SL_AT_COMPUTED) {
				computed++;
				if (getenv("SL_LIST_COMPUTED")) /* which remain, for whoever converts next */
					fprintf(stderr, "computed: %s (%s)\n", f->name, tab->module);
				CHECK(f->get != NULL);
				continue;
			}
			declared++;
			CHECK(f->get == NULL);
			CHECK(at->kind >= SL_AK_U8 && at->kind <= SL_AK_DOUBLE);
			size_t limit = at->base == SL_AT_FLOW ? sizeof(struct sl_flow) :
				       at->base == SL_AT_RECORD ? sizeof(struct sl_record) :
				       at->base == SL_AT_STATE ? at->proto->state_size : SIZE_MAX;
			if (at->base == SL_AT_FUNC)
				CHECK(at->base_fn != NULL);
			if (end_of(at) > limit && bad++ < 5)
				fprintf(stderr, "%s: declared beyond its struct (%zu > %zu)\n", f->name,
					end_of(at), limit);
		}
	}
	CHECK_EQ_INT(bad, 0);
	fprintf(stderr, "record: %zu fields declared, %zu computed by a hand-written getter\n",
		declared, computed);
	/* The aim: fields declared, getters only where a value is
	 * computed.  Today about two fields in three are declared. */
	CHECK(declared > computed);
}

int main(void)
{
	test_kinds();
	test_catalogue_declarations();
	return TEST_REPORT();
}
