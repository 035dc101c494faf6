/* The record stage's catalogue: the one list of field tables, lookup by
 * name, --list-fields printing and JSON emission of a record. */
#include <stdlib.h>
#include <string.h>

#include "sightline/binding.h"
#include "sightline/field.h"
#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/proto.h"
#include "sightline/subject.h"
#include "field_read.h"

/* The core modules' tables, one line each, before the parsers'.  The EVE
 * header comes first, then the wire protocol and the product, then the
 * rest of the flow. */
static const struct sl_field_table *const core_tables[] = {
	&sl_flow_head_fields,
	&sl_signin_fields,
	&sl_proto_fields,
	&sl_identify_product_fields,
	&sl_flow_fields,
	&sl_geo_fields,
	&sl_subject_fields,
	&sl_binding_fields,
	&sl_identify_fields,
	&sl_hosts_fields,
};

/* The core tables first, then each parser's, in registry order: the
 * catalogue names no parser itself. */
size_t sl_catalogue_tables(void)
{
	size_t n = ARRAY_SIZE(core_tables);
	for (size_t i = 0; i < sl_proto_count(); i++)
		n += sl_proto_at(i)->fields != NULL;
	return n;
}

const struct sl_field_table *sl_catalogue_table(size_t i)
{
	if (i < ARRAY_SIZE(core_tables))
		return core_tables[i];
	i -= ARRAY_SIZE(core_tables) - 1;
	for (size_t k = 0; k < sl_proto_count(); k++)
		if (sl_proto_at(k)->fields && --i == 0)
			return sl_proto_at(k)->fields;
	return NULL;
}

const char *sl_ftype_name(enum sl_ftype t)
{
	static const char *const names[] = {
		"string", "uint", "int", "double", "bool", "ip", "time", "uint[]", "string[]",
	};
	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

/* Found by address: a rule holds the field itself, and this runs once per
 * field a rule names, at load. */
enum sl_settle sl_field_settle(const struct sl_field *f)
{
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++) {
		if (f < tab->fields || f >= tab->fields + tab->n)
			continue;
		if (f->settle != SL_SETTLE_DEFAULT)
			return f->settle;
		return tab->settle != SL_SETTLE_DEFAULT ? tab->settle : SL_SETTLE_IDENTIFIED;
	}
	return f && f->settle != SL_SETTLE_DEFAULT ? f->settle : SL_SETTLE_IDENTIFIED;
}

const struct sl_field *sl_catalogue_find(const char *name)
{
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++)
			if (strcmp(tab->fields[i].name, name) == 0)
				return &tab->fields[i];
	return NULL;
}

static void emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v)
{
	char buf[SL_TIME_STRLEN > SL_ADDR_STRLEN ? SL_TIME_STRLEN : SL_ADDR_STRLEN];
	switch (type) {
	case SL_FT_STRING: sl_json_str(j, v->s); break;
	case SL_FT_UINT: sl_json_u64(j, v->u); break;
	case SL_FT_INT: sl_json_i64(j, v->i); break;
	case SL_FT_DOUBLE: sl_json_double(j, v->d); break;
	case SL_FT_BOOL: sl_json_bool(j, v->b); break;
	case SL_FT_IP: sl_json_str(j, sl_addr_format(&v->ip, buf, sizeof(buf))); break;
	case SL_FT_TIME: sl_json_str(j, sl_time_format(v->t, buf, sizeof(buf))); break;
	case SL_FT_UINT_LIST:
		sl_json_open_array(j);
		for (unsigned k = 0; k < v->n && k < SL_VALUE_LIST_MAX; k++)
			sl_json_u64(j, v->list[k]);
		sl_json_close_array(j);
		break;
	case SL_FT_STRING_LIST:
		sl_json_open_array(j);
		for (unsigned k = 0; k < v->n && k < SL_VALUE_LIST_MAX; k++)
			sl_json_str(j, v->strs[k]);
		sl_json_close_array(j);
		break;
	}
}

/*
 * Emission order.  Modules may add fields under a shared prefix (tcp.* from
 * the flow table and from the TCP parser; dest.* from DNS and GeoIP), but a
 * JSON object must be written in one piece or its key repeats.  So fields
 * are emitted sorted by, at every level of their dotted path, the position
 * of the first field that opened that path: groups become contiguous and
 * otherwise the catalogue order is kept.  Computed once; the catalogue is
 * static.
 */
#define MAX_FIELDS 1024
#define MAX_DEPTH 6
#define BASE_SLOTS 128 /* distinct (base, gate) places of declared fields; ~60 today */

