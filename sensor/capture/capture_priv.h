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
};

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
