/* The one table of generator scenarios: name, description, link type, builder. Adding a
 * scenario means one row here and its builder in a scen_*.c file. */
#include "scenarios.h"

#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct sl_scenario sl_scenarios[] = {
	{ "flows-basic", "TCP FIN/RST/mid-stream/SYN-only, UDP DNS + lone UDP, ICMP echo, IPv6 TCP, late packet at +700 s",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_flows_basic },
	{ "decode-vlan", "802.1Q and QinQ (88a8/8100 and 8100/8100) tagged TCP and UDP flows, padded frames",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_vlan },
	{ "decode-tunnels", "GRE v0 with key (IPv4 TCP), GRE transparent Ethernet, VXLAN VNI 4242, PPTP GRE v1 pair",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_tunnels },
	{ "decode-frag", "IPv4 UDP/500 fragmented in order and reversed, IPv6 fragments, overlap, lone tail fragment",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_frag },
	{ "decode-frag-load", "IKEv2 at a VPN edge: 68 IKE_AUTH datagrams whose trailing fragments were dropped, then 10 complete ones, each answered",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_frag_load },
	{ "decode-ipv6-ext", "IPv6 hop-by-hop + destination options + routing headers before TCP and UDP",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_ipv6_ext },
	{ "sctp", "SCTP INIT / INIT-ACK between ports 36412 (S1AP-like)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_sctp },
	{ "link-sll", "Linux cooked v1: IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_LINUX_SLL, 0, false, sl_scen_link_sll },
	{ "link-sll2", "Linux cooked v2: IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_LINUX_SLL2, 0, false, sl_scen_link_sll2 },
	{ "link-null", "BSD NULL loopback (little-endian AF 2/30): IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_NULL, 0, false, sl_scen_link_null },
	{ "link-loop", "OpenBSD LOOP (network-order AF 2/24): IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_LOOP, 0, false, sl_scen_link_loop },
	{ "link-raw", "raw IP (linktype 101): IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_RAW, 0, false, sl_scen_link_raw },
	{ "link-ipv4", "DLT_IPV4 (228): IPv4 TCP handshake, IPv4 UDP packet",
	  SL_LINKTYPE_IPV4, 0, false, sl_scen_link_ipv4 },
	{ "link-ipv6", "DLT_IPV6 (229): IPv6 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_IPV6, 0, false, sl_scen_link_ipv6 },
	{ "link-chdlc", "Cisco HDLC (104, address 0x0f): IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_C_HDLC, 0, false, sl_scen_link_chdlc },
	{ "link-null-swapped", "BSD NULL loopback with big-endian AF 2/30 (Darwin utun): IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_NULL, 0, false, sl_scen_link_null_swapped },
	{ "link-loop-swapped", "OpenBSD LOOP with little-endian AF 2/24: IPv4 TCP handshake, IPv6 UDP packet",
	  SL_LINKTYPE_LOOP, 0, false, sl_scen_link_loop_swapped },
	{ "decode-mpls", "MPLS: IPv4 TCP under labels 16/1001, IPv6 UDP under label 2001 (explicit stack, no PHP)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_mpls },
	{ "decode-gtpu", "GTP-U (UDP 2152) G-PDUs: a UE's IPv4 TCP session, IPv6 UDP with a PDU session container; echo request/response",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_gtpu },
	{ "decode-pppoe", "PPPoE session 0x1234: IPv4 TCP session (MSS 1452), IPv6 UDP exchange",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_decode_pppoe },
	{ "tunnel-mss", "TCP handshakes whose SYN MSS marks Ethernet, PPPoE, WireGuard, GRE/IPsec, IPIP, PPTP, tunnel (IPv4 + IPv6)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_tunnel_mss },
	{ "malformed-ipv4-truncated", "Ethernet frame ending 12 bytes into the IPv4 header",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_ipv4_truncated },
	{ "malformed-ipv4-ihl", "IPv4 header with IHL 4 (16 bytes, below the minimum 5)",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_ipv4_ihl },
	{ "malformed-ipv4-optlen", "IPv4 options: length 0, and a length running past the header",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_ipv4_optlen },
	{ "malformed-tcp-doff", "TCP data offset 15 (60 bytes) with only a 20-byte header present",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_tcp_doff },
	{ "malformed-udp-len", "UDP length larger than the datagram, and smaller than 8",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_udp_len },
	{ "malformed-vlan-truncated", "Ethernet frame ending inside an 802.1Q tag",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_vlan_truncated },
	{ "malformed-ipv6-ext-truncated", "IPv6 hop-by-hop header whose length runs past the packet",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_ipv6_ext_truncated },
	{ "malformed-arp", "ARP request and reply (not IP; counted, not decoded as a flow)",
	  SL_LINKTYPE_ETHERNET, 0, true, sl_scen_mal_arp },
	{ "malformed-snaplen", "TCP session captured with snaplen 96: caplen < wirelen on data segments (valid)",
	  SL_LINKTYPE_ETHERNET, 96, true, sl_scen_mal_snaplen },
	{ "proto-dhcp", "DHCP DISCOVER/OFFER/REQUEST/ACK: laptop-jdoe, MSFT 5.0, Windows parameter list, 10.77.0.50",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_proto_dhcp },
	{ "proto-mdns", "mDNS: pikvm.local A announcement, _http._tcp PTR/SRV/TXT, a laptop's _http._tcp query",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_proto_mdns },
	{ "proto-dns-cache", "flow to 198.51.100.77, then DNS names it relay-1.net.anydesk.com, a second flow; CNAME chain to 203.0.113.57",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_proto_dns_cache },
	{ "rat-teamviewer", "synthetic TeamViewer: TCP 5938 with 17 24 / 11 30 framing both ways, a UDP 5938 frame pair",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_teamviewer },
	{ "rat-anydesk-discovery", "synthetic AnyDesk LAN discovery: two datagrams to 239.255.102.18:50001 (opaque payload)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_anydesk_discovery },
	{ "rat-rustdesk", "synthetic RustDesk: UDP RegisterPeer pair and TCP PunchHole exchange on 21116, RequestRelay on 21117",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_rustdesk },
	{ "names-relays", "TLS ClientHellos naming relay-01.net.anydesk.com, remotedesktop-pa.googleapis.com, nl123.nordvpn.com, a Tor-style name, evilanydesk.com",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_names_relays },
	{ "endpoints", "LAN: DHCP from 0.0.0.0, DAD from ::, ARP, ND (NS/NA with link-layer options), one host by IPv4 + link-local + global IPv6, a port unreachable and an ICMPv6 time exceeded",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_endpoints },
	{ "laptop-farm", "farm LAN: DHCP laptop-asmith/laptop-bjones, AnyDesk TLS to relays abroad (6568 ALPN, 443), SSO TLS",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_laptop_farm },
	{ "laptop-farm-edge", "company edge: the farm's SSO sessions from one residential address 203.0.113.140 (22 ms)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_laptop_farm_edge },
	{ "us-vpn-exit", "company edge: worker via a US VPN exit 41 km from the sensor, client RTT 180 ms, MSS 1380",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_us_vpn_exit },
	{ "honest-worker", "company edge: Dallas home line, RTT 12 ms, office hours: SSO/updates/git TLS, QUIC, STUN+RTP call",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_honest_worker },
	{ "traveller", "company edge: Atlanta then New York 5 h later (plausible); New York then Seoul 2 h later (impossible)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_traveller },
	{ "sanctioned-support", "office LAN: TeamViewer from IT support (allow-listed) and from a developer (not)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_sanctioned_support },
	{ "pyongyang-hours", "company edge: Houston home line used 09:20-17:20 KST on three days (night in Houston)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_pyongyang_hours },
	{ "names-rmm", "TLS ClientHellos naming Splashtop, Zoho Assist, GoTo/LogMeIn and ScreenConnect hosts",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_names_rmm },
	{ "rat-tools", "synthetic NoMachine NXSH-/NXD- lines on TCP 4000 and Radmin hello/answer on TCP 4899",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_tools },
	{ "vpn-tunnels", "synthetic tinc 1.0 ID lines and METAKEY on TCP 655, WireGuard handshake and transport on UDP 51820",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_vpn_tunnels },
	{ "obfs-tunnels", "synthetic obfuscated tunnels: random first payload on 8388, TLS whose app-data sizes follow an inner handshake, a plain HTTPS session", SL_LINKTYPE_ETHERNET, 0, false, sl_scen_obfs_tunnels },
	{ "rat-crd", "synthetic Chrome Remote Desktop: ClientHello to remotedesktop-pa.googleapis.com, then STUN and DTLS from the same host; another host's STUN only", SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_crd },
	{ "ipkvm", "synthetic IP-KVMs: PiKVM web UI on a Raspberry Pi MAC, TinyPilot by host name, JetKVM login, mDNS announcements", SL_LINKTYPE_ETHERNET, 0, false, sl_scen_ipkvm },
	{ "names-vpn-brands", "TLS ClientHellos naming 15 VPN brands and anonymisers (NordVPN ... Tor), then mail.proton.me and www.opera.com",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_names_vpn_brands },
	{ "rat-rdp-udp", "synthetic RDP UDP transport: the client's padded SYN with correlation id and SYNEX, the server's SYN+ACK on UDP 3389",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_rat_rdp_udp },
	{ "vpn-tunnels2", "synthetic SSTP (SSTP_DUPLEX_POST, call connect) and SoftEther (POST /vpnsvc/connect.cgi, NAT-T IP=...,PORT=) in clear, raw ESP both ways",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_vpn_tunnels2 },
	{ "time-steps", "clock steps back and forth (captures joined end to end): NTP and DNS exchanges, a TLS-like session, a datagram repeated 390 s later in its own time",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_time_steps },
	{ "overlay-nets", "synthetic Tailscale disco ping/pong (TS magic, two disco keys) and a ZeroTier cleartext HELLO answered by OK on UDP 9993",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_overlay_nets },
	{ "tls-missed", "TLS 1.3 draft-18 ServerHello (no session id, no compression), a ClientHello with twelve ALPN names, a TLS 1.2 session first seen at the server's ServerHello",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_tls_missed },
	{ "webrtc-dtls", "WebRTC port pair: ICE checks, DTLS 1.2 from the answering peer with a consent check between the hellos, SRTP both ways",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_webrtc_dtls },
	{ "tls-big-hello", "a scanner-like ClientHello: 512 suites, 256 groups, 256 signature schemes, 184 ALPN names (a 10.7 kB flow event)",
	  SL_LINKTYPE_ETHERNET, 0, false, sl_scen_tls_big_hello },
};

const size_t sl_scenarios_count = ARRAY_SIZE(sl_scenarios);

const struct sl_scenario *sl_scenario_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sl_scenarios); i++)
		if (strcmp(sl_scenarios[i].name, name) == 0)
			return &sl_scenarios[i];
	return NULL;
}

int sl_scenario_write(const struct sl_scenario *s, const char *path)
{
	struct sl_pcapw *w;
	int rc = sl_pcapw_create(&w, s->linktype, s->snaplen);

	if (rc)
		return rc;
	rc = s->build(w, SL_SCEN_EPOCH_US);
	if (!rc)
		rc = sl_pcapw_save(w, path);
	sl_pcapw_destroy(w);
	return rc;
}
