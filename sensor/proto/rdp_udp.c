/* RDP's UDP transport: the client's SYN datagram and the server's SYN+ACK.
 * Spec: [MS-RDPEUDP] 2.2.2.1 (RDPUDP_FEC_HEADER), 2.2.2.5
 * (RDPUDP_SYNDATA_PAYLOAD), 2.2.2.6 (RDPUDP_CORRELATION_ID_PAYLOAD),
 * 2.2.2.7 (RDPUDP_SYNDATAEX_PAYLOAD) and 3.1.5.1.1 (the SYN is zero-padded
 * to 1232 bytes).  Later datagrams are DTLS-protected and not read. */
#include <stdio.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"

#define FLAG_SYN 0x0001
#define FLAG_ACK 0x0004
#define FLAG_CORRELATION_ID 0x0800
#define FLAG_SYNEX 0x1000
#define MTU_MIN 1132
#define MTU_MAX 1232
#define SYN_MIN_LEN MTU_MIN /* the SYN is padded towards 1232 bytes */
#define SYNEX_VERSION_INFO_VALID 0x0001

extern const struct sl_proto sl_proto_rdp_udp;

struct rdpu_state {
	uint32_t isn;        /* client's snInitialSequenceNumber */
	uint16_t up_mtu, down_mtu;
	uint16_t version;    /* uUdpVer from SYNEX, 0 = absent */
	bool syn, confirmed;
	uint8_t corr[16];
	bool has_corr;
};

struct rdpu_hdr {
	uint32_t ack;
	uint16_t win, flags;
	uint32_t isn;
	uint16_t up, down;
};

/* RDPUDP_FEC_HEADER then RDPUDP_SYNDATA_PAYLOAD, both big-endian. */
static bool read_hdr(struct sl_cursor *c, struct rdpu_hdr *h)
{
	return sl_rd_be32(c, &h->ack) && sl_rd_be16(c, &h->win) && sl_rd_be16(c, &h->flags) &&
	       sl_rd_be32(c, &h->isn) && sl_rd_be16(c, &h->up) && sl_rd_be16(c, &h->down) &&
	       (h->flags & FLAG_SYN) && h->up >= MTU_MIN && h->up <= MTU_MAX &&
	       h->down >= MTU_MIN && h->down <= MTU_MAX;
}

/* The client's SYN: snSourceAck -1, SYN without ACK, MTUs in range, padded. */
static bool is_syn(const uint8_t *p, size_t n, struct rdpu_hdr *h)
{
	struct sl_cursor c = sl_cursor_make(p, n);
	return n >= SYN_MIN_LEN && read_hdr(&c, h) && h->ack == 0xFFFFFFFFu &&
	       !(h->flags & FLAG_ACK);
}

static bool rdpu_probe(const struct sl_proto_pkt *pp)
{
	struct rdpu_hdr h;
	return pp->dir == SL_DIR_TOSERVER &&
	       is_syn(pp->pkt->payload, pp->pkt->payload_len, &h);
}

/* Optional parts after the SYNDATA: a correlation id (16 bytes and 16
 * reserved) and the SYNEX payload (uSynExFlags, uUdpVer). */
static void read_ext(struct rdpu_state *st, struct sl_cursor *c, uint16_t flags, bool client)
{
	const uint8_t *id;
	uint16_t exflags, ver;
	if (client && (flags & FLAG_CORRELATION_ID)) {
		if (!sl_rd_bytes(c, 16, &id) || !sl_rd_skip(c, 16))
			return;
		memcpy(st->corr, id, 16);
		st->has_corr = true;
	}
	if ((flags & FLAG_SYNEX) && sl_rd_be16(c, &exflags) && sl_rd_be16(c, &ver) &&
	    (exflags & SYNEX_VERSION_INFO_VALID))
		st->version = ver;
}

/* SYN from the client, then the server's SYN+ACK acknowledging its ISN. */
static enum sl_proto_verdict rdpu_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct rdpu_state *st = state;
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	struct rdpu_hdr h;
	struct sl_cursor c = sl_cursor_make(p, n);
	if (pp->dir == SL_DIR_TOSERVER) {
		if (st->syn || !is_syn(p, n, &h))
			return st->syn ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
		st->syn = true;
		st->isn = h.isn;
		st->up_mtu = h.up;
		st->down_mtu = h.down;
		(void)read_hdr(&c, &h);
		read_ext(st, &c, h.flags, true);
		sl_app_identify(pp->flow, &sl_proto_rdp_udp);
		sl_app_set_product(pp->flow, "rdp", "remote-access", SL_SRC_WIRE);
		return SL_PROTO_MORE;
	}
	if (read_hdr(&c, &h) && (h.flags & FLAG_ACK) && h.ack == st->isn) {
		st->confirmed = true;
		read_ext(st, &c, h.flags, false);
	}
	return SL_PROTO_DONE;
}

static const struct rdpu_state *state_of(const struct sl_record *r)
{
	return sl_record_state(r, &sl_proto_rdp_udp);
}

static bool g_confirmed(const struct sl_record *r, struct sl_value *v)
{
	const struct rdpu_state *st = state_of(r);
	v->b = st && st->confirmed;
	return st && st->syn;
}

static bool g_mtu(const struct sl_record *r, struct sl_value *v)
{
	const struct rdpu_state *st = state_of(r);
	v->u = st ? st->up_mtu : 0;
	return st && st->syn;
}

/* uUdpVer: 0x0001 and 0x0002 are versions 1 and 2, 0x0101 is version 3. */
static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct rdpu_state *st = state_of(r);
	if (!st || !st->version)
		return false;
	v->u = st->version == 0x0101 ? 3 : st->version;
	return true;
}

static bool g_corr(const struct sl_record *r, struct sl_value *v)
{
	const struct rdpu_state *st = state_of(r);
	if (!st || !st->has_corr)
		return false;
	for (size_t i = 0; i < 16; i++)
		snprintf(v->buf + 2 * i, 3, "%02x", st->corr[i]);
	v->s = v->buf;
	return true;
}

static const struct sl_field fields[] = {
	{ "rdp_udp.confirmed", SL_FT_BOOL, "the server answered the SYN with a SYN+ACK for its sequence number", g_confirmed },
	{ "rdp_udp.mtu", SL_FT_UINT, "uUpStreamMtu the client proposed (1132..1232)", g_mtu },
	{ "rdp_udp.version", SL_FT_UINT, "RDP-UDP protocol version from SYNEX (1, 2 or 3); the server's when it answered", g_version },
	{ "rdp_udp.correlation_id", SL_FT_STRING, "client's correlation id (hex), also sent in the TCP connection's RDP_NEG_CORRELATION_INFO", g_corr },
};

static const struct sl_field_table rdpu_fields = { "rdp_udp", fields, ARRAY_SIZE(fields) };

const struct sl_proto sl_proto_rdp_udp = {
	.name = "rdp-udp",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct rdpu_state),
	.probe = rdpu_probe,
	.packet = rdpu_packet,
	.fields = &rdpu_fields,
};
