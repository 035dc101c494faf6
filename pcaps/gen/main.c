/* sl-pcapgen: writes the project's deterministic scenario captures (see pcaps/README.md).
 * Same arguments, same bytes: no wall clock, no unseeded randomness. */
#include "bulk.h"
#include "flood.h"
#include "short.h"
#include "scenarios.h"
#include "signins.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sl-pcapgen SCENARIO OUT.pcap   write one scenario\n"
	        "       sl-pcapgen --all DIR           write every regular scenario as DIR/<name>.pcap\n"
	        "                                      and the subject scenarios' sign-in logs as\n"
	        "                                      DIR/<name>.okta.jsonl, DIR/<name>.entra.json\n"
	        "                                      (DIR is created if missing)\n"
	        "       sl-pcapgen --malformed DIR     write every malformed-* scenario as DIR/<name>.pcap\n"
	        "       sl-pcapgen flood [--syn N] [--udp N] [--gap-us US] [--real] [--ssh MS] OUT|-\n"
	        "                                      stream one-packet flows (and real ones) to a file\n"
	        "       sl-pcapgen bulk [--sessions N] [--seed S] OUT.pcap\n"
	        "                                      long TLS/QUIC/SSH/DNS/HTTP sessions (benchmark)\n"
	        "       sl-pcapgen short [--flows N] [--seed S] OUT.pcap\n"
	        "                                      the short flows of an Internet edge (benchmark)\n"
	        "       sl-pcapgen --list              list scenarios with a one-line description\n"
	        "       sl-pcapgen --help              this text\n");
}

static void list(void)
{
	for (size_t i = 0; i < sl_scenarios_count; i++)
		printf("%-30s %s\n", sl_scenarios[i].name, sl_scenarios[i].description);
}

static int write_one(const struct sl_scenario *s, const char *path)
{
	int rc = sl_scenario_write(s, path);

	if (rc)
		fprintf(stderr, "sl-pcapgen: %s -> %s: %s\n", s->name, path, strerror(-rc));
	return rc;
}

/* Writes every scenario whose malformed flag equals `malformed` into dir. */
static int write_dir(const char *dir, bool malformed)
{
	char path[4096];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "sl-pcapgen: cannot create %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < sl_scenarios_count; i++) {
		const struct sl_scenario *s = &sl_scenarios[i];
		if (s->malformed != malformed)
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s.pcap", dir, s->name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "sl-pcapgen: directory name too long: %s\n", dir);
			return -ENAMETOOLONG;
		}
		int rc = write_one(s, path);
		if (rc)
			return rc;
	}
	/* beside the regular captures: the sign-in logs of the subject scenarios */
	return malformed ? 0 : sl_signins_write_all(dir);
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "flood"))
		return sl_flood_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "bulk"))
		return sl_bulk_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "short"))
		return sl_short_main(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		list();
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "--all") || !strcmp(argv[1], "--malformed")))
		return write_dir(argv[2], !strcmp(argv[1], "--malformed")) ? 1 : 0;
	if (argc == 3 && argv[1][0] != '-') {
		const struct sl_scenario *s = sl_scenario_find(argv[1]);
		if (!s) {
			fprintf(stderr, "sl-pcapgen: unknown scenario '%s' (see --list)\n", argv[1]);
			return EXIT_USAGE;
		}
		return write_one(s, argv[2]) ? 1 : 0;
	}
	if (argc >= 2 && argv[1][0] == '-' && strcmp(argv[1], "--all") && strcmp(argv[1], "--malformed"))
		fprintf(stderr, "sl-pcapgen: unknown option '%s'\n", argv[1]);
	else
		fprintf(stderr, "sl-pcapgen: wrong number of arguments\n");
	usage(stderr);
	return EXIT_USAGE;
}
