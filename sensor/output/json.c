/* JSON line builder (RFC 8259): escaping, numbers, nesting and dotted paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/json.h"

void sl_json_init(struct sl_json *j)
{
	memset(j, 0, sizeof(*j));
}

void sl_json_finish(struct sl_json *j)
{
	if (!j)
		return;
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

/* Make room for more bytes and the terminating NUL; false (and the event
 * marked failed) when memory runs out. */
static bool grow(struct sl_json *j, size_t more)
{
	if (j->failed)
		return false;
	size_t cap = j->cap ? j->cap : 1024;
	while (cap < j->len + more + 1)
		cap *= 2;
	char *nb = realloc(j->buf, cap);
	if (!nb) {
		j->failed = true;
		return false;
	}
	j->buf = nb;
	j->cap = cap;
	return true;
}

static inline bool reserve(struct sl_json *j, size_t more)
{
	return (j->len + more + 1 <= j->cap && !j->failed) || grow(j, more);
}

/* The line is NUL-terminated only by sl_json_end() (and begin): events are
 * built from hundreds of small pieces. */
static inline void put(struct sl_json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static inline void putc_(struct sl_json *j, char c)
{
	if (!reserve(j, 1))
		return;
	j->buf[j->len++] = c;
}

/* Separator before a value or key at the current depth. */
static void sep(struct sl_json *j)
{
	if (j->need_comma[j->depth])
		putc_(j, ',');
	j->need_comma[j->depth] = true;
}

void sl_json_begin(struct sl_json *j)
{
	j->len = 0;
	j->failed = false;
	j->depth = 0;
	j->path[0] = '\0';
	j->path_len = j->path_depth = 0;
	memset(j->need_comma, 0, sizeof(j->need_comma));
	putc_(j, '{');
	j->depth = 1;
}

void sl_json_end(struct sl_json *j)
{
	sl_json_path_reset(j);
	while (j->depth > 0) {
		putc_(j, '}');
		j->depth--;
	}
	if (!j->failed)
		j->buf[j->len] = '\0'; /* reserve() always keeps a byte for it */
}

bool sl_json_begin_edit(struct sl_json *j, const struct sl_json *src, const char *from,
			const char *to)
{
	if (src->failed || src->len < 2 || src->buf[src->len - 1] != '}')
		return false;
	const char *at = strstr(src->buf, from);
	if (!at)
		return false;
	size_t pre = (size_t)(at - src->buf), nf = strlen(from);
	if (pre + nf > src->len - 1) /* from overlaps the closing brace */
		return false;
	sl_json_begin(j);
	j->len = 0;
	put(j, src->buf, pre);
	put(j, to, strlen(to));
	put(j, at + nf, src->len - 1 - pre - nf);
	j->need_comma[1] = true;
	return true;
}

/* Length of a well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0 when the bytes are not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* Strings from packets are hostile: control characters are escaped and
 * bytes that are not well-formed UTF-8 become U+FFFD, so every line is
 * valid JSON whatever a client put in its SNI or User-Agent. */
/* Whether any of the 8 bytes in w needs more than a copy: below 0x20,
 * above 0x7e, '"' or '\\' (bit tricks on the whole word, each exact as a
 * yes/no: S. E. Anderson, "Bit Twiddling Hacks", determine if a word has a
 * byte less than / greater than n, has a zero byte). */
static bool word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t less = (w - ones * 0x20) & ~w;
	uint64_t more = (w + ones * (127 - 0x7e)) | w;
	uint64_t zero = ((q - ones) & ~q) | ((b - ones) & ~b);
	return ((less | more | zero) & highs) != 0;
}

/* The escaped string itself, without the separator before it.  Plain
 * runs go eight bytes at a time: strings are most of an event's bytes. */
static void put_string(struct sl_json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	if (!reserve(j, 6 * n + 2)) /* the longest escape is six bytes a byte */
		return;
	char *o = j->buf + j->len;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		uint64_t w;
		if (n - i >= 8 && (memcpy(&w, s + i, 8), !word_needs_escape(w))) {
			memcpy(o, &w, 8);
			o += 8, i += 8;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { /* plain ASCII: no escape */
			*o++ = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\', *o++ = (char)c, i++;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4], o[5] = hex[c & 15];
			o += 6, i++;
		} else {
			size_t len = utf8_len(s + i, n - i);
			if (len) {
				memcpy(o, s + i, len);
				o += len, i += len;
			} else {
				memcpy(o, "\\ufffd", 6);
				o += 6, i++;
			}
		}
	}
	*o++ = '"';
	j->len = (size_t)(o - j->buf);
}

