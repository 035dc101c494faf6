/* Unit tests for sensor/config: defaults, a full file, every error class with
 * its exact FILE:LINE:COL, --set for every type, dump round trip, is_home. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/config.h"
#include "testhelp.h"

static char err[512];

/* Load text into a fresh default config named "t.yaml"; returns the rc. */
static int load(struct sl_config *c, const char *yaml)
{
	CHECK_EQ_INT(sl_config_init_defaults(c), 0);
	err[0] = '\0';
	return sl_config_load_string(c, yaml, strlen(yaml), "t.yaml", err, sizeof(err));
}

/* The load must fail with exactly this message. */
static void load_fails(const char *yaml, const char *msg)
{
	struct sl_config c;
	CHECK_EQ_INT(load(&c, yaml), -EINVAL);
	CHECK_EQ_STR(err, msg);
	sl_config_finish(&c);
}

/* The load must fail with a message starting with this prefix. */
static void load_fails_prefix(const char *yaml, const char *prefix)
{
	struct sl_config c;
	CHECK_EQ_INT(load(&c, yaml), -EINVAL);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		CHECK_EQ_STR(err, prefix);
	else
		CHECK(1);
	sl_config_finish(&c);
}

static struct sl_cidr cidr(const char *text)
{
	struct sl_cidr c;
	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(sl_cidr_parse(text, &c), 0);
	return c;
}

static bool cidr_eq(const struct sl_cidr *a, const struct sl_cidr *b)
{
	return a->prefix == b->prefix && sl_addr_cmp(&a->addr, &b->addr) == 0;
}

static void check_home(const struct sl_config *c, const char *const *want, size_t n)
{
	CHECK_EQ_INT(c->n_home_networks, n);
	for (size_t i = 0; i < n && i < c->n_home_networks; i++) {
		struct sl_cidr w = cidr(want[i]);
		CHECK(cidr_eq(&c->home_networks[i], &w));
	}
}

static void test_defaults(void)
{
	static const char *const home[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
					    "100.64.0.0/10", "169.254.0.0/16", "fc00::/7",
					    "fe80::/10" };
	struct sl_config c;
	TEST("defaults");
	CHECK_EQ_INT(sl_config_init_defaults(&c), 0);
	CHECK_EQ_INT(c.flow.max_flows, 262144);
	CHECK_EQ_INT(c.flow.timeout_tcp_new, 60);
	CHECK_EQ_INT(c.flow.timeout_tcp_established, 600);
	CHECK_EQ_INT(c.flow.timeout_tcp_closed, 10);
	CHECK_EQ_INT(c.flow.timeout_udp, 120);
	CHECK_EQ_INT(c.flow.timeout_icmp, 30);
	CHECK_EQ_INT(c.flow.timeout_other, 120);
	CHECK_EQ_INT(c.flow.expire_batch, 8);
	CHECK_EQ_INT(c.decode.frag_max_datagrams, 1024);
	CHECK_EQ_INT(c.decode.frag_memory_mb, 8);
	CHECK_EQ_INT(c.decode.frag_timeout_sec, 30);
	CHECK(c.decode.decap_gre);
	CHECK(c.decode.decap_vxlan);
	CHECK_EQ_INT(c.decode.vxlan_port, 4789);
	CHECK_EQ_INT(c.capture.snaplen, 262144);
	CHECK_EQ_INT(c.capture.buffer_mb, 64);
	CHECK(c.capture.promisc);
	CHECK(!c.capture.immediate);
	CHECK(c.capture.bpf == NULL);
	CHECK_EQ_STR(c.output.eve_path, "eve.json");
	CHECK(c.output.progress);
	CHECK(c.output.summary);
	CHECK_EQ_INT(c.output.top_talkers, 5);
	CHECK_EQ_INT(c.community_id_seed, 0);
	check_home(&c, home, ARRAY_SIZE(home));
	sl_config_finish(&c);
	CHECK(c.home_networks == NULL && c.output.eve_path == NULL && c.flow.max_flows == 0);
	sl_config_finish(&c); /* a zeroed config */
	sl_config_finish(NULL);
}

