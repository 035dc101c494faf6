/* The pipeline: each frame is decoded, charged to its flow, and every ended
 * flow becomes an EVE flow event; at the end a stats event and the summary. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine_priv.h"

/* The lead's lock is held for short stretches by every worker at every
 * flow end: an adaptive mutex spins a little before sleeping, which saves
 * the two context switches of a futex wait for most of them. */
static void lock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* A per-process random hash seed (STYLE.md 8); output never depends on it. */
static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)(uintptr_t)&s ^ 0x9e3779b97f4a7c15ULL;
	return s;
}

void sl_engine_lock(struct sl_engine *e)
{
	if (e->n_workers > 1)
		pthread_mutex_lock(&e->lock);
}

void sl_engine_unlock(struct sl_engine *e)
{
	if (e->n_workers > 1)
		pthread_mutex_unlock(&e->lock);
}

/* Subjects (with the roster and the sensor's place) and the rule pack. */
static int scoring_create(struct sl_engine *e, char *err, size_t errlen)
{
	const struct sl_config *cfg = e->cfg;
	int rc = sl_subjects_create(cfg, &e->subjects, err, errlen);
	if (rc < 0)
		return rc;
	double lat, lon;
	if (sl_geo_sensor_location(e->geo, &lat, &lon))
		sl_subjects_set_sensor_location(e->subjects, lat, lon);
	if (!cfg->rules.enabled)
		return 0;
	struct sl_rule_error re;
	rc = sl_rules_load(cfg->rules.path, &e->rules, &re);
	if (rc < 0) {
		sl_rule_error_format(&re, err, errlen);
		size_t used = strlen(err);
		if (!re.line && !cfg->rules.path)
			snprintf(err + used, errlen - used, " (the bundled rule pack is missing: give "
				 "one with -R PATH, or run without rules: --set rules.enabled=false)");
		return rc;
	}
	sl_rules_set_regex_limits(e->rules, cfg->rules.regex_match_limit,
				  cfg->rules.regex_depth_limit);
	rc = sl_correlator_create(e->rules, cfg->rules.max_groups, &e->corr);
	if (rc < 0)
		snprintf(err, errlen, "cannot allocate %u correlation groups: %s",
			 cfg->rules.max_groups, strerror(-rc));
	return rc;
}

static void scoring_destroy(struct sl_engine *e)
{
	sl_correlator_destroy(e->corr);
	sl_rules_destroy(e->rules);
	for (size_t i = 0; i < e->n_retired; i++)
		sl_rules_destroy(e->retired[i]);
	free(e->retired);
	sl_subjects_destroy(e->subjects);
}

int sl_engine_create(const struct sl_config *cfg, struct sl_eve *eve,
		     struct sl_engine **out, char *err, size_t errlen)
{
	struct sl_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = cfg;
	e->eve = eve;
	lock_init(&e->lock);
	size_t nf;
	sl_catalogue_emit_order(&nf); /* build the static order before any event */
	sl_json_init(&e->json);
	int rc = sl_decoder_create(&cfg->decode, &e->dec);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the decoder: %s", strerror(-rc));
		goto err_dec;
	}
	rc = sl_dispatch_create(cfg, &e->dispatch, err, errlen);
	if (rc < 0)
		goto err_dispatch;
	rc = sl_geo_create(cfg, &e->geo, err, errlen);
	if (rc < 0)
		goto err_geo;
	if (sl_geo_warning(e->geo)[0]) /* not fatal: the summary's intel line repeats it */
		fprintf(stderr, "sightline: warning: %s\n", sl_geo_warning(e->geo));
	rc = sl_geo_cache_create(e->geo, cfg->intel.cache_entries, &e->geo_cache);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the IP-intelligence cache: %s", strerror(-rc));
		goto err_cache;
	}
	rc = scoring_create(e, err, errlen);
	if (rc < 0)
		goto err_scoring;
	rc = sl_flow_table_create(&cfg->flow, random_seed(), sl_engine_flow_end, e, &e->flows);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the flow table for %u flows: %s",
			 cfg->flow.max_flows, strerror(-rc));
		goto err_flows;
	}
	*out = e;
	return 0;
err_flows:
err_scoring:
	scoring_destroy(e);
	sl_geo_cache_destroy(e->geo_cache);
