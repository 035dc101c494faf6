/* The engine's life: its parts (decoder, hosts, parsers, identification,
 * geo, subjects and rules, flow table) made and freed, its workers, and the
 * end of input (flush, summaries, the last stats event). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sightline/schema.h"
#include "engine_priv.h"

/* A per-process random hash seed (STYLE.md 8); output never depends on it. */
static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)(uintptr_t)&s ^ 0x9e3779b97f4a7c15ULL;
	return s;
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

size_t sl_engine_host_header(const struct sl_config *cfg, char *hdr, size_t cap, char *name,
			     size_t name_cap)
{
	char host[256] = "";
	const char *n = cfg->sensor.name;
	size_t len = 0;
	if (!n || !*n) {
		if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
			snprintf(host, sizeof(host), "unknown");
		n = host;
	}
	struct sl_json j;
	sl_json_init(&j);
	const struct sl_header_view v = { .host = n };
	sl_json_begin(&j);
	sl_fields_write_under(&sl_header_fields, "host", &v, &j);
	sl_json_end(&j);
	/* {"host":"..."} less its braces, plus the comma before the rest */
	if (!j.failed && j.len >= 2 && j.len - 1 < cap) {
		memcpy(hdr, j.buf + 1, j.len - 2);
		hdr[j.len - 2] = ',';
		len = j.len - 1;
	}
	sl_json_finish(&j);
	if (name && name_cap)
		snprintf(name, name_cap, "%s", strlen(n) < name_cap ? n : "");
	return len;
}

/* The engine's header for sl_engine_write(), JSON-escaped once here; the
 * name itself for the writers that begin events with it (host_name). */
static void host_header(struct sl_engine *e)
{
	e->host_len = sl_engine_host_header(e->cfg, e->host_hdr, sizeof(e->host_hdr), e->host_name,
					    sizeof(e->host_name));
	if (e->host_len && e->host_name[0])
		e->out.host = e->host_name;
}

int sl_engine_create(const struct sl_config *cfg, struct sl_eve *eve,
		     struct sl_engine **out, char *err, size_t errlen)
{
	struct sl_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = cfg;
	e->eve = eve;
	sl_engine_lock_init(&e->lock);
	size_t nf;
	sl_catalogue_emit_order(&nf); /* build the static order before any event */
	sl_json_init(&e->json);
	host_header(e);
	int rc = sl_decoder_create(&cfg->decode, &e->dec);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the decoder: %s", strerror(-rc));
		goto err_dec;
	}
	rc = sl_hosts_create(cfg, &e->hosts, err, errlen);
	if (rc < 0)
		goto err_hosts;
	rc = sl_engine_dispatch_create(e, err, errlen);
	if (rc < 0)
		goto err_dispatch;
	rc = sl_identify_create(cfg, &e->identify, err, errlen);
	if (rc < 0)
		goto err_identify;
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
	sl_identify_destroy(e->identify);
err_identify:
	sl_dispatch_destroy(e->dispatch);
err_dispatch:
	sl_hosts_destroy(e->hosts);
err_hosts:
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
	w->out.host = lead->out.host;
	pthread_mutex_init(&w->lock, NULL);
	sl_json_init(&w->json);
	*out = w; /* freed by the caller's sl_engine_destroy() on failure */
	int rc = sl_decoder_create(&cfg->decode, &w->dec);
	if (rc < 0)
		return snprintf(err, errlen, "cannot create a worker's decoder: %s", strerror(-rc)), rc;
	rc = sl_engine_dispatch_create(w, err, errlen);
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
	for (unsigned i = 1; i < n; i++) {
		rc = worker_create(e, &fc, &e->workers[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void sl_engine_destroy(struct sl_engine *e)
{
	if (!e)
		return;
	for (size_t i = 1; i < e->n_workers; i++)
		sl_engine_destroy(e->workers[i]);
	free(e->workers);
	sl_engine_identity_finish(e);
	sl_flow_table_destroy(e->flows);
	scoring_destroy(e);
	sl_geo_cache_destroy(e->geo_cache);
	sl_geo_destroy(e->geo);
	sl_identify_destroy(e->identify);
	for (size_t i = 0; i < e->n_retired_identify; i++)
		sl_identify_destroy(e->retired_identify[i]);
	free(e->retired_identify);
	sl_dispatch_destroy(e->dispatch);
	sl_hosts_destroy(e->hosts);
	sl_decoder_destroy(e->dec);
	sl_json_finish(&e->json);
	sl_flow_out_free(&e->out);
	for (size_t i = 0; i < e->n_srcs; i++)
		free(e->srcs[i]);
	free(e->srcs);
	free(e->line);
	sl_engine_order_finish(e);
	pthread_mutex_destroy(&e->lock);
	free(e);
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
	sl_time_us end = t.st.last_ts > e->signin.last ? t.st.last_ts : e->signin.last;
	while (!sl_engine_forwarding(e) && sl_subjects_summary(e->subjects, end, true, &e->json)) {
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
