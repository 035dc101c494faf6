/* One address through every database: libmaxminddb lookups, values read
 * by path and converted whatever their stored type (numbers as text, "AS174",
 * 0/1 flags), merged first-found-wins, intel lists unioned, including the
 * lists that name the address's AS number. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geo_priv.h"
#include "sightline/mmdb_build.h"

enum kind { K_STR, K_DOUBLE, K_U32, K_BOOL, K_LIST };

/* Where each field lands in struct sl_geo_result and how it is read. */
struct slot {
	uint8_t kind;
	uint16_t off, size;
};

#define STR_SLOT(m) { K_STR, offsetof(struct sl_geo_result, m), sizeof(((struct sl_geo_result *)0)->m) }
#define NUM_SLOT(k, m) { k, offsetof(struct sl_geo_result, m), 0 }

static const struct slot slots[SL_GEO__NFIELDS] = {
	[SL_GEO_COUNTRY] = STR_SLOT(country),
	[SL_GEO_COUNTRY_NAME] = STR_SLOT(country_name),
	[SL_GEO_REGISTERED_COUNTRY] = STR_SLOT(registered_country),
	[SL_GEO_CITY] = STR_SLOT(city),
	[SL_GEO_LAT] = NUM_SLOT(K_DOUBLE, lat),
	[SL_GEO_LON] = NUM_SLOT(K_DOUBLE, lon),
	[SL_GEO_ACCURACY_KM] = NUM_SLOT(K_U32, accuracy_km),
	[SL_GEO_TIMEZONE] = STR_SLOT(timezone),
	[SL_GEO_ASN] = NUM_SLOT(K_U32, asn),
	[SL_GEO_AS_ORG] = STR_SLOT(as_org),
	[SL_GEO_AS_DOMAIN] = STR_SLOT(as_domain),
	[SL_GEO_ISP] = STR_SLOT(isp),
	[SL_GEO_CONNECTION_TYPE] = STR_SLOT(connection_type),
	[SL_GEO_ANON_ANY] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_VPN] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_HOSTING] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_PROXY] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_RESIDENTIAL_PROXY] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_TOR] = { K_BOOL, 0, 0 },
	[SL_GEO_ANON_PROVIDER] = STR_SLOT(provider),
	[SL_GEO_ANON_CONFIDENCE] = NUM_SLOT(K_U32, confidence),
	[SL_GEO_ANON_LAST_SEEN] = STR_SLOT(last_seen),
	[SL_GEO_INTEL] = { K_LIST, 0, 0 },
};

