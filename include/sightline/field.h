/* The field catalogue: every field an event carries and a rule can test is
 * declared once, in a table beside the code that fills it (name, type,
 * description, getter).  JSON output and --list-fields are driven by it. */
#ifndef SIGHTLINE_FIELD_H
#define SIGHTLINE_FIELD_H

#include <stddef.h>
#include <stdio.h>

#include "sightline/common.h"
#include "sightline/flow.h"
#include "sightline/json.h"

enum sl_ftype {
	SL_FT_STRING,
	SL_FT_UINT,
	SL_FT_INT,
	SL_FT_DOUBLE,
	SL_FT_BOOL,
	SL_FT_IP,
	SL_FT_TIME,      /* packet time, written as ISO-8601 */
	SL_FT_UINT_LIST, /* e.g. vlan ids */
	SL_FT_STRING_LIST, /* e.g. intel list names */
};

/** Name of a type for --list-fields ("string", "uint", ...). */
const char *sl_ftype_name(enum sl_ftype t);

#define SL_VALUE_LIST_MAX 8

/* A field's value as produced by its getter.  s may point into the record
 * or into buf; either way it is borrowed for as long as the record is. */
struct sl_value {
	union {
		const char *s;
		uint64_t u;
		int64_t i;
		double d;
		bool b;
		struct sl_addr ip;
		sl_time_us t;
	};
	uint64_t list[SL_VALUE_LIST_MAX];
	const char *strs[SL_VALUE_LIST_MAX]; /* SL_FT_STRING_LIST entries */
	unsigned n;      /* entries in list or strs */
	char buf[176];   /* scratch for computed strings (a SYN's longest option list) */
};

struct sl_geo_result;
struct sl_subject_view;
struct sl_binding;
struct sl_signin;
struct sl_field;

/* What fields read from: the flow at its end, plus output settings. */
struct sl_record {
	const struct sl_flow *flow;
	const char *event_type;   /* "flow" */
	uint16_t community_seed;
	/* IP intelligence of the client [0] and server [1] side (NULL: nothing
	 * known), and which of them is remote (outside home_networks): 0, 1,
	 * or -1 for neither.  Borrowed from the engine's geo cache. */
	const struct sl_geo_result *geo[2];
	int8_t remote;
	/* The subject the flow is charged to, with its physics and travel facts
	 * (subject.*, physics.*, travel.*; sensor/subject).  NULL: none. */
	const struct sl_subject_view *subject;
	/* Names earlier DNS answers gave the client [0] and server [1]
	 * addresses ("": none), copied from the hosts table by
	 * sl_hosts_name_record() under the engine lock, so that the event can
	 * be written after it is released. */
	char dns_name[2][256];
	/* The sign-in that bound the flow's outside address (subject.account,
	 * subject.signin.*; include/sightline/binding.h), NULL: none.  Borrowed. */
	const struct sl_binding *binding;
	/* A sign-in event's own sign-in (signin.*; then flow is a stand-in
	 * holding its address and time).  NULL for flows.  Borrowed. */
	const struct sl_signin *signin;
	/* An interim record of a flow still open (flow.interim): its counters
	 * so far, written every flow.update_interval of a long flow. */
	bool interim;
	/* A record rebuilt from a received event (sightline score, sensor/score):
	 * sl_field_get() asks event_get first; it returns true when it answers
	 * for f (then *present says whether f is in the event, v its value,
	 * borrowed like the record), false to read f as usual (the subject's
	 * fields, which the scorer computes itself).  NULL for a flow seen here. */
	bool (*event_get)(const struct sl_record *r, const struct sl_field *f, struct sl_value *v,
			  bool *present);
	const void *event; /* what event_get reads (a jansson object); borrowed */
	/* The capture clock when the event was written (scoring.mode forward:
	 * sensor_time, the order a fleet scorer applies events in); 0: not set. */
	sl_time_us clock;
};

/*
 * When a field's value is settled in a flow's life, declared once per field
 * (or for a whole table): a rule is evaluated at the latest stage of the
 * fields it names, as soon as the flow reaches it, and a flow that ends
 * early runs every remaining stage at its end.  0 in a declaration means
 * "the table's stage"; a table's 0 means SL_SETTLE_IDENTIFIED.
 */
