/* End-of-run reporting: the stats event (deterministic: packet time only)
 * and the human summary on stderr. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sightline/schema.h"
#include "engine_priv.h"

static void add_st(struct sl_engine_stats *t, const struct sl_engine_stats *s)
{
	t->packets += s->packets;
	t->bytes += s->bytes;
	t->ip_packets += s->ip_packets;
	t->files += s->files;
	t->truncated_files += s->truncated_files;
	t->damaged_files += s->damaged_files;
	t->capture_drops += s->capture_drops;
	t->ring_drops += s->ring_drops;
	t->time_backwards += s->time_backwards;
	if (s->first_ts && (!t->first_ts || s->first_ts < t->first_ts))
		t->first_ts = s->first_ts;
	if (s->last_ts > t->last_ts)
		t->last_ts = s->last_ts;
}

static void add_dec(struct sl_decode_counters *t, const struct sl_decode_counters *c)
{
	for (int r = 0; r < SL_DEC__COUNT; r++)
		t->reasons[r] += c->reasons[r];
	t->not_ip += c->not_ip;
	t->fragments += c->fragments;
	t->reassembled += c->reassembled;
	t->decapsulated += c->decapsulated;
	for (int l = 0; l < SL_LAYER__COUNT; l++)
		t->layers[l] += c->layers[l];
	t->frag_datagrams_max += c->frag_datagrams_max; /* upper bounds: peaks need not coincide */
	t->frag_bytes_max += c->frag_bytes_max;
	t->frag_datagrams_cap += c->frag_datagrams_cap;
	t->frag_bytes_cap += c->frag_bytes_cap;
}

static void add_flow(struct sl_flow_stats *t, const struct sl_flow_stats *f)
{
	t->created += f->created;
	for (int r = 0; r <= SL_END_SHUTDOWN; r++)
		t->ended[r] += f->ended[r];
	t->evictions += f->evictions;
	t->evicted_embryonic += f->evicted_embryonic;
	t->evicted_established += f->evicted_established;
	t->closed_reclaimed += f->closed_reclaimed;
	t->icmp_errors += f->icmp_errors;
	t->icmp_errors_unmatched += f->icmp_errors_unmatched;
	t->active += f->active;
	t->active_max += f->active_max; /* an upper bound: the peaks need not coincide */
	/* table bytes summed over the tables here; per flow in flow_bytes() */
	t->table_bytes_per_flow += f->table_bytes_per_flow * f->capacity;
	t->capacity += f->capacity;
}

/* The flow table's bytes per flow: record and share of the buckets. */
static uint64_t table_bytes(const struct sl_engine_totals *t)
{
	const struct sl_flow_stats *f = &t->flow;
	return f->capacity ? f->table_bytes_per_flow / f->capacity : 0;
}

/*
 * What one flow costs at the busiest moment of the run: its record and
 * share of the hash buckets, plus the parsers' per-flow state as the
 * allocator counts it, that part being the peak of parser state over the
 * peak number of flows (the figure a full table of such flows costs; with
 * peaks that fall apart, an upper bound).  README "Output" says so.
 */
static uint64_t flow_bytes(const struct sl_engine_totals *t)
{
	const struct sl_flow_stats *f = &t->flow;
	uint64_t table = table_bytes(t);
	uint64_t parsers = f->active_max ? (t->disp.state_bytes_max + f->active_max - 1) /
						   f->active_max : 0;
	return table + parsers;
}

/* Sums over the workers (a single engine is its own only worker).  With
 * workers running this reads counters other threads update: the periodic
 * stats of a multi-worker run are a snapshot, exact only at the end. */
void sl_engine_totals(struct sl_engine *e, struct sl_engine_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < sl_engine_workers(e); i++) {
		struct sl_engine *w = sl_engine_worker(e, i);
		const struct sl_dispatch_stats *d = sl_dispatch_stats(w->dispatch);
		const struct sl_geo_cache_stats *g = sl_geo_cache_stats(w->geo_cache);
		add_st(&t->st, &w->st);
		add_dec(&t->dec, sl_decoder_counters(w->dec));
		add_flow(&t->flow, sl_flow_table_stats(w->flows));
		t->disp.states += d->states;
		t->disp.state_bytes += d->state_bytes;
		t->disp.state_bytes_max += d->state_bytes_max;
		t->disp.alloc_failures += d->alloc_failures;
		t->disp.offers += d->offers;
		t->disp.declines += d->declines;
		t->disp.inspections_decided += d->inspections_decided;
		t->geo.lookups += g->lookups;
		t->geo.hits += g->hits;
		t->geo.evictions += g->evictions;
	}
}

