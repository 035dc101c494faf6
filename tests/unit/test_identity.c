/* Identity sources read once: the Okta, Entra ID and configured-JSON
 * parsers on the bundled sample exports and on hand-made records, every
 * truncation point of a record, bad input of every kind, time order, the
 * merge of several sources, the text helpers and the configuration keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identityhelp.h"
#include "sightline/config.h"
#include "sightline/jsonpath.h"
#include "testhelp.h"

#include "../../sensor/identity/identity_priv.h"

#define OKTA1 "{\"published\":\"2024-03-05T14:03:11.123Z\",\"eventType\":\"user.session.start\"," \
	"\"actor\":{\"alternateId\":\"Bob.Martin@Example.com\",\"type\":\"User\"},\"client\":" \
	"{\"ipAddress\":\"198.51.100.23\",\"userAgent\":{\"rawUserAgent\":\"UA/1\"}},\"outcome\":" \
	"{\"result\":\"FAILURE\",\"reason\":\"INVALID_CREDENTIALS\"}}"
#define OKTA2 "{\"published\":\"2024-03-05T15:05:47.902+01:00\",\"eventType\":" \
	"\"user.authentication.sso\",\"actor\":{\"alternateId\":\"bob.martin@example.com\"}," \
	"\"client\":{\"ipAddress\":\"2001:db8::5\"},\"outcome\":{\"result\":\"SUCCESS\"}," \
	"\"target\":[{\"type\":\"AppUser\",\"displayName\":\"x\"},{\"type\":\"AppInstance\"," \
	"\"displayName\":\"Slack\"}]}"
#define ENTRA1 "{\"createdDateTime\":\"2024-03-05T14:10:05Z\",\"userPrincipalName\":" \
	"\"dave.kim@contoso.example\",\"ipAddress\":\"192.0.2.77\",\"appDisplayName\":\"Office 365 " \
	"Exchange Online\",\"clientAppUsed\":\"Browser\",\"status\":{\"errorCode\":50126," \
	"\"failureReason\":\"Invalid password.\"}}"
#define ENTRA2 "{\"createdDateTime\":\"2024-03-05T14:11:20.1234567Z\",\"userPrincipalName\":" \
	"\"dave.kim@contoso.example\",\"ipAddress\":\"::ffff:192.0.2.77\",\"status\":{\"errorCode\":0}}"
#define JSON1 "{\"ts\":1709647020,\"event\":{\"user\":\"carol\",\"src_ip\":\"203.0.113.45\"," \
	"\"result\":\"accepted\"}}"

static const struct sl_identity_source_config AUTO = { 0 };

static struct sl_identity_source_config json_cfg(void)
{
	struct sl_identity_source_config c = { .format = SL_IDENTITY_FORMAT_JSON };
	c.fields[SL_IDENTITY_FIELD_TIME] = "ts";
	c.fields[SL_IDENTITY_FIELD_ACCOUNT] = "event.user";
	c.fields[SL_IDENTITY_FIELD_ADDRESS] = "event.src_ip";
	c.fields[SL_IDENTITY_FIELD_OUTCOME] = "event.result";
	c.success = "accepted";
	return c;
}

static bool addr_is(const struct sl_addr *a, const char *text)
{
	char buf[SL_ADDR_STRLEN];
	return strcmp(sl_addr_format(a, buf, sizeof(buf)), text) == 0;
}

static void test_okta_records(void)
{
	struct run r;
	TEST("okta: fields of a failed session start and an SSO");
	CHECK_EQ_INT(run_str(&r, OKTA1 "\n" OKTA2 "\n", &AUTO), 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_STR(r.si[0].account, "Bob.Martin@Example.com");
	CHECK_EQ_STR(r.si[0].account_folded, "bob.martin@example.com");
	CHECK(addr_is(&r.si[0].addr, "198.51.100.23"));
	CHECK_EQ_INT(r.si[0].time, 1709647391123000ULL);
	CHECK_EQ_INT(r.si[0].outcome, SL_SIGNIN_FAILURE);
	CHECK_EQ_STR(r.si[0].outcome_code, "FAILURE");
	CHECK_EQ_STR(r.si[0].outcome_reason, "INVALID_CREDENTIALS");
	CHECK_EQ_STR(r.si[0].user_agent, "UA/1");
	CHECK_EQ_STR(r.si[0].event_type, "user.session.start");
	CHECK_EQ_INT(r.si[0].format, SL_IDENTITY_FORMAT_OKTA);
	CHECK_EQ_INT(r.si[0].line, 1);
	/* +01:00: an hour earlier in UTC than written */
	CHECK_EQ_INT(r.si[1].time, 1709647547902000ULL);
	CHECK(addr_is(&r.si[1].addr, "2001:db8::5"));
	CHECK_EQ_STR(r.si[1].application, "Slack");
	CHECK_EQ_INT(r.si[1].outcome, SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(r.si[1].line, 2);

	TEST("okta: other event types are passed over and counted");
	const char *other = "{\"published\":\"2024-03-05T14:00:00Z\",\"eventType\":"
			    "\"policy.evaluate_sign_on\",\"actor\":{}}\n" OKTA1 "\n";
	CHECK_EQ_INT(run_str(&r, other, &AUTO), 0);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.st.skipped, 1);
	CHECK_EQ_INT(bad_sum(&r.st), 0);
	CHECK_EQ_INT(r.st.records, 2);
}

