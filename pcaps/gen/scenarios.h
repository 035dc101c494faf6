/* Scenario table of the capture generator and the helpers scenario files share.
 * Each scenario writes one small capture; sl_scenarios[] is the only list of them. */
#ifndef PCAPS_GEN_SCENARIOS_H
#define PCAPS_GEN_SCENARIOS_H

#include "pcapw.h"
#include "session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every capture starts at 2026-03-02T14:00:00Z. */
#define SL_SCEN_EPOCH_US (1772460000ull * 1000000ull)
#define SL_MS 1000u
#define SL_SEC 1000000u

struct sl_scenario {
	const char *name;
	const char *description;
	uint32_t linktype;
	uint32_t snaplen;            /* 0: SL_PCAPW_SNAPLEN_DEFAULT */
	bool malformed;              /* written by --malformed, not --all */
	int (*build)(struct sl_pcapw *w, uint64_t t0_us);
};

extern const struct sl_scenario sl_scenarios[];
extern const size_t sl_scenarios_count;

/** Scenario named `name`, or NULL. Borrowed from the static table. */
const struct sl_scenario *sl_scenario_find(const char *name);

/** Builds the scenario and saves it to `path`. Returns 0 or -errno. */
int sl_scenario_write(const struct sl_scenario *s, const char *path);

/* ---- helpers shared by the scenario files (scen_common.c) ---- */

/**
 * Fills cfg for a TCP/UDP conversation over Ethernet between two hosts: client Linux-like
 * (TTL 64, DF, window 64240, MSS 1460, wscale 7, options 2-4-8-1-3), server Linux-like as
 * seen after 10 hops (TTL 54, window 65160, same options), one-way delays in ms, 50 us gap.
 * Addresses must parse; returns 0 or -EINVAL.
 */
int sl_scen_cfg(struct sl_conv_cfg *cfg, const char *client, uint16_t cport,
                const char *server, uint16_t sport, uint32_t client_ms, uint32_t server_ms);

/** Conversation steps for sl_scen_tcp(). */
enum { SL_SCEN_HANDSHAKE = 1, SL_SCEN_NO_CLOSE = -1 };

/**
 * Runs one TCP conversation starting at *t: handshake when `flags` has SL_SCEN_HANDSHAKE,
 * the messages in order, then the close (`close` < 0: none). *t becomes the time of the
 * last packet. Returns 0 or -errno.
 */
int sl_scen_tcp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t, int flags,
                const struct sl_conv_msg *msgs, size_t n, int close);

/** Runs UDP exchanges like sl_scen_tcp(). */
int sl_scen_udp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t,
                const struct sl_conv_msg *msgs, size_t n);

/** Writes `len` bytes shaped as a TLS record of content type `type` (version 0x0303, the
 * body seeded filler) into out. len must be >= 5. */
void sl_scen_tls_record(uint8_t *out, size_t len, uint8_t type, uint64_t seed);

/**
 * Writes a DNS message for `qname` type A into out[cap]: a query, or when `answer` is not
 * NULL a response carrying that IPv4 address. Returns the length, or 0 if it does not fit.
 */
size_t sl_scen_dns(uint8_t *out, size_t cap, uint16_t id, const char *qname,
                   const uint8_t *answer);

/**
 * Writes a TLS ClientHello record naming `sni` (and offering `alpn` when not NULL) into
 * p[cap]: three suites, server_name, ALPN, supported_versions 1.3/1.2, fixed random.
 * Returns the length, or 0 if it does not fit.
 */
size_t sl_scen_client_hello(uint8_t *p, size_t cap, const char *sni, const char *alpn);

/** Writes a 47-byte TLS 1.2 ServerHello record (suite 0xc02f) into p; returns 47. */
size_t sl_scen_server_hello(uint8_t *p);

/** Makes `s` look like Windows 10/11: TTL as given (after the hops), DF, window 64240,
 * MSS as given, wscale 8, SYN options 2-1-3-1-1-4 (no timestamps). */
void sl_scen_windows_side(struct sl_conv_side *s, uint8_t ttl, uint16_t mss);

/**
 * Runs a whole TLS session over cfg starting at *t: handshake, ClientHello naming `sni`
 * (ALPN `alpn` when not NULL) answered by a ServerHello, the client's ChangeCipherSpec and
 * first encrypted record, `records` (at most 8) application-data exchanges one second
 * apart, client FIN. *t becomes the time of the last packet. Returns 0 or -errno.
 */
int sl_scen_tls_session(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t,
                        const char *sni, const char *alpn, unsigned records);

/** The rat-teamviewer TCP session over cfg (17 24 hello, 11 30 continuations both ways,
 * client FIN) starting at *t. Returns 0 or -errno. */
int sl_scen_teamviewer_tcp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t);

/** One TeamViewer UDP frame each way over cfg (byte 0 = 0, 17 24 at bytes 11-12). */
int sl_scen_teamviewer_udp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t);

