/* `sightline identity check` and --identity-check: read sign-in exports once
 * and say what they hold (formats, outcomes, bad records and why), so a user
 * can test an export before deploying it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"

static void print_message(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

/* "okta 12, entra 3" for the nonzero entries of counts. */
static void print_formats(FILE *out, const struct sl_identity_stats *st)
{
	const char *sep = "";
	for (int f = SL_IDENTITY_FORMAT_OKTA; f < SL_IDENTITY__NFORMATS; f++) {
		if (!st->by_format[f])
			continue;
		fprintf(out, "%s%s %llu", sep, sl_identity_format_name(f),
			(unsigned long long)st->by_format[f]);
		sep = ", ";
	}
}

static uint64_t bad_total(const struct sl_identity_stats *st)
{
	uint64_t n = 0;
	for (int b = 0; b < SL_IDENTITY__NBAD; b++)
		n += st->bad[b];
	return n;
}

static void print_summary(FILE *out, const struct sl_identity_source *s)
{
	const struct sl_identity_stats *st = sl_identity_source_stats(s);
	char a[SL_TIME_STRLEN], b[SL_TIME_STRLEN];
	uint64_t bad = bad_total(st);
	fprintf(out, "%s: %llu records (%s%s)\n", sl_identity_source_name(s),
		(unsigned long long)st->records, sl_identity_source_kind(s),
		st->reversed ? ", newest first: read backwards" : "");
	fprintf(out, "  sign-ins     %llu", (unsigned long long)st->signins);
	if (st->signins) {
		fputs(": ", out);
		print_formats(out, st);
		fprintf(out, "; success %llu, failure %llu, unknown %llu",
			(unsigned long long)st->outcome[SL_SIGNIN_SUCCESS],
			(unsigned long long)st->outcome[SL_SIGNIN_FAILURE],
			(unsigned long long)st->outcome[SL_SIGNIN_UNKNOWN]);
	}
	fputc('\n', out);
	if (st->skipped)
		fprintf(out, "  passed over  %llu Okta events of other types (not sign-ins)\n",
			(unsigned long long)st->skipped);
	fprintf(out, "  bad          %llu", (unsigned long long)bad);
	for (int i = 0, n = 0; i < SL_IDENTITY__NBAD; i++)
		if (st->bad[i])
			fprintf(out, "%s%s %llu", n++ ? ", " : ": ", sl_identity_bad_name(i),
				(unsigned long long)st->bad[i]);
	fputc('\n', out);
	if (st->signins)
		fprintf(out, "  time span    %s .. %s\n", sl_time_format(st->first, a, sizeof(a)),
			sl_time_format(st->last, b, sizeof(b)));
}

/* Read one source whole and summarise it.  Returns 0, -EBADMSG (some bad
 * records) or the open error. */
static int check_one(const struct sl_identity_source_config *sc, const struct sl_identity_opts *o,
		     FILE *out, FILE *msgs)
{
	struct sl_identity_source_config once = *sc;
	struct sl_identity_source *s;
	struct sl_signin si;
	char err[2048];
	if (sc->socket) {
		fprintf(out, "%s: a socket: its records are checked as a collector sends them "
			"(not read here)\n", sc->socket);
		return 0;
	}
	once.mode = SL_IDENTITY_MODE_REPLAY;
	int rc = sl_identity_source_open(&once, o, &s, err, sizeof(err));
	if (rc < 0) {
		fprintf(msgs, "sightline: %s\n", err);
		return rc;
	}
	while (sl_identity_source_next(s, &si))
		;
	print_summary(out, s);
	rc = bad_total(sl_identity_source_stats(s)) ? -EBADMSG : 0;
	sl_identity_source_destroy(s);
	return rc;
}

