/* `sightline score -r EVENTS...`: event files (or standard input) read side
 * by side, each line handed to the scorer in event-time order across the
 * files (each file is one sensor's stream, already nearly in order), then
 * the summary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sightline/eve.h"
#include "score_kafka.h"
#include "score_priv.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static const char score_usage[] =
	"Usage: sightline score [-c CONFIG] [--set KEY=VALUE]... -r EVENTS... [-o OUT]\n"
	"       sightline score -c CONFIG [-o OUT]      (Kafka: scoring.input.brokers set)\n"
	"\n"
	"Score the subjects of a fleet: read the flow and alert events that sensors in\n"
	"forwarding mode (scoring.mode: forward) wrote, and run subjects, subject-scope\n"
	"and correlation rules, physics, activity and the roster over them exactly as one\n"
	"local sensor that saw every flow would, writing subject alerts, subject\n"
	"summaries and the flow alerts of rules that read subject facts. No capture.\n"
	"\n"
	"  -r, --read FILE...     EVE JSON lines ('-': standard input); several files are\n"
	"                         read side by side, merged in event time\n"
	"  -c, --config FILE      configuration: the fleet's roster, rules, home_networks\n"
	"                         and sensor.vantage must be those of the sensors\n"
	"      --set KEY=VALUE    override one configuration key\n"
	"  -R, --rules PATH       rule file or directory (rules.path)\n"
	"      --roster FILE      roster (scoring.roster)\n"
	"      --identity FILE    a sign-in log the scorer reads itself (Okta, Entra ID, JSON\n"
	"                         lines; repeatable; adds to identity.sources): its sign-ins\n"
	"                         bind accounts to addresses among the fleet's events\n"
	"  -o, --output PATH      EVE JSON lines to PATH, '-' for stdout (output.eve)\n"
	"  -q, --quiet            no summary on stderr\n"
	"  -h, --help             this text\n"
	"\n"
	"Events are applied in event time (sensor_time, else timestamp) through a\n"
	"reorder window (scoring.reorder_window, 5 s): an older event is counted late\n"
	"and dropped. An event whose event_id was seen before is counted as a\n"
	"duplicate and dropped. A line that is not an EVE event stops the run with\n"
	"'line N of FILE: why' (exit 1).\n"
	"\n"
	"Without -r, the scorer consumes Kafka as a member of a consumer group\n"
	"(scoring.input: brokers, topics, group_id, state_topic, snapshot_interval,\n"
	"idle_exit, properties): several scorers in one group split the partitions;\n"
	"each restores its partitions' subjects from the state topic and commits\n"
	"offsets only after their state is written. SIGTERM leaves the group cleanly.\n"
	"See README, \"Fleet scoring over Kafka\".\n";

struct score_opts {
	const char *config, *rules, *roster, *output;
	const char **sets, **inputs, **identities;
	size_t n_sets, n_inputs, n_identities;
	bool quiet;
};

static int add(const char ***list, size_t *n, const char *v)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	l[(*n)++] = v;
	*list = l;
	return 0;
}

static int parse_opts(int argc, char **argv, struct score_opts *o)
{
	enum { OPT_SET = 256, OPT_ROSTER, OPT_IDENTITY };
	static const struct option longs[] = {
		{ "read", required_argument, NULL, 'r' }, { "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, OPT_SET }, { "rules", required_argument, NULL, 'R' },
		{ "roster", required_argument, NULL, OPT_ROSTER },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "output", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:c:R:o:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'r': add(&o->inputs, &o->n_inputs, optarg); break;
		case 'c': o->config = optarg; break;
		case OPT_SET: add(&o->sets, &o->n_sets, optarg); break;
		case 'R': o->rules = optarg; break;
		case OPT_ROSTER: o->roster = optarg; break;
		case OPT_IDENTITY: add(&o->identities, &o->n_identities, optarg); break;
		case 'o': o->output = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(score_usage, stdout); return EXIT_OK;
		default: fputs("sightline score: see 'sightline score --help'\n", stderr); return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) /* -r a.json b.json c.json */
		add(&o->inputs, &o->n_inputs, argv[optind]);
	return -1;
}

