/* The subject table: a fixed array of subjects with an open-addressing
 * index and a least-recently-seen list, and the choice of who each flow is
 * charged to (sensor.vantage, the roster, the DHCP table). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/binding.h"
#include "sightline/hosts.h"
#include "sightline/identify.h"
#include "sightline/proto.h"
#include "subject_priv.h"

static uint64_t key_hash(uint8_t kind, const uint8_t *key, uint8_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (kind + 1u);
	for (uint8_t i = 0; i < len; i++)
		h = sl_mix64(h ^ key[i] ^ (uint64_t)i << 8);
	return sl_mix64(h ^ len);
}

/* Reference zones from the comma-separated list. */
static int load_zones(struct sl_subjects *s, const char *list, char *err, size_t errlen)
{
	char name[SL_TZ_NAME_MAX];
	const char *p = list ? list : "";
	while (*p) {
		size_t n = strcspn(p, ",");
		while (n && (*p == ' ')) {
			p++;
			n--;
		}
		if (n >= sizeof(name) || s->n_zones == SUBJ_ZONES) {
			snprintf(err, errlen, "activity.reference_zones: at most %d zones of up to "
				 "%d characters", SUBJ_ZONES, SL_TZ_NAME_MAX - 1);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		while (n && name[n - 1] == ' ')
			name[--n] = '\0';
		if (n) {
			int rc = sl_tz_load(NULL, name, &s->zones[s->n_zones], err, errlen);
			if (rc < 0)
				return rc;
			s->n_zones++;
		}
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return 0;
}

static int alloc_tables(struct sl_subjects *s)
{
	const struct sl_scoring_config *sc = &s->cfg->scoring;
	s->cap = sc->max_subjects;
	uint32_t isz = 16;
	while (isz < s->cap * 2u)
		isz <<= 1;
	s->index_mask = isz - 1;
	s->n_hits = s->cap / 4 > 256 ? s->cap / 4 : 256;
	s->egress_sets = 1;
	while (s->egress_sets * EGRESS_WAYS < s->cap)
		s->egress_sets <<= 1;
	s->subj = calloc(s->cap, sizeof(*s->subj));
	s->index = calloc(isz, sizeof(*s->index));
	s->order = calloc(s->cap, sizeof(*s->order));
	s->hits = calloc(s->n_hits, sizeof(*s->hits));
	s->evidence = calloc((size_t)s->n_hits * sc->evidence_max, SL_COMMUNITY_ID_LEN);
	s->egress = malloc((size_t)s->egress_sets * EGRESS_WAYS * sizeof(*s->egress));
	s->egress_fresh = calloc((s->egress_sets + 7) / 8, 1);
	s->memo = calloc(s->cap, sizeof(*s->memo));
	if (!s->memo || !s->subj || !s->index || !s->order || !s->hits || !s->evidence || !s->egress ||
	    !s->egress_fresh)
		return -ENOMEM;
	/* Slots are handed out in order (s->fresh) and only freed ones are
	 * listed, so the table's memory is touched as subjects arrive, not at
	 * start (65,536 subjects are 39 MB). */
	s->free_head = 0;
	s->fresh = 0;
	s->hit_free = 0; /* the hit pool likewise (16,384 hits are 5.4 MB) */
	s->hit_fresh = 0;
	return 0;
}

/* A freed hit first (the latest freed), else the next never used: the order
 * a free list of every hit in index order would give, without writing the
 * whole pool at start. */
uint32_t sl_subj_hit_take(struct sl_subjects *s)
{
	uint32_t ref = s->hit_free;
	if (ref) {
		s->hit_free = s->hits[ref - 1].next_free;
		return ref;
	}
	return s->hit_fresh < s->n_hits ? ++s->hit_fresh : 0;
}

int sl_subjects_create(const struct sl_config *cfg, struct sl_subjects **out, char *err,
		       size_t errlen)
{
	struct sl_subjects *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->sensor_lat = s->sensor_lon = NAN;
	s->next_summary = UINT64_MAX;
	int rc = alloc_tables(s);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the table of %u subjects",
			 cfg->scoring.max_subjects);
		goto err;
	}
	if ((rc = load_zones(s, cfg->activity.reference_zones, err, errlen)) < 0)
		goto err;
	if (cfg->scoring.roster && cfg->scoring.roster[0] &&
	    (rc = sl_roster_load_file(cfg->scoring.roster, &cfg->activity, &s->roster, err,
				      errlen)) < 0)
		goto err;
	s->f_rtt_client = sl_catalogue_find("rtt.client_ms");
	s->f_rtt_server = sl_catalogue_find("rtt.server_ms");
	*out = s;
	return 0;
err:
	sl_subjects_destroy(s);
	return rc;
}

