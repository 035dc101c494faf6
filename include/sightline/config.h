/* Configuration: one typed struct, filled from one table of keys that drives
 * YAML parsing, defaults, range checks, --set overrides and --dump-config. */
#ifndef SIGHTLINE_CONFIG_H
#define SIGHTLINE_CONFIG_H

#include <stdio.h>

#include "sightline/common.h"
#include "sightline/decode.h"

/* Flow-table tunables.  Times are packet-time seconds. */
struct sl_flow_config {
	uint32_t max_flows;          /* hard cap of concurrent flows */
	uint32_t timeout_tcp_new;    /* SYN seen, handshake not complete */
	uint32_t timeout_tcp_established;
	uint32_t timeout_tcp_closed; /* after FIN both ways or RST: catches stray retransmissions */
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
	uint32_t timeout_other;
	uint32_t expire_batch;       /* most flows expired per packet (bounded work) */
	uint32_t update_interval;    /* s: interim flow record of a flow open this long, and
				      * again every interval; 0: none */
};

struct sl_capture_config {
	uint32_t snaplen;      /* live: bytes kept per packet */
	uint32_t buffer_mb;    /* live: kernel buffer size */
	bool promisc;          /* live: promiscuous mode */
	bool immediate;        /* live: deliver packets without batching delay */
	char *bpf;             /* BPF filter or NULL; owned by the config */
	uint32_t workers;      /* engines running in parallel, flows sharded among them */
};

/* Output types (outputs[].type). */
enum sl_output_type {
	SL_OUT_FILE,        /* regular file, appended, reopened on SIGHUP */
	SL_OUT_STDOUT,
	SL_OUT_UNIX_STREAM, /* connected SOCK_STREAM unix socket, one line per event */
	SL_OUT_UNIX_DGRAM,  /* SOCK_DGRAM unix socket, one datagram per event */
	SL_OUT_SYSLOG,      /* RFC 5424 over UDP, TCP (octet counting) or a unix socket */
	SL_OUT_KAFKA,       /* librdkafka producer */
	SL_OUT_RELP,        /* RFC 5424 messages over RELP (librelp), acknowledged by the receiver */
	SL_OUT__NTYPES,
};

enum sl_syslog_transport { SL_SYSLOG_UDP, SL_SYSLOG_TCP, SL_SYSLOG_UNIX };

/* One entry of `outputs:`.  Strings are owned; NULL when not given. */
struct sl_output_entry {
	uint32_t type;          /* enum sl_output_type */
	char *path;             /* file, unix-stream, unix-dgram */
	uint32_t transport;     /* syslog: enum sl_syslog_transport */
	char *address;          /* syslog: host:port, [v6]:port, or a socket path (unix); relp: host:port */
	uint32_t facility;      /* syslog, relp: 0 kern .. 23 local7 */
	char *app_name;         /* syslog, relp: APP-NAME */
	char *hostname;         /* syslog, relp: HOSTNAME; NULL: gethostname() */
	char *brokers;          /* kafka: bootstrap.servers */
	char *topic;            /* kafka */
	uint32_t acks;          /* kafka: index into "all", "0", "1" */
	uint32_t compression;   /* kafka: none, gzip, snappy, lz4, zstd */
	char *properties;       /* kafka: extra librdkafka properties "k=v,k=v" */
	uint32_t queue;         /* events held while the destination is slow or down; 0: write inline */
	uint32_t flush_timeout_ms; /* at exit, how long queued events may take to leave */
};

struct sl_output_config {
	char *eve_path;        /* EVE JSON path, "-" for stdout; owned by the config */
	bool progress;         /* progress line on stderr while replaying (only on a terminal) */
	uint32_t progress_interval_ms; /* refresh period of the progress line */
	bool summary;          /* human summary on stderr at the end */
	uint32_t top_talkers;  /* rows in the summary's top-talkers table */
};

/* How much of each flow the protocol parsers see. */
struct sl_inspect_config {
	uint32_t tcp_packets; /* first packets of a TCP flow offered to parsers */
	uint32_t udp_packets; /* first packets of a UDP flow offered to parsers */
};

/* Name tables the DNS and DHCP parsers keep for later flows (fixed at start). */
struct sl_dns_config {
	uint32_t cache_entries; /* address -> name cache of DNS answers; 0 disables */
};

struct sl_dhcp_config {
	uint32_t max_hosts;     /* MAC -> host table of DHCP clients; 0 disables */
};

/* IP-intelligence database layouts (databases[].schema). */
enum sl_geo_schema {
	SL_GEO_SCHEMA_MAXMIND,        /* GeoIP2/GeoLite2 City, Country, ASN, ISP, ... */
	SL_GEO_SCHEMA_IP_LOCATION_DB, /* ip-location-db: flat country_code, latitude, ... */
	SL_GEO_SCHEMA_IPINFO,         /* IPinfo Lite: flat country_code, asn "AS174", ... */
	SL_GEO_SCHEMA_INTEL,          /* built by `sightline mmdb build`: its `lists` */
	SL_GEO_SCHEMA_FIELDS,         /* explicit paths in fields[] */
	SL_GEO__NSCHEMAS,
};

