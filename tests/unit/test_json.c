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
		123456789.123456, 0.5, 2.5, 1e-4 * 3, 999999999.999999, 999999999.9999999, 1e9, 1e9 + 0.5, 1e9 - 0.5,
		999999999.123456, 1234.1234565, 0.0001000001, 123456789.00000001 };
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
	TEST("doubles: 600000 decimals of 0..7 places up to 1e10 and their neighbours");
	unsigned seed = 3;
	for (int i = 0; i < 600000; i++) {
		int places = rand_r(&seed) % 8;
		double whole = (double)((uint64_t)rand_r(&seed) * (uint64_t)rand_r(&seed) %
					(i % 3 ? 10000000000ULL : 1000ULL));
		double v = (whole * p10[places] + rand_r(&seed) % (uint64_t)p10[places]) /
			   p10[places];
		if (i % 5 == 1)
			v = nextafter(v, INFINITY);
		else if (i % 5 == 2)
			v = nextafter(v, 0);
		if (i % 2)
			v = -v;
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

/* Doubles that printf writes come back from a per-thread memo: values
 * drawn from a small set, many colliding in the memo, each written many
 * times in a random order, as the reference prints them. */
static void test_double_memo(void)
{
	double vals[300];
	char b[40], want[64];
	struct sl_json j;
	unsigned seed = 3, bad = 0;
	sl_json_init(&j);
	TEST("doubles: 300 printf-path values written 200000 times as the reference");
	for (int i = 0; i < 300; i++)
		vals[i] = i % 3 == 0 ? (i + 1) * 0.001 * 30 : i % 3 == 1 ? 1.0 / (i + 3) :
			  ldexp(rand_r(&seed), -(i % 40));
	for (int r = 0; r < 200000; r++) {
		double v = vals[rand_r(&seed) % 300];
		ref_double(v, b, sizeof(b));
		snprintf(want, sizeof(want), "{\"x\":%s}", b);
		bad += strcmp(want, one_double(&j, v)) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	sl_json_finish(&j);
}

static int u64_differs(struct sl_json *j, uint64_t v, int64_t sv)
{
	char want[64];
	snprintf(want, sizeof(want), "{\"u\":%llu,\"i\":%lld}", (unsigned long long)v, (long long)sv);
	sl_json_begin(j);
	sl_json_key(j, "u");
	sl_json_u64(j, v);
	sl_json_key(j, "i");
	sl_json_i64(j, sv);
	sl_json_end(j);
	return strcmp(j->buf, want) != 0;
}

/* Integers two digits at a time, as printf writes them: every value up to
 * 100000, each power of ten and its neighbours, the extremes, 1000000
 * random values of every width. */
static void test_integers(void)
{
	struct sl_json j;
	unsigned seed = 5, bad = 0;
	sl_json_init(&j);
	TEST("integers: u64/i64 as printf writes them");
	for (uint64_t v = 0; v <= 100000; v++)
		bad += u64_differs(&j, v, -(int64_t)v);
	for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10)
		for (int d = -1; d <= 1; d++)
			bad += u64_differs(&j, p * 10 + (uint64_t)d, (int64_t)(p * 10 + (uint64_t)d));
	bad += u64_differs(&j, UINT64_MAX, INT64_MIN);
	bad += u64_differs(&j, UINT64_MAX - 1, INT64_MAX);
	for (int r = 0; r < 1000000; r++) {
		uint64_t v = (uint64_t)rand_r(&seed) << 42 ^ (uint64_t)rand_r(&seed) << 21 ^
			     (uint64_t)rand_r(&seed);
		v >>= rand_r(&seed) % 64;
		bad += u64_differs(&j, v, (int64_t)v * (r % 2 ? -1 : 1));
	}
	CHECK_EQ_INT(bad, 0);
	sl_json_finish(&j);
}

/* Integers one after another in one line, so that the buffer grows with
 * every value at every offset from its end (the writer stores 20 bytes a
 * value and keeps room for them): the same text as printf's. */
static void test_integers_growing(void)
{
	struct sl_json j;
	unsigned seed = 11;
	size_t cap = 64 * 1024, n = 0;
	char *want = malloc(cap);
	sl_json_init(&j);
	TEST("integers: a line of 3000 values across buffer growth");
	sl_json_begin(&j);
	sl_json_key(&j, "a");
	sl_json_open_array(&j);
	n += (size_t)snprintf(want + n, cap - n, "{\"a\":[");
	for (int r = 0; r < 3000; r++) {
		uint64_t v = (uint64_t)rand_r(&seed) << 42 ^ (uint64_t)rand_r(&seed) << 21 ^
			     (uint64_t)rand_r(&seed);
		v >>= rand_r(&seed) % 65 == 64 ? 63 : rand_r(&seed) % 64;
		sl_json_u64(&j, v);
		n += (size_t)snprintf(want + n, cap - n, "%s%llu", r ? "," : "", (unsigned long long)v);
	}
	sl_json_close_array(&j);
	sl_json_end(&j);
	snprintf(want + n, cap - n, "]}");
	CHECK_EQ_STR(j.buf, want);
	free(want);
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

/* The reference escape, byte by byte from RFC 8259 and RFC 3629: '"' and
 * '\\' escaped, control bytes and DEL as \u00XX, well-formed UTF-8
 * sequences (no overlongs, no surrogates, at most U+10FFFF) copied, any
 * other byte U+FFFD. */
static size_t ref_utf8(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		   c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!n || n > left)
		return 0;
	unsigned cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n;) {
		size_t u = s[i] >= 0x80 ? ref_utf8(s + i, n - i) : 0;
		if (u) {
			memcpy(out + o, s + i, u), o += u, i += u;
			continue;
		}
		char e[8];
		ref_byte(s[i++], e);
		memcpy(out + o, e, strlen(e)), o += strlen(e);
	}
	out[o++] = '"';
	out[o] = '\0';
}

