/* Private interfaces between the decoder's layers (link, IP, transport,
 * tunnel, fragment reassembly).  Nothing outside sensor/decode includes this. */
#ifndef SIGHTLINE_DECODE_PRIV_H
#define SIGHTLINE_DECODE_PRIV_H

#include "sightline/cursor.h"
#include "sightline/decode.h"

/* Tunables fixed at compile time (runtime ones live in sl_decode_config). */
#define SL_DEC_MAX_VLAN 2          /* tags recorded; one more is VLAN_TOO_DEEP */
#define SL_DEC_MAX_TUNNEL 4        /* nested encapsulations peeled; one more is TUNNEL_TOO_DEEP */
#define SL_DEC_MAX_EXTHDR 8        /* IPv6 extension headers walked per datagram */
#define SL_DEC_MAX_MPLS 8          /* MPLS label stack entries; one more is MPLS_TOO_DEEP */
#define SL_DEC_MAX_GTP_EXT 8       /* GTP-U extension headers walked per packet */
#define SL_GTPU_PORT 2152          /* GTP-U, both ends (3GPP TS 29.281) */
#define SL_FRAG_MAX_SLOTS 65536    /* upper bound of frag_max_datagrams (~300 bytes each) */
#define SL_FRAG_MAX_MB 1024        /* upper bound of frag_memory_mb */
#define SL_FRAG_DEFAULT_MB 8       /* frag_memory_mb 0 means this */
#define SL_FRAG_MAX_DATA 65535u    /* largest reassembled payload (offset + length) */
#define SL_FRAG_HDR_ROOM 60u       /* room for the first fragment's header (IPv4 with options) */

/* IP protocol numbers used across files. */
enum {
	SL_IPPROTO_ICMP = 1,
	SL_IPPROTO_TCP = 6,
	SL_IPPROTO_UDP = 17,
	SL_IPPROTO_GRE = 47,
	SL_IPPROTO_ICMPV6 = 58,
	SL_IPPROTO_SCTP = 132,
};

/* Ethertypes used across files. */
enum {
	SL_ETH_IPV4 = 0x0800,
	SL_ETH_IPV6 = 0x86DD,
	SL_ETH_ARP = 0x0806,
	SL_ETH_TEB = 0x6558, /* transparent Ethernet bridging (GRE) */
	SL_ETH_MPLS = 0x8847,
	SL_ETH_MPLS_MC = 0x8848,
	SL_ETH_PPPOE = 0x8864,
};

struct sl_frag_table;

struct sl_decoder {
	struct sl_decode_config cfg;
	struct sl_decode_counters counters;
	struct sl_frag_table *frag;
	/* The table holds datagrams, or the previous call rebuilt one: only
	 * then has sl_frag_tick() anything to do (set by sl_frag_input(),
	 * cleared by the tick that finds the table empty). */
	bool frag_held;
};

/*
 * State of one sl_decode_packet() call, passed down the layers.  A layer that
 * fails sets reason and returns SL_DECODE_ERROR; only the top level counts it,
 * so a tunnel can discard an inner failure without polluting the counters.
 */
struct sl_dctx {
	struct sl_decoder *d;          /* NULL when peeking */
	struct sl_packet *pkt;
	enum sl_decode_reason reason;
	unsigned depth; /* encapsulations removed so far */
	struct sl_decode_peek *peek;   /* sl_decode_peek(): stop at the first IP header */
};

static inline void sl_dec_count(struct sl_dctx *x, enum sl_decode_layer l)
{
	if (x->d)
		x->d->counters.layers[l]++;
}

static inline enum sl_decode_result sl_dec_fail(struct sl_dctx *x,
						enum sl_decode_reason r)
{
	x->reason = r;
	return SL_DECODE_ERROR;
}

/* The TCP fixed header's ports, sequence numbers and window, from its 20
 * bytes b: for the layers (transport.c) and decoder.c's fast path alike. */
static inline void sl_dec_tcp_fixed(struct sl_packet *pkt, const uint8_t *b)
{
	pkt->sport = sl_get_be16(b);
	pkt->dport = sl_get_be16(b + 2);
	pkt->tcp_seq = sl_get_be32(b + 4);
	pkt->tcp_ack = sl_get_be32(b + 8);
	pkt->tcp_window = sl_get_be16(b + 14);
}

/* decoder.c: sl_decode_packet() without its fast path for plain Ethernet,
 * IPv4, TCP/UDP frames: every frame through the layers.  The same result,
 * packet and counters (test_decode compares the two). */
enum sl_decode_result sl_decode_packet_layers(struct sl_decoder *d, int dlt,
					      const uint8_t *frame, uint32_t caplen,
					      uint32_t wirelen, sl_time_us ts,
					      struct sl_packet *pkt);

/* neighbour.c: ICMP error quotes, ARP and neighbour discovery. */
/* Whether type is an ICMP (proto 1) or ICMPv6 (58) error message. */
bool sl_dec_icmp_is_error(uint8_t proto, uint8_t type);
/* Read the packet an error quotes; c holds the message after its first 4
 * bytes.  False when no IP header is quoted. */
