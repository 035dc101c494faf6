/* TZif reader (RFC 8536, versions 1, 2 and 3): the transition table and
 * its time types are loaded once; the offset at a moment is a binary search,
 * and past the last transition the footer's POSIX rule decides. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/tz.h"

#define TZIF_MAX (1u << 20)      /* real zone files are a few KiB */
#define TZ_COUNT_MAX 65536u      /* per table; the IANA data has < 300 transitions */

struct sl_tz {
	char name[SL_TZ_NAME_MAX];
	uint32_t n_trans, n_types;
	int64_t *trans;          /* transition times, ascending */
	uint8_t *trans_type;     /* time type of each transition */
	int32_t *type_off;       /* UT offset of each time type */
	bool has_rule;
	struct sl_tz_rule rule;  /* footer, for times past the last transition */
};

/* The six counts of a TZif header (RFC 8536 3.1). */
struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static int fail(char *err, size_t errlen, const char *name, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "time zone '%s': %s", name, what);
	return -EINVAL;
}

static bool read_header(struct sl_cursor *c, uint8_t *version, struct tzif_counts *n)
{
	const uint8_t *magic;
	if (!sl_rd_bytes(c, 4, &magic) || memcmp(magic, "TZif", 4) != 0 || !sl_rd_u8(c, version) ||
	    !sl_rd_skip(c, 15))
		return false;
	uint32_t *v[] = { &n->isut, &n->isstd, &n->leap, &n->time, &n->type, &n->chars };
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (!sl_rd_be32(c, v[i]))
			return false;
	return n->type >= 1 && n->time <= TZ_COUNT_MAX && n->type <= 256 &&
	       n->leap <= TZ_COUNT_MAX && (n->isut == 0 || n->isut == n->type) &&
	       (n->isstd == 0 || n->isstd == n->type) && n->chars >= 1;
}

/* Bytes of the data block that follows a header, for times of tsize bytes. */
static size_t block_len(const struct tzif_counts *n, size_t tsize)
{
	return (size_t)n->time * tsize + n->time + (size_t)n->type * 6 + n->chars +
	       (size_t)n->leap * (tsize + 4) + n->isstd + n->isut;
}

/* Read one data block into tz (times are tsize bytes: 4 in v1, 8 after). */
static bool read_block(struct sl_cursor *c, const struct tzif_counts *n, size_t tsize,
		       struct sl_tz *tz)
{
	tz->n_trans = n->time;
	tz->n_types = n->type;
	tz->trans = calloc(n->time + 1, sizeof(*tz->trans));
	tz->trans_type = calloc(n->time + 1, 1);
	tz->type_off = calloc(n->type, sizeof(*tz->type_off));
	if (!tz->trans || !tz->trans_type || !tz->type_off)
		return false;
	for (uint32_t i = 0; i < n->time; i++) {
		uint32_t hi = 0, lo;
		if ((tsize == 8 && !sl_rd_be32(c, &hi)) || !sl_rd_be32(c, &lo))
			return false;
		uint64_t raw = (uint64_t)hi << 32 | lo;
		tz->trans[i] = tsize == 8 ? (int64_t)raw : (int64_t)(int32_t)lo;
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
			return false; /* must ascend */
	}
	for (uint32_t i = 0; i < n->time; i++)
		if (!sl_rd_u8(c, &tz->trans_type[i]) || tz->trans_type[i] >= n->type)
			return false;
	for (uint32_t i = 0; i < n->type; i++) {
		uint32_t off;
		uint8_t isdst, idx;
		if (!sl_rd_be32(c, &off) || !sl_rd_u8(c, &isdst) || !sl_rd_u8(c, &idx) ||
		    idx >= n->chars || (int32_t)off == INT32_MIN)
			return false;
		tz->type_off[i] = (int32_t)off;
	}
	return sl_rd_skip(c, n->chars + (size_t)n->leap * (tsize + 4) + n->isstd + n->isut);
}

