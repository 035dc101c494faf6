/* Sign-in logs of the subject scenarios, written as the identity providers
 * export them: Okta System Log events as JSON lines (the API's fields,
 * oldest first) and Microsoft Graph auditLogs/signIns pages (newest first,
 * as Graph returns them).  Each sign-in is the SSO session of a scenario's
 * capture seen from the identity provider: the same person, address and
 * minute, 20 s before the session reaches the company edge. */
#include "signins.h"
#include "scenarios.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum fmt { OKTA, ENTRA };

struct signin {
	uint32_t at_s;          /* seconds after the scenarios' epoch (Monday 2026-03-02 14:00Z) */
	const char *account, *name, *ip;
	enum fmt fmt;
	const char *app;        /* application signed in to */
};

#define MIN(m) ((m) * 60u - 20u) /* an 'SSO at minute m' visit of scen_edge.c */
#define KST(day, h, m) (((10u + (day) * 24u - 9u) * 60u + (h) * 60u + (m)) * 60u - 20u)

/* us-vpn-exit: Carol's Okta sign-ins from the Georgetown TX VPN exit before
 * each SSO session (minutes 65, 225, 430). */
static const struct signin us_vpn_exit[] = {
	{ MIN(65), "carol.davis@example.com", "Carol Davis", "198.51.100.150", OKTA, "GitLab" },
	{ MIN(225), "carol.davis@example.com", "Carol Davis", "198.51.100.150", OKTA, "GitLab" },
	{ MIN(430), "carol.davis@example.com", "Carol Davis", "198.51.100.150", OKTA, "Slack" },
};

/* laptop-farm-edge: both laptops' Entra ID sign-ins from the farm's home line
 * (sessions at 60, 75, 3660 and 3675 s). */
static const struct signin laptop_farm_edge[] = {
	{ 40, "asmith@example.com", "Alice Smith", "203.0.113.140", ENTRA, "Office 365 Exchange Online" },
	{ 55, "bjones@example.com", "Bob Jones", "203.0.113.140", ENTRA, "Office 365 Exchange Online" },
	{ 3640, "asmith@example.com", "Alice Smith", "203.0.113.140", ENTRA, "Microsoft Teams" },
	{ 3655, "bjones@example.com", "Bob Jones", "203.0.113.140", ENTRA, "Microsoft Teams" },
};

/* traveller: egarcia (Okta) Atlanta then a New York hotel 5 h later;
 * fkim (Entra ID) New York then Seoul 2 h later. */
static const struct signin traveller[] = {
	{ MIN(10), "egarcia@example.com", "Eve Garcia", "203.0.113.170", OKTA, "GitLab" },
	{ MIN(20), "fkim@example.com", "Frank Kim", "203.0.113.180", ENTRA, "Microsoft Teams" },
	{ MIN(140), "fkim@example.com", "Frank Kim", "203.0.113.181", ENTRA, "Microsoft Teams" },
	{ MIN(310), "egarcia@example.com", "Eve Garcia", "203.0.113.171", OKTA, "GitLab" },
	{ MIN(435), "egarcia@example.com", "Eve Garcia", "203.0.113.171", OKTA, "Slack" },
};

/* pyongyang-hours: jmiller's sign-ins alone (a SaaS-only company: no capture
 * is replayed with them), at the capture's session times 09:20 .. 17:20 KST
 * on three days, through Okta and, for the Microsoft apps, Entra ID. */
#define JM(day, h, m, fmt, app) \
	{ KST(day, h, m), "jmiller@example.com", "Jordan Miller", "203.0.113.190", fmt, app }
static const struct signin pyongyang_hours[] = {
	JM(0, 9, 20, OKTA, "GitLab"), JM(0, 10, 40, ENTRA, "Microsoft Teams"),
	JM(0, 11, 50, OKTA, "GitLab"), JM(0, 13, 30, ENTRA, "Microsoft Teams"),
	JM(0, 14, 45, OKTA, "Slack"), JM(0, 16, 10, ENTRA, "Microsoft Teams"),
	JM(0, 17, 20, OKTA, "GitLab"), JM(1, 9, 20, OKTA, "GitLab"),
	JM(1, 10, 40, ENTRA, "Microsoft Teams"), JM(1, 11, 50, OKTA, "GitLab"),
	JM(1, 13, 30, ENTRA, "Microsoft Teams"), JM(1, 14, 45, OKTA, "Slack"),
	JM(1, 16, 10, ENTRA, "Microsoft Teams"), JM(1, 17, 20, OKTA, "GitLab"),
	JM(2, 9, 20, OKTA, "GitLab"), JM(2, 10, 40, ENTRA, "Microsoft Teams"),
	JM(2, 11, 50, OKTA, "GitLab"), JM(2, 13, 30, ENTRA, "Microsoft Teams"),
	JM(2, 14, 45, OKTA, "Slack"), JM(2, 16, 10, ENTRA, "Microsoft Teams"),
	JM(2, 17, 20, OKTA, "GitLab"),
};