/* The geo fields an IP-intelligence lookup can fill, in output order.
 * databases[].fields names a dotted mmdb path for each (schema "fields"). */
enum sl_geo_field {
	SL_GEO_COUNTRY,           /* ISO 3166-1 alpha-2 */
	SL_GEO_COUNTRY_NAME,
	SL_GEO_REGISTERED_COUNTRY,
	SL_GEO_CITY,
	SL_GEO_LAT,
	SL_GEO_LON,
	SL_GEO_ACCURACY_KM,
	SL_GEO_TIMEZONE,
	SL_GEO_ASN,
	SL_GEO_AS_ORG,
	SL_GEO_AS_DOMAIN,
	SL_GEO_ISP,
	SL_GEO_CONNECTION_TYPE,
	SL_GEO_ANON_ANY,
	SL_GEO_ANON_VPN,
	SL_GEO_ANON_HOSTING,
	SL_GEO_ANON_PROXY,
	SL_GEO_ANON_RESIDENTIAL_PROXY,
	SL_GEO_ANON_TOR,
	SL_GEO_ANON_PROVIDER,
	SL_GEO_ANON_CONFIDENCE,
	SL_GEO_ANON_LAST_SEEN,
	SL_GEO_INTEL,             /* list names (an array of strings) */
	SL_GEO__NFIELDS,
};

/* One entry of `databases:`. */
struct sl_geo_db_config {
	char *path;                   /* .mmdb file; owned */
	uint32_t schema;              /* enum sl_geo_schema */
	char *name;                   /* label in messages; NULL: the file name */
	char *fields[SL_GEO__NFIELDS]; /* dotted paths (schema fields); NULL = none */
};

/* Settings of the IP-intelligence stage. */
struct sl_intel_config {
	bool builtin;           /* add the intel database built from rules/intel */
	bool demo;              /* no databases configured: use the bundled demo database */
	uint32_t cache_entries; /* addresses whose merged lookup result is cached */
};

/* Where the sensor sits, which decides who a flow is charged to (sensor/subject). */
enum sl_vantage {
	SL_VANTAGE_AUTO, /* inbound flows: the external client, except remote-access sessions
			  * into an inside host (charged to that host); outbound: the inside client */
	SL_VANTAGE_EDGE, /* the client of every flow (workers arriving from outside) */
	SL_VANTAGE_HOST, /* the side inside home_networks (a laptop or LAN) */
};

/* Where the sensor itself stands (physics checks).  lat/lon are NAN when
 * unset; city is resolved through the databases when lat/lon are not given. */
struct sl_sensor_config {
	char *name;             /* every event's host; owned; NULL or "": the host name */
	double lat, lon;
	char *city;             /* "Frankfurt" or "Portland, US"; owned; NULL = none */
	uint32_t vantage;       /* enum sl_vantage: who a flow is charged to */
};

/* Detectors of the identification stage that can be switched off. */
struct sl_identify_config {
	bool obfuscated;  /* flag fully-encrypted unknown first payloads */
	bool tls_in_tls;  /* flag TLS handshakes carried inside TLS */
	char *signatures; /* product signature file or directory; owned; NULL = the bundled set */
	char *extra_signatures; /* more signature files, added to those; owned; NULL = none */
};

/* The rule pack (sensor/rules). */
struct sl_rules_config {
	bool enabled;
	char *path;          /* rule file or directory; owned; NULL = the bundled pack */
	uint32_t max_groups; /* correlation groups tracked at once (bounded memory) */
	uint32_t regex_match_limit; /* |re backtracking steps per start position */
	uint32_t regex_depth_limit; /* |re nested backtracking frames (interpreter) */
};

/* Where subjects are scored: here, or by `sightline score` over the events
 * of a fleet of forwarding sensors (sensor/score). */
enum sl_scoring_mode {
	SL_SCORING_LOCAL,   /* subjects, their alerts and summaries here (the default) */
	SL_SCORING_FORWARD, /* events keyed by subject for a central scorer; no subject alerts */
};

