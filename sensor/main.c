/* sightline command line: parse options, load the configuration, run the
 * capture through the engine, print the summary, choose the exit code.
 * Nothing else lives here. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sightline/capture.h"
#include "sightline/config.h"
#include "sightline/engine.h"
#include "sightline/eve.h"
#include "sightline/field.h"
#include "sightline/identity.h"
#include "sightline/mmdb_build.h"
#include "sightline/report.h"
#include "sightline/rules.h"
#include "sightline/schema.h"
#include "sightline/scorer.h"
#include "sightline/notify.h"
#include "sightline/privileges.h"
#include "sl_build_config.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"Usage:\n"
	"  sightline -r FILE_OR_DIR... [options]    replay pcap/pcapng files or directories\n"
	"  sightline -i IFACE [options]             capture live from an interface\n"
	"  sightline --identity FILE... [options]   score sign-in logs alone (no capture)\n"
	"  sightline --list-fields | --schema | --dump-config | --version | --help\n"
	"  sightline mmdb build [--type NAME] [--description TEXT] IN.csv... OUT.mmdb\n"
	"                                           compile CIDR lists into a MaxMind DB\n"
	"  sightline rules check [--products] [PATH]\n"
	"                                           validate rules or product signatures\n"
	"                                           (errors as FILE:LINE:COL)\n"
	"  sightline rules test [--products] [PATH] run their embedded examples\n"
	"  sightline identity check [FILE...]       read sign-in logs and report what they hold\n"
	"  sightline score [-c CONFIG] -r EVENTS... score the events of forwarding sensors\n"
	"                                           (scoring.mode: forward); without -r, from\n"
	"                                           Kafka (scoring.input.*); see score --help\n"
	"  sightline report EVE.json... [-o report.html]\n"
	"                                           one self-contained HTML page of the events;\n"
	"                                           see report --help\n"
	"\n"
	"sightline is a passive network sensor that exposes concealed origin (VPN exits,\n"
	"remote-desktop relays, laptop farms) in remote-worker traffic. It writes one\n"
	"EVE-style JSON event per line: a 'flow' event when each flow ends, an 'alert'\n"
	"when a rule matches a flow or a subject's score crosses the threshold (with the\n"
	"rules and evidence flows behind it), a 'signin' event per sign-in read from an\n"
	"identity provider's log, 'subject' summaries and 'stats' events, then prints a\n"
	"summary on stderr.\n"
	"\n"
	"Input:\n"
	"  -r, --read PATH        read a capture file, or every capture under a directory\n"
	"                         (recursively, in name order); repeat -r or list several\n"
	"                         paths after it. Files are recognised by content, not name.\n"
	"  -i, --interface IFACE  capture live (needs root or CAP_NET_RAW+CAP_NET_ADMIN)\n"
	"      --bpf FILTER       BPF filter, e.g. 'tcp or udp port 53' (capture.bpf)\n"
	"      --workers N        N engines in parallel, each flow in one of them\n"
	"                         (capture.workers; default 1). Live: N capture handles\n"
	"                         in one PACKET_FANOUT group; replay: each worker reads\n"
	"                         the files and keeps its flows (a symmetric flow hash)\n"
	"\n"
	"Output:\n"
	"  -o, --output PATH      EVE JSON lines to PATH (appended), '-' for stdout\n"
	"                         (output.eve; default eve.json). With an outputs: list\n"
	"                         in the config (syslog, RELP, Kafka, sockets, files) -o adds\n"
	"                         this file to them; without one it is the only output\n"
	"  -q, --quiet            no progress line and no summary on stderr\n"
	"      --report FILE      also write an HTML report of this run's events to FILE\n"
	"                         at the end (one self-contained page; see 'sightline\n"
	"                         report --help' to make one from event files later)\n"
	"\n"
	"Rules and subjects:\n"
	"  -R, --rules PATH       rule file or directory instead of the bundled pack (rules.path)\n"
	"      --roster FILE      people and devices with their claimed place, time zone, work\n"
	"                         hours and sanctioned tools (scoring.roster)\n"
	"\n"
	"Sign-in logs:\n"
	"      --identity FILE    an Okta System Log or Entra ID sign-in export (JSON lines,\n"
	"                         a JSON array or Graph {\"value\": [...]} pages; the format\n"
	"                         is recognised from the records). Repeatable; adds to\n"
	"                         identity.sources, where sockets and JSON field paths go.\n"
	"                         A successful sign-in binds its account to its address\n"
	"                         (identity.binding_ttl, 12 h): flows from there are charged\n"
	"                         to the person whose roster entry lists the account\n"
	"                         (accounts:). With -r, sign-ins and packets are merged in\n"
	"                         time order; with -i, files are followed and sockets read\n"
	"      --identity-check   read every sign-in log once and report formats, outcomes,\n"
	"                         bad records (FILE:LINE: why) and the time span; exit 0\n"
	"                         clean, 1 some bad records, 2 unknown format or unreadable\n"
	"\n"
	"Configuration:\n"
	"  -c, --config FILE      YAML configuration; without it the embedded defaults apply\n"
	"      --set KEY=VALUE    override one key, e.g. --set flow.max_flows=100000\n"
	"                         (repeatable; applied after -c; lists are comma-separated)\n"
	"      --dump-config      print the effective configuration as commented YAML\n"
	"      --list-fields      print every field of every event type: its type, the\n"
	"                         event types carrying it and its meaning\n"
	"      --schema           print the JSON Schema (draft 2020-12) of every event\n"
	"\n"
	"Privileges (live capture):\n"
	"      --user NAME        after opening the interface and outputs, switch to NAME\n"
	"                         (its groups; no capabilities left, no_new_privs). NAME\n"
	"                         must be able to create the output files anew (logrotate)\n"
	"                         in their directory, or the sensor refuses to start\n"
	"      --chroot DIR       and chroot to DIR first (needs --user); output files\n"
	"                         must then lie under DIR, where they are reopened\n"
	"      --allow-root       keep running as root (refused otherwise on -i)\n"
	"\n"
	"  -V, --version          print the version\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 success, 1 runtime error (e.g. a capture damaged part-way; the\n"
	"flows read so far are still written), 2 usage, configuration or input error.\n"
	"SIGINT/SIGTERM stop reading (live: after the frames already captured), write\n"
	"every open flow, deliver queued events (each output waits at most its\n"
	"flush_timeout) and exit. SIGHUP reopens output\n"
	"files (logrotate) and reloads the configuration's rules, roster and databases\n"
	"in the background; capture goes on while they load.\n";

struct opts {
	const char **inputs;
	size_t n_inputs;
	const char *iface;
	const char *config;
	const char *output;
	const char *bpf;
	const char **sets;
	size_t n_sets;
	const char *user, *chroot_dir;
	const char *rules, *roster;
	const char *workers;
	const char *report;
	const char **identities;
	size_t n_identities;
	bool quiet, list_fields, schema, dump_config, allow_root, identity_check;
};

static volatile sig_atomic_t stop_flag, hup_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_flag = 1;
	else
		stop_flag = 1;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "sightline: %s\nTry 'sightline --help'.\n", msg);
	return EXIT_USAGE;
}

static bool push(const char ***list, size_t *n, const char *v)
{
	const char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl)
		return false;
	nl[(*n)++] = v;
	*list = nl;
	return true;
}

/* Returns -1 to continue, or an exit code (help, version, bad usage). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_SET = 256, OPT_BPF, OPT_LIST, OPT_DUMP, OPT_USER, OPT_CHROOT, OPT_ROOT,
	       OPT_ROSTER, OPT_WORKERS, OPT_IDENTITY, OPT_IDCHECK, OPT_SCHEMA, OPT_REPORT };
	static const struct option longs[] = {
		{ "read", required_argument, NULL, 'r' }, { "interface", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' }, { "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, OPT_SET }, { "bpf", required_argument, NULL, OPT_BPF },
		{ "list-fields", no_argument, NULL, OPT_LIST }, { "dump-config", no_argument, NULL, OPT_DUMP },
		{ "quiet", no_argument, NULL, 'q' }, { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { "user", required_argument, NULL, OPT_USER },
		{ "chroot", required_argument, NULL, OPT_CHROOT },
		{ "allow-root", no_argument, NULL, OPT_ROOT }, { "rules", required_argument, NULL, 'R' },
		{ "roster", required_argument, NULL, OPT_ROSTER },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "identity-check", no_argument, NULL, OPT_IDCHECK },
		{ "schema", no_argument, NULL, OPT_SCHEMA },
		{ "report", required_argument, NULL, OPT_REPORT }, { NULL, 0, NULL, 0 },
	};
	int c;
	bool ok = true;
	while ((c = getopt_long(argc, argv, "r:i:o:c:R:qVh", longs, NULL)) != -1) {
		switch (c) {
		case 'r': ok &= push(&o->inputs, &o->n_inputs, optarg); break;
		case 'i': o->iface = optarg; break;
		case 'o': o->output = optarg; break;
		case 'c': o->config = optarg; break;
		case 'R': o->rules = optarg; break;
		case OPT_ROSTER: o->roster = optarg; break;
		case OPT_WORKERS: o->workers = optarg; break;
		case OPT_REPORT: o->report = optarg; break;
		case OPT_IDENTITY: ok &= push(&o->identities, &o->n_identities, optarg); break;
		case OPT_IDCHECK: o->identity_check = true; break;
		case OPT_SET: ok &= push(&o->sets, &o->n_sets, optarg); break;
		case OPT_BPF: o->bpf = optarg; break;
		case OPT_LIST: o->list_fields = true; break;
		case OPT_SCHEMA: o->schema = true; break;
		case OPT_DUMP: o->dump_config = true; break;
		case 'q': o->quiet = true; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_CHROOT: o->chroot_dir = optarg; break;
		case OPT_ROOT: o->allow_root = true; break;
		case 'V': printf("sightline %s\n", SL_VERSION); return EXIT_OK;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return usage_error("unknown option or missing argument");
		}
	}
	if (optind < argc && o->n_inputs == 0)
		return usage_error("extra arguments: paths to read go after -r");
	for (int i = optind; i < argc; i++)
		ok &= push(&o->inputs, &o->n_inputs, argv[i]);
	if (!ok)
		return usage_error("out of memory parsing arguments");
	return -1;
}

static int load_config(const struct opts *o, struct sl_config *cfg)
{
	char err[512];
	if (sl_config_init_defaults(cfg) < 0)
		return usage_error("out of memory");
	if (o->config && sl_config_load_file(cfg, o->config, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline: %s\n", err);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->n_sets; i++)
		if (sl_config_set(cfg, o->sets[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "sightline: %s\n", err);
			return EXIT_USAGE;
		}
	char set[1024];
	if (o->output) {
		snprintf(set, sizeof(set), "output.eve=%s", o->output);
		if (sl_config_set(cfg, set, err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: %s\n", err), EXIT_USAGE;
	}
	if (o->workers) {
		snprintf(set, sizeof(set), "capture.workers=%s", o->workers);
		if (sl_config_set(cfg, set, err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: --workers: %s\n", err), EXIT_USAGE;
	}
	if (o->bpf) {
		free(cfg->capture.bpf);
		cfg->capture.bpf = strdup(o->bpf);
	}
	if (o->rules) {
		free(cfg->rules.path);
		cfg->rules.path = strdup(o->rules);
	}
	if (o->roster) {
		free(cfg->scoring.roster);
		cfg->scoring.roster = strdup(o->roster);
	}
	if (o->user) {
		free(cfg->privileges.user);
		cfg->privileges.user = strdup(o->user);
	}
	if (o->chroot_dir) {
		free(cfg->privileges.chroot);
		cfg->privileges.chroot = strdup(o->chroot_dir);
	}
	cfg->privileges.allow_root |= o->allow_root;
	for (size_t i = 0; i < o->n_identities; i++) {
		snprintf(set, sizeof(set), "path=%s", o->identities[i]);
		const char *kv[] = { set };
		if (sl_config_append(cfg, "identity.sources", kv, 1, err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: --identity: %s\n", err), EXIT_USAGE;
	}
	return -1;
}

static double wall_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout reader is a counted write error */
}