#define LOG(name, t) { name, t, sizeof(t) / sizeof(t[0]) }
static const struct {
	const char *scenario;
	const struct signin *s;
	size_t n;
} logs[] = {
	LOG("us-vpn-exit", us_vpn_exit),
	LOG("laptop-farm-edge", laptop_farm_edge),
	LOG("traveller", traveller),
	LOG("pyongyang-hours", pyongyang_hours),
};

/* RFC 3339 UTC with milliseconds, as both providers write it. */
static void stamp(uint32_t at_s, char *buf, size_t len)
{
	time_t t = (time_t)(SL_SCEN_EPOCH_US / SL_SEC + at_s);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* A stable id from the sign-in's place in its log. */
static unsigned long long id_of(const char *scenario, size_t i)
{
	unsigned long long h = 1469598103934665603ull;
	for (const char *p = scenario; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (h ^ i) * 1099511628211ull;
}

static void okta_line(FILE *f, const char *scen, size_t i, const struct signin *s)
{
	char t[40];
	unsigned long long id = id_of(scen, i);
	stamp(s->at_s, t, sizeof(t));
	fprintf(f, "{\"uuid\":\"%08llx-%04llx-4%03llx-8%03llx-%012llx\",\"published\":\"%s\","
		"\"eventType\":\"user.session.start\",\"displayMessage\":\"User login to Okta\","
		"\"severity\":\"INFO\",\"actor\":{\"id\":\"00u%014llx\",\"type\":\"User\","
		"\"alternateId\":\"%s\",\"displayName\":\"%s\"},\"client\":{\"userAgent\":"
		"{\"rawUserAgent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
		"(KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\",\"os\":\"Windows 10\","
		"\"browser\":\"CHROME\"},\"ipAddress\":\"%s\"},\"outcome\":{\"result\":\"SUCCESS\","
		"\"reason\":null},\"target\":[{\"type\":\"AppInstance\",\"displayName\":\"%s\"}]}\n",
		id >> 32, id >> 16 & 0xffff, id >> 4 & 0xfff, id & 0xfff, id & 0xffffffffffffull, t,
		id & 0xffffffffffffffull, s->account, s->name, s->ip, s->app);
}

static void entra_record(FILE *f, const char *scen, size_t i, const struct signin *s)
{
	char t[40];
	unsigned long long id = id_of(scen, i);
	stamp(s->at_s, t, sizeof(t));
	fprintf(f, "{\"id\":\"%08llx-%04llx-4%03llx-9%03llx-%012llx\",\"createdDateTime\":\"%.19sZ\","
		"\"userDisplayName\":\"%s\",\"userPrincipalName\":\"%s\",\"appDisplayName\":\"%s\","
		"\"ipAddress\":\"%s\",\"clientAppUsed\":\"Browser\",\"isInteractive\":true,"
		"\"status\":{\"errorCode\":0,\"failureReason\":\"Other.\",\"additionalDetails\":null},"
		"\"location\":{\"countryOrRegion\":\"\"}}",
		id >> 32, id >> 16 & 0xffff, id >> 4 & 0xfff, id & 0xfff, id & 0xffffffffffffull, t,
		s->name, s->account, s->app, s->ip);
}

static FILE *open_log(const char *dir, const char *scen, const char *suffix)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s.%s", dir, scen, suffix);
	FILE *f = n > 0 && (size_t)n < sizeof(path) ? fopen(path, "w") : NULL;
	if (!f)
		fprintf(stderr, "sl-pcapgen: cannot write %s/%s.%s: %s\n", dir, scen, suffix,
			strerror(errno));
	return f;
}

/* One scenario's logs: only the formats it uses are written. */
static int write_log(const char *dir, size_t k)
{
	const char *scen = logs[k].scenario;
	bool okta = false, entra = false;
	for (size_t i = 0; i < logs[k].n; i++)
		*(logs[k].s[i].fmt == OKTA ? &okta : &entra) = true;
	FILE *f = okta ? open_log(dir, scen, "okta.jsonl") : NULL;
	if (okta && !f)
		return -EIO;
	for (size_t i = 0; f && i < logs[k].n; i++)
		if (logs[k].s[i].fmt == OKTA)
			okta_line(f, scen, i, &logs[k].s[i]);
	if (f && fclose(f) != 0)
		return -EIO;
	if (!entra)
		return 0;
	if (!(f = open_log(dir, scen, "entra.json")))
		return -EIO;
	fputs("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns\","
	      "\"value\":[", f);
	bool first = true;
	for (size_t i = logs[k].n; i-- > 0;) /* Graph: newest first */
		if (logs[k].s[i].fmt == ENTRA) {
			fputs(first ? "\n" : ",\n", f);
			entra_record(f, scen, i, &logs[k].s[i]);
			first = false;
		}
	fputs("\n]}\n", f);
	return fclose(f) == 0 ? 0 : -EIO;
}

int sl_signins_write_all(const char *dir)
{
	for (size_t k = 0; k < sizeof(logs) / sizeof(logs[0]); k++) {
		int rc = write_log(dir, k);
		if (rc)
			return rc;
	}
	return 0;
}