bool sl_dec_icmp_quote(uint8_t proto, struct sl_cursor c, struct sl_icmp_quote *q);
/* Peeking at an ICMP error (c at its transport header): report the quoted
 * packet's addresses and protocol, which its flow's worker is chosen by. */
void sl_dec_peek_icmp(struct sl_dctx *x, uint8_t proto, struct sl_cursor c);
/* An ARP packet (c after the ethertype): its sender's binding, if any. */
void sl_dec_arp(struct sl_dctx *x, struct sl_cursor c);
/* A neighbour-discovery message of pkt (c after type, code, checksum): the
 * binding its link-layer address option gives, if any. */
void sl_dec_nd(struct sl_packet *pkt, struct sl_cursor c);

/* link.c: link layers and the ethertype dispatch they share. */
enum sl_decode_result sl_decode_link(struct sl_dctx *x, int dlt, struct sl_cursor c);
enum sl_decode_result sl_decode_ethernet(struct sl_dctx *x, struct sl_cursor c);
enum sl_decode_result sl_decode_ethertype(struct sl_dctx *x, uint16_t type, struct sl_cursor c);

/* link_more.c: NFLOG, Cisco HDLC and MPLS (after its ethertype). */
enum sl_decode_result sl_decode_nflog(struct sl_dctx *x, struct sl_cursor c);
enum sl_decode_result sl_decode_chdlc(struct sl_dctx *x, struct sl_cursor c);
enum sl_decode_result sl_decode_mpls(struct sl_dctx *x, struct sl_cursor c);
/* IPv4 or IPv6 by the version nibble; NOT_IP for anything else. */
enum sl_decode_result sl_decode_ip_guess(struct sl_dctx *x, struct sl_cursor c);

/* ipv4.c / ipv6.c: one IP layer; reassembled says c is a completed datagram.
 * When peeking, each stops after its header (and IPv6 after its extension
 * headers), filling x->peek. */
enum sl_decode_result sl_decode_ipv4(struct sl_dctx *x, struct sl_cursor c, bool reassembled);
enum sl_decode_result sl_decode_ipv6(struct sl_dctx *x, struct sl_cursor c, bool reassembled);

/* transport.c: L4 of protocol proto; c holds the captured IP payload and
 * wire_len its length on the wire. */
enum sl_decode_result sl_decode_l4(struct sl_dctx *x, uint8_t proto,
				   struct sl_cursor c, uint32_t wire_len);

/* tunnel.c: try to peel GRE / VXLAN whose header starts at c.  Returns OK with
 * the outer packet untouched when the payload is not decapsulated. */
enum sl_decode_result sl_decode_gre(struct sl_dctx *x, struct sl_cursor c);
/* VXLAN after a UDP header; strict: matched on the source port, so only an
 * exact header (I flag alone, reserved bits zero) is taken as VXLAN. */
enum sl_decode_result sl_decode_vxlan(struct sl_dctx *x, struct sl_cursor c, bool strict);
/* GTP-U (3GPP TS 29.281) after a UDP header on port 2152: a G-PDU's inner
 * IPv4/IPv6 packet becomes the packet; other messages stay UDP. */
enum sl_decode_result sl_decode_gtpu(struct sl_dctx *x, struct sl_cursor c);

/* frag.c: bounded reassembly of IPv4 and IPv6 fragments. */
struct sl_frag {
	uint8_t family;         /* 4 or 6 */
	uint8_t proto;          /* IPv4 protocol (part of the key); IPv6: 0 */
	uint8_t next;           /* IPv6: Next Header of the Fragment header */
	bool more;              /* MF / M flag */
	uint32_t id;
	uint32_t offset;        /* bytes */
	const uint8_t *hdr;     /* IPv4 header, or the IPv6 fixed header */
	size_t hdr_len;
	struct sl_cursor data;  /* the fragment's data as captured */
	uint32_t wire_len;      /* its length on the wire (snapped fragments are refused) */
};

/* A table of slots datagrams whose data shares mem_bytes (at least one
 * whole datagram's worth is taken).  0 or -ENOMEM; free with
 * sl_frag_table_destroy(), which accepts NULL. */
int sl_frag_table_create(uint32_t slots, size_t mem_bytes, struct sl_frag_table **out);
void sl_frag_table_destroy(struct sl_frag_table *t);

/* Bytes of datagram data the table can hold at once (its chunks; their
 * bitmaps add 5 % to what is allocated). */
size_t sl_frag_table_bytes(const struct sl_frag_table *t);

/* Start of a call: forget the datagrams rebuilt by the previous call and
 * drop datagrams older than timeout_us (counting FRAG_TIMEOUT). */
void sl_frag_tick(struct sl_decoder *d, sl_time_us now, uint64_t timeout_us);

/*
 * Store one fragment.  FRAG_HELD while the datagram is incomplete; ERROR with
 * x->reason; OK with *whole covering the rebuilt datagram (header + data) in
 * the table's buffer, valid until the next sl_decode_packet() call.  When
 * slots or memory run out the oldest incomplete datagram is dropped
 * (FRAG_EVICTED) to make room.
 */
enum sl_decode_result sl_frag_input(struct sl_dctx *x, const struct sl_frag *f,
				    struct sl_cursor *whole);

#endif
