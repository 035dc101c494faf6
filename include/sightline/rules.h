/* The rule pack: Sigma-style YAML rules (detection selections, a condition,
 * field modifiers) and Sigma-style correlation rules, compiled once at load
 * into field pointers and typed constants so evaluation does no string
 * lookups of field names.  Implemented in sensor/rules/. */
#ifndef SIGHTLINE_RULES_H
#define SIGHTLINE_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sightline/common.h"
#include "sightline/field.h"

/* Where a rule's hits count: flow rules also raise an alert on the flow;
 * subject rules only add to the subject's score. */
enum sl_rule_scope {
	SL_RULE_SCOPE_FLOW,
	SL_RULE_SCOPE_SUBJECT,
};

/* Event types a rule applies to (a bit set): a rule's logsource category
 * (flow or signin) or its `events:` list; flow when neither is given. */
enum sl_rule_event {
	SL_RULE_EVENT_FLOW = 1u << 0,
	SL_RULE_EVENT_SIGNIN = 1u << 1,
};

/* Sigma levels, in increasing order. */
enum sl_rule_level {
	SL_RULE_LEVEL_INFORMATIONAL,
	SL_RULE_LEVEL_LOW,
	SL_RULE_LEVEL_MEDIUM,
	SL_RULE_LEVEL_HIGH,
	SL_RULE_LEVEL_CRITICAL,
};

/* alert.gid of every sightline alert: Suricata's generator id of rule
 * alerts (1), so SIEM content keyed on gid:sid treats ours as rule alerts;
 * the signature_id ranges below keep sightline's sids apart. */
#define SL_ALERT_GID 1u

/* signature_id ranges: declared in a rule 1..999999, derived from a rule's
 * id 10000000..1999999999 (10000000 + FNV-1a-32(id) mod 1990000000);
 * 1000000..9999999 belong to sightline's own alerts (subject alerts at
 * SL_SUBJECT_SID_BASE, include/sightline/subject.h), which no rule gets. */
#define SL_RULE_SID_DECLARED_MAX 999999u
#define SL_RULE_SID_DERIVED_MIN 10000000u
#define SL_RULE_SID_DERIVED_SPAN 1990000000u

/**
 * The signature_id a rule with this id gets when it declares none: a
 * function of the id alone, the same on every machine and run.
 */
uint32_t sl_rule_sid_derive(const char *id);

/* What scoring and alerts need to know of a rule.  Owned by the pack; the
 * strings and the struct live as long as the pack. */
struct sl_rule_info {
	const char *id;          /* the rule's `id` (a UUID or any unique text) */
	const char *title;
	const char *family;      /* hits of one family count once, at their max */
	const char *file;        /* the file it was loaded from */
	enum sl_rule_level level;
	enum sl_rule_scope scope;
	uint8_t score;           /* 0-100 */
	/* EVE's integer alert.signature_id: the rule's `signature_id:`
	 * (SL_RULE_SID_DECLARED_MAX at most), else derived from its id into
	 * SL_RULE_SID_DERIVED_MIN.. (so the two never collide); unique in the
	 * pack.  rev: the rule's `rev:`, default 1. */
	uint32_t signature_id;
	uint32_t rev;
	/* The rule's `tags` and `references` (Sigma lists; n 0: none). */
	const char *const *tags;
	const char *const *references;
	uint16_t n_tags, n_references;
	bool correlation;        /* a correlation rule (fed by other rules' hits) */
	uint8_t events;          /* enum sl_rule_event bits: the event types it tests */
	enum sl_settle stage;    /* when a flow can be matched: the latest settle stage
				  * of the fields it names (END for correlation rules) */
	uint32_t index;          /* 0 .. sl_rules_count() - 1 */
	const void *compiled;    /* the pack's compiled rule (sl_rule_matched(),
				  * sl_rule_reads()); NULL in a description made elsewhere */
	/* A number no other rule loaded by the process had (a reload's rules
	 * get new ones): writers key text made from the rule on it (its alert
	 * block).  0 in a description made elsewhere: nothing is kept. */
	uint64_t serial;
};

