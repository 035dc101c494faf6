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
	sl_time_us next_stats;         /* when the next periodic stats event is due */
	bool live;                     /* stats on the wall clock, not packet time */
	struct sl_shard *shard;        /* replay with workers: frames go to their rings */
};

/* The worker (< n) an IP frame of link type dlt belongs to: a hash of its
 * address pair and protocol, the same in both directions and for every
 * fragment; -1 for non-IP frames and unknown link types (worker 0 takes
 * them, but they do not advance the other workers' clocks). */
int sl_shard_pick(int dlt, const uint8_t *frame, uint32_t caplen, unsigned n);

struct sl_shard;

/* Start one thread per worker of e, each draining its own ring into its
 * engine.  Returns 0 or a negative errno with a sentence in err. */
int sl_shard_start(struct sl_engine *e, struct sl_shard **out, char *err, size_t errlen);

/* Copy a frame into its worker's ring, waiting while that ring is full. */
void sl_shard_packet(struct sl_shard *s, int dlt, sl_time_us ts, const uint8_t *frame,
		     uint32_t caplen, uint32_t wirelen);

/* Let the workers drain their rings, join them, free.  Accepts NULL. */
void sl_shard_stop(struct sl_shard *s);

/* Between packets: a pending SIGHUP, and a periodic stats event due at
 * now (packet time offline, the wall clock live). */
void sl_cap_between(struct cap_ctx *c, sl_time_us now);

/* libpcap callback: hand one record to the engine. */
void sl_cap_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes);

/* Check the link type of an open handle; SL_CAPTURE_INPUT with advice if unsupported. */
int sl_cap_check_dlt(pcap_t *p, const char *what, char *err, size_t errlen);

/* Compile and install a BPF filter (NULL/empty: none). */
int sl_cap_set_filter(pcap_t *p, const char *bpf, const char *what, char *err, size_t errlen);

#endif
