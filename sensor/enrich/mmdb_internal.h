/* Internals of the mmdb builder shared by its files: growable buffers, the
 * string and key tables, the entry pool, the prefix trie (arena) and the
 * data-section encoder.  Nothing outside sensor/enrich/mmdb_*.c uses it. */
#ifndef SL_ENRICH_MMDB_INTERNAL_H
#define SL_ENRICH_MMDB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <maxminddb.h>

#include "sightline/csv.h"
#include "sightline/mmdb_build.h"
#include "mmdb_walk.h"

#define MB_NONE UINT32_MAX         /* no entry / no data / no key */
#define MB_ALIAS (UINT32_MAX - 1u) /* trie node aux: alias of the IPv4 root */
#define MB_MAX_ENTRIES (UINT32_MAX - 2u)
#define MB_BLOCK_BITS 16 /* trie arena: 65536 nodes (1 MiB) per block */
#define MB_MAX_KEY_DEPTH 32 /* components in one dotted key */

/* A growable byte buffer. */
struct mb_buf {
	uint8_t *p;
	size_t len, cap;
};

int mb_buf_put(struct mb_buf *b, const void *p, size_t n);
uint64_t mb_hash(const void *p, size_t n);
/* Grow the array at *arr (elem-sized items, capacity *cap) to hold need
 * items, doubling.  Returns 0 or -ENOMEM (the array is then unchanged). */
int mb_grow(void *arr, size_t *cap, size_t need, size_t elem);
void mb_buf_free(struct mb_buf *b);

/* Interned strings: each distinct byte string gets a dense id. */
struct mb_strtab {
	struct mb_buf bytes; /* strings, each NUL-terminated */
	uint32_t *off, *len;
	size_t n, cap;
	uint32_t *slots; /* open addressing over ids, MB_NONE = empty */
	size_t nslots;
};

int mb_str_intern(struct mb_strtab *t, const char *s, size_t len, uint32_t *id);
static inline const char *mb_str(const struct mb_strtab *t, uint32_t id)
{
	return (const char *)t->bytes.p + t->off[id];
}
void mb_strtab_free(struct mb_strtab *t);

/* Value types written to the data section; MB_T_LISTS is the synthetic
 * `lists` array. */
enum mb_type { MB_T_BOOL, MB_T_U32, MB_T_U64, MB_T_I32, MB_T_DOUBLE, MB_T_STR, MB_T_LISTS,
	       MB_T_AS_LISTS };

/* An entry's list id with this bit set came from an AS line resolved into
 * prefixes at build time: the record names such a list in `as_lists` too
 * when no address line of it covers the block (an AS list is weaker
 * evidence than an address, issue #17). */
#define MB_LIST_FROM_AS 0x80000000u

/* Type classes for the "one type per key per list" check. */
enum mb_cls { MB_C_NONE, MB_C_BOOL, MB_C_INT, MB_C_DOUBLE, MB_C_STR, MB_C_MAP };

/* A dotted key path.  Keys share ids with their name in mb.keynames. */
struct mb_key {
	uint32_t parent; /* key of the path without its last component */
	uint32_t comp;   /* byte offset of the last component in the name */
	uint16_t depth;  /* components - 1 */
	uint8_t cls;     /* class seen in file cls_file */
	uint32_t cls_file;
};

struct mb_kv {
	uint32_t key;
	uint8_t type;
	uint64_t v; /* integer bits, double bits, bool, or string id */
};

/* One prefix line.  Entries at the same trie node chain through next,
 * newest first. */
struct mb_entry {
	uint32_t list, kv_off, kv_n, next;
};

/* A trie node.  aux holds the entry chain head while building, then the
 * node number once numbered (non-leaves only).  data is the data-section
 * offset of the record for the covering set ending here (MB_NONE: none). */
struct mb_node {
	uint32_t child[2];
	uint32_t aux;
	uint32_t data;
};

struct mb_trie {
	struct mb_node **blocks;
	size_t nblocks, n;
	uint32_t v4root;
};

/* One AS line (`AS131279,label,...`): resolved into prefixes at build time
 * when ASN sources are given, and named in the metadata when not. */
struct mb_asref {
	uint32_t asn, list, kv_off, kv_n;
	uint64_t gained; /* prefixes added for it */
};