err_cache:
	sl_geo_destroy(e->geo);
err_geo:
	sl_dispatch_destroy(e->dispatch);
err_dispatch:
	sl_decoder_destroy(e->dec);
err_dec:
	sl_json_finish(&e->json);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return rc;
}

/* A worker: its own decoder, parsers, geo cache (over the lead's
 * databases) and flow table; no subjects, rules or sink of its own. */
static int worker_create(struct sl_engine *lead, const struct sl_flow_config *fc,
			 struct sl_engine **out, char *err, size_t errlen)
{
	const struct sl_config *cfg = lead->cfg;
	struct sl_engine *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = cfg;
	w->lead = lead;
	pthread_mutex_init(&w->lock, NULL);
	sl_json_init(&w->json);
	*out = w; /* freed by the caller's sl_engine_destroy() on failure */
	int rc = sl_decoder_create(&cfg->decode, &w->dec);
	if (rc < 0)
		return snprintf(err, errlen, "cannot create a worker's decoder: %s", strerror(-rc)), rc;
	rc = sl_dispatch_create(cfg, &w->dispatch, err, errlen);
	if (rc < 0)
		return rc;
	rc = sl_geo_cache_create(lead->geo, cfg->intel.cache_entries, &w->geo_cache);
	if (rc == 0)
		rc = sl_flow_table_create(fc, random_seed(), sl_engine_flow_end, w, &w->flows);
	if (rc < 0)
		snprintf(err, errlen, "cannot allocate a worker's flow table or cache: %s",
			 strerror(-rc));
	return rc;
}

/*
 * The flow-table cap is split evenly, so n workers hold at most as many
 * flows (and as much memory) as one engine; each gets at least 1024.  The
 * lead's table is rebuilt at its share before any packet was seen.
 */
int sl_engine_add_workers(struct sl_engine *e, unsigned n, char *err, size_t errlen)
{
	if (n <= 1 || e->lead || e->n_workers)
		return 0;
	if (n > SL_ENGINE_MAX_WORKERS)
		return snprintf(err, errlen, "at most %d workers", SL_ENGINE_MAX_WORKERS), -EINVAL;
	struct sl_flow_config fc = e->cfg->flow;
	fc.max_flows = fc.max_flows / n < 1024 ? 1024 : fc.max_flows / n;
	struct sl_flow_table *t;
	int rc = sl_flow_table_create(&fc, random_seed(), sl_engine_flow_end, e, &t);
	if (rc < 0)
		return snprintf(err, errlen, "cannot allocate the flow tables: %s", strerror(-rc)), rc;
	sl_flow_table_destroy(e->flows);
	e->flows = t;
	e->workers = calloc(n, sizeof(*e->workers));
	if (!e->workers)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	e->workers[0] = e;
	e->n_workers = n;
	sl_dispatch_share(e->dispatch, NULL, &e->lock);
	for (unsigned i = 1; i < n; i++) {
		rc = worker_create(e, &fc, &e->workers[i], err, errlen);
		if (rc < 0)
			return rc;
		sl_dispatch_share(e->workers[i]->dispatch, e->dispatch, &e->lock);
	}
	return 0;
}

unsigned sl_engine_workers(const struct sl_engine *e)
{
	return e->n_workers > 1 ? (unsigned)e->n_workers : 1;
}

struct sl_engine *sl_engine_worker(struct sl_engine *e, unsigned i)
{
	return i == 0 || i >= e->n_workers ? e : e->workers[i];
}

