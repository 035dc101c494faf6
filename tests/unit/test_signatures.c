/* Product signatures (sensor/identify/sig_*.c): the loader's checks with
 * their FILE:LINE:COL, the index's matching rules for each kind of fact,
 * the embedded examples, and the bundled set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/signatures.h"
#include "testhelp.h"

static char dir[] = "/tmp/sl-sigs-XXXXXX";

/* Write text to dir/name; returns the path (static buffer per call site's use). */
static const char *put(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

static int load_text(const char *text, struct sl_sigs **s, struct sl_rule_error *e)
{
	const char *p = put("t.yml", text);
	return sl_sigs_load(&p, 1, NULL, NULL, s, e);
}

static const char *app(const struct sl_sig_product *p)
{
	return p ? p->app : "(none)";
}

static const char good[] =
	"family: vpn\n"
	"signatures:\n"
	"  - product: brand\n"
	"    reference: https://brand.example/docs\n"
	"    hosts: [\"*.brand.example\", brand.example, \"gw-*.edge.example\"]\n"
	"    certificates: [{o: Brand Ltd}, {ou: Gateways, o: Other Corp, in: subject}]\n"
	"    alpn: [\"brand/*\", brandproto]\n"
	"    ja4: [t13d1516h2_8daaf6152771_02713d6af862]\n"
	"    user_agents: [\"BrandClient/*\"]\n"
	"    ports: [udp/51999]\n"
	"    address_lists: [brandlist]\n"
	"  - product: deeper\n"
	"    category: proxy\n"
	"    reference: https://deeper.example/\n"
	"    hosts: [\"*.relay.brand.example\"]\n";

static void test_matching(void)
{
	struct sl_sigs *s = NULL;
	struct sl_rule_error e;
	CHECK_EQ_INT(load_text(good, &s, &e), 0);
	if (!s)
		return;
	CHECK_EQ_INT((int)sl_sigs_count(s), 2);
	CHECK_EQ_STR(app(sl_sigs_host(s, "brand.example")), "brand");
	CHECK_EQ_STR(app(sl_sigs_host(s, "a.b.brand.example")), "brand");
	CHECK_EQ_STR(app(sl_sigs_host(s, "x.relay.brand.example")), "deeper"); /* longest suffix */
	CHECK_EQ_STR(sl_sigs_host(s, "x.relay.brand.example")->category, "proxy");
	CHECK_EQ_STR(app(sl_sigs_host(s, "gw-7.edge.example")), "brand");
	CHECK(!sl_sigs_host(s, "gw.edge.example"));     /* the glob needs its prefix */
	CHECK(!sl_sigs_host(s, "a.gw-7.edge.example")); /* and one label only */
	CHECK(!sl_sigs_host(s, "edge.example"));
	CHECK(!sl_sigs_host(s, "notbrand.example"));
	CHECK(!sl_sigs_host(s, "brand.example.org"));
	CHECK_EQ_STR(app(sl_sigs_cert(s, "CN=x,O=brand ltd,C=US", true)), "brand");
	CHECK(!sl_sigs_cert(s, "CN=x,O=Brand Ltd Imitation", true)); /* whole values */
	CHECK_EQ_STR(app(sl_sigs_cert(s, "CN=x,OU=Gateways,O=Other Corp", true)), "brand");
	CHECK(!sl_sigs_cert(s, "CN=x,OU=Gateways,O=Other Corp", false)); /* in: subject */
	CHECK(!sl_sigs_cert(s, "CN=x,O=Other Corp", true));               /* both needed */
	CHECK_EQ_STR(app(sl_sigs_cert(s, "CN=a\\,b,O=Brand Ltd", true)), "brand");
	CHECK_EQ_STR(app(sl_sigs_alpn(s, "brand/2.1")), "brand");
	CHECK_EQ_STR(app(sl_sigs_alpn(s, "brandproto")), "brand");
	CHECK(!sl_sigs_alpn(s, "brandproto2"));
	CHECK(!sl_sigs_alpn(s, "h2"));
	CHECK_EQ_STR(app(sl_sigs_ja4(s, "t13d1516h2_8daaf6152771_02713d6af862")), "brand");
	CHECK(!sl_sigs_ja4(s, "t13d1516h2_8daaf6152771_02713d6af863"));
	CHECK_EQ_STR(app(sl_sigs_user_agent(s, "brandclient/4.0 (Linux)")), "brand");
	CHECK(!sl_sigs_user_agent(s, "Mozilla/5.0 BrandClient/4.0"));
	CHECK_EQ_STR(app(sl_sigs_port(s, "udp", 51999)), "brand");
	CHECK(!sl_sigs_port(s, "tcp", 51999));
	CHECK_EQ_STR(app(sl_sigs_list(s, "brandlist")), "brand");
	CHECK(!sl_sigs_list(s, "vpn"));
	CHECK(!sl_sigs_host(s, NULL) && !sl_sigs_cert(s, NULL, true) && !sl_sigs_ja4(s, NULL));
	sl_sigs_destroy(s);
	sl_sigs_destroy(NULL);
}

/* Every port of both transports against the set's own list: the lookup
 * answers exactly the ports a signature names (word edges of the port
 * filter included), whichever file named them. */
static void test_ports(void)
{
	static const struct { const char *l4; unsigned port; const char *app; } named[] = {
		{ "tcp", 1, "one" }, { "tcp", 63, "one" }, { "tcp", 64, "one" }, { "udp", 65, "one" },
		{ "tcp", 3389, "one" }, { "udp", 3389, "two" }, { "udp", 51999, "two" },
		{ "tcp", 65535, "two" }, { "udp", 65472, "two" },
	};
	struct sl_sigs *s = NULL;
	struct sl_rule_error e;
	static char first[512], second[512]; /* put() reuses its buffer */
	snprintf(first, sizeof(first), "%s",
		 put("p1.yml", "family: vpn\nsignatures:\n  - product: one\n"
			       "    reference: https://one.example/\n"
			       "    ports: [tcp/1, tcp/63, tcp/64, udp/65, tcp/3389]\n"));
	snprintf(second, sizeof(second), "%s",
		 put("p2.yml", "family: vpn\nsignatures:\n  - product: two\n"
			       "    reference: https://two.example/\n"
			       "    ports: [udp/3389, udp/51999, tcp/65535, udp/65472]\n"));
	const char *paths[2] = { first, second };
	CHECK_EQ_INT(sl_sigs_load(paths, 2, NULL, NULL, &s, &e), 0);
	unsigned wrong = 0, hits = 0;
	for (int t = 0; s && t < 2; t++) {
		const char *l4 = t ? "udp" : "tcp";
		for (unsigned port = 0; port <= 65535; port++) {
			const char *want = NULL;
			for (size_t i = 0; i < ARRAY_SIZE(named); i++)
				if (named[i].port == port && strcmp(named[i].l4, l4) == 0)
					want = named[i].app;
			const struct sl_sig_product *p = sl_sigs_port(s, l4, (uint16_t)port);
			wrong += want ? !p || strcmp(p->app, want) != 0 : p != NULL;
			hits += p != NULL;
		}
	}
	CHECK_EQ_INT(wrong, 0);
	CHECK_EQ_INT(hits, ARRAY_SIZE(named));
	CHECK(!sl_sigs_port(s, "sctp", 3389) && !sl_sigs_port(NULL, "tcp", 3389));
	sl_sigs_destroy(s);
}

/* Each broken text and the FILE:LINE:COL sentence its first error must start with. */
static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    hots: [a.example]\n", ":5:5: unknown key 'hots' in a signature" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    hosts: [A.Example]\n", ":5:13: host pattern 'A.Example'" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    hosts: [\"a.*.example\"]\n", ":5:13: host pattern 'a.*.example': '*' may stand only" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    hosts: [a.example]\n  - product: y\n    reference: https://y.example\n"
		  "    hosts: [a.example]\n", ":8:13: 'a.example' is already a pattern of x (" },
		{ "family: vpn\nsignatures:\n  - product: x\n    hosts: [a.example]\n",
		  ":3:5: a signature needs reference" },
		{ "family: vpn\nsignatures:\n  - product: x\n    category: spyware\n"
		  "    reference: https://x.example\n    hosts: [a.example]\n", ":4:15: category 'spyware'" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    ja4: [t13d1516h2]\n", ":5:11: 't13d1516h2' is not a JA4 fingerprint" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    ports: [5938]\n", ":5:13: port '5938': write tcp/PORT" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n",
		  ":3:5: signature of x matches nothing" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    certificates: [{org: X}]\n", ":5:21: certificate key 'org'" },
		{ "famly: vpn\nsignatures: []\n", ":1:1: unknown key 'famly'" },
		{ "family: vpn\nsignatures: [\n", ":" },
		{ "family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n"
		  "    hosts: [a.example]\n    tests:\n      match: [{hots: a.example}]\n",
		  ":7:16: unknown fact 'hots'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_sigs *s = NULL;
		struct sl_rule_error e;
		char line[1200];
		CHECK_EQ_INT(load_text(cases[i].text, &s, &e), -EINVAL);
		sl_rule_error_format(&e, line, sizeof(line));
		if (!strstr(line, cases[i].want))
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, line, cases[i].want);
		CHECK(strstr(line, cases[i].want) != NULL);
		CHECK(strncmp(line, dir, strlen(dir)) == 0); /* the file's path comes first */
		CHECK(s == NULL);
	}
}

