/* Subject state snapshots, the reading half: a snapshot written by
 * subject_state.c becomes a subject of this table again, rules found in
 * the running pack, names interned in the table. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/flow.h"
#include "subject_priv.h"

struct restore {
	struct sl_subjects *s;
	sl_subject_rule_fn find;
	void *ctx;
	bool bad;
};

static uint64_t u64_at(struct restore *rs, const json_t *a, size_t i)
{
	const json_t *v = json_array_get(a, i);
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		rs->bad = true;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

/* A double written by sl_json_double (null for NaN). */
static double dbl_at(struct restore *rs, const json_t *a, size_t i)
{
	const json_t *v = json_array_get(a, i);
	if (json_is_null(v))
		return NAN;
	if (!json_is_number(v))
		rs->bad = true;
	return json_number_value(v);
}

static const char *str_at(struct restore *rs, const json_t *a, size_t i)
{
	const char *t = json_string_value(json_array_get(a, i));
	if (!t)
		rs->bad = true;
	return t ? t : "";
}

static void country_from(struct restore *rs, const char *t, char out[2])
{
	size_t n = strlen(t);
	if (n != 0 && n != 2)
		rs->bad = true;
	out[0] = n == 2 ? t[0] : 0;
	out[1] = n == 2 ? t[1] : 0;
}

static void addr_from(struct restore *rs, const char *t, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (t[0] && sl_addr_parse(t, a) < 0)
		rs->bad = true;
}

static size_t hex_from(struct restore *rs, const char *t, uint8_t *out, size_t max)
{
	size_t n = strlen(t) / 2;
	unsigned v;
	if (strlen(t) % 2 || n > max)
		return rs->bad = true, 0;
	for (size_t i = 0; i < n; i++) {
		if (sscanf(t + 2 * i, "%2x", &v) != 1)
			return rs->bad = true, 0;
		out[i] = (uint8_t)v;
	}
	return n;
}