/* Write key[0..n) as a key at the current level. */
static void key_n(struct sl_json *j, const char *key, size_t n)
{
	sep(j);
	put_string(j, key, n);
	putc_(j, ':');
	j->need_comma[j->depth] = false;
}

/* A key is followed by ':' and exactly one value, which must not be
 * preceded by a comma: clear the flag so the value's sep() writes nothing. */
void sl_json_key(struct sl_json *j, const char *key)
{
	key_n(j, key, strlen(key));
}

void sl_json_strn(struct sl_json *j, const char *s, size_t n)
{
	sep(j);
	put_string(j, s, n);
}

void sl_json_str(struct sl_json *j, const char *s)
{
	sl_json_strn(j, s, strlen(s));
}

/* Decimal digits of v into b (at least 20 bytes); returns their count.
 * Numbers are most of an event: this is several times faster than printf. */
static size_t u64_text(uint64_t v, char *b)
{
	char t[20];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		b[i] = t[n - 1 - i];
	return n;
}

void sl_json_u64(struct sl_json *j, uint64_t v)
{
	char b[24];
	sep(j);
	put(j, b, u64_text(v, b));
}

void sl_json_i64(struct sl_json *j, int64_t v)
{
	char b[24];
	sep(j);
	size_t n = 0;
	if (v < 0)
		b[n++] = '-';
	n += u64_text(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, b + n);
	put(j, b, n);
}

/*
 * v as m / 10^k with the fewest decimals k <= 6, when that reads back to v
 * exactly: m (v * 10^k to the nearest integer, whatever the product's
 * rounding) and 10^k are exact doubles and IEEE division rounds correctly,
 * as strtod does, so m / 10^k == v proves the round trip.  Limited to where
 * %g prints fixed notation with at most 15 digits, so the text is the one
 * the slow path would print.  Returns the length, 0 when it does not apply.
 */
static size_t fixed_text(double v, char *b)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	double a = fabs(v);
	if (a == 0) { /* a counter at zero: "0", or "-0" as %g prints it */
		size_t n = 0;
		if (signbit(v))
			b[n++] = '-';
		b[n++] = '0';
		return n;
	}
	if (a < 1e-4 || a >= 1e15)
		return 0;
	for (int k = 0; k <= 6; k++) {
		double m = nearbyint(a * p10[k]); /* 52.3676 * 1e4 is 523676.00000000006 */
		if (m >= 1e15)
			return 0;
		if (m / p10[k] != a)
			continue;
		char d[24];
		size_t nd = u64_text((uint64_t)m, d), n = 0;
		while (k > 0 && nd > 1 && d[nd - 1] == '0') /* 161240 / 10^4: 16.124 */
			nd--, k--;
		if (v < 0)
			b[n++] = '-';
		if (nd <= (size_t)k) { /* 0.00ddd */
			b[n++] = '0', b[n++] = '.';
			for (size_t z = nd; z < (size_t)k; z++)
				b[n++] = '0';
			memcpy(b + n, d, nd);
			return n + nd;
		}
		memcpy(b + n, d, nd - (size_t)k);
		n += nd - (size_t)k;
		if (k)
			b[n++] = '.', memcpy(b + n, d + nd - k, (size_t)k), n += (size_t)k;
		return n;
	}
	return 0;
}

/* The shortest of %.15g..%.17g that reads back to the same double: 0.022
 * rather than 0.021999999999999999, with no precision lost.  Most values
 * (coordinates, milliseconds, scores) take the printf-free path above. */
void sl_json_double(struct sl_json *j, double v)
{
	char b[40];
	sep(j);
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	size_t n = fixed_text(v, b);
	for (int prec = 15; !n && prec <= 17; prec++) {
		n = (size_t)snprintf(b, sizeof(b), "%.*g", prec, v);
		if (strtod(b, NULL) != v && prec < 17)
			n = 0;
	}
	put(j, b, n);
}