/** "informational", "low", ... for a level. */
const char *sl_rule_level_name(enum sl_rule_level l);

/* A load or check error: file, 1-based line and column (0 when unknown) and
 * one sentence saying what is wrong and what to do. */
struct sl_rule_error {
	char file[512];
	unsigned line, col;
	char msg[512];
};

/** Write e as "FILE:LINE:COL: sentence" ("FILE: sentence" without a
 * position) into buf (len bytes, always terminated). */
void sl_rule_error_format(const struct sl_rule_error *e, char *buf, size_t len);

struct sl_rules;

/**
 * Load and compile every rule of path: a .yml/.yaml file, or a directory
 * whose *.yml and *.yaml files are read in name order.  A NULL or empty path
 * loads the bundled pack (beside the executable in rules/, else the
 * installed data directory).  Every field a rule names must be in the field
 * catalogue.  On the first error returns a negative errno and fills *err;
 * on success the caller owns *out (free with sl_rules_destroy()).
 */
int sl_rules_load(const char *path, struct sl_rules **out, struct sl_rule_error *err);

/**
 * Validate every file of path without stopping at the first error: each
 * error is passed to report (borrowed for the call).  Returns the number of
 * errors (0: the pack is good) or a negative errno when path cannot be read.
 */
int sl_rules_check(const char *path, void (*report)(void *ctx, const struct sl_rule_error *e),
		   void *ctx);

/**
 * Run every rule's embedded `tests: {match: [...], nomatch: [...]}`
 * examples against the rule.  Prints one line per failing example to out
 * and fills *passed and *failed.  Returns 0, or a negative errno when the
 * pack cannot be loaded (then *err says why).
 */
int sl_rules_test(const char *path, FILE *out, unsigned *passed, unsigned *failed,
		  struct sl_rule_error *err);

/**
 * Like sl_rules_load() for one rule file already in memory (buf, len; may
 * hold several YAML documents); name is used in error messages.  Used by
 * the fuzz harness and tests.  Caller owns *out (free with sl_rules_destroy()).
 */
int sl_rules_load_mem(const char *name, const char *buf, size_t len, struct sl_rules **out,
		      struct sl_rule_error *err);

/** Free a pack.  Accepts NULL. */
void sl_rules_destroy(struct sl_rules *rules);

/** Number of rules in the pack (correlation rules included). */
size_t sl_rules_count(const struct sl_rules *rules);

/** Rule i's description (borrowed from the pack). */
const struct sl_rule_info *sl_rules_info(const struct sl_rules *rules, size_t i);

/* Where evaluation reads field values: get fills v for field f and returns
 * false when the field is absent.  For a flow event use sl_rules_record_source. */
struct sl_field_source {
	bool (*get)(void *ctx, const struct sl_field *f, struct sl_value *v);
	void *ctx;
};

/** A source reading the fields of r through the catalogue getters (r borrowed). */
struct sl_field_source sl_rules_record_source(const struct sl_record *r);

/* Called once for each rule that matches; rule is borrowed from the pack. */
typedef void (*sl_rule_hit_fn)(void *ctx, const struct sl_rule_info *rule);

/**
 * Evaluate every non-correlation rule against one event and call hit for
 * each match, in pack order.  Allocates nothing (but a thread's first |re
 * makes that thread's PCRE2 match data) and looks no field up by name.
 * Several threads may evaluate one pack at once.
 */
void sl_rules_match(const struct sl_rules *rules, const struct sl_field_source *src,
		    sl_rule_hit_fn hit, void *ctx);

/**
 * As sl_rules_match(), for an event of the given type (one enum
 * sl_rule_event bit): only the rules that apply to it are evaluated.
 * sl_rules_match() is this with SL_RULE_EVENT_FLOW.
 */
