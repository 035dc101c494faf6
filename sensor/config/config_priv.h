/* Private to sensor/config: the key table that drives loading, defaults,
 * range checks, --set and --dump-config, and the per-type value handlers. */
#ifndef SENSOR_CONFIG_CONFIG_PRIV_H
#define SENSOR_CONFIG_CONFIG_PRIV_H

#include <stdio.h>

#include "sightline/config.h"

/* Value types a key can have.  Each has one row in sl_cfg_types[]. */
enum sl_cfg_type {
	SL_CFG_U16,
	SL_CFG_U32,
	SL_CFG_BOOL,
	SL_CFG_STRING,    /* owned char *, NULL when empty */
	SL_CFG_CIDR_LIST, /* owned struct sl_cidr[], count in a size_t */
	SL_CFG_ENUM,      /* uint32_t index into the key's choices[] */
	SL_CFG_DOUBLE,    /* double in [dmin, dmax]; NAN when unset ("~") */
	SL_CFG_MAP_LIST,  /* owned array of elem_size-byte entries, each a map
			   * whose keys are described by `sub`; count in a size_t */
	SL_CFG__NTYPES,
};

/*
 * One configuration key.  Everything the config module does (parse, default,
 * check, override, dump) reads this row; nothing else names a key.
 *
 * Offsets are relative to a "base": struct sl_config for the root table.
 * That keeps the loader reusable for nested tables: a later "list of maps"
 * type (outputs:, databases:) adds one enum value and one sl_cfg_types[] row
 * whose element is a map, plus two fields here, `sub` (a const struct
 * sl_cfg_table * describing one entry's keys, offsets relative to the entry
 * struct) and `elem_size`.  The YAML walker then, for each sequence item,
 * grows the array by elem_size, applies sub's defaults to the new entry with
 * sl_cfg_apply_defaults(sub, entry) and walks the item's mapping with
 * walk_map(sub, entry) -- the same function that walks the root today, so
 * unknown keys, duplicates, ranges and marks work unchanged.  The dump
 * recurses the same way, writing "- " before each entry.  (That is how
 * SL_CFG_MAP_LIST is built; `required` keys of an entry have no default and
 * must be given, and the entry table's check() sees the finished entry.)
 */
struct sl_cfg_table;

struct sl_cfg_key {
	const char *key;       /* dotted path: YAML nesting, --set name */
	enum sl_cfg_type type;
	size_t offset;         /* the field; for lists, the element pointer */
	size_t count_offset;   /* lists only: the size_t element count */
	const char *def;       /* default as text, parsed like --set values */
	uint32_t min, max;     /* numbers: value range; strings: length in bytes;
				 * lists: max only, entry count */
	const char *unit;      /* shown in the dump comment; "" for none */
	const char *desc;      /* one line for the dump comment */
	const char *const *choices;       /* SL_CFG_ENUM: names, NULL-terminated */
	double dmin, dmax;                /* SL_CFG_DOUBLE: value range */
	const struct sl_cfg_table *sub;   /* SL_CFG_MAP_LIST: keys of one entry */
	size_t elem_size;                 /* SL_CFG_MAP_LIST: bytes of one entry */
	bool required;                    /* entry keys: no default, must be given */
};

struct sl_cfg_table {
	const struct sl_cfg_key *keys;
	size_t n;
	/* Optional, for entry tables: check one finished entry as a whole
	 * (keys that depend on each other).  Returns 0 or -EINVAL with why. */
	int (*check)(const void *entry, char *why, size_t whylen);
};

/*
 * How one type is parsed, written and released.  For scalar types parse()
 * writes the field at dst; for list types it writes one element at dst and
 * elem_size gives the element size.  parse() leaves dst untouched on failure
 * and puts the reason (without key or location) in why.
 */
struct sl_cfg_type_ops {
	const char *name;      /* "whole number", "true or false", ... */
	size_t elem_size;      /* 0 for scalars */
	int (*parse)(const struct sl_cfg_key *k, const char *text, bool plain,
		     void *dst, char *why, size_t whylen);
	void (*format)(const struct sl_cfg_key *k, const void *src, FILE *out);
	void (*release)(void *field); /* NULL when the type owns nothing */
};

extern const struct sl_cfg_table sl_cfg_root;

/* Keys of one identity.sources entry (config_identity.c). */
extern const struct sl_cfg_table sl_cfg_identity_table;

/** Release every entry of the map list k in base (their keys, then the
 * array) and leave the list empty. */
void sl_cfg_map_list_release(const struct sl_cfg_key *k, void *base);

/** Release n entries of map-list key k held in items, then items itself. */
void sl_cfg_entries_free(const struct sl_cfg_key *k, uint8_t *items, size_t n);
extern const struct sl_cfg_type_ops sl_cfg_types[SL_CFG__NTYPES];

/* Longest dotted key the loader will build (longer ones are unknown). */
#define SL_CFG_KEY_MAX 128

/* Reason buffers for one value error. */
#define SL_CFG_WHY_MAX 256

/** The row for exactly this dotted key, or NULL.  Borrowed from the table. */
const struct sl_cfg_key *sl_cfg_find(const struct sl_cfg_table *t, const char *key);

/** True when some key of t lies under the section "path." (e.g. "flow.timeouts"). */
bool sl_cfg_is_section(const struct sl_cfg_table *t, const char *path);

/**
 * Write into buf (len bytes) " (did you mean 'x'?)" for the key of t closest
 * to the unknown path, or "" when nothing is close.  Returns buf.
 */
char *sl_cfg_suggest(const struct sl_cfg_table *t, const char *path, char *buf, size_t len);

/**
 * Set one scalar-typed key from text (plain: the text was unquoted, so "~"
 * and "" mean empty).  Lists take comma-separated text.  Returns 0, or
 * -EINVAL with the reason in why.
 */
int sl_cfg_set_text(const struct sl_cfg_key *k, void *base, const char *text, bool plain,
		    char *why, size_t whylen);

/** Set every key of t in base to its default.  Returns 0 or -EINVAL (bad table). */
int sl_cfg_apply_defaults(const struct sl_cfg_table *t, void *base);

/* Lists are built element by element, then swapped in whole so a failure
 * half-way leaves the old value in place. */
struct sl_cfg_list {
	const struct sl_cfg_key *k;
	uint8_t *items;
	size_t n, cap;
};

/** Start an empty list for key k. */
void sl_cfg_list_begin(struct sl_cfg_list *l, const struct sl_cfg_key *k);

/** Parse and append one element.  Returns 0 or -EINVAL with why. */
int sl_cfg_list_add(struct sl_cfg_list *l, const char *text, char *why, size_t whylen);

/** Replace the key's list in base by l (ownership moves to base). */
void sl_cfg_list_commit(struct sl_cfg_list *l, void *base);

/** Drop a list that was not committed.  Accepts a committed or empty list. */
void sl_cfg_list_abort(struct sl_cfg_list *l);

/** Release what key k owns in base (strings, lists) and zero the field. */
void sl_cfg_release(const struct sl_cfg_key *k, void *base);

/** Quote text for an error message: at most 60 bytes, "..." when cut. */
const char *sl_cfg_excerpt(const char *text, char *buf, size_t len);

#endif
