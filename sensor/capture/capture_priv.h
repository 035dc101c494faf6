/* Shared by the offline and live readers: the per-packet callback context,
 * link-type checks, filters and the progress line. */
#ifndef SIGHTLINE_CAPTURE_PRIV_H
#define SIGHTLINE_CAPTURE_PRIV_H

#include <pcap/pcap.h>

#include "sightline/capture.h"

struct cap_ctx {
	struct sl_engine *e;
	int dlt;
	uint64_t packets;              /* in the current file or session */
	volatile sig_atomic_t *stop;
	pcap_t *p;
	const struct sl_capture_opts *o;
	bool live;
};

/* The worker (< n) an IP frame of link type dlt belongs to: a hash of its
 * address pair and protocol, the same in both directions and for every
 * fragment; -1 for non-IP frames and unknown link types (worker 0 takes
 * them, but they do not advance the other workers' clocks). */
int sl_shard_pick(int dlt, const uint8_t *frame, uint32_t caplen, unsigned n);

/* A capture file read through one growing buffer (sensor/capture/filebuf.c). */
struct sl_filebuf {
	int fd;
	bool opened;
	uint8_t *buf;         /* the file from file_off on, len bytes of it */
	size_t len, cap, max; /* bytes held, allocated, and the most ever allocated */
	size_t first;         /* what the first fill allocates */
	uint64_t file_off;
	uint64_t pos;         /* file offset of the next record: the reader moves it */
	uint64_t size;        /* of the file when opened */
	bool eof, read_error;
	int read_errno;
};

/* Open path (a regular file) for a cap-byte buffer, allocated by the first
 * fill, that may grow to max.  Returns 0 or -1 (b is then closed). */
int sl_filebuf_open(struct sl_filebuf *b, const char *path, size_t cap, size_t max);

/* At least need bytes from b->pos in the buffer, unless the file ends (or a
 * read fails: eof and read_error set) first, or need is above b->max.
 * Returns the bytes available at sl_filebuf_at(). */
size_t sl_filebuf_fill(struct sl_filebuf *b, size_t need);

/* The bytes at b->pos; valid until the next fill. */
static inline uint8_t *sl_filebuf_at(const struct sl_filebuf *b)
{
	return b->buf + (b->pos - b->file_off);
}

/* Close; b is zeroed.  Accepts a zeroed b. */
void sl_filebuf_close(struct sl_filebuf *b);

/* A classic pcap file read by sensor/capture/pcapfile.c. */
struct sl_pcapfile {
	struct sl_filebuf fb; /* fb.pos: file offset of the next record header */
	uint64_t index;       /* records handed out */
	bool swapped, nsec;
	uint32_t snaplen;
};

/* Open path when it is a classic pcap file (2.4, either byte order, micro
 * or nanosecond stamps, snap length 1..262144).  Returns 0, or -1 when it
 * is not (pcapng, another version, not a regular file, unreadable): read it
 * with libpcap then, which also reports why it cannot be read. */
int sl_pcapfile_open(const char *path, struct sl_pcapfile *f);

/* The next record, in place (data is valid until the next call).  Returns
 * 1, 0 at the end of the file, or -1 at a record libpcap would cut, refuse
 * or report (cut short, longer than the snap length, a read error): read on
 * from record f->index with libpcap. */
int sl_pcapfile_next(struct sl_pcapfile *f, struct pcap_pkthdr *h, const uint8_t **data);

/* Close; f is zeroed.  Accepts a zeroed f. */
void sl_pcapfile_close(struct sl_pcapfile *f);

/* One interface of a pcapng section (an Interface Description Block). */
struct sl_pcapng_if {
	int dlt;             /* its link type */
	uint32_t snaplen;    /* 0: no limit */
	uint64_t units;      /* time units per second (if_tsresol; 10^6 by default) */
	int64_t offset;      /* if_tsoffset: seconds added to every stamp */
	uint32_t seq;        /* interfaces described before it in the file, all sections */
	char name[96];       /* if_name ("" when absent), cut to fit */
	bool noted;          /* free for the caller (offline.c: warned about it) */
};

