/* Pieces both capture modes share: the capture's counters, the libpcap
 * callback that feeds the engine with the record's own timestamp, the
 * signals served between frames, link-type and filter checks. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture_priv.h"
#include "sightline/decode.h"

void sl_cap_count(struct sl_engine_stats *st, sl_time_us ts, uint32_t wirelen)
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

/* Packet time is the only clock: pre-1970 values from damaged files are
 * clamped rather than wrapped into the far future. */
sl_time_us sl_cap_ts(const struct pcap_pkthdr *h)
{
	return h->ts.tv_sec < 0 ? 0
	       : (sl_time_us)h->ts.tv_sec * SL_US_PER_SEC + (sl_time_us)h->ts.tv_usec;
}

void sl_cap_frame(struct cap_ctx *c, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct sl_frame fr = { .dlt = c->dlt, .ts = sl_cap_ts(h), .data = bytes,
			       .caplen = h->caplen, .wirelen = h->len };
	c->packets++;
	sl_cap_count(sl_engine_stats(c->e), fr.ts, fr.wirelen);
	sl_engine_packet(c->e, &fr);
}

void sl_cap_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cap_ctx *c = (struct cap_ctx *)user;
	sl_cap_frame(c, h, bytes);
	if (c->stop && *c->stop)
		pcap_breakloop(c->p);
}

void sl_cap_signals(struct cap_ctx *c)
{
	const struct sl_capture_opts *o = c->o;
	bool hup = o && o->hup && *o->hup;
	bool wake = o && o->wake && atomic_load_explicit(o->wake, memory_order_relaxed) &&
		    atomic_exchange(o->wake, 0);
	if (!hup && !wake)
		return;
	if (hup)
		*o->hup = 0;
	sl_engine_lock(c->e); /* workers write events through the same sink */
	if (hup && o->on_hup)
		o->on_hup(o->ctx);
	if (wake && o->on_wake)
		o->on_wake(o->ctx);
	sl_engine_unlock(c->e);
}

int sl_cap_check_dlt_value(int dlt, const char *what, char *err, size_t errlen)
{
	if (sl_decode_dlt_supported(dlt))
		return 0;
	const char *name = pcap_datalink_val_to_name(dlt);
	snprintf(err, errlen,
		 "%s: link type %d (%s) is not supported; sightline decodes Ethernet, Linux cooked "
		 "(SLL, SLL2), BSD loopback, raw IP, PPP, Cisco HDLC and NFLOG captures",
		 what, dlt, name ? name : "unknown");
	return SL_CAPTURE_INPUT;
}

int sl_cap_check_dlt(pcap_t *p, const char *what, char *err, size_t errlen)
{
	return sl_cap_check_dlt_value(pcap_datalink(p), what, err, errlen);
}

/* libpcap does not promise that pcap_compile() may run on several threads
 * at once, and offline workers each compile their own programs. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

int sl_cap_compile(const char *bpf, int dlt, struct bpf_program *prog, const char *what,
		   char *err, size_t errlen)
{
	pthread_mutex_lock(&compile_lock);
	pcap_t *dead = pcap_open_dead(dlt, SL_CAP_MAX_SNAPLEN);
	int rc = dead ? pcap_compile(dead, prog, bpf, 1, PCAP_NETMASK_UNKNOWN) : -1;
	if (rc != 0) {
		const char *name = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s%sbad BPF filter '%s' for link type %d (%s): %s",
			 what ? what : "", what ? ": " : "", bpf, dlt, name ? name : "unknown",
			 dead ? pcap_geterr(dead) : "out of memory");
	}
	if (dead)
		pcap_close(dead);
	pthread_mutex_unlock(&compile_lock);
	return rc != 0 ? SL_CAPTURE_INPUT : 0;
}

int sl_cap_set_filter(pcap_t *p, const char *bpf, const char *what, char *err, size_t errlen)
{
	struct bpf_program prog;
	if (!bpf || !*bpf)
		return 0;
	if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s: bad BPF filter '%s': %s", what, bpf, pcap_geterr(p));
		return SL_CAPTURE_INPUT;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot apply BPF filter '%s': %s", what, bpf, pcap_geterr(p));
		return SL_CAPTURE_INPUT;
	}
	return 0;
}

struct sl_cap_filter *sl_cap_filter_for(struct sl_cap_filters *fs, int dlt, const char *what)
{
	if (!fs->bpf || !*fs->bpf)
		return NULL;
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].dlt == dlt)
			return &fs->v[i];
	struct sl_cap_filter *v = sl_grow(fs->v, &fs->cap, fs->n, sizeof(*v), 4);
	if (!v)
		return NULL;
	fs->v = v;
	struct sl_cap_filter *f = &fs->v[fs->n++];
	*f = (struct sl_cap_filter){ .dlt = dlt, .where = what };
	f->ok = sl_cap_compile(fs->bpf, dlt, &f->prog, NULL, f->why, sizeof(f->why)) == 0;
	return f;
}

void sl_cap_filters_free(struct sl_cap_filters *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].ok)
			pcap_freecode(&fs->v[i].prog);
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}