void sl_json_bool(struct sl_json *j, bool v)
{
	sep(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void sl_json_null(struct sl_json *j)
{
	sep(j);
	put(j, "null", 4);
}

static void open_(struct sl_json *j, char c)
{
	sep(j);
	putc_(j, c);
	if (j->depth < SL_JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct sl_json *j, char c)
{
	putc_(j, c);
	if (j->depth > 1)
		j->depth--;
}

void sl_json_open_object(struct sl_json *j) { open_(j, '{'); }
void sl_json_close_object(struct sl_json *j) { close_(j, '}'); }
void sl_json_open_array(struct sl_json *j) { open_(j, '['); }
void sl_json_close_array(struct sl_json *j) { close_(j, ']'); }

/* Whole leading components that path and the parent part of dotted
 * (dotted[0..plen)) share, and in *at the byte offset where they end in
 * both (at a '.' or the end). */
static unsigned shared_components(const char *path, const char *dotted, size_t plen, size_t *at)
{
	unsigned k = 0;
	size_t i = 0;
	*at = 0;
	for (;;) {
		bool pend = path[i] == '\0' || path[i] == '.';
		bool dend = i == plen || dotted[i] == '.';
		if (pend || dend) {
			if (!(pend && dend) || i == 0)
				return k;
			k++, *at = i;
			if (path[i] == '\0' || i == plen)
				return k;
		} else if (path[i] != dotted[i]) {
			return k;
		}
		i++;
	}
}

static void open_path(struct sl_json *j, const char *dotted, size_t plen);

/* The open objects are j->path's components; the new field needs all of
 * dotted's components but the last.  Close what differs, open what is
 * missing, then write the leaf key.  Once per field of every event: no
 * copies of the components, no printf. */
void sl_json_path(struct sl_json *j, const char *dotted)
{
	const char *leaf = strrchr(dotted, '.');
	size_t plen = leaf ? (size_t)(leaf - dotted) : 0;
	leaf = leaf ? leaf + 1 : dotted;
	open_path(j, dotted, plen);
	key_n(j, leaf, strlen(leaf));
}

void sl_json_path_key(struct sl_json *j, const char *dotted, size_t plen, const char *key,
		      size_t klen)
{
	open_path(j, dotted, plen);
	sep(j);
	put(j, key, klen);
	j->need_comma[j->depth] = false;
}

/* Close the objects of j->path that dotted[0..plen) does not share and
 * open the ones it adds.  Most fields are in the same object as the last
 * one: then nothing is walked. */
static void open_path(struct sl_json *j, const char *dotted, size_t plen)
{
	if (plen >= sizeof(j->path)) /* deeper than any field: keep the leaf only */
		plen = 0;
	if (plen == j->path_len && memcmp(j->path, dotted, plen) == 0)
		return;
	size_t at;
	unsigned keep = shared_components(j->path, dotted, plen, &at);
	for (unsigned k = keep; k < j->path_depth; k++)
		close_(j, '}');
	unsigned depth = keep;
	size_t i = keep ? at + 1 : 0;
	for (; i < plen && depth < SL_JSON_MAX_DEPTH - 1; depth++) {
		const char *dot = memchr(dotted + i, '.', plen - i);
		size_t end = dot ? (size_t)(dot - dotted) : plen;
		key_n(j, dotted + i, end - i);
		open_(j, '{');
		i = end + 1;
	}
	if (i < plen) /* too deep: remember only the objects opened */
		plen = i - 1;
	memcpy(j->path, dotted, plen);
	j->path[plen] = '\0';
	j->path_len = (uint8_t)plen;
	j->path_depth = (uint8_t)depth;
}

void sl_json_path_reset(struct sl_json *j)
{
	while (j->path_depth > 0) {
		close_(j, '}');
		j->path_depth--;
	}
	j->path[0] = '\0';
	j->path_len = 0;
}

void sl_json_path_object(struct sl_json *j, const char *dotted)
{
	open_path(j, dotted, strlen(dotted));
}

void sl_json_path_enter(struct sl_json *j, struct sl_json_scope *sc)
{
	memcpy(sc->path, j->path, sizeof(sc->path));
	sc->path_len = j->path_len;
	sc->path_depth = j->path_depth;
	j->path[0] = '\0';
	j->path_len = j->path_depth = 0;
}

void sl_json_path_leave(struct sl_json *j, const struct sl_json_scope *sc)
{
	sl_json_path_reset(j);
	memcpy(j->path, sc->path, sizeof(j->path));
	j->path_len = sc->path_len;
	j->path_depth = sc->path_depth;
}