struct mb_dedup {
	uint64_t hash;
	uint32_t off, len;
};

struct mb {
	struct mb_strtab strs;     /* labels, string values, list names */
	struct mb_strtab keynames; /* key paths; id == key id */
	struct mb_key *keys;
	size_t keys_cap;
	uint32_t *lists; /* list id -> name string id */
	size_t n_lists, lists_cap;
	struct mb_kv *kvs;
	size_t n_kvs, kvs_cap;
	struct mb_entry *entries;
	size_t n_entries, entries_cap;
	struct mb_trie trie;
	uint32_t key_label, key_lists, key_as_lists;
	struct mb_asref *asrefs; /* every AS line, in input order */
	size_t n_asrefs, asrefs_cap;
	bool asn_resolved;       /* the AS lines were resolved from ASN sources */
	/* serialisation state */
	struct mb_buf data;
	struct mb_dedup *dedup;
	size_t n_dedup, dedup_cap;
	struct mb_kv *rec; /* record being merged */
	size_t rec_n, rec_cap;
	uint32_t *rec_lists, *chain;
	uint8_t *rec_addr;       /* per rec_lists entry: some address line covers the block */
	size_t rec_lists_n, chain_cap;
	struct mb_buf enc;
	uint32_t node_count, next_num;
	unsigned min_record_size; /* 0, or 28/32 to force a wider layout (tests) */
};

/* Byte sink for the serialised database (a file or a buffer). */
struct mb_sink {
	int (*write)(void *ctx, const void *p, size_t n);
	void *ctx;
};

/* mmdb_tables.c */
int mb_init(struct mb *b);
void mb_finish(struct mb *b);
int mb_key_intern(struct mb *b, const char *path, size_t len, uint32_t *id);
bool mb_keys_conflict(const struct mb *b, uint32_t a, uint32_t c);
uint32_t mb_key_ancestor(const struct mb *b, uint32_t key, unsigned depth);
int mb_list_add(struct mb *b, const char *name, size_t len, uint32_t *id);
int mb_kv_push(struct mb *b, const struct mb_kv *kv);

/* mmdb_load.c */
bool mb_utf8_valid(const char *s, size_t len);
/* Load one list from csv (already open) into b as list `name`; file is the
 * index of the source, for the per-list type check.  Returns 0 or a
 * negative errno with "FILE:LINE: sentence" in err. */
int mb_load_csv(struct mb *b, struct sl_csv *csv, const char *name,
		size_t name_len, uint32_t file, char *err, size_t errlen);

/* mmdb_tree.c */
/* Fold a prefix inside the aliased regions into IPv4 space (::a.b.c.d/n):
 * ::ffff:a.b.c.d/n with n >= 96 and 2002:AABB:CCDD::/n with 16 <= n <= 48.
 * Returns 0, or -EINVAL for a 6to4 prefix longer than /48 (no IPv4
 * equivalent). */
int mb_fold_alias(uint8_t a[16], unsigned *plen);
int mb_trie_init(struct mb_trie *t);
void mb_trie_finish(struct mb_trie *t);
int mb_add(struct mb *b, uint32_t list, const uint8_t addr[16], unsigned plen,
	   uint32_t kv_off, uint32_t kv_n);
int mb_tree_number(struct mb *b);
int mb_tree_write(struct mb *b, unsigned record_size, const struct mb_sink *s);

/* mmdb_asn.c: resolve every AS line of b into the prefixes the ASN
 * sources give its number (sl_mmdb_build_opts.asn_sources), then tell
 * o->on_resolved per list.  Returns 0 or a negative errno with
 * "SOURCE[:LINE]: sentence" in err. */
int mb_resolve_asn(struct mb *b, const struct sl_mmdb_build_opts *o, char *err, size_t errlen);

/* mmdb_data.c */
int mb_data_for(struct mb *b, const uint32_t *heads, size_t n, uint32_t *off);
/* Number the tree, pick the record size and write tree, separator, data
 * and metadata to s.  Returns 0, -EFBIG past 4 GiB, or the sink's error. */
int mb_serialize(struct mb *b, const struct sl_mmdb_build_opts *opts,
		 const struct mb_sink *s);

#endif
