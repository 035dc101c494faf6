/* Shared helpers declared in common.h: address text, CIDR prefixes, packet
 * time formatting, the startup allocator and finding bundled data files. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sightline/common.h"
#include "sl_build_config.h"

int sl_addr_cmp(const struct sl_addr *a, const struct sl_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, sl_addr_len(a));
}

/* Dotted quad without inet_ntop's sprintf: several per event. */
static void v4_text(const uint8_t *b, char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

/* The longest run of two or more zero groups (the first of equal ones),
 * which "::" replaces (RFC 5952 4.2); *base -1 when there is none. */
static void zero_run(const uint16_t w[8], int *base, int *n)
{
	*base = -1, *n = 0;
	for (int i = 0; i < 8;) {
		int k = i;
		while (k < 8 && w[k] == 0)
			k++;
		if (k - i >= 2 && k - i > *n)
			*base = i, *n = k - i;
		i = k > i ? k : i + 1;
	}
}

/* IPv6 text as glibc's inet_ntop writes it (RFC 5952: lowercase, no
 * leading zeros, "::" for the longest zero run; ::a.b.c.d and
 * ::ffff:a.b.c.d with a dotted quad), without its sprintf per group: an
 * IPv6 flow's event formats several.  out holds 46 bytes. */
static void v6_text(const uint8_t *b, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int base, n;
	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	zero_run(w, &base, &n);
	for (int i = 0; i < 8; i++) {
		if (i == base) {
			*out++ = ':';
			i += n - 1;
			if (i == 7)
				*out++ = ':';
			continue;
		}
		if (i)
			*out++ = ':';
		if (i == 6 && base == 0 && (n == 6 || (n == 5 && w[5] == 0xffff))) {
			v4_text(b + 12, out);
			return;
		}
		for (int sh = 12, lead = 1; sh >= 0; sh -= 4) {
			unsigned d = w[i] >> sh & 15;
			if (d || !lead || sh == 0)
				*out++ = hex[d], lead = 0;
		}
	}
	*out = '\0';
}

char *sl_addr_format(const struct sl_addr *a, char *buf, size_t len)
{
	if (a->family == 4 && len >= 16) {
		v4_text(a->b, buf);
		return buf;
	}
	if (a->family == 6 && len >= 46) {
		v6_text(a->b, buf);
		return buf;
	}
	int af = a->family == 6 ? AF_INET6 : AF_INET;
	if (a->family == 0 || !inet_ntop(af, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "%s", "");
	return buf;
}

int sl_addr_parse(const char *text, struct sl_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->b) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->b) == 1) {
		out->family = 6;
		return 0;
	}
	return -EINVAL;
}

/* Zero the bits of a beyond prefix; report whether any were set. */
static bool mask_host_bits(struct sl_addr *a, unsigned prefix)
{
	bool had = false;
	for (unsigned i = 0; i < sl_addr_len(a); i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
		if (a->b[i] & ~mask)
			had = true;
		a->b[i] &= mask;
	}
	return had;
}

int sl_cidr_parse(const char *text, struct sl_cidr *out)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (sl_addr_parse(buf, &out->addr) < 0)
		return -EINVAL;
	unsigned max = sl_addr_len(&out->addr) * 8;
	unsigned long prefix = max;
	if (slash) {
		/* Digits only: strtoul would accept " 8", "+8" and "-0". */
		const char *d = slash + 1;
		size_t nd = strspn(d, "0123456789");
		if (nd == 0 || nd > 3 || d[nd] != '\0')
			return -EINVAL;
		prefix = strtoul(d, NULL, 10);
		if (prefix > max)
			return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	return mask_host_bits(&out->addr, (unsigned)prefix) ? -EINVAL : 0;
}

bool sl_cidr_contains_bytes(const struct sl_cidr *c, const struct sl_addr *a)
{
	if (c->addr.family != a->family)
		return false;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->addr.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a->b[full] & mask) == c->addr.b[full];
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), after
 * Howard Hinnant's "chrono-compatible low-level date algorithms". */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n as exactly w decimal digits at p. */
static char *digits(char *p, unsigned n, int w)
{
	for (int i = w - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
	return p + w;
}

char *sl_strcopy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return dst;
}