enum sl_settle {
	SL_SETTLE_DEFAULT = 0,
	SL_SETTLE_HANDSHAKE,  /* both directions seen (TCP: handshake done): addresses, places */
	SL_SETTLE_IDENTIFIED, /* the parser that identified the flow finished it (or inspection
			       * ended): its facts and the product */
	SL_SETTLE_INSPECTION, /* no parser wants more packets: what every parser saw */
	SL_SETTLE_END,        /* the flow ended: counters, state, its subject */
};

struct sl_proto;

/* Where a declared field's value is kept: the memory the record's writer,
 * the rule matcher and sl_field_get() read, so that none of them needs a
 * hand-written getter. */
enum sl_at_base {
	SL_AT_COMPUTED = 0, /* not declared: the field's get() computes it */
	SL_AT_STATE,        /* the state of parser at.proto for the flow */
	SL_AT_FLOW,         /* the record's struct sl_flow */
	SL_AT_RECORD,       /* the struct sl_record itself */
	SL_AT_FUNC,         /* what at.base_fn returns for the record (NULL: absent):
			     * state found by a rule, e.g. the TLS session of
			     * whichever parser carried it, one side of a handshake */
	SL_AT_OWN,          /* the struct an event's own writer hands sl_fields_write()
			     * (the stats event's counters): no record reads it */
};

/* How the member at at.off is stored. */
enum sl_at_kind {
	SL_AK_U8 = 1, SL_AK_U16, SL_AK_U32, SL_AK_U64, /* unsigned integer -> uint */
	SL_AK_BOOL,   /* bool -> bool */
	SL_AK_CHARS,  /* NUL-terminated char array -> string */
	SL_AK_STRP,   /* const char * (NULL: absent) -> string */
	SL_AK_IP,     /* struct sl_addr -> ip */
	SL_AK_TIME,   /* sl_time_us -> time */
	SL_AK_BIT,    /* (unsigned member of at.vsize bytes & at.vmask) != 0 -> bool */
	SL_AK_TEXTOFF, /* uint16_t: 1 + offset into the char * at at.aux_off; 0 absent -> string */
	SL_AK_DOUBLE, /* double, rounded to a multiple of at.unit (0: as is), or to
		       * at.digits decimals -> double */
	SL_AK_ENUM,   /* unsigned member of at.vsize bytes naming at.names[value] (at.n_names
		       * entries); a NULL entry or a value beyond: absent -> string */
	SL_AK_EQ,     /* (unsigned member of at.vsize bytes) == at.vmask -> bool */
	SL_AK_HEX,    /* bytes as lowercase hex, at.sep between them (0: none): at.vsize
		       * bytes, or as many as the count member at aux_off (aux_size bytes)
		       * says, at most at.vsize -> string */
	SL_AK_HEXNUM, /* unsigned member of at.vsize bytes as at.digits hex digits after
		       * at.prefix ("0x", or NULL) -> string */
	SL_AK_LIST,   /* array of unsigned members of at.vsize bytes, as many as the count
		       * member at aux_off (aux_size bytes) says, at most
		       * SL_VALUE_LIST_MAX -> uint[] */
	SL_AK_STRS,   /* array of char[at.vsize] strings, counted likewise -> string[] */
	SL_AK_RATIO,  /* unsigned member of at.vsize bytes divided by the unsigned member at
		       * aux_off (aux_size bytes; 0 there: absent), or when aux_size is 0 by
		       * at.unit, to at.digits decimals (0: as is) -> double */
	SL_AK_STRPS,  /* array of const char * (at.vsize: the pointer's size), counted
		       * likewise -> string[] (every entry non-NULL) */
	SL_AK_STRPP,  /* const char *const * (an array held elsewhere: a rule's tags),
		       * counted likewise -> string[] */
	SL_AK_COUNTS, /* array of unsigned members of at.vsize bytes, at.n_names entries from
		       * index aux_off, entry i written as a uint under the name's prefix
		       * (up to its '*') plus at.name_fn(i): counters by an enumeration.
		       * Written by sl_fields_write() only (sl_field_read(): absent) */
};

