/* JSON line builder (RFC 8259): escaping, numbers, nesting and dotted paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_priv.h"

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
bool sl_json_grow(struct sl_json *j, size_t more)
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

/* Separator before a value or key at the current depth: inline, as it is
 * a flag test before every value. */
static inline __attribute__((always_inline)) void sep(struct sl_json *j)
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
	j->path_node = NULL;
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
	/* F5..FF never begin a sequence: they once passed for a 3-byte lead */
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 :
		   c >= 0xc2 && c <= 0xdf ? 2 : 0;
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
static inline __attribute__((always_inline)) uint64_t escape_bits(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t less = (w - ones * 0x20) & ~w;
	uint64_t more = (w + ones * (127 - 0x7e)) | w;
	uint64_t zero = ((q - ones) & ~q) | ((b - ones) & ~b);
	return (less | more | zero) & highs;
}

static bool word_needs_escape(uint64_t w)
{
	return escape_bits(w) != 0;
}

/* Sixteen bytes at a time (GCC/Clang vector extensions: SSE2 on x86-64,
 * NEON on ARM, plain words elsewhere): lanes of -1 where a byte needs more
 * than a copy. */
typedef unsigned char sl_v16 __attribute__((vector_size(16)));
typedef signed char sl_m16 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) sl_m16 escape_lanes(sl_v16 w)
{
	return (sl_m16)((w < 0x20) | (w > 0x7e) | (w == '"') | (w == '\\'));
}

static inline bool any_lane(sl_m16 m)
{
	uint64_t h[2];
	memcpy(h, &m, sizeof(h));
	return (h[0] | h[1]) != 0;
}

/* The n < 8 bytes at s as one word, the rest plain spaces, by two loads
 * that overlap (a memcpy() of n bytes is a call into libc; a short name,
 * code or protocol is most of an event's strings).  Reads s[0..n) only. */
static inline uint64_t short_word(const unsigned char *s, size_t n)
{
	const uint64_t spaces = 0x2020202020202020ULL;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t pad = n ? spaces << (8 * n) : spaces;
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		return lo | (uint64_t)hi << (8 * (n - 4)) | pad;
	}
	if (n >= 2) {
		uint16_t lo, hi;
		memcpy(&lo, s, 2);
		memcpy(&hi, s + n - 2, 2);
		return lo | (uint64_t)hi << (8 * (n - 2)) | pad;
	}
	return n ? s[0] | pad : pad;
#else
	uint64_t w = spaces;
	memcpy(&w, s, n);
	return w;
#endif
}

/* Copy s[0..n) to o when no byte of it needs escaping, in one pass of
 * 16-byte loads and stores (the last one overlapping the one before; o
 * has room for n + 16 bytes); false (o then holds rubbish the caller
 * overwrites) when a byte needs more. */
static bool copy_plain(char *o, const unsigned char *s, size_t n)
{
	if (n >= 16) {
		sl_m16 acc = { 0 };
		sl_v16 w;
		for (size_t i = 0; i + 16 <= n; i += 16) {
			memcpy(&w, s + i, 16);
			acc |= escape_lanes(w);
			memcpy(o + i, &w, 16);
		}
		memcpy(&w, s + n - 16, 16);
		acc |= escape_lanes(w);
		memcpy(o + n - 16, &w, 16);
		return !any_lane(acc);
	}
	uint64_t a = 0x2020202020202020ULL, b = a; /* padded with plain spaces */
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + n - 8, &b, 8);
	} else {
		a = short_word(s, n);
		memcpy(o, &a, 8);
	}
	return !(escape_bits(a) | escape_bits(b));
}

/* The escaped string itself, without the separator before it.  Most
 * strings need no escape (names, times, addresses, hashes): they are one
 * pass of checked 16-byte copies; the rest go byte by byte, plain runs
 * eight bytes at a time: strings are most of an event's bytes. */
static void put_string(struct sl_json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	/* the longest escape is six bytes a byte; copy_plain() stores up to 16
	 * bytes past the string */
	if (!reserve(j, 6 * n + 18))
		return;
	char *o = j->buf + j->len;
	*o++ = '"';
	if (copy_plain(o, s, n)) {
		o[n] = '"';
		j->len = (size_t)(o + n + 1 - j->buf);
		return;
	}
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
	sep(j);
	put_string(j, s, strlen(s));
}

