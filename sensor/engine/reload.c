/* The reload swap (include/sightline/engine.h): the set a SIGHUP replaces
 * (rule pack, correlation, roster, databases) loaded off the capture path,
 * then swapped in between packets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

/* What a reload replaces, loaded in full before anything is swapped, and
 * the engine's settings loading needs (copied: the load may run on another
 * thread and outlive the engine). */
struct sl_reload {
	uint32_t max_groups, cache_entries, regex_match_limit, regex_depth_limit;
	struct sl_activity_config act;  /* reference_zones not kept: the roster reads hours */
	bool with_geo;
	bool loaded;
	struct sl_rules *rules;
	struct sl_identify *identify;  /* the product signatures, reloaded */
	struct sl_correlator *corr;
	struct sl_roster *roster;
	struct sl_geo *geo;
	struct sl_geo_cache *cache;
	char *fingerprint; /* the new configuration's (sl_config_fingerprint) */
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
	sl_identify_destroy(r->identify);
	sl_roster_destroy(r->roster);
	sl_geo_cache_destroy(r->cache);
	sl_geo_destroy(r->geo);
	free(r->fingerprint);
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
	int rc = sl_identify_create(fresh, &r->identify, err, errlen);
	if (rc == 0 && fresh->rules.enabled)
		rc = load_rules(r, fresh, err, errlen);
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
	if (rc == 0 && !(r->fingerprint = sl_config_fingerprint(fresh))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
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

/*
 * The keys a reload applies (what sl_reload_load() reads from the new
 * configuration); the databases' keys only when it reloads them.  Any
 * other key that changed keeps its running value until a restart, and the
 * user is told which, rather than left to think the edit took effect.
 */
static const char *const reloaded[] = { "rules.path", "rules.enabled", "identify.signatures",
					"identify.extra_signatures", "scoring.roster", "databases",
					"intel.demo", "intel.builtin", "sensor.location", NULL };
static const char *const reloaded_no_geo[] = { "rules.path", "rules.enabled",
					       "identify.signatures",
					       "identify.extra_signatures", "scoring.roster",
					       NULL };

static void say_restart_keys(const struct sl_engine *e, const struct sl_reload *r, char *err,
			     size_t errlen)
{
	char *now = sl_config_fingerprint(e->cfg), keys[384];
	size_t n = sl_config_changed(now, r->fingerprint, r->with_geo ? reloaded : reloaded_no_geo,
				     keys, sizeof(keys));
	free(now);
	size_t used = strlen(err);
	if (n)
		snprintf(err + used, errlen - used, "%s%s changed but appl%s only at a restart (the "
			 "running value%s stay%s): %s", used ? "; " : "", n > 1 ? "settings" :
			 "a setting", n > 1 ? "y" : "ies", n > 1 ? "s" : "", n > 1 ? "" : "s", keys);
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
	struct sl_identify **ki = realloc(e->retired_identify,
					  (e->n_retired_identify + 1) * sizeof(*ki));
	if (!ki) {
		sl_reload_destroy(r);
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	}
	e->retired_identify = ki;
	/* Flows identified so far keep pointing at the old set's product
	 * names: it is retired, not freed.  The capture calls the commit with
	 * the engine lock held (sl_cap_signals), the lock the workers identify
	 * under, so no worker is in the middle of it. */
	e->retired_identify[e->n_retired_identify++] = e->identify;
	e->identify = r->identify;
	r->identify = NULL;
	sl_correlator_destroy(e->corr);
	e->rules = r->rules;
	e->corr = r->corr;
	r->rules = NULL;
	r->corr = NULL;
	sl_subjects_replace_roster(e->subjects, r->roster);
	r->roster = NULL;
	e->roster_gen++; /* views kept by open flows point into the old one */
	if (r->with_geo)
		swap_geo(e, r);
	else
		snprintf(err, errlen, "the databases are kept: with several workers, new ones "
			 "are loaded at a restart");
	say_restart_keys(e, r, err, errlen);
	sl_reload_destroy(r);
	return 0;
}