static int exit_for(int rc)
{
	return rc == 0 ? EXIT_OK : rc == SL_CAPTURE_INPUT ? EXIT_USAGE : EXIT_RUNTIME;
}

/* What the SIGHUP and privilege callbacks of the capture need. */
struct run_ctx {
	const struct opts *o;
	const struct sl_config *cfg;
	struct sl_eve *eve;
	struct sl_engine *e;
	struct sl_reloader *reloader;
	atomic_int reload_done;      /* set by the loading thread: commit between packets */
	struct sl_notify notify;     /* the service manager, when it asked (Type=notify) */
};

/* The options a reload reads, copied for the loading thread: the run may
 * end (and free its own) while a load is still going.  The strings are
 * argv's, which last until exit. */
static void *opts_copy(const struct opts *o)
{
	struct opts *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *o;
	c->inputs = NULL;
	c->n_inputs = 0;
	c->sets = o->n_sets ? malloc(o->n_sets * sizeof(*c->sets)) : NULL;
	if (o->n_sets && !c->sets) {
		free(c);
		return NULL;
	}
	if (o->n_sets)
		memcpy(c->sets, o->sets, o->n_sets * sizeof(*c->sets));
	return c;
}

static void opts_free(void *p)
{
	struct opts *c = p;
	if (c)
		free(c->sets);
	free(c);
}