/* "00".."99": two digits per division, half the divisions of one digit
 * at a time. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of v into b (room for 20 bytes, all of which may be
 * written); returns their count.  Numbers are most of an event: two digits
 * a division, then one fixed-size copy. */
static size_t u64_text(uint64_t v, char *b)
{
	char t[40];
	size_t at = 20;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		at -= 2;
		memcpy(t + at, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		at -= 2;
		memcpy(t + at, digit_pairs + 2 * v, 2);
	} else {
		t[--at] = (char)('0' + v);
	}
	memcpy(b, t + at, 20);
	return 20 - at;
}

/* Digits by u64_text() (two at a time, then one fixed-size copy of 20
 * bytes, the most a u64 has; the copy's tail is left past the line's end).
 * tests/unit/test_json.c holds it to the plain way. */
void sl_json_u64(struct sl_json *j, uint64_t v)
{
	sep(j);
	if (!reserve(j, 20))
		return;
	if (v < 10) { /* counters at 0, flags, small codes: most of them */
		j->buf[j->len++] = (char)('0' + v);
		return;
	}
	j->len += u64_text(v, j->buf + j->len);
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

/* nearbyint(x) for 0 <= x, inline (libm's is a call, made up to seven
 * times a value): below 2^52, adding and taking away 2^52 leaves x rounded
 * to an integer in the current rounding mode, as nearbyint() does; from
 * 2^52 on every double is an integer already. */
static inline double to_integer(double x)
{
	const double two52 = 4503599627370496.0;
	return x < two52 ? (x + two52) - two52 : x;
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
		double m = to_integer(a * p10[k]); /* 52.3676 * 1e4 is 523676.00000000006 */
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

/* The printf path's texts, remembered per thread by the value's bits:
 * the values that take it repeat (rtt.gap_ms is 0.03000000000000025 in
 * 1,116 flow events of a slice of the short mix, best_fit
 * 0.28600000000000003 in 760) and printf with strtod costs thousands of
 * instructions a value. */
#define DOUBLE_MEMO 256
struct double_memo {
	uint64_t bits;
	uint8_t n; /* 0: empty */
	char text[27];
};
static _Thread_local struct double_memo memo[DOUBLE_MEMO];

static size_t printf_text(double v, char *b, size_t len)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	struct double_memo *m = &memo[(bits ^ bits >> 29 ^ bits >> 47) % DOUBLE_MEMO];
	if (m->n && m->bits == bits) {
		memcpy(b, m->text, m->n);
		return m->n;
	}
	size_t n = 0;
	for (int prec = 15; !n && prec <= 17; prec++) {
		n = (size_t)snprintf(b, len, "%.*g", prec, v);
		if (strtod(b, NULL) != v && prec < 17)
			n = 0;
	}
	if (n && n <= sizeof(m->text)) {
		m->bits = bits;
		m->n = (uint8_t)n;
		memcpy(m->text, b, n);
	}
	return n;
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
	if (!n)
		n = printf_text(v, b, sizeof(b));
	put(j, b, n);
}

void sl_json_raw(struct sl_json *j, const char *text, size_t n)
{
	sep(j);
	put(j, text, n);
}

/* One fixed-size copy of 8 bytes (the tail is left past the line's end):
 * a put() of 4 or 5 bytes is a call into libc. */
void sl_json_bool(struct sl_json *j, bool v)
{
	sep(j);
	if (!reserve(j, 8))
		return;
	memcpy(j->buf + j->len, v ? "true\0\0\0" : "false\0\0", 8);
	j->len += v ? 4 : 5;
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

static bool plain_name(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_' ||
		      (s[k] >= 'A' && s[k] <= 'Z')))
			return false;
	return n > 0;
}

size_t sl_json_key_text(char *ckey, const char *leaf, size_t n)
{
	memset(ckey, 0, SL_JSON_KEY_ROOM);
	if (n + 4 > SL_JSON_KEY_ROOM || !plain_name(leaf, n))
		return 0;
	ckey[0] = ',', ckey[1] = '"';
	memcpy(ckey + 2, leaf, n);
	ckey[n + 2] = '"', ckey[n + 3] = ':';
	return n + 4;
}

