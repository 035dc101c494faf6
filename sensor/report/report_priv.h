/* The HTML report's internals: what one pass over the events keeps (bounded
 * per run and per subject), shared by the reader, the subject table and the
 * HTML writers of sensor/report/. */
#ifndef SIGHTLINE_REPORT_PRIV_H
#define SIGHTLINE_REPORT_PRIV_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "sightline/report.h"
#include "sightline/tz.h"

/* Bounds (the README's "Report" section states them). */
#define RP_MAX_LINE (4u << 20)   /* longest event line read, bytes */
#define RP_MAX_SUBJECTS 4096     /* subjects tracked; later ones only counted */
#define RP_MAX_TYPES 16          /* event types counted by name, then "other" */
#define RP_MAX_HOSTS 16          /* sensor names listed */
#define RP_MAX_INPUTS 64         /* inputs listed by name */
#define RP_MAX_COUNTRIES 12      /* observed countries per subject */
#define RP_MAX_REASONS 5         /* top reasons per subject */
#define RP_MAX_PLACES 24         /* map places per subject (remote, sign-in) */
#define RP_MAX_PHYS 24           /* physics rows per subject */
#define RP_MAX_SCORE 240         /* score points per subject, thinned beyond */
#define RP_MAX_ZONES 8           /* reference zones compared */
#define RP_MAX_BAD_SHOWN 5       /* bad lines quoted per input */
#define RP_STR 64                /* short text kept inline (cities, zones) */
#define RP_ID 192                /* a subject id (MAC, address, roster name); longer ones cut */

/* The HTML written per subject section and overall. */
#define RP_DAYS 7
#define RP_HOURS 24

struct rp_place {
	double lat, lon;
	double accuracy_km;     /* NAN: none given */
	char country[8], city[RP_STR];
	char kind;              /* 'r' remote address, 's' sign-in */
	uint64_t count;
};

struct rp_phys {
	char ip[RP_STR], country[8], city[RP_STR];
	double rtt_min, expected, distance, excess;
	uint64_t flows;
};

struct rp_row {
	int64_t t;              /* microseconds since the epoch */
	char kind;              /* 'f' flow, 's' sign-in, 'a' alert */
	double score;           /* the rule's score contribution; NAN: none */
	uint32_t asn;
	char country[8];
	char *rule, *product, *remote, *cid, *tier, *detail; /* owned; may be NULL */
};

struct rp_point {
	int64_t t;
	double score;
};

struct rp_reason {
	char title[128];
	double score;
};

/* One subject, as the events describe it. */
struct rp_subject {
	char id[RP_ID], name[RP_STR], kind[16];
	char claimed_country[8], claimed_city[RP_STR], claimed_tz[RP_STR];
	double claimed_lat, claimed_lon;   /* NAN: not given */
	char countries[RP_MAX_COUNTRIES][8];
	size_t n_countries, countries_more;
	double peak;                       /* -1: never scored in the events */
	int64_t peak_t;
	char level[16];
	struct rp_reason reasons[RP_MAX_REASONS];
	size_t n_reasons;
	char best_zone[RP_STR];            /* from the events; "" when absent */
	double best_fit, claimed_fit;      /* the sensor's own shares; NAN: absent */
	uint32_t heat[1 + RP_MAX_ZONES][RP_DAYS * RP_HOURS]; /* [0] claimed, then zones */
	char heat_zone[RP_STR];            /* zone of heat[0]: the claimed one, else UTC */
	uint64_t heat_total;
	struct rp_place places[RP_MAX_PLACES];
	size_t n_places;
	uint64_t places_more;
	struct rp_phys phys[RP_MAX_PHYS];
	size_t n_phys;
	uint64_t phys_more;
	struct rp_row *rows;               /* owned; at most max_rows, earliest kept */
	size_t n_rows;
	uint64_t rows_more, n_flows, n_signins, n_alerts;
	struct rp_point score[RP_MAX_SCORE];
	size_t n_score;
	uint32_t score_stride, score_skip;
	double light_rtt, light_expected, light_distance; /* a light-speed finding; NAN: none */
	char light_ip[RP_STR];
	struct rp_subject *next;           /* hash chain */
};