/* On the loading thread: the -c file with the command line's overrides
 * on top, as at start.  load_config() reports its own errors. */
static int reload_config(void *ctx, struct sl_config *cfg, char *err, size_t errlen)
{
	(void)errlen;
	err[0] = '\0';
	return load_config(ctx, cfg) == -1 ? 0 : -EINVAL;
}

/*
 * Reload on SIGHUP: the configuration is read again and its rules, roster
 * and databases are loaded and validated on a thread of their own, so
 * capture goes on meanwhile; the new set is swapped in between packets
 * once ready (on_reload_done).  Anything that fails validation changes
 * nothing and says why; keys other than those need a restart.
 */
static void reload(struct run_ctx *rc)
{
	char err[512];
	void *ctx = opts_copy(rc->o);
	if (!ctx)
		fprintf(stderr, "sightline: reload: out of memory; keeping the running "
			"configuration (rules, roster and databases)\n");
	else if (sl_reloader_request(rc->reloader, reload_config, ctx, opts_free, err,
				     sizeof(err)) < 0)
		fprintf(stderr, "sightline: reload: %s; keeping the running configuration (rules, "
			"roster and databases)\n", err);
}

/* Between packets, once a reload has loaded: swap it in, say what happened. */
static void on_reload_done(void *ctx)
{
	struct run_ctx *rc = ctx;
	char err[1024];
	int r = sl_reloader_commit(rc->reloader, err, sizeof(err));
	if (r == -EAGAIN)
		return;
	if (r < 0 && !err[0])
		fprintf(stderr, "sightline: reload: keeping the running configuration (rules, "
			"roster and databases)\n");
	else if (r < 0)
		fprintf(stderr, "sightline: reload: %s; keeping the running configuration (rules, "
			"roster and databases)\n", err);
	else if (!rc->o->quiet)
		fprintf(stderr, "sightline: reload: rules, roster and databases reloaded%s%s%s%s\n",
			rc->o->config ? " from " : "", rc->o->config ? rc->o->config : "",
			err[0] ? "; " : "", err);
	else if (err[0]) /* -q keeps progress quiet, not what the user must act on */
		fprintf(stderr, "sightline: reload: %s\n", err);
}

