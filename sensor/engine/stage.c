/* A flow's life between its first packet and its end: the rules of each
 * settle stage as the flow reaches it (handshake, inspection end), so an
 * alert is written when its evidence appears, and the interim records of
 * long flows. */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

/* A record of f as it is now, for the worker's thread: its own facts. */
static void record_own(struct sl_engine *w, struct sl_flow *f, struct sl_record *r)
{
	*r = (struct sl_record){
		.flow = f, .event_type = "flow", .community_seed = w->cfg->community_id_seed,
	};
}

/* What the record takes from shared tables, under the lead's lock: the DNS
 * names, the binding and (when it was charged) its subject. */
static void record_shared(struct sl_engine *w, struct sl_flow *f, struct sl_record *r,
			  struct sl_subject_view *view)
{
	struct sl_engine *e = sl_engine_lead(w);
	sl_engine_await_turn(w); /* replay workers: names, charges and hits in capture order */
	sl_engine_lock(e);
	sl_hosts_name_record(e->hosts, r);
	sl_engine_bind_flow(w, r); /* who the flow is charged to, if charged now */
	if (f->charge && view) {
		*view = f->charge->view;
		if (f->charge->roster_gen != e->roster_gen)
			view->claimed = NULL; /* that roster is gone */
		r->subject = view;
	}
	sl_engine_unlock(e);
}

static void record_now(struct sl_engine *w, struct sl_flow *f, struct sl_record *r,
		       struct sl_subject_view *view)
{
	record_own(w, f, r);
	sl_engine_enrich(w, f, r);
	record_shared(w, f, r, view);
}

/* Under the lock: charge f to its subject now, once (a rule hit at an
 * early stage needs the subject's score and allow-list), keeping the view
 * for its later events and the rules that fired.  Without memory for them
 * the flow is charged at its end as usual, and its rules matched then. */
static void charge_now(struct sl_engine *e, struct sl_flow *f, struct sl_record *r,
		       struct sl_flow_out *o, struct sl_subject_view *view)
{
	if (f->charge)
		return;
	f->charge = malloc(sizeof(*f->charge) + o->n_hits * sizeof(f->charge->fired[0]));
	if (!f->charge) {
		o->n_hits = 0; /* they are matched again at the flow's end */
		return;
	}
	f->charge->n_fired = o->n_hits;
	memcpy(f->charge->fired, o->hits, o->n_hits * sizeof(o->hits[0]));
	if (sl_subjects_charge(e->subjects, e->hosts, r))
		f->charge->view = *r->subject;
	else
		f->charge->view = (struct sl_subject_view){ 0 };
	f->charge->roster_gen = e->roster_gen;
	*view = f->charge->view;
	r->subject = view;
}

/* The event of f as it is now, into o->flow (the alerts are copied from it). */
static void build_now(struct sl_flow_out *o, const struct sl_record *r)
{
	sl_engine_begin_event(o);
	sl_catalogue_emit(r, &o->flow);
	sl_json_end(&o->flow);
}

void sl_engine_stage(struct sl_engine *w, struct sl_flow *f, unsigned stage)
{
	if (f->stage >= stage)
		return;
	struct sl_engine *e = sl_engine_lead(w);
	unsigned from = f->stage;
	f->stage = (uint8_t)stage;
	f->staged_product = f->product;
	f->stage_unsettled |= sl_dispatch_end_pending(f);
	sl_engine_lock(e);
	const struct sl_rules *rules = e->rules; /* a reload retires, never frees, a pack */
	sl_engine_unlock(e);
	/* many flows can match no rule of the stage (a parser state, a product
	 * or an own fact every match needs is missing): no places looked up,
	 * no lock */
	struct sl_flow_out *o = &w->out;
	struct sl_record r;
	struct sl_subject_view view;
	o->forward = sl_engine_forwarding(w);
	record_own(w, f, &r);
	if (!sl_rules_stages_may_match(rules, (enum sl_settle)from, (enum sl_settle)stage, &r))
		return;
	sl_engine_enrich(w, f, &r);
	/* the shared tables (and the lock) only when the rules read them or
	 * one fired: its alert carries the names, its charge the binding */
	bool shared = sl_rules_stages_read_shared(rules, (enum sl_settle)from, (enum sl_settle)stage);
	if (shared)
		record_shared(w, f, &r, &view);
	sl_engine_match(o, &r, rules, from, stage);
	if (!o->n_hits)
		return;
	if (!shared)
		record_shared(w, f, &r, &view);
	sl_engine_lock(e);
	charge_now(e, f, &r, o, &view);
	sl_engine_unlock(e);
	build_now(o, &r);
	sl_engine_alerts(o, &r);
	sl_engine_lock(e);
	sl_engine_write_alerts(e, o, &r, w->clock);
	if (r.subject) /* periodic summaries stay with flow ends, where they always were */
		sl_engine_score(e, o, &r, 0);
	sl_engine_unlock(e);
}

bool sl_engine_charged_view(struct sl_engine *e, struct sl_flow *f, struct sl_record *r,
			    struct sl_subject_view *view)
{
	if (!f->charge)
		return false;
	*view = f->charge->view;
	if (f->charge->roster_gen != e->roster_gen)
		view->claimed = NULL;
	r->subject = view->subject ? view : NULL;
	return true;
}

void sl_engine_drop_fired(const struct sl_flow *f, struct sl_flow_out *o)
{
	if (!f->charge)
		return;
	size_t k = 0;
	for (size_t i = 0; i < o->n_hits; i++) {
		bool fired = false;
		for (size_t j = 0; j < f->charge->n_fired && !fired; j++)
			fired = f->charge->fired[j] == o->hits[i];
		if (!fired)
			o->hits[k++] = o->hits[i];
	}
	o->n_hits = k;
}

void sl_engine_forget(struct sl_flow *f)
{
	free(f->charge);
	f->charge = NULL;
}

/*
 * A long flow's interim record: its facts and counters so far, marked
 * flow.interim, every flow.update_interval after its first packet, at the
 * flow's first packet past each boundary (its own packets' times, so a
 * replay writes the same records, and files read one after the other do
 * not make a young flow look old).  Its subject fields are
 * present once the flow was charged (a rule hit at an early stage): an
 * interim record never charges a flow.  The record is written out of line:
 * its locals (a whole record, ~1 kB) made every packet pay a
 * stack-protected frame for the test in sl_engine_interim() (engine_priv.h).
 */
static __attribute__((noinline)) void interim_write(struct sl_engine *w, struct sl_flow *f,
						      uint64_t every)
{
	f->next_interim = f->first + ((f->last - f->first) / every + 1) * every;
	struct sl_engine *e = sl_engine_lead(w);
	struct sl_record r;
	struct sl_subject_view view;
	record_now(w, f, &r, &view);
	r.interim = true;
	build_now(&w->out, &r);
	struct sl_event_meta m;
	char key[SL_ROSTER_NAME_MAX];
	sl_engine_meta(&r, "flow", w->clock, &m, key, sizeof(key));
	sl_engine_lock(e);
	sl_engine_write_meta(e, &w->out.flow, &m);
	sl_engine_unlock(e);
}

void sl_engine_interim_due(struct sl_engine *w, struct sl_flow *f)
{
	uint64_t every = (uint64_t)w->cfg->flow.update_interval * SL_US_PER_SEC;
	if (!every)
		return;
	if (!f->next_interim)
		f->next_interim = f->first + every;
	if (f->last >= f->next_interim)
		interim_write(w, f, every);
}
