/* Scoring: rule hits kept per subject with their evidence flows, combined
 * by noisy-OR over families, with decay in packet time, allow-lists, alert
 * levels and the subject alert event. */
#include <math.h>
#include <string.h>

#include "sightline/eve.h"
#include "sightline/flow.h"
#include "sightline/schema.h"
#include "subject_priv.h"

const char *sl_subject_level_name(enum sl_subject_level l)
{
	static const char *const names[] = { "none", "medium", "high", "critical" };
	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

uint32_t sl_subject_alert_sid(enum sl_subject_level l)
{
	bool alerting = l > SL_SUBJECT_LEVEL_NONE && l <= SL_SUBJECT_LEVEL_CRITICAL;
	return alerting ? SL_SUBJECT_SID_BASE + (uint32_t)l : 0;
}

const char *sl_subject_alert_signature(enum sl_subject_level l)
{
	static const char *const text[] = {
		"", "Subject's combined score reached medium",
		"Subject's combined score reached high", "Subject's combined score reached critical",
	};
	return (unsigned)l < ARRAY_SIZE(text) ? text[l] : "";
}

/* Rules of level high and critical are severity 1, medium 2 (severity_of()
 * in sensor/engine/flow_end.c); a subject's levels read the same. */
unsigned sl_subject_alert_severity(enum sl_subject_level l)
{
	return l >= SL_SUBJECT_LEVEL_HIGH && l <= SL_SUBJECT_LEVEL_CRITICAL ? 1 :
	       l == SL_SUBJECT_LEVEL_MEDIUM ? 2 : 0;
}

/* medium from the threshold, high halfway to 100, critical at 80 % of the way. */
enum sl_subject_level sl_subject_level_of(double score, double threshold)
{
	double room = 100 - threshold;
	if (score >= threshold + 0.8 * room - 1e-9)
		return SL_SUBJECT_LEVEL_CRITICAL;
	if (score >= threshold + room / 2 - 1e-9)
		return SL_SUBJECT_LEVEL_HIGH;
	if (score >= threshold - 1e-9)
		return SL_SUBJECT_LEVEL_MEDIUM;
	return SL_SUBJECT_LEVEL_NONE;
}

static char *evidence_at(const struct sl_subjects *s, uint32_t hit, unsigned k)
{
	return s->evidence + ((size_t)hit * s->cfg->scoring.evidence_max + k) * SL_COMMUNITY_ID_LEN;
}

const char *sl_subj_evidence(const struct sl_subjects *s, uint32_t hit, unsigned k)
{
	return evidence_at(s, hit, k);
}

static void free_hit(struct sl_subjects *s, uint32_t *ref)
{
	s->hits[*ref - 1] = (struct hit){ .next_free = s->hit_free };
	s->hit_free = *ref;
	*ref = 0;
}

void sl_subj_release_hits(struct sl_subjects *s, struct subject *x)
{
	for (unsigned i = 0; i < SUBJ_RULES; i++)
		if (x->rules[i])
			free_hit(s, &x->rules[i]);
}

static bool expired(const struct sl_subjects *s, const struct hit *h, sl_time_us now)
{
	return h->last + (uint64_t)s->cfg->scoring.decay_sec * SL_US_PER_SEC <= now;
}

static const char *family_of(const struct sl_rule_info *r)
{
	return r->family && r->family[0] ? r->family : r->id;
}

/* Two families the same: the same text, most often at the same address;
 * a first letter that differs settles most of the others without strcmp. */
static bool same_family(const char *a, const char *b)
{
	return a == b || (a[0] == b[0] && strcmp(a, b) == 0);
}

/* The noisy-OR's complement over the live hits of x: the product, over
 * families in the order their first hit holds a slot, of 1 - s_f / 100,
 * s_f the highest score (capped at 100) among the family's hits. */
static double keep_of(const struct sl_subjects *s, const struct subject *x)
{
	const char *fam[SUBJ_RULES];
	unsigned score[SUBJ_RULES], n = 0;
	for (unsigned i = 0; i < SUBJ_RULES; i++)
		if (x->rules[i]) {
			const struct sl_rule_info *r = s->hits[x->rules[i] - 1].rule;
			fam[n] = family_of(r);
			score[n++] = r->score;
		}
	double keep = 1;
	for (unsigned a = 0; a < n; a++) {
		bool seen = false;
		for (unsigned b = 0; b < a && !seen; b++)
			seen = same_family(fam[b], fam[a]);
		if (seen)
			continue;
		unsigned best = 0;
		for (unsigned b = a; b < n; b++)
			if (same_family(fam[b], fam[a]) && score[b] > best)
				best = score[b];
		keep *= 1 - (best > 100 ? 100 : best) / 100.0;
	}
	return keep;
}

/* The score just rose above every earlier one: remember it, when, and why. */
static void note_peak(const struct sl_subjects *s, struct subject *x, sl_time_us now)
{
	uint32_t top[SUBJ_RULES];
	unsigned n = sl_subj_top(s, x, top);
	x->peak = x->score;
	x->peak_at = now;
	for (unsigned i = 0; i < ARRAY_SIZE(x->peak_rules); i++)
		x->peak_rules[i] = i < n ? s->hits[top[i]].rule : NULL;
}

/*
 * 100 * (1 - prod(1 - s_f / 100)) over families f, s_f the highest score
 * among the family's live hits.  Expired hits are released here, so a
 * subject's slots free up as its evidence ages out.
 */
double sl_subj_rescore(struct sl_subjects *s, struct subject *x, sl_time_us now)
{
	for (unsigned i = 0; i < SUBJ_RULES; i++)
		if (x->rules[i] && expired(s, &s->hits[x->rules[i] - 1], now))
			free_hit(s, &x->rules[i]);
	x->score = 100 * (1 - keep_of(s, x));
	x->level = (uint8_t)sl_subject_level_of(x->score, s->cfg->scoring.threshold);
	if (x->alerted > x->level)
		x->alerted = x->level; /* fell back: rising again alerts again */
	if (x->score > x->peak)
		note_peak(s, x, now);
	return x->score;
}

static bool rule_allowed(const struct subject *x, const struct sl_rule_info *rule)
{
	const struct sl_roster_entry *e = x->claimed;
	for (size_t i = 0; e && i < e->n_allow_rules; i++)
		if (strcmp(e->allow_rules[i], rule->id) == 0)
			return true;
	return false;
}

/* The slot of rule on x: its own, a free one, an expired one, or the lowest
 * scoring one when the new rule scores higher; 0 when the hit is dropped. */
static uint32_t *slot_for(struct sl_subjects *s, struct subject *x,
			  const struct sl_rule_info *rule, sl_time_us now)
{
	uint32_t *free_slot = NULL, *low = NULL;
	for (unsigned i = 0; i < SUBJ_RULES; i++) {
		if (!x->rules[i]) {
			free_slot = free_slot ? free_slot : &x->rules[i];
			continue;
		}
		struct hit *h = &s->hits[x->rules[i] - 1];
		if (h->rule == rule)
			return &x->rules[i];
		if (expired(s, h, now) || !low || h->rule->score < s->hits[*low - 1].rule->score)
			low = &x->rules[i];
	}
	if (!free_slot && low && (expired(s, &s->hits[*low - 1], now) ||
				  s->hits[*low - 1].rule->score < rule->score)) {
		free_hit(s, low);
		free_slot = low;
	}
	uint32_t ref = free_slot ? sl_subj_hit_take(s) : 0;
	if (!ref)
		return NULL;
	*free_slot = ref;
	s->hits[*free_slot - 1] = (struct hit){ .rule = rule, .first = now };
	return free_slot;
}

void sl_subjects_hit(struct sl_subjects *s, const struct sl_record *r,
		     const struct sl_rule_info *rule)
{
	struct subject *x = sl_subj_of_view(r->subject);
	if (!x)
		return;
	sl_time_us now = r->flow->last;
	s->st.hits++;
	sl_subj_rescore(s, x, now); /* see hits decay (and levels fall) before adding */
	if (r->subject->allowed || rule_allowed(x, rule)) {
		s->st.hits_allowed++;
		return;
	}
	uint32_t *ref = slot_for(s, x, rule, now);
	if (!ref) {
		s->st.hits_dropped++;
		return;
	}
	struct hit *h = &s->hits[*ref - 1];
	if (h->count && expired(s, h, now))
		*h = (struct hit){ .rule = rule, .first = now };
	h->count++;
	h->last = now > h->last ? now : h->last;
	sl_subj_facts_note(s, h, r);
	if (r->signin) /* a sign-in is no flow: its stand-in has no Community ID to cite */
		return;
	char cid[SL_COMMUNITY_ID_LEN];
	sl_flow_community_id(r->flow, r->community_seed, cid);
	for (unsigned k = 0; k < h->n_ev; k++)
		if (strcmp(evidence_at(s, *ref - 1, k), cid) == 0)
			return; /* this flow is already evidence of this rule */
	unsigned max = s->cfg->scoring.evidence_max;
	memcpy(evidence_at(s, *ref - 1, h->ev_next % max), cid, SL_COMMUNITY_ID_LEN);
	h->ev_next = (uint8_t)((h->ev_next + 1) % max);
	h->n_ev = (uint8_t)(h->n_ev < max ? h->n_ev + 1u : max);
}

/* Hit pool indexes of x by score (highest first), then rule id. */
unsigned sl_subj_top(const struct sl_subjects *s, const struct subject *x, uint32_t *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SUBJ_RULES; i++) {
		if (!x->rules[i])
			continue;
		uint32_t v = x->rules[i] - 1;
		const struct sl_rule_info *rv = s->hits[v].rule;
		unsigned k = n++;
		for (; k > 0; k--) {
			const struct sl_rule_info *rk = s->hits[out[k - 1]].rule;
			if (rk->score > rv->score ||
			    (rk->score == rv->score && strcmp(rk->id, rv->id) <= 0))
				break;
			out[k] = out[k - 1];
		}
		out[k] = v;
	}
	return n;
}

