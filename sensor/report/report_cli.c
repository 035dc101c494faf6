/* `sightline report`: the HTML report of event files, from the command line. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/report.h"

static const char report_usage[] =
	"Usage: sightline report [-c CONFIG] [-o report.html] [--subjects N] [--rows N] [-q]\n"
	"                        EVE.json... | -\n"
	"\n"
	"Write one self-contained HTML page (no network requests; prints to PDF) from\n"
	"files of sightline events (JSON lines, nested or flattened field names, as a\n"
	"SIEM exports them; '-' reads standard input): the run's inputs, time span,\n"
	"sensors and counts; subjects by peak score; per subject an activity heat map\n"
	"in the claimed and the best-fitting reference zone, a map of places, the\n"
	"evidence timeline, the score over time and the light-speed physics.\n"
	"Files are read once, in one pass; nothing is kept per event.\n"
	"\n"
	"  -o, --output FILE   the page (default report.html; '-' for stdout)\n"
	"  -c, --config FILE   the sensor's configuration: sensor.location, physics.* and\n"
	"                      activity.* (reference zones, business hours) are taken\n"
	"                      from it; events do not carry them (default: built-in)\n"
	"      --set KEY=VALUE override one configuration key (repeatable)\n"
	"      --subjects N    subject sections written, by peak score (default 100)\n"
	"      --rows N        timeline rows per subject, earliest first (default 200)\n"
	"  -q, --quiet         no summary line on stderr\n"
	"\n"
	"Exit status: 0 written, 1 cannot write, 2 usage or unreadable input.\n";

struct report_args {
	const char *out, *config;
	const char *sets[32];
	size_t n_sets;
	struct sl_report_opts ro;
	bool quiet;
};

static int usage(const char *msg)
{
	fprintf(stderr, "sightline report: %s\nTry 'sightline report --help'.\n", msg);
	return 2;
}

static int count_arg(const char *v, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || !*v || n < 1 || n > 100000 || v[0] == '-')
		return -1;
	*out = n;
	return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, struct report_args *a)
{
	enum { O_SUBJ = 256, O_ROWS, O_SET };
	static const struct option longs[] = {
		{ "output", required_argument, NULL, 'o' }, { "config", required_argument, NULL, 'c' },
		{ "subjects", required_argument, NULL, O_SUBJ }, { "rows", required_argument, NULL, O_ROWS },
		{ "set", required_argument, NULL, O_SET }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'c': a->config = optarg; break;
		case 'q': a->quiet = true; break;
		case O_SUBJ:
			if (count_arg(optarg, &a->ro.subjects_shown) < 0)
				return usage("--subjects: give a count from 1 to 100000");
			break;
		case O_ROWS:
			if (count_arg(optarg, &a->ro.rows) < 0)
				return usage("--rows: give a count from 1 to 100000");
			break;
		case O_SET:
			if (a->n_sets == sizeof(a->sets) / sizeof(a->sets[0]))
				return usage("--set: at most 32");
			a->sets[a->n_sets++] = optarg;
			break;
		case 'h': fputs(report_usage, stdout); return 0;
		default: return usage("unknown option or missing argument");
		}
	}
	if (optind >= argc)
		return usage("nothing to read: give event files (as sightline -o writes them) or '-'");
	return -1;
}

static void warn_line(const char *line)
{
	fprintf(stderr, "sightline report: %s\n", line);
}

static int load_cfg(const struct report_args *a, struct sl_config *cfg)
{
	char err[512];
	if (sl_config_init_defaults(cfg) < 0)
		return fprintf(stderr, "sightline report: out of memory\n"), 1;
	if (a->config && sl_config_load_file(cfg, a->config, err, sizeof(err)) < 0)
		return fprintf(stderr, "sightline report: %s\n", err), 2;
	for (size_t i = 0; i < a->n_sets; i++)
		if (sl_config_set(cfg, a->sets[i], err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline report: %s\n", err), 2;
	return -1;
}

static int build(struct report_args *a, int argc, char **argv)
{
	char err[1024];
	struct sl_report *r;
	if (sl_report_create(&a->ro, &r, err, sizeof(err)) < 0)
		return fprintf(stderr, "sightline report: %s\n", err), 2;
	int code = 0;
	for (int i = optind; i < argc && !code; i++)
		if (sl_report_add_file(r, argv[i], NULL, warn_line, err, sizeof(err)) < 0)
			code = 2, fprintf(stderr, "sightline report: %s\n", err);
	if (!code && sl_report_write_file(r, a->out, err, sizeof(err)) < 0)
		code = 1, fprintf(stderr, "sightline report: %s\n", err);
	if (!code && !a->quiet && strcmp(a->out, "-") != 0)
		fprintf(stderr, "sightline report: %llu events from %d file(s) -> %s\n",
			sl_report_events(r), argc - optind, a->out);
	sl_report_destroy(r);
	return code;
}

int sl_report_main(int argc, char **argv)
{
	struct report_args a = { .out = "report.html" };
	int code = parse(argc, argv, &a);
	if (code >= 0)
		return code;
	struct sl_config cfg = { 0 };
	code = load_cfg(&a, &cfg);
	if (code < 0) {
		a.ro.cfg = &cfg;
		a.ro.config_name = a.config;
		code = build(&a, argc, argv);
	}
	sl_config_finish(&cfg);
	return code;
}
