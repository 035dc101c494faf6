/* The mmdb builder's data section: merges the entries covering an address
 * block into one record, encodes it (MaxMind DB spec v2.0, "Output Data
 * Section"), stores each distinct record once, and writes the whole file. */
#include "mmdb_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	T_STRING = 2, T_DOUBLE = 3, T_UINT16 = 5, T_UINT32 = 6, T_MAP = 7,
	T_INT32 = 8, T_UINT64 = 9, T_ARRAY = 11, T_BOOLEAN = 14,
};

#define MAX_PAYLOAD 16843036u /* 65821 + 2^24 - 1, the spec's field limit */

/* Control byte(s): type in the top three bits (0 = extended, real type - 7
 * in the next byte), then the size with its 29/30/31 escapes. */
static int put_ctrl(struct mb_buf *o, unsigned type, size_t size)
{
	uint8_t h[5];
	size_t n = 1, extra = 0, v = 0;
	unsigned sz5;
	if (size < 29) {
		sz5 = (unsigned)size;
	} else if (size < 285) {
		sz5 = 29, v = size - 29, extra = 1;
	} else if (size < 65821) {
		sz5 = 30, v = size - 285, extra = 2;
	} else if (size <= MAX_PAYLOAD) {
		sz5 = 31, v = size - 65821, extra = 3;
	} else {
		return -E2BIG;
	}
	h[0] = (uint8_t)((type <= 7 ? type : 0) << 5 | sz5);
	if (type > 7)
		h[n++] = (uint8_t)(type - 7);
	for (size_t i = 0; i < extra; i++)
		h[n++] = (uint8_t)(v >> (8 * (extra - 1 - i)));
	return mb_buf_put(o, h, n);
}

static int put_bytes_be(struct mb_buf *o, uint64_t v, unsigned nbytes)
{
	uint8_t be[8];
	for (unsigned i = 0; i < nbytes; i++)
		be[i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
	return mb_buf_put(o, be, nbytes);
}

/* Unsigned integers use as few bytes as the value needs (0 for zero). */
static int put_uint(struct mb_buf *o, unsigned type, uint64_t v)
{
	unsigned n = 0;
	for (uint64_t x = v; x; x >>= 8)
		n++;
	int rc = put_ctrl(o, type, n);
	return rc < 0 ? rc : put_bytes_be(o, v, n);
}

static int put_string(struct mb_buf *o, const char *s, size_t len)
{
	int rc = put_ctrl(o, T_STRING, len);
	return rc < 0 ? rc : mb_buf_put(o, s, len);
}

static int put_cstr(struct mb_buf *o, const char *s)
{
	return put_string(o, s, strlen(s));
}

/* Lists of the record that only AS-resolved prefixes put there. */
static size_t as_only_lists(const struct mb *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->rec_lists_n; i++)
		n += !b->rec_addr[i];
	return n;
}

/* int32 always takes four bytes: readers sign-extend only a full-width
 * value, so a shorter negative would read back as a large positive. */
static int put_value(struct mb *b, const struct mb_kv *kv)
{
	struct mb_buf *o = &b->enc;
	int rc;
	switch (kv->type) {
	case MB_T_BOOL:
		return put_ctrl(o, T_BOOLEAN, kv->v ? 1 : 0);
	case MB_T_U32:
		return put_uint(o, T_UINT32, kv->v);
	case MB_T_U64:
		return put_uint(o, T_UINT64, kv->v);
	case MB_T_I32:
		rc = put_ctrl(o, T_INT32, 4);
		return rc < 0 ? rc : put_bytes_be(o, (uint32_t)kv->v, 4);
	case MB_T_DOUBLE:
		rc = put_ctrl(o, T_DOUBLE, 8);
		return rc < 0 ? rc : put_bytes_be(o, kv->v, 8);
	case MB_T_STR:
		return put_string(o, mb_str(&b->strs, (uint32_t)kv->v),
				  b->strs.len[kv->v]);
	default: /* MB_T_LISTS, MB_T_AS_LISTS */
		rc = put_ctrl(o, T_ARRAY, kv->type == MB_T_LISTS ? b->rec_lists_n : as_only_lists(b));
		for (size_t i = 0; i < b->rec_lists_n && rc == 0; i++) {
			uint32_t sid = b->lists[b->rec_lists[i]];
			if (kv->type == MB_T_LISTS || !b->rec_addr[i])
				rc = put_string(o, mb_str(&b->strs, sid), b->strs.len[sid]);
		}
		return rc;
	}
}

