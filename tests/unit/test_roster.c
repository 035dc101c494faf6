/* Roster loading: a good roster's values and lookups, and a catalogue of
 * broken rosters, each refused with FILE:LINE:COL and the right sentence. */
#include <math.h>
#include <stdlib.h>

#include "sightline/subject.h"
#include "testhelp.h"

static struct sl_activity_config act = { .work_start = 9, .work_end = 18, .min_hours = 4 };

static const char good[] =
	"people:\n"
	"  - name: Jane Doe\n"
	"    ip: 203.0.113.7\n"
	"    cidr: [198.51.100.0/24, 2001:db8::/32]\n"
	"    country: us\n"
	"    city: Austin\n"
	"    lat: 30.27\n"
	"    lon: -97.74\n"
	"    timezone: America/Chicago\n"
	"    work_hours: \"08:30-16:30\"\n"
	"    allow: {apps: [teamviewer, anydesk], cidrs: 192.0.2.0/24, rules: [r-1]}\n"
	"  - name: Wide Net\n"
	"    cidr: 198.0.0.0/8\n"
	"devices:\n"
	"  - name: build-box\n"
	"    mac: [\"B8:27:EB:01:02:03\"]\n"
	"    hostname: BUILDBOX\n";

static void test_good(void)
{
	TEST("a good roster: values, defaults, lookups by ip, longest cidr, mac, host name");
	struct sl_roster *r = NULL;
	char err[512] = "";
	int rc = sl_roster_load_string(good, sizeof(good) - 1, "good.yaml", &act, &r, err,
				       sizeof(err));
	CHECK_EQ_INT(rc, 0);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ_INT(sl_roster_count(r), 3);
	const struct sl_roster_entry *e = sl_roster_entry(r, 0);
	CHECK_EQ_STR(e->name, "Jane Doe");
	CHECK_EQ_STR(e->country, "US");
	CHECK_EQ_STR(e->city, "Austin");
	CHECK(fabs(e->lat - 30.27) < 1e-9 && fabs(e->lon + 97.74) < 1e-9);
	CHECK_EQ_STR(sl_tz_name(e->tz), "America/Chicago");
	CHECK_EQ_INT(e->work_start, 8 * 60 + 30);
	CHECK_EQ_INT(e->work_end, 16 * 60 + 30);
	CHECK_EQ_INT(e->n_nets, 3);
	CHECK_EQ_INT(e->n_allow_apps, 2);
	CHECK_EQ_STR(e->allow_apps[1], "anydesk");
	CHECK_EQ_INT(e->n_allow_nets, 1);
	CHECK_EQ_STR(e->allow_rules[0], "r-1");
	const struct sl_roster_entry *w = sl_roster_entry(r, 1), *d = sl_roster_entry(r, 2);
	CHECK_EQ_INT(w->work_start, 9 * 60); /* the activity defaults */
	CHECK_EQ_INT(w->work_end, 18 * 60);
	CHECK(isnan(w->lat) && w->tz == NULL && !w->device && d->device);
	struct sl_addr a;
	sl_addr_parse("203.0.113.7", &a);
	CHECK(sl_roster_match(r, &a, NULL, NULL) == e);
	sl_addr_parse("198.51.100.9", &a); /* /24 beats /8 */
	CHECK(sl_roster_match(r, &a, NULL, NULL) == e);
	sl_addr_parse("198.7.7.7", &a);
	CHECK(sl_roster_match(r, &a, NULL, NULL) == w);
	sl_addr_parse("2001:db8::5", &a);
	CHECK(sl_roster_match(r, &a, NULL, NULL) == e);
	sl_addr_parse("10.0.0.5", &a);
	const uint8_t mac[6] = { 0xb8, 0x27, 0xeb, 1, 2, 3 }, other[6] = { 2, 0, 0, 0, 0, 1 };
	CHECK(sl_roster_match(r, &a, NULL, NULL) == NULL);
	CHECK(sl_roster_match(r, &a, mac, NULL) == d);
	CHECK(sl_roster_match(r, &a, other, "buildbox") == d);
	CHECK(sl_roster_match(r, &a, other, "laptop") == NULL);
	CHECK(sl_roster_entry(r, 3) == NULL);
	sl_roster_destroy(r);
	sl_roster_destroy(NULL);
}

