/* Packet decoding: link layer to L4 (Ethernet, cooked, loopback, raw IP, PPP,
 * PPPoE, Cisco HDLC, NFLOG, MPLS), GRE/VXLAN/GTP-U decapsulation and bounded
 * IPv4/IPv6 fragment reassembly.  Reads only through sl_cursor; a malformed
 * packet is counted under a named reason and skipped, never fatal. */
#ifndef SIGHTLINE_DECODE_H
#define SIGHTLINE_DECODE_H

#include "sightline/common.h"

/*
 * Why a packet was not decoded.  X(ENUM, "counter.name", "description").
 * The counter names appear in the stats event as decoder.errors.<name> and in
 * the end-of-run summary; keep them stable, and keep entries that share a
 * prefix together (the JSON nests them; a split group would repeat a key —
 * test_decode checks this).
 */
#define SL_DECODE_REASONS(X) \
	X(ETH_TRUNCATED, "eth.truncated", "Ethernet header shorter than 14 bytes") \
	X(VLAN_TRUNCATED, "vlan.truncated", "802.1Q/802.1ad tag cut short") \
	X(VLAN_TOO_DEEP, "vlan.too_deep", "more than two VLAN tags") \
	X(SLL_TRUNCATED, "sll.truncated", "Linux cooked (SLL) header cut short") \
	X(SLL2_TRUNCATED, "sll2.truncated", "Linux cooked v2 (SLL2) header cut short") \
	X(NULL_TRUNCATED, "null.truncated", "BSD loopback header cut short") \
	X(NULL_BAD_FAMILY, "null.bad_family", "BSD loopback family is neither IPv4 nor IPv6") \
	X(PPP_TRUNCATED, "ppp.truncated", "PPP header cut short") \
	X(IPV4_TRUNCATED, "ipv4.truncated", "IPv4 header cut short") \
	X(IPV4_BAD_VERSION, "ipv4.bad_version", "version field is not 4") \
	X(IPV4_HLEN_TOO_SMALL, "ipv4.hlen_too_small", "IHL below 5 words") \
	X(IPV4_HLEN_TOO_BIG, "ipv4.hlen_too_big", "IHL past the captured bytes") \
	X(IPV4_BAD_TOTAL_LEN, "ipv4.bad_total_len", "total length smaller than the header") \
	X(IPV4_BAD_OPTION, "ipv4.bad_option", "malformed IPv4 option") \
	X(IPV6_TRUNCATED, "ipv6.truncated", "IPv6 header cut short") \
	X(IPV6_BAD_VERSION, "ipv6.bad_version", "version field is not 6") \
	X(IPV6_EXTHDR_TRUNCATED, "ipv6.exthdr_truncated", "IPv6 extension header cut short") \
	X(IPV6_EXTHDR_TOO_MANY, "ipv6.exthdr_too_many", "extension-header chain too long") \
	X(FRAG_BAD_OFFSET, "frag.bad_offset", "fragment overlaps or runs past 65535 bytes") \
	X(FRAG_TABLE_FULL, "frag.table_full", "fragment dropped: reassembly off, or one datagram larger than its memory") \
	X(FRAG_TIMEOUT, "frag.timeout", "incomplete datagram expired") \
	X(FRAG_EVICTED, "frag.evicted", "incomplete datagram dropped, the oldest, to make room (datagrams or memory full)") \
	X(FRAG_BAD_LEN, "frag.bad_len", "non-final fragment empty or not a multiple of 8 bytes") \
	X(FRAG_TRUNCATED, "frag.truncated", "fragment cut short by the snap length; not reassembled") \
	X(FRAG_DROPPED, "frag.dropped", "fragment of a datagram already discarded for overlap") \
	X(FRAG_NESTED, "frag.nested", "fragment header inside a reassembled datagram") \
	X(TCP_TRUNCATED, "tcp.truncated", "TCP header cut short") \
	X(TCP_HLEN_TOO_SMALL, "tcp.hlen_too_small", "TCP data offset below 5 words") \
	X(TCP_HLEN_TOO_BIG, "tcp.hlen_too_big", "TCP data offset past the packet") \
	X(UDP_TRUNCATED, "udp.truncated", "UDP header cut short") \
	X(UDP_BAD_LEN, "udp.bad_len", "UDP length field disagrees with the packet") \
	X(ICMP_TRUNCATED, "icmp.truncated", "ICMP/ICMPv6 header cut short") \
	X(SCTP_TRUNCATED, "sctp.truncated", "SCTP common header cut short") \
	X(GRE_TRUNCATED, "gre.truncated", "GRE header cut short") \
	X(VXLAN_TRUNCATED, "vxlan.truncated", "VXLAN header cut short") \
	X(TUNNEL_TOO_DEEP, "tunnel.too_deep", "more than four nested encapsulations") \
	X(LINK_UNSUPPORTED, "link.unsupported", "link type (DLT) not decoded") \
	X(RAW_BAD_VERSION, "raw.bad_version", "raw IP packet empty or neither IPv4 nor IPv6") \
	X(PPPOE_TRUNCATED, "pppoe.truncated", "PPPoE session header cut short") \
	X(CHDLC_TRUNCATED, "chdlc.truncated", "Cisco HDLC header cut short") \
	X(NFLOG_TRUNCATED, "nflog.truncated", "NFLOG header or TLV cut short, or a TLV shorter than its header") \
	X(MPLS_TRUNCATED, "mpls.truncated", "MPLS label stack cut short before its bottom entry") \
	X(MPLS_TOO_DEEP, "mpls.too_deep", "more MPLS labels than SL_DEC_MAX_MPLS") \
	X(GTPU_TRUNCATED, "gtpu.truncated", "GTP-U header, optional fields or extension headers cut short (or an extension of length 0)")

