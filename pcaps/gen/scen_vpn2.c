/* Synthetic tunnel and remote-access sessions built from public wire descriptions (no
 * product was run): RDP's UDP transport SYN/SYN+ACK ([MS-RDPEUDP]), SSTP in clear
 * ([MS-SSTP]), SoftEther's HTTP handshake and NAT-T answer, raw ESP (RFC 4303), Tailscale
 * disco (tailscale.com/disco) and a ZeroTier HELLO/OK (ZeroTierOne node/Packet.hpp). */
#include "scenarios.h"

#include "rng.h"

#include <errno.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void filler(uint8_t *p, size_t n, uint64_t seed)
{
	struct sl_rng r = { seed };
	sl_rng_fill(&r, p, n);
}

/* ---- RDP-UDP ---- */

#define RDPU_LEN 1232     /* 3.1.5.1.1: the SYN and SYN+ACK are padded to 1232 bytes */

static const uint8_t rdpu_corr[16] = { 0x5a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
				       0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9 };

/* RDPUDP_FEC_HEADER (snSourceAck, uReceiveWindowSize, uFlags), RDPUDP_SYNDATA_PAYLOAD
 * (snInitialSequenceNumber, uUpStreamMtu, uDownStreamMtu), the client's correlation id
 * (16 bytes + 16 reserved) and RDPUDP_SYNDATAEX_PAYLOAD (VERSION_INFO_VALID, version 2). */
static void rdpu_syn(uint8_t *p, uint32_t ack, uint16_t flags, uint32_t isn, bool corr)
{
	size_t off = 16; /* after the FEC header (8) and the SYNDATA (8) */
	memset(p, 0, RDPU_LEN);
	put32(p, ack);
	put16(p + 4, 64);
	put16(p + 6, flags);
	put32(p + 8, isn);
	put16(p + 12, 1232);
	put16(p + 14, 1232);
	if (corr) {
		memcpy(p + off, rdpu_corr, 16);
		off += 32;
	}
	put16(p + off, 0x0001);
	put16(p + off + 2, 0x0002);
}

/* UDP 10.77.0.2:50100 -> 198.51.100.60:3389 (c 3, s 25): the client's SYN (SYN |
 * CORRELATION_ID | SYNEX, snSourceAck -1, ISN 0x2f6a0c11) and the server's SYN+ACK
 * (SYN | ACK | SYNEX) acknowledging that ISN with its own 0x7b10e2d4. */
int sl_scen_rat_rdp_udp(struct sl_pcapw *w, uint64_t t0)
{
	static uint8_t syn[RDPU_LEN], synack[RDPU_LEN];
	struct sl_conv_cfg cfg;
	uint64_t t = t0;

	rdpu_syn(syn, 0xffffffffu, 0x0001 | 0x0800 | 0x1000, 0x2f6a0c11u, true);
	rdpu_syn(synack, 0x2f6a0c11u, 0x0001 | 0x0004 | 0x1000, 0x7b10e2d4u, false);
	const struct sl_conv_msg m[] = { { syn, sizeof(syn), synack, sizeof(synack), 0, 0 } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 50100, "198.51.100.60", 3389, 3, 25))
		return -EINVAL;
	return sl_scen_udp(w, &cfg, &t, m, 1);
}

/* ---- vpn-tunnels2: SSTP, SoftEther, raw ESP ---- */

static const char sstp_req[] =
	"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
	"SSTPCORRELATIONID: {4C1A5E2B-7D3F-4E9A-8B6C-1F2E3D4C5B6A}\r\n"
	"Content-Length: 18446744073709551615\r\n"
	"Host: vpn.farm.example\r\n\r\n";
static const char sstp_resp[] =
	"HTTP/1.1 200\r\n"
	"Content-Length: 18446744073709551615\r\n"
	"Server: Microsoft-HTTPAPI/2.0\r\n"
	"Date: Mon, 02 Mar 2026 14:00:00 GMT\r\n\r\n";