void sl_engine_destroy(struct sl_engine *e)
{
	if (!e)
		return;
	for (size_t i = 1; i < e->n_workers; i++)
		sl_engine_destroy(e->workers[i]);
	free(e->workers);
	sl_flow_table_destroy(e->flows);
	scoring_destroy(e);
	sl_geo_cache_destroy(e->geo_cache);
	sl_geo_destroy(e->geo);
	sl_dispatch_destroy(e->dispatch);
	sl_decoder_destroy(e->dec);
	sl_json_finish(&e->json);
	sl_flow_out_free(&e->out);
	for (size_t i = 0; i < e->n_ifnames; i++)
		free(e->ifnames[i]);
	free(e->ifnames);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void sl_engine_account(struct sl_engine *e, sl_time_us ts, uint32_t wirelen)
{
	e->st.packets++;
	e->st.bytes += wirelen;
	if (e->st.first_ts == 0 || ts < e->st.first_ts)
		e->st.first_ts = ts;
	if (ts > e->st.last_ts)
		e->st.last_ts = ts;
	if (ts < e->st.prev_ts)
		e->st.time_backwards++;
	e->st.prev_ts = ts;
}

void sl_engine_process(struct sl_engine *e, int dlt, sl_time_us ts,
		       const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct sl_packet pkt;
	enum sl_dir dir;
	if (ts > e->clock)
		e->clock = ts;
	if (sl_decode_packet(e->dec, dlt, frame, caplen, wirelen, ts, &pkt) != SL_DECODE_OK)
		return;
	pkt.iface = e->iface;
	e->st.ip_packets++;
	struct sl_flow *f = sl_flow_table_packet(e->flows, &pkt, e->clock, &dir);
	sl_dispatch_packet(e->dispatch, f, &pkt, dir);
}

/* Names are kept, never freed before the engine: an ended flow's event may
 * still be written with its name after the capture moved to another file. */
int sl_engine_set_iface(struct sl_engine *e, const char *name)
{
	e->iface = NULL;
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < e->n_ifnames; i++)
		if (strcmp(e->ifnames[i], name) == 0) {
			e->iface = e->ifnames[i];
			return 0;
		}
	if (e->n_ifnames == SL_ENGINE_MAX_IFNAMES)
		return 0;
	char **n = sl_grow(e->ifnames, &e->cap_ifnames, e->n_ifnames, sizeof(*n), 4);
	char *copy = n ? strdup(name) : NULL;
	if (!copy)
		return -ENOMEM;
	e->ifnames = n;
	e->ifnames[e->n_ifnames++] = copy;
	e->iface = copy;
	return 0;
}

/* The clock moves on every frame, so the worker's next own packet meets the
 * same clock one engine would have; expiry runs once per TICK_US of it
 * (each head it looks at may be a cache miss, on every frame of the
 * capture).  When it runs changes when a flow's event is written, never
 * what it says: a flow whose timeout passed ends as a timeout however it
 * is next met (sl_flow_table_packet()). */
void sl_engine_tick(struct sl_engine *e, sl_time_us ts)
{
	if (ts <= e->clock)
		return;
	e->clock = ts;
	if (ts < e->expired_at + SL_ENGINE_TICK_US)
		return;
	e->expired_at = ts;
	sl_flow_table_advance(e->flows, ts);
}

void sl_engine_packet(struct sl_engine *e, int dlt, sl_time_us ts,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	sl_engine_account(e, ts, wirelen);
	sl_engine_process(e, dlt, ts, frame, caplen, wirelen);
}

/* Every worker's open flows, worker by worker; the capture threads have
 * stopped, so this thread may use every table. */
void sl_engine_finish(struct sl_engine *e)
{
	if (e->n_workers > 1) {
		struct sl_flow_table *t[SL_ENGINE_MAX_WORKERS];
		for (size_t i = 0; i < e->n_workers; i++)
			t[i] = e->workers[i]->flows;
		sl_flow_table_flush_all(t, e->n_workers);
	} else {
		sl_flow_table_flush(e->flows);
	}
	struct sl_engine_totals t;
	sl_engine_totals(e, &t);
	while (sl_subjects_summary(e->subjects, t.st.last_ts, true, &e->json)) {
		sl_engine_write(e, &e->json);
		e->subject_events++;
	}
	/* The last stats event counts every event before it as delivered or
	 * dropped, not "somewhere in a buffer": outputs confirm first. */
	sl_eve_sync(e->eve);
	sl_engine_write_stats(e);
	sl_eve_flush(e->eve);
}

struct sl_engine_stats *sl_engine_stats(struct sl_engine *e)
{
	return &e->st;
}

/* What a reload replaces, loaded in full before anything is swapped, and
 * the engine's settings loading needs (copied: the load may run on another
 * thread and outlive the engine). */
struct sl_reload {
	uint32_t max_groups, cache_entries, regex_match_limit, regex_depth_limit;
	struct sl_activity_config act;  /* reference_zones not kept: the roster reads hours */
	bool with_geo;
	bool loaded;
	struct sl_rules *rules;
	struct sl_correlator *corr;
	struct sl_roster *roster;
	struct sl_geo *geo;
	struct sl_geo_cache *cache;
};

