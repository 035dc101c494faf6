/* Decoder scenarios: VLAN/QinQ tags, GRE/VXLAN/PPTP tunnels, IPv6 extension headers and
 * SCTP. Fragmentation lives in scen_frag.c. Each flow is small; the point is the framing. */
#include "scenarios.h"

#include "bytes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A handshake, one short exchange and a FIN close: the minimal complete TCP flow. */
static int short_tcp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	static const char req[] = "HELLO sl-pcapgen\r\n";
	static const char resp[] = "OK\r\n";
	struct sl_conv_msg m = { req, strlen(req), resp, strlen(resp), 0, 500 };
	int rc = sl_scen_tcp(w, cfg, t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);

	*t += SL_SEC;
	return rc;
}

/* One UDP request/response. */
static int short_udp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t)
{
	struct sl_conv_msg m = { "query", 5, "answer", 6, 0, 300 };
	int rc = sl_scen_udp(w, cfg, t, &m, 1);

	*t += SL_SEC;
	return rc;
}

/* VLAN 100 TCP, VLAN 200 UDP, QinQ S-tag 10 / C-tag 20 TCP (88a8 then 8100), and the
 * older double 8100 QinQ 30/40 UDP. Frames are padded to 60 bytes like real Ethernet. */
int sl_scen_decode_vlan(struct sl_pcapw *w, uint64_t t0)
{
	static const struct { uint16_t tpid[2], vid[2]; size_t ntags; bool tcp; uint16_t port; } rows[] = {
		{ { 0x8100, 0 }, { 100, 0 }, 1, true, 443 },
		{ { 0x8100, 0 }, { 200, 0 }, 1, false, 5001 },
		{ { 0x88a8, 0x8100 }, { 10, 20 }, 2, true, 8080 },
		{ { 0x8100, 0x8100 }, { 30, 40 }, 2, false, 5002 },
	};
	uint64_t t = t0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sl_conv_cfg cfg;
		char client[32];
		snprintf(client, sizeof(client), "10.77.%u.2", (unsigned)rows[i].vid[0]);
		if (sl_scen_cfg(&cfg, client, (uint16_t)(42000 + i), "198.51.100.40", rows[i].port, 3, 25))
			return -EINVAL;
		cfg.link.ntags = rows[i].ntags;
		cfg.link.pad_ethernet = true;
		for (size_t k = 0; k < rows[i].ntags; k++)
			cfg.link.tags[k] = (struct sl_pb_vlan){ rows[i].tpid[k], rows[i].vid[k] };
		int rc = rows[i].tcp ? short_tcp(w, &cfg, &t) : short_udp(w, &cfg, &t);
		if (rc)
			return rc;
	}
	return 0;
}

/* PPTP data channel (RFC 2637): one enhanced-GRE packet each way carrying PPP frames. The
 * sensor must keep it a GRE flow (proto 47) and not look for IP inside. */
static int pptp_pair(struct sl_pcapw *w, uint64_t *t)
{
	static const uint8_t ppp_c[] = { 0xff, 0x03, 0x00, 0xfd, 0x90, 0x00, 0x1c, 0x2e, 0x7a, 0x41 };
	static const uint8_t ppp_s[] = { 0xff, 0x03, 0x00, 0xfd, 0x90, 0x00, 0x5b, 0x03, 0xee, 0x10 };
	struct sl_pb_link link;
	struct sl_pb b;
	struct sl_pb_ip ip = { .ttl = 64 };

	sl_scen_link_ethernet(&link);
	if (sl_pb_addr_parse(&ip.src, "10.77.6.2") || sl_pb_addr_parse(&ip.dst, "203.0.113.60"))
		return -EINVAL;
	sl_pb_init(&b);
	int rc = sl_pb_append(&b, ppp_c, sizeof(ppp_c));
	if (!rc)
		rc = sl_pb_gre_v1(&b, 0x4001, true, 1, false, 0);
	if (!rc)
		rc = sl_pb_ip(&b, &ip, 47);
	if (!rc)
		rc = sl_scen_emit(w, &b, &link, true, *t);
	struct sl_pb_ip back = { .src = ip.dst, .dst = ip.src, .ttl = 54 };
	sl_pb_init(&b);
	if (!rc)
		rc = sl_pb_append(&b, ppp_s, sizeof(ppp_s));
	if (!rc)
		rc = sl_pb_gre_v1(&b, 0x8002, true, 1, true, 1);
	if (!rc)
		rc = sl_pb_ip(&b, &back, 47);
	if (!rc)
		rc = sl_scen_emit(w, &b, &link, false, *t + 60 * SL_MS);
	*t += SL_SEC;
	return rc;
}

/* GRE v0 with key 0xabcd carrying IPv4 TCP; GRE/TEB (0x6558) carrying Ethernet + IPv4
 * TCP; VXLAN VNI 4242 (UDP 4789) carrying Ethernet + IPv4 TCP; PPTP GRE v1 pair. */