/*
 * Encapsulations counted as packets pass through them (stats.decoder.layers.<name>).
 * X(ENUM, "name", "description").
 */
#define SL_DECODE_LAYERS(X) \
	X(PPPOE, "pppoe", "PPPoE session frames") \
	X(CHDLC, "chdlc", "Cisco HDLC frames, and BSD loopback headers that are Cisco HDLC ones") \
	X(NFLOG, "nflog", "NFLOG records carrying a packet") \
	X(MPLS, "mpls", "frames carrying an MPLS label stack") \
	X(GTPU, "gtpu", "GTP-U G-PDUs whose inner packet was decoded") \
	X(LOOPBACK_SWAPPED, "loopback_swapped", "BSD loopback headers in the other byte order than the link type says")

enum sl_decode_layer {
#define SL_X_ENUM(e, name, desc) SL_LAYER_##e,
	SL_DECODE_LAYERS(SL_X_ENUM)
#undef SL_X_ENUM
	SL_LAYER__COUNT
};

/* Counter name ("mpls") and description of a layer. */
const char *sl_decode_layer_name(enum sl_decode_layer l);
const char *sl_decode_layer_desc(enum sl_decode_layer l);

enum sl_decode_reason {
#define SL_X_ENUM(e, name, desc) SL_DEC_##e,
	SL_DECODE_REASONS(SL_X_ENUM)
#undef SL_X_ENUM
	SL_DEC__COUNT
};

/* Counter name ("ipv4.truncated") and description of a reason. */
const char *sl_decode_reason_name(enum sl_decode_reason r);
const char *sl_decode_reason_desc(enum sl_decode_reason r);

enum sl_decode_result {
	SL_DECODE_OK,       /* *pkt describes an IP packet with its L4 */
	SL_DECODE_NOT_IP,   /* valid frame, but not IP (ARP, LLDP...): counted, not an error */
	SL_DECODE_ERROR,    /* malformed: counted under a reason */
	SL_DECODE_FRAG_HELD /* a fragment was stored; nothing to process yet */
};

enum sl_tunnel_type { SL_TUNNEL_NONE = 0, SL_TUNNEL_GRE, SL_TUNNEL_VXLAN, SL_TUNNEL_GTPU };

/* The outermost encapsulation peeled off to reach the inner flow. */
struct sl_tunnel {
	uint8_t type;        /* enum sl_tunnel_type */
	uint8_t depth;       /* number of encapsulations removed */
	struct sl_addr src;  /* outer IP source */
	struct sl_addr dst;  /* outer IP destination */
	uint32_t id;         /* VXLAN VNI, GRE key or GTP-U TEID (0 if absent) */
};

/*
 * The packet an ICMP or ICMPv6 error quotes (RFC 792; RFC 4443 section 2.4
 * (c)): its addresses and protocol as it was sent, and its ports (ICMP and
 * ICMPv6: its type and code; 0 when its transport header is not quoted).
 */
struct sl_icmp_quote {
	struct sl_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;
};

/* An address a frame bound to a hardware address on the link. */
struct sl_neighbour {
	bool valid;
	struct sl_addr addr;
	uint8_t mac[6];
};

/*
 * One decoded packet.  Every pointer is borrowed: it points into the caller's
 * frame or, for a reassembled datagram, into the decoder's own buffer, and is
 * valid until the next call to sl_decode_packet() on the same decoder.
 */
struct sl_packet {
	sl_time_us ts;
	const struct sl_flow_src *origin; /* interface and file it was read from: set by the
				 * engine, not the decoder (sl_engine_set_iface,
				 * sl_engine_set_file); NULL when unknown */
	uint32_t caplen;        /* bytes captured of the frame */
	uint32_t wirelen;       /* bytes of the frame on the wire */
	uint32_t ip_len;        /* IP total length (header + payload) as on the wire */

	const uint8_t *mac_src; /* NULL when the link layer has none */
	const uint8_t *mac_dst;
	uint16_t vlan[2];       /* outermost first */
	uint8_t vlan_count;

	struct sl_tunnel tunnel;