static void block_view(const struct sl_subjects *s, const struct subject *x,
		       struct subj_block_view *b)
{
	const struct sl_roster_entry *e = x->claimed;
	memset(b, 0, sizeof(*b));
	sl_subj_id_kept(x, &s->memo[x - s->subj].id, b->id, sizeof(b->id));
	b->name = e ? e->name : NULL;
	b->kind = sl_subj_kind_name(x);
	memcpy(b->hostname, x->hostname, sizeof(b->hostname));
	b->hostname[sizeof(b->hostname) - 1] = '\0';
	b->claimed_country = e ? e->country : NULL;
	b->claimed_city = e ? e->city : NULL;
	b->claimed_tz = e && e->tz ? sl_tz_name(e->tz) : NULL;
	for (unsigned i = 0; i < x->n_countries && i < SL_SUBJECT_COUNTRIES; i++)
		memcpy(b->countries[b->n_countries++], x->countries[i], 2);
}

/* subject.id .. subject.countries by their paths: the "subject" object is
 * left open for the caller's further subject.* paths. */
void sl_subj_json_block(const struct sl_subjects *s, const struct subject *x, struct sl_json *j)
{
	struct subj_block_view b;
	block_view(s, x, &b);
	sl_fields_write(&sl_subject_block_fields, &b, j);
}