static void test_okta_samples(void)
{
	struct run a, b;
	size_t la, lb;
	char *arr = slurp("tests/identity/okta-export.json", &la);
	char *lines = slurp("tests/identity/okta-api.jsonl", &lb);
	TEST("okta: the console export (newest first) and the API lines agree");
	CHECK(arr && lines);
	if (!arr || !lines)
		goto out;
	CHECK_EQ_INT(run_buf(&a, arr, la, &AUTO), 0);
	CHECK_EQ_INT(run_buf(&b, lines, lb, &AUTO), 0);
	CHECK_EQ_INT(a.n, 10);
	CHECK_EQ_INT(b.n, 10);
	CHECK(a.st.reversed && !b.st.reversed);
	CHECK_EQ_INT(a.st.skipped, 2);
	CHECK_EQ_INT(bad_sum(&a.st) + bad_sum(&b.st), 0);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		CHECK_EQ_INT(a.si[i].time, b.si[i].time);
		CHECK_EQ_STR(a.si[i].account, b.si[i].account);
		CHECK(sl_addr_cmp(&a.si[i].addr, &b.si[i].addr) == 0);
		CHECK(i == 0 || a.si[i].time >= a.si[i - 1].time);
	}
	CHECK_EQ_STR(b.si[0].account, "carol.davis@example.com");
	CHECK(addr_is(&b.si[0].addr, "203.0.113.45"));
	CHECK_EQ_STR(b.si[2].application, "GitHub Enterprise Cloud");
	CHECK_EQ_INT(b.st.outcome[SL_SIGNIN_FAILURE], 2);
	CHECK(addr_is(&b.si[6].addr, "175.45.176.17")); /* DPRK, STAR-KP */
out:
	free(arr);
	free(lines);
}

static void test_entra(void)
{
	struct run r, p, q;
	size_t lp, lq;
	TEST("entra: errorCode, failure reason, apps, mapped IPv4, 7 fraction digits");
	CHECK_EQ_INT(run_str(&r, "[" ENTRA1 "," ENTRA2 "]", &AUTO), 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.si[0].format, SL_IDENTITY_FORMAT_ENTRA);
	CHECK_EQ_INT(r.si[0].outcome, SL_SIGNIN_FAILURE);
	CHECK_EQ_STR(r.si[0].outcome_code, "50126");
	CHECK_EQ_STR(r.si[0].outcome_reason, "Invalid password.");
	CHECK_EQ_STR(r.si[0].application, "Office 365 Exchange Online");
	CHECK_EQ_STR(r.si[0].client_app, "Browser");
	CHECK_EQ_INT(r.si[1].outcome, SL_SIGNIN_SUCCESS);
	CHECK(addr_is(&r.si[1].addr, "192.0.2.77"));
	CHECK_EQ_INT(r.si[1].time, 1709647880123456ULL);

	TEST("entra: a Graph page (one line, newest first) and the portal download (BOM)");
	char *page = slurp("tests/identity/entra-graph-page.json", &lp);
	char *portal = slurp("tests/identity/entra-portal.json", &lq);
	CHECK(page && portal);
	if (page && portal) {
		CHECK_EQ_INT(run_buf(&p, page, lp, &AUTO), 0);
		CHECK_EQ_INT(run_buf(&q, portal, lq, &AUTO), 0);
		CHECK_EQ_INT(p.n, 8);
		CHECK_EQ_INT(q.n, 8);
		CHECK(p.st.reversed && q.st.reversed);
		CHECK_EQ_INT(p.st.outcome[SL_SIGNIN_SUCCESS], 4);
		CHECK_EQ_INT(bad_sum(&p.st) + bad_sum(&q.st), 0);
		CHECK_EQ_STR(p.si[0].account, "carol.davis@contoso.example");
		CHECK_EQ_STR(q.si[6].account_folded, "erin.lopez@contoso.example");
		CHECK_EQ_STR(q.si[5].account, "MIN.JUN@contoso.example");
		CHECK_EQ_STR(q.si[5].account_folded, "min.jun@contoso.example");
		CHECK(addr_is(&p.si[7].addr, "198.51.100.140")); /* ::ffff: folded */
		for (size_t i = 0; i < p.n && i < q.n; i++)
			CHECK_EQ_INT(p.si[i].time, q.si[i].time);
	}
	free(page);
	free(portal);
}

