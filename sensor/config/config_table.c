/* The configuration key table (the only list of keys); each value type's
 * parser and writer are in config_types.c.  Adding a key is one row here and
 * one field in include/sightline/config.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"

#define OFF(field) offsetof(struct sl_config, field)

#define NUM(k, t, field, d, lo, hi, u, text)                                   \
	{ .key = k, .type = t, .offset = OFF(field), .def = d, .min = lo,      \
	  .max = hi, .unit = u, .desc = text }
#define U16(k, field, d, lo, hi, u, text) NUM(k, SL_CFG_U16, field, d, lo, hi, u, text)
#define U32(k, field, d, lo, hi, u, text) NUM(k, SL_CFG_U32, field, d, lo, hi, u, text)
#define BOOL(k, field, d, text)                                                \
	{ .key = k, .type = SL_CFG_BOOL, .offset = OFF(field), .def = d,       \
	  .max = 1, .unit = "", .desc = text }
#define STR(k, field, d, minlen, maxlen, text)                                 \
	{ .key = k, .type = SL_CFG_STRING, .offset = OFF(field), .def = d,     \
	  .min = minlen, .max = maxlen, .unit = "", .desc = text }
#define CIDRS(k, field, count, d, maxn, text)                                  \
	{ .key = k, .type = SL_CFG_CIDR_LIST, .offset = OFF(field),            \
	  .count_offset = OFF(count), .def = d, .max = maxn, .unit = "",       \
	  .desc = text }

#define TIMEOUT(k, field, d, what) U32(k, field, d, 1, 86400, "s", what)
#define DBL(k, field, d, lo, hi, u, text)                                      \
	{ .key = k, .type = SL_CFG_DOUBLE, .offset = OFF(field), .def = d,     \
	  .dmin = lo, .dmax = hi, .unit = u, .desc = text }
#define COORD(k, field, lim, text)                                             \
	{ .key = k, .type = SL_CFG_DOUBLE, .offset = OFF(field), .def = "",    \
	  .dmin = -(lim), .dmax = (lim), .unit = "degrees", .desc = text }

/* One entry of `databases:` (offsets into struct sl_geo_db_config). */
#define DB_OFF(field) offsetof(struct sl_geo_db_config, field)
#define DB_PATH(name, f, text)                                                 \
	{ .key = "fields." name, .type = SL_CFG_STRING, .offset = DB_OFF(fields[f]), \
	  .def = "", .max = 256, .unit = "", .desc = text }

static const char *const schema_names[] = {
	[SL_GEO_SCHEMA_MAXMIND] = "maxmind",
	[SL_GEO_SCHEMA_IP_LOCATION_DB] = "ip-location-db",
	[SL_GEO_SCHEMA_IPINFO] = "ipinfo",
	[SL_GEO_SCHEMA_INTEL] = "intel",
	[SL_GEO_SCHEMA_FIELDS] = "fields",
	NULL,
};

static const char *const vantage_names[] = {
	[SL_VANTAGE_AUTO] = "auto",
	[SL_VANTAGE_EDGE] = "edge",
	[SL_VANTAGE_HOST] = "host",
	NULL,
};

static const char *const scoring_mode_names[] = { [SL_SCORING_LOCAL] = "local",
						   [SL_SCORING_FORWARD] = "forward", NULL };

