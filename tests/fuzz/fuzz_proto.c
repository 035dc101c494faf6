/* Fuzz every protocol parser through the real dispatcher (which offers
 * each packet to every parser of the flow's transport).  Input format:
 * byte 0: bit 7 = UDP instead of TCP; bits 0-4 pick the server port from
 * ports[] below (parsers whose probe looks at the port need the right one);
 * then records of [dir:1][len:2 big-endian][bytes:len], each
 * fed as one packet of a single flow with in-order sequence numbers (the
 * dir byte's bit 1 skips 1000 sequence numbers first, to exercise gaps).
 * When the dir byte's bit 2 is set, the record's bytes start with TCP/IP
 * header facts for handshake parsers, [tcp_flags:1][ttl:1][window:2 big-endian]
 * [optlen:1][TCP options:optlen], and the rest is the payload (flags 0 means
 * PSH|ACK, as in records without bit 2).  The flow is ended and every field
 * of the catalogue is read, as the JSON writer would. */
#include <stdint.h>
#include <stdlib.h>

#include "../unit/protohelp.h"
#include "sightline/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Server ports of the protocols sightline parses; append, never reorder
 * (seeds name their port by index). */
static const uint16_t ports[32] = {
	443, 80, 22, 53, 67, 5353, 1194, 51820, 500, 4500, 3389, 5900, 5938, 6568, 21116, 1701,
	1723, 8080, 9001, 3478, 5060, 853, 123, 137, 0, 1494, 2408, 9993, 655, 4000, 4899, 41641,
};

/* Feed one record's bytes [rec, rec+len); with hdr, its header facts first. */
static void feed_record(struct ph *h, enum sl_dir dir, bool hdr, const uint8_t *rec, size_t len)
{
	struct sl_packet t;
	uint8_t *opts = NULL;
	h->flags = 0;
	h->tmpl = NULL;
	if (hdr && len >= 5) {
		size_t olen = rec[4] < len - 5 ? rec[4] : len - 5;
		memset(&t, 0, sizeof(t));
		h->flags = rec[0];
		t.ttl = rec[1];
		t.tcp_window = (uint16_t)((rec[2] << 8) | rec[3]);
		/* private copies of exactly the bytes given, so ASan sees any overread */
		if (olen && (opts = malloc(olen)))
			memcpy(opts, rec + 5, olen);
		t.tcp_opts = opts;
		t.tcp_opts_len = opts ? (uint8_t)olen : 0;
		h->tmpl = &t;
		rec += 5 + olen;
		len -= 5 + olen;
	}
	uint8_t *pkt = len ? malloc(len) : NULL;
	if (len && pkt)
		memcpy(pkt, rec, len);
	ph_feed(h, dir, pkt, pkt ? len : 0);
	free(pkt);
	free(opts);
	h->tmpl = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || sl_proto_count() == 0)
		return 0;
	struct ph h;
	uint16_t port = ports[data[0] & 0x1f] ? ports[data[0] & 0x1f] : 443;
	ph_init(&h, (data[0] & 0x80) ? 17 : 6, "10.0.0.2", 40000, "198.51.100.1", port);
	size_t i = 1;
	while (i + 3 <= size) {
		uint8_t d = data[i];
		enum sl_dir dir = (d & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER;
		if (d & 2)
			h.seq[dir] += 1000;
		size_t len = ((size_t)data[i + 1] << 8) | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		feed_record(&h, dir, (d & 4) != 0, data + i, len);
		i += len;
	}
	ph_end(&h);
	struct sl_json j;
	struct sl_record r = ph_record(&h);
	sl_json_init(&j);
	sl_json_begin(&j);
	sl_catalogue_emit(&r, &j);
	sl_json_end(&j);
	sl_json_finish(&j);
	ph_finish(&h);
	return 0;
}