static void test_json(void)
{
	struct run r;
	struct sl_identity_source_config c = json_cfg();
	TEST("json: configured paths, epoch seconds, ms and text, outcome lists");
	const char *text = JSON1 "\n"
		"{\"ts\":1709647980500,\"event\":{\"user\":\"bob\",\"src_ip\":\"198.51.100.23:51000\","
		"\"result\":\"rejected\"}}\n"
		"{\"ts\":\"2024-03-05T14:20:00Z\",\"event\":{\"user\":42,\"src_ip\":\"[2001:db8::1]:443\","
		"\"result\":\"pending\"}}\n"
		"{\"ts\":\"1709648500\",\"event\":{\"user\":\"eve\",\"src_ip\":\"192.0.2.9\"}}\n";
	CHECK_EQ_INT(run_str(&r, text, &c), 0);
	CHECK_EQ_INT(r.n, 4);
	CHECK_EQ_INT(r.si[0].time, 1709647020000000ULL);
	CHECK_EQ_INT(r.si[0].outcome, SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(r.si[0].format, SL_IDENTITY_FORMAT_JSON);
	CHECK_EQ_INT(r.si[1].time, 1709647980500000ULL);
	CHECK_EQ_INT(r.si[1].outcome, SL_SIGNIN_FAILURE); /* no failure list: not a success */
	CHECK(addr_is(&r.si[1].addr, "198.51.100.23"));
	CHECK_EQ_STR(r.si[2].account, "42");
	CHECK(addr_is(&r.si[2].addr, "2001:db8::1"));
	CHECK_EQ_INT(r.si[3].time, 1709648500000000ULL);
	CHECK_EQ_INT(r.si[3].outcome, SL_SIGNIN_UNKNOWN); /* no outcome field */

	TEST("json: with a failure list, other values are unknown");
	c.failure = "rejected, denied";
	CHECK_EQ_INT(run_str(&r, text, &c), 0);
	CHECK_EQ_INT(r.si[1].outcome, SL_SIGNIN_FAILURE);
	CHECK_EQ_INT(r.si[2].outcome, SL_SIGNIN_UNKNOWN);

	TEST("json: explicit epoch_ms reads small numbers as milliseconds");
	c.time_format = SL_IDENTITY_TIME_EPOCH_MS;
	CHECK_EQ_INT(run_str(&r, "{\"ts\":5000,\"event\":{\"user\":\"a\",\"src_ip\":\"192.0.2.1\"}}", &c), 0);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.si[0].time, 5000000ULL);

	TEST("json: the VPN sample with its configuration's paths");
	size_t len;
	char *vpn = slurp("tests/identity/vpn-connect.jsonl", &len);
	c = json_cfg();
	c.failure = "rejected";
	c.fields[SL_IDENTITY_FIELD_USER_AGENT] = "client.ua";
	c.fields[SL_IDENTITY_FIELD_APPLICATION] = "profile";
	CHECK(vpn != NULL);
	if (vpn && run_buf(&r, vpn, len, &c) == 0) {
		CHECK_EQ_INT(r.n, 4);
		CHECK_EQ_STR(r.si[0].user_agent, "AnyConnect Windows 5.1.2.42");
		CHECK_EQ_STR(r.si[0].application, "corp-full");
		CHECK_EQ_INT(r.si[3].time, 1709649900123000ULL);
		CHECK_EQ_INT(r.st.outcome[SL_SIGNIN_FAILURE], 1);
	}
	free(vpn);
}

/*
 * Every prefix of the second record: the first is always delivered, the
 * second only when whole.  A cut record, or an array or page left open, is
 * exactly one bad record; the framing must never swallow the first record.
 */
static void truncations(const char *name, const char *head, const char *rec, const char *tail,
			bool container, const struct sl_identity_source_config *c)
{
	char doc[8192];
	struct run r;
	size_t hl = strlen(head), rl = strlen(rec), tl = strlen(tail);
	while (tl > 0 && (tail[tl - 1] == '\n' || tail[tl - 1] == ' '))
		tl--; /* trailing blanks close nothing */
	int n = snprintf(doc, sizeof(doc), "%s%s%s", head, rec, tail);
	unsigned wrong = 0;
	for (size_t cut = hl; cut <= (size_t)n; cut++) {
		bool whole = cut >= hl + rl;
		uint64_t want_bad = container ? cut < hl + rl + tl : cut > hl && !whole;
		bool ok = run_buf(&r, doc, cut, c) == 0 && r.n == 1u + whole &&
			  bad_sum(&r.st) == want_bad;
		if (!ok && wrong++ < 3)
			fprintf(stderr, "%s: cut %zu of %d: rc %d, %zu sign-ins, %llu bad\n%s%s\n", name,
				cut, n, r.rc, r.n, (unsigned long long)bad_sum(&r.st), r.msgs, r.err);
	}
	CHECK_EQ_INT(wrong, 0);
}

