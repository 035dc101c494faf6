/* Unit tests of the rule language: modifiers, types, list semantics, case,
 * regex, CIDR, fieldref, exists/null, condition precedence and quantifiers,
 * correlations (event_count, value_count, temporal, expiry, eviction), each
 * rule's settle stage, and that matching the bundled-style rules allocates
 * nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protohelp.h"
#include "sightline/rules.h"
#include "testhelp.h"

/* ---- counting allocations (glibc; not under sanitizers, which own malloc) ---- */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MALLOC_HOOK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
#define NO_MALLOC_HOOK 1
#endif

#ifndef NO_MALLOC_HOOK
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t s);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static int allocs;
static bool counting;
void *malloc(size_t n)
{
	allocs += counting;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
	allocs += counting;
	return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
	allocs += counting;
	return __libc_realloc(p, n);
}
void free(void *p)
{
	__libc_free(p);
}
#endif

/* ---- an event: field values set by name ---- */
#define EV_MAX 16
struct ev {
	const struct sl_field *f[EV_MAX];
	struct sl_value v[EV_MAX];
	unsigned n;
};

static struct sl_value *ev_add(struct ev *e, const char *name)
{
	const struct sl_field *f = sl_catalogue_find(name);
	if (!f || e->n == EV_MAX) {
		fprintf(stderr, "test: no field %s\n", name);
		abort();
	}
	e->f[e->n] = f;
	memset(&e->v[e->n], 0, sizeof(e->v[0]));
	return &e->v[e->n++];
}

static void ev_str(struct ev *e, const char *name, const char *s)
{
	ev_add(e, name)->s = s;
}

static void ev_u(struct ev *e, const char *name, uint64_t u)
{
	ev_add(e, name)->u = u;
}

static void ev_d(struct ev *e, const char *name, double d)
{
	ev_add(e, name)->d = d;
}

static void ev_b(struct ev *e, const char *name, bool b)
{
	ev_add(e, name)->b = b;
}

static void ev_ip(struct ev *e, const char *name, const char *ip)
{
	if (sl_addr_parse(ip, &ev_add(e, name)->ip) < 0)
		abort();
}

static void ev_strs(struct ev *e, const char *name, const char *a, const char *b)
{
	struct sl_value *v = ev_add(e, name);
	v->strs[v->n++] = a;
	if (b)
		v->strs[v->n++] = b;
}

static bool ev_get(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	const struct ev *e = ctx;
	for (unsigned i = 0; i < e->n; i++)
		if (e->f[i] == f) {
			*v = e->v[i];
			return true;
		}
	return false;
}

/* ---- loading and matching ---- */
static struct sl_rules *load(const char *text)
{
	struct sl_rules *r = NULL;
	struct sl_rule_error err;
	if (sl_rules_load_mem("t.yml", text, strlen(text), &r, &err) < 0) {
		fprintf(stderr, "load failed: %s:%u:%u: %s\n", err.file, err.line, err.col, err.msg);
		return NULL;
	}
	return r;
}

struct hits {
	unsigned n;
	const char *last;
};

static void on_hit(void *ctx, const struct sl_rule_info *info)
{
	struct hits *h = ctx;
	h->n++;
	h->last = info->id;
}

/* Number of rules of r that match e. */
static unsigned hits(const struct sl_rules *r, struct ev *e)
{
	struct hits h = { 0 };
	struct sl_field_source src = { .get = ev_get, .ctx = e };
	sl_rules_match(r, &src, on_hit, &h);
	return h.n;
}

#define RULE_HEAD "title: t\nid: r1\nscore: 50\nfamily: test\ndetection:\n"

/* One rule with detection body det; does it match e? */
static int one(const char *det, struct ev *e)
{
	char text[2048];
	snprintf(text, sizeof(text), RULE_HEAD "%s", det);
	struct sl_rules *r = load(text);
	if (!r)
		return -1;
	int n = (int)hits(r, e);
	sl_rules_destroy(r);
	return n;
}

static void test_strings(void)
{
	TEST("strings: equality, case, contains, startswith, endswith, cased");
	struct ev e = { 0 };
	ev_str(&e, "tls.sni", "Relay.AnyDesk.com");
	CHECK_EQ_INT(one("  s: {tls.sni: relay.anydesk.com}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|cased: relay.anydesk.com}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.sni|cased: Relay.AnyDesk.com}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|contains: ANYDESK}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|contains: anydesk.net}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.sni|startswith: relay.}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|endswith: .COM}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|endswith: relay}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.sni: relay}\n  condition: s\n", &e), 0);
	TEST("strings: regex (PCRE2, case-insensitive unless cased)");
	CHECK_EQ_INT(one("  s: {tls.sni|re: '^relay\\.[a-z]+\\.com$'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|re|cased: '^relay'}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.sni|re: 'teamviewer|anydesk'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|re: '^\\w+\\.(?:any|team)desk\\.com$'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|re: '[[:upper:]]'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|re|cased: '[[:upper:]]{2}'}\n  condition: s\n", &e), 0);
	/* as POSIX regexec did: . takes a newline, $ is only the very end */
	ev_str(&e, "http.http_user_agent", "a\nb\n");
	CHECK_EQ_INT(one("  s: {http.http_user_agent|re: '^a.b'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {http.http_user_agent|re: 'b$'}\n  condition: s\n", &e), 0);
}

static void test_lists(void)
{
	TEST("lists: any value, |all, string-list fields, null");
	struct ev e = { 0 };
	ev_str(&e, "app", "nordvpn");
	ev_strs(&e, "remote.intel", "vpn", "Tor");
	CHECK_EQ_INT(one("  s: {app: [mullvad, NordVPN]}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {app: [mullvad, proton]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {app|contains|all: [nord, vpn]}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {app|contains|all: [nord, tor]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {remote.intel: tor}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {remote.intel: dprk}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {remote.intel|all: [vpn, tor]}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {remote.intel|all: [vpn, dprk]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {category: null}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {app: null}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {category: [null, vpn]}\n  condition: s\n", &e), 1);
	/* an absent field against each kind of value list (the result worked
	 * out at load, rules_stage.c) */
	CHECK_EQ_INT(one("  s: {category: [vpn, null]}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {category: [vpn, tor]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {category|all: [null, vpn]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {category|all: null}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {category|contains|all: [vp, pn]}\n  condition: s\n", &e), 0);
	TEST("lists: a list of maps is any of them; a map is all of its fields");
	CHECK_EQ_INT(one("  s:\n    - {app: x}\n    - {remote.intel: vpn}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {app: nordvpn, remote.intel: dprk}\n  condition: s\n", &e), 0);
}