/* TCP 10.77.0.2:40800 -> 198.51.100.110:443 with TLS already removed (as behind a
 * TLS-terminating proxy): the HTTP exchange of [MS-SSTP] 2.2.1, then SSTP_MSG_CALL_CONNECT_REQUEST
 * (one ENCAPSULATED_PROTOCOL_ID attribute, PPP) answered by SSTP_MSG_CALL_CONNECT_ACK with a
 * CRYPTO_BINDING_REQ attribute (hash bitmask 3, 32-byte nonce), client FIN. */
static int vpn_sstp(struct sl_pcapw *w, uint64_t *t)
{
	static const uint8_t ccreq[14] = { 0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
					   0x00, 0x01, 0x00, 0x06, 0x00, 0x01 };
	uint8_t ack[48] = { 0x10, 0x01, 0x00, 0x30, 0x00, 0x02, 0x00, 0x01,
			    0x00, 0x04, 0x00, 0x28, 0x00, 0x00, 0x00, 0x03 };
	struct sl_conv_cfg cfg;

	filler(ack + 16, 32, 0x5575);
	const struct sl_conv_msg m[] = {
		{ sstp_req, sizeof(sstp_req) - 1, sstp_resp, sizeof(sstp_resp) - 1, 0, 0 },
		{ ccreq, sizeof(ccreq), ack, sizeof(ack), 0, 0 },
	};
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40800, "198.51.100.110", 443, 2, 30))
		return -EINVAL;
	return sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 2, SL_CLOSE_FIN_CLIENT);
}

/* TCP 10.77.0.2:40801 -> 198.51.100.111:443 with TLS removed: SoftEther's
 * POST /vpnsvc/connect.cgi (Content-Type image/jpeg; the 300-byte watermark body is a JPEG
 * shell: SOI, APP0 JFIF, a comment segment of filler, EOI)
 * answered by 200 with an application/octet-stream body of 120 filler bytes, client FIN.
 * Then UDP 10.77.0.2:40802 -> 198.51.100.112:5004: a 40-byte probe (filler: its format is
 * not described publicly) answered by the text "IP=192.0.2.77,PORT=40802". */
static int vpn_softether(struct sl_pcapw *w, uint64_t *t)
{
	static const char hdr[] = "POST /vpnsvc/connect.cgi HTTP/1.1\r\n"
				  "Host: vpn.farm.example\r\n"
				  "Content-Type: image/jpeg\r\n"
				  "Connection: Keep-Alive\r\n"
				  "Content-Length: 300\r\n\r\n";
	static const char rhdr[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: application/octet-stream\r\n"
				   "Connection: Keep-Alive\r\n"
				   "Content-Length: 120\r\n\r\n";
	static const char natt[] = "IP=192.0.2.77,PORT=40802";
	uint8_t req[sizeof(hdr) - 1 + 300], resp[sizeof(rhdr) - 1 + 120], probe[40];
	struct sl_conv_cfg cfg;

	uint8_t *img = req + sizeof(hdr) - 1;
	memcpy(req, hdr, sizeof(hdr) - 1);
	static const uint8_t jfif[20] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
					  0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00 };
	memcpy(img, jfif, sizeof(jfif));        /* SOI, APP0 JFIF, a comment of filler, EOI */
	img[20] = 0xff;
	img[21] = 0xfe;
	put16(img + 22, 276);
	filler(img + 24, 274, 0x5e01);
	img[298] = 0xff;
	img[299] = 0xd9;
	memcpy(resp, rhdr, sizeof(rhdr) - 1);
	filler(resp + sizeof(rhdr) - 1, 120, 0x5e02);
	filler(probe, sizeof(probe), 0x5e03);
	const struct sl_conv_msg m[] = { { req, sizeof(req), resp, sizeof(resp), 0, 0 } };
	const struct sl_conv_msg u[] = { { probe, sizeof(probe), natt, sizeof(natt) - 1, 0, 0 } };
	if (sl_scen_cfg(&cfg, "10.77.0.2", 40801, "198.51.100.111", 443, 2, 30))
		return -EINVAL;
	int rc = sl_scen_tcp(w, &cfg, t, SL_SCEN_HANDSHAKE, m, 1, SL_CLOSE_FIN_CLIENT);
	*t += 500 * SL_MS;
	if (!rc && sl_scen_cfg(&cfg, "10.77.0.2", 40802, "198.51.100.112", 5004, 2, 30))
		return -EINVAL;
	return rc ? rc : sl_scen_udp(w, &cfg, t, u, 1);
}