static const char full_yaml[] =
	"# every key, none at its default\n"
	"flow:\n"
	"  max_flows: 1024\n"
	"  timeouts:\n"
	"    tcp_new: 1\n"
	"    tcp_established: 86400\n"
	"    tcp_closed: 2\n"
	"    udp: 3\n"
	"    icmp: 4\n"
	"    other: 5\n"
	"  expire_batch: 1024\n"
	"decode:\n"
	"  fragments: {max_datagrams: 0, timeout: 600}\n"
	"  gre: no\n"
	"  vxlan: OFF\n"
	"  vxlan_port: 65535\n"
	"capture:\n"
	"  snaplen: 64\n"
	"  buffer_mb: 4096\n"
	"  promisc: False\n"
	"  immediate: yes\n"
	"  bpf: 'tcp port 443 and not host 10.1.2.3'\n"
	"output:\n"
	"  eve: \"-\"\n"
	"  progress: off\n"
	"  summary: false\n"
	"  top_talkers: 0\n"
	"community_id:\n"
	"  seed: 65535\n"
	"home_networks:\n"
	"  - 192.0.2.0/24\n"
	"  - 2001:db8::/32\n"
	"  - 198.51.100.7\n";

static void test_full_file(void)
{
	static const char *const home[] = { "192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32" };
	struct sl_config c;
	TEST("full file");
	CHECK_EQ_INT(load(&c, full_yaml), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(c.flow.max_flows, 1024);
	CHECK_EQ_INT(c.flow.timeout_tcp_new, 1);
	CHECK_EQ_INT(c.flow.timeout_tcp_established, 86400);
	CHECK_EQ_INT(c.flow.timeout_tcp_closed, 2);
	CHECK_EQ_INT(c.flow.timeout_udp, 3);
	CHECK_EQ_INT(c.flow.timeout_icmp, 4);
	CHECK_EQ_INT(c.flow.timeout_other, 5);
	CHECK_EQ_INT(c.flow.expire_batch, 1024);
	CHECK_EQ_INT(c.decode.frag_max_datagrams, 0);
	CHECK_EQ_INT(c.decode.frag_timeout_sec, 600);
	CHECK(!c.decode.decap_gre);
	CHECK(!c.decode.decap_vxlan);
	CHECK_EQ_INT(c.decode.vxlan_port, 65535);
	CHECK_EQ_INT(c.capture.snaplen, 64);
	CHECK_EQ_INT(c.capture.buffer_mb, 4096);
	CHECK(!c.capture.promisc);
	CHECK(c.capture.immediate);
	CHECK_EQ_STR(c.capture.bpf, "tcp port 443 and not host 10.1.2.3");
	CHECK_EQ_STR(c.output.eve_path, "-");
	CHECK(!c.output.progress);
	CHECK(!c.output.summary);
	CHECK_EQ_INT(c.output.top_talkers, 0);
	CHECK_EQ_INT(c.community_id_seed, 65535);
	check_home(&c, home, ARRAY_SIZE(home));
	sl_config_finish(&c);
}

/* Partial files keep the other defaults; empty values and sections. */
static void test_partial_and_empty(void)
{
	struct sl_config c;
	TEST("partial file, empty values");
	CHECK_EQ_INT(load(&c, "capture:\n  bpf: udp\n"), 0);
	CHECK_EQ_STR(c.capture.bpf, "udp");
	const char *blank = "capture:\n  bpf: ~\n";
	CHECK_EQ_INT(sl_config_load_string(&c, blank, strlen(blank), "t.yaml", err, sizeof(err)), 0);
	CHECK(c.capture.bpf == NULL);
	CHECK_EQ_INT(c.flow.max_flows, 262144);
	sl_config_finish(&c);

	CHECK_EQ_INT(load(&c, "capture:\n  bpf: '~'\nflow:\n# all commented out\nhome_networks: []\n"),
		     0);
	CHECK_EQ_STR(c.capture.bpf, "~"); /* quoted: taken literally */
	CHECK_EQ_INT(c.n_home_networks, 0);
	CHECK(!c.home_networks);
	sl_config_finish(&c);

	CHECK_EQ_INT(load(&c, ""), 0);
	CHECK_EQ_INT(c.flow.max_flows, 262144);
	sl_config_finish(&c);
	CHECK_EQ_INT(load(&c, "# only a comment\n"), 0);
	sl_config_finish(&c);
}

static void test_value_errors(void)
{
	TEST("value errors");
	load_fails("flow:\n  max_flows: 12\n", "t.yaml:2:14: flow.max_flows: 12 is below the minimum 1024");
	load_fails("flow:\n  max_flows: 67108865\n",
		   "t.yaml:2:14: flow.max_flows: 67108865 is above the maximum 67108864");
	load_fails("flow:\n  max_flows: 99999999999999999999999\n",
		   "t.yaml:2:14: flow.max_flows: 99999999999999999999999 is above the maximum 67108864");
	load_fails("flow:\n  max_flows: 4294967296\n",
		   "t.yaml:2:14: flow.max_flows: 4294967296 is above the maximum 67108864");
	load_fails("flow:\n  max_flows: -5\n",
		   "t.yaml:2:14: flow.max_flows: expected a whole number (flows), got '-5'");
	load_fails("flow:\n  max_flows: +5000\n",
		   "t.yaml:2:14: flow.max_flows: expected a whole number (flows), got '+5000'");
	load_fails("flow:\n  max_flows: 0x10000\n",
		   "t.yaml:2:14: flow.max_flows: expected a whole number (flows), got '0x10000'");
	load_fails("flow:\n  max_flows: 02000\n",
		   "t.yaml:2:14: flow.max_flows: expected a whole number (flows), got '02000'");
	load_fails("flow:\n  max_flows:\n",
		   "t.yaml:2:13: flow.max_flows: expected a whole number (flows), got ''");
	load_fails("flow:\n  timeouts:\n    udp: 60s\n",
		   "t.yaml:3:10: flow.timeouts.udp: expected a whole number (s), got '60s'");
	load_fails("flow:\n  timeouts:\n    udp: 0\n",
		   "t.yaml:3:10: flow.timeouts.udp: 0 is below the minimum 1");
	load_fails("decode:\n  vxlan_port: 65536\n",
		   "t.yaml:2:15: decode.vxlan_port: 65536 is above the maximum 65535");
	load_fails("community_id: {seed: 70000}\n",
		   "t.yaml:1:22: community_id.seed: 70000 is above the maximum 65535");
	load_fails("capture:\n  promisc: maybe\n",
		   "t.yaml:2:12: capture.promisc: expected true or false, got 'maybe'");
	load_fails("capture:\n  promisc: 1\n",
		   "t.yaml:2:12: capture.promisc: expected true or false, got '1'");
	load_fails("home_networks:\n  - 10.0.0.0/8\n  - 10.0.0.1/8\n",
		   "t.yaml:3:5: home_networks: '10.0.0.1/8' is not a CIDR prefix "
		   "(host bits set; the network is 10.0.0.0/8)");
	load_fails("home_networks: [fd00::/8, 'fd00::1/64']\n",
		   "t.yaml:1:27: home_networks: 'fd00::1/64' is not a CIDR prefix "
		   "(host bits set; the network is fd00::/64)");
	load_fails("home_networks: [10.0.0.0/33]\n",
		   "t.yaml:1:17: home_networks: '10.0.0.0/33' has a bad prefix length (expected 0 to 32)");
	load_fails("home_networks: [corp-lan]\n",
		   "t.yaml:1:17: home_networks: 'corp-lan' is not an IP address or CIDR prefix");
	load_fails("flow:\n  max_flows: \"12\\0\"\n",
		   "t.yaml:2:14: flow.max_flows: the value contains a NUL character");
	load_fails("capture:\n  bpf: \"tcp\\nudp\"\n",
		   "t.yaml:2:8: capture.bpf: contains a control character (byte 4)");
	load_fails("output:\n  eve:\n", "t.yaml:2:7: output.eve: must not be empty");
	load_fails("output:\n  eve: ''\n", "t.yaml:2:8: output.eve: must not be empty");
}

static void test_key_errors(void)
{
	TEST("key errors");
	load_fails("flow:\n  max_flow: 5\n",
		   "t.yaml:2:3: unknown key 'flow.max_flow' (did you mean 'flow.max_flows'?)");
	load_fails("\n\nflow:\n  timeouts:\n    tcp_establshed: 5\n",
		   "t.yaml:5:5: unknown key 'flow.timeouts.tcp_establshed' "
		   "(did you mean 'flow.timeouts.tcp_established'?)");
	load_fails("flow:\n  timeout:\n    udp: 5\n",
		   "t.yaml:2:3: unknown key 'flow.timeout' (did you mean 'flow.timeouts'?)");
	load_fails("max_flows: 5000\n",
		   "t.yaml:1:1: unknown key 'max_flows' (did you mean 'flow.max_flows'?)");
	load_fails("decode:\n  tcp_new: 5\n",
		   "t.yaml:2:3: unknown key 'decode.tcp_new' (did you mean 'flow.timeouts.tcp_new'?)");
	load_fails("zebra: 1\n", "t.yaml:1:1: unknown key 'zebra'");
	load_fails("flow.max_flows: 5000\n",
		   "t.yaml:1:1: key 'flow.max_flows' has a dot: in the file write each part as a "
		   "nested map (dotted names are for --set)");
	load_fails("flow:\n  max_flows: 2000\n  max_flows: 3000\n",
		   "t.yaml:3:3: key 'flow.max_flows' is given twice (first at line 2)");
	load_fails("flow:\n  max_flows: 2000\ndecode: {}\nflow:\n  expire_batch: 2\n",
		   "t.yaml:4:1: key 'flow' is given twice (first at line 1)");
	load_fails("? [a, b]\n: 1\n", "t.yaml:1:3: a key must be a plain name, not a list or map");
}

static void test_shape_errors(void)
{
	TEST("shape errors");
	load_fails("flow: 5\n", "t.yaml:1:7: flow: expected a map of keys under 'flow', got '5'");
	load_fails("flow:\n  timeouts: [1, 2]\n",
		   "t.yaml:2:13: flow.timeouts: expected a map of keys under 'flow.timeouts', got a list");
	load_fails("flow:\n  max_flows:\n    a: 1\n",
		   "t.yaml:3:5: flow.max_flows: expected a single value (whole number), got a map");
	load_fails("capture:\n  promisc: [yes]\n",
		   "t.yaml:2:12: capture.promisc: expected a single value (true or false), got a list");
	load_fails("home_networks: 10.0.0.0/8\n",
		   "t.yaml:1:16: home_networks: expected a list (e.g. [a, b], or [] for none), "
		   "got '10.0.0.0/8'");
	load_fails("home_networks:\n  - [10.0.0.0/8]\n",
		   "t.yaml:2:5: home_networks: each entry must be a single value, got a list");
	load_fails("- flow\n", "t.yaml:1:1: the top level must be a map of keys such as 'flow:', got a list");
	load_fails("sightline\n",
		   "t.yaml:1:1: the top level must be a map of keys such as 'flow:', got 'sightline'");
	load_fails("flow: {}\n---\nflow: {}\n",
		   "t.yaml:3:1: only one YAML document is allowed; a second one starts here");
	/* An alias loop is followed only along real sections, so it ends. */
	load_fails("flow: &a\n  timeouts: *a\n",
		   "t.yaml:2:3: unknown key 'flow.timeouts.timeouts' (did you mean 'flow.timeouts'?)");
}

/* A relp output takes the syslog identity keys and a host:port address. */
static void test_relp_output(void)
{
	TEST("relp output");
	struct sl_config c;
	CHECK_EQ_INT(load(&c, "outputs:\n  - type: relp\n    address: \"[::1]:2514\"\n"
			      "    facility: local3\n    app_name: s1\n    queue: 7\n"), 0);
	CHECK_EQ_INT(c.n_outputs, 1);
	if (c.n_outputs == 1) {
		CHECK_EQ_INT(c.outputs[0].type, SL_OUT_RELP);
		CHECK_EQ_STR(c.outputs[0].address, "[::1]:2514");
		CHECK_EQ_INT(c.outputs[0].facility, 19);
		CHECK_EQ_STR(c.outputs[0].app_name, "s1");
		CHECK_EQ_INT(c.outputs[0].queue, 7);
	}
	sl_config_finish(&c);
	load_fails("outputs:\n  - type: relp\n",
		   "t.yaml:2:5: outputs[0]: an output of type relp needs 'address'");
	load_fails("outputs:\n  - type: relp\n    address: h:2514\n    path: /x\n",
		   "t.yaml:2:5: outputs[0]: 'path' does not apply to an output of type relp");
	load_fails("outputs:\n  - type: relp\n    address: nohost\n",
		   "t.yaml:2:5: outputs[0]: relp address 'nohost' is not host:port (e.g. "
		   "siem.example.com:2514 or [2001:db8::1]:2514)");
}

static void test_syntax_errors(void)
{
	TEST("syntax errors");
	load_fails("flow:\n  max_flows: 1\n bad: [\n",
		   "t.yaml:3:2: YAML syntax error: did not find expected key "
		   "(while parsing a block mapping at line 1 column 1)");
	load_fails("flow:\n  max_flows: [1, 2\n",
		   "t.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
		   "(while parsing a flow sequence at line 2 column 14)");
	load_fails_prefix("flow:\n\tmax_flows: 5000\n", "t.yaml:2:1: YAML syntax error: ");
	CHECK(strstr(err, "use spaces") != NULL);
	/* Reader errors carry a byte offset: placed by counting lines. */
	load_fails("flow:\n  max_flows: 5000\n  \xff: 1\n",
		   "t.yaml:3:3: YAML syntax error: invalid leading UTF-8 octet");
	load_fails("a: *nothing\n", "t.yaml:1:4: YAML syntax error: found undefined alias");
}

/* Text of prefix, then n copies of open and n of close. */
static char *nested(const char *prefix, const char *open, const char *close, size_t n)
{
	size_t lp = strlen(prefix), lo = strlen(open), lc = strlen(close);
	char *s = malloc(lp + n * (lo + lc) + 2);
	char *w = s;
	memcpy(w, prefix, lp);
	w += lp;
	for (size_t i = 0; i < n; i++, w += lo)
		memcpy(w, open, lo);
	for (size_t i = 0; i < n; i++, w += lc)
		memcpy(w, close, lc);
	strcpy(w, "\n");
	return s;
}

/* Nesting, documents and anchors are bounded before anything is built: an
 * 80,000-level file (16 s of libyaml scanning before) stops at level 33,
 * at the place it passes the bound. */
static void test_bounds(void)
{
	TEST("bounds: nesting depth, documents and anchors");
	char *deep = nested("flow: ", "[", "]", 80000);
	load_fails(deep, "t.yaml:1:38: maps and lists nested more than 32 levels deep; a "
		   "configuration needs only a few: is this the right file?");
	free(deep);
	deep = nested("flow: ", "{a: ", "}", 80000);
	load_fails_prefix(deep, "t.yaml:1:131: maps and lists nested more than 32 levels deep");
	free(deep);
	deep = nested("flow: ", "[", "]", 31); /* 32 levels with the top map: allowed */
	load_fails(deep, "t.yaml:1:7: flow: expected a map of keys under 'flow', got a list");
	free(deep);
	char many[8192] = "home_networks: [";
	for (int i = 0; i < 257; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "&a%d 10.0.0.0/8, ", i);
	strcat(many, "]\n");
	load_fails_prefix(many, "t.yaml:1:");
	CHECK(strstr(err, "more than 256 anchors (&name) in one configuration") != NULL);
	load_fails("flow: &a {}\ndecode: &a {}\n",
		   "t.yaml:2:9: YAML syntax error: found duplicate anchor '&a' (first on line 1)");
	load_fails("flow: {}\n---\n---\n",
		   "t.yaml:3:1: only one YAML document is allowed; a second one starts here");
}

static void test_file(void)
{
	struct sl_config c;
	char path[] = "/tmp/sl_test_config_XXXXXX";
	TEST("load_file");
	sl_config_init_defaults(&c);
	CHECK_EQ_INT(sl_config_load_file(&c, "/nonexistent/sightline.yaml", err, sizeof(err)),
		     -ENOENT);
	CHECK_EQ_STR(err, "/nonexistent/sightline.yaml: No such file or directory");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("flow:\n  max_flow: 5\n", f);
	fclose(f);
	CHECK_EQ_INT(sl_config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:2:3: unknown key 'flow.max_flow' "
		 "(did you mean 'flow.max_flows'?)", path);
	CHECK_EQ_STR(err, want);
	f = fopen(path, "w");
	fputs(full_yaml, f);
	fclose(f);
	CHECK_EQ_INT(sl_config_load_file(&c, path, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.flow.max_flows, 1024);
	remove(path);
	sl_config_finish(&c);
}

/* Apply one --set; returns the rc and leaves the message in err. */
static int set(struct sl_config *c, const char *a)
{
	err[0] = '\0';
	return sl_config_set(c, a, err, sizeof(err));
}

static void set_fails(struct sl_config *c, const char *a, const char *msg)
{
	CHECK_EQ_INT(set(c, a), -EINVAL);
	CHECK_EQ_STR(err, msg);
}

static void test_set(void)
{
	static const char *const home[] = { "10.0.0.0/8", "fd00::/8" };
	struct sl_config c;
	TEST("--set");
	sl_config_init_defaults(&c);
	CHECK_EQ_INT(set(&c, "flow.max_flows=1000000"), 0);
	CHECK_EQ_INT(c.flow.max_flows, 1000000);
	CHECK_EQ_INT(set(&c, "decode.vxlan_port=8472"), 0);
	CHECK_EQ_INT(c.decode.vxlan_port, 8472);
	CHECK_EQ_INT(set(&c, "capture.promisc=No"), 0);
	CHECK(!c.capture.promisc);
	CHECK_EQ_INT(set(&c, "capture.bpf=tcp port 22 or (udp and port 53)"), 0);
	CHECK_EQ_STR(c.capture.bpf, "tcp port 22 or (udp and port 53)");
	CHECK_EQ_INT(set(&c, "capture.bpf=a=b"), 0); /* split at the first '=' */
	CHECK_EQ_STR(c.capture.bpf, "a=b");
	CHECK_EQ_INT(set(&c, "capture.bpf="), 0);
	CHECK(c.capture.bpf == NULL);
	set_fails(&c, "output.eve=~", "--set output.eve: must not be empty");
	CHECK_EQ_STR(c.output.eve_path, "eve.json");
	CHECK_EQ_INT(set(&c, "home_networks=10.0.0.0/8, fd00::/8"), 0);
	check_home(&c, home, ARRAY_SIZE(home));
	CHECK_EQ_INT(set(&c, "home_networks="), 0);
	CHECK_EQ_INT(c.n_home_networks, 0);

	set_fails(&c, "flow.max_flows=12", "--set flow.max_flows: 12 is below the minimum 1024");
	set_fails(&c, "flow.max_flows=", "--set flow.max_flows: expected a whole number (flows), got ''");
	set_fails(&c, "flow.max_flows= 5000",
		  "--set flow.max_flows: expected a whole number (flows), got ' 5000'");
	set_fails(&c, "decode.vxlan_port=0", "--set decode.vxlan_port: 0 is below the minimum 1");
	set_fails(&c, "capture.promisc=maybe",
		  "--set capture.promisc: expected true or false, got 'maybe'");
	set_fails(&c, "home_networks=10.0.0.0/8,10.0.0.1/8",
		  "--set home_networks: '10.0.0.1/8' is not a CIDR prefix "
		  "(host bits set; the network is 10.0.0.0/8)");
	set_fails(&c, "home_networks=10.0.0.0/8,,fd00::/8",
		  "--set home_networks: has an empty entry (two commas in a row?)");
	set_fails(&c, "flow.max_flow=5000", "--set flow.max_flow: unknown key (did you mean 'flow.max_flows'?)");
	set_fails(&c, "nothing=1", "--set nothing: unknown key");
	set_fails(&c, "flow.max_flows", "--set 'flow.max_flows': expected key=value, e.g. flow.max_flows=100000");
	set_fails(&c, "=5", "--set '=5': expected key=value, e.g. flow.max_flows=100000");
	set_fails(&c, "flow.timeouts=5",
		  "--set flow.timeouts: 'flow.timeouts' is a section, not a key; name a key inside it, "
		  "e.g. 'flow.timeouts.tcp_new'");
	set_fails(&c, "capture.bpf=tcp\tport\x01", "--set capture.bpf: contains a control character (byte 9)");
	set_fails(&c, "output.eve=ab\xf7", "--set output.eve: is not valid UTF-8 text (byte 3)");
	set_fails(&c, "output.eve=\xc0\xaf", "--set output.eve: is not valid UTF-8 text (byte 1)");
	set_fails(&c, "output.eve=\xed\xa0\x80", "--set output.eve: is not valid UTF-8 text (byte 1)");
	/* failed --set left the earlier values alone */
	CHECK_EQ_INT(c.flow.max_flows, 1000000);
	CHECK_EQ_INT(c.n_home_networks, 0);
	CHECK(c.capture.promisc == false);
	sl_config_finish(&c);
}

static bool same_config(const struct sl_config *a, const struct sl_config *b)
{
	if (memcmp(&a->flow, &b->flow, sizeof(a->flow)) != 0)
		return false;
	if (a->decode.frag_max_datagrams != b->decode.frag_max_datagrams ||
	    a->decode.frag_timeout_sec != b->decode.frag_timeout_sec ||
	    a->decode.decap_gre != b->decode.decap_gre ||
	    a->decode.decap_vxlan != b->decode.decap_vxlan ||
	    a->decode.vxlan_port != b->decode.vxlan_port)
		return false;
	if (a->capture.snaplen != b->capture.snaplen || a->capture.buffer_mb != b->capture.buffer_mb ||
	    a->capture.promisc != b->capture.promisc || a->capture.immediate != b->capture.immediate)
		return false;
	if (!a->capture.bpf != !b->capture.bpf || (a->capture.bpf && strcmp(a->capture.bpf, b->capture.bpf)))
		return false;
	if (!a->output.eve_path != !b->output.eve_path ||
	    (a->output.eve_path && strcmp(a->output.eve_path, b->output.eve_path)))
		return false;
	if (a->output.progress != b->output.progress || a->output.summary != b->output.summary ||
	    a->output.top_talkers != b->output.top_talkers || a->community_id_seed != b->community_id_seed)
		return false;
	if (a->n_home_networks != b->n_home_networks)
		return false;
	for (size_t i = 0; i < a->n_home_networks; i++)
		if (!cidr_eq(&a->home_networks[i], &b->home_networks[i]))
			return false;
	return true;
}

/* Dump a, load the dump over fresh defaults, compare; also the dump of the
 * reloaded config must be the same text. */
static void round_trip(const struct sl_config *a)
{
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	struct sl_config b;
	FILE *f = open_memstream(&text, &len);
	sl_config_dump(a, f);
	fclose(f);
	CHECK_EQ_INT(load(&b, text), 0);
	CHECK_EQ_STR(err, "");
	CHECK(same_config(a, &b));
	f = open_memstream(&again, &len2);
	sl_config_dump(&b, f);
	fclose(f);
	CHECK_EQ_STR(again, text);
	sl_config_finish(&b);
	free(text);
	free(again);
}

static void test_round_trip(void)
{
	struct sl_config c, d;
	TEST("dump round trip");
	sl_config_init_defaults(&c);
	round_trip(&c);
	sl_config_finish(&c);

	CHECK_EQ_INT(load(&c, full_yaml), 0);
	round_trip(&c);
	/* Quotes, backslashes, YAML-special text and an empty list. */
	CHECK_EQ_INT(set(&c, "capture.bpf=host \"a\\b\" # not a comment: [x]"), 0);
	CHECK_EQ_INT(set(&c, "output.eve=~"), -EINVAL);
	CHECK_EQ_INT(set(&c, "output.eve=~~"), 0);
	CHECK_EQ_INT(set(&c, "home_networks="), 0);
	round_trip(&c);
	CHECK_EQ_INT(set(&c, "output.eve=yes"), 0);
	CHECK_EQ_INT(set(&c, "capture.bpf=~/x"), 0);
	round_trip(&c);
	/* Non-ASCII: kept raw, except what YAML would fold or refuse. */
	CHECK_EQ_INT(set(&c, "output.eve=caf\xc3\xa9\t\xc2\x85\xe2\x80\xa8 \xf0\x9f\x93\x84 "), 0);
	round_trip(&c);
	CHECK_EQ_STR(c.output.eve_path, "caf\xc3\xa9\t\xc2\x85\xe2\x80\xa8 \xf0\x9f\x93\x84 ");
	sl_config_finish(&c);

	/* A dumped value differs from the default -> reload is not a no-op. */
	sl_config_init_defaults(&c);
	sl_config_init_defaults(&d);
	CHECK(same_config(&c, &d));
	CHECK_EQ_INT(set(&d, "flow.timeouts.icmp=31"), 0);
	CHECK(!same_config(&c, &d));
	sl_config_finish(&c);
	sl_config_finish(&d);
}

static void test_dump_text(void)
{
	struct sl_config c;
	char *text = NULL;
	size_t len = 0;
	TEST("dump text");
	sl_config_init_defaults(&c);
	FILE *f = open_memstream(&text, &len);
	sl_config_dump(&c, f);
	fclose(f);
	CHECK(strstr(text, "flow:\n  # hard cap of concurrent flows; when full, flows without a "
			   "handshake or of one packet are evicted first, then closed ones, then the "
			   "least recently seen session (flows, 1024..67108864, default 262144)\n"
			   "  max_flows: 262144\n"));
	CHECK(strstr(text, "  timeouts:\n    # ") != NULL);
	CHECK(strstr(text, "    udp: 120\n") != NULL);
	CHECK(strstr(text, "  bpf: \"\"\n") != NULL);
	CHECK(strstr(text, "  eve: \"eve.json\"\n") != NULL);
	CHECK(strstr(text, "home_networks:\n  - 10.0.0.0/8\n") != NULL);
	CHECK(strstr(text, "  - fe80::/10\n") != NULL);
	sl_config_finish(&c);
	free(text);
}

static void test_is_home(void)
{
	struct sl_config c;
	struct sl_addr a;
	TEST("is_home");
	sl_config_init_defaults(&c);
	static const char *const in[] = { "10.1.2.3", "172.31.255.255", "192.168.0.1", "100.64.0.1",
					  "169.254.1.1", "fd12::1", "fe80::1" };
	static const char *const out[] = { "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1",
					   "fec0::1", "::ffff:10.0.0.1" };
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		CHECK_EQ_INT(sl_addr_parse(in[i], &a), 0);
		CHECK(sl_config_is_home(&c, &a));
	}
	for (size_t i = 0; i < ARRAY_SIZE(out); i++) {
		CHECK_EQ_INT(sl_addr_parse(out[i], &a), 0);
		CHECK(!sl_config_is_home(&c, &a));
	}
	CHECK_EQ_INT(set(&c, "home_networks=2001:db8:1::/48,203.0.113.0/24"), 0);
	sl_addr_parse("2001:db8:1:ffff::1", &a);
	CHECK(sl_config_is_home(&c, &a));
	sl_addr_parse("2001:db8:2::1", &a);
	CHECK(!sl_config_is_home(&c, &a));
	sl_addr_parse("203.0.113.200", &a);
	CHECK(sl_config_is_home(&c, &a));
	sl_addr_parse("10.0.0.1", &a);
	CHECK(!sl_config_is_home(&c, &a));
	sl_config_finish(&c);
}

/* A reload names the keys it does not apply: sl_config_changed() over two
 * fingerprints, with the reloaded keys left out by section. */
static void test_changed(void)
{
	struct sl_config c, d;
	char keys[256];
	TEST("changed keys between two configurations");
	sl_config_init_defaults(&c);
	sl_config_init_defaults(&d);
	char *a = sl_config_fingerprint(&c), *b = sl_config_fingerprint(&d);
	CHECK(a && b);
	CHECK_EQ_INT((int)sl_config_changed(a, b, NULL, keys, sizeof(keys)), 0);
	CHECK_EQ_STR(keys, "");
	free(b);
	CHECK_EQ_INT(set(&d, "flow.timeouts.icmp=31"), 0);
	CHECK_EQ_INT(set(&d, "stats.interval=7"), 0);
	CHECK_EQ_INT(set(&d, "rules.path=/elsewhere"), 0);
	CHECK_EQ_INT(set(&d, "home_networks=10.9.0.0/16"), 0);
	b = sl_config_fingerprint(&d);
	const char *const keep[] = { "rules", "flow.timeouts.icm", NULL };
	CHECK_EQ_INT((int)sl_config_changed(a, b, keep, keys, sizeof(keys)), 3);
	CHECK_EQ_STR(keys, "flow.timeouts.icmp, stats.interval, home_networks");
	CHECK_EQ_INT((int)sl_config_changed(a, b, NULL, keys, sizeof(keys)), 4);
	CHECK_EQ_INT((int)sl_config_changed(a, b, keep, keys, 24), 3); /* cut, still counted */
	CHECK_EQ_STR(keys, "flow.timeouts.icmp...");
	free(a);
	free(b);
	sl_config_finish(&c);
	sl_config_finish(&d);
}

int main(void)
{
	test_defaults();
	test_full_file();
	test_partial_and_empty();
	test_value_errors();
	test_key_errors();
	test_shape_errors();
	test_relp_output();
	test_syntax_errors();
	test_bounds();
	test_file();
	test_set();
	test_round_trip();
	test_dump_text();
	test_is_home();
	test_changed();
	return TEST_REPORT();
}