/* SIGHUP: reopen output files (logrotate moved them), then reload. */
static void on_hup(void *ctx)
{
	struct run_ctx *rc = ctx;
	sl_eve_reopen(rc->eve);
	reload(rc);
}

/* Live and quiet: push what the file outputs buffered, so a tailing
 * shipper sees events within a poll period, not when 64 KiB filled. */
static void on_idle(void *ctx)
{
	struct run_ctx *rc = ctx;
	sl_eve_flush(rc->eve);
}

/* Give up root: first let the outputs prepare for what they will do as
 * the user (reopen files on SIGHUP), then switch. */
static int drop_privileges(struct run_ctx *rc, char *err, size_t errlen)
{
	struct sl_priv_target to;
	int r = sl_priv_target_init(&rc->cfg->privileges, &to, err, errlen);
	if (r > 0)
		r = sl_eve_handover(rc->eve, &to, err, errlen);
	sl_priv_target_finish(&to);
	return r < 0 ? r : sl_priv_drop(&rc->cfg->privileges, err, errlen);
}

/* Captures and outputs are open (live: every handle joined and filtered):
 * privileges go, and a service manager hears the sensor is capturing. */
static int on_open(void *ctx, char *err, size_t errlen)
{
	struct run_ctx *rc = ctx;
	int r = drop_privileges(rc, err, errlen);
	if (r == 0)
		sl_notify_send(&rc->notify, "READY=1");
	return r;
}

