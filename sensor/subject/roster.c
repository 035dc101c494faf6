/* The roster loader: HR's list of people and devices (YAML through the
 * bounded reader's document) with their match keys, claimed place, zone, hours
 * and allow-list, each problem reported as FILE:LINE:COL and a sentence. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "sightline/identity.h"
#include "sightline/yaml_read.h"
#include "subject_priv.h"

#define ROSTER_FILE_MAX (16u << 20)
#define ROSTER_LIST_MAX 4096u /* values of one key of one entry */

struct loader {
	yaml_document_t *doc;
	const char *name;
	const char *input;
	size_t len;
	char *err;
	size_t errlen;
	const struct sl_activity_config *act;
	struct sl_roster *roster;
};

#define MARK_FMT "%s:%zu:%zu: "
#define MARK_ARGS(ld, n) (ld)->name, (n)->start_mark.line + 1, (n)->start_mark.column + 1

static int put_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write "FILE:LINE:COL: " and the sentence; always returns -EINVAL. */
static int put_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	if (!ld->err || ld->errlen == 0)
		return -EINVAL;
	int k = snprintf(ld->err, ld->errlen, MARK_FMT, MARK_ARGS(ld, n));
	if (k >= 0 && (size_t)k < ld->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ld->err + k, ld->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const yaml_node_t *node(struct loader *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

static const char *kind_of(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a map" : n->type == YAML_SEQUENCE_NODE ? "a list"
										: "a single value";
}

/* The text of a scalar, refusing maps, lists and embedded NULs. */
static int scalar(struct loader *ld, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return put_err(ld, n, "%s: expected a single value, got %s", key, kind_of(n));
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return put_err(ld, n, "%s: the value contains a NUL character", key);
	return 0;
}

typedef int (*item_fn)(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		       const char *key, const char *text);

/* Keys that take "a scalar or a list of scalars": call fn for each value. */
static int each_scalar(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *val,
		       const char *key, item_fn fn)
{
	const char *text = NULL;
	int rc;
	if (val->type != YAML_SEQUENCE_NODE) {
		if ((rc = scalar(ld, val, key, &text)) < 0)
			return rc;
		return fn(ld, e, val, key, text);
	}
	size_t count = 0;
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = node(ld, *it);
		if (++count > ROSTER_LIST_MAX)
			return put_err(ld, item, "%s: more than %u values", key, ROSTER_LIST_MAX);
		if ((rc = scalar(ld, item, key, &text)) < 0 || (rc = fn(ld, e, item, key, text)) < 0)
			return rc;
	}
	return 0;
}

/* Append one element of size sz to a growing array (load time only). */
static void *append(void *arr, size_t *n, size_t sz)
{
	char *p = realloc(arr, (*n + 1) * sz);
	if (!p)
		return NULL;
	memset(p + *n * sz, 0, sz);
	(*n)++;
	return p;
}

#define APPEND(arr, n) ((arr) = append((arr), &(n), sizeof(*(arr))))

static int add_net(struct loader *ld, const yaml_node_t *n, const char *key, const char *text,
		   bool bare, struct sl_cidr **arr, size_t *cnt)
{
	struct sl_cidr c;
	if (bare && strchr(text, '/'))
		return put_err(ld, n, "%s: '%s' is a prefix; list it under cidr:", key, text);
	if (sl_cidr_parse(text, &c) < 0)
		return put_err(ld, n, "%s: '%s' is not an IP address or CIDR prefix (host bits "
			       "must be zero, e.g. 10.1.0.0/16)", key, text);
	if (!(*arr = append(*arr, cnt, sizeof(**arr))))
		return -ENOMEM;
	(*arr)[*cnt - 1] = c;
	return 0;
}

static int i_ip(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		const char *key, const char *text)
{
	return add_net(ld, n, key, text, true, &e->nets, &e->n_nets);
}

static int i_cidr(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		  const char *key, const char *text)
{
	return add_net(ld, n, key, text, false, &e->nets, &e->n_nets);
}

static int i_allow_cidr(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
			const char *key, const char *text)
{
	return add_net(ld, n, key, text, false, &e->allow_nets, &e->n_allow_nets);
}

bool sl_roster_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++, s++) {
			char c = *s;
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
			if (d > 15)
				return false;
			v = v << 4 | d;
		}
		mac[i] = (uint8_t)v;
		if (i < 5 && *s != ':' && *s != '-')
			return false;
		if (i < 5)
			s++;
	}
	return *s == '\0';
}

static int i_mac(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		 const char *key, const char *text)
{
	uint8_t mac[6];
	if (!sl_roster_parse_mac(text, mac))
		return put_err(ld, n, "%s: '%s' is not a MAC address (write aa:bb:cc:dd:ee:ff)",
			       key, text);
	if (!APPEND(e->macs, e->n_macs))
		return -ENOMEM;
	memcpy(e->macs[e->n_macs - 1], mac, 6);
	return 0;
}

