/* Subjects: who each flow is charged to (the roster from HR, else the host or
 * address), what is known of them (countries, handshake physics, travel,
 * hours of activity, laptop-farm signs), and their score: rule hits combined
 * by noisy-OR over families, with decay, allow-lists, alerts and summaries.
 * Implemented in sensor/subject/. */
#ifndef SIGHTLINE_SUBJECT_H
#define SIGHTLINE_SUBJECT_H

#include <stdio.h>

#include "sightline/common.h"
#include "sightline/config.h"
#include "sightline/field.h"
#include "sightline/json.h"
#include "sightline/tz.h"

struct sl_rule_info; /* include/sightline/rules.h */

/* ---- Roster ---------------------------------------------------------- */

#define SL_ROSTER_NAME_MAX 64 /* bytes of a name or host name, NUL included */

/* One person or device of the roster.  Owned by the roster; every pointer
 * inside lives as long as the roster. */
struct sl_roster_entry {
	char name[SL_ROSTER_NAME_MAX];
	bool device;                 /* listed under devices: rather than people: */
	struct sl_cidr *nets;        /* ip and cidr keys (an ip is a full-length prefix) */
	size_t n_nets;
	uint8_t (*macs)[6];
	size_t n_macs;
	char **hostnames;            /* DHCP host names, compared without case */
	size_t n_hostnames;
	char **accounts;             /* sign-in login names, case-folded (sl_identity_fold()) */
	size_t n_accounts;
	char country[3];             /* ISO 3166-1 alpha-2, "" when not claimed */
	char *city;                  /* NULL when not claimed */
	double lat, lon;             /* NAN when not claimed */
	struct sl_tz *tz;            /* claimed IANA zone, NULL when not claimed */
	uint16_t work_start, work_end; /* business hours, minutes after local midnight */
	char **allow_apps;           /* `app` values sanctioned for this subject */
	size_t n_allow_apps;
	struct sl_cidr *allow_nets;  /* sanctioned remote addresses (company VPN egress) */
	size_t n_allow_nets;
	char **allow_rules;          /* rule ids whose hits are zeroed for this subject */
	size_t n_allow_rules;
};

struct sl_roster;

/**
 * Load a roster YAML file:
 *
 *     people:                     # and/or devices:, each a list of entries
 *       - name: Jane Doe
 *         ip: 203.0.113.7         # ip, cidr, mac, hostname: a scalar or a list
 *         country: US
 *         city: Austin
 *         lat: 30.27
 *         lon: -97.74
 *         timezone: America/Chicago
 *         work_hours: "09:00-17:00"
 *         accounts: [jane.doe@example.com]  # sign-in login names (any case)
 *         allow: {apps: [teamviewer], cidrs: [198.51.100.0/24], rules: [rule-id]}
 *
 * Unknown keys, wrong types, bad addresses, unknown time zones (each is
 * opened as a TZif file) and duplicate names are errors: -EINVAL with
 * "FILE:LINE:COL: sentence" in err (errlen bytes).  Entries without
 * work_hours take act->work_start/work_end.  Caller owns *out; free with
 * sl_roster_destroy().
 */
int sl_roster_load_file(const char *path, const struct sl_activity_config *act,
			struct sl_roster **out, char *err, size_t errlen);

/** sl_roster_load_file() on a document in memory; name stands for the file in messages. */
int sl_roster_load_string(const char *yaml, size_t len, const char *name,
			  const struct sl_activity_config *act, struct sl_roster **out, char *err,
			  size_t errlen);

/** Free a roster.  Accepts NULL. */
void sl_roster_destroy(struct sl_roster *r);

/** Number of entries. */
size_t sl_roster_count(const struct sl_roster *r);

/** Entry i (borrowed from the roster), NULL past the end. */
const struct sl_roster_entry *sl_roster_entry(const struct sl_roster *r, size_t i);

/**
 * The entry an address, MAC or host name belongs to: an exact ip first, then
 * the longest cidr, then mac, then host name.  mac and hostname may be NULL.
 * Borrowed from the roster; NULL when none matches.  Allocates nothing.
 */
const struct sl_roster_entry *sl_roster_match(const struct sl_roster *r,
					      const struct sl_addr *ip, const uint8_t *mac,
					      const char *hostname);

/**
 * The entry listing account (a login name, any case) under accounts:, NULL
 * when none does.  Borrowed from the roster.  Allocates nothing.
 */
const struct sl_roster_entry *sl_roster_match_account(const struct sl_roster *r,
						      const char *account);

/* ---- Subjects --------------------------------------------------------- */

enum sl_subject_kind {
	SL_SUBJECT_ROSTER,  /* a roster entry matched */
	SL_SUBJECT_HOST,    /* no roster entry; keyed by the MAC DHCP gave for the address */
	SL_SUBJECT_ADDRESS, /* no roster entry, no MAC: keyed by the address */
};

