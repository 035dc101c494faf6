/* A forwarded event rebuilt as a record: a stand-in flow (addresses, ports,
 * protocol, times, counters, product) and places for the subject stage,
 * and every other field read from the event itself by its declared name
 * and type, so the subject stage and the rule matcher run unchanged. */
#include <errno.h>
#include <string.h>

#include "sightline/jsonpath.h"
#include "sightline/product.h"
#include "sightline/proto.h"
#include "sightline/identity.h"
#include "score_priv.h"

uint64_t sl_score_hash(const char *text, size_t len, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed; /* FNV-1a 64 */
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)text[i];
		h *= 0x100000001b3ULL;
	}
	h = sl_mix64(h);
	return h ? h : 1;
}

bool sl_score_parse_time(const char *text, sl_time_us *t)
{
	return text && sl_identity_parse_time(text, strlen(text), t) == 0;
}

bool sl_score_event_time(const json_t *ev, sl_time_us *t)
{
	const char *st = json_string_value(json_object_get(ev, "sensor_time"));
	if (st)
		return sl_score_parse_time(st, t);
	return sl_score_parse_time(json_string_value(json_object_get(ev, "timestamp")), t);
}

/* The fields the scorer computes itself: the subject's, from its own
 * table, and the type of the event it writes (an alert of a flow event). */
static bool scorer_owned(const struct sl_field *f)
{
	const struct sl_field_table *t = &sl_subject_fields;
	return (f >= t->fields && f < t->fields + t->n) || !strcmp(f->name, "event_type");
}

static bool list_value(const struct sl_field *f, json_t *x, struct sl_value *v)
{
	if (!json_is_array(x))
		return false;
	v->n = 0;
	for (size_t i = 0; i < json_array_size(x) && v->n < SL_VALUE_LIST_MAX; i++) {
		json_t *e = json_array_get(x, i);
		if (f->type == SL_FT_UINT_LIST && json_is_integer(e))
			v->list[v->n++] = (uint64_t)json_integer_value(e);
		else if (f->type == SL_FT_STRING_LIST && json_is_string(e))
			v->strs[v->n++] = json_string_value(e);
	}
	return true;
}

/* The value of f in the event, converted to its declared type. */
static bool event_value(const struct sl_field *f, json_t *x, struct sl_value *v)
{
	switch (f->type) {
	case SL_FT_STRING: v->s = json_string_value(x); return v->s != NULL;
	case SL_FT_UINT:
		if (!json_is_integer(x) || json_integer_value(x) < 0)
			return false;
		v->u = (uint64_t)json_integer_value(x);
		return true;
	case SL_FT_INT:
		if (!json_is_integer(x))
			return false;
		v->i = json_integer_value(x);
		return true;
	case SL_FT_DOUBLE:
		if (!json_is_number(x))
			return false;
		v->d = json_number_value(x);
		return true;
	case SL_FT_BOOL:
		if (!json_is_boolean(x))
			return false;
		v->b = json_is_true(x);
		return true;
	case SL_FT_IP: return json_is_string(x) && sl_addr_parse(json_string_value(x), &v->ip) == 0;
	case SL_FT_TIME: return sl_score_parse_time(json_string_value(x), &v->t);
	case SL_FT_UINT_LIST:
	case SL_FT_STRING_LIST: return list_value(f, x, v);
	}
	return false;
}

bool sl_score_event_get_any(const struct sl_record *r, const struct sl_field *f,
			    struct sl_value *v, bool *present)
{
	json_t *x = sl_jpath_get(r->event, f->name);
	*present = x && !json_is_null(x) && event_value(f, x, v);
	return true;
}

/* sl_record.event_get of a rebuilt record: every field but the subject's. */
static bool event_get(const struct sl_record *r, const struct sl_field *f, struct sl_value *v,
		      bool *present)
{
	return !scorer_owned(f) && sl_score_event_get_any(r, f, v, present);
}

static const char *str_at(json_t *ev, const char *path)
{
	return json_string_value(sl_jpath_get(ev, path));
}

static uint64_t uint_at(json_t *ev, const char *path)
{
	json_t *x = sl_jpath_get(ev, path);
	return json_is_integer(x) && json_integer_value(x) > 0 ? (uint64_t)json_integer_value(x) : 0;
}