static void test_numbers(void)
{
	TEST("numbers, bools, exists");
	struct ev e = { 0 };
	ev_u(&e, "dest_port", 443);
	ev_d(&e, "rtt.gap_ms", 87.5);
	ev_b(&e, "tls.ech", true);
	CHECK_EQ_INT(one("  s: {dest_port: 443}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {dest_port: '443'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {dest_port|gt: 442}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {dest_port|gt: 443}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {dest_port|gte: 443}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {dest_port|lt: -1}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {dest_port|lte: 443.5}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {rtt.gap_ms|gt: 50}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {rtt.gap_ms|lt: 87.4}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.ech: true}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.ech: false}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.ech|exists: true}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {tls.sni|exists: true}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {tls.sni|exists: false}\n  condition: s\n", &e), 1);
	/* an absent field matches no comparison, not even a negative one */
	CHECK_EQ_INT(one("  s: {src_port|lt: 100000}\n  condition: s\n", &e), 0);
}

static void test_addresses(void)
{
	TEST("addresses: cidr v4/v6, equality in any spelling, text");
	struct ev e = { 0 };
	ev_ip(&e, "remote.ip", "175.45.176.9");
	ev_ip(&e, "src_ip", "2001:db8:0:0::1");
	CHECK_EQ_INT(one("  s: {remote.ip|cidr: 175.45.176.0/22}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {remote.ip|cidr: [10.0.0.0/8, 175.45.180.0/22]}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src_ip|cidr: '2001:db8::/32'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {src_ip|cidr: '2001:db9::/32'}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src_ip|cidr: 0.0.0.0/0}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src_ip: '2001:DB8::1'}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {remote.ip|startswith: '175.45.'}\n  condition: s\n", &e), 1);
}

static void test_fieldref(void)
{
	TEST("fieldref: two fields compared");
	struct ev e = { 0 };
	ev_str(&e, "src.geo.country", "KP");
	ev_str(&e, "dest.geo.country", "kp");
	ev_str(&e, "remote.country", "US");
	ev_ip(&e, "src_ip", "10.0.0.1");
	ev_ip(&e, "remote.ip", "10.0.0.1");
	CHECK_EQ_INT(one("  s: {src.geo.country|fieldref: dest.geo.country}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {src.geo.country|fieldref|cased: dest.geo.country}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src.geo.country|fieldref: remote.country}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src.geo.country|fieldref: remote.city}\n  condition: s\n", &e), 0);
	CHECK_EQ_INT(one("  s: {src_ip|fieldref: remote.ip}\n  condition: s\n", &e), 1);
	CHECK_EQ_INT(one("  s: {src_ip|fieldref: dest_port}\n  condition: s\n", &e), -1);
}

static void test_conditions(void)
{
	TEST("conditions: precedence not > and > or, parentheses, quantifiers");
	static const char sels[] =
		"  a: {app: a}\n  b: {category: b}\n  c: {proto: c}\n"
		"  sel_x: {app: a}\n  sel_y: {category: b}\n  _helper: {proto: zz}\n";
	struct { const char *cond; const char *app, *cat, *proto; int want; } cases[] = {
		/* not a and b or c == ((not a) and b) or c */
		{ "not a and b or c", "a", "b", "x", 0 },
		{ "not a and b or c", "x", "b", "x", 1 },
		{ "not a and b or c", "a", "x", "c", 1 },
		{ "not (a and b) or c", "a", "b", "x", 0 },
		{ "not (a and b or c)", "x", "x", "x", 1 },
		{ "a or b and c", "a", "x", "x", 1 },
		{ "(a or b) and c", "a", "x", "x", 0 },
		{ "1 of sel_*", "x", "b", "x", 1 },
		{ "1 of sel_*", "x", "x", "x", 0 },
		{ "all of sel_*", "a", "b", "x", 1 },
		{ "all of sel_*", "a", "x", "x", 0 },
		{ "1 of them", "x", "x", "c", 1 },
		{ "all of them", "a", "b", "c", 1 },  /* _helper is left out of them */
		{ "all of them and not _helper", "a", "b", "c", 1 },
		{ "a AND NOT b", "a", "x", "x", 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char det[1024];
		struct ev e = { 0 };
		ev_str(&e, "app", cases[i].app);
		ev_str(&e, "category", cases[i].cat);
		ev_str(&e, "proto", cases[i].proto);
		snprintf(det, sizeof(det), "%s  condition: %s\n", sels, cases[i].cond);
		int got = one(det, &e);
		if (got != cases[i].want)
			fprintf(stderr, "condition '%s' on %s/%s/%s\n", cases[i].cond, cases[i].app,
				cases[i].cat, cases[i].proto);
		CHECK_EQ_INT(got, cases[i].want);
	}
}

/* The names sl_rule_matched() gives for rule text on e, joined by ','. */
static void matched_of(const char *det, struct ev *e, char *out, size_t len)
{
	char text[2048];
	snprintf(text, sizeof(text), RULE_HEAD "%s", det);
	struct sl_rules *r = load(text);
	struct sl_field_source src = { .get = ev_get, .ctx = e };
	const char *names[SL_RULE_MATCHED_MAX];
	unsigned n = r ? sl_rule_matched(sl_rules_info(r, 0), &src, names, SL_RULE_MATCHED_MAX) : 0;
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "", names[i]);
	sl_rules_destroy(r);
}

