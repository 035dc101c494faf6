/* L2TP over UDP 1701: version 2 (RFC 2661) and version 3 control messages
 * (RFC 3931 section 4.1.2.1), the tunnel that L2TP/IPsec VPNs run when IPsec
 * is not applied (or is seen decrypted).
 *
 * Control message (T bit): L and S set, O and P clear, reserved bits zero,
 * the length equal to the datagram, and a chain of AVPs (M/H bits, 10-bit
 * length >= 6, vendor id, attribute type) ending exactly at the length, the
 * first being Message Type (vendor 0, attribute 0, length 8).  A control
 * message with no AVP is a ZLB acknowledgement and counts only after a
 * typed one.  Data message (v2 only): reserved bits zero, then a PPP frame
 * (FF 03 and a PPP protocol number with its low bit set).  Host Name (AVP 7)
 * and Vendor Name (AVP 8) are reported; hidden (H) AVPs are skipped. */
#include <string.h>

#include "sightline/proto.h"

#define L2TP_PORT 1701
#define L2TP_CTRL_HDR 12
#define L2TP_MAX_AVPS 64
#define L2TP_NAME_MAX 64
#define F_T 0x80
#define F_L 0x40
#define F_S 0x08
#define F_O 0x02
#define F_P 0x01
#define F_RSVD 0x34
#define AVP_M 0x80
#define AVP_H 0x40
#define AVP_HOSTNAME 7
#define AVP_VENDOR 8

extern const struct sl_proto sl_proto_l2tp;

struct l2tp_state {
	bool identified;
	uint8_t version;
	uint16_t msg_type;  /* first typed control message, 0 for data only */
	uint8_t msgs;
	char hostname[L2TP_NAME_MAX + 1], vendor[L2TP_NAME_MAX + 1];
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool l2tp_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	return (p->sport == L2TP_PORT || p->dport == L2TP_PORT) && p->payload_len >= 6;
}

static void copy_name(char *dst, const uint8_t *src, size_t n)
{
	size_t k = 0;
	while (k < n && k < L2TP_NAME_MAX && src[k] >= 0x20 && src[k] < 0x7f)
		k++;
	memcpy(dst, src, k);
	dst[k] = 0;
}

/*
 * Walk the AVPs of a control message body; *type gets the Message Type
 * (0 for a ZLB).  With s set, names are kept.  False on any framing fault.
 */
static bool walk_avps(struct l2tp_state *s, const uint8_t *m, size_t len, uint16_t *type)
{
	size_t off = L2TP_CTRL_HDR;
	*type = 0;
	for (unsigned i = 0; off < len; i++) {
		if (i >= L2TP_MAX_AVPS || len - off < 6 || (m[off] & 0x3c))
			return false;
		size_t alen = (size_t)(m[off] & 0x03) << 8 | m[off + 1];
		uint16_t vendor = be16(m + off + 2), attr = be16(m + off + 4);
		if (alen < 6 || alen > len - off)
			return false;
		if (i == 0) {
			if (vendor || attr || alen != 8 || (m[off] & AVP_H))
				return false;
			*type = be16(m + off + 6);
			if (*type == 0 || *type > 27)
				return false;
		} else if (s && !vendor && !(m[off] & AVP_H) && attr == AVP_HOSTNAME && !s->hostname[0]) {
			copy_name(s->hostname, m + off + 6, alen - 6);
		} else if (s && !vendor && !(m[off] & AVP_H) && attr == AVP_VENDOR && !s->vendor[0]) {
			copy_name(s->vendor, m + off + 6, alen - 6);
		}
		off += alen;
	}
	return off == len;
}

/* A control message (v2 or v3): *type as in walk_avps. */
static bool control_ok(const uint8_t *m, size_t len, uint16_t *type)
{
	if (len < L2TP_CTRL_HDR || (m[0] & (F_L | F_S | F_O | F_P | F_RSVD)) != (F_L | F_S) ||
	    (m[1] & 0xf0) || be16(m + 2) != len)
		return false;
	return walk_avps(NULL, m, len, type);
}

/* A v2 data message carrying a PPP frame. */
static bool data_ok(const uint8_t *m, size_t len)
{
	if ((m[0] & (F_T | F_RSVD)) || m[1] != 0x02)
		return false;
	size_t off = 2;
	if ((m[0] & F_L) && (len < 4 || be16(m + 2) != len))
		return false;
	off += (m[0] & F_L) ? 2 : 0;
	off += 4 + ((m[0] & F_S) ? 4 : 0);
	if ((m[0] & F_O) && off + 2 <= len)
		off += 2 + (size_t)be16(m + off);
	else if (m[0] & F_O)
		return false;
	return off + 4 <= len && m[off] == 0xff && m[off + 1] == 0x03 && (m[off + 3] & 1) &&
	       !(m[off + 2] & 1);
}

static enum sl_proto_verdict l2tp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct l2tp_state *s = state;
	const uint8_t *m = pp->pkt->payload;
	size_t len = pp->pkt->payload_len;
	uint16_t type = 0;
	bool ok;
	if (len < 6) /* later packets were not checked by the probe */
		return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	uint8_t ver = m[1] & 0x0f;
	if (m[0] & F_T)
		ok = (ver == 2 || ver == 3) && control_ok(m, len, &type) && (type || s->identified);
	else
		ok = data_ok(m, len);
	if (!ok)
		return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	if (type) {
		walk_avps(s, m, len, &type);
		if (!s->msg_type)
			s->msg_type = type;
	}
	if (!s->identified) {
		s->identified = true;
		s->version = ver;
		sl_app_identify(pp->flow, &sl_proto_l2tp);
		sl_proto_claim_product(pp->flow, "l2tp", "vpn", SL_PROTO_BY_WIRE);
	}
	return ++s->msgs >= 8 ? SL_PROTO_DONE : SL_PROTO_MORE;
}

/* Control message types by number (RFC 2661 3.2). */
static const char *const type_names[] = {
		NULL, "SCCRQ", "SCCRP", "SCCCN", "StopCCN", NULL, "HELLO", "OCRQ", "OCRP", "OCCN",
		"ICRQ", "ICRP", "ICCN", NULL, "CDN", "WEN", "SLI",
};

/* Declared fields read the state once identified is set. */
#define AT_L2TP SL_IN_STATE_IF(sl_proto_l2tp, struct l2tp_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_U("l2tp.version", "L2TP version: 2 (RFC 2661) or 3 (RFC 3931)",
	           AT_L2TP, struct l2tp_state, version, SL_WITH_STATE),
	SL_FIELD_ENUM("l2tp.message_type", "first control message seen: SCCRQ, SCCRP, ICRQ, HELLO...", AT_L2TP, struct l2tp_state, msg_type, type_names, SL_NONZERO),
	SL_FIELD_STR("l2tp.hostname", "Host Name AVP of the first control message carrying one",
	             AT_L2TP, struct l2tp_state, hostname, SL_NONZERO),
	SL_FIELD_STR("l2tp.vendor", "Vendor Name AVP of the first control message carrying one",
	             AT_L2TP, struct l2tp_state, vendor, SL_NONZERO),
};

static const struct sl_field_table l2tp_fields = { "l2tp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_l2tp = {
	.name = "l2tp",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct l2tp_state),
	.probe = l2tp_probe,
	.packet = l2tp_packet,
	.fields = &l2tp_fields,
};