void sl_subjects_destroy(struct sl_subjects *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_zones; i++)
		sl_tz_destroy(s->zones[i]);
	sl_roster_destroy(s->roster);
	for (size_t i = 0; i < s->n_retired; i++)
		sl_roster_destroy(s->retired[i]);
	free(s->retired);
	free(s->subj);
	free(s->index);
	free(s->order);
	free(s->hits);
	free(s->evidence);
	free(s->egress);
	free(s->egress_fresh);
	free(s->memo);
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i]);
	free(s->names);
	free(s);
}

void sl_subjects_set_roster(struct sl_subjects *s, struct sl_roster *roster)
{
	sl_roster_destroy(s->roster);
	s->roster = roster;
}

void sl_subjects_set_sensor_location(struct sl_subjects *s, double lat, double lon)
{
	s->has_sensor = !isnan(lat) && !isnan(lon);
	s->sensor_lat = lat;
	s->sensor_lon = lon;
}

const struct sl_subjects_stats *sl_subjects_stats(const struct sl_subjects *s)
{
	return &s->st;
}

/* ---- LRU list and index ---- */

static void lru_unlink(struct sl_subjects *s, uint32_t i)
{
	struct subject *x = &s->subj[i - 1];
	if (x->lprev)
		s->subj[x->lprev - 1].lnext = x->lnext;
	else
		s->lru_head = x->lnext;
	if (x->lnext)
		s->subj[x->lnext - 1].lprev = x->lprev;
	else
		s->lru_tail = x->lprev;
	x->lprev = x->lnext = 0;
}

static void lru_push(struct sl_subjects *s, uint32_t i)
{
	struct subject *x = &s->subj[i - 1];
	x->lprev = 0;
	x->lnext = s->lru_head;
	if (s->lru_head)
		s->subj[s->lru_head - 1].lprev = i;
	s->lru_head = i;
	if (!s->lru_tail)
		s->lru_tail = i;
}

static uint32_t *probe(struct sl_subjects *s, uint8_t kind, const uint8_t *key, uint8_t len,
		       uint64_t h)
{
	for (uint32_t pos = (uint32_t)h & s->index_mask;; pos = (pos + 1) & s->index_mask) {
		uint32_t v = s->index[pos];
		if (!v)
			return &s->index[pos];
		const struct subject *x = &s->subj[v - 1];
		if (x->hash == h && x->kind == kind && x->key_len == len &&
		    memcmp(x->key, key, len) == 0)
			return &s->index[pos];
	}
}

/* Linear-probing deletion by backward shift: later entries of the run
 * move up so lookups never need tombstones. */
static void index_remove(struct sl_subjects *s, uint32_t pos)
{
	uint32_t hole = pos;
	for (uint32_t i = (pos + 1) & s->index_mask; s->index[i]; i = (i + 1) & s->index_mask) {
		uint32_t home = (uint32_t)s->subj[s->index[i] - 1].hash & s->index_mask;
		if (((i - home) & s->index_mask) >= ((i - hole) & s->index_mask)) {
			s->index[hole] = s->index[i];
			hole = i;
		}
	}
	s->index[hole] = 0;
}

/* Free subject i's slot (it must already be out of the index). */
static void release(struct sl_subjects *s, uint32_t i)
{
	struct subject *x = &s->subj[i - 1];
	lru_unlink(s, i);
	sl_subj_release_hits(s, x);
	memset(x, 0, sizeof(*x));
	x->lnext = s->free_head;
	s->free_head = i;
	s->n--;
	s->st.tracked = s->n;
}