void sl_rules_match_event(const struct sl_rules *rules, unsigned event,
			  const struct sl_field_source *src, sl_rule_hit_fn hit, void *ctx);

#define SL_RULE_MATCHED_MAX 8 /* selections an alert's `matched` names at most */

/**
 * Which selections of a detection rule that fired on src held: those its
 * condition names outside any `not` (a filter never shows), in the order
 * the rule lists them.  Writes at most max names into names (borrowed from
 * the pack) and returns how many.  Evaluates the rule's selections again,
 * so call it only for a rule that fired, on the source it fired on.  0 for
 * a correlation rule, NULL or a rule that is no pack's.  Allocates nothing.
 */
unsigned sl_rule_matched(const struct sl_rule_info *rule, const struct sl_field_source *src,
			 const char **names, unsigned max);

/**
 * Does a detection rule name a field whose name starts with prefix (in a
 * matcher or as a |fieldref value)?  false for a correlation rule, NULL or
 * a rule that is no pack's.
 * Reads only.  For the prefixes asked about for every hit ("subject.",
 * "subject.activity.", "physics.", "travel.") the answer was worked out at
 * load; any other costs one pass over the rule's matchers.
 */
bool sl_rule_reads(const struct sl_rule_info *rule, const char *prefix);

/**
 * Does a detection rule read what a subject's whole history decides
 * (subject.*, physics.*, travel.*)?  In a fleet only the scorer holds that
 * history, so a forwarding sensor leaves such rules to `sightline score`
 * (scoring.mode forward).  false for a correlation rule or NULL.
 */
bool sl_rule_reads_subject(const struct sl_rule_info *rule);

/**
 * Does the pack hold a detection rule of this stage?  false for NULL.
 */
bool sl_rules_has_stage(const struct sl_rules *rules, enum sl_settle stage);

/**
 * sl_rules_match() of the flow rules whose stage (sl_rule_info.stage) is
 * stage: what a flow that just reached stage is matched against, each rule once in
 * the flow's life.  Same guarantees as sl_rules_match().
 */
void sl_rules_match_stage(const struct sl_rules *rules, enum sl_settle stage,
			  const struct sl_field_source *src, sl_rule_hit_fn hit, void *ctx);

/**
 * sl_rules_match_stage() on the fields of record rec, without evaluating
 * the rules that cannot match its flow: those naming, where nothing else
 * would do, a field of a parser holding no state for the flow, or its
 * product when it has none.  The same hits, in the same order.
 */
void sl_rules_match_stage_flow(const struct sl_rules *rules, enum sl_settle stage,
			       const struct sl_record *rec, sl_rule_hit_fn hit, void *ctx);

/**
 * Could a flow rule of a stage in (from, to] match the flow of own as it is
 * now?  own is a record of the flow's own facts (flow, event_type,
 * community_seed; no places, nothing from the shared tables): a rule is
 * ruled out by the parser states and product it needs (as
 * sl_rules_match_stage_flow() decides) and by the matchers on the flow's
 * own fields that every match of it needs true (dest_port, app_proto,
 * tcp.link, tunnel.obfuscated...), tried on own.  false: matching them on
 * the full record would find nothing, so it need not be built (no
 * lookups).  false for NULL.
 */
bool sl_rules_stages_may_match(const struct sl_rules *rules, enum sl_settle from,
			       enum sl_settle to, const struct sl_record *own);

/**
 * Does a flow rule of a stage in (from, to] read a field the engine fills
 * from its shared tables (src/dest.dns_name, identity.*, subject.*,
 * physics.*, travel.*)?  false: the rules can be matched on a record
 * without them.  false for NULL.
 */
bool sl_rules_stages_read_shared(const struct sl_rules *rules, enum sl_settle from,
				 enum sl_settle to);

/*
 * |re patterns are PCRE2 (Perl syntax) and run under the limits Suricata
 * uses by default: a match stops after this many backtracking steps per
 * start position, or this deep in nested backtracking (the interpreter
 * only; JIT code has its own stack bound), and counts as no match.
 */