static int escape_differs(struct sl_json *j, const unsigned char *s, size_t n)
{
	char want[6 * 64 + 8];
	/* a copy of exactly n bytes, so that the sanitizer run sees a read
	 * past the string's end */
	unsigned char *exact = malloc(n ? n : 1);
	memcpy(exact, s, n);
	ref_escape(s, n, want);
	sl_json_begin(j);
	sl_json_strn(j, (const char *)exact, n);
	sl_json_end(j);
	free(exact);
	/* the value follows the opening brace */
	return strncmp(j->buf + 1, want, strlen(want)) != 0 || j->buf[1 + strlen(want)] != '}';
}

/* Strings that need no escape are one check by words and a copy: every
 * byte value at every place of every length 0..40 (the short strings
 * padded into one word, the tail read as an overlapping word), UTF-8 edge
 * sequences at every place, and random strings, as the reference escapes
 * them. */
static void test_string_plain(void)
{
	static const char *const utf8[] = {
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80",
		"\xed\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xc2", "\xe0\xa0", "\xf0\x90\x80", "\x80", "\xbf", "\xfe", "\xff", "\xe2\x82\xac",
	};
	struct sl_json j;
	sl_json_init(&j);
	TEST("json: strings by words escape every byte of every length as the reference");
	int bad = 0;
	unsigned char in[64];
	for (size_t len = 1; len <= 40; len++)
		for (unsigned c = 0; c < 256; c++)
			for (size_t at = 0; at < len; at++) {
				memset(in, 'a', len);
				in[at] = (unsigned char)c;
				bad += escape_differs(&j, in, len);
			}
	bad += escape_differs(&j, in, 0);
	CHECK_EQ_INT(bad, 0);
	TEST("json: UTF-8 edge sequences at every place of lengths up to 40");
	bad = 0;
	for (size_t u = 0; u < sizeof(utf8) / sizeof(utf8[0]); u++)
		for (size_t len = strlen(utf8[u]); len <= 40; len++)
			for (size_t at = 0; at + strlen(utf8[u]) <= len; at++) {
				memset(in, 'b', len);
				memcpy(in + at, utf8[u], strlen(utf8[u]));
				bad += escape_differs(&j, in, len);
			}
	CHECK_EQ_INT(bad, 0);
	TEST("json: 200000 random strings (plain-heavy and hostile) as the reference");
	bad = 0;
	unsigned seed = 15;
	for (int r = 0; r < 200000; r++) {
		size_t len = (size_t)rand_r(&seed) % 64;
		int hostile = rand_r(&seed) % 4 == 0;
		for (size_t k = 0; k < len; k++)
			in[k] = (unsigned char)(hostile ? rand_r(&seed) % 256 : 0x20 + rand_r(&seed) % 95);
		bad += escape_differs(&j, in, len);
	}
	CHECK_EQ_INT(bad, 0);
	sl_json_finish(&j);
}

