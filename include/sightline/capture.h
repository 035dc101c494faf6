/* Capture front end: offline pcap/pcapng files and directories (recognised by
 * magic number, never by extension) and basic live capture through libpcap.
 * Packet timestamps from the capture are handed to the engine unchanged. */
#ifndef SIGHTLINE_CAPTURE_H
#define SIGHTLINE_CAPTURE_H

#include <signal.h>
#include <stdatomic.h>

#include "sightline/config.h"
#include "sightline/engine.h"

/* The files of a replay, in the order they are read.  Owns its strings. */
struct sl_capture_list {
	char **paths;
	size_t n;
	uint64_t total_bytes;    /* sum of file sizes, for the progress line */
	size_t skipped;          /* non-capture files passed over inside directories */
};

/**
 * Expand inputs (files and directories; directories are walked recursively
 * in name order, hidden entries skipped, non-capture files passed over and
 * counted).  A named file that is missing, unreadable, empty or not a
 * pcap/pcapng capture is an error: -ENOENT/-EACCES/-EINVAL with
 * "PATH: reason" in err.  Caller owns out; release with sl_capture_list_finish().
 */
int sl_capture_expand(const char *const *inputs, size_t n, struct sl_capture_list *out,
		      char *err, size_t errlen);

/** Release a list.  Accepts NULL or a zeroed list. */
void sl_capture_list_finish(struct sl_capture_list *l);

/** True when the first bytes of a file are a pcap or pcapng magic number. */
bool sl_capture_is_capture_magic(const uint8_t *b, size_t n);

struct sl_capture_opts {
	const char *bpf;                 /* filter or NULL */
	bool progress;                   /* progress line on stderr (callers check the terminal) */
	uint32_t progress_interval_ms;   /* refresh period of that line */
	volatile sig_atomic_t *stop;     /* set by a signal handler: stop reading */
	volatile sig_atomic_t *hup;      /* set by SIGHUP: call on_hup between packets */
	void (*on_hup)(void *ctx);       /* reopen outputs, reload (main.c); may be NULL */
	/* Set from another thread (a reload finished loading): on_wake is
	 * called between packets, like on_hup; both may be NULL. */
	atomic_int *wake;
	void (*on_wake)(void *ctx);
	/* Live: called once the interface is open, before the first packet
	 * (privilege drop); non-zero stops with SL_CAPTURE_INPUT and err. */
	int (*on_open)(void *ctx, char *err, size_t errlen);
	void (*on_idle)(void *ctx);      /* live: no packet waiting, or 200 ms since the last call
					  * on a busy link (flush outputs); may be NULL */
	void *ctx;                       /* for on_hup, on_wake, on_open and on_idle */
	uint32_t stats_interval;         /* seconds between stats events; 0: none */
};

/*
 * Results of a run, for the exit code: 0 everything read; SL_CAPTURE_INPUT
 * (exit 2) a file or filter could not be used, nothing of it was read;
 * SL_CAPTURE_RUNTIME (exit 1) reading failed part-way (the flows so far
 * were still processed).  err holds the message.
 */
#define SL_CAPTURE_INPUT (-2)
#define SL_CAPTURE_RUNTIME (-1)

/**
 * Replay files through e.  Checks every file's link type and the filter
 * before the first packet, so a bad input fails fast (SL_CAPTURE_INPUT).
 * A file cut short in its last record is read up to there and reported on
 * stderr with the packet count; other read errors stop that file and make
 * the result SL_CAPTURE_RUNTIME.
 */
int sl_capture_offline(struct sl_engine *e, const struct sl_capture_list *files,
		       const struct sl_capture_opts *opts, char *err, size_t errlen);

/**
 * Capture live from iface until *opts->stop is set.  Opening failures
 * (permission, no such device, unsupported link type, bad filter) return
 * SL_CAPTURE_INPUT or SL_CAPTURE_RUNTIME with advice in err.
 */
int sl_capture_live(struct sl_engine *e, const char *iface, const struct sl_capture_config *cfg,
		    const struct sl_capture_opts *opts, char *err, size_t errlen);

#endif
