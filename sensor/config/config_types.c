/* The parser and writer of each configuration value type (sl_cfg_types[]):
 * numbers, booleans, text, CIDR lists, names and decimals, as the key table
 * (config_table.c) declares them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"

const char *sl_cfg_excerpt(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);
	if (n <= 60)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%.57s...", text);
	return buf;
}

/*
 * Decimal digits only: no sign, no 0x, no leading zero (YAML 1.1 would read
 * 010 as octal, and guessing either way surprises someone).  Overflow of the
 * accumulator is reported as "above the maximum" since that is what it is.
 */
static int parse_number(const struct sl_cfg_key *k, const char *text, uint32_t *out,
			char *why, size_t whylen)
{
	char ex[64];
	uint64_t v = 0;
	bool overflow = false;
	size_t n = strspn(text, "0123456789");
	if (n == 0 || text[n] != '\0' || (text[0] == '0' && n > 1)) {
		snprintf(why, whylen, "expected a whole number%s%s%s, got '%s'",
			 *k->unit ? " (" : "", k->unit, *k->unit ? ")" : "",
			 sl_cfg_excerpt(text, ex, sizeof(ex)));
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !overflow; i++) {
		v = v * 10 + (uint64_t)(text[i] - '0');
		overflow = v > UINT32_MAX;
	}
	if (!overflow && v < k->min) {
		snprintf(why, whylen, "%s is below the minimum %u", text, k->min);
		return -EINVAL;
	}
	if (overflow || v > k->max) {
		snprintf(why, whylen, "%s is above the maximum %u",
			 sl_cfg_excerpt(text, ex, sizeof(ex)), k->max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_u16(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		     char *why, size_t whylen)
{
	uint32_t v;
	(void)plain;
	if (parse_number(k, text, &v, why, whylen) < 0)
		return -EINVAL;
	*(uint16_t *)dst = (uint16_t)v; /* table max is <= 65535 */
	return 0;
}

static int parse_u32(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		     char *why, size_t whylen)
{
	(void)plain;
	return parse_number(k, text, dst, why, whylen);
}

static int parse_bool(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		      char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char ex[64];
	(void)k;
	(void)plain;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*(bool *)dst = strcasecmp(text, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(why, whylen, "expected true or false, got '%s'",
		 sl_cfg_excerpt(text, ex, sizeof(ex)));
	return -EINVAL;
}

/*
 * Decode one UTF-8 sequence of s (n bytes left): returns its length and the
 * code point, or 0 when it is not well-formed (overlong, surrogate, above
 * U+10FFFF, cut short).  Strings must be UTF-8 because YAML files are.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min_cp[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters the dump writes as escapes: YAML would refuse them raw (C1
 * controls, non-characters) or fold them as line breaks (NEL, LS, PS). */
static bool needs_escape(uint32_t c)
{
	return c == '\t' || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       c == 0xfeff || c == 0xfffe || c == 0xffff;
}

/*
 * Strings: an unquoted "~" or nothing means empty, stored as NULL.  Control
 * characters (other than tab) are refused: no path or filter needs them and
 * they would hide in messages.  The text must be UTF-8 so the dump is a valid
 * YAML file.
 */
static int parse_string(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
			char *why, size_t whylen)
{
	char **field = dst;
	size_t n = strlen(text), len;
	uint32_t c;
	if (plain && strcmp(text, "~") == 0)
		n = 0;
	if (n < k->min) {
		snprintf(why, whylen, "%s", "must not be empty");
		return -EINVAL;
	}
	if (n > k->max) {
		snprintf(why, whylen, "is %zu bytes long, more than the maximum %u", n, k->max);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i += len) {
		len = utf8_next((const unsigned char *)text + i, n - i, &c);
		if (len == 0) {
			snprintf(why, whylen, "is not valid UTF-8 text (byte %zu)", i + 1);
			return -EINVAL;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "contains a control character (byte %zu)", i + 1);
			return -EINVAL;
		}
	}
	free(*field);
	*field = n ? sl_xstrdup(text) : NULL;
	return 0;
}

/* Zero the host bits of a copy of a, for the "did you mean" of a CIDR typo. */
static struct sl_addr network_of(struct sl_addr a, unsigned prefix)
{
	for (unsigned i = 0; i < sl_addr_len(&a); i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		a.b[i] &= keep ? (uint8_t)(0xff << (8 - keep)) : 0;
	}
	return a;
}

/*
 * sl_cidr_parse() says only yes or no; an analyst needs to know which part is
 * wrong, so on failure take the text apart again and name the part.
 */
static void explain_cidr(const char *text, char *why, size_t whylen)
{
	char addr[64], ex[64], net[SL_ADDR_STRLEN];
	struct sl_addr a;
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	sl_cfg_excerpt(text, ex, sizeof(ex));
	if (alen < sizeof(addr)) {
		memcpy(addr, text, alen);
		addr[alen] = '\0';
	}
	if (alen >= sizeof(addr) || sl_addr_parse(addr, &a) < 0 || !slash) {
		snprintf(why, whylen, "'%s' is not an IP address or CIDR prefix", ex);
		return;
	}
	unsigned max = sl_addr_len(&a) * 8;
	char *end;
	unsigned long prefix = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || prefix > max) {
		snprintf(why, whylen, "'%s' has a bad prefix length (expected 0 to %u)", ex, max);
		return;
	}
	struct sl_addr n = network_of(a, (unsigned)prefix);
	snprintf(why, whylen,
		 "'%s' is not a CIDR prefix (host bits set; the network is %s/%lu)", ex,
		 sl_addr_format(&n, net, sizeof(net)), prefix);
}

static int parse_cidr(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		      char *why, size_t whylen)
{
	(void)k;
	(void)plain;
	if (sl_cidr_parse(text, dst) == 0)
		return 0;
	explain_cidr(text, why, whylen);
	return -EINVAL;
}

static void format_u16(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fprintf(out, "%u", (unsigned)*(const uint16_t *)src);
}

static void format_u32(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fprintf(out, "%u", (unsigned)*(const uint32_t *)src);
}

static void format_bool(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fputs(*(const bool *)src ? "true" : "false", out);
}

/* Double-quoted YAML.  parse_string() admitted only well-formed UTF-8
 * without C0 controls, so besides '"' and '\\' only needs_escape() code
 * points are written as escapes; everything else goes out as is. */
static void format_string(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	const char *s = *(char *const *)src;
	size_t n = s ? strlen(s) : 0, len;
	uint32_t c;
	(void)k;
	fputc('"', out);
	for (size_t i = 0; i < n; i += len) {
		len = utf8_next((const unsigned char *)s + i, n - i, &c);
		if (len == 0)
			break; /* not reachable: parse_string() checked */
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (char)c);
		else if (needs_escape(c))
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			fwrite(s + i, 1, len, out);
	}
	fputc('"', out);
}

static void format_cidr(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	const struct sl_cidr *c = src;
	char buf[SL_ADDR_STRLEN];
	(void)k;
	fprintf(out, "%s/%u", sl_addr_format(&c->addr, buf, sizeof(buf)), c->prefix);
}

/* One of the key's choices, exactly (names are lower case already). */
static int parse_enum(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		      char *why, size_t whylen)
{
	char ex[64];
	size_t used = 0;
	(void)plain;
	for (uint32_t i = 0; k->choices[i]; i++)
		if (strcmp(text, k->choices[i]) == 0) {
			*(uint32_t *)dst = i;
			return 0;
		}
	used = (size_t)snprintf(why, whylen, "expected one of");
	for (uint32_t i = 0; k->choices[i] && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s %s", i ? "," : "",
					 k->choices[i]);
	if (used < whylen)
		snprintf(why + used, whylen - used, ", got '%s'", sl_cfg_excerpt(text, ex, sizeof(ex)));
	return -EINVAL;
}

static void format_enum(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	fputs(k->choices[*(const uint32_t *)src], out);
}

/*
 * Plain decimal with an optional sign and fraction ("-33.87"); no
 * exponents, hex, inf or nan, which no coordinate needs.  Unquoted "~" or
 * nothing means unset (NAN).
 */
static int parse_double(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
			char *why, size_t whylen)
{
	char ex[64], *end;
	const char *p = text + (*text == '-' || *text == '+');
	size_t ip = strspn(p, "0123456789"), fp = p[ip] == '.' ? strspn(p + ip + 1, "0123456789") : 0;
	if (*text == '\0' || (plain && strcmp(text, "~") == 0)) {
		*(double *)dst = NAN;
		return 0;
	}
	bool shape = (ip || fp) && p[ip + (p[ip] == '.') + fp] == '\0';
	double v = shape ? strtod(text, &end) : 0;
	if (!shape || *end) {
		snprintf(why, whylen, "expected a decimal number (%s), got '%s'", k->unit,
			 sl_cfg_excerpt(text, ex, sizeof(ex)));
		return -EINVAL;
	}
	if (!(v >= k->dmin && v <= k->dmax)) {
		snprintf(why, whylen, "%s is outside %g..%g", sl_cfg_excerpt(text, ex, sizeof(ex)),
			 k->dmin, k->dmax);
		return -EINVAL;
	}
	*(double *)dst = v;
	return 0;
}

/* The shortest text that reads back to the same double (15 digits when
 * they suffice, so 37.7749 stays 37.7749); "~" when unset. */
static void format_double(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	double v = *(const double *)src;
	char buf[40];
	(void)k;
	if (isnan(v)) {
		fputs("~", out);
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, out);
}

static void release_string(void *field)
{
	char **s = field;
	free(*s);
	*s = NULL;
}

const struct sl_cfg_type_ops sl_cfg_types[SL_CFG__NTYPES] = {
	[SL_CFG_U16] = { "whole number", 0, parse_u16, format_u16, NULL },
	[SL_CFG_U32] = { "whole number", 0, parse_u32, format_u32, NULL },
	[SL_CFG_BOOL] = { "true or false", 0, parse_bool, format_bool, NULL },
	[SL_CFG_STRING] = { "text", 0, parse_string, format_string, release_string },
	[SL_CFG_CIDR_LIST] = { "list of CIDR prefixes", sizeof(struct sl_cidr), parse_cidr,
			       format_cidr, NULL },
	[SL_CFG_ENUM] = { "name", 0, parse_enum, format_enum, NULL },
	[SL_CFG_DOUBLE] = { "decimal number", 0, parse_double, format_double, NULL },
	/* Entries are walked key by key (config_yaml.c, config.c); the whole
	 * list has no text form. */
	[SL_CFG_MAP_LIST] = { "list of maps", 0, NULL, NULL, NULL },
};
