/* Subject state snapshots, the writing half: one subject's whole scoring
 * state as a compact JSON object, so a fleet scorer that takes over its
 * partition restores it (subject_restore.c) and scores on unchanged. */
#include <string.h>

#include "subject_priv.h"

/* Two-letter country kept without NUL ("\0\0": unknown) as "" or "US". */
static void country(struct sl_json *j, const char c[2])
{
	sl_json_strn(j, c, c[0] ? 2 : 0);
}

static void addr(struct sl_json *j, const struct sl_addr *a)
{
	char b[64];
	if (a->family)
		sl_json_str(j, sl_addr_format(a, b, sizeof(b)));
	else
		sl_json_str(j, "");
}

static void hex(struct sl_json *j, const uint8_t *p, size_t n)
{
	char b[40];
	for (size_t i = 0; i < n && i < 16; i++)
		snprintf(b + 2 * i, 3, "%02x", p[i]);
	sl_json_strn(j, b, 2 * (n < 16 ? n : 16));
}

static void place(struct sl_json *j, const char *key, const struct subj_place *p)
{
	if (!p->has)
		return;
	sl_json_key(j, key);
	sl_json_open_array(j);
	country(j, p->country);
	sl_json_u64(j, p->acc_km);
	sl_json_double(j, p->lat);
	sl_json_double(j, p->lon);
	sl_json_u64(j, p->time);
	sl_json_close_array(j);
}

static void apps(struct sl_json *j, const char *key, const struct subj_app *set)
{
	sl_json_key(j, key);
	sl_json_open_array(j);
	for (unsigned i = 0; i < SUBJ_APPS; i++) {
		sl_json_open_array(j);
		if (set[i].app)
			sl_json_str(j, set[i].app);
		else
			sl_json_null(j);
		sl_json_u64(j, set[i].seen);
		sl_json_close_array(j);
	}
	sl_json_close_array(j);
}

/* Who: kind, key (a roster subject by its entry's name: the index differs
 * between rosters), the last address, MAC and DHCP host name. */
static void identity(struct sl_json *j, const struct subject *x)
{
	sl_json_key(j, "k");
	sl_json_u64(j, x->kind);
	sl_json_key(j, "key");
	if (x->kind == SL_SUBJECT_ROSTER)
		sl_json_str(j, x->claimed ? x->claimed->name : "");
	else
		hex(j, x->key, x->key_len);
	sl_json_key(j, "a");
	addr(j, &x->addr);
	if (x->has_mac) {
		sl_json_key(j, "mac");
		hex(j, x->mac, 6);
	}
	if (x->hostname[0]) {
		sl_json_key(j, "hn");
		sl_json_str(j, x->hostname);
	}
}

static void history(struct sl_json *j, const struct subject *x)
{
	sl_json_key(j, "t");
	sl_json_open_array(j);
	sl_json_u64(j, x->first);
	sl_json_u64(j, x->last);
	sl_json_u64(j, x->touched);
	sl_json_u64(j, x->last_minute);
	sl_json_u64(j, x->flows);
	sl_json_close_array(j);
	sl_json_key(j, "c");
	sl_json_open_array(j);
	for (unsigned i = 0; i < x->n_countries; i++)
		country(j, x->countries[i]);
	sl_json_close_array(j);
	sl_json_key(j, "rtt");
	sl_json_open_array(j);
	sl_json_u64(j, x->rtt_next);
	for (unsigned i = 0; i < SUBJ_RTTS; i++) {
		addr(j, &x->rtt[i].addr);
		sl_json_u64(j, x->rtt[i].min_us);
	}
	sl_json_close_array(j);
	place(j, "loc", &x->loc);
	place(j, "lp", &x->loc_prev);
	sl_json_key(j, "h");
	sl_json_open_array(j);
	for (unsigned i = 0; i < 24; i++)
		sl_json_u64(j, x->hours[i]);
	sl_json_close_array(j);
	apps(j, "ra", x->ra);
	apps(j, "vpn", x->vpn);
}

static void score(struct sl_json *j, const struct subject *x)
{
	sl_json_key(j, "sc");
	sl_json_open_array(j);
	sl_json_double(j, x->score);
	sl_json_u64(j, x->level);
	sl_json_u64(j, x->alerted);
	sl_json_double(j, x->peak);
	sl_json_u64(j, x->peak_at);
	sl_json_u64(j, x->n_alerts);
	sl_json_close_array(j);
	sl_json_key(j, "pr");
	sl_json_open_array(j);
	for (unsigned i = 0; i < ARRAY_SIZE(x->peak_rules); i++)
		if (x->peak_rules[i])
			sl_json_str(j, x->peak_rules[i]->id);
		else
			sl_json_null(j);
	sl_json_close_array(j);
}

