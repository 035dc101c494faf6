/* The report's one pass over event files: bounded line reads, JSON parsing,
 * the run's counts (inputs, types, sensors, time span) and dispatch of each
 * event to its subject. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"

#define RP_BUCKETS 8192u

static void zones_free(struct sl_report *r)
{
	for (size_t i = 0; i < r->n_zones; i++)
		sl_tz_destroy(r->zones[i]);
	for (size_t i = 0; i < r->n_claimed_cache; i++)
		sl_tz_destroy(r->claimed_cache[i]);
}

/* activity.reference_zones, loaded once: every subject's heat map is kept
 * in each of them as events arrive, so no event needs to be kept. */
static int load_zones(struct sl_report *r, const char *list, char *err, size_t errlen)
{
	char buf[1024];
	rp_copy(buf, sizeof(buf), list);
	for (char *save = NULL, *z = strtok_r(buf, ", ", &save); z; z = strtok_r(NULL, ", ", &save)) {
		if (r->n_zones == RP_MAX_ZONES)
			break;
		char e[256];
		int rc = sl_tz_load(r->opts.tzdir, z, &r->zones[r->n_zones], e, sizeof(e));
		if (rc < 0) {
			snprintf(err, errlen, "activity.reference_zones: %s", e);
			return rc;
		}
		r->n_zones++;
	}
	return 0;
}

int sl_report_create(const struct sl_report_opts *opts, struct sl_report **out, char *err,
		     size_t errlen)
{
	struct sl_report *r = calloc(1, sizeof(*r));
	if (!r)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	r->opts = *opts;
	if (!r->opts.subjects_shown)
		r->opts.subjects_shown = SL_REPORT_SUBJECTS_SHOWN;
	if (!r->opts.rows)
		r->opts.rows = SL_REPORT_ROWS;
	r->sensor_lat = r->sensor_lon = NAN;
	const struct sl_config *cfg = opts->cfg;
	if (cfg && isfinite(cfg->sensor.lat) && isfinite(cfg->sensor.lon))
		r->sensor_lat = cfg->sensor.lat, r->sensor_lon = cfg->sensor.lon;
	r->buckets = calloc(RP_BUCKETS, sizeof(*r->buckets));
	r->all = calloc(RP_MAX_SUBJECTS, sizeof(*r->all));
	int rc = -ENOMEM;
	if (!r->buckets || !r->all) {
		snprintf(err, errlen, "out of memory");
		goto err_free;
	}
	rc = load_zones(r, cfg ? cfg->activity.reference_zones
			       : "Asia/Pyongyang,Asia/Shanghai,Europe/Moscow", err, errlen);
	if (rc < 0)
		goto err_free;
	*out = r;
	return 0;
err_free:
	sl_report_destroy(r);
	return rc;
}

void sl_report_destroy(struct sl_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_subjects; i++)
		rp_subject_free(r->all[i]);
	zones_free(r);
	free(r->buckets);
	free(r->all);
	free(r);
}

unsigned long long sl_report_events(const struct sl_report *r)
{
	return r->events;
}

struct rp_subject *rp_subject_get(struct sl_report *r, const char *id)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	struct rp_subject **b = &r->buckets[h & (RP_BUCKETS - 1)];
	for (struct rp_subject *s = *b; s; s = s->next)
		if (strncmp(s->id, id, sizeof(s->id) - 1) == 0)
			return s;
	if (r->n_subjects == RP_MAX_SUBJECTS)
		return NULL;
	struct rp_subject *s = calloc(1, sizeof(*s));
	if (!s || !(s->rows = calloc(r->opts.rows, sizeof(*s->rows)))) {
		free(s);
		return NULL;
	}
	rp_copy(s->id, sizeof(s->id), id);
	s->claimed_lat = s->claimed_lon = NAN;
	s->best_fit = s->claimed_fit = NAN;
	s->light_rtt = s->light_expected = s->light_distance = NAN;
	s->peak = -1;
	s->score_stride = 1;
	s->next = *b;
	*b = s;
	r->all[r->n_subjects++] = s;
	return s;
}

/* Count a name in a small bounded table; past its size into the spill. */
static void count_name(struct rp_count *tab, size_t *n, size_t cap, uint64_t *spill,
		       const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strncmp(tab[i].name, name, sizeof(tab[i].name) - 1) == 0) {
			tab[i].n++;
			return;
		}
	if (*n == cap) {
		(*spill)++;
		return;
	}
	rp_copy(tab[*n].name, sizeof(tab[*n].name), name);
	tab[(*n)++].n = 1;
}

static void add_event(struct sl_report *r, const json_t *ev)
{
	const char *type = rp_str(ev, "event_type");
	const char *host = rp_str(ev, "host");
	int64_t t = 0;
	bool have_t = rp_time_parse(rp_str(ev, "timestamp"), &t);
	uint64_t other = 0;
	count_name(r->types, &r->n_types, RP_MAX_TYPES, &other, type ? type : "(none)");
	if (other)
		r->types[RP_MAX_TYPES].n++;
	if (host)
		count_name(r->hosts, &r->n_hosts, RP_MAX_HOSTS, &r->hosts_more, host);
	if (have_t) {
		if (!r->t_min_set || t < r->t_min)
			r->t_min = t;
		if (!r->t_min_set || t > r->t_max)
			r->t_max = t;
		r->t_min_set = 1;
	}
	const char *id = rp_str(ev, "subject.id");
	if (!id || !*id || !type || !have_t)
		return;
	struct rp_subject *s = rp_subject_get(r, id);
	if (!s) {
		r->subject_events_dropped++;
		if (r->n_subjects == RP_MAX_SUBJECTS)
			r->subjects_more++; /* events of subjects past the cap */
		return;
	}
	rp_subject_event(r, s, ev, type, t);
}

