/* Fuzz the DNS, DHCP and mDNS parsers on their own ports (fuzz_proto offers
 * everything on 443, where only strictly valid DNS and DHCP get in), then a
 * second flow on the same dispatcher reads the DNS cache the first one fed.
 * Input: byte 0 selects the flow (low 2 bits: 0 DNS/UDP 53, 1 DNS/TCP 53,
 * 2 DHCP UDP 68→67, 3 mDNS UDP 5353); then records [dir:1][len:2 BE][bytes]
 * as in fuzz_proto.c (dir bit 0: to client, bit 1: skip 1000 sequence
 * numbers first).  Seeds: tests/fuzz/gen_names_seeds.py. */
#include <stdint.h>
#include <stdlib.h>

#include "../unit/dnsbuild.h"
#include "sightline/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void emit(struct ph *h)
{
	struct sl_json j;
	ph_end(h);
	struct sl_record r = ph_record(h);
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_catalogue_emit(&r, &j);
	sl_json_end(&j);
	sl_json_finish(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { uint8_t proto; const char *cli; uint16_t cport; const char *srv; uint16_t sport; } flows[4] = {
		{ 17, "10.77.0.2", 40000, "192.0.2.53", 53 },
		{ 6, "10.77.0.2", 40000, "192.0.2.53", 53 },
		{ 17, "0.0.0.0", 68, "255.255.255.255", 67 },
		{ 17, "10.77.0.60", 5353, "224.0.0.251", 5353 },
	};
	if (size < 1)
		return 0;
	unsigned sel = data[0] & 3;
	struct ph h, later;
	ph_init(&h, flows[sel].proto, flows[sel].cli, flows[sel].cport, flows[sel].srv,
		flows[sel].sport);
	for (size_t i = 1; i + 3 <= size;) {
		enum sl_dir dir = (data[i] & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER;
		if (data[i] & 2)
			h.seq[dir] += 1000;
		size_t len = ((size_t)data[i + 1] << 8) | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		ph_feed_copy(&h, dir, data + i, len);
		i += len;
	}
	emit(&h);
	ph_init_shared(&later, &h, 6, "10.77.0.2", 40001, "198.51.100.1", 443);
	emit(&later);
	ph_finish_shared(&later);
	ph_finish(&h);
	return 0;
}