/* A pcapng file read by sensor/capture/pcapng.c. */
struct sl_pcapng {
	struct sl_filebuf fb;       /* fb.pos: file offset of the next block */
	bool swapped;               /* the current section's byte order is not ours */
	bool skipping;              /* in a section of another major version */
	struct sl_pcapng_if *ifs;   /* the current section's interfaces */
	size_t n_ifs, cap_ifs;
	uint32_t n_seen;            /* interfaces described so far, all sections */
	uint32_t sections_skipped;  /* sections of another major version, passed over */
	uint64_t index;             /* packets handed out */
	bool truncated;             /* the last error: the file ends inside a block */
	char err[192];              /* why the last call failed */
};

/* True when b starts with the pcapng Section Header Block type. */
bool sl_pcapng_magic(const uint8_t *b, size_t n);

/* Open path when it is a pcapng file and read its first section header.
 * Returns 0; -1 when it is not one (or not a regular file: read it with
 * libpcap then); -2 when its first block is unreadable (g->err says why).
 * Close g with sl_pcapng_close() whatever the result. */
int sl_pcapng_open(const char *path, struct sl_pcapng *g);

/* The next packet, in place: data is valid until the next call, *ifc until
 * the next section starts.  Stamps are libpcap's microseconds.  Returns 1,
 * 0 at the end of the file, or -1: g->err says why, g->truncated tells a
 * file cut short inside its last block from damage, and g->fb.pos is the
 * offset of the block at fault. */
int sl_pcapng_next(struct sl_pcapng *g, struct pcap_pkthdr *h, const uint8_t **data,
		   struct sl_pcapng_if **ifc);

/* Close; g is zeroed.  Accepts a zeroed g. */
void sl_pcapng_close(struct sl_pcapng *g);

/* Count one frame in the capture's counters st (frames, bytes, first and
 * last time, time going backwards): the lead's for every frame of a
 * replay, in capture order; each worker's own live. */
void sl_cap_count(struct sl_engine_stats *st, sl_time_us ts, uint32_t wirelen);

/* A record's timestamp as packet time (pre-1970 clamped to 0). */
sl_time_us sl_cap_ts(const struct pcap_pkthdr *h);

/* Between frames: a pending SIGHUP, a finished reload (the caller's
 * callbacks, under the engine lock).  The caller then ticks the engine. */
void sl_cap_signals(struct cap_ctx *c);

/* One live record: count it, hand it to the engine. */
void sl_cap_frame(struct cap_ctx *c, const struct pcap_pkthdr *h, const u_char *bytes);

/* libpcap callback of a live capture: sl_cap_frame(), then end the batch
 * when the stop flag is set. */
void sl_cap_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes);

/* Check the link type of an open handle; SL_CAPTURE_INPUT with advice if unsupported. */
int sl_cap_check_dlt(pcap_t *p, const char *what, char *err, size_t errlen);

/* The same for a link type given by value (a pcapng interface's). */
int sl_cap_check_dlt_value(int dlt, const char *what, char *err, size_t errlen);

#define SL_CAP_MAX_SNAPLEN 262144 /* libpcap's largest snap length */

/* Compile bpf for link type dlt (for pcap_offline_filter()); thread-safe.
 * 0, or SL_CAPTURE_INPUT with the reason in err ("what: bad BPF filter...",
 * or without "what: " when what is NULL).  Caller owns *prog:
 * pcap_freecode() it. */
int sl_cap_compile(const char *bpf, int dlt, struct bpf_program *prog, const char *what,
		   char *err, size_t errlen);

/* The filter compiled for one link type, or why libpcap cannot compile it
 * for that type (a syntax error, or a link type libpcap cannot filter,
 * such as NFLOG). */
struct sl_cap_filter {
	int dlt;
	bool ok;
	struct bpf_program prog;  /* when ok */
	char why[192];            /* when not: "bad BPF filter ... for link type ..." */
	const char *where;        /* the file it was first compiled for (borrowed) */
};

/* Filters by link type, compiled on first use; one set per thread. */
struct sl_cap_filters {
	const char *bpf;          /* borrowed; NULL or "": no filter */
	struct sl_cap_filter *v;
	size_t n, cap;
};

/* The filter of link type dlt (compiled now if new, for the file what);
 * NULL when there is no filter or no memory. */
struct sl_cap_filter *sl_cap_filter_for(struct sl_cap_filters *fs, int dlt, const char *what);

/* Free the compiled programs; fs keeps its bpf and may be used again. */
void sl_cap_filters_free(struct sl_cap_filters *fs);

/* Compile and install a BPF filter (NULL/empty: none). */
int sl_cap_set_filter(pcap_t *p, const char *bpf, const char *what, char *err, size_t errlen);

#endif
