/* Benchmark of name-based identification (not a test): the lookups one TLS
 * flow costs in sensor/identify/names.c -- its SNI and DNS name, the
 * certificate's subject and issuer (attributes, and the CN as a host), its
 * subjectAltName list and ALPN -- over a mix of flows whose names are 80 %
 * benign and 20 % products, reported as flows identified per second.  Run
 * with the bundled signatures, then with 2,000 more brands loaded, to show
 * the index's cost does not grow with the number of signatures.
 *
 *   build/tests/bench/identify_bench [FLOWS] [ROUNDS]   (defaults 100000 20)
 *
 * Built with -DSL_BENCH_OLD_NAMES against a tree from before the signature
 * files (names.c's C table, functions without the matcher argument), the same
 * mix measures that code, for the before/after figure of issue #17.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sensor/identify/names.h"
#ifndef SL_BENCH_OLD_NAMES
#include "sightline/signatures.h"
#endif

struct flow {
	char sni[96], subject[160], issuer[64], san[96];
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Names as prefix, the flow's number, suffix. */
static const char *const benign[][2] = {
	{ "www.example", ".com" }, { "cdn", ".akamaized.net" }, { "api", ".github.com" },
	{ "outlook", ".office365.com" }, { "s", ".amazonaws.com" }, { "img", ".fbcdn.net" },
	{ "edge", ".cloudfront.net" }, { "mail", ".proton.me" },
};
static const char *const brand[][2] = {
	{ "relay-", ".net.anydesk.com" }, { "nl", ".nordvpn.com" }, { "master", ".teamviewer.com" },
	{ "rs-", ".rustdesk.com" }, { "us", ".protonvpn.net" }, { "x", ".relay.splashtop.com" },
};

static void make(struct flow *f, unsigned i)
{
	const char *const *p = i % 5 == 4 ? brand[(i / 5) % (sizeof(brand) / sizeof(*brand))]
					  : benign[i % (sizeof(benign) / sizeof(*benign))];
	snprintf(f->sni, sizeof(f->sni), "%s%u%s", p[0], i, p[1]);
	snprintf(f->subject, sizeof(f->subject), "CN=%s,O=Example Org %u,L=Town,C=US", f->sni, i % 50);
	snprintf(f->issuer, sizeof(f->issuer), "CN=R3,O=Let's Encrypt,C=US");
	snprintf(f->san, sizeof(f->san), "%s", f->sni);
}

#ifdef SL_BENCH_OLD_NAMES
#define HOST(n, s, a, c) sl_names_match_host(s, a, c)
#define CERT(n, s, subj, a, c) sl_names_match_cert(s, a, c)
#define SAN(n, s, a, c) sl_names_match_san(s, a, c)
#define ALPN(n, s, a, c) sl_names_match_alpn(s, a, c)
#else
#define HOST(n, s, a, c) sl_names_match_host(n, s, a, c)
#define CERT(n, s, subj, a, c) sl_names_match_cert(n, s, subj, a, c)
#define SAN(n, s, a, c) sl_names_match_san(n, s, a, c)
#define ALPN(n, s, a, c) sl_names_match_alpn(n, s, a, c)
#endif

/* The lookups of one TLS flow; returns 1 when a product was named. */
static int one(const struct sl_names *n, const struct flow *f)
{
	const char *app, *cat;
	int hit = 0;
	(void)n;
	hit |= CERT(n, f->subject, true, &app, &cat);
	hit |= HOST(n, f->sni, &app, &cat); /* the subject's CN */
	hit |= CERT(n, f->issuer, false, &app, &cat);
	hit |= HOST(n, "r3", &app, &cat);
	hit |= SAN(n, f->san, &app, &cat);
	hit |= HOST(n, f->sni, &app, &cat); /* DNS name */
	hit |= HOST(n, f->sni, &app, &cat); /* SNI */
	hit |= ALPN(n, "h2,http/1.1", &app, &cat);
	return hit;
}

static void run(const char *label, const struct sl_names *n, const struct flow *fl,
		unsigned flows, unsigned rounds)
{
	unsigned named = 0;
	double t0 = now();
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < flows; i++)
			named += (unsigned)one(n, &fl[i]);
	double secs = now() - t0;
	printf("%-44s %10.0f flows/s  (%u flows x %u rounds in %.2f s; %u named per round)\n",
	       label, (double)flows * rounds / secs, flows, rounds, secs, named / rounds);
}

#ifndef SL_BENCH_OLD_NAMES
/* 2,000 brands of 3 host patterns and a certificate organisation each. */
static int many_brands(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/many.yml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("family: vpn\nsignatures:\n", f);
	for (unsigned i = 0; i < 2000; i++)
		fprintf(f, "  - product: brand%u\n    reference: https://brand%u.example/\n"
			"    hosts: [\"*.brand%u.example\", brand%u.example, \"gw-*.brand%u.net\"]\n"
			"    certificates: [{o: Brand %u Ltd}]\n", i, i, i, i, i, i);
	fclose(f);
	return 0;
}

static struct sl_names *names_over(const char *const *paths, size_t n, struct sl_sigs **sigs)
{
	struct sl_rule_error e;
	struct sl_names *nm = NULL;
	if (sl_sigs_load(paths, n, NULL, NULL, sigs, &e) < 0 || sl_names_create(*sigs, &nm) < 0) {
		fprintf(stderr, "identify_bench: %s:%u:%u: %s\n", e.file, e.line, e.col, e.msg);
		exit(1);
	}
	return nm;
}
#endif

int main(int argc, char **argv)
{
	unsigned flows = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 20;
	struct flow *fl = calloc(flows, sizeof(*fl));
	if (!fl || !flows || !rounds)
		return 2;
	for (unsigned i = 0; i < flows; i++)
		make(&fl[i], i);
#ifdef SL_BENCH_OLD_NAMES
	run("names.c C table (72 patterns)", NULL, fl, flows, rounds);
#else
	char dir[] = "/tmp/sl-identify-bench-XXXXXX";
	if (!mkdtemp(dir) || many_brands(dir) < 0)
		return 2;
	const char *paths[2] = { SL_SOURCE_ROOT "/rules/products", dir };
	struct sl_sigs *s1, *s2;
	struct sl_names *n1 = names_over(paths, 1, &s1), *n2 = names_over(paths, 2, &s2);
	char label[80];
	snprintf(label, sizeof(label), "signatures (%zu bundled)", sl_sigs_count(s1));
	run(label, n1, fl, flows, rounds);
	snprintf(label, sizeof(label), "signatures (%zu: bundled + 2000 brands)", sl_sigs_count(s2));
	run(label, n2, fl, flows, rounds);
	sl_names_destroy(n1);
	sl_names_destroy(n2);
	sl_sigs_destroy(s1);
	sl_sigs_destroy(s2);
	char p[600];
	snprintf(p, sizeof(p), "%s/many.yml", dir);
	unlink(p);
	rmdir(dir);
#endif
	free(fl);
	return 0;
}