struct ordered {
	const struct sl_field *f;
	uint16_t key[MAX_DEPTH];
};

static void all_fields(size_t *n, const struct sl_field **out, size_t max)
{
	const struct sl_field_table *tab;
	*n = 0;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n && *n < max; i++)
			out[(*n)++] = &tab->fields[i];
}

/* The parser whose state f is read from, when its table says all its
 * fields are (from_state), or -1. */
static int state_owner(const struct sl_field *f)
{
	for (size_t k = 0; k < sl_proto_count(); k++) {
		const struct sl_field_table *t = sl_proto_at(k)->fields;
		if (t && t->from_state && f >= t->fields && f < t->fields + t->n)
			return (int)k;
	}
	return -1;
}

/* Rank of the path made of the first len bytes of name: the index of the
 * first field whose name continues that path. */
static uint16_t path_rank(const struct sl_field **fs, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(fs[i]->name, name, len) == 0 &&
		    (fs[i]->name[len] == '.' || fs[i]->name[len] == '\0'))
			return (uint16_t)i;
	return (uint16_t)n;
}

static int cmp_ordered(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	return memcmp(x->key, y->key, sizeof(x->key)) < 0 ? -1 :
	       memcmp(x->key, y->key, sizeof(x->key)) > 0;
}

static void build_order(struct ordered *ord, size_t *count)
{
	const struct sl_field *fs[MAX_FIELDS];
	size_t n;
	all_fields(&n, fs, MAX_FIELDS);
	for (size_t i = 0; i < n; i++) {
		const char *name = fs[i]->name;
		size_t d = 0, len = 0;
		memset(ord[i].key, 0xff, sizeof(ord[i].key));
		ord[i].f = fs[i];
		for (const char *p = name;; p++) {
			if ((*p == '.' || *p == '\0') && d < MAX_DEPTH) {
				len = (size_t)(p - name);
				uint16_t r = path_rank(fs, n, name, len);
				ord[i].key[d++] = (uint16_t)((r >> 8) | (r << 8)); /* big-endian for memcmp */
			}
			if (!*p)
				break;
		}
	}
	qsort(ord, n, sizeof(*ord), cmp_ordered);
	*count = n;
}

/* The sorted order, built on first use (the engine calls this at start-up,
 * before any thread writes events). */
static struct ordered ord[MAX_FIELDS];
static const struct sl_field *list[MAX_FIELDS];
static int8_t owner[MAX_FIELDS]; /* state_owner() of list[i] */
static uint8_t srcof[MAX_FIELDS]; /* list[i]'s slot (struct slot), 0: computed */
/* list[i]'s parent path length and its leaf as a JSON key ("leaf":), or
 * keylen 0 when the leaf needs escaping (then sl_json_path() writes it) */
static uint8_t plen[MAX_FIELDS], keylen[MAX_FIELDS];
static char keytext[MAX_FIELDS][40];
static size_t count;
/* Bit i: list[i] is read by every flow (no parser owns it), or owned by
 * parser k (owned[k]): an event visits only the fields its flow can carry. */
#define FIELD_WORDS (MAX_FIELDS / 64)
static uint64_t common[FIELD_WORDS];
static uint64_t owned[64][FIELD_WORDS];

static void prepare_key(size_t i, const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *leaf = dot ? dot + 1 : name;
	size_t n = strlen(leaf);
	plen[i] = (uint8_t)(dot ? dot - name : 0);
	keylen[i] = 0;
	if (n + 3 > sizeof(keytext[i]) || (size_t)(dot ? dot - name : 0) > UINT8_MAX)
		return;
	for (size_t k = 0; k < n; k++)
		if (!((leaf[k] >= 'a' && leaf[k] <= 'z') || (leaf[k] >= '0' && leaf[k] <= '9') ||
		      leaf[k] == '_' || (leaf[k] >= 'A' && leaf[k] <= 'Z')))
			return;
	keytext[i][0] = '"';
	memcpy(keytext[i] + 1, leaf, n);
	keytext[i][n + 1] = '"';
	keytext[i][n + 2] = ':';
	keylen[i] = (uint8_t)(n + 3);
}

/* The distinct places declared fields are read from: a base (flow, record,
 * a parser's state, a base function's struct) and its gate.  Each field
 * has a slot; an event looks each slot up once, and when a slot's base is
 * absent or its gate closed, none of its fields is visited. */
