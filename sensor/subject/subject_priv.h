/* Internals of sensor/subject: the roster's indexes, the subject record,
 * the hit pool and the egress table, shared by the files of the module. */
#ifndef SIGHTLINE_SUBJECT_PRIV_H
#define SIGHTLINE_SUBJECT_PRIV_H

#include "sightline/rules.h"
#include "sightline/subject.h"

/* ---- roster ---- */
struct sl_roster_ip {
	struct sl_addr addr;
	uint32_t entry;
};

struct sl_roster_mac {
	uint8_t mac[6];
	uint32_t entry;
};

struct sl_roster {
	struct sl_roster_entry *entries;
	size_t n;
	struct sl_roster_ip *by_ip;   /* exact addresses, sorted */
	size_t n_ip, n_prefixes;
	struct sl_roster_mac *by_mac; /* sorted */
	size_t n_mac;
};

/* Build the lookup indexes (roster_match.c).  Returns 0 or -ENOMEM. */
int sl_roster_index(struct sl_roster *r);
/* Number of distinct entries listing ip as an exact address (roster_match.c). */
unsigned sl_roster_claimants(const struct sl_roster *r, const struct sl_addr *ip);
/* "aa:bb:cc:dd:ee:ff" (or '-') into mac; false when malformed. */
bool sl_roster_parse_mac(const char *s, uint8_t mac[6]);

/* ---- subjects ---- */
#define SUBJ_RTTS 4      /* remote addresses with a minimum RTT, per subject */
#define SUBJ_APPS 4      /* remote-access and VPN apps remembered, each */
#define SUBJ_RULES 8     /* rules contributing to a subject's score at once */
#define SUBJ_ZONES 8     /* reference zones */
#define EGRESS_WAYS 8    /* egress table associativity */
#define EGRESS_SUBJECTS 8 /* distinct subjects remembered per egress address */

struct subj_rtt {
	struct sl_addr addr;
	uint32_t min_us;
};

struct subj_app {
	const char *app;  /* static string from the identification stage */
	sl_time_us seen;
};

/* Where and when a subject was seen (has false: never with a location). */
struct subj_place {
	bool has;
	char country[2];
	uint32_t acc_km;
	double lat, lon;
	sl_time_us time;
};

/* One subject.  Slots live in one array; idx+1 is used as a link so 0 is "none". */
/* The activity fits last worked out (sl_subj_fit()) for a subject slot,
 * and the hours they were worked out from: valid while the subject's hours
 * are those (a flow changes them at most once a minute, every flow end
 * asks for the fits), whatever subject holds the slot now. */
#define SUBJ_FITS 4 /* its claimed zone's, then the first reference zones' */
struct subj_fits {
	uint32_t hours[24];
	uint8_t have; /* bit k: f[k] worked out */
	struct {
		int32_t off;     /* the zone's offset, seconds */
		uint16_t ws, we; /* the window, minutes of local time */
		double fit;
	} f[SUBJ_FITS];
};

/* A host or address subject's id as text (sl_subj_id()), and the kind and
 * key it was written from: every charge names its subject. */
struct subj_id_text {
	uint8_t kind, key_len; /* key_len 0: none kept */
	uint8_t key[16];
	char text[SL_ADDR_STRLEN];
};

/* What is kept for a subject slot beside the table (struct subject keeps
 * its size), each part checked against the subject it was worked out for. */
struct subj_memo {
	struct subj_fits fits;
	struct subj_id_text id;
};