static void test_matched(void)
{
	TEST("matched: the selections that held, outside any not, in the rule's order");
	static const char sels[] =
		"  product: {app: a}\n  exit_flag: {category: b}\n  exit_list: {proto: c}\n"
		"  sanctioned: {dest_port: 1}\n";
	struct { const char *cond; const char *app, *cat, *proto; const char *want; } cases[] = {
		{ "(product or 1 of exit_*) and not sanctioned", "a", "x", "x", "product" },
		{ "(product or 1 of exit_*) and not sanctioned", "x", "b", "x", "exit_flag" },
		{ "(product or 1 of exit_*) and not sanctioned", "x", "x", "c", "exit_list" },
		{ "(product or 1 of exit_*) and not sanctioned", "a", "b", "c",
		  "product,exit_flag,exit_list" },
		/* b held but stands under not: it did not make the rule fire */
		{ "product or not exit_flag", "a", "b", "x", "product" },
		{ "not not exit_flag", "x", "b", "x", "exit_flag" },
		{ "all of them", "a", "b", "c", "product,exit_flag,exit_list" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char det[1024], got[256];
		struct ev e = { 0 };
		ev_str(&e, "app", cases[i].app);
		ev_str(&e, "category", cases[i].cat);
		ev_str(&e, "proto", cases[i].proto);
		ev_u(&e, "dest_port", 443);
		snprintf(det, sizeof(det), "%s  condition: %s\n", sels, cases[i].cond);
		matched_of(det, &e, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "condition '%s': matched '%s', want '%s'\n", cases[i].cond,
				got, cases[i].want);
		CHECK_EQ_STR(got, cases[i].want);
	}
	struct sl_rules *r = load(RULE_HEAD "  z: {subject.activity.best_fit|gte: 0.8, app: x}\n"
				  "  condition: z\n");
	CHECK(r != NULL);
	CHECK(sl_rule_reads(sl_rules_info(r, 0), "subject.activity."));
	CHECK(sl_rule_reads(sl_rules_info(r, 0), "app"));
	CHECK(!sl_rule_reads(sl_rules_info(r, 0), "physics."));
	CHECK(!sl_rule_reads(NULL, "app"));
	sl_rules_destroy(r);
}

static void err_at(const char *text, unsigned line, unsigned col, const char *frag)
{
	struct sl_rules *r = NULL;
	struct sl_rule_error err;
	int rc = sl_rules_load_mem("t.yml", text, strlen(text), &r, &err);
	CHECK(rc < 0 && r == NULL);
	if (rc < 0) {
		CHECK_EQ_INT(err.line, line);
		CHECK_EQ_INT(err.col, col);
		CHECK(strstr(err.msg, frag) != NULL);
		if (!strstr(err.msg, frag))
			fprintf(stderr, "message: %s\n", err.msg);
	}
	sl_rules_destroy(r);
}

static void test_errors(void)
{
	TEST("errors: file, line, column and a sentence");
	err_at(RULE_HEAD "  s: {app: x}\n  condition: s and (s or t)\n", 7, 26, "unknown selection 't'");
	err_at(RULE_HEAD "  s: {app: x}\n  condition: \"s and\"\n", 7, 20, "ends too early");
	err_at(RULE_HEAD "  s: {ap: x}\n  condition: s\n", 6, 7, "did you mean 'app'");
	err_at(RULE_HEAD "  s: {app|gt: 3}\n  condition: s\n", 6, 7, "does not apply");
	err_at(RULE_HEAD "  s: {remote.ip|cidr: 300.0.0.0/8}\n  condition: s\n", 6, 23, "bad CIDR");
	err_at(RULE_HEAD "  s: {app: x}\n", 6, 3, "no 'condition'");
	err_at("title: t\nid: r1\nscore: -1\nfamily: test\ndetection: {s: {app: x}, condition: s}\n",
	       3, 8, "score");
	err_at("title: t\nid: r1\nscore: 1\nfamily: Remote Access\ndetection: {s: {app: x}, condition: s}\n",
	       4, 9, "family");
	err_at(RULE_HEAD "  s: {app: x}\n  condition: s\ntests: {match: [{dest_port: https}]}\n",
	       8, 29, "whole number");
}

/* The rule-info fields of the pack's rule with this id (NULL: none). */
static const struct sl_rule_info *info_of(const struct sl_rules *r, const char *id)
{
	for (size_t i = 0; r && i < sl_rules_count(r); i++)
		if (!strcmp(sl_rules_info(r, i)->id, id))
			return sl_rules_info(r, i);
	return NULL;
}

/* Write text to dir/name (for a pack of several files). */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* EVE's integer alert.signature_id: declared, else derived from the id by
 * a fixed function (the same number on every machine, in its own range);
 * two rules with one number is a load error naming both files. */
static void test_signature_ids(void)
{
	TEST("signature_id: declared or derived from the id, rev, tags, references; collisions refused");
	struct sl_rules *r = load("title: a\nid: r1\nsignature_id: 4242\nrev: 3\nscore: 5\nfamily: x\n"
				  "tags: [attack.t1133, vpn]\nreferences: https://example.org/a\n"
				  "detection: {s: {app: x}, condition: s}\n---\n"
				  "title: b\nid: r2\nscore: 5\nfamily: x\n"
				  "detection: {s: {app: y}, condition: s}\n");
	CHECK(r != NULL);
	const struct sl_rule_info *a = info_of(r, "r1"), *b = info_of(r, "r2");
	CHECK(a && b);
	if (a && b) {
		CHECK_EQ_INT(a->signature_id, 4242);
		CHECK_EQ_INT(a->rev, 3);
		CHECK_EQ_INT(a->n_tags, 2);
		CHECK_EQ_STR(a->tags[1], "vpn");
		CHECK_EQ_INT(a->n_references, 1);
		CHECK_EQ_STR(a->references[0], "https://example.org/a");
		/* FNV-1a-32("r2") = 257163877 (computed apart, in Python): 10000000 + it */
		CHECK_EQ_INT(b->signature_id, 267163877);
		CHECK_EQ_INT(sl_rule_sid_derive("r2"), 267163877);
		CHECK_EQ_INT(b->rev, 1);
		CHECK_EQ_INT(b->n_tags, 0);
	}
	sl_rules_destroy(r);
	err_at("title: a\nid: r1\nsignature_id: 7\nscore: 5\nfamily: x\n"
	       "detection: {s: {app: x}, condition: s}\n---\n"
	       "title: b\nid: r2\nsignature_id: 7\nscore: 5\nfamily: x\n"
	       "detection: {s: {app: y}, condition: s}\n", 10, 15,
	       "signature_id 7 is already used by 'a' in t.yml:2");
	err_at("title: a\nid: r1\nsignature_id: 1000000\nscore: 5\nfamily: x\n"
	       "detection: {s: {app: x}, condition: s}\n", 3, 15, "from 1 to 999999");
	err_at("title: a\nid: r1\nrev: 0\nscore: 5\nfamily: x\n"
	       "detection: {s: {app: x}, condition: s}\n", 3, 6, "rev must be a whole number");
	/* across files: the error is at the second file and names the first */
	char dir[] = "/tmp/sl-sid-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	put_file(dir, "a.yml", "title: a\nid: r1\nsignature_id: 9\nscore: 5\nfamily: x\n"
		 "detection: {s: {app: x}, condition: s}\n");
	put_file(dir, "b.yml", "title: b\nid: r2\nsignature_id: 9\nscore: 5\nfamily: x\n"
		 "detection: {s: {app: y}, condition: s}\n");
	struct sl_rule_error err;
	r = NULL;
	CHECK(sl_rules_load(dir, &r, &err) < 0 && r == NULL);
	CHECK(strstr(err.file, "/b.yml") != NULL);
	CHECK(strstr(err.msg, "/a.yml:2") != NULL);
	if (!strstr(err.msg, "/a.yml:2"))
		fprintf(stderr, "message: %s: %s\n", err.file, err.msg);
	sl_rules_destroy(r);
	char path[600];
	snprintf(path, sizeof(path), "%s/a.yml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.yml", dir);
	unlink(path);
	rmdir(dir);
}

