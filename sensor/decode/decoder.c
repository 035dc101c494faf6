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

/* The layers' walk of one frame, after the fragment table's tick.  Out of
 * line: its context on the stack would give the fast path a
 * stack-protected frame too. */
static __attribute__((noinline)) enum sl_decode_result layers(struct sl_decoder *d, int dlt, const uint8_t *frame,
				    uint32_t caplen, uint32_t wirelen, sl_time_us ts,
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

/* Start of every call: forget the datagram the previous call rebuilt and
 * drop expired ones. */
static inline void tick(struct sl_decoder *d, sl_time_us ts)
{
	if (d->frag_held) /* most calls: no fragment seen for a while */
		sl_frag_tick(d, ts, (uint64_t)d->cfg.frag_timeout_sec * SL_US_PER_SEC);
}

enum sl_decode_result sl_decode_packet_layers(struct sl_decoder *d, int dlt,
					      const uint8_t *frame, uint32_t caplen,
					      uint32_t wirelen, sl_time_us ts,
					      struct sl_packet *pkt)
{
	tick(d, ts);
	return layers(d, dlt, frame, caplen, wirelen, ts, pkt);
}

/* The members fast_frame() writes one by one end at the quote: a member
 * added before it must be written there too (test_decode compares the two
 * paths member by member). */
_Static_assert(sizeof(void *) != 8 ||
		       (offsetof(struct sl_packet, quote) == 198 && sizeof(struct sl_packet) == 280),
	       "struct sl_packet changed: update fast_frame() and its test");

/* The transport of a fast frame: TCP whose data offset fits what was
 * captured and the segment on the wire, or UDP whose length fits the
 * datagram and names no port a tunnel is peeled on.  False otherwise. */
static inline bool fast_l4(const struct sl_decoder *d, struct sl_cursor c, uint8_t proto,
			   uint32_t wire, struct sl_packet *pkt)
{
	const uint8_t *b;
	pkt->l4 = c.p;
	pkt->l4_len = (uint32_t)sl_cursor_left(&c);
	if (proto == SL_IPPROTO_TCP) {
		size_t hlen;
		if (!sl_rd_bytes(&c, 20, &b) || (hlen = (size_t)(b[12] >> 4) * 4) < 20 ||
		    hlen > wire || !sl_rd_skip(&c, hlen - 20))
			return false;
		sl_dec_tcp_fixed(pkt, b);
		pkt->tcp_flags = b[13];
		pkt->tcp_opts = hlen > 20 ? b + 20 : NULL;
		pkt->tcp_opts_len = (uint8_t)(hlen - 20);
	} else {
		if (!sl_rd_bytes(&c, 8, &b))
			return false;
		uint16_t sport = sl_get_be16(b), dport = sl_get_be16(b + 2), ulen = sl_get_be16(b + 4);
		if (ulen < 8 || ulen > wire ||
		    (d->cfg.decap_vxlan && (dport == d->cfg.vxlan_port || sport == d->cfg.vxlan_port)) ||
		    (d->cfg.decap_gtpu && (dport == SL_GTPU_PORT || sport == SL_GTPU_PORT)))
			return false;
		if (sl_cursor_left(&c) > ulen - 8u)
			c.end = c.p + (ulen - 8u);
		pkt->sport = sport;
		pkt->dport = dport;
		pkt->tcp_flags = 0;
		pkt->tcp_seq = pkt->tcp_ack = 0;
		pkt->tcp_window = 0;
		pkt->tcp_opts = NULL;
		pkt->tcp_opts_len = 0;
	}
	pkt->payload = c.p;
	pkt->payload_len = (uint32_t)sl_cursor_left(&c);
	return true;
}

/*
 * What most captures are made of -- Ethernet II, a 20-byte IPv4 header, no
 * fragment, TCP or UDP -- read with one bounds check per header and written
 * straight into pkt, member by member instead of clearing it first: the
 * layers' walk (a call per layer, each field through the cursor, 200 bytes
 * cleared) was 330 instructions a packet.  False for anything else,
 * including every frame a layer would count as malformed; the layers then
 * decode it afresh, so pkt and the counters end as theirs would.
 */
static inline bool fast_frame(const struct sl_decoder *d, struct sl_cursor c,
			      struct sl_packet *pkt)
{
	const uint8_t *b;
	if (!sl_rd_bytes(&c, 34, &b) || sl_get_be16(b + 12) != SL_ETH_IPV4 || b[14] != 0x45)
		return false;
	const uint8_t *ip = b + 14;
	uint16_t total = sl_get_be16(ip + 2), frag = sl_get_be16(ip + 6);
	uint8_t proto = ip[9];
	if (total < 20 || (frag & 0x3fff) || (proto != SL_IPPROTO_TCP && proto != SL_IPPROTO_UDP))
		return false;
	uint32_t wire = total - 20u;
	if (sl_cursor_left(&c) > wire)
		c.end = c.p + wire;
	if (!fast_l4(d, c, proto, wire, pkt))
		return false;
	pkt->origin = NULL;
	pkt->ip_len = total;
	pkt->mac_dst = b;
	pkt->mac_src = b + 6;
	pkt->vlan[0] = pkt->vlan[1] = 0;
	pkt->vlan_count = 0;
	pkt->tunnel = (struct sl_tunnel){ 0 };
	pkt->src = (struct sl_addr){ .family = 4 };
	pkt->dst = (struct sl_addr){ .family = 4 };
	memcpy(pkt->src.b, ip + 12, 4);
	memcpy(pkt->dst.b, ip + 16, 4);
	pkt->ip_version = 4;
	pkt->ttl = ip[8];
	pkt->df = (frag & 0x4000) != 0;
	pkt->reassembled = false;
	pkt->ip_id = sl_get_be16(ip + 4);
	pkt->l3 = ip;
	pkt->proto = proto;
	pkt->icmp_type = pkt->icmp_code = 0;
	pkt->icmp_error = pkt->icmp_quoted = false;
	pkt->neighbour.valid = false;
	return true;
}

enum sl_decode_result sl_decode_packet(struct sl_decoder *d, int dlt,
				       const uint8_t *frame, uint32_t caplen,
				       uint32_t wirelen, sl_time_us ts,
				       struct sl_packet *pkt)
{
	tick(d, ts);
	/* written first, so fewer values stay live through the fast path
	 * (the layers write them again) */
	pkt->ts = ts;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	if (dlt == 1 && frame && fast_frame(d, sl_cursor_make(frame, caplen), pkt))
		return SL_DECODE_OK;
	return layers(d, dlt, frame, caplen, wirelen, ts, pkt);
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