static int add_str(struct loader *ld, const yaml_node_t *n, const char *key, const char *text,
		   char ***arr, size_t *cnt)
{
	if (!text[0] || strlen(text) >= SL_ROSTER_NAME_MAX)
		return put_err(ld, n, "%s: give a value of 1 to %d characters", key,
			       SL_ROSTER_NAME_MAX - 1);
	char *copy = strdup(text);
	if (!copy || !(*arr = append(*arr, cnt, sizeof(**arr)))) {
		free(copy);
		return -ENOMEM;
	}
	(*arr)[*cnt - 1] = copy;
	return 0;
}

static int i_hostname(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		      const char *key, const char *text)
{
	return add_str(ld, n, key, text, &e->hostnames, &e->n_hostnames);
}

/* Login names of the identity provider, kept case-folded as sign-ins are
 * (sl_identity_fold()), so "Carol@Example.com" in a log finds "carol@example.com". */
static int i_account(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		     const char *key, const char *text)
{
	char folded[SL_ROSTER_NAME_MAX];
	if (!text[0] || strlen(text) >= SL_ROSTER_NAME_MAX)
		return put_err(ld, n, "%s: give a login name of 1 to %d characters", key,
			       SL_ROSTER_NAME_MAX - 1);
	sl_identity_fold(text, folded, sizeof(folded));
	/* One login, one person: a sign-in must never charge two. */
	for (size_t i = 0; i < ld->roster->n; i++)
		for (size_t k = 0; k < ld->roster->entries[i].n_accounts; k++)
			if (strcmp(ld->roster->entries[i].accounts[k], folded) == 0)
				return put_err(ld, n, "%s: '%s' is already listed%s%s; an account "
					       "belongs to one entry", key, text,
					       &ld->roster->entries[i] == e ? "" : " for ",
					       &ld->roster->entries[i] == e ? ""
					       : ld->roster->entries[i].name);
	return add_str(ld, n, key, folded, &e->accounts, &e->n_accounts);
}

static int i_allow_app(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		       const char *key, const char *text)
{
	return add_str(ld, n, key, text, &e->allow_apps, &e->n_allow_apps);
}

static int i_allow_rule(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
			const char *key, const char *text)
{
	return add_str(ld, n, key, text, &e->allow_rules, &e->n_allow_rules);
}

/* The single-valued keys. */
static int k_name(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		  const char *key, const char *text)
{
	if (!text[0] || strlen(text) >= sizeof(e->name))
		return put_err(ld, n, "%s: give a name of 1 to %zu characters", key,
			       sizeof(e->name) - 1);
	for (size_t i = 0; i < ld->roster->n; i++)
		if (strcmp(ld->roster->entries[i].name, text) == 0)
			return put_err(ld, n, "%s: '%s' is already in the roster; names must be "
				       "unique", key, text);
	snprintf(e->name, sizeof(e->name), "%s", text);
	return 0;
}

static int k_country(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		     const char *key, const char *text)
{
	if (strlen(text) != 2 || !((text[0] | 32) >= 'a' && (text[0] | 32) <= 'z') ||
	    !((text[1] | 32) >= 'a' && (text[1] | 32) <= 'z'))
		return put_err(ld, n, "%s: '%s' is not an ISO 3166-1 alpha-2 code (e.g. US, DE)",
			       key, text);
	e->country[0] = (char)(text[0] & ~32);
	e->country[1] = (char)(text[1] & ~32);
	return 0;
}

static int k_city(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		  const char *key, const char *text)
{
	if (!text[0] || strlen(text) >= SL_ROSTER_NAME_MAX)
		return put_err(ld, n, "%s: give a city of 1 to %d characters", key,
			       SL_ROSTER_NAME_MAX - 1);
	free(e->city);
	return (e->city = strdup(text)) ? 0 : -ENOMEM;
}

static int coord(struct loader *ld, const yaml_node_t *n, const char *key, const char *text,
		 double max, double *out)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || *end != '\0' || !isfinite(v) || v < -max || v > max)
		return put_err(ld, n, "%s: '%s' is not a number of degrees between %g and %g", key,
			       text, -max, max);
	*out = v;
	return 0;
}

static int k_lat(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		 const char *key, const char *text)
{
	return coord(ld, n, key, text, 90, &e->lat);
}

static int k_lon(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		 const char *key, const char *text)
{
	return coord(ld, n, key, text, 180, &e->lon);
}