/* Per output: events lost, on stderr; true when any were. */
static bool report_losses(struct sl_eve *eve)
{
	bool lost = false;
	for (size_t i = 0; i < sl_eve_outputs(eve); i++) {
		struct sl_output_stats st;
		sl_eve_output_stats(eve, i, &st);
		if (!st.dropped)
			continue;
		lost = true;
		fprintf(stderr, "sightline: %llu of %llu events could not be written to %s: %s\n",
			(unsigned long long)st.dropped, (unsigned long long)st.events,
			strcmp(st.type, "stdout") == 0 ? "stdout" : st.destination,
			st.last_errno ? strerror(st.last_errno) : "queue full");
	}
	return lost;
}

/* A sign-in source's sentence (a bad record, a rotation), on stderr even
 * with -q: a skipped record is data lost. */
static void identity_message(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "sightline: identity: %s\n", line);
}

/* Run the capture (replay: drop privileges first; live: once the
 * interface is open), then flush flows, deliver queues, summarise. */
static int capture(struct run_ctx *rc, const struct sl_capture_list *files, char *err, size_t errlen)
{
	const struct sl_config *cfg = rc->cfg;
	struct sl_capture_opts co = {
		.bpf = cfg->capture.bpf,
		.progress = !rc->o->quiet && cfg->output.progress && isatty(STDERR_FILENO),
		.progress_interval_ms = cfg->output.progress_interval_ms,
		.stop = &stop_flag, .hup = &hup_flag, .on_hup = on_hup, .on_open = on_open,
		.on_idle = on_idle, .wake = &rc->reload_done, .on_wake = on_reload_done,
		.ctx = rc, .stats_interval = cfg->stats_interval,
	};
	if (rc->o->iface)
		return sl_capture_live(rc->e, rc->o->iface, &cfg->capture, &co, err, errlen);
	if (on_open(rc, err, errlen) < 0)
		return SL_CAPTURE_INPUT;
	return sl_capture_offline(rc->e, files, &co, err, errlen);
}

/* --report: every event line of the run, as the outputs get it. */
static void report_tap(void *ctx, const char *line, size_t len)
{
	sl_report_add_line(ctx, "this run", line, len);
}

/* --report: the page's directory must take a file now, not after hours of
 * replay. */
static int report_open(const struct opts *o, const struct sl_config *cfg, struct sl_report **out)
{
	char err[1024], dir[4096];
	*out = NULL;
	if (!o->report)
		return 0;
	snprintf(dir, sizeof(dir), "%s", o->report);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';          /* "/report.html": the root */
	else if (slash)
		*slash = '\0';
	const char *where = slash ? dir : ".";
	bool named = *o->report && strcmp(o->report, "-") != 0;
	if (!named || access(where, W_OK) != 0) {
		fprintf(stderr, "sightline: --report %s: cannot write there (%s); give a file in a "
			"writable directory\n", o->report, named ? strerror(errno)
			: "a file name is needed");
		return EXIT_USAGE;
	}
	struct sl_report_opts ro = { .cfg = cfg, .config_name = o->config };
	if (sl_report_create(&ro, out, err, sizeof(err)) < 0)
		return fprintf(stderr, "sightline: --report: %s\n", err), EXIT_USAGE;
	return 0;
}