struct subject {
	/* Members ordered by size so that no padding is left between them: the
	 * table holds scoring.max_subjects of these (65,536 by default). */
	uint64_t gen;               /* stamp from sl_subjects.gen when the slot was taken */
	uint64_t hash;
	const struct sl_roster_entry *claimed;
	bool used;
	uint8_t kind;               /* enum sl_subject_kind */
	uint8_t key_len;
	uint8_t key[16];            /* roster index, MAC or address bytes */
	struct sl_addr addr;        /* last address it was seen with */
	bool has_mac;
	uint8_t mac[6];
	uint8_t n_countries;
	uint8_t rtt_next;
	uint8_t level, alerted;     /* enum sl_subject_level now, and last alerted */
	char countries[SL_SUBJECT_COUNTRIES][2];
	char hostname[SL_ROSTER_NAME_MAX];
	sl_time_us first, last;
	sl_time_us touched;         /* the table's latest time when last charged: falls
				     * monotonically along the LRU list */
	uint64_t flows;
	struct subj_rtt rtt[SUBJ_RTTS];
	struct subj_place loc;      /* latest sighting with a location, for travel */
	struct subj_place loc_prev; /* the one it replaced: a flow viewed again at its end
				     * (charged early) travels from there when loc is its own */
	uint32_t hours[24];         /* active minutes by UTC hour of day */
	uint64_t last_minute;       /* last minute counted (dedupes bursts) */
	struct subj_app ra[SUBJ_APPS], vpn[SUBJ_APPS];
	uint32_t rules[SUBJ_RULES]; /* hit pool index + 1; 0 = free */
	double score;
	/* the highest score reached, when, and its top rules: what the summary
	 * shows after the hits decayed (rules outlive the table's subjects) */
	double peak;
	sl_time_us peak_at;
	const struct sl_rule_info *peak_rules[3];
	uint32_t n_alerts;          /* subject alert events about it */
	uint32_t lprev, lnext;      /* LRU list, most recent first */
};

_Static_assert(sizeof(struct subject) <= 672, "subject slot: keep members packed");

#define HIT_REMOTES 3  /* remote addresses listed per rule hit, the first seen */
#define HIT_APPS 3     /* products listed per rule hit */
#define HIT_PLACES 3   /* observed countries listed per rule hit */
#define HIT_MATCHED 4  /* selection names listed per rule hit */

/* A remote address behind a rule's hits, with what the databases said. */
struct hit_remote {
	struct sl_addr addr;
	char country[2];            /* "\0\0": unknown */
	uint32_t asn;               /* 0: unknown */
};

/*
 * What made a rule fire on a subject, gathered over its live hits so the
 * subject alert can say it without a join on community_id: the selections
 * of the rule that held, bounded lists (the first few, and how many hits
 * fell outside them) of the remote
 * addresses, products and the subject's observed countries; and, for a
 * rule that reads them, the time-of-activity verdict (latest), the
 * light-speed finding (largest excess) and the travel (fastest).
 */
struct hit_facts {
	const char *matched[HIT_MATCHED];   /* selections that held (borrowed from the pack) */
	uint8_t n_matched;
	struct hit_remote remote[HIT_REMOTES];
	const char *app[HIT_APPS];          /* static strings of the identification stage */
	char observed[HIT_PLACES][2];
	uint8_t n_remote, n_app, n_observed;
	uint32_t remote_unlisted, app_unlisted, observed_unlisted; /* hits */
	bool has_zone, has_claimed_share, has_light, has_travel;
	const char *zone;                   /* borrowed from the subjects' reference zones */
	double share, claimed_share;        /* 0..1 */
	unsigned hours;
	struct sl_addr light_addr;
	double rtt_ms, expected_rtt_ms, excess_ms, distance_km;
	char travel_from[2], travel_to[2];
	double travel_km, travel_hours, travel_kmh;
	bool travel_impossible;
};

/* One rule's hits on one subject; evidence lives in the pool's arena. */
struct hit {
	const struct sl_rule_info *rule;
	uint32_t count;
	sl_time_us first, last;
	uint8_t n_ev, ev_next;
	uint32_t next_free;
	struct hit_facts facts;
};

/* A subject in a sorted pass (summaries, the stderr table). */
struct order_key {
	double score;
	sl_time_us first;
	uint32_t idx;
};

struct egress {
	struct sl_addr addr;
	uint64_t subj[EGRESS_SUBJECTS]; /* subject hashes */
	uint8_t n, next;
	sl_time_us seen;
};