int sl_engine_reload_begin(const struct sl_engine *e, struct sl_reload **out)
{
	struct sl_reload *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->max_groups = e->cfg->rules.max_groups;
	r->regex_match_limit = e->cfg->rules.regex_match_limit;
	r->regex_depth_limit = e->cfg->rules.regex_depth_limit;
	r->cache_entries = e->cfg->intel.cache_entries;
	r->act = e->cfg->activity;
	r->act.reference_zones = NULL;
	/* Workers enrich through caches over the lead's databases outside the
	 * lock, so with several the databases stay until a restart. */
	r->with_geo = e->n_workers <= 1;
	*out = r;
	return 0;
}

void sl_reload_destroy(struct sl_reload *r)
{
	if (!r)
		return;
	sl_correlator_destroy(r->corr);
	sl_rules_destroy(r->rules);
	sl_roster_destroy(r->roster);
	sl_geo_cache_destroy(r->cache);
	sl_geo_destroy(r->geo);
	free(r);
}

static int load_rules(struct sl_reload *r, const struct sl_config *fresh, char *err,
		      size_t errlen)
{
	struct sl_rule_error re;
	int rc = sl_rules_load(fresh->rules.path, &r->rules, &re);
	if (rc < 0) {
		sl_rule_error_format(&re, err, errlen);
		return rc;
	}
	sl_rules_set_regex_limits(r->rules, r->regex_match_limit, r->regex_depth_limit);
	rc = sl_correlator_create(r->rules, r->max_groups, &r->corr);
	if (rc < 0)
		snprintf(err, errlen, "cannot allocate the correlation groups: %s", strerror(-rc));
	return rc;
}

int sl_reload_load(struct sl_reload *r, const struct sl_config *fresh, char *err,
		   size_t errlen)
{
	int rc = fresh->rules.enabled ? load_rules(r, fresh, err, errlen) : 0;
	if (rc == 0 && fresh->scoring.roster && fresh->scoring.roster[0])
		rc = sl_roster_load_file(fresh->scoring.roster, &r->act, &r->roster, err, errlen);
	if (rc == 0 && r->with_geo)
		rc = sl_geo_create(fresh, &r->geo, err, errlen);
	if (rc == 0 && r->with_geo) {
		rc = sl_geo_cache_create(r->geo, r->cache_entries, &r->cache);
		if (rc < 0)
			snprintf(err, errlen, "cannot allocate the IP-intelligence cache: %s",
				 strerror(-rc));
	}
	r->loaded = rc == 0;
	return rc;
}

/* The databases and their cache, with the sensor location they give. */
static void swap_geo(struct sl_engine *e, struct sl_reload *r)
{
	sl_geo_cache_destroy(e->geo_cache);
	sl_geo_destroy(e->geo);
	e->geo = r->geo;
	e->geo_cache = r->cache;
	r->geo = NULL;
	r->cache = NULL;
	double lat, lon;
	if (sl_geo_sensor_location(e->geo, &lat, &lon))
		sl_subjects_set_sensor_location(e->subjects, lat, lon);
}

int sl_engine_reload_commit(struct sl_engine *e, struct sl_reload *r, char *err,
			    size_t errlen)
{
	err[0] = '\0';
	if (!r->loaded) {
		sl_reload_destroy(r);
		return snprintf(err, errlen, "the new set was not loaded"), -EINVAL;
	}
	if (e->rules) {
		struct sl_rules **k = realloc(e->retired, (e->n_retired + 1) * sizeof(*k));
		if (!k) {
			sl_reload_destroy(r);
			return snprintf(err, errlen, "out of memory"), -ENOMEM;
		}
		e->retired = k;
		e->retired[e->n_retired++] = e->rules;
	}
	sl_correlator_destroy(e->corr);
	e->rules = r->rules;
	e->corr = r->corr;
	r->rules = NULL;
	r->corr = NULL;
	sl_subjects_replace_roster(e->subjects, r->roster);
	r->roster = NULL;
	if (r->with_geo)
		swap_geo(e, r);
	else
		snprintf(err, errlen, "the databases are kept: with several workers, new ones "
			 "are loaded at a restart");
	sl_reload_destroy(r);
	return 0;
}
