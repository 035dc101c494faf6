/* Live capture from one interface with libpcap; with workers, one handle
 * per worker, all in one PACKET_FANOUT group so the kernel shards flows. */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "capture_priv.h"
#include "sightline/identity.h"

static int activate_error(pcap_t *p, int rc, const char *iface, char *err, size_t errlen)
{
	const char *why = pcap_statustostr(rc);
	const char *detail = pcap_geterr(p);
	if (rc == PCAP_ERROR_PERM_DENIED)
		snprintf(err, errlen, "%s: permission denied opening the interface (%s); run as root "
			 "or grant CAP_NET_RAW and CAP_NET_ADMIN", iface, detail);
	else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
		snprintf(err, errlen, "%s: no such interface; list them with 'ip link'", iface);
	else
		snprintf(err, errlen, "%s: cannot start the capture: %s (%s)", iface, why, detail);
	return rc == PCAP_ERROR_NO_SUCH_DEVICE ? SL_CAPTURE_INPUT : SL_CAPTURE_RUNTIME;
}

static pcap_t *open_live(const char *iface, const struct sl_capture_config *cfg, int *rc,
			 char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		*rc = SL_CAPTURE_RUNTIME;
		return NULL;
	}
	pcap_set_snaplen(p, (int)cfg->snaplen);
	pcap_set_promisc(p, cfg->promisc);
	pcap_set_buffer_size(p, (int)(cfg->buffer_mb * 1024u * 1024u));
	pcap_set_immediate_mode(p, cfg->immediate);
	pcap_set_timeout(p, 200);
	int a = pcap_activate(p);
	if (a < 0) {
		*rc = activate_error(p, a, iface, err, errlen);
		pcap_close(p);
		return NULL;
	}
	if (a > 0)
		fprintf(stderr, "sightline: %s: warning: %s\n", iface, pcap_geterr(p));
	*rc = 0;
	return p;
}

/*
 * Join the handle's packet socket to the sensor's fanout group: the kernel
 * then gives each packet to one member by its flow hash (symmetric, so both
 * directions meet the same worker), after reassembling fragments (DEFRAG).
 */