static void rule_view(const struct hit *h, struct subj_rule_view *v)
{
	*v = (struct subj_rule_view){
		.id = h->rule->id, .title = h->rule->title ? h->rule->title : "",
		.family = family_of(h->rule), .signature_id = h->rule->signature_id,
		.score = h->rule->score, .count = h->count, .first = h->first, .last = h->last,
	};
}

/* A rule of a subject's alert, from its declarations: its head (the same
 * members as a summary's top[]), its evidence's Community IDs and the
 * facts behind its hits, with facts.remotes[] from its element table. */
static void json_rule(const struct sl_subjects *s, const struct subject *x, uint32_t hi,
		      struct sl_json *j)
{
	const struct hit *h = &s->hits[hi];
	struct subj_rule_view v;
	struct subj_facts_view f;
	struct sl_json_scope sc;
	unsigned max = s->cfg->scoring.evidence_max;
	unsigned start = h->n_ev < max ? 0 : h->ev_next; /* oldest first */
	rule_view(h, &v);
	memset(&f, 0, sizeof(f));
	for (unsigned k = 0; k < h->n_ev && k < ARRAY_SIZE(f.community_ids); k++)
		f.community_ids[f.n_ev++] = evidence_at(s, hi, (start + k) % max);
	sl_subj_facts_view(x, h, &f);
	sl_json_open_object(j);
	sl_json_path_enter(j, &sc);
	sl_fields_write_rel(&sl_subject_rule_fields, &v, j);
	sl_fields_write_rel(&sl_subject_facts_head, &f, j);
	sl_fields_open_object(&sl_subject_facts_tail, j); /* "facts", even when empty */
	if (f.n_remotes) {
		sl_fields_open_array(&sl_subject_remote_fields, j);
		for (unsigned i = 0; i < f.n_remotes; i++)
			sl_fields_write_element(&sl_subject_remote_fields, &f.remotes[i], j);
		sl_json_close_array(j);
	}
	sl_fields_write_rel(&sl_subject_facts_tail, &f, j);
	sl_json_path_leave(j, &sc);
	sl_json_close_object(j);
}

