/* `sightline identity check` and --identity-check: read sign-in exports once
 * and say what they hold (formats, outcomes, bad records and why), so a user
 * can test an export before deploying it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Read one file whole and summarise it.  Returns 0, -EBADMSG (some bad
 * records) or the open error. */
static int check_file(const struct sl_identity_source_config *sc, const struct sl_identity_opts *o,
		      FILE *out, FILE *msgs)
{
	struct sl_identity_source_config once = *sc;
	struct sl_identity_source *s;
	struct sl_signin si;
	char err[2048];
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

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Take what every socket has, then wait for more until the deadline. */
static void listen_loop(struct sl_identity_source **src, size_t n, struct pollfd *fds,
			const struct sl_identity_check_opts *co)
{
	struct sl_signin si;
	double end = now_sec() + co->listen_sec;
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			while (sl_identity_source_next(src[i], &si))
				;
			k += sl_identity_source_pollfds(src[i], fds + k, ID_MAX_CLIENTS + 1);
		}
		double left = end - now_sec();
		if (left <= 0 || (co->stop && *co->stop))
			return;
		/* short waits, so a signal between the check and poll() costs little */
		poll(fds, k, left > 0.2 ? 200 : (int)(left * 1000) + 1);
	}
}

/* Listen on the socket sources of ic for co->listen_sec seconds, then
 * summarise each.  Returns as check_file(). */
static int check_sockets(const struct sl_identity_config *ic, const struct sl_identity_opts *o,
			 const struct sl_identity_check_opts *co, FILE *out, FILE *msgs)
{
	struct sl_identity_source *src[64];
	size_t n = 0;
	int worst = 0;
	char err[2048];
	for (size_t i = 0; i < ic->n_sources && n < ARRAY_SIZE(src); i++) {
		if (!ic->sources[i].socket)
			continue;
		int rc = sl_identity_source_open(&ic->sources[i], o, &src[n], err, sizeof(err));
		if (rc < 0) {
			fprintf(msgs, "sightline: %s\n", err);
			worst = rc;
			continue;
		}
		fprintf(msgs, "sightline: listening on %s for %u s (Ctrl-C ends it)\n",
			ic->sources[i].socket, co->listen_sec);
		n++;
	}
	fflush(msgs);
	struct pollfd *fds = calloc(n ? n : 1, (ID_MAX_CLIENTS + 1) * sizeof(*fds));
	if (fds)
		listen_loop(src, n, fds, co);
	else
		worst = -ENOMEM, fprintf(msgs, "sightline: out of memory\n");
	free(fds);
	for (size_t i = 0; i < n; i++) {
		print_summary(out, src[i]);
		if (worst == 0 && bad_total(sl_identity_source_stats(src[i])))
			worst = -EBADMSG;
		sl_identity_source_destroy(src[i]);
	}
	return worst;
}

/* The worse of two results: an unreadable source outranks bad records. */
static int worse(int a, int b)
{
	return a < 0 && a != -EBADMSG ? a : b < 0 ? b : a;
}

int sl_identity_check(const struct sl_config *cfg, const struct sl_identity_check_opts *co,
		      FILE *out, FILE *msgs)
{
	static const struct sl_identity_check_opts none = { 0 };
	const struct sl_identity_config *ic = &cfg->identity;
	struct sl_identity_opts o = { .live = true, .max_messages = ic->max_messages,
				      .max_record = ic->max_record, .message = print_message,
				      .ctx = msgs };
	bool sockets = false;
	int worst = 0;
	co = co ? co : &none;
	if (ic->n_sources == 0) {
		fprintf(msgs, "sightline: no sign-in logs to check: give files (sightline identity "
			"check FILE..., or --identity FILE) or identity.sources in the configuration\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < ic->n_sources; i++) {
		if (ic->sources[i].socket) {
			sockets = true;
			if (!co->listen_sec)
				fprintf(out, "%s: a socket: not read (sightline identity check --wait "
					"SECONDS listens on it)\n", ic->sources[i].socket);
			continue;
		}
		worst = worse(worst, check_file(&ic->sources[i], &o, out, msgs));
	}
	if (sockets && co->listen_sec)
		worst = worse(worst, check_sockets(ic, &o, co, out, msgs));
	return worst;
}

static const char identity_usage[] =
	"Usage: sightline identity check [-c CONFIG] [--set KEY=VALUE]... [--format F]\n"
	"                                [--wait SECONDS] [FILE...]\n"
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
	"      --wait SECONDS   listen on the configuration's sockets this long (or\n"
	"                       until Ctrl-C), then report what collectors sent\n"
	"\n"
	"Exit status: 0 every record read, 1 some records were bad (skipped),\n"
	"2 usage or configuration error, unreadable file, or no known format.\n";

/* Options of `identity check`. */
struct check_args {
	const char *config, *format;
	unsigned wait;
	const char **sets;
	size_t n_sets;
};

/* Returns -1 to go on, or an exit status. */
static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' }, { "set", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longs, NULL)) != -1) {
		if (c == 'c') {
			a->config = optarg;
		} else if (c == 'f') {
			a->format = optarg;
		} else if (c == 'w') {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v == 0 || v > 86400) {
				fputs("sightline: --wait: give seconds, 1 to 86400\n", stderr);
				return 2;
			}
			a->wait = (unsigned)v;
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

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* SIGINT/SIGTERM end a --wait early; the summaries are still printed. */
static void install_stop(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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
		struct sl_identity_check_opts co = { .listen_sec = a.wait, .stop = &stop_flag };
		install_stop();
		int rc = sl_identity_check(&cfg, &co, stdout, stderr);
		code = rc == 0 ? 0 : rc == -EBADMSG ? 1 : 2;
	}
	sl_config_finish(&cfg);
	free(a.sets);
	return code;
}
