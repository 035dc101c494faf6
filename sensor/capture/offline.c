/* Offline replay of pcap and pcapng files, with a progress line for long
 * interactive replays.  Both formats are parsed here (pcapfile.c,
 * pcapng.c: a pcapng file's packets each with their interface's link type,
 * filtered per link type with pcap_offline_filter); files that are not
 * regular (pipes), filtered classic pcap and the rest of a damaged classic
 * file go through libpcap.  With
 * workers every worker reads the files itself and keeps the frames whose
 * flow hash is its own: no reader thread and no copies into rings (the
 * designs measured against it are in README "Workers and the benchmark"). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

/*
 * A pcapng file before it is read: its first section header must read, and
 * one of the interfaces described before its first packet must have a link
 * type we decode (the others' packets are counted, not decoded).  The
 * filter is compiled for each of their link types, into fs.
 */
static int preflight_ng(struct sl_pcapng *g, int opened, const char *path,
			struct sl_cap_filters *fs, char *err, size_t errlen)
{
	struct pcap_pkthdr h;
	const uint8_t *data;
	struct sl_pcapng_if *ifc;
	if (opened == -2) {
		snprintf(err, errlen, "%s: cannot read the capture: %s", path, g->err);
		return SL_CAPTURE_INPUT;
	}
	sl_pcapng_next(g, &h, &data, &ifc); /* reads the interfaces before it */
	int rc = g->n_ifs ? SL_CAPTURE_INPUT : 0;
	for (size_t i = 0; i < g->n_ifs && rc; i++)
		rc = sl_cap_check_dlt_value(g->ifs[i].dlt, path, err, errlen);
	for (size_t i = 0; i < g->n_ifs && rc == 0; i++)
		sl_cap_filter_for(fs, g->ifs[i].dlt, path);
	return rc;
}

/* A classic pcap file (or standard input) before it is read. */
static int preflight_pcap(const char *path, struct sl_cap_filters *fs, char *err, size_t errlen)
{
	pcap_t *p = open_file(path, NULL, err, errlen);
	if (!p)
		return SL_CAPTURE_INPUT;
	int rc = sl_cap_check_dlt(p, path, err, errlen);
	if (rc == 0)
		sl_cap_filter_for(fs, pcap_datalink(p), path);
	pcap_close(p);
	return rc;
}

/*
 * A filter that compiles for none of the run's link types is a mistake in
 * the filter.  One that compiles for some is used; packets of the link
 * types libpcap cannot filter (NFLOG: "link-layer type filtering not
 * implemented") are skipped, with a warning, as they cannot be shown to match.
 */
static int filter_verdict(const struct sl_cap_filters *fs, char *err, size_t errlen)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].ok)
			return 0;
	if (fs->n == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", fs->v[0].where, fs->v[0].why);
	return SL_CAPTURE_INPUT;
}

/* Open every file once before reading any, so a bad link type, a damaged
 * header or a bad filter stops the run before it writes half a result. */
