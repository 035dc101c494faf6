/* RDP's UDP transport: the client's SYN datagram and the server's SYN+ACK.
 * Spec: [MS-RDPEUDP] 2.2.2.1 (RDPUDP_FEC_HEADER), 2.2.2.5
 * (RDPUDP_SYNDATA_PAYLOAD), 2.2.2.6 (RDPUDP_CORRELATION_ID_PAYLOAD),
 * 2.2.2.7 (RDPUDP_SYNDATAEX_PAYLOAD) and 3.1.5.1.1 (the SYN is zero-padded
 * to 1232 bytes).  Later datagrams carry a protected payload, but their
 * headers are clear: a flow seen only from mid-session (no SYN) is named
 * by them -- 2.2.2.1 FEC header with RDPUDP_FLAG_ACK, 2.2.2.7 ACK vector
 * (at most 2048 bytes, padded to 4), 2.2.2.6 ack-of-acks, then 2.2.2.4
 * source or 2.2.2.2 FEC payload header -- when every datagram parses and
 * each side's snSourceAck acknowledges sequence numbers the other side
 * sent (3.1.5.1.2: "the largest sequence number the receiver has seen"). */
#include <stdio.h>
#include <string.h>

#include "sightline/digest.h"
#include "sightline/cursor.h"
#include "sightline/proto.h"

#define FLAG_SYN 0x0001
#define FLAG_ACK 0x0004
#define FLAG_DATA 0x0008
#define FLAG_FEC 0x0010
#define FLAG_ACK_OF_ACKS 0x0100
#define FLAGS_KNOWN 0x1fff
#define ACKVEC_MAX 2048
#define MID_ACK_WINDOW 256  /* sequence numbers an ack may trail or lead the data seen */
#define MID_PER_SIDE 2      /* well-formed datagrams per direction */
#define MID_TRIES 32
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
	/* mid-session: per direction, the last source sequence number sent,
	 * datagrams parsed, and whether an ack matched the other side */
	bool mid, mid_has_seq[2], mid_acked[2];
	uint32_t mid_seq[2];
	uint8_t mid_ok[2], mid_tries;
};

struct rdpu_data {
	uint32_t ack;
	bool has_seq;
	uint32_t seq; /* snSourceStart of a source payload */
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

/* A datagram after the handshake: FEC header with ACK and without SYN,
 * the ACK vector, ack-of-acks, and the data header its flags announce. */
static bool parse_mid(const uint8_t *p, size_t n, struct rdpu_data *d)
{
	struct sl_cursor c = sl_cursor_make(p, n);
	uint16_t win, flags, vec;
	uint32_t coded;
	if (!sl_rd_be32(&c, &d->ack) || !sl_rd_be16(&c, &win) || !sl_rd_be16(&c, &flags) ||
	    !win || (flags & ~FLAGS_KNOWN) || (flags & FLAG_SYN) || !(flags & FLAG_ACK) ||
	    !sl_rd_be16(&c, &vec) || vec > ACKVEC_MAX || !sl_rd_skip(&c, vec + (4 - (2 + vec) % 4) % 4))
		return false;
	if ((flags & FLAG_ACK_OF_ACKS) && !sl_rd_skip(&c, 4))
		return false;
	d->has_seq = false;
	if (!(flags & FLAG_DATA))
		return sl_cursor_left(&c) == 0;
	if (!sl_rd_be32(&c, &coded) || !sl_rd_be32(&c, &d->seq) ||
	    ((flags & FLAG_FEC) && !sl_rd_skip(&c, 4)))
		return false;
	d->has_seq = !(flags & FLAG_FEC);
	return sl_cursor_left(&c) > 0;
}

static bool rdpu_probe(const struct sl_proto_pkt *pp)
{
	struct rdpu_hdr h;
	struct rdpu_data d;
	if (pp->index == 0 && parse_mid(pp->pkt->payload, pp->pkt->payload_len, &d))
		return true;
	return pp->dir == SL_DIR_TOSERVER &&
	       is_syn(pp->pkt->payload, pp->pkt->payload_len, &h);
}

static bool near(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;
	return d <= MID_ACK_WINDOW || -d <= MID_ACK_WINDOW;
}

/* A flow that began before the capture: every datagram must parse, and
 * each side must acknowledge what the other sent. */
static enum sl_proto_verdict rdpu_mid(struct rdpu_state *st, const struct sl_proto_pkt *pp)
{
	struct rdpu_data d;
	enum sl_dir me = pp->dir, peer = !pp->dir;
	if (!parse_mid(pp->pkt->payload, pp->pkt->payload_len, &d))
		return SL_PROTO_NOT_MINE;
	if (d.has_seq) {
		st->mid_seq[me] = d.seq;
		st->mid_has_seq[me] = true;
	}
	if (st->mid_has_seq[peer] && near(d.ack, st->mid_seq[peer]))
		st->mid_acked[me] = true;
	if (st->mid_ok[me] < 255)
		st->mid_ok[me]++;
	if (st->mid_ok[0] >= MID_PER_SIDE && st->mid_ok[1] >= MID_PER_SIDE && st->mid_acked[0] &&
	    st->mid_acked[1]) {
		sl_app_identify(pp->flow, &sl_proto_rdp_udp);
		sl_proto_claim_product(pp->flow, "rdp", "remote-access", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	return ++st->mid_tries >= MID_TRIES ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
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
	if (pp->index == 0 && !is_syn(p, n, &h))
		st->mid = true;
	if (st->mid)
		return rdpu_mid(st, pp);
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
		sl_proto_claim_product(pp->flow, "rdp", "remote-access", SL_PROTO_BY_WIRE);
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

/* uUdpVer: 0x0001 and 0x0002 are versions 1 and 2, 0x0101 is version 3. */
static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct rdpu_state *st = state_of(r);
	if (!st || !st->version)
		return false;
	v->u = st->version == 0x0101 ? 3 : st->version;
	return true;
}

/* Declared fields read the parser's state. */
#define AT_RDPU SL_IN_STATE(sl_proto_rdp_udp)

static const struct sl_field fields[] = {
	SL_FIELD_BOOL("rdp_udp.confirmed", "the server answered the SYN with a SYN+ACK for its sequence number",
	              AT_RDPU, struct rdpu_state, confirmed, SL_IF(struct rdpu_state, syn)),
	SL_FIELD_U("rdp_udp.mtu", "uUpStreamMtu the client proposed (1132..1232)",
	           AT_RDPU, struct rdpu_state, up_mtu, SL_IF(struct rdpu_state, syn)),
	{ "rdp_udp.version", SL_FT_UINT, "RDP-UDP protocol version from SYNEX (1, 2 or 3); the server's when it answered", g_version },
	SL_FIELD_HEX("rdp_udp.correlation_id", "client's correlation id (hex), also sent in the TCP connection's RDP_NEG_CORRELATION_INFO", AT_RDPU, struct rdpu_state, corr, 0, SL_IF(struct rdpu_state, has_corr)),
};

static const struct sl_field_table rdpu_fields = { "rdp_udp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_rdp_udp = {
	.name = "rdp-udp",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct rdpu_state),
	.probe = rdpu_probe,
	.packet = rdpu_packet,
	.fields = &rdpu_fields,
};