/* Rules and subjects: what matched, what was alerted, what was forgotten. */
static void view_scoring(struct sl_engine *e, struct sl_stats_view *s)
{
	s->rules_loaded = e->rules ? sl_rules_count(e->rules) : 0;
	s->rule_hits = e->rule_hits;
	s->flow_alerts = e->flow_alerts;
	s->signin_alerts = e->signin.alerts;
	s->corr_evictions = e->corr ? sl_correlator_evictions(e->corr) : 0;
	s->regex_limit_hits = sl_rules_regex_limit_hits(e->rules);
	for (size_t i = 0; i < e->n_retired; i++) /* packs replaced by reloads count on */
		s->regex_limit_hits += sl_rules_regex_limit_hits(e->retired[i]);
	s->subj = *sl_subjects_stats(e->subjects);
}

/* Resident memory from /proc/self/statm (second field, in pages); 0 if unknown. */
static uint64_t rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	long page = sysconf(_SC_PAGESIZE);
	return n == 2 && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}

/* What the stats event says now (the engine locked). */
static void stats_view(struct sl_engine *e, struct sl_stats_view *s)
{
	memset(s, 0, sizeof(*s));
	sl_engine_totals(e, &s->t);
	s->flow_bytes = flow_bytes(&s->t);
	s->table_bytes = table_bytes(&s->t);
	view_scoring(e, s);
	sl_engine_stats_signins(e, s);
	s->rss_bytes = rss_bytes();
	s->out = *sl_eve_stats(e->eve);
	s->events_lost = e->events_lost;
}

/* A stats event stamped ts_now (0: the last packet's time): its counters
 * written from their declarations (stats_fields.c), then each output's. */
static void stats_event(struct sl_engine *e, sl_time_us ts_now)
{
	struct sl_json *j = &e->json;
	struct sl_stats_view s;
	sl_engine_lock(e);
	stats_view(e, &s);
	const struct sl_event_head h = { .timestamp = ts_now ? ts_now : s.t.st.last_ts,
					 .event_type = "stats" };
	sl_json_begin(j);
	sl_fields_write(&sl_event_head_fields, &h, j);
	sl_fields_write(&sl_stats_fields, &s, j);
	sl_eve_stats_json(e->eve, j);
	sl_json_end(j);
	sl_engine_write(e, j);
	if (ts_now)
		sl_eve_flush(e->eve); /* periodic stats reach the file when they are due */
	sl_engine_unlock(e);
}

void sl_engine_write_stats(struct sl_engine *e)
{
	stats_event(e, 0);
}

/*
 * Periodic stats are aligned to multiples of the interval, so replaying the
 * same file twice gives stats events at the same packet times.  A gap in
 * the capture longer than the interval yields one event, not a burst.
 */
void sl_engine_periodic_stats(struct sl_engine *e, sl_time_us now)
{
	sl_time_us iv = (sl_time_us)e->cfg->stats_interval * SL_US_PER_SEC;
	if (!iv || !now)
		return;
	if (e->next_stats && now >= e->next_stats)
		stats_event(e, now);
	if (!e->next_stats || now >= e->next_stats)
		e->next_stats = now - now % iv + iv;
}

/* "12.3 MB" style, for people. */
static const char *human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	int u = 0;
	while (v >= 1000 && u < 4)
		v /= 1000, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static void summary_decode(const struct sl_engine_totals *t, FILE *out)
{
	const struct sl_decode_counters *c = &t->dec;
	uint64_t total = 0;
	for (int r = 0; r < SL_DEC__COUNT; r++)
		total += c->reasons[r];
	fprintf(out, "  decode:    %llu IP packets, %llu not IP, %llu malformed",
		(unsigned long long)t->st.ip_packets, (unsigned long long)c->not_ip,
		(unsigned long long)total);
	for (int r = 0, shown = 0; r < SL_DEC__COUNT; r++)
		if (c->reasons[r])
			fprintf(out, "%s%s %llu", shown++ ? ", " : " (",
				sl_decode_reason_name((enum sl_decode_reason)r),
				(unsigned long long)c->reasons[r]);
	fprintf(out, "%s\n", total ? ")" : "");
	if (c->fragments || c->decapsulated)
		fprintf(out, "             %llu fragments -> %llu reassembled datagrams, %llu decapsulated\n",
			(unsigned long long)c->fragments, (unsigned long long)c->reassembled,
			(unsigned long long)c->decapsulated);
}

