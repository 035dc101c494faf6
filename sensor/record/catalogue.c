/* The record stage's catalogue: the one list of field tables, lookup by
 * name, --list-fields printing and JSON emission of a record. */
#include <stdlib.h>
#include <string.h>

#include "sightline/binding.h"
#include "sightline/field.h"
#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/proto.h"
#include "sightline/schema.h"
#include "sightline/subject.h"
#include "field_read.h"
#include "record_priv.h"

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

void sl_record_emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v)
{
	switch (type) {
	case SL_FT_STRING: sl_json_str(j, v->s); break;
	case SL_FT_UINT: sl_json_u64(j, v->u); break;
	case SL_FT_INT: sl_json_i64(j, v->i); break;
	case SL_FT_DOUBLE: sl_json_double(j, v->d); break;
	case SL_FT_BOOL: sl_json_bool(j, v->b); break;
	case SL_FT_IP: sl_record_put_ip(j, &v->ip); break;
	case SL_FT_TIME: sl_record_put_time(j, v->t, SL_ADDR_STRLEN); break;
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
 * first field whose name continues that path.  Fields are ranked in
 * catalogue order, so the first to ask for a path is its first field: one
 * lookup (or insertion) in a table of the paths seen, not a scan of every
 * name before (n^2 strncmp() were 3.3 M of a 45 M instruction start-up). */
#define RANK_SLOTS 8192 /* a power of two above MAX_FIELDS * MAX_DEPTH */
struct rank_slot {
	const char *name; /* NULL: empty */
	uint16_t len, rank;
};

static uint16_t path_rank(struct rank_slot *tab, const char *name, size_t len, size_t i)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t k = 0; k < len; k++)
		h = (h ^ (unsigned char)name[k]) * 1099511628211ULL;
	for (size_t at = h % RANK_SLOTS;; at = (at + 1) % RANK_SLOTS) {
		struct rank_slot *e = &tab[at];
		if (!e->name) {
			*e = (struct rank_slot){ name, (uint16_t)len, (uint16_t)i };
			return e->rank;
		}
		if (e->len == len && memcmp(e->name, name, len) == 0)
			return e->rank;
	}
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
	static struct rank_slot tab[RANK_SLOTS]; /* start-up only, before threads */
	size_t n;
	all_fields(&n, fs, MAX_FIELDS);
	memset(tab, 0, sizeof(tab));
	for (size_t i = 0; i < n; i++) {
		const char *name = fs[i]->name;
		size_t d = 0, len = 0;
		memset(ord[i].key, 0xff, sizeof(ord[i].key));
		ord[i].f = fs[i];
		for (const char *p = name;; p++) {
			if ((*p == '.' || *p == '\0') && d < MAX_DEPTH) {
				len = (size_t)(p - name);
				uint16_t r = path_rank(tab, name, len, i);
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
/* How put_declared() writes list[i]: straight from the member for the
 * common kinds whose presence rule and JSON type it knows, else through
 * value_present() and sl_record_emit_value() (OP_GENERIC).  Unsigned
 * members have an op per size (OP_U8.. in SL_AK_U8.. order), so that the
 * op's jump reads the member without a second switch on its size. */
enum { OP_GENERIC, OP_CHARS, OP_U8, OP_U16, OP_U32, OP_U64, OP_STRP, OP_ENUM, OP_BOOL,
       OP_TIME, OP_IP };
static uint8_t opof[MAX_FIELDS];
/* list[i]'s key after a comma (,"leaf":) and the node of its parent path,
 * or keylen 0 when either needs escaping (then sl_json_path() writes it):
 * one node per distinct path, so that a key is a copy and a change of
 * object a walk of nodes (sl_json_node_key) */
static uint8_t keylen[MAX_FIELDS];
static char keytext[MAX_FIELDS][SL_JSON_KEY_ROOM];
static const struct sl_json_node *pnode[MAX_FIELDS];
static struct sl_json_node nodes[MAX_FIELDS];
static size_t nnodes = 1; /* nodes[0]: the top level */
static size_t count;

/* The op of f (opof[]): the kinds put_declared() writes itself, each only
 * with the JSON type sl_record_emit_value() would give it. */
static uint8_t op_of(const struct sl_field *f)
{
	const struct sl_field_at *at = &f->at;
	if (at->kind == SL_AK_CHARS)
		return OP_CHARS;
	if (at->kind >= SL_AK_U8 && at->kind <= SL_AK_U64)
		return (uint8_t)(OP_U8 + (at->kind - SL_AK_U8));
	if (at->when == SL_WHEN_NUMBER) /* present by NaN: a double's rule */
		return OP_GENERIC;
	switch (at->kind) {
	case SL_AK_STRP: return f->type == SL_FT_STRING ? OP_STRP : OP_GENERIC;
	case SL_AK_ENUM: return f->type == SL_FT_STRING ? OP_ENUM : OP_GENERIC;
	case SL_AK_BOOL: case SL_AK_BIT: case SL_AK_EQ:
		return f->type == SL_FT_BOOL ? OP_BOOL : OP_GENERIC;
	case SL_AK_TIME: return f->type == SL_FT_TIME ? OP_TIME : OP_GENERIC;
	case SL_AK_IP: return f->type == SL_FT_IP ? OP_IP : OP_GENERIC;
	default: return OP_GENERIC;
	}
}

/* The node of path name[0..len), made (with its parents) on first use;
 * NULL when it cannot be one. */
static const struct sl_json_node *node_of(const char *name, size_t len)
{
	if (len == 0)
		return &nodes[0];
	for (size_t k = 1; k < nnodes; k++)
		if (nodes[k].len == len && memcmp(nodes[k].dotted, name, len) == 0)
			return &nodes[k];
	const char *dot = memrchr(name, '.', len);
	const struct sl_json_node *up = node_of(name, dot ? (size_t)(dot - name) : 0);
	if (!up || nnodes == MAX_FIELDS || !sl_json_node_init(&nodes[nnodes], up, name, len))
		return NULL;
	return &nodes[nnodes++];
}

static void prepare_key(size_t i, const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *leaf = dot ? dot + 1 : name;
	if (!nodes[0].dotted)
		sl_json_node_init(&nodes[0], NULL, "", 0);
	pnode[i] = node_of(name, dot ? (size_t)(dot - name) : 0);
	keylen[i] = (uint8_t)sl_json_key_text(keytext[i], leaf, strlen(leaf));
	if (!pnode[i])
		keylen[i] = 0;
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
	uint64_t (*stamp)(const void *base); /* the fn's base's (NULL: none) */
};
static struct slot slots[BASE_SLOTS];
static size_t nslots = 1; /* slot 0: computed fields */

static uint8_t base_slot(const struct sl_field *f)
{
	const struct sl_field_at *at = &f->at;
	if (at->base == SL_AT_COMPUTED)
		return 0;
	struct slot want = { at->base, at->gate_size, at->gate_off,
			     at->base == SL_AT_STATE ? at->proto : NULL,
			     at->base == SL_AT_FUNC ? at->base_fn : NULL,
			     at->base == SL_AT_FUNC ? at->stamp : NULL };
	for (size_t k = 1; k < nslots; k++)
		if (slots[k].base == want.base && slots[k].gate_size == want.gate_size &&
		    slots[k].gate_off == want.gate_off && slots[k].proto == want.proto &&
		    slots[k].fn == want.fn && slots[k].stamp == want.stamp)
			return (uint8_t)k;
	if (nslots == BASE_SLOTS) /* never: the catalogue has a few dozen */
		return 0;
	slots[nslots] = want;
	return (uint8_t)nslots++;
}

/*
 * Each event kind's writer, compiled once from the declarations: the
 * fields the kind carries, in emission order, cut into runs of fields read
 * from one place (a slot) and owned by one parser.  Writing an event walks
 * its plan: a run whose parser holds no state for the flow, or whose base
 * is absent (no subject, no sign-in, no remote side), costs one check; the
 * fields of a run that is there are written straight from its base.
 */
struct step {
	const struct sl_field_at *at; /* list[i]'s */
	uint16_t i;   /* list[] index */
	uint16_t end; /* the first step past this one's run */
	uint8_t slot; /* srcof[i]: 0 computed */
	int8_t owner; /* owner[i]: the parser whose state the run needs, -1 none */
	uint16_t past_owner; /* the first step past the steps of this owner in a row */
	uint8_t op;   /* opof[i] */
	uint8_t test; /* STEP_*: its presence rule's parts, worked out once */
	/* OP_ENUM: 1 + the index in name_tabs[] of its names quoted, 0: escape
	 * them (an index, so that a step stays 24 bytes) */
	uint16_t names;
	/* A run whose text the thread may keep per base (its slot's base has
	 * a stamp, every key is a node key): the node below which all its
	 * fields lie, else NULL */
	const struct sl_json_node *frag_at;
};
#define STEP_NEED 1 /* a non-zero value */
#define STEP_FLAG 2 /* a has-bit or member test (flag_open()) */

struct plan {
	bool (*want)(const struct sl_field *f); /* the kind's record(); NULL: every field */
	struct step steps[MAX_FIELDS];
	uint16_t n;
};

#define MAX_PLANS 8 /* distinct record() of the event kinds: flow, signin, subject, ... */
static struct plan plans[MAX_PLANS];
static size_t nplans;
static bool keep_fragments; /* sl_fragments_on(), asked once at start-up */
/* The plan of the kind "flow" of events.c: flow events, their interim
 * records and their alerts carry the same fields. */
static const struct plan *flow_plan;

/* The deepest node both a and b lie under (or are); NULL: the top level. */
static const struct sl_json_node *common_node(const struct sl_json_node *a,
					      const struct sl_json_node *b)
{
	while (a && b && a != b) {
		if (a->depth >= b->depth)
			a = a->depth ? a->up : NULL;
		else
			b = b->depth ? b->up : NULL;
	}
	return a == b ? a : NULL;
}

/* The node a run's text can be kept below (struct step's frag_at), or
 * NULL: its base has no stamp, or a key is not a node's, or its fields
 * share no object below the top level. */
static const struct sl_json_node *fragment_node(const struct plan *p, size_t s, size_t end)
{
	const struct sl_json_node *at = NULL;
	if (!p->steps[s].slot || !slots[p->steps[s].slot].stamp)
		return NULL;
	for (size_t k = s; k < end; k++) {
		size_t i = p->steps[k].i;
		if (!keylen[i] || !pnode[i] || srcof[i] != p->steps[s].slot)
			return NULL;
		at = k == s ? pnode[i] : common_node(at, pnode[i]);
		if (!at || !at->depth)
			return NULL;
	}
	return at;
}

static void mark_fragments(struct plan *p)
{
	for (size_t s = 0; s < p->n; s = p->steps[s].end) {
		const struct sl_json_node *at = fragment_node(p, s, p->steps[s].end);
		for (size_t k = s; k < p->steps[s].end; k++)
			p->steps[k].frag_at = at;
	}
}

/* The quoted names of the enum fields' names tables (struct step's names). */
static const char *const *name_of_tab[MAX_FIELDS];
static const struct sl_quoted_name *name_tabs[MAX_FIELDS];
static size_t ntabs;

/* 1 + the index of at's names in name_tabs[], made on first use; 0 when
 * they cannot be quoted once. */
static uint16_t name_texts_of(const struct sl_field_at *at)
{
	size_t k = 0;
	while (k < ntabs && name_of_tab[k] != at->names)
		k++;
	if (k == ntabs) {
		if (ntabs == MAX_FIELDS)
			return 0;
		name_of_tab[k] = at->names;
		name_tabs[k] = sl_record_name_texts(at->names, at->n_names);
		ntabs++;
	}
	return name_tabs[k] ? (uint16_t)(k + 1) : 0;
}

static void compile_plan(struct plan *p, bool (*want)(const struct sl_field *f))
{
	p->want = want;
	p->n = 0;
	for (size_t i = 0; i < count; i++) {
		if (want && !want(list[i]))
			continue;
		struct step *st = &p->steps[p->n];
		const struct sl_field_at *at = &list[i]->at;
		st->at = at;
		st->i = (uint16_t)i;
		st->op = opof[i];
		st->test = (uint8_t)((at->when == SL_WHEN_NONZERO || at->when == SL_WHEN_FLAG_NONZERO ?
				      STEP_NEED : 0) |
				     (at->when == SL_WHEN_ONE_OF || at->when == SL_WHEN_FLAG ||
				      at->when == SL_WHEN_FLAG_NONZERO ? STEP_FLAG : 0));
		st->slot = srcof[i];
		st->owner = owner[i];
		st->names = st->op == OP_ENUM ? name_texts_of(at) : 0;
		st->end = (uint16_t)(p->n + 1);
		/* a run: the same base and owner as the step before, and declared */
		size_t first = p->n;
		while (first > 0 && st->slot && p->steps[first - 1].slot == st->slot &&
		       p->steps[first - 1].owner == st->owner)
			first--;
		for (size_t k = first; k <= p->n; k++)
			p->steps[k].end = st->end;
		p->n++;
	}
	mark_fragments(p);
	/* a parser without state skips all its runs in a row at once */
	for (size_t s = p->n; s-- > 0;) {
		struct step *st = &p->steps[s];
		bool same = s + 1 < p->n && p->steps[s + 1].owner == st->owner;
		st->past_owner = same ? p->steps[s + 1].past_owner : (uint16_t)(s + 1);
	}
}

/* A plan for every kind that carries catalogue fields, built with the
 * order (before threads start). */
static void build_plans(void)
{
	for (size_t k = 0; k < sl_event_kinds() && nplans < MAX_PLANS; k++) {
		bool (*want)(const struct sl_field *f) = sl_event_kind_at(k)->record;
		bool have = !want;
		for (size_t q = 0; q < nplans; q++)
			have |= plans[q].want == want;
		if (!have)
			compile_plan(&plans[nplans++], want);
	}
	for (size_t q = 0; q < nplans; q++)
		for (size_t k = 0; k < sl_event_kinds(); k++)
			if (!strcmp(sl_event_kind_at(k)->event_type, "flow") &&
			    sl_event_kind_at(k)->record == plans[q].want)
				flow_plan = &plans[q];
}

const struct sl_field *const *sl_catalogue_emit_order(size_t *n)
{
	if (!count) {
		size_t c;
		build_order(ord, &c);
		for (size_t i = 0; i < c; i++) {
			list[i] = ord[i].f;
			owner[i] = (int8_t)state_owner(ord[i].f);
			srcof[i] = base_slot(ord[i].f);
			opof[i] = op_of(ord[i].f);
		}
		for (size_t i = 0; i < c; i++)
			prepare_key(i, list[i]->name);
		count = c;
		keep_fragments = sl_fragments_on();
		build_plans();
	}
	*n = count;
	return list;
}

/* An event's scratch: each slot's base, looked up on first use. */
struct bases {
	uint64_t looked[BASE_SLOTS / 64];
	const void *p[BASE_SLOTS];
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

/* The base of slot for this event, looked up once (a slot's fields may
 * come in several runs: flow.* after the product). */
static const void *base_of(struct bases *b, const struct sl_record *r, uint8_t slot)
{
	uint64_t bit = 1ULL << (slot % 64);
	if (!(b->looked[slot / 64] & bit)) {
		b->looked[slot / 64] |= bit;
		b->p[slot] = slot_base(&slots[slot], r);
	}
	return b->p[slot];
}

static inline __attribute__((always_inline)) void put_key(struct sl_json *j, size_t i)
{
	if (keylen[i])
		sl_json_node_key(j, pnode[i], keytext[i], keylen[i]);
	else
		sl_json_path(j, list[i]->name);
}

/* A value in hand, its key first.  The flow writer's times have always
 * been formatted in SL_TIME_STRLEN bytes (a year past 9999 is cut short),
 * sl_record_emit_value()'s in more: each keeps its text.  Inline in its
 * two callers: ~23 fields of every flow event come this way. */
static inline __attribute__((always_inline)) void put_value(struct sl_json *j, size_t i, const struct sl_value *v)
{
	enum sl_ftype type = list[i]->type;
	put_key(j, i);
	if (type == SL_FT_STRING) /* most of them: no second switch */
		sl_json_str(j, v->s);
	else if (type == SL_FT_UINT)
		sl_json_u64(j, v->u);
	else if (type == SL_FT_TIME)
		sl_record_put_time(j, v->t, SL_TIME_STRLEN);
	else
		sl_record_emit_value(j, type, v);
}

static inline __attribute__((always_inline)) void put_uint(struct sl_json *j, size_t i,
								bool need, uint64_t u)
{
	if (need && !u)
		return;
	put_key(j, i);
	sl_json_u64(j, u);
}

/* A declared field from its base (whose gate its slot has checked): the
 * common kinds (st->op) written straight from the member, the rest
 * through value_present() (its has-bit checked here, once).  The presence
 * rule is field_read_at()'s: NULL strings and unnamed numbers are absent,
 * need asks for a non-zero value.  Inline in the plan's loop: a call's
 * entry and exit (the registers of a large switch) were ~17 of the ~160
 * instructions a field took, for ~80 fields an event. */
static inline __attribute__((always_inline)) void
put_declared(struct sl_json *j, const struct step *st, const uint8_t *base)
{
	const struct sl_field_at *at = st->at;
	size_t i = st->i;
	bool need = st->test & STEP_NEED;
	if ((st->test & STEP_FLAG) && !flag_open(at, base))
		return;
	const uint8_t *p = base + at->off;
	switch (st->op) {
	case OP_CHARS:
		if (need && !*p)
			return;
		put_key(j, i);
		sl_json_str(j, (const char *)p);
		return;
	case OP_U8:
		put_uint(j, i, need, read_uint(p, 1));
		return;
	case OP_U16:
		put_uint(j, i, need, read_uint(p, 2));
		return;
	case OP_U32:
		put_uint(j, i, need, read_uint(p, 4));
		return;
	case OP_U64:
		put_uint(j, i, need, read_uint(p, 8));
		return;
	case OP_STRP: {
		const char *s;
		memcpy(&s, p, sizeof(s));
		if (!s || (need && !*s))
			return;
		put_key(j, i);
		sl_json_str(j, s);
		return;
	}
	case OP_ENUM: {
		uint64_t x = read_uint(p, at->vsize);
		const char *s = x < at->n_names ? at->names[x] : NULL;
		if (!s || (need && !x))
			return;
		put_key(j, i);
		if (st->names)
			sl_json_raw(j, name_tabs[st->names - 1][x].text,
				    name_tabs[st->names - 1][x].len);
		else
			sl_json_str(j, s);
		return;
	}
	case OP_BOOL: {
		bool v = at->kind == SL_AK_BOOL ? *(const bool *)(const void *)p :
			 at->kind == SL_AK_BIT ? (read_uint(p, at->vsize) & at->vmask) != 0 :
						 read_uint(p, at->vsize) == at->vmask;
		if (need && !v)
			return;
		put_key(j, i);
		sl_json_bool(j, v);
		return;
	}
	case OP_TIME: {
		sl_time_us t;
		memcpy(&t, p, sizeof(t));
		if (need && !t)
			return;
		put_key(j, i);
		sl_record_put_time(j, t, SL_TIME_STRLEN);
		return;
	}
	case OP_IP: {
		struct sl_addr a;
		memcpy(&a, p, sizeof(a));
		if (need && !a.family)
			return;
		put_key(j, i);
		sl_record_put_ip(j, &a);
		return;
	}
	default: {
		struct sl_value v;
		v.n = 0;
		if (value_present(at, base, &v))
			put_value(j, i, &v);
		return;
	}
	}
}

/* A computed field (or, were the slots ever full, a declared one read the
 * slow way) through its getter. */
static void put_computed(const struct sl_record *r, struct sl_json *j, size_t i)
{
	const struct sl_field *f = list[i];
	struct sl_value v;
	v.n = 0;
	if (f->get ? f->get(r, &v) : sl_field_get(f, r, &v))
		put_value(j, i, &v);
}

/* A run of a plan's steps for one base (write_run()). */
struct plan_run {
	const struct plan *p;
	size_t s;
	const uint8_t *base;
};

/* The run's fields one by one (sl_fragment_make()'s writer). */
static void write_run(struct sl_json *j, const void *ctx)
{
	const struct plan_run *rc = ctx;
	for (size_t k = rc->s; k < rc->p->steps[rc->s].end; k++)
		put_declared(j, &rc->p->steps[k], rc->base);
}

/* The run of plan p at step s through its kept text for base when it can
 * be (false: write the fields one by one): the text is written once per
 * thread and base, in place as if the run's node were open with something
 * in it, then taken out of the line, kept and put back where it belongs
 * (sl_json_fragment_*), so that kept or not the bytes are the same. */
static bool put_fragment(const struct plan *p, size_t s, const uint8_t *base, struct sl_json *j)
{
	const struct step *st = &p->steps[s];
	uint64_t stamp = slots[st->slot].stamp(base);
	if (!stamp || !keep_fragments || !sl_json_fragment_fits(j, st->frag_at))
		return false;
	struct sl_fragment f;
	struct plan_run rc = { p, s, base };
	if (!sl_fragment_find(stamp, st, &f) &&
	    !sl_fragment_make(j, st->frag_at, stamp, st, write_run, &rc, &f))
		return j->failed; /* out of memory: the event is dropped */
	if (f.len)
		sl_json_fragment_put(j, st->frag_at, f.text, f.len, f.end);
	return true;
}

/* Every field of plan p present for r, in emission order: one check per
 * run of the parsers that hold no state for the flow and of the absent
 * bases, each present field read from its run's base. */
static void run_plan(const struct plan *p, const struct sl_record *r, struct sl_json *j)
{
	uint64_t present = sl_record_states(r);
	struct bases b;
	memset(b.looked, 0, sizeof(b.looked));
	for (size_t s = 0; s < p->n;) {
		const struct step *st = &p->steps[s];
		size_t end = st->end;
		if (st->owner >= 0 && !(present >> st->owner & 1)) {
			s = st->past_owner;
			continue;
		}
		if (!st->slot) {
			put_computed(r, j, st->i);
			s++;
			continue;
		}
		const uint8_t *base = base_of(&b, r, st->slot);
		if (base && st->frag_at && put_fragment(p, s, base, j)) {
			s = end;
			continue;
		}
		for (; base && s < end; s++)
			put_declared(j, &p->steps[s], base);
		s = end;
	}
	sl_json_path_reset(j);
}

static const struct plan *plan_for(bool (*want)(const struct sl_field *f))
{
	size_t n;
	sl_catalogue_emit_order(&n);
	for (size_t q = 0; q < nplans; q++)
		if (plans[q].want == want)
			return &plans[q];
	return NULL;
}

/* Fields no flow carries (a sign-in's own) are not in the flow plan. */
void sl_catalogue_emit(const struct sl_record *r, struct sl_json *j)
{
	size_t n;
	sl_catalogue_emit_order(&n);
	const struct plan *p = flow_plan;
	if (p)
		run_plan(p, r, j);
	else
		sl_catalogue_emit_if(r, j, NULL);
}

/* A kind's own plan when it has one (every kind listed in events.c);
 * otherwise the whole order, tested field by field. */
void sl_catalogue_emit_if(const struct sl_record *r, struct sl_json *j,
			  bool (*want)(const struct sl_field *f))
{
	const struct plan *p = want ? plan_for(want) : NULL;
	if (p) {
		run_plan(p, r, j);
		return;
	}
	size_t n;
	const struct sl_field *const *order = sl_catalogue_emit_order(&n);
	for (size_t i = 0; i < n; i++) {
		const struct sl_field *f = order[i];
		struct sl_value v;
		v.n = 0;
		if ((want && !want(f)) || !sl_field_get(f, r, &v))
			continue;
		sl_json_path(j, f->name);
		sl_record_emit_value(j, f->type, &v);
	}
	sl_json_path_reset(j);
}

size_t sl_catalogue_plan_size(bool (*want)(const struct sl_field *f), size_t *runs)
{
	const struct plan *p = plan_for(want);
	*runs = 0;
	for (size_t s = 0; p && s < p->n; s = p->steps[s].slot ? p->steps[s].end : s + 1)
		(*runs)++;
	return p ? p->n : 0;
}
