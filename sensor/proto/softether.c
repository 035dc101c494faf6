/* SoftEther VPN, where it shows in clear (public descriptions: SoftEther's
 * source documentation of its HTTPS-disguised handshake and NAT traversal,
 * and nDPI's softether.pcap):
 *  - TCP: the client opens its session with an HTTP POST to
 *    /vpnsvc/connect.cgi or /vpnsvc/vpn.cgi whose Content-Type is
 *    image/jpeg (the watermark upload); when TLS hides it, names decide.
 *  - UDP 5004 (the NAT traversal servers): the server answers a client's
 *    probe with the text "IP=<dotted quad>,PORT=<port>", or either side
 *    sends a PACK-serialised request naming the nat_t_register opcode.
 * A flow must show one of these in the expected direction. */
#include <string.h>

#include "sightline/proto.h"

#define SE_NATT_PORT 5004
#define SE_SCAN_MAX 1024 /* bytes of an HTTP request searched for the header */

extern const struct sl_proto sl_proto_softether;

struct se_state {
	bool identified;
	uint8_t pkts;
};

static bool se_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (p->proto == 17)
		return p->sport == SE_NATT_PORT || p->dport == SE_NATT_PORT;
	return pp->dir == SL_DIR_TOSERVER && p->payload_len >= 5 && memcmp(p->payload, "POST ", 5) == 0;
}

static bool starts(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	return len >= n && memcmp(p, s, n) == 0;
}

static bool contains(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(p + i, s, n) == 0)
			return true;
	return false;
}

/* "IP=a.b.c.d,PORT=n" and nothing else: digits, dots, at most 3 per part. */
static bool natt_reply(const uint8_t *p, size_t len)
{
	size_t i = 3, dots = 0, run = 0;
	if (!starts(p, len, "IP="))
		return false;
	for (; i < len && p[i] != ','; i++) {
		if (p[i] == '.' && run) {
			dots++;
			run = 0;
		} else if (p[i] >= '0' && p[i] <= '9' && run < 3) {
			run++;
		} else {
			return false;
		}
	}
	if (dots != 3 || !run || !starts(p + i, len - i, ",PORT="))
		return false;
	for (i += 6, run = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		run++;
	return i == len && run >= 1 && run <= 5;
}

static bool http_connect(const uint8_t *p, size_t len)
{
	size_t n = len < SE_SCAN_MAX ? len : SE_SCAN_MAX;
	return (starts(p, n, "POST /vpnsvc/connect.cgi ") || starts(p, n, "POST /vpnsvc/vpn.cgi ")) &&
	       contains(p, n, "\r\nContent-Type: image/jpeg\r\n");
}

static enum sl_proto_verdict se_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct se_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	size_t len = pp->pkt->payload_len;
	bool hit;
	if (pp->pkt->proto == 6)
		hit = http_connect(p, len);
	else
		hit = (pp->dir == SL_DIR_TOCLIENT && natt_reply(p, len)) ||
		      (contains(p, len, "opcode") && contains(p, len, "nat_t_register"));
	if (hit) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_softether);
		sl_proto_claim_product(pp->flow, "softether", "vpn", SL_PROTO_BY_WIRE);
		return SL_PROTO_DONE;
	}
	if (pp->pkt->proto == 6 || ++s->pkts >= 4)
		return SL_PROTO_NOT_MINE;
	return SL_PROTO_MORE;
}

const struct sl_proto sl_proto_softether = {
	.name = "softether",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct se_state),
	.probe = se_probe,
	.packet = se_packet,
};