struct rp_count {
	char name[RP_STR];
	uint64_t n;
};

struct rp_input {
	char name[256];
	uint64_t lines, events, bad;
};

struct sl_report {
	struct sl_report_opts opts;
	struct sl_tz *claimed_cache[16];   /* claimed zones loaded, by name */
	size_t n_claimed_cache;
	struct sl_tz *zones[RP_MAX_ZONES];
	size_t n_zones;
	double sensor_lat, sensor_lon;     /* NAN: unknown */
	struct rp_count types[RP_MAX_TYPES + 1];
	size_t n_types;
	struct rp_count hosts[RP_MAX_HOSTS];
	size_t n_hosts;
	uint64_t hosts_more;
	struct rp_input inputs[RP_MAX_INPUTS];
	struct rp_input spill_input;       /* inputs past RP_MAX_INPUTS, one at a time */
	size_t n_inputs;
	uint64_t inputs_more, events, bad, t_min_set;
	int64_t t_min, t_max;
	struct rp_subject **buckets;       /* owned; RP_BUCKETS chains */
	struct rp_subject **all;           /* owned; n_subjects, in arrival order */
	size_t n_subjects;
	uint64_t subjects_more, subject_events_dropped;
};

/* report_time.c */
/* "2026-03-03T00:20:03.078900+0000" (or Z, +hh:mm) to microseconds; false when not. */
bool rp_time_parse(const char *text, int64_t *out);
/* "2026-03-03 00:20:03Z" into buf (at least 24 bytes); returns buf. */
char *rp_time_text(int64_t t, char *buf, size_t len);
/* Day of week (0 Monday) and hour of a unix time shifted by off seconds. */
void rp_day_hour(int64_t t_us, int32_t off, int *day, int *hour);

/* report_subject.c */
struct rp_subject *rp_subject_get(struct sl_report *r, const char *id);
void rp_subject_event(struct sl_report *r, struct rp_subject *s, const json_t *ev,
		      const char *type, int64_t t);
void rp_subject_free(struct rp_subject *s);
/* One timeline row of a flow ('f'), sign-in ('s') or alert ('a'), kept
 * within opts.rows (report_timeline.c). */
void rp_subject_row(struct sl_report *r, struct rp_subject *s, const json_t *ev, char kind,
		    int64_t t);
struct sl_tz *rp_claimed_zone(struct sl_report *r, const char *name);
/* Share 0-1 of the heat map's counts inside business hours; NAN when empty. */
double rp_business_share(const struct sl_report *r, const uint32_t *heat);
/* Index into heat[] of the zone to show beside the claimed one (1...), 0: none. */
size_t rp_best_zone(const struct sl_report *r, const struct rp_subject *s);

/* report_event.c: small readers over sl_jpath_get(). */
const char *rp_str(const json_t *ev, const char *path);
double rp_num(const json_t *ev, const char *path);   /* NAN when absent */
void rp_copy(char *dst, size_t len, const char *src);

/* report_html.c, report_charts.c, report_timeline.c */
void rp_html_escape(FILE *f, const char *s);
void rp_write_subject(FILE *f, const struct sl_report *r, const struct rp_subject *s);
void rp_write_heatmaps(FILE *f, const struct sl_report *r, const struct rp_subject *s);
void rp_write_map(FILE *f, const struct sl_report *r, const struct rp_subject *s);
void rp_write_timeline(FILE *f, const struct sl_report *r, const struct rp_subject *s);
void rp_write_score(FILE *f, const struct rp_subject *s);
void rp_write_physics(FILE *f, const struct sl_report *r, const struct rp_subject *s);
/* A number with up to `prec` decimals, trailing zeros dropped, "-" for NAN. */
void rp_num_text(FILE *f, double v, int prec);

extern const char sl_report_world_path[];

#endif