static void bad_line(struct rp_input *in, uint64_t line, const char *why,
		     void (*warn)(const char *line))
{
	in->bad++;
	if (warn && in->bad <= RP_MAX_BAD_SHOWN) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s:%llu: %s", in->name, (unsigned long long)line, why);
		for (char *p = msg; *p; p++) /* a quoted control byte must not reach a terminal */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		warn(msg);
	}
}

/* One line: blank lines are allowed, anything else must be a JSON object. */
static void take_line(struct sl_report *r, struct rp_input *in, const char *line, size_t len,
		      void (*warn)(const char *line))
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!len)
		return;
	json_error_t je;
	json_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!ev || !json_is_object(ev)) {
		char why[300];
		snprintf(why, sizeof(why), ev ? "not a JSON object (an event is one object per line)"
					      : "not JSON: %s (column %d)", je.text, je.column);
		bad_line(in, in->lines, why, warn);
		json_decref(ev);
		return;
	}
	in->events++;
	r->events++;
	add_event(r, ev);
	json_decref(ev);
}

static struct rp_input *new_input(struct sl_report *r, const char *name)
{
	if (r->n_inputs == RP_MAX_INPUTS) {
		r->inputs_more++;
		memset(&r->spill_input, 0, sizeof(r->spill_input));
		rp_copy(r->spill_input.name, sizeof(r->spill_input.name), name);
		return &r->spill_input;
	}
	struct rp_input *in = &r->inputs[r->n_inputs++];
	rp_copy(in->name, sizeof(in->name), name);
	return in;
}

/* A line reader over fread: lines may hold NUL bytes (counted as bad, not
 * cut short), and one longer than RP_MAX_LINE is skipped to its end and
 * counted bad, so a hostile line cannot take the memory of the run. */
struct line_reader {
	FILE *in;
	char chunk[1 << 16];
	size_t pos, end;
	char *line;
	size_t len;
	bool too_long;
};

/* Next line into lr->line/len (newline dropped); false at the end. */
static bool next_line(struct line_reader *lr)
{
	lr->len = 0;
	lr->too_long = false;
	bool any = false;
	for (;;) {
		if (lr->pos == lr->end) {
			lr->end = fread(lr->chunk, 1, sizeof(lr->chunk), lr->in);
			lr->pos = 0;
			if (!lr->end)
				return any;
		}
		any = true;
		const char *start = lr->chunk + lr->pos;
		const char *nl = memchr(start, '\n', lr->end - lr->pos);
		size_t n = nl ? (size_t)(nl - start) : lr->end - lr->pos;
		if (lr->len + n > RP_MAX_LINE)
			lr->too_long = true;
		else
			memcpy(lr->line + lr->len, start, n), lr->len += n;
		lr->pos += n + (nl != NULL);
		if (nl)
			return true;
	}
}

int sl_report_add_stream(struct sl_report *r, FILE *in, const char *name,
			 void (*warn)(const char *line), char *err, size_t errlen)
{
	struct line_reader *lr = calloc(1, sizeof(*lr));
	if (!lr || !(lr->line = malloc(RP_MAX_LINE))) {
		free(lr);
		return snprintf(err, errlen, "%s: out of memory", name), -ENOMEM;
	}
	lr->in = in;
	struct rp_input *ip = new_input(r, name);
	uint64_t events0 = ip->events, bad0 = ip->bad;
	while (next_line(lr)) {
		ip->lines++;
		if (lr->too_long)
			bad_line(ip, ip->lines, "line longer than 4 MiB; skipped", warn);
		else if (memchr(lr->line, '\0', lr->len))
			bad_line(ip, ip->lines, "not JSON: a NUL byte in the line", warn);
		else
			take_line(r, ip, lr->line, lr->len, warn);
	}
	int rc = 0;
	if (ferror(in)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		rc = -EIO;
	} else if (ip->events == events0) {
		snprintf(err, errlen, "%s: no events in it (%llu line(s), %llu not JSON objects): "
			 "give files of EVE JSON lines as sightline -o writes them", name,
			 (unsigned long long)ip->lines, (unsigned long long)(ip->bad - bad0));
		rc = -EINVAL;
	}
	r->bad += ip->bad - bad0;
	free(lr->line);
	free(lr);
	return rc;
}

int sl_report_add_file(struct sl_report *r, const char *path, const char *name,
		       void (*warn)(const char *line), char *err, size_t errlen)
{
	if (strcmp(path, "-") == 0)
		return sl_report_add_stream(r, stdin, name ? name : "(standard input)", warn, err,
					    errlen);
	FILE *in = fopen(path, "r");
	if (!in) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	int rc = sl_report_add_stream(r, in, name ? name : path, warn, err, errlen);
	fclose(in);
	return rc;
}

int sl_report_add_line(struct sl_report *r, const char *name, const char *line, size_t len)
{
	struct rp_input *in = r->n_inputs ? &r->inputs[r->n_inputs - 1] : NULL;
	if (!in || strcmp(in->name, name) != 0)
		in = new_input(r, name);
	in->lines++;
	uint64_t bad = in->bad;
	take_line(r, in, line, len, NULL);
	r->bad += in->bad - bad;
	return 0;
}
