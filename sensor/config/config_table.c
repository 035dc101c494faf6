/* The configuration key table (the only list of keys) and the parser and
 * writer of each value type.  Adding a key is one row here and one field in
 * include/sightline/config.h. */
#include <ctype.h>
#include <errno.h>
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

/* Keys that share a section must stay next to each other: the dump opens
 * each section once, in table order (the round-trip test enforces it). */
static const struct sl_cfg_key root_keys[] = {
	U32("flow.max_flows", flow.max_flows, "262144", 1024, 67108864, "flows",
	    "hard cap of concurrent flows; when full the oldest idle flow is evicted"),
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
	U32("inspect.tcp_packets", inspect.tcp_packets, "80", 0, 100000, "packets",
	    "first packets of a TCP flow offered to the protocol parsers; later ones are only counted"),
	U32("inspect.udp_packets", inspect.udp_packets, "24", 0, 100000, "packets",
	    "first packets of a UDP flow offered to the protocol parsers"),
	U32("dns.cache_entries", dns.cache_entries, "65536", 0, 16777216, "entries",
	    "addresses remembered from DNS answers for dest.dns_name (about 290 bytes each); 0 disables"),
	U32("dhcp.max_hosts", dhcp.max_hosts, "4096", 0, 1048576, "hosts",
	    "DHCP clients remembered by MAC (host name, vendor class, last address); 0 disables"),
	U32("decode.fragments.max_datagrams", decode.frag_max_datagrams, "64", 0, 4096,
	    "datagrams", "IP datagrams under reassembly at once; 0 disables reassembly"),
	U32("decode.fragments.timeout", decode.frag_timeout_sec, "30", 1, 600, "s",
	    "time an incomplete fragmented datagram is kept before it is dropped"),
	BOOL("decode.gre", decode.decap_gre, "true",
	     "look inside GRE tunnels that carry IP or Ethernet"),
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
	U16("community_id.seed", community_id_seed, "0", 0, 65535, "",
	    "Community ID v1 seed; must match the other tools that compute the IDs"),
	CIDRS("home_networks", home_networks, n_home_networks,
	      "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, "
	      "169.254.0.0/16, fc00::/7, fe80::/10",
	      4096, "address ranges on our side of the sensor (like Suricata's HOME_NET)"),
};

const struct sl_cfg_table sl_cfg_root = { root_keys, ARRAY_SIZE(root_keys) };

const char *sl_cfg_excerpt(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);
	if (n <= 60)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%.57s...", text);
	return buf;
}

/*
 * Decimal digits only: no sign, no 0x, no leading zero (YAML 1.1 would read
 * 010 as octal, and guessing either way surprises someone).  Overflow of the
 * accumulator is reported as "above the maximum" since that is what it is.
 */