/* Rule files share the bounded reader: 80,000 levels stop at level 33, a
 * collection past 1024 rules is refused, anchors stay refused. */
static void test_bounds(void)
{
	TEST("bounds: nesting depth, documents, anchors");
	size_t n = 80000;
	char *text = malloc(2 * n + 64), *w = text;
	w += sprintf(w, "title: t\nid: r1\ndetection: ");
	memset(w, '[', n);
	memset(w + n, ']', n);
	strcpy(w + 2 * n, "\n");
	err_at(text, 3, 43, "maps and lists nested more than 32 levels deep; a rule file");
	free(text);
	text = malloc(1100 * 5 + 1);
	text[0] = '\0';
	for (int i = 0; i < 1100; i++)
		strcat(text, "---\n");
	err_at(text, 1026, 1, "more than 1024 YAML documents in one rule file");
	free(text);
	err_at(RULE_HEAD "  s: &x {app: x}\n  condition: s\n", 6, 6,
	       "anchors and aliases (&name, *name) are not supported in a rule file");
}

/* A backreference that backtracks without bound (glibc: about 80 s for
 * these 400 bytes, deaf to signals) stops at the match limit: no match,
 * counted; a backreference that matches still does. */
static void test_regex_limits(void)
{
	TEST("regex: a runaway backreference is a counted non-match");
	char ua[401];
	memset(ua, 'a', 400);
	ua[400] = '\0';
	struct ev e = { 0 };
	ev_str(&e, "http.http_user_agent", ua);
	struct sl_rules *r = load(RULE_HEAD "  s: {http.http_user_agent|re: '(a*)*\\1[bc]'}\n  condition: s\n");
	CHECK(r != NULL);
	CHECK_EQ_INT(sl_rules_regex_limit_hits(r), 0);
	CHECK_EQ_INT(hits(r, &e), 0);
	CHECK_EQ_INT(sl_rules_regex_limit_hits(r), 1);
	sl_rules_destroy(r);
	struct ev f = { 0 };
	ev_str(&f, "http.http_user_agent", "xxABabyy");
	r = load(RULE_HEAD "  s: {http.http_user_agent|re: '(ab)\\1'}\n  condition: s\n");
	CHECK_EQ_INT(hits(r, &f), 1);
	CHECK_EQ_INT(hits(r, &e), 0);
	CHECK_EQ_INT(sl_rules_regex_limit_hits(r), 0);
	sl_rules_destroy(r);
	TEST("regex: a pattern that does not compile is a load error at its place");
	err_at(RULE_HEAD "  s: {http.http_user_agent|re: 'a(b'}\n  condition: s\n", 6, 32,
	       "bad regular expression 'a(b': missing closing parenthesis at offset 3 "
	       "(PCRE2 syntax)");
	err_at(RULE_HEAD "  s: {http.http_user_agent|re: '(*UTF)x'}\n  condition: s\n", 6, 32,
	       "(PCRE2 syntax)");
}

#define BASE(id, app) \
	"title: " id "\nid: " id "\nscore: 10\nfamily: test\ndetection:\n  s: {app: " app "}\n" \
	"  condition: s\n---\n"

static const char corr_pack[] =
	BASE("b1", "anydesk") BASE("b2", "teamviewer") BASE("b3", "nordvpn")
	"title: two hits\nid: ec\nscore: 40\nfamily: farm\ncorrelation:\n  type: event_count\n"
	"  rules: [b1]\n  group-by: [src_ip]\n  timespan: 1h\n  condition: {gte: 3}\n---\n"
	"title: tools\nid: vc\nscore: 40\nfamily: farm\ncorrelation:\n  type: value_count\n"
	"  rules: [b1, b2]\n  group-by: src_ip\n  timespan: 24h\n  condition: {gte: 2, field: app}\n---\n"
	"title: vpn then tool\nid: tc\nscore: 40\nfamily: farm\ncorrelation:\n  type: temporal\n"
	"  rules: [b3, b1]\n  group-by: [src_ip]\n  timespan: 10m\n";

/* Feed base rule `base` for a host at second t; returns the correlation
 * hit (its id) or NULL. */
static const char *feed(struct sl_correlator *c, const struct sl_rules *r, size_t base,
			const char *host, const char *app, uint64_t t)
{
	struct ev e = { 0 };
	ev_ip(&e, "src_ip", host);
	ev_str(&e, "app", app);
	struct sl_field_source src = { .get = ev_get, .ctx = &e };
	struct hits h = { 0 };
	sl_correlator_feed(c, sl_rules_info(r, base), &src, t * SL_US_PER_SEC, on_hit, &h);
	return h.n == 1 ? h.last : h.n ? "several" : NULL;
}