static int k_timezone(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
		      const char *key, const char *text)
{
	char why[384];
	sl_tz_destroy(e->tz);
	e->tz = NULL;
	int rc = sl_tz_load(NULL, text, &e->tz, why, sizeof(why));
	if (rc == -ENOMEM)
		return rc;
	return rc < 0 ? put_err(ld, n, "%s: %s", key, why) : 0;
}

/* "HH:MM-HH:MM"; an end before the start wraps past midnight. */
static bool parse_hours(const char *s, uint16_t *start, uint16_t *end)
{
	unsigned h1, m1, h2, m2;
	int used = 0;
	if (sscanf(s, "%2u:%2u-%2u:%2u%n", &h1, &m1, &h2, &m2, &used) != 4 || s[used] != '\0' ||
	    h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0))
		return false;
	*start = (uint16_t)(h1 * 60 + m1);
	*end = (uint16_t)(h2 * 60 + m2);
	return *start != *end;
}

static int k_work_hours(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *n,
			const char *key, const char *text)
{
	if (!parse_hours(text, &e->work_start, &e->work_end))
		return put_err(ld, n, "%s: '%s' is not a span of hours; write \"09:00-17:00\"",
			       key, text);
	return 0;
}

static int single(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *val,
		  const char *key, item_fn fn)
{
	const char *text = NULL;
	int rc = scalar(ld, val, key, &text);
	return rc < 0 ? rc : fn(ld, e, val, key, text);
}

struct key {
	const char *name;
	item_fn fn;
	bool list; /* a scalar or a list */
};

static const struct key allow_keys[] = {
	{ "apps", i_allow_app, true },
	{ "cidrs", i_allow_cidr, true },
	{ "rules", i_allow_rule, true },
};

static const struct key entry_keys[] = {
	{ "name", k_name, false },        { "ip", i_ip, true },
	{ "cidr", i_cidr, true },         { "mac", i_mac, true },
	{ "hostname", i_hostname, true }, { "country", k_country, false },
	{ "city", k_city, false },        { "lat", k_lat, false },
	{ "lon", k_lon, false },          { "timezone", k_timezone, false },
	{ "work_hours", k_work_hours, false }, { "accounts", i_account, true },
};

static void key_list(const struct key *keys, size_t n, const char *extra, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", keys[i].name);
	if (extra && k < len)
		snprintf(buf + k, len - k, ", %s", extra);
}

/* Walk a map against a key table; "allow" (a nested map) is handled by the caller. */
static int walk(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *map,
		const char *where, const struct key *keys, size_t nkeys, bool allow_ok);

static int apply_pair(struct loader *ld, struct sl_roster_entry *e, const char *k,
		      const yaml_node_t *key, const yaml_node_t *val, const char *where,
		      const struct key *keys, size_t nkeys, bool allow_ok)
{
	char known[256];
	if (allow_ok && strcmp(k, "allow") == 0) {
		if (val->type != YAML_MAPPING_NODE)
			return put_err(ld, val, "allow: expected a map of apps, cidrs and rules, "
				       "got %s", kind_of(val));
		return walk(ld, e, val, "allow", allow_keys, ARRAY_SIZE(allow_keys), false);
	}
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(k, keys[i].name) == 0)
			return keys[i].list ? each_scalar(ld, e, val, k, keys[i].fn)
					    : single(ld, e, val, k, keys[i].fn);
	key_list(keys, nkeys, allow_ok ? "allow" : NULL, known, sizeof(known));
	return put_err(ld, key, "%sunknown key '%s'; known keys: %s", where, k, known);
}

static int walk(struct loader *ld, struct sl_roster_entry *e, const yaml_node_t *map,
		const char *where, const struct key *keys, size_t nkeys, bool allow_ok)
{
	char prefix[80];
	snprintf(prefix, sizeof(prefix), "%s%s", where, where[0] ? ": " : "");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *key = node(ld, p->key), *val = node(ld, p->value);
		const char *k = NULL;
		int rc = scalar(ld, key, "key", &k);
		if (rc == 0)
			rc = apply_pair(ld, e, k, key, val, prefix, keys, nkeys, allow_ok);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_entry(struct loader *ld, const yaml_node_t *n, bool device)
{
	if (n->type != YAML_MAPPING_NODE)
		return put_err(ld, n, "each roster entry must be a map with name: and match keys, "
			       "got %s", kind_of(n));
	struct sl_roster *r = ld->roster;
	if (!APPEND(r->entries, r->n))
		return -ENOMEM;
	struct sl_roster_entry *e = &r->entries[r->n - 1];
	e->device = device;
	e->lat = e->lon = NAN;
	e->work_start = (uint16_t)(ld->act->work_start * 60);
	e->work_end = (uint16_t)(ld->act->work_end * 60);
	int rc = walk(ld, e, n, "", entry_keys, ARRAY_SIZE(entry_keys), true);
	if (rc < 0)
		return rc;
	if (!e->name[0])
		return put_err(ld, n, "the entry has no name:; every person or device needs one");
	if (e->n_nets + e->n_macs + e->n_hostnames + e->n_accounts == 0)
		return put_err(ld, n, "'%s' has no ip, cidr, mac, hostname or accounts, so no "
			       "flow can match it", e->name);
	if (isnan(e->lat) != isnan(e->lon))
		return put_err(ld, n, "'%s': give lat and lon together", e->name);
	return 0;
}

static int load_list(struct loader *ld, const yaml_node_t *key, const yaml_node_t *val)
{
	const char *k = NULL;
	int rc = scalar(ld, key, "key", &k);
	if (rc < 0)
		return rc;
	bool device = strcmp(k, "devices") == 0;
	if (!device && strcmp(k, "people") != 0)
		return put_err(ld, key, "unknown key '%s'; a roster has people: and devices:", k);
	if (val->type == YAML_SCALAR_NODE && val->data.scalar.length == 0)
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return put_err(ld, val, "%s: expected a list of entries, got %s", k, kind_of(val));
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++)
		if ((rc = load_entry(ld, node(ld, *it), device)) < 0)
			return rc;
	return 0;
}