/* Forget subject i: out of the index, slot freed. */
static void forget(struct sl_subjects *s, uint32_t i)
{
	struct subject *x = &s->subj[i - 1];
	uint32_t *slot = probe(s, x->kind, x->key, x->key_len, x->hash);
	index_remove(s, (uint32_t)(slot - s->index));
	release(s, i);
}

/* Forget the least recently seen subject to make room. */
static void evict_oldest(struct sl_subjects *s)
{
	if (s->on_evict) {
		char id[SL_ROSTER_NAME_MAX];
		sl_subj_id(&s->subj[s->lru_tail - 1], id, sizeof(id));
		s->on_evict(s->evict_ctx, id);
	}
	forget(s, s->lru_tail);
	s->st.evictions++;
}

void sl_subjects_on_evict(struct sl_subjects *s, sl_subject_evict_fn fn, void *ctx)
{
	s->on_evict = fn;
	s->evict_ctx = ctx;
}

/* The entry of r named name, or NULL. */
static const struct sl_roster_entry *entry_named(const struct sl_roster *r, const char *name)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (strcmp(r->entries[i].name, name) == 0)
			return &r->entries[i];
	return NULL;
}

/*
 * A new roster while running (SIGHUP): a roster subject keeps its history
 * when the new roster still names it (its key is its entry's index, so it
 * is re-keyed), and is forgotten when the new roster drops it.  Subjects
 * not on either roster are untouched; a host that the new roster now names
 * starts a roster subject with its next flow.
 */
/* Keep the current roster until the table goes: copies of views taken
 * before a reload still name its entries.  Without memory for the list the
 * roster is freed at once (a copy is only read by the worker that took it
 * before its next flow, so the window is one event). */
static void retire_roster(struct sl_subjects *s)
{
	struct sl_roster **r = realloc(s->retired, (s->n_retired + 1) * sizeof(*r));
	if (!r) {
		sl_roster_destroy(s->roster);
		return;
	}
	s->retired = r;
	s->retired[s->n_retired++] = s->roster;
}

void sl_subjects_replace_roster(struct sl_subjects *s, struct sl_roster *roster)
{
	for (uint32_t i = 1; i <= s->cap; i++) {
		struct subject *x = &s->subj[i - 1];
		if (!x->used || x->kind != SL_SUBJECT_ROSTER)
			continue;
		const struct sl_roster_entry *e = entry_named(roster, x->claimed->name);
		uint32_t *slot = probe(s, x->kind, x->key, x->key_len, x->hash);
		index_remove(s, (uint32_t)(slot - s->index));
		if (!e) {
			release(s, i);
			continue;
		}
		uint32_t idx = (uint32_t)(e - roster->entries);
		memcpy(x->key, &idx, sizeof(idx));
		x->hash = key_hash(x->kind, x->key, x->key_len);
		x->claimed = e;
	}
	/* Re-insert the kept roster subjects under their new keys; two that
	 * now name the same entry (a duplicated name) keep the first. */
	for (uint32_t i = 1; i <= s->cap; i++) {
		struct subject *x = &s->subj[i - 1];
		if (!x->used || x->kind != SL_SUBJECT_ROSTER)
			continue;
		uint32_t *slot = probe(s, x->kind, x->key, x->key_len, x->hash);
		if (*slot)
			release(s, i);
		else
			*slot = i;
	}
	retire_roster(s);
	s->roster = roster;
}

static struct subject *lookup(struct sl_subjects *s, uint8_t kind, const uint8_t *key,
			      uint8_t len, sl_time_us now)
{
	uint64_t h = key_hash(kind, key, len);
	uint32_t *slot = probe(s, kind, key, len, h);
	if (*slot) {
		lru_unlink(s, *slot);
		lru_push(s, *slot);
		return &s->subj[*slot - 1];
	}
	if (s->n == s->cap) {
		evict_oldest(s);
		slot = probe(s, kind, key, len, h);
	}
	uint32_t i = s->free_head ? s->free_head : ++s->fresh;
	struct subject *x = &s->subj[i - 1];
	if (s->free_head)
		s->free_head = x->lnext;
	memset(x, 0, sizeof(*x));
	x->used = true;
	x->gen = ++s->gen;
	x->kind = kind;
	x->key_len = len;
	memcpy(x->key, key, len);
	x->hash = h;
	x->first = now;
	*slot = i;
	lru_push(s, i);
	s->n++;
	s->st.tracked = s->n;
	return x;
}