static void test_truncation(void)
{
	struct sl_identity_source_config c = json_cfg();
	TEST("every truncation point: JSON lines, array, Graph page, per format");
	truncations("okta lines", OKTA1 "\n", OKTA2, "\n", false, &AUTO);
	truncations("okta array", "[\n  " OKTA1 ",\n  ", OKTA2, "\n]\n", true, &AUTO);
	truncations("entra page", "{\"@odata.context\":\"x\",\"value\":[" ENTRA2 ",", ENTRA1,
		    "],\"@odata.nextLink\":\"y\"}", true, &AUTO);
	truncations("entra lines", ENTRA2 "\n", ENTRA1, "\n", false, &AUTO);
	truncations("json lines", JSON1 "\n", JSON1, "\n", false, &c);

	TEST("every prefix of a lone record: parsed whole, or refused, never a crash");
	const char *recs[] = { OKTA1, ENTRA1 };
	unsigned odd = 0;
	for (size_t k = 0; k < ARRAY_SIZE(recs); k++) {
		size_t len = strlen(recs[k]);
		for (size_t cut = 0; cut <= len; cut++) {
			struct run r;
			int rc = run_buf(&r, recs[k], cut, &AUTO);
			bool fine = cut == len ? rc == 0 && r.n == 1 : cut == 0 ? rc == 0 && r.n == 0
											: rc == -EINVAL;
			odd += !fine;
		}
	}
	CHECK_EQ_INT(odd, 0);
}

/* One bad record after two good ones: its reason and message. */
static void bad_one(const char *line, enum sl_identity_bad why, const char *says,
		    const struct sl_identity_source_config *c)
{
	char doc[4096];
	struct run r;
	bool json = c->format == SL_IDENTITY_FORMAT_JSON;
	snprintf(doc, sizeof(doc), "%s\n%s\n%s\n", json ? JSON1 : OKTA1, json ? JSON1 : OKTA2, line);
	CHECK_EQ_INT(run_str(&r, doc, c), 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.st.bad[why], 1);
	CHECK_EQ_INT(bad_sum(&r.st), 1);
	if (!strstr(r.msgs, says) || !strstr(r.msgs, "t.json:3: ")) {
		fprintf(stderr, "  want '%s' at t.json:3, got: %s", says, r.msgs);
		CHECK(!"message");
	}
}