/* A product name kept as long as the scorer: subjects remember them by pointer. */
static const char *intern(struct sl_scorer *s, const char *text)
{
	if (!text)
		return NULL;
	for (size_t i = 0; i < s->n_strings; i++)
		if (!strcmp(s->strings[i], text))
			return s->strings[i];
	char **n = sl_grow(s->strings, &s->cap_strings, s->n_strings, sizeof(*n), 16);
	char *copy = strdup(text);
	if (!n || !copy) {
		free(copy);
		return NULL;
	}
	s->strings = n;
	s->strings[s->n_strings++] = copy;
	return copy;
}

static uint8_t proto_number(const char *name)
{
	static const struct { uint8_t n; const char *s; } names[] = {
		{ 1, "ICMP" }, { 6, "TCP" }, { 17, "UDP" }, { 47, "GRE" }, { 50, "ESP" },
		{ 51, "AH" }, { 58, "IPv6-ICMP" }, { 132, "SCTP" },
	};
	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i].s, name))
			return names[i].n;
	return name ? (uint8_t)strtoul(name, NULL, 10) : 0;
}

static uint8_t app_proto_index(const char *name)
{
	for (size_t i = 0; name && i < sl_proto_count(); i++)
		if (!strcmp(sl_proto_at(i)->name, name))
			return (uint8_t)(i + 1);
	return 0;
}

/* The facts of one side's place the subject stage reads. */
static void place(json_t *ev, const char *side, struct sl_geo_result *g)
{
	char path[64];
	json_t *x;
	memset(g, 0, sizeof(*g));
	snprintf(path, sizeof(path), "%s.geo.country", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_string(x)) {
		snprintf(g->country, sizeof(g->country), "%s", json_string_value(x));
		g->have |= 1u << SL_GEO_COUNTRY;
	}
	snprintf(path, sizeof(path), "%s.geo.lat", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_number(x)) {
		g->lat = json_number_value(x);
		g->have |= 1u << SL_GEO_LAT;
	}
	snprintf(path, sizeof(path), "%s.geo.lon", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_number(x)) {
		g->lon = json_number_value(x);
		g->have |= 1u << SL_GEO_LON;
	}
	snprintf(path, sizeof(path), "%s.geo.accuracy_km", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_integer(x)) {
		g->accuracy_km = (uint32_t)json_integer_value(x);
		g->have |= 1u << SL_GEO_ACCURACY_KM;
	}
	snprintf(path, sizeof(path), "%s.geo.asn", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_integer(x)) {
		g->asn = (uint32_t)json_integer_value(x);
		g->have |= 1u << SL_GEO_ASN;
	}
	snprintf(path, sizeof(path), "%s.geo.as_org", side);
	if ((x = sl_jpath_get(ev, path)) && json_is_string(x)) {
		snprintf(g->as_org, sizeof(g->as_org), "%s", json_string_value(x));
		g->have |= 1u << SL_GEO_AS_ORG;
	}
}

/* Multicast, broadcast, unspecified and link-local addresses are nobody's
 * place: as the sensor's enrichment decides which side is remote. */
static bool is_group(const struct sl_addr *a)
{
	if (a->family == 4 && a->b[0] == 169 && a->b[1] == 254)
		return true;
	if (a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
		return true;
	return !sl_subject_is_endpoint(NULL, a);
}

static void flow_facts(struct sl_scorer *s, json_t *ev, struct sl_flow *f)
{
	f->cport = (uint16_t)uint_at(ev, "src_port");
	f->sport = (uint16_t)uint_at(ev, "dest_port");
	f->proto = proto_number(str_at(ev, "proto"));
	f->icmp_type = (uint8_t)uint_at(ev, "icmp_type");
	f->flow_id = uint_at(ev, "flow_id");
	f->pkts[0] = uint_at(ev, "flow.pkts_toserver");
	f->pkts[1] = uint_at(ev, "flow.pkts_toclient");
	f->bytes[0] = uint_at(ev, "flow.bytes_toserver");
	f->bytes[1] = uint_at(ev, "flow.bytes_toclient");
	f->app_proto = app_proto_index(str_at(ev, "app_proto"));
	const char *app = intern(s, str_at(ev, "app"));
	if (app) {
		f->product = app;
		f->category = intern(s, str_at(ev, "category"));
	}
	sl_score_parse_time(str_at(ev, "flow.start"), &f->first);
	sl_score_parse_time(str_at(ev, "timestamp"), &f->last);
	if (!f->first || f->first > f->last)
		f->first = f->last;
}

static void hint_of(json_t *ev, struct sl_subject_hint *h)
{
	memset(h, 0, sizeof(*h));
	const char *kind = str_at(ev, "subject.kind");
	if (kind && !strcmp(kind, "roster"))
		h->roster_name = str_at(ev, "subject.name");
	const char *mac = str_at(ev, "subject.mac");
	unsigned m[6];
	if (mac && sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
			  &m[5]) == 6) {
		h->has_mac = true;
		for (int i = 0; i < 6; i++)
			h->mac[i] = (uint8_t)m[i];
	}
	h->hostname = str_at(ev, "subject.hostname");
}