/* Subjects and scoring (sensor/subject). */
struct sl_scoring_config {
	char *roster;             /* roster YAML; owned; NULL = none */
	double threshold;         /* subject score that raises an alert (0-100) */
	uint32_t decay_sec;       /* a rule hit stops counting this long after it was seen */
	uint32_t summary_interval; /* seconds of packet time between subject summaries; 0: end only */
	uint32_t max_subjects;    /* subjects tracked at once */
	uint32_t evidence_max;    /* community_ids kept per rule and subject as evidence */
	uint32_t mode;            /* enum sl_scoring_mode */
	uint32_t reorder_window;  /* sightline score: seconds of event time held to reorder */
	struct sl_score_input_config {  /* sightline score: Kafka input (fleet scoring) */
		char *brokers;            /* bootstrap.servers; owned; "" = read files */
		char *topics;             /* comma-separated event topics; owned */
		char *group_id;           /* consumer group of the scorers; owned */
		char *state_topic;        /* per-subject snapshots; owned */
		uint32_t snapshot_interval; /* seconds between checkpoints of owned partitions */
		uint32_t idle_exit;       /* seconds idle and caught up before exiting; 0 = never */
		char *properties;         /* more librdkafka properties "k=v,k=v"; owned */
	} input;
};

/* The light-speed check and impossible travel. */
struct sl_physics_config {
	double route_inflation;  /* real paths are longer than great circles by this factor */
	double access_ms;        /* allowance for access links and stacks, added to the RTT bound */
	double travel_kmh;       /* fastest plausible travel between two sightings */
};

/* Time of activity. */
struct sl_activity_config {
	char *reference_zones;   /* comma-separated IANA zones; owned */
	uint32_t work_start;     /* business hours [work_start, work_end) local time */
	uint32_t work_end;
	uint32_t min_hours;      /* distinct active hours before a verdict is given */
};

/* Privilege drop after captures and outputs are open (live capture). */
struct sl_privilege_config {
	char *user;            /* switch to this user; NULL: stay */
	char *chroot;          /* chroot here before switching; NULL: none */
	bool allow_root;       /* let a live capture keep running as root */
};

/* Sign-in log formats (identity.sources[].format). */
enum sl_identity_format {
	SL_IDENTITY_FORMAT_AUTO,  /* recognised from each record's fields */
	SL_IDENTITY_FORMAT_OKTA,  /* Okta System Log events */
	SL_IDENTITY_FORMAT_ENTRA, /* Microsoft Entra ID (Graph) sign-ins */
	SL_IDENTITY_FORMAT_JSON,  /* any JSON records, with configured field paths */
	SL_IDENTITY__NFORMATS,
};

/* How a file source is read (identity.sources[].mode). */
enum sl_identity_mode {
	SL_IDENTITY_MODE_AUTO,   /* follow when capturing live, read once when replaying */
	SL_IDENTITY_MODE_REPLAY, /* read once, in time order */
	SL_IDENTITY_MODE_FOLLOW, /* follow as it grows and across rotation (tail -F) */
};

enum sl_identity_start { SL_IDENTITY_START_BEGINNING, SL_IDENTITY_START_END };
enum sl_identity_socket_type { SL_IDENTITY_SOCK_STREAM, SL_IDENTITY_SOCK_DGRAM };

/* How format json reads its time field (identity.sources[].time_format). */
enum sl_identity_time_format {
	SL_IDENTITY_TIME_AUTO,     /* RFC 3339 text, or epoch s/ms/us told apart by size */
	SL_IDENTITY_TIME_RFC3339,
	SL_IDENTITY_TIME_EPOCH_S,
	SL_IDENTITY_TIME_EPOCH_MS,
	SL_IDENTITY_TIME_EPOCH_US,
};

/* The fields format json maps by path (identity.sources[].fields.*). */
enum sl_identity_field {
	SL_IDENTITY_FIELD_TIME,        /* required */
	SL_IDENTITY_FIELD_ACCOUNT,     /* required */
	SL_IDENTITY_FIELD_ADDRESS,     /* required */
	SL_IDENTITY_FIELD_OUTCOME,     /* required */
	SL_IDENTITY_FIELD_USER_AGENT,
	SL_IDENTITY_FIELD_APPLICATION,
	SL_IDENTITY_FIELD_CLIENT_APP,
	SL_IDENTITY_FIELD_EVENT_TYPE,
	SL_IDENTITY__NFIELDS,
};

/* One entry of identity.sources.  Strings are owned; NULL when not given. */
struct sl_identity_source_config {
	char *name;             /* label in messages and stats; NULL: the path */
	char *path;             /* a sign-in log file (exclusive with socket) */
	char *socket;           /* a unix socket a collector pushes records to */
	uint32_t socket_type;   /* enum sl_identity_socket_type */
	uint32_t format;        /* enum sl_identity_format */
	uint32_t mode;          /* enum sl_identity_mode (files) */
	uint32_t start;         /* enum sl_identity_start (followed files) */
	uint32_t time_format;   /* enum sl_identity_time_format (format json) */
	char *fields[SL_IDENTITY__NFIELDS]; /* dotted paths (format json) */
	char *success;          /* format json: outcome values meaning success, comma-separated */
	char *failure;          /* format json: values meaning failure; NULL: any other value */
};

