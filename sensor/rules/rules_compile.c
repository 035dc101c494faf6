/* One rule document: its top-level keys (Sigma's metadata and sightline's
 * score, scope and family), checked for type and presence, then the
 * detection or correlation body and the embedded examples. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

/* Every key a rule may have.  Sigma's informational keys are accepted and
 * not used; anything else is a typo and an error. */
static const char *const known_keys[] = {
	"title", "id", "name", "status", "description", "references", "tags", "level",
	"author", "date", "modified", "falsepositives", "license", "related", "logsource",
	"fields", "detection", "correlation", "score", "scope", "family", "tests", "events",
	"signature_id", "rev",
};

static const char *const statuses[] = { "stable", "test", "experimental", "deprecated",
					"unsupported" };

static int find_word(const char *const *list, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], w))
			return (int)i;
	return -1;
}

static bool check_keys(struct cctx *c, const struct ynode *doc)
{
	bool ok = true;
	for (size_t i = 0; i + 1 < doc->n; i += 2) {
		const struct ynode *k = doc->kids[i];
		if (find_word(known_keys, ARRAY_SIZE(known_keys), k->s) >= 0)
			continue;
		CERR_AT(c, k, "unknown key '%.80s' in a rule (keys: title, id, name, status, "
			"description, references, tags, level, detection or correlation, score, "
			"scope, family, events, tests, signature_id, rev)", k->s);
		ok = false;
	}
	return ok;
}

/* A text value; NULL (with an error when required or of the wrong shape). */
static const char *text_key(struct cctx *c, const struct ynode *doc, const char *key,
			    bool required, const char *what)
{
	const struct ynode *v = ymap_get(doc, key);
	if (!v) {
		if (required)
			CERR_AT(c, doc, "the rule has no '%s'; add %s", key, what);
		return NULL;
	}
	if (v->type != YN_SCALAR || ynode_is_null(v) || v->len == 0 || strlen(v->s) != v->len) {
		CERR_AT(c, v, "'%s' must be text: %s", key, what);
		return NULL;
	}
	return v->s;
}

/* references, tags, falsepositives: a list of text (or one text). */
static bool text_list_key(struct cctx *c, const struct ynode *doc, const char *key)
{
	const struct ynode *v = ymap_get(doc, key);
	if (!v || (v->type == YN_SCALAR && !ynode_is_null(v)))
		return true;
	if (v->type == YN_SEQ) {
		for (size_t i = 0; i < v->n; i++)
			if (v->kids[i]->type != YN_SCALAR) {
				CERR_AT(c, v->kids[i], "'%s' entries must be text", key);
				return false;
			}
		return true;
	}
	CERR_AT(c, v, "'%s' must be a list of text", key);
	return false;
}

/* references, tags: copied into the pack for the alert's metadata. */
static bool text_list_copy(struct cctx *c, const struct ynode *doc, const char *key,
			   const char *const **out, uint16_t *n)
{
	const struct ynode *v = ymap_get(doc, key);
	*out = NULL;
	*n = 0;
	if (!v || ynode_is_null(v))
		return true;
	size_t k = v->type == YN_SEQ ? v->n : 1;
	if (k == 0)
		return true;
	const char **a = arena_alloc(&c->pack->arena, k * sizeof(*a));
	if (!a || k > UINT16_MAX)
		return false;
	for (size_t i = 0; i < k; i++)
		if (!(a[i] = arena_strdup(&c->pack->arena, v->type == YN_SEQ ? v->kids[i]->s : v->s)))
			return false;
	*out = a;
	*n = (uint16_t)k;
	return true;
}

