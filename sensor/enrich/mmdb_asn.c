/* `mmdb build --asn`: the lists' AS lines become address prefixes, read from
 * an ip-location-db `asn` CSV (start_ip,end_ip,asn,org ranges, split into
 * CIDR prefixes) or an ASN .mmdb (GeoLite2-ASN, DB-IP ASN, IPinfo Lite),
 * so an AS list matches without an ASN database at lookup time. */
#include "mmdb_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sightline/common.h"

#define MISSING_SHOWN 8 /* AS numbers named per list in the report */

struct res {
	struct mb *b;
	const char *src;        /* the source being read, for messages */
	uint64_t records_asn;   /* source records that had an AS number */
	uint32_t last_off;      /* mmdb: offset of the last record read ... */
	uint32_t last_asn;      /* ... and its AS number (0: none) */
	char *err;
	size_t errlen;
};

static int by_asn(const void *pa, const void *pb)
{
	const struct mb_asref *a = pa, *b = pb;
	if (a->asn != b->asn)
		return a->asn < b->asn ? -1 : 1;
	if (a->list != b->list)
		return a->list < b->list ? -1 : 1;
	return a->kv_off < b->kv_off ? -1 : a->kv_off > b->kv_off;
}

/* Index of the first AS line naming asn, or n_asrefs. */
static size_t first_ref(const struct mb *b, uint32_t asn)
{
	size_t lo = 0, hi = b->n_asrefs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->asrefs[mid].asn < asn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool wanted(const struct mb *b, uint32_t asn)
{
	size_t i = first_ref(b, asn);
	return asn && i < b->n_asrefs && b->asrefs[i].asn == asn;
}

/* Add addr/plen to every list that names asn, with that line's label and
 * keys.  Prefixes inside the aliased regions fold into IPv4 space; a 6to4
 * prefix longer than /48 has no place in the tree and is passed over. */
static int add_prefix(struct res *r, const uint8_t addr[16], unsigned plen, uint32_t asn)
{
	uint8_t a[16];
	memcpy(a, addr, 16);
	if (mb_fold_alias(a, &plen) < 0)
		return 0;
	for (size_t i = first_ref(r->b, asn); i < r->b->n_asrefs && r->b->asrefs[i].asn == asn; i++) {
		struct mb_asref *ref = &r->b->asrefs[i];
		int rc = mb_add(r->b, ref->list | MB_LIST_FROM_AS, a, plen, ref->kv_off, ref->kv_n);
		if (rc < 0) {
			snprintf(r->err, r->errlen, "%s: cannot add the prefixes of AS%u: %s", r->src,
				 asn, strerror(-rc));
			return rc;
		}
		ref->gained++;
	}
	return 0;
}

/* Bits 0..host-1 (from the low end) of a set to one, into out. */
static void fill_low(uint8_t out[16], const uint8_t a[16], unsigned host)
{
	memcpy(out, a, 16);
	for (unsigned i = 0; i < host; i++)
		out[15 - i / 8] |= (uint8_t)(1u << (i % 8));
}

static unsigned trailing_zeros(const uint8_t a[16])
{
	unsigned n = 0;
	for (int i = 15; i >= 0; i--) {
		if (a[i]) {
			for (uint8_t v = a[i]; !(v & 1u); v >>= 1)
				n++;
			return n;
		}
		n += 8;
	}
	return n;
}

static void increment(uint8_t a[16])
{
	for (int i = 15; i >= 0 && ++a[i] == 0; i--)
		;
}

/* The inclusive range start..end as the fewest CIDR prefixes (at most 254),
 * each the largest aligned block that starts at the next address. */
static int add_range(struct res *r, const uint8_t start[16], const uint8_t end[16], uint32_t asn)
{
	uint8_t cur[16], last[16];
	memcpy(cur, start, 16);
	for (;;) {
		unsigned host = trailing_zeros(cur);
		for (fill_low(last, cur, host); memcmp(last, end, 16) > 0; fill_low(last, cur, --host))
			;
		int rc = add_prefix(r, cur, 128 - host, asn);
		if (rc < 0 || memcmp(last, end, 16) == 0)
			return rc;
		memcpy(cur, last, 16);
		increment(cur);
	}
}

/* "13335" or "AS13335" (0 is "no AS"); false when it is neither. */
static bool parse_asn_text(const char *s, size_t len, uint32_t *asn)
{
	uint64_t v = 0;
	if (len > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2, len -= 2;
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*asn = (uint32_t)v;
	return v <= UINT32_MAX;
}

/* An address in text into 16 bytes (IPv4 as ::a.b.c.d); its family, or 0. */
static int parse_ip(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, a) == 1 ? 6 : 0;
	return inet_pton(AF_INET, s, a + 12) == 1 ? 4 : 0;
}

static int csv_error(struct res *r, unsigned long line, const char *what, const char *text)
{
	snprintf(r->err, r->errlen, "%s:%lu: %s%s%.60s%s", r->src, line, what, text ? " '" : "",
		 text ? text : "", text ? "'" : "");
	return -EINVAL;
}

/* One row start_ip,end_ip,asn[,org...]; a first row that names columns is
 * a header and passed over. */
static int csv_row(struct res *r, const struct sl_csv_record *rec, bool first)
{
	uint8_t start[16], end[16];
	uint32_t asn;
	const char *f0 = rec->fields[0];
	if (f0[0] && strspn(f0, "0123456789") == rec->lens[0])
		return csv_error(r, rec->line, "numeric address ranges (ip-location-db's *-num.csv "
				 "files) are not read: give asn-ipv4.csv or asn-ipv6.csv", NULL);
	int fam = parse_ip(f0, start);
	if (!fam && first && rec->n_fields >= 3 && !parse_asn_text(rec->fields[2], rec->lens[2], &asn))
		return 0; /* a header line */
	if (rec->n_fields < 3)
		return csv_error(r, rec->line, "expected start_ip,end_ip,asn[,organisation]", NULL);
	if (!fam)
		return csv_error(r, rec->line, "malformed start address", f0);
	if (parse_ip(rec->fields[1], end) != fam)
		return csv_error(r, rec->line, "malformed end address (or not the start's family)",
				 rec->fields[1]);
	if (!parse_asn_text(rec->fields[2], rec->lens[2], &asn))
		return csv_error(r, rec->line, "malformed AS number", rec->fields[2]);
	if (memcmp(start, end, 16) > 0)
		return csv_error(r, rec->line, "range ends before it starts", rec->fields[1]);
	if (asn)
		r->records_asn++;
	return wanted(r->b, asn) ? add_range(r, start, end, asn) : 0;
}

static int read_csv(struct res *r, const char *path)
{
	struct sl_csv *csv;
	struct sl_csv_record rec;
	bool first = true;
	int rc = sl_csv_open(path, SL_CSV_SKIP_COMMENTS | SL_CSV_SKIP_BLANK, &csv, r->err, r->errlen);
	if (rc < 0)
		return rc;
	while ((rc = sl_csv_next(csv, &rec, r->err, r->errlen)) > 0) {
		rc = csv_row(r, &rec, first);
		if (rc < 0)
			break;
		first = false;
	}
	sl_csv_destroy(csv);
	return rc;
}

/* The AS number of an mmdb record: GeoLite2/DB-IP autonomous_system_number,
 * IPinfo's asn ("AS174"), GeoIP2 Enterprise's traits; 0 when none. */
static uint32_t record_asn(MMDB_entry_s *e)
{
	static const char *const paths[][3] = {
		{ "autonomous_system_number", NULL }, { "asn", NULL },
		{ "traits", "autonomous_system_number", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		MMDB_entry_data_s d;
		uint32_t asn = 0;
		if (MMDB_aget_value(e, &d, paths[i]) != MMDB_SUCCESS || !d.has_data)
			continue;
		if (d.type == MMDB_DATA_TYPE_UINT16)
			return d.uint16;
		if (d.type == MMDB_DATA_TYPE_UINT32)
			return d.uint32;
		if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
			return (uint32_t)d.uint64;
		if (d.type == MMDB_DATA_TYPE_UTF8_STRING &&
		    parse_asn_text(d.utf8_string, d.data_size, &asn))
			return asn;
	}
	return 0;
}

static int mmdb_record(void *ctx, const uint8_t addr[16], unsigned plen, MMDB_entry_s *e)
{
	struct res *r = ctx;
	if (e->offset != r->last_off) { /* neighbouring networks often share a record */
		r->last_off = e->offset;
		r->last_asn = record_asn(e);
	}
	if (r->last_asn)
		r->records_asn++;
	return wanted(r->b, r->last_asn) ? add_prefix(r, addr, plen, r->last_asn) : 0;
}

static bool ends_with_mmdb(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && strcasecmp(path + n - 5, ".mmdb") == 0;
}

/* One source: an .mmdb when libmaxminddb opens it, otherwise CSV. */
static int read_source(struct res *r, const char *path)
{
	MMDB_s db;
	struct stat st;
	r->src = path;
	r->records_asn = 0;
	r->last_off = UINT32_MAX;
	if (stat(path, &st) != 0) {
		int e = errno;
		snprintf(r->err, r->errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	int status = MMDB_open(path, MMDB_MODE_MMAP, &db), rc;
	if (status == MMDB_SUCCESS) {
		rc = mb_walk_mmdb(&db, mmdb_record, r, r->err, r->errlen);
		MMDB_close(&db);
	} else if (ends_with_mmdb(path)) {
		snprintf(r->err, r->errlen, "%s: cannot read the ASN database: %s", path,
			 MMDB_strerror(status));
		return -EINVAL;
	} else {
		rc = read_csv(r, path);
	}
	if (rc == 0 && r->records_asn == 0) {
		snprintf(r->err, r->errlen, "%s: no record holds an AS number; give an ASN database "
			 "(ip-location-db asn-ipv4.csv/asn-ipv6.csv, GeoLite2-ASN, IPinfo Lite)", path);
		return -EINVAL;
	}
	return rc;
}

/* Per list: what its AS lines gained. */
struct tally {
	uint32_t as_numbers, as_found, shown;
	uint64_t prefixes;
	char missing[MISSING_SHOWN * 12 + 8];
};

static void tally_as(struct tally *t, uint32_t asn, uint64_t gained)
{
	t->as_numbers++;
	t->prefixes += gained;
	if (gained) {
		t->as_found++;
		return;
	}
	size_t used = strlen(t->missing);
	if (t->shown++ < MISSING_SHOWN)
		snprintf(t->missing + used, sizeof(t->missing) - used, "%sAS%u", used ? " " : "", asn);
	else if (t->shown == MISSING_SHOWN + 1)
		snprintf(t->missing + used, sizeof(t->missing) - used, " ...");
}

/* Sum the AS lines per list (refs are sorted by AS number, then list) and
 * tell the caller, list by list. */
static int report(struct mb *b, const struct sl_mmdb_build_opts *o)
{
	struct tally *t = calloc(b->n_lists ? b->n_lists : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_asrefs;) {
		const struct mb_asref *ref = &b->asrefs[i];
		uint64_t gained = 0;
		for (; i < b->n_asrefs && b->asrefs[i].asn == ref->asn && b->asrefs[i].list == ref->list; i++)
			gained += b->asrefs[i].gained;
		tally_as(&t[ref->list], ref->asn, gained);
	}
	for (size_t l = 0; l < b->n_lists && o->on_resolved; l++) {
		if (!t[l].as_numbers)
			continue;
		struct sl_mmdb_asn_result r = {
			.list = mb_str(&b->strs, b->lists[l]), .as_numbers = t[l].as_numbers,
			.as_found = t[l].as_found, .prefixes = t[l].prefixes, .missing = t[l].missing,
		};
		o->on_resolved(o->ctx, &r);
	}
	free(t);
	return 0;
}

int mb_resolve_asn(struct mb *b, const struct sl_mmdb_build_opts *o, char *err, size_t errlen)
{
	struct res r = { .b = b, .err = err, .errlen = errlen };
	if (!o->n_asn_sources)
		return 0;
	qsort(b->asrefs, b->n_asrefs, sizeof(*b->asrefs), by_asn);
	for (size_t i = 0; i < o->n_asn_sources; i++) {
		int rc = read_source(&r, o->asn_sources[i]);
		if (rc < 0)
			return rc;
	}
	b->asn_resolved = true;
	if (report(b, o) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}