/* The footer: "\n" TZ-string "\n" (an empty string means no rule). */
static bool read_footer(struct sl_cursor *c, struct sl_tz *tz)
{
	uint8_t nl;
	if (!sl_rd_u8(c, &nl) || nl != '\n')
		return false;
	const uint8_t *start = c->p, *end = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!end || end - start > 127)
		return false;
	char s[128];
	memcpy(s, start, (size_t)(end - start));
	s[end - start] = '\0';
	if (s[0] == '\0')
		return true;
	tz->has_rule = sl_tz_rule_parse(s, &tz->rule) == 0;
	return tz->has_rule;
}

/*
 * Version 1 files hold 32-bit times only; version 2 and 3 repeat the data
 * with 64-bit times and add the footer, and readers must use that second
 * part (RFC 8536 4), skipping the first.
 */
int sl_tz_parse(const uint8_t *data, size_t len, const char *name, struct sl_tz **out,
		char *err, size_t errlen)
{
	struct sl_cursor c = sl_cursor_make(data, len);
	struct tzif_counts n;
	uint8_t version;
	if (!read_header(&c, &version, &n))
		return fail(err, errlen, name, "not a TZif file (bad header)");
	struct sl_tz *tz = calloc(1, sizeof(*tz));
	if (!tz)
		return -ENOMEM;
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	bool ok;
	if (version == 0) {
		ok = read_block(&c, &n, 4, tz);
	} else {
		ok = sl_rd_skip(&c, block_len(&n, 4)) && read_header(&c, &version, &n) &&
		     read_block(&c, &n, 8, tz) && read_footer(&c, tz);
	}
	if (!ok) {
		sl_tz_destroy(tz);
		return fail(err, errlen, name, "the TZif data is truncated or inconsistent");
	}
	*out = tz;
	return 0;
}

/* IANA names are ASCII paths below the zone directory; nothing else. */
static bool valid_name(const char *name)
{
	if (!name[0] || name[0] == '/' || strstr(name, "..") || strlen(name) >= SL_TZ_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '_' || *p == '+' || *p == '-'))
			return false;
	return true;
}

int sl_tz_load(const char *dir, const char *name, struct sl_tz **out, char *err, size_t errlen)
{
	char path[512];
	if (!valid_name(name))
		return fail(err, errlen, name,
			    "not an IANA time zone name; write one such as 'America/New_York'");
	if (!dir)
		dir = getenv("TZDIR");
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		int rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "time zone '%s': cannot open %.400s (%s); check the "
				 "spelling against the IANA list (e.g. 'Asia/Seoul') or install the "
				 "tzdata package", name, path, strerror(-rc));
		return rc;
	}
	uint8_t *buf = malloc(TZIF_MAX);
	size_t len = buf ? fread(buf, 1, TZIF_MAX, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	int rc = sl_tz_parse(buf, len, name, out, err, errlen);
	free(buf);
	return rc;
}

void sl_tz_destroy(struct sl_tz *tz)
{
	if (!tz)
		return;
	free(tz->trans);
	free(tz->trans_type);
	free(tz->type_off);
	free(tz);
}

const char *sl_tz_name(const struct sl_tz *tz)
{
	return tz->name;
}

/*
 * Before the first transition the first time type applies (RFC 8536 3.2);
 * at or after transition i, the type it names; past the last one the footer
 * rule when there is one.
 */
int32_t sl_tz_offset(const struct sl_tz *tz, int64_t t)
{
	if (tz->n_trans == 0 || t < tz->trans[0])
		return tz->has_rule && tz->n_trans == 0 ? sl_tz_rule_offset(&tz->rule, t)
							: tz->type_off[0];
	if (t >= tz->trans[tz->n_trans - 1] && tz->has_rule)
		return sl_tz_rule_offset(&tz->rule, t);
	uint32_t lo = 0, hi = tz->n_trans; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->type_off[tz->trans_type[lo]];
}
