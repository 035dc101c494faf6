/* What subjects report on their own: the periodic `subject` events (score,
 * level, top contributors, countries, activity fit) and the table on stderr
 * at the end of a replay. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/schema.h"
#include "subject_priv.h"

#define TOP_REASONS 3

static int cmp_order(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Rescore the subjects seen since `since` (0: all) at now and sort them by
 * score.  The LRU list runs from the most recently charged subject, so a
 * periodic pass walks only the subjects charged since the previous one
 * instead of the whole table.
 */
static uint32_t sort_subjects(struct sl_subjects *s, sl_time_us since, sl_time_us now)
{
	uint32_t n = 0;
	for (uint32_t i = s->lru_head; i; i = s->subj[i - 1].lnext) {
		struct subject *x = &s->subj[i - 1];
		if (since && x->touched < since)
			break;
		if (x->last < since)
			continue;
		s->order[n++] = (struct order_key){ sl_subj_rescore(s, x, now), x->first, i - 1 };
	}
	qsort(s->order, n, sizeof(*s->order), cmp_order);
	return n;
}

/* A subject event's activity fit and apps, for sl_subject_event_fields. */
static void tail_view(const struct sl_subjects *s, const struct subject *x, sl_time_us now,
		      struct subj_tail_view *t)
{
	struct sl_subject_view v = { 0 };
	sl_subj_activity(s, x, now, &s->memo[x - s->subj].fits, &v);
	memset(t, 0, sizeof(*t));
	t->hours = v.activity_hours;
	t->have_claimed_fit = v.have_claimed_fit;
	t->claimed_fit = v.claimed_fit;
	t->have_best = v.have_activity && v.best_zone;
	t->best_zone = v.best_zone;
	t->best_fit = v.best_fit;
	for (unsigned i = 0; i < SUBJ_APPS; i++) {
		if (x->ra[i].app)
			t->ra[t->n_ra++] = x->ra[i].app;
		if (x->vpn[i].app)
			t->vpn[t->n_vpn++] = x->vpn[i].app;
	}
}

static void summary_event(struct sl_subjects *s, const struct subject *x, sl_time_us now,
			  struct sl_json *j)
{
	const struct sl_event_head h = { .timestamp = now, .event_type = "subject" };
	sl_json_begin(j);
	sl_fields_write(&sl_event_head_fields, &h, j);
	sl_subj_json_block(s, x, j);
	const struct subj_summary_view v = {
		.first = x->first, .last = x->last, .flows = x->flows, .score = x->score,
		.level = sl_subject_level_name((enum sl_subject_level)x->level), .peak = x->peak,
		.peaked = x->peak > 0, .peak_at = x->peak_at, .alerts = x->n_alerts,
	};
	struct subj_tail_view t;
	tail_view(s, x, now, &t);
	sl_fields_write(&sl_subject_summary_fields, &v, j);
	sl_subj_json_rules(s, x, TOP_REASONS, false, j);
	sl_fields_write(&sl_subject_event_fields, &t, j);
	sl_json_path_reset(j);
	sl_json_end(j);
}

/*
 * A pass starts when summary_interval of packet time has gone by since the
 * last one (the first call only sets the clock), or at the end.  Periodic
 * passes cover the subjects seen since the previous pass, so a quiet
 * subject is not repeated every interval; the final pass covers all.
 */
static bool start_pass(struct sl_subjects *s, sl_time_us now, bool final)
{
	uint64_t every = (uint64_t)s->cfg->scoring.summary_interval * SL_US_PER_SEC;
	if (s->final_done)
		return false;
	if (s->next_summary == UINT64_MAX && every && !final) {
		s->next_summary = now + every;
		return false;
	}
	if (!final && (!every || now < s->next_summary))
		return false;
	s->order_n = sort_subjects(s, final ? 0 : s->prev_pass, now);
	s->order_pos = 0;
	s->in_pass = true;
	s->prev_pass = now;
	s->final_done = final;
	if (every && s->next_summary <= now) {
		/* in one step: after a packet time far in the future (a damaged
		 * capture) a loop of += every would run billions of times */
		uint64_t steps = (now - s->next_summary) / every + 1;
		uint64_t room = UINT64_MAX - 1 - s->next_summary; /* UINT64_MAX means "unset" */
		s->next_summary += steps > room / every ? room : steps * every;
	}
	return true;
}

bool sl_subjects_summary(struct sl_subjects *s, sl_time_us now, bool final, struct sl_json *j)
{
	if (!s->in_pass && !start_pass(s, now, final))
		return false;
	if (s->order_pos >= s->order_n) {
		s->in_pass = false;
		return false;
	}
	summary_event(s, &s->subj[s->order[s->order_pos++].idx], now, j);
	return true;
}

static void claimed_place(const struct subject *x, char *buf, size_t len)
{
	const struct sl_roster_entry *e = x->claimed;
	if (!e || (!e->city && !e->country[0])) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%s%s%s", e->city ? e->city : "", e->city && e->country[0] ? ", " : "",
		 e->country);
}

static void countries(const struct subject *x, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < x->n_countries && k + 4 < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%.2s", i ? "," : "", x->countries[i]);
	if (!x->n_countries)
		snprintf(buf, len, "-");
}

