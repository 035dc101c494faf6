/* Malformed-input scenarios for decoder robustness tests (pcaps/malformed/). Each file holds
 * the broken packet(s) then one valid UDP datagram, so a test can check that decoding goes
 * on after the error. Packets are built correctly and then damaged on purpose. */
#include "scenarios.h"

#include "bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mal_ctx {
	struct sl_pcapw *w;
	struct sl_pb_link link;
	struct sl_pb_ip ip;
	struct sl_pb b;
	uint64_t t;
};

/* Starts a context with Ethernet framing and 10.77.9.2 -> 198.51.100.99 addressing. */
static int mal_begin(struct mal_ctx **out, struct sl_pcapw *w, uint64_t t0)
{
	struct mal_ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->w = w;
	x->t = t0;
	sl_scen_link_ethernet(&x->link);
	x->ip = (struct sl_pb_ip){ .ttl = 64, .df = true, .id = 0x4d00 };
	if (sl_pb_addr_parse(&x->ip.src, "10.77.9.2") || sl_pb_addr_parse(&x->ip.dst, "198.51.100.99")) {
		free(x);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

/* Adds the current frame in x->b (already framed) and steps the clock by 1 ms. */
static int mal_add(struct mal_ctx *x)
{
	int rc = sl_pcapw_add(x->w, x->t, sl_pb_data(&x->b), x->b.len);

	x->t += SL_MS;
	x->ip.id++;
	return rc;
}

/* Builds an Ethernet/IPv4/UDP frame with `n` filler bytes into x->b (not yet added). */
static int mal_udp(struct mal_ctx *x, size_t n)
{
	int rc = sl_scen_udp_datagram(&x->b, &x->ip, 40999, 7, n, x->ip.id);

	return rc ? rc : sl_pb_frame(&x->b, &x->link, true);
}

/* The valid datagram that closes every malformed file, then frees the context. */
static int mal_end(struct mal_ctx *x, int rc)
{
	if (!rc)
		rc = mal_udp(x, 20);
	if (!rc)
		rc = mal_add(x);
	free(x);
	return rc;
}

int sl_scen_mal_ipv4_truncated(struct sl_pcapw *w, uint64_t t0)
{
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	rc = mal_udp(x, 20);
	x->b.len = 14 + 12;                  /* the frame stops inside the IPv4 header */
	return mal_end(x, rc ? rc : mal_add(x));
}

int sl_scen_mal_ipv4_ihl(struct sl_pcapw *w, uint64_t t0)
{
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	rc = mal_udp(x, 20);
	uint8_t *iph = sl_pb_data(&x->b) + 14;
	iph[0] = 0x44;                       /* IHL 4: 16 bytes, below the minimum of 20 */
	sl_pb_ipv4_checksum(iph, 20);
	return mal_end(x, rc ? rc : mal_add(x));
}

/* Two packets: a record-route option of length 0 (RFC 791 forbids < 2), and a timestamp
 * option claiming 40 bytes in an 8-byte option area. */
int sl_scen_mal_ipv4_optlen(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t zero_len[] = { 0x07, 0x00, 0x04, 0x00 };
	static const uint8_t too_long[] = { 0x44, 0x28, 0x05, 0x00, 0, 0, 0, 0 };
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	x->ip.v4opts = zero_len;
	x->ip.v4opts_len = sizeof(zero_len);
	rc = mal_udp(x, 20);
	if (!rc)
		rc = mal_add(x);
	x->ip.v4opts = too_long;
	x->ip.v4opts_len = sizeof(too_long);
	if (!rc)
		rc = mal_udp(x, 20);
	if (!rc)
		rc = mal_add(x);
	x->ip.v4opts = NULL;
	x->ip.v4opts_len = 0;
	return mal_end(x, rc);
}

/* TCP data offset 15 (a 60-byte header) on a segment holding 20 header + 10 data bytes. */
int sl_scen_mal_tcp_doff(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_pb_tcp tcp = { .sport = 40998, .dport = 443, .seq = 1000, .ack = 2000,
	                         .flags = SL_TCP_ACK | SL_TCP_PSH, .window = 502, .doff = 15 };
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	sl_pb_init(&x->b);
	rc = sl_pb_append(&x->b, "0123456789", 10);
	if (!rc)
		rc = sl_pb_tcp(&x->b, &x->ip, &tcp);
	if (!rc)
		rc = sl_pb_ip(&x->b, &x->ip, 6);
	if (!rc)
		rc = sl_pb_frame(&x->b, &x->link, true);
	return mal_end(x, rc ? rc : mal_add(x));
}

/* UDP length 200 on a 28-byte datagram, then UDP length 4 (below the header size). */
int sl_scen_mal_udp_len(struct sl_pcapw *w, uint64_t t0)
{
	static const uint16_t lens[] = { 200, 4 };
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	for (size_t i = 0; i < 2 && !rc; i++) {
		rc = mal_udp(x, 20);
		if (rc)
			break;
		put16(sl_pb_data(&x->b) + 14 + 20 + 4, lens[i]);
		rc = mal_add(x);
	}
	return mal_end(x, rc);
}

/* An Ethernet frame whose ethertype says 802.1Q and then ends after the TCI. */
int sl_scen_mal_vlan_truncated(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t tci[2] = { 0x00, 0x64 };
	struct sl_pb_eth e = { .ntags = 0 };
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	memcpy(e.src, x->link.client_mac, 6);
	memcpy(e.dst, x->link.server_mac, 6);
	sl_pb_init(&x->b);
	rc = sl_pb_append(&x->b, tci, sizeof(tci));
	if (!rc)
		rc = sl_pb_eth(&x->b, &e, 0x8100);
	return mal_end(x, rc ? rc : mal_add(x));
}

/* IPv6 whose hop-by-hop header claims 64 bytes (Hdr Ext Len 7) in an 8-byte payload. */
int sl_scen_mal_ipv6_ext_truncated(struct sl_pcapw *w, uint64_t t0)
{
	static const struct sl_pb_ext hbh = { 0, NULL, 0 };
	struct sl_pb_ip ip6 = { .ttl = 64, .ext = &hbh, .next = 1 };
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	if (sl_pb_addr_parse(&ip6.src, "2001:db8:77::9") || sl_pb_addr_parse(&ip6.dst, "2001:db8:100::99"))
		rc = -EINVAL;
	sl_pb_init(&x->b);
	if (!rc)
		rc = sl_pb_ip(&x->b, &ip6, 59);      /* no next header after the HBH */
	if (!rc) {
		sl_pb_data(&x->b)[41] = 7;
		rc = sl_pb_frame(&x->b, &x->link, true);
	}
	return mal_end(x, rc ? rc : mal_add(x));
}

/* ARP request (who-has 10.77.9.1 tell 10.77.9.2, broadcast) and its reply, RFC 826. */
int sl_scen_mal_arp(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t ip_c[4] = { 10, 77, 9, 2 }, ip_g[4] = { 10, 77, 9, 1 };
	static const uint8_t pad[18];
	struct mal_ctx *x;
	int rc = mal_begin(&x, w, t0);

	if (rc)
		return rc;
	for (int reply = 0; reply <= 1 && !rc; reply++) {
		const uint8_t *sha = reply ? x->link.server_mac : x->link.client_mac;
		const uint8_t *tha = reply ? x->link.client_mac : x->link.server_mac;
		uint8_t arp[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, (uint8_t)(reply ? 2 : 1) };
		struct sl_pb_eth e = { .ntags = 0 };
		memcpy(arp + 8, sha, 6);
		memcpy(arp + 14, reply ? ip_g : ip_c, 4);
		memcpy(arp + 18, reply ? tha : (const uint8_t[6]){ 0 }, 6);
		memcpy(arp + 24, reply ? ip_c : ip_g, 4);
		memcpy(e.src, sha, 6);
		memset(e.dst, 0xff, 6);
		if (reply)
			memcpy(e.dst, tha, 6);
		sl_pb_init(&x->b);
		rc = sl_pb_append(&x->b, arp, sizeof(arp));
		if (!rc)
			rc = sl_pb_append(&x->b, pad, sizeof(pad));
		if (!rc)
			rc = sl_pb_eth(&x->b, &e, 0x0806);
		if (!rc)
			rc = mal_add(x);
	}
	return mal_end(x, rc);
}

/* A normal TCP session 10.77.9.2:40997 -> 198.51.100.99:443 in a file with snaplen 96:
 * handshake and ACK frames are whole, data frames are cut (caplen 96 < wirelen). */
int sl_scen_mal_snaplen(struct sl_pcapw *w, uint64_t t0)
{
	struct sl_conv_cfg cfg;
	uint8_t req[400], resp[1000];
	uint64_t t = t0;

	if (sl_scen_cfg(&cfg, "10.77.9.2", 40997, "198.51.100.99", 443, 5, 40))
		return -EINVAL;
	sl_scen_tls_record(req, sizeof(req), 0x17, 30);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, 31);
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 100 };
	return sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
}