static size_t group_end(const struct mb *b, size_t i, size_t hi, unsigned depth)
{
	uint32_t g = mb_key_ancestor(b, b->rec[i].key, depth);
	size_t j = i + 1;
	while (j < hi && mb_key_ancestor(b, b->rec[j].key, depth) == g)
		j++;
	return j;
}

/* Encode rec[lo, hi) (sorted by path, free of conflicts) as a map at the
 * given nesting depth: keys sharing a component become one nested map. */
static int enc_map(struct mb *b, size_t lo, size_t hi, unsigned depth)
{
	size_t groups = 0;
	for (size_t i = lo; i < hi; i = group_end(b, i, hi, depth))
		groups++;
	int rc = put_ctrl(&b->enc, T_MAP, groups);
	for (size_t i = lo, j; i < hi && rc == 0; i = j) {
		j = group_end(b, i, hi, depth);
		uint32_t g = mb_key_ancestor(b, b->rec[i].key, depth);
		uint32_t comp = b->keys[g].comp;
		rc = put_string(&b->enc, mb_str(&b->keynames, g) + comp,
				b->keynames.len[g] - comp);
		if (rc < 0)
			break;
		if (j == i + 1 && b->keys[b->rec[i].key].depth == depth)
			rc = put_value(b, &b->rec[i]);
		else
			rc = enc_map(b, i, j, depth + 1);
	}
	return rc;
}

/* Later (more specific, or later in the input) values replace earlier ones,
 * and a key also evicts its ancestors and descendants ("country" versus
 * "country.iso_code") so the merged record is always a valid tree. */
static int apply_kv(struct mb *b, const struct mb_kv *kv)
{
	for (size_t j = b->rec_n; j-- > 0;)
		if (mb_keys_conflict(b, b->rec[j].key, kv->key))
			b->rec[j] = b->rec[--b->rec_n];
	if (mb_grow(&b->rec, &b->rec_cap, b->rec_n + 1, sizeof(*b->rec)) < 0)
		return -ENOMEM;
	b->rec[b->rec_n++] = *kv;
	return 0;
}

/* Keep rec_lists sorted and unique: list ids follow input order.  An
 * address line of a list marks it in rec_addr; AS-resolved prefixes do not. */
static void add_list(struct mb *b, uint32_t list)
{
	bool addr = !(list & MB_LIST_FROM_AS);
	list &= ~MB_LIST_FROM_AS;
	size_t i = b->rec_lists_n;
	while (i > 0 && b->rec_lists[i - 1] > list)
		i--;
	if (i > 0 && b->rec_lists[i - 1] == list) {
		b->rec_addr[i - 1] |= addr;
		return;
	}
	memmove(b->rec_lists + i + 1, b->rec_lists + i,
		(b->rec_lists_n - i) * sizeof(*b->rec_lists));
	memmove(b->rec_addr + i + 1, b->rec_addr + i, b->rec_lists_n - i);
	b->rec_lists[i] = list;
	b->rec_addr[i] = addr;
	b->rec_lists_n++;
}