static void test_correlation(void)
{
	TEST("correlation: event_count with expiry, value_count, temporal, eviction");
	struct sl_rules *r = load(corr_pack);
	struct sl_correlator *c = NULL;
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_INT(sl_rules_count(r), 6);
	CHECK(sl_rules_info(r, 3)->correlation && sl_rules_info(r, 3)->scope == SL_RULE_SCOPE_SUBJECT);
	CHECK(!sl_rules_info(r, 0)->correlation && sl_rules_info(r, 0)->scope == SL_RULE_SCOPE_FLOW);
	CHECK_EQ_INT(sl_correlator_create(r, 64, &c), 0);
	/* event_count: 3 hits of b1 within an hour, per host */
	CHECK(feed(c, r, 0, "10.0.0.1", "anydesk", 1000) == NULL);
	CHECK(feed(c, r, 0, "10.0.0.2", "anydesk", 1001) == NULL); /* other group */
	CHECK(feed(c, r, 0, "10.0.0.1", "anydesk", 4000) == NULL);
	CHECK(feed(c, r, 0, "10.0.0.1", "anydesk", 4700) == NULL); /* 1000 expired */
	const char *hit = feed(c, r, 0, "10.0.0.1", "anydesk", 4800);
	CHECK_EQ_STR(hit, "ec");
	CHECK(feed(c, r, 0, "10.0.0.1", "anydesk", 4801) == NULL); /* starts afresh */
	/* value_count: two different tools on one host within a day */
	CHECK(feed(c, r, 1, "10.0.0.9", "teamviewer", 100) == NULL);
	CHECK(feed(c, r, 1, "10.0.0.9", "teamviewer", 200) == NULL);
	CHECK_EQ_STR(feed(c, r, 0, "10.0.0.9", "anydesk", 300), "vc");
	CHECK(feed(c, r, 1, "10.0.0.8", "teamviewer", 1000) == NULL);
	CHECK(feed(c, r, 0, "10.0.0.8", "anydesk", 1000 + 86400) == NULL); /* too late */
	/* temporal: b3 and b1 within 10 minutes */
	CHECK(feed(c, r, 2, "10.0.0.7", "nordvpn", 5000) == NULL);
	CHECK(feed(c, r, 2, "10.0.0.7", "nordvpn", 5010) == NULL);
	const char *t = feed(c, r, 0, "10.0.0.7", "anydesk", 5500);
	CHECK_EQ_STR(t, "tc");
	CHECK(feed(c, r, 2, "10.0.0.6", "nordvpn", 5000) == NULL);
	CHECK(feed(c, r, 0, "10.0.0.6", "anydesk", 5000 + 600) == NULL); /* window closed */
	CHECK_EQ_INT(sl_correlator_evictions(c), 0);
	sl_correlator_destroy(c);

	sl_rules_destroy(r);

	/* eviction: with 2 groups, a third host pushes out the least recent */
	r = load(BASE("b1", "anydesk") BASE("b3", "nordvpn")
		 "title: vpn then tool\nid: tc\nscore: 40\nfamily: farm\ncorrelation:\n"
		 "  type: temporal\n  rules: [b3, b1]\n  group-by: [src_ip]\n  timespan: 10m\n");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_INT(sl_correlator_create(r, 2, &c), 0);
	feed(c, r, 1, "10.1.0.1", "nordvpn", 10);          /* group A */
	feed(c, r, 1, "10.1.0.2", "nordvpn", 11);          /* group B */
	feed(c, r, 1, "10.1.0.1", "nordvpn", 12);          /* A is now most recent */
	feed(c, r, 1, "10.1.0.3", "nordvpn", 13);          /* evicts B */
	CHECK_EQ_INT(sl_correlator_evictions(c), 1);
	CHECK_EQ_STR(feed(c, r, 0, "10.1.0.1", "anydesk", 14), "tc"); /* A kept its state */
	CHECK(feed(c, r, 0, "10.1.0.2", "anydesk", 15) == NULL);      /* B forgot it */
	sl_correlator_destroy(c);
	sl_correlator_destroy(NULL);
	sl_rules_destroy(r);
	sl_rules_destroy(NULL);
}

static const char subject_corr_pack[] =
	BASE("b1", "anydesk") BASE("b3", "nordvpn")
	"title: vpn and tool\nid: st\nscore: 40\nfamily: farm\ncorrelation:\n  type: temporal\n"
	"  rules: [b3, b1]\n  group-by: [subject.id]\n  timespan: 1h\n---\n"
	"title: tools\nid: sv\nscore: 40\nfamily: farm\ncorrelation:\n  type: value_count\n"
	"  rules: [b1, b3]\n  group-by: [subject.id]\n  timespan: 24h\n"
	"  condition: {gte: 3, field: app}\n---\n"
	"title: lan\nid: lan\nscore: 40\nfamily: farm\ncorrelation:\n  type: value_count\n"
	"  rules: [b1]\n  timespan: 24h\n  condition: {gte: 2, field: subject.id}\n";

static const char *feed_subject(struct sl_correlator *c, const struct sl_rules *r, size_t base,
				const char *who, const char *app, uint64_t t)
{
	struct ev e = { 0 };
	ev_str(&e, "subject.id", who);
	ev_str(&e, "app", app);
	struct sl_field_source src = { .get = ev_get, .ctx = &e };
	struct hits h = { 0 };
	sl_correlator_feed(c, sl_rules_info(r, base), &src, t * SL_US_PER_SEC, on_hit, &h);
	return h.n == 1 ? h.last : h.n ? "several" : NULL;
}

struct moved {
	struct sl_correlator *to;
	const char *who;
	unsigned groups;
	int rc;
};

static void move_group(void *ctx, const struct sl_rule_info *rule, const uint32_t *h,
		       const uint32_t *t, size_t n)
{
	struct moved *m = ctx;
	m->groups++;
	if (m->rc == 0)
		m->rc = sl_correlator_subject_set(m->to, m->who, rule, h, t, n);
}

