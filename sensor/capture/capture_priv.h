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

/* Bytes of a capture file mapped at a time, and how far ahead of the
 * reader its lines are prefetched (filebuf.c says why). */
#define SL_FILEBUF_WINDOW (4u << 20)
#define SL_FILEBUF_AHEAD 16384u

/*
 * A capture file read in place (sensor/capture/filebuf.c): through mapped
 * windows (mapped: buf is the window, page aligned at file_off), or
 * through one growing buffer filled by pread(2).  Either way buf holds the
 * file from file_off on, len bytes of it.
 */
struct sl_filebuf {
	int fd;
	bool opened;
	uint8_t *buf;         /* the file from file_off on, len bytes of it */
	size_t len, cap, max; /* bytes held, allocated, and the most ever allocated */
	size_t first;         /* what the first fill allocates */
	uint64_t file_off;
	uint64_t pos;         /* file offset of the next record: the reader moves it */
	uint64_t size;        /* of the file when opened (mapped: when last looked at) */
	bool eof, read_error;
	int read_errno;
	bool mapped;          /* windows, not pread */
	bool guarding;        /* holds the SIGBUS guard for this thread */
	size_t maplen;        /* bytes mapped at buf (whole pages) */
	uint64_t page;        /* the page size */
	uint64_t ahead;       /* file offset prefetched up to */
	uint64_t cut_at;      /* file offset where the guard put zero pages */
	volatile sig_atomic_t cut; /* set by the guard: the file lost pages of the window */
};

/* Open path (a regular file) to be read through mapped windows, or
 * through a cap-byte buffer, allocated by the first fill, that may grow to
 * max.  Returns 0 or -1 (b is then closed). */
int sl_filebuf_open(struct sl_filebuf *b, const char *path, size_t cap, size_t max);

/* At least need bytes from b->pos held, unless the file ends (or a read
 * fails: eof and read_error set) first, or need is above b->max.  Mapped,
 * they are checked still in the file (sl_filebuf_present), so a file cut
 * since its window was mapped ends here, at the cut, rather than under the
 * engine.  Returns the bytes available at sl_filebuf_at(). */
size_t sl_filebuf_fill(struct sl_filebuf *b, size_t need);

/* Mapped, out of line: the guard cut b's window (b->cut), or the bytes
 * up to pos + need end in the window's last page, with no later page to
 * touch: fstat(2) says whether the file still holds them.  Returns the
 * bytes available at sl_filebuf_at() (less than need: eof). */
size_t sl_filebuf_confirm(struct sl_filebuf *b, size_t need, size_t have);

/* Tests: map windows of bytes (a multiple of the page size) from the next
 * open on; 0 reads every file with pread.  Not thread-safe. */
void sl_filebuf_test_window(size_t bytes);

/*
 * Mapped: are the have >= need bytes at pos still in the file?  A file is
 * cut from its end, so they are when the page after the last of them is:
 * that page is read once here, and when the file no longer reaches it the
 * read faults into the guard (b->cut), rather than later under the engine.
 * (The page holding the last byte could not tell: a cut inside it leaves
 * the page mapped, reading zeros past the new end.)  A cut after this
 * check, while the engine reads the record, cannot signal either: the
 * engine reads zeros for the pages lost, and the next record's check ends
 * the file at the cut.  The lines up to SL_FILEBUF_AHEAD past pos are
 * asked of the memory first (prefetches never fault, even past a cut).
 */
static inline size_t sl_filebuf_present(struct sl_filebuf *b, size_t need, size_t have)
{
	uint64_t end = b->file_off + b->len, lim = b->pos + SL_FILEBUF_AHEAD;
	if (lim > end)
		lim = end;
	if (b->ahead < b->pos)
		b->ahead = b->pos & ~(uint64_t)63;
	for (; b->ahead < lim; b->ahead += 64)
		__builtin_prefetch(b->buf + (b->ahead - b->file_off));
	uint64_t next = ((b->pos + need - 1) | (b->page - 1)) + 1;
	if (next >= end)
		return sl_filebuf_confirm(b, need, have);
	(void)*(volatile const uint8_t *)(b->buf + (next - b->file_off));
	return b->cut ? sl_filebuf_confirm(b, need, have) : have;
}

/* sl_filebuf_fill() inline when the bytes are held already (every record
 * but one a window's or buffer's worth). */
static inline size_t sl_filebuf_need(struct sl_filebuf *b, size_t need)
{
	size_t have = b->len - (size_t)(b->pos - b->file_off);
	if (have < need && !b->eof)
		return sl_filebuf_fill(b, need);
	return b->mapped && need && have >= need ? sl_filebuf_present(b, need, have) : have;
}

/* sl_filebuf_need() without the mapped check: for bytes that a later
 * sl_filebuf_need() over more of the record checks (a lost page reads as
 * zeros, or faults into the guard, until then). */
static inline size_t sl_filebuf_held(struct sl_filebuf *b, size_t need)
{
	size_t have = b->len - (size_t)(b->pos - b->file_off);
	return have >= need || b->eof ? have : sl_filebuf_fill(b, need);
}

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
static inline void sl_cap_count(struct sl_engine_stats *st, sl_time_us ts, uint32_t wirelen)
{
	st->packets++;
	st->bytes += wirelen;
	if (st->first_ts == 0 || ts < st->first_ts)
		st->first_ts = ts;
	if (ts > st->last_ts)
		st->last_ts = ts;
	if (ts < st->prev_ts)
		st->time_backwards++;
	st->prev_ts = ts;
}

/* A record's timestamp as packet time: pre-1970 values from damaged files
 * are clamped rather than wrapped into the far future. */
static inline sl_time_us sl_cap_ts(const struct pcap_pkthdr *h)
{
	return h->ts.tv_sec < 0 ? 0
	       : (sl_time_us)h->ts.tv_sec * SL_US_PER_SEC + (sl_time_us)h->ts.tv_usec;
}

/* sl_cap_signals() when either flag is raised. */
void sl_cap_signals_serve(struct cap_ctx *c);

/* Between frames: a pending SIGHUP, a finished reload (the caller's
 * callbacks, under the engine lock).  The caller then ticks the engine.
 * Inline: every frame of a replay asks, and the answer is nearly always no. */
static inline void sl_cap_signals(struct cap_ctx *c)
{
	const struct sl_capture_opts *o = c->o;
	if (o && ((o->hup && *o->hup) ||
		  (o->wake && atomic_load_explicit(o->wake, memory_order_relaxed))))
		sl_cap_signals_serve(c);
}

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