/* A whole number key in [min, max]; *out keeps def when the key is absent. */
static bool uint_key(struct cctx *c, const struct ynode *doc, const char *key, unsigned long min,
		     unsigned long max, uint32_t def, uint32_t *out, const char *what)
{
	const struct ynode *v = ymap_get(doc, key);
	*out = def;
	if (!v)
		return true;
	char *end = NULL;
	unsigned long x = v->type == YN_SCALAR && v->plain && v->s[0] != '-' ?
			  strtoul(v->s, &end, 10) : 0;
	if (!end || end == v->s || *end || x < min || x > max) {
		CERR_AT(c, v, "%s must be a whole number from %lu to %lu (%s), not %s%.40s%s", key,
			min, max, what, v->type == YN_SCALAR ? "'" : "",
			v->type == YN_SCALAR ? v->s : "a map or list", v->type == YN_SCALAR ? "'" : "");
		return false;
	}
	*out = (uint32_t)x;
	return true;
}

/* FNV-1a, 32 bits: tiny, stable across machines and releases. */
uint32_t sl_rule_sid_derive(const char *id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return SL_RULE_SID_DERIVED_MIN + h % SL_RULE_SID_DERIVED_SPAN;
}

/* signature_id and rev: declared or derived, and the id unique in the pack
 * (a SIEM keys alerts on it: two rules sharing one would merge). */
static bool sid_keys(struct cctx *c, const struct ynode *doc, struct rule *r, const char *id)
{
	bool ok = uint_key(c, doc, "signature_id", 1, SL_RULE_SID_DECLARED_MAX, 0,
			   &r->info.signature_id, "ids from 1000000 up are sightline's own and derived from rule ids");
	ok &= uint_key(c, doc, "rev", 1, UINT32_MAX, 1, &r->info.rev, "the rule's revision");
	if (!ok || !id)
		return false;
	bool declared = r->info.signature_id != 0;
	if (!declared)
		r->info.signature_id = sl_rule_sid_derive(id);
	const struct ynode *at = declared ? ymap_get(doc, "signature_id") : ymap_get(doc, "id");
	for (size_t i = 0; i < c->pack->n; i++) {
		const struct rule *o = c->pack->rules[i];
		if (o->info.signature_id != r->info.signature_id)
			continue;
		cerr(c, at->line, at->col, "signature_id %u%s is already used by '%.100s' in "
		     "%.200s:%u; give one of them its own signature_id: (1-%u)",
		     (unsigned)r->info.signature_id, declared ? "" : " (derived from this rule's id)",
		     o->info.title, o->info.file, o->id_line, SL_RULE_SID_DECLARED_MAX);
		return false;
	}
	return true;
}

static bool score_key(struct cctx *c, const struct ynode *doc, struct rule *r)
{
	const struct ynode *v = ymap_get(doc, "score");
	if (!v) {
		CERR_AT(c, doc, "the rule has no 'score'; add score: 0-100 (what a hit adds to "
			"its subject's score)");
		return false;
	}
	char *end = NULL;
	long s = v->type == YN_SCALAR && v->plain ? strtol(v->s, &end, 10) : -1;
	if (!end || end == v->s || *end || s < 0 || s > 100) {
		CERR_AT(c, v, "score must be a whole number from 0 to 100, not %s%.40s%s",
			v->type == YN_SCALAR ? "'" : "", v->type == YN_SCALAR ? v->s : "a map or list",
			v->type == YN_SCALAR ? "'" : "");
		return false;
	}
	r->info.score = (uint8_t)s;
	return true;
}

/* family: a short lower-case word, because alerts and scoring group by it. */
static bool family_ok(const char *f)
{
	size_t n = strlen(f);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '-' ||
		      f[i] == '_'))
			return false;
	return true;
}

