/* Fuzz harness of the packet decoder and of its peek at the outermost IP
 * header (the workers' shard key): the first byte picks a link type from
 * the supported list, the rest is the frame.  One decoder lives across inputs
 * so fragment reassembly state (and its expiry) is exercised too; with the
 * selector's top bit set the rest is several frames, each after a 2-byte
 * length, so one input can also complete a datagram reproducibly. */
#include <stdlib.h>
#include <string.h>

#include "sightline/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { 1, 0, 108, 12, 14, 228, 229, 113, 276, 9, 104, 239 };
static volatile unsigned sink; /* keeps touch() from being optimised away */

/* Touch every byte an OK packet points at, so ASan sees a bad pointer. */
static unsigned touch(const struct sl_packet *p)
{
	unsigned sum = 0;
	for (uint32_t i = 0; i < p->payload_len; i++)
		sum += p->payload[i];
	for (uint32_t i = 0; i < p->l4_len; i++)
		sum += p->l4[i];
	for (uint32_t i = 0; i < p->tcp_opts_len; i++)
		sum += p->tcp_opts[i];
	for (unsigned i = 0; i < 6; i++)
		sum += (p->mac_src ? p->mac_src[i] : 0) + (p->mac_dst ? p->mac_dst[i] : 0);
	return sum + p->l3[0];
}

/* Invariants of an OK packet; a violation is a crash for the fuzzer. */
static void check(const struct sl_packet *p)
{
	if ((p->ip_version != 4 && p->ip_version != 6) || !p->l3 || !p->l4 ||
	    p->src.family != p->ip_version || p->vlan_count > 2 ||
	    p->tunnel.depth > 4 || p->payload_len > p->l4_len ||
	    p->payload < p->l4 || p->payload + p->payload_len > p->l4 + p->l4_len ||
	    (p->tunnel.type != SL_TUNNEL_NONE) != (p->tunnel.depth != 0))
		abort();
}

/* Decode one frame from an exact-size copy (the replay driver's buffer is
 * larger than the input, so ASan would not see a read past the end). */
static void decode_one(struct sl_decoder *d, int dlt, const uint8_t *data, size_t n)
{
	static sl_time_us ts;
	struct sl_packet pkt;
	uint8_t *frame = malloc(n ? n : 1);
	if (!frame)
		return;
	memcpy(frame, data, n);
	ts += 10000; /* 10 ms per frame: held datagrams expire after 200 frames */
	/* the workers' shard key: a frame the decoder takes has one, in its family */
	struct sl_decode_peek ip;
	bool peeked = sl_decode_peek(dlt, frame, (uint32_t)n, &ip);
	if (peeked && (ip.src.family != ip.dst.family || (ip.src.family != 4 && ip.src.family != 6)))
		abort();
	if (sl_decode_packet(d, dlt, frame, (uint32_t)n, (uint32_t)n, ts, &pkt) == SL_DECODE_OK) {
		check(&pkt);
		sink += touch(&pkt);
		if (!peeked && !pkt.reassembled)
			abort(); /* the decoder reached an IP header peek did not */
	}
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_decoder *d;
	if (!d) {
		struct sl_decode_config cfg = { .frag_max_datagrams = 32, .frag_timeout_sec = 2,
						.decap_gre = true, .decap_vxlan = true,
						.decap_gtpu = true, .vxlan_port = 4789 };
		if (sl_decoder_create(&cfg, &d) != 0)
			abort();
	}
	if (size < 1)
		return 0;
	int dlt = dlts[(data[0] & 0x7f) % (sizeof(dlts) / sizeof(dlts[0]))];
	if (!(data[0] & 0x80)) {
		decode_one(d, dlt, data + 1, size - 1);
		return 0;
	}
	for (size_t at = 1; at + 2 <= size;) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		at += 2;
		if (len > size - at)
			len = size - at;
		decode_one(d, dlt, data + at, len);
		at += len;
	}
	return 0;
}
