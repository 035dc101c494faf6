/* Citrix ICA (Independent Computing Architecture, TCP 1494).  At connect
 * both ends exchange the ICA "detect string", the six bytes 7F 7F 'I' 'C'
 * 'A' 00: the server repeats it until the client answers with the same
 * bytes, then the client's init packet follows (Citrix's descriptions of
 * ICA connection start-up and of ICA keep-alive probing; the same string is
 * what nDPI's Citrix detector and IDS signatures key on).  Seeing the
 * detect string from both sides within the first packets identifies it. */
#include <string.h>

#include "sightline/proto.h"

#define ICA_PKTS 8 /* the exchange opens the connection */

extern const struct sl_proto sl_proto_citrix;

static const uint8_t ica_detect[6] = { 0x7f, 0x7f, 'I', 'C', 'A', 0x00 };

struct citrix_state {
	bool seen[2];
};

/* The detect string opens the segment (a sender may append its next
 * message to it in the same segment). */
static bool detect_string(const struct sl_packet *pkt)
{
	return pkt->payload_len >= sizeof(ica_detect) &&
	       memcmp(pkt->payload, ica_detect, sizeof(ica_detect)) == 0;
}

static bool citrix_probe(const struct sl_proto_pkt *pp)
{
	return pp->index < ICA_PKTS && detect_string(pp->pkt);
}

static enum sl_proto_verdict citrix_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct citrix_state *st = state;
	if (!pp->pkt->payload_len)
		return SL_PROTO_MORE;
	if (detect_string(pp->pkt))
		st->seen[pp->dir] = true;
	if (st->seen[0] && st->seen[1]) {
		sl_app_identify(pp->flow, &sl_proto_citrix);
		sl_proto_claim_product(pp->flow, "citrix", "remote-access", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	return pp->index >= ICA_PKTS ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

const struct sl_proto sl_proto_citrix = {
	.name = "citrix",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct citrix_state),
	.probe = citrix_probe,
	.packet = citrix_packet,
};