/* Alert levels of a subject score (threshold T from scoring.threshold):
 * medium >= T, high >= T + (100 - T) / 2, critical >= T + 0.8 (100 - T). */
enum sl_subject_level {
	SL_SUBJECT_LEVEL_NONE,
	SL_SUBJECT_LEVEL_MEDIUM,
	SL_SUBJECT_LEVEL_HIGH,
	SL_SUBJECT_LEVEL_CRITICAL,
};

/*
 * Subject alerts in EVE's terms.  Each kind (the level a score reached) has
 * its own signature_id and fixed signature text; the score, level and
 * threshold are fields of the alert.  They share generator id 1 with the
 * alerts of rules, so the signature_id range from SL_SUBJECT_SID_BASE for
 * SL_SUBJECT_SID_COUNT ids is reserved for them: no rule may declare, or
 * be given, an id in it.
 */
#define SL_SUBJECT_ALERT_GID 1
#define SL_SUBJECT_SID_BASE 9000000u
#define SL_SUBJECT_SID_COUNT 1000u

#define SL_SUBJECT_COUNTRIES 8 /* countries remembered per subject */

/*
 * What the subject.*, physics.* and travel.* fields of one flow read.  Filled
 * by sl_subjects_charge(); read-only for everyone else.  A `have_` flag
 * false means the fields it guards are absent from the event.
 */
struct sl_subject_view {
	char id[SL_ROSTER_NAME_MAX];    /* roster name, MAC or address */
	const char *kind;               /* "roster", "host", "address" */
	const struct sl_roster_entry *claimed; /* NULL when not on the roster */
	bool has_mac;
	uint8_t mac[6];
	char hostname[SL_ROSTER_NAME_MAX]; /* from DHCP; "" when unknown */
	char countries[SL_SUBJECT_COUNTRIES][3];
	unsigned n_countries;
	bool allowed;                   /* the flow's app or remote address is allow-listed */
	/* time of activity (have_activity: at least activity.min_hours hours seen) */
	unsigned activity_hours;
	bool have_activity, have_claimed_fit;
	double claimed_fit, best_fit;   /* 0..1 */
	const char *best_zone;          /* borrowed from the subjects table */
	/* laptop-farm signs */
	unsigned egress_subjects, remote_access_apps, vpn_apps;
	/* light-speed check */
	bool have_distance, have_rtt;
	double distance_km, expected_rtt_ms, rtt_ms, excess_ms, implied_extra_km;
	/* impossible travel */
	bool have_travel, travel_impossible;
	char travel_from_country[3];
	double travel_distance_km, travel_hours, travel_speed_kmh;
	/* internal: the subject record this view describes, and its slot's
	 * stamp (a copy of the view outlives the lock: the slot may have been
	 * given to another subject since, and then the stamps differ) */
	void *subject;
	uint64_t subject_gen;
};

/* subject.*, physics.*, travel.* (sensor/subject/subject_fields.c). */
extern const struct sl_field_table sl_subject_fields;

/* Counters for the stats event. */
struct sl_subjects_stats {
	uint64_t tracked;        /* subjects held now */
	uint64_t evictions;      /* forgotten, least recently seen first, to stay within max */
	uint64_t hits;           /* rule hits charged */
	uint64_t hits_allowed;   /* hits zeroed by an allow-list */
	uint64_t hits_dropped;   /* no room to keep the hit (rule slots or evidence pool full) */
	uint64_t alerts;         /* subject alert events built */
	uint64_t not_endpoints;  /* flows charged to nobody: the subject side was an
				  * unspecified, broadcast or multicast address */
};

struct sl_hosts;
struct sl_subjects;

/**
 * Create the subject table: cfg->scoring.max_subjects subjects, their rule
 * hits and the egress table are allocated here once; charging a flow never
 * allocates.  Loads the roster named by cfg->scoring.roster (if any) and the
 * zones of cfg->activity.reference_zones.  cfg is borrowed and must outlive
 * the table.  Returns 0, or a negative errno with "FILE:LINE:COL: sentence"
 * (roster) or a sentence (zones) in err.  Caller owns *out; free with
 * sl_subjects_destroy().
 */
int sl_subjects_create(const struct sl_config *cfg, struct sl_subjects **out, char *err,
		       size_t errlen);

/** Free the table (and the roster it owns).  Accepts NULL. */
void sl_subjects_destroy(struct sl_subjects *s);

/**
 * Replace the roster (for tests and embedders).  Takes ownership of roster
 * (NULL: none).  Call before the first flow: subjects keep pointers into it.
 */
void sl_subjects_set_roster(struct sl_subjects *s, struct sl_roster *roster);

