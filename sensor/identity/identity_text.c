/* Text as sign-in logs write it: RFC 3339 times (RFC 3339 section 5.6),
 * epoch numbers, client addresses with or without a port, account names
 * folded for matching, and bounded copies and quotes of untrusted strings. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "identity_priv.h"

/* Latest time accepted: 9999-12-31T23:59:59.999999Z. */
#define ID_TIME_MAX 253402300799999999ULL

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * well-known era-based computation, valid for every year >= 0). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29u : days[m - 1];
}

/* n decimal digits at s[*i] into *v; advances *i.  False when short. */
static bool digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *v)
{
	*v = 0;
	for (unsigned k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[*i] - '0');
	}
	return true;
}

/* Expect byte c at s[*i]. */
static bool lit(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return false;
	(*i)++;
	return true;
}

/* ".ffffff..." into microseconds (digits past six are dropped). */
static bool fraction(const char *s, size_t len, size_t *i, unsigned *us)
{
	unsigned n = 0;
	*us = 0;
	if (*i >= len || s[*i] != '.')
		return true;
	for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, n++)
		if (n < 6)
			*us = *us * 10 + (unsigned)(s[*i] - '0');
	for (unsigned k = n; k < 6; k++)
		*us *= 10;
	return n > 0;
}

/* "Z", "+hh:mm" or "-hh:mm" (also "+hhmm", as ISO 8601 basic and EVE
 * write it) into seconds east of UTC; the text must end there. */
static bool offset(const char *s, size_t len, size_t *i, int *east)
{
	unsigned h, m;
	if (*i < len && (s[*i] == 'Z' || s[*i] == 'z')) {
		(*i)++;
		*east = 0;
		return *i == len;
	}
	if (*i >= len || (s[*i] != '+' && s[*i] != '-'))
		return false;
	int sign = s[(*i)++] == '-' ? -1 : 1;
	if (!digits(s, len, i, 2, &h))
		return false;
	if (*i < len && s[*i] == ':')
		(*i)++;
	if (!digits(s, len, i, 2, &m) || h > 23 || m > 59)
		return false;
	*east = sign * (int)(h * 3600 + m * 60);
	return *i == len;
}

int sl_id_parse_rfc3339(const char *s, size_t len, sl_time_us *out)
{
	unsigned y, mo, d, h, mi, se, us;
	int east;
	size_t i = 0;
	if (!digits(s, len, &i, 4, &y) || !lit(s, len, &i, '-') || !digits(s, len, &i, 2, &mo) ||
	    !lit(s, len, &i, '-') || !digits(s, len, &i, 2, &d))
		return -EINVAL;
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return -EINVAL;
	i++;
	if (!digits(s, len, &i, 2, &h) || !lit(s, len, &i, ':') || !digits(s, len, &i, 2, &mi) ||
	    !lit(s, len, &i, ':') || !digits(s, len, &i, 2, &se) || !fraction(s, len, &i, &us) ||
	    !offset(s, len, &i, &east))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	int64_t sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - east;
	if (sec < 0 || (uint64_t)sec > ID_TIME_MAX / SL_US_PER_SEC)
		return -EINVAL;
	*out = (sl_time_us)sec * SL_US_PER_SEC + us;
	return 0;
}

int sl_id_epoch(double v, enum sl_identity_time_format tf, sl_time_us *out)
{
	double scale;
	if (!isfinite(v) || v < 0)
		return -EINVAL;
	switch (tf) {
	case SL_IDENTITY_TIME_EPOCH_S: scale = 1e6; break;
	case SL_IDENTITY_TIME_EPOCH_MS: scale = 1e3; break;
	case SL_IDENTITY_TIME_EPOCH_US: scale = 1; break;
	default:
		/* 1e11 s is the year 5138 and 1e11 ms is 1973: the magnitudes
		 * of real sign-in times never overlap. */
		scale = v < 1e11 ? 1e6 : v < 1e14 ? 1e3 : 1;
		break;
	}
	double us = floor(v * scale + 0.5);
	if (us > (double)ID_TIME_MAX)
		return -EINVAL;
	*out = (sl_time_us)us;
	return 0;
}

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: dual-stack
 * servers log it so, while packets show IPv4. */