/* Apply one node's entries in input order (the chain is newest first). */
static int apply_chain(struct mb *b, uint32_t head)
{
	size_t n = 0;
	for (uint32_t e = head; e != MB_NONE; e = b->entries[e].next) {
		if (mb_grow(&b->chain, &b->chain_cap, n + 1, sizeof(*b->chain)) < 0)
			return -ENOMEM;
		b->chain[n++] = e;
	}
	while (n-- > 0) {
		const struct mb_entry *en = &b->entries[b->chain[n]];
		add_list(b, en->list);
		for (uint32_t k = 0; k < en->kv_n; k++) {
			int rc = apply_kv(b, &b->kvs[en->kv_off + k]);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static void sort_rec(struct mb *b)
{
	for (size_t i = 1; i < b->rec_n; i++) {
		struct mb_kv x = b->rec[i];
		const char *xs = mb_str(&b->keynames, x.key);
		size_t j = i;
		while (j > 0 && strcmp(mb_str(&b->keynames, b->rec[j - 1].key), xs) > 0) {
			b->rec[j] = b->rec[j - 1];
			j--;
		}
		b->rec[j] = x;
	}
}

static int dedup_rehash(struct mb *b)
{
	size_t cap = b->dedup_cap ? b->dedup_cap * 2 : 1024;
	struct mb_dedup *t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->dedup_cap; i++) {
		if (!b->dedup[i].len)
			continue;
		size_t j = b->dedup[i].hash & (cap - 1);
		while (t[j].len)
			j = (j + 1) & (cap - 1);
		t[j] = b->dedup[i];
	}
	free(b->dedup);
	b->dedup = t;
	b->dedup_cap = cap;
	return 0;
}

/* Store the encoded record once: identical records share one offset, which
 * keeps a 100 k-prefix list with a handful of labels a few kilobytes of data. */
static int dedup_store(struct mb *b, uint32_t *off)
{
	if ((b->n_dedup + 1) * 2 > b->dedup_cap && dedup_rehash(b) < 0)
		return -ENOMEM;
	uint64_t h = mb_hash(b->enc.p, b->enc.len);
	size_t mask = b->dedup_cap - 1, i = h & mask;
	for (; b->dedup[i].len; i = (i + 1) & mask) {
		const struct mb_dedup *d = &b->dedup[i];
		if (d->hash == h && d->len == b->enc.len &&
		    memcmp(b->data.p + d->off, b->enc.p, d->len) == 0) {
			*off = d->off;
			return 0;
		}
	}
	if (b->data.len + b->enc.len >= UINT32_MAX - 16)
		return -EFBIG;
	b->dedup[i] = (struct mb_dedup){h, (uint32_t)b->data.len, (uint32_t)b->enc.len};
	b->n_dedup++;
	*off = (uint32_t)b->data.len;
	return mb_buf_put(&b->data, b->enc.p, b->enc.len);
}

int mb_data_for(struct mb *b, const uint32_t *heads, size_t n, uint32_t *off)
{
	b->rec_n = 0;
	b->rec_lists_n = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = apply_chain(b, heads[i]);
		if (rc < 0)
			return rc;
	}
	struct mb_kv lists = {.key = b->key_lists, .type = MB_T_LISTS};
	struct mb_kv as_lists = {.key = b->key_as_lists, .type = MB_T_AS_LISTS};
	int rc = apply_kv(b, &lists);
	if (rc == 0 && as_only_lists(b)) /* absent unless an AS line was resolved here */
		rc = apply_kv(b, &as_lists);
	if (rc < 0)
		return rc;
	sort_rec(b);
	b->enc.len = 0;
	rc = enc_map(b, 0, b->rec_n, 0);
	return rc < 0 ? rc : dedup_store(b, off);
}

/* Which lists have AS lines that were not resolved into prefixes (no ASN
 * sources): marks in seen[] (n_lists bytes), returns how many. */
static uint32_t unresolved_lists(const struct mb *b, uint8_t *seen)
{
	uint32_t n = 0;
	for (size_t i = 0; !b->asn_resolved && i < b->n_asrefs; i++)
		if (!seen[b->asrefs[i].list]++)
			n++;
	return n;
}

/* SL_MMDB_META_UNRESOLVED: the names of those lists, in list order. */
static int enc_unresolved(struct mb *b, const uint8_t *seen, uint32_t n)
{
	struct mb_buf *e = &b->enc;
	int rc = put_cstr(e, SL_MMDB_META_UNRESOLVED);
	rc = rc ? rc : put_ctrl(e, T_ARRAY, n);
	for (size_t l = 0; rc == 0 && l < b->n_lists; l++)
		if (seen[l])
			rc = put_cstr(e, mb_str(&b->strs, b->lists[l]));
	return rc;
}

/* The metadata map, keys in sorted order so the bytes are reproducible. */
static int enc_metadata(struct mb *b, const struct sl_mmdb_build_opts *o,
			unsigned record_size)
{
	struct mb_buf *e = &b->enc;
	uint8_t *seen = calloc(b->n_lists + 1, 1);
	if (!seen)
		return -ENOMEM;
	uint32_t unresolved = unresolved_lists(b, seen);
	e->len = 0;
	int rc = put_ctrl(e, T_MAP, unresolved ? 10 : 9);
	rc = rc ? rc : put_cstr(e, "binary_format_major_version");
	rc = rc ? rc : put_uint(e, T_UINT16, 2);
	rc = rc ? rc : put_cstr(e, "binary_format_minor_version");
	rc = rc ? rc : put_uint(e, T_UINT16, 0);
	rc = rc ? rc : put_cstr(e, "build_epoch");
	rc = rc ? rc : put_uint(e, T_UINT64, o->build_epoch);
	rc = rc ? rc : put_cstr(e, "database_type");
	rc = rc ? rc : put_cstr(e, o->database_type);
	/* The spec makes description optional, but libmaxminddb 1.7 refuses a
	 * database without it: write an empty map when there is none. */
	rc = rc ? rc : put_cstr(e, "description");
	rc = rc ? rc : put_ctrl(e, T_MAP, o->description ? 1 : 0);
	if (o->description) {
		rc = rc ? rc : put_cstr(e, "en");
		rc = rc ? rc : put_cstr(e, o->description);
	}
	rc = rc ? rc : put_cstr(e, "ip_version");
	rc = rc ? rc : put_uint(e, T_UINT16, 6);
	rc = rc ? rc : put_cstr(e, "languages");
	rc = rc ? rc : put_ctrl(e, T_ARRAY, 1);
	rc = rc ? rc : put_cstr(e, "en");
	rc = rc ? rc : put_cstr(e, "node_count");
	rc = rc ? rc : put_uint(e, T_UINT32, b->node_count);
	rc = rc ? rc : put_cstr(e, "record_size");
	rc = rc ? rc : put_uint(e, T_UINT16, record_size);
	if (rc == 0 && unresolved)
		rc = enc_unresolved(b, seen, unresolved);
	free(seen);
	return rc;
}

/* Record size: the smallest of 24/28/32 bits that holds the largest record
 * value, node_count + 16 + data size (data pointers are offset by both). */
static int pick_record_size(const struct mb *b, unsigned *rs)
{
	uint64_t max = (uint64_t)b->node_count + 16 + b->data.len;
	*rs = max < (1ull << 24) ? 24 : max < (1ull << 28) ? 28 : 32;
	if (*rs < b->min_record_size)
		*rs = b->min_record_size;
	return max <= UINT32_MAX ? 0 : -EFBIG;
}

int mb_serialize(struct mb *b, const struct sl_mmdb_build_opts *opts,
		 const struct mb_sink *s)
{
	static const uint8_t sep[16];
	static const char marker[] = "\xAB\xCD\xEFMaxMind.com";
	unsigned rs = 0;
	b->rec_lists = malloc((b->n_lists + 1) * sizeof(*b->rec_lists));
	b->rec_addr = malloc(b->n_lists + 1);
	int rc = b->rec_lists && b->rec_addr ? mb_tree_number(b) : -ENOMEM;
	if (rc == 0)
		rc = pick_record_size(b, &rs);
	if (rc == 0)
		rc = mb_tree_write(b, rs, s);
	if (rc == 0)
		rc = s->write(s->ctx, sep, sizeof(sep));
	if (rc == 0 && b->data.len)
		rc = s->write(s->ctx, b->data.p, b->data.len);
	if (rc == 0)
		rc = enc_metadata(b, opts, rs);
	if (rc == 0)
		rc = s->write(s->ctx, marker, sizeof(marker) - 1);
	if (rc == 0)
		rc = s->write(s->ctx, b->enc.p, b->enc.len);
	return rc;
}