static const struct sl_cfg_key db_keys[] = {
	{ .key = "path", .type = SL_CFG_STRING, .offset = DB_OFF(path), .def = "", .min = 1,
	  .max = 4096, .unit = "", .required = true, .desc = "the .mmdb file (required)" },
	{ .key = "schema", .type = SL_CFG_ENUM, .offset = DB_OFF(schema), .def = "",
	  .choices = schema_names, .unit = "", .required = true,
	  .desc = "its layout (required): maxmind, ip-location-db, ipinfo, intel, or fields "
		  "(the paths below)" },
	{ .key = "name", .type = SL_CFG_STRING, .offset = DB_OFF(name), .def = "", .max = 64,
	  .unit = "", .desc = "label used in messages; default the file name" },
	DB_PATH("country", SL_GEO_COUNTRY, "path of the ISO country code, e.g. country.iso_code"),
	DB_PATH("country_name", SL_GEO_COUNTRY_NAME, "path of the country name"),
	DB_PATH("registered_country", SL_GEO_REGISTERED_COUNTRY,
		"path of the country the network is registered in"),
	DB_PATH("city", SL_GEO_CITY, "path of the city name, e.g. city.names.en"),
	DB_PATH("lat", SL_GEO_LAT, "path of the latitude (number or numeric text)"),
	DB_PATH("lon", SL_GEO_LON, "path of the longitude (number or numeric text)"),
	DB_PATH("accuracy_km", SL_GEO_ACCURACY_KM, "path of the location's accuracy radius in km"),
	DB_PATH("timezone", SL_GEO_TIMEZONE, "path of the IANA time zone"),
	DB_PATH("asn", SL_GEO_ASN, "path of the AS number (number, or text like AS174)"),
	DB_PATH("as_org", SL_GEO_AS_ORG, "path of the AS organisation"),
	DB_PATH("as_domain", SL_GEO_AS_DOMAIN, "path of the AS organisation's domain"),
	DB_PATH("isp", SL_GEO_ISP, "path of the ISP name"),
	DB_PATH("connection_type", SL_GEO_CONNECTION_TYPE, "path of the connection type"),
	DB_PATH("anon.any", SL_GEO_ANON_ANY, "path of the any-anonymizer flag"),
	DB_PATH("anon.vpn", SL_GEO_ANON_VPN, "path of the VPN flag"),
	DB_PATH("anon.hosting", SL_GEO_ANON_HOSTING, "path of the hosting-provider flag"),
	DB_PATH("anon.proxy", SL_GEO_ANON_PROXY, "path of the public-proxy flag"),
	DB_PATH("anon.residential_proxy", SL_GEO_ANON_RESIDENTIAL_PROXY,
		"path of the residential-proxy flag"),
	DB_PATH("anon.tor", SL_GEO_ANON_TOR, "path of the Tor-exit flag"),
	DB_PATH("anon.provider", SL_GEO_ANON_PROVIDER, "path of the anonymizer provider name"),
	DB_PATH("anon.confidence", SL_GEO_ANON_CONFIDENCE, "path of the anonymizer confidence"),
	DB_PATH("anon.last_seen", SL_GEO_ANON_LAST_SEEN, "path of the date the network was last seen anonymizing"),
	DB_PATH("intel", SL_GEO_INTEL, "path of an array (or one string) of list names"),
};

/* A field path: dotted parts, none empty, at most 8 of them. */
static bool path_ok(const char *p)
{
	unsigned parts = 1;
	if (!*p || *p == '.' || p[strlen(p) - 1] == '.' || strstr(p, ".."))
		return false;
	for (; *p; p++)
		parts += *p == '.';
	return parts <= 8;
}

/* Paths go with schema "fields" and only with it; each must be well formed. */
static int check_db(const void *entry, char *why, size_t whylen)
{
	const struct sl_geo_db_config *db = entry;
	size_t given = 0;
	for (size_t f = 0; f < SL_GEO__NFIELDS; f++) {
		if (!db->fields[f])
			continue;
		given++;
		if (!path_ok(db->fields[f])) {
			snprintf(why, whylen, "field path '%.60s' is not a dotted path of at most 8 "
				 "non-empty parts (e.g. city.names.en)", db->fields[f]);
			return -EINVAL;
		}
	}
	if (db->schema == SL_GEO_SCHEMA_FIELDS && given == 0) {
		snprintf(why, whylen, "%s", "schema 'fields' needs 'fields:' with at least one path "
			 "(e.g. fields: {country: country.iso_code})");
		return -EINVAL;
	}
	if (db->schema != SL_GEO_SCHEMA_FIELDS && given) {
		snprintf(why, whylen, "'fields:' is only read with schema 'fields' (this entry has "
			 "schema '%s')", schema_names[db->schema]);
		return -EINVAL;
	}
	return 0;
}

static const struct sl_cfg_table db_table = { db_keys, ARRAY_SIZE(db_keys), check_db };

/* One entry of `outputs:` (offsets into struct sl_output_entry). */
#define OUT_OFF(field) offsetof(struct sl_output_entry, field)
#define OUT_STR(k, field, maxlen, text)                                        \
	{ .key = k, .type = SL_CFG_STRING, .offset = OUT_OFF(field), .def = "", \
	  .max = maxlen, .unit = "", .desc = text }
#define OUT_ENUM(k, field, d, names, text)                                     \
	{ .key = k, .type = SL_CFG_ENUM, .offset = OUT_OFF(field), .def = d,   \
	  .choices = names, .unit = "", .desc = text }