static void unmap(struct sl_addr *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (a->family != 6 || memcmp(a->b, prefix, 12) != 0)
		return;
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = 4;
}

/* A port after the address: decimal 1..65535. */
static bool port_ok(const char *p, size_t n)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

int sl_id_parse_addr(const char *s, size_t n, struct sl_addr *out)
{
	char buf[SL_ADDR_STRLEN + 1];
	const char *colon = memchr(s, ':', n);
	size_t alen = n;
	if (n > 0 && s[0] == '[') { /* [v6]:port */
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':' ||
		    !port_ok(close + 2, (size_t)(s + n - close - 2)))
			return -EINVAL;
		s++;
		alen = (size_t)(close - s);
	} else if (colon && !memchr(colon + 1, ':', (size_t)(s + n - colon - 1))) { /* v4:port */
		if (!port_ok(colon + 1, (size_t)(s + n - colon - 1)))
			return -EINVAL;
		alen = (size_t)(colon - s);
	}
	if (alen == 0 || alen > SL_ADDR_STRLEN || memchr(s, '\0', alen))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (sl_addr_parse(buf, out) < 0)
		return -EINVAL;
	unmap(out);
	return 0;
}

/* Length of the UTF-8 character that starts with byte c (jansson has
 * validated the encoding; a stray byte counts as one). */
static size_t utf8_len(unsigned char c)
{
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* Lower case of a two-byte character, or cp itself.  Every mapping stays
 * within U+0080..U+07FF, so the byte length never changes. */
static uint32_t fold_cp(uint32_t cp)
{
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;                       /* Latin-1 */
	if (cp == 0x178)
		return 0xff;                            /* Y with diaeresis */
	if ((cp >= 0x100 && cp <= 0x12f) || (cp >= 0x132 && cp <= 0x137) ||
	    (cp >= 0x14a && cp <= 0x177))
		return cp | 1;                          /* Latin Extended-A, even = upper */
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return cp & 1 ? cp + 1 : cp;            /* ... odd = upper */
	if (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2)
		return cp + 0x20;                       /* Greek */
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 0x20;                       /* Cyrillic */
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	return cp;
}

void sl_id_fold(const char *in, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;
	while (i < n) {
		size_t k = utf8_len(s[i]);
		if (k > n - i)
			k = 1;
		if (o + k >= cap)
			break;
		if (k == 2) {
			uint32_t f = fold_cp((uint32_t)(s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f));
			out[o++] = (char)(0xc0 | (f >> 6));
			out[o++] = (char)(0x80 | (f & 0x3f));
		} else if (k == 1) {
			out[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	out[o] = '\0';
}

bool sl_id_copy(char *dst, size_t cap, const char *src, size_t n)
{
	bool whole = n < cap;
	if (!whole) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--; /* back to the start of the character that was cut */
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return whole;
}

/* Length of the valid UTF-8 character at s[0..n), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	size_t k = utf8_len(s[0]);
	if (k < 2 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

const char *sl_id_quote(const char *s, size_t n, size_t max, char *buf, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0;
	while (i < n && i < max && o + 5 < cap) {
		size_t k = u[i] >= 0x80 ? utf8_valid(u + i, n - i) : 1;
		if (k > 1 && o + k + 1 < cap) { /* a whole character: as it is */
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
		} else if (u[i] < 0x20 || u[i] >= 0x7f) {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", u[i++]);
		} else {
			buf[o++] = s[i++];
		}
	}
	if (i < n && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < cap ? o : cap - 1] = '\0';
	return buf;
}

void sl_identity_fold(const char *s, char *out, size_t cap)
{
	sl_id_fold(s, strlen(s), out, cap);
}

int sl_identity_parse_time(const char *s, size_t n, sl_time_us *out)
{
	return sl_id_parse_rfc3339(s, n, out);
}