bool sl_score_rec_build(struct sl_scorer *s, json_t *ev, struct score_rec *r)
{
	memset(r, 0, sizeof(*r));
	struct sl_flow *f = &r->flow;
	if (sl_addr_parse(str_at(ev, "src_ip") ? str_at(ev, "src_ip") : "", &f->cli) != 0 ||
	    sl_addr_parse(str_at(ev, "dest_ip") ? str_at(ev, "dest_ip") : "", &f->srv) != 0)
		return false;
	flow_facts(s, ev, f);
	place(ev, "src", &r->geo[0]);
	place(ev, "dest", &r->geo[1]);
	bool cli_home = sl_config_is_home(s->cfg, &f->cli) || is_group(&f->cli);
	bool srv_home = sl_config_is_home(s->cfg, &f->srv) || is_group(&f->srv);
	r->event_type = str_at(ev, "event_type");
	r->host = str_at(ev, "host") ? str_at(ev, "host") : "";
	r->flow_id = f->flow_id;
	json_t *interim = sl_jpath_get(ev, "flow.interim");
	r->interim = json_is_true(interim);
	hint_of(ev, &r->hint);
	r->rec = (struct sl_record){
		.flow = f, .event_type = "flow", .remote = (int8_t)(!srv_home ? 1 : !cli_home ? 0 : -1),
		.geo = { &r->geo[0], &r->geo[1] }, .event_get = event_get, .event = ev,
		.community_seed = s->cfg->community_id_seed,
	};
	return true;
}

static enum sl_signin_outcome outcome_of(const char *name)
{
	if (name && !strcmp(name, "success"))
		return SL_SIGNIN_SUCCESS;
	if (name && !strcmp(name, "failure"))
		return SL_SIGNIN_FAILURE;
	return SL_SIGNIN_UNKNOWN;
}

/*
 * A sign-in: its account binds it to the roster's person (accounts:), its
 * outcome says whether anybody is charged (a failed sign-in proves nobody
 * was there), its address and time stand in for a flow's client, as the
 * sensor's identity stage had it (sensor/engine/signin.c).
 */
bool sl_score_signin_build(struct sl_scorer *s, json_t *ev, struct score_rec *r)
{
	memset(r, 0, sizeof(*r));
	struct sl_flow *f = &r->flow;
	const char *ip = str_at(ev, "src_ip");
	const char *account = str_at(ev, "signin.account");
	if (!ip || sl_addr_parse(ip, &f->cli) != 0)
		return false;
	f->srv.family = f->cli.family;
	sl_score_parse_time(str_at(ev, "timestamp"), &f->last);
	f->first = f->last;
	place(ev, "src", &r->geo[0]);
	struct sl_signin *si = &r->signin;
	si->time = f->last;
	si->addr = f->cli;
	si->outcome = outcome_of(str_at(ev, "signin.outcome"));
	snprintf(si->account, sizeof(si->account), "%s", account ? account : "");
	struct sl_binding *b = &r->binding;
	snprintf(b->account, sizeof(b->account), "%s", si->account);
	b->addr = f->cli;
	b->since = f->last;
	r->event_type = "signin";
	r->host = str_at(ev, "host") ? str_at(ev, "host") : "";
	hint_of(ev, &r->hint);
	r->rec = (struct sl_record){
		.flow = f, .event_type = "signin", .remote = 0, .geo = { &r->geo[0], NULL },
		.signin = si, .binding = b, .event_get = event_get, .event = ev,
		.community_seed = s->cfg->community_id_seed,
	};
	return true;
}