/* When a declared field is present (its presence rule). */
enum sl_at_when {
	SL_WHEN_NONZERO = 0, /* the value is non-zero: a number, true, a non-empty
			      * string, an address with a family */
	SL_WHEN_STATE,       /* whenever its memory exists (the parser holds state) */
	SL_WHEN_FLAG,        /* a has-bit: the flag member is non-zero (flag_mask
			      * UINT64_MAX) or has every bit of flag_mask set */
	SL_WHEN_FLAG_NONZERO, /* the has-bit and the value is non-zero */
	SL_WHEN_ONE_OF,      /* the flag member equals one of the non-zero bytes of
			      * flag_mask (the IP protocols that carry ports) */
	SL_WHEN_NUMBER,      /* a double that is not NaN (NaN: not known) */
};

struct sl_field_at {
	uint8_t base;  /* enum sl_at_base */
	uint8_t kind;  /* enum sl_at_kind */
	uint8_t when;  /* enum sl_at_when */
	uint8_t flag_size; /* bytes of the flag member: 1, 2, 4 or 8 */
	uint16_t off;  /* offsetof the value in the base */
	uint16_t flag_off;
	uint64_t flag_mask;
	const struct sl_proto *proto; /* SL_AT_STATE: whose state */
	/* A gate on the whole base (a parser's "identified"): when gate_size is
	 * non-zero, the field is absent unless the member at gate_off is. */
	uint16_t gate_off;
	uint8_t gate_size;
	uint8_t vsize;     /* SL_AK_BIT: bytes of the member */
	uint16_t aux_off;  /* SL_AK_TEXTOFF: offsetof the text pointer; HEX, LIST,
			    * STRS: of the count member (when aux_size) */
	uint8_t aux_size;  /* bytes of the count member (0: HEX of vsize bytes) */
	char sep;          /* SL_AK_HEX: between bytes (':' for a MAC), 0: none */
	uint8_t digits;    /* SL_AK_HEXNUM: hex digits written; DOUBLE, RATIO: decimals */
	uint16_t n_names;  /* SL_AK_ENUM: entries of names */
	const char *const *names; /* SL_AK_ENUM: value -> name (NULL: absent) */
	const char *prefix; /* SL_AK_HEXNUM: before the digits (NULL: nothing) */
	uint64_t vmask;    /* SL_AK_BIT: the bit(s); SL_AK_EQ: the value */
	double unit;       /* SL_AK_DOUBLE: written to this precision (0: as is) */
	/* SL_AT_FUNC: the base for r, or NULL.  Borrowed like the record. */
	const void *(*base_fn)(const struct sl_record *r);
	/* SL_AT_FUNC, optional: a number naming what a base of base_fn holds,
	 * never given to a base holding anything else (0: no name), so that
	 * the event writer may keep the text of the base's fields and copy it
	 * into the next event with the same base (a place's geo block). */
	uint64_t (*stamp)(const void *base);
	/* SL_AK_COUNTS: the name of entry i (static) */
	const char *(*name_fn)(unsigned i);
};

struct sl_field {
	const char *name;     /* dotted, EVE style: "flow.pkts_toserver" */
	enum sl_ftype type;
	const char *desc;     /* one line, shown by --list-fields */
	/* A computed field: fill v; return false when the field is absent for
	 * this record.  NULL for a declared field (at says where it lives);
	 * read any field through sl_field_get(). */
	bool (*get)(const struct sl_record *r, struct sl_value *v);
	enum sl_settle settle; /* SL_SETTLE_DEFAULT: the table's */
	struct sl_field_at at;
};

