/* Packet builder for the capture generator: headers are prepended inside-out (payload, then
 * L4, then IP, then link/tunnel) into a buffer with headroom, with correct checksums.
 * Specs: RFC 791/8200 (IP), 793/9293 (TCP), 768 (UDP), 792/4443 (ICMP), 9260 (SCTP),
 * 2784/2890 (GRE), 2637 (PPTP GRE), 7348 (VXLAN), 3032 (MPLS), 2516 (PPPoE), 3GPP TS 29.281
 * (GTP-U), IEEE 802.1Q/802.1ad, tcpdump.org linktypes. */
#ifndef PCAPS_GEN_PKT_H
#define PCAPS_GEN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_PB_HEADROOM 512u          /* room for every header we prepend, tunnels included */
#define SL_PB_ROOM (65535u + 1024u)  /* payload room: one maximal IP datagram plus slack */

/* A frame under construction: bytes live at buf[head .. head+len). */
struct sl_pb {
	size_t head;
	size_t len;
	uint8_t buf[SL_PB_HEADROOM + SL_PB_ROOM];
};

/* An IPv4 (family 4) or IPv6 (family 6) address in network byte order. */
struct sl_pb_addr {
	uint8_t family;
	uint8_t a[16];
};

/* One IPv6 extension header. type 0 (hop-by-hop) and 60 (destination options): body is
 * the option TLVs and is padded with Pad1/PadN to a multiple of 8. Any other type (43
 * routing, ...): body is everything after Next Header and Hdr Ext Len, and 2 + len must
 * already be a multiple of 8. Fragment headers come from sl_pb_ipv6_fragment(). */
struct sl_pb_ext {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

/* IP header parameters; the version follows src.family (src and dst must agree). */
struct sl_pb_ip {
	struct sl_pb_addr src, dst;
	uint8_t ttl;                 /* IPv4 TTL / IPv6 hop limit; 0 means 64 */
	uint8_t tos;                 /* IPv4 TOS / IPv6 traffic class */
	bool df;                     /* IPv4 don't-fragment */
	uint16_t id;                 /* IPv4 identification */
	uint32_t flow_label;         /* IPv6, low 20 bits */
	const uint8_t *v4opts;       /* raw IPv4 options, padded with EOL to 4 bytes */
	size_t v4opts_len;
	const struct sl_pb_ext *ext; /* IPv6 extension headers, in wire order */
	size_t next;
};

/* TCP option kinds (IANA). */
enum {
	SL_TCPOPT_EOL = 0,
	SL_TCPOPT_NOP = 1,
	SL_TCPOPT_MSS = 2,
	SL_TCPOPT_WSCALE = 3,
	SL_TCPOPT_SACKOK = 4,
	SL_TCPOPT_TS = 8,
};

/* One TCP option: MSS uses v1, WSCALE v1 (shift), TS v1 = TSval and v2 = TSecr; EOL, NOP
 * and SACKOK take nothing. Any other kind is written as kind, 2 + raw_len, raw. */
struct sl_pb_tcpopt {
	uint8_t kind;
	uint32_t v1, v2;
	const uint8_t *raw;
	uint8_t raw_len;
};

/* TCP flag bits (byte 13 of the header). */
enum {
	SL_TCP_FIN = 0x01, SL_TCP_SYN = 0x02, SL_TCP_RST = 0x04,
	SL_TCP_PSH = 0x08, SL_TCP_ACK = 0x10, SL_TCP_URG = 0x20,
	SL_TCP_ECE = 0x40, SL_TCP_CWR = 0x80,
};

struct sl_pb_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint16_t urg;
	const struct sl_pb_tcpopt *opts; /* in wire order; padded with EOL to 4 bytes */
	size_t nopts;
	uint8_t doff;                     /* data offset override in 32-bit words; 0 = computed */
};

/* One 802.1Q/802.1ad tag: tpid 0x8100 (C-tag) or 0x88a8 (S-tag), tci = PCP/DEI/VID. */
struct sl_pb_vlan {
	uint16_t tpid;
	uint16_t tci;
};

struct sl_pb_eth {
	uint8_t dst[6], src[6];
	const struct sl_pb_vlan *tags; /* tags[0] is outermost */
	size_t ntags;
};

enum sl_pb_tunnel_kind {
	SL_TUN_NONE = 0,
	SL_TUN_GRE,      /* GRE v0, protocol 0x0800/0x86dd, inner IP */
	SL_TUN_GRE_TEB,  /* GRE v0, protocol 0x6558, inner Ethernet */
	SL_TUN_VXLAN,    /* UDP 4789, inner Ethernet */
	SL_TUN_GTPU,     /* UDP 2152 both ways, GTP-U G-PDU, inner IP */
};