	struct sl_addr src, dst;
	uint8_t ip_version;     /* 4 or 6 (inner, after decapsulation) */
	uint8_t ttl;            /* IPv4 TTL or IPv6 hop limit */
	bool df;                /* IPv4 don't-fragment flag */
	bool reassembled;       /* built from fragments */
	uint16_t ip_id;         /* IPv4 identification */
	const uint8_t *l3;      /* start of the (inner) IP header */

	uint8_t proto;          /* IP protocol of the transport (after ext headers) */
	uint16_t sport, dport;  /* TCP/UDP/SCTP ports; 0 otherwise */
	const uint8_t *l4;      /* start of the transport header */
	uint32_t l4_len;        /* bytes from l4 to the end of the IP payload (captured) */

	/* TCP */
	uint8_t tcp_flags;      /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window;
	const uint8_t *tcp_opts;
	uint8_t tcp_opts_len;

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	bool icmp_error;        /* an error message (ICMP 3, 4, 5, 11, 12; ICMPv6 1-4): it
				 * belongs to the flow it quotes, never a flow of its own */
	bool icmp_quoted;       /* ... and the offending packet's header was read into quote */
	struct sl_icmp_quote quote;

	/* A neighbour binding the frame announced (ARP sender; ND source or
	 * target link-layer address option): address -> hardware address. */
	struct sl_neighbour neighbour;

	/* Application payload after the transport header (captured bytes only). */
	const uint8_t *payload;
	uint32_t payload_len;
};

#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_PSH 0x08
#define SL_TCP_ACK 0x10

/* Tunables of the decoder (a sub-struct of struct sl_config). */
struct sl_decode_config {
	uint32_t frag_max_datagrams; /* datagrams under reassembly at once; 0: no reassembly */
	uint32_t frag_memory_mb;     /* MiB their data may take (0: 8) */
	uint32_t frag_timeout_sec;   /* packet-time seconds before an incomplete datagram is dropped */
	bool decap_gre;              /* peel GRE (v0) carrying IP or Ethernet */
	bool decap_vxlan;            /* peel VXLAN on vxlan_port */
	bool decap_gtpu;             /* peel GTP-U G-PDUs on UDP port 2152 */
	uint16_t vxlan_port;         /* UDP destination port of VXLAN (4789) */
};

struct sl_decoder;

/**
 * Create a decoder.  Fragment buffers are allocated here, once, so decoding
 * never allocates.  Returns 0 or -ENOMEM/-EINVAL.
 * Caller owns *out; free with sl_decoder_destroy().
 */
int sl_decoder_create(const struct sl_decode_config *cfg, struct sl_decoder **out);

/** Free a decoder and its buffers.  Accepts NULL. */
void sl_decoder_destroy(struct sl_decoder *d);

/** True when sightline can decode this libpcap DLT_* link type. */
bool sl_decode_dlt_supported(int dlt);

/**
 * Decode one frame of link type dlt.  On SL_DECODE_OK *pkt is filled; its
 * pointers are borrowed (see struct sl_packet).  Failures are counted inside
 * the decoder (sl_decoder_counters()).  Never reads outside [frame, frame+caplen).
 */
enum sl_decode_result sl_decode_packet(struct sl_decoder *d, int dlt,
				       const uint8_t *frame, uint32_t caplen,
				       uint32_t wirelen, sl_time_us ts,
				       struct sl_packet *pkt);

/* The outermost IP header of a frame, as sl_decode_peek() reads it. */
struct sl_decode_peek {
	struct sl_addr src, dst;
	uint8_t proto; /* after IPv6 extension headers; a fragment's own protocol */
};

/**
 * Read the outermost IP header of a frame of link type dlt with the
 * decoder's own link layers (every link type and encapsulation below IP it
 * decodes), without reassembly, tunnels or counters: the same for every
 * fragment of a datagram, and what workers shard frames on.  Returns true
 * and fills *out when sl_decode_packet() would reach an IP header it
 * accepts; false for frames that are not IP or fail before it.  Keeps no
 * state: safe on any thread.
 */
bool sl_decode_peek(int dlt, const uint8_t *frame, uint32_t caplen, struct sl_decode_peek *out);

/* Counters kept by a decoder. */
struct sl_decode_counters {
	uint64_t reasons[SL_DEC__COUNT]; /* malformed packets, by reason */
	uint64_t not_ip;                 /* frames that are not IP */
	uint64_t fragments;              /* IP fragments seen */
	uint64_t reassembled;            /* datagrams completed from fragments */
	uint64_t decapsulated;           /* packets with a tunnel removed */
	uint64_t layers[SL_LAYER__COUNT]; /* packets through each encapsulation */
	uint64_t frag_datagrams_max;     /* most datagrams under reassembly at once */
	uint64_t frag_bytes_max;         /* most reassembly memory in use at once (bytes) */
	uint64_t frag_datagrams_cap;     /* frag_max_datagrams */
	uint64_t frag_bytes_cap;         /* reassembly memory allocated (bytes) */
};

/** Borrowed: valid until the decoder is destroyed. */
const struct sl_decode_counters *sl_decoder_counters(const struct sl_decoder *d);

#endif