static void test_correlation_moves(void)
{
	TEST("correlation: a subject's groups move to another correlator (fleet fail-over)");
	struct sl_rules *r = load(subject_corr_pack);
	struct sl_correlator *a = NULL, *b = NULL;
	CHECK(r != NULL);
	if (!r || sl_correlator_create(r, 64, &a) < 0 || sl_correlator_create(r, 64, &b) < 0) {
		sl_correlator_destroy(a);
		sl_rules_destroy(r);
		return;
	}
	/* on the old owner: the VPN leg, two tools, and one subject on the LAN */
	CHECK(feed_subject(a, r, 1, "Alice", "nordvpn", 1000) == NULL);
	CHECK(feed_subject(a, r, 0, "Bob", "anydesk", 1100) == NULL);
	struct moved m = { .to = b, .who = "Alice" };
	sl_correlator_subject_walk(a, "Alice", move_group, &m);
	CHECK_EQ_INT(m.rc, 0);
	CHECK_EQ_INT(m.groups, 2); /* st and sv; lan counts across subjects */
	/* on the new owner the tool leg completes what the old one began */
	CHECK_EQ_STR(feed_subject(b, r, 0, "Alice", "anydesk", 1200), "st");
	/* without the move, the same leg completes nothing */
	struct sl_correlator *c = NULL;
	CHECK_EQ_INT(sl_correlator_create(r, 64, &c), 0);
	CHECK(c && feed_subject(c, r, 0, "Alice", "anydesk", 1200) == NULL);
	/* a correlation across subjects has no subject's state to move */
	const struct sl_rule_info *lan = sl_rules_info(r, 4);
	uint32_t h[1] = { 1 }, t[1] = { 1000 };
	CHECK_EQ_INT(sl_correlator_subject_set(b, "Alice", lan, h, t, 1), -EINVAL);
	/* forgotten: the subject moved away, a later leg starts afresh (only
	 * the count across subjects, Bob and Alice, fires) */
	sl_correlator_subject_forget(a, "Alice");
	CHECK_EQ_STR(feed_subject(a, r, 0, "Alice", "anydesk", 1300), "lan");
	sl_correlator_subject_forget(NULL, "Alice");
	sl_correlator_destroy(c);
	sl_correlator_destroy(a);
	sl_correlator_destroy(b);
	sl_rules_destroy(r);
}

/* rules/sigma of the source tree: __FILE__ is absolute, or relative to the
 * build root, which is three levels above this executable. */
static void pack_dir(char *out, size_t len)
{
	char exe[4096] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	for (int i = 0; i < 3; i++)
		if (strrchr(exe, '/'))
			*strrchr(exe, '/') = '\0';
	int dir = (int)(strrchr(__FILE__, '/') - __FILE__);
	if (__FILE__[0] == '/')
		snprintf(out, len, "%.*s/../../rules/sigma", dir, __FILE__);
	else
		snprintf(out, len, "%s/%.*s/../../rules/sigma", exe, dir, __FILE__);
}

