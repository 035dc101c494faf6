/* The packet loop: the engine's two entries from the capture stage.  Each
 * frame is decoded and charged to its flow, whose parsers see it while it
 * is inspected; time moves with every frame, this worker's or not, and
 * with the wall clock live. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

/* The flow's inspection ended with this packet, and it may live on for
 * hours (a signalling channel): what its facts name counts from now.  The
 * hosts table is the lead's, shared by the workers. */
static void inspected(struct sl_engine *w, struct sl_flow *f, sl_time_us ts)
{
	struct sl_engine *e = sl_engine_lead(w);
	sl_engine_await_turn(w); /* replay workers: hosts read and taught in capture order */
	sl_engine_lock(e);
	sl_identify_inspected(e->identify, e->hosts, f, ts);
	sl_engine_unlock(e);
	sl_dispatch_inspection_end(w->dispatch, f);
}

/*
 * The parser that identified the flow finished it while others still look
 * at its packets (up to the inspection limit): its facts and its product
 * are settled, so the flow is identified now, not dozens of packets or
 * hours later.  Identification runs again at inspection end and flow end,
 * and keeps the strongest claim.
 */
static bool identified(struct sl_engine *w, struct sl_flow *f, sl_time_us ts)
{
	if (f->stage >= SL_SETTLE_IDENTIFIED || !sl_dispatch_identified_done(f))
		return false;
	struct sl_engine *e = sl_engine_lead(w);
	sl_engine_await_turn(w);
	sl_engine_lock(e);
	sl_identify_inspected(e->identify, e->hosts, f, ts);
	sl_engine_unlock(e);
	return true;
}

/*
 * The stage this packet brought the flow to, whose rules run at once (a
 * cheap compare on most packets): its inspection over, or its protocol
 * identified (its parser finished).  Rules of the handshake stage run then
 * too, not at the
 * handshake: who the flow is charged to (an inbound remote-access session
 * is the inside host's) and the subject's allow-list (by app) depend on the
 * product, and no alert may go out that the allow-list would have held
 * back, nor a hit be scored to the wrong subject.
 */
static void settled(struct sl_engine *w, struct sl_flow *f, bool identified_now)
{
	unsigned stage = f->inspect_done ? SL_SETTLE_INSPECTION
		       : identified_now ? SL_SETTLE_IDENTIFIED : 0;
	if (stage > f->stage)
		sl_engine_stage(w, f, stage);
}

/* ARP or neighbour discovery bound an address to a hardware address: the
 * hosts stage makes one subject of a host's addresses with it. */
static void neighbour(struct sl_engine *w, const struct sl_packet *p)
{
	struct sl_engine *e = sl_engine_lead(w);
	struct sl_host_fact fact = { .kind = SL_HOST_NEIGHBOUR };
	fact.neighbour.addr = p->neighbour.addr;
	memcpy(fact.neighbour.mac, p->neighbour.mac, 6);
	fact.neighbour.last_seen = p->ts;
	sl_engine_lock(e);
	sl_hosts_learn(e->hosts, &fact);
	sl_engine_unlock(e);
}

void sl_engine_packet(struct sl_engine *e, const struct sl_frame *fr)
{
	struct sl_packet pkt;
	enum sl_dir dir;
	if (fr->ts > e->clock)
		e->clock = fr->ts;
	enum sl_decode_result r =
		sl_decode_packet(e->dec, fr->dlt, fr->data, fr->caplen, fr->wirelen, fr->ts, &pkt);
	if (pkt.neighbour.valid)
		neighbour(e, &pkt);
	if (r != SL_DECODE_OK)
		return;
	pkt.origin = e->src;
	e->st.ip_packets++;
	struct sl_flow *f = sl_flow_table_packet(e->flows, &pkt, e->clock, &dir);
	if (!f) /* an ICMP error, counted on the flow it quotes */
		return;
	if (f->inspect_done && f->stage >= SL_SETTLE_INSPECTION) {
		/* Inspected and its stage run (most packets of a long flow): the
		 * parsers and the stage tests below would do nothing. */
		sl_engine_interim(e, f);
		return;
	}
	bool now = false;
	if (sl_dispatch_packet(e->dispatch, f, &pkt, dir))
		inspected(e, f, pkt.ts);
	else
		now = identified(e, f, pkt.ts);
	settled(e, f, now);
	sl_engine_interim(e, f);
}

/* Sources are kept, never freed before the engine: an ended flow's event
 * may still be written with them after the capture moved to another file.
 * One allocation holds the source and its two names. */
static int use_src(struct sl_engine *e, const char *iface, const char *file)
{
	iface = iface && *iface ? iface : NULL;
	file = file && *file ? file : NULL;
	e->src = NULL;
	e->cur_iface = e->cur_file = NULL;
	if (!iface && !file)
		return 0;
	for (size_t i = 0; i < e->n_srcs; i++) {
		const struct sl_flow_src *s = e->srcs[i];
		if (!s->iface == !iface && !s->file == !file && (!iface || !strcmp(s->iface, iface)) &&
		    (!file || !strcmp(s->file, file))) {
			e->src = s;
			break;
		}
	}
	if (!e->src && e->n_srcs < SL_ENGINE_MAX_IFNAMES) {
		size_t li = iface ? strlen(iface) + 1 : 0, lf = file ? strlen(file) + 1 : 0;
		struct sl_flow_src **n = sl_grow(e->srcs, &e->cap_srcs, e->n_srcs, sizeof(*n), 4);
		struct sl_flow_src *s = n ? malloc(sizeof(*s) + li + lf) : NULL;
		if (!s)
			return -ENOMEM;
		char *text = (char *)(s + 1);
		s->iface = iface ? memcpy(text, iface, li) : NULL;
		s->file = file ? memcpy(text + li, file, lf) : NULL;
		e->srcs = n;
		e->srcs[e->n_srcs++] = s;
		e->src = s;
	}
	if (e->src) {
		e->cur_iface = e->src->iface;
		e->cur_file = e->src->file;
	}
	return 0;
}

int sl_engine_set_iface(struct sl_engine *e, const char *name)
{
	return use_src(e, name, e->cur_file);
}

int sl_engine_set_file(struct sl_engine *e, const char *path)
{
	return use_src(e, NULL, path);
}

/* The clock moves on every frame, so the worker's next own packet meets the
 * same clock one engine would have; expiry runs once per TICK_US of it
 * (each head it looks at may be a cache miss, on every frame of the
 * capture).  When it runs changes when a flow's event is written, never
 * what it says: a flow whose timeout passed ends as a timeout however it
 * is next met (sl_flow_table_packet()). */
static void advance(struct sl_engine *e, sl_time_us ts)
{
	if (ts <= e->clock)
		return;
	e->clock = ts;
	if (ts < e->expired_at + SL_ENGINE_TICK_US)
		return;
	e->expired_at = ts;
	sl_flow_table_advance(e->flows, ts);
}

/* Live, the wall clock is the capture clock too (frames carry the kernel's
 * receive time), so an idle flow ends on time without another frame. */
void sl_engine_tick(struct sl_engine *w, sl_time_us now, enum sl_clock clock)
{
	advance(w, now);
	/* the lead's stats events: none due (the test of every frame) when
	 * stats.interval is 0 or its next time is ahead */
	if (!w->lead && w->cfg->stats_interval && !(w->next_stats && now < w->next_stats))
		sl_engine_periodic_stats(w, now);
	if (clock == SL_CLOCK_PACKET)
		sl_engine_frame_done(w); /* the frame's last step in this worker */
}