static int preflight(const struct sl_capture_list *files, const struct sl_capture_opts *o,
		     char *err, size_t errlen)
{
	struct sl_cap_filters fs = { .bpf = o->bpf };
	int rc = 0;
	for (size_t i = 0; i < files->n && rc == 0 && !(o->stop && *o->stop); i++) {
		struct sl_pcapng g;
		int ng = sl_pcapng_open(files->paths[i], &g);
		if (ng != -1)
			rc = preflight_ng(&g, ng, files->paths[i], &fs, err, errlen);
		sl_pcapng_close(&g);
		if (ng == -1)
			rc = preflight_pcap(files->paths[i], &fs, err, errlen);
	}
	if (rc == 0)
		rc = filter_verdict(&fs, err, errlen);
	sl_cap_filters_free(&fs);
	return rc;
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

/* pos: bytes read of the current file. */
static void progress_show(struct progress *pg, uint64_t pos, uint64_t packets, size_t idx, size_t n)
{
	double t = now_sec();
	if (t - pg->last < pg->interval)
		return;
	pg->last = t;
	uint64_t done = pg->done_bytes + pos;
	uint64_t pk = pg->packets + packets;
	fprintf(stderr, "\rsightline: %5.1f%% of input, file %zu/%zu, %llu packets, %.0f packets/s   ",
		pg->total_bytes ? 100.0 * (double)done / (double)pg->total_bytes : 100.0, idx + 1, n,
		(unsigned long long)pk, pk / (t - pg->start));
}

/* A read error part-way.  A record cut short at the end (an interrupted
 * capture) is a warning: everything before it was read.  Anything else is
 * damage: the caller reports err and the run exits 1. */
static int read_error(struct sl_engine *e, const char *path, const char *why, bool truncated,
		      uint64_t packets, char *err, size_t errlen)
{
	const char *advice = "repair it with pcapfix or re-capture";
	if (truncated) {
		fprintf(stderr, "sightline: %s: capture ends in a cut-short record after packet %llu "
			"(%s); every packet before it was read\n", path, (unsigned long long)packets, why);
		sl_engine_stats(e)->truncated_files++;
		return 0;
	}
	if (strstr(why, "different from the") && strstr(why, "of the first interface"))
		advice = "from a pipe or device libpcap reads the pcapng, one link type and snap "
			 "length per file: save it to a regular file and give that";
	sl_engine_stats(e)->damaged_files++;
	snprintf(err, errlen, "%s: capture is damaged after packet %llu (%s); the flows read so far "
		 "are written; %s", path, (unsigned long long)packets, why, advice);
	return SL_CAPTURE_RUNTIME;
}

#define SLICE 1024   /* frames between looks at the progress line and signals */

/*
 * One reader: an engine going through every file.  With n workers there
 * are n readers over the same files, reader k keeping the frames whose
 * flow hash is k (sl_shard_pick).  Reader 0 runs on the calling thread and
 * keeps the capture's books for all: packet counts, periodic stats events,
 * SIGHUP, the progress line and read errors.
 */
struct reader {
	struct sl_engine *lead, *w;
	struct sl_engine_stats *st;    /* the lead's, counted by reader 0 per frame */
	unsigned k, n;
	const struct sl_capture_list *files;
	const struct sl_capture_opts *o;
	struct progress *pg;           /* reader 0 */
	struct cap_ctx c;              /* the current file */
	uint64_t frames;               /* read so far, all files */
	char *buf;                     /* READ_BUF stdio buffer for libpcap */
	struct sl_cap_filters filters; /* the filter compiled per link type */
	int rc;                        /* reader 0: the run's result */
	_Atomic bool *abort;           /* the run could not start all readers */
	char *err;
	size_t errlen;
	pthread_t thread;
};

static bool stopped(const struct reader *rd)
{
	return (rd->o->stop && *rd->o->stop) || atomic_load_explicit(rd->abort, memory_order_relaxed);
}

/*
 * A frame for this reader's engine, and a tick: every reader sees every
 * frame's time, so each worker's capture clock is the one a single engine
 * would have at that frame, and its flows time out as they would there
 * (the clock, not the share of packets, decides).  Frames that are not IP
 * go to worker 0.  Reader 0 keeps the capture's counters for all and
 * serves signals.
 */
static void frame(struct reader *rd, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct sl_frame fr = { .dlt = rd->c.dlt, .ts = sl_cap_ts(h), .data = bytes,
			       .caplen = h->caplen, .wirelen = h->len };
	rd->c.packets++;
	if (rd->k == 0)
		sl_cap_count(rd->st, fr.ts, fr.wirelen);
	sl_engine_signins(rd->w, fr.ts); /* sign-ins up to this frame come before it */
	int k = rd->n == 1 ? 0 : sl_shard_pick(fr.dlt, bytes, h->caplen, rd->n);
	if ((unsigned)(k < 0 ? 0 : k) == rd->k)
		sl_engine_packet(rd->w, &fr);
	if (rd->k == 0)
		sl_cap_signals(&rd->c);
	sl_engine_tick(rd->w, fr.ts, SL_CLOCK_PACKET);
}

/* The progress line (reader 0) and the stop flag, out of line: the test
 * below runs for every frame. */
static __attribute__((noinline)) bool slice_due(struct reader *rd, uint64_t pos, size_t idx)
{
	if (rd->k == 0 && rd->o->progress)
		progress_show(rd->pg, pos, rd->c.packets, idx, rd->files->n);
	return stopped(rd);
}

/* Every SLICE frames (of all files: many small ones count too) and at the
 * end of each file: slice_due(). */
static inline bool slice_end(struct reader *rd, uint64_t pos, size_t idx, bool file_end)
{
	if (!file_end && ++rd->frames % SLICE)
		return false;
	return slice_due(rd, pos, idx);
}

/* Records from skip on through libpcap (all of them for pcapng or with a
 * filter): the ones pcapfile.c already gave are skipped. */
static int read_pcap(struct reader *rd, pcap_t *p, uint64_t skip, const char *path, size_t idx)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int got;
	for (uint64_t i = 0; i < skip && pcap_next_ex(p, &h, &data) == 1; i++)
		;
	while ((got = pcap_next_ex(p, &h, &data)) == 1) {
		frame(rd, h, data);
		long pos = ftell(pcap_file(p));
		if (slice_end(rd, pos > 0 ? (uint64_t)pos : 0, idx, false))
			return 0;
	}
	if (got == PCAP_ERROR && rd->k == 0)
		return read_error(rd->lead, path, pcap_geterr(p), strstr(pcap_geterr(p), "truncated"),
				  rd->c.packets, rd->err, rd->errlen);
	return 0;
}