static void test_no_alloc(void)
{
	TEST("match and feed allocate nothing");
	struct sl_rules *r = NULL;
	struct sl_rule_error err;
	char pack[8192];
	pack_dir(pack, sizeof(pack));
	int rc = sl_rules_load(pack, &r, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", pack, err.msg);
	CHECK_EQ_INT(rc, 0);
	struct sl_rules *cr = load(corr_pack);
	struct sl_correlator *c = NULL;
	if (rc < 0 || !cr || sl_correlator_create(cr, 16, &c) < 0)
		return;
	struct ev e = { 0 };
	ev_str(&e, "category", "remote-access");
	ev_str(&e, "app", "anydesk");
	ev_ip(&e, "remote.ip", "175.45.176.1");
	ev_ip(&e, "src_ip", "10.0.0.1");
	ev_strs(&e, "remote.intel", "dprk", "vpn");
	ev_strs(&e, "dest.geo.intel", "dprk", NULL);
	ev_strs(&e, "evidence.lists", "dprk", "vpn");
	ev_str(&e, "evidence.flow", "tunnel-capable");
	CHECK_EQ_INT(hits(r, &e), 3);
#ifndef NO_MALLOC_HOOK
	allocs = 0;
	counting = true;
	free(malloc(16)); /* the hook itself counts */
	CHECK_EQ_INT(allocs, 1);
	allocs = 0;
#endif
	unsigned n = 0;
	for (int i = 0; i < 100; i++)
		n += hits(r, &e);
	struct sl_field_source src = { .get = ev_get, .ctx = &e };
	struct hits h = { 0 };
	for (uint64_t t = 0; t < 50; t++)
		sl_correlator_feed(c, sl_rules_info(cr, 0), &src, t * SL_US_PER_SEC, on_hit, &h);
#ifndef NO_MALLOC_HOOK
	counting = false;
	CHECK_EQ_INT(allocs, 0);
#endif
	CHECK_EQ_INT(n, 300);
	CHECK(h.n >= 16); /* event_count (3) fired every third feed */
	sl_correlator_destroy(c);
	sl_rules_destroy(cr);
	sl_rules_destroy(r);
}

static const char stage_pack[] =
	"title: address\nid: s-addr\nscore: 10\nfamily: a\n"
	"detection: {s: {remote.ip|exists: true}, condition: s}\n---\n"
	"title: vnc\nid: s-vnc\nscore: 10\nfamily: b\n"
	"detection: {s: {app_proto: vnc, vnc.security_type: none, remote.ip|exists: true},"
	" condition: s}\n---\n"
	"title: claimed\nid: s-claimed\nscore: 10\nfamily: c\n"
	"detection: {s: {remote.country: KP}, t: {subject.claimed.country: US},"
	" condition: s and t}\n---\n"
	"title: counters\nid: s-count\nscore: 10\nfamily: d\n"
	"detection: {s: {flow.pkts_toserver|gt: 10}, condition: s}\n---\n"
	"title: ref\nid: s-ref\nscore: 10\nfamily: e\n"
	"detection: {s: {src_port|fieldref: flow.pkts_toclient}, condition: s}\n";

/* Stage-matching callback: the ids seen, in order. */
static void on_stage_hit(void *ctx, const struct sl_rule_info *info)
{
	char *seen = ctx;
	strcat(seen, info->id);
	strcat(seen, " ");
}

static void test_stages(void)
{
	TEST("stages: each field's settle stage, a rule's is the latest of the fields it names");
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("src_ip")), SL_SETTLE_HANDSHAKE);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("community_id")), SL_SETTLE_HANDSHAKE);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("remote.country")), SL_SETTLE_HANDSHAKE);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("app_proto")), SL_SETTLE_IDENTIFIED);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("category")), SL_SETTLE_IDENTIFIED);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("vnc.security_type")), SL_SETTLE_IDENTIFIED);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("tunnel.obfuscated")), SL_SETTLE_INSPECTION);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("timestamp")), SL_SETTLE_END);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("flow.pkts_toserver")), SL_SETTLE_END);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("flow.interim")), SL_SETTLE_END);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("subject.id")), SL_SETTLE_END);
	CHECK_EQ_INT(sl_field_settle(sl_catalogue_find("physics.excess_ms")), SL_SETTLE_END);
	struct sl_rules *r = load(stage_pack);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_INT(sl_rules_info(r, 0)->stage, SL_SETTLE_HANDSHAKE);
	CHECK_EQ_INT(sl_rules_info(r, 1)->stage, SL_SETTLE_IDENTIFIED);
	CHECK_EQ_INT(sl_rules_info(r, 2)->stage, SL_SETTLE_END);
	CHECK_EQ_INT(sl_rules_info(r, 3)->stage, SL_SETTLE_END);
	CHECK_EQ_INT(sl_rules_info(r, 4)->stage, SL_SETTLE_END); /* by its |fieldref */
	CHECK(sl_rules_has_stage(r, SL_SETTLE_HANDSHAKE) && sl_rules_has_stage(r, SL_SETTLE_END));
	CHECK(!sl_rules_has_stage(NULL, SL_SETTLE_END));
	/* only s-claimed reads a field of the shared tables (the subject's) */
	CHECK(!sl_rules_stages_read_shared(r, SL_SETTLE_DEFAULT, SL_SETTLE_INSPECTION));
	CHECK(sl_rules_stages_read_shared(r, SL_SETTLE_INSPECTION, SL_SETTLE_END));
	CHECK(sl_rules_stages_read_shared(r, SL_SETTLE_DEFAULT, SL_SETTLE_END));
	CHECK(!sl_rules_stages_read_shared(NULL, SL_SETTLE_DEFAULT, SL_SETTLE_END));
	struct ev e = { 0 };
	ev_ip(&e, "remote.ip", "203.0.113.9");
	ev_str(&e, "app_proto", "vnc");
	ev_str(&e, "vnc.security_type", "none");
	ev_str(&e, "remote.country", "KP");
	ev_str(&e, "subject.claimed.country", "US");
	ev_u(&e, "flow.pkts_toserver", 11);
	ev_u(&e, "flow.pkts_toclient", 5900);
	ev_u(&e, "src_port", 5900);
	struct sl_field_source src = { .get = ev_get, .ctx = &e };
	char seen[256] = "";
	sl_rules_match_stage(r, SL_SETTLE_HANDSHAKE, &src, on_stage_hit, seen);
	CHECK_EQ_STR(seen, "s-addr ");
	seen[0] = '\0';
	sl_rules_match_stage(r, SL_SETTLE_IDENTIFIED, &src, on_stage_hit, seen);
	CHECK_EQ_STR(seen, "s-vnc ");
	seen[0] = '\0';
	sl_rules_match_stage(r, SL_SETTLE_INSPECTION, &src, on_stage_hit, seen);
	CHECK_EQ_STR(seen, "");
	seen[0] = '\0';
	sl_rules_match_stage(r, SL_SETTLE_END, &src, on_stage_hit, seen);
	CHECK_EQ_STR(seen, "s-claimed s-count s-ref ");
	CHECK_EQ_INT(hits(r, &e), 5); /* all stages together: what matching the ended flow gives */
	sl_rules_destroy(r);
}

/* ---- random events: every field present or not, values from a small
 * vocabulary the bundled rules compare with, fixed by (seed, field) ---- */
