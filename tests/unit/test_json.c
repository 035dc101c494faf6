/* The JSON builder: dotted paths open and close the right objects, and the
 * printf-free number paths print exactly what the printf reference prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/json.h"
#include "testhelp.h"

/* The reference: shortest of %.15g..%.17g that reads back. */
static void ref_double(double v, char *b, size_t len)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(b, len, "%.*g", p, v);
		if (strtod(b, NULL) == v)
			return;
	}
}

static const char *one_double(struct sl_json *j, double v)
{
	sl_json_begin(j);
	sl_json_key(j, "x");
	sl_json_double(j, v);
	sl_json_end(j);
	return j->buf;
}

static void test_doubles(void)
{
	static const double fixed[] = { 0, -0.0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 1e-4, 1.5e-4, 0.00012,
		9.9e-5, 1e-5, 99999.999999, 1e14, 999999999999999.0, 1e15, 123456.5, 37.5665,
		-122.4194, 0.022, 16.124, 5e-324, 1.7976931348623157e308, 1234567.0000001, 52.3676,
		4.9041, -97.7431, 30.2672, 0.515, 0.833, 0.03000000000000025, 0.28600000000000003,
		123456789.123456, 0.5, 2.5, 1e-4 * 3 };
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7 };
	struct sl_json j;
	char b[40], want[64];
	int bad = 0;
	sl_json_init(&j);
	TEST("doubles: fixed values and 400000 random ones match %.15g..%.17g");
	srand(7);
	for (int i = 0; i < 400000; i++) {
		size_t nf = sizeof(fixed) / sizeof(fixed[0]);
		double big = (double)rand() * 1000 + rand() % 1000;
		double v = (size_t)i < nf ? fixed[i] :
		           i % 4 == 0 ? (rand() % 2000000 - 1000000) / 1e4 :
		           i % 4 == 1 ? ldexp(rand(), rand() % 80 - 60) :
		           i % 4 == 2 ? big / p10[rand() % 8] * (rand() % 2 ? 1 : -1) :
		                        (double)(rand() % 1000000) / (rand() % 1000 + 1);
		ref_double(v, b, sizeof(b));
		snprintf(want, sizeof(want), "{\"x\":%s}", b);
		if (strcmp(want, one_double(&j, v)) != 0 && bad++ < 5)
			fprintf(stderr, "%.17g: want %s got %s\n", v, want, j.buf);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_STR(one_double(&j, NAN), "{\"x\":null}");
	CHECK_EQ_STR(one_double(&j, -0.0), "{\"x\":-0}");
	CHECK_EQ_STR(one_double(&j, 16.124), "{\"x\":16.124}");
	sl_json_finish(&j);
}

static void test_paths(void)
{
	struct sl_json j;
	sl_json_init(&j);
	TEST("paths: shared prefixes stay open, others close");
	sl_json_begin(&j);
	const char *names[] = { "a", "flow.x", "flow.tcp.y", "flow.tcp.z", "flow.tls.q", "flowx.r",
		                "g.h.i.j", "k" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sl_json_path(&j, names[i]);
		sl_json_u64(&j, i);
	}
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"a\":0,\"flow\":{\"x\":1,\"tcp\":{\"y\":2,\"z\":3},\"tls\":{\"q\":4}},"
	                    "\"flowx\":{\"r\":5},\"g\":{\"h\":{\"i\":{\"j\":6}}},\"k\":7}");
	TEST("paths: reset closes, a new event starts clean");
	sl_json_begin(&j);
	sl_json_path(&j, "stats.outputs.file");
	sl_json_u64(&j, 1);
	sl_json_path_reset(&j);
	sl_json_path(&j, "stats.flows");
	sl_json_u64(&j, 2);
	sl_json_end(&j);
	CHECK_EQ_STR(j.buf, "{\"stats\":{\"outputs\":{\"file\":1}},\"stats\":{\"flows\":2}}");
	sl_json_finish(&j);
}

/* The reference escape of one byte that is not part of UTF-8 text. */
static void ref_byte(unsigned char c, char *out)
{
	if (c == '"' || c == '\\')
		sprintf(out, "\\%c", c);
	else if (c < 0x20 || c == 0x7f)
		sprintf(out, "\\u%04x", c);
	else if (c > 0x7f)
		strcpy(out, "\\ufffd"); /* alone, never well-formed UTF-8 */
	else
		sprintf(out, "%c", c);
}

/* Strings go through eight bytes at a time when no byte needs escaping:
 * every byte value at every place of a 20-byte string (both words and the
 * tail) comes out as the byte-wise reference says. */
static void test_string_words(void)
{
	TEST("json: each byte value escaped alike at every place of a string");
	int bad = 0;
	for (unsigned c = 0; c < 256; c++)
		for (size_t at = 0; at < 20; at++) {
			char in[20], want[64], esc[8];
			memset(in, 'a', sizeof(in));
			in[at] = (char)c;
			ref_byte((unsigned char)c, esc);
			snprintf(want, sizeof(want), "{\"x\":\"%.*s%s%.*s\"}", (int)at, in, esc,
				 (int)(sizeof(in) - at - 1), in + at + 1);
			struct sl_json j;
			sl_json_init(&j);
			sl_json_begin(&j);
			sl_json_key(&j, "x");
			sl_json_strn(&j, in, sizeof(in));
			sl_json_end(&j);
			bad += strcmp(j.buf, want) != 0;
			sl_json_finish(&j);
		}
	CHECK_EQ_INT(bad, 0);
}

int main(void)
{
	test_doubles();
	test_paths();
	test_string_words();
	return TEST_REPORT();
}