/*
 * Declaring a field: one line per field saying where its value lives and
 * when it is present, from which sl_field_get(), the event writer and the
 * rule matcher all work.  SRC is SL_IN_STATE(sl_proto_x), or
 * SL_IN_STATE_IF(sl_proto_x, T, flag) for state read only once its flag is
 * set (the parser identified the flow), SL_IN_FLOW, SL_IN_RECORD, or
 * SL_IN_FUNC(fn) / SL_IN_FUNC_IF(fn, T, flag) for a struct fn finds; T the struct at that base and M the member; the trailing
 * arguments are the presence rule (SL_NONZERO, SL_WITH_STATE or SL_ALWAYS,
 * SL_IF(T, flag): flag non-zero, SL_IF_BIT(T, flag, mask): every bit of mask
 * set in flag, SL_IF_NONZERO(T, flag): flag and value non-zero), optionally
 * followed by a settle stage (, .settle = SL_SETTLE_END).  The JSON type
 * follows from the macro: STR/STRP -> string, U -> uint (any unsigned
 * width), BOOL -> bool, IP -> ip, TIME -> time.
 */
#define SL_IN_STATE(P) .at.base = SL_AT_STATE, .at.proto = &(P)
#define SL_IN_STATE_IF(P, T, G)                                               \
	SL_IN_STATE(P), .at.gate_off = offsetof(T, G), .at.gate_size = sizeof(((T *)0)->G)
#define SL_IN_FUNC(FN) .at.base = SL_AT_FUNC, .at.base_fn = (FN)
/* SL_IN_FUNC with the base's stamp (struct sl_field_at's stamp). */
#define SL_IN_FUNC_STAMPED(FN, STAMP) SL_IN_FUNC(FN), .at.stamp = (STAMP)
#define SL_IN_FUNC_IF(FN, T, G)                                               \
	SL_IN_FUNC(FN), .at.gate_off = offsetof(T, G), .at.gate_size = sizeof(((T *)0)->G)
#define SL_IN_FLOW .at.base = SL_AT_FLOW
#define SL_IN_RECORD .at.base = SL_AT_RECORD

#define SL_NONZERO .at.when = SL_WHEN_NONZERO
#define SL_WITH_STATE .at.when = SL_WHEN_STATE
#define SL_ALWAYS SL_WITH_STATE /* of the flow or the record: they always exist */
#define SL_IF_BIT(T, F, MASK)                                                 \
	.at.when = SL_WHEN_FLAG, .at.flag_off = offsetof(T, F),               \
	.at.flag_size = sizeof(((T *)0)->F), .at.flag_mask = (MASK)
#define SL_IF(T, F) SL_IF_BIT(T, F, UINT64_MAX)
/* every bit of MASK set in F, and the value non-zero */
#define SL_IF_BIT_NONZERO(T, F, MASK)                                         \
	.at.when = SL_WHEN_FLAG_NONZERO, .at.flag_off = offsetof(T, F),       \
	.at.flag_size = sizeof(((T *)0)->F), .at.flag_mask = (MASK)
/* Present when member F is one of up to eight non-zero byte values (the
 * value itself may be zero: a port of a protocol that has ports). */