/* A key as the event writer keeps it: ,"leaf": in a key room, under the
 * node of its parent path (one node per distinct path, as the writer
 * makes them). */
struct tkey {
	const char *name;
	char text[SL_JSON_KEY_ROOM];
	size_t len;
	const struct sl_json_node *node;
};

/* Two sets of nodes for the same paths, as two writers keep them (the
 * flow writer's and the declared tables' keys). */
struct node_set {
	struct sl_json_node n[64];
	size_t count;
};
static struct node_set test_sets[2];

static const struct sl_json_node *test_node(struct node_set *set, const char *name, size_t len)
{
	for (size_t k = 0; k < set->count; k++)
		if (set->n[k].len == len && memcmp(set->n[k].dotted, name, len) == 0)
			return &set->n[k];
	const char *dot = memrchr(name, '.', len);
	const struct sl_json_node *up =
		len ? test_node(set, name, dot ? (size_t)(dot - name) : 0) : NULL;
	if (!sl_json_node_init(&set->n[set->count], up, name, len))
		return NULL;
	return &set->n[set->count++];
}

static void tkey_make(struct tkey *k, const char *name, int set)
{
	const char *dot = strrchr(name, '.');
	const char *leaf = dot ? dot + 1 : name;
	k->name = name;
	k->len = sl_json_key_text(k->text, leaf, strlen(leaf));
	k->node = test_node(&test_sets[set], name, dot ? (size_t)(dot - name) : 0);
}

/* One random event written through node keys (t) and through
 * sl_json_path (p) alike: present fields in a random subset, values of
 * every shape, now and then an untagged path or a reset in between. */
static void tagged_event(struct sl_json *t, struct sl_json *p, const struct tkey *const *sets,
			 size_t n, unsigned *seed)
{
	static char long_text[300];
	memset(long_text, 'q', sizeof(long_text));
	sl_json_begin(t);
	sl_json_begin(p);
	if (rand_r(seed) % 2) {
		sl_json_key(t, "host"), sl_json_str(t, "h");
		sl_json_key(p, "host"), sl_json_str(p, "h");
	}
	for (size_t i = 0; i < n; i++) {
		unsigned r = (unsigned)rand_r(seed);
		const struct tkey *keys = sets[0];
		if (r % 3 == 0)
			continue;
		if (r % 97 == 1) {
			sl_json_path_reset(t), sl_json_path_reset(p);
		} else if (r % 89 == 2) {
			sl_json_path(t, keys[i].name), sl_json_path(p, keys[i].name);
			sl_json_bool(t, true), sl_json_bool(p, true);
		}
		/* now and then the other set's key: the same objects */
		const struct tkey *k = &sets[r % 11 == 5][i];
		sl_json_node_key(t, k->node, k->text, k->len);
		sl_json_path(p, keys[i].name);
		struct sl_json *both[2] = { t, p };
		for (int b = 0; b < 2; b++) {
			struct sl_json *j = both[b];
			switch (r / 3 % 4) {
			case 0: sl_json_u64(j, r); break;
			case 1: sl_json_strn(j, long_text, r % sizeof(long_text)); break;
			case 2:
				sl_json_open_array(j), sl_json_u64(j, 1), sl_json_u64(j, 2);
				sl_json_close_array(j);
				break;
			default: sl_json_double(j, r / 7.0); break;
			}
		}
	}
	sl_json_end(t);
	sl_json_end(p);
}

