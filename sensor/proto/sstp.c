/* SSTP, Microsoft's Secure Socket Tunneling Protocol ([MS-SSTP]), when it is
 * visible in clear (TLS terminated before the sensor, or a test bed): the
 * client's HTTP request uses the method SSTP_DUPLEX_POST on the URI
 * /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ (section 2.2.1), and the
 * tunnel then carries SSTP packets: version 0x10, C bit 1 for control, a
 * 12-bit length equal to the packet, message type 1-9 and a count of
 * attributes whose headers (reserved, id, 12-bit length) end exactly at the
 * packet's end (section 2.2.2-2.2.4).  Over TLS, names (SNI) decide. */
#include <string.h>

#include "sightline/proto.h"

#define SSTP_URI "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
#define SSTP_CTRL_HDR 8
#define SSTP_MAX_ATTRS 16

extern const struct sl_proto sl_proto_sstp;

struct sstp_state {
	uint8_t pkts;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool sstp_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	return n >= SSTP_CTRL_HDR && ((p[0] == 'S' && p[1] == 'S') || (p[0] == 0x10 && p[1] == 0x01));
}

/* One whole control packet with a consistent attribute list. */
static bool control_ok(const uint8_t *p, size_t len)
{
	size_t plen = be16(p + 2) & 0x0fff, off = SSTP_CTRL_HDR;
	uint16_t type = be16(p + 4), nattr = be16(p + 6);
	if (p[0] != 0x10 || p[1] != 0x01 || (p[2] & 0xf0) || plen != len || type < 1 || type > 9 ||
	    nattr > SSTP_MAX_ATTRS)
		return false;
	for (unsigned i = 0; i < nattr; i++) {
		if (len - off < 4 || (p[off + 2] & 0xf0))
			return false;
		size_t alen = be16(p + off + 2) & 0x0fff;
		if (alen < 4 || alen > len - off)
			return false;
		off += alen;
	}
	return off == len;
}

static enum sl_proto_verdict sstp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct sstp_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	size_t len = pp->pkt->payload_len;
	bool hit = (pp->dir == SL_DIR_TOSERVER && len >= strlen(SSTP_URI) &&
		    memcmp(p, SSTP_URI, strlen(SSTP_URI)) == 0) ||
		   (len >= SSTP_CTRL_HDR && control_ok(p, len));
	if (hit) {
		sl_app_identify(pp->flow, &sl_proto_sstp);
		sl_proto_claim_product(pp->flow, "sstp", "vpn", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	return ++s->pkts >= 4 ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

const struct sl_proto sl_proto_sstp = {
	.name = "sstp",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct sstp_state),
	.probe = sstp_probe,
	.packet = sstp_packet,
};