static void test_examples(void)
{
	const char *p = put("ex.yml",
			    "family: remote-access\n"
			    "signatures:\n"
			    "  - product: a\n"
			    "    reference: https://a.example\n"
			    "    hosts: [\"*.a.example\"]\n"
			    "    tests:\n"
			    "      match: [{host: \"X.A.Example.:443\"}, {host: b.example}]\n"
			    "      nomatch: [{host: a.example}]\n");
	unsigned passed = 0, failed = 0;
	struct sl_rule_error e;
	char out[512] = { 0 };
	FILE *f = fmemopen(out, sizeof(out), "w");
	CHECK_EQ_INT(sl_sigs_test(&p, 1, f, &passed, &failed, &e), 0);
	fclose(f);
	CHECK_EQ_INT((int)passed, 2);
	CHECK_EQ_INT((int)failed, 1);
	CHECK(strstr(out, "ex.yml:7:43: match example of a: identified as nothing") != NULL);
}

static void test_dirs_and_bundled(void)
{
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/empty", dir);
	CHECK_EQ_INT(mkdir(sub, 0700), 0);
	const char *paths[1] = { sub };
	struct sl_sigs *s = NULL;
	struct sl_rule_error e;
	CHECK_EQ_INT(sl_sigs_load(paths, 1, NULL, NULL, &s, &e), -EINVAL);
	CHECK(strstr(e.msg, "no *.yml or *.yaml signature files") != NULL);
	paths[0] = SL_SOURCE_ROOT "/rules/products";
	CHECK_EQ_INT(sl_sigs_load(paths, 1, NULL, NULL, &s, &e), 0);
	CHECK(sl_sigs_count(s) >= 25);
	CHECK_EQ_STR(app(sl_sigs_host(s, "relay-01.net.anydesk.com")), "anydesk");
	CHECK_EQ_STR(app(sl_sigs_cert(s, "CN=gw-198.51.100.20,O=NordVPN", true)), "nordvpn");
	sl_sigs_destroy(s);
	unsigned passed, failed;
	CHECK_EQ_INT(sl_sigs_test(paths, 1, stderr, &passed, &failed, &e), 0);
	CHECK(passed > 50);
	CHECK_EQ_INT((int)failed, 0);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_matching();
	test_ports();
	test_errors();
	test_examples();
	test_dirs_and_bundled();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_REPORT();
}