/* One ESP packet (RFC 4303 section 2): SPI, sequence number, then 100 bytes standing for
 * the IV, ciphertext, padding, pad length, next header and ICV. */
static int esp_packet(struct sl_pcapw *w, const struct sl_pb_ip *ip, const struct sl_pb_link *l,
                      bool from_client, uint32_t spi, uint32_t seq, uint64_t t)
{
	uint8_t body[108];
	struct sl_pb b;

	put32(body, spi);
	put32(body + 4, seq);
	filler(body + 8, sizeof(body) - 8, (uint64_t)spi << 32 | seq);
	sl_pb_init(&b);
	int rc = sl_pb_append(&b, body, sizeof(body));
	if (!rc)
		rc = sl_pb_ip(&b, ip, 50);
	return rc ? rc : sl_scen_emit(w, &b, l, from_client, t);
}

/* Raw ESP, IP protocol 50, 10.77.0.2 <-> 198.51.100.113 (the SAs an IKE exchange would have
 * set up): SPI 0xc1a2b3c4 seq 1..3 from the client, each answered 60 ms later on SPI
 * 0x0d5e6f70 seq 1..3, 1 s apart. */
static int vpn_esp(struct sl_pcapw *w, uint64_t *t)
{
	struct sl_pb_link link;
	struct sl_pb_ip up = { .ttl = 64, .df = true }, down = { .ttl = 54 };

	sl_scen_link_ethernet(&link);
	if (sl_pb_addr_parse(&up.src, "10.77.0.2") || sl_pb_addr_parse(&up.dst, "198.51.100.113"))
		return -EINVAL;
	down.src = up.dst;
	down.dst = up.src;
	for (uint32_t seq = 1; seq <= 3; seq++) {
		up.id = (uint16_t)(0x4100 + seq);
		down.id = (uint16_t)(0x9200 + seq);
		int rc = esp_packet(w, &up, &link, true, 0xc1a2b3c4u, seq, *t);
		if (!rc)
			rc = esp_packet(w, &down, &link, false, 0x0d5e6f70u, seq, *t + 60 * SL_MS);
		if (rc)
			return rc;
		*t += SL_SEC;
	}
	return 0;
}

int sl_scen_vpn_tunnels2(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;
	int rc = vpn_sstp(w, &t);

	t += SL_SEC;
	if (!rc)
		rc = vpn_softether(w, &t);
	t += SL_SEC;
	return rc ? rc : vpn_esp(w, &t);
}

/* ---- overlay-nets: Tailscale disco, ZeroTier ---- */

#define DISCO_LEN (6 + 32 + 24 + 16 + 46) /* magic, key, nonce, tag, sealed ping/pong */

/* A disco message: "TS" U+1F4AC, the sender's disco key, a nonce, then the NaCl box
 * (filler standing for the tag and the sealed type, version, tx id and node key). */
static void disco(uint8_t *p, uint8_t key_seed, uint64_t seed)
{
	static const uint8_t magic[6] = { 'T', 'S', 0xf0, 0x9f, 0x92, 0xac };
	memcpy(p, magic, 6);
	for (int i = 0; i < 32; i++)
		p[6 + i] = (uint8_t)(key_seed + 7 * i);
	filler(p + 38, DISCO_LEN - 38, seed);
}

/* UDP 10.77.0.2:41641 -> 198.51.100.120:41641 (c 3, s 20): two disco pings under the
 * client's key (bytes 0x11, 0x18, 0x1f ...) each answered by a pong under the peer's key
 * (0xa0, 0xa7 ...), 2 s apart. */
static int overlay_tailscale(struct sl_pcapw *w, uint64_t *t)
{
	uint8_t ping1[DISCO_LEN], ping2[DISCO_LEN], pong1[DISCO_LEN], pong2[DISCO_LEN];
	struct sl_conv_cfg cfg;

	disco(ping1, 0x11, 0x7301);
	disco(ping2, 0x11, 0x7302);
	disco(pong1, 0xa0, 0x7303);
	disco(pong2, 0xa0, 0x7304);
	const struct sl_conv_msg m[] = {
		{ ping1, sizeof(ping1), pong1, sizeof(pong1), 0, 0 },
		{ ping2, sizeof(ping2), pong2, sizeof(pong2), 2 * SL_SEC, 0 },
	};
	if (sl_scen_cfg(&cfg, "10.77.0.2", 41641, "198.51.100.120", 41641, 3, 20))
		return -EINVAL;
	return sl_scen_udp(w, &cfg, t, m, 2);
}