/* The table's own copy of name (alerts and products point to it). */
static const char *intern(struct restore *rs, const char *name)
{
	struct sl_subjects *s = rs->s;
	for (size_t i = 0; i < s->n_zones; i++)
		if (strcmp(sl_tz_name(s->zones[i]), name) == 0)
			return sl_tz_name(s->zones[i]);
	for (size_t i = 0; i < s->n_names; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->names[i];
	char **n = realloc(s->names, (s->n_names + 1) * sizeof(*n));
	char *copy = strdup(name);
	if (!n || !copy) {
		free(copy);
		if (n)
			s->names = n;
		rs->bad = true;
		return NULL;
	}
	s->names = n;
	s->names[s->n_names++] = copy;
	return copy;
}

static void place_from(struct restore *rs, const json_t *a, struct subj_place *p)
{
	memset(p, 0, sizeof(*p));
	if (!a)
		return;
	p->has = true;
	country_from(rs, str_at(rs, a, 0), p->country);
	p->acc_km = (uint32_t)u64_at(rs, a, 1);
	p->lat = dbl_at(rs, a, 2);
	p->lon = dbl_at(rs, a, 3);
	p->time = u64_at(rs, a, 4);
}

static void apps_from(struct restore *rs, const json_t *a, struct subj_app *set)
{
	for (unsigned i = 0; i < SUBJ_APPS; i++) {
		const json_t *e = json_array_get(a, i);
		const char *name = json_string_value(json_array_get(e, 0));
		set[i].app = name ? intern(rs, name) : NULL;
		set[i].seen = u64_at(rs, e, 1);
	}
}

static void history_from(struct restore *rs, const json_t *o, struct subject *x)
{
	const json_t *t = json_object_get(o, "t"), *c = json_object_get(o, "c");
	const json_t *rtt = json_object_get(o, "rtt"), *h = json_object_get(o, "h");
	x->first = u64_at(rs, t, 0);
	x->last = u64_at(rs, t, 1);
	x->touched = u64_at(rs, t, 2);
	x->last_minute = u64_at(rs, t, 3);
	x->flows = u64_at(rs, t, 4);
	x->n_countries = (uint8_t)(json_array_size(c) < SL_SUBJECT_COUNTRIES ? json_array_size(c)
									   : SL_SUBJECT_COUNTRIES);
	for (unsigned i = 0; i < x->n_countries; i++)
		country_from(rs, str_at(rs, c, i), x->countries[i]);
	x->rtt_next = (uint8_t)(u64_at(rs, rtt, 0) % SUBJ_RTTS);
	for (unsigned i = 0; i < SUBJ_RTTS; i++) {
		addr_from(rs, str_at(rs, rtt, 1 + 2 * i), &x->rtt[i].addr);
		x->rtt[i].min_us = (uint32_t)u64_at(rs, rtt, 2 + 2 * i);
	}
	place_from(rs, json_object_get(o, "loc"), &x->loc);
	place_from(rs, json_object_get(o, "lp"), &x->loc_prev);
	for (unsigned i = 0; i < 24; i++)
		x->hours[i] = (uint32_t)u64_at(rs, h, i);
	apps_from(rs, json_object_get(o, "ra"), x->ra);
	apps_from(rs, json_object_get(o, "vpn"), x->vpn);
}

static void score_from(struct restore *rs, const json_t *o, struct subject *x)
{
	const json_t *sc = json_object_get(o, "sc"), *pr = json_object_get(o, "pr");
	x->score = dbl_at(rs, sc, 0);
	x->level = (uint8_t)u64_at(rs, sc, 1);
	x->alerted = (uint8_t)u64_at(rs, sc, 2);
	x->peak = dbl_at(rs, sc, 3);
	x->peak_at = u64_at(rs, sc, 4);
	x->n_alerts = (uint32_t)u64_at(rs, sc, 5);
	if (x->level > SL_SUBJECT_LEVEL_CRITICAL || x->alerted > SL_SUBJECT_LEVEL_CRITICAL)
		rs->bad = true;
	for (unsigned i = 0; i < ARRAY_SIZE(x->peak_rules); i++) {
		const char *id = json_string_value(json_array_get(pr, i));
		x->peak_rules[i] = id ? rs->find(rs->ctx, id) : NULL;
	}
}

static void fact_lists_from(struct restore *rs, const json_t *o, struct hit_facts *f)
{
	const json_t *m = json_object_get(o, "m"), *rm = json_object_get(o, "rm");
	const json_t *ap = json_object_get(o, "ap"), *ob = json_object_get(o, "ob");
	const json_t *ul = json_object_get(o, "ul");
	for (size_t i = 0; i < json_array_size(m) && f->n_matched < HIT_MATCHED; i++)
		f->matched[f->n_matched++] = intern(rs, str_at(rs, m, i));
	for (size_t i = 0; i + 2 < json_array_size(rm) && f->n_remote < HIT_REMOTES; i += 3) {
		struct hit_remote *e = &f->remote[f->n_remote++];
		addr_from(rs, str_at(rs, rm, i), &e->addr);
		country_from(rs, str_at(rs, rm, i + 1), e->country);
		e->asn = (uint32_t)u64_at(rs, rm, i + 2);
	}
	for (size_t i = 0; i < json_array_size(ap) && f->n_app < HIT_APPS; i++)
		f->app[f->n_app++] = intern(rs, str_at(rs, ap, i));
	for (size_t i = 0; i < json_array_size(ob) && f->n_observed < HIT_PLACES; i++)
		country_from(rs, str_at(rs, ob, i), f->observed[f->n_observed++]);
	f->remote_unlisted = (uint32_t)u64_at(rs, ul, 0);
	f->app_unlisted = (uint32_t)u64_at(rs, ul, 1);
	f->observed_unlisted = (uint32_t)u64_at(rs, ul, 2);
}

static void fact_verdicts_from(struct restore *rs, const json_t *o, struct hit_facts *f)
{
	const json_t *z = json_object_get(o, "z"), *l = json_object_get(o, "l");
	const json_t *tr = json_object_get(o, "tr");
	if ((f->has_zone = z != NULL)) {
		const char *zone = str_at(rs, z, 0);
		f->zone = zone[0] ? intern(rs, zone) : NULL;
		f->share = dbl_at(rs, z, 1);
		f->has_claimed_share = json_is_true(json_array_get(z, 2));
		f->claimed_share = dbl_at(rs, z, 3);
		f->hours = (unsigned)u64_at(rs, z, 4);
	}
	if ((f->has_light = l != NULL)) {
		addr_from(rs, str_at(rs, l, 0), &f->light_addr);
		f->rtt_ms = dbl_at(rs, l, 1);
		f->expected_rtt_ms = dbl_at(rs, l, 2);
		f->excess_ms = dbl_at(rs, l, 3);
		f->distance_km = dbl_at(rs, l, 4);
	}
	if ((f->has_travel = tr != NULL)) {
		country_from(rs, str_at(rs, tr, 0), f->travel_from);
		country_from(rs, str_at(rs, tr, 1), f->travel_to);
		f->travel_km = dbl_at(rs, tr, 2);
		f->travel_hours = dbl_at(rs, tr, 3);
		f->travel_kmh = dbl_at(rs, tr, 4);
		f->travel_impossible = json_is_true(json_array_get(tr, 5));
	}
}

/* One hit into slot *ref of x, from the pool; left out (counted) when its
 * rule is gone or the pool is full. */
static void hit_from(struct restore *rs, const json_t *o, uint32_t *ref)
{
	struct sl_subjects *s = rs->s;
	const char *id = json_string_value(json_object_get(o, "id"));
	const struct sl_rule_info *rule = id ? rs->find(rs->ctx, id) : NULL;
	if (!id)
		rs->bad = true;
	uint32_t got = rule ? sl_subj_hit_take(s) : 0;
	if (!got) {
		s->st.hits_dropped++;
		return;
	}
	*ref = got;
	struct hit *h = &s->hits[*ref - 1];
	const json_t *t = json_object_get(o, "t"), *ev = json_object_get(o, "ev");
	unsigned max = s->cfg->scoring.evidence_max;
	*h = (struct hit){ .rule = rule, .count = (uint32_t)u64_at(rs, t, 0),
			   .first = u64_at(rs, t, 1), .last = u64_at(rs, t, 2) };
	h->ev_next = (uint8_t)(max ? u64_at(rs, t, 3) % max : 0);
	for (size_t k = 0; k < json_array_size(ev) && k < max; k++) {
		char *dst = (char *)sl_subj_evidence(s, *ref - 1, (unsigned)k);
		snprintf(dst, SL_COMMUNITY_ID_LEN, "%s", str_at(rs, ev, k));
		h->n_ev++;
	}
	fact_lists_from(rs, o, &h->facts);
	fact_verdicts_from(rs, o, &h->facts);
}

/* The subject the snapshot's kind and key name, taken fresh. */
static struct subject *subject_from(struct restore *rs, const json_t *o, char *err,
				    size_t errlen)
{
	const json_t *k = json_object_get(o, "k");
	const char *key = json_string_value(json_object_get(o, "key"));
	uint8_t bytes[16];
	size_t n;
	json_int_t kind = json_is_integer(k) ? json_integer_value(k) : -1;
	if (!key || kind < 0 || kind > SL_SUBJECT_ADDRESS)
		return snprintf(err, errlen, "subject snapshot without a valid kind and key"), NULL;
	const struct sl_roster_entry *e = NULL;
	if (kind == SL_SUBJECT_ROSTER) {
		if (!(e = sl_subj_entry_named(rs->s, key)))
			return snprintf(err, errlen, "subject snapshot of \"%s\", whom the roster "
				 "does not name (load the same roster in every scorer)", key), NULL;
		uint32_t idx = (uint32_t)(e - sl_roster_entry(rs->s->roster, 0));
		memcpy(bytes, &idx, sizeof(idx));
		n = sizeof(idx);
	} else if (!(n = hex_from(rs, key, bytes, sizeof(bytes))) ||
		   (kind == SL_SUBJECT_HOST ? n != 6 : n != 4 && n != 16)) {
		return snprintf(err, errlen, "subject snapshot with a malformed key \"%s\"", key),
		       NULL;
	}
	struct subject *x = sl_subj_take(rs->s, (uint8_t)kind, bytes, (uint8_t)n, 0);
	if (x->flows || x->rules[0] || x->first) { /* held already: replace it whole */
		sl_subj_forget(rs->s, x);
		x = sl_subj_take(rs->s, (uint8_t)kind, bytes, (uint8_t)n, 0);
	}
	x->claimed = e;
	return x;
}

static void identity_from(struct restore *rs, const json_t *o, struct subject *x)
{
	const char *a = json_string_value(json_object_get(o, "a"));
	const char *mac = json_string_value(json_object_get(o, "mac"));
	const char *hn = json_string_value(json_object_get(o, "hn"));
	addr_from(rs, a ? a : "", &x->addr);
	if (mac && hex_from(rs, mac, x->mac, 6) == 6)
		x->has_mac = true;
	if (hn)
		snprintf(x->hostname, sizeof(x->hostname), "%s", hn);
}

int sl_subjects_restore(struct sl_subjects *s, const char *json, size_t len,
			sl_subject_rule_fn find, void *ctx, char *id_out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je);
	struct restore rs = { .s = s, .find = find, .ctx = ctx };
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen, "not a subject snapshot (version 1): %s",
			 o ? "wrong shape" : je.text);
		json_decref(o);
		return -EINVAL;
	}
	struct subject *x = subject_from(&rs, o, err, errlen);
	if (!x)
		return json_decref(o), -EINVAL;
	identity_from(&rs, o, x);
	history_from(&rs, o, x);
	score_from(&rs, o, x);
	const json_t *r = json_object_get(o, "r");
	for (unsigned i = 0; i < SUBJ_RULES; i++)
		if (json_is_object(json_array_get(r, i)))
			hit_from(&rs, json_array_get(r, i), &x->rules[i]);
	s->latest = x->touched > s->latest ? x->touched : s->latest;
	json_decref(o);
	if (id_out)
		sl_subj_id(x, id_out, SL_ROSTER_NAME_MAX);
	if (rs.bad) {
		char id[SL_ROSTER_NAME_MAX];
		sl_subj_id(x, id, sizeof(id));
		sl_subj_forget(s, x);
		snprintf(err, errlen, "subject snapshot of \"%s\" is malformed", id);
		return -EINVAL;
	}
	return 0;
}