struct slot {
	uint8_t base, gate_size;
	uint16_t gate_off;
	const struct sl_proto *proto;
	const void *(*fn)(const struct sl_record *r);
};
static struct slot slots[BASE_SLOTS];
static size_t nslots = 1; /* slot 0: computed fields */
static uint64_t slot_fields[BASE_SLOTS][FIELD_WORDS];

static uint8_t base_slot(const struct sl_field *f)
{
	const struct sl_field_at *at = &f->at;
	if (at->base == SL_AT_COMPUTED)
		return 0;
	struct slot want = { at->base, at->gate_size, at->gate_off,
			     at->base == SL_AT_STATE ? at->proto : NULL,
			     at->base == SL_AT_FUNC ? at->base_fn : NULL };
	for (size_t k = 1; k < nslots; k++)
		if (slots[k].base == want.base && slots[k].gate_size == want.gate_size &&
		    slots[k].gate_off == want.gate_off && slots[k].proto == want.proto &&
		    slots[k].fn == want.fn)
			return (uint8_t)k;
	if (nslots == BASE_SLOTS) /* never: the catalogue has a few dozen */
		return 0;
	slots[nslots] = want;
	return (uint8_t)nslots++;
}

const struct sl_field *const *sl_catalogue_emit_order(size_t *n)
{
	if (!count) {
		size_t c;
		build_order(ord, &c);
		for (size_t i = 0; i < c; i++) {
			list[i] = ord[i].f;
			owner[i] = (int8_t)state_owner(ord[i].f);
			prepare_key(i, ord[i].f->name);
			srcof[i] = base_slot(ord[i].f);
			slot_fields[srcof[i]][i / 64] |= 1ULL << (i % 64);
			if (owner[i] >= 0)
				owned[owner[i]][i / 64] |= 1ULL << (i % 64);
			else
				common[i / 64] |= 1ULL << (i % 64);
		}
		count = c;
	}
	*n = count;
	return list;
}

/* An event's scratch: each slot's base, looked up on first use, and the
 * last times and addresses written as text (timestamp and flow.end are
 * one time, remote.ip is src_ip or dest_ip). */
struct bases {
	uint64_t looked[BASE_SLOTS / 64];
	const void *p[BASE_SLOTS];
	sl_time_us t[2];
	uint8_t nt, nip;
	char tbuf[2][SL_TIME_STRLEN];
	struct sl_addr ip[2];
	char ipbuf[2][SL_ADDR_STRLEN];
};

/* The base of slot for r, NULL when absent or its gate is closed. */
static const void *slot_base(const struct slot *sl, const struct sl_record *r)
{
	const void *p;
	switch (sl->base) {
	case SL_AT_FLOW: p = r->flow; break;
	case SL_AT_RECORD: p = r; break;
	case SL_AT_FUNC: p = sl->fn(r); break;
	default: p = sl_record_state(r, sl->proto); break;
	}
	if (p && sl->gate_size) {
		if (!read_uint((const uint8_t *)p + sl->gate_off, sl->gate_size))
			return NULL;
	}
	return p;
}

/* The base of list[i]; on the first look at an absent one, the fields
 * of its slot still to come are taken out of visit. */
static const void *base_of(struct bases *b, const struct sl_record *r, uint8_t slot,
			   uint64_t *visit, size_t words)
{
	uint64_t bit = 1ULL << (slot % 64);
	if (b->looked[slot / 64] & bit)
		return b->p[slot];
	b->looked[slot / 64] |= bit;
	b->p[slot] = slot_base(&slots[slot], r);
	if (!b->p[slot])
		for (size_t w = 0; w < words; w++)
			visit[w] &= ~slot_fields[slot][w];
	return b->p[slot];
}

/* A time or an address as text, formatted once per event. */
static const char *time_text(struct bases *b, sl_time_us t)
{
	for (unsigned k = 0; k < b->nt; k++)
		if (b->t[k] == t)
			return b->tbuf[k];
	unsigned k = b->nt < 2 ? b->nt++ : 1;
	b->t[k] = t;
	return sl_time_format(t, b->tbuf[k], sizeof(b->tbuf[k]));
}

static const char *ip_text(struct bases *b, const struct sl_addr *a)
{
	for (unsigned k = 0; k < b->nip; k++)
		if (b->ip[k].family == a->family && memcmp(b->ip[k].b, a->b, sizeof(a->b)) == 0)
			return b->ipbuf[k];
	unsigned k = b->nip < 2 ? b->nip++ : 1;
	b->ip[k] = *a;
	return sl_addr_format(a, b->ipbuf[k], sizeof(b->ipbuf[k]));
}