/* Copy at most size-1 bytes of a UTF-8 string, never splitting a character. */
static void copy_utf8(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A stored text that is a whole number ("174", "AS174") or decimal ("38.5"). */
static bool text_number(const MMDB_entry_data_s *d, bool allow_as, double *out)
{
	char buf[40], *end;
	const char *s = d->utf8_string;
	size_t n = d->data_size;
	if (allow_as && n > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2, n -= 2;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out) && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
}

static bool as_number(const MMDB_entry_data_s *d, bool allow_as, double *out)
{
	switch (d->type) {
	case MMDB_DATA_TYPE_DOUBLE: *out = d->double_value; return true;
	case MMDB_DATA_TYPE_FLOAT: *out = d->float_value; return true;
	case MMDB_DATA_TYPE_UINT16: *out = d->uint16; return true;
	case MMDB_DATA_TYPE_UINT32: *out = d->uint32; return true;
	case MMDB_DATA_TYPE_INT32: *out = d->int32; return true;
	case MMDB_DATA_TYPE_UINT64: *out = (double)d->uint64; return true;
	case MMDB_DATA_TYPE_UTF8_STRING: return text_number(d, allow_as, out);
	default: return false;
	}
}

static bool as_bool(const MMDB_entry_data_s *d, bool *out)
{
	double v;
	if (d->type == MMDB_DATA_TYPE_BOOLEAN) {
		*out = d->boolean;
		return true;
	}
	if (d->type == MMDB_DATA_TYPE_UTF8_STRING) {
		bool yes = d->data_size == 4 && strncasecmp(d->utf8_string, "true", 4) == 0;
		bool no = d->data_size == 5 && strncasecmp(d->utf8_string, "false", 5) == 0;
		if (yes || no) {
			*out = yes;
			return true;
		}
	}
	if (!as_number(d, false, &v))
		return false;
	*out = v != 0;
	return true;
}

/* Add one list name unless it is already there or the list is full. */
static void add_intel(struct sl_geo_result *out, const char *s, size_t n)
{
	char name[SL_GEO_LIST_NAME] = { 0 }; /* whole: results compare byte for byte */
	copy_utf8(name, sizeof(name), s, n);
	sl_geo_add_intel(out, name);
}

bool sl_geo_add_intel(struct sl_geo_result *out, const char *name)
{
	for (unsigned i = 0; i < out->n_intel; i++)
		if (strcmp(out->intel[i], name) == 0)
			return false;
	if (out->n_intel >= SL_GEO_INTEL_MAX)
		return false;
	memcpy(out->intel[out->n_intel++], name, SL_GEO_LIST_NAME);
	return true;
}

/* An array of names (our `lists`), read element by element from the
 * array itself so nothing is allocated; a single string counts as a
 * one-name list. */
static bool read_list(const MMDB_s *mmdb, const MMDB_entry_data_s *d, struct sl_geo_result *out)
{
	static const char *const index[SL_GEO_INTEL_MAX][2] = {
		{ "0" }, { "1" }, { "2" }, { "3" }, { "4" }, { "5" }, { "6" }, { "7" },
	};
	MMDB_entry_s array = { .mmdb = mmdb, .offset = d->offset };
	if (d->type == MMDB_DATA_TYPE_UTF8_STRING) {
		add_intel(out, d->utf8_string, d->data_size);
		return true;
	}
	if (d->type != MMDB_DATA_TYPE_ARRAY)
		return false;
	for (uint32_t i = 0; i < d->data_size && i < SL_GEO_INTEL_MAX; i++) {
		MMDB_entry_data_s e;
		if (MMDB_aget_value(&array, &e, index[i]) == MMDB_SUCCESS && e.has_data &&
		    e.type == MMDB_DATA_TYPE_UTF8_STRING)
			add_intel(out, e.utf8_string, e.data_size);
	}
	return true;
}

/* Store value d of field f; false when its type or range does not fit. */
static bool store(enum sl_geo_field f, const MMDB_s *mmdb, const MMDB_entry_data_s *d,
		  struct sl_geo_result *out)
{
	const struct slot *s = &slots[f];
	double v;
	bool b;
	switch (s->kind) {
	case K_STR:
		if (d->type != MMDB_DATA_TYPE_UTF8_STRING || d->data_size == 0)
			return false;
		copy_utf8((char *)out + s->off, s->size, d->utf8_string, d->data_size);
		return true;
	case K_DOUBLE:
		if (!as_number(d, false, &v) || fabs(v) > (f == SL_GEO_LAT ? 90 : 180))
			return false;
		*(double *)((char *)out + s->off) = v;
		return true;
	case K_U32:
		if (!as_number(d, f == SL_GEO_ASN, &v) || v < 0 || v > UINT32_MAX)
			return false;
		*(uint32_t *)((char *)out + s->off) = (uint32_t)v;
		return true;
	case K_BOOL:
		if (!as_bool(d, &b))
			return false;
		out->flags = (out->flags & ~(1u << f)) | (uint32_t)b << f;
		return true;
	default:
		return read_list(mmdb, d, out);
	}
}

/* The first-level map named `name` of the record, found once per record. */
static const MMDB_entry_s *parent(struct geo_record *rec, const char *name)
{
	const char *path[2] = { name, NULL };
	MMDB_entry_data_s d;
	for (unsigned i = 0; i < rec->n; i++)
		if (strcmp(rec->name[i], name) == 0)
			return rec->found[i] ? &rec->sub[i] : NULL;
	bool found = MMDB_aget_value(&rec->entry, &d, path) == MMDB_SUCCESS && d.has_data &&
		     d.type == MMDB_DATA_TYPE_MAP;
	MMDB_entry_s sub = { .mmdb = rec->entry.mmdb, .offset = d.offset };
	if (rec->n < GEO_PARENTS) {
		rec->name[rec->n] = name;
		rec->sub[rec->n] = sub;
		rec->found[rec->n++] = found;
		return found ? &rec->sub[rec->n - 1] : NULL;
	}
	return NULL; /* more first-level maps than kept: the caller reads from the top */
}

/* The value at path p of the record: one-part paths from the top, longer
 * ones from inside their first-level map. */
static bool value_at(struct geo_record *rec, const struct geo_path *p, MMDB_entry_data_s *d)
{
	const MMDB_entry_s *start = &rec->entry;
	const char *const *parts = p->parts;
	if (parts[1]) {
		const MMDB_entry_s *sub = parent(rec, parts[0]);
		if (!sub && rec->n < GEO_PARENTS)
			return false;
		if (sub) {
			start = sub;
			parts++;
		}
	}
	return MMDB_aget_value((MMDB_entry_s *)start, d, parts) == MMDB_SUCCESS && d->has_data;
}

bool sl_geo_read_field(const struct geo_db *db, struct geo_record *rec, enum sl_geo_field f,
		       struct sl_geo_result *out)
{
	for (uint8_t a = 0; a < db->npaths[f]; a++) {
		MMDB_entry_data_s d;
		if (!value_at(rec, &db->paths[f][a], &d))
			continue;
		if (store(f, &db->mmdb, &d, out)) {
			out->have |= 1u << f;
			return true;
		}
	}
	return false;
}

/* An intel database's `as_lists` (mmdb build --asn): the lists this record
 * holds only through an AS line resolved into prefixes.  Those of them this
 * database added (index from `before` on) are marked AS-only in intel_as. */
static void mark_as_lists(const struct geo_db *db, struct geo_record *rec, unsigned before,
			  struct sl_geo_result *out)
{
	static const struct geo_path as_lists = { .parts = { "as_lists", NULL } };
	MMDB_entry_data_s d;
	struct sl_geo_result names = { 0 };
	if (db->schema != SL_GEO_SCHEMA_INTEL || !value_at(rec, &as_lists, &d) ||
	    !read_list(&db->mmdb, &d, &names))
		return;
	for (unsigned i = 0; i < names.n_intel; i++)
		for (unsigned k = before; k < out->n_intel; k++)
			if (strcmp(out->intel[k], names.intel[i]) == 0)
				out->intel_as |= (uint8_t)(1u << k);
}

uint32_t sl_geo_fields_wanted(const struct geo_db *db, const struct sl_geo_result *out)
{
	uint32_t want = 0;
	for (int f = 0; f < SL_GEO__NFIELDS; f++)
		if (db->npaths[f] && (f == SL_GEO_INTEL || !(out->have >> f & 1u)))
			want |= 1u << f;
	return want;
}

void sl_geo_merge_record(const struct geo_db *db, MMDB_entry_s entry, uint32_t want,
			 struct sl_geo_result *out)
{
	struct geo_record rec;
	sl_geo_record_init(&rec, entry);
	unsigned before = out->n_intel;
	for (int f = 0; f < SL_GEO__NFIELDS; f++)
		if (want >> f & 1u)
			sl_geo_read_field(db, &rec, (enum sl_geo_field)f, out);
	mark_as_lists(db, &rec, before, out);
}

/*
 * A record's part, read into an empty result with the fields `want`, merged
 * into out as reading the record into out does: a field is set exactly when
 * the direct read would set it (want held only fields out lacked, and one
 * field's read never depends on another's value); intel names are offered
 * in the order the direct read offered them, already without repeats, and
 * a name added is AS-only exactly when the record's as_lists named it.
 */
void sl_geo_apply_part(const struct sl_geo_result *p, struct sl_geo_result *out)
{
	for (int f = 0; f < SL_GEO__NFIELDS; f++) {
		const struct slot *s = &slots[f];
		if (!(p->have >> f & 1u))
			continue;
		out->have |= 1u << f;
		if (s->kind == K_STR)
			strcpy((char *)out + s->off, (const char *)p + s->off);
		else if (s->kind == K_DOUBLE)
			memcpy((char *)out + s->off, (const char *)p + s->off, sizeof(double));
		else if (s->kind == K_U32)
			memcpy((char *)out + s->off, (const char *)p + s->off, sizeof(uint32_t));
		else if (s->kind == K_BOOL)
			out->flags = (out->flags & ~(1u << f)) | (p->flags & (1u << f));
		else
			for (unsigned j = 0; j < p->n_intel; j++)
				if (sl_geo_add_intel(out, p->intel[j]) && (p->intel_as >> j & 1u))
					out->intel_as |= (uint8_t)(1u << (out->n_intel - 1));
	}
}

void sl_geo_merge_db(const struct geo_db *db, struct geo_memo *memo, const struct sockaddr *sa,
		     struct sl_geo_result *out)
{
	int mmdb_error = 0;
	MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db->mmdb, sa, &mmdb_error);
	if (mmdb_error != MMDB_SUCCESS || !res.found_entry)
		return; /* includes IPv6 asked of an IPv4-only database */
	uint32_t want = sl_geo_fields_wanted(db, out);
	if (memo)
		sl_geo_memo_merge(memo, db, res.entry, want, out);
	else
		sl_geo_merge_record(db, res.entry, want, out);
}