/**
 * Swap in a new roster while running (SIGHUP).  Takes ownership of roster
 * (NULL: none) and frees the old one.  A roster subject the new roster still
 * names (same name) keeps its score and history; one it no longer names is
 * forgotten.  Call between flows, never from inside a flow's callbacks.
 */
void sl_subjects_replace_roster(struct sl_subjects *s, struct sl_roster *roster);

/** The sensor's location for the light-speed check (see sl_geo_sensor_location()). */
void sl_subjects_set_sensor_location(struct sl_subjects *s, double lat, double lon);

/**
 * Charge the ended flow of r to its subject (sensor.vantage decides who; a
 * LAN host is named by the MAC that DHCP, ARP or neighbour discovery told
 * hosts its address is at; hosts may be NULL), update that subject (last seen, countries, RTTs, location, hours,
 * apps) and point r->subject at a view of it.  r->flow, r->geo and
 * r->remote must be set (enrichment done, the flow identified).  hosts is
 * only read during the call.  A host's addresses that hosts ties to one
 * MAC (DHCP, ARP, neighbour discovery) are one subject.  Returns NULL, and
 * leaves r->subject NULL, when the side to charge is no endpoint
 * (sl_subject_is_endpoint()).  The view is borrowed: valid until the next
 * call.  Never allocates.
 */
const struct sl_subject_view *sl_subjects_charge(struct sl_subjects *s, const struct sl_hosts *hosts,
						 struct sl_record *r);

/*
 * Who a flow's subject is, as the sensor that saw it decided (its
 * subject.name, subject.mac, subject.hostname): what the fleet scorer
 * charges by instead of a hosts table.  Every member may be absent.
 */
struct sl_subject_hint {
	const char *roster_name;   /* the roster entry the sensor matched; NULL: none */
	bool has_mac;
	uint8_t mac[6];
	const char *hostname;      /* DHCP host name; NULL: none */
};

/**
 * sl_subjects_charge() for a record rebuilt from a forwarded event: the
 * side charged is chosen as there (sensor.vantage), the subject is the
 * roster entry h names (by name, in this table's roster), else the entry
 * matching the address, MAC or host name, else the host by MAC, else the
 * address.  Same ownership and results as sl_subjects_charge().
 */
const struct sl_subject_view *sl_subjects_charge_hint(struct sl_subjects *s,
						      const struct sl_subject_hint *h,
						      struct sl_record *r);

/**
 * The flow of r, charged before its end (r->subject is the view its charge
 * gave), ended: its subject was last seen at its last packet.  Counts
 * nothing (the flow was counted when charged).
 */
void sl_subjects_flow_ended(struct sl_subjects *s, const struct sl_record *r);

/**
 * The flow of r, charged before (r->subject is the view its charge gave,
 * or a copy), as its subject stands now: the view is filled again from the
 * subject's current state and the flow's latest facts (its last packet,
 * product, RTT), without counting the flow again (flows, activity hours,
 * the remembered location and RTT minimums are left as they are; a flow
 * whose own sighting is the subject's latest travels from the one before).
 * Points r->subject at the new view and returns it (borrowed: valid until
 * the next call); NULL, r untouched, when the subject was forgotten since.
 * Never allocates.
 */
const struct sl_subject_view *sl_subjects_view(struct sl_subjects *s, struct sl_record *r);

/**
 * A rule (flow- or subject-scope, correlation included) matched the flow of r,
 * which was charged before: add the hit to its subject's score at packet time
 * r->flow->last, with the flow's community_id as evidence and the facts
 * its alert shows (the rule's selections that held, the remote address
 * with its country and AS, the product, the observed country, and the
 * activity, light-speed and travel verdicts for a rule that reads them),
 * unless the subject's allow-list covers it (then it is counted and
 * zeroed).  rule is borrowed and must live as long as the table (it is
 * kept, and so are the selection names of its pack).
 */
void sl_subjects_hit(struct sl_subjects *s, const struct sl_record *r,
		     const struct sl_rule_info *rule);

/**
 * After the hits of the flow of r: rescore its subject and, if the score
 * reached a level higher than the last one alerted (levels fall back as hits
 * decay), build an alert event into j (begun and ended here) and return
 * true; the caller writes j.  false: nothing to write (j untouched).
 */
bool sl_subjects_alert(struct sl_subjects *s, const struct sl_record *r, struct sl_json *j);

/**
 * Periodic subject summaries (every scoring.summary_interval of packet time,
 * and at the end with final set).  Call in a loop until it returns false;
 * each true return has built one `event_type: subject` event into j for the
 * caller to write.  Subjects come by score, highest first, then id.
 */
bool sl_subjects_summary(struct sl_subjects *s, sl_time_us now, bool final, struct sl_json *j);