/* The lists of a hit's facts: selections, remotes, products, places. */
static void fact_lists(struct sl_json *j, const struct hit_facts *f)
{
	sl_json_key(j, "m");
	sl_json_open_array(j);
	for (unsigned i = 0; i < f->n_matched; i++)
		sl_json_str(j, f->matched[i]);
	sl_json_close_array(j);
	sl_json_key(j, "rm");
	sl_json_open_array(j);
	for (unsigned i = 0; i < f->n_remote; i++) {
		addr(j, &f->remote[i].addr);
		country(j, f->remote[i].country);
		sl_json_u64(j, f->remote[i].asn);
	}
	sl_json_close_array(j);
	sl_json_key(j, "ap");
	sl_json_open_array(j);
	for (unsigned i = 0; i < f->n_app; i++)
		sl_json_str(j, f->app[i]);
	sl_json_close_array(j);
	sl_json_key(j, "ob");
	sl_json_open_array(j);
	for (unsigned i = 0; i < f->n_observed; i++)
		country(j, f->observed[i]);
	sl_json_close_array(j);
	sl_json_key(j, "ul");
	sl_json_open_array(j);
	sl_json_u64(j, f->remote_unlisted);
	sl_json_u64(j, f->app_unlisted);
	sl_json_u64(j, f->observed_unlisted);
	sl_json_close_array(j);
}

/* The verdicts of a hit's facts, each only when present. */
static void fact_verdicts(struct sl_json *j, const struct hit_facts *f)
{
	if (f->has_zone) {
		sl_json_key(j, "z");
		sl_json_open_array(j);
		sl_json_str(j, f->zone ? f->zone : "");
		sl_json_double(j, f->share);
		sl_json_bool(j, f->has_claimed_share);
		sl_json_double(j, f->claimed_share);
		sl_json_u64(j, f->hours);
		sl_json_close_array(j);
	}
	if (f->has_light) {
		sl_json_key(j, "l");
		sl_json_open_array(j);
		addr(j, &f->light_addr);
		sl_json_double(j, f->rtt_ms);
		sl_json_double(j, f->expected_rtt_ms);
		sl_json_double(j, f->excess_ms);
		sl_json_double(j, f->distance_km);
		sl_json_close_array(j);
	}
	if (f->has_travel) {
		sl_json_key(j, "tr");
		sl_json_open_array(j);
		country(j, f->travel_from);
		country(j, f->travel_to);
		sl_json_double(j, f->travel_km);
		sl_json_double(j, f->travel_hours);
		sl_json_double(j, f->travel_kmh);
		sl_json_bool(j, f->travel_impossible);
		sl_json_close_array(j);
	}
}

/* One rule's hits: rule id, count, times, the evidence ring as stored. */
static void hit(const struct sl_subjects *s, struct sl_json *j, uint32_t ref)
{
	const struct hit *h = &s->hits[ref - 1];
	sl_json_open_object(j);
	sl_json_key(j, "id");
	sl_json_str(j, h->rule->id);
	sl_json_key(j, "t");
	sl_json_open_array(j);
	sl_json_u64(j, h->count);
	sl_json_u64(j, h->first);
	sl_json_u64(j, h->last);
	sl_json_u64(j, h->ev_next);
	sl_json_close_array(j);
	sl_json_key(j, "ev");
	sl_json_open_array(j);
	for (unsigned k = 0; k < h->n_ev; k++)
		sl_json_str(j, sl_subj_evidence(s, ref - 1, k));
	sl_json_close_array(j);
	fact_lists(j, &h->facts);
	fact_verdicts(j, &h->facts);
	sl_json_close_object(j);
}

bool sl_subjects_snapshot(struct sl_subjects *s, const char *id, struct sl_json *j)
{
	const struct subject *x = sl_subj_find_id(s, id);
	if (!x)
		return false;
	sl_json_open_object(j);
	sl_json_key(j, "v");
	sl_json_u64(j, 1);
	identity(j, x);
	history(j, x);
	score(j, x);
	sl_json_key(j, "r"); /* slot by slot: ties between rules keep their order */
	sl_json_open_array(j);
	for (unsigned i = 0; i < SUBJ_RULES; i++)
		if (x->rules[i])
			hit(s, j, x->rules[i]);
		else
			sl_json_null(j);
	sl_json_close_array(j);
	sl_json_close_object(j);
	return true;
}

bool sl_subjects_view_of(struct sl_subjects *s, const char *id, struct sl_subject_view *v)
{
	struct subject *x = sl_subj_find_id(s, id);
	if (!x)
		return false;
	*v = (struct sl_subject_view){ .kind = sl_subj_kind_name(x), .claimed = x->claimed,
				       .subject = x, .subject_gen = x->gen };
	sl_subj_id(x, v->id, sizeof(v->id));
	return true;
}

bool sl_subjects_forget(struct sl_subjects *s, const char *id)
{
	struct subject *x = sl_subj_find_id(s, id);
	if (x)
		sl_subj_forget(s, x);
	return x != NULL;
}

bool sl_subjects_next(const struct sl_subjects *s, uint32_t *cursor, char *id, size_t len)
{
	for (uint32_t i = *cursor; i < s->fresh; i++)
		if (s->subj[i].used) {
			sl_subj_id(&s->subj[i], id, len);
			*cursor = i + 1;
			return true;
		}
	*cursor = s->fresh;
	return false;
}