/* Link types whose frames libpcap hands out as stored, so reading them
 * ourselves gives the same bytes (byte-swapped files only for link types
 * without a pseudo-header libpcap would swap). */
static bool direct_ok(int dlt, bool swapped)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_RAW: case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP:
	case DLT_PPP:
		return true;
	case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
		return !swapped;
	default:
		return false;
	}
}

/* A file starts: its packet counts, and no step back in time from the
 * previous file's last packet. */
static void file_begin(struct reader *rd, pcap_t *p, int dlt)
{
	rd->c = (struct cap_ctx){ .e = rd->lead, .dlt = dlt, .stop = rd->o->stop, .p = p,
				  .o = rd->o };
	if (rd->k == 0) {
		sl_engine_stats(rd->lead)->files++;
		sl_engine_stats(rd->lead)->prev_ts = 0;
	}
}

/* The filter of link type dlt; -1 when the filter cannot apply to it (its
 * packets are skipped), 0 without a filter or when out of memory. */
static int filter_of(struct reader *rd, int dlt, const char *path, const struct bpf_program **prog)
{
	struct sl_cap_filter *f = sl_cap_filter_for(&rd->filters, dlt, path);
	*prog = f && f->ok ? &f->prog : NULL;
	return f && !f->ok ? -1 : 0;
}

/*
 * The packets that follow come from interface ifc: its link type, its
 * name for in_iface, its filter.  An interface whose link type we do not
 * decode is named on stderr once; its packets are counted (decoder
 * errors link.unsupported), the file's other interfaces read as usual.
 * So is one the filter cannot apply to; its packets are skipped.
 */