int sl_scen_decode_tunnels(struct sl_pcapw *w, uint64_t t0)
{
	static const struct { enum sl_pb_tunnel_kind kind; const char *oc, *os, *ic; uint16_t port; } rows[] = {
		{ SL_TUN_GRE, "172.16.0.1", "172.16.0.2", "10.1.1.1", 443 },
		{ SL_TUN_GRE_TEB, "172.16.1.1", "172.16.1.2", "10.1.2.1", 80 },
		{ SL_TUN_VXLAN, "172.16.2.1", "172.16.2.2", "10.1.3.1", 8080 },
	};
	static const uint8_t imac_c[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x02 };
	static const uint8_t imac_s[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x01 };
	uint64_t t = t0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sl_pb_tunnel tun = { .kind = rows[i].kind, .gre_key_present = i == 0,
		                            .gre_key = 0xabcd, .vni = 4242, .udp_sport = 49320 };
		struct sl_conv_cfg cfg;
		memcpy(tun.inner_client_mac, imac_c, 6);
		memcpy(tun.inner_server_mac, imac_s, 6);
		if (sl_pb_addr_parse(&tun.outer_client, rows[i].oc) ||
		    sl_pb_addr_parse(&tun.outer_server, rows[i].os) ||
		    sl_scen_cfg(&cfg, rows[i].ic, (uint16_t)(43000 + i), "10.2.2.2", rows[i].port, 4, 30))
			return -EINVAL;
		cfg.client.mss = cfg.server.mss = 1400;  /* tunnel overhead lowers the MSS */
		cfg.link.tunnel = &tun;
		int rc = short_tcp(w, &cfg, &t);
		if (rc)
			return rc;
	}
	return pptp_pair(w, &t);
}

/* IPv6 with hop-by-hop (Router Alert, RFC 2711), destination options (PadN only, so padded
 * to 8) and a type-4 segment routing header with Segments Left 0, before TCP and UDP. */
int sl_scen_decode_ipv6_ext(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t hbh[] = { 0x05, 0x02, 0x00, 0x00 };           /* router alert: MLD */
	static const uint8_t dst[] = { 0x1e, 0x02, 0xaa, 0xbb };           /* experimental type 0x1e */
	/* SRH (RFC 8754): type 4, segleft 0, last entry 0, flags 0, tag 0, one segment. */
	static const uint8_t rt[22] = { 4, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x30 };
	static const struct sl_pb_ext ext[] = {
		{ 0, hbh, sizeof(hbh) }, { 60, dst, sizeof(dst) }, { 43, rt, sizeof(rt) },
	};
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, "2001:db8:77::6", 44000, "2001:db8:100::30", 443, 5, 20))
		return -EINVAL;
	cfg.client.ext = ext;
	cfg.client.next = 3;
	cfg.server.ext = ext + 1;            /* the server answers with destination options only */
	cfg.server.next = 1;
	int rc = short_tcp(w, &cfg, &t);
	if (rc || sl_scen_cfg(&cfg, "2001:db8:77::6", 44001, "2001:db8:100::30", 5001, 5, 20))
		return rc ? rc : -EINVAL;
	cfg.client.ext = ext;
	cfg.client.next = 3;
	return short_udp(w, &cfg, &t);
}

/* Writes an SCTP INIT (type 1) or INIT-ACK (type 2, with a state cookie) chunk, RFC 9260
 * 3.3.2/3.3.3. Returns its length. */
static size_t sctp_init_chunk(uint8_t *out, bool ack, uint32_t itag, uint32_t tsn)
{
	static const uint8_t cookie[16] = { 0x53, 0x4c, 0x2d, 0x47, 0x45, 0x4e, 0x2d, 0x43,
	                                    0x4f, 0x4f, 0x4b, 0x49, 0x45, 0x00, 0x00, 0x01 };
	size_t len = 20 + (ack ? 4 + sizeof(cookie) : 0);

	out[0] = ack ? 2 : 1;
	out[1] = 0;
	put16(out + 2, (uint16_t)len);
	put32(out + 4, itag);
	put32(out + 8, 106496);          /* a_rwnd */
	put16(out + 12, 10);             /* outbound streams */
	put16(out + 14, 10);             /* max inbound streams */
	put32(out + 16, tsn);
	if (ack) {
		put16(out + 20, 7);          /* State Cookie parameter */
		put16(out + 22, (uint16_t)(4 + sizeof(cookie)));
		memcpy(out + 24, cookie, sizeof(cookie));
	}
	return len;
}

/* SCTP INIT 10.77.5.1:36412 -> 10.77.5.2:36412 and the INIT-ACK 2 ms later. */
int sl_scen_sctp(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_pb_link link;
	struct sl_pb b;
	struct sl_pb_ip ip = { .ttl = 64, .df = true, .id = 0x0101 };
	uint8_t chunk[64];
	const uint32_t itag_c = 0x1a2b3c4d, itag_s = 0x5e6f7081;

	sl_scen_link_ethernet(&link);
	if (sl_pb_addr_parse(&ip.src, "10.77.5.1") || sl_pb_addr_parse(&ip.dst, "10.77.5.2"))
		return -EINVAL;
	sl_pb_init(&b);
	int rc = sl_pb_append(&b, chunk, sctp_init_chunk(chunk, false, itag_c, 1000));
	if (!rc)
		rc = sl_pb_sctp(&b, 36412, 36412, 0);
	if (!rc)
		rc = sl_pb_ip(&b, &ip, 132);
	if (!rc)
		rc = sl_scen_emit(w, &b, &link, true, t0);
	struct sl_pb_ip back = { .src = ip.dst, .dst = ip.src, .ttl = 64, .df = true, .id = 0x0202 };
	sl_pb_init(&b);
	if (!rc)
		rc = sl_pb_append(&b, chunk, sctp_init_chunk(chunk, true, itag_s, 5000));
	if (!rc)
		rc = sl_pb_sctp(&b, 36412, 36412, itag_c);
	if (!rc)
		rc = sl_pb_ip(&b, &back, 132);
	if (!rc)
		rc = sl_scen_emit(w, &b, &link, false, t0 + 2 * SL_MS);
	return rc;
}