#define SL_IF_ONE_OF(T, F, ...)                                               \
	.at.when = SL_WHEN_ONE_OF, .at.flag_off = offsetof(T, F),             \
	.at.flag_size = sizeof(((T *)0)->F), .at.flag_mask = sl__bytes(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define sl__bytes(A, B, C, D, E, F, G, ...)                                   \
	((uint64_t)(A) | (uint64_t)(B) << 8 | (uint64_t)(C) << 16 | (uint64_t)(D) << 24 | \
	 (uint64_t)(E) << 32 | (uint64_t)(F) << 40 | (uint64_t)(G) << 48)
/* A double present unless NaN (0.0 is a place on the map) */
#define SL_IF_NUMBER .at.when = SL_WHEN_NUMBER
#define SL_IF_NONZERO(T, F)                                                   \
	.at.when = SL_WHEN_FLAG_NONZERO, .at.flag_off = offsetof(T, F),       \
	.at.flag_size = sizeof(((T *)0)->F), .at.flag_mask = UINT64_MAX

#define SL__UKIND(T, M)                                                       \
	(sizeof(((T *)0)->M) == 1 ? SL_AK_U8 : sizeof(((T *)0)->M) == 2 ? SL_AK_U16 : \
	 sizeof(((T *)0)->M) == 4 ? SL_AK_U32 : SL_AK_U64)
/* SRC and the presence rule are expanded into commas, so they travel last. */
#define SL__FIELD(NAME, FT, DESC, T, M, KIND, ...)                            \
	{ .name = (NAME), .type = (FT), .desc = (DESC),                       \
	  .at.off = offsetof(T, M), .at.kind = (KIND), __VA_ARGS__ }

#define SL_FIELD_STR(NAME, DESC, SRC, T, M, ...)                              \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_CHARS, SRC, __VA_ARGS__)
#define SL_FIELD_STRP(NAME, DESC, SRC, T, M, ...)                             \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_STRP, SRC, __VA_ARGS__)
#define SL_FIELD_U(NAME, DESC, SRC, T, M, ...)                                \
	SL__FIELD(NAME, SL_FT_UINT, DESC, T, M, SL__UKIND(T, M), SRC, __VA_ARGS__)
#define SL_FIELD_BOOL(NAME, DESC, SRC, T, M, ...)                             \
	SL__FIELD(NAME, SL_FT_BOOL, DESC, T, M, SL_AK_BOOL, SRC, __VA_ARGS__)
/* A flag bit as a bool: (M & MASK) != 0 */
#define SL_FIELD_BIT(NAME, DESC, SRC, T, M, MASK, ...)                        \
	SL__FIELD(NAME, SL_FT_BOOL, DESC, T, M, SL_AK_BIT, SRC,               \
		  .at.vsize = sizeof(((T *)0)->M), .at.vmask = (MASK), __VA_ARGS__)
/* A string kept in a text buffer: M is 1 + its offset in the buffer TEXT
 * points to (0: absent) */
#define SL_FIELD_TEXT(NAME, DESC, SRC, T, M, TEXT, ...)                       \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_TEXTOFF, SRC,         \
		  .at.aux_off = offsetof(T, TEXT), __VA_ARGS__)
/* A measurement written to a multiple of UNIT (0.001: to the thousandth):
 * more digits than the measure holds are noise */
#define SL_FIELD_DOUBLE(NAME, DESC, SRC, T, M, UNIT, ...)                     \
	SL__FIELD(NAME, SL_FT_DOUBLE, DESC, T, M, SL_AK_DOUBLE, SRC,          \
		  .at.unit = (UNIT), __VA_ARGS__)
/* A number named by a table: M indexes NAMES (a NULL entry: absent) */
#define SL_FIELD_ENUM(NAME, DESC, SRC, T, M, NAMES, ...)                      \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_ENUM, SRC,            \
		  .at.vsize = sizeof(((T *)0)->M), .at.names = (NAMES),        \
		  .at.n_names = ARRAY_SIZE(NAMES), __VA_ARGS__)
/* Whether M holds VALUE: true, else absent (with SL_NONZERO) */
#define SL_FIELD_EQ(NAME, DESC, SRC, T, M, VALUE, ...)                        \
	SL__FIELD(NAME, SL_FT_BOOL, DESC, T, M, SL_AK_EQ, SRC,                \
		  .at.vsize = sizeof(((T *)0)->M), .at.vmask = (VALUE), __VA_ARGS__)
/* The bytes of M (an array, or any member read as its bytes) as hex, SEP
 * between them (0: none) */
#define SL_FIELD_HEX(NAME, DESC, SRC, T, M, SEP, ...)                         \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_HEX, SRC,             \
		  .at.vsize = sizeof(((T *)0)->M), .at.sep = (SEP), __VA_ARGS__)
/* The first COUNT bytes of array M as hex */
#define SL_FIELD_HEXN(NAME, DESC, SRC, T, M, COUNT, ...)                      \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_HEX, SRC,             \
		  .at.vsize = sizeof(((T *)0)->M), .at.aux_off = offsetof(T, COUNT), \
		  .at.aux_size = sizeof(((T *)0)->COUNT), __VA_ARGS__)
/* An unsigned number as DIGITS hex digits after PREFIX ("0x" or NULL) */
#define SL_FIELD_HEXNUM(NAME, DESC, SRC, T, M, DIGITS, PREFIX, ...)           \
	SL__FIELD(NAME, SL_FT_STRING, DESC, T, M, SL_AK_HEXNUM, SRC,          \
		  .at.vsize = sizeof(((T *)0)->M), .at.digits = (DIGITS),      \
		  .at.prefix = (PREFIX), __VA_ARGS__)
