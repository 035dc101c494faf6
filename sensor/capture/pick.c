/* Which worker a frame belongs to: the decoder reads its outermost IP
 * header (sl_decode_peek: every link type and encapsulation below IP that
 * it decodes), and a hash of the address pair and protocol, the same in
 * both directions, picks the worker.  Ports are left out on purpose: a
 * fragment carries none, and a flow whose datagrams are partly fragmented
 * must still meet one decoder and one flow table.  Frames that are not IP
 * go to worker 0. */
#include <string.h>

#include "capture_priv.h"
#include "sightline/decode.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

/* An address's 16 bytes (IPv4 in the first 4, the rest zero). */
static uint64_t endpoint(const struct sl_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return mix(mix(0, x), y);
}

int sl_shard_pick(int dlt, const uint8_t *frame, uint32_t caplen, unsigned n)
{
	struct sl_decode_peek ip;
	if (!frame || !sl_decode_peek(dlt, frame, caplen, &ip))
		return -1;
	/* Order-free combination of the two endpoints: both directions agree. */
	uint64_t x = endpoint(&ip.src), y = endpoint(&ip.dst);
	uint64_t h = mix(mix(x < y ? x : y, x < y ? y : x), ip.proto);
	h ^= h >> 33;
	return (int)(h % (n ? n : 1));
}
