/* Decoder lifecycle, the per-packet entry point and the counters.  The layers
 * live in link.c, ipv4.c, ipv6.c, transport.c, tunnel.c and frag.c. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode_priv.h"

static const char *const reason_names[] = {
#define SL_X_NAME(e, name, desc) name,
	SL_DECODE_REASONS(SL_X_NAME)
#undef SL_X_NAME
};

static const char *const reason_descs[] = {
#define SL_X_DESC(e, name, desc) desc,
	SL_DECODE_REASONS(SL_X_DESC)
#undef SL_X_DESC
};

static const char *const layer_names[] = {
#define SL_X_NAME(e, name, desc) name,
	SL_DECODE_LAYERS(SL_X_NAME)
#undef SL_X_NAME
};

static const char *const layer_descs[] = {
#define SL_X_DESC(e, name, desc) desc,
	SL_DECODE_LAYERS(SL_X_DESC)
#undef SL_X_DESC
};

const char *sl_decode_layer_name(enum sl_decode_layer l)
{
	return (unsigned)l < ARRAY_SIZE(layer_names) ? layer_names[l] : "unknown";
}

const char *sl_decode_layer_desc(enum sl_decode_layer l)
{
	return (unsigned)l < ARRAY_SIZE(layer_descs) ? layer_descs[l] : "unknown layer";
}

const char *sl_decode_reason_name(enum sl_decode_reason r)
{
	return (unsigned)r < ARRAY_SIZE(reason_names) ? reason_names[r] : "unknown";
}

const char *sl_decode_reason_desc(enum sl_decode_reason r)
{
	return (unsigned)r < ARRAY_SIZE(reason_descs) ? reason_descs[r] : "unknown reason";
}

/*
 * frag_max_datagrams == 0 turns reassembly off (every fragment is counted as
 * FRAG_TABLE_FULL); the upper bounds keep a typo from reserving gigabytes.
 */
int sl_decoder_create(const struct sl_decode_config *cfg, struct sl_decoder **out)
{
	*out = NULL;
	if (!cfg || cfg->frag_max_datagrams > SL_FRAG_MAX_SLOTS ||
	    cfg->frag_memory_mb > SL_FRAG_MAX_MB || (cfg->decap_vxlan && cfg->vxlan_port == 0))
		return -EINVAL;
	struct sl_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	size_t mb = cfg->frag_memory_mb ? cfg->frag_memory_mb : SL_FRAG_DEFAULT_MB;
	int rc = sl_frag_table_create(cfg->frag_max_datagrams, mb << 20, &d->frag);
	if (rc < 0) {
		free(d);
		return rc;
	}
	d->counters.frag_datagrams_cap = cfg->frag_max_datagrams;
	d->counters.frag_bytes_cap = sl_frag_table_bytes(d->frag);
	*out = d;
	return 0;
}

void sl_decoder_destroy(struct sl_decoder *d)
{
	if (!d)
		return;
	sl_frag_table_destroy(d->frag);
	free(d);
}

const struct sl_decode_counters *sl_decoder_counters(const struct sl_decoder *d)
{
	return &d->counters;
}

enum sl_decode_result sl_decode_packet(struct sl_decoder *d, int dlt,
				       const uint8_t *frame, uint32_t caplen,
				       uint32_t wirelen, sl_time_us ts,
				       struct sl_packet *pkt)
{
	static const uint8_t empty[1];

	/* Everything up to the ICMP quote starts zeroed; the quote is filled
	 * whole when icmp_quoted says so (sl_dec_icmp_quote()) and the
	 * neighbour only read when valid: clearing their 64 bytes as well
	 * was a fifth of this call's instructions. */
	memset(pkt, 0, offsetof(struct sl_packet, quote));
	pkt->neighbour.valid = false;
	pkt->payload = NULL;
	pkt->payload_len = 0;
	pkt->ts = ts;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	if (d->frag_held) /* most calls: no fragment seen for a while */
		sl_frag_tick(d, ts, (uint64_t)d->cfg.frag_timeout_sec * SL_US_PER_SEC);

	/* A NULL frame is an empty one; never form NULL + 0. */
	struct sl_cursor c = frame ? sl_cursor_make(frame, caplen) : sl_cursor_make(empty, 0);
	struct sl_dctx x = { .d = d, .pkt = pkt };
	enum sl_decode_result r = sl_decode_link(&x, dlt, c);
	if (r == SL_DECODE_ERROR)
		d->counters.reasons[x.reason]++;
	else if (r == SL_DECODE_NOT_IP)
		d->counters.not_ip++;
	return r;
}

bool sl_decode_peek(int dlt, const uint8_t *frame, uint32_t caplen, struct sl_decode_peek *out)
{
	static const uint8_t empty[1];
	struct sl_packet scratch;
	memset(&scratch, 0, sizeof(scratch));
	memset(out, 0, sizeof(*out));
	struct sl_cursor c = frame ? sl_cursor_make(frame, caplen) : sl_cursor_make(empty, 0);
	struct sl_dctx x = { .d = NULL, .pkt = &scratch, .peek = out };
	return sl_decode_link(&x, dlt, c) == SL_DECODE_OK && out->src.family != 0;
}