/* The rules behind the peak, as they stood when the subject peaked (its
 * hits may have decayed since). */
static void reasons(const struct subject *x, char *buf, size_t len)
{
	const struct sl_rule_info *const *r = x->peak_rules;
	size_t k = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(x->peak_rules) && r[i] && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s (%u)", i ? "; " : "",
				      r[i]->title ? r[i]->title : r[i]->id, r[i]->score);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* "84.0 at 2026-03-02T14:00:27Z", or "-" for a subject that never scored. */
static void peak(const struct subject *x, char *buf, size_t len)
{
	char ts[SL_TIME_STRLEN];
	if (!(x->peak > 0)) {
		snprintf(buf, len, "-");
		return;
	}
	sl_time_format(x->peak_at, ts, sizeof(ts));
	snprintf(buf, len, "%.1f at %.19sZ", x->peak, ts);
}

/* One row's text, so that column widths can follow the longest value:
 * identifiers (IPv6 addresses, roster names) are never cut. */
struct row {
	char id[SL_ROSTER_NAME_MAX], addr[SL_ADDR_STRLEN], place[96], cc[40], peak[48];
	char why[512];
};

static void fill_row(const struct subject *x, struct row *w)
{
	sl_subj_id(x, w->id, sizeof(w->id));
	if (x->kind == SL_SUBJECT_ADDRESS || !x->addr.family)
		snprintf(w->addr, sizeof(w->addr), "-");
	else
		sl_addr_format(&x->addr, w->addr, sizeof(w->addr));
	claimed_place(x, w->place, sizeof(w->place));
	countries(x, w->cc, sizeof(w->cc));
	peak(x, w->peak, sizeof(w->peak));
	reasons(x, w->why, sizeof(w->why));
}

static int cmp_peak(const void *a, const void *b)
{
	return cmp_order(a, b);
}

/* Subjects by the highest score each reached (then the score now), so that
 * one whose evidence decayed before the end still heads the table. */
static uint32_t sort_by_peak(struct sl_subjects *s)
{
	uint32_t n = sort_subjects(s, 0, s->latest);
	for (uint32_t i = 0; i < n; i++) {
		const struct subject *x = &s->subj[s->order[i].idx];
		s->order[i].score = x->peak * 1000 + x->score / 1000;
	}
	qsort(s->order, n, sizeof(*s->order), cmp_peak);
	return n;
}

struct widths {
	int id, addr, place, cc, peak;
};

static int widen(int w, const char *v)
{
	int n = (int)strlen(v);
	return n > w ? n : w;
}

static void header(FILE *out, const struct widths *w)
{
	fprintf(out, "  %-*s  %-*s  %-*s  %-*s  %6s  %-*s  %5s  %-8s  %s\n", w->id, "SUBJECT",
		w->addr, "ADDRESS", w->place, "CLAIMED", w->cc, "SEEN FROM", "ALERTS", w->peak,
		"PEAK SCORE", "END", "LEVEL", "REASONS AT PEAK");
}

/*
 * The end-of-replay table.  Scores decay in packet time, so after several
 * captures the score at the end can be 0 for a subject that alerted on an
 * earlier day: each row shows the subject's alerts, its peak and when, and
 * the score and level at the end, and the header counts the same alerts as
 * the summary's rules line.
 */
void sl_subjects_print(struct sl_subjects *s, FILE *out, unsigned max_rows)
{
	uint32_t n = sort_by_peak(s);
	if (!n)
		return;
	uint32_t shown = n < max_rows ? n : max_rows, alerted = 0;
	uint64_t alerts = 0;
	struct widths w = { 7, 7, 7, 9, 10 };
	struct row r;
	for (uint32_t i = 0; i < n; i++) {
		const struct subject *x = &s->subj[s->order[i].idx];
		alerts += x->n_alerts;
		alerted += x->n_alerts > 0;
		if (i >= shown)
			continue;
		fill_row(x, &r);
		w = (struct widths){ widen(w.id, r.id), widen(w.addr, r.addr),
				     widen(w.place, r.place), widen(w.cc, r.cc), widen(w.peak, r.peak) };
	}
	fprintf(out, "\nSubjects by peak score (%u seen, %llu forgotten; %llu subject alerts on %u "
		"of them", n, (unsigned long long)s->st.evictions, (unsigned long long)alerts, alerted);
	if (s->st.alerts > alerts)
		fprintf(out, ", %llu on subjects forgotten since",
			(unsigned long long)(s->st.alerts - alerts));
	fprintf(out, "):\n");
	header(out, &w);
	for (uint32_t i = 0; i < shown; i++) {
		const struct subject *x = &s->subj[s->order[i].idx];
		fill_row(x, &r);
		fprintf(out, "  %-*s  %-*s  %-*s  %-*s  %6u  %-*s  %5.1f  %-8s  %s\n", w.id, r.id,
			w.addr, r.addr, w.place, r.place, w.cc, r.cc, x->n_alerts, w.peak, r.peak,
			x->score, sl_subject_level_name((enum sl_subject_level)x->level), r.why);
	}
	if (n > shown)
		fprintf(out, "  ... %u more\n", n - shown);
}