static bool enums(struct cctx *c, const struct ynode *doc, struct rule *r)
{
	static const char *const levels[] = { "informational", "low", "medium", "high",
					      "critical" };
	bool ok = true;
	const char *s = text_key(c, doc, "level", false, "informational, low, medium, high or "
				 "critical");
	int i = s ? find_word(levels, ARRAY_SIZE(levels), s) : (int)SL_RULE_LEVEL_MEDIUM;
	if (i < 0) {
		CERR_AT(c, ymap_get(doc, "level"), "unknown level '%.40s'; write informational, "
			"low, medium, high or critical", s);
		ok = false;
	}
	r->info.level = i < 0 ? SL_RULE_LEVEL_MEDIUM : (enum sl_rule_level)i;
	if ((s = text_key(c, doc, "status", false, "stable, test or experimental")) &&
	    find_word(statuses, ARRAY_SIZE(statuses), s) < 0) {
		CERR_AT(c, ymap_get(doc, "status"), "unknown status '%.40s'; write stable, test, "
			"experimental, deprecated or unsupported", s);
		ok = false;
	}
	r->info.scope = r->corr ? SL_RULE_SCOPE_SUBJECT : SL_RULE_SCOPE_FLOW;
	if ((s = text_key(c, doc, "scope", false, "flow or subject"))) {
		if (strcmp(s, "flow") && strcmp(s, "subject")) {
			CERR_AT(c, ymap_get(doc, "scope"), "scope must be flow or subject, not "
				"'%.40s'", s);
			ok = false;
		}
		r->info.scope = strcmp(s, "subject") ? SL_RULE_SCOPE_FLOW : SL_RULE_SCOPE_SUBJECT;
	}
	return ok;
}

/* The last serial given to a loaded rule (struct sl_rule_info's serial),
 * by every load of the process: a reload's rules never repeat one. */
static _Atomic uint64_t rule_serials;

/* id and name must be unique across the pack: correlations and alerts
 * refer to rules by them. */
static bool unique(struct cctx *c, const char *text, const struct ynode *at)
{
	for (size_t i = 0; i < c->pack->n; i++) {
		const struct rule *o = c->pack->rules[i];
		bool id = !strcmp(o->info.id, text);
		if (id || (o->name && !strcmp(o->name, text))) {
			cerr(c, at->line, at->col, "duplicate %s '%.100s' (already used by '%.100s' in "
			     "%.200s:%u); give each rule its own", id ? "id" : "name", text,
			     o->info.title, o->info.file, id ? o->id_line : o->name_line);
			return false;
		}
	}
	return true;
}

static bool meta(struct cctx *c, const struct ynode *doc, struct rule *r)
{
	struct arena *a = &c->pack->arena;
	const char *id = text_key(c, doc, "id", true, "a unique id such as a UUID");
	const char *title = text_key(c, doc, "title", true, "a one-line title");
	const char *name = text_key(c, doc, "name", false, "a short unique name");
	const char *fam = text_key(c, doc, "family", true, "a short word such as vpn or "
				   "remote-access (hits of one family count once)");
	bool ok = id && title && fam;
	if (fam && !family_ok(fam)) {
		CERR_AT(c, ymap_get(doc, "family"), "family must be a short lower-case word "
			"(a-z, 0-9, -), such as remote-access or vpn, not '%.40s'", fam);
		ok = false;
	}
	if (id && !unique(c, id, ymap_get(doc, "id")))
		ok = false;
	if (name && !unique(c, name, ymap_get(doc, "name")))
		ok = false;
	ok &= text_key(c, doc, "description", false, "a description") != NULL ||
	      !ymap_get(doc, "description");
	ok &= text_list_key(c, doc, "references") & text_list_key(c, doc, "tags") &
	      text_list_key(c, doc, "falsepositives");
	ok &= score_key(c, doc, r);
	if (!ok || !sid_keys(c, doc, r, id))
		return false;
	if (!text_list_copy(c, doc, "tags", &r->info.tags, &r->info.n_tags) ||
	    !text_list_copy(c, doc, "references", &r->info.references, &r->info.n_references)) {
		CERR_AT(c, doc, "out of memory");
		return false;
	}
	r->info.id = arena_strdup(a, id);
	r->info.title = arena_strdup(a, title);
	r->info.family = arena_strdup(a, fam);
	r->info.file = arena_strdup(a, c->file);
	r->info.serial = atomic_fetch_add_explicit(&rule_serials, 1, memory_order_relaxed) + 1;
	r->name = name ? arena_strdup(a, name) : NULL;
	r->id_line = ymap_get(doc, "id")->line;
	r->name_line = name ? ymap_get(doc, "name")->line : 0;
	return r->info.id && r->info.title && r->info.family && r->info.file && (!name || r->name);
}