/* The subject of kind and key, taken (and made most recent) or created;
 * for restoring a snapshot (subject_state.c). */
struct subject *sl_subj_take(struct sl_subjects *s, uint8_t kind, const uint8_t *key, uint8_t len,
			     sl_time_us now)
{
	return lookup(s, kind, key, len, now);
}

/* Forget x (a restore replacing it, a partition moving away). */
void sl_subj_forget(struct sl_subjects *s, struct subject *x)
{
	forget(s, (uint32_t)(x - s->subj) + 1);
}

/* The roster entry named name and its index, for a roster subject's key. */
const struct sl_roster_entry *sl_subj_entry_named(const struct sl_subjects *s, const char *name)
{
	return entry_named(s->roster, name);
}

/* ---- who a flow is charged to ---- */

static bool remote_access_session(const struct sl_flow *f)
{
	const char *app, *cat;
	enum sl_app_source src;
	if (sl_app_product(f, &app, &cat, &src) && cat && strcmp(cat, "remote-access") == 0)
		return true;
	const struct sl_proto *p = f->app_proto ? sl_proto_at(f->app_proto - 1u) : NULL;
	return p && (strcmp(p->name, "rdp") == 0 || strcmp(p->name, "vnc") == 0);
}

/*
 * The side of the flow that is the subject (0 client, 1 server), per
 * sensor.vantage: edge charges the client; host the side inside
 * home_networks; auto charges inbound flows to the external client except
 * remote-access sessions into an inside host (the inside host is the one
 * being driven), and everything else to the client.  Each side's home
 * test walks home_networks: only those the vantage needs are made.
 */
int sl_subj_side(const struct sl_subjects *s, const struct sl_flow *f)
{
	switch (s->cfg->sensor.vantage) {
	case SL_VANTAGE_EDGE:
		return 0;
	case SL_VANTAGE_HOST:
		return sl_config_is_home(s->cfg, &f->cli) || !sl_config_is_home(s->cfg, &f->srv) ? 0 : 1;
	default:
		return !sl_config_is_home(s->cfg, &f->cli) && sl_config_is_home(s->cfg, &f->srv) &&
		       remote_access_session(f) ? 1 : 0;
	}
}

/* The broadcast address of an IPv4 home network (all host bits set), for
 * prefixes that have one (RFC 3021: a /31 has none). */
static bool home_broadcast(const struct sl_config *cfg, const struct sl_addr *a)
{
	for (size_t i = 0; i < cfg->n_home_networks; i++) {
		const struct sl_cidr *n = &cfg->home_networks[i];
		if (n->addr.family != 4 || a->family != 4 || n->prefix > 30)
			continue;
		uint32_t net = (uint32_t)n->addr.b[0] << 24 | (uint32_t)n->addr.b[1] << 16 |
			       (uint32_t)n->addr.b[2] << 8 | n->addr.b[3];
		uint32_t ip = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
			      (uint32_t)a->b[2] << 8 | a->b[3];
		uint32_t host = n->prefix ? 0xffffffffu >> n->prefix : 0xffffffffu;
		if ((ip & ~host) == net && (ip & host) == host)
			return true;
	}
	return false;
}

bool sl_subject_is_endpoint(const struct sl_config *cfg, const struct sl_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == 4)
		return memcmp(a->b, zero, 4) != 0 && (a->b[0] & 0xf0) != 0xe0 &&
		       !(a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255) &&
		       !(cfg && home_broadcast(cfg, a));
	return a->family == 6 && memcmp(a->b, zero, 16) != 0 && a->b[0] != 0xff;
}

/* The roster entry a sign-in account or the sensor's own decision names,
 * else the one matching the address, MAC or DHCP host name. */