/* Encapsulation applied around each inner datagram by sl_pb_frame(). */
struct sl_pb_tunnel {
	enum sl_pb_tunnel_kind kind;
	struct sl_pb_addr outer_client, outer_server; /* outer IP endpoints (same family) */
	bool gre_key_present;
	uint32_t gre_key;
	uint32_t vni;                    /* VXLAN network identifier, 24 bits */
	uint16_t udp_sport;              /* VXLAN outer UDP source port */
	uint8_t inner_client_mac[6], inner_server_mac[6]; /* inner Ethernet for TEB/VXLAN */
	uint32_t teid_up, teid_down;     /* GTP-U TEID client -> server, server -> client */
	bool gtp_ext;                    /* GTP-U: sequence number and a PDU session container */
};

/* How a datagram is framed in a capture file: link type and its header fields. */
struct sl_pb_link {
	uint32_t linktype;               /* SL_LINKTYPE_* */
	uint8_t client_mac[6], server_mac[6]; /* Ethernet addresses; SLL/SLL2 use the sender's */
	struct sl_pb_vlan tags[2];       /* Ethernet only; tags[0] outermost */
	size_t ntags;
	bool pad_ethernet;               /* pad Ethernet frames to 60 bytes, as on the wire */
	uint32_t ifindex;                /* SLL2 interface index */
	const struct sl_pb_tunnel *tunnel; /* NULL: no encapsulation */
	bool null_swapped;               /* NULL/LOOP: the family in the other byte order */
	uint16_t pppoe_session;          /* Ethernet: non-zero wraps IP in PPPoE session + PPP */
	const uint32_t *mpls;            /* Ethernet/C-HDLC: MPLS labels, outermost first */
	size_t nmpls;
};

/** Empties the buffer and restores full headroom. */
void sl_pb_init(struct sl_pb *b);

/** Pointer to the first byte of the frame. Borrowed; valid until the next push or init. */
uint8_t *sl_pb_data(struct sl_pb *b);

/** Appends n bytes at the tail (payload). Returns 0 or -ENOSPC. */
int sl_pb_append(struct sl_pb *b, const void *p, size_t n);

/**
 * Prepends n bytes and returns them for the caller to fill (contents unspecified), or NULL
 * when the headroom is exhausted. Borrowed; valid until the next push or init.
 */
uint8_t *sl_pb_push(struct sl_pb *b, size_t n);

/** Parses "192.0.2.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int sl_pb_addr_parse(struct sl_pb_addr *out, const char *text);

/** RFC 1071 Internet checksum of p[0..n), folded and complemented, in host order. */
uint16_t sl_pb_csum(const uint8_t *p, size_t n);

/** Recomputes the header checksum of an IPv4 header of hlen bytes at hdr (e.g. after edits). */
void sl_pb_ipv4_checksum(uint8_t *hdr, size_t hlen);

/**
 * Prepends a TCP header (options encoded in order) to the buffer's contents, which are the
 * segment payload, and fills the checksum over the pseudo-header of ip (src, dst, family).
 * Returns 0, -EMSGSIZE (options over 40 bytes) or -ENOSPC.
 */
int sl_pb_tcp(struct sl_pb *b, const struct sl_pb_ip *ip, const struct sl_pb_tcp *t);

/** Prepends a UDP header over the payload, with length and checksum. Returns 0 or -errno. */
int sl_pb_udp(struct sl_pb *b, const struct sl_pb_ip *ip, uint16_t sport, uint16_t dport);

/**
 * Prepends an ICMP (IPv4) or ICMPv6 (IPv6, pseudo-header checksum) echo request or reply
 * header over the echo data. Returns 0 or -errno.
 */
int sl_pb_icmp_echo(struct sl_pb *b, const struct sl_pb_ip *ip, bool reply, uint16_t id, uint16_t seq);

/**
 * Prepends an ICMP (IPv4) or ICMPv6 (IPv6, pseudo-header checksum) header of any type: type,
 * code and checksum over the message body already in the buffer (an error's unused word and
 * quote, a neighbour-discovery message's fields and options). Returns 0 or -ENOSPC.
 */
int sl_pb_icmp(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t type, uint8_t code);

/** Prepends an SCTP common header over the chunks and fills the CRC32c checksum. */
int sl_pb_sctp(struct sl_pb *b, uint16_t sport, uint16_t dport, uint32_t vtag);