static void use_iface(struct reader *rd, struct sl_pcapng_if *ifc, const char *path,
		      const struct bpf_program **prog, bool *skip)
{
	rd->c.dlt = ifc->dlt;
	sl_engine_set_iface(rd->w, ifc->name);
	*skip = filter_of(rd, ifc->dlt, path, prog) < 0;
	if (rd->k == 0 && !ifc->noted && !sl_decode_dlt_supported(ifc->dlt)) {
		const char *name = pcap_datalink_val_to_name(ifc->dlt);
		fprintf(stderr, "sightline: %s: interface %u%s%s%s has link type %d (%s), which "
			"sightline does not decode; its packets are counted, not decoded\n", path,
			ifc->seq, *ifc->name ? " (" : "", ifc->name, *ifc->name ? ")" : "", ifc->dlt,
			name ? name : "unknown");
	}
	if (rd->k == 0 && !ifc->noted && *skip)
		fprintf(stderr, "sightline: %s: %s; the packets of interface %u%s%s%s cannot be "
			"filtered and are skipped\n", path,
			sl_cap_filter_for(&rd->filters, ifc->dlt, path)->why, ifc->seq,
			*ifc->name ? " (" : "", ifc->name, *ifc->name ? ")" : "");
	ifc->noted = true;
}

/* A pcapng file, every packet with its own interface's link type. */
static int read_pcapng(struct reader *rd, struct sl_pcapng *g, const char *path, size_t idx)
{
	struct pcap_pkthdr h;
	const uint8_t *data;
	struct sl_pcapng_if *ifc;
	const struct bpf_program *prog = NULL;
	bool skip = false;
	uint32_t cur = UINT32_MAX; /* seq of the interface in use */
	int got, rc = 0;
	file_begin(rd, NULL, -1);
	while ((got = sl_pcapng_next(g, &h, &data, &ifc)) == 1) {
		if (ifc->seq != cur)
			use_iface(rd, ifc, path, &prog, &skip);
		cur = ifc->seq;
		if (!skip && (!prog || pcap_offline_filter(prog, &h, data)))
			frame(rd, &h, data);
		if (slice_end(rd, g->fb.pos, idx, false))
			break;
	}
	if (got < 0 && rd->k == 0)
		rc = read_error(rd->lead, path, g->err, g->truncated, rd->c.packets, rd->err,
				rd->errlen);
	if (g->sections_skipped && rd->k == 0)
		fprintf(stderr, "sightline: %s: %u pcapng section(s) of a version other than 1 "
			"skipped, as the format asks; their packets were not read\n", path,
			g->sections_skipped);
	slice_end(rd, 0, idx, true);
	if (rd->k == 0)
		rd->pg->packets += rd->c.packets;
	return rc;
}

static int read_file(struct reader *rd, size_t idx)
{
	const char *path = rd->files->paths[idx];
	struct sl_pcapng g;
	sl_engine_set_file(rd->w, path); /* pcap_filename; without memory flows just lack it */
	if (sl_pcapng_open(path, &g) == 0) {
		int rc = read_pcapng(rd, &g, path, idx);
		sl_pcapng_close(&g);
		return rc;
	}
	sl_pcapng_close(&g);
	sl_engine_set_iface(rd->w, NULL); /* classic pcap names no interface */
	struct sl_pcapfile pf;
	bool direct = !(rd->o->bpf && *rd->o->bpf) && sl_pcapfile_open(path, &pf) == 0;
	/* Read directly, libpcap only gives the link type (and reads any
	 * damaged rest): its 1 MB buffer would read the file's start again. */
	pcap_t *p = open_file(path, direct ? NULL : rd->buf, rd->err, rd->errlen);
	if (!p) {
		if (direct)
			sl_pcapfile_close(&pf);
		return SL_CAPTURE_INPUT;
	}
	file_begin(rd, p, pcap_datalink(p));
	const struct bpf_program *prog;
	int rc = 0;
	if (filter_of(rd, rd->c.dlt, path, &prog) < 0) {
		if (rd->k == 0)
			fprintf(stderr, "sightline: %s: %s; the file's packets cannot be filtered and "
				"are skipped\n", path,
				sl_cap_filter_for(&rd->filters, rd->c.dlt, path)->why);
		rc = 1; /* read nothing */
	} else if (prog && pcap_setfilter(p, (struct bpf_program *)prog) != 0) {
		snprintf(rd->err, rd->errlen, "%s: cannot apply BPF filter '%s': %s", path,
			 rd->o->bpf, pcap_geterr(p));
		rc = SL_CAPTURE_INPUT;
	}
	uint64_t skip = 0;
	if (direct) {
		struct pcap_pkthdr h = { 0 };
		const uint8_t *data;
		int got = 0;
		if (direct_ok(rd->c.dlt, pf.swapped))
			while ((got = sl_pcapfile_next(&pf, &h, &data)) == 1) {
				frame(rd, &h, data);
				if (slice_end(rd, pf.fb.pos, idx, false))
					break;
			}
		skip = got < 0 || !direct_ok(rd->c.dlt, pf.swapped) ? pf.index : UINT64_MAX;
		sl_pcapfile_close(&pf);
	}
	if (rc == 0 && skip != UINT64_MAX && !stopped(rd))
		rc = read_pcap(rd, p, skip, path, idx);
	slice_end(rd, 0, idx, true);
	if (rd->k == 0)
		rd->pg->packets += rd->c.packets;
	pcap_close(p);
	return rc < 0 ? rc : 0;
}