/* Sign-in log sources (sensor/identity). */
struct sl_identity_config {
	struct sl_identity_source_config *sources; /* owned; n_sources entries */
	size_t n_sources;
	uint32_t max_messages;  /* bad-record messages shown per source, then only counted */
	uint32_t max_record;    /* longest record (line, datagram, array element) in bytes */
	uint32_t binding_ttl;   /* seconds a successful sign-in binds its account to its address */
	uint32_t max_bindings;  /* account-address bindings held at once */
};

struct sl_config {
	struct sl_flow_config flow;
	struct sl_inspect_config inspect;
	struct sl_dns_config dns;
	struct sl_dhcp_config dhcp;
	struct sl_decode_config decode;
	struct sl_capture_config capture;
	struct sl_output_config output;
	struct sl_output_entry *outputs; /* owned; n_outputs entries (outputs:) */
	size_t n_outputs;
	uint32_t stats_interval;      /* seconds between stats events (packet time offline,
				       * wall clock live); 0: only at the end */
	struct sl_privilege_config privileges;
	uint16_t community_id_seed;   /* Community ID v1 seed */
	struct sl_cidr *home_networks; /* owned; n_home_networks entries */
	size_t n_home_networks;
	struct sl_geo_db_config *databases; /* owned; n_databases entries */
	size_t n_databases;
	struct sl_intel_config intel;
	struct sl_sensor_config sensor;
	struct sl_identify_config identify;
	struct sl_rules_config rules;
	struct sl_scoring_config scoring;
	struct sl_physics_config physics;
	struct sl_activity_config activity;
	struct sl_identity_config identity;
};

/**
 * Fill cfg with the embedded defaults (every key of the table).  No file is
 * needed.  Returns 0 or -ENOMEM.  Caller owns the strings and lists inside;
 * release with sl_config_finish().
 */
int sl_config_init_defaults(struct sl_config *cfg);

/**
 * Merge a YAML file into cfg.  Unknown keys, wrong types and out-of-range
 * values are errors: -EINVAL with "FILE:LINE:COL: sentence" written to err
 * (errlen bytes).  A missing or unreadable file is -ENOENT/-EACCES with the
 * path in err.  On failure cfg may be partly updated; discard it.
 */
int sl_config_load_file(struct sl_config *cfg, const char *path, char *err, size_t errlen);

/**
 * Same as sl_config_load_file() for a YAML document in memory; name is used in
 * error messages in place of the file name.
 */
int sl_config_load_string(struct sl_config *cfg, const char *yaml, size_t len,
			  const char *name, char *err, size_t errlen);

/**
 * Apply one "key=value" override (dotted key, e.g. "flow.max_flows=1000" or
 * "home_networks=10.0.0.0/8,192.168.0.0/16").  Same checks as the file; the
 * message names "--set key".  Lists of maps (databases) are refused: they
 * are written in the file.  Returns 0 or -EINVAL.
 */
int sl_config_set(struct sl_config *cfg, const char *assignment, char *err, size_t errlen);

/**
 * Append one entry to a list of maps (e.g. "identity.sources"), built from
 * "key=value" assignments of the entry's keys ("path=okta.json"): the
 * entry's defaults, then the assignments, then its required keys and checks,
 * as a YAML entry would be.  Errors name what (the key) and why: -EINVAL
 * with the message in err.  On failure cfg is unchanged.
 */
int sl_config_append(struct sl_config *cfg, const char *list, const char *const *assignments,
		     size_t n, char *err, size_t errlen);

/**
 * Write the effective configuration as commented YAML that
 * sl_config_load_file() reads back to the same values.
 */
void sl_config_dump(const struct sl_config *cfg, FILE *out);

/**
 * The configuration as text to compare, one line per key in table order:
 * "KEY<TAB>VALUE" with the value as sl_config_dump() writes it (the lines of
 * a list joined by 0x1f).  Returns a string the caller frees, or NULL when
 * out of memory.  cfg is only read.
 */
char *sl_config_fingerprint(const struct sl_config *cfg);

/**
 * The keys whose values differ between two fingerprints of
 * sl_config_fingerprint(), leaving out those at or under an entry of keep
 * (NULL-terminated, may be NULL: "rules" covers rules.path, "databases" that
 * key): their names go into buf (len bytes, "a, b, c", cut with "..."), and
 * their count is returned.  Neither fingerprint is kept.
 */
size_t sl_config_changed(const char *a, const char *b, const char *const *keep, char *buf,
			 size_t len);

/** Release what cfg owns and zero it.  Accepts NULL or a zeroed config. */
void sl_config_finish(struct sl_config *cfg);

/** True when a is inside one of cfg->home_networks. */
bool sl_config_is_home(const struct sl_config *cfg, const struct sl_addr *a);

#endif