static const struct sl_roster_entry *roster_of(const struct sl_subjects *s,
					       const struct sl_addr *self, const char *account,
					       const char *name, const uint8_t *mac,
					       const char *hostname)
{
	const struct sl_roster_entry *e = NULL;
	/* A sign-in that bound this address names the person more surely than
	 * an address the roster was once given. */
	if (account)
		e = sl_roster_match_account(s->roster, account);
	if (!e && name)
		e = entry_named(s->roster, name);
	if (!e)
		e = sl_roster_match(s->roster, self, mac, hostname);
	return e;
}

/* Who x is: the roster entry that names the address, its MAC or DHCP host
 * name; else the host by MAC (one subject for all of its addresses); else
 * the address. */
static struct subject *subject_by(struct sl_subjects *s, const struct sl_addr *self,
				  const struct sl_roster_entry *e, const uint8_t *mac,
				  const char *hostname, sl_time_us now)
{
	struct subject *x;
	if (e) {
		uint32_t idx = (uint32_t)(e - s->roster->entries);
		x = lookup(s, SL_SUBJECT_ROSTER, (const uint8_t *)&idx, sizeof(idx), now);
		x->claimed = e;
	} else if (mac) {
		x = lookup(s, SL_SUBJECT_HOST, mac, 6, now);
	} else {
		x = lookup(s, SL_SUBJECT_ADDRESS, self->b, (uint8_t)sl_addr_len(self), now);
	}
	x->addr = *self;
	if (mac) {
		x->has_mac = true;
		memcpy(x->mac, mac, 6);
	}
	if (hostname && hostname[0])
		snprintf(x->hostname, sizeof(x->hostname), "%s", hostname);
	return x;
}

static struct subject *subject_of(struct sl_subjects *s, const struct sl_hosts *hosts,
				  const struct sl_addr *self, const char *account, sl_time_us now)
{
	uint8_t mac[6];
	struct sl_dhcp_host host;
	bool has_mac = sl_hosts_mac_of(hosts, self, mac);
	bool dhcp = has_mac && sl_hosts_dhcp_by_mac(hosts, mac, &host);
	const char *hostname = dhcp ? host.hostname : NULL;
	const struct sl_roster_entry *e =
		roster_of(s, self, account, NULL, has_mac ? mac : NULL, hostname);
	return subject_by(s, self, e, has_mac ? mac : NULL, hostname, now);
}

static const struct sl_subject_view *charged(struct sl_subjects *s, struct subject *x,
					     struct sl_record *r, int side);

/*
 * Only a real endpoint is charged: a flow whose subject side is an
 * unspecified, broadcast or multicast address (DHCP from 0.0.0.0, a
 * duplicate-address probe from ::) is nobody's, and gets no subject.
 */
/* The subject side of r's flow (*side) and the account bound there (NULL:
 * none), or NULL when that side is no real endpoint (counted). */
static const struct sl_addr *charge_side(struct sl_subjects *s, const struct sl_record *r,
					 int *side, const char **account)
{
	const struct sl_flow *f = r->flow;
	*side = sl_subj_side(s, f);
	const struct sl_addr *self = *side == 0 ? &f->cli : &f->srv;
	if (!sl_subject_is_endpoint(s->cfg, self)) {
		s->st.not_endpoints++;
		return NULL;
	}
	*account = r->binding && r->remote == *side ? r->binding->account : NULL;
	return self;
}

const struct sl_subject_view *sl_subjects_charge(struct sl_subjects *s, const struct sl_hosts *hosts,
						 struct sl_record *r)
{
	int side;
	const char *account;
	const struct sl_addr *self = charge_side(s, r, &side, &account);
	if (!self)
		return NULL;
	struct subject *x = subject_of(s, hosts, self, account, r->flow->last);
	return charged(s, x, r, side);
}