/* The first COUNT entries of array M: unsigned numbers (uint[]) or char
 * arrays (string[]) */
#define SL_FIELD_LIST(NAME, DESC, SRC, T, M, COUNT, ...)                      \
	SL__FIELD(NAME, SL_FT_UINT_LIST, DESC, T, M, SL_AK_LIST, SRC,         \
		  .at.vsize = sizeof(((T *)0)->M[0]), .at.aux_off = offsetof(T, COUNT), \
		  .at.aux_size = sizeof(((T *)0)->COUNT), __VA_ARGS__)
#define SL_FIELD_STRS(NAME, DESC, SRC, T, M, COUNT, ...)                      \
	SL__FIELD(NAME, SL_FT_STRING_LIST, DESC, T, M, SL_AK_STRS, SRC,       \
		  .at.vsize = sizeof(((T *)0)->M[0]), .at.aux_off = offsetof(T, COUNT), \
		  .at.aux_size = sizeof(((T *)0)->COUNT), __VA_ARGS__)
/* The first COUNT entries of array M of string pointers (string[]); with
 * SL_ALWAYS an empty list is written as [] */
#define SL_FIELD_STRPS(NAME, DESC, SRC, T, M, COUNT, ...)                     \
	SL__FIELD(NAME, SL_FT_STRING_LIST, DESC, T, M, SL_AK_STRPS, SRC,      \
		  .at.vsize = sizeof(((T *)0)->M[0]), .at.aux_off = offsetof(T, COUNT), \
		  .at.aux_size = sizeof(((T *)0)->COUNT), __VA_ARGS__)
/* The first COUNT strings of the array member M points to (string[]) */
#define SL_FIELD_STRPP(NAME, DESC, SRC, T, M, COUNT, ...)                     \
	SL__FIELD(NAME, SL_FT_STRING_LIST, DESC, T, M, SL_AK_STRPP, SRC,      \
		  .at.aux_off = offsetof(T, COUNT),                            \
		  .at.aux_size = sizeof(((T *)0)->COUNT), __VA_ARGS__)
/* A measurement written to DIGITS decimals (round(x * 10^DIGITS) / 10^DIGITS) */
#define SL_FIELD_DECIMALS(NAME, DESC, SRC, T, M, DIGITS, ...)                 \
	SL__FIELD(NAME, SL_FT_DOUBLE, DESC, T, M, SL_AK_DOUBLE, SRC,          \
		  .at.digits = (DIGITS), __VA_ARGS__)
/* M / DEN (another unsigned member: a share, a mean) to DIGITS decimals */
#define SL_FIELD_RATIO(NAME, DESC, SRC, T, M, DEN, DIGITS, ...)               \
	SL__FIELD(NAME, SL_FT_DOUBLE, DESC, T, M, SL_AK_RATIO, SRC,           \
		  .at.vsize = sizeof(((T *)0)->M), .at.aux_off = offsetof(T, DEN), \
		  .at.aux_size = sizeof(((T *)0)->DEN), .at.digits = (DIGITS), __VA_ARGS__)
/* M (an unsigned count of small units) / DIV: microseconds as ms (1000.0) */
#define SL_FIELD_SCALED(NAME, DESC, SRC, T, M, DIV, ...)                      \
	SL__FIELD(NAME, SL_FT_DOUBLE, DESC, T, M, SL_AK_RATIO, SRC,           \
		  .at.vsize = sizeof(((T *)0)->M), .at.unit = (DIV), __VA_ARGS__)
/* Counters named by an enumeration: entries FIRST .. FIRST + N - 1 of array
 * M, each written as NAME's prefix (up to its '*') + NAMEFN(i); NAME ends in
 * '*' (or "*.*" when the names are dotted) */
#define SL_FIELD_COUNTS(NAME, DESC, SRC, T, M, FIRST, N, NAMEFN, ...)         \
	SL__FIELD(NAME, SL_FT_UINT, DESC, T, M, SL_AK_COUNTS, SRC,            \
		  .at.vsize = sizeof(((T *)0)->M[0]), .at.aux_off = (FIRST),   \
		  .at.n_names = (N), .at.name_fn = (NAMEFN), __VA_ARGS__)