struct sl_subjects {
	const struct sl_config *cfg;
	struct sl_roster *roster;
	struct sl_roster **retired; /* rosters replaced by reloads: views may still point in */
	size_t n_retired;
	uint64_t gen;               /* slots taken so far */
	struct sl_tz *zones[SUBJ_ZONES];
	size_t n_zones;
	bool has_sensor;
	double sensor_lat, sensor_lon;
	struct subject *subj;
	uint32_t cap, n;
	uint32_t fresh;             /* slots ever handed out; the rest are untouched */
	uint32_t *index;            /* open addressing: subject idx + 1, 0 = empty */
	uint32_t index_mask;
	uint32_t lru_head, lru_tail, free_head;
	struct hit *hits;
	char *evidence;             /* n_hits * evidence_max community ids */
	uint32_t n_hits, hit_free;  /* hit_free: freed hits (ref, 0 = none), linked */
	uint32_t hit_fresh;         /* hits ever handed out; the rest are untouched */
	struct egress *egress;
	struct subj_memo *memo;     /* cap entries, beside subj (which keeps its size) */
	uint8_t *egress_fresh;      /* bit per egress set: zeroed by its first use */
	uint32_t egress_sets;
	const struct sl_field *f_rtt_client, *f_rtt_server;
	struct sl_subject_view view;
	struct sl_subjects_stats st;
	sl_subject_evict_fn on_evict; /* a fleet scorer's: tombstones for the state topic */
	void *evict_ctx;
	/* summaries */
	struct order_key *order;   /* cap entries, for sorted passes */
	uint32_t order_n, order_pos;
	bool in_pass, final_done;
	sl_time_us next_summary, prev_pass, latest;
	/* names restored from snapshots (products, selections, zones): the
	 * strings hits and apps point to, interned for the table's life */
	char **names;
	size_t n_names;
};

/* subject_table.c */
struct subject *sl_subj_of_view(const struct sl_subject_view *v);
struct subject *sl_subj_find_id(struct sl_subjects *s, const char *id);
void sl_subj_id(const struct subject *x, char *buf, size_t len);
/* sl_subj_id() through the text kept in id for x's slot (written there
 * when it is not x's). */
void sl_subj_id_kept(const struct subject *x, struct subj_id_text *id, char *buf, size_t len);
const char *sl_subj_kind_name(const struct subject *x);
struct subject *sl_subj_take(struct sl_subjects *s, uint8_t kind, const uint8_t *key, uint8_t len,
			     sl_time_us now);
void sl_subj_forget(struct sl_subjects *s, struct subject *x);
/* A free hit of the pool: its ref (index + 1), or 0 when every hit is in use. */
uint32_t sl_subj_hit_take(struct sl_subjects *s);
const struct sl_roster_entry *sl_subj_entry_named(const struct sl_subjects *s, const char *name);

/* subject_observe.c: a subject's active hours, the empty ones left out. */
struct subj_hours {
	unsigned n;       /* hours with activity */
	uint8_t h[24];    /* UTC hour of day */
	uint64_t c[24];   /* its active minutes */
	uint64_t all;     /* their sum */
};
void sl_subj_hours(const struct subject *x, struct subj_hours *z);
/* subject_observe.c: the share of z's minutes inside [ws, we) minutes of
 * local time (wrapping past midnight when ws > we) at zone offset off
 * seconds, each hour counted at its middle; 0 with no activity. */
double sl_subj_fit(const struct subj_hours *z, int32_t off, uint16_t ws, uint16_t we);

/* subject_observe.c: update a subject from a flow and fill s->view; count
 * false: the flow was counted before (charged early), only what depends on
 * the flow's latest facts and the subject's state now is taken in. */
void sl_subj_observe(struct sl_subjects *s, struct subject *x, const struct sl_record *r,
		     int self_side, bool count);
/* Time-of-activity verdicts for x at time now (fills the view's activity
 * fields); memo: fits kept for x's slot, used and updated (NULL: none). */
void sl_subj_activity(const struct sl_subjects *s, const struct subject *x, sl_time_us now,
		      struct subj_fits *memo, struct sl_subject_view *v);

/* subject_table.c: which side of f is the subject (0 client, 1 server). */
int sl_subj_side(const struct sl_subjects *s, const struct sl_flow *f);

/* subject_facts.c: fold the facts of r into h, a hit of rule h->rule on
 * x just counted; write them as the "facts" object of a rule in an alert. */
void sl_subj_facts_note(const struct sl_subjects *s, struct hit *h, const struct sl_record *r);
/* The facts view of h on x (community_ids are the caller's to fill). */
struct subj_facts_view;
void sl_subj_facts_view(const struct subject *x, const struct hit *h, struct subj_facts_view *v);

