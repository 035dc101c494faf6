/* The pipeline: each frame is decoded, charged to its flow, and every ended
 * flow becomes an EVE flow event; at the end a stats event and the summary. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine_priv.h"

/* A per-process random hash seed (STYLE.md 8); output never depends on it. */
static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)(uintptr_t)&s ^ 0x9e3779b97f4a7c15ULL;
	return s;
}

/* Multicast and broadcast destinations are nobody's location. */
static bool is_group(const struct sl_addr *a)
{
	if (a->family == 4)
		return (a->b[0] & 0xf0) == 0xe0 || (a->b[0] == 255 && a->b[1] == 255 &&
						     a->b[2] == 255 && a->b[3] == 255);
	return a->family == 6 && a->b[0] == 0xff;
}

/*
 * IP intelligence for both sides, looked up once per flow through the cache
 * (which keeps both results alive until the next flow's), and which side is
 * remote: the one outside home_networks, the server when both are; a
 * multicast or broadcast server never is.
 */
static void enrich(struct sl_engine *e, const struct sl_flow *f, struct sl_record *r)
{
	bool cli_home = sl_config_is_home(e->cfg, &f->cli);
	bool srv_home = sl_config_is_home(e->cfg, &f->srv) || is_group(&f->srv);
	r->geo[0] = sl_geo_cache_lookup(e->geo_cache, &f->cli);
	r->geo[1] = sl_geo_cache_lookup(e->geo_cache, &f->srv);
	r->remote = !srv_home ? 1 : !cli_home ? 0 : -1;
}

/* Ended flow: write its event and feed the top-talkers table. */
static void on_flow_end(void *ctx, struct sl_flow *f)
{
	struct sl_engine *e = ctx;
	struct sl_record r = {
		.flow = f, .dispatch = e->dispatch, .event_type = "flow",
		.community_seed = e->cfg->community_id_seed,
	};
	enrich(e, f, &r);
	sl_dispatch_flow_end(e->dispatch, f);
	sl_json_begin(&e->json);
	sl_catalogue_emit(&r, &e->json);
	sl_json_end(&e->json);
	if (e->json.failed)
		e->events_lost++;
	else
		sl_eve_write(e->eve, e->json.buf, e->json.len);
	e->flow_events++;
	sl_talkers_add(&e->talkers, &f->cli, f->bytes[0] + f->bytes[1]);
	sl_talkers_add(&e->talkers, &f->srv, f->bytes[0] + f->bytes[1]);
	sl_dispatch_flow_free(e->dispatch, f);
}

int sl_engine_create(const struct sl_config *cfg, struct sl_eve *eve,
		     struct sl_engine **out, char *err, size_t errlen)
{
	struct sl_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = cfg;
	e->eve = eve;
	size_t nf;
	sl_catalogue_emit_order(&nf); /* build the static order before any event */
	sl_json_init(&e->json);
	int rc = sl_decoder_create(&cfg->decode, &e->dec);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the decoder: %s", strerror(-rc));
		goto err_dec;
	}
	rc = sl_dispatch_create(cfg, &e->dispatch, err, errlen);
	if (rc < 0)
		goto err_dispatch;
	rc = sl_geo_create(cfg, &e->geo, err, errlen);
	if (rc < 0)
		goto err_geo;
	rc = sl_geo_cache_create(e->geo, cfg->intel.cache_entries, &e->geo_cache);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the IP-intelligence cache: %s", strerror(-rc));
		goto err_cache;
	}
	rc = sl_flow_table_create(&cfg->flow, random_seed(), on_flow_end, e, &e->flows);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the flow table for %u flows: %s",
			 cfg->flow.max_flows, strerror(-rc));
		goto err_flows;
	}
	*out = e;
	return 0;
err_flows:
	sl_geo_cache_destroy(e->geo_cache);
err_cache:
	sl_geo_destroy(e->geo);
err_geo:
	sl_dispatch_destroy(e->dispatch);
err_dispatch:
	sl_decoder_destroy(e->dec);
err_dec:
	sl_json_finish(&e->json);
	free(e);
	return rc;
}

void sl_engine_destroy(struct sl_engine *e)
{
	if (!e)
		return;
	sl_flow_table_destroy(e->flows);
	sl_geo_cache_destroy(e->geo_cache);
	sl_geo_destroy(e->geo);
	sl_dispatch_destroy(e->dispatch);
	sl_decoder_destroy(e->dec);
	sl_json_finish(&e->json);
	free(e);
}

void sl_engine_packet(struct sl_engine *e, int dlt, sl_time_us ts,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct sl_packet pkt;
	enum sl_dir dir;
	e->st.packets++;
	e->st.bytes += wirelen;
	if (e->st.first_ts == 0 || ts < e->st.first_ts)
		e->st.first_ts = ts;
	if (ts > e->st.last_ts)
		e->st.last_ts = ts;
	if (ts < e->st.prev_ts)
		e->st.time_backwards++;
	e->st.prev_ts = ts;
	if (sl_decode_packet(e->dec, dlt, frame, caplen, wirelen, ts, &pkt) != SL_DECODE_OK)
		return;
	e->st.ip_packets++;
	struct sl_flow *f = sl_flow_table_packet(e->flows, &pkt, &dir);
	sl_dispatch_packet(e->dispatch, f, &pkt, dir);
}

void sl_engine_finish(struct sl_engine *e)
{
	sl_flow_table_flush(e->flows);
	sl_engine_write_stats(e);
	sl_eve_flush(e->eve);
}

struct sl_engine_stats *sl_engine_stats(struct sl_engine *e)
{
	return &e->st;
}
