/* Catalogue fields by dotted name: a hash index built once, for the
 * lookups of rule loading (a few hundred at start-up and at each reload). */
#include <pthread.h>
#include <string.h>

#include "sightline/field.h"

#define INDEX_SLOTS 2048 /* a power of two, over twice the catalogue's fields */

static const struct sl_field *slots[INDEX_SLOTS];
static bool full; /* more fields than fit: look up by scanning */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static size_t name_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)(h % INDEX_SLOTS);
}

/* The slot of name: its field's, or the empty one where it would go. */
static size_t slot_of(const char *name)
{
	size_t at = name_hash(name);
	while (slots[at] && strcmp(slots[at]->name, name) != 0)
		at = (at + 1) % INDEX_SLOTS;
	return at;
}

/* In catalogue order, so that of two fields of one name the first is
 * found, as a scan finds it. */
static void index_build(void)
{
	const struct sl_field_table *tab;
	size_t n = 0;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++) {
		for (size_t i = 0; i < tab->n; i++) {
			if (++n > INDEX_SLOTS / 2) {
				full = true;
				return;
			}
			size_t at = slot_of(tab->fields[i].name);
			if (!slots[at])
				slots[at] = &tab->fields[i];
		}
	}
}

static const struct sl_field *scan(const char *name)
{
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++)
			if (strcmp(tab->fields[i].name, name) == 0)
				return &tab->fields[i];
	return NULL;
}

const struct sl_field *sl_catalogue_find(const char *name)
{
	pthread_once(&index_once, index_build);
	if (full)
		return scan(name);
	return slots[slot_of(name)];
}