/* A struct's member for an event's own writer (sl_fields_write()) */
#define SL_IN_OWN .at.base = SL_AT_OWN
#define SL_FIELD_IP(NAME, DESC, SRC, T, M, ...)                               \
	SL__FIELD(NAME, SL_FT_IP, DESC, T, M, SL_AK_IP, SRC, __VA_ARGS__)
#define SL_FIELD_TIME(NAME, DESC, SRC, T, M, ...)                             \
	SL__FIELD(NAME, SL_FT_TIME, DESC, T, M, SL_AK_TIME, SRC, __VA_ARGS__)

/**
 * The value of field f for r into v: false when absent.  A declared field
 * is read where its declaration says, a computed one through its get().
 * Strings in v are borrowed for as long as the record is.
 */
bool sl_field_get(const struct sl_field *f, const struct sl_record *r, struct sl_value *v);

/**
 * The value of declared field f read from base (the memory its at.base
 * names for the record: parser state, flow or record), into v; false when
 * absent by its presence rule.  For writers that look the base up once per
 * table.  base must not be NULL.
 */
bool sl_field_read(const struct sl_field *f, const void *base, struct sl_value *v);

struct sl_field_table;

/**
 * Write every present field of table t, read from base (the struct its
 * declarations name, SL_IN_OWN), into j (inside an object begun by the
 * caller), in table order: the writer of events not built from a record
 * (stats).  Counters by an enumeration (SL_FIELD_COUNTS) give one key per
 * entry.  base is borrowed for the call.
 */
void sl_fields_write(const struct sl_field_table *t, const void *base, struct sl_json *j);
/**
 * sl_fields_write() of the fields t->fields[order[0..n)] in that order: an
 * event's own writer whose key order is not the declarations' (the alert
 * block of rule alerts and of subject alerts, one table).  base is borrowed
 * for the call.  Lists (string[]) are written whole, not cut at
 * SL_VALUE_LIST_MAX as sl_field_read() cuts them.
 */
void sl_fields_write_order(const struct sl_field_table *t, const uint8_t *order, size_t n,
			   const void *base, struct sl_json *j);
/**
 * sl_fields_write_order() whose text is kept per thread under stamp and
 * order and copied into j when both come again (a rule's alert block):
 * stamp must name every value the fields read from base (0: nothing is
 * kept, the fields are written).  Byte for byte what
 * sl_fields_write_order() writes; the fields must all lie below one
 * object, else they are written one by one.  base is borrowed for the
 * call; order must be static.
 */
void sl_fields_write_kept(const struct sl_field_table *t, const uint8_t *order, size_t n,
			  const void *base, uint64_t stamp, struct sl_json *j);
/** sl_fields_write() of the fields of t whose name starts with prefix only
 * (a part of a table another writer shares: stats.subjects.*). */
void sl_fields_write_under(const struct sl_field_table *t, const char *prefix, const void *base,
			   struct sl_json *j);

/**
 * An array of objects declared by an element table t (every name
 * "a.b[].member", one level below the array): sl_fields_open_array() writes
 * the key a.b (from the first name) and opens the array, then
 * sl_fields_write_element() writes one object from base, each present
 * member under its name after "[]."; the caller closes the array
 * (sl_json_close_array).  base is borrowed for the call.
 */
void sl_fields_open_array(const struct sl_field_table *t, struct sl_json *j);
/**
 * Every present field of t read from base, each under the part of its name
 * inside its innermost array's element ("a.b[].c.d" -> "c.d") as a path
 * from the current level: for an element the caller opened and set the
 * path state aside for (sl_json_path_enter()), its nested objects opened
 * and closed as the names go.  sl_fields_open_array() inside such an
 * element opens a nested array ("a.b[].c[].d": key c).  base is borrowed.
 */
void sl_fields_write_rel(const struct sl_field_table *t, const void *base, struct sl_json *j);
/** Open (by path, as sl_fields_write_rel() names it) the object holding
 * the first field of t, writing no field: an object an event carries even
 * when none of its fields is present ("facts": {}). */