/* A DHCP client and the router that leases it an address (IPv4 only). */
struct sl_scen_dhcp {
	const uint8_t *mac;          /* the client's 6-byte hardware address */
	const uint8_t *router_mac;
	uint32_t xid;
	const char *hostname;        /* option 12, at most 63 bytes */
	struct sl_pb_addr ip;        /* the address leased */
	struct sl_pb_addr router;    /* server identifier, router and DNS server */
};

/**
 * Writes a Windows-like DHCP lease (RFC 2131/2132) starting at *t: DISCOVER, OFFER +2 ms,
 * REQUEST +3 ms, ACK +2 ms, all broadcast, options 61/12/60/55 from the client and
 * 54/51/1/3/6 from the router, one-day lease. *t becomes the time of the ACK.
 * Returns 0 or -errno.
 */
int sl_scen_dhcp_lease(struct sl_pcapw *w, uint64_t *t, const struct sl_scen_dhcp *d);

/** Builds a complete IPv4/IPv6 UDP datagram (no link header) carrying `n` filler bytes. */
int sl_scen_udp_datagram(struct sl_pb *b, const struct sl_pb_ip *ip, uint16_t sport,
                         uint16_t dport, size_t n, uint64_t seed);

/** Frames b with `link` (client direction when from_client) and adds it at time t. */
int sl_scen_emit(struct sl_pcapw *w, struct sl_pb *b, const struct sl_pb_link *link,
                 bool from_client, uint64_t t);

/** The Ethernet link used by default: client 02:00:5e:10:00:02, gateway 02:00:5e:10:00:01. */
void sl_scen_link_ethernet(struct sl_pb_link *l);

/* Scenario builders, one per table row (scen_flows.c, scen_decode.c, scen_link.c,
 * scen_malformed.c, scen_names.c, scen_rat.c, scen_farm.c, scen_edge.c). */
int sl_scen_flows_basic(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_vlan(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_tunnels(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_frag(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_frag_load(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_ipv6_ext(struct sl_pcapw *w, uint64_t t0);
int sl_scen_sctp(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_sll(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_sll2(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_null(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_loop(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_raw(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_ipv4(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_ipv6(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_chdlc(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_null_swapped(struct sl_pcapw *w, uint64_t t0);
int sl_scen_link_loop_swapped(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_mpls(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_gtpu(struct sl_pcapw *w, uint64_t t0);
int sl_scen_decode_pppoe(struct sl_pcapw *w, uint64_t t0);
int sl_scen_tunnel_mss(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_ipv4_truncated(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_ipv4_ihl(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_ipv4_optlen(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_tcp_doff(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_udp_len(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_vlan_truncated(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_ipv6_ext_truncated(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_arp(struct sl_pcapw *w, uint64_t t0);
int sl_scen_mal_snaplen(struct sl_pcapw *w, uint64_t t0);
int sl_scen_proto_dhcp(struct sl_pcapw *w, uint64_t t0);
int sl_scen_proto_mdns(struct sl_pcapw *w, uint64_t t0);
int sl_scen_proto_dns_cache(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_teamviewer(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_anydesk_discovery(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_rustdesk(struct sl_pcapw *w, uint64_t t0);
int sl_scen_names_relays(struct sl_pcapw *w, uint64_t t0);
int sl_scen_laptop_farm(struct sl_pcapw *w, uint64_t t0);
int sl_scen_laptop_farm_edge(struct sl_pcapw *w, uint64_t t0);
int sl_scen_sanctioned_support(struct sl_pcapw *w, uint64_t t0);
int sl_scen_us_vpn_exit(struct sl_pcapw *w, uint64_t t0);
int sl_scen_honest_worker(struct sl_pcapw *w, uint64_t t0);
int sl_scen_traveller(struct sl_pcapw *w, uint64_t t0);
int sl_scen_pyongyang_hours(struct sl_pcapw *w, uint64_t t0);
int sl_scen_names_rmm(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_tools(struct sl_pcapw *w, uint64_t t0);
int sl_scen_vpn_tunnels(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_rdp_udp(struct sl_pcapw *w, uint64_t t0);
int sl_scen_vpn_tunnels2(struct sl_pcapw *w, uint64_t t0);
int sl_scen_time_steps(struct sl_pcapw *w, uint64_t t0);
int sl_scen_overlay_nets(struct sl_pcapw *w, uint64_t t0);
int sl_scen_obfs_tunnels(struct sl_pcapw *w, uint64_t t0);
int sl_scen_rat_crd(struct sl_pcapw *w, uint64_t t0);
int sl_scen_tls_missed(struct sl_pcapw *w, uint64_t t0);
int sl_scen_webrtc_dtls(struct sl_pcapw *w, uint64_t t0);
int sl_scen_ipkvm(struct sl_pcapw *w, uint64_t t0);
int sl_scen_names_vpn_brands(struct sl_pcapw *w, uint64_t t0);
int sl_scen_tls_big_hello(struct sl_pcapw *w, uint64_t t0);
int sl_scen_endpoints(struct sl_pcapw *w, uint64_t t0);

#endif