/* One event type's bit from its name; 0 when unknown (with an error). */
static unsigned event_bit(struct cctx *c, const struct ynode *v)
{
	if (v->type == YN_SCALAR && !strcmp(v->s, "flow"))
		return SL_RULE_EVENT_FLOW;
	if (v->type == YN_SCALAR && !strcmp(v->s, "signin"))
		return SL_RULE_EVENT_SIGNIN;
	CERR_AT(c, v, "unknown event type '%.40s'; a rule applies to flow or signin events",
		v->type == YN_SCALAR ? v->s : "(a map or list)");
	return 0;
}

/*
 * Which events the rule tests: `events: [flow, signin]` (or one name), else
 * Sigma's logsource category when it names one of ours, else flow, so every
 * rule written before sign-ins existed keeps testing flows only.
 */
static bool events_key(struct cctx *c, const struct ynode *doc, struct rule *r)
{
	const struct ynode *v = ymap_get(doc, "events");
	const struct ynode *ls = ymap_get(doc, "logsource");
	const struct ynode *cat = ls && ls->type == YN_MAP ? ymap_get(ls, "category") : NULL;
	r->info.events = 0;
	if (v && v->type == YN_SEQ) {
		for (size_t i = 0; i < v->n; i++)
			r->info.events |= (uint8_t)event_bit(c, v->kids[i]);
		if (!v->n)
			CERR_AT(c, v, "events: name at least one event type (flow, signin)");
		return r->info.events != 0;
	}
	if (v)
		return (r->info.events = (uint8_t)event_bit(c, v)) != 0;
	if (cat && cat->type == YN_SCALAR && !strcmp(cat->s, "signin"))
		r->info.events = SL_RULE_EVENT_SIGNIN;
	else
		r->info.events = SL_RULE_EVENT_FLOW;
	return true;
}

static bool pack_push(struct sl_rules *p, struct rule *r)
{
	struct rule **n = sl_grow(p->rules, &p->cap, p->n, sizeof(*n), 16);
	if (!n)
		return false;
	p->rules = n;
	r->info.index = (uint32_t)p->n;
	r->info.compiled = r;
	p->rules[p->n++] = r;
	return true;
}

static bool body(struct cctx *c, const struct ynode *doc, struct rule *r)
{
	const struct ynode *det = ymap_get(doc, "detection");
	const struct ynode *corr = ymap_get(doc, "correlation");
	if (det && corr) {
		CERR_AT(c, corr, "a rule has either 'detection' or 'correlation', not both; "
			"split it into two rules");
		return false;
	}
	if (!det && !corr) {
		CERR_AT(c, doc, "the rule has no 'detection' (selections and a condition) or "
			"'correlation'; add one");
		return false;
	}
	if (corr)
		return correlation_compile(c, r, corr);
	return detection_compile(c, r, det);
}

bool rule_compile(struct cctx *c, const struct ynode *doc)
{
	if (doc->type != YN_MAP) {
		CERR_AT(c, doc, "a rule is a map of keys (title, id, detection, score, family, "
			"...), not %s", doc->type == YN_SEQ ? "a list" : "text");
		return false;
	}
	struct rule *r = arena_alloc(&c->pack->arena, sizeof(*r));
	if (!r) {
		CERR_AT(c, doc, "out of memory");
		return false;
	}
	unsigned before = c->errors;
	check_keys(c, doc);
	bool ok = meta(c, doc, r);
	ok &= body(c, doc, r);
	ok &= enums(c, doc, r);
	ok &= events_key(c, doc, r);
	r->info.correlation = r->corr != NULL;
	const struct ynode *tests = ymap_get(doc, "tests");
	if (tests && ok)
		ok = examples_compile(c, r, tests);
	if (!ok || c->errors != before)
		return false;
	if (!pack_push(c->pack, r)) {
		CERR_AT(c, doc, "out of memory");
		return false;
	}
	return true;
}