static void test_bad_input(void)
{
	struct sl_identity_source_config c = json_cfg();
	TEST("bad records: each reason counted once, FILE:LINE and why");
	bad_one("this is no JSON", SL_IDENTITY_BAD_NOT_JSON, "not JSON", &AUTO);
	bad_one("[1]", SL_IDENTITY_BAD_WRONG_TYPE, "must be a JSON object", &AUTO);
	bad_one("{\"published\":\"2024-03-05T15:00:00Z\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":7},\"client\":{\"ipAddress\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_WRONG_TYPE, "actor.alternateId is a number", &AUTO);
	bad_one("{\"published\":\"2024-03-05T15:00:00Z\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":\"a@b\"},\"client\":{\"ipAddress\":null}}",
		SL_IDENTITY_BAD_MISSING_FIELD, "no client address (client.ipAddress)", &AUTO);
	bad_one("{\"published\":\"2024-03-05T15:00:00Z\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":\"a@b\"},\"client\":{\"ipAddress\":\"192.0.2.300\"}}",
		SL_IDENTITY_BAD_ADDRESS, "'192.0.2.300' is not an IPv4 or IPv6", &AUTO);
	bad_one("{\"published\":\"2024-02-30T15:00:00Z\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":\"a@b\"},\"client\":{\"ipAddress\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_TIME, "'2024-02-30T15:00:00Z' is not an RFC 3339", &AUTO);
	bad_one("{\"published\":\"2024-03-05T15:00:00\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":\"a@b\"},\"client\":{\"ipAddress\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_TIME, "with a UTC offset", &AUTO);
	bad_one("{\"published\":\"2024-03-05T13:00:00Z\",\"eventType\":\"user.session.start\","
		"\"actor\":{\"alternateId\":\"a@b\"},\"client\":{\"ipAddress\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_TIME_BACKWARDS, "is before 2024-03-05T14:05:47.902000+0000 of the "
		"sign-in on line 2", &AUTO);
	bad_one("{\"user\":\"x\"}", SL_IDENTITY_BAD_UNKNOWN_FORMAT, "neither an Okta", &AUTO);
	bad_one("{\"published\":\"2024-03-05T15:00:00Z\",\"published\":\"2024-03-05T15:00:01Z\"}",
		SL_IDENTITY_BAD_NOT_JSON, "duplicate object key", &AUTO);
	bad_one("{\"createdDateTime\":\"2024-03-05T15:00:00Z\",\"userPrincipalName\":\"a@b\","
		"\"ipAddress\":\"192.0.2.1\",\"status\":{\"errorCode\":\"x\"}}",
		SL_IDENTITY_BAD_WRONG_TYPE, "status.errorCode is text that is not a number", &AUTO);
	bad_one("{\"ts\":-5,\"event\":{\"user\":\"a\",\"src_ip\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_TIME, "not an epoch time", &c);
	bad_one("{\"ts\":true,\"event\":{\"user\":\"a\",\"src_ip\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_WRONG_TYPE, "ts is true or false", &c);
	bad_one("{\"ts\":1709647021,\"event\":{\"src_ip\":\"192.0.2.1\"}}",
		SL_IDENTITY_BAD_MISSING_FIELD, "no account (event.user)", &c);
	bad_one("{\"ts\":1709647021,\"event\":{\"user\":\"a\",\"src_ip\":\"192.0.2.1\","
		"\"result\":{\"x\":1}}}", SL_IDENTITY_BAD_WRONG_TYPE, "event.result is an object", &c);

	TEST("bad records: an account too long to keep whole");
	char big[1024];
	memset(big, 'a', 300);
	big[300] = '\0';
	char line[1400];
	snprintf(line, sizeof(line), "{\"ts\":1709647021,\"event\":{\"user\":\"%s\",\"src_ip\":"
		 "\"192.0.2.1\"}}", big);
	bad_one(line, SL_IDENTITY_BAD_TOO_LONG, "more than the 255 an account may have", &c);

	TEST("bad records: messages stop at max_messages, counting goes on");
	struct run r;
	struct sl_identity_source *s;
	struct sl_identity_opts o = run_opts(&r);
	memset(&r, 0, sizeof(r));
	o.max_messages = 2;
	const char *junk = OKTA1 "\nx\ny\nz\nw\n";
	CHECK_EQ_INT(sl_identity_source_open_buffer("j", junk, strlen(junk), &AUTO, &o, &s, r.err,
						    sizeof(r.err)), 0);
	drain(&r, s);
	sl_identity_source_destroy(s);
	CHECK_EQ_INT(r.st.bad[SL_IDENTITY_BAD_NOT_JSON], 4);
	CHECK_EQ_INT(r.n_msgs, 3); /* two records, then "more are counted" */
	CHECK_EQ_INT(r.st.messages_suppressed, 2);
	CHECK(strstr(r.msgs, "identity.max_messages is 2") != NULL);

	TEST("bad records: one longer than max_record");
	memset(&r, 0, sizeof(r));
	o = run_opts(&r);
	o.max_record = (uint32_t)strlen(OKTA1);
	CHECK(strlen(OKTA2) > strlen(OKTA1));
	CHECK_EQ_INT(sl_identity_source_open_buffer("j", OKTA1 "\n" OKTA2, strlen(OKTA1 "\n" OKTA2),
						    &AUTO, &o, &s, r.err, sizeof(r.err)), 0);
	drain(&r, s);
	sl_identity_source_destroy(s);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.st.bad[SL_IDENTITY_BAD_TOO_LONG], 1);
	CHECK(strstr(r.msgs, "j:2: record of ") != NULL);
}

static void test_unknown_format(void)
{
	struct run r;
	struct sl_identity_source_config okta = { .format = SL_IDENTITY_FORMAT_OKTA };
	TEST("a file of no known format is one clear error");
	CHECK_EQ_INT(run_str(&r, "{\"when\":1,\"who\":\"a\"}\n{\"when\":2}\n", &AUTO), -EINVAL);
	CHECK(strstr(r.err, "t.json:1: not a known sign-in log format: it starts with a JSON "
		  "object with keys when, who") != NULL);
	CHECK(strstr(r.err, "format: json") != NULL);
	CHECK_EQ_INT(r.n_msgs, 0); /* not thousands of bad records */
	CHECK_EQ_INT(run_str(&r, "time,user,ip\n2024-03-05,a,192.0.2.1\n", &AUTO), -EINVAL);
	CHECK(strstr(r.err, "not CSV") != NULL);
	CHECK_EQ_INT(run_buf(&r, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00", 10, &AUTO), -EINVAL);
	CHECK(strstr(r.err, "binary data") != NULL);
	CHECK_EQ_INT(run_str(&r, "\x1f\x8b\x08\x00", &AUTO), -EINVAL);
	CHECK(strstr(r.err, "decompress") != NULL);

	TEST("an explicit format that does not fit the file");
	CHECK_EQ_INT(run_str(&r, ENTRA1 "\n", &okta), -EINVAL);
	CHECK(strstr(r.err, "usable okta sign-in") != NULL);

	TEST("an empty file or one of blank lines holds no sign-ins and is no error");
	CHECK_EQ_INT(run_str(&r, "", &AUTO), 0);
	CHECK_EQ_INT(run_str(&r, "\n  \n", &AUTO), 0);
	CHECK_EQ_INT(r.n + r.st.records, 0);
	CHECK_EQ_INT(run_str(&r, "[]", &AUTO), 0);
	CHECK_EQ_INT(r.n, 0);
}

static void test_order(void)
{
	struct run r;
	char doc[4096];
	TEST("time order: one stray timestamp costs one record, not all after it");
	snprintf(doc, sizeof(doc), "%s\n%s\n%s\n", OKTA1,
		 "{\"published\":\"2031-01-01T00:00:00Z\",\"eventType\":\"user.session.start\","
		 "\"actor\":{\"alternateId\":\"x\"},\"client\":{\"ipAddress\":\"192.0.2.1\"}}",
		 OKTA2);
	CHECK_EQ_INT(run_str(&r, doc, &AUTO), 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.st.bad[SL_IDENTITY_BAD_TIME_BACKWARDS], 1);
	CHECK(strstr(r.msgs, "t.json:2: sign-in time 2031-01-01T00:00:00.000000+0000 is after "
		     "2024-03-05T14:05:47.902000+0000 of the sign-in on line 3") != NULL);

	TEST("time order: equal times are in order");
	snprintf(doc, sizeof(doc), "%s\n%s\n", OKTA1, OKTA1);
	CHECK_EQ_INT(run_str(&r, doc, &AUTO), 0);
	CHECK_EQ_INT(r.n, 2);

	TEST("merge: two sources in time order, ties to the first configured");
	struct sl_identity_opts o = run_opts(&r);
	struct sl_identity_source *a, *b;
	const char *ta = OKTA1 "\n" OKTA2 "\n", *tb = ENTRA1 "\n" ENTRA2 "\n";
	CHECK_EQ_INT(sl_identity_source_open_buffer("a", ta, strlen(ta), &AUTO, &o, &a, r.err,
						    sizeof(r.err)), 0);
	CHECK_EQ_INT(sl_identity_source_open_buffer("b", tb, strlen(tb), &AUTO, &o, &b, r.err,
						    sizeof(r.err)), 0);
	sl_time_us ta0, tb0;
	CHECK_EQ_INT(sl_identity_source_peek_time(a, &ta0), 1);
	CHECK_EQ_INT(sl_identity_source_peek_time(b, &tb0), 1);
	CHECK(ta0 < tb0);
	CHECK(!sl_identity_source_finished(a));
	struct sl_signin si;
	CHECK_EQ_INT(sl_identity_source_next(a, &si), 1);
	CHECK_EQ_INT(si.time, ta0);
	sl_identity_source_destroy(a);
	sl_identity_source_destroy(b);
}

/* Two files through sl_identity_create() and sl_identity_next(). */
static void test_set(void)
{
	char pa[] = "/tmp/sl-id-a-XXXXXX", pb[] = "/tmp/sl-id-b-XXXXXX";
	int fa = mkstemp(pa), fb = mkstemp(pb);
	const char *ta = OKTA1 "\n" OKTA2 "\n", *tb = ENTRA1 "\n" ENTRA2 "\n";
	TEST("set: sources merged in time order, up to a limit");
	CHECK(fa >= 0 && fb >= 0);
	CHECK_EQ_INT(write(fa, ta, strlen(ta)), (long long)strlen(ta));
	CHECK_EQ_INT(write(fb, tb, strlen(tb)), (long long)strlen(tb));
	close(fa);
	close(fb);
	struct sl_identity_source_config src[2] = { { .path = pb }, { .path = pa } };
	struct sl_identity_config ic = { .sources = src, .n_sources = 2, .max_messages = 10,
					 .max_record = 4096 };
	struct sl_identity *id;
	char err[512];
	CHECK_EQ_INT(sl_identity_create(&ic, false, NULL, NULL, &id, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_identity_count(id), 2);
	struct sl_signin si;
	sl_time_us t, last = 0;
	unsigned n = 0;
	CHECK_EQ_INT(sl_identity_next(id, 1709647391123000ULL - 1, &si), 0); /* none that early */
	CHECK_EQ_INT(sl_identity_next_time(id, &t), 1);
	CHECK_EQ_INT(t, 1709647391123000ULL);
	while (sl_identity_next(id, SL_IDENTITY_ANY_TIME, &si)) {
		CHECK(si.time >= last);
		last = si.time;
		n++;
	}
	CHECK_EQ_INT(n, 4);
	CHECK(sl_identity_finished(id));
	CHECK_EQ_INT(sl_identity_pollfds(id, NULL, 0), 0);
	CHECK_EQ_STR(sl_identity_source_kind(sl_identity_source_at(id, 0)), "file");
	sl_identity_destroy(id);

	TEST("set: a source that cannot be opened names itself");
	src[1].path = "/nonexistent/okta.json";
	CHECK_EQ_INT(sl_identity_create(&ic, false, NULL, NULL, &id, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "/nonexistent/okta.json: cannot open the sign-in log") != NULL);
	unlink(pa);
	unlink(pb);
}

static void test_text(void)
{
	sl_time_us t;
	struct sl_addr a;
	char out[64];
	TEST("RFC 3339: offsets, fractions, leap days, rejects");
	CHECK_EQ_INT(sl_id_parse_rfc3339("1970-01-01T00:00:00Z", 20, &t), 0);
	CHECK_EQ_INT(t, 0);
	CHECK_EQ_INT(sl_id_parse_rfc3339("2024-02-29t23:59:59.5z", 22, &t), 0);
	CHECK_EQ_INT(t, 1709251199500000ULL);
	CHECK_EQ_INT(sl_id_parse_rfc3339("2024-03-05T23:30:00+05:30", 25, &t), 0);
	CHECK_EQ_INT(t, 1709661600000000ULL);
	CHECK_EQ_INT(sl_id_parse_rfc3339("2024-03-05T23:30:00+0530", 24, &t), 0);
	CHECK_EQ_INT(t, 1709661600000000ULL);
	CHECK_EQ_INT(sl_id_parse_rfc3339("2024-03-05 09:00:00-08:00", 25, &t), 0);
	CHECK_EQ_INT(t, 1709658000000000ULL);
	const char *bad[] = { "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-03-05T24:00:00Z",
			      "2024-03-05T10:00:00", "2024-03-05T10:00:00.Z", "1969-12-31T23:59:59Z",
			      "2024-03-05T10:00:00Zx", "2024-3-5T10:00:00Z", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ_INT(sl_id_parse_rfc3339(bad[i], strlen(bad[i]), &t), -EINVAL);

	TEST("epoch: seconds, milliseconds, microseconds by size");
	CHECK_EQ_INT(sl_id_epoch(1709647020, SL_IDENTITY_TIME_AUTO, &t), 0);
	CHECK_EQ_INT(t, 1709647020000000ULL);
	CHECK_EQ_INT(sl_id_epoch(1709647020123.0, SL_IDENTITY_TIME_AUTO, &t), 0);
	CHECK_EQ_INT(t, 1709647020123000ULL);
	CHECK_EQ_INT(sl_id_epoch(1709647020123456.0, SL_IDENTITY_TIME_AUTO, &t), 0);
	CHECK_EQ_INT(t, 1709647020123456ULL);
	CHECK_EQ_INT(sl_id_epoch(-1, SL_IDENTITY_TIME_AUTO, &t), -EINVAL);
	CHECK_EQ_INT(sl_id_epoch(1e30, SL_IDENTITY_TIME_EPOCH_S, &t), -EINVAL);

	TEST("addresses: ports, brackets, mapped IPv4, rejects");
	CHECK(sl_id_parse_addr("192.0.2.1:8443", 14, &a) == 0 && addr_is(&a, "192.0.2.1"));
	CHECK(sl_id_parse_addr("[2001:db8::1]:443", 17, &a) == 0 && addr_is(&a, "2001:db8::1"));
	CHECK(sl_id_parse_addr("::ffff:203.0.113.9", 18, &a) == 0 && a.family == 4);
	const char *nope[] = { "192.0.2.1:0", "192.0.2.1:99999", "[2001:db8::1]", "fe80::1%eth0",
			       "host.example", "", "1.2.3.4 " };
	for (size_t i = 0; i < ARRAY_SIZE(nope); i++)
		CHECK_EQ_INT(sl_id_parse_addr(nope[i], strlen(nope[i]), &a), -EINVAL);

	TEST("account folding: ASCII, Latin-1, Latin Extended-A, Cyrillic; lengths kept");
	sl_id_fold("Erin.LÓPEZ@X.example", strlen("Erin.LÓPEZ@X.example"), out, sizeof(out));
	CHECK_EQ_STR(out, "erin.lópez@x.example");
	sl_id_fold("ŁUKASZ ИВАН Ÿ", strlen("ŁUKASZ ИВАН Ÿ"), out, sizeof(out));
	CHECK_EQ_STR(out, "łukasz иван ÿ");
	sl_id_fold("日本", strlen("日本"), out, sizeof(out));
	CHECK_EQ_STR(out, "日本");

	TEST("quotes of untrusted text: control bytes and cut UTF-8 escaped");
	sl_id_quote("a\nb\xff", 4, 40, out, sizeof(out));
	CHECK_EQ_STR(out, "a\\x0ab\\xff");
	sl_id_quote("abcdef", 6, 3, out, sizeof(out));
	CHECK_EQ_STR(out, "abc...");
}

static void test_jsonpath(void)
{
	json_t *v = json_loads("{\"a\":{\"b\":[{\"c\":1},{\"c\":\"two\"}]},\"source.ip\":\"192.0.2.1\","
			       "\"source\":{\"port\":80},\"x.y\":{\"z\":true}}", 0, NULL);
	TEST("jsonpath: nested, indexed, flattened keys, bad paths");
	CHECK(v != NULL);
	CHECK_EQ_INT(json_integer_value(sl_jpath_get(v, "a.b.0.c")), 1);
	CHECK_EQ_STR(json_string_value(sl_jpath_get(v, "a.b.1.c")), "two");
	CHECK_EQ_STR(json_string_value(sl_jpath_get(v, "source.ip")), "192.0.2.1");
	CHECK_EQ_INT(json_integer_value(sl_jpath_get(v, "source.port")), 80);
	CHECK(json_is_true(sl_jpath_get(v, "x.y.z")));
	CHECK(sl_jpath_get(v, "a.b.2.c") == NULL);
	CHECK(sl_jpath_get(v, "a.b.01.c") == NULL);
	CHECK(sl_jpath_get(v, "a..b") == NULL);
	CHECK(!sl_jpath_valid("a.b.c.d.e.f.g.h.i"));
	CHECK(sl_jpath_valid("a.b.c.d.e.f.g.h"));
	CHECK_EQ_STR(sl_jpath_type_name(sl_jpath_get(v, "a.b")), "an array");
	json_decref(v);
}

static int load(const char *yaml, struct sl_config *cfg, char *err, size_t errlen)
{
	sl_config_init_defaults(cfg);
	return sl_config_load_string(cfg, yaml, strlen(yaml), "c.yaml", err, errlen);
}

/* A configuration that must fail, with this in its message. */
static void config_bad(const char *yaml, const char *says)
{
	struct sl_config cfg;
	char err[512];
	CHECK_EQ_INT(load(yaml, &cfg, err, sizeof(err)), -EINVAL);
	if (!strstr(err, says)) {
		fprintf(stderr, "  want '%s', got '%s'\n", says, err);
		CHECK(!"config message");
	}
	sl_config_finish(&cfg);
}

static void test_config(void)
{
	struct sl_config cfg;
	char err[512];
	TEST("config: identity.sources entries, defaults and checks");
	CHECK_EQ_INT(load("identity:\n  sources:\n    - path: okta.json\n    - socket: /run/s.sock\n"
			  "      socket_type: datagram\n    - path: vpn.jsonl\n      format: json\n"
			  "      fields: {time: ts, account: u, address: ip, outcome: r}\n"
			  "      success: ok\n  max_messages: 3\n", &cfg, err, sizeof(err)), 0);
	CHECK_EQ_INT(cfg.identity.n_sources, 3);
	CHECK_EQ_INT(cfg.identity.max_messages, 3);
	CHECK_EQ_INT(cfg.identity.max_record, 1048576);
	CHECK_EQ_INT(cfg.identity.sources[0].format, SL_IDENTITY_FORMAT_AUTO);
	CHECK_EQ_INT(cfg.identity.sources[1].socket_type, SL_IDENTITY_SOCK_DGRAM);
	CHECK_EQ_STR(cfg.identity.sources[2].fields[SL_IDENTITY_FIELD_ADDRESS], "ip");
	const char *kv[] = { "path=extra.json", "format=entra" };
	CHECK_EQ_INT(sl_config_append(&cfg, "identity.sources", kv, 2, err, sizeof(err)), 0);
	CHECK_EQ_INT(cfg.identity.n_sources, 4);
	CHECK_EQ_INT(cfg.identity.sources[3].format, SL_IDENTITY_FORMAT_ENTRA);
	const char *bad_kv[] = { "path=x", "fromat=okta" };
	CHECK_EQ_INT(sl_config_append(&cfg, "identity.sources", bad_kv, 2, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "unknown key 'fromat' (did you mean 'format'?)") != NULL);
	CHECK_EQ_INT(cfg.identity.n_sources, 4);
	sl_config_finish(&cfg);

	TEST("config: identity.sources errors at FILE:LINE");
	config_bad("identity:\n  sources:\n    - path: a\n      fromat: okta\n",
		   "c.yaml:4:7: identity.sources[0]: unknown key 'fromat' (did you mean 'format'?)");
	config_bad("identity:\n  sources:\n    - format: okta\n", "c.yaml:3:7: identity.sources[0]: "
		   "give the file (path: ");
	config_bad("identity:\n  sources:\n    - {path: a, socket: b}\n", "give path or socket, not both");
	config_bad("identity:\n  sources:\n    - {path: a, format: json, fields: {time: t}}\n",
		   "format json needs fields.account");
	config_bad("identity:\n  sources:\n    - {path: a, fields: {time: t}}\n",
		   "'fields' is only read with format json (this entry has format auto)");
	config_bad("identity:\n  sources:\n    - {path: a, socket_type: datagram}\n",
		   "'socket_type' applies to a socket");
	config_bad("identity:\n  sources:\n    - {socket: /s, mode: follow}\n",
		   "'mode' applies to a path");
	config_bad("identity:\n  sources:\n    - {path: a, format: jsn}\n", "format");
	config_bad("identity:\n  sources:\n    - {path: a, format: json, fields: {time: t, "
		   "account: a..b, address: c, outcome: d}}\n", "field path 'a..b'");
}

int main(void)
{
	test_okta_records();
	test_okta_samples();
	test_entra();
	test_json();
	test_truncation();
	test_bad_input();
	test_unknown_format();
	test_order();
	test_set();
	test_text();
	test_jsonpath();
	test_config();
	return TEST_REPORT();
}