static int load_root(struct loader *ld)
{
	const yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return put_err(ld, root, "the top level must be a map with people: and/or "
			       "devices:, got %s", kind_of(root));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		int rc = load_list(ld, node(ld, p->key), node(ld, p->value));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Bounds of a roster: a few levels, a few anchors, one document. */
static const struct sl_yaml_limits roster_limits = {
	.what = "roster", .max_depth = SL_YAML_MAX_DEPTH, .max_documents = 1, .max_anchors = 256,
};

static int parse_document(struct loader *ld)
{
	struct sl_yaml_reader r;
	yaml_document_t doc;
	int rc = sl_yaml_reader_init(&r, ld->input, ld->len, &roster_limits);
	if (rc == 0)
		rc = sl_yaml_load_single(&r, &doc);
	if (rc < 0 && ld->err && ld->errlen) {
		if (r.line)
			snprintf(ld->err, ld->errlen, "%s:%u:%u: %s", ld->name, r.line, r.col, r.msg);
		else
			snprintf(ld->err, ld->errlen, "%s: %s", ld->name, r.msg);
	}
	if (rc == 0) {
		ld->doc = &doc;
		rc = load_root(ld);
		yaml_document_delete(&doc);
	}
	sl_yaml_reader_finish(&r);
	return rc;
}

int sl_roster_load_string(const char *yaml, size_t len, const char *name,
			  const struct sl_activity_config *act, struct sl_roster **out, char *err,
			  size_t errlen)
{
	struct loader ld = { .name = name ? name : "roster", .input = yaml, .len = len,
			     .err = err, .errlen = errlen, .act = act };
	if (err && errlen)
		err[0] = '\0';
	if (!(ld.roster = calloc(1, sizeof(*ld.roster))))
		return -ENOMEM;
	int rc = parse_document(&ld);
	if (rc == 0)
		rc = sl_roster_index(ld.roster);
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen && !err[0])
			snprintf(err, errlen, "%s: out of memory", ld.name);
		sl_roster_destroy(ld.roster);
		return rc;
	}
	*out = ld.roster;
	return 0;
}

int sl_roster_load_file(const char *path, const struct sl_activity_config *act,
			struct sl_roster **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot open the roster: %s", path, strerror(errno));
		return rc;
	}
	char *buf = malloc(ROSTER_FILE_MAX + 1);
	size_t len = buf ? fread(buf, 1, ROSTER_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	int rc = -EFBIG;
	if (len > ROSTER_FILE_MAX)
		snprintf(err, errlen, "%s: larger than %u MiB; is this a roster?", path,
			 ROSTER_FILE_MAX >> 20);
	else
		rc = sl_roster_load_string(buf, len, path, act, out, err, errlen);
	free(buf);
	return rc;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sl_roster_destroy(struct sl_roster *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct sl_roster_entry *e = &r->entries[i];
		free(e->nets);
		free(e->macs);
		free_strs(e->hostnames, e->n_hostnames);
		free_strs(e->accounts, e->n_accounts);
		free(e->city);
		sl_tz_destroy(e->tz);
		free_strs(e->allow_apps, e->n_allow_apps);
		free(e->allow_nets);
		free_strs(e->allow_rules, e->n_allow_rules);
	}
	free(r->entries);
	free(r->by_ip);
	free(r->by_mac);
	free(r);
}

size_t sl_roster_count(const struct sl_roster *r)
{
	return r ? r->n : 0;
}

const struct sl_roster_entry *sl_roster_entry(const struct sl_roster *r, size_t i)
{
	return r && i < r->n ? &r->entries[i] : NULL;
}
