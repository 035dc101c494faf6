/* POSIX TZ rules (the TZif footer, RFC 8536 section 3.3): parsing
 * "std offset [dst [offset] [,start[/time],end[/time]]]" and the offset
 * such a rule gives at a moment, computed from civil dates by arithmetic. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/tz.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic:
 * 400-year cycles of 146097 days, years starting in March so the leap day
 * falls last). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year holding day number z (days since the epoch). */
static int64_t year_of_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Day number (since the epoch) of a rule date in year y. */
static int64_t rule_day(const struct sl_tz_rule_date *d, int64_t y)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (d->kind == 'J')
		return jan1 + d->day - 1 + (is_leap(y) && d->day >= 60);
	if (d->kind == 'D')
		return jan1 + d->day;
	int64_t first = days_from_civil(y, d->month, 1);
	unsigned len = mdays[d->month - 1] + (d->month == 2 && is_leap(y));
	int64_t wday = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
	int64_t day = first + (d->day - wday + 7) % 7 + (int64_t)(d->week - 1) * 7;
	while (day >= first + len)
		day -= 7;
	return day;
}

int32_t sl_tz_rule_offset(const struct sl_tz_rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t y = year_of_days(floor_div(t + r->std_off, 86400));
	int64_t start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	int64_t end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

/* A zone abbreviation: <...> quoted, or three or more letters. */
static bool parse_name(const char **s)
{
	const char *p = *s;
	if (*p == '<') {
		const char *q = strchr(p, '>');
		if (!q || q - p < 2)
			return false;
		*s = q + 1;
		return true;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	if (p - *s < 3)
		return false;
	*s = p;
	return true;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h; the value in seconds, signed as
 * written. */
static bool parse_hms(const char **s, int max_h, int32_t *out)
{
	const char *p = *s;
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	long part[3] = { 0, 0, 0 };
	for (int i = 0; i < 3; i++) {
		if (i > 0 && *p != ':')
			break;
		if (i > 0)
			p++;
		if (*p < '0' || *p > '9')
			return false;
		char *end;
		part[i] = strtol(p, &end, 10);
		if (end - p > 3 || (i == 0 && part[i] > max_h) || (i > 0 && part[i] > 59))
			return false;
		p = end;
	}
	*out = sign * (int32_t)(part[0] * 3600 + part[1] * 60 + part[2]);
	*s = p;
	return true;
}

static bool parse_date(const char **s, struct sl_tz_rule_date *d)
{
	const char *p = *s;
	char *end;
	d->time = 7200; /* 02:00 unless given */
	if (*p == 'M') {
		long m = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != '.' || m < 1 || m > 12)
			return false;
		long w = strtol(end + 1, &end, 10);
		if (*end != '.' || w < 1 || w > 5)
			return false;
		const char *q = end + 1;
		long wd = strtol(q, &end, 10);
		if (end == q || wd < 0 || wd > 6)
			return false;
		*d = (struct sl_tz_rule_date){ 'M', (uint16_t)wd, (uint8_t)m, (uint8_t)w, 7200 };
	} else {
		bool julian = *p == 'J';
		const char *q = p + julian;
		if (*q < '0' || *q > '9')
			return false;
		long n = strtol(q, &end, 10);
		if (julian ? n < 1 || n > 365 : n > 365)
			return false;
		*d = (struct sl_tz_rule_date){ julian ? 'J' : 'D', (uint16_t)n, 0, 0, 7200 };
	}
	p = end;
	if (*p == '/') {
		p++;
		if (!parse_hms(&p, 167, &d->time))
			return false;
	}
	*s = p;
	return true;
}

int sl_tz_rule_parse(const char *s, struct sl_tz_rule *out)
{
	struct sl_tz_rule r = { 0 };
	int32_t off;
	if (!s || !parse_name(&s) || !parse_hms(&s, 24, &off))
		return -EINVAL;
	r.std_off = -off; /* POSIX counts west of Greenwich as positive */
	if (*s != '\0') {
		if (!parse_name(&s))
			return -EINVAL;
		r.has_dst = true;
		r.dst_off = r.std_off + 3600;
		if (*s != ',' && *s != '\0') {
			if (!parse_hms(&s, 24, &off))
				return -EINVAL;
			r.dst_off = -off;
		}
		if (*s == '\0') {
			r.start = (struct sl_tz_rule_date){ 'M', 0, 3, 2, 7200 };
			r.end = (struct sl_tz_rule_date){ 'M', 0, 11, 1, 7200 };
		} else if (*s++ != ',' || !parse_date(&s, &r.start) || *s++ != ',' ||
			   !parse_date(&s, &r.end) || *s != '\0') {
			return -EINVAL;
		}
	}
	*out = r;
	return 0;
}