/* All files, in order; reader 0 merges the results as the run's. */
static void *read_all(void *arg)
{
	struct reader *rd = arg;
	for (size_t i = 0; i < rd->files->n && !stopped(rd); i++) {
		struct stat st;
		int rc = read_file(rd, i);
		if (rc < 0)
			rd->rc = rc == SL_CAPTURE_INPUT && rd->rc == 0 ? rc : SL_CAPTURE_RUNTIME;
		if (rd->k == 0 && stat(rd->files->paths[i], &st) == 0)
			rd->pg->done_bytes += (uint64_t)st.st_size;
	}
	sl_engine_replay_done(rd->w); /* the other workers stop waiting for this one */
	return NULL;
}

int sl_capture_offline(struct sl_engine *e, const struct sl_capture_list *files,
		       const struct sl_capture_opts *o, char *err, size_t errlen)
{
	int rc = preflight(files, o, err, errlen);
	if (rc < 0)
		return rc;
	struct progress pg = { .start = now_sec(), .last = now_sec(), .total_bytes = files->total_bytes,
			       .interval = o->progress_interval_ms / 1000.0 };
	unsigned n = sl_engine_workers(e);
	struct reader *rd = calloc(n, sizeof(*rd));
	char (*errs)[256] = calloc(n, sizeof(*errs));
	_Atomic bool abort = false;
	unsigned started = 1;
	sl_engine_order_replay(e); /* with workers: shared state touched in capture order */
	for (unsigned k = 0; rd && errs && k < n; k++) {
		rd[k] = (struct reader){ .lead = e, .w = sl_engine_worker(e, k), .k = k, .n = n,
					 .st = sl_engine_stats(e),
					 .files = files, .o = o, .pg = &pg, .buf = malloc(READ_BUF),
					 .filters = { .bpf = o->bpf },
					 .abort = &abort, .err = k ? errs[k] : err,
					 .errlen = k ? sizeof(errs[k]) : errlen };
		if (k && pthread_create(&rd[k].thread, NULL, read_all, &rd[k]) != 0)
			break;
		started += k > 0;
	}
	if (!rd || !errs || started < n) {
		atomic_store(&abort, true); /* the started ones stop at their next slice */
		for (unsigned k = 0; k < n; k++) /* and wait for no reader that never runs */
			if (k == 0 || k >= started)
				sl_engine_replay_done(sl_engine_worker(e, k));
		snprintf(err, errlen, "cannot start %u workers", n);
		rc = SL_CAPTURE_RUNTIME;
	} else {
		read_all(&rd[0]);
		rc = rd[0].rc;
	}
	for (unsigned k = 1; rd && k < started; k++)
		pthread_join(rd[k].thread, NULL);
	for (unsigned k = 0; rd && k < n; k++) {
		free(rd[k].buf);
		sl_cap_filters_free(&rd[k].filters);
	}
	free(rd);
	free(errs);
	if (o->progress && pg.last > pg.start)
		fprintf(stderr, "\r\033[K");
	return rc;
}