static const char *const output_type_names[] = {
	[SL_OUT_FILE] = "file",
	[SL_OUT_STDOUT] = "stdout",
	[SL_OUT_UNIX_STREAM] = "unix-stream",
	[SL_OUT_UNIX_DGRAM] = "unix-dgram",
	[SL_OUT_SYSLOG] = "syslog",
	[SL_OUT_KAFKA] = "kafka",
	[SL_OUT_RELP] = "relp",
	NULL,
};

static const char *const syslog_transport_names[] = { "udp", "tcp", "unix", NULL };

/* RFC 5424 section 6.2.1, table 1, codes 0 to 23. */
static const char *const facility_names[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7", NULL,
};

static const char *const acks_names[] = { "all", "0", "1", NULL };
static const char *const compression_names[] = { "none", "gzip", "snappy", "lz4", "zstd", NULL };

static const struct sl_cfg_key output_keys[] = {
	{ .key = "type", .type = SL_CFG_ENUM, .offset = OUT_OFF(type), .def = "",
	  .choices = output_type_names, .unit = "", .required = true,
	  .desc = "file, stdout, unix-stream, unix-dgram, syslog, relp or kafka (required)" },
	OUT_STR("path", path, 4096, "file, unix-stream, unix-dgram: the file or socket path"),
	OUT_ENUM("transport", transport, "udp", syslog_transport_names,
		 "syslog: udp, tcp (octet-counted frames, RFC 6587) or unix (datagram socket)"),
	OUT_STR("address", address, 4096,
		"syslog: host:port ([v6]:port) for udp/tcp, the socket path for unix; relp: host:port"),
	OUT_ENUM("facility", facility, "user", facility_names,
		 "syslog, relp: facility kern, user, daemon, auth, local0 ... local7 (RFC 5424 names)"),
	OUT_STR("app_name", app_name, 48, "syslog, relp: APP-NAME; default sightline"),
	OUT_STR("hostname", hostname, 255,
		"syslog, relp: HOSTNAME; default this machine's host name"),
	OUT_STR("brokers", brokers, 4096, "kafka: bootstrap brokers, host:port[,host:port...]"),
	OUT_STR("topic", topic, 249, "kafka: topic the events are produced to"),
	OUT_ENUM("acks", acks, "all", acks_names,
		 "kafka: acknowledgements a write waits for: all, 1 or 0"),
	OUT_ENUM("compression", compression, "none", compression_names,
		 "kafka: none, gzip, snappy, lz4 or zstd"),
	OUT_STR("properties", properties, 8192,
		"kafka: more librdkafka properties, \"key=value,key=value\" (a part without '=' "
		"continues the previous value)"),
	{ .key = "queue", .type = SL_CFG_U32, .offset = OUT_OFF(queue), .def = "10000", .min = 0,
	  .max = 10000000, .unit = "events",
	  .desc = "events held while the destination is slow or down; beyond it they are dropped "
		  "and counted (0: file/stdout written inline)" },
	{ .key = "flush_timeout", .type = SL_CFG_U32, .offset = OUT_OFF(flush_timeout_ms),
	  .def = "5000", .min = 0, .max = 600000, .unit = "ms",
	  .desc = "at exit, how long queued events may take to leave before the rest are dropped" },
};

/* The keys each type needs (1) or accepts (2); strings only, since the
 * enums and numbers always have a value. */
static const struct {
	const char *key;
	size_t off;
	uint8_t use[SL_OUT__NTYPES];
} output_strings[] = {
	/* file, stdout, unix-stream, unix-dgram, syslog, kafka, relp */
	{ "path", OUT_OFF(path), { 1, 0, 1, 1, 0, 0, 0 } },
	{ "address", OUT_OFF(address), { 0, 0, 0, 0, 1, 0, 1 } },
	{ "app_name", OUT_OFF(app_name), { 0, 0, 0, 0, 2, 0, 2 } },
	{ "hostname", OUT_OFF(hostname), { 0, 0, 0, 0, 2, 0, 2 } },
	{ "brokers", OUT_OFF(brokers), { 0, 0, 0, 0, 0, 1, 0 } },
	{ "topic", OUT_OFF(topic), { 0, 0, 0, 0, 0, 1, 0 } },
	{ "properties", OUT_OFF(properties), { 0, 0, 0, 0, 0, 2, 0 } },
};