static int join_fanout(pcap_t *p, const char *iface, char *err, size_t errlen)
{
#ifdef PACKET_FANOUT
	int fd = pcap_fileno(p);
	/* Group id in the low 16 bits, mode and flags above (DEFRAG is 0x8000:
	 * shift it unsigned, a signed int cannot hold 0x8000 << 16). */
	uint32_t word = ((uint32_t)getpid() & 0xffffu) |
			((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
	int arg;
	memcpy(&arg, &word, sizeof(arg));
	if (fd >= 0 && setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) == 0)
		return 0;
	snprintf(err, errlen, "%s: cannot join the workers' PACKET_FANOUT group: %s", iface,
		 strerror(errno));
#else
	(void)p;
	snprintf(err, errlen, "%s: --workers above 1 needs Linux PACKET_FANOUT", iface);
#endif
	return SL_CAPTURE_RUNTIME;
}

/* Open, check and filter one handle; with workers, join the group. */
static int open_handle(const char *iface, const struct sl_capture_config *cfg,
		       const struct sl_capture_opts *o, bool fanout, pcap_t **out,
		       char *err, size_t errlen)
{
	int rc;
	pcap_t *p = open_live(iface, cfg, &rc, err, errlen);
	if (!p)
		return rc;
	rc = sl_cap_check_dlt(p, iface, err, errlen);
	if (rc == 0)
		rc = sl_cap_set_filter(p, o->bpf, iface, err, errlen);
	char ebuf[PCAP_ERRBUF_SIZE];
	if (rc == 0 && (pcap_get_selectable_fd(p) < 0 || pcap_setnonblock(p, 1, ebuf) != 0)) {
		snprintf(err, errlen, "%s: cannot poll the capture", iface);
		rc = SL_CAPTURE_RUNTIME;
	}
	if (rc == 0 && fanout)
		rc = join_fanout(p, iface, err, errlen);
	if (rc < 0) {
		pcap_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

static void discard(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user, (void)h, (void)bytes;
}

struct live_worker {
	struct cap_ctx c;
	const char *iface;
	int rc;
	char err[512];
	pthread_t thread;
	bool started, lead;
};

/* Kernel drops of this handle, cumulative, into its worker's counters. */
static void read_drops(struct cap_ctx *c)
{
	struct pcap_stat ps;
	if (pcap_stats(c->p, &ps) == 0)
		sl_engine_stats(c->e)->capture_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

/* The loop wakes at least this often on a quiet interface: signals, ticks
 * (flow timeouts, stats) and output flushes are served that often. */
#define LIVE_WAKE_MS 200

/* The lead pushes the outputs' buffers out when the interface is quiet, and
 * at least every LIVE_WAKE_MS when it is busy (a busy link never idles, and
 * an alert must not wait in a buffer).  Returns the time of the last flush. */
static sl_time_us flush_outputs(struct cap_ctx *c, bool quiet, sl_time_us flushed)
{
	const struct sl_capture_opts *o = c->o;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sl_time_us now = (sl_time_us)ts.tv_sec * SL_US_PER_SEC + (sl_time_us)ts.tv_nsec / 1000;
	if (!o->on_idle || (!quiet && now < flushed + LIVE_WAKE_MS * 1000))
		return flushed;
	sl_engine_lock(c->e);
	o->on_idle(o->ctx);
	sl_engine_unlock(c->e);
	return now;
}

/*
 * One handle's loop.  Non-blocking reads and our own poll with a timeout:
 * libpcap's blocking read can wait forever on a quiet interface (TPACKET_V3
 * polls without a timeout and retries after EINTR), and signals, SIGHUP and
 * periodic stats must be served without traffic, and flows must end by
 * their timeouts on a quiet interface: every worker ticks its own engine
 * with the wall clock at least every 200 ms.  Worker 0 (lead) serves the
 * signals; every worker reads its own handle's drops.
 */
#define SIGNIN_FDS 64 /* sign-in socket descriptors waited on with the capture's */

static sl_time_us wall_now(void)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (sl_time_us)now.tv_sec * SL_US_PER_SEC + (sl_time_us)now.tv_usec;
}

/* After the stop: frames the kernel stamped before it are still the run's. */
struct drain {
	struct cap_ctx *c;
	sl_time_us stop_at;
	bool late;
};

static void drain_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct drain *d = (struct drain *)user;
	if (d->late || sl_cap_ts(h) > d->stop_at) {
		d->late = true;
		pcap_breakloop(d->c->p);
		return;
	}
	sl_cap_frame(d->c, h, bytes); /* not the handler: it ends each batch once stopped */
}

/*
 * Stopped by a signal: read what the kernel captured before the stop, so a
 * SIGTERM does not drop the frames still in the ring uncounted (a busy link
 * or a sensor behind by a moment holds thousands).  Frames stamped after the
 * stop end it, and an empty read once the ring's blocks have been handed
 * over (libpcap's timeout: a block is given to the reader at most
 * LIVE_WAKE_MS after it was opened) -- or DRAIN_MAX_MS, whichever comes
 * first, so a wedged interface cannot hold the exit.
 */
#define DRAIN_MAX_MS 2000

static void drain(struct live_worker *lw)
{
	struct drain d = { .c = &lw->c, .stop_at = wall_now() };
	int fd = pcap_get_selectable_fd(lw->c.p);
	sl_time_us settled = d.stop_at + (LIVE_WAKE_MS + 50) * 1000;
	sl_time_us limit = d.stop_at + DRAIN_MAX_MS * 1000;
	while (!d.late) {
		int got = pcap_dispatch(lw->c.p, 1024, drain_frame, (u_char *)&d);
		sl_time_us now = wall_now();
		if (got < 0 || now >= limit || (got == 0 && now >= settled))
			break;
		if (got == 0) {
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			poll(&pf, 1, (int)((settled - now) / 1000) + 1);
		}
	}
}

static void *live_loop(void *arg)
{
	struct live_worker *lw = arg;
	struct cap_ctx *c = &lw->c;
	const struct sl_capture_opts *o = c->o;
	bool lead = lw->lead;
	int fd = pcap_get_selectable_fd(c->p);
	sl_time_us flushed = 0;
	while (lw->rc == 0 && !(o->stop && *o->stop)) {
		int got = pcap_dispatch(c->p, 1024, sl_cap_handler, (u_char *)c);
		if (lead)
			flushed = flush_outputs(c, got == 0, flushed);
		if (got == 0) {
			struct pollfd pf[1 + SIGNIN_FDS] = { { .fd = fd, .events = POLLIN } };
			size_t n = lead ? sl_engine_identity_pollfds(c->e, pf + 1, SIGNIN_FDS) : 0;
			poll(pf, 1 + n, LIVE_WAKE_MS);
		}
		if (lead) /* sign-ins join as they come: sockets woke the poll, files are read */
			sl_engine_signins(c->e, SL_IDENTITY_ANY_TIME);
		if (got == PCAP_ERROR) {
			snprintf(lw->err, sizeof(lw->err), "%s: capture failed: %s", lw->iface,
				 pcap_geterr(c->p));
			lw->rc = SL_CAPTURE_RUNTIME;
		}
		read_drops(c);
		if (lead)
			sl_cap_signals(c);
		/* Every worker's flows end by the clock in its own thread (the
		 * table is its own); the lead's tick also serves stats. */
		sl_engine_tick(c->e, wall_now(), SL_CLOCK_WALL);
	}
	if (lw->rc == 0)
		drain(lw);
	read_drops(c);
	return NULL;
}

static int open_all(struct live_worker *lw, unsigned n, const char *iface,
		    const struct sl_capture_config *cfg, const struct sl_capture_opts *o,
		    char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		int rc = open_handle(iface, cfg, o, n > 1, &lw[i].c.p, err, errlen);
		if (rc < 0)
			return rc;
	}
	/* Until the last handle joined, the first ones each got every packet:
	 * drop those few so no packet is counted twice. */
	for (unsigned i = 0; n > 1 && i < n; i++)
		while (pcap_dispatch(lw[i].c.p, 1024, discard, NULL) > 0)
			;
	if (o->on_open && o->on_open(o->ctx, err, errlen) != 0)
		return SL_CAPTURE_INPUT;
	return 0;
}

int sl_capture_live(struct sl_engine *e, const char *iface, const struct sl_capture_config *cfg,
		    const struct sl_capture_opts *o, char *err, size_t errlen)
{
	unsigned n = sl_engine_workers(e);
	struct live_worker *lw = calloc(n, sizeof(*lw));
	if (!lw)
		return snprintf(err, errlen, "out of memory"), SL_CAPTURE_RUNTIME;
	int rc = open_all(lw, n, iface, cfg, o, err, errlen);
	for (unsigned i = 0; i < n; i++) {
		struct sl_engine *w = sl_engine_worker(e, i);
		lw[i].c = (struct cap_ctx){ .e = w, .dlt = lw[i].c.p ? pcap_datalink(lw[i].c.p) : 0,
					    .stop = o->stop, .p = lw[i].c.p, .o = o, .live = true };
		lw[i].iface = iface;
		lw[i].rc = rc;
		sl_engine_set_iface(w, iface); /* in_iface; without memory flows just lack it */
		lw[i].lead = i == 0;
	}
	for (unsigned i = 1; rc == 0 && i < n; i++) {
		lw[i].started = pthread_create(&lw[i].thread, NULL, live_loop, &lw[i]) == 0;
		if (!lw[i].started)
			lw[i].rc = SL_CAPTURE_RUNTIME; /* that share of the traffic is lost: say so */
	}
	if (rc == 0)
		live_loop(&lw[0]);
	for (unsigned i = 0; i < n; i++) {
		if (lw[i].started)
			pthread_join(lw[i].thread, NULL);
		if (rc == 0 && lw[i].rc < 0) {
			rc = lw[i].rc;
			snprintf(err, errlen, "%s", lw[i].err[0] ? lw[i].err : "cannot start a worker");
		}
		if (lw[i].c.p)
			pcap_close(lw[i].c.p);
	}
	free(lw);
	return rc;
}