int sl_identity_check(const struct sl_config *cfg, FILE *out, FILE *msgs)
{
	const struct sl_identity_config *ic = &cfg->identity;
	struct sl_identity_opts o = { .max_messages = ic->max_messages,
				      .max_record = ic->max_record, .message = print_message,
				      .ctx = msgs };
	int worst = 0;
	if (ic->n_sources == 0) {
		fprintf(msgs, "sightline: no sign-in logs to check: give files (sightline identity "
			"check FILE..., or --identity FILE) or identity.sources in the configuration\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < ic->n_sources; i++) {
		int rc = check_one(&ic->sources[i], &o, out, msgs);
		/* an unreadable or unknown file outranks bad records */
		if (rc < 0 && (worst == 0 || worst == -EBADMSG))
			worst = rc;
	}
	return worst;
}

static const char identity_usage[] =
	"Usage: sightline identity check [-c CONFIG] [--set KEY=VALUE]... [--format F] [FILE...]\n"
	"\n"
	"Read sign-in logs once and report what they hold: records of each format,\n"
	"sign-ins by outcome, Okta events that are not sign-ins, bad records by reason\n"
	"(each described as FILE:LINE: why, up to identity.max_messages per file), and\n"
	"the time span. Test an export here before the sensor reads it.\n"
	"\n"
	"FILEs are read as format F (default auto: Okta System Log events or Entra ID\n"
	"sign-ins, recognised from each record), besides the identity.sources of the\n"
	"configuration (-c); sources of format json take their field paths from there.\n"
	"Okta: JSON from /api/v1/logs or the System Log export; Entra ID: Graph\n"
	"auditLogs/signIns pages or the portal's JSON download. JSON lines, a JSON\n"
	"array and {\"value\": [...]} pages are all read.\n"
	"\n"
	"  -c, --config FILE    configuration with identity.sources\n"
	"      --set KEY=VALUE  override a key (e.g. identity.max_messages=100)\n"
	"      --format F       auto, okta or entra, for the FILEs\n"
	"\n"
	"Exit status: 0 every record read, 1 some records were bad (skipped),\n"
	"2 usage or configuration error, unreadable file, or no known format.\n";

/* Options of `identity check`. */
struct check_args {
	const char *config, *format;
	const char **sets;
	size_t n_sets;
};

/* Returns -1 to go on, or an exit status. */
static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' }, { "set", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longs, NULL)) != -1) {
		if (c == 'c') {
			a->config = optarg;
		} else if (c == 'f') {
			a->format = optarg;
		} else if (c == 's') {
			const char **grown = realloc(a->sets, (a->n_sets + 1) * sizeof(*grown));
			if (!grown)
				return 2;
			a->sets = grown;
			a->sets[a->n_sets++] = optarg;
		} else if (c == 'h') {
			fputs(identity_usage, stdout);
			return 0;
		} else {
			fputs("Try 'sightline identity --help'.\n", stderr);
			return 2;
		}
	}
	return -1;
}

/* The configuration: defaults, -c, --set, then one source per FILE. */
static int build_config(const struct check_args *a, char **files, int n, struct sl_config *cfg)
{
	char err[1024], path[4200], fmt[64];
	if (sl_config_init_defaults(cfg) < 0)
		return fputs("sightline: out of memory\n", stderr), 2;
	if (a->config && sl_config_load_file(cfg, a->config, err, sizeof(err)) < 0)
		return fprintf(stderr, "sightline: %s\n", err), 2;
	for (size_t i = 0; i < a->n_sets; i++)
		if (sl_config_set(cfg, a->sets[i], err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: %s\n", err), 2;
	snprintf(fmt, sizeof(fmt), "format=%s", a->format ? a->format : "auto");
	for (int i = 0; i < n; i++) {
		const char *kv[] = { path, fmt };
		snprintf(path, sizeof(path), "path=%s", files[i]);
		if (sl_config_append(cfg, "identity.sources", kv, 2, err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: %s\n", err), 2;
	}
	return -1;
}

int sl_identity_main(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct sl_config cfg = { 0 };
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(identity_usage, stdout), 0;
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fputs(identity_usage, stderr);
		return 2;
	}
	int code = parse_check_args(argc - 1, argv + 1, &a);
	if (code < 0)
		code = build_config(&a, argv + 1 + optind, argc - 1 - optind, &cfg);
	if (code < 0) {
		int rc = sl_identity_check(&cfg, stdout, stderr);
		code = rc == 0 ? 0 : rc == -EBADMSG ? 1 : 2;
	}
	sl_config_finish(&cfg);
	free(a.sets);
	return code;
}