static int parse_number(const struct sl_cfg_key *k, const char *text, uint32_t *out,
			char *why, size_t whylen)
{
	char ex[64];
	uint64_t v = 0;
	bool overflow = false;
	size_t n = strspn(text, "0123456789");
	if (n == 0 || text[n] != '\0' || (text[0] == '0' && n > 1)) {
		snprintf(why, whylen, "expected a whole number%s%s%s, got '%s'",
			 *k->unit ? " (" : "", k->unit, *k->unit ? ")" : "",
			 sl_cfg_excerpt(text, ex, sizeof(ex)));
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !overflow; i++) {
		v = v * 10 + (uint64_t)(text[i] - '0');
		overflow = v > UINT32_MAX;
	}
	if (!overflow && v < k->min) {
		snprintf(why, whylen, "%s is below the minimum %u", text, k->min);
		return -EINVAL;
	}
	if (overflow || v > k->max) {
		snprintf(why, whylen, "%s is above the maximum %u",
			 sl_cfg_excerpt(text, ex, sizeof(ex)), k->max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_u16(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		     char *why, size_t whylen)
{
	uint32_t v;
	(void)plain;
	if (parse_number(k, text, &v, why, whylen) < 0)
		return -EINVAL;
	*(uint16_t *)dst = (uint16_t)v; /* table max is <= 65535 */
	return 0;
}

static int parse_u32(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		     char *why, size_t whylen)
{
	(void)plain;
	return parse_number(k, text, dst, why, whylen);
}

static int parse_bool(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		      char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char ex[64];
	(void)k;
	(void)plain;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*(bool *)dst = strcasecmp(text, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(why, whylen, "expected true or false, got '%s'",
		 sl_cfg_excerpt(text, ex, sizeof(ex)));
	return -EINVAL;
}

/*
 * Decode one UTF-8 sequence of s (n bytes left): returns its length and the
 * code point, or 0 when it is not well-formed (overlong, surrogate, above
 * U+10FFFF, cut short).  Strings must be UTF-8 because YAML files are.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min_cp[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters the dump writes as escapes: YAML would refuse them raw (C1
 * controls, non-characters) or fold them as line breaks (NEL, LS, PS). */
static bool needs_escape(uint32_t c)
{
	return c == '\t' || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       c == 0xfeff || c == 0xfffe || c == 0xffff;
}

/*
 * Strings: an unquoted "~" or nothing means empty, stored as NULL.  Control
 * characters (other than tab) are refused: no path or filter needs them and
 * they would hide in messages.  The text must be UTF-8 so the dump is a valid
 * YAML file.
 */
static int parse_string(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
			char *why, size_t whylen)
{
	char **field = dst;
	size_t n = strlen(text), len;
	uint32_t c;
	if (plain && strcmp(text, "~") == 0)
		n = 0;
	if (n < k->min) {
		snprintf(why, whylen, "%s", "must not be empty");
		return -EINVAL;
	}
	if (n > k->max) {
		snprintf(why, whylen, "is %zu bytes long, more than the maximum %u", n, k->max);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i += len) {
		len = utf8_next((const unsigned char *)text + i, n - i, &c);
		if (len == 0) {
			snprintf(why, whylen, "is not valid UTF-8 text (byte %zu)", i + 1);
			return -EINVAL;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "contains a control character (byte %zu)", i + 1);
			return -EINVAL;
		}
	}
	free(*field);
	*field = n ? sl_xstrdup(text) : NULL;
	return 0;
}

/* Zero the host bits of a copy of a, for the "did you mean" of a CIDR typo. */
static struct sl_addr network_of(struct sl_addr a, unsigned prefix)
{
	for (unsigned i = 0; i < sl_addr_len(&a); i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		a.b[i] &= keep ? (uint8_t)(0xff << (8 - keep)) : 0;
	}
	return a;
}

/*
 * sl_cidr_parse() says only yes or no; an analyst needs to know which part is
 * wrong, so on failure take the text apart again and name the part.
 */
static void explain_cidr(const char *text, char *why, size_t whylen)
{
	char addr[64], ex[64], net[SL_ADDR_STRLEN];
	struct sl_addr a;
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	sl_cfg_excerpt(text, ex, sizeof(ex));
	if (alen < sizeof(addr)) {
		memcpy(addr, text, alen);
		addr[alen] = '\0';
	}
	if (alen >= sizeof(addr) || sl_addr_parse(addr, &a) < 0 || !slash) {
		snprintf(why, whylen, "'%s' is not an IP address or CIDR prefix", ex);
		return;
	}
	unsigned max = sl_addr_len(&a) * 8;
	char *end;
	unsigned long prefix = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || prefix > max) {
		snprintf(why, whylen, "'%s' has a bad prefix length (expected 0 to %u)", ex, max);
		return;
	}
	struct sl_addr n = network_of(a, (unsigned)prefix);
	snprintf(why, whylen,
		 "'%s' is not a CIDR prefix (host bits set; the network is %s/%lu)", ex,
		 sl_addr_format(&n, net, sizeof(net)), prefix);
}

static int parse_cidr(const struct sl_cfg_key *k, const char *text, bool plain, void *dst,
		      char *why, size_t whylen)
{
	(void)k;
	(void)plain;
	if (sl_cidr_parse(text, dst) == 0)
		return 0;
	explain_cidr(text, why, whylen);
	return -EINVAL;
}

static void format_u16(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fprintf(out, "%u", (unsigned)*(const uint16_t *)src);
}

static void format_u32(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fprintf(out, "%u", (unsigned)*(const uint32_t *)src);
}

static void format_bool(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	(void)k;
	fputs(*(const bool *)src ? "true" : "false", out);
}

/* Double-quoted YAML.  parse_string() admitted only well-formed UTF-8
 * without C0 controls, so besides '"' and '\\' only needs_escape() code
 * points are written as escapes; everything else goes out as is. */
static void format_string(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	const char *s = *(char *const *)src;
	size_t n = s ? strlen(s) : 0, len;
	uint32_t c;
	(void)k;
	fputc('"', out);
	for (size_t i = 0; i < n; i += len) {
		len = utf8_next((const unsigned char *)s + i, n - i, &c);
		if (len == 0)
			break; /* not reachable: parse_string() checked */
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (char)c);
		else if (needs_escape(c))
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			fwrite(s + i, 1, len, out);
	}
	fputc('"', out);
}

static void format_cidr(const struct sl_cfg_key *k, const void *src, FILE *out)
{
	const struct sl_cidr *c = src;
	char buf[SL_ADDR_STRLEN];
	(void)k;
	fprintf(out, "%s/%u", sl_addr_format(&c->addr, buf, sizeof(buf)), c->prefix);
}

static void release_string(void *field)
{
	char **s = field;
	free(*s);
	*s = NULL;
}

const struct sl_cfg_type_ops sl_cfg_types[SL_CFG__NTYPES] = {
	[SL_CFG_U16] = { "whole number", 0, parse_u16, format_u16, NULL },
	[SL_CFG_U32] = { "whole number", 0, parse_u32, format_u32, NULL },
	[SL_CFG_BOOL] = { "true or false", 0, parse_bool, format_bool, NULL },
	[SL_CFG_STRING] = { "text", 0, parse_string, format_string, release_string },
	[SL_CFG_CIDR_LIST] = { "list of CIDR prefixes", sizeof(struct sl_cidr), parse_cidr,
			       format_cidr, NULL },
};