/* The event writer's keys (sl_json_node_key) write what sl_json_path
 * writes, also when keys of two node sets alternate, over 3000 random events of a field list with shared, nested,
 * reopened and top-level parents, through buffer growth. */
static void test_tagged_keys(void)
{
	static const char *const names[] = {
		"timestamp", "flow_id", "evidence.tier", "evidence.flow", "evidence.flags",
		"community_id", "flow.pkts", "flow.bytes", "flow.start", "flow.tcp.syn",
		"flow.tcp.fin", "flow.tcp.opts.mss", "flow.tcp.opts.wscale", "flow.age",
		"dest.dns_name", "dest.geo.country", "dest.geo.city.name", "dest.geo.lat",
		"remote.ip", "tls.sni", "tls.ja3.hash", "tls.ja3.string", "tls.version",
		"tlsx.a", "a.b.c.d.e.f", "a.b.c.d.e.g", "a.b.x", "a.b.c.y", "a.q.c.d.e.f", "dest.z", "z",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	static struct tkey keys[N], other[N];
	for (size_t i = 0; i < N; i++)
		tkey_make(&keys[i], names[i], 0), tkey_make(&other[i], names[i], 1);
	const struct tkey *const sets[2] = { keys, other };
	TEST("json: node keys write what dotted paths write (3000 random events)");
	struct sl_json t, p;
	sl_json_init(&t);
	sl_json_init(&p);
	unsigned seed = 14, bad = 0, longest = 0;
	for (int e = 0; e < 3000; e++) {
		tagged_event(&t, &p, sets, N, &seed);
		bad += t.len != p.len || strcmp(t.buf, p.buf) != 0;
		longest = p.len > longest ? (unsigned)p.len : longest;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(longest > 1024);
	for (size_t i = 0; i < N; i++)
		CHECK(keys[i].len > 0 && keys[i].node != NULL);
	TEST("json: names that need escaping or nest too deep are not nodes");
	struct sl_json_node top, a, deep[SL_JSON_MAX_DEPTH];
	char ck[SL_JSON_KEY_ROOM];
	CHECK(sl_json_node_init(&top, NULL, "", 0));
	CHECK(!sl_json_node_init(&a, &top, "a b", 3));
	CHECK(!sl_json_node_init(&a, &top, "a\"", 2));
	CHECK_EQ_INT(sl_json_key_text(ck, "x\\", 2), 0);
	CHECK_EQ_INT(sl_json_key_text(ck, "leaf", 4), 8);
	const char *dotted = "a.b.c.d.e.f.g.h";
	const struct sl_json_node *up = &top;
	int made = 0;
	for (int d = 0; d < SL_JSON_MAX_DEPTH; d++) {
		if (!sl_json_node_init(&deep[d], up, dotted, (size_t)(2 * d + 1)))
			break;
		up = &deep[d], made++;
	}
	CHECK_EQ_INT(made, SL_JSON_MAX_DEPTH - 1); /* the fast path ran across a buffer's growth */
	sl_json_finish(&t);
	sl_json_finish(&p);
}

/* A group of fields below one node whose values follow from a content
 * number alone (as a place's geo block follows from its lookup result). */
static void group_fields(struct sl_json *j, const struct tkey *keys, size_t from, size_t to,
			 unsigned content)
{
	unsigned seed = content * 7919u + 1;
	for (size_t i = from; i < to; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		if (r % 3 == 0)
			continue;
		sl_json_node_key(j, keys[i].node, keys[i].text, keys[i].len);
		if (r % 2)
			sl_json_u64(j, r);
		else
			sl_json_str(j, "text");
	}
}

/* One random field before or after the group, the same in both lines. */
static void other_field(struct sl_json *t, struct sl_json *p, const struct tkey *k, unsigned r)
{
	struct sl_json *both[2] = { t, p };
	for (int b = 0; b < 2; b++) {
		if (r % 13 == 0)
			sl_json_path(both[b], k->name); /* objects opened by names */
		else
			sl_json_node_key(both[b], k->node, k->text, k->len);
		sl_json_u64(both[b], r);
	}
}

/* The fragment API against the fields written one by one: each group's
 * text is written once per content in whatever line needs it first, then
 * put into later lines after other fields, other groups, resets and
 * fields opened by names (then the writer falls back, as the event writer
 * does when sl_json_fragment_fits() says no). */
static void test_fragments(void)
{
	static const char *const names[] = {
		"timestamp", "evidence.tier", "flow.pkts", "flow.bytes", "flow.tcp.syn",
		"flow.tcp.opts.mss", "flow.tcp.after", "flow.age", "dest.port", "dest.geo.country",
		"dest.geo.city.name", "dest.geo.anon.vpn", "dest.geo.lat", "dest.geo.after",
		"dest.dns_name", "remote.ip", "remote.country", "remote.anon.vpn", "remote.asn", "z",
	};
	/* groups: [from, to) of names and the node they lie below; fields of
	 * the node before and after some (remote.ip, dest.geo.after) */
	static const struct { size_t from, to; const char *node; } groups[] = {
		{ 2, 8, "flow" }, { 4, 6, "flow.tcp" }, { 9, 13, "dest.geo" }, { 16, 19, "remote" },
		{ 10, 11, "dest.geo.city" },
	};
	enum { N = sizeof(names) / sizeof(names[0]), G = sizeof(groups) / sizeof(groups[0]), C = 4 };
	static struct tkey keys[N];
	static struct { bool have; char text[4096]; size_t len; const struct sl_json_node *end; } kept[G][C];
	for (size_t i = 0; i < N; i++)
		tkey_make(&keys[i], names[i], 0);
	TEST("json: kept fragments put where the fields would be (20000 random lines)");
	struct sl_json t, p;
	sl_json_init(&t);
	sl_json_init(&p);
	unsigned seed = 99, bad = 0, puts = 0, made = 0, refused = 0;
	for (int e = 0; e < 20000; e++) {
		size_t g = (size_t)rand_r(&seed) % G;
		unsigned content = (unsigned)rand_r(&seed) % C;
		const struct sl_json_node *at = test_node(&test_sets[0], groups[g].node,
							  strlen(groups[g].node));
		sl_json_begin(&t);
		sl_json_begin(&p);
		for (size_t i = 0; i < N;) {
			unsigned r = (unsigned)rand_r(&seed);
			if (i != groups[g].from) {
				if (r % 2)
					other_field(&t, &p, &keys[i], r);
				if (r % 41 == 3)
					sl_json_path_reset(&t), sl_json_path_reset(&p);
				i++;
				continue;
			}
			group_fields(&p, keys, groups[g].from, groups[g].to, content);
			if (!sl_json_fragment_fits(&t, at)) {
				refused++;
				group_fields(&t, keys, groups[g].from, groups[g].to, content);
			} else {
				if (!kept[g][content].have) {
					struct sl_json_mark m;
					const char *text;
					sl_json_fragment_begin(&t, at, &m);
					group_fields(&t, keys, groups[g].from, groups[g].to, content);
					kept[g][content].len = sl_json_fragment_end(&t, &m, &text,
										    &kept[g][content].end);
					memcpy(kept[g][content].text, text, kept[g][content].len);
					kept[g][content].have = true;
					made++;
				}
				if (kept[g][content].len)
					sl_json_fragment_put(&t, at, kept[g][content].text,
							     kept[g][content].len, kept[g][content].end);
				puts++;
			}
			i = groups[g].to;
		}
		sl_json_end(&t);
		sl_json_end(&p);
		bad += t.len != p.len || strcmp(t.buf, p.buf) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(made > 0 && puts > 10 * made && refused > 0);
	sl_json_finish(&t);
	sl_json_finish(&p);
}

int main(void)
{
	test_doubles();
	test_double_memo();
	test_integers();
	test_integers_growing();
	test_paths();
	test_string_words();
	test_string_plain();
	test_tagged_keys();
	test_fragments();
	return TEST_REPORT();
}
