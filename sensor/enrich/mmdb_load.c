/* Intel-list CSV lines into builder entries: `cidr,label[,key=value...]`,
 * typed values, dotted keys, alias folding and the one-type-per-key-per-list
 * check, every error as "FILE:LINE: sentence". */
#include "mmdb_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sightline/common.h"
#include "sightline/csv.h"

struct load {
	struct mb *b;
	const char *name; /* file name for messages */
	unsigned long line;
	uint32_t list, file;
	size_t file_kv_start, line_kv_start;
	char *err;
	size_t errlen;
};

static int lerr(struct load *l, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lerr(struct load *l, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%lu: %s", l->name, l->line, msg);
	return rc;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t'))
		(*s)++, (*len)--;
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Strict UTF-8 (RFC 3629): no overlongs, surrogates or code points past
 * U+10FFFF, because the spec requires valid UTF-8 strings. */
bool mb_utf8_valid(const char *str, size_t len)
{
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
	const uint8_t *s = (const uint8_t *)str;
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1fu;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0fu;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07u;
		else
			return false;
		if (n >= len - i)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Explain why sl_cidr_parse refused text: a bad address or length, or host
 * bits set past the prefix (10.0.0.1/8), which is worth saying plainly. */
static int cidr_error(struct load *l, const char *text)
{
	struct sl_addr a;
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	snprintf(addr, sizeof(addr), "%.*s", (int)n, text);
	if (slash && sl_addr_parse(addr, &a) == 0) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (end != slash + 1 && !*end && p <= sl_addr_len(&a) * 8u)
			return lerr(l, -EINVAL, "host bits set beyond /%lu in '%s'", p, text);
	}
	return lerr(l, -EINVAL, "malformed CIDR '%s'", text);
}

/* Prefixes inside the aliased regions are stored once, in IPv4 space:
 * ::a.b.c.d/n and ::ffff:a.b.c.d/n (n >= 96) and 2002:AABB:CCDD::/n
 * (16 <= n <= 48).  Longer 6to4 prefixes have no IPv4 equivalent. */
static int fold_alias(struct load *l, uint8_t a[16], unsigned *plen, const char *text)
{
	if (mb_fold_alias(a, plen) < 0)
		return lerr(l, -EINVAL, "'%s' lies inside the 6to4 alias 2002::/16 and is longer than /48; list the IPv4 prefix instead", text);
	return 0;
}

static size_t digits(const char *s, size_t len, size_t i);

/* "AS131279": the AS number's own address in 100::/64 (mmdb_build.h). */
static int parse_asn(struct load *l, const char *s, size_t len, uint8_t a[16], unsigned *plen)
{
	uint64_t v = 0;
	size_t n = digits(s, len, 2);
	if (n == 0 || n != len - 2 || n > 10 || (n > 1 && s[2] == '0'))
		return lerr(l, -EINVAL, "malformed AS number '%.*s' (expected AS and 1 to 4294967295)",
			    (int)(len > 40 ? 40 : len), s);
	for (size_t i = 2; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (v == 0 || v > UINT32_MAX)
		return lerr(l, -EINVAL, "AS number '%.*s' is outside 1 to 4294967295", (int)len, s);
	sl_mmdb_asn_addr((uint32_t)v, a);
	*plen = 128;
	return 0;
}

/* "AS..." rather than an address ('s' is no hex digit, so "a::1" is not). */
static bool is_asn_text(const char *s, size_t len)
{
	return len > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's');
}

static int parse_cidr(struct load *l, const char *s, size_t len, uint8_t a[16], unsigned *plen)
{
	char text[64];
	struct sl_cidr c;
	if (len == 0)
		return lerr(l, -EINVAL, "missing CIDR");
	if (is_asn_text(s, len))
		return parse_asn(l, s, len, a, plen);
	if (len >= sizeof(text))
		return lerr(l, -EINVAL, "malformed CIDR '%.40s...'", s);
	memcpy(text, s, len);
	text[len] = '\0';
	if (sl_cidr_parse(text, &c) < 0)
		return cidr_error(l, text);
	memset(a, 0, 16);
	if (c.addr.family == 4) {
		memcpy(a + 12, c.addr.b, 4);
		*plen = 96u + c.prefix;
		return 0;
	}
	memcpy(a, c.addr.b, 16);
	*plen = c.prefix;
	return fold_alias(l, a, plen, text);
}

/* Decimal digits from s[i]; returns how many. */
static size_t digits(const char *s, size_t len, size_t i)
{
	size_t n = 0;
	while (i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
		n++;
	return n;
}

/* Shape of a number: 1 integer, 2 decimal, 0 neither.  A leading zero
 * ("007", a postcode) keeps the text a string so nothing is lost. */
static int number_shape(const char *s, size_t len)
{
	size_t i = s[0] == '-', d = digits(s, len, i);
	if (d == 0 || (d > 1 && s[i] == '0'))
		return 0;
	i += d;
	if (i == len)
		return 1;
	if (s[i] == '.') {
		size_t f = digits(s, len, i + 1);
		if (f == 0)
			return 0;
		i += 1 + f;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i += (i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-')) ? 2 : 1;
		size_t e = digits(s, len, i);
		if (e == 0)
			return 0;
		i += e;
	}
	return i == len ? 2 : 0;
}

static int parse_number(struct load *l, const char *s, size_t len, int shape,
			struct mb_kv *kv, uint8_t *cls)
{
	char buf[64];
	if (len >= sizeof(buf))
		return lerr(l, -ERANGE, "number '%.20s...' out of range", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	if (shape == 2) {
		double d = strtod(buf, NULL);
		if (!isfinite(d))
			return lerr(l, -ERANGE, "number '%s' out of range", buf);
		memcpy(&kv->v, &d, sizeof(d));
		kv->type = MB_T_DOUBLE;
		*cls = MB_C_DOUBLE;
		return 0;
	}
	*cls = MB_C_INT;
	if (buf[0] == '-') {
		long long v = strtoll(buf, NULL, 10);
		if (errno || v < INT32_MIN)
			return lerr(l, -ERANGE, "integer '%s' below the int32 range", buf);
		kv->type = MB_T_I32;
		kv->v = (uint64_t)(uint32_t)(int32_t)v;
		return 0;
	}
	unsigned long long v = strtoull(buf, NULL, 10);
	if (errno)
		return lerr(l, -ERANGE, "integer '%s' above the uint64 range", buf);
	kv->type = v <= UINT32_MAX ? MB_T_U32 : MB_T_U64;
	kv->v = v;
	return 0;
}

/* true/false, integer, decimal, otherwise a UTF-8 string. */
static int parse_value(struct load *l, const char *s, size_t len,
		       struct mb_kv *kv, uint8_t *cls)
{
	if ((len == 4 && memcmp(s, "true", 4) == 0) || (len == 5 && memcmp(s, "false", 5) == 0)) {
		kv->type = MB_T_BOOL;
		kv->v = len == 4;
		*cls = MB_C_BOOL;
		return 0;
	}
	int shape = len ? number_shape(s, len) : 0;
	if (shape)
		return parse_number(l, s, len, shape, kv, cls);
	if (!mb_utf8_valid(s, len))
		return lerr(l, -EINVAL, "value is not valid UTF-8");
	uint32_t id;
	if (mb_str_intern(&l->b->strs, s, len, &id) < 0)
		return lerr(l, -ENOMEM, "out of memory");
	kv->type = MB_T_STR;
	kv->v = id;
	*cls = MB_C_STR;
	return 0;
}

/* Keys are dotted paths of non-empty components without control bytes. */
static int check_key(struct load *l, const char *k, size_t len)
{
	if (len == 0)
		return lerr(l, -EINVAL, "empty key");
	unsigned comps = 1;
	for (size_t i = 0; i < len; i++) {
		if ((uint8_t)k[i] < 0x20 || k[i] == 0x7f)
			return lerr(l, -EINVAL, "control character in key");
		if (k[i] == '.' && (i == 0 || i + 1 == len || k[i + 1] == '.'))
			return lerr(l, -EINVAL, "empty component in key '%.*s'", (int)len, k);
		comps += k[i] == '.';
	}
	if (comps > MB_MAX_KEY_DEPTH)
		return lerr(l, -EINVAL, "key nested deeper than %d levels", MB_MAX_KEY_DEPTH);
	if (!mb_utf8_valid(k, len))
		return lerr(l, -EINVAL, "key is not valid UTF-8");
	if (len >= 5 && memcmp(k, "lists", 5) == 0 && (len == 5 || k[5] == '.'))
		return lerr(l, -EINVAL, "key 'lists' is reserved for the list names");
	if (len >= 8 && memcmp(k, "as_lists", 8) == 0 && (len == 8 || k[8] == '.'))
		return lerr(l, -EINVAL, "key 'as_lists' is reserved for the lists an AS line adds");
	return 0;
}

static const char *cls_name(uint8_t cls)
{
	static const char *const names[] = {"nothing", "a boolean", "an integer",
					    "a decimal", "a string", "a map"};
	return names[cls < ARRAY_SIZE(names) ? cls : 0];
}

/* Integers and decimals mix into decimals (latitude=38 next to 37.5):
 * convert this list's earlier integers of the key. */
static void promote_to_double(struct load *l, uint32_t key)
{
	for (size_t i = l->file_kv_start; i < l->b->n_kvs; i++) {
		struct mb_kv *kv = &l->b->kvs[i];
		if (kv->key != key || kv->type == MB_T_DOUBLE)
			continue;
		double d = kv->type == MB_T_I32 ? (double)(int32_t)(uint32_t)kv->v : (double)kv->v;
		memcpy(&kv->v, &d, sizeof(d));
		kv->type = MB_T_DOUBLE;
	}
}

/* One type per key within a list, so readers see a stable schema; a key
 * that is a map ("country" of "country.iso_code") cannot also be a value. */
static int check_class(struct load *l, struct mb_kv *kv, uint8_t cls)
{
	struct mb_key *k = &l->b->keys[kv->key];
	const char *name = mb_str(&l->b->keynames, kv->key);
	if (k->cls_file != l->file) {
		k->cls_file = l->file;
		k->cls = cls;
	} else if (k->cls == MB_C_INT && cls == MB_C_DOUBLE) {
		k->cls = MB_C_DOUBLE;
		promote_to_double(l, kv->key);
	} else if (k->cls == MB_C_DOUBLE && cls == MB_C_INT) {
		double d = kv->type == MB_T_I32 ? (double)(int32_t)(uint32_t)kv->v : (double)kv->v;
		memcpy(&kv->v, &d, sizeof(d));
		kv->type = MB_T_DOUBLE;
	} else if (k->cls != cls) {
		return lerr(l, -EINVAL, "key '%s' is %s here but %s earlier in this list",
			    name, cls_name(cls), cls_name(k->cls));
	}
	for (uint32_t p = k->parent; p != MB_NONE; p = l->b->keys[p].parent) {
		struct mb_key *pk = &l->b->keys[p];
		if (pk->cls_file == l->file && pk->cls != MB_C_MAP)
			return lerr(l, -EINVAL, "key '%s' is a map here but %s earlier in this list",
				    mb_str(&l->b->keynames, p), cls_name(pk->cls));
		pk->cls_file = l->file;
		pk->cls = MB_C_MAP;
	}
	return 0;
}

/* Add one key=value to the line: type it, check the list schema and that
 * the line does not name the key (or a parent or child of it) twice. */
static int add_kv(struct load *l, const char *k, size_t klen, const char *v,
		  size_t vlen, bool force_string)
{
	struct mb_kv kv = {0};
	uint8_t cls = MB_C_STR;
	int rc = check_key(l, k, klen);
	if (rc < 0)
		return rc;
	if (mb_key_intern(l->b, k, klen, &kv.key) < 0)
		return lerr(l, -ENOMEM, "out of memory");
	for (size_t i = l->line_kv_start; i < l->b->n_kvs; i++) {
		uint32_t other = l->b->kvs[i].key;
		if (mb_keys_conflict(l->b, other, kv.key))
			return lerr(l, -EINVAL, "key '%.*s' clashes with '%s' on the same line",
				    (int)klen, k, mb_str(&l->b->keynames, other));
	}
	if (force_string) {
		uint32_t id;
		if (!mb_utf8_valid(v, vlen))
			return lerr(l, -EINVAL, "text is not valid UTF-8");
		if (mb_str_intern(&l->b->strs, v, vlen, &id) < 0)
			return lerr(l, -ENOMEM, "out of memory");
		kv.type = MB_T_STR;
		kv.v = id;
	} else if ((rc = parse_value(l, v, vlen, &kv, &cls)) < 0) {
		return rc;
	}
	if ((rc = check_class(l, &kv, cls)) < 0)
		return rc;
	return mb_kv_push(l->b, &kv) < 0 ? lerr(l, -ENOMEM, "too many values") : 0;
}

/* Fields after the label: key=value, or free text as `note` in the third
 * column (the DESIGN's `cidr,label,note` form).  Empty fields are ignored
 * so trailing commas are harmless. */
static int add_extra(struct load *l, const char *f, size_t len, size_t col)
{
	trim(&f, &len);
	if (len == 0)
		return 0;
	const char *eq = memchr(f, '=', len);
	if (!eq) {
		if (col == 2)
			return add_kv(l, "note", 4, f, len, true);
		return lerr(l, -EINVAL, "expected key=value, got '%.*s'", (int)(len > 40 ? 40 : len), f);
	}
	const char *k = f, *v = eq + 1;
	size_t klen = (size_t)(eq - f), vlen = len - klen - 1;
	trim(&k, &klen);
	trim(&v, &vlen);
	if (vlen >= 2 && v[0] == '\'' && v[vlen - 1] == '\'')
		return add_kv(l, k, klen, v + 1, vlen - 2, true); /* 'text' stays text */
	return add_kv(l, k, klen, v, vlen, false);
}

/* Remember an AS line (its number is in the low 32 bits of its address)
 * for resolving and for the metadata. */
static int add_asref(struct mb *b, uint32_t list, const uint8_t a[16], uint32_t kv_off,
		     uint32_t kv_n)
{
	if (mb_grow(&b->asrefs, &b->asrefs_cap, b->n_asrefs + 1, sizeof(*b->asrefs)) < 0)
		return -ENOMEM;
	uint32_t asn = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
	b->asrefs[b->n_asrefs++] = (struct mb_asref){asn, list, kv_off, kv_n, 0};
	return 0;
}

static int load_record(struct load *l, const struct sl_csv_record *r, bool first)
{
	const char *f0 = r->fields[0], *lab = r->n_fields > 1 ? r->fields[1] : "";
	size_t n0 = r->lens[0], nlab = r->n_fields > 1 ? r->lens[1] : 0;
	uint8_t addr[16];
	unsigned plen = 0;
	trim(&f0, &n0);
	trim(&lab, &nlab);
	if (r->n_fields == 1 && n0 == 0)
		return 0; /* whitespace-only line */
	if (first && n0 == 4 && strncasecmp(f0, "cidr", 4) == 0)
		return 0; /* header */
	int rc = parse_cidr(l, f0, n0, addr, &plen);
	if (rc < 0)
		return rc;
	if (nlab == 0)
		return lerr(l, -EINVAL, "missing label (lines are cidr,label[,key=value...])");
	l->line_kv_start = l->b->n_kvs;
	rc = add_kv(l, "label", 5, lab, nlab, true);
	for (size_t i = 2; i < r->n_fields && rc == 0; i++)
		rc = add_extra(l, r->fields[i], r->lens[i], i);
	if (rc < 0)
		return rc;
	uint32_t kv_off = (uint32_t)l->line_kv_start, kv_n = (uint32_t)(l->b->n_kvs - kv_off);
	rc = mb_add(l->b, l->list, addr, plen, kv_off, kv_n);
	if (rc == 0 && is_asn_text(f0, n0))
		rc = add_asref(l->b, l->list, addr, kv_off, kv_n);
	return rc < 0 ? lerr(l, rc, "cannot add prefix: %s", strerror(-rc)) : 0;
}

int mb_load_csv(struct mb *b, struct sl_csv *csv, const char *name,
		size_t name_len, uint32_t file, char *err, size_t errlen)
{
	struct load l = {.b = b, .name = sl_csv_name(csv), .file = file,
			 .file_kv_start = b->n_kvs, .err = err, .errlen = errlen};
	struct sl_csv_record r;
	bool first = true;
	int rc;
	if (mb_list_add(b, name, name_len, &l.list) < 0)
		return lerr(&l, -ENOMEM, "out of memory");
	while ((rc = sl_csv_next(csv, &r, err, errlen)) > 0) {
		l.line = r.line;
		rc = load_record(&l, &r, first);
		if (rc < 0)
			return rc;
		first = false;
	}
	return rc;
}
