/* Fuzz harness of the packet decoder: the first byte picks a link type from
 * the supported list, the rest is the frame.  One decoder lives across inputs
 * so that fragment reassembly state (and its expiry) is exercised too. */
#include <stdlib.h>
#include <string.h>

#include "sightline/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { 1, 0, 108, 12, 14, 228, 229, 113, 276, 9 };

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_decoder *d;
	static sl_time_us ts;
	static volatile unsigned sink;
	if (!d) {
		struct sl_decode_config cfg = { .frag_max_datagrams = 16, .frag_timeout_sec = 2,
						.decap_gre = true, .decap_vxlan = true,
						.vxlan_port = 4789 };
		if (sl_decoder_create(&cfg, &d) != 0)
			abort();
	}
	if (size < 1)
		return 0;
	/* An exact-size copy: the replay driver's buffer is larger than the input. */
	size_t n = size - 1;
	uint8_t *frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, n);
	ts += 250000; /* a quarter second per input: datagrams expire after 8 */
	struct sl_packet pkt;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	if (sl_decode_packet(d, dlt, frame, (uint32_t)n, (uint32_t)n, ts, &pkt) == SL_DECODE_OK) {
		check(&pkt);
		sink += touch(&pkt);
	}
	free(frame);
	return 0;
}
