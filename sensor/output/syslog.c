/* The RFC 5424 header every syslog-framed event carries (the syslog output
 * over UDP, TCP and unix sockets, and RELP): "<PRI>1 TIMESTAMP HOSTNAME
 * APP-NAME PROCID MSGID - " before the JSON line. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "output_priv.h"

/* The event_type of an EVE line, as the syslog MSGID ("-" if absent). */
static size_t event_type(const char *line, size_t len, const char **out)
{
	static const char key[] = "\"event_type\":\"";
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	*out = "-";
	if (!p)
		return 1;
	p += sizeof(key) - 1;
	size_t n = 0;
	while (p + n < line + len && p[n] != '"' && n < 32)
		n++;
	if (p + n >= line + len || p[n] != '"' || n == 0)
		return 1;
	*out = p;
	return n;
}

/* Header fields are PRINTUSASCII without spaces (RFC 5424 section 6). */
static void printable(char *s)
{
	for (char *p = s; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
}

void sl_syslog_id_init(struct sl_syslog_id *id, const struct sl_output_entry *cfg)
{
	id->facility = cfg->facility;
	snprintf(id->app, sizeof(id->app), "%s", cfg->app_name ? cfg->app_name : "sightline");
	if (cfg->hostname)
		snprintf(id->host, sizeof(id->host), "%s", cfg->hostname);
	else if (gethostname(id->host, sizeof(id->host) - 1) != 0 || !id->host[0])
		snprintf(id->host, sizeof(id->host), "-");
	printable(id->app);
	printable(id->host);
	snprintf(id->procid, sizeof(id->procid), "%ld", (long)getpid());
}

/*
 * RFC 5424 section 6: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG".
 * PRI = facility * 8 + severity: alerts are warning (4), everything else
 * informational (6).  The timestamp is the wall clock in UTC with
 * microseconds (the event's own packet time is inside the JSON).  No
 * structured data; MSG is the JSON line without a BOM.
 */
int sl_syslog_header(const struct sl_syslog_id *id, const char *line, size_t len, char *hdr,
		     size_t hlen)
{
	const char *msgid;
	size_t idlen = event_type(line, len, &msgid);
	unsigned sev = idlen == 5 && memcmp(msgid, "alert", 5) == 0 ? 4 : 6;
	struct timeval tv;
	struct tm tm;
	char ts[40];
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06ldZ", (long)tv.tv_usec);
	return snprintf(hdr, hlen, "<%u>1 %s %s %s %s %.*s - ", id->facility * 8 + sev, ts, id->host,
			id->app, id->procid, (int)idlen, msgid);
}