void sl_fields_open_object(const struct sl_field_table *t, struct sl_json *j);
/** Every present field of t read from base, each under the last part of
 * its dotted name at the current level of j (inside an object the caller
 * opened by key).  base is borrowed for the call. */
void sl_fields_write_keys(const struct sl_field_table *t, const void *base, struct sl_json *j);
void sl_fields_write_element(const struct sl_field_table *t, const void *base, struct sl_json *j);

/* A module's table.  Fields sharing a dotted prefix are contiguous so the
 * JSON writer never reopens an object (checked in debug builds). */
struct sl_field_table {
	const char *module;
	const struct sl_field *fields;
	size_t n;
	/* Every field is absent when the table's parser holds no state for the
	 * flow, so the event writer skips the table for such flows without
	 * calling its getters (tests/unit/test_catalogue.c holds each flagged
	 * table to it).  Leave false for a table with a field read elsewhere. */
	bool from_state;
	enum sl_settle settle; /* its fields' stage unless they say (DEFAULT: identified) */
};

/* The flow module's fields (sensor/flow/flow_fields.c): the EVE header
 * (timestamp, ids, 5-tuple, encapsulation), then after the protocol and
 * product the catalogue puts between them, the Community ID, the flow block
 * and TCP flags. */
extern const struct sl_field_table sl_flow_head_fields;
extern const struct sl_field_table sl_flow_fields;
/* IP intelligence: src.geo.*, dest.geo.*, remote.* (sensor/enrich/geo_fields.c). */
extern const struct sl_field_table sl_geo_fields;

/** Number of tables in the catalogue (the core tables: flow, geo; then each
 * parser's in registry order) and the table at index i (borrowed, static). */
size_t sl_catalogue_tables(void);
const struct sl_field_table *sl_catalogue_table(size_t i);

/**
 * The stage at which f (a catalogue field) is settled: its own declaration,
 * else its table's, else SL_SETTLE_IDENTIFIED.  Never SL_SETTLE_DEFAULT.
 */
enum sl_settle sl_field_settle(const struct sl_field *f);

/** Look a field up by dotted name; NULL when unknown.  Borrowed, static. */
const struct sl_field *sl_catalogue_find(const char *name);

/**
 * The current name of a field sightline renamed when it took Suricata EVE's
 * names and types ("http.host" -> "http.hostname", "tcp.syn.ttl" ->
 * "tcp_stack.syn.ttl"), written into buf (len bytes); NULL when old was
 * never renamed (or its new name is not in the catalogue).  Returns buf.
 */
const char *sl_field_renamed(const char *old, char *buf, size_t len);

/**
 * For a field that kept its name but took Suricata EVE's type (text before,
 * a number now: ike.exchange_type), the field that holds the text it held;
 * NULL for any other.  Borrowed, static.
 */
const char *sl_field_text_moved(const char *name);

/**
 * Fields in the order events carry them: catalogue order, except that
 * fields sharing a dotted prefix are brought together (so modules may add
 * fields under a common prefix without repeating a JSON key).  Borrowed,
 * static; built on the first call (make that call before starting threads).
 */
const struct sl_field *const *sl_catalogue_emit_order(size_t *n);

/**
 * Write every present field of every table for r into j (inside an object
 * begun by the caller), in sl_catalogue_emit_order().
 */
void sl_catalogue_emit(const struct sl_record *r, struct sl_json *j);

/**
 * Like sl_catalogue_emit(), for the fields want() accepts only: events that
 * are not flows (a sign-in) carry a chosen part of the catalogue.  Each
 * event kind's record() (include/sightline/schema.h) has a writer compiled
 * at start-up; any other want() is tested field by field.
 */
void sl_catalogue_emit_if(const struct sl_record *r, struct sl_json *j,
			  bool (*want)(const struct sl_field *f));

/**
 * The writer compiled for the event kind whose record() is want: the number
 * of catalogue fields it writes, and in *runs how many runs it checks them
 * in (consecutive fields read from one place for one parser: one check for
 * a run whose parser holds no state or whose base is absent).  0 when no
 * event kind has that record().  Builds the order on first call.
 */
size_t sl_catalogue_plan_size(bool (*want)(const struct sl_field *f), size_t *runs);

#endif