#define SL_RULES_REGEX_MATCH_LIMIT 3500 /* steps; rules.regex_match_limit */
#define SL_RULES_REGEX_DEPTH_LIMIT 1500 /* frames; rules.regex_depth_limit */

/** Set the pack's |re limits (see above; 0 leaves one as it is). */
void sl_rules_set_regex_limits(struct sl_rules *rules, uint32_t match_limit,
			       uint32_t depth_limit);

/**
 * |re matches of this pack abandoned at a limit (steps, depth, memory),
 * each counted as no match, since the pack was loaded.  Thread-safe.
 */
uint64_t sl_rules_regex_limit_hits(const struct sl_rules *rules);

struct sl_correlator;

/**
 * State of the pack's correlation rules: at most max_groups (rule,
 * group-by values) groups, the least recently updated forgotten first.
 * All memory is allocated here.  Caller owns *out; rules must outlive it.
 */
int sl_correlator_create(const struct sl_rules *rules, uint32_t max_groups,
			 struct sl_correlator **out);

/** Free the correlator.  Accepts NULL. */
void sl_correlator_destroy(struct sl_correlator *c);

/**
 * Feed one hit of a base rule seen in event src at packet time t: updates
 * every correlation rule that lists the rule and calls hit for each whose
 * condition becomes true.  A group that fires starts counting afresh, so
 * one burst of hits raises one correlation hit.  Times are kept to the
 * second.  Allocates nothing.
 */
void sl_correlator_feed(struct sl_correlator *c, const struct sl_rule_info *base,
			const struct sl_field_source *src, sl_time_us t,
			sl_rule_hit_fn hit, void *ctx);

/** Groups forgotten to stay within max_groups (for the stats event). */
uint64_t sl_correlator_evictions(const struct sl_correlator *c);

/*
 * One subject's state in the correlator, for a fleet scorer's snapshots:
 * the groups of the correlation rules grouped by subject.id alone (a rule
 * without group-by, or grouped by more, counts across subjects and has no
 * one subject's state).  A group is its rule and its n remembered hits,
 * each a value hash h[i] (temporal: 1 = that leg seen) and a time t[i] in
 * seconds; the arrays are borrowed for the call.
 */
typedef void (*sl_corr_group_fn)(void *ctx, const struct sl_rule_info *rule, const uint32_t *h,
				 const uint32_t *t, size_t n);

/** Call fn for each non-empty group of subject_id (see above).  Allocates nothing. */
void sl_correlator_subject_walk(const struct sl_correlator *c, const char *subject_id,
				sl_corr_group_fn fn, void *ctx);

/**
 * Set subject_id's group of rule (a correlation rule of this pack grouped by
 * subject.id alone) to the n hits h[], t[] (as the walk gave them),
 * replacing what it held.  Returns 0, or -EINVAL for another rule or
 * n > 16.  Like feeding, may forget the least recently updated group.
 */
int sl_correlator_subject_set(struct sl_correlator *c, const char *subject_id,
			      const struct sl_rule_info *rule, const uint32_t *h,
			      const uint32_t *t, size_t n);

/**
 * True when one of the rules the correlation rule corr counts satisfies
 * pred (ctx passed through); false for a rule of another pack or no
 * correlation, and for NULL c.  Reads only.
 */
bool sl_correlator_any_base(const struct sl_correlator *c, const struct sl_rule_info *corr,
			    bool (*pred)(const void *ctx, const struct sl_rule_info *base),
			    const void *ctx);

/** Empty every group of subject_id (its subject moved to another scorer).  Accepts NULL c. */
void sl_correlator_subject_forget(struct sl_correlator *c, const char *subject_id);

/**
 * `sightline rules check|test [PATH]` (argv[0] is "rules").  Prints to
 * stdout/stderr and returns the exit code: 0 good, 1 a test example
 * failed, 2 usage or rule errors.
 */
int sl_rules_main(int argc, char **argv);

#endif