bool sl_json_node_init(struct sl_json_node *n, const struct sl_json_node *up,
		       const char *dotted, size_t len)
{
	memset(n, 0, sizeof(*n));
	up = tree(up);
	n->up = up;
	n->dotted = dotted;
	if (len == 0)
		return up == NULL;
	size_t at = up ? up->len + 1u : 0;
	unsigned depth = up ? up->depth + 1u : 1;
	/* open_path() nests at most SL_JSON_MAX_DEPTH - 1 objects of a path
	 * shorter than j->path */
	if (len >= sizeof(((struct sl_json *)0)->path) || depth >= SL_JSON_MAX_DEPTH ||
	    at > len || (up && (memcmp(up->dotted, dotted, up->len) != 0 || dotted[up->len] != '.')) ||
	    (!up && memchr(dotted, '.', len)))
		return false;
	size_t kl = sl_json_key_text(n->open, dotted + at, len - at);
	if (!kl || kl + 1 >= SL_JSON_KEY_ROOM)
		return false;
	n->open[kl] = '{';
	n->open_len = (uint8_t)(kl + 1);
	n->len = (uint8_t)len;
	n->depth = (uint8_t)depth;
	return true;
}

/* Copy a room's text (its first byte, a comma, only when the level needs
 * one): a fixed-size copy, a few vector moves. */
static inline void put_room(struct sl_json *j, const char *text, size_t len)
{
	size_t skip = !j->need_comma[j->depth];
	memcpy(j->buf + j->len, text + skip, SL_JSON_KEY_ROOM - 1);
	j->len += len - skip;
}

/* From the path of j->path_node to want's: close up to the shared
 * ancestor, then open want's components from there down, as open_path()
 * would. */
static void move_to(struct sl_json *j, const struct sl_json_node *want)
{
	const struct sl_json_node *from = tree(j->path_node), *to = tree(want);
	const struct sl_json_node *down[SL_JSON_MAX_DEPTH];
	unsigned n = 0;
	while (depth_of(from) > depth_of(to))
		close_(j, '}'), from = tree(from->up);
	while (depth_of(to) > depth_of(from))
		down[n++] = to, to = tree(to->up);
	while (!same_path(from, to))
		close_(j, '}'), from = tree(from->up), down[n++] = to, to = tree(to->up);
	while (n-- > 0) {
		if (!reserve(j, SL_JSON_KEY_ROOM))
			return;
		put_room(j, down[n]->open, down[n]->open_len);
		j->need_comma[j->depth] = true;
		j->depth++;
		j->need_comma[j->depth] = false;
	}
	j->path_len = want->len; /* j->path stays stale: path_text() */
	j->path_depth = want->depth;
	j->path_node = want;
}

/* Out of line, so that the common case below saves no registers.  At
 * the top level with no object open (every event's first field) the top
 * level is a node's place too: no walk by names. */
__attribute__((noinline)) void sl_json_node_enter(struct sl_json *j, const struct sl_json_node *node)
{
	if (j->path_node || (j->path_len == 0 && j->path_depth == 0)) {
		move_to(j, node);
		return;
	}
	open_path(j, node->dotted, node->len);
	if (j->path_len == node->len && j->path_depth == node->depth)
		j->path_node = node;
}

void sl_json_node_key_slow(struct sl_json *j, const struct sl_json_node *node,
			   const char *ckey, size_t cklen)
{
	if (j->path_node != node)
		sl_json_node_enter(j, node);
	if (!reserve(j, SL_JSON_KEY_ROOM))
		return;
	put_room(j, ckey, cklen);
	j->need_comma[j->depth] = false;
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
	path_text(j);
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
	j->path_node = NULL;
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
	j->path_node = NULL;
}

void sl_json_path_object(struct sl_json *j, const char *dotted)
{
	open_path(j, dotted, strlen(dotted));
}

void sl_json_path_enter(struct sl_json *j, struct sl_json_scope *sc)
{
	path_text(j);
	memcpy(sc->path, j->path, sizeof(sc->path));
	sc->path_len = j->path_len;
	sc->path_depth = j->path_depth;
	sc->path_node = j->path_node;
	j->path[0] = '\0';
	j->path_len = j->path_depth = 0;
	j->path_node = NULL;
}

void sl_json_path_leave(struct sl_json *j, const struct sl_json_scope *sc)
{
	sl_json_path_reset(j);
	memcpy(j->path, sc->path, sizeof(j->path));
	j->path_len = sc->path_len;
	j->path_depth = sc->path_depth;
	j->path_node = sc->path_node;
}