const struct sl_subject_view *sl_subjects_charge_hint(struct sl_subjects *s,
						      const struct sl_subject_hint *h,
						      struct sl_record *r)
{
	int side;
	const char *account;
	const struct sl_addr *self = charge_side(s, r, &side, &account);
	if (!self)
		return NULL;
	const uint8_t *mac = h->has_mac ? h->mac : NULL;
	const struct sl_roster_entry *e =
		roster_of(s, self, account, h->roster_name, mac, h->hostname);
	struct subject *x = subject_by(s, self, e, mac, h->hostname, r->flow->last);
	return charged(s, x, r, side);
}

/* x was charged the flow of r: the table's clock, the flow counted. */
static const struct sl_subject_view *charged(struct sl_subjects *s, struct subject *x,
					     struct sl_record *r, int side)
{
	const struct sl_flow *f = r->flow;
	s->latest = f->last > s->latest ? f->last : s->latest;
	x->touched = s->latest;
	sl_subj_observe(s, x, r, side, true);
	r->subject = &s->view;
	return &s->view;
}

void sl_subjects_flow_ended(struct sl_subjects *s, const struct sl_record *r)
{
	struct subject *x = sl_subj_of_view(r->subject);
	const struct sl_flow *f = r->flow;
	if (!x)
		return;
	x->last = f->last > x->last ? f->last : x->last;
	s->latest = f->last > s->latest ? f->last : s->latest;
	x->touched = s->latest;
	/* most recently touched first, as a charge leaves it: the periodic
	 * summary walks the list only down to the previous pass */
	uint32_t i = (uint32_t)(x - s->subj) + 1;
	lru_unlink(s, i);
	lru_push(s, i);
}

const struct sl_subject_view *sl_subjects_view(struct sl_subjects *s, struct sl_record *r)
{
	struct subject *x = sl_subj_of_view(r->subject);
	if (!x)
		return NULL;
	sl_subj_observe(s, x, r, sl_subj_side(s, r->flow), false);
	r->subject = &s->view;
	return &s->view;
}

/* ---- identity text ---- */

struct subject *sl_subj_of_view(const struct sl_subject_view *v)
{
	const struct subject *x = v ? v->subject : NULL;
	return x && x->used && x->gen == v->subject_gen ? v->subject : NULL;
}

void sl_subj_id(const struct subject *x, char *buf, size_t len)
{
	if (x->kind == SL_SUBJECT_ROSTER && x->claimed) {
		snprintf(buf, len, "%s", x->claimed->name);
	} else if (x->kind == SL_SUBJECT_HOST) {
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", x->key[0], x->key[1], x->key[2],
			 x->key[3], x->key[4], x->key[5]);
	} else {
		struct sl_addr a = { .family = x->key_len == 4 ? 4 : 6 };
		memcpy(a.b, x->key, x->key_len);
		sl_addr_format(&a, buf, len);
	}
}

void sl_subj_id_kept(const struct subject *x, struct subj_id_text *id, char *buf, size_t len)
{
	if (x->kind == SL_SUBJECT_ROSTER || !x->key_len || x->key_len > sizeof(id->key)) {
		sl_subj_id(x, buf, len);
		return;
	}
	if (id->kind != x->kind || id->key_len != x->key_len ||
	    memcmp(id->key, x->key, x->key_len) != 0) {
		sl_subj_id(x, id->text, sizeof(id->text));
		id->kind = x->kind;
		id->key_len = x->key_len;
		memcpy(id->key, x->key, x->key_len);
	}
	sl_strcopy(buf, len, id->text);
}

const char *sl_subj_kind_name(const struct subject *x)
{
	static const char *const names[] = { "roster", "host", "address" };
	return names[x->kind];
}

struct subject *sl_subj_find_id(struct sl_subjects *s, const char *id)
{
	char buf[SL_ROSTER_NAME_MAX];
	for (uint32_t i = s->lru_head; i; i = s->subj[i - 1].lnext) {
		sl_subj_id(&s->subj[i - 1], buf, sizeof(buf));
		if (strcmp(buf, id) == 0)
			return &s->subj[i - 1];
	}
	return NULL;
}

double sl_subjects_score(struct sl_subjects *s, const char *id, sl_time_us now)
{
	struct subject *x = sl_subj_find_id(s, id);
	return x ? sl_subj_rescore(s, x, now) : -1;
}