/* host:port or [v6]:port with a port of 1..65535. */
static bool host_port_ok(const char *a)
{
	const char *colon = strrchr(a, ':');
	if (!colon || colon == a || (a[0] == '[' && colon[-1] != ']'))
		return false;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	return colon[1] && !*end && port >= 1 && port <= 65535;
}

static int check_output(const void *entry, char *why, size_t whylen)
{
	const struct sl_output_entry *o = entry;
	const char *type = output_type_names[o->type];
	for (size_t i = 0; i < ARRAY_SIZE(output_strings); i++) {
		bool given = *(char *const *)((const char *)o + output_strings[i].off) != NULL;
		uint8_t use = output_strings[i].use[o->type];
		if (use == 1 && !given)
			return snprintf(why, whylen, "an output of type %s needs '%s'", type,
					output_strings[i].key), -EINVAL;
		if (use == 0 && given)
			return snprintf(why, whylen, "'%s' does not apply to an output of type %s",
					output_strings[i].key, type), -EINVAL;
	}
	if (((o->type == SL_OUT_SYSLOG && o->transport != SL_SYSLOG_UNIX) || o->type == SL_OUT_RELP) &&
	    !host_port_ok(o->address))
		return snprintf(why, whylen, "%s address '%.60s' is not host:port (e.g. "
				"siem.example.com:%s or [2001:db8::1]:%s)", type, o->address,
				o->type == SL_OUT_RELP ? "2514" : "514",
				o->type == SL_OUT_RELP ? "2514" : "6514"), -EINVAL;
	if (o->queue == 0 && o->type != SL_OUT_FILE && o->type != SL_OUT_STDOUT)
		return snprintf(why, whylen, "an output of type %s needs a queue of at least 1 event, "
				"so a slow destination cannot stall the capture", type), -EINVAL;
	return 0;
}

static const struct sl_cfg_table output_table = { output_keys, ARRAY_SIZE(output_keys),
						   check_output };

/* Keys that share a section must stay next to each other: the dump opens
 * each section once, in table order (the round-trip test enforces it). */