#define ZT_HELLO_LEN (28 + 13 + 5 + 1 + 64 + 1 + 7)
#define ZT_OK_LEN (28 + 60)

static const uint8_t zt_client[5] = { 0x8a, 0x3f, 0x5c, 0x21, 0x0e };
static const uint8_t zt_root[5] = { 0x62, 0xf8, 0x65, 0xae, 0x71 };

/* The 28-byte header: packet id, destination, source, flags (cipher suite in bits 3-5,
 * hops), 8-byte MAC, verb. */
static void zt_hdr(uint8_t *p, uint64_t id, const uint8_t *dst, const uint8_t *src,
                   uint8_t cipher, uint8_t verb)
{
	put32(p, (uint32_t)(id >> 32));
	put32(p + 4, (uint32_t)id);
	memcpy(p + 8, dst, 5);
	memcpy(p + 13, src, 5);
	p[18] = (uint8_t)(cipher << 3);
	filler(p + 19, 8, id);
	p[27] = verb;
}

/* UDP 10.77.0.2:9993 -> 198.51.100.121:9993 (c 3, s 40): the client's cleartext HELLO
 * (cipher suite 0, verb 0x01: protocol 12, version 1.12.2, timestamp, its identity
 * 8a3f5c210e type 0 with a 64-byte public key, then an InetAddress) answered by an OK
 * (verb 0x03, cipher suite 1) with the addresses swapped; 5 s later one more packet each
 * way under suite 1 (verb 0x05, ECHO-sized filler). */
static int overlay_zerotier(struct sl_pcapw *w, uint64_t *t)
{
	uint8_t hello[ZT_HELLO_LEN], ok[ZT_OK_LEN], c2[60], s2[60];
	struct sl_conv_cfg cfg;
	uint8_t *h = hello + 28;

	zt_hdr(hello, 0x3c1e5a7700000001ull, zt_root, zt_client, 0, 0x01);
	h[0] = 12;
	h[1] = 1;
	h[2] = 12;
	put16(h + 3, 2);
	put32(h + 5, 0x0000019c);                 /* timestamp, ms since 1970 */
	put32(h + 9, 0xaf2b7c00);
	memcpy(h + 13, zt_client, 5);
	h[18] = 0;                                /* identity type 0 (curve25519/ed25519) */
	filler(h + 19, 64, 0x2701);
	h[83] = 0;                                /* no private key */
	static const uint8_t inet[7] = { 0x04, 198, 51, 100, 121, 0x27, 0x09 };
	memcpy(h + 84, inet, sizeof(inet));
	zt_hdr(ok, 0x91d0c44b00000001ull, zt_client, zt_root, 1, 0x03);
	filler(ok + 28, ZT_OK_LEN - 28, 0x2702);
	zt_hdr(c2, 0x3c1e5a7700000002ull, zt_root, zt_client, 1, 0x05);
	filler(c2 + 28, sizeof(c2) - 28, 0x2703);
	zt_hdr(s2, 0x91d0c44b00000002ull, zt_client, zt_root, 1, 0x05);
	filler(s2 + 28, sizeof(s2) - 28, 0x2704);
	const struct sl_conv_msg m[] = {
		{ hello, sizeof(hello), ok, sizeof(ok), 0, 0 },
		{ c2, sizeof(c2), s2, sizeof(s2), 5 * SL_SEC, 0 },
	};
	if (sl_scen_cfg(&cfg, "10.77.0.2", 9993, "198.51.100.121", 9993, 3, 40))
		return -EINVAL;
	return sl_scen_udp(w, &cfg, t, m, 2);
}

int sl_scen_overlay_nets(struct sl_pcapw *w, uint64_t t0)
{
	uint64_t t = t0;
	int rc = overlay_tailscale(w, &t);

	t += SL_SEC;
	return rc ? rc : overlay_zerotier(w, &t);
}
