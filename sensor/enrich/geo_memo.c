/* A worker's memo of what single database records add to a lookup (see
 * geo_priv.h): the geo cache remembers addresses, this remembers records,
 * which a whole network's addresses share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "geo_priv.h"

struct memo_entry {
	const struct geo_db *db; /* NULL: empty */
	uint32_t offset;         /* the record's place in db's data section */
	uint32_t want;           /* the fields asked of it */
	struct sl_geo_result part; /* what it added to an empty result */
};

struct geo_memo {
	struct memo_entry *e;
	uint32_t mask; /* entries - 1 */
};

int sl_geo_memo_create(uint32_t entries, struct geo_memo **out)
{
	struct geo_memo *m = calloc(1, sizeof(*m));
	uint32_t n = 1;
	while (n < entries && n < (1u << 20))
		n <<= 1;
	if (!m || !(m->e = calloc(n, sizeof(*m->e)))) {
		free(m);
		return -ENOMEM;
	}
	m->mask = n - 1;
	*out = m;
	return 0;
}

void sl_geo_memo_destroy(struct geo_memo *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

void sl_geo_memo_merge(struct geo_memo *m, const struct geo_db *db, MMDB_entry_s entry,
		       uint32_t want, struct sl_geo_result *out)
{
	uint64_t key = (uint64_t)entry.offset << 32 | want;
	uint32_t i = (uint32_t)(sl_mix64(key ^ (uintptr_t)db) & m->mask);
	struct memo_entry *e = &m->e[i];
	if (e->db != db || e->offset != entry.offset || e->want != want) {
		memset(&e->part, 0, sizeof(e->part));
		sl_geo_merge_record(db, entry, want, &e->part);
		e->db = db;
		e->offset = entry.offset;
		e->want = want;
	}
	sl_geo_apply_part(&e->part, out);
}