/* The socket address libmaxminddb takes; IPv4-mapped IPv6 becomes IPv4 so
 * IPv4-only databases (ip-location-db's) answer it too. */
static const struct sockaddr *to_sockaddr(const struct sl_addr *a, struct sockaddr_storage *ss)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4 || (a->family == 6 && memcmp(a->b, mapped, 12) == 0)) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->family == 4 ? a->b : a->b + 12, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->b, 16);
	}
	return (const struct sockaddr *)ss;
}

/* Intel lists may name AS numbers (mmdb_build.h): once the address's AS is
 * known, ask the intel databases for the AS's own address as well. */
static void merge_asn_lists(const struct sl_geo *g, struct geo_memo *memo,
			    struct sl_geo_result *out)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	sl_mmdb_asn_addr(out->asn, in6.sin6_addr.s6_addr);
	for (size_t i = 0; i < g->n; i++) {
		if (g->dbs[i].schema != SL_GEO_SCHEMA_INTEL)
			continue;
		uint32_t have = out->have;
		unsigned before = out->n_intel;
		sl_geo_merge_db(&g->dbs[i], memo, (const struct sockaddr *)&in6, out);
		out->have = have | (out->have & (1u << SL_GEO_INTEL));
		for (unsigned k = before; k < out->n_intel; k++) /* lists only the AS is on */
			out->intel_as |= (uint8_t)(1u << k);
	}
}

bool sl_geo_lookup_memo(const struct sl_geo *g, struct geo_memo *memo, const struct sl_addr *a,
			struct sl_geo_result *out)
{
	struct sockaddr_storage ss;
	memset(out, 0, sizeof(*out));
	if (a->family != 4 && a->family != 6)
		return false;
	const struct sockaddr *sa = to_sockaddr(a, &ss);
	for (size_t i = 0; i < g->n; i++)
		sl_geo_merge_db(&g->dbs[i], memo, sa, out);
	if (out->have >> SL_GEO_ASN & 1u)
		merge_asn_lists(g, memo, out);
	return out->have != 0;
}

bool sl_geo_lookup(const struct sl_geo *g, const struct sl_addr *a, struct sl_geo_result *out)
{
	return sl_geo_lookup_memo(g, NULL, a, out);
}
