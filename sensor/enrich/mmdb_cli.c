/* `sightline mmdb build`: the command line of the mmdb builder (options,
 * reproducible build time, messages); the building is mmdb_build.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sightline/mmdb_build.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static int usage_error(const char *msg)
{
	fprintf(stderr, "sightline: %s\nTry 'sightline --help'.\n", msg);
	return EXIT_USAGE;
}

static const char mmdb_usage[] =
	"Usage: sightline mmdb build [--type NAME] [--description TEXT] IN.csv... OUT.mmdb\n"
	"\n"
	"Compile CIDR lists into a MaxMind DB file that libmaxminddb and mmdblookup read.\n"
	"Each CSV is one list named after the file (tor-exits.csv -> \"tor-exits\"); its\n"
	"lines are 'cidr,label[,key=value...]' (IPv4 or IPv6; '#' starts a comment).\n"
	"An address's record holds the label of the most specific prefix covering it,\n"
	"every key=value of covering prefixes (most specific wins), and 'lists': the\n"
	"names of all lists that cover it. Dotted keys nest (location.latitude=37.5);\n"
	"a value in single quotes stays text (latitude='37.5'). A line may name an AS\n"
	"number instead (AS131279,label): it is stored at 100::<AS number> and the\n"
	"sensor matches it against the AS its other databases give an address.\n"
	"\n"
	"  --type NAME         database_type in the metadata (default sightline-intel)\n"
	"  --description TEXT  English description in the metadata\n"
	"\n"
	"The build time in the metadata is $SOURCE_DATE_EPOCH if set, else the newest\n"
	"input's modification time, so the same inputs give the same bytes. The output\n"
	"is replaced atomically; a failed build leaves the old file in place.\n";

/* Newest input mtime: reproducible builds without SOURCE_DATE_EPOCH. */
static uint64_t build_epoch(char **paths, int n)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		return strtoull(sde, NULL, 10);
	uint64_t newest = 0;
	struct stat st;
	for (int i = 0; i < n; i++)
		if (stat(paths[i], &st) == 0 && (uint64_t)st.st_mtime > newest)
			newest = (uint64_t)st.st_mtime;
	return newest;
}

int sl_mmdb_main(int argc, char **argv)
{
	struct sl_mmdb_build_opts opts = { .database_type = "sightline-intel" };
	int i = 2;
	if (argc < 3 || strcmp(argv[1], "build") != 0) {
		fputs(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? mmdb_usage : "", stdout);
		return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
			       ? EXIT_OK : usage_error("usage: sightline mmdb build IN.csv... OUT.mmdb");
	}
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--help"))
			return fputs(mmdb_usage, stdout), EXIT_OK;
		if (i + 1 >= argc)
			return usage_error("mmdb build: option needs a value");
		if (!strcmp(argv[i], "--type"))
			opts.database_type = argv[++i];
		else if (!strcmp(argv[i], "--description"))
			opts.description = argv[++i];
		else
			return usage_error("mmdb build: unknown option");
	}
	int n = argc - i - 1;
	if (n < 1)
		return usage_error("mmdb build: give at least one IN.csv and the OUT.mmdb path");
	opts.build_epoch = build_epoch(argv + i, n);
	char err[1024];
	int rc = sl_mmdb_build((const char *const *)(argv + i), (size_t)n, argv[argc - 1], &opts,
			       err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sightline: %s\n", err);
		return rc == -EINVAL || rc == -ENOENT || rc == -EACCES ? EXIT_USAGE : EXIT_RUNTIME;
	}
	fprintf(stderr, "sightline: wrote %s from %d list(s)\n", argv[argc - 1], n);
	return EXIT_OK;
}