static const struct sl_cfg_key root_keys[] = {
	U32("flow.max_flows", flow.max_flows, "262144", 1024, 67108864, "flows",
	    "hard cap of concurrent flows; when full, flows without a handshake or of one packet "
	    "are evicted first, then closed ones, then the least recently seen session"),
	TIMEOUT("flow.timeouts.tcp_new", flow.timeout_tcp_new, "60",
		"TCP flow idle time after a SYN until the handshake completes"),
	TIMEOUT("flow.timeouts.tcp_established", flow.timeout_tcp_established, "600",
		"TCP flow idle time once the handshake completed"),
	TIMEOUT("flow.timeouts.tcp_closed", flow.timeout_tcp_closed, "10",
		"TCP flow kept after FIN both ways or RST, to absorb stray retransmissions"),
	TIMEOUT("flow.timeouts.udp", flow.timeout_udp, "120", "UDP flow idle time"),
	TIMEOUT("flow.timeouts.icmp", flow.timeout_icmp, "30", "ICMP flow idle time"),
	TIMEOUT("flow.timeouts.other", flow.timeout_other, "120",
		"idle time of flows of any other IP protocol"),
	U32("flow.expire_batch", flow.expire_batch, "8", 1, 1024, "flows",
	    "most flows expired per packet, bounding per-packet work"),
	U32("flow.update_interval", flow.update_interval, "300", 0, 86400, "s",
	    "a flow open this long gets an interim flow record (flow.interim: true, counters so far), and again every interval; 0: off"),
	U32("inspect.tcp_packets", inspect.tcp_packets, "80", 0, 100000, "packets",
	    "first packets of a TCP flow offered to the protocol parsers; later ones are only counted"),
	U32("inspect.udp_packets", inspect.udp_packets, "24", 0, 100000, "packets",
	    "first packets of a UDP flow offered to the protocol parsers"),
	U32("dns.cache_entries", dns.cache_entries, "65536", 0, 16777216, "entries",
	    "addresses remembered from DNS answers for dest.dns_name (about 290 bytes each); 0 disables"),
	U32("dhcp.max_hosts", dhcp.max_hosts, "4096", 0, 1048576, "hosts",
	    "DHCP clients remembered by MAC (host name, vendor class, last address); 0 disables"),
	U32("decode.fragments.max_datagrams", decode.frag_max_datagrams, "1024", 0, 65536,
	    "datagrams", "IP datagrams under reassembly at once (about 300 bytes each); when full, "
	    "the oldest incomplete one is dropped; 0 disables reassembly"),
	U32("decode.fragments.memory_mb", decode.frag_memory_mb, "8", 1, 1024, "MiB",
	    "memory for the data of datagrams under reassembly, taken 2 KiB at a time; when full, "
	    "the oldest incomplete datagram is dropped"),
	U32("decode.fragments.timeout", decode.frag_timeout_sec, "30", 1, 600, "s",
	    "time an incomplete fragmented datagram is kept before it is dropped"),
	BOOL("decode.gre", decode.decap_gre, "true",
	     "look inside GRE tunnels that carry IP or Ethernet"),
	BOOL("decode.gtpu", decode.decap_gtpu, "true",
	     "look inside GTP-U tunnels (UDP 2152, the mobile core's user plane)"),
	BOOL("decode.vxlan", decode.decap_vxlan, "true",
	     "look inside VXLAN tunnels on decode.vxlan_port"),
	U16("decode.vxlan_port", decode.vxlan_port, "4789", 1, 65535, "UDP port",
	    "UDP port of VXLAN (the destination; answers sent from it are decoded too)"),
	U32("capture.snaplen", capture.snaplen, "262144", 64, 262144, "bytes",
	    "live capture: bytes kept of each packet"),
	U32("capture.buffer_mb", capture.buffer_mb, "64", 1, 4096, "MiB",
	    "live capture: kernel capture buffer size"),
	BOOL("capture.promisc", capture.promisc, "true",
	     "live capture: put the interface in promiscuous mode"),
	BOOL("capture.immediate", capture.immediate, "false",
	     "live capture: deliver each packet at once instead of in batches"),
	U32("capture.workers", capture.workers, "1", 1, 64, "threads",
	    "engines in parallel (--workers); each flow stays in one, the flow table is split "
	    "among them"),
	STR("capture.bpf", capture.bpf, "", 0, 65536,
	    "BPF filter applied to captured packets; empty means none"),
	STR("output.eve", output.eve_path, "eve.json", 1, 4096,
	    "file the EVE JSON events are written to; \"-\" means standard output"),
	BOOL("output.progress", output.progress, "true",
	     "progress line on stderr while reading capture files, shown only on a terminal"),
	U32("output.progress_interval", output.progress_interval_ms, "1000", 100, 60000, "ms",
	    "how often the progress line is refreshed"),
	BOOL("output.summary", output.summary, "true",
	     "human-readable summary on stderr when the run ends"),
	U32("output.top_talkers", output.top_talkers, "5", 0, 100, "rows",
	    "rows in the summary's top-talkers table"),
	{ .key = "outputs", .type = SL_CFG_MAP_LIST, .offset = OFF(outputs),
	  .count_offset = OFF(n_outputs), .def = "", .max = 32, .unit = "",
	  .sub = &output_table, .elem_size = sizeof(struct sl_output_entry),
	  .desc = "where events go, several at once; none: the file output.eve (-o adds a file "
		  "output to this list)" },
	U32("stats.interval", stats_interval, "0", 0, 86400, "s",
	    "seconds between stats events (packet time when replaying, wall clock live); 0: only "
	    "at the end"),
	STR("privileges.user", privileges.user, "", 0, 64,
	    "after opening captures and outputs, switch to this user (--user)"),
	STR("privileges.chroot", privileges.chroot, "", 0, 4096,
	    "live capture: chroot to this directory before switching user (--chroot)"),
	BOOL("privileges.allow_root", privileges.allow_root, "false",
	     "let a live capture keep running as root when no user is given (--allow-root)"),
	U16("community_id.seed", community_id_seed, "0", 0, 65535, "",
	    "Community ID v1 seed; must match the other tools that compute the IDs"),
	CIDRS("home_networks", home_networks, n_home_networks,
	      "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, "
	      "169.254.0.0/16, fc00::/7, fe80::/10",
	      4096, "address ranges on our side of the sensor (like Suricata's HOME_NET)"),
	{ .key = "databases", .type = SL_CFG_MAP_LIST, .offset = OFF(databases),
	  .count_offset = OFF(n_databases), .def = "", .max = 64, .unit = "",
	  .sub = &db_table, .elem_size = sizeof(struct sl_geo_db_config),
	  .desc = "IP-intelligence databases (.mmdb), consulted in order; the first to know a "
		  "value wins. None: the bundled demo database" },
	BOOL("intel.builtin", intel.builtin, "true",
	     "also consult the intel database built from rules/intel (after the databases)"),
	BOOL("intel.demo", intel.demo, "true",
	     "with no databases configured, use the bundled demo database (it knows only "
	     "documentation addresses)"),
	U32("intel.cache_entries", intel.cache_entries, "16384", 64, 16777216, "addresses",
	    "addresses whose merged lookup result is cached (648 bytes each)"),
	STR("sensor.name", sensor.name, "", 0, 255,
	    "the sensor's name, written as host in every event (as Suricata's sensor-name); "
	    "empty: this machine's host name"),
	COORD("sensor.location.lat", sensor.lat, 90,
	      "latitude of the sensor, for the light-speed check; empty: unknown"),
	COORD("sensor.location.lon", sensor.lon, 180, "longitude of the sensor"),
	STR("sensor.location.city", sensor.city, "", 0, 128,
	    "city of the sensor (\"Frankfurt\" or \"Portland, US\"), located through the "
	    "databases when lat/lon are not given"),
	{ .key = "sensor.vantage", .type = SL_CFG_ENUM, .offset = OFF(sensor.vantage), .def = "auto",
	  .choices = vantage_names, .unit = "",
	  .desc = "who flows are charged to: auto (external clients inbound, except remote-access "
		  "sessions into an inside host; inside clients outbound), edge (the client), host "
		  "(the side inside home_networks)" },
	BOOL("identify.obfuscated", identify.obfuscated, "true",
	     "flag fully-encrypted first payloads of unidentified flows (tunnel.obfuscated)"),
	BOOL("identify.tls_in_tls", identify.tls_in_tls, "true",
	     "flag TLS handshakes carried inside a TLS session (tunnel.obfuscated)"),
	STR("identify.signatures", identify.signatures, "", 0, 4096,
	    "product signature file or directory of *.yml/*.yaml (rules/products); empty: the "
	    "bundled set"),
	STR("identify.extra_signatures", identify.extra_signatures, "", 0, 4096,
	    "your own product signatures (a file or directory), loaded beside the others and "
	    "reloaded on SIGHUP; empty: none"),
	BOOL("rules.enabled", rules.enabled, "true", "evaluate the rule pack"),
	STR("rules.path", rules.path, "", 0, 4096,
	    "rule file or directory of *.yml or *.yaml files; empty: the bundled pack"),
	U32("rules.max_groups", rules.max_groups, "65536", 16, 16777216, "groups",
	    "correlation groups (rule and group-by values) tracked at once"),
	U32("rules.regex_match_limit", rules.regex_match_limit, "3500", 100, 10000000, "steps",
	    "a |re match stops after this many backtracking steps at one start position and "
	    "counts as no match (stats.rules.regex_limit_hits)"),
	U32("rules.regex_depth_limit", rules.regex_depth_limit, "1500", 10, 10000000, "frames",
	    "a |re match stops this deep in nested backtracking (when PCRE2 has no JIT) and "
	    "counts as no match"),
	STR("scoring.roster", scoring.roster, "", 0, 4096,
	    "roster YAML (people, devices, claimed places, allow-lists); empty: none"),
	DBL("scoring.threshold", scoring.threshold, "50", 1, 100, "points",
	    "subject score that raises an alert"),
	U32("scoring.decay", scoring.decay_sec, "86400", 60, 31536000, "s",
	    "a rule hit stops counting towards a subject's score this long after it was seen"),
	U32("scoring.summary_interval", scoring.summary_interval, "3600", 0, 604800, "s",
	    "packet time between subject summary events; 0: only at the end"),
	U32("scoring.max_subjects", scoring.max_subjects, "65536", 16, 16777216, "subjects",
	    "subjects tracked at once; the least recently seen is forgotten first"),
	U32("scoring.evidence_max", scoring.evidence_max, "8", 1, 64, "flows",
	    "community_ids kept per rule and subject as evidence in alerts"),
	{ .key = "scoring.mode", .type = SL_CFG_ENUM, .offset = OFF(scoring.mode), .def = "local",
	  .choices = scoring_mode_names, .unit = "",
	  .desc = "local (score subjects here) or forward (a fleet sensor: write flow and alert "
		  "events keyed by subject, with event_id, for `sightline score` to combine; no "
		  "subject alerts or summaries here)" },
	U32("scoring.reorder_window", scoring.reorder_window, "5", 0, 3600, "s",
	    "sightline score: events are held this long (event time) to be applied in order; "
	    "an older event is counted late and dropped"),
	STR("scoring.input.brokers", scoring.input.brokers, "", 0, 4096,
	    "sightline score: Kafka bootstrap brokers host:port[,...] to consume from as a member "
	    "of scoring.input.group_id; empty: read files (-r)"),
	STR("scoring.input.topics", scoring.input.topics, "sightline-events", 1, 4096,
	    "sightline score: comma-separated topics the forwarding sensors produce to"),
	STR("scoring.input.group_id", scoring.input.group_id, "sightline-score", 1, 255,
	    "sightline score: consumer group; the scorers of one fleet share it and split "
	    "the partitions"),
	STR("scoring.input.state_topic", scoring.input.state_topic, "sightline-score-state", 1, 249,
	    "sightline score: per-subject state snapshots; as many partitions as the event "
	    "topic, cleanup.policy=compact"),
	U32("scoring.input.snapshot_interval", scoring.input.snapshot_interval, "60", 1, 86400,
	    "s", "sightline score: owned partitions are checkpointed (state written, then "
	    "offsets committed) this often, and on revocation"),
	U32("scoring.input.idle_exit", scoring.input.idle_exit, "0", 0, 86400, "s",
	    "sightline score: exit cleanly after this long with nothing to read and no lag; 0: "
	    "run until SIGTERM"),
	STR("scoring.input.properties", scoring.input.properties, "", 0, 4096,
	    "sightline score: more librdkafka consumer and producer properties, "
	    "\"key=value,key=value\""),
	DBL("physics.route_inflation", physics.route_inflation, "1.5", 1, 4, "",
	    "how much longer real network paths are than great circles"),
	DBL("physics.access_ms", physics.access_ms, "10", 0, 200, "ms",
	    "allowance for access links and end hosts added to the light-speed RTT bound"),
	DBL("physics.travel_kmh", physics.travel_kmh, "900", 100, 5000, "km/h",
	    "fastest plausible travel between two places a subject is seen from"),
	STR("activity.reference_zones", activity.reference_zones,
	    "Asia/Pyongyang,Asia/Shanghai,Europe/Moscow", 0, 1024,
	    "comma-separated IANA time zones a subject's working hours are compared with"),
	U32("activity.work_start", activity.work_start, "9", 0, 23, "hour",
	    "start of business hours (local time) when the roster gives none"),
	U32("activity.work_end", activity.work_end, "18", 1, 24, "hour",
	    "end of business hours (local time, exclusive) when the roster gives none"),
	U32("activity.min_hours", activity.min_hours, "4", 1, 24, "hours",
	    "distinct active hours of a subject before its time-of-activity fit is reported"),
	{ .key = "identity.sources", .type = SL_CFG_MAP_LIST, .offset = OFF(identity.sources),
	  .count_offset = OFF(identity.n_sources), .def = "", .max = 64, .unit = "",
	  .sub = &sl_cfg_identity_table, .elem_size = sizeof(struct sl_identity_source_config),
	  .desc = "sign-in logs (Okta System Log, Entra ID sign-ins, JSON lines) that tie "
		  "accounts to addresses; --identity FILE adds a path" },
	U32("identity.max_messages", identity.max_messages, "10", 0, 100000, "messages",
	    "bad records described on stderr per source (FILE:LINE and why); the rest are counted"),
	U32("identity.max_record", identity.max_record, "1048576", 1024, 67108864, "bytes",
	    "longest sign-in record (line, datagram or array element); longer ones are skipped "
	    "and counted"),
	U32("identity.binding_ttl", identity.binding_ttl, "43200", 60, 2592000, "s",
	    "how long a successful sign-in ties its account to its address (ended sooner by "
	    "the account signing in from elsewhere)"),
	U32("identity.max_bindings", identity.max_bindings, "100000", 16, 10000000, "bindings",
	    "account-address bindings held at once; when full the one that ends first is dropped "
	    "and counted"),
};

const struct sl_cfg_table sl_cfg_root = { root_keys, ARRAY_SIZE(root_keys), NULL };