static const char *const vocab[] = {
	"dprk", "vpn", "tor", "allow", "hosting", "Cable/DSL", "ip-kvm", "remote-access",
	"Asia/Pyongyang", "KP", "US", "none", "vnc", "rdp", "anydesk", "teamviewer",
	"tunnel-capable", "residential", "", "example.org", "ko", "0x412",
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static bool rand_get(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	uint64_t h = *(const uint64_t *)ctx;
	for (const char *c = f->name; *c; c++)
		h = mix(h ^ (uint8_t)*c);
	if (h % 3 == 0)
		return false; /* absent */
	memset(v, 0, sizeof(*v));
	uint64_t r = mix(h);
	const char *word = vocab[r % ARRAY_SIZE(vocab)];
	switch (f->type) {
	case SL_FT_STRING: v->s = word; break;
	case SL_FT_STRING_LIST:
		v->n = (unsigned)(r >> 8) % 3;
		for (unsigned i = 0; i < v->n; i++)
			v->strs[i] = vocab[(r >> (16 + 8 * i)) % ARRAY_SIZE(vocab)];
		break;
	case SL_FT_IP:
		sl_addr_parse((r >> 8) & 1 ? "175.45.176.10" : "10.0.0.1", &v->ip);
		break;
	case SL_FT_UINT_LIST:
		v->n = (unsigned)(r >> 8) % 3;
		for (unsigned i = 0; i < v->n; i++)
			v->list[i] = (r >> (16 + 8 * i)) % 8;
		break;
	case SL_FT_DOUBLE: v->d = (double)((r >> 8) % 11) / 10; break;
	case SL_FT_BOOL: v->b = (r >> 8) & 1; break;
	default: v->u = (r >> 8) % 8; v->i = (int64_t)v->u; break;
	}
	return true;
}

struct walk {
	char seen[2048];
	unsigned n;
	enum sl_settle stage; /* filter for the full walk; SL_SETTLE_DEFAULT: none */
};

static void on_walk_hit(void *ctx, const struct sl_rule_info *info)
{
	struct walk *w = ctx;
	if (w->stage && info->stage != w->stage)
		return;
	w->n++;
	if (strlen(w->seen) + strlen(info->id) + 2 < sizeof(w->seen)) {
		strcat(w->seen, info->id);
		strcat(w->seen, " ");
	}
}

/* Each stage's rules are kept in a list of their own at load: matching a
 * stage gives the hits, in the same order, of walking every rule and
 * keeping those of the stage, for the bundled pack over random events. */
static void test_stage_lists(void)
{
	TEST("stage lists: a stage's hits equal the full walk's of that stage over 4000 random events");
	struct sl_rules *r = NULL;
	struct sl_rule_error err;
	char pack[8192];
	pack_dir(pack, sizeof(pack));
	CHECK_EQ_INT(sl_rules_load(pack, &r, &err), 0);
	if (!r)
		return;
	unsigned bad = 0, hit_total = 0;
	for (uint64_t seed = 1; seed <= 4000; seed++) {
		struct sl_field_source src = { .get = rand_get, .ctx = &seed };
		for (unsigned st = SL_SETTLE_HANDSHAKE; st <= SL_SETTLE_END; st++) {
			struct walk full = { .stage = (enum sl_settle)st }, staged = { 0 };
			sl_rules_match_event(r, SL_RULE_EVENT_FLOW, &src, on_walk_hit, &full);
			sl_rules_match_stage(r, (enum sl_settle)st, &src, on_walk_hit, &staged);
			bad += full.n != staged.n || strcmp(full.seen, staged.seen) != 0;
			hit_total += staged.n;
		}
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(hit_total > 1000); /* the events do make rules of several stages fire */
	sl_rules_destroy(r);
}

/* Rules a flow cannot match (a parser's fields it has no state for, a
 * product it lacks) are not evaluated, and a stage none of whose rules can
 * match builds no record; the hits are those of plain matching. */
static const char need_pack[] =
	"title: host\nid: n-host\nscore: 1\nfamily: a\n"
	"detection: {s: {http.hostname: example.org}, condition: s}\n---\n"
	"title: product\nid: n-app\nscore: 1\nfamily: b\n"
	"detection: {s: {app: anydesk}, condition: s}\n---\n"
	"title: either\nid: n-either\nscore: 1\nfamily: c\n"
	"detection: {h: {http.http_method: GET}, t: {tls.sni|exists: true}, condition: 1 of them}\n---\n"
	"title: no ua\nid: n-noua\nscore: 1\nfamily: d\n"
	"detection: {s: {http.http_user_agent: null}, condition: s}\n---\n"
	"title: not tls\nid: n-nottls\nscore: 1\nfamily: e\n"
	"detection: {s: {tls.sni|exists: true}, condition: not s}\n---\n"
	"title: tls sni\nid: n-sni\nscore: 1\nfamily: f\n"
	"detection: {s: {tls.sni|exists: true}, condition: s}\n";

static void both_ways(const struct sl_rules *r, const struct sl_record *rec, const char *want)
{
	char plain[256] = "", filtered[256] = "";
	struct sl_field_source src = sl_rules_record_source(rec);
	sl_rules_match_stage(r, SL_SETTLE_IDENTIFIED, &src, on_stage_hit, plain);
	sl_rules_match_stage_flow(r, SL_SETTLE_IDENTIFIED, rec, on_stage_hit, filtered);
	CHECK_EQ_STR(plain, want);
	CHECK_EQ_STR(filtered, want);
}

static void test_needs(void)
{
	TEST("needs: rules that cannot match a flow are skipped, the hits unchanged");
	struct sl_rules *r = load(need_pack);
	CHECK(r != NULL);
	if (!r)
		return;
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 80);
	static const char get[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
	ph_feed(&h, SL_DIR_TOSERVER, get, sizeof(get) - 1);
	struct sl_record rec = ph_record(&h);
	CHECK(sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_IDENTIFIED, &rec));
	both_ways(r, &rec, "n-host n-either n-noua n-nottls ");
	ph_finish(&h);
	/* no parser state, no product: only the rules absence can satisfy */
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 9999);
	rec = ph_record(&h);
	CHECK(sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_IDENTIFIED, &rec));
	both_ways(r, &rec, "n-noua n-nottls ");
	ph_finish(&h);
	sl_rules_destroy(r);
	/* a pack whose every rule needs some state: a bare flow can match none */
	r = load("title: host\nid: n-host\nscore: 1\nfamily: a\n"
		 "detection: {s: {http.hostname: example.org}, condition: s}\n");
	CHECK(r != NULL);
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 9999);
	rec = ph_record(&h);
	CHECK(r && !sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	CHECK(!sl_rules_stages_may_match(NULL, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	sl_rules_destroy(r);
	/* an own fact every match needs (the port), with a place: the flow's
	 * own record rules it out before any lookup; a place alone, or a
	 * choice, does not */
	r = load("title: port\nid: n-port\nscore: 1\nfamily: a\n"
		 "detection: {p: {dest_port: 8080, proto: UDP}, g: {remote.country: KP},"
		 " condition: p and g}\n");
	CHECK(r && !sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	sl_rules_destroy(r);
	r = load("title: port\nid: n-port\nscore: 1\nfamily: a\n"
		 "detection: {p: {dest_port: 9999, proto: UDP}, g: {remote.country: KP},"
		 " condition: p and g}\n");
	CHECK(r && sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	sl_rules_destroy(r);
	r = load("title: port\nid: n-port\nscore: 1\nfamily: a\n"
		 "detection: {p: {dest_port: 8080}, g: {remote.country: KP}, condition: p or g}\n");
	CHECK(r && sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	sl_rules_destroy(r);
	r = load("title: port\nid: n-port\nscore: 1\nfamily: a\n"
		 "detection: {p: [{dest_port: 8080}, {dest_port: 53}], condition: p}\n");
	CHECK(r && sl_rules_stages_may_match(r, SL_SETTLE_DEFAULT, SL_SETTLE_END, &rec));
	sl_rules_destroy(r);
	ph_finish(&h);
}

int main(void)
{
	test_strings();
	test_regex_limits();
	test_lists();
	test_numbers();
	test_addresses();
	test_fieldref();
	test_conditions();
	test_matched();
	test_errors();
	test_signature_ids();
	test_bounds();
	test_correlation();
	test_correlation_moves();
	test_stages();
	test_needs();
	test_stage_lists();
	test_no_alloc();
	return TEST_REPORT();
}