/* subject_score.c */
double sl_subj_rescore(struct sl_subjects *s, struct subject *x, sl_time_us now);
void sl_subj_release_hits(struct sl_subjects *s, struct subject *x);
const char *sl_subj_evidence(const struct sl_subjects *s, uint32_t hit, unsigned k);
/* Contributing hits of x sorted by score (highest first): pool indexes into out. */
unsigned sl_subj_top(const struct sl_subjects *s, const struct subject *x, uint32_t *out);
/* The subject block (subject.id .. subject.countries) of a subject's alert
 * and summary event, gathered from x and written from its declarations
 * (sl_subject_block_fields, subject_event_fields.c) by full dotted paths:
 * the "subject" object stays open for the caller's further subject.* paths
 * until sl_json_path_reset(). */
struct subj_block_view {
	char id[SL_ROSTER_NAME_MAX];
	const char *name;             /* roster name; NULL: not on the roster */
	const char *kind;
	char hostname[SL_ROSTER_NAME_MAX];
	const char *claimed_country;  /* "" or NULL: none */
	const char *claimed_city;     /* NULL: none */
	const char *claimed_tz;       /* NULL: none */
	char countries[SL_SUBJECT_COUNTRIES][3];
	uint8_t n_countries;
};
void sl_subj_json_block(const struct sl_subjects *s, const struct subject *x, struct sl_json *j);
/* A contributing rule as subject events (top[]) and subject alerts
 * (rules[]) write it, declared once per field (RULE_FIELDS in
 * subject_event_fields.c). */
struct subj_rule_view {
	const char *id, *title, *family; /* title "" when the rule has none */
	uint64_t signature_id, score, count;
	sl_time_us first, last;
};
/* A subject alert's own alert.threshold (sl_subject_alert_fields). */
struct subj_alert_view {
	double threshold;
};
/* What a subject alert writes of a rule after its head: the evidence's
 * Community IDs and the facts behind its hits (subject_facts.c), declared
 * in subject_event_fields.c (sl_subject_facts_head, _remote_fields,
 * _facts_tail: slices of sl_subject_alert_fields). */
struct subj_remote_view {
	struct sl_addr ip;
	char country[3];
	uint32_t asn;
};
struct subj_facts_view {
	const char *community_ids[64]; /* scoring.evidence_max at most */
	uint8_t n_ev;
	struct hit_facts f; /* the rule's facts as kept: written as they are where they can be */
	struct subj_remote_view remotes[HIT_REMOTES];
	uint8_t n_remotes;
	uint32_t remotes_unlisted, apps_unlisted; /* 0 when none is listed */
	bool has_claimed_share;                   /* and a zone fit */
	const char *claimed_country, *claimed_city, *claimed_zone; /* the roster's; NULL: none */
	char observed[HIT_PLACES][3];             /* f.observed as strings */
	char travel_from[3], travel_to[3];
};
extern const struct sl_field_table sl_subject_facts_head, sl_subject_remote_fields,
	sl_subject_facts_tail;
/* A subject alert's rules[] head, over struct subj_rule_view
 * (subject_event_fields.c). */
extern const struct sl_field_table sl_subject_rule_fields;
/* What a subject event writes after top[]: its activity's fit and its apps
 * (sl_subject_event_fields). */
struct subj_tail_view {
	uint64_t hours;
	bool have_claimed_fit, have_best;
	double claimed_fit, best_fit;
	const char *best_zone;
	const char *ra[SUBJ_APPS], *vpn[SUBJ_APPS];
	uint8_t n_ra, n_vpn;
};
/* A subject's summary counters as its event writes them, each declared
 * once in subject_event_fields.c (sl_subject_summary_fields). */
struct subj_summary_view {
	sl_time_us first, last;
	uint64_t flows;
	double score;
	const char *level;
	double peak;
	bool peaked; /* peak_at present: it ever scored */
	sl_time_us peak_at;
	uint64_t alerts;
};
/* The contributing rules (at most max, by score) as a JSON array; with
 * evidence, each lists its community_ids. */
void sl_subj_json_rules(const struct sl_subjects *s, const struct subject *x, unsigned max,
			bool evidence, struct sl_json *j);

#endif
