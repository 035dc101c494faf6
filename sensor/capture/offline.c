/* Offline replay of pcap and pcapng files (libpcap detects the format from
 * the magic number), with a progress line for long interactive replays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capture_priv.h"

#define READ_BUF (1u << 20) /* stdio buffer: one read(2) a megabyte, not every 4 kB */

/* A file is opened here and handed to libpcap (which closes it), reading
 * through buf (READ_BUF bytes, owned by the caller and kept until
 * pcap_close) when one is given; standard input ("-") is libpcap's own. */
static pcap_t *open_file(const char *path, char *buf, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = NULL;
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	if (!strcmp(path, "-")) {
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	} else if (!fp) {
		snprintf(ebuf, sizeof(ebuf), "%s: %s", path, strerror(errno));
	} else {
		if (buf) /* glibc ignores the size without a buffer of ours */
			setvbuf(fp, buf, _IOFBF, READ_BUF);
		p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (!p)
			fclose(fp); /* libpcap closes it only once it returned a handle */
	}
	if (!p)
		snprintf(err, errlen, "%s: cannot read the capture: %s", path, ebuf);
	return p;
}

/* Open every file once before reading any, so a bad link type, a damaged
 * header or a bad filter stops the run before it writes half a result. */
static int preflight(const struct sl_capture_list *files, const struct sl_capture_opts *o,
		     char *err, size_t errlen)
{
	const char *bpf = o->bpf;
	for (size_t i = 0; i < files->n && !(o->stop && *o->stop); i++) {
		pcap_t *p = open_file(files->paths[i], NULL, err, errlen);
		if (!p)
			return SL_CAPTURE_INPUT;
		int rc = sl_cap_check_dlt(p, files->paths[i], err, errlen);
		if (rc == 0)
			rc = sl_cap_set_filter(p, bpf, files->paths[i], err, errlen);
		pcap_close(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct progress {
	double start, last;
	double interval;      /* seconds between refreshes */
	uint64_t done_bytes;  /* bytes of files already finished */
	uint64_t total_bytes;
	uint64_t packets;     /* packets before the current file */
};

static void progress_show(struct progress *pg, struct cap_ctx *c, size_t idx, size_t n)
{
	double t = now_sec();
	if (t - pg->last < pg->interval)
		return;
	pg->last = t;
	long pos = ftell(pcap_file(c->p));
	uint64_t done = pg->done_bytes + (pos > 0 ? (uint64_t)pos : 0);
	uint64_t pk = pg->packets + c->packets;
	fprintf(stderr, "\rsightline: %5.1f%% of input, file %zu/%zu, %llu packets, %.0f packets/s   ",
		pg->total_bytes ? 100.0 * (double)done / (double)pg->total_bytes : 100.0, idx + 1, n,
		(unsigned long long)pk, pk / (t - pg->start));
}

/* A read error part-way.  A record cut short at the end (an interrupted
 * capture) is a warning: everything before it was read.  Anything else is
 * damage: the caller reports err and the run exits 1. */
static int read_error(struct sl_engine *e, const char *path, const char *why, uint64_t packets,
		      char *err, size_t errlen)
{
	const char *advice = "repair it with pcapfix or re-capture";
	if (strstr(why, "truncated")) {
		fprintf(stderr, "sightline: %s: capture ends in a cut-short record after packet %llu "
			"(%s); every packet before it was read\n", path, (unsigned long long)packets, why);
		sl_engine_stats(e)->truncated_files++;
		return 0;
	}
	if (strstr(why, "different from the type of the first interface"))
		advice = "sightline reads one link type per file: split it per interface, e.g. "
			 "tshark -r FILE -Y 'frame.interface_id == 1' -w FILE-if1.pcapng";
	sl_engine_stats(e)->damaged_files++;
	snprintf(err, errlen, "%s: capture is damaged after packet %llu (%s); the flows read so far "
		 "are written; %s", path, (unsigned long long)packets, why, advice);
	return SL_CAPTURE_RUNTIME;
}

/* Read one file in slices so the progress line and signals are serviced. */
static int replay_file(struct sl_engine *e, struct sl_shard *sh, const char *path,
		       const struct sl_capture_opts *o, struct progress *pg, size_t idx, size_t n,
		       sl_time_us *next_stats, char *err, size_t errlen)
{
	char *buf = malloc(READ_BUF);
	pcap_t *p = open_file(path, buf, err, errlen);
	if (!p) {
		free(buf);
		return SL_CAPTURE_INPUT;
	}
	struct cap_ctx c = { .e = e, .dlt = pcap_datalink(p), .stop = o->stop, .p = p, .o = o,
			     .next_stats = *next_stats, .shard = sh };
	int rc = sl_cap_set_filter(p, o->bpf, path, err, errlen);
	sl_engine_stats(e)->files++;
	sl_engine_stats(e)->prev_ts = 0; /* a new file may start earlier: not a clock step */
	while (rc == 0) {
		int got = pcap_dispatch(p, 1024, sl_cap_handler, (u_char *)&c);
		if (got == 0 || got == PCAP_ERROR_BREAK)
			break;
		if (got == PCAP_ERROR) {
			rc = read_error(e, path, pcap_geterr(p), c.packets, err, errlen);
			break;
		}
		if (o->progress)
			progress_show(pg, &c, idx, n);
		if (o->stop && *o->stop)
			break;
	}
	pg->packets += c.packets;
	*next_stats = c.next_stats;
	pcap_close(p);
	free(buf);
	return rc;
}

int sl_capture_offline(struct sl_engine *e, const struct sl_capture_list *files,
		       const struct sl_capture_opts *o, char *err, size_t errlen)
{
	int rc = preflight(files, o, err, errlen);
	if (rc < 0)
		return rc;
	struct progress pg = { .start = now_sec(), .last = now_sec(), .total_bytes = files->total_bytes,
			       .interval = o->progress_interval_ms / 1000.0 };
	int result = 0;
	sl_time_us next_stats = 0;
	struct sl_shard *sh = NULL;
	if (sl_engine_workers(e) > 1 && sl_shard_start(e, &sh, err, errlen) < 0)
		return SL_CAPTURE_RUNTIME;
	for (size_t i = 0; i < files->n && !(o->stop && *o->stop); i++) {
		struct stat st;
		rc = replay_file(e, sh, files->paths[i], o, &pg, i, files->n, &next_stats, err, errlen);
		if (rc < 0)
			result = rc == SL_CAPTURE_INPUT && result == 0 ? rc : SL_CAPTURE_RUNTIME;
		if (stat(files->paths[i], &st) == 0)
			pg.done_bytes += (uint64_t)st.st_size;
	}
	sl_shard_stop(sh); /* the workers finish what the rings hold */
	if (o->progress && pg.last > pg.start)
		fprintf(stderr, "\r\033[K");
	return result;
}
