/* `sightline mmdb build`: the command line of the mmdb builder (options,
 * reproducible build time, messages); the building is mmdb_build.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sightline/mmdb_build.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static int usage_error(const char *msg)
{
	fprintf(stderr, "sightline: %s\nTry 'sightline --help'.\n", msg);
	return EXIT_USAGE;
}

static const char mmdb_usage[] =
	"Usage: sightline mmdb build [--type NAME] [--description TEXT] [--asn FILE]...\n"
	"                            IN.csv... OUT.mmdb\n"
	"\n"
	"Compile CIDR lists into a MaxMind DB file that libmaxminddb and mmdblookup read.\n"
	"Each CSV is one list named after the file (tor-exits.csv -> \"tor-exits\"); its\n"
	"lines are 'cidr,label[,key=value...]' (IPv4 or IPv6; '#' starts a comment;\n"
	"a field or value in double quotes may hold commas: org=\"Example, Inc.\").\n"
	"An address's record holds the label of the most specific prefix covering it,\n"
	"every key=value of covering prefixes (most specific wins), and 'lists': the\n"
	"names of all lists that cover it. Dotted keys nest (location.latitude=37.5);\n"
	"a value in single quotes stays text (latitude='37.5'). A line may name an AS\n"
	"number instead (AS131279,label): it is stored at 100::<AS number> and the\n"
	"sensor matches it against the AS its other databases give an address.\n"
	"\n"
	"  --type NAME         database_type in the metadata (default sightline-intel)\n"
	"  --description TEXT  English description in the metadata\n"
	"  --asn FILE          an ASN database that turns the AS lines into the address\n"
	"                      prefixes of each AS, so they match without an ASN database\n"
	"                      in the sensor: ip-location-db's asn-ipv4.csv / asn-ipv6.csv\n"
	"                      (npm @ip-location-db/asn), GeoLite2-ASN.mmdb, an IPinfo Lite\n"
	"                      .mmdb. Repeatable; each list's gain is printed\n"
	"\n"
	"The build time in the metadata is $SOURCE_DATE_EPOCH if set, else the newest\n"
	"input's modification time, so the same inputs give the same bytes. The output\n"
	"is replaced atomically; a failed build leaves the old file in place.\n";

/* Newest mtime of the inputs: reproducible builds without SOURCE_DATE_EPOCH. */
static uint64_t build_epoch(const char *const *paths, size_t n, uint64_t newest)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		return strtoull(sde, NULL, 10);
	struct stat st;
	for (size_t i = 0; i < n; i++)
		if (stat(paths[i], &st) == 0 && (uint64_t)st.st_mtime > newest)
			newest = (uint64_t)st.st_mtime;
	return newest;
}

/* One line per list whose AS lines were resolved. */
static void print_resolved(void *ctx, const struct sl_mmdb_asn_result *r)
{
	(void)ctx;
	fprintf(stderr, "sightline: list %s: %u of %u AS number%s resolved, %llu prefix%s added%s%s%s\n",
		r->list, r->as_found, r->as_numbers, r->as_numbers == 1 ? "" : "s",
		(unsigned long long)r->prefixes, r->prefixes == 1 ? "" : "es",
		r->missing[0] ? " (in no ASN source: " : "", r->missing, r->missing[0] ? ")" : "");
}

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* Options up to the first non-option; returns the index of the first list,
 * or -1 after printing help, or -2 after a usage error. */
static int parse_opts(int argc, char **argv, struct sl_mmdb_build_opts *o, const char **asn)
{
	int i = 2;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (is_help(argv[i]))
			return fputs(mmdb_usage, stdout), -1;
		if (i + 1 >= argc)
			return usage_error("mmdb build: option needs a value"), -2;
		if (!strcmp(argv[i], "--type"))
			o->database_type = argv[++i];
		else if (!strcmp(argv[i], "--description"))
			o->description = argv[++i];
		else if (!strcmp(argv[i], "--asn"))
			asn[o->n_asn_sources++] = argv[++i];
		else
			return usage_error("mmdb build: unknown option"), -2;
	}
	return i;
}

static int build(struct sl_mmdb_build_opts *o, const char *const *lists, size_t n, const char *out)
{
	char err[1024];
	o->on_resolved = print_resolved;
	o->build_epoch = build_epoch(o->asn_sources, o->n_asn_sources, build_epoch(lists, n, 0));
	int rc = sl_mmdb_build(lists, n, out, o, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sightline: %s\n", err);
		return rc == -EINVAL || rc == -ENOENT || rc == -EACCES ? EXIT_USAGE : EXIT_RUNTIME;
	}
	fprintf(stderr, "sightline: wrote %s from %zu list(s)%s\n", out, n,
		o->n_asn_sources ? ", AS lines resolved" : "");
	return EXIT_OK;
}

int sl_mmdb_main(int argc, char **argv)
{
	struct sl_mmdb_build_opts opts = { .database_type = "sightline-intel" };
	if (argc < 3 || strcmp(argv[1], "build") != 0) {
		if (argc >= 2 && is_help(argv[1]))
			return fputs(mmdb_usage, stdout), EXIT_OK;
		return usage_error("usage: sightline mmdb build IN.csv... OUT.mmdb");
	}
	const char **asn = calloc((size_t)argc, sizeof(*asn));
	if (!asn)
		return usage_error("out of memory");
	opts.asn_sources = asn;
	int i = parse_opts(argc, argv, &opts, asn), rc;
	if (i < 0)
		rc = i == -1 ? EXIT_OK : EXIT_USAGE;
	else if (argc - i - 1 < 1)
		rc = usage_error("mmdb build: give at least one IN.csv and the OUT.mmdb path");
	else
		rc = build(&opts, (const char *const *)(argv + i), (size_t)(argc - i - 1), argv[argc - 1]);
	free(asn);
	return rc;
}