static void summary_flows(const struct sl_engine_totals *t, FILE *out)
{
	const struct sl_flow_stats *f = &t->flow;
	fprintf(out, "  flows:     %llu (fin %llu, rst %llu, timeout %llu, evicted %llu, at end %llu); "
		"peak %llu of %u, %llu B each\n",
		(unsigned long long)f->created, (unsigned long long)f->ended[SL_END_FIN],
		(unsigned long long)f->ended[SL_END_RST], (unsigned long long)f->ended[SL_END_TIMEOUT],
		(unsigned long long)f->ended[SL_END_EVICTED], (unsigned long long)f->ended[SL_END_SHUTDOWN],
		(unsigned long long)f->active_max, f->capacity, (unsigned long long)flow_bytes(t));
	if (!f->evictions && !f->closed_reclaimed)
		return;
	/* A full table: say what it cost, so a split session is never a mystery. */
	fprintf(out, "             table full: evicted %llu embryonic (no handshake, or one packet) "
		"and %llu established; %llu closed flows ended early; raise flow.max_flows if "
		"established ones were evicted\n",
		(unsigned long long)f->evicted_embryonic, (unsigned long long)f->evicted_established,
		(unsigned long long)f->closed_reclaimed);
}

static void summary_geo(const struct sl_engine *e, const struct sl_engine_totals *t, FILE *out)
{
	char what[512];
	const struct sl_geo_cache_stats *g = &t->geo;
	fprintf(out, "  intel:     %s\n", sl_geo_describe(e->geo, what, sizeof(what)));
	fprintf(out, "             %llu lookups, %llu from the cache\n",
		(unsigned long long)g->lookups, (unsigned long long)g->hits);
}

static void summary_talkers(struct sl_talkers *tk, unsigned rows, FILE *out)
{
	char a[SL_ADDR_STRLEN], b[32];
	if (!rows || !tk->n)
		return;
	sl_talkers_sort(tk);
	fprintf(out, "  top talkers (bytes in their flows):\n");
	for (unsigned i = 0; i < rows && i < SL_TALKERS_MAX && tk->t[i].flows; i++)
		fprintf(out, "    %-40s %10s  %llu flow%s\n", sl_addr_format(&tk->t[i].addr, a, sizeof(a)),
			human_bytes(tk->t[i].bytes, b, sizeof(b)), (unsigned long long)tk->t[i].flows,
			tk->t[i].flows == 1 ? "" : "s");
}

/* One line per output: what arrived, what is still queued, what was lost. */
static void summary_output(struct sl_eve *eve, size_t i, FILE *out)
{
	struct sl_output_stats st;
	sl_eve_output_stats(eve, i, &st);
	bool plain = !strcmp(st.type, "file") || !strcmp(st.type, "stdout");
	fprintf(out, "  output:    %llu events to %s%s%s", (unsigned long long)st.delivered,
		plain ? "" : st.type, plain ? "" : " ", st.destination);
	if (st.queued)
		fprintf(out, "; %llu still queued", (unsigned long long)st.queued);
	if (st.reconnects)
		fprintf(out, "; %llu reconnects", (unsigned long long)st.reconnects);
	if (st.resent)
		fprintf(out, "; %llu sent again after a reconnect (the receiver may hold them twice)",
			(unsigned long long)st.resent);
	if (st.dropped)
		fprintf(out, "; %llu LOST to write errors (%s)", (unsigned long long)st.dropped,
			st.last_errno ? strerror(st.last_errno) : "queue full");
	fprintf(out, "\n");
}

void sl_engine_summary(struct sl_engine *e, double wall_sec, FILE *out)
{
	char b[32];
	struct sl_engine_totals t;
	sl_engine_totals(e, &t);
	fprintf(out, "sightline summary\n");
	fprintf(out, "  input:     %llu file(s), %llu packets, %s in %.2f s (%.0f packets/s)\n",
		(unsigned long long)t.st.files, (unsigned long long)t.st.packets,
		human_bytes(t.st.bytes, b, sizeof(b)), wall_sec,
		wall_sec > 0 ? (double)t.st.packets / wall_sec : 0.0);
	if (t.st.time_backwards)
		fprintf(out, "  time:      %llu packets earlier than the packet before them (capture "
			"merged or clock stepped); flows keep their first and latest times\n",
			(unsigned long long)t.st.time_backwards);
	summary_decode(&t, out);
	summary_flows(&t, out);
	summary_geo(e, &t, out);
	summary_talkers(&e->talkers, e->cfg->output.top_talkers, out);
	sl_engine_summary_signins(e, out);
	fprintf(out, "  rules:     %zu loaded, %llu hits, %llu flow alerts, %llu sign-in alerts, "
		"%llu subject alerts\n",
		e->rules ? sl_rules_count(e->rules) : 0, (unsigned long long)e->rule_hits,
		(unsigned long long)e->flow_alerts, (unsigned long long)e->signin.alerts,
		(unsigned long long)sl_subjects_stats(e->subjects)->alerts);
	sl_subjects_print(e->subjects, out, 20);
	for (size_t i = 0; i < sl_eve_outputs(e->eve); i++)
		summary_output(e->eve, i, out);
}