/* "00".."99": a two-digit field is one copy. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static void two_digits(char *p, unsigned n)
{
	memcpy(p, digit_pairs + 2 * n, 2);
}

/* The date and time of day of the last second formatted, per thread:
 * events come in packet order, most within the second of the one before,
 * and then only the microseconds are new.  A flow's event also carries
 * its start, seconds earlier, so the second changes from one time to the
 * next more often than not; the day (days, day[0..11)) seldom does. */
static _Thread_local struct {
	int64_t sec, days;
	bool set;
	char day[20]; /* "YYYY-MM-DDTHH:MM:SS." */
} last_second;

/* "HH:MM:SS." of rem seconds into a day, at p. */
static void time_of_day(char *p, unsigned rem)
{
	two_digits(p, rem / 3600);
	p[2] = ':';
	two_digits(p + 3, rem / 60 % 60);
	p[5] = ':';
	two_digits(p + 6, rem % 60);
	p[8] = '.';
}

/* The six digits of us < 10^6 and the zone, NUL-terminated, at p. */
static void fraction(char *p, unsigned us)
{
	two_digits(p, us / 10000);
	two_digits(p + 2, us / 100 % 100);
	two_digits(p + 4, us % 100);
	memcpy(p + 6, "+0000", 6);
}

/* Every event carries one or more of these: without gmtime_r, strftime and
 * printf, for the years 0..9999 a capture can hold; others take libc. */
char *sl_time_format(sl_time_us t, char *buf, size_t len)
{
	int64_t sec = (int64_t)(t / SL_US_PER_SEC), y;
	unsigned m, d, us = (unsigned)(t % SL_US_PER_SEC);
	if (len >= 32 && last_second.set && last_second.sec == sec) {
		memcpy(buf, last_second.day, sizeof(last_second.day));
		fraction(buf + 20, us);
		return buf;
	}
	int64_t days = sec / 86400, rem = sec % 86400;
	if (len >= 32 && last_second.set && last_second.days == days) {
		memcpy(buf, last_second.day, 11); /* "YYYY-MM-DDT" */
	} else {
		civil_from_days(days, &y, &m, &d);
		if (len < 32 || y > 9999) {
			time_t ts = (time_t)sec;
			struct tm tm;
			char day[24];
			gmtime_r(&ts, &tm);
			strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(buf, len, "%s.%06u+0000", day, us);
			return buf;
		}
		char *p = digits(buf, (unsigned)y, 4);
		*p++ = '-', p = digits(p, m, 2), *p++ = '-', p = digits(p, d, 2), *p++ = 'T';
	}
	time_of_day(buf + 11, (unsigned)rem);
	memcpy(last_second.day, buf, sizeof(last_second.day));
	last_second.sec = sec;
	last_second.days = days;
	last_second.set = true;
	fraction(buf + 20, us);
	return buf;
}

void *sl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "sightline: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

void *sl_grow(void *arr, size_t *cap, size_t used, size_t sz, size_t first)
{
	if (used < *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : first;
	char *p = realloc(arr, n * sz);
	if (!p)
		return NULL;
	memset(p + *cap * sz, 0, (n - *cap) * sz);
	*cap = n;
	return p;
}

void *sl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fprintf(stderr, "sightline: out of memory allocating %zu x %zu bytes\n", n, size);
		abort();
	}
	return p;
}

char *sl_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sl_xmalloc(n);
	memcpy(p, s, n);
	return p;
}

/* Beside the executable in rules/ first (an uninstalled build tree, where
 * rules/meson.build puts the data), else the installed SL_DATADIR. */
bool sl_find_bundled(const char *file, char *out, size_t len)
{
	char exe[PATH_MAX];
	int first = ENOENT; /* why the build tree's copy was not taken */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/rules/%s", exe, file);
			if (access(out, R_OK) == 0)
				return true;
			first = errno;
		}
	}
	char build[PATH_MAX];
	snprintf(build, sizeof(build), "%s", out);
	snprintf(out, len, "%s/%s", SL_DATADIR, file);
	if (access(out, R_OK) == 0)
		return true;
	/* An unreadable copy beside the program (a checkout under a mode-700
	 * directory, read by the dropped user) matters more than none
	 * installed: name it, with its errno, so the message can say why. */
	if (first == EACCES && n > 0) {
		snprintf(out, len, "%s", build);
		errno = EACCES;
	} else {
		errno = ENOENT;
	}
	return false;
}
