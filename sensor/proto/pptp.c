/* PPTP (RFC 2637): the control connection on TCP 1723 and its data channel,
 * enhanced GRE (IP protocol 47, GRE version 1).
 *
 * Control ("pptp"): every message starts with length (2), PPTP message type
 * 1 (control), the magic cookie 0x1A2B3C4D, the control message type (2) and
 * a zero reserved word.  The flow is PPTP once the client's
 * Start-Control-Connection-Request (1) or Outgoing-Call-Request (7) is
 * answered by the server's matching Reply (2 / 8), each with its fixed
 * length (156, 168, 156, 32).  Host name and vendor come from the SCCRQ/SCCRP.
 *
 * Data ("pptp-gre", section 4.1): flags with Key present and no checksum or
 * routing, version 1, protocol 0x880B (PPP), the key holding payload length
 * and call id; optional sequence and acknowledgement numbers.  Taken after
 * two such packets, or one whose payload length matches and that carries a
 * PPP frame (address/control FF 03).  Both name app "pptp", category vpn. */
#include <string.h>

#include "sightline/proto.h"

#define PPTP_PORT 1723
#define PPTP_HDR_LEN 16
#define PPTP_MAGIC 0x1A2B3C4Du
#define PPTP_MAX_MSGS 4     /* messages read per segment */
#define PPTP_NAME_LEN 64    /* host name and vendor fields */
#define GRE_PROTO 47
#define GRE_PPP 0x880B

extern const struct sl_proto sl_proto_pptp;
extern const struct sl_proto sl_proto_pptp_gre;

struct pptp_state {
	uint16_t requested;  /* bit t: the client sent control message type t */
	bool identified;
	uint8_t msgs;
	char hostname[PPTP_NAME_LEN + 1], vendor[PPTP_NAME_LEN + 1];
	char server_vendor[PPTP_NAME_LEN + 1];
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool pptp_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	return (p->sport == PPTP_PORT || p->dport == PPTP_PORT) && p->payload_len >= PPTP_HDR_LEN;
}

/* Fixed length of the control message types we validate; 0: any >= 16. */
static unsigned fixed_len(uint16_t type)
{
	switch (type) {
	case 1: case 2: return 156;
	case 7: return 168;
	case 8: return 32;
	default: return 0;
	}
}

/* Printable copy of a NUL-padded 64-byte string field. */
static void copy_name(char *dst, const uint8_t *src)
{
	size_t n = 0;
	while (n < PPTP_NAME_LEN && src[n] >= 0x20 && src[n] < 0x7f)
		n++;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* One control message at m (len bytes available); its length or 0. */
static size_t control_msg(struct pptp_state *s, const struct sl_proto_pkt *pp, const uint8_t *m,
			  size_t len)
{
	if (len < PPTP_HDR_LEN)
		return 0;
	size_t mlen = be16(m);
	uint16_t type = be16(m + 8);
	if (be16(m + 2) != 1 || be32(m + 4) != PPTP_MAGIC || type == 0 || type > 15 ||
	    be16(m + 10) != 0 || mlen < PPTP_HDR_LEN || mlen > len ||
	    (fixed_len(type) && mlen != fixed_len(type)))
		return 0;
	if (pp->dir == SL_DIR_TOSERVER) {
		s->requested |= (uint16_t)(1u << type);
		if (type == 1) {
			copy_name(s->hostname, m + 28);
			copy_name(s->vendor, m + 92);
		}
	} else if ((type == 2 || type == 8) && (s->requested & (1u << (type - 1)))) {
		if (type == 2)
			copy_name(s->server_vendor, m + 92);
		if (!s->identified) {
			s->identified = true;
			sl_app_identify(pp->flow, &sl_proto_pptp);
			sl_proto_claim_product(pp->flow, "pptp", "vpn", SL_PROTO_BY_WIRE);
		}
	}
	return mlen;
}

/* Segments are read as whole messages from their first byte (PPTP peers
 * send one or a few whole messages per segment); anything else before
 * identification means this is not PPTP. */
static enum sl_proto_verdict pptp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct pptp_state *s = state;
	const uint8_t *m = pp->pkt->payload;
	size_t len = pp->pkt->payload_len, off = 0;
	for (int i = 0; i < PPTP_MAX_MSGS && off < len; i++) {
		size_t n = control_msg(s, pp, m + off, len - off);
		if (!n)
			break;
		off += n;
	}
	if (off == 0 && !s->identified)
		return SL_PROTO_NOT_MINE;
	return ++s->msgs >= 8 ? SL_PROTO_DONE : SL_PROTO_MORE;
}

/* Declared fields read the state once identified is set. */
#define AT_PPTP SL_IN_STATE_IF(sl_proto_pptp, struct pptp_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("pptp.hostname", "client host name from the Start-Control-Connection-Request",
	             AT_PPTP, struct pptp_state, hostname, SL_NONZERO),
	SL_FIELD_STR("pptp.vendor", "client vendor string from the Start-Control-Connection-Request",
	             AT_PPTP, struct pptp_state, vendor, SL_NONZERO),
	SL_FIELD_STR("pptp.server_vendor", "server vendor string from the Start-Control-Connection-Reply",
	             AT_PPTP, struct pptp_state, server_vendor, SL_NONZERO),
};

static const struct sl_field_table pptp_fields = { "pptp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_pptp = {
	.name = "pptp",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct pptp_state),
	.probe = pptp_probe,
	.packet = pptp_packet,
	.fields = &pptp_fields,
};

struct gre_state {
	uint8_t valid;
	bool identified;
};

static bool gre_probe(const struct sl_proto_pkt *pp)
{
	return pp->pkt->proto == GRE_PROTO && pp->pkt->payload_len >= 8;
}

/* Enhanced GRE header check; *ppp is set when the payload is a PPP frame. */
static bool gre_v1_ok(const uint8_t *m, size_t len, bool *ppp)
{
	if (len < 8 || (m[0] & ~0x10) != 0x20 || (m[1] & 0x7f) != 0x01 || be16(m + 2) != GRE_PPP)
		return false;
	size_t hlen = 8 + ((m[0] & 0x10) ? 4 : 0) + ((m[1] & 0x80) ? 4 : 0);
	size_t plen = be16(m + 4);
	if (hlen > len || plen != len - hlen || (plen && !(m[0] & 0x10)))
		return false;
	*ppp = plen >= 4 && m[hlen] == 0xff && m[hlen + 1] == 0x03;
	return true;
}

static enum sl_proto_verdict gre_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct gre_state *s = state;
	bool ppp = false;
	if (!gre_v1_ok(pp->pkt->payload, pp->pkt->payload_len, &ppp))
		return s->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	if (++s->valid >= 2 || ppp) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_pptp_gre);
		sl_proto_claim_product(pp->flow, "pptp", "vpn", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	return SL_PROTO_MORE;
}

const struct sl_proto sl_proto_pptp_gre = {
	.name = "pptp-gre",
	.l4 = SL_L4_OTHER,
	.state_size = sizeof(struct gre_state),
	.probe = gre_probe,
	.packet = gre_packet,
};
