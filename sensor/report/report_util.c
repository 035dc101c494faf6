/* The report's small helpers: RFC 3339 times without the C library's time
 * zone state, and typed reads of event fields by dotted path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
#include "sightline/jsonpath.h"

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* The zone suffix: Z, +hhmm or +hh:mm; seconds east in *off. */
static bool zone_suffix(const char *p, int *off)
{
	int hh, mm;
	if ((p[0] == 'Z' || p[0] == 'z') && !p[1])
		return *off = 0, true;
	if (p[0] != '+' && p[0] != '-')
		return false;
	if (!digits(p + 1, 2, &hh))
		return false;
	const char *q = p + 3 + (p[3] == ':');
	if (!digits(q, 2, &mm) || q[2] || hh > 23 || mm > 59)
		return false;
	*off = (hh * 3600 + mm * 60) * (p[0] == '-' ? -1 : 1);
	return true;
}

bool rp_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se, off;
	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	const char *p = s + 19;
	int64_t us = 0;
	if (*p == '.') {
		int n = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 6)
				us = us * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (; n < 6; n++)
			us *= 10;
	}
	if (!zone_suffix(p, &off))
		return false;
	int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		       se - off;
	*out = secs * 1000000 + us;
	return true;
}

char *rp_time_text(int64_t t, char *buf, size_t len)
{
	int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	/* civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	snprintf(buf, len, "%04lld-%02u-%02u %02d:%02d:%02dZ", (long long)y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}

void rp_day_hour(int64_t t_us, int32_t off, int *day, int *hour)
{
	int64_t s = (t_us >= 0 ? t_us / 1000000 : (t_us - 999999) / 1000000) + off;
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	*hour = (int)((s - days * 86400) / 3600);
	*day = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday: 3 from Monday */
}

const char *rp_str(const json_t *ev, const char *path)
{
	return json_string_value(sl_jpath_get(ev, path));
}

double rp_num(const json_t *ev, const char *path)
{
	const json_t *v = sl_jpath_get(ev, path);
	if (json_is_number(v))
		return json_number_value(v);
	/* flattened exports sometimes quote numbers */
	const char *s = json_string_value(v);
	char *end;
	if (!s || !*s)
		return NAN;
	double d = strtod(s, &end);
	return *end || !isfinite(d) ? NAN : d;
}

void rp_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}