/* --report at the end: the page, or why not (exit 1: the run's result is
 * incomplete). */
static int report_close(const struct opts *o, struct sl_report *rep, int code)
{
	char err[1024];
	if (!rep)
		return code;
	if (sl_report_write_file(rep, o->report, err, sizeof(err)) < 0) {
		fprintf(stderr, "sightline: --report: %s\n", err);
		code = code == EXIT_OK ? EXIT_RUNTIME : code;
	} else if (!o->quiet) {
		fprintf(stderr, "sightline: report of %llu events written to %s\n",
			sl_report_events(rep), o->report);
	}
	sl_report_destroy(rep);
	return code;
}

/* Open the outputs, run the capture, flush, report. */
static int run(const struct opts *o, const struct sl_config *cfg, const struct sl_capture_list *files)
{
	char err[1024] = "";
	struct run_ctx rc = { .o = o, .cfg = cfg, .notify = { .fd = -1 } };
	struct sl_report *rep;
	if (report_open(o, cfg, &rep))
		return EXIT_USAGE;
	int r = sl_eve_create(cfg, o->output, &rc.eve, err, sizeof(err));
	if (r < 0) {
		sl_report_destroy(rep);
		return fprintf(stderr, "sightline: %s\n", err), EXIT_USAGE;
	}
	if (rep)
		sl_eve_tap(rc.eve, report_tap, rep);
	atomic_init(&rc.reload_done, 0);
	r = sl_engine_create(cfg, rc.eve, &rc.e, err, sizeof(err));
	if (r == 0 && (r = sl_engine_add_workers(rc.e, cfg->capture.workers, err, sizeof(err))) < 0)
		sl_engine_destroy(rc.e);
	if (r == 0 && (r = sl_reloader_create(rc.e, &rc.reload_done, &rc.reloader)) < 0) {
		snprintf(err, sizeof(err), "out of memory");
		sl_engine_destroy(rc.e);
	}
	if (r < 0) {
		sl_eve_close(rc.eve);
		sl_report_destroy(rep);
		fprintf(stderr, "sightline: %s\n", err);
		/* a database that is missing or not what the config says is a
		 * configuration error, like a bad key */
		return r == -EINVAL || r == -ENOENT ? EXIT_USAGE : EXIT_RUNTIME;
	}
	r = sl_engine_identity_open(rc.e, o->iface != NULL, identity_message, NULL, err,
				    sizeof(err));
	if (r < 0) {
		fprintf(stderr, "sightline: %s\n", err);
		sl_reloader_destroy(rc.reloader);
		sl_engine_destroy(rc.e);
		sl_eve_close(rc.eve);
		sl_report_destroy(rep);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	if (sl_notify_open(&rc.notify, err, sizeof(err)) < 0) /* before a chroot hides it */
		fprintf(stderr, "sightline: warning: %s; the service manager will not hear that "
			"capture started\n", err);
	double t0 = wall_now();
	r = files->n || o->iface ? capture(&rc, files, err, sizeof(err)) : 0;
	sl_notify_send(&rc.notify, "STOPPING=1");
	if (!o->iface) /* sign-ins after the last packet are events too */
		sl_engine_signins(rc.e, SL_IDENTITY_ANY_TIME);
	if (r < 0)
		fprintf(stderr, "sightline: %s\n", err);
	if (sl_reloader_busy(rc.reloader))
		fprintf(stderr, "sightline: reload: still loading when the run ended; not applied\n");
	sl_reloader_destroy(rc.reloader); /* a load still running is abandoned, not waited for */
	if (r != SL_CAPTURE_INPUT || sl_engine_stats(rc.e)->packets > 0)
		sl_engine_finish(rc.e);
	sl_eve_drain(rc.eve);
	if (!o->quiet && cfg->output.summary && r != SL_CAPTURE_INPUT)
		sl_engine_summary(rc.e, wall_now() - t0, stderr);
	if (stop_flag && !o->quiet)
		fprintf(stderr, "sightline: stopped by signal; every open flow was written\n");
	sl_engine_destroy(rc.e);
	int code = exit_for(r);
	/* A replay that lost events produced an incomplete result: exit 1.  A
	 * live sensor's losses during an outage are operations, reported in
	 * the stats events and here, and SIGTERM still ends it with 0. */
	if (report_losses(rc.eve) && code == EXIT_OK && !o->iface)
		code = EXIT_RUNTIME;
	sl_eve_close(rc.eve);
	sl_notify_close(&rc.notify);
	return report_close(o, rep, code);
}

static int main_job(const struct opts *o, struct sl_config *cfg)
{
	/* Sign-in logs alone are a run of their own: SaaS-only companies have
	 * no packets to give. */
	bool signins_alone = cfg->identity.n_sources && !o->n_inputs && !o->iface;
	if (!signins_alone && !!o->n_inputs == !!o->iface)
		return usage_error(o->iface ? "give either -r or -i, not both"
					    : "nothing to read: give -r FILE_OR_DIR or -i IFACE (or --identity FILE to "
					    "score sign-in logs alone)");
	if (o->iface && !*o->iface) /* the unit's SIGHTLINE_IFACE left empty */
		return usage_error("-i: empty interface name; give one, e.g. -i eth1 (systemd: set "
				   "SIGHTLINE_IFACE in the unit's sightline.env)");
	struct sl_capture_list files = { 0 };
	char err[1024];
	if (sl_priv_check(&cfg->privileges, o->iface != NULL, err, sizeof(err)) < 0)
		return fprintf(stderr, "sightline: %s\n", err), EXIT_USAGE;
	if (cfg->privileges.chroot && !o->iface)
		return usage_error("--chroot applies to live capture (-i); a replay reads its files by path");
	if (o->n_inputs) {
		if (sl_capture_expand(o->inputs, o->n_inputs, &files, err, sizeof(err)) < 0)
			return fprintf(stderr, "sightline: %s\n", err), EXIT_USAGE;
		if (files.n == 0) {
			fprintf(stderr, "sightline: no capture files found in the given paths\n");
			return EXIT_USAGE;
		}
		if (files.skipped && !o->quiet)
			fprintf(stderr, "sightline: passed over %zu file(s) that are not captures\n",
				files.skipped);
	}
	int rc = run(o, cfg, &files);
	sl_capture_list_finish(&files);
	return rc;
}

/* --schema: a conflict between declarations is the program's own fault,
 * said plainly rather than printed as a broken schema. */
static int print_schema(void)
{
	char err[256] = "";
	if (sl_schema_print(stdout, err, sizeof(err)) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "sightline: --schema: %s\n", err[0] ? err : "cannot write");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	/* libcrypto (QUIC, digests) frees its tables at exit by default; the
	 * OS frees them anyway, and that cleanup cost every run 1.1 M
	 * instructions.  It must be said before libcrypto's first use. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	if (argc > 1 && strcmp(argv[1], "mmdb") == 0)
		return sl_mmdb_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "rules") == 0)
		return sl_rules_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "identity") == 0)
		return sl_identity_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return sl_report_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "score") == 0)
		return sl_score_main(argc - 1, argv + 1);
	struct opts o = { 0 };
	struct sl_config cfg = { 0 };
	/* First thing: a Ctrl-C while thousands of inputs are being checked
	 * must stop the run cleanly, not be lost or kill it half-way. */
	install_signals();
	int rc = parse_args(argc, argv, &o);
	if (rc < 0)
		rc = load_config(&o, &cfg);
	if (rc < 0 && o.list_fields)
		sl_fields_print(stdout), rc = EXIT_OK;
	if (rc < 0 && o.schema)
		rc = print_schema();
	if (rc < 0 && o.dump_config)
		sl_config_dump(&cfg, stdout), rc = EXIT_OK;
	if (rc < 0 && o.identity_check) {
		int r = sl_identity_check(&cfg, NULL, stdout, stderr);
		rc = r == 0 ? EXIT_OK : r == -EBADMSG ? EXIT_RUNTIME : EXIT_USAGE;
	}
	if (rc < 0)
		rc = main_job(&o, &cfg);
	sl_config_finish(&cfg);
	free(o.inputs);
	free(o.sets);
	free(o.identities);
	return rc;
}