static void put_key(struct sl_json *j, size_t i)
{
	if (keylen[i])
		sl_json_path_key(j, list[i]->name, plen[i], keytext[i], keylen[i]);
	else
		sl_json_path(j, list[i]->name);
}

/* A value in hand, its key first; times and addresses through the
 * event's memo. */
static void put_value(struct sl_json *j, size_t i, struct bases *b, const struct sl_value *v)
{
	enum sl_ftype type = list[i]->type;
	put_key(j, i);
	if (type == SL_FT_TIME)
		sl_json_str(j, time_text(b, v->t));
	else if (type == SL_FT_IP)
		sl_json_str(j, ip_text(b, &v->ip));
	else
		emit_value(j, type, v);
}

/* A declared field from its base (whose gate its slot has checked): the
 * common kinds written straight from the member, the rest through
 * field_read_at().  The presence rule is field_read_at()'s. */
static void put_declared(struct sl_json *j, size_t i, struct bases *b, const uint8_t *base)
{
	const struct sl_field_at *at = &list[i]->at;
	bool need = at->when == SL_WHEN_NONZERO || at->when == SL_WHEN_FLAG_NONZERO;
	if (!flag_open(at, base))
		return;
	const uint8_t *p = base + at->off;
	uint64_t u;
	switch (at->kind) {
	case SL_AK_CHARS:
		if (need && !*p)
			return;
		put_key(j, i);
		sl_json_str(j, (const char *)p);
		return;
	case SL_AK_U8: case SL_AK_U16: case SL_AK_U32: case SL_AK_U64:
		u = read_uint(p, 1u << (at->kind - SL_AK_U8));
		if (need && !u)
			return;
		put_key(j, i);
		sl_json_u64(j, u);
		return;
	default: {
		struct sl_value v;
		v.n = 0;
		if (field_read_at(at, base, &v))
			put_value(j, i, b, &v);
		return;
	}
	}
}

/* One field of r (list[i]), when it has a value: a declared field read
 * from its slot's base (looked up once per event for all the fields
 * sharing it), a computed one through its getter. */
static void emit_field(const struct sl_record *r, struct sl_json *j, size_t i,
		       struct bases *b, uint64_t *visit, size_t words)
{
	if (srcof[i]) {
		const void *base = base_of(b, r, srcof[i], visit, words);
		if (base)
			put_declared(j, i, b, base);
		return;
	}
	const struct sl_field *f = list[i];
	struct sl_value v;
	v.n = 0;
	/* computed (or, were the slots ever full, a declared field read the slow way) */
	if (f->get ? f->get(r, &v) : sl_field_get(f, r, &v))
		put_value(j, i, b, &v);
}

/* Every field present for r, in emission order.  A flow meets a handful of
 * the ~35 parsers: the fields visited are the common ones and those of the
 * parsers holding state for it, a bit set built from a few words per
 * parser, not a walk of the whole catalogue with a test per field. */
void sl_catalogue_emit(const struct sl_record *r, struct sl_json *j)
{
	size_t n;
	sl_catalogue_emit_order(&n);
	uint64_t present = sl_record_states(r);
	size_t words = (n + 63) / 64;
	uint64_t visit[FIELD_WORDS];
	memcpy(visit, common, words * sizeof(*visit));
	for (; present; present &= present - 1) {
		const uint64_t *o = owned[__builtin_ctzll(present)];
		for (size_t w = 0; w < words; w++)
			visit[w] |= o[w];
	}
	struct bases b;
	memset(b.looked, 0, sizeof(b.looked));
	b.nt = 0;
	b.nip = 0;
	for (size_t w = 0; w < words; w++)
		while (visit[w]) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(visit[w]);
			visit[w] &= visit[w] - 1;
			emit_field(r, j, i, &b, visit, words);
		}
	sl_json_path_reset(j);
}

void sl_catalogue_emit_if(const struct sl_record *r, struct sl_json *j,
			  bool (*want)(const struct sl_field *f))
{
	size_t n;
	const struct sl_field *const *order = sl_catalogue_emit_order(&n);
	for (size_t i = 0; i < n; i++) {
		const struct sl_field *f = order[i];
		struct sl_value v;
		v.n = 0;
		if (!want(f) || !sl_field_get(f, r, &v))
			continue;
		sl_json_path(j, f->name);
		emit_value(j, f->type, &v);
	}
	sl_json_path_reset(j);
}