/**
 * Print the end-of-replay table: subject, claimed place, observed countries,
 * score and top three reasons, by score, at most max_rows rows ("N more").
 * Nothing is printed when no subject was seen.
 */
void sl_subjects_print(struct sl_subjects *s, FILE *out, unsigned max_rows);

/**
 * Whether a can be a subject: not unspecified (0.0.0.0, ::), not multicast,
 * not the IPv4 limited broadcast, nor (cfg not NULL) the broadcast address
 * of an IPv4 home network.  Reads only.
 */
bool sl_subject_is_endpoint(const struct sl_config *cfg, const struct sl_addr *a);

/**
 * Whether f is the link's own plumbing (IPv6 neighbour and router discovery,
 * MLD, DHCP, DHCPv6), which never counts toward subject.egress_subjects.
 * Reads only; the fleet scorer asks it of events from every partition.
 */
bool sl_subject_link_plumbing(const struct sl_flow *f);

/** Counters.  Borrowed; valid until sl_subjects_destroy(). */
const struct sl_subjects_stats *sl_subjects_stats(const struct sl_subjects *s);

/** Score 0-100 of the subject with id (as in subject.id) at time now; -1 if unknown. */
double sl_subjects_score(struct sl_subjects *s, const char *id, sl_time_us now);

/** signature_id of the subject alert raised when a score reaches level l
 * (medium SL_SUBJECT_SID_BASE + 1, high + 2, critical + 3); 0 for none. */
uint32_t sl_subject_alert_sid(enum sl_subject_level l);

/** Its fixed signature text ("Subject's combined score reached high");
 * a static string, "" for none. */
const char *sl_subject_alert_signature(enum sl_subject_level l);

/** Its severity on Suricata's scale, as flow alerts' (1 most severe):
 * critical and high 1, medium 2; 0 for none. */
unsigned sl_subject_alert_severity(enum sl_subject_level l);

/** "none", "medium", "high", "critical". */
const char *sl_subject_level_name(enum sl_subject_level l);

/** The level of a score for threshold (see enum sl_subject_level). */
enum sl_subject_level sl_subject_level_of(double score, double threshold);

/* ---- State snapshots (a subject moving between fleet scorers) ------- */

/* Finds the rule of a snapshot's rule id in the running pack (NULL: not
 * in the pack any more); ctx is the restorer's. */
typedef const struct sl_rule_info *(*sl_subject_rule_fn)(void *ctx, const char *id);

/**
 * Write the whole scoring state of subject id (its key and roster binding,
 * times, flows, countries, RTT minimums, places, activity hours, products,
 * rule hits with their evidence and facts, score, peak and the alert levels
 * already raised) as one compact JSON object value at j's current position
 * (after a key, in an array, or as a line begun by the caller).  Returns
 * false, j untouched, when no subject has that id.  Reads only (the score
 * is not decayed first: the restored subject decays as this one would).
 */
bool sl_subjects_snapshot(struct sl_subjects *s, const char *id, struct sl_json *j);

/**
 * Restore a subject from a snapshot of sl_subjects_snapshot() (json[0..len)),
 * replacing any subject of the same id, so that it then scores and alerts
 * exactly as the subject it was taken from.  Rule ids are found with
 * find(ctx, id); hits of rules the pack no longer has are left out (counted
 * as hits_dropped), as are hits past a full hit pool.  Returns 0; -EINVAL
 * with a sentence in err for a malformed snapshot or a roster subject the
 * roster does not name; -ENOMEM.  Names in the snapshot are copied and kept
 * by the table.  The id restored is written to id_out (SL_ROSTER_NAME_MAX
 * bytes) when not NULL.
 */
int sl_subjects_restore(struct sl_subjects *s, const char *json, size_t len,
			sl_subject_rule_fn find, void *ctx, char *id_out, char *err, size_t errlen);

/**
 * Point v at subject id as it stands (its id, kind, claimed entry and the
 * internal reference sl_subjects_view() and sl_subjects_flow_ended() follow),
 * for a flow charged before a restore and ended after it.  false, v
 * untouched, when no subject has that id.
 */
bool sl_subjects_view_of(struct sl_subjects *s, const char *id, struct sl_subject_view *v);

/** Forget the subject id (its partition moved to another scorer).  false: not held. */
bool sl_subjects_forget(struct sl_subjects *s, const char *id);

/**
 * Walk the subjects held: start with *cursor 0; each true return writes one
 * subject's id into id (len bytes).  The table must not change during a walk.
 */
bool sl_subjects_next(const struct sl_subjects *s, uint32_t *cursor, char *id, size_t len);

/* ---- Geometry (shared with tests) ------------------------------------ */

/** Great-circle distance in km between two points given in degrees (mean Earth radius 6371 km). */
double sl_subject_distance_km(double lat1, double lon1, double lat2, double lon2);

#endif