/* The contributing rules (at most max, by score), the key included: a
 * summary's top[] written from its element table, or (evidence) a subject
 * alert's rules[], with community_ids and facts. */
void sl_subj_json_rules(const struct sl_subjects *s, const struct subject *x, unsigned max,
			bool evidence, struct sl_json *j)
{
	uint32_t top[SUBJ_RULES];
	struct subj_rule_view v;
	unsigned n = sl_subj_top(s, x, top);
	sl_fields_open_array(evidence ? &sl_subject_rule_fields : &sl_subject_top_fields, j);
	for (unsigned i = 0; i < n && i < max; i++) {
		if (evidence) {
			json_rule(s, x, top[i], j);
			continue;
		}
		rule_view(&s->hits[top[i]], &v);
		sl_fields_write_element(&sl_subject_top_fields, &v, j);
	}
	sl_json_close_array(j);
}

/* The "alert" object, with what names the kind of alert: the same keys as
 * a rule's alert (sl_engine_alert_block), the level's own id and text, so a
 * SIEM counts and suppresses subject alerts by signature_id; then the
 * subject's score and scoring.threshold (declared in
 * subject_event_fields.c).  Left open for the rules. */
static void alert_head(struct sl_json *j, enum sl_subject_level level, double score,
		       double threshold)
{
	const struct sl_alert_view v = {
		.scope = "subject", .action = "allowed", .gid = SL_SUBJECT_ALERT_GID,
		.signature_id = sl_subject_alert_sid(level), .rev = 1,
		.signature = sl_subject_alert_signature(level), .category = "subject",
		.severity = sl_subject_alert_severity(level), .level = sl_subject_level_name(level),
		.score = score,
	};
	const struct subj_alert_view a = { .threshold = threshold };
	sl_alert_write(&v, SL_ALERT_SUBJECT, j);
	sl_fields_write_under(&sl_subject_alert_fields, "alert.threshold", &a, j);
}

bool sl_subjects_alert(struct sl_subjects *s, const struct sl_record *r, struct sl_json *j)
{
	struct subject *x = sl_subj_of_view(r->subject);
	if (!x)
		return false;
	sl_time_us now = r->flow->last;
	double score = sl_subj_rescore(s, x, now);
	if (x->level <= x->alerted)
		return false;
	x->alerted = x->level;
	x->n_alerts++;
	s->st.alerts++;
	struct sl_event_head head = { .timestamp = now, .event_type = "alert" };
	_Static_assert(sizeof(head.community_id) >= SL_COMMUNITY_ID_LEN, "room for a Community ID");
	if (!r->signin) /* the flow that raised it; a sign-in's stand-in flow is none */
		sl_flow_community_id(r->flow, r->community_seed, head.community_id);
	sl_json_begin(j);
	sl_fields_write(&sl_event_head_cid_fields, &head, j);
	alert_head(j, (enum sl_subject_level)x->level, score, s->cfg->scoring.threshold);
	sl_subj_json_rules(s, x, SUBJ_RULES, true, j);
	sl_subj_json_block(s, x, j);
	sl_json_path_reset(j);
	sl_json_end(j);
	return true;
}