/* Each broken roster must fail with "bad.yaml:LINE:COL: " and a phrase. */
static const struct {
	const char *yaml, *where, *phrase;
} broken[] = {
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    timezone: Mars/Olympus_Mons\n",
	  "bad.yaml:4:15: ", "cannot open" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    emial: a@b\n", "bad.yaml:4:5: ",
	  "unknown key 'emial'" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    lat: [1, 2]\n    lon: 3\n", "bad.yaml:4:10: ",
	  "expected a single value, got a list" },
	{ "people: [\n  - name: a\n", "bad.yaml:", "YAML syntax error" },
	{ "people:\n  - name: a\n    ip: 1.2.3.400\n", "bad.yaml:3:9: ", "not an IP address" },
	{ "people:\n  - name: a\n    ip: 10.0.0.0/8\n", "bad.yaml:3:9: ", "list it under cidr" },
	{ "people:\n  - name: a\n    cidr: 10.0.0.1/8\n", "bad.yaml:3:11: ", "host bits" },
	{ "people:\n  - name: a\n    mac: b8:27:eb:01:02\n", "bad.yaml:3:10: ", "not a MAC" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    country: USA\n", "bad.yaml:4:14: ",
	  "alpha-2" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    work_hours: 9-5\n", "bad.yaml:4:17: ",
	  "09:00-17:00" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    allow: {apps: x, vpn: y}\n", "bad.yaml:4:22: ",
	  "allow: unknown key 'vpn'" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n  - name: a\n    ip: 1.2.3.5\n", "bad.yaml:4:11: ",
	  "already in the roster" },
	{ "people:\n  - name: a\n", "bad.yaml:2:5: ", "no ip, cidr, mac, hostname or accounts" },
	{ "people:\n  - name: a\n    accounts: [A@x.com]\n  - name: b\n    accounts: a@X.com\n",
	  "bad.yaml:5:15: ", "'a@X.com' is already listed for a" },
	{ "people:\n  - name: a\n    accounts: [\"\"]\n", "bad.yaml:3:16: ", "login name of 1 to" },
	{ "people:\n  - name: a\n    accounts: {x: 1}\n", "bad.yaml:3:15: ", "got a map" },
	{ "people:\n  - ip: 1.2.3.4\n", "bad.yaml:2:5: ", "has no name" },
	{ "- name: a\n", "bad.yaml:1:1: ", "top level must be a map" },
	{ "staff:\n  - name: a\n", "bad.yaml:1:1: ", "unknown key 'staff'" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    lat: 91\n    lon: 0\n", "bad.yaml:4:10: ",
	  "between -90 and 90" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    lat: 10\n", "bad.yaml:2:5: ",
	  "lat and lon together" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    timezone: ../../etc/passwd\n",
	  "bad.yaml:4:15: ", "not an IANA time zone name" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n---\npeople: []\n", "bad.yaml:5:1: ",
	  "only one YAML document" },
	{ "people:\n  - name: a\n    ip: 1.2.3.4\n    city: {x: 1}\n", "bad.yaml:4:11: ",
	  "expected a single value, got a map" },
};

static void test_broken(void)
{
	TEST("broken rosters: FILE:LINE:COL and a sentence for each");
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		struct sl_roster *r = NULL;
		char err[512] = "";
		int rc = sl_roster_load_string(broken[i].yaml, strlen(broken[i].yaml), "bad.yaml",
					       &act, &r, err, sizeof(err));
		bool ok = rc == -22 && r == NULL && strncmp(err, broken[i].where,
							    strlen(broken[i].where)) == 0 &&
			  strstr(err, broken[i].phrase) != NULL;
		if (!ok)
			fprintf(stderr, "case %zu: rc %d: %s\n", i, rc, err);
		CHECK(ok);
	}
}

/* An 80,000-level roster (19 s of libyaml scanning before) is refused at
 * level 33 without reading further; so are a second document and a file
 * full of anchors. */
static void test_bounds(void)
{
	TEST("bounds: nesting depth, documents and anchors, FILE:LINE:COL");
	size_t n = 80000;
	char *deep = malloc(2 * n + 16), *w = deep;
	w += sprintf(w, "people: ");
	memset(w, '[', n);
	memset(w + n, ']', n);
	strcpy(w + 2 * n, "\n");
	struct sl_roster *r = NULL;
	char err[512] = "";
	CHECK_EQ_INT(sl_roster_load_string(deep, strlen(deep), "deep.yaml", &act, &r, err,
					   sizeof(err)), -22);
	CHECK_EQ_STR(err, "deep.yaml:1:40: maps and lists nested more than 32 levels deep; a "
		     "roster needs only a few: is this the right file?");
	free(deep);
	char many[8192] = "people: [";
	for (int i = 0; i < 300; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "&a%d {}, ", i);
	strcat(many, "]\n");
	CHECK_EQ_INT(sl_roster_load_string(many, strlen(many), "a.yaml", &act, &r, err,
					   sizeof(err)), -22);
	CHECK(strstr(err, "more than 256 anchors (&name) in one roster") != NULL);
	CHECK(r == NULL);
}

static void test_accounts(void)
{
	TEST("accounts: login names matched without case; an entry with only accounts loads");
	static const char y[] = "people:\n  - name: Carol Davis\n"
				"    accounts: [Carol.Davis@Example.com, cdavis]\n"
				"  - name: Dan\n    ip: 203.0.113.9\n    accounts: dan@example.com\n";
	struct sl_roster *r = NULL;
	char err[512] = "";
	CHECK_EQ_INT(sl_roster_load_string(y, sizeof(y) - 1, "acc.yaml", &act, &r, err,
					   sizeof(err)), 0);
	const struct sl_roster_entry *e = sl_roster_match_account(r, "carol.davis@example.com");
	CHECK(e && strcmp(e->name, "Carol Davis") == 0);
	e = sl_roster_match_account(r, "CDAVIS");
	CHECK(e && strcmp(e->name, "Carol Davis") == 0);
	e = sl_roster_match_account(r, "Dan@Example.com");
	CHECK(e && strcmp(e->name, "Dan") == 0);
	CHECK(sl_roster_match_account(r, "mallory@example.com") == NULL);
	CHECK(sl_roster_match_account(r, "") == NULL);
	CHECK(sl_roster_match_account(NULL, "cdavis") == NULL);
	struct sl_addr a = { .family = 4, .b = { 203, 0, 113, 9 } };
	e = sl_roster_match(r, &a, NULL, NULL);
	CHECK(e && strcmp(e->name, "Dan") == 0);
	sl_roster_destroy(r);
}

static void test_file(void)
{
	TEST("a missing file names the path; an empty roster is fine");
	struct sl_roster *r = NULL;
	char err[512];
	CHECK(sl_roster_load_file("/nonexistent/roster.yaml", &act, &r, err, sizeof(err)) == -2);
	CHECK(strstr(err, "/nonexistent/roster.yaml") != NULL);
	CHECK_EQ_INT(sl_roster_load_string("", 0, "empty", &act, &r, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_roster_count(r), 0);
	sl_roster_destroy(r);
}

int main(void)
{
	test_good();
	test_broken();
	test_bounds();
	test_accounts();
	test_file();
	return TEST_REPORT();
}