/**
 * Prepends the IP header (IPv4 with options, or IPv6 with its extension headers) for a
 * payload of upper-layer protocol `proto`. Returns 0, -EINVAL, -EMSGSIZE or -ENOSPC.
 */
int sl_pb_ip(struct sl_pb *b, const struct sl_pb_ip *ip, uint8_t proto);

/**
 * Builds into `out` one fragment of the complete IPv4 datagram dg[0..len): payload bytes
 * [off, off+n) after the header, MF set when `more`. off must be a multiple of 8. Options
 * without the copy bit appear only in the fragment at offset 0. Any offsets are accepted,
 * so callers can make overlapping or out-of-order sets. Returns 0 or -EINVAL/-ENOSPC.
 */
int sl_pb_ipv4_fragment(struct sl_pb *out, const uint8_t *dg, size_t len,
                        size_t off, size_t n, bool more);

/**
 * IPv6 counterpart: keeps the unfragmentable part (fixed header, hop-by-hop, routing and
 * destination options before routing), inserts a fragment header with `ident`, and carries
 * fragmentable bytes [off, off+n). Returns 0 or -EINVAL/-ENOSPC.
 */
int sl_pb_ipv6_fragment(struct sl_pb *out, const uint8_t *dg, size_t len, uint32_t ident,
                        size_t off, size_t n, bool more);

/** Prepends an Ethernet II header with optional VLAN tags. Returns 0 or -ENOSPC. */
int sl_pb_eth(struct sl_pb *b, const struct sl_pb_eth *e, uint16_t ethertype);

/** Prepends a GRE v0 header (RFC 2784/2890) with an optional key. */
int sl_pb_gre(struct sl_pb *b, uint16_t proto, bool with_key, uint32_t key);

/**
 * Prepends an enhanced GRE v1 header (RFC 2637, PPTP): protocol 0x880b, key = payload
 * length and call id, optional sequence and acknowledgement numbers.
 */
int sl_pb_gre_v1(struct sl_pb *b, uint16_t call_id, bool with_seq, uint32_t seq,
                 bool with_ack, uint32_t ack);

/** Prepends a VXLAN header (flags I, 24-bit VNI) over an inner Ethernet frame. */
int sl_pb_vxlan(struct sl_pb *b, uint32_t vni);

/** Prepends a Linux cooked v1 header (16 bytes): packet type, ARPHRD_ETHER, address, protocol. */
int sl_pb_sll(struct sl_pb *b, uint16_t pkttype, const uint8_t mac[6], uint16_t proto);

/** Prepends a Linux cooked v2 header (20 bytes). */
int sl_pb_sll2(struct sl_pb *b, uint16_t proto, uint32_t ifindex, uint8_t pkttype,
               const uint8_t mac[6]);

/**
 * Prepends a BSD loopback header for IP version ipver: for `loop` false (LINKTYPE_NULL) the
 * address family in little-endian with Darwin values (2, 30), for `loop` true
 * (LINKTYPE_LOOP) in network order with OpenBSD values (2, 24); `swapped` writes it in the
 * other byte order (as Darwin's utun does for NULL).
 */
int sl_pb_null(struct sl_pb *b, bool loop, bool swapped, int ipver);

/** Prepends a Cisco HDLC header: unicast address 0x0f, control 0, ethertype. */
int sl_pb_chdlc(struct sl_pb *b, uint16_t ethertype);

/** Prepends an MPLS label stack (labels[0] outermost; bottom of stack on the last), TTL 64. */
int sl_pb_mpls(struct sl_pb *b, const uint32_t *labels, size_t n);

/** Prepends a PPPoE session header (RFC 2516, code 0) and the 2-byte PPP protocol. */
int sl_pb_pppoe(struct sl_pb *b, uint16_t session, uint16_t ppp_proto);

/** Prepends a GTP-U G-PDU header (TEID; with `ext`, sequence number seq and one PDU
 * session container extension header of QFI 9). */
int sl_pb_gtpu(struct sl_pb *b, uint32_t teid, bool ext, uint16_t seq);

/**
 * Frames the IP datagram in b for a capture of l->linktype: applies l->tunnel (if any),
 * then MPLS labels and PPPoE when asked, then the link header (Ethernet with tags, SLL,
 * SLL2, NULL, LOOP, Cisco HDLC, or nothing for raw types). Direction picks MAC addresses, outer IPs and SLL packet type.
 * Returns 0, -EINVAL (unknown link type, or an IP version the link cannot carry) or -ENOSPC.
 */
int sl_pb_frame(struct sl_pb *b, const struct sl_pb_link *l, bool from_client);

#endif