static int set_str(struct sl_config *cfg, const char *key, const char *v)
{
	char set[4200], err[512];
	snprintf(set, sizeof(set), "%s=%s", key, v);
	if (sl_config_set(cfg, set, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline score: %s\n", err);
		return EXIT_USAGE;
	}
	return -1;
}

static int load(const struct score_opts *o, struct sl_config *cfg)
{
	char err[512];
	if (sl_config_init_defaults(cfg) < 0)
		return EXIT_RUNTIME;
	if (o->config && sl_config_load_file(cfg, o->config, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline score: %s\n", err);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->n_sets; i++)
		if (sl_config_set(cfg, o->sets[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "sightline score: %s\n", err);
			return EXIT_USAGE;
		}
	int rc = -1;
	if (o->output)
		rc = set_str(cfg, "output.eve", o->output);
	if (rc < 0 && o->rules)
		rc = set_str(cfg, "rules.path", o->rules);
	if (rc < 0 && o->roster)
		rc = set_str(cfg, "scoring.roster", o->roster);
	for (size_t i = 0; rc < 0 && i < o->n_identities; i++) {
		char set[4200];
		snprintf(set, sizeof(set), "path=%s", o->identities[i]);
		const char *kv[] = { set };
		if (sl_config_append(cfg, "identity.sources", kv, 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "sightline score: --identity: %s\n", err);
			rc = EXIT_USAGE;
		}
	}
	if (rc < 0 && !o->n_inputs &&
	    (!cfg->scoring.input.brokers || !cfg->scoring.input.brokers[0])) {
		fputs("sightline score: no events to read: give -r FILE (or -r - for standard "
		      "input), or scoring.input.brokers to consume from Kafka\n", stderr);
		return EXIT_USAGE;
	}
	return rc;
}

/* One input: its file, its current line (with its event time). */
struct input {
	const char *name;
	FILE *fp;
	char *line;
	size_t cap;
	ssize_t len;     /* <0: at its end */
	unsigned long long lineno;
	sl_time_us t;
};

sl_time_us sl_score_quick_time(const char *line, size_t len)
{
	const char *keys[] = { "\"sensor_time\":\"", "\"timestamp\":\"" };
	const char *end = line + len;
	for (int k = 0; k < 2; k++) {
		const char *p = memmem(line, len, keys[k], strlen(keys[k]));
		if (!p)
			continue;
		p += strlen(keys[k]);
		const char *q = memchr(p, '"', (size_t)(end - p));
		char buf[64];
		sl_time_us t;
		if (q && (size_t)(q - p) < sizeof(buf)) {
			memcpy(buf, p, (size_t)(q - p));
			buf[q - p] = '\0';
			if (sl_score_parse_time(buf, &t))
				return t;
		}
	}
	return 0;
}

/* The next non-empty line of in. */
static void advance(struct input *in)
{
	do {
		in->len = getline(&in->line, &in->cap, in->fp);
		in->lineno++;
		while (in->len > 0 && (in->line[in->len - 1] == '\n' || in->line[in->len - 1] == '\r'))
			in->line[--in->len] = '\0';
	} while (in->len == 0);
	if (in->len > 0)
		in->t = sl_score_quick_time(in->line, (size_t)in->len);
}

/* Reading the file the scores are appended to would read them back as
 * events, without end. */
static bool same_file(const char *a, const char *b)
{
	struct stat x, y;
	return a && b && strcmp(a, "-") && strcmp(b, "-") && stat(a, &x) == 0 && stat(b, &y) == 0 &&
	       x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static int open_inputs(struct input *ins, const struct score_opts *o, const char *out)
{
	for (size_t i = 0; i < o->n_inputs; i++) {
		if (same_file(o->inputs[i], out)) {
			fprintf(stderr, "sightline score: %s is both an input and the output: write "
				"the scores to another file (-o)\n", o->inputs[i]);
			return EXIT_USAGE;
		}
		ins[i].name = o->inputs[i];
		ins[i].fp = strcmp(o->inputs[i], "-") ? fopen(o->inputs[i], "r") : stdin;
		if (!ins[i].fp) {
			fprintf(stderr, "sightline score: %s: %s\n", o->inputs[i], strerror(errno));
			return EXIT_USAGE;
		}
		advance(&ins[i]);
	}
	return -1;
}

/* Feed every line, the input with the oldest line first. */
static int feed(struct sl_scorer *s, struct input *ins, size_t n)
{
	char err[512];
	for (;;) {
		struct input *next = NULL;
		for (size_t i = 0; i < n; i++)
			if (ins[i].len > 0 && (!next || ins[i].t < next->t))
				next = &ins[i];
		if (!next)
			return -1;
		int rc = sl_scorer_event(s, next->line, (size_t)next->len, -1, err, sizeof(err));
		if (rc == -EINVAL) {
			fprintf(stderr, "sightline score: line %llu of %s: %s\n", next->lineno,
				next->name, err);
			return EXIT_RUNTIME;
		}
		if (rc < 0) {
			fprintf(stderr, "sightline score: %s\n", err);
			return EXIT_RUNTIME;
		}
		sl_scorer_drain(s, false);
		advance(next);
	}
}

static void summary(struct sl_scorer *s)
{
	const struct sl_scorer_stats *st = sl_scorer_stats(s);
	fprintf(stderr,
		"sightline score: %llu events, %llu applied, %llu duplicates, %llu late, "
		"%llu ignored, %llu hits, %llu subject alerts\n",
		(unsigned long long)st->events, (unsigned long long)st->applied,
		(unsigned long long)st->duplicates, (unsigned long long)st->late,
		(unsigned long long)st->ignored, (unsigned long long)st->hits,
		(unsigned long long)st->subject_alerts);
	sl_subjects_print(sl_scorer_subjects(s), stderr, 10);
}

/* No files: a member of the Kafka group until SIGTERM (score_kafka.c). */
static int consume(struct sl_scorer *s, const struct sl_config *cfg)
{
	char err[1024];
	if (sl_score_kafka_run(s, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline score: %s\n", err);
		return EXIT_RUNTIME;
	}
	return -1;
}

static int run(const struct score_opts *o, const struct sl_config *cfg)
{
	char err[1024];
	struct sl_scorer *s = NULL;
	struct sl_eve *eve = NULL;
	struct input *ins = calloc(o->n_inputs + 1, sizeof(*ins));
	int rc = ins ? open_inputs(ins, o, cfg->output.eve_path) : EXIT_RUNTIME;
	if (rc < 0 && sl_scorer_create(cfg, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline score: %s\n", err);
		rc = EXIT_USAGE;
	}
	if (rc < 0 && sl_eve_create(cfg, NULL, &eve, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline score: %s\n", err);
		rc = EXIT_USAGE;
	}
	if (rc < 0) {
		sl_scorer_set_eve(s, eve);
		if (o->n_inputs) {
			rc = feed(s, ins, o->n_inputs);
			sl_scorer_drain(s, true);
		} else {
			rc = consume(s, cfg);
		}
		if (!o->quiet)
			summary(s);
	}
	sl_scorer_destroy(s);
	sl_eve_close(eve);
	for (size_t i = 0; ins && i < o->n_inputs; i++) {
		if (ins[i].fp && ins[i].fp != stdin)
			fclose(ins[i].fp);
		free(ins[i].line);
	}
	free(ins);
	return rc < 0 ? EXIT_OK : rc;
}

int sl_score_main(int argc, char **argv)
{
	struct score_opts o = { 0 };
	struct sl_config cfg = { 0 };
	int rc = parse_opts(argc, argv, &o);
	if (rc < 0)
		rc = load(&o, &cfg);
	if (rc < 0)
		rc = run(&o, &cfg);
	sl_config_finish(&cfg);
	free(o.sets);
	free(o.inputs);
	free(o.identities);
	return rc;
}
